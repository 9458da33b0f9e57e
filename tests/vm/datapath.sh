# tests/vm/datapath.sh: the core datapath's netlink behaviour (ovs_datapath, ovs_vport,
# ovs_flow, ovs_packet), against whichever OVS module is loaded: datapath_run.sh decides.
# Sourced after lib.sh. Every assertion's expected value is upstream openvswitch.ko's
# (validated against it in the VM); each test_* runs one scenario of tests/vm/ovs_client.py
# in one python process (an interpreter start costs seconds under TCG), around its own
# datapath, netns and veths, all removed on exit.

OVS_CLIENT="$REPO/tests/vm/ovs_client.py"
# Flows added and dumped by test_flow_dump_many.
FLOWS=${FLOWS:-10000}
PEER_MAC=02:00:00:00:00:0b

# ovs_scenario NAME ARG...: runs a scenario of ovs_client.py; its checks print as "ok - ..."
# and "not ok - ...". If datapath_run.sh started the scenario server (fds 7: requests,
# 8: replies), the scenario runs there, saving an interpreter start; else in a new python.
ovs_scenario() {
	if [ -n "${OVS_SERVER:-}" ] && { true >&7; } 2>/dev/null; then
		local id=$RANDOM$RANDOM line rc=1
		(IFS=$'\t'; printf '%s\t%s\n' "$id" "$*") >&7 || return 1
		while IFS= read -r -t 1800 line <&8; do
			case $line in
			"__rc=$id:"*) rc=${line#"__rc=$id:"}; break ;;
			*) printf '%s\n' "$line" ;;
			esac
		done
		return "$rc"
	fi
	"$PY" "$OVS_CLIENT" scenario "$@"
}

# new_ns NS: a network namespace with IPv6 off (its interfaces then send nothing on their own).
new_ns() {
	ip netns add "$1" || return 1
	ip netns exec "$1" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
		echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
}

# new_veth A B NS: a veth pair, A in this namespace (for a vport), B in NS; both up, silent.
new_veth() {
	ip link add "$1" type veth peer name "$2" netns "$3" || return 1
	echo 1 > "/proc/sys/net/ipv6/conf/$1/disable_ipv6"
	ip -n "$3" link set "$2" address "$PEER_MAC" || return 1
	ip link set "$1" up && ip -n "$3" link set "$2" up
}

# del_links NAME...: removes links that may be left over (errors ignored).
del_links() {
	local l
	for l in "$@"; do ip link del "$l" 2>/dev/null; done
	return 0
}

test_dp_lifecycle() {
	ovs_scenario dp dpt-dp
}

test_vport() (
	local ns=dpt-vp-ns
	cleanup() { del_links dpv-a dpv-b dpv-c dpv-d dpv-br; ip netns del "$ns" 2>/dev/null; }
	trap cleanup EXIT
	cleanup
	new_ns "$ns" || exit 1
	local v
	for v in a b c d; do new_veth "dpv-$v" "dpv-${v}p" "$ns" || exit 1; done
	# dpv-d enslaved to a bridge: adding it as a vport is refused (EBUSY).
	local bridged=""
	if ip link add dpv-br type bridge 2>/dev/null; then
		ip link set dpv-d master dpv-br || exit 1
		bridged=dpv-d
	else
		echo "no bridge support: the bridge case is not checked"
	fi
	ovs_scenario vport dpt-vp dpv-a dpv-b dpv-c "$bridged" || exit 1
	# After the scenario (its datapath deleted): dpv-c went with `ip link del`, its peer too.
	! ip link show dpv-c >/dev/null 2>&1 || fail "dpv-c still exists"
)

test_flow() {
	ovs_scenario flow dpt-fl
}

test_flow_dump_many() {
	local start rc
	start=$(date +%s)
	ovs_scenario flow_dump dpt-fd "$FLOWS"
	rc=$?
	echo "FLOWS=$FLOWS: $(($(date +%s) - start))s including the interpreter start"
	return $rc
}

# packet tests: one or two veths, the datapath side here, the peers in a netns.
with_veths() { # with_veths NS A... : the peers are A-p
	local ns=$1 a
	shift
	ip netns del "$ns" 2>/dev/null
	del_links "$@"
	new_ns "$ns" || return 1
	for a in "$@"; do new_veth "$a" "$a-p" "$ns" || return 1; done
}

test_packet_execute() (
	trap 'ip netns del dpt-ex-ns 2>/dev/null; del_links dpx-a' EXIT
	with_veths dpt-ex-ns dpx-a || exit 1
	ovs_scenario execute dpt-ex dpx-a dpx-a-p dpt-ex-ns
)

