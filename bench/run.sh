#!/bin/bash
# bench/run.sh OUTDIR: the in-guest half of `make bench` (scripts/bench boots the plain VM
# and runs this). Writes OUTDIR/trials.jsonl (one JSON object per trial) and OUTDIR/meta.json;
# bench/report.py turns them into the table, the JSON result and the P3 plot.
#
# Contenders, loaded one at a time: ours (openvswitch_rs.ko), upstream (openvswitch.ko),
# bridge (Linux bridge), null (tc ingress matchall + mirred egress redirect A -> B).
#
# Topology, built once:
#   netns src: vs (10.0.0.1) ==veth== pa (root ns, "port A", OVS port 1)
#   root ns:   pb ("port B", OVS port 2) ==veth== vd (netns dst)
# pktgen (one kernel thread, 64-byte UDP frames, i.e. pkt_size 60 + FCS) sends from vs.
# The destination MAC is not vd's, so frames die cheaply in dst's ip_rcv (PACKET_OTHERHOST).
# Arrivals: pb's tx_packets, which is what veth reports as vd's rx_packets (veth keeps one
# counter per pair direction); read with bash builtins, so reading costs no fork.
#
# Every trial round visits every contender, in an order rotated per round; each contender
# runs every scenario it can express in its turn. Env: QUICK=1 (1 round, short windows,
# 5k flows for P4/P7), TRIALS, DUR (seconds per pps window), P4_FLOWS.
set -u
OUT=${1:?usage: bench/run.sh OUTDIR}
REPO=$(cd "$(dirname "$0")/.." && pwd)
# The module built for the booted kernel (scripts/vm exports the flavour): plain for `make
# bench`; make check's smoke run uses the debug kernel's.
KO="$REPO/build/${OVS_RS_FLAVOUR:-plain}/openvswitch_rs.ko"
OVSDP="$REPO/tools/ovsdp/target/release/ovsdp"
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	TRIALS=${TRIALS:-1} DUR=${DUR:-1} P4_FLOWS=${P4_FLOWS:-5000} P4_TRIALS=${P4_TRIALS:-1}
else
	TRIALS=${TRIALS:-5} DUR=${DUR:-2} P4_FLOWS=${P4_FLOWS:-100000} P4_TRIALS=${P4_TRIALS:-5}
fi
WARM=0.5
P3_MASKS="1 16 64 256"
# BENCH_CONTENDERS: a subset, for make check's smoke run (ours, bridge and null exercise every
# code path of the harness; openvswitch.ko's is ours' with another module loaded).
read -r -a CONTENDERS <<<"${BENCH_CONTENDERS:-ours upstream bridge null}"
DST_MAC=02:00:00:00:00:99
mkdir -p "$OUT"
TRIALS_OUT="$OUT/trials.jsonl"
: >"$TRIALS_OUT"

log() { echo "bench: [${SECONDS}s] $*" >&2; }
die() { log "FATAL: $*"; exit 1; }
[ -f "$KO" ] || die "no $KO (make FLAVOUR=${OVS_RS_FLAVOUR:-plain} module)"
[ -x "$OVSDP" ] || die "no $OVSDP (make ovsdp)"

# One JSON line per trial. Args: scenario cell contender round value unit [extra-json-fields]
record() {
	printf '{"scenario":"%s","cell":"%s","contender":"%s","round":%s,"value":%s,"unit":"%s"%s}\n' \
		"$1" "$2" "$3" "$4" "$5" "$6" "${7:+,$7}" >>"$TRIALS_OUT"
}
record_error() { # scenario cell contender round message
	printf '{"scenario":"%s","cell":"%s","contender":"%s","round":%s,"error":"%s"}\n' \
		"$1" "$2" "$3" "$4" "$(printf %s "$5" | tr -d '"\\' | tr '\n' ' ')" >>"$TRIALS_OUT"
	log "ERROR $1/$2/$3: $5"
}

