//! The module's `net/rcu.rs` (the OVS mutex token and the RCU containers) over the host
//! model of its kernel side.
//!
//! The borrow rule of `net/rcu.rs`, proved at compile time: a value read under the lock
//! cannot be used after a write that may unpublish it. The use-after-free that issue 12
//! showed does not compile:
//!
//! ```compile_fail,E0502
//! use ovs_rs_host::net::rcu::{ovs_lock, RcuBox, RcuPtr};
//! use ovs_rs_host::net::rcu_env::GFP_KERNEL;
//! let ports = RcuPtr::new(RcuBox::new(vec![1u32, 2], GFP_KERNEL).unwrap());
//! let mut lock = ovs_lock();
//! let v = &ports.get(&lock).unwrap()[0];
//! ports.replace(Some(RcuBox::new(vec![3], GFP_KERNEL).unwrap()), &mut lock);
//! // A sleep here can end the grace period that frees the old vector.
//! assert_eq!(*v, 1);
//! ```
//!
//! Nor does its `RcuList` twin:
//!
//! ```compile_fail,E0502
//! use ovs_rs_host::net::rcu::{ovs_lock, RcuBox, RcuList};
//! use ovs_rs_host::net::rcu_env::GFP_KERNEL;
//! let list = RcuList::new();
//! let mut lock = ovs_lock();
//! list.push_front(RcuBox::new(7u32, GFP_KERNEL).unwrap(), &mut lock);
//! let first = list.iter(&lock).next().unwrap();
//! list.remove_first(|v| *v == 7, &mut lock);
//! assert_eq!(*first, 7);
//! ```
//!
//! Nor a write through `OvsCell` while a read through it is live:
//!
//! ```compile_fail,E0502
//! use ovs_rs_host::net::rcu::{ovs_lock, OvsCell};
//! let cell = OvsCell::new(vec![1u32]);
//! let mut lock = ovs_lock();
//! let first = &cell.get(&lock)[0];
//! cell.get_mut(&mut lock).clear();
//! assert_eq!(*first, 1);
//! ```
//!
//! The sound form of the same writer, which reads under an RCU read section and so may
//! hold the value across the write, compiles (and runs, under Miri too):
//!
//! ```
//! use ovs_rs_host::net::rcu::{ovs_lock, rcu_read_lock, RcuBox, RcuPtr};
//! use ovs_rs_host::net::rcu_env::{grace_period, GFP_KERNEL};
//! let ports = RcuPtr::new(RcuBox::new(vec![1u32, 2], GFP_KERNEL).unwrap());
//! let mut lock = ovs_lock();
//! let rcu = rcu_read_lock();
//! let v = &ports.get(&rcu).unwrap()[0];
//! ports.replace(Some(RcuBox::new(vec![3], GFP_KERNEL).unwrap()), &mut lock);
//! assert_eq!(grace_period(), None); // the reader holds it off
//! assert_eq!(*v, 1);
//! drop(rcu);
//! drop(lock);
//! drop(ports);
//! assert_eq!(grace_period(), Some(2));
//! ```

#[path = "../../../net/rcu.rs"]
pub mod rcu;
#[path = "rcu_env.rs"]
pub mod rcu_env;
