//! The module's RCU containers (`net/rcu.rs`) over the host model of the kernel
//! (`src/rcu_env.rs`): publication, replacement, unlinking, and frees that wait for
//! readers, each value dropped exactly once. `make check` also runs these under Miri,
//! which fails on any use after free, double free or leak.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use ovs_rs_host::net::rcu::{ovs_lock, rcu_read_lock, OvsCell, RcuBox, RcuList, RcuPtr};
use ovs_rs_host::net::rcu_env::{grace_period, queued, GFP_KERNEL};

/// The model's state is global: one test at a time.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Whatever a failed test left queued goes first.
    grace_period();
    DROPS.store(0, Ordering::SeqCst);
    guard
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

/// A value that counts its drops.
#[derive(Debug)]
struct Tracked(u32);

impl Drop for Tracked {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
    }
}

fn drops() -> usize {
    DROPS.load(Ordering::SeqCst)
}

fn boxed(v: u32) -> RcuBox<Tracked> {
    RcuBox::new(Tracked(v), GFP_KERNEL).unwrap()
}

#[test]
fn replaced_value_lives_until_readers_leave() {
    let _s = serial();
    let ptr = RcuPtr::new(boxed(1));
    let mut lock = ovs_lock();
    let rcu = rcu_read_lock();
    let old = ptr.get(&rcu).unwrap();
    ptr.replace(Some(boxed(2)), &mut lock);
    assert_eq!(ptr.get(&rcu).unwrap().0, 2);
    // The grace period cannot end while the reader is inside: the old value is intact.
    assert_eq!(grace_period(), None);
    assert_eq!(old.0, 1);
    assert_eq!(drops(), 0);
    drop(rcu);
    assert_eq!(grace_period(), Some(1));
    assert_eq!(drops(), 1);
    ptr.replace(None, &mut lock);
    assert!(ptr.get(&lock).is_none());
    drop(lock);
    assert_eq!(grace_period(), Some(1));
    assert_eq!(drops(), 2);
    drop(ptr);
    assert_eq!(queued(), 0, "a null pointer frees nothing");
}

#[test]
fn dropped_pointer_frees_its_value_after_a_grace_period() {
    let _s = serial();
    let ptr = RcuPtr::new(boxed(5));
    drop(ptr);
    assert_eq!(
        drops(),
        0,
        "readers that saw the container may still read it"
    );
    assert_eq!(grace_period(), Some(1));
    assert_eq!(drops(), 1);
}

#[test]
fn list_push_remove_and_iterate() {
    let _s = serial();
    let list = RcuList::new();
    let mut lock = ovs_lock();
    for v in 1..=4 {
        list.push_front(boxed(v), &mut lock);
    }
    let seen: Vec<u32> = list.iter(&lock).map(|t| t.0).collect();
    assert_eq!(seen, [4, 3, 2, 1]);

    let rcu = rcu_read_lock();
    // A reader stopped on the node being unlinked walks on from it.
    let mut walker = list.iter(&rcu);
    assert_eq!(walker.next().unwrap().0, 4);
    let at_three = walker.next().unwrap();
    assert!(list.remove_first(|t| t.0 == 3, &mut lock));
    assert!(!list.remove_first(|t| t.0 == 9, &mut lock));
    assert_eq!(at_three.0, 3);
    assert_eq!(walker.next().unwrap().0, 2);
    assert_eq!(grace_period(), None);
    drop(rcu);
    assert_eq!(grace_period(), Some(1));
    assert_eq!(drops(), 1);

    let seen: Vec<u32> = list.iter(&lock).map(|t| t.0).collect();
    assert_eq!(seen, [4, 2, 1]);
    assert!(list.remove_first(|t| t.0 == 4, &mut lock));
    assert!(list.remove_first(|t| t.0 == 1, &mut lock));
    let seen: Vec<u32> = list.iter(&lock).map(|t| t.0).collect();
    assert_eq!(seen, [2]);
    drop(lock);
    drop(list);
    assert_eq!(grace_period(), Some(3));
    assert_eq!(drops(), 4);
}

