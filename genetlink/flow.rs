// SPDX-License-Identifier: GPL-2.0
//! The `ovs_flow` family: `OVS_FLOW_CMD_*`.
//!
//! Upstream counterpart: `ovs_flow_cmd_{new,set,del,get,dump}`,
//! `ovs_flow_cmd_fill_info`, `flow_policy` and `dp_flow_genl_family` in
//! `net/openvswitch/datapath.c`. Keys, masks and actions are parsed and validated once,
//! here, into the typed forms the packet path runs.

use core::sync::atomic::Ordering;

use core::ffi::CStr;

use kernel::prelude::*;

use super::Result;
use kernel::sync::Arc;

use crate::abi::dp_attrs::{ovs_header, ovs_header_dp_ifindex};
use crate::abi::errno::{Errno, OvsError};
use crate::abi::flow_attrs::{
    check_may_replace, put_flow_stats, put_ufid, should_fill_actions, should_fill_key,
    should_fill_mask, FlowAttrs, FlowSelector, FlowStats, Ufid, NEW_ACTIONS_UNSAFE,
    SET_ACTIONS_UNSAFE,
};
use crate::abi::nla::{AttrWriter, Attrs};
use crate::abi::uapi::{flow_attr, flow_cmd, OVS_HEADER_LEN};
use crate::abi::uapi::{OVS_FLOW_FAMILY, OVS_FLOW_MCGROUP, OVS_FLOW_VERSION};
use crate::actions::validate::{put_actions, validate_actions};
use crate::datapath::flow_table::{Flow, FlowActions};
use crate::datapath::{self, Datapath};
use crate::flow::key::FlowKey;
use crate::flow::key_nla::{parse_key, parse_match, put_key, put_mask};
use crate::net::genl::{DoIt, Dump, DumpCursor, DumpSkb, FamilyHandle, Message};
use crate::net::genl::{FamilySpec, McGroup, Op, Permission, Request};
use crate::net::policy::Policy;
use crate::net::sync::{ovs_lock, OvsLock, RcuBox, RcuReader};
use crate::net::time::used_msecs;

/// Upstream's `flow_policy`; nested, flag and binary attributes are checked by
/// `FlowAttrs::parse`.
static POLICY: [Policy; flow_attr::MAX as usize + 1] = [
    Policy::unspec(), // UNSPEC
    Policy::unspec(), // KEY (nested)
    Policy::unspec(), // ACTIONS (nested)
    Policy::unspec(), // STATS (output only)
    Policy::unspec(), // TCP_FLAGS (output only)
    Policy::unspec(), // USED (output only)
    Policy::unspec(), // CLEAR (flag)
    Policy::unspec(), // MASK (nested)
    Policy::unspec(), // PROBE (flag)
    Policy::unspec(), // UFID (1..16 bytes)
    Policy::u32(),    // UFID_FLAGS
    Policy::unspec(), // PAD
];

static OPS: [Op; 4] = [
    Op::new(flow_cmd::NEW, Permission::NetnsAdmin).doit::<New>(),
    Op::new(flow_cmd::DEL, Permission::NetnsAdmin).doit::<Del>(),
    Op::new(flow_cmd::GET, Permission::Anyone)
        .doit::<Get>()
        .dump::<Get>(),
    Op::new(flow_cmd::SET, Permission::NetnsAdmin).doit::<Set>(),
];

static MCGRPS: [McGroup; 1] = [McGroup::new(OVS_FLOW_MCGROUP)];

pub(crate) static HANDLE: FamilyHandle = FamilyHandle::new();

pub(super) static FAMILY: FamilySpec = FamilySpec {
    name: OVS_FLOW_FAMILY,
    version: OVS_FLOW_VERSION,
    hdrsize: OVS_HEADER_LEN,
    policy: &POLICY,
    ops: &OPS,
    mcgrps: &MCGRPS,
    resv_start_op: flow_cmd::SET + 1,
    handle: &HANDLE,
};

/// Room for the dump of one `ct` action: every attribute with an IPv6 NAT range is 204 bytes.
const CT_DUMP_MAX: usize = 256;

/// Room for a flow reply: keys and mask (~700 bytes each at most) and the actions.
fn reply_size(actions: &FlowActions) -> usize {
    2048 + actions.arena.len() * 2 + actions.list.len() * 64 + actions.cts.len() * CT_DUMP_MAX
}

