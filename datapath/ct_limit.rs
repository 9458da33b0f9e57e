// SPDX-License-Identifier: GPL-2.0
//! Connection limits per conntrack zone (ct_limit): each namespace's default limit and zone
//! limits, enforced when the `ct` action commits a new connection, and the changes and
//! reads the `ovs_ct_limit` family makes.
//!
//! Upstream counterpart: `struct ovs_ct_limit_info`, `ct_limit_{set,del,get}()`,
//! `ovs_ct_check_limit()` and `ovs_ct_limit_{init,exit}()` in `net/openvswitch/conntrack.c`.
//!
//! # Locking
//!
//! [`LIMITS`] and every namespace's table change only under the OVS mutex; the packet path
//! reads them under RCU. A namespace's limits are made by its first SET (upstream makes
//! them for every namespace; until a SET, both read the same: default 0, no zones, no
//! counts) and taken, after a grace period, by the namespace's exit.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use kernel::prelude::*;

use crate::abi::ct_limit_attrs::{limit_of, zone_slot};
use crate::abi::errno::Errno;
use crate::net::conntrack::{log_zone_over_limit, ConnCount, L3Packet};
use crate::net::netdev::NetNs;
use crate::net::sync::{ovs_lock, rcu_read_lock, OvsLock, RcuBox, RcuList, RcuPtr, RcuReader};

/// Upstream's `OVS_CT_LIMIT_UNLIMITED`, also the default limit.
pub(crate) const UNLIMITED: u32 = 0;

/// Zone limits, `(zone, limit)`, in upstream's dump order
/// ([`crate::abi::ct_limit_attrs::zone_slot`]).
type ZoneTable = KVec<(u16, u32)>;

/// One namespace's limits and connection counts (upstream's `ovs_ct_limit_info`).
pub(crate) struct NetLimits {
    net: NetNs,
    /// Written under the OVS mutex; read by the packet path.
    default_limit: AtomicU32,
    /// Replaced whole under the OVS mutex; read by the packet path under RCU.
    zones: RcuPtr<ZoneTable>,
    /// Dropped only in process context after a grace period ([`net_exit`]).
    counts: ConnCount,
}

/// The namespaces' limits.
static LIMITS: RcuList<NetLimits> = RcuList::new();

/// Upstream's `ovs_ct_limit_enabled` static key: set by the first SET in any namespace;
/// until then a commit does not look for limits.
static ENABLED: AtomicBool = AtomicBool::new(false);

impl NetLimits {
    pub(crate) fn default_limit(&self) -> u32 {
        self.default_limit.load(Ordering::Relaxed)
    }

    /// The zones that have a limit of their own, in dump order.
    pub(crate) fn zones<'a>(&'a self, r: &'a impl RcuReader) -> &'a [(u16, u32)] {
        self.zones.get(r).map_or(&[], |t| t.as_slice())
    }

    /// `zone`'s limit, its own or the default (upstream's `ct_limit_get()`).
    pub(crate) fn limit(&self, zone: u16, r: &impl RcuReader) -> u32 {
        limit_of(self.zones(r), self.default_limit(), zone)
    }

    /// The connections counted in `zone`.
    pub(crate) fn count(&self, zone: u16) -> u32 {
        self.counts.count(zone)
    }
}

/// `net`'s limits, if a SET made them.
pub(crate) fn find<'a>(net: NetNs, r: &'a impl RcuReader) -> Option<&'a NetLimits> {
    LIMITS.iter(r).find(|l| l.net == net)
}

