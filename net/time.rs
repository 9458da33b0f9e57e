// SPDX-License-Identifier: GPL-2.0
//! Jiffies timestamps for flow "used" times.
//!
//! Upstream counterpart: `jiffies` in `ovs_flow_stats_update()` and `ovs_flow_used_time()`
//! (`flow.c`, `datapath.c`).

use crate::sys;

/// The current `jiffies`.
pub(crate) fn jiffies() -> u64 {
    // SAFETY: Reads a global counter.
    unsafe { sys::ovs_rs_jiffies() as u64 }
}

/// A jiffies timestamp as the msecs upstream reports in `OVS_FLOW_ATTR_USED`.
pub(crate) fn used_msecs(used: u64) -> u64 {
    // SAFETY: Pure computation on the clock.
    unsafe { sys::ovs_rs_used_msecs(used as _) }
}
