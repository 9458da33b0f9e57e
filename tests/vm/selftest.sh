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
# Failed tests' directories (debug.log, daemon output) are kept as evidence: -p keeps them;
# its "hit enter" prompt reads EOF from /dev/null and goes on.
rm -rf "$dir"/test_*
rc=0
for target in "$@"; do
	unload_ours; unload_upstream
	case $target in
	upstream) modprobe openvswitch || exit 1;;
	ours) load_ours || exit 1;;
	esac
	echo "== openvswitch.sh against $target"
	# shellcheck disable=SC2086 # $tests is a list of names
	(cd "$dir" && ./openvswitch.sh -p $tests </dev/null) 2>&1 | tee "$outdir/$target.log"
	# openvswitch.sh's own verdict is in the log; the table reads it from there.
	for failed in "$dir"/test_*; do
		[ -d "$failed" ] || continue
		rm -rf "$outdir/$target-$(basename "$failed")"
		mv "$failed" "$outdir/$target-$(basename "$failed")"
	done
	unload_ours; unload_upstream
done
dmesg | "$here/dmesg_check.sh" || rc=1
exit $rc
