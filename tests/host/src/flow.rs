//! The pure part of the module's `flow/` directory.

#[path = "../../../flow/extract.rs"]
pub mod extract;
#[path = "../../../flow/key.rs"]
pub mod key;
#[path = "../../../flow/key_nla.rs"]
pub mod key_nla;
