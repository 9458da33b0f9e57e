// SPDX-License-Identifier: GPL-2.0
//! Flow actions: validated once into a typed list, dumped back to netlink.
//!
//! Upstream counterpart: the action parts of `net/openvswitch/flow_netlink.c`. Pure and
//! shared with the host crate, where they are tested.

// Not called yet: see `flow/mod.rs`.
#[expect(dead_code, unreachable_pub)]
pub(crate) mod action;
#[expect(dead_code, unreachable_pub)]
pub(crate) mod validate;
