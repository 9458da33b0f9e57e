#!/bin/bash
# tests/vm/stock_ovs.sh: Debian's stock Open vSwitch (ovsdb-server + ovs-vswitchd) on a
# datapath module, as an operator runs it: a NORMAL bridge with two veth ports into two
# namespaces, pings across it, then ovs-vswitchd's log and the datapath's megaflows.
# Differential: run on openvswitch.ko first (the reference), then on ours, in one boot.
# Prints TAP (STOCK_TESTS="upstream ours" by default). Issue 13's quick form: NORMAL with IPv4
# and ARP (IPv6 ND rides along), the first UDP datagram of a miss, controller packet-ins, then
# OpenFlow drop, port-to-port and VLAN push/pop rules; issue 14's stateful firewall (ct); then
# ovs-vswitchd restarted with the megaflows kept, and an internal port moved into a namespace
# that is then deleted.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

OVS_TMP=/tmp/stock-ovs
export OVS_RUNDIR=$OVS_TMP/run OVS_DBDIR=$OVS_TMP/db OVS_LOGDIR=$OVS_TMP/log OVS_SYSCONFDIR=$OVS_TMP/etc
DB=unix:$OVS_RUNDIR/db.sock
VSCTL="ovs-vsctl --db=$DB --timeout=60"

ovs_start() {
	rm -rf "$OVS_TMP"
	mkdir -p "$OVS_RUNDIR" "$OVS_DBDIR" "$OVS_LOGDIR" "$OVS_SYSCONFDIR"
	ovsdb-tool create "$OVS_DBDIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema || return 1
	ovsdb-server "$OVS_DBDIR/conf.db" --remote=punix:$OVS_RUNDIR/db.sock \
		--pidfile=$OVS_RUNDIR/ovsdb-server.pid --detach -vconsole:off --log-file=$OVS_LOGDIR/ovsdb-server.log || return 1
	$VSCTL --no-wait init || return 1
	# max-idle: megaflows idle for 10 s (the default) are deleted, and under TCG the ARP
	# megaflows of the first ping went idle before the dump on a slow run (CI, 2026-12-02:
	# ours lost both, upstream's run kept them), so the comparison raced the machine's speed.
	$VSCTL --no-wait set Open_vSwitch . other_config:n-handler-threads=1 \
		other_config:n-revalidator-threads=1 other_config:max-idle=600000 || return 1
	# OVS 3.1 counts 0 CPU cores until the monotonic clock passes 10 s (shared notes).
	while [ "$(cut -d. -f1 /proc/uptime)" -lt 12 ]; do sleep 1; done
	vswitchd_start "$OVS_LOGDIR/ovs-vswitchd.log"
}

# vswitchd_start LOG: ovs-vswitchd on the database, detached, logging to LOG.
vswitchd_start() {
	ovs-vswitchd "$DB" --pidfile=$OVS_RUNDIR/ovs-vswitchd.pid --detach -vconsole:off --log-file="$1"
}

# Stops both daemons (each waited for, bounded) and removes the namespaces; always succeeds.
ovs_stop() {
	local p pid i
	for p in ovs-vswitchd ovsdb-server; do
		[ -f "$OVS_RUNDIR/$p.pid" ] || continue
		pid=$(cat "$OVS_RUNDIR/$p.pid")
		kill "$pid" 2>/dev/null
		for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	done
	for i in 1 2; do
		ip netns del so$i 2>/dev/null
		ip link del so$i 2>/dev/null
	done
	ip netns del so3 2>/dev/null
	return 0
}

OVSDP="$REPO/tools/ovsdp/target/release/ovsdp"
# normalise_flows: dump-flows lines without their ufids and statistics, sorted. Recirculation
# ids are ovs-vswitchd's to allocate, from what ran before (a controller continuation takes
# one): make check, 2026-12-03, upstream's firewall used 0x8/0x9, ours 0xa/0xb. They read R.
normalise_flows() {
	sed -E 's/ufid:[^ ]+ //; s/packets:[0-9]+, bytes:[0-9]+, used:[^,]+, //; s/flags:[^,]*, //' |
		sed -E 's/recirc_id\(0x[0-9a-f]+\)/recirc_id(R)/; s/recirc\(0x[0-9a-f]+\)/recirc(R)/g' | sort
}

