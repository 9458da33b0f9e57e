// SPDX-License-Identifier: GPL-2.0
//! Fuzz target bodies over openvswitch_rs's pure core (the module's own files, built on the
//! host by `tests/host`) and ovsdp's ODP flow syntax.
//!
//! Each module's `run(&[u8])` is one target: it must never panic on any input, and it
//! asserts the invariants that hold by design (round trips, offsets within the frame, ...).
//! The libFuzzer binaries in `fuzz_targets/` call them, and so does `tests/replay.rs`, which
//! feeds every committed corpus and regression file through them under plain `cargo test`.

pub mod actions;
pub mod extract;
pub mod key_nla;
pub mod nla;
pub mod ovsdp_flow;
pub mod rewrite;

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target, by the name of its binary and of its `corpus/` and `regressions/` folders.
pub const TARGETS: &[(&str, Target)] = &[
    ("extract", extract::run),
    ("key_nla", key_nla::run),
    ("nla", nla::run),
    ("actions", actions::run),
    ("ovsdp_flow", ovsdp_flow::run),
    ("rewrite", rewrite::run),
];

/// Splits `n` leading control bytes off `data` (missing ones read as zero).
pub(crate) fn control<const N: usize>(data: &[u8]) -> ([u8; N], &[u8]) {
    let mut c = [0u8; N];
    let n = data.len().min(N);
    c[..n].copy_from_slice(&data[..n]);
    (c, &data[n..])
}

/// Encodes with one of the module's writers into a scratch buffer.
pub(crate) fn write<E: core::fmt::Debug>(
    cap: usize,
    f: impl FnOnce(&mut ovs_rs_host::abi::nla::AttrWriter<'_>) -> Result<(), E>,
) -> Result<Vec<u8>, E> {
    let mut buf = vec![0u8; cap];
    let mut w = ovs_rs_host::abi::nla::AttrWriter::new(&mut buf);
    f(&mut w)?;
    Ok(w.as_bytes().to_vec())
}
