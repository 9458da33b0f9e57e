// SPDX-License-Identifier: GPL-2.0
//! The `ovs_datapath` family: `OVS_DP_CMD_*`.
//!
//! Upstream counterpart: `ovs_dp_cmd_{new,del,get,set,dump}`, `ovs_dp_cmd_fill_info`,
//! `datapath_policy` and `dp_datapath_genl_family` in `net/openvswitch/datapath.c`. Same
//! name, version, attribute numbers, policy, permissions and multicast group as upstream.

use core::sync::atomic::Ordering;

use core::ffi::CStr;

use kernel::prelude::*;

use super::Result;
use kernel::sync::Arc;

use crate::abi::dp_attrs::{
    dp_selector, existing_dp_drops_features, ovs_header, ovs_header_dp_ifindex, put_per_cpu_pids,
    DpAttrs, DpSelector,
};
use crate::abi::errno::{Errno, OvsError, Rejection};
use crate::abi::nla::AttrWriter;
use crate::abi::uapi::{dp_attr, dp_cmd, dp_feature, IFNAMSIZ, MASKS_CACHE_SIZE_MAX};
use crate::abi::uapi::{
    OVS_DATAPATH_FAMILY, OVS_DATAPATH_MCGROUP, OVS_DATAPATH_VERSION, OVS_HEADER_LEN,
};
use crate::datapath::flow_table::FlowTable;
use crate::datapath::{self, stat, Datapath, NewDatapath};
use crate::net::genl::{DoIt, Dump, DumpCursor, DumpSkb, FamilyHandle};
use crate::net::genl::{FamilySpec, McGroup, Message, Op, Permission, Request};
use crate::net::netdev::NetNs;
use crate::net::policy::Policy;
use crate::net::skb::nr_cpu_ids;
use crate::net::sync::{ovs_lock, OvsLock, PerCpuArray, RcuBox, RcuReader};

/// Upstream's `datapath_policy`, entry for entry.
static POLICY: [Policy; dp_attr::MAX as usize + 1] = [
    Policy::unspec(),                                  // UNSPEC
    Policy::nul_string(IFNAMSIZ as u16 - 1),           // NAME
    Policy::u32(),                                     // UPCALL_PID
    Policy::unspec(),                                  // STATS (output only)
    Policy::unspec(),                                  // MEGAFLOW_STATS (output only)
    Policy::u32(),                                     // USER_FEATURES
    Policy::unspec(),                                  // PAD
    Policy::u32_range(0, MASKS_CACHE_SIZE_MAX as i16), // MASKS_CACHE_SIZE
    Policy::unspec(),                                  // PER_CPU_PIDS (u32 array)
    Policy::s32_min(0),                                // IFINDEX
];

static OPS: [Op; 4] = [
    Op::new(dp_cmd::NEW, Permission::NetnsAdmin).doit::<New>(),
    Op::new(dp_cmd::DEL, Permission::NetnsAdmin).doit::<Del>(),
    Op::new(dp_cmd::GET, Permission::Anyone)
        .doit::<Get>()
        .dump::<Get>(),
    Op::new(dp_cmd::SET, Permission::NetnsAdmin).doit::<Set>(),
];

static MCGRPS: [McGroup; 1] = [McGroup::new(OVS_DATAPATH_MCGROUP)];

pub(crate) static HANDLE: FamilyHandle = FamilyHandle::new();

pub(super) static FAMILY: FamilySpec = FamilySpec {
    name: OVS_DATAPATH_FAMILY,
    version: OVS_DATAPATH_VERSION,
    hdrsize: OVS_HEADER_LEN,
    policy: &POLICY,
    ops: &OPS,
    mcgrps: &MCGRPS,
    resv_start_op: dp_cmd::SET + 1,
    handle: &HANDLE,
};

/// Room for a reply: name, stats, megaflow stats, features, cache size and per-CPU pids.
fn reply_size() -> usize {
    256 + nr_cpu_ids() * 4
}

/// Upstream's `lookup_datapath()`: by name if given, else by the header's ifindex.
pub(super) fn lookup<'a>(req: &Request<'_>, lock: &'a OvsLock) -> Result<&'a Arc<Datapath>> {
    let dp_ifindex = ovs_header_dp_ifindex(req.user_header())?;
    let selector = dp_selector(|n| req.attr(n), dp_ifindex)?;
    let found = match selector {
        DpSelector::Name(name) => {
            let mut buf = [0u8; IFNAMSIZ];
            let Some(dst) = buf.get_mut(..name.len()) else {
                return Err(ENODEV.into());
            };
            dst.copy_from_slice(name.as_bytes());
            let name = CStr::from_bytes_until_nul(&buf).map_err(|_| ENODEV)?;
            datapath::find_by_name(req.net(), name, lock)
        }
        DpSelector::Ifindex(i) => datapath::find_by_ifindex(req.net(), i, lock),
    };
    found.ok_or(OvsError::from(ENODEV))
}

