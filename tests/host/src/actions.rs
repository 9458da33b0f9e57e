//! The pure part of the module's `actions/` directory.

#[path = "../../../actions/action.rs"]
pub mod action;
#[path = "../../../actions/validate.rs"]
pub mod validate;
