//! The pure part of the module's `genetlink/` directory.

#[path = "../../../genetlink/dp_attrs.rs"]
pub mod dp_attrs;
#[path = "../../../genetlink/errno.rs"]
pub mod errno;
#[path = "../../../genetlink/flow_attrs.rs"]
pub mod flow_attrs;
#[path = "../../../genetlink/nla.rs"]
pub mod nla;
#[path = "../../../genetlink/packet_attrs.rs"]
pub mod packet_attrs;
#[path = "../../../genetlink/uapi.rs"]
pub mod uapi;
#[path = "../../../genetlink/vport_attrs.rs"]
pub mod vport_attrs;