# scenario NAME: bridge, ports, pings; leaves its counts in $OVS_TMP/NAME.counts.
scenario() {
	local name=$1 i
	ovs_start || { fail "$name: OVS did not start"; return 1; }
	$VSCTL add-br br0 -- set Bridge br0 fail-mode=standalone || { fail "$name: add-br"; return 1; }
	for i in 1 2; do
		ip netns add so$i
		# Fixed addresses, so that both modules' megaflows read the same.
		ip link add so$i address 02:00:00:77:01:0$i type veth peer name so$i-in address 02:00:00:77:00:0$i
		ip link set so$i-in netns so$i
		ip -n so$i addr add 10.77.0.$i/24 dev so$i-in
		ip -n so$i link set so$i-in up
		ip -n so$i link set lo up
		ip link set so$i up
		$VSCTL add-port br0 so$i || { fail "$name: add-port so$i"; return 1; }
	done
	ip link set br0 up
	# Permanent neighbours for the pings, and ARP from one arping: a learned neighbour entry is
	# probed by unicast ARP about 5 s after first use (DELAY -> PROBE), so which ARP megaflows
	# a dump shows would depend on how long the run took (CI, 2026-12-02: upstream's dump had
	# the probe's two unicast ARP megaflows, ours did not). One broadcast request and its
	# unicast reply are the same on every run.
	ip -n so1 neigh replace 10.77.0.2 lladdr 02:00:00:77:00:02 dev so1-in nud permanent
	ip -n so2 neigh replace 10.77.0.1 lladdr 02:00:00:77:00:01 dev so2-in nud permanent
	ip netns exec so1 arping -q -c 1 -w 10 -I so1-in 10.77.0.2 ||
		{ fail "$name: no ARP reply across the bridge"; return 1; }
	ip netns exec so1 ping -c 3 -i 0.5 -W 5 10.77.0.2 >/dev/null ||
		{ fail "$name: ping across the bridge"; return 1; }
	# The megaflows of the second and third pings are in the datapath now, if installed.
	local flows refused
	flows=$(ovs-dpctl dump-flows 2>/dev/null | grep -c 'actions:')
	# The IPv4 and ARP megaflows without their ufids and statistics, for the comparison
	# (IPv6's router and neighbour solicitations come at times of their own).
	ovs-dpctl dump-flows 2>/dev/null | grep -E 'eth_type\(0x(0800|0806)\)' | normalise_flows \
		> "$OVS_TMP.$name.flows"
	# ovsdp reads the stock bridge's datapath as ovs-dpctl does (issue 13).
	"$OVSDP" dump-flows ovs-system 2>&1 | grep -E 'eth_type\(0x(0800|0806)\)' | normalise_flows \
		> "$OVS_TMP.$name.ovsdp-flows"
	diff "$OVS_TMP.$name.flows" "$OVS_TMP.$name.ovsdp-flows" ||
		{ fail "$name: ovsdp dump-flows reads otherwise than ovs-dpctl dump-flows"; return 1; }
	refused=$(grep -cE 'failed to (put|execute|flow_)' "$OVS_LOGDIR/ovs-vswitchd.log")
	grep -E 'Datapath (supports|does not support)' "$OVS_LOGDIR/ovs-vswitchd.log" |
		sed 's/.*ofproto_dpif|INFO|[^:]*: //' | sort > "$OVS_TMP.$name.probes"
	echo "$name: $flows megaflows after the pings, $refused refused operations"
	grep -E 'failed to (put|execute|flow_)' "$OVS_LOGDIR/ovs-vswitchd.log" | head -3
	echo "$flows $refused" > "$OVS_TMP.$name.counts"
	# After the counts: its del-flows makes the revalidators log failed flow_dels.
	packet_path "$name"
	openflow_paths "$name"
	lifecycle "$name"
	ovs_stop
}

