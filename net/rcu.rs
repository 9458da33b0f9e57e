// SPDX-License-Identifier: GPL-2.0
//! The OVS mutex as a token, data only it may touch, and RCU-published pointers and lists.
//! Shared with the host crate, where `tests/host/src/rcu_env.rs` models the kernel side
//! and the tests run under Miri.
//!
//! Upstream counterpart: `ovs_lock()`/`ovs_unlock()` and `ovs_mutex` (`datapath.c`), and
//! the `rcu_dereference*`/`rcu_assign_pointer`/`call_rcu` idiom used throughout
//! `net/openvswitch`.
//!
//! # The borrow rule
//!
//! A value read through the lock ([`RcuPtr::get`], [`RcuList::iter`] with an [`OvsLock`])
//! borrows the lock shared. Every write that can unpublish a value ([`RcuPtr::replace`],
//! [`RcuList::remove_first`], [`RcuList::push_front`], [`OvsCell::get_mut`]) borrows it
//! mutably. So the borrow checker rejects any use of a value read under the lock after a
//! write that may have queued it for freeing: the grace period that frees it may end at the
//! writer's next sleep. This is the kernel's `LockedBy::access_mut` rule.
//!
//! A writer that must hold a value across a write reads it under an [`RcuReadGuard`]
//! instead: that value stays valid until the guard drops, whatever the writer does, and the
//! section must not sleep (allocate first, then take the guard).
//!
//! # RCU lifetimes
//!
//! A value unpublished from an [`RcuPtr`] or [`RcuList`] is dropped by `call_rcu` after a
//! grace period, so its `Drop` runs in softirq context and must not sleep.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};

use super::rcu_env::{self as env, CallbackHead, Flags, NodeBox, Result};

/// The OVS mutex, held. Every write to datapath state happens while one of these exists,
/// and the mutex makes it unique.
pub struct OvsLock {
    /// The mutex must be released by the task that took it.
    _not_send: PhantomData<*mut ()>,
}

/// Takes the OVS mutex. Sleeps: process context only.
pub fn ovs_lock() -> OvsLock {
    // Callers are genetlink handlers, work items and module init/exit.
    // SAFETY: Process context, holding no spinlock or RCU read section.
    unsafe { env::ovs_mutex_lock() };
    OvsLock {
        _not_send: PhantomData,
    }
}

impl Drop for OvsLock {
    fn drop(&mut self) {
        // SAFETY: This guard took the mutex in `ovs_lock`, and this task holds it.
        unsafe { env::ovs_mutex_unlock() };
    }
}

/// An RCU read-side critical section.
pub struct RcuReadGuard {
    _not_send: PhantomData<*mut ()>,
}

/// Enters an RCU read-side critical section (cheap, nests, never sleeps).
pub fn rcu_read_lock() -> RcuReadGuard {
    env::rcu_read_lock();
    RcuReadGuard {
        _not_send: PhantomData,
    }
}

impl Drop for RcuReadGuard {
    fn drop(&mut self) {
        // The guard is not `Send`, so this is the task that made it.
        // SAFETY: Paired with the `rcu_read_lock` that made this guard.
        unsafe { env::rcu_read_unlock() };
    }
}

/// Proof that RCU-protected data may be read: an RCU read section, or the OVS mutex
/// (shared-borrowed, which excludes the writes that unpublish; see the module docs).
pub trait RcuReader {}
impl RcuReader for RcuReadGuard {}
impl RcuReader for OvsLock {}

/// Data that is read and written only under the OVS mutex.
///
/// # Invariants
///
/// The value is accessed only through [`OvsCell::get`] and [`OvsCell::get_mut`], which
/// require a borrow of the unique [`OvsLock`].
pub struct OvsCell<T>(UnsafeCell<T>);

// SAFETY: Access is serialised by the OVS mutex (type invariant), so sharing the cell
// between threads only ever moves `T` between threads, which `T: Send` allows.
unsafe impl<T: Send> Sync for OvsCell<T> {}

impl<T> OvsCell<T> {
    pub const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    pub fn get<'a>(&'a self, _lock: &'a OvsLock) -> &'a T {
        // `get_mut` needs the same unique lock mutably.
        // SAFETY: The lock is held and shared-borrowed for `'a`, excluding `get_mut`.
        unsafe { &*self.0.get() }
    }

    pub fn get_mut<'a>(&'a self, _lock: &'a mut OvsLock) -> &'a mut T {
        // No other reference obtained through the lock is live meanwhile.
        // SAFETY: The lock is held and mutably borrowed for `'a`.
        unsafe { &mut *self.0.get() }
    }
}

/// A heap value with room for its RCU callback.
#[repr(C)]
struct RcuNode<T> {
    /// First, so the callback's pointer is the node's.
    head: CallbackHead,
    next: AtomicPtr<RcuNode<T>>,
    value: T,
}