# ---------------------------------------------------------------- topology
setup_topology() {
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip netns add src && ip netns add dst || die "netns"
	for ns in src dst; do
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	ip link add vs address 02:00:00:00:00:01 type veth peer name pa address 02:00:00:00:00:0a
	ip link add vd address 02:00:00:00:00:02 type veth peer name pb address 02:00:00:00:00:0b
	ip link set vs netns src
	ip link set vd netns dst
	ip -n src addr add 10.0.0.1/24 dev vs
	ip -n dst addr add 10.0.1.2/24 dev vd
	ip -n src link set vs up
	ip -n dst link set vd up
	ip link set pa up
	ip link set pb up
	modprobe pktgen || die "modprobe pktgen"
	# pktgen is per network namespace: configure it from inside src.
	ip netns exec src bash -c '
		pg() { echo "$2" > "/proc/net/pktgen/$1" || { echo "pktgen: $1: $2 failed" >&2; exit 1; }; }
		pg kpktgend_0 rem_device_all
		pg kpktgend_0 "add_device vs"
		for c in "count 0" "clone_skb 0" "pkt_size 60" "delay 0" "dst 10.0.1.2" \
			"src_min 10.0.0.1" "src_max 10.0.0.1" "dst_mac '$DST_MAC'" \
			"udp_dst_min 9" "udp_dst_max 9"; do pg vs "$c"; done' || die "pktgen setup"
	pktgen_ports 1024 1024
}

# pktgen_ports MIN MAX: UDP source ports (pktgen steps through them, one per packet).
pktgen_ports() {
	ip netns exec src bash -c "echo 'udp_src_min $1' > /proc/net/pktgen/vs && echo 'udp_src_max $2' > /proc/net/pktgen/vs"
}

pg_start() { ip netns exec src bash -c 'echo start > /proc/net/pktgen/pgctrl' & PG_PID=$!; }
pg_stop() {
	ip netns exec src bash -c 'echo stop > /proc/net/pktgen/pgctrl'
	wait "$PG_PID" 2>/dev/null
}

# measure_pps: runs pktgen for WARM + DUR seconds, prints the arrival rate over the DUR
# window and, as extra JSON, the per-0.5 s slices (they show e.g. a mask rebalance mid-run).
MEAS_RATE= MEAS_EXTRA=
measure_pps() {
	local c0 c1 c t0 t1 t prev_c prev_t slices=() i n
	pg_start
	sleep $WARM
	read -r c0 </sys/class/net/pb/statistics/tx_packets
	t0=$EPOCHREALTIME prev_c=$c0 prev_t=$t0
	n=$(awk "BEGIN{print int($DUR / 0.5 + 0.5)}")
	for ((i = 0; i < n; i++)); do
		sleep 0.5
		read -r c </sys/class/net/pb/statistics/tx_packets
		t=$EPOCHREALTIME
		slices+=("$(awk "BEGIN{printf \"%.0f\", ($c - $prev_c) / ($t - $prev_t)}")")
		prev_c=$c prev_t=$t
	done
	c1=$c t1=$t
	pg_stop
	MEAS_RATE=$(awk "BEGIN{printf \"%.0f\", ($c1 - $c0) / ($t1 - $t0)}")
	MEAS_EXTRA="\"packets\":$((c1 - c0)),\"seconds\":$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}"),\"slices\":[$(IFS=,; echo "${slices[*]}")]"
}

# ---------------------------------------------------------------- contenders
load() { # contender
	case $1 in
	ours) # insmod loads no dependencies: the depends line's first, as modprobe would.
		for dep in $(modinfo -F depends "$KO" | tr , ' '); do modprobe -q "$dep"; done
		insmod "$KO" ;;
	upstream) modprobe openvswitch ;;
	bridge) modprobe bridge ;;
	null) modprobe sch_ingress && modprobe act_mirred && modprobe cls_matchall ;;
	esac
}
unload() {
	case $1 in
	ours) rmmod openvswitch_rs ;;
	upstream) rmmod openvswitch ;;
	*) true ;;
	esac
}
is_ovs() { [ "$1" = ours ] || [ "$1" = upstream ]; }

