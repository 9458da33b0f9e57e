// SPDX-License-Identifier: GPL-2.0
//! Flows: the key, its extraction from packets, its netlink form, and the flow table.
//!
//! Upstream counterpart: `net/openvswitch/flow.c`, `flow_netlink.c` (key parts) and
//! `flow_table.c`. All but `table` are pure and shared with the host crate.

// Pure modules: `pub` items for the host crate; some helpers only the host tests call.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod extract;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod key;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod key_nla;

pub(crate) mod table;
