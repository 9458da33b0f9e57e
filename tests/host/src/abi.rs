//! The pure part of the module's `abi/` directory.

// As in the module: no `unsafe` in the pure core.
#![forbid(unsafe_code)]

#[path = "../../../abi/ct_limit_attrs.rs"]
pub mod ct_limit_attrs;
#[path = "../../../abi/dp_attrs.rs"]
pub mod dp_attrs;
#[path = "../../../abi/errno.rs"]
pub mod errno;
#[path = "../../../abi/flow_attrs.rs"]
pub mod flow_attrs;
#[path = "../../../abi/nla.rs"]
pub mod nla;
#[path = "../../../abi/packet_attrs.rs"]
pub mod packet_attrs;
#[path = "../../../abi/uapi.rs"]
pub mod uapi;
#[path = "../../../abi/vport_attrs.rs"]
pub mod vport_attrs;