/// `ovs_dp_cmd_fill_info()`'s attributes.
fn fill(dp: &Datapath, r: &impl RcuReader, w: &mut AttrWriter<'_>) -> Result<(), Errno> {
    let name = dp.name().to_str().map_err(|_| Errno::EINVAL)?;
    w.put_string(dp_attr::NAME, name)?;
    let mut stats = [0u8; 32];
    for (chunk, v) in stats.chunks_exact_mut(8).zip([
        dp.stats.sum(stat::HIT),
        dp.stats.sum(stat::MISSED),
        dp.stats.sum(stat::LOST),
        dp.flows.count() as u64,
    ]) {
        chunk.copy_from_slice(&v.to_ne_bytes());
    }
    w.put_64bit(dp_attr::STATS, &stats, dp_attr::PAD)?;
    // struct ovs_dp_megaflow_stats: n_mask_hit, n_masks (u32) + pad, n_cache_hit, pad.
    let mut mf = [0u8; 32];
    mf[..8].copy_from_slice(&dp.stats.sum(stat::MASK_HIT).to_ne_bytes());
    mf[8..12].copy_from_slice(&(dp.flows.mask_count(r) as u32).to_ne_bytes());
    mf[16..24].copy_from_slice(&dp.stats.sum(stat::CACHE_HIT).to_ne_bytes());
    w.put_64bit(dp_attr::MEGAFLOW_STATS, &mf, dp_attr::PAD)?;
    let features = dp.user_features.load(Ordering::Relaxed);
    w.put_u32(dp_attr::USER_FEATURES, features)?;
    w.put_u32(dp_attr::MASKS_CACHE_SIZE, dp.flows.cache_size(r))?;
    if features & dp_feature::DISPATCH_UPCALL_PER_CPU != 0 {
        if let Some(pids) = dp.per_cpu_pids.get(r) {
            put_per_cpu_pids(w, pids, nr_cpu_ids())?;
        }
    }
    Ok(())
}

fn build_reply(req: &Request<'_>, dp: &Datapath, cmd: u8, lock: &OvsLock) -> Result<Message> {
    let mut msg = req.new_reply(reply_size(), cmd, &ovs_header(dp.ifindex()))?;
    msg.put_attrs(|w| fill(dp, lock, w))?;
    Ok(msg)
}

/// Fills the reply of a NEW or SET, allocated before the change, and sends it once the OVS
/// mutex is released.
fn notify_committed(req: &Request<'_>, mut msg: Message, dp: &Datapath, lock: OvsLock) -> Result {
    let send = msg.set_user_header(&ovs_header(dp.ifindex())).is_ok()
        && super::fill_committed(&mut msg, |w| fill(dp, &lock, w));
    drop(lock);
    if send {
        req.notify(msg);
    }
    Ok(())
}

/// What a NEW or SET changes, allocated before the OVS mutex is taken.
struct Change {
    user_features: u32,
    /// A new mask cache (`Some(None)`: none, size 0).
    cache: Option<Option<RcuBox<PerCpuArray>>>,
    /// New per-CPU upcall pids, or why they are refused (upstream refuses them after it
    /// has changed the features: see [`Change::apply`]).
    per_cpu_pids: Option<Result<RcuBox<KVec<u32>>>>,
}

impl Change {
    fn prepare(attrs: &DpAttrs<'_>) -> Result<Self> {
        let cache = match attrs.masks_cache_size {
            Some(size) => Some(FlowTable::new_cache(size).map_err(|e| {
                if e == EINVAL {
                    OvsError::from(Rejection::new(
                        Errno::EINVAL,
                        c"Masks cache size must be 0 or a power of two",
                        Some(dp_attr::MASKS_CACHE_SIZE),
                    ))
                } else {
                    e.into()
                }
            })?),
            None => None,
        };
        let per_cpu_pids = attrs
            .per_cpu_pids()
            .map(|pids| pids.map_err(OvsError::from).and_then(super::pid_list));
        Ok(Self {
            // Upstream's `ovs_dp_change` sets the features from the request: absent is 0.
            user_features: attrs.user_features.unwrap_or(0),
            cache,
            per_cpu_pids,
        })
    }

    /// `ovs_dp_change()`, in its order: the mask cache, the features, then the per-CPU
    /// pids, whose refusal leaves the first two changed, as upstream's does.
    fn apply(self, dp: &Datapath, lock: &mut OvsLock) -> Result {
        if let Some(c) = self.cache {
            dp.flows.set_cache(c, lock);
        }
        dp.user_features
            .store(self.user_features, Ordering::Relaxed);
        if let Some(p) = self.per_cpu_pids {
            dp.per_cpu_pids.replace(Some(p?), lock);
        }
        Ok(())
    }
}

/// `OVS_DP_CMD_NEW`.
struct New;