# of_step NAME STEP EXPECT PING-ARGS...: replaces the bridge's OpenFlow rules with the ones on
# stdin, empties the datapath, pings, and appends "STEP ping=ok|failed" to $OVS_TMP.NAME.of and
# the step's IPv4 megaflows, tagged or not (normalised), to $OVS_TMP.NAME.of-flows. EXPECT: ok
# or failed.
of_step() {
	local name=$1 step=$2 expect=$3 got
	shift 3
	ovs-ofctl del-flows br0 && ovs-ofctl add-flows br0 - || fail "$name: $step: add-flows"
	# Through ovs-vswitchd, not `ovs-dpctl del-flows`: that leaves its ukeys behind, and a
	# packet whose ukey is still there installs no megaflow, so which megaflows a step showed
	# depended on the revalidators' timing (seen: a port-to-port flow missing on both
	# modules, present on one in another run).
	ovs-appctl revalidator/wait >/dev/null && ovs-appctl revalidator/purge >/dev/null ||
		fail "$name: $step: revalidator/purge"
	if ip netns exec "${OF_FROM:-so1}" ping "$@" >/dev/null; then got=ok; else got=failed; fi
	echo "$step ping=$got" >> "$OVS_TMP.$name.of"
	[ "$got" = "$expect" ] || fail "$name: $step: ping $got, expected $expect"
	{
		echo "== $step"
		# IPv4 only, tagged or not: the new VLAN interface's IPv6 (DAD, router solicitations)
		# comes at times of its own (seen: its megaflow in one module's run, not the other's).
		ovs-dpctl dump-flows 2>/dev/null | grep -F 'eth_type(0x0800)' | normalise_flows
	} >> "$OVS_TMP.$name.of-flows"
	# The same, whole (ufids, statistics), shown if the comparison fails.
	{ echo "== $step"; ovs-dpctl dump-flows 2>/dev/null; } >> "$OVS_TMP.$name.of-raw"
}

# openflow_paths NAME: issue 13's OpenFlow scenarios on the same bridge, each from an empty
# datapath: an icmp drop rule (the ping fails; a drop megaflow), port-to-port rules instead of
# NORMAL, then VLAN: so1 sends tagged (vlan 10) frames that are popped towards so2, whose
# replies are pushed back into vlan 10 (mod_vlan_vid/strip_vlan: push_vlan/pop_vlan).
openflow_paths() {
	local name=$1
	: > "$OVS_TMP.$name.of"
	: > "$OVS_TMP.$name.of-flows"
	: > "$OVS_TMP.$name.of-raw"
	printf '%s\n' "priority=10,icmp,actions=drop" "priority=0,actions=normal" |
		of_step "$name" drop failed -c 2 -i 0.5 -W 2 10.77.0.2
	printf '%s\n' "in_port=so1,actions=output:so2" "in_port=so2,actions=output:so1" |
		of_step "$name" port-to-port ok -c 2 -i 0.5 -W 5 10.77.0.2
	ip -n so1 link add link so1-in name so1-in.10 type vlan id 10
	ip -n so1 addr add 10.77.10.1/24 dev so1-in.10
	ip -n so1 link set so1-in.10 up
	ip -n so2 addr add 10.77.10.2/24 dev so2-in
	ip -n so1 neigh replace 10.77.10.2 lladdr 02:00:00:77:00:02 dev so1-in.10 nud permanent
	ip -n so2 neigh replace 10.77.10.1 lladdr 02:00:00:77:00:01 dev so2-in nud permanent
	printf '%s\n' "in_port=so1,dl_vlan=10,actions=strip_vlan,output:so2" \
		"in_port=so2,ip,nw_dst=10.77.10.1,actions=mod_vlan_vid:10,output:so1" |
		of_step "$name" vlan ok -c 2 -i 0.5 -W 5 10.77.10.2
	# Issue 14: a stateful firewall. New connections from so1 are committed and pass, and
	# so do their replies (established); new ones from so2 are dropped. Each module starts
	# from an empty conntrack table, so the other's entries cannot answer for it.
	conntrack -F >/dev/null 2>&1
	local fw=(
		"table=0,priority=100,ip,ct_state=-trk,actions=ct(table=1)"
		"table=0,priority=0,actions=normal"
		"table=1,priority=100,ip,ct_state=+trk+new,in_port=so1,actions=ct(commit),output:so2"
		"table=1,priority=100,ip,ct_state=+trk+est,in_port=so1,actions=output:so2"
		"table=1,priority=100,ip,ct_state=+trk+est,in_port=so2,actions=output:so1"
		"table=1,priority=90,ip,ct_state=+trk,actions=drop"
	)
	printf '%s\n' "${fw[@]}" | of_step "$name" firewall-out ok -c 2 -i 0.5 -W 5 10.77.0.2
	printf '%s\n' "${fw[@]}" | OF_FROM=so2 of_step "$name" firewall-in failed -c 2 -i 0.5 -W 2 10.77.0.1
	# The connection the outbound pings committed, in the datapath's zone 0.
	if conntrack -L -p icmp 2>/dev/null | grep -q 'src=10.77.0.1 dst=10.77.0.2'; then
		echo "firewall conntrack-entry=yes" >> "$OVS_TMP.$name.of"
	else
		echo "firewall conntrack-entry=no" >> "$OVS_TMP.$name.of"
	fi
	sed 's/^/  /' "$OVS_TMP.$name.of"
}