# Forwarding A -> B for P1 (OVS: the flow is installed by the scenario).
fwd_up() {
	case $1 in
	ours | upstream) "$OVSDP" add-dp bench pa,port_no=1 pb,port_no=2 ;;
	bridge)
		ip link add br0 type bridge stp_state 0 &&
			ip link set pa master br0 && ip link set pb master br0 &&
			bridge fdb add $DST_MAC dev pb master static && ip link set br0 up
		;;
	null)
		tc qdisc add dev pa ingress &&
			tc filter add dev pa ingress matchall action mirred egress redirect dev pb
		;;
	esac
}
fwd_down() {
	case $1 in
	ours | upstream) "$OVSDP" del-dp bench ;;
	bridge) ip link del br0 ;;
	null) tc qdisc del dev pa ingress ;;
	esac
}

# ---------------------------------------------------------------- flows
ETH="eth(src=02:00:00:00:00:01,dst=$DST_MAC),eth_type(0x0800)"
# P1: one flow exact on everything pktgen's frames carry.
P1_FLOW="in_port(1),$ETH,ipv4(src=10.0.0.1,dst=10.0.1.2,proto=17,tos=0,ttl=32,frag=no),udp(src=1024,dst=9)"

# P2: 1000 flows over 32 masks. Flow j matches UDP source port 1024+j exactly and the IPv4
# source under a prefix of length (j % 32) + 1, so every frame of the 1000-port stream hits
# exactly one flow and the 32 masks are all in use.
p2_flows() {
	awk 'BEGIN { for (j = 0; j < 1000; j++) {
		p = j % 32 + 1; m = ""; for (o = 0; o < 4; o++) { b = p - 8 * o; b = b > 8 ? 8 : (b < 0 ? 0 : b);
			m = m (o ? "." : "") (256 - 2 ^ (8 - b)) % 256 }
		printf "in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1/%s,proto=17,frag=no),udp(src=%d) 2\n", m, 1024 + j } }'
}

# P3: N-1 decoy masks, then the one flow the frames match (UDP dst 9, source wildcarded),
# added last. Decoy i: UDP dst 0x8000+i exact (the frames' is 9, so never a match) and UDP
# source under mask i+1, so every decoy has its own mask. Decoy keys differ in the exact
# dst, so no decoy's key matches another decoy: OVS_FLOW_CMD_NEW refuses (EEXIST) a flow
# whose key an installed flow already matches, with or without a UFID.
p3_flows() { # N
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
		m = i < n - 1 ? sprintf("udp(src=0/0x%x,dst=%d)", i + 1, 32768 + i) : "udp(dst=9)"
		printf "ufid:%08x-0000-0000-0000-000000000003,in_port(1),eth(),eth_type(0x0800),ipv4(proto=17,frag=no),%s 2\n", i + 1, m } }'
}

# P4/P7: N flows, one mask, distinct IPv4 sources.
p4_flows() { # N
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++)
		printf "in_port(1),eth(),eth_type(0x0800),ipv4(src=10.%d.%d.%d,dst=10.0.1.2,proto=17,frag=no),udp(dst=9) 2\n",
			int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
}

add_flows() { # file
	"$OVSDP" add-flows bench "$1" >/dev/null
}

# ---------------------------------------------------------------- scenarios
run_pps() { # scenario cell contender round
	measure_pps
	if [ "$MEAS_RATE" -gt 0 ] 2>/dev/null; then
		record "$1" "$2" "$3" "$4" "$MEAS_RATE" pps "$MEAS_EXTRA"
	else
		record_error "$1" "$2" "$3" "$4" "no packet arrived ($MEAS_EXTRA)"
	fi
	log "$1 $2 $3 round $4: $MEAS_RATE pps"
}