impl DoIt for New {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let attrs = DpAttrs::parse(|n| req.attr(n))?;
        let (Some(name), Some(upcall_pids)) = (attrs.name, attrs.upcall_pids) else {
            return Err(OvsError::from(Rejection::new(
                Errno::EINVAL,
                c"New datapath needs a name and an upcall PID",
                None,
            )));
        };
        let mut cname = [0u8; IFNAMSIZ];
        cname
            .get_mut(..name.len())
            .ok_or(OvsError::from(EINVAL))?
            .copy_from_slice(name.as_bytes());
        let cname = CStr::from_bytes_until_nul(&cname).map_err(|_| EINVAL)?;
        let mut change = Change::prepare(&attrs)?;
        // Upstream applies the change to the new datapath before it creates the local
        // port, so a refusal of the per-CPU pids comes first, and then one of the pids the
        // local port gets: the whole `OVS_DP_ATTR_UPCALL_PID` array.
        change.per_cpu_pids = change.per_cpu_pids.take().transpose()?.map(Ok);
        upcall_pids.validate_as(nr_cpu_ids(), dp_attr::UPCALL_PID)?;
        let mut local_pids = KVec::with_capacity(upcall_pids.len(), GFP_KERNEL)?;
        for p in upcall_pids.iter() {
            local_pids.push(p, GFP_KERNEL)?;
        }
        let net = req.net();
        // The new datapath's ifindex goes into the header once it exists.
        let msg = req.new_reply(reply_size(), dp_cmd::NEW, &ovs_header(0))?;

        let mut lock = ovs_lock();
        let created = if datapath::find_by_name(net, cname, &lock).is_some() {
            Err(EEXIST)
        } else {
            datapath::create(
                NewDatapath {
                    name: cname,
                    net,
                    upcall_pids: local_pids,
                    user_features: 0,
                    ifindex: attrs.ifindex.unwrap_or(0),
                },
                &mut lock,
            )
            // A taken name or ifindex.
            .map_err(|e| if e == EBUSY { EEXIST } else { e })
        };
        let dp = match created {
            Ok(dp) => dp,
            Err(e) => {
                if e == EEXIST && existing_dp_drops_features(req.genl_version()) {
                    drop_user_features(net, cname, &lock);
                }
                return Err(e.into());
            }
        };
        // Cannot fail: the per-CPU pids' refusal was returned above.
        change.apply(&dp, &mut lock)?;
        notify_committed(req, msg, &dp, lock)
    }
}

/// Upstream's `ovs_dp_reset_user_features()`: userspace older than the features tried to
/// create the datapath `name` again; it will reuse it, so it gets no features.
fn drop_user_features(net: NetNs, name: &CStr, lock: &OvsLock) {
    if let Some(dp) = datapath::find_by_name(net, name, lock) {
        pr_warn!(
            "{}: Dropping previously announced user features\n",
            dp.name().to_str().unwrap_or("?")
        );
        dp.user_features.store(0, Ordering::Relaxed);
    }
}

/// `OVS_DP_CMD_DEL`.
struct Del;

impl DoIt for Del {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let mut lock = ovs_lock();
        let dp = lookup(req, &lock)?.clone();
        let msg = build_reply(req, &dp, dp_cmd::DEL, &lock)?;
        datapath::destroy(&dp, &mut lock);
        drop(lock);
        req.notify(msg);
        Ok(())
    }
}

/// `OVS_DP_CMD_SET`.
struct Set;

impl DoIt for Set {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        // Prepared before the lock, refused after the lookup, as upstream's order of
        // `lookup_datapath()` (ENODEV) and `ovs_dp_change()`.
        let change = DpAttrs::parse(|n| req.attr(n))
            .map_err(OvsError::from)
            .and_then(|attrs| Change::prepare(&attrs));
        let msg = req.new_reply(reply_size(), dp_cmd::SET, &ovs_header(0))?;
        let mut lock = ovs_lock();
        let dp = lookup(req, &lock)?.clone();
        change?.apply(&dp, &mut lock)?;
        notify_committed(req, msg, &dp, lock)
    }
}

/// `OVS_DP_CMD_GET`.
struct Get;

impl DoIt for Get {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let lock = ovs_lock();
        let dp = lookup(req, &lock)?;
        let msg = build_reply(req, dp, dp_cmd::GET, &lock)?;
        drop(lock);
        Ok(req.reply(msg)?)
    }
}

impl Dump for Get {
    fn dump(cursor: &mut DumpCursor<'_>, skb: &mut DumpSkb) -> Result<(), OvsError> {
        let net = cursor.net();
        let lock = ovs_lock();
        let skip = cursor.position()[0] as usize;
        let mut done = skip;
        for dp in datapath::in_net(net, &lock).skip(skip) {
            if !cursor.entry(skb, dp_cmd::GET, &ovs_header(dp.ifindex()), |w| {
                fill(dp, &lock, w)
            })? {
                break;
            }
            done += 1;
        }
        cursor.position()[0] = done as _;
        Ok(())
    }
}