// SAFETY: As `T`: the head and link are touched only by RCU and the (serialised) writer.
unsafe impl<T: Send> Send for RcuNode<T> {}

/// A value allocated for publication in an [`RcuPtr`] or [`RcuList`]: allocated before
/// taking the lock, published under it.
pub struct RcuBox<T: Send + 'static>(NodeBox<RcuNode<T>>);

impl<T: Send + 'static> RcuBox<T> {
    pub fn new(value: T, flags: Flags) -> Result<Self> {
        let node = env::new_box(
            RcuNode {
                head: CallbackHead::default(),
                next: AtomicPtr::new(ptr::null_mut()),
                value,
            },
            flags,
        )?;
        Ok(Self(node))
    }

    /// The value, before publication.
    pub fn get(&self) -> &T {
        &self.0.value
    }

    /// The value, before publication.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.0.value
    }
}

/// Frees `node` after a grace period.
///
/// # Safety
///
/// `node` came from `NodeBox::into_raw`, is reachable from no container any more, and no
/// one else frees it. Readers that found it before it was unlinked may go on using it
/// until the grace period ends.
unsafe fn defer_free<T: Send + 'static>(node: NonNull<RcuNode<T>>) {
    /// # Safety
    ///
    /// `head` is the head of a node handed over by `defer_free`, after its grace period.
    unsafe extern "C" fn free<T: Send + 'static>(head: *mut CallbackHead) {
        // `head` is the first field of a `#[repr(C)]` `RcuNode<T>` leaked from a `NodeBox`
        // by `defer_free`, which handed its ownership to this callback.
        // SAFETY: So the node pointer is the head pointer, and it is ours to free.
        drop(unsafe { NodeBox::from_raw(head.cast::<RcuNode<T>>()) });
    }
    // `node` is live and ours (the caller's contract), and is queued once.
    // SAFETY: So its head stays valid until `free` runs.
    unsafe { env::call_rcu(ptr::addr_of_mut!((*node.as_ptr()).head), Some(free::<T>)) };
}

/// An owning, RCU-published pointer to a `T`, possibly null.
///
/// # Invariants
///
/// `ptr` is null or came from `NodeBox::into_raw` of an `RcuNode<T>` that this pointer
/// owns. It changes only under a mutable borrow of the OVS mutex; a replaced value is freed
/// after a grace period.
pub struct RcuPtr<T: Send + 'static> {
    ptr: AtomicPtr<RcuNode<T>>,
}

// SAFETY: Readers get `&T` (needs `T: Sync`); writers move `T` in and drop it elsewhere
// (needs `T: Send`).
unsafe impl<T: Send + Sync + 'static> Sync for RcuPtr<T> {}
// SAFETY: As above: the owned value may be dropped on another thread.
unsafe impl<T: Send + 'static> Send for RcuPtr<T> {}

impl<T: Send + 'static> RcuPtr<T> {
    pub const fn null() -> Self {
        // INVARIANT: null.
        Self {
            ptr: AtomicPtr::new(ptr::null_mut()),
        }
    }

    pub fn new(value: RcuBox<T>) -> Self {
        // INVARIANT: from `NodeBox::into_raw`, now owned here.
        Self {
            ptr: AtomicPtr::new(NodeBox::into_raw(value.0)),
        }
    }

    /// The current value, valid while `r` is borrowed: a read section, or the lock
    /// (shared, so no write can unpublish it meanwhile).
    pub fn get<'a>(&'a self, _r: &'a impl RcuReader) -> Option<&'a T> {
        let p = self.ptr.load(Ordering::Acquire);
        // A value is freed only after a grace period following its replacement; a read
        // section holds that grace period off, and a shared borrow of the lock excludes
        // the replacement.
        // SAFETY: So by the type invariant `p` is null or a live node.
        unsafe { p.as_ref() }.map(|n| &n.value)
    }

    /// Publishes `value` and frees the previous one after a grace period.
    pub fn replace(&self, value: Option<RcuBox<T>>, _w: &mut OvsLock) {
        let new = value.map_or(ptr::null_mut(), |b| NodeBox::into_raw(b.0));
        // INVARIANT: `new` is null or owned; the old value is handed to `defer_free`.
        let old = self.ptr.swap(new, Ordering::AcqRel);
        if let Some(old) = NonNull::new(old) {
            // SAFETY: `old` was owned by this pointer (type invariant) and is unpublished.
            unsafe { defer_free(old) };
        }
    }
}

impl<T: Send + 'static> Drop for RcuPtr<T> {
    fn drop(&mut self) {
        if let Some(old) = NonNull::new(*self.ptr.get_mut()) {
            // Readers may still see the value if they saw this pointer's container, hence
            // the grace period.
            // SAFETY: Owned by this pointer, which goes away.
            unsafe { defer_free(old) };
        }
    }
}

