// SPDX-License-Identifier: GPL-2.0
//! The `ovs_vport` family: `OVS_VPORT_CMD_*`.
//!
//! Upstream counterpart: `ovs_vport_cmd_{new,del,get,set,dump}`,
//! `ovs_vport_cmd_fill_info`, `vport_policy` and `dp_vport_genl_family` in
//! `net/openvswitch/datapath.c`, and `dp_detach_port_notify()` in `dp_notify.c`.

use core::sync::atomic::{AtomicBool, Ordering};

use kernel::prelude::*;

use super::Result;
use kernel::sync::{Arc, UniqueArc};

use crate::abi::dp_attrs::{ovs_header, ovs_header_dp_ifindex};
use crate::abi::errno::{Errno, OvsError, Rejection};
use crate::abi::nla::AttrWriter;
use crate::abi::uapi::{dp_feature, vport_attr, vport_cmd, IFNAMSIZ, OVS_HEADER_LEN};
use crate::abi::uapi::{OVS_VPORT_FAMILY, OVS_VPORT_MCGROUP, OVS_VPORT_VERSION};
use crate::abi::vport_attrs::{
    check_deletable, put_upcall_pids, put_vport_stats, put_vport_upcall_stats, vport_selector,
    VportAttrs, VportSelector, VportStats, VportType,
};
use crate::datapath::{self, Datapath};
use crate::net::genl::{DoIt, Dump, DumpCursor, DumpSkb, FamilyHandle, Message};
use crate::net::genl::{FamilySpec, McGroup, Op, Permission, Request};
use crate::net::netdev::{self, NetDevice};
use crate::net::policy::Policy;
use crate::net::skb::nr_cpu_ids;
use crate::net::sync::{ovs_lock, OvsLock, PerCpuCounters, RcuBox, RcuPtr, RcuReader};
use crate::vport::{self, Vport, VportKind};

/// Upstream's `vport_policy`; nested and binary attributes are checked by
/// `VportAttrs::parse`.
static POLICY: [Policy; vport_attr::MAX as usize + 1] = [
    Policy::unspec(),                        // UNSPEC
    Policy::u32(),                           // PORT_NO
    Policy::u32(),                           // TYPE
    Policy::nul_string(IFNAMSIZ as u16 - 1), // NAME
    Policy::unspec(),                        // OPTIONS (nested)
    Policy::unspec(),                        // UPCALL_PID (u32 array)
    Policy::unspec(),                        // STATS (output only)
    Policy::unspec(),                        // PAD
    Policy::s32_min(0),                      // IFINDEX
    Policy::unspec(),                        // NETNSID (s32)
    Policy::unspec(),                        // UPCALL_STATS (output only)
];

static OPS: [Op; 4] = [
    Op::new(vport_cmd::NEW, Permission::NetnsAdmin).doit::<New>(),
    Op::new(vport_cmd::DEL, Permission::NetnsAdmin).doit::<Del>(),
    Op::new(vport_cmd::GET, Permission::Anyone)
        .doit::<Get>()
        .dump::<Get>(),
    Op::new(vport_cmd::SET, Permission::NetnsAdmin).doit::<Set>(),
];

static MCGRPS: [McGroup; 1] = [McGroup::new(OVS_VPORT_MCGROUP)];

pub(crate) static HANDLE: FamilyHandle = FamilyHandle::new();

pub(super) static FAMILY: FamilySpec = FamilySpec {
    name: OVS_VPORT_FAMILY,
    version: OVS_VPORT_VERSION,
    hdrsize: OVS_HEADER_LEN,
    policy: &POLICY,
    ops: &OPS,
    mcgrps: &MCGRPS,
    resv_start_op: vport_cmd::SET + 1,
    handle: &HANDLE,
};

fn reply_size() -> usize {
    512 + nr_cpu_ids() * 4
}

