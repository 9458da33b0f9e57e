// SPDX-License-Identifier: GPL-2.0
//! Running a flow's validated actions on a packet.
//!
//! Upstream counterpart: `do_execute_actions()` and its helpers in
//! `net/openvswitch/actions.c`. The list is typed (see `action.rs`), so execution matches
//! on an enum and never re-parses netlink. Bodies of clone and sample are the next
//! `body_len` entries; they run on a copy of the packet unless they are the last thing
//! the list does.

use core::sync::atomic::Ordering;

use crate::abi::dp_attrs::userspace_action_portid;
use crate::abi::packet_attrs::UpcallActions;
use crate::actions::action::{Action, SetKey};
use crate::actions::rewrite::{apply_set, Applied, Csum, CsumMode, SkbMeta as RewriteMeta};
use crate::datapath::conntrack::{self, Outcome};
use crate::datapath::flow_table::FlowActions;
use crate::datapath::upcall::{self, Dest, Kind};
use crate::datapath::Datapath;
use crate::flow::extract::{extract, Layout, PacketMeta};
use crate::flow::key::{field as kf, CtKey, FlowKey};
use crate::net::skb::{random_u32, SkBuff};
use crate::net::sync::RcuReadGuard;

/// Recirculation depth limit (upstream's `OVS_RECURSION_LIMIT`).
const RECURSION_LIMIT: u32 = 5;
/// Bytes made writable for a header rewrite: all headers a set may touch.
const REWRITE_MAX: usize = 512;

/// Runs `actions` on `skb`, whose flow key is `key`. Consumes the packet. `layout` is the
/// packet's header layout when the caller extracted the key from it (it saves the first
/// set action a second walk over the headers). `mru` is the packet's MRU (upstream's
/// `OVS_CB(skb)->mru`), 0 for none; it goes with the packet into upcalls and recirculation.
#[expect(
    clippy::too_many_arguments,
    reason = "the packet's state, as upstream's OVS_CB"
)]
pub(crate) fn run(
    dp: &Datapath,
    skb: SkBuff,
    key: &mut FlowKey,
    layout: Option<Layout>,
    actions: &FlowActions,
    rcu: &RcuReadGuard,
    depth: u32,
    mru: u16,
) {
    let mut exec = Exec {
        dp,
        actions,
        rcu,
        depth,
        key_valid: true,
        layout,
        cutlen: None,
        mru,
    };
    exec.run_list(Some(skb), key, 0, actions.list.len());
}

struct Exec<'a> {
    dp: &'a Datapath,
    actions: &'a FlowActions,
    rcu: &'a RcuReadGuard,
    depth: u32,
    /// Whether `key` still describes the packet (a push, pop or set makes it stale).
    key_valid: bool,
    /// Header offsets of the packet as it is now, if known: sets rewrite fields in place
    /// and keep them; a push or pop moves the headers and forgets them.
    layout: Option<Layout>,
    /// A pending truncate action's length, applied to the next output or upcall.
    cutlen: Option<usize>,
    /// The packet's MRU, 0 for none.
    mru: u16,
}

