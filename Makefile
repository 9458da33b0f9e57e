# SPDX-License-Identifier: GPL-2.0
# openvswitch-rs: user-facing targets. The kernel build itself reads ./Kbuild.
#
#   make            build openvswitch_rs.ko and ovsdp (against KDIR: see below; runs no apt)
#   make kernel     set up the machine and build the cached test kernel (FLAVOUR)
#   make run        boot the test VM, load the module and show it working
#   make check      every test: host crate, then the VM suites; ends "N passed, N failed"
#   make check-fast host tests plus one VM smoke boot (the inner loop)
#   make check-full make check, then the kselftest (all 9, both modules) and bench smoke on
#                   the plain kernel
#   make selftest-upstream   upstream's kselftest against upstream openvswitch.ko
#   make bench      benchmarks beside openvswitch.ko, the bridge and a tc redirect (QUICK=1)
#   make stress     reliability suites R2-R5, long, against ours and openvswitch.ko
#   make fuzz-host  cargo-fuzz targets over the pure core (R6)
#   make modules_install   the built module into $(INSTALL_MOD_PATH)/lib/modules/<release>/extra,
#                   then depmod; make install also installs packaging/openvswitch-rs.conf into
#                   $(DESTDIR)/etc/modprobe.d, so that `modprobe openvswitch` loads ours
#                   (INSTALL_MOD_PATH defaults to DESTDIR); make uninstall undoes both
#
# FLAVOUR=debug (default: KASAN, lockdep, kmemleak) or FLAVOUR=plain (benchmarks).
# KDIR=/path/to/kernel/build builds the module against any Rust-enabled kernel build
# instead of the cached test kernel; KMAKE_VARS then gives its toolchain (LLVM=1, ...).
# CLIPPY=1 lints the module with clippy while building it (make clippy: into build/clippy,
# failing on any warning).

FLAVOUR ?= debug
KMAKE_VARS ?= ARCH=x86 LLVM=-19 RUSTC=/usr/bin/rustc BINDGEN=bindgen
KDIR ?= $(shell scripts/kernel $(FLAVOUR) --print-dir 2>/dev/null)
export LIBCLANG_PATH ?= /usr/lib/llvm-19/lib
export PATH := $(HOME)/.cargo/bin:$(PATH)

