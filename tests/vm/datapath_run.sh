#!/bin/bash
# tests/vm/datapath_run.sh [upstream|ours] [TEST...]: in the guest, loads the chosen OVS
# module (upstream: `modprobe openvswitch`; ours: build/$FLAVOUR/openvswitch_rs.ko), runs
# DATAPATH_TESTS (or the TESTs named) from datapath.sh with TAP output, checks the kernel log,
# unloads, and exits non-zero on any failure. FLOWS=N sets test_flow_dump_many's count.
#   scripts/vm -- bash tests/vm/datapath_run.sh upstream
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/datapath.sh"

target=${1:-ours}
[ $# -gt 0 ] && shift
tests=${*:-$DATAPATH_TESTS}

unload_ours && unload_upstream || { echo "cannot unload the OVS modules"; exit 1; }
case $target in
upstream) modprobe openvswitch || { echo "modprobe openvswitch failed"; exit 1; } ;;
ours) load_ours || { echo "insmod $KO failed"; exit 1; } ;;
*) echo "usage: $0 [upstream|ours] [TEST...]"; exit 2 ;;
esac
dmesg -C

# One python for all the scenarios (see ovs_scenario in datapath.sh); OVS_SERVE=0: one each.
if [ "${OVS_SERVE:-1}" != 0 ]; then
	OVS_SERVER=$(mktemp -d)
	mkfifo "$OVS_SERVER/req" "$OVS_SERVER/rep"
	"$PY" "$OVS_CLIENT" serve "$OVS_SERVER" &
	server_pid=$!
	exec 7>"$OVS_SERVER/req" 8<"$OVS_SERVER/rep"
fi
stop_server() {
	[ -n "${OVS_SERVER:-}" ] || return 0
	{ echo quit >&7; } 2>/dev/null
	exec 7>&- 8<&-
	wait "$server_pid"
	rm -rf "$OVS_SERVER"
	OVS_SERVER=
}

start=$(date +%s)
# shellcheck disable=SC2086 # $tests is a list of names
set -- $tests
tap_plan $(($# + 2))
echo "# datapath tests against $target, FLOWS=$FLOWS"
for t in $tests; do
	t0=$(date +%s)
	tap_run "$t" "test_$t"
	echo "# $t: $(($(date +%s) - t0))s"
done

stop_server

test_unload() {
	case $target in
	upstream) rmmod openvswitch ;;
	ours) rmmod openvswitch_rs ;;
	esac
}
tap_run unload test_unload

test_dmesg_clean() { dmesg | "$here/dmesg_check.sh"; }
tap_run dmesg_clean test_dmesg_clean

echo "# datapath ($target): $((tap_n - tap_fail - tap_skip)) passed, $tap_fail failed," \
	"$tap_skip skipped in $(($(date +%s) - start))s"
[ $tap_fail -eq 0 ]
