#!/bin/bash
# tests/reliability/churn.sh: suite R4 (churn), in the debug VM, the target module loaded.
# Parallel workers churn datapaths, ports, flows and features under traffic (churn.py); then
# the module is unloaded while that traffic still flows, and every device the run made must
# delete cleanly. MODE=quick: 30 s of churn; long: 600 s. CHURN_SECONDS overrides.
# Contract: tests/reliability/README.md.
here=$(cd "$(dirname "$0")" && pwd)
TARGET=${TARGET:-ours} MODE=${MODE:-quick}
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
case $MODE in quick) secs=30;; long) secs=600;; *) echo "# FAIL: MODE=$MODE"; exit 2;; esac
secs=${CHURN_SECONDS:-$secs}
module=openvswitch_rs
[ "$TARGET" = upstream ] && module=openvswitch
echo "# churn: target $TARGET, $secs s, SEED=$SEED"
start=$(date +%s)
stop=/tmp/churn.stop
rm -f $stop
fail=0
# To a file, not a pipe: the traffic process churn.py leaves running holds its stdout.
python3 "$here/churn.py" "$secs" "$SEED" "$stop" > /tmp/churn.out 2>&1
rc=$?
out=$(cat /tmp/churn.out)
printf '%s\n' "$out" | sed 's/^\([^#]\)/# \1/'
[ $rc -eq 0 ] || { echo "# FAIL: churn workers: exit $rc"; fail=1; }
ops=$(printf '%s\n' "$out" | sed -n 's/^ops=\([0-9]*\).*/\1/p')
tpid=$(printf '%s\n' "$out" | sed -n 's/.*traffic_pid=\([0-9]*\).*/\1/p')

# rmmod under traffic: the traffic process is still sending through the datapath.
if [ -n "$tpid" ] && [ -d /proc/$tpid ]; then
	echo "# traffic still running (pid $tpid): unloading $module under it"
else
	echo "# FAIL: the traffic generator is not running at rmmod time"; fail=1
fi
OVSDP="$here/../../tools/ovsdp/target/release/ovsdp"
if ! timeout 120 rmmod $module; then
	if [ "$TARGET" = upstream ]; then
		# openvswitch.ko holds a module reference per vport (try_module_get(ops->owner)):
		# it refuses rmmod while ports exist. Delete its datapaths under traffic, then unload.
		echo "# upstream refuses rmmod while vports exist (by design); deleting datapaths under traffic"
		for dp in $("$OVSDP" dump-dps 2>/dev/null | sed 's/^[a-z]*@//'); do
			"$OVSDP" del-dp "$dp" || { echo "# FAIL: del-dp $dp under traffic"; fail=1; }
		done
		timeout 120 rmmod $module || { echo "# FAIL: rmmod $module after deleting its datapaths"; fail=1; }
	else
		echo "# FAIL: rmmod $module under traffic"; fail=1
	fi
fi
touch $stop
for _ in $(seq 50); do [ -d /proc/$tpid ] || break; sleep 0.2; done
grep '^# traffic' /tmp/churn.out

# Every device the run made can be deleted, without a leaked reference holding it.
for ns in $(ip netns list | awk '/^ch/ { print $1 }'); do ip netns del "$ns" || { echo "# FAIL: netns del $ns"; fail=1; }; done
for dev in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^ch'); do
	ip link del "$dev" 2>/dev/null || [ ! -e "/sys/class/net/$dev" ] || { echo "# FAIL: cannot delete $dev"; fail=1; }
done
for _ in $(seq 50); do
	left=$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^ch')
	[ -z "$left" ] && break
	sleep 0.2
done
[ -z "$left" ] || { echo "# FAIL: devices left: $left"; fail=1; }
# A netdev whose reference leaked is reported by the kernel after 10 s; wait for that long.
sleep 11
if dmesg | grep -q 'unregister_netdevice: waiting for'; then
	echo "# FAIL: a netdev reference leaked"; dmesg | grep 'unregister_netdevice' | head -5; fail=1
fi
echo "RESULT suite=R4 target=$TARGET sent=${ops:-0} seed=$SEED seconds=$(($(date +%s) - start)) unit=ops"
exit $fail
