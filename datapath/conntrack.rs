// SPDX-License-Identifier: GPL-2.0
//! The `ct` action on a packet: the lookup in the action's zone, NAT, helpers, the commit
//! with its mark, labels and event mask, and the key's conntrack fields after it; and the
//! templates the action's install builds.
//!
//! Upstream counterpart: `ovs_ct_copy_action()` (the template), `ovs_ct_execute()`,
//! `__ovs_ct_lookup()`, `skb_nfct_cached()`, `ovs_ct_nat()`, `ovs_ct_commit()` and their
//! helpers in `net/openvswitch/conntrack.c`; the limits a commit checks are
//! `ct_limit.rs`'s. Not yet: fragment reassembly before the lookup
//! (`ovs_ct_handle_fragments()`: a fragment is looked up as it is, and conntrack finds it
//! invalid).

use kernel::prelude::*;

use crate::abi::errno::Errno;
use crate::abi::uapi::{ct_state as cs, nf_ct};
use crate::actions::conntrack::{CtAction, NatKind};
use crate::flow::conntrack::{ct_key, Source};
use crate::flow::extract::{extract, PacketMeta, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP};
use crate::flow::key::{field as kf, FlowKey};
use crate::net::conntrack::{CtTemplate, L3Packet, TemplateSpec};
use crate::net::netdev::NetNs;
use crate::net::skb::SkBuff;

/// `NF_NAT_MANIP_SRC` and `NF_NAT_MANIP_DST`, as bits of `nf_ct_nat()`'s action.
const MANIP_SRC: i32 = 1 << 0;
const MANIP_DST: i32 = 1 << 1;

/// Bytes of headers read again to update the key after NAT.
const HEADERS_MAX: usize = 512;

/// The template of `ct` (`ovs_ct_copy_action()` after the checks). May sleep. A timeout
/// policy that cannot be attached leaves the template without one, as upstream (which only
/// logs it): the caller compares [`CtTemplate::has_timeout`] with the action's.
pub(crate) fn template(net: NetNs, ct: &CtAction) -> Result<CtTemplate> {
    let helper = ct.helper.as_ref().map(|h| (h.as_cstr(), ct.nat.is_some()));
    let timeout = ct.timeout.as_ref().map(|t| t.as_cstr());
    let spec = TemplateSpec {
        zone: ct.zone,
        commit: ct.commit,
        family: ct.family.nfproto(),
        proto: ct.ip_proto,
        helper,
        timeout,
    };
    Ok(CtTemplate::new(net, &spec)?)
}

/// What the action did with the packet, when it did not fail.
pub(crate) enum Outcome {
    /// The packet goes on to the next action.
    Continue,
    /// Conntrack kept the packet (`NF_STOLEN`): it is no longer ours.
    Stolen,
}

/// Runs `ct` on `skb` (network header `l3` bytes in), in `net`, and updates `key`
/// (upstream's `ovs_ct_execute()`). An error means the packet is dropped.
pub(crate) fn execute(
    net: NetNs,
    skb: &mut SkBuff,
    key: &mut FlowKey,
    l3: usize,
    ct: &CtAction,
    tmpl: &CtTemplate,
) -> core::result::Result<Outcome, Errno> {
    let family = ct.family.nfproto();
    let run = skb
        .at_network_header(l3, |p| -> core::result::Result<i32, Errno> {
            p.network_trim(family)?;
            let nat_done = if ct.commit {
                commit(net, p, key, ct, tmpl)?
            } else {
                let nat_done = lookup(net, p, key, ct, tmpl)?;
                if let Some(conn) = p.conn() {
                    conn.deliver_cached_events();
                }
                nat_done
            };
            Ok(nat_done)
        })
        .map_err(|_| Errno::EINVAL)?;
    match run {
        Ok(nat_done) => {
            if nat_done != 0 {
                update_key_after_nat(skb, key, nat_done);
            }
            Ok(Outcome::Continue)
        }
        Err(Errno::EINPROGRESS) => Ok(Outcome::Stolen),
        Err(e) => Err(e),
    }
}

