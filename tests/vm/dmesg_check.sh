#!/bin/sh
# tests/vm/dmesg_check.sh: reads a kernel log on stdin; fails (exit 1, printing the lines)
# if it holds any splat: WARN, BUG, Oops, KASAN, lockdep, RCU, sleeping in atomic context,
# refcount or list corruption, a netdev that cannot be freed (a leaked reference), a hung
# task, or a kmemleak report. Boot lines that merely name a checker ("RCU lockdep checking is
# enabled") are not splats; lockdep switching itself off ("Disabling lock debugging") is.
pattern='WARNING:|BUG:|BUG |Oops|kernel BUG|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|DEBUG_LOCKS_WARN_ON|INFO: lockdep|lockdep is turned off|Disabling lock debugging|suspicious RCU usage|scheduling while atomic|sleeping function called from invalid context|refcount_t:|list_add corruption|list_del corruption|unreferenced object|Call Trace:|general protection fault|stack-protector|rcu_preempt detected stalls|self-detected stall|unregister_netdevice: waiting for|blocked for more than'
hits=$(grep -E "$pattern")
if [ -n "$hits" ]; then
	echo "kernel log has splats:"
	printf '%s\n' "$hits" | head -40
	exit 1
fi
exit 0