# lifecycle NAME: issue 13's operator events, after the OpenFlow scenarios. ovs-vswitchd
# exits without --cleanup and the datapath keeps its megaflows while it is down; it starts
# again and the bridge forwards, with nothing refused in its new log. Then an internal port
# is moved into a namespace that is deleted (Neutron's qrouter/qdhcp ports): nothing waits
# in unregister_netdevice. Writes "STEP RESULT" lines to $OVS_TMP.NAME.life.
lifecycle() {
	local name=$1 life=$OVS_TMP.$1.life before down after i
	: > "$life"
	printf '%s\n' "priority=0,actions=normal" | ovs-ofctl replace-flows br0 - ||
		fail "$name: lifecycle: replace-flows"
	ip netns exec so1 ping -c 2 -i 0.5 -W 5 10.77.0.2 >/dev/null ||
		fail "$name: lifecycle: ping before the restart"
	before=$(ovs-dpctl dump-flows 2>/dev/null | grep -c 'eth_type(0x0800)')
	ovs-appctl -t ovs-vswitchd exit >/dev/null || fail "$name: ovs-appctl exit"
	for i in $(seq 1 50); do [ -f "$OVS_RUNDIR/ovs-vswitchd.pid" ] || break; sleep 0.2; done
	down=$(ovs-dpctl dump-flows 2>/dev/null | grep -c 'eth_type(0x0800)')
	echo "megaflows-kept-while-down $([ "$before" -gt 0 ] && [ "$down" -eq "$before" ] && echo yes || echo "no ($before before, $down while down)")" >> "$life"
	vswitchd_start "$OVS_LOGDIR/ovs-vswitchd.restart.log" || fail "$name: ovs-vswitchd restart"
	if ip netns exec so1 ping -c 2 -i 0.5 -W 5 10.77.0.2 >/dev/null; then
		echo "ping-after-restart ok" >> "$life"
	else
		echo "ping-after-restart failed" >> "$life"
	fi
	after=$(grep -cE 'failed to (put|execute|flow_)' "$OVS_LOGDIR/ovs-vswitchd.restart.log")
	echo "refused-after-restart $after" >> "$life"
	$VSCTL add-port br0 so-int -- set Interface so-int type=internal ||
		fail "$name: add-port so-int (internal)"
	for i in $(seq 1 50); do ip link show so-int >/dev/null 2>&1 && break; sleep 0.2; done
	ip netns add so3
	if ip link set so-int netns so3; then
		echo "internal-port-moved yes" >> "$life"
	else
		echo "internal-port-moved no" >> "$life"
	fi
	# The port stays in the database, as an operator's would. unregister_netdevice reports
	# a device it still waits for after 10 s. (What ovs-vswitchd makes of the port after it
	# left the datapath is its own timing: make check, 2026-12-04, upstream's run once had
	# it made again in this namespace within the wait, and in four runs not.)
	ip netns del so3
	sleep 12
	echo "unregister-waits $(dmesg | grep -c 'waiting for so-int to become free')" >> "$life"
	$VSCTL del-port br0 so-int
	sed 's/^/  /' "$life"
}

NC=/usr/bin/nc.openbsd