impl Exec<'_> {
    /// Runs actions `from..to` on `skb`. `None` once the packet is gone.
    fn run_list(&mut self, mut skb: Option<SkBuff>, key: &mut FlowKey, from: usize, to: usize) {
        let mut i = from;
        while i < to {
            let Some(packet) = skb.as_mut() else {
                return;
            };
            let Some(&action) = self.actions.list.get(i) else {
                return;
            };
            let next = i + 1 + action.body_len().map_or(0, usize::from);
            let last = next >= to;
            match action {
                Action::Output { port } => {
                    let out = if last {
                        skb.take()
                    } else {
                        packet.clone_atomic()
                    };
                    if let Some(out) = out {
                        self.output(port, out);
                    }
                }
                Action::Userspace(u) => {
                    let userdata = u.userdata.and_then(|r| r.get(&self.actions.arena));
                    let actions = u.include_actions.then_some(UpcallActions::Typed {
                        actions: &self.actions.list,
                        arena: &self.actions.arena,
                        cts: &self.actions.cts,
                    });
                    // Under per-CPU dispatch the action's pid is a placeholder.
                    let features = self.dp.user_features.load(Ordering::Relaxed);
                    let pid =
                        userspace_action_portid(features, u.pid, || self.dp.per_cpu_pid(self.rcu));
                    let dest = Dest {
                        kind: Kind::Action { userdata, actions },
                        pid,
                        // A pending truncate applies to this upcall, and is then spent.
                        cut_to: self.cutlen.take(),
                        mru: self.mru,
                    };
                    let sent = upcall::send(self.dp, packet, key, &dest).is_ok();
                    let in_port = key.u32_at(kf::IN_PORT);
                    self.dp.count_upcall(in_port, pid, sent, self.rcu);
                }
                Action::Set { key: set, .. } => {
                    if self.set(packet, key, &set).is_err() {
                        return;
                    }
                }
                Action::PushVlan { tpid, tci } => {
                    if packet
                        .vlan_push(tpid, tci & !crate::actions::action::VLAN_CFI_MASK)
                        .is_err()
                    {
                        return;
                    }
                    self.key_valid = false;
                    self.layout = None;
                }
                Action::PopVlan => {
                    if packet.vlan_pop().is_err() {
                        return;
                    }
                    self.key_valid = false;
                    self.layout = None;
                }
                Action::Recirc { id } => {
                    let out = if last {
                        skb.take()
                    } else {
                        packet.clone_atomic()
                    };
                    if let Some(out) = out {
                        self.recirc(out, key, id);
                    }
                }
                Action::Hash { alg, basis } => {
                    let symmetric = alg == crate::actions::action::HashAlg::SymL4;
                    let mut hash = packet.hash(symmetric);
                    hash = hash.wrapping_add(basis).max(1);
                    key.set_u32(kf::DP_HASH, hash);
                }
                Action::Trunc { max_len } => {
                    if (max_len as usize) < packet.len() {
                        self.cutlen = Some(max_len as usize);
                    }
                }
                Action::Clone { body_len, .. } => {
                    let body = (i + 1, i + 1 + usize::from(body_len));
                    self.run_body(&mut skb, key, body, last);
                }
                Action::Sample {
                    probability,
                    body_len,
                    ..
                } => {
                    if probability == u32::MAX || random_u32() <= probability {
                        let body = (i + 1, i + 1 + usize::from(body_len));
                        self.run_body(&mut skb, key, body, last);
                    }
                }
                Action::Ct { index } => {
                    if !self.conntrack(&mut skb, key, index) {
                        return;
                    }
                }
                Action::CtClear => {
                    packet.ct_clear();
                    key.set_ct(&CtKey::default());
                }
                Action::Drop { .. } => return,
            }
            i = next;
        }
    }

    /// A clone or sample body: on a copy with its own key, or in place when nothing runs
    /// after it.
    fn run_body(
        &mut self,
        skb: &mut Option<SkBuff>,
        key: &FlowKey,
        body: (usize, usize),
        last: bool,
    ) {
        let copy = if last {
            skb.take()
        } else {
            skb.as_ref().and_then(|s| s.clone_atomic())
        };
        let mut body_key = *key;
        let saved = (self.key_valid, self.layout, self.cutlen);
        self.run_list(copy, &mut body_key, body.0, body.1);
        (self.key_valid, self.layout, self.cutlen) = saved;
    }

    /// The `ct` action (upstream's `ovs_ct_execute()` from `do_execute_actions()`): false
    /// once the packet is gone, dropped or kept by conntrack.
    fn conntrack(&mut self, skb: &mut Option<SkBuff>, key: &mut FlowKey, index: u16) -> bool {
        let Some(packet) = skb.as_mut() else {
            return false;
        };
        let Some((ct, tmpl)) = self.actions.ct(index) else {
            return false;
        };
        if !self.key_valid || self.layout.is_none() {
            // The headers moved since the key was extracted (`ovs_flow_key_update()`), or
            // where they are is not known: extract the key again, keeping its metadata.
            let pm = self.packet_meta(packet, key);
            let mut fresh = FlowKey::ZERO;
            self.layout = Some(extract(packet.headers(REWRITE_MAX), &pm, &mut fresh));
            if !self.key_valid {
                *key = fresh;
                self.key_valid = true;
            }
        }
        let Some(l3) = self.layout.map(|l| l.l3) else {
            return false;
        };
        match conntrack::execute(self.dp.net, packet, key, l3, ct, tmpl) {
            Ok(Outcome::Continue) => true,
            Ok(Outcome::Stolen) => {
                if let Some(p) = skb.take() {
                    p.forget_stolen();
                }
                false
            }
            Err(_) => false,
        }
    }

    /// The metadata a key is extracted again with: the key's own.
    fn packet_meta(&self, skb: &SkBuff, key: &FlowKey) -> PacketMeta {
        let meta = skb.meta();
        PacketMeta {
            in_port: key.u32_at(kf::IN_PORT),
            priority: meta.priority,
            skb_mark: meta.mark,
            recirc_id: key.u32_at(kf::RECIRC_ID),
            dp_hash: key.u32_at(kf::DP_HASH),
            vlan_accel: meta.vlan_present.then_some((meta.vlan_tpid, meta.vlan_tci)),
            ct: key.ct(),
        }
    }

    fn output(&mut self, port: u32, mut skb: SkBuff) {
        if let Some(len) = self.cutlen.take() {
            if skb.trim(len.max(crate::flow::extract::ETH_HLEN)).is_err() {
                return;
            }
        }
        if let Some(vport) = self.dp.port(port, self.rcu) {
            vport.send(skb);
        }
    }

    fn recirc(&mut self, mut skb: SkBuff, key: &FlowKey, id: u32) {
        if self.depth >= RECURSION_LIMIT {
            // Upstream: "deferred action limit reached, drop recirc action".
            return;
        }
        let mut new_key = *key;
        let mut layout = self.layout;
        if !self.key_valid {
            let pm = self.packet_meta(&skb, key);
            layout = Some(extract(skb.headers(REWRITE_MAX), &pm, &mut new_key));
        }
        new_key.set_u32(kf::RECIRC_ID, id);
        let in_port = new_key.u32_at(kf::IN_PORT);
        self.dp
            .process(in_port, skb, &mut new_key, layout, self.depth + 1, self.mru);
    }

    fn set(&mut self, skb: &mut SkBuff, key: &mut FlowKey, set: &SetKey) -> Result<(), ()> {
        let meta = skb.meta();
        let rmeta = RewriteMeta {
            priority: meta.priority,
            mark: meta.mark,
        };
        let layout = match self.layout {
            Some(layout) => layout,
            None => {
                // The headers moved since the key was extracted: find them again.
                let pkt_meta = PacketMeta {
                    vlan_accel: meta.vlan_present.then_some((meta.vlan_tpid, meta.vlan_tci)),
                    ..Default::default()
                };
                let mut scratch = FlowKey::ZERO;
                let layout = extract(skb.headers(REWRITE_MAX), &pkt_meta, &mut scratch);
                self.layout = Some(layout);
                layout
            }
        };
        if layout.truncated_l3
            && !matches!(
                set,
                SetKey::Ethernet(_) | SetKey::Priority(_) | SetKey::SkbMark(_)
            )
        {
            // Upstream makes the IP header writable first, which fails on a packet cut
            // short inside it: the packet is dropped.
            return Err(());
        }
        let mut csum = Csum::new(CsumMode::from_ip_summed(meta.ip_summed), meta.csum);
        let n = skb.len().min(REWRITE_MAX);
        let frame = skb.writable(n).ok_or(())?;
        let applied =
            apply_set(frame, layout.l3, layout.l4, set, rmeta, key, &mut csum).map_err(|_| ())?;
        match applied {
            Applied::Priority(p) => skb.set_priority_mark(p, meta.mark),
            Applied::SkbMark(m) => skb.set_priority_mark(meta.priority, m),
            Applied::Packet(effects) => {
                skb.set_complete_csum(meta.ip_summed, csum.complete);
                if effects.clear_hash {
                    skb.clear_hash();
                }
                if effects.ct_clear {
                    // Upstream's `ovs_ct_clear(skb, NULL)`: the key keeps its fields.
                    skb.ct_clear();
                }
            }
        }
        Ok(())
    }
}
