# tests/vm/module.sh: the module skeleton's tests: load/unload, the ovs_datapath family,
# its GET commands, and coexistence with upstream openvswitch.ko. Sourced by run.sh.

test_load() {
	unload_upstream || return 1
	load_ours || fail "insmod $KO" || return 1
	ours_loaded || fail "/sys/module/openvswitch_rs missing after insmod" || return 1
	dmesg | grep -q 'openvswitch_rs: Open vSwitch switching datapath (Rust)' ||
		fail "no load banner in dmesg"
}

test_genl_ctrl_family() {
	load_ours || return 1
	local out
	out=$(genl ctrl get name ovs_datapath) || fail "genl ctrl get name ovs_datapath" || return 1
	echo "$out"
	# Upstream's: version 2, struct ovs_header (4 bytes), OVS_DP_ATTR_MAX 9.
	echo "$out" | grep -q 'Version: 0x2 ' || fail "version" || return 1
	echo "$out" | grep -q 'header size: 4 ' || fail "header size" || return 1
	echo "$out" | grep -q 'max attribs: 9' || fail "max attribs" || return 1
	echo "$out" | grep -A2 'multicast groups' | grep -q 'name: ovs_datapath' ||
		fail "multicast group ovs_datapath"
}

test_pyroute2_family() {
	load_ours || return 1
	local out
	out=$($PY "$GENL_PY" family) || fail "pyroute2 cannot resolve ovs_datapath: $out" || return 1
	echo "$out"
}

test_dp_get_dump_empty() {
	load_ours || return 1
	local out
	out=$($PY "$GENL_PY" dp-dump) || fail "dump: $out" || return 1
	[ "$out" = "[]" ] || fail "expected an empty dump, got $out"
}

test_dp_dump_unprivileged() {
	load_ours || return 1
	# GET is open to everyone, as upstream (genl_ops.flags = 0).
	local out
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		$PY "$GENL_PY" dp-dump) || fail "unprivileged dump: $out" || return 1
	[ "$out" = "[]" ] || fail "expected an empty dump, got $out"
}

test_dp_get_missing_is_enodev() {
	load_ours || return 1
	local out
	out=$($PY "$GENL_PY" dp-get nosuchdp)
	[ "$out" = '{"errno": 19}' ] || fail "GET by name: expected ENODEV, got $out" || return 1
	out=$($PY "$GENL_PY" dp-get-ifindex 12345)
	[ "$out" = '{"errno": 19}' ] || fail "GET by ifindex: expected ENODEV, got $out"
}

test_dp_get_bad_name_is_einval() {
	load_ours || return 1
	local out
	# 16 bytes: longer than IFNAMSIZ - 1; the kernel policy refuses it.
	out=$($PY "$GENL_PY" dp-get abcdefghijklmnop)
	[ "$out" = '{"errno": 22}' ] || fail "expected EINVAL, got $out"
}

test_unload_then_reload() {
	load_ours || return 1
	rmmod openvswitch_rs || fail "rmmod" || return 1
	# A dump, not `genl ctrl get name`: looking a missing family up by name autoloads the
	# module with its alias, upstream's openvswitch.ko.
	! family_listed ovs_datapath || fail "family still registered after rmmod" || return 1
	insmod_ours || fail "second insmod" || return 1
	family_listed ovs_datapath || fail "family missing after reload" || return 1
	$PY "$GENL_PY" dp-dump >/dev/null || fail "dump after reload"
}

test_refused_while_upstream_holds_family() {
	unload_ours || return 1
	modprobe openvswitch || fail "modprobe openvswitch" || return 1
	local out
	if out=$(insmod_ours 2>&1); then
		rmmod openvswitch_rs
		rmmod openvswitch
		fail "insmod succeeded while openvswitch.ko holds ovs_datapath"
		return 1
	fi
	echo "insmod: $out"
	echo "$out" | grep -q 'File exists' || fail "expected EEXIST from insmod" || return 1
	# The link kind "openvswitch" is registered first (as upstream's dp_init does), so that
	# is what the explanation names.
	dmesg | grep -q 'openvswitch_rs: link kind openvswitch is already registered: unload openvswitch.ko (rmmod openvswitch) before loading openvswitch_rs' ||
		fail "no explanation in dmesg" || return 1
	rmmod openvswitch || fail "rmmod openvswitch" || return 1
	insmod_ours || fail "insmod after rmmod openvswitch"
}