test_packet_miss_upcall() (
	trap 'ip netns del dpt-up-ns 2>/dev/null; del_links dpu-a' EXIT
	with_veths dpt-up-ns dpu-a || exit 1
	ovs_scenario upcall dpt-up dpu-a dpu-a-p dpt-up-ns "$PEER_MAC"
)

test_flow_stats() (
	trap 'ip netns del dpt-st-ns 2>/dev/null; del_links dps-a dps-b' EXIT
	with_veths dpt-st-ns dps-a dps-b || exit 1
	ovs_scenario flow_stats dpt-st dps-a dps-a-p dps-b dps-b-p dpt-st-ns "$PEER_MAC" 7
)

test_flow_exact_match() (
	trap 'ip netns del dpt-em-ns 2>/dev/null; del_links dpe-a' EXIT
	with_veths dpt-em-ns dpe-a || exit 1
	ovs_scenario exact dpt-em dpe-a dpe-a-p dpt-em-ns "$PEER_MAC"
)

test_dp_attrs() {
	ovs_scenario dp_attrs dpt-da
}

test_notifications() {
	ovs_scenario notify dpt-nt
}

# Issue 13's packet-path fidelity. Per-CPU dispatch: a userspace action's pid is a
# placeholder, replaced by the CPU's pid (from execute and from a flow).
test_percpu_userspace() (
	trap 'ip netns del dpt-pc-ns 2>/dev/null; del_links dpp-a' EXIT
	with_veths dpt-pc-ns dpp-a || exit 1
	ovs_scenario percpu_userspace dpt-pc dpp-a dpp-a-p dpt-pc-ns "$PEER_MAC"
)

# No flows and a userspace forwarder (MISS -> EXECUTE output:other): UDP, UDP_SEGMENT and
# TCP from the stacks of two namespaces arrive with valid checksums (CHECKSUM_PARTIAL
# completed, GSO segmented before the upcall).
test_upcall_csum_gso() (
	local na=dpt-cs-a nb=dpt-cs-b
	trap 'ip netns del $na 2>/dev/null; ip netns del $nb 2>/dev/null; del_links dpc-a dpc-b' EXIT
	ip netns del $na 2>/dev/null; ip netns del $nb 2>/dev/null; del_links dpc-a dpc-b
	new_ns $na && new_ns $nb || exit 1
	new_veth dpc-a dpc-a-p $na && new_veth dpc-b dpc-b-p $nb || exit 1
	ip -n $nb link set dpc-b-p address 02:00:00:00:00:0c || exit 1
	ip -n $na addr add 10.13.0.1/24 dev dpc-a-p && ip -n $nb addr add 10.13.0.2/24 dev dpc-b-p || exit 1
	ip -n $na neigh add 10.13.0.2 lladdr 02:00:00:00:00:0c dev dpc-a-p nud permanent || exit 1
	ip -n $nb neigh add 10.13.0.1 lladdr "$PEER_MAC" dev dpc-b-p nud permanent || exit 1
	echo "# dpc-a-p offloads: $(ip netns exec $na ethtool -k dpc-a-p 2>/dev/null |
		grep -E '^(tx-checksumming|tcp-segmentation-offload|tx-udp-segmentation):' | tr '\n' ' ')"
	ovs_scenario upcall_csum dpt-cs dpc-a dpc-b $na $nb 10.13.0.1 10.13.0.2
)

# Execute: hash and MRU (in the upcall), skb mark (SO_RCVMARK on the output device),
# priority (a VLAN device's egress-qos-map 5:3 turns it into PCP 3), the network header
# (tc u32 on egress).
test_execute_meta() (
	trap 'ip netns del dpt-em2-ns 2>/dev/null; del_links dpm-v dpm-a' EXIT
	with_veths dpt-em2-ns dpm-a || exit 1
	ip link add link dpm-a name dpm-v type vlan id 5 egress-qos-map 5:3 || exit 1
	echo 1 > /proc/sys/net/ipv6/conf/dpm-v/disable_ipv6
	ip link set dpm-v up || exit 1
	ovs_scenario execute_meta dpt-em2 dpm-a dpm-v dpm-a-p dpt-em2-ns 5 3
)

# Issue 13: an internal port moved into a namespace that is then deleted.
test_internal_netns() (
	trap 'ip netns del dpt-in-ns 2>/dev/null' EXIT
	ovs_scenario internal_netns dpt-in dpt-in-ns
)

PACKET_FIDELITY_TESTS="percpu_userspace upcall_csum_gso execute_meta"

DATAPATH_TESTS="dp_lifecycle dp_attrs vport flow flow_dump_many packet_execute packet_miss_upcall
	flow_stats flow_exact_match notifications $PACKET_FIDELITY_TESTS internal_netns"