# packet_path NAME: issue 13's packet path under ovs-vswitchd (per-CPU upcall dispatch):
# the first UDP datagram of a new megaflow reaches the other side (its upcall and
# execute keep a valid checksum), so does the first SYN of a TCP connection (in
# $OVS_TMP.NAME.path2, with an IPv6 ping across NORMAL), and a flow's controller action delivers a packet-in for
# each of 3 datagrams (the first from the miss, in userspace; the others from the
# datapath's userspace action, whose pid is the per-CPU placeholder). Writes
# $OVS_TMP.NAME.path: "<udp datagrams received> <packet-ins>".
packet_path() {
	local name=$1 got pins i
	ovs-dpctl del-flows 2>/dev/null
	ip netns exec so2 timeout 15 $NC -u -l -W 1 10.77.0.2 9000 > "$OVS_TMP.$name.udp" &
	sleep 1
	ip netns exec so1 bash -c 'echo first-datagram > /dev/udp/10.77.0.2/9000'
	wait $!
	got=$(grep -c first-datagram "$OVS_TMP.$name.udp")
	# The same for the first SYN of a TCP connection: so1's stack retransmits none.
	ip netns exec so2 timeout 15 $NC -l 10.77.0.2 9100 > "$OVS_TMP.$name.tcp" &
	local srv=$!
	sleep 1
	echo first-connection | ip netns exec so1 timeout 10 $NC -N 10.77.0.2 9100
	wait $srv
	local syn_rtx
	syn_rtx=$(ip netns exec so1 nstat -asz TcpExtTCPSynRetrans | awk '$1 == "TcpExtTCPSynRetrans" { print $2 }')
	echo "tcp-connection-data $(grep -c first-connection "$OVS_TMP.$name.tcp")" > "$OVS_TMP.$name.path2"
	echo "tcp-syn-retransmits ${syn_rtx:-unknown}" >> "$OVS_TMP.$name.path2"
	# IPv6 across the NORMAL bridge, its neighbour discovery (multicast solicitation,
	# unicast advertisement) included.
	for i in 1 2; do ip -n so$i addr add fd00:77::$i/64 dev so$i-in nodad; done
	if ip netns exec so1 ping -6 -c 2 -i 0.5 -W 5 fd00:77::2 >/dev/null; then
		echo "ipv6-ping ok" >> "$OVS_TMP.$name.path2"
	else
		echo "ipv6-ping failed" >> "$OVS_TMP.$name.path2"
	fi
	sed 's/^/  /' "$OVS_TMP.$name.path2"
	ovs-ofctl add-flow br0 "priority=100,udp,nw_dst=10.77.0.2,tp_dst=9001,actions=controller,normal" ||
		fail "$name: add-flow"
	ovs-ofctl monitor br0 65534 > "$OVS_TMP.$name.monitor" 2>&1 &
	local mon=$!
	sleep 3
	for i in 1 2 3; do
		ip netns exec so1 bash -c "echo to-controller-$i > /dev/udp/10.77.0.2/9001"
		sleep 1
	done
	sleep 2
	kill $mon 2>/dev/null
	wait $mon 2>/dev/null
	pins=$(grep -c 'PACKET_IN' "$OVS_TMP.$name.monitor")
	echo "$name: first UDP datagram received: $got; packet-ins for 3 datagrams: $pins"
	ovs-dpctl dump-flows 2>/dev/null | grep -m2 'userspace' | sed 's/^/  /'
	echo "$got $pins" > "$OVS_TMP.$name.path"
}

test_stock_ovs_upstream() {
	unload_ours || return 1
	modprobe openvswitch || { fail "modprobe openvswitch"; return 1; }
	scenario upstream
	local rc=$?
	ovs_stop
	ovs-dpctl del-dp ovs-system 2>/dev/null
	rmmod openvswitch || fail "rmmod openvswitch" || return 1
	[ $rc -eq 0 ] || return 1
	read -r flows refused < "$OVS_TMP.upstream.counts"
	[ "$refused" -eq 0 ] || fail "upstream refused $refused operations" || return 1
	[ "$flows" -gt 0 ] || fail "upstream installed no megaflow" || return 1
	read -r got pins < "$OVS_TMP.upstream.path"
	[ "$got" -eq 1 ] && [ "$pins" -eq 3 ] ||
		fail "upstream: $got of 1 UDP datagrams, $pins of 3 packet-ins" || return 1
	[ "$(cat "$OVS_TMP.upstream.of")" = "$(printf '%s\n' 'drop ping=failed' 'port-to-port ping=ok' 'vlan ping=ok' \
		'firewall-out ping=ok' 'firewall-in ping=failed' 'firewall conntrack-entry=yes')" ] ||
		fail "upstream: OpenFlow scenarios: $(tr '\n' ' ' < "$OVS_TMP.upstream.of")" || return 1
	[ "$(cat "$OVS_TMP.upstream.path2")" = "$(printf '%s\n' 'tcp-connection-data 1' 'tcp-syn-retransmits 0' \
		'ipv6-ping ok')" ] || fail "upstream: TCP and IPv6: $(tr '\n' ' ' < "$OVS_TMP.upstream.path2")" || return 1
	[ "$(cat "$OVS_TMP.upstream.life")" = "$(printf '%s\n' 'megaflows-kept-while-down yes' \
		'ping-after-restart ok' 'refused-after-restart 0' 'internal-port-moved yes' 'unregister-waits 0')" ] ||
		fail "upstream: lifecycle: $(tr '\n' ' ' < "$OVS_TMP.upstream.life")"
}

