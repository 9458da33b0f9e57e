#!/bin/bash
# tests/vm/check.sh OUTDIR [--fast|--full] [PART...]: make check's VM suites, in the boot that
# runs this (scripts/check boots two at once: a boot costs about 100 s under TCG, udev's
# coldplug and settle, so each kernel gets one boot that runs its parts in turn). The parts:
#   sanitizers  tests/vm/run.sh's module suite and the reliability quick budgets R2-R4, then
#               one kmemleak scan: on the debug kernel (KASAN, lockdep, kmemleak), what they are for;
#   functional  tests/vm/run.sh's datapath and ovsdp suites and R5 (TAP on stdout, counted by
#               scripts/check), then stock ovs-vswitchd on openvswitch.ko and on ours
#               (tests/vm/stock_ovs.sh, TAP), `make install` and `ovs-ctl start` on both
#               (tests/vm/packaging.sh, TAP), upstream's kselftest on openvswitch_rs.ko
#               (tests/vm/selftest.sh; logs in build/selftest/, read back by
#               `scripts/selftest --report ours`), and the benchmark harness's smoke run
#               (bench/run.sh, QUICK=1, 1,000 flows for P4/P7; ours only, every contender in
#               make check-full; raw
#               results in OUTDIR/bench, read back by `scripts/bench --report`): on the plain
#               kernel, where TCG runs them faster (2026-12-03, two boots at once: the
#               kselftest 239 s, the bench smoke 88 s; the last all-debug boot: 365 s, 167 s).
# Default: both parts. --fast: only run.sh --fast. Each part is bounded (PART_TIMEOUT_*), so
# one that hangs is reported as failed and the others still run. Prints "STAGE SECONDS NAME"
# per part.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
out=${1:?usage: $0 OUTDIR [--fast|--full] [sanitizers|functional...]}
shift
fast=
case ${1:-} in --fast|--full) fast=$1; shift;; esac
parts=${*:-sanitizers functional}
mkdir -p "$out"
rc=0

part() { # part NAME SECONDS LOG CMD...: runs CMD bounded, its output to LOG ("-": stdout),
	# prints its time on stdout; CMD's status in $?
	local name=$1 limit=$2 plog=$3 t0 prc
	shift 3
	t0=$(date +%s)
	if [ "$plog" = - ]; then
		timeout -k 20 "$limit" "$@"
	else
		timeout -k 20 "$limit" "$@" > "$plog" 2>&1
	fi
	prc=$?
	[ $prc -ne 124 ] || echo "# $name: timed out after ${limit}s"
	echo "STAGE $(($(date +%s) - t0)) $name"
	return $prc
}

# --full (make check-full): the suites' full forms (tests/vm/module.sh's three rmmod race
# rounds, every bench contender); the suites read OVS_RS_CHECK.
if [ "$fast" = --full ]; then
	export OVS_RS_CHECK=full
	bench_contenders="ours upstream bridge null"
else
	export OVS_RS_CHECK=quick
	bench_contenders="ours"
fi

if [ "$fast" = --fast ]; then
	part "run.sh --fast" "${PART_TIMEOUT_RUN:-900}" - bash "$here/run.sh" --fast || rc=1
	exit $rc
fi

case " $parts " in *" sanitizers "*)
	# R2 fuzzer, R3 frames, R4 churn: memory safety and races, what the sanitizers check.
	part "run.sh: module, reliability quick (R2-R4), kmemleak" "${PART_TIMEOUT_RUN:-2400}" - \
		env SUITES="genl_fuzz frames churn" bash "$here/run.sh" module reliability || rc=1
esac
case " $parts " in *" functional "*) ;; *) exit $rc;; esac

# R5 (privilege: which commands need CAP_NET_ADMIN, in which namespace) is functional, and
# moving it here balances the two boots (the debug one is the longer).
part "run.sh: datapath, ovsdp, conntrack, reliability quick (R5)" "${PART_TIMEOUT_RUN:-1800}" - \
	env SUITES=privilege bash "$here/run.sh" datapath ovsdp conntrack reliability || rc=1

# Stock ovs-vswitchd on openvswitch.ko, then on ours (issue 13): TAP on stdout.
part "stock OVS: NORMAL bridge, upstream then ours" "${PART_TIMEOUT_STOCK_OVS:-600}" - \
	bash "$here/stock_ovs.sh" || rc=1

# Installed as a distribution installs it (`make install`: the module and the modprobe.d
# file), then `modprobe openvswitch` and OVS's own `ovs-ctl start`, on openvswitch.ko first
# and then on ours (issue 13): TAP on stdout.
part "packaging: make install, modprobe, ovs-ctl start" "${PART_TIMEOUT_PACKAGING:-600}" - \
	bash "$here/packaging.sh" || rc=1

# The kselftest's output goes to its log only: its lines are not TAP.
sel_tests=${SEL_TESTS:-arp_ping ct_connect_v4 connect_v4 nat_connect_v4 nat_related_v4 netlink_checks upcall_interfaces}
mkdir -p "$REPO/build/selftest"
rm -rf "$REPO/build/selftest"/*
part "kselftest on openvswitch_rs.ko: $sel_tests" "${PART_TIMEOUT_SELFTEST:-1200}" "$out/selftest.console" \
	bash "$here/selftest.sh" "$REPO/build/selftest" "$sel_tests" ours
echo $? > "$out/selftest.rc"
tail -3 "$out/selftest.console" | sed 's/^/# /'

rm -rf "$out/bench"
part "bench smoke (QUICK=1: $bench_contenders)" "${PART_TIMEOUT_BENCH:-900}" "$out/bench.console" \
	env QUICK=1 P4_FLOWS="${P4_FLOWS:-1000}" BENCH_CONTENDERS="$bench_contenders" \
	bash "$REPO/bench/run.sh" "$out/bench"
echo $? > "$out/bench.rc"
tail -3 "$out/bench.console" | sed 's/^/# /'
exit $rc
