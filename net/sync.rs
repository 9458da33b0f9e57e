// SPDX-License-Identifier: GPL-2.0
//! The datapath's two synchronisation mechanisms: the one mutex every write takes, and RCU
//! for readers, with RCU-managed pointers and lists.
//!
//! Upstream counterpart: `ovs_lock()`/`ovs_unlock()` and `ovs_mutex` (`datapath.c`), and
//! the `rcu_dereference*`/`rcu_assign_pointer`/`call_rcu` idiom used throughout
//! `net/openvswitch`.
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
//! Writers hold [`OvsLock`]; readers hold an [`RcuReadGuard`] (or the lock). A value
//! unpublished from an [`RcuPtr`] or [`RcuList`] is dropped by `call_rcu` after a grace
//! period, so its `Drop` runs in softirq context and must not sleep. The module's exit
//! calls [`rcu_barrier`] so no callback outlives the module's code.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::alloc::Flags;
use kernel::prelude::*;

use crate::sys;

/// The OVS mutex, held. Every write to datapath state happens while one of these exists;
/// the mutex makes it unique.
pub(crate) struct OvsLock {
    /// The mutex must be released by the task that took it.
    _not_send: PhantomData<*mut ()>,
}

/// Takes the OVS mutex. Sleeps: process context only.
pub(crate) fn ovs_lock() -> OvsLock {
    // Callers are genetlink handlers, work items and module init/exit.
    // SAFETY: Process context; the shim's mutex is statically initialised.
    unsafe { sys::ovs_rs_lock() };
    OvsLock {
        _not_send: PhantomData,
    }
}

impl Drop for OvsLock {
    fn drop(&mut self) {
        // SAFETY: This guard took the mutex in `ovs_lock` and this task holds it.
        unsafe { sys::ovs_rs_unlock() };
    }
}

/// An RCU read-side critical section.
pub(crate) struct RcuReadGuard {
    _not_send: PhantomData<*mut ()>,
}

/// Enters an RCU read-side critical section (cheap, nests, never sleeps).
pub(crate) fn rcu_read_lock() -> RcuReadGuard {
    // SAFETY: Always allowed; the guard's drop leaves the section on the same CPU/task.
    unsafe { sys::ovs_rs_rcu_read_lock() };
    RcuReadGuard {
        _not_send: PhantomData,
    }
}

impl Drop for RcuReadGuard {
    fn drop(&mut self) {
        // SAFETY: Paired with the lock taken in `rcu_read_lock`.
        unsafe { sys::ovs_rs_rcu_read_unlock() };
    }
}

/// Proof that RCU-protected data may be read: an RCU read section, or the OVS mutex
/// (writers are serialised by it, so nothing is freed under it).
pub(crate) trait RcuReader {}
impl RcuReader for RcuReadGuard {}
impl RcuReader for OvsLock {}

/// Waits for every RCU callback queued so far to finish (module exit).
pub(crate) fn rcu_barrier() {
    // SAFETY: Process context; no lock that a callback could need is held.
    unsafe { sys::rcu_barrier() };
}

/// Data that is read and written only under the OVS mutex.
///
/// # Invariants
///
/// The value is accessed only through [`OvsCell::get`] and [`OvsCell::get_mut`], which
/// require a borrow of the unique [`OvsLock`].
pub(crate) struct OvsCell<T>(UnsafeCell<T>);

// SAFETY: Access is serialised by the OVS mutex (type invariant), so sharing the cell
// between threads only ever moves `T` between threads, which `T: Send` allows.
unsafe impl<T: Send> Sync for OvsCell<T> {}

impl<T> OvsCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    pub(crate) fn get<'a>(&'a self, _lock: &'a OvsLock) -> &'a T {
        // A `&mut` from `get_mut` would need `&mut` of the same unique lock.
        // SAFETY: The lock is held and shared-borrowed, excluding `get_mut`.
        unsafe { &*self.0.get() }
    }

    pub(crate) fn get_mut<'a>(&'a self, _lock: &'a mut OvsLock) -> &'a mut T {
        // No other reference obtained through the lock can be live while it is mutably
        // borrowed.
        // SAFETY: The lock is held and mutably borrowed for `'a`.
        unsafe { &mut *self.0.get() }
    }
}

