// SPDX-License-Identifier: GPL-2.0
//! The `ovs_ct_limit` family: `OVS_CT_LIMIT_CMD_{SET,DEL,GET}`, connection limits per
//! conntrack zone.
//!
//! Upstream counterpart: `ovs_ct_limit_cmd_{set,del,get}()`, `ct_limit_policy` and
//! `dp_ct_limit_genl_family` in `net/openvswitch/conntrack.c`. Same name, version,
//! attribute, policy, permissions and multicast group; registered only where the kernel has
//! nf_conncount, as upstream.

use core::ffi::CStr;

use kernel::prelude::*;

use super::Result;

use crate::abi::ct_limit_attrs::{encode_zone_limit, zone_limits, ZoneTarget, ZONE_LIMIT_LEN};
use crate::abi::errno::{Errno, OvsError};
use crate::abi::nla::AttrWriter;
use crate::abi::uapi::{ct_limit_attr, ct_limit_cmd, OVS_HEADER_LEN, OVS_ZONE_LIMIT_DEFAULT_ZONE};
use crate::abi::uapi::{OVS_CT_LIMIT_FAMILY, OVS_CT_LIMIT_MCGROUP, OVS_CT_LIMIT_VERSION};
use crate::datapath::ct_limit::{self, Change, NetLimits};
use crate::net::conntrack::{log_netlink, log_zone_limit_rest};
use crate::net::genl::{DoIt, FamilyHandle, FamilySpec, McGroup, Op, Permission, Request};
use crate::net::policy::Policy;
use crate::net::sync::{rcu_read_lock, RcuReader};

/// Upstream's `ct_limit_policy`.
static POLICY: [Policy; ct_limit_attr::MAX as usize + 1] = [
    Policy::unspec(), // UNSPEC
    Policy::nested(), // ZONE_LIMIT
];

static OPS: [Op; 3] = [
    Op::new(ct_limit_cmd::SET, Permission::NetnsAdmin).doit::<Set>(),
    Op::new(ct_limit_cmd::DEL, Permission::NetnsAdmin).doit::<Del>(),
    Op::new(ct_limit_cmd::GET, Permission::Anyone).doit::<Get>(),
];

static MCGRPS: [McGroup; 1] = [McGroup::new(OVS_CT_LIMIT_MCGROUP)];

static HANDLE: FamilyHandle = FamilyHandle::new();

pub(super) static FAMILY: FamilySpec = FamilySpec {
    name: OVS_CT_LIMIT_FAMILY,
    version: OVS_CT_LIMIT_VERSION,
    hdrsize: OVS_HEADER_LEN,
    policy: &POLICY,
    ops: &OPS,
    mcgrps: &MCGRPS,
    resv_start_op: ct_limit_cmd::GET + 1,
    handle: &HANDLE,
};

/// The zone limits of a SET or DEL, as changes; what cannot apply is logged as upstream
/// logs it and skipped.
fn changes(payload: &[u8], cmd: &CStr, set: bool) -> Result<KVec<Change>> {
    let mut entries = zone_limits(payload);
    let mut out = KVec::with_capacity(payload.len() / ZONE_LIMIT_LEN + 1, GFP_KERNEL)?;
    for e in entries.by_ref() {
        let change = match (e.target, set) {
            (ZoneTarget::Default, true) => Change::Default(e.limit),
            (ZoneTarget::Default, false) => Change::Default(ct_limit::UNLIMITED),
            (ZoneTarget::Zone(z), true) => Change::Zone(z, e.limit),
            (ZoneTarget::Zone(z), false) => Change::Remove(z),
            (ZoneTarget::OutOfRange, _) => {
                log_netlink(c"zone id is out of range");
                continue;
            }
        };
        out.push(change, GFP_KERNEL)?;
    }
    if entries.rest() != 0 {
        log_zone_limit_rest(cmd, entries.rest() as i32);
    }
    Ok(out)
}

