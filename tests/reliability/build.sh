#!/bin/bash
# tests/reliability/build.sh: builds the reliability suites' host-built programs (run on the
# host, not in the guest: the guest runs them prebuilt, from the shared repo). --locked, not
# --offline: a fresh machine (CI) fetches their pinned dependencies from crates.io.
set -e
here=$(cd "$(dirname "$0")" && pwd)
# R3: the frame generator/injector (frames.sh).
cargo build --release --locked --quiet --manifest-path "$here/frame-inject/Cargo.toml"
# R2: the generic-netlink fuzzer (genl_fuzz.sh).
cargo build --release --locked --quiet --manifest-path "$here/genl-fuzz/Cargo.toml"
