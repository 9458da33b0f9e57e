// SPDX-License-Identifier: GPL-2.0
//! Flows: the key, its extraction from packets, and its netlink form.
//!
//! Upstream counterpart: `net/openvswitch/flow.c` and `flow_netlink.c` (key parts). These
//! modules are pure and shared with the host crate, where they are tested.

// The packet path and the flow family that use these come with the core datapath; until
// then the module compiles them (so the kernel toolchain and lints check them) but calls
// nothing. Their items are `pub` for the host crate, hence `unreachable_pub` here.
#[expect(dead_code, unreachable_pub)]
pub(crate) mod extract;
#[expect(dead_code, unreachable_pub)]
pub(crate) mod key;
#[expect(dead_code, unreachable_pub)]
pub(crate) mod key_nla;
