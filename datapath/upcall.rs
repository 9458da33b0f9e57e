// SPDX-License-Identifier: GPL-2.0
//! Upcalls: a packet and its flow key sent to a userspace listener over netlink.
//!
//! Upstream counterpart: `ovs_dp_upcall()` and `queue_userspace_packet()` in
//! `net/openvswitch/datapath.c`.

use kernel::prelude::*;

use super::Datapath;
use crate::abi::dp_attrs::ovs_header;
use crate::abi::errno::Errno;
use crate::abi::packet_attrs::{
    packet_attr_header, put_upcall_attrs, PacketHash, Upcall, UpcallActions,
};
use crate::abi::uapi::{packet_attr, packet_cmd};
use crate::flow::key::FlowKey;
use crate::net::genl::{errno_to_error, FamilyHandle, Message};
use crate::net::skb::SkBuff;

/// The family upcalls are sent in (`ovs_packet`). The datapath owns the handle and the
/// genetlink layer registers the family into it, so the packet path never imports that
/// layer.
pub(crate) static UPCALL_FAMILY: FamilyHandle = FamilyHandle::new();

/// Room for everything but the packet: the header, a full flow key and the hash.
const UPCALL_OVERHEAD: usize = 1024;

/// Why the packet goes up.
#[derive(Clone, Copy)]
pub(crate) enum Kind<'a> {
    /// No flow matched: `OVS_PACKET_CMD_MISS`.
    Miss,
    /// A userspace action: `OVS_PACKET_CMD_ACTION`, with its userdata and, if asked, the
    /// actions being run.
    Action {
        userdata: Option<&'a [u8]>,
        actions: Option<UpcallActions<'a>>,
    },
}

/// Where an upcall goes and what it carries besides the packet and key.
#[derive(Clone, Copy)]
pub(crate) struct Dest<'a> {
    pub(crate) kind: Kind<'a>,
    /// The netlink port; 0 is nobody (the upcall is lost).
    pub(crate) pid: u32,
    /// A pending truncate: at most this many bytes of the packet go up.
    pub(crate) cut_to: Option<usize>,
    /// The packet's MRU (upstream's `OVS_CB(skb)->mru`), reported if nonzero.
    pub(crate) mru: u16,
}

/// Sends `skb` with `key` to `dest.pid` in the datapath's namespace (upstream's
/// `ovs_dp_upcall()`). The caller keeps the packet, whose checksum may have been
/// completed meanwhile. A GSO packet goes up as its segments, one upcall each, as it would
/// have reached the wire. Any failure is an upcall lost, which the caller counts.
pub(crate) fn send(dp: &Datapath, skb: &mut SkBuff, key: &FlowKey, dest: &Dest<'_>) -> Result {
    if dest.pid == 0 {
        // Nobody listens (upstream's -ENOTCONN).
        return Err(errno_to_error(Errno::ENOTCONN));
    }
    if !skb.is_gso() {
        return queue(dp, skb, key, dest);
    }
    // Upstream's queue_gso_packets(): the key was extracted from the whole packet, which
    // for UDP fragmentation offload is the first fragment; the others are later ones.
    let later = skb.gso_udp().then(|| key.later_fragment());
    let mut segs = skb.gso_segment()?;
    if let Some(mut first) = segs.next() {
        queue(dp, &mut first, key, dest)?;
        first.consume();
    }
    for mut seg in segs {
        queue(dp, &mut seg, later.as_ref().unwrap_or(key), dest)?;
        seg.consume();
    }
    Ok(())
}

/// One packet's upcall (upstream's `queue_userspace_packet()`).
fn queue(dp: &Datapath, skb: &mut SkBuff, key: &FlowKey, dest: &Dest<'_>) -> Result {
    let (cmd, userdata, actions) = match dest.kind {
        Kind::Miss => (packet_cmd::MISS, None, None),
        Kind::Action { userdata, actions } => (packet_cmd::ACTION, userdata, actions),
    };
    // A tag kept out of band goes back into the frame userspace sees.
    let mut tagged = skb.clone_vlan_inside()?;
    let skb = match tagged.as_mut() {
        Some(t) => t,
        None => skb,
    };
    let len = skb.len();
    let sent = dest.cut_to.map_or(len, |c| c.min(len));
    packet_attr_header(sent).map_err(errno_to_error)?;
    // Userspace sees, and may send back, the bytes as the wire would have had them: a
    // checksum left to the device is finished here.
    skb.complete_partial_csum()?;
    let extra = userdata.map_or(0, |u| u.len() + 8) + if actions.is_some() { 4096 } else { 0 };
    let mut msg = Message::new(
        &UPCALL_FAMILY,
        UPCALL_OVERHEAD + extra + sent,
        true,
        cmd,
        &ovs_header(dp.ifindex()),
    )?;
    let meta = skb.meta();
    let up = Upcall {
        key,
        userdata,
        actions,
        mru: dest.mru,
        packet_len: len as u32,
        sent_len: sent as u32,
        hash: PacketHash {
            hash: meta.hash,
            sw: meta.sw_hash,
            l4: meta.l4_hash,
        }
        .to_attr(),
    };
    msg.put_attrs(|w| put_upcall_attrs(w, &up))?;
    msg.put_packet(packet_attr::PACKET, skb, sent)?;
    msg.unicast(dp.net, dest.pid)
}
