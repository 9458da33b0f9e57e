//! The pure part of the module's `genetlink/` directory.

#[path = "../../../genetlink/dp_attrs.rs"]
pub mod dp_attrs;
#[path = "../../../genetlink/errno.rs"]
pub mod errno;
#[path = "../../../genetlink/nla.rs"]
pub mod nla;
#[path = "../../../genetlink/uapi.rs"]
pub mod uapi;
