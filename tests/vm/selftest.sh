#!/bin/bash
# tests/vm/selftest.sh OUTDIR "TESTS" TARGET...: in the guest, runs upstream's openvswitch.sh
# unmodified from the linux-source tree once per TARGET (upstream: openvswitch.ko;
# ours: openvswitch_rs.ko), writing OUTDIR/TARGET.log. TESTS (may be empty: all) names
# the tests to run.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
outdir=$1 tests=$2
shift 2
dir="$OVS_RS_SRC/tools/testing/selftests/net/openvswitch"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing 2>/dev/null
# Under TCG everything is slow; the kselftest's own knob doubles its waits.
export KSFT_MACHINE_SLOW=yes
# The kselftest is written against nmap's ncat as `nc` (Fedora's): drop_reason counts one
# dropped datagram per `nc -zu`, and ncat sends one where Debian's OpenBSD nc sends up to
# four. The guest's /run is private to it, so the host's nc stays as it is.
mkdir -p /run/ovs-rs-bin
ln -sf "$(command -v ncat)" /run/ovs-rs-bin/nc
export PATH="/run/ovs-rs-bin:$PATH"
# Each `python3 ovs-dpctl.py` of the kselftest spends its seconds under TCG importing pyroute2,
# longer than the kselftest's fixed 10 s waits (upcall_interfaces' listener). So the
# kselftest's python3 is pyfork (tests/vm/pyfork): a server imports what ovs-dpctl.py
# imports once and forks a copy per call, in the caller's namespaces, cwd, environment and
# stdio, with pyroute2's NDB lazy (OVS_RS_PYFORK_EAGER_NDB=1: eager). PYFORK=0 runs the real
# interpreter instead (for comparisons; set in the guest).
pyfork_server=
if [ "${PYFORK:-1}" != 0 ]; then
	[ -x "$REPO/build/pyfork/pyfork" ] || { echo "no $REPO/build/pyfork/pyfork (tests/vm/pyfork/build.sh)"; exit 1; }
	ln -sf "$REPO/build/pyfork/pyfork" /run/ovs-rs-bin/python3
	export OVS_RS_PYFORK=/run/ovs-rs-pyfork.sock
	/usr/bin/python3 "$REPO/tests/vm/pyfork/pyforkserver.py" "$OVS_RS_PYFORK" "$dir/ovs-dpctl.py" \
		> /run/ovs-rs-pyfork.log 2>&1 &
	pyfork_server=$!
	t0=$(date +%s)
	until grep -q '^pyforkserver: ready' /run/ovs-rs-pyfork.log; do
		if ! kill -0 $pyfork_server 2>/dev/null || [ $(($(date +%s) - t0)) -gt 300 ]; then
			echo "pyfork server did not come up:"; cat /run/ovs-rs-pyfork.log; exit 1
		fi
		sleep 1
	done
	echo "# $(cat /run/ovs-rs-pyfork.log) in $(($(date +%s) - t0))s"
fi
# Failed tests' directories (debug.log, daemon output) are kept as evidence: -p keeps them;
# its "hit enter" prompt reads EOF from /dev/null and goes on.
rm -rf "$dir"/test_*
# The kernel-log check at the end covers this run only (it may share a boot: tests/vm/check.sh).
dmesg -C
rc=0
for target in "$@"; do
	unload_ours; unload_upstream
	case $target in
	upstream) modprobe openvswitch || exit 1;;
	ours) load_ours || exit 1;;
	esac
	echo "== openvswitch.sh against $target"
	# The console copy is stamped with the time of day (the log stays as the test wrote it).
	calls0=$(grep -c '^pyfork: call' /run/ovs-rs-pyfork.log 2>/dev/null)
	# shellcheck disable=SC2086 # $tests is a list of names
	(cd "$dir" && ./openvswitch.sh -p $tests </dev/null) 2>&1 | tee "$outdir/$target.log" |
		while IFS= read -r line; do printf '%(%T)T %s\n' -1 "$line"; done
	if [ -n "$pyfork_server" ]; then
		# Where the time went: the ovs-dpctl.py calls, each a forked copy (pyfork's log).
		tail -n +$((${calls0:-0} + 2)) /run/ovs-rs-pyfork.log |
			awk '/^pyfork: call/ { n++; s += $3 } END { printf "# pyfork: %d ovs-dpctl.py calls, %.0f s in them\n", n, s }'
	fi
	# openvswitch.sh's own verdict is in the log; the table reads it from there.
	for failed in "$dir"/test_*; do
		[ -d "$failed" ] || continue
		rm -rf "$outdir/$target-$(basename "$failed")"
		mv "$failed" "$outdir/$target-$(basename "$failed")"
	done
	unload_ours; unload_upstream
done
[ -z "$pyfork_server" ] || kill $pyfork_server
dmesg | "$here/dmesg_check.sh" || rc=1
exit $rc
