// SPDX-License-Identifier: GPL-2.0
//! Flow keys: the key, its extraction from packets, and its netlink form. Pure: shared
//! with the host crate (the flow table is the datapath's, `datapath/flow_table.rs`).
//!
//! Upstream counterpart: `net/openvswitch/flow.c` and the key parts of `flow_netlink.c`.

// `unsafe` lives only in `sys/` and `net/`.
#![forbid(unsafe_code)]

// Pure modules: `pub` items for the host crate; some helpers only the host tests call.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod conntrack;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod extract;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod key;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod key_nla;