/// `skb_nfct_cached()`: whether the packet's connection is already the answer of a lookup
/// in `ct`'s zone. With a forced commit, a connection seen in the reply direction is deleted
/// (if confirmed) and dropped from the packet, so that the lookup starts a new one.
fn cached(
    net: NetNs,
    p: &mut L3Packet<'_>,
    key: &FlowKey,
    ct: &CtAction,
    tmpl: &CtTemplate,
) -> bool {
    // Without a connection, the key may say the packet had one, lost to an upcall, or a
    // forced commit wants the existing one (upstream's `ovs_ct_executed()`).
    let mut executed = true;
    if p.conn().is_none() {
        let state = u32::from(key.u8_at(kf::CT_STATE));
        executed = state & cs::TRACKED != 0
            && state & cs::INVALID == 0
            && key.u16_at(kf::CT_ZONE) == ct.zone;
        if executed || (state == 0 && ct.force) {
            let natted = state & cs::NAT_MASK != 0;
            p.find_existing(net, ct.zone, ct.family.nfproto(), natted);
        }
    }
    {
        let Some(conn) = p.conn() else {
            return false;
        };
        if !conn.in_net(net)
            || !conn.in_zone_of(tmpl)
            || conn.has_other_helper_than(tmpl)
            || conn.lacks_timeout_of(tmpl)
        {
            return false;
        }
        let reply = conn.ctinfo() >= nf_ct::IP_CT_IS_REPLY;
        if !(ct.force && reply) {
            return executed;
        }
        if conn.confirmed() {
            conn.delete();
        }
    }
    p.unset(0);
    false
}

/// `__ovs_ct_lookup()`: returns the NAT manipulations done (`MANIP_*` bits), for the key.
fn lookup(
    net: NetNs,
    p: &mut L3Packet<'_>,
    key: &mut FlowKey,
    ct: &CtAction,
    tmpl: &CtTemplate,
) -> core::result::Result<i32, Errno> {
    let mut is_cached = cached(net, p, key, ct, tmpl);
    // An unconfirmed connection shared with another skb (a clone) must not get the
    // extensions a commit adds: look it up afresh.
    if is_cached && ct.commit {
        let reset = p.conn().is_some_and(|c| !c.confirmed() && c.shared());
        if reset {
            p.unset(0);
            is_cached = false;
        }
    }
    if !is_cached {
        p.attach_template(tmpl);
        p.conntrack_in(net, ct.family.nfproto()).to_result()?;
        // The NAT bits say NAT is done; after a new lookup it is not yet.
        key.set_u8(kf::CT_STATE, 0);
        let source = match p.tracked() {
            Some(t) => Source::Tracked(t),
            None => Source::InvalidAfterCt { zone: ct.zone },
        };
        key.set_ct(&ct_key(key, &source, true));
    }
    let Some((confirmed, has_help, tcp_established)) = p
        .conn()
        .map(|c| (c.confirmed(), c.has_help(), c.tcp_established()))
    else {
        return Ok(0);
    };
    let mut nat_done = 0;
    // NAT before the helper, once per packet and zone (the key's NAT bits say it was
    // done), and for a new connection only at its commit.
    if let Some(nat) = ct.nat {
        let nat_bits = u32::from(key.u8_at(kf::CT_STATE)) & cs::NAT_MASK;
        if nat_bits == 0 && (confirmed || ct.commit) {
            let mut action = match nat.kind {
                Some(NatKind::Src) => MANIP_SRC,
                Some(NatKind::Dst) => MANIP_DST,
                None => 0,
            };
            if let Some(v) = p.nat(&mut action, &nat.range, ct.commit) {
                v.to_result()?;
                nat_done = action & (MANIP_SRC | MANIP_DST);
                let mut state = key.u8_at(kf::CT_STATE);
                if nat_done & MANIP_SRC != 0 {
                    state |= cs::SRC_NAT as u8;
                }
                if nat_done & MANIP_DST != 0 {
                    state |= cs::DST_NAT as u8;
                }
                key.set_u8(kf::CT_STATE, state);
            }
        }
    }
    // A connection to be committed gets the action's helper now, if it has none.
    if !confirmed && ct.commit && ct.helper.is_some() && !has_help {
        if let Some(conn) = p.conn() {
            conn.try_assign_helper(tmpl)?;
            if ct.nat.is_some() && !conn.ensure_seqadj() {
                return Err(Errno::EINVAL);
            }
        }
    }
    // The helper runs here only after a fresh lookup of a confirmed connection; for a new
    // one, at its commit, once every extension is there.
    if confirmed && !is_cached {
        p.run_helper(ct.family.nfproto()).to_result()?;
    }
    if confirmed && tcp_established {
        // Be liberal, so that out-of-window packets are not marked invalid.
        if let Some(conn) = p.conn() {
            conn.set_tcp_be_liberal();
        }
    }
    Ok(nat_done)
}