/// `ovs_flow_cmd_fill_info()`'s attributes.
fn fill(
    flow: &Flow,
    ufid_flags: u32,
    r: &impl RcuReader,
    w: &mut AttrWriter<'_>,
) -> Result<(), Errno> {
    // The identifier: the UFID, or the key as userspace gave it.
    match &flow.ufid {
        Some(u) => put_ufid(w, u)?,
        None => {
            let nest = w.start_nest_noflag(flow_attr::KEY)?;
            put_key(&flow.unmasked, w)?;
            w.end_nest(nest)?;
        }
    }
    if should_fill_key(flow.ufid.is_some(), ufid_flags) {
        let nest = w.start_nest_noflag(flow_attr::KEY)?;
        put_key(&flow.key, w)?;
        w.end_nest(nest)?;
    }
    if should_fill_mask(ufid_flags) {
        let nest = w.start_nest_noflag(flow_attr::MASK)?;
        put_mask(&flow.mask.key, &flow.key, w)?;
        w.end_nest(nest)?;
    }
    let used = flow.stats.used.load(Ordering::Relaxed);
    let stats = FlowStats {
        n_packets: flow.stats.packets.load(Ordering::Relaxed),
        n_bytes: flow.stats.bytes.load(Ordering::Relaxed),
    };
    // Upstream reports the TCP flags' low byte (`ntohs(flags)` as u8).
    let tcp_flags = flow.stats.tcp_flags.load(Ordering::Relaxed) as u8;
    put_flow_stats(w, &stats, (used != 0).then(|| used_msecs(used)), tcp_flags)?;
    if should_fill_actions(ufid_flags) {
        if let Some(a) = flow.actions.get(r) {
            let nest = w.start_nest_noflag(flow_attr::ACTIONS)?;
            put_actions(&a.list, &a.arena, &a.cts, w)?;
            w.end_nest(nest)?;
        }
    }
    Ok(())
}

fn reply(
    req: &Request<'_>,
    dp: &Datapath,
    flow: &Flow,
    cmd: u8,
    ufid_flags: u32,
    r: &impl RcuReader,
) -> Result<Message> {
    let size = flow.actions.get(r).map_or(2048, reply_size);
    let mut msg = req.new_reply(size, cmd, &ovs_header(dp.ifindex()))?;
    msg.put_attrs(|w| fill(flow, ufid_flags, r, w))?;
    Ok(msg)
}

/// The message for a change's notification, allocated before the change (`None` if nobody
/// listens): `size` bytes for the flow's attributes.
fn notification(req: &Request<'_>, cmd: u8, size: usize) -> Result<Option<Message>> {
    if !req.must_notify() {
        return Ok(None);
    }
    // The request names the datapath by its ifindex; the reply's header repeats it.
    let dp_ifindex = ovs_header_dp_ifindex(req.user_header())?;
    Ok(Some(req.new_reply(size, cmd, &ovs_header(dp_ifindex))?))
}

/// Fills and sends a change's notification (the OVS mutex is released first).
fn notify(
    req: &Request<'_>,
    msg: Option<Message>,
    flow: &Flow,
    ufid_flags: u32,
    lock: OvsLock,
) -> Result {
    let Some(mut msg) = msg else {
        return Ok(());
    };
    let send = super::fill_committed(&mut msg, |w| fill(flow, ufid_flags, &lock, w));
    drop(lock);
    if send {
        req.notify(msg);
    }
    Ok(())
}

fn log_if_asked(attrs: &FlowAttrs<'_>, msg: &CStr) {
    if attrs.log() {
        crate::net::genl::log_ratelimited(msg);
    }
}

/// Validates `actions` against `masked_key` into a fresh list, with what it needs of the
/// kernel (conntrack templates in `net`). May sleep; takes no lock.
fn build_actions(
    req: &Request<'_>,
    attrs: &FlowAttrs<'_>,
    raw: &[u8],
    masked_key: &FlowKey,
    log_msg: &CStr,
) -> Result<RcuBox<FlowActions>> {
    let mut acts = FlowActions::default();
    if let Err(r) = validate_actions(raw, masked_key, flow_attr::ACTIONS, &mut acts) {
        log_if_asked(attrs, log_msg);
        return Err(OvsError::from(r));
    }
    match acts.prepare(req.net()) {
        Ok(false) => {}
        Ok(true) => log_if_asked(attrs, c"Failed to associated timeout policy"),
        Err(e) => {
            log_if_asked(attrs, c"Failed to add conntrack helper");
            return Err(OvsError::from(e));
        }
    }
    Ok(RcuBox::new(acts, GFP_KERNEL)?)
}

