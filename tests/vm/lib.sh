# tests/vm/lib.sh: helpers for the in-guest tests (sourced). kselftest-style TAP output.

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FLAVOUR=${OVS_RS_FLAVOUR:-debug}
KO=${OVS_RS_KO:-"$REPO/build/$FLAVOUR/openvswitch_rs.ko"}
PY=/usr/bin/python3
GENL_PY="$REPO/tests/vm/genl.py"

tap_n=0 tap_fail=0 tap_skip=0
tap_plan() { echo "TAP version 13"; echo "1..$1"; }
# tap_run NAME FUNC: runs FUNC, reports ok/not ok, with its output as TAP diagnostics.
tap_run() {
	local name=$1 fn=$2 out rc t0
	tap_n=$((tap_n + 1))
	t0=$SECONDS
	out=$("$fn" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
	# Each test's wall time, so that a slow one shows in the log.
	echo "# $name took $((SECONDS - t0)) s"
	if [ $rc -eq 0 ]; then
		echo "ok $tap_n $name"
	elif [ $rc -eq 4 ]; then
		echo "ok $tap_n $name # SKIP"
		tap_skip=$((tap_skip + 1))
	else
		echo "not ok $tap_n $name"
		tap_fail=$((tap_fail + 1))
	fi
}

fail() { echo "FAIL: $*"; return 1; }

# Whether a generic-netlink family is registered, without the autoload a lookup by name does.
family_listed() { genl ctrl list | grep -q "^Name: $1\$"; }

ours_loaded() { [ -d /sys/module/openvswitch_rs ]; }
# insmod does not load dependencies: those of the module's depends line (conntrack, NAT,
# nf_conncount) come first, as modprobe would load them.
insmod_deps() {
	local dep
	for dep in $(modinfo -F depends "$1" | tr , ' '); do modprobe -q "$dep" || return 1; done
}
insmod_ours() { insmod_deps "$KO" && insmod "$KO" "$@"; }
load_ours() { ours_loaded || insmod_ours; }
unload_ours() { ! ours_loaded || rmmod openvswitch_rs; }
unload_upstream() {
	if [ -d /sys/module/openvswitch ]; then rmmod openvswitch || return 1; fi
}

# The differential suites (ovsdp.sh, conntrack.sh): one module loaded, the other not.
load_target() { # load_target upstream|ours
	unload_ours && unload_upstream || return 1
	case $1 in
	upstream) modprobe openvswitch ;;
	ours) load_ours ;;
	esac
}

# Their two namespaces nsx and nsy, and the veths x0 and y0 into them, gone.
drop_ports() {
	ip netns del nsx 2>/dev/null
	ip netns del nsy 2>/dev/null
	ip link del x0 2>/dev/null
	ip link del y0 2>/dev/null
	true
}
