// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers over the kernel's networking C API, which the 6.12 `kernel` crate lacks.
//! Upstream counterpart: none (C calls the API directly). With `sys/`, the only home of
//! `unsafe` in this module.

pub(crate) mod conntrack;
pub(crate) mod genl;
pub(crate) mod netdev;
pub(crate) mod policy;
// Shared with the host crate (its items are `pub` for it), over the kernel side in
// `rcu_env`.
#[expect(unreachable_pub)]
pub(crate) mod rcu;
mod rcu_env;
pub(crate) mod skb;
pub(crate) mod sync;
pub(crate) mod time;