fn find_dp<'a>(req: &Request<'_>, lock: &'a OvsLock) -> Result<&'a Arc<Datapath>> {
    let dp_ifindex = ovs_header_dp_ifindex(req.user_header())?;
    datapath::find_by_ifindex(req.net(), dp_ifindex, lock).ok_or(OvsError::from(ENODEV))
}

/// Resolves a SET, GET or DEL selector (the key, if any, was parsed already).
fn select<'a>(dp: &'a Datapath, sel: &Selected, r: &'a impl RcuReader) -> Option<&'a Arc<Flow>> {
    match sel {
        Selected::Ufid(u) => dp.flows.lookup_ufid(u, r),
        Selected::Key(k) => dp.flows.lookup_by_key(k, r),
    }
}

enum Selected {
    Ufid(Ufid),
    Key(FlowKey),
}

fn parse_selector(sel: FlowSelector<'_>, key: Option<&[u8]>) -> Result<Selected> {
    // A key present is parsed first, even with a UFID: its errors win, as upstream.
    let parsed = match key {
        Some(k) => Some(parse_key(k)?.key),
        None => None,
    };
    Ok(match sel {
        FlowSelector::Ufid(u) => Selected::Ufid(u),
        FlowSelector::Key(_) => Selected::Key(parsed.ok_or(OvsError::from(EINVAL))?),
    })
}

/// `OVS_FLOW_ATTR_UFID_FLAGS` of a dump request (0 if absent or malformed, as upstream's
/// `ovs_nla_get_ufid_flags`).
fn dump_ufid_flags(attrs: &[u8]) -> u32 {
    Attrs::new(attrs)
        .map_while(|a| a.ok())
        .filter(|a| a.kind == flow_attr::UFID_FLAGS)
        .last()
        .and_then(|a| a.u32().ok())
        .unwrap_or(0)
}

/// `OVS_FLOW_CMD_NEW`: creates a flow, or replaces an existing one's actions.
struct New;

impl DoIt for New {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let attrs = FlowAttrs::parse(|n| req.attr(n))?;
        let new = attrs.new_request()?;
        let m = parse_match(new.key, new.mask)?;
        let actions = build_actions(req, &attrs, new.actions, &m.key, NEW_ACTIONS_UNSAFE)?;
        let msg = notification(req, flow_cmd::NEW, reply_size(actions.get()))?;
        let flow = Flow::prepare(&m.unmasked_key, &m.mask, new.ufid, actions)?;

        let mut lock = ovs_lock();
        let dp = find_dp(req, &lock)?.clone();
        let existing = {
            let by_ufid = new
                .ufid
                .as_ref()
                .and_then(|u| dp.flows.lookup_ufid(u, &lock));
            by_ufid
                .or_else(|| dp.flows.lookup(&m.unmasked_key, &lock).flow)
                .cloned()
        };
        let Some(existing) = existing else {
            let flow = dp.flows.insert(flow, &mut lock)?;
            return notify(req, msg, &flow, attrs.ufid_flags, lock);
        };
        check_may_replace(req.nlmsg_flags())?;
        // The identifier must be the same for an update.
        // Upstream's `ovs_flow_cmp`: a UFID flow by its masked key, others by the key as
        // given.
        let same = match existing.ufid {
            Some(_) => existing.key == m.key,
            None => existing.unmasked == m.unmasked_key,
        };
        let target = if same {
            existing
        } else if existing.ufid.is_none() {
            dp.flows
                .lookup_by_key(&m.unmasked_key, &lock)
                .cloned()
                .ok_or(OvsError::from(ENOENT))?
        } else {
            return Err(ENOENT.into());
        };
        target.actions.replace(Some(flow.into_actions()), &mut lock);
        notify(req, msg, &target, attrs.ufid_flags, lock)
    }
}

/// `OVS_FLOW_CMD_SET`: new actions and/or cleared stats for an existing flow.
struct Set;

