#!/bin/bash
# tests/reliability/frames.sh: R3, malformed frames (issue 6). In the debug VM, as root, with
# the target module already loaded (tests/reliability/run.sh does that).
#   TARGET=ours|upstream MODE=quick|long [SEED=N] bash tests/reliability/frames.sh
# A datapath with two veth ports whose peers are in a network namespace; frame-inject (a Rust
# program, built on the host by tests/reliability/build.sh) sends classes of malformed frames
# from one peer; frames.py drives the five flow/upcall configurations and asserts on the
# counters. Replay a run with the SEED it prints; one frame of it with
#   tests/reliability/frame-inject/target/release/frame-inject --mtu 9000 --print --start I - CLASS 1 SEED'
# (SEED there is the per-configuration seed printed in the failing line).
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
TARGET=${TARGET:-ours}
MODE=${MODE:-quick}
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
export TARGET MODE SEED REPO
INJ="$REPO/tests/reliability/frame-inject/target/release/frame-inject"
NS=r3ns
start=$(date +%s)
echo "# R3 frames: target=$TARGET mode=$MODE seed=$SEED (replay with SEED=$SEED)"

result_fail() {
	echo "# FAIL: $*"
	echo "RESULT suite=R3 target=$TARGET sent=0 unit=frames seed=$SEED seconds=$(($(date +%s) - start))"
	exit 1
}
[ -x "$INJ" ] || result_fail "$INJ missing: run tests/reliability/build.sh on the host"

cleanup() {
	ip link del r3a1 2>/dev/null
	ip link del r3a2 2>/dev/null
	ip netns del $NS 2>/dev/null
}
trap cleanup EXIT
cleanup
ip netns add $NS || result_fail "ip netns add"
ip netns exec $NS sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6;
	echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
for i in 1 2; do
	ip link add r3a$i mtu 9000 type veth peer name r3b$i mtu 9000 netns $NS || result_fail "veth"
	echo 1 > /proc/sys/net/ipv6/conf/r3a$i/disable_ipv6
	# Silent peers: no ARP, no IPv6, no addresses: nothing comes back into the datapath.
	ip -n $NS link set r3b$i arp off up || result_fail "link up"
	ip link set r3a$i arp off up || result_fail "link up"
done
/usr/bin/python3 "$REPO/tests/reliability/frames.py" $NS r3a1 r3b1 r3a2 r3b2 "$INJ"
