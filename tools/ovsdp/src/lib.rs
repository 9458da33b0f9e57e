//! ovsdp: an ovs-dpctl compatible command-line tool for the Open vSwitch
//! kernel datapath, speaking upstream's generic-netlink ABI (OVS:
//! utilities/ovs-dpctl.c with lib/dpctl.c, lib/dpif-netlink.c and
//! lib/odp-util.c).
//!
//! The library half holds everything testable without a kernel: the ODP
//! flow/action text syntax ([`key`], [`actions`]), netlink attribute and
//! message encoding ([`attr`], [`netlink`], [`dpif`]).

#![warn(missing_docs)]

pub mod actions;
pub mod attr;
pub mod batch;
pub mod cookie;
pub mod ct;
pub mod dpctl;
pub mod dpif;
pub mod json;
pub mod key;
pub mod netlink;
pub mod text;
pub mod uapi;