/// `ovs_vport_cmd_fill_info()`'s attributes.
fn fill(v: &Vport, r: &impl RcuReader, w: &mut AttrWriter<'_>) -> Result<(), Errno> {
    w.put_u32(vport_attr::PORT_NO, v.port_no)?;
    w.put_u32(vport_attr::TYPE, v.kind.uapi())?;
    w.put_string(vport_attr::NAME, v.name().to_str().unwrap_or(""))?;
    w.put_u32(vport_attr::IFINDEX, v.dev.ifindex() as u32)?;
    if let Some(id) = v.dev.peer_netns_id(v.dp.net) {
        w.put_u32(vport_attr::NETNSID, id as u32)?;
    }
    let s = v.dev.stats();
    // The device's own counters, as upstream's `ovs_vport_get_stats`.
    let stats = VportStats {
        rx_packets: s[0],
        tx_packets: s[1],
        rx_bytes: s[2],
        tx_bytes: s[3],
        rx_errors: s[4],
        tx_errors: s[5],
        rx_dropped: s[6],
        tx_dropped: s[7],
    };
    put_vport_stats(w, &stats)?;
    put_vport_upcall_stats(w, v.upcall_stats.sum(0), v.upcall_stats.sum(1))?;
    let pids = v.upcall_pids.get(r).map_or(&[][..], |p| &p[..]);
    // Upstream lists every pid only to userspace that enabled VPORT_PIDS, else the first.
    let features = v.dp.user_features.load(Ordering::Relaxed);
    if features & dp_feature::VPORT_PIDS != 0 {
        put_upcall_pids(w, pids)
    } else {
        w.put_u32(vport_attr::UPCALL_PID, pids.first().copied().unwrap_or(0))
    }
}

fn reply(req: &Request<'_>, v: &Vport, cmd: u8, r: &impl RcuReader) -> Result<Message> {
    let mut msg = req.new_reply(reply_size(), cmd, &ovs_header(v.dp.ifindex()))?;
    msg.put_attrs(|w| fill(v, r, w))?;
    Ok(msg)
}

/// Upstream's `lookup_vport()`.
fn lookup<'a>(req: &Request<'_>, lock: &'a OvsLock) -> Result<&'a Arc<Vport>> {
    let dp_ifindex = ovs_header_dp_ifindex(req.user_header())?;
    let selector = vport_selector(|n| req.attr(n), dp_ifindex)?;
    let net = req.net();
    match selector {
        VportSelector::Name { name, dp_ifindex } => {
            for dp in datapath::in_net(net, lock) {
                if dp_ifindex.is_some_and(|i| i != dp.ifindex()) {
                    continue;
                }
                if let Some(table) = dp.ports(lock) {
                    if let Some(v) = table.iter().find(|v| v.name() == name) {
                        return Ok(v);
                    }
                }
            }
            Err(ENODEV.into())
        }
        VportSelector::PortNo {
            dp_ifindex,
            port_no,
        } => {
            let dp =
                datapath::find_by_ifindex(net, dp_ifindex, lock).ok_or(OvsError::from(ENODEV))?;
            dp.port(u32::from(port_no), lock)
                .ok_or(OvsError::from(ENODEV))
        }
    }
}

fn pids_from(raw: crate::abi::vport_attrs::UpcallPids<'_>) -> Result<RcuBox<KVec<u32>>> {
    raw.validate(nr_cpu_ids())?;
    super::pid_list(raw)
}

/// `OVS_VPORT_CMD_NEW`.
struct New;

impl DoIt for New {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let attrs = VportAttrs::parse(|n| req.attr(n))?;
        let new = attrs.new_request()?;
        let kind = match new.vport_type {
            VportType::Netdev => VportKind::Netdev,
            VportType::Internal => VportKind::Internal,
            // Tunnel vports come later: upstream without the type's module says EAFNOSUPPORT.
            _ => return Err(OvsError::from(Errno::EAFNOSUPPORT)),
        };
        let pids = pids_from(new.upcall_pids)?;
        let slot = UniqueArc::<Vport>::new_uninit(GFP_KERNEL)?;
        let upcall_stats = PerCpuCounters::new()?;
        let dp_ifindex = ovs_header_dp_ifindex(req.user_header())?;
        let net = req.net();
        let mut msg = req.new_reply(reply_size(), vport_cmd::NEW, &ovs_header(dp_ifindex))?;

        let mut lock = ovs_lock();
        let dp = datapath::find_by_ifindex(net, dp_ifindex, &lock)
            .ok_or(OvsError::from(ENODEV))?
            .clone();
        let port_no = match new.port_no {
            Some(p) => {
                if dp.port(u32::from(p), &lock).is_some() {
                    return Err(EBUSY.into());
                }
                u32::from(p)
            }
            None => dp.free_port_no(&lock).ok_or(OvsError::from(EFBIG))?,
        };
        let dev = match kind {
            VportKind::Netdev => {
                let dev = NetDevice::get_by_name(dp.net, new.name).ok_or(OvsError::from(ENODEV))?;
                if !dev.can_be_port() {
                    return Err(OvsError::from(Rejection::new(
                        Errno::EINVAL,
                        c"Device cannot be a datapath port (loopback, not Ethernet, or internal)",
                        Some(vport_attr::NAME),
                    )));
                }
                dev
            }
            VportKind::Internal => {
                vport::create_internal(&dp, dp.net, new.name, port_no, new.desired_ifindex)?
            }
        };
        let v: Arc<Vport> = slot
            .write(Vport {
                port_no,
                kind,
                dev,
                dp: dp.clone(),
                upcall_pids: RcuPtr::new(pids),
                upcall_stats,
                detached: AtomicBool::new(false),
            })
            .into();
        if kind == VportKind::Netdev {
            let master = datapath::local_dev(&dp, &lock).ok_or(OvsError::from(ENODEV))?;
            netdev::attach_port(&v.dev, &master, v.clone())?;
        }
        if let Err(e) = dp.add_port(v.clone(), &mut lock) {
            vport::destroy(v);
            return Err(e.into());
        }
        let send = super::fill_committed(&mut msg, |w| fill(&v, &lock, w));
        drop(lock);
        if send {
            req.notify(msg);
        }
        Ok(())
    }
}