#[test]
fn a_list_inside_a_replaced_value_is_freed_with_it() {
    let _s = serial();
    // A bucket array: published, then replaced by a grown copy, as the flow table does.
    let index: RcuPtr<Vec<RcuList<Tracked>>> =
        RcuPtr::new(RcuBox::new(vec![RcuList::new(), RcuList::new()], GFP_KERNEL).unwrap());
    let mut lock = ovs_lock();
    let rcu = rcu_read_lock();
    for v in 0..4 {
        let bucket = &index.get(&rcu).unwrap()[v as usize % 2];
        bucket.push_front(boxed(v), &mut lock);
    }
    drop(rcu);
    let mut grown = RcuBox::new(Vec::new(), GFP_KERNEL).unwrap();
    grown.get_mut().extend((0..4).map(|_| RcuList::new()));
    for v in 0..4 {
        grown
            .get()
            .get(v as usize)
            .unwrap()
            .push_front(boxed(v + 10), &mut lock);
    }
    index.replace(Some(grown), &mut lock);
    assert_eq!(index.get(&lock).unwrap().len(), 4);
    drop(lock);
    // The old array goes first; dropping it queues its lists' nodes.
    assert_eq!(grace_period(), Some(1));
    assert_eq!(grace_period(), Some(4));
    assert_eq!(drops(), 4);
    drop(index);
    assert_eq!(grace_period(), Some(1));
    assert_eq!(grace_period(), Some(4));
    assert_eq!(drops(), 8);
}

#[test]
fn ovs_cell_reads_and_writes_under_the_lock() {
    let _s = serial();
    let cell = OvsCell::new(vec![1u32]);
    let mut lock = ovs_lock();
    cell.get_mut(&mut lock).push(2);
    assert_eq!(cell.get(&lock).as_slice(), [1, 2]);
}

#[test]
fn the_lock_serialises_writers_across_threads() {
    let _s = serial();
    static CELL: OvsCell<u64> = OvsCell::new(0);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                for _ in 0..50 {
                    let mut lock = ovs_lock();
                    let v = *CELL.get(&lock);
                    std::thread::yield_now();
                    *CELL.get_mut(&mut lock) = v + 1;
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(*CELL.get(&ovs_lock()), 200);
}

#[test]
fn take_first_synced_waits_for_readers_and_hands_the_value_back() {
    let _s = serial();
    let list = RcuList::new();
    let mut lock = ovs_lock();
    for v in [1, 2, 3] {
        list.push_front(boxed(v), &mut lock);
    }
    // A reader on another thread leaves its section after a while; the take waits for it.
    let left = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let left = left.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let h = std::thread::spawn(move || {
            let rcu = rcu_read_lock();
            tx.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(50));
            left.store(true, Ordering::SeqCst);
            drop(rcu);
        });
        rx.recv().unwrap();
        h
    };
    let taken = list.take_first_synced(|t| t.0 == 2, &mut lock).unwrap();
    assert!(
        left.load(Ordering::SeqCst),
        "returned while a reader was inside"
    );
    reader.join().unwrap();
    assert_eq!(taken.0, 2);
    // Nothing queued for a grace period: the value is the caller's, dropped once, here.
    assert_eq!(queued(), 0);
    assert_eq!(drops(), 0);
    drop(taken);
    assert_eq!(drops(), 1);
    assert!(list.take_first_synced(|t| t.0 == 2, &mut lock).is_none());
    let rest: Vec<u32> = list.iter(&lock).map(|t| t.0).collect();
    assert_eq!(rest, [3, 1]);
    drop(list);
    drop(lock);
    assert_eq!(grace_period(), Some(2));
    assert_eq!(drops(), 3);
}
