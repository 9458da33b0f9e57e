#!/bin/bash
# tests/reliability/build.sh: builds the reliability suites' host-built programs (run on the
# host, not in the guest: the guest runs them prebuilt, from the shared repo). Offline: their
# dependencies are in the cargo cache.
set -e
here=$(cd "$(dirname "$0")" && pwd)
# R3: the frame generator/injector (frames.sh).
cargo build --release --offline --quiet --manifest-path "$here/frame-inject/Cargo.toml"
# R2: the generic-netlink fuzzer (genl_fuzz.sh).
cargo build --release --offline --quiet --manifest-path "$here/genl-fuzz/Cargo.toml"
