#!/bin/bash
# tests/vm/run.sh [--fast] [SUITE...]: the in-guest test runner. Runs the chosen VM suites in
# one boot (default: all of module, datapath, ovsdp, conntrack, reliability), checks the kernel log, then
# unloads everything and scans for leaks (where the kernel has kmemleak). Prints TAP.
# make check splits them by kernel (tests/vm/check.sh): module and reliability R2-R4 on the
# debug kernel, datapath, ovsdp, conntrack and R5 on the plain one (SUITES picks reliability
# suites).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/module.sh"

fast=
[ "${1:-}" = --fast ] && { fast=--fast; shift; }
suites=${*:-module datapath ovsdp conntrack reliability}
[ -z "$fast" ] || suites=module
has_suite() { case " $suites " in *" $1 "*) return 0;; esac; return 1; }
for s in $suites; do
	case $s in module|datapath|ovsdp|conntrack|reliability) ;; *) echo "run.sh: unknown suite $s" >&2; exit 2;; esac
done
tests=
has_suite module && tests=$MODULE_TESTS
[ -z "$fast" ] || tests=$MODULE_TESTS_FAST

# The module tests' genl.py calls go through pyfork (tests/vm/pyfork): a server imports
# pyroute2 once, beside the first tests, instead of every call paying ~10 s for it under TCG.
# Until it is ready, and for non-root callers (setpriv), the client runs the real python.
genl_server=
if has_suite module && [ -x "$REPO/build/pyfork/pyfork" ]; then
	export OVS_RS_PYFORK=/run/ovs-rs-genl.sock OVS_RS_PYFORK_SCRIPT=genl.py
	/usr/bin/python3 "$REPO/tests/vm/pyfork/pyforkserver.py" "$OVS_RS_PYFORK" "$GENL_PY" \
		> /run/ovs-rs-genl.log 2>&1 &
	genl_server=$!
	PY="$REPO/build/pyfork/pyfork"
fi

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
dmesg -C
# kmemleak reports only what appears after this point.
[ -w /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak

# kmemleak: only the debug kernel has it; the plain one checks its kernel log alone.
leak_scan=
[ -e /sys/kernel/debug/kmemleak ] && leak_scan=yes

set -- $tests
tap_plan $(($# + 1 + ${leak_scan:+1}))
for t in $tests; do
	tap_run "$t" "test_$t"
done

# The core datapath suite against our module (its own TAP lines, counted with these; it
# checks the kernel log of its own run).
if has_suite datapath; then
	bash "$here/datapath_run.sh" ours
	[ $? -eq 0 ] || echo "# datapath suite failed"
fi
# ovsdp against the kernel: differential (openvswitch.ko vs ours), monitor, execute.
if has_suite ovsdp; then
	bash "$here/ovsdp.sh"
	[ $? -eq 0 ] || echo "# ovsdp suite failed"
fi

# The ct action, differential (issue 14).
if has_suite conntrack; then
	bash "$here/conntrack.sh"
	[ $? -eq 0 ] || echo "# conntrack suite failed"
fi

test_dmesg_clean() { dmesg | "$here/dmesg_check.sh"; }
tap_run dmesg_clean test_dmesg_clean

# The reliability suites' quick budgets (issue 6) against our module. They reload the module
# and clear the kernel log per suite (each checks its own), so they come after the log check
# above. Their leaks are left to the one kmemleak scan below (RELIABILITY_LEAK_SCAN=caller):
# this saves each suite its two scans and their 3 s of waits.
if has_suite reliability; then
	RELIABILITY_LEAK_SCAN=${leak_scan:+caller} bash "$REPO/tests/reliability/run.sh" quick ours || rc_rel=1
fi

# kmemleak over everything since the start of this boot's suites (cleared above).
test_no_leaks() {
	unload_ours && unload_upstream || return 1
	[ -r /sys/kernel/debug/kmemleak ] || { echo "kmemleak not available"; return 4; }
	# Objects freed via RCU need a grace period; kmemleak wants two scans to be sure.
	sleep 2; echo scan > /sys/kernel/debug/kmemleak; sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	local leaks
	leaks=$(cat /sys/kernel/debug/kmemleak)
	[ -z "$leaks" ] || { printf '%s\n' "$leaks" | head -60; return 1; }
}
[ -z "$genl_server" ] || kill "$genl_server" 2>/dev/null
if [ -n "$leak_scan" ]; then
	tap_run no_leaks test_no_leaks
else
	unload_ours; unload_upstream
fi

echo "# vm: $((tap_n - tap_fail - tap_skip)) passed, $tap_fail failed, $tap_skip skipped"
[ $tap_fail -eq 0 ] && [ -z "${rc_rel:-}" ]