# The module is built in a per-flavour copy of the sources, so the tree stays clean and
# both kernel flavours can have their own build.
BUILD ?= $(CURDIR)/build/$(FLAVOUR)
MODULE_SRCS = Kbuild openvswitch_rs.rs $(wildcard sys/*.rs sys/*.c sys/*.h sys/bindgen_parameters \
	abi/*.rs net/*.rs genetlink/*.rs datapath/*.rs vport/*.rs flow/*.rs actions/*.rs)

.PHONY: all module ovsdp modules_install install uninstall setup kernel run check check-fast host-test vm-test selftest selftest-upstream clean clippy

all: module ovsdp

setup:
	@scripts/setup

kernel: setup
	@scripts/kernel $(FLAVOUR) >/dev/null

module:
	@test -f "$(KDIR)/Module.symvers" || { echo "no kernel build at '$(KDIR)': run 'make kernel' (sets up the machine, builds the test kernel) or pass KDIR=/path/to/kernel/build" >&2; exit 1; }
	@mkdir -p $(BUILD)
	@cp -a --parents $(MODULE_SRCS) $(BUILD)/
	$(MAKE) -s -C $(KDIR) M=$(BUILD) $(KMAKE_VARS) modules
	@echo "built $(BUILD)/openvswitch_rs.ko"

# The module linted by clippy (the kernel's CLIPPY=1), in its own build directory so that
# every file is compiled (and linted) again; any warning fails.
#
# A lint is a function of what it reads: the module's sources, this Makefile, the kernel
# tree, clippy and rustc. A clean lint records their hash in build/clippy.ok, and `make
# clippy` with the same hash reports that lint instead of compiling the whole crate again
# (67 s of make check's CPU, beside its VMs, 2026-12-03). Any change to those inputs lints
# again; CLIPPY_FORCE=1 always does.
CLIPPY_KEY = $(shell { sha256sum $(MODULE_SRCS) Makefile; echo $(KDIR); stat -c %Y $(KDIR)/.ovs-rs-built; /usr/bin/clippy-driver --version; /usr/bin/rustc --version; } 2>&1 | sha256sum | cut -c1-16)
clippy:
	@key=$(CLIPPY_KEY); \
	if [ -z "$(CLIPPY_FORCE)" ] && [ "$$(cat $(CURDIR)/build/clippy.ok 2>/dev/null)" = "$$key" ]; then \
		echo "clippy: inputs $$key, as at the last clean lint (build/clippy.log): clean"; exit 0; \
	fi; \
	rm -f $(CURDIR)/build/clippy.ok; rm -rf $(CURDIR)/build/clippy && mkdir -p $(CURDIR)/build; \
	$(MAKE) -s --no-print-directory BUILD=$(CURDIR)/build/clippy CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver module > $(CURDIR)/build/clippy.log 2>&1; \
	rc=$$?; cat $(CURDIR)/build/clippy.log; [ $$rc -eq 0 ] || exit 1; \
	! grep -E '^(warning|error)' $(CURDIR)/build/clippy.log || exit 1; \
	echo "$$key" > $(CURDIR)/build/clippy.ok

host-test: setup
	cargo test --manifest-path tests/host/Cargo.toml

ovsdp:
	cargo build --release --locked --manifest-path tools/ovsdp/Cargo.toml

run: kernel module ovsdp
	@scripts/vm --flavour $(FLAVOUR) -- tests/vm/demo.sh

# scripts/check builds both kernels (cached), the modules and ovsdp itself, so that the
# builds appear in its per-stage time table. The VM suites run in two boots at once: the
# sanitizer suites on the debug kernel, the functional ones on the plain kernel.
check: setup
	@scripts/check

check-fast: setup
	@scripts/check --fast

# make check with the VM suites' full forms, then upstream's kselftest, all 9 tests, on
# openvswitch.ko and ours side by side on the plain kernel, the 7 that ours passes on the debug
# kernel's sanitizers (make check runs them on the plain one), and the benchmark smoke run.
.PHONY: check-full
check-full: setup
	@scripts/check --full
	@FLAVOUR=plain scripts/selftest both
	@FLAVOUR=debug TESTS="arp_ping ct_connect_v4 connect_v4 nat_connect_v4 nat_related_v4 netlink_checks upcall_interfaces" scripts/selftest ours
	@QUICK=1 scripts/bench

selftest-upstream: kernel
	@FLAVOUR=$(FLAVOUR) scripts/selftest upstream

# Upstream's kselftest against openvswitch.ko and openvswitch_rs.ko, side by side.
selftest: kernel module
	@FLAVOUR=$(FLAVOUR) scripts/selftest both

# Benchmarks against openvswitch.ko, the bridge and a tc redirect, on the plain kernel
# (bench/README.md). QUICK=1: the short smoke version. Wrap in `heavy` (one VM at a time).
.PHONY: bench
bench: ovsdp
	@$(MAKE) -s FLAVOUR=plain kernel module
	@QUICK=$(QUICK) scripts/bench

# The reliability suites R2-R5 (tests/reliability/README.md), long budgets, against ours and
# openvswitch.ko in one debug-kernel boot; prints the summary table. SEED=, SUITES= replay/pick.
.PHONY: stress fuzz-host
stress: kernel module ovsdp
	@scripts/stress long

# R6: cargo-fuzz over the pure core, FUZZ_SECONDS per target (default 60).
fuzz-host: setup
	@scripts/fuzz-host $(FUZZ_SECONDS)

# Installation, as a distribution package does it: the kernel's own modules_install (which
# signs or compresses as the kernel's config says) into .../extra, then depmod. It installs
# what `make` built; it does not build (run `make` first, as the user owning the tree).
DESTDIR ?=
INSTALL_MOD_PATH ?= $(DESTDIR)
KERNELRELEASE = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
MODPROBE_CONF = $(DESTDIR)/etc/modprobe.d/openvswitch-rs.conf

modules_install:
	@test -f $(BUILD)/openvswitch_rs.ko || { echo "no $(BUILD)/openvswitch_rs.ko: run 'make' first" >&2; exit 1; }
	$(MAKE) -s -C $(KDIR) M=$(BUILD) $(KMAKE_VARS) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) INSTALL_MOD_DIR=extra modules_install
	@echo "installed $(INSTALL_MOD_PATH)/lib/modules/$(KERNELRELEASE)/extra/openvswitch_rs.ko"

install: modules_install
	install -D -m 0644 packaging/openvswitch-rs.conf $(MODPROBE_CONF)
	@echo "installed $(MODPROBE_CONF): 'modprobe openvswitch' now loads openvswitch_rs"

uninstall:
	rm -f $(INSTALL_MOD_PATH)/lib/modules/$(KERNELRELEASE)/extra/openvswitch_rs.ko* $(MODPROBE_CONF)
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KERNELRELEASE)

clean:
	rm -rf build tests/host/target
