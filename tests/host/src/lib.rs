//! Host build of the module's kernel-independent code, for `cargo test` and cargo-fuzz.
//!
//! The files are the module's own, included by `#[path]`; nothing is copied.

pub mod abi;
pub mod actions;
pub mod flow;
pub mod net;
