#!/bin/bash
# tests/vm/selftest.sh OUTDIR TARGET...: in the guest, runs upstream's openvswitch.sh
# unmodified from the linux-source tree once per TARGET (upstream: openvswitch.ko;
# ours: openvswitch_rs.ko), writing OUTDIR/TARGET.log.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
outdir=$1; shift
dir="$OVS_RS_SRC/tools/testing/selftests/net/openvswitch"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
mountpoint -q /sys/kernel/tracing || mount -t tracefs none /sys/kernel/tracing 2>/dev/null
# Under TCG everything is slow; the kselftest's own knob doubles its waits.
export KSFT_MACHINE_SLOW=yes
rc=0
for target in "$@"; do
	unload_ours; unload_upstream
	case $target in
	upstream) modprobe openvswitch || exit 1;;
	ours) load_ours || exit 1;;
	esac
	echo "== openvswitch.sh against $target"
	(cd "$dir" && ./openvswitch.sh) 2>&1 | tee "$outdir/$target.log"
	# openvswitch.sh's own verdict is in the log; the table reads it from there.
	unload_ours; unload_upstream
done
dmesg | "$here/dmesg_check.sh" || rc=1
exit $rc