/// A heap value with room for its RCU callback.
#[repr(C)]
struct RcuNode<T> {
    /// First, so the callback's pointer is the node's.
    head: sys::callback_head,
    next: AtomicPtr<RcuNode<T>>,
    value: T,
}

// SAFETY: As `T`: the head and link are touched only by RCU and the (serialised) writer.
unsafe impl<T: Send> Send for RcuNode<T> {}

/// A value allocated for publication in an [`RcuPtr`] or [`RcuList`]: allocated before
/// taking the lock, published under it.
pub(crate) struct RcuBox<T: Send + 'static>(KBox<RcuNode<T>>);

impl<T: Send + 'static> RcuBox<T> {
    pub(crate) fn new(value: T, flags: Flags) -> Result<Self> {
        let node = KBox::new(
            RcuNode {
                head: sys::callback_head::default(),
                next: AtomicPtr::new(ptr::null_mut()),
                value,
            },
            flags,
        )?;
        Ok(Self(node))
    }

    /// The value, before publication.
    pub(crate) fn get(&self) -> &T {
        &self.0.value
    }

    /// The value, before publication.
    pub(crate) fn get_mut(&mut self) -> &mut T {
        &mut self.0.value
    }
}

/// Frees `node` after a grace period.
fn defer_free<T: Send + 'static>(node: NonNull<RcuNode<T>>) {
    unsafe extern "C" fn free<T: Send + 'static>(head: *mut sys::callback_head) {
        // `head` is the first field of a `#[repr(C)]` `RcuNode<T>` leaked from a `KBox`
        // by `defer_free`, which handed its ownership to this callback.
        // SAFETY: So the node pointer is the head pointer, and it is ours to free.
        drop(unsafe { KBox::from_raw(head.cast::<RcuNode<T>>()) });
    }
    // The node was unpublished by the caller; readers that found it before may still use
    // it until the grace period ends, which is when `free` runs.
    // SAFETY: `node` came from `KBox::into_raw` and nobody else frees it.
    unsafe { sys::call_rcu(ptr::addr_of_mut!((*node.as_ptr()).head), Some(free::<T>)) };
}

/// An owning, RCU-published pointer to a `T`, possibly null.
///
/// # Invariants
///
/// `ptr` is null or came from `KBox::into_raw` of an `RcuNode<T>` that this pointer owns.
/// It changes only under the OVS mutex; a replaced value is freed after a grace period.
pub(crate) struct RcuPtr<T: Send + 'static> {
    ptr: AtomicPtr<RcuNode<T>>,
}

// SAFETY: Readers get `&T` (needs `T: Sync`); writers move `T` in and drop it elsewhere
// (needs `T: Send`).
unsafe impl<T: Send + Sync + 'static> Sync for RcuPtr<T> {}
// SAFETY: As above: the owned value may be dropped on another thread.
unsafe impl<T: Send + 'static> Send for RcuPtr<T> {}

impl<T: Send + 'static> RcuPtr<T> {
    pub(crate) const fn null() -> Self {
        // INVARIANT: null.
        Self {
            ptr: AtomicPtr::new(ptr::null_mut()),
        }
    }

    pub(crate) fn new(value: RcuBox<T>) -> Self {
        // INVARIANT: from `KBox::into_raw`, now owned here.
        Self {
            ptr: AtomicPtr::new(KBox::into_raw(value.0)),
        }
    }

    /// The current value, valid for the read section (or lock) `r`.
    pub(crate) fn get<'a>(&'a self, _r: &'a impl RcuReader) -> Option<&'a T> {
        let p = self.ptr.load(Ordering::Acquire);
        // A value is freed only after a grace period following its replacement, and the
        // reader `r` holds off that grace period (or excludes replacement).
        // SAFETY: By the type invariant `p` is null or a live node.
        unsafe { p.as_ref() }.map(|n| &n.value)
    }

    /// Publishes `value` and frees the previous one after a grace period.
    pub(crate) fn replace(&self, value: Option<RcuBox<T>>, _w: &OvsLock) {
        let new = value.map_or(ptr::null_mut(), |b| KBox::into_raw(b.0));
        // INVARIANT: `new` is null or owned; the old value is handed to `defer_free`.
        let old = self.ptr.swap(new, Ordering::AcqRel);
        if let Some(old) = NonNull::new(old) {
            defer_free(old);
        }
    }
}