/// SET and DEL: the changes, then an empty reply with the request's `ovs_header`.
fn change(req: &Request<'_>, cmd: u8, name: &CStr) -> Result {
    let reply = req.new_reply(0, cmd, req.user_header())?;
    let payload = req
        .attr(ct_limit_attr::ZONE_LIMIT)
        .ok_or(OvsError::from(Errno::EINVAL))?;
    let set = cmd == ct_limit_cmd::SET;
    let changes = changes(payload, name, set)?;
    ct_limit::apply(req.net(), &changes, set)?;
    req.reply(reply)?;
    Ok(())
}

/// `OVS_CT_LIMIT_CMD_SET`: zone limits and the default limit added or changed.
struct Set;

impl DoIt for Set {
    fn doit(req: &Request<'_>) -> Result {
        change(req, ct_limit_cmd::SET, c"set")
    }
}

/// `OVS_CT_LIMIT_CMD_DEL`: zone limits removed, the default limit back to unlimited.
struct Del;

impl DoIt for Del {
    fn doit(req: &Request<'_>) -> Result {
        change(req, ct_limit_cmd::DEL, c"del")
    }
}

/// `OVS_CT_LIMIT_CMD_GET`: the limits and connection counts of the zones asked for, or the
/// default and every zone with a limit of its own.
struct Get;

/// One zone's entry: its limit and connection count (the default's count is 0).
fn put_zone(
    w: &mut AttrWriter<'_>,
    limits: Option<&NetLimits>,
    zone: u16,
    r: &impl RcuReader,
) -> Result<(), Errno> {
    let (limit, count) = limits.map_or((ct_limit::UNLIMITED, 0), |l| {
        (l.limit(zone, r), l.count(zone))
    });
    w.put_raw(&encode_zone_limit(i32::from(zone), limit, count))
}

fn put_default(w: &mut AttrWriter<'_>, limits: Option<&NetLimits>) -> Result<(), Errno> {
    let limit = limits.map_or(ct_limit::UNLIMITED, |l| l.default_limit());
    w.put_raw(&encode_zone_limit(OVS_ZONE_LIMIT_DEFAULT_ZONE, limit, 0))
}

impl DoIt for Get {
    fn doit(req: &Request<'_>) -> Result {
        let net = req.net();
        let asked = req.attr(ct_limit_attr::ZONE_LIMIT);
        // The reply is sized outside the read section; if the zones grew meanwhile, again.
        loop {
            let entries = match asked {
                Some(p) => zone_limits(p).count(),
                None => {
                    let rcu = rcu_read_lock();
                    ct_limit::find(net, &rcu).map_or(0, |l| l.zones(&rcu).len()) + 1
                }
            };
            let mut reply = req.new_reply(
                64 + entries * ZONE_LIMIT_LEN,
                ct_limit_cmd::GET,
                req.user_header(),
            )?;
            let rcu = rcu_read_lock();
            let limits = ct_limit::find(net, &rcu);
            if asked.is_none() && limits.map_or(0, |l| l.zones(&rcu).len()) + 1 > entries {
                continue;
            }
            let mut rest = 0;
            reply.put_attrs(|w| {
                let nest = w.start_nest_noflag(ct_limit_attr::ZONE_LIMIT)?;
                match asked {
                    Some(p) => {
                        let mut it = zone_limits(p);
                        for e in it.by_ref() {
                            match e.target {
                                ZoneTarget::Default => put_default(w, limits)?,
                                ZoneTarget::Zone(z) => put_zone(w, limits, z, &rcu)?,
                                ZoneTarget::OutOfRange => log_netlink(c"zone id is out of range"),
                            }
                        }
                        rest = it.rest();
                    }
                    None => {
                        put_default(w, limits)?;
                        if let Some(l) = limits {
                            for &(z, limit) in l.zones(&rcu) {
                                w.put_raw(&encode_zone_limit(i32::from(z), limit, l.count(z)))?;
                            }
                        }
                    }
                }
                w.end_nest(nest)
            })?;
            drop(rcu);
            if rest != 0 {
                log_zone_limit_rest(c"get", rest as i32);
            }
            req.reply(reply)?;
            return Ok(());
        }
    }
}
