#!/usr/bin/env bash
# tests/reliability/genl_fuzz.sh: R2, the generic-netlink fuzzer (in the guest, as root).
#
# Env: TARGET=ours|upstream  MODE=quick|long  SEED=<u64> (random and printed if unset; the same
# SEED replays the same request streams)  REPO=<repo>  THREADS=<n> (default 3)  MESSAGES=<n>
# (overrides MODE: quick 2000, long 1000000; under TCG+KASAN R2 answers 25-50 requests/s, so
# quick is sized for make check, not the issue's 20k).
# The module is loaded by the caller. The binary is prebuilt on the host by
# tests/reliability/build.sh. This script adds a veth pair (fzva/fzvb) the fuzzer may attach
# as netdev vports, runs the fuzzer, and removes the veths and every datapath it created.
# Output: "# " diagnostics, then one RESULT line; exit 0 iff every request got an answer and
# the cleanup left nothing behind.
set -uo pipefail
REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TARGET=${TARGET:-ours}
MODE=${MODE:-quick}
BIN="$REPO/tests/reliability/genl-fuzz/target/release/genl-fuzz"
case $MODE in
quick) msgs=${MESSAGES:-2000} ;;
long) msgs=${MESSAGES:-1000000} ;;
*) echo "# FAIL: MODE must be quick or long"; echo "RESULT suite=R2 unit=messages target=$TARGET sent=0 seed=${SEED:-0} seconds=0 error=bad-mode"; exit 2 ;;
esac
if [ -z "${SEED:-}" ]; then
	SEED=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
fi
if [ ! -x "$BIN" ]; then
	echo "# FAIL: $BIN missing: run tests/reliability/build.sh on the host first"
	echo "RESULT suite=R2 unit=messages target=$TARGET sent=0 seed=$SEED seconds=0 error=no-binary"
	exit 2
fi

# Tunnel vport types make upstream openvswitch.ko autoload vport-gre/vxlan/geneve; those
# depend on openvswitch, so the ones this run loaded are unloaded again afterwards.
vport_mods="vport_gre vport_vxlan vport_geneve"
preloaded=""
for m in $vport_mods; do [ -d "/sys/module/$m" ] && preloaded="$preloaded $m"; done

ip link del fzva 2>/dev/null
ip link add fzva type veth peer name fzvb && ip link set fzva up && ip link set fzvb up ||
	echo "# could not create veth fzva/fzvb: netdev vports get only lo"

out=$(mktemp /tmp/genl_fuzz.XXXXXX)
SEED=$SEED MESSAGES=$msgs TARGET=$TARGET NETDEVS=fzva,fzvb THREADS=${THREADS:-3} \
	"$BIN" | tee "$out" | grep -v '^RESULT '
rc=${PIPESTATUS[0]}

ip link del fzva 2>/dev/null
for m in $vport_mods; do
	case " $preloaded " in *" $m "*) continue ;; esac
	if [ -d "/sys/module/$m" ]; then
		rmmod "$m" && echo "# unloaded $m (autoloaded by a tunnel vport request)" ||
			{ echo "# FAIL: could not unload $m"; rc=1; }
	fi
done
left=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^(fz|fzv)' | tr '\n' ' ')
if [ -n "$left" ]; then
	echo "# FAIL: netdevs left behind: $left"
	rc=1
fi
res=$(grep '^RESULT ' "$out" | tail -1)
rm -f "$out"
[ -n "$res" ] || res="RESULT suite=R2 unit=messages target=$TARGET sent=0 seed=$SEED seconds=0 error=crashed"
if [ "$rc" -ne 0 ] && [ "${res#*error=}" = "$res" ]; then
	res="$res status=fail"
fi
echo "$res"
exit "$rc"
