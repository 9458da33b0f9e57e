// SPDX-License-Identifier: GPL-2.0
//! Upcalls: a packet and its flow key sent to a userspace listener over netlink.
//!
//! Upstream counterpart: `ovs_dp_upcall()` and `queue_userspace_packet()` in
//! `net/openvswitch/datapath.c`.

use kernel::prelude::*;

use super::Datapath;
use crate::abi::dp_attrs::ovs_header;
use crate::abi::errno::Errno;
use crate::abi::packet_attrs::{put_upcall_attrs, PacketHash, Upcall, UpcallActions};
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

/// Sends `skb` (copied; the caller keeps it) with `key` to netlink port `pid` in the
/// datapath's namespace, at most `cut_to` bytes of it (a pending truncate). Any failure is
/// an upcall lost, which the caller counts.
pub(crate) fn send(
    dp: &Datapath,
    skb: &SkBuff,
    key: &FlowKey,
    kind: Kind<'_>,
    pid: u32,
    cut_to: Option<usize>,
) -> Result {
    if pid == 0 {
        // Nobody listens (upstream's -ENOTCONN).
        return Err(errno_to_error(Errno::ENOTCONN));
    }
    let (cmd, userdata, actions) = match kind {
        Kind::Miss => (packet_cmd::MISS, None, None),
        Kind::Action { userdata, actions } => (packet_cmd::ACTION, userdata, actions),
    };
    // A tag kept out of band goes back into the frame userspace sees.
    let tagged = skb.clone_vlan_inside()?;
    let skb = tagged.as_ref().unwrap_or(skb);
    let len = skb.len();
    let sent = cut_to.map_or(len, |c| c.min(len));
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
        mru: 0,
        packet_len: len as u32,
        sent_len: sent as u32,
        hash: PacketHash {
            hash: meta.hash,
            sw: false,
            l4: false,
        }
        .to_attr(),
    };
    msg.put_attrs(|w| put_upcall_attrs(w, &up))?;
    msg.put_packet(packet_attr::PACKET, skb, sent)?;
    msg.unicast(dp.net, pid)
}
