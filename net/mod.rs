// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers over the kernel's networking C API, which the 6.12 `kernel` crate lacks.
//! Upstream counterpart: none (C calls the API directly). With `sys/`, the only home of
//! `unsafe` in this module.

pub(crate) mod genl;
pub(crate) mod netdev;
pub(crate) mod policy;
pub(crate) mod skb;
pub(crate) mod sync;
pub(crate) mod time;