test_stock_ovs_ours() {
	dmesg -C
	load_ours || return 1
	scenario ours
	local rc=$?
	ovs_stop
	ovs-dpctl del-dp ovs-system 2>/dev/null
	unload_ours || fail "rmmod openvswitch_rs" || return 1
	dmesg | "$here/dmesg_check.sh" || fail "kernel log of the run on ours" || return 1
	[ $rc -eq 0 ] || return 1
	read -r flows refused < "$OVS_TMP.ours.counts"
	[ "$refused" -eq 0 ] || fail "ours refused $refused operations" || return 1
	[ "$flows" -gt 0 ] || fail "ours installed no megaflow" || return 1
	local path
	path=$(cat "$OVS_TMP.ours.path")
	[ "$path" = "$(cat "$OVS_TMP.upstream.path")" ] ||
		fail "ours: UDP datagrams and packet-ins '$path', upstream's '$(cat "$OVS_TMP.upstream.path")'" ||
		return 1
	diff "$OVS_TMP.upstream.path2" "$OVS_TMP.ours.path2" ||
		fail "ours: the first TCP connection or IPv6 otherwise than upstream's" || return 1
	# The feature probes, as upstream's except the features not built yet (issue 16).
	# Measured 2026-12-02: 12 probes differed (conntrack, MPLS, check_pkt_len); conntrack's
	# are upstream's since issue 14.
	local not_yet='add_mpls|check_pkt_len'
	diff <(grep -viE "$not_yet" "$OVS_TMP.upstream.probes") <(grep -viE "$not_yet" "$OVS_TMP.ours.probes") ||
		fail "feature probes differ from upstream's beyond the list of features not built yet" || return 1
	echo "probes only upstream's (features not built yet):"
	comm -23 "$OVS_TMP.upstream.probes" "$OVS_TMP.ours.probes" | sed 's/^/  /'
	# The same traffic gives the same megaflows.
	diff "$OVS_TMP.upstream.flows" "$OVS_TMP.ours.flows" ||
		fail "IPv4/ARP megaflows differ from upstream's" || return 1
	# The daemon's restart and the internal port's namespace: as upstream's.
	diff "$OVS_TMP.upstream.life" "$OVS_TMP.ours.life" ||
		fail "lifecycle: outcomes differ from upstream's" || return 1
	# The OpenFlow scenarios: the same outcomes and megaflows.
	diff "$OVS_TMP.upstream.of" "$OVS_TMP.ours.of" ||
		fail "OpenFlow scenarios: outcomes differ from upstream's" || return 1
	if ! diff "$OVS_TMP.upstream.of-flows" "$OVS_TMP.ours.of-flows"; then
		sed 's/^/upstream: /' "$OVS_TMP.upstream.of-flows"
		sed 's/^/ours: /' "$OVS_TMP.ours.of-flows"
		sed 's/^/raw upstream: /' "$OVS_TMP.upstream.of-raw"
		sed 's/^/raw ours: /' "$OVS_TMP.ours.of-raw"
		fail "OpenFlow scenarios: megaflows differ from upstream's"
	fi
}

# STOCK_TESTS="ours": only ours, against the upstream counts an earlier run of this boot left.
set -- ${STOCK_TESTS:-upstream ours}
tap_plan $#
for t in "$@"; do tap_run "stock_ovs_$t" "test_stock_ovs_$t"; done
[ $tap_fail -eq 0 ]