/// `ovs_ct_commit()`: the lookup, then the action's changes to the connection, then its
/// confirmation. Returns the lookup's NAT manipulations.
fn commit(
    net: NetNs,
    p: &mut L3Packet<'_>,
    key: &mut FlowKey,
    ct: &CtAction,
    tmpl: &CtTemplate,
) -> core::result::Result<i32, Errno> {
    let nat_done = lookup(net, p, key, ct, tmpl)?;
    {
        // An invalid packet has no connection: nothing to commit.
        let Some(conn) = p.conn() else {
            return Ok(nat_done);
        };
        let confirmed = conn.confirmed();
        if !confirmed {
            super::ct_limit::check_new(net, p, ct.family.nfproto(), ct.zone)?;
        }
        if let Some(mask) = ct.eventmask {
            conn.set_eventmask(mask);
        }
        if let Some(m) = ct.mark {
            // As upstream: the value is not masked again.
            let old = conn.mark();
            let new = m.value | (old & !m.mask);
            if new != old {
                conn.write_mark(new);
                if confirmed {
                    conn.event_mark();
                }
                key.set_u32(kf::CT_MARK, new);
            }
        }
        if !confirmed {
            init_labels(&conn, key, ct)?;
        } else if let Some(l) = ct.labels {
            if !conn.ensure_labels() {
                return Err(Errno::ENOSPC);
            }
            conn.replace_labels(&l.value, &l.mask)?;
            if let Some(now) = conn.fields().labels {
                key.set(kf::CT_LABELS, &now);
            }
        }
    }
    if p.conn().is_some_and(|c| !c.confirmed()) {
        // The helpers run now, with every extension in place.
        p.run_helper(ct.family.nfproto()).to_result()?;
    }
    // Also sends the events queued, for a connection already confirmed.
    p.confirm().to_result()?;
    Ok(nat_done)
}

/// `ovs_ct_init_labels()`: a new connection's labels, its master's (a related connection
/// inherits them) with the action's written over. Nobody else sees it yet, so the labels
/// are written whole.
fn init_labels(
    conn: &crate::net::conntrack::Conn<'_>,
    key: &mut FlowKey,
    ct: &CtAction,
) -> core::result::Result<(), Errno> {
    let master = conn.master_fields().and_then(|m| m.labels);
    if master.is_none() && ct.labels.is_none() {
        return Ok(());
    }
    if !conn.ensure_labels() {
        return Err(Errno::ENOSPC);
    }
    let mut labels = master.or(conn.fields().labels).unwrap_or_default();
    if let Some(l) = ct.labels {
        for ((d, v), m) in labels.iter_mut().zip(l.value).zip(l.mask) {
            *d = (*d & !m) | (v & m);
        }
    }
    conn.write_labels_unconfirmed(&labels);
    conn.event_label();
    key.set(kf::CT_LABELS, &labels);
    Ok(())
}

/// `ovs_nat_update_key()`: the addresses (and TCP, UDP or SCTP ports) NAT rewrote, read
/// back from the packet, for the manipulations in `done`.
fn update_key_after_nat(skb: &mut SkBuff, key: &mut FlowKey, done: i32) {
    let meta = skb.meta();
    let pm = PacketMeta {
        vlan_accel: meta.vlan_present.then_some((meta.vlan_tpid, meta.vlan_tci)),
        ..Default::default()
    };
    let mut now = FlowKey::ZERO;
    extract(skb.headers(HEADERS_MAX), &pm, &mut now);
    let ports = matches!(
        key.u8_at(kf::IP_PROTO),
        IPPROTO_UDP | IPPROTO_TCP | IPPROTO_SCTP
    );
    let v6 = key.be16(kf::ETH_TYPE) == crate::flow::extract::ETH_P_IPV6;
    for (bit, v4_field, v6_field, port) in [
        (MANIP_SRC, kf::IPV4_SRC, kf::IPV6_SRC, kf::TP_SRC),
        (MANIP_DST, kf::IPV4_DST, kf::IPV6_DST, kf::TP_DST),
    ] {
        if done & bit == 0 {
            continue;
        }
        let addr = if v6 { v6_field } else { v4_field };
        key.set(addr, now.get(addr));
        if ports {
            key.set(port, now.get(port));
        }
    }
}

/// The key's conntrack fields for a packet arriving at the datapath (upstream's
/// `ovs_ct_fill_key()` from `ovs_flow_key_extract()`): a packet tracked before, by the stack
/// or another datapath, keeps its state.
pub(crate) fn fill_key(skb: &SkBuff, key: &mut FlowKey) {
    let source = match skb.tracked() {
        Some(t) => Source::Tracked(t),
        None => Source::Untracked,
    };
    key.set_ct(&ct_key(key, &source, false));
}
