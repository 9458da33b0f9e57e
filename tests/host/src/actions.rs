//! The pure part of the module's `actions/` directory.

// As in the module: no `unsafe` in the pure core.
#![forbid(unsafe_code)]

#[path = "../../../actions/action.rs"]
pub mod action;
#[path = "../../../actions/conntrack.rs"]
pub mod conntrack;
#[path = "../../../actions/csum.rs"]
pub mod csum;
#[path = "../../../actions/rewrite.rs"]
pub mod rewrite;
#[path = "../../../actions/validate.rs"]
pub mod validate;