/// A singly linked list published under RCU: readers walk it under a read section while
/// the (serialised) writer adds to the front and unlinks.
///
/// # Invariants
///
/// Every node reachable from `head` came from `NodeBox::into_raw` and is owned by the
/// list; links change only under a mutable borrow of the OVS mutex; unlinked nodes are
/// freed after a grace period.
pub struct RcuList<T: Send + 'static> {
    head: AtomicPtr<RcuNode<T>>,
}

// SAFETY: See `RcuPtr`.
unsafe impl<T: Send + Sync + 'static> Sync for RcuList<T> {}
// SAFETY: See `RcuPtr`.
unsafe impl<T: Send + 'static> Send for RcuList<T> {}

impl<T: Send + 'static> Default for RcuList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + 'static> RcuList<T> {
    pub const fn new() -> Self {
        // INVARIANT: empty.
        Self {
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// The values, front first, valid while `r` is borrowed (see [`RcuPtr::get`]).
    pub fn iter<'a>(&'a self, _r: &'a impl RcuReader) -> RcuListIter<'a, T> {
        RcuListIter {
            next: self.head.load(Ordering::Acquire),
            _list: PhantomData,
        }
    }

    /// Publishes `node` at the front. It unpublishes nothing, but takes the lock mutably
    /// like every write, so that a list read under the lock is never written meanwhile.
    pub fn push_front(&self, node: RcuBox<T>, _w: &mut OvsLock) {
        let node = NodeBox::into_raw(node.0);
        let head = self.head.load(Ordering::Relaxed);
        // SAFETY: `node` is ours and not yet published.
        unsafe { (*node).next.store(head, Ordering::Relaxed) };
        // INVARIANT: the node is owned by the list from now on; Release publishes its
        // contents before its address.
        self.head.store(node, Ordering::Release);
    }

    /// Unlinks the first value for which `pred` is true and frees it after a grace period.
    /// Returns whether one was found.
    pub fn remove_first(&self, mut pred: impl FnMut(&T) -> bool, _w: &mut OvsLock) -> bool {
        let mut link = &self.head;
        loop {
            let cur = link.load(Ordering::Relaxed);
            // The writer's lock excludes concurrent unlinking.
            // SAFETY: Reachable nodes are live (type invariant).
            let Some(node) = (unsafe { cur.as_ref() }) else {
                return false;
            };
            if pred(&node.value) {
                // Readers already past `link` keep walking from `node`, still valid until
                // the grace period ends.
                link.store(node.next.load(Ordering::Relaxed), Ordering::Release);
                // INVARIANT: unlinked, handed to `defer_free`.
                // SAFETY: `cur` is non-null, was owned by the list and is now unlinked.
                unsafe { defer_free(NonNull::new_unchecked(cur)) };
                return true;
            }
            link = &node.next;
        }
    }
}

impl<T: Send + 'static> RcuList<T> {
    /// Unlinks the first value for which `pred` is true, waits for a grace period, and
    /// hands the value back: no reader can see it any more, so its owner may drop it here,
    /// in process context, even when its `Drop` sleeps (which a `call_rcu` free, in
    /// softirq, may not). Sleeps: the caller holds no RCU read section.
    pub fn take_first_synced(
        &self,
        mut pred: impl FnMut(&T) -> bool,
        _w: &mut OvsLock,
    ) -> Option<T> {
        let mut link = &self.head;
        loop {
            let cur = link.load(Ordering::Relaxed);
            // The writer's lock excludes concurrent unlinking.
            // SAFETY: Reachable nodes are live (type invariant).
            let node = unsafe { cur.as_ref() }?;
            if pred(&node.value) {
                link.store(node.next.load(Ordering::Relaxed), Ordering::Release);
                // Readers that found the node before the unlink leave their sections
                // before this returns; later ones cannot reach it.
                env::synchronize_rcu();
                // INVARIANT: unlinked and out of every reader's reach: ours again. `cur` came
                // from `NodeBox::into_raw` (type invariant) and no reader holds it now.
                // SAFETY: So this is its one owner taking it back.
                let node = unsafe { NodeBox::from_raw(cur) };
                return Some(env::into_inner(node).value);
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
            // Readers that saw the list may still walk the node until the grace period.
            // SAFETY: Owned by the list, which goes away.
            unsafe { defer_free(node) };
        }
    }
}

/// The values of an [`RcuList`], valid for the reader borrow `'a`.
pub struct RcuListIter<'a, T: Send + 'static> {
    next: *mut RcuNode<T>,
    _list: PhantomData<&'a RcuList<T>>,
}

impl<'a, T: Send + 'static> Iterator for RcuListIter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        // A node reached during the reader borrow `'a` is still linked, or unlinked less
        // than a grace period ago (a read section), or never (the shared lock excludes
        // unlinking).
        // SAFETY: So it is null or live.
        let node = unsafe { self.next.as_ref() }?;
        self.next = node.next.load(Ordering::Acquire);
        Some(&node.value)
    }
}
