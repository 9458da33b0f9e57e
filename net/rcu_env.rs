// SPDX-License-Identifier: GPL-2.0
//! The kernel side of `rcu.rs`: the OVS mutex, RCU read sections, `call_rcu` and node
//! allocation. The host crate has a model with the same items (`tests/host/src/rcu_env.rs`).
//!
//! Upstream counterpart: `ovs_mutex` (`datapath.c`), `rcu_read_lock()`, `call_rcu()`.

pub(crate) use kernel::alloc::{Flags, KBox as NodeBox};
pub(crate) use kernel::error::Result;

use crate::sys;

/// The RCU callback head embedded in every published node.
pub(crate) type CallbackHead = sys::callback_head;

/// Allocates a node to be published.
pub(crate) fn new_box<T>(value: T, flags: Flags) -> Result<NodeBox<T>> {
    Ok(NodeBox::new(value, flags)?)
}

/// Moves a node's value out of its allocation, which is freed.
pub(crate) fn into_inner<T>(node: NodeBox<T>) -> T {
    NodeBox::into_inner(node)
}

/// Takes the OVS mutex.
///
/// # Safety
///
/// Process context, with no spinlock or RCU read section held (the mutex sleeps).
pub(crate) unsafe fn ovs_mutex_lock() {
    // The shim's mutex is statically initialised.
    // SAFETY: The caller's context allows sleeping.
    unsafe { sys::ovs_rs_lock() };
}

/// Releases the OVS mutex.
///
/// # Safety
///
/// This task holds the mutex, taken by [`ovs_mutex_lock`].
pub(crate) unsafe fn ovs_mutex_unlock() {
    // SAFETY: The caller holds the mutex.
    unsafe { sys::ovs_rs_unlock() };
}

/// Enters an RCU read-side critical section.
pub(crate) fn rcu_read_lock() {
    // SAFETY: Always allowed, in any context; the caller pairs it with `rcu_read_unlock`.
    unsafe { sys::ovs_rs_rcu_read_lock() };
}

/// Leaves an RCU read-side critical section.
///
/// # Safety
///
/// Paired with an earlier [`rcu_read_lock`] of this task.
pub(crate) unsafe fn rcu_read_unlock() {
    // SAFETY: The caller entered the section.
    unsafe { sys::ovs_rs_rcu_read_unlock() };
}

/// Queues `func(head)` to run after a grace period.
///
/// # Safety
///
/// `head` is valid and not queued, and stays valid until `func` runs; `func` may be called
/// in softirq context.
pub(crate) unsafe fn call_rcu(
    head: *mut CallbackHead,
    func: Option<unsafe extern "C" fn(*mut CallbackHead)>,
) {
    // SAFETY: The caller's contract is `call_rcu`'s.
    unsafe { sys::call_rcu(head, func) };
}

/// Waits until every RCU read section that was running has ended. Sleeps.
pub(crate) fn synchronize_rcu() {
    // The caller (a writer holding the OVS mutex) is in process context, outside any read
    // section.
    // SAFETY: Allowed in process context; it takes no argument.
    unsafe { sys::synchronize_rcu() };
}