/// `OVS_VPORT_CMD_DEL`.
struct Del;

impl DoIt for Del {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let mut lock = ovs_lock();
        let v = lookup(req, &lock)?.clone();
        check_deletable(v.port_no)?;
        let msg = reply(req, &v, vport_cmd::DEL, &lock)?;
        let removed = v.dp.remove_port(v.port_no, &mut lock)?;
        drop(v);
        vport::destroy(removed);
        drop(lock);
        req.notify(msg);
        Ok(())
    }
}

/// `OVS_VPORT_CMD_SET`: upcall pids. Options are `EOPNOTSUPP`, as upstream's for the
/// netdev and internal types, which have no `set_options` (tunnels, which have, are not
/// implemented).
struct Set;

impl DoIt for Set {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let attrs = VportAttrs::parse(|n| req.attr(n))?;
        // Prepared before the lock, refused in upstream's order: after the lookup
        // (ENODEV), the type (EINVAL) and the options (EOPNOTSUPP).
        let pids = attrs.upcall_pids.map(pids_from);
        let mut msg = req.new_reply(reply_size(), vport_cmd::SET, &ovs_header(0))?;
        let mut lock = ovs_lock();
        let v = lookup(req, &lock)?.clone();
        let actual = VportType::from_u32(v.kind.uapi());
        attrs.check_set_type(actual)?;
        if attrs.options.is_some() {
            return Err(OvsError::from(Rejection::new(
                Errno::EOPNOTSUPP,
                c"This vport type has no options to set",
                Some(vport_attr::OPTIONS),
            )));
        }
        if let Some(p) = pids {
            v.upcall_pids.replace(Some(p?), &mut lock);
        }
        let send = msg.set_user_header(&ovs_header(v.dp.ifindex())).is_ok()
            && super::fill_committed(&mut msg, |w| fill(&v, &lock, w));
        drop(lock);
        if send {
            req.notify(msg);
        }
        Ok(())
    }
}

/// `OVS_VPORT_CMD_GET`.
struct Get;

impl DoIt for Get {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let lock = ovs_lock();
        let v = lookup(req, &lock)?;
        let msg = reply(req, v, vport_cmd::GET, &lock)?;
        drop(lock);
        Ok(req.reply(msg)?)
    }
}

impl Dump for Get {
    fn dump(cursor: &mut DumpCursor<'_>, skb: &mut DumpSkb) -> Result<(), OvsError> {
        let net = cursor.net();
        let Some(dp_ifindex) = cursor
            .user_header()
            .and_then(|h| ovs_header_dp_ifindex(h).ok())
        else {
            return Err(EINVAL.into());
        };
        let lock = ovs_lock();
        let dp = datapath::find_by_ifindex(net, dp_ifindex, &lock).ok_or(OvsError::from(ENODEV))?;
        let Some(table) = dp.ports(&lock) else {
            return Ok(());
        };
        let skip = cursor.position()[0] as usize;
        let mut done = skip;
        for v in table.iter().skip(skip) {
            if !cursor.entry(skb, vport_cmd::GET, &ovs_header(dp.ifindex()), |w| {
                fill(v, &lock, w)
            })? {
                break;
            }
            done += 1;
        }
        cursor.position()[0] = done as _;
        Ok(())
    }
}

/// Tells the vport group that `v` left `dp` because its device went away
/// (upstream's `dp_detach_port_notify`).
/// The datapath's notifications to userspace (`datapath::Notify`).
pub(crate) struct Notifier;

impl datapath::Notify for Notifier {
    fn port_detached(dp: &Datapath, v: &Vport, lock: &OvsLock) {
        let Ok(mut msg) = Message::new(
            &HANDLE,
            reply_size(),
            false,
            vport_cmd::DEL,
            &ovs_header(dp.ifindex()),
        ) else {
            return;
        };
        if msg.put_attrs(|w| fill(v, lock, w)).is_ok() {
            msg.multicast(&HANDLE, dp.net);
        }
    }
}