# rmmod while userspace keeps creating datapaths and ports (issue 12: the families are
# registered last and unregistered first, as upstream's dp_init/dp_cleanup). A datapath made
# in a window after exit destroyed the datapaths would outlive the module: its devices would
# stay behind, with the module's code gone. Each round: load, a creator loop, unload mid-way.
# openvswitch.ko (run first, the reference) refuses rmmod while a vport exists (each vport
# holds a reference on its type's module); ours destroys what is left. Either way, once the
# module is gone no device of it may remain. make check runs one round per module (rmmod
# 0.5 s into the creator loop: 40 s of the debug boot per round); make check-full three, at
# 0.25, 0.5 and 0.75 s.
RMMOD_RACE_DELAYS=${RMMOD_RACE_DELAYS:-$([ "${OVS_RS_CHECK:-}" = full ] && echo "0.25 0.5 0.75" || echo 0.5)}
rmmod_race_rounds() { # rmmod_race_rounds NAME LOAD-CMD MODULE
	local name=$1 load=$2 mod=$3 ovsdp=${OVSDP:-$REPO/tools/ovsdp/target/release/ovsdp}
	local round=0 delay pid left dp refused=0
	for delay in $RMMOD_RACE_DELAYS; do
		round=$((round + 1))
		$load || fail "$name: load (round $round)" || return 1
		(
			for i in $(seq 1 12); do
				"$ovsdp" add-dp "race$round-$i" >/dev/null 2>&1
				"$ovsdp" add-if "race$round-$i" "race$round-$i-p,type=internal" >/dev/null 2>&1
			done
		) &
		pid=$!
		sleep "$delay"
		rmmod "$mod" 2>/dev/null || refused=$((refused + 1))
		wait "$pid"
		if [ -e "/sys/module/$mod" ]; then
			for dp in $("$ovsdp" dump-dps 2>/dev/null | sed 's/^system@//'); do
				"$ovsdp" del-dp "$dp" >/dev/null 2>&1
			done
			rmmod "$mod" || fail "$name: rmmod after deleting the datapaths (round $round)" || return 1
		fi
		left=$(ip -o link show type openvswitch 2>/dev/null)
		[ -z "$left" ] || { fail "$name: devices outlived the module (round $round): $left"; return 1; }
	done
	echo "$name: rmmod refused while in use in $refused of $round rounds"
}

test_rmmod_races_dp_and_vport_new() {
	local ovsdp=${OVSDP:-$REPO/tools/ovsdp/target/release/ovsdp}
	[ -x "$ovsdp" ] || { echo "no ovsdp at $ovsdp"; return 4; }
	unload_ours || return 1
	# openvswitch.ko's rounds show the race itself is sound (upstream survives it too);
	# they are the reference, not the test, so they run in the full form only
	# (make check-full): about 65 s of the debug boot.
	if [ "${OVS_RS_CHECK:-}" = full ]; then
		rmmod_race_rounds openvswitch.ko "modprobe openvswitch" openvswitch || return 1
	fi
	# Once ours is gone, ovsdp's family lookups by name would autoload openvswitch.ko (the
	# families' aliases are upstream's), whose datapaths would then be counted as ours.
	local modprobe rc=0
	modprobe=$(cat /proc/sys/kernel/modprobe)
	echo /bin/true > /proc/sys/kernel/modprobe
	rmmod_race_rounds openvswitch_rs.ko "insmod $KO" openvswitch_rs || rc=1
	echo "$modprobe" > /proc/sys/kernel/modprobe
	[ $rc -eq 0 ] || return 1
	insmod_ours || fail "insmod after the races"
}

MODULE_TESTS_FAST="load genl_ctrl_family dp_get_dump_empty"
MODULE_TESTS="load genl_ctrl_family pyroute2_family dp_get_dump_empty dp_dump_unprivileged
	dp_get_missing_is_enodev dp_get_bad_name_is_einval unload_then_reload
	refused_while_upstream_holds_family rmmod_races_dp_and_vport_new"