/// The commit's check of a connection not confirmed yet (`ovs_ct_check_limit()`): counts
/// it in its zone and refuses it (`ENOMEM`, logged) when that makes more than the zone's
/// limit.
pub(crate) fn check_new(
    net: NetNs,
    p: &L3Packet<'_>,
    family: u8,
    zone: u16,
) -> core::result::Result<(), Errno> {
    if !ENABLED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let rcu = rcu_read_lock();
    let Some(limits) = find(net, &rcu) else {
        return Ok(());
    };
    let limit = limits.limit(zone, &rcu);
    if limit == UNLIMITED {
        return Ok(());
    }
    if limits.counts.count_with(p, family, zone) > limit {
        log_zone_over_limit(zone);
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// One change a SET or DEL asks for, in the request's order.
#[derive(Clone, Copy)]
pub(crate) enum Change {
    Default(u32),
    Zone(u16, u32),
    /// DEL of a zone: it falls back to the default.
    Remove(u16),
}

/// Applies `changes` to `net`'s limits: a SET (`set`) makes them first if need be, and
/// turns the commit's check on; a DEL of limits never set changes nothing.
pub(crate) fn apply(net: NetNs, changes: &[Change], set: bool) -> Result {
    let adds = changes
        .iter()
        .filter(|c| matches!(c, Change::Zone(..)))
        .count();
    let mut fresh: Option<RcuBox<NetLimits>> = None;
    let mut table: Option<RcuBox<ZoneTable>> = None;
    // Everything is allocated with the mutex released, then the room checked under it.
    loop {
        let mut lock = ovs_lock();
        if find(net, &lock).is_none() {
            if !set {
                return Ok(());
            }
            match fresh.take() {
                Some(limits) => LIMITS.push_front(limits, &mut lock),
                None => {
                    drop(lock);
                    fresh = Some(RcuBox::new(new_limits(net)?, GFP_KERNEL)?);
                    continue;
                }
            }
        }
        let room = find(net, &lock).map_or(0, |l| l.zones(&lock).len()) + adds;
        let Some(mut new) = table.take().filter(|t| t.get().capacity() >= room) else {
            drop(lock);
            table = Some(RcuBox::new(
                KVec::with_capacity(room, GFP_KERNEL)?,
                GFP_KERNEL,
            )?);
            continue;
        };
        // The limits are held across the replacement of their table, which does not
        // sleep; nor does `fill`, which has the room it needs.
        let rcu = rcu_read_lock();
        let Some(limits) = find(net, &rcu) else {
            return Ok(());
        };
        fill(new.get_mut(), limits.zones(&rcu), changes)?;
        for c in changes {
            if let Change::Default(l) = *c {
                limits.default_limit.store(l, Ordering::Relaxed);
            }
        }
        limits.zones.replace(Some(new), &mut lock);
        drop(rcu);
        if set {
            ENABLED.store(true, Ordering::Relaxed);
        }
        return Ok(());
    }
}

fn new_limits(net: NetNs) -> Result<NetLimits> {
    Ok(NetLimits {
        net,
        default_limit: AtomicU32::new(UNLIMITED),
        zones: RcuPtr::null(),
        counts: ConnCount::new(net)?,
    })
}

/// `old` with `changes` applied, into `new` (which has room: no allocation).
fn fill(new: &mut ZoneTable, old: &[(u16, u32)], changes: &[Change]) -> Result {
    let removed = |z: u16| {
        changes
            .iter()
            .any(|c| matches!(*c, Change::Remove(r) if r == z))
    };
    for &e in old.iter().filter(|e| !removed(e.0)) {
        new.push(e, GFP_KERNEL)?;
    }
    for c in changes {
        let Change::Zone(zone, limit) = *c else {
            continue;
        };
        match zone_slot(new, zone) {
            Ok(i) => {
                if let Some(e) = new.as_mut_slice().get_mut(i) {
                    e.1 = limit;
                }
            }
            Err(i) => {
                new.push((zone, limit), GFP_KERNEL)?;
                if let Some(tail) = new.as_mut_slice().get_mut(i..) {
                    tail.rotate_right(1);
                }
            }
        }
    }
    Ok(())
}

/// Takes `net`'s limits at its exit, once no packet can be counting in them, and frees
/// them here, in process context (upstream's `ovs_ct_limit_exit()`).
pub(crate) fn net_exit(net: NetNs, lock: &mut OvsLock) {
    drop(LIMITS.take_first_synced(|l| l.net == net, lock));
}