impl<T: Send + 'static> Drop for RcuPtr<T> {
    fn drop(&mut self) {
        if let Some(old) = NonNull::new(*self.ptr.get_mut()) {
            // Readers may still see the value if they saw this pointer's container.
            defer_free(old);
        }
    }
}

/// A singly linked list published under RCU: readers walk it under a read section while
/// the (serialised) writer adds to the front and unlinks.
///
/// # Invariants
///
/// Every node reachable from `head` came from `KBox::into_raw` and is owned by the list;
/// links change only under the OVS mutex; unlinked nodes are freed after a grace period.
pub(crate) struct RcuList<T: Send + 'static> {
    head: AtomicPtr<RcuNode<T>>,
}

// SAFETY: See `RcuPtr`.
unsafe impl<T: Send + Sync + 'static> Sync for RcuList<T> {}
// SAFETY: See `RcuPtr`.
unsafe impl<T: Send + 'static> Send for RcuList<T> {}

impl<T: Send + 'static> RcuList<T> {
    pub(crate) const fn new() -> Self {
        // INVARIANT: empty.
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    pub(crate) fn iter<'a>(&'a self, _r: &'a impl RcuReader) -> RcuListIter<'a, T> {
        RcuListIter {
            next: self.head.load(Ordering::Acquire),
            _list: PhantomData,
        }
    }

    pub(crate) fn push_front(&self, node: RcuBox<T>, _w: &OvsLock) {
        let node = KBox::into_raw(node.0);
        let head = self.head.load(Ordering::Relaxed);
        // SAFETY: `node` is ours and not yet published.
        unsafe { (*node).next.store(head, Ordering::Relaxed) };
        // INVARIANT: the node is owned by the list from now on; Release publishes its
        // contents before its address.
        self.head.store(node, Ordering::Release);
    }

    /// Unlinks the first value for which `pred` is true and frees it after a grace period.
    /// Returns whether one was found.
    pub(crate) fn remove_first(&self, mut pred: impl FnMut(&T) -> bool, _w: &OvsLock) -> bool {
        let mut link = &self.head;
        loop {
            let cur = link.load(Ordering::Relaxed);
            // The writer lock excludes concurrent unlinking.
            // SAFETY: Reachable nodes are live (type invariant).
            let Some(node) = (unsafe { cur.as_ref() }) else {
                return false;
            };
            if pred(&node.value) {
                // Readers already past `link` keep walking from `node`, still valid until
                // the grace period ends.
                link.store(node.next.load(Ordering::Relaxed), Ordering::Release);
                // INVARIANT: unlinked, handed to `defer_free`.
                // SAFETY: `cur` is non-null here.
                defer_free(unsafe { NonNull::new_unchecked(cur) });
                return true;
            }
            link = &node.next;
        }
    }
}

impl<T: Send + 'static> Drop for RcuList<T> {
    fn drop(&mut self) {
        let mut cur = *self.head.get_mut();
        while let Some(node) = NonNull::new(cur) {
            // Its link is read before the node is handed over.
            // SAFETY: Owned by the list (type invariant).
            cur = unsafe { node.as_ref() }.next.load(Ordering::Relaxed);
            defer_free(node);
        }
    }
}

pub(crate) struct RcuListIter<'a, T: Send + 'static> {
    next: *mut RcuNode<T>,
    _list: PhantomData<&'a RcuList<T>>,
}

impl<'a, T: Send + 'static> Iterator for RcuListIter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        // Nodes stay valid for the read section `'a` that created this iterator.
        // Or a node unlinked less than a grace period ago, still valid.
        // SAFETY: Null or a live node of the list.
        let node = unsafe { self.next.as_ref() }?;
        self.next = node.next.load(Ordering::Acquire);
        Some(&node.value)
    }
}

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
