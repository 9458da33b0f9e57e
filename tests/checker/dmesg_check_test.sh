#!/bin/bash
# tests/checker/dmesg_check_test.sh: proves the kernel-log checker (tests/vm/dmesg_check.sh)
# catches each kind of splat and passes a clean log. Runs on the host; prints TAP.
here=$(cd "$(dirname "$0")" && pwd)
check="$here/../vm/dmesg_check.sh"
n=0 failed=0
expect() { # expect pass|fail NAME LOG
	local want=$1 name=$2 log=$3 got=pass
	n=$((n + 1))
	printf '%s\n' "$log" | "$check" >/dev/null || got=fail
	if [ "$got" = "$want" ]; then echo "ok $n dmesg_check_$name"; else echo "not ok $n dmesg_check_$name (got $got)"; failed=$((failed + 1)); fi
}
echo "TAP version 13"
echo "1..13"
expect pass clean_log "[    1.0] openvswitch_rs: Open vSwitch switching datapath (Rust)
[    2.0] IPv6: ADDRCONF(NETDEV_CHANGE): veth0: link becomes ready"
expect fail warn_on "[    3.1] ------------[ cut here ]------------
[    3.1] WARNING: CPU: 0 PID: 97 at openvswitch_rs.rs:28 init_module+0x1/0x2 [openvswitch_rs]"
expect fail kasan "[    4.0] BUG: KASAN: slab-use-after-free in ovs_rs_skb_len+0x10/0x20"
expect fail lockdep "[    5.0] WARNING: possible circular locking dependency detected"
expect fail lockdep_off "[    0.9] Disabling lock debugging due to kernel taint"
expect fail kasan_boot "[    0.8] BUG: KASAN: wild-memory-access in do_raw_spin_lock+0x77/0x1a0"
expect pass debug_boot_banner "[    1.0] rcu: 	RCU lockdep checking is enabled.
[    1.1] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar
[    1.2] ... MAX_LOCKDEP_SUBCLASSES:  8
[    1.3] kmemleak: Kernel memory leak detector initialized (mem pool available: 15000)"
expect fail rcu "[    6.0] =============================
[    6.0] WARNING: suspicious RCU usage"
expect fail atomic_sleep "[    7.0] BUG: sleeping function called from invalid context at mm/slab.h:1"
expect fail kmemleak "unreferenced object 0xffff888004a3c000 (size 64):"
expect fail oops "[    8.0] Oops: general protection fault, probably for non-canonical address"
expect fail netdev_ref "[    9.0] unregister_netdevice: waiting for chs0 to become free. Usage count = 2"
expect fail hung_task "[   10.0] INFO: task rmmod:311 blocked for more than 122 seconds."
[ $failed -eq 0 ]
