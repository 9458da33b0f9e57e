#!/bin/bash
# tests/vm/boot_check.sh before LOGFILE | after: scripts/vm's sanitizer gate, in the guest.
#   before: saves the boot's kernel log to LOGFILE and fails if it holds a splat (suites clear
#           the log with dmesg -C, so this is the only look at the boot), or if, on the debug
#           kernel, lockdep is off (/proc/lockdep_stats `debug_locks: 0`: a report or a taint
#           during boot switched it off, and it would check nothing for the whole run).
#   after:  fails if, on the debug kernel, lockdep has switched itself off since.
here=$(cd "$(dirname "$0")" && pwd)
flavour=${OVS_RS_FLAVOUR:-debug}

debug_locks() {
	[ "$flavour" = debug ] || return 0
	local v
	v=$(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats 2>/dev/null)
	if [ "$v" != 1 ]; then
		echo "vm: lockdep is off ($1): /proc/lockdep_stats debug_locks: ${v:-missing}"
		dmesg | grep -m3 -i 'tainted\|disabling lock debugging'
		return 1
	fi
	echo "# vm: debug_locks: 1 ($1)"
}

case ${1:-} in
before)
	log=${2:?usage: $0 before LOGFILE}
	dmesg > "$log"
	if ! "$here/dmesg_check.sh" < "$log"; then
		echo "vm: the boot is not clean (full log: $log)"
		exit 1
	fi
	debug_locks "after boot" || { echo "vm: boot log: $log"; exit 1; }
	echo "# vm: boot log clean ($(wc -l < "$log") lines)"
	;;
after)
	debug_locks "after the command"
	;;
*)
	echo "usage: $0 before LOGFILE | after" >&2
	exit 2
	;;
esac
