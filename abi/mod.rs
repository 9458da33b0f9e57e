// SPDX-License-Identifier: GPL-2.0
//! The ABI and its pure codec: the uapi numbers of `include/uapi/linux/openvswitch.h`, the
//! errno values, netlink attributes, and each family's attributes parsed into typed values
//! (and written back). Pure: shared with the host crate, the fuzzers and `ovsdp`.
//!
//! Upstream counterpart: `include/uapi/linux/openvswitch.h`, the attribute policies and
//! parsing of `net/openvswitch/datapath.c`, and `lib/nlattr.c`.

// `unsafe` lives only in `sys/` and `net/`.
#![forbid(unsafe_code)]

// The pure modules' items are `pub` for the host crate (tests/host), which sees them from
// outside; inside the module that is `unreachable_pub`.
#[expect(unreachable_pub)]
pub(crate) mod dp_attrs;
// A table of errno values, filled as the pure code needs them: kernel-only builds may not
// use every one.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod errno;
#[allow(unreachable_pub, dead_code)]
pub(crate) mod nla;
// A complete copy of the ABI's numbers: not every one has a user in the module.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod uapi;

#[expect(unreachable_pub)]
pub(crate) mod ct_limit_attrs;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod flow_attrs;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod packet_attrs;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod vport_attrs;
