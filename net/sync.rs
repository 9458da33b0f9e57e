// SPDX-License-Identifier: GPL-2.0
//! The datapath's synchronisation: the OVS mutex and RCU containers (from `rcu.rs`,
//! re-exported), the RCU barrier, per-CPU counters and arrays, and bottom-half disabling.
//!
//! Upstream counterpart: `ovs_lock()`/`ovs_unlock()` (`datapath.c`), `rcu_barrier()` in
//! `dp_cleanup`, the per-CPU `dp_stats_percpu` and mask cache, and `local_bh_disable()`
//! around `ovs_execute_actions` in `ovs_packet_cmd_execute`.
//!
//! # Lock order
//!
//! `OvsLock` (the OVS mutex) is taken first, then RTNL (taken inside some `net::netdev`
//! calls). Code running under RTNL (the netdevice notifier) never takes the OVS mutex: it
//! defers to a work item, as upstream's `dp_notify` does. RCU read sections nest inside
//! anything.
//!
//! # RCU lifetimes
//!
//! See `rcu.rs` for the borrow rule that keeps values read under the lock from outliving a
//! write. The module's exit calls [`rcu_barrier`] so no callback outlives the module's code.

use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::prelude::*;

pub(crate) use super::rcu::{
    ovs_lock, rcu_read_lock, OvsCell, OvsLock, RcuBox, RcuList, RcuPtr, RcuReadGuard, RcuReader,
};
use crate::sys;

/// Waits for every RCU callback queued so far to finish (module exit).
pub(crate) fn rcu_barrier() {
    // SAFETY: Process context; no lock that a callback could need is held.
    unsafe { sys::rcu_barrier() };
}

// The counters are summed with plain loads, which are single-copy atomic only for 64-bit
// values on a 64-bit architecture.
const _: () = assert!(
    core::mem::size_of::<usize>() == 8,
    "PerCpuCounters needs 64-bit loads to be atomic"
);

/// `N` per-CPU `u64` counters: cheap to bump from any CPU, summed on read.
///
/// # Invariants
///
/// `ptr` is a live per-CPU allocation of `N` `u64`s, freed on drop.
pub(crate) struct PerCpuCounters<const N: usize> {
    ptr: NonNull<u64>,
}

// SAFETY: Each CPU touches only its own copy with `this_cpu_add`; readers sum with plain
// 64-bit loads, atomic on the 64-bit architectures the module builds for.
unsafe impl<const N: usize> Send for PerCpuCounters<N> {}
// SAFETY: As above.
unsafe impl<const N: usize> Sync for PerCpuCounters<N> {}

impl<const N: usize> PerCpuCounters<N> {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: A plain allocation; zeroed by the per-CPU allocator.
        let ptr = unsafe { sys::ovs_rs_percpu_alloc(N as u32) };
        // INVARIANT: non-null from the allocator, `N` counters.
        Ok(Self {
            ptr: NonNull::new(ptr).ok_or(ENOMEM)?,
        })
    }

    pub(crate) fn add(&self, idx: usize, v: u64) {
        if idx < N {
            // SAFETY: `idx` is in bounds of the live allocation (type invariant).
            unsafe { sys::ovs_rs_percpu_add(self.ptr.as_ptr(), idx as u32, v) };
        }
    }

    pub(crate) fn sum(&self, idx: usize) -> u64 {
        if idx >= N {
            return 0;
        }
        // SAFETY: As in `add`.
        unsafe { sys::ovs_rs_percpu_sum(self.ptr.as_ptr(), idx as u32) }
    }
}

impl<const N: usize> Drop for PerCpuCounters<N> {
    fn drop(&mut self) {
        // SAFETY: Allocated in `new` (type invariant), freed once.
        unsafe { sys::ovs_rs_percpu_free(self.ptr.as_ptr()) };
    }
}

/// Bottom halves disabled on this CPU: process-context packet execution runs like the
/// softirq packet path, never interleaved with it on one CPU.
pub(crate) struct BhDisabled {
    _not_send: PhantomData<*mut ()>,
}

pub(crate) fn local_bh_disable() -> BhDisabled {
    // SAFETY: Process context; paired with the enable in drop.
    unsafe { sys::ovs_rs_local_bh_disable() };
    BhDisabled {
        _not_send: PhantomData,
    }
}

impl Drop for BhDisabled {
    fn drop(&mut self) {
        // SAFETY: Paired with `local_bh_disable`.
        unsafe { sys::ovs_rs_local_bh_enable() };
    }
}

/// A per-CPU array of `u64`s, each CPU reading and writing its own copy: hints such as the
/// mask cache, where a value seen by the wrong CPU (after a migration) is merely a miss.
///
/// # Invariants
///
/// `ptr` is a live per-CPU allocation of `len` `u64`s, freed on drop.
pub(crate) struct PerCpuArray {
    ptr: NonNull<u64>,
    len: usize,
}

// SAFETY: Each access is a single `this_cpu_read`/`this_cpu_write`, safe from any context.
unsafe impl Send for PerCpuArray {}
// SAFETY: As above.
unsafe impl Sync for PerCpuArray {}

impl PerCpuArray {
    pub(crate) fn new(len: usize) -> Result<Self> {
        let n = u32::try_from(len).map_err(|_| EINVAL)?;
        // SAFETY: A plain, zeroed allocation.
        let ptr = unsafe { sys::ovs_rs_percpu_alloc(n) };
        // INVARIANT: non-null from the allocator, `len` entries.
        Ok(Self {
            ptr: NonNull::new(ptr).ok_or(ENOMEM)?,
            len,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// This CPU's entry `idx` (0 out of range).
    pub(crate) fn get(&self, idx: usize) -> u64 {
        if idx >= self.len {
            return 0;
        }
        // SAFETY: In bounds of the live allocation.
        unsafe { sys::ovs_rs_percpu_this_get(self.ptr.as_ptr(), idx as u32) }
    }

    /// Sets this CPU's entry `idx` (ignored out of range).
    pub(crate) fn set(&self, idx: usize, v: u64) {
        if idx < self.len {
            // SAFETY: In bounds of the live allocation.
            unsafe { sys::ovs_rs_percpu_this_set(self.ptr.as_ptr(), idx as u32, v) };
        }
    }
}

impl Drop for PerCpuArray {
    fn drop(&mut self) {
        // SAFETY: Allocated in `new`, freed once.
        unsafe { sys::ovs_rs_percpu_free(self.ptr.as_ptr()) };
    }
}
