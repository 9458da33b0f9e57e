//! The pure part of the module's `flow/` directory.

// As in the module: no `unsafe` in the pure core.
#![forbid(unsafe_code)]

#[path = "../../../flow/conntrack.rs"]
pub mod conntrack;
#[path = "../../../flow/extract.rs"]
pub mod extract;
#[path = "../../../flow/key.rs"]
pub mod key;
#[path = "../../../flow/key_nla.rs"]
pub mod key_nla;
