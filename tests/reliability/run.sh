#!/bin/bash
# tests/reliability/run.sh MODE TARGET... : the reliability suites (issue 6) in the debug VM.
# For each target (ours, upstream) and each suite: load the module with a clean kernel log and
# kmemleak, run the suite, delete what it left behind, unload, scan kmemleak twice, check the
# log. Prints one TAP line per suite and target, and a "ROW" line per run for the summary table
# (scripts/stress). SUITES selects suites (default: all); SEED replays every suite's run.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../vm/lib.sh"
MODE=${1:-quick}; shift
targets=${*:-ours}
suites=${SUITES:-genl_fuzz frames churn privilege}
suites=${suites//,/ }
# RELIABILITY_LEAK_SCAN=caller: no kmemleak scan per suite; the caller scans once after all of
# them (make check: tests/vm/run.sh). Default: two scans after each suite, so that a leak is
# tied to its suite (make stress).
leak_scan=${RELIABILITY_LEAK_SCAN:-per-suite}
export MODE REPO

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
kml=/sys/kernel/debug/kmemleak

load_target() {
	case $1 in
	ours) load_ours;;
	upstream) modprobe openvswitch;;
	esac
}
unload_target() {
	case $1 in
	ours) unload_ours;;
	upstream) unload_upstream;;
	esac
}
# Datapaths a suite left behind, in the initial namespace (ovsdp: no python start-up cost).
OVSDP="$REPO/tools/ovsdp/target/release/ovsdp"
leftover_dps() { "$OVSDP" dump-dps 2>/dev/null | sed 's/^[a-z]*@//'; }

set -- $suites
tap_plan $(($# * $(echo $targets | wc -w)))
n=0
for target in $targets; do
	for suite in $suites; do
		n=$((n + 1))
		unload_ours; unload_upstream
		dmesg -C
		[ "$leak_scan" = caller ] || { [ -w $kml ] && echo clear > $kml; }
		if ! load_target "$target"; then
			echo "not ok $n $suite $target # could not load"; tap_fail=$((tap_fail + 1)); continue
		fi
		start=$(date +%s)
		out=$(TARGET=$target bash "$here/$suite.sh" 2>&1)
		rc=$?
		printf '%s\n' "$out" | sed 's/^\([^#]\)/# \1/'
		why=""
		[ $rc -eq 0 ] || why="suite exited $rc"
		result=$(printf '%s\n' "$out" | grep '^RESULT ' | tail -1)
		[ -n "$result" ] || why="${why:+$why; }no RESULT line"
		left=""
		if [ -d /sys/module/openvswitch_rs ] || [ -d /sys/module/openvswitch ]; then
			left=$(leftover_dps)
			for dp in $left; do "$OVSDP" del-dp "$dp" >/dev/null 2>&1; done
		fi
		[ -z "$left" ] || why="${why:+$why; }left datapaths: $left"
		unload_target "$target" || why="${why:+$why; }rmmod failed"
		leaks=0
		if [ "$leak_scan" = caller ]; then
			leaks=-
		elif [ -r $kml ]; then
			sleep 2; echo scan > $kml; sleep 1; echo scan > $kml
			leaks=$(grep -c '^unreferenced object' $kml)
			[ "$leaks" -eq 0 ] || { sed 's/^/# /' $kml | head -40; why="${why:+$why; }$leaks leaks"; }
		fi
		splats=$(dmesg | "$here/../vm/dmesg_check.sh" | grep -vc '^kernel log has splats' )
		if [ "$splats" -gt 0 ]; then
			dmesg | "$here/../vm/dmesg_check.sh" | sed 's/^/# /'
			why="${why:+$why; }$splats splat lines"
		fi
		secs=$(($(date +%s) - start))
		kv() { printf '%s\n' "$result" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		echo "ROW suite=$(kv suite) name=$suite target=$target mode=$MODE sent=$(kv sent) unit=$(kv unit) seed=$(kv seed) seconds=$secs splats=$splats leaks=$leaks status=$([ -z "$why" ] && echo pass || echo FAIL)"
		if [ -z "$why" ]; then
			echo "ok $n $suite $target"
		else
			echo "not ok $n $suite $target # $why"; tap_fail=$((tap_fail + 1))
		fi
	done
done
[ $tap_fail -eq 0 ]