scenarios_for() { # contender round
	local c=$1 r=$2 n cache
	# P1 (and P6 from it): one stream, one exact flow / the bridge / the redirect.
	if fwd_up "$c"; then
		if is_ovs "$c"; then
			"$OVSDP" add-flow bench "$P1_FLOW" 2 || record_error P1 1flow "$c" "$r" "add-flow failed"
		fi
		run_pps P1 1flow "$c" "$r"
		if is_ovs "$c"; then
			# P2: 1000 flows, 32 masks, 1000 source ports, default mask cache.
			"$OVSDP" del-flows bench
			if add_flows "$OUT/p2.flows"; then
				pktgen_ports 1024 2023
				run_pps P2 1000flows32masks "$c" "$r"
				pktgen_ports 1024 1024
			else
				record_error P2 1000flows32masks "$c" "$r" "add-flows failed"
			fi
			# P3: mask scaling, cache off and on.
			for n in $P3_MASKS; do
				for cache in 0 256; do
					local cell="masks$n-cache$([ $cache = 0 ] && echo off || echo on)"
					"$OVSDP" del-flows bench
					if "$OVSDP" cache-set-size bench masks-cache $cache && add_flows "$OUT/p3-$n.flows"; then
						run_pps P3 "$cell" "$c" "$r"
					else
						record_error P3 "$cell" "$c" "$r" "cache-set-size or add-flows failed"
					fi
				done
			done
			"$OVSDP" cache-set-size bench masks-cache 256
			# P8 (issue 14): the stream through conntrack. Every frame is looked up in its
			# committed connection (pktgen sends one way, so it stays +trk+new, confirmed),
			# then recirculated to its output. The table is emptied before and after.
			"$OVSDP" del-flows bench
			conntrack -F >/dev/null 2>&1
			if "$OVSDP" add-flow bench "recirc_id(0),in_port(1),$ETH,ipv4(frag=no)" "ct(commit),recirc(0x1)" >/dev/null &&
				"$OVSDP" add-flow bench "recirc_id(0x1),in_port(1),ct_state(+trk),$ETH,ipv4(frag=no)" 2 >/dev/null; then
				run_pps P8 ct-commit-recirc "$c" "$r"
			else
				record_error P8 ct-commit-recirc "$c" "$r" "add-flow failed"
			fi
			conntrack -F >/dev/null 2>&1
			# P5: no flows; every frame is a miss, upcalled to a counting listener.
			"$OVSDP" del-flows bench
			p5 "$c" "$r"
		fi
		fwd_down "$c" || record_error P1 1flow "$c" "$r" "teardown failed"
	else
		record_error P1 1flow "$c" "$r" "forwarding setup failed"
	fi
}

p5() { # contender round
	local out up secs lost missed overruns
	pg_start
	sleep $WARM
	if out=$("$OVSDP" monitor bench --count="$DUR" --json); then
		pg_stop
		up=$(sed -n 's/.*"upcalls": *\([0-9]*\).*/\1/p' <<<"$out")
		lost=$(sed -n 's/.*"lost": *\([0-9]*\).*/\1/p' <<<"$out")
		missed=$(sed -n 's/.*"missed": *\([0-9]*\).*/\1/p' <<<"$out")
		overruns=$(sed -n 's/.*"socket_overruns": *\([0-9]*\).*/\1/p' <<<"$out")
		if [ "${up:-0}" -gt 0 ]; then
			record P5 upcalls "$1" "$2" "$(awk "BEGIN{printf \"%.0f\", $up / $DUR}")" upcalls/s \
				"\"upcalls\":$up,\"seconds\":$DUR,\"missed\":${missed:-null},\"n_lost\":${lost:-null},\"socket_overruns\":${overruns:-null}"
			log "P5 $1 round $2: $up upcalls in $DUR s, missed $missed, n_lost $lost"
		else
			record_error P5 upcalls "$1" "$2" "no upcall received: $out"
		fi
	else
		pg_stop
		record_error P5 upcalls "$1" "$2" "ovsdp monitor failed"
	fi
}

# Slab + Percpu + VmallocUsed from /proc/meminfo, in kB.
kmem_kb() { awk '/^(Slab|Percpu|VmallocUsed):/ { s += $2 } END { print s }' /proc/meminfo; }
settle() { sync; echo 3 >/proc/sys/vm/drop_caches; sleep 2; }

