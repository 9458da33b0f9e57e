//! A host model of the kernel side of the module's `net/rcu.rs` (`net/rcu_env.rs` there),
//! so that the containers' own code runs under `cargo test` and Miri.
//!
//! The model: the OVS mutex is a spinning flag; an RCU read section counts readers; a
//! callback queued by `call_rcu` runs only in [`grace_period`], and only when no reader is
//! inside a section (stricter than the kernel, which waits only for readers that were
//! already inside). State is global: tests that use it run one at a time.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Nodes are plain boxes on the host.
pub type NodeBox<T> = Box<T>;

/// Allocation does not fail in the model.
#[derive(Debug, PartialEq, Eq)]
pub struct Error;

pub type Result<T = ()> = core::result::Result<T, Error>;

/// The model's allocation flags (ignored).
#[derive(Clone, Copy, Debug)]
pub struct Flags;

pub const GFP_KERNEL: Flags = Flags;

/// The model's `struct callback_head`: the callback is queued beside it, not in it.
#[derive(Default)]
pub struct CallbackHead {
    _queued: bool,
}

pub fn new_box<T>(value: T, _flags: Flags) -> Result<NodeBox<T>> {
    Ok(Box::new(value))
}

pub fn into_inner<T>(node: NodeBox<T>) -> T {
    *node
}

static OVS_MUTEX: AtomicBool = AtomicBool::new(false);
static READERS: AtomicUsize = AtomicUsize::new(0);

/// A queued callback. Raw pointers are not `Send`; the queue is only touched under its
/// mutex, and the callback owns what the pointer points to.
struct Queued(*mut CallbackHead, unsafe extern "C" fn(*mut CallbackHead));
// SAFETY: See above: ownership of the node moves with the entry.
unsafe impl Send for Queued {}

static QUEUED: Mutex<Vec<Queued>> = Mutex::new(Vec::new());

/// # Safety
///
/// As the kernel's: the caller does not hold the mutex already.
pub unsafe fn ovs_mutex_lock() {
    while OVS_MUTEX
        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        std::thread::yield_now();
    }
}

/// # Safety
///
/// The caller holds the mutex.
pub unsafe fn ovs_mutex_unlock() {
    OVS_MUTEX.store(false, Ordering::Release);
}

pub fn rcu_read_lock() {
    READERS.fetch_add(1, Ordering::AcqRel);
}

/// # Safety
///
/// Paired with an earlier `rcu_read_lock`.
pub unsafe fn rcu_read_unlock() {
    READERS.fetch_sub(1, Ordering::AcqRel);
}

/// # Safety
///
/// `head` stays valid until `func` runs, which is in [`grace_period`].
pub unsafe fn call_rcu(
    head: *mut CallbackHead,
    func: Option<unsafe extern "C" fn(*mut CallbackHead)>,
) {
    if let Some(func) = func {
        QUEUED.lock().unwrap().push(Queued(head, func));
    }
}

/// Ends a grace period if no reader is inside a section: runs every queued callback and
/// returns how many ran. With a reader inside, runs none and returns `None`.
pub fn grace_period() -> Option<usize> {
    if READERS.load(Ordering::Acquire) != 0 {
        return None;
    }
    let queued = std::mem::take(&mut *QUEUED.lock().unwrap());
    let n = queued.len();
    for Queued(head, func) in queued {
        // SAFETY: Queued by `call_rcu`, whose caller kept `head` valid until now.
        unsafe { func(head) };
    }
    Some(n)
}

/// The model's `synchronize_rcu()`: waits until no reader is inside a section (callbacks
/// queued by `call_rcu` stay queued, as the kernel's may).
pub fn synchronize_rcu() {
    while READERS.load(Ordering::Acquire) != 0 {
        std::thread::yield_now();
    }
}

/// Callbacks queued and not yet run.
pub fn queued() -> usize {
    QUEUED.lock().unwrap().len()
}