impl DoIt for Set {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let attrs = FlowAttrs::parse(|n| req.attr(n))?;
        let set = attrs.set_request()?;
        let (sel, actions) = match set.key {
            Some(k) => {
                let m = parse_match(k, set.mask)?;
                let actions = match set.actions {
                    Some(raw) => Some(build_actions(req, &attrs, raw, &m.key, SET_ACTIONS_UNSAFE)?),
                    None => None,
                };
                let sel = match set.selector {
                    FlowSelector::Ufid(u) => Selected::Ufid(u),
                    FlowSelector::Key(_) => Selected::Key(m.unmasked_key),
                };
                (sel, actions)
            }
            None => (parse_selector(set.selector, None)?, None),
        };
        let mut lock = ovs_lock();
        let dp = find_dp(req, &lock)?.clone();
        let flow = select(&dp, &sel, &lock)
            .cloned()
            .ok_or(OvsError::from(ENOENT))?;
        // Allocated before the change, for the actions the flow will have.
        let size = match &actions {
            Some(a) => reply_size(a.get()),
            None => flow.actions.get(&lock).map_or(2048, reply_size),
        };
        let mut msg = notification(req, flow_cmd::SET, size)?;
        if let Some(a) = actions {
            flow.actions.replace(Some(a), &mut lock);
        }
        // The reply carries the stats from before a clear, as upstream's.
        let send = match &mut msg {
            Some(m) => super::fill_committed(m, |w| fill(&flow, attrs.ufid_flags, &lock, w)),
            None => false,
        };
        if set.clear {
            flow.stats.clear();
        }
        drop(lock);
        if let (true, Some(msg)) = (send, msg) {
            req.notify(msg);
        }
        Ok(())
    }
}

/// `OVS_FLOW_CMD_DEL`: one flow, or all of them.
struct Del;

impl DoIt for Del {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let attrs = FlowAttrs::parse(|n| req.attr(n))?;
        let sel = match attrs.del_request() {
            Some(s) => Some(parse_selector(s, attrs.key)?),
            None => None,
        };
        let mut lock = ovs_lock();
        let dp = find_dp(req, &lock)?.clone();
        let Some(sel) = sel else {
            return Ok(dp.flows.flush(&mut lock)?);
        };
        let flow = select(&dp, &sel, &lock)
            .cloned()
            .ok_or(OvsError::from(ENOENT))?;
        // Allocated before the removal, which then cannot fail.
        let size = flow.actions.get(&lock).map_or(2048, reply_size);
        let msg = notification(req, flow_cmd::DEL, size)?;
        dp.flows.remove(&flow, &mut lock);
        notify(req, msg, &flow, attrs.ufid_flags, lock)
    }
}

/// `OVS_FLOW_CMD_GET`.
struct Get;

impl DoIt for Get {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let attrs = FlowAttrs::parse(|n| req.attr(n))?;
        let sel = attrs.get_request()?;
        let sel = parse_selector(sel, attrs.key)?;
        let lock = ovs_lock();
        let dp = find_dp(req, &lock)?;
        let flow = select(dp, &sel, &lock).ok_or(OvsError::from(ENOENT))?;
        let msg = reply(req, dp, flow, flow_cmd::GET, attrs.ufid_flags, &lock)?;
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
        let ufid_flags = dump_ufid_flags(cursor.request_attrs());
        // The dump reads under the OVS mutex (never under an RCU read section: the mutex
        // sleeps).
        let lock = ovs_lock();
        let dp = datapath::find_by_ifindex(net, dp_ifindex, &lock).ok_or(OvsError::from(ENODEV))?;
        let pos = (cursor.position()[0] as usize, cursor.position()[1] as usize);
        let mut err = Ok(());
        let mut added = 0usize;
        let resume = dp.flows.for_each_from(pos, &lock, |flow| {
            match cursor.entry(skb, flow_cmd::GET, &ovs_header(dp.ifindex()), |w| {
                fill(flow, ufid_flags, &lock, w)
            }) {
                Ok(true) => {
                    added += 1;
                    true
                }
                Ok(false) => false,
                Err(e) => {
                    err = Err(e);
                    false
                }
            }
        });
        err?;
        let (b, i) = resume.unwrap_or((usize::MAX >> 1, 0));
        cursor.position()[0] = b as _;
        cursor.position()[1] = i as _;
        Ok(())
    }
}
