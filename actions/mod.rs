// SPDX-License-Identifier: GPL-2.0
//! Flow actions: validated once into a typed list, dumped back to netlink, and the packet
//! rewrites they make. Pure: shared with the host crate, where they are tested (they run
//! in `datapath/execute.rs`).
//!
//! Upstream counterpart: the action parts of `net/openvswitch/flow_netlink.c`, and the
//! header rewrites of `net/openvswitch/actions.c`.

// `unsafe` lives only in `sys/` and `net/`.
#![forbid(unsafe_code)]

// Pure modules: `pub` items for the host crate, unreachable from outside here; some
// helpers only the host tests call.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod action;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod conntrack;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod csum;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod rewrite;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod validate;