p4() { # contender round
	local c=$1 r=$2 out rate m0 m1
	fwd_up "$c" || { record_error P4 install "$c" "$r" "add-dp failed"; return; }
	settle
	m0=$(kmem_kb)
	if out=$("$OVSDP" add-flows bench "$OUT/p4.flows" --window=64); then
		rate=$(sed -n 's/.*(\([0-9]*\) flows\/s.*/\1/p' <<<"$out")
		record P4 install "$c" "$r" "$rate" flows/s "\"flows\":$P4_FLOWS,\"ovsdp\":\"$out\""
		log "P4 $c round $r: $out"
		settle
		m1=$(kmem_kb)
		record P7 mem "$c" "$r" "$(((m1 - m0) * 1024 / P4_FLOWS))" bytes/flow \
			"\"kmem_kb_before\":$m0,\"kmem_kb_after\":$m1,\"flows\":$P4_FLOWS"
		log "P7 $c round $r: $(((m1 - m0) * 1024 / P4_FLOWS)) bytes/flow"
	else
		record_error P4 install "$c" "$r" "add-flows failed: $out"
		record_error P7 mem "$c" "$r" "add-flows failed"
	fi
	fwd_down "$c"
}

meta_versions() { # contender: module srcversion while loaded
	case $1 in
	ours) echo "sha256:$(sha256sum "$KO" | cut -c1-16)" ;; # no MODULE_VERSION, so no srcversion
	upstream) cat /sys/module/openvswitch/srcversion 2>/dev/null || echo builtin ;;
	esac
}

# ---------------------------------------------------------------- main
setup_topology
p2_flows >"$OUT/p2.flows"
for n in $P3_MASKS; do p3_flows "$n" >"$OUT/p3-$n.flows"; done
p4_flows "$P4_FLOWS" >"$OUT/p4.flows"
declare -A SRCVER
start=$EPOCHREALTIME
for ((r = 1; r <= TRIALS; r++)); do
	order=()
	for ((i = 0; i < ${#CONTENDERS[@]}; i++)); do
		order+=("${CONTENDERS[$(((i + r - 1) % ${#CONTENDERS[@]}))]}")
	done
	log "round $r/$TRIALS: ${order[*]}"
	for c in "${order[@]}"; do
		load "$c" || { record_error P1 1flow "$c" "$r" "loading failed"; continue; }
		is_ovs "$c" && SRCVER[$c]=$(meta_versions "$c")
		scenarios_for "$c" "$r"
		unload "$c" || log "unload $c failed"
	done
done
for ((r = 1; r <= P4_TRIALS; r++)); do
	for c in $([ $((r % 2)) = 1 ] && echo ours upstream || echo upstream ours); do
		[[ " ${CONTENDERS[*]} " == *" $c "* ]] || continue
		load "$c" || { record_error P4 install "$c" "$r" "loading failed"; continue; }
		p4 "$c" "$r"
		unload "$c" || log "unload $c failed"
	done
done
elapsed=$(awk "BEGIN{printf \"%.0f\", $EPOCHREALTIME - $start}")
cat >"$OUT/meta.json" <<EOF
{"guest_kernel":"$(uname -r)","guest_kernel_version":"$(uname -v)","quick":$([ "$QUICK" = 1 ] && echo true || echo false),
"trials":$TRIALS,"p4_trials":$P4_TRIALS,"duration_s":$DUR,"warmup_s":$WARM,"p4_flows":$P4_FLOWS,
"ours_srcversion":"${SRCVER[ours]:-}","upstream_srcversion":"${SRCVER[upstream]:-}",
"contenders":[$(printf '"%s",' "${CONTENDERS[@]}" | sed 's/,$//')],"cpus":$(nproc),"guest_seconds":$elapsed,"pktgen":"1 thread, 64-byte UDP (pkt_size 60), clone_skb 0"}
EOF
log "done in ${elapsed}s"
if dmesg | grep -E 'BUG:|WARNING:|Oops|KASAN|RCU stall' >/dev/null; then
	dmesg | tail -50 >&2
	die "kernel log shows a splat"
fi
