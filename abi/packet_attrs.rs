// SPDX-License-Identifier: GPL-2.0
//! Typed `OVS_PACKET_ATTR_*`: the `OVS_PACKET_CMD_EXECUTE` request and the attributes of
//! the kernel-to-user upcall (`OVS_PACKET_CMD_MISS`/`ACTION`).
//!
//! Upstream counterpart: `packet_policy` and `ovs_packet_cmd_execute()`'s request checks,
//! and `queue_userspace_packet()`'s attributes, in `net/openvswitch/datapath.c`.
//! Pure, shared with the host crate.
//!
//! There is no `OVS_PACKET_ATTR_UPCALL_PID`: the upcall's destination is the vport's or
//! the userspace action's netlink port, not an attribute.

use super::errno::{Errno, Rejection};
use super::nla::{policy, AttrWriter, NLA_HDRLEN};
use super::uapi::packet_attr;
use crate::actions::action::Action;
use crate::actions::conntrack::CtAction;
use crate::actions::validate::put_actions;
use crate::flow::extract::{Layout, PacketMeta};
use crate::flow::key::FlowKey;
use crate::flow::key_nla::put_key;

/// `ETH_HLEN`: `packet_policy` wants at least an Ethernet header.
pub const ETH_HLEN: usize = 14;

/// `OVS_PACKET_HASH_SW_BIT` (`datapath.h`): the hash was computed in software.
pub const OVS_PACKET_HASH_SW_BIT: u64 = 1 << 32;
/// `OVS_PACKET_HASH_L4_BIT`: the hash is a canonical 4-tuple hash.
pub const OVS_PACKET_HASH_L4_BIT: u64 = 1 << 33;

/// A packet's hash as `OVS_PACKET_ATTR_HASH` carries it: the 32-bit `skb->hash` in the low
/// word, its `sw_hash` and `l4_hash` bits above.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketHash {
    pub hash: u32,
    pub sw: bool,
    pub l4: bool,
}

impl PacketHash {
    /// As `ovs_packet_cmd_execute()` reads it for `__skb_set_hash()`; other bits are
    /// ignored.
    pub const fn from_attr(v: u64) -> Self {
        Self {
            hash: v as u32,
            sw: v & OVS_PACKET_HASH_SW_BIT != 0,
            l4: v & OVS_PACKET_HASH_L4_BIT != 0,
        }
    }

    /// As `queue_userspace_packet()` puts it.
    pub const fn to_attr(self) -> u64 {
        let mut v = self.hash as u64;
        if self.sw {
            v |= OVS_PACKET_HASH_SW_BIT;
        }
        if self.l4 {
            v |= OVS_PACKET_HASH_L4_BIT;
        }
        v
    }
}

/// The `OVS_PACKET_ATTR_*` of an `OVS_PACKET_CMD_EXECUTE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketAttrs<'a> {
    /// The frame, at least [`ETH_HLEN`] bytes.
    pub packet: Option<&'a [u8]>,
    /// The nested `OVS_KEY_ATTR_*` of the packet's key (its metadata), unparsed.
    pub key: Option<&'a [u8]>,
    /// The nested `OVS_ACTION_ATTR_*`, unvalidated.
    pub actions: Option<&'a [u8]>,
    pub probe: bool,
    pub mru: Option<u16>,
    pub hash: Option<u64>,
}

impl<'a> PacketAttrs<'a> {
    /// Parses the attribute table with upstream's `packet_policy` checks, all `ERANGE`: a
    /// packet shorter than [`ETH_HLEN`], a non-empty key or actions nest shorter than an
    /// attribute header, a probe flag with a payload, a short MRU or hash. The upcall-only
    /// attributes (userdata, egress tunnel key, length) are ignored, as upstream does.
    pub fn parse(attr: impl Fn(u16) -> Option<&'a [u8]>) -> Result<Self, Rejection> {
        let nested = |n: u16| attr(n).map(|p| policy::nested(p, n)).transpose();
        Ok(Self {
            packet: attr(packet_attr::PACKET)
                .map(|p| policy::min_len(p, ETH_HLEN, packet_attr::PACKET))
                .transpose()?,
            key: nested(packet_attr::KEY)?,
            actions: nested(packet_attr::ACTIONS)?,
            probe: attr(packet_attr::PROBE)
                .map(|p| policy::flag(p, packet_attr::PROBE))
                .transpose()?
                .is_some(),
            mru: attr(packet_attr::MRU)
                .map(|p| policy::u16(p, packet_attr::MRU))
                .transpose()?,
            hash: attr(packet_attr::HASH)
                .map(|p| policy::u64(p, packet_attr::HASH))
                .transpose()?,
        })
    }

    /// `ovs_packet_cmd_execute()`'s first check: packet, key and actions are all required
    /// (`EINVAL`; upstream logs nothing, the message is ours). Then the caller copies the
    /// packet, extracts its key (`key_nla::parse_packet_meta` and the packet's headers),
    /// validates the actions against that key and finds the datapath (`ENODEV`).
    pub fn execute_request(&self) -> Result<Execute<'a>, Rejection> {
        let (Some(packet), Some(key), Some(actions)) = (self.packet, self.key, self.actions) else {
            return Err(Rejection::new(
                Errno::EINVAL,
                c"Packet execute needs a packet, a key and actions",
                None,
            ));
        };
        Ok(Execute {
            packet,
            key,
            actions,
            mru: self.mru,
            hash: self.hash.map(PacketHash::from_attr),
            log: !self.probe,
        })
    }
}

/// A checked `OVS_PACKET_CMD_EXECUTE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Execute<'a> {
    pub packet: &'a [u8],
    pub key: &'a [u8],
    pub actions: &'a [u8],
    /// With an MRU attribute upstream sets the packet's `ignore_df` and its MRU to the
    /// value (which may be 0); without one, the MRU is 0 and `ignore_df` stays clear.
    pub mru: Option<u16>,
    pub hash: Option<PacketHash>,
    /// Not a probe: key and action errors are logged.
    pub log: bool,
}

/// What `ovs_packet_cmd_execute()` sets on the packet it builds, besides its bytes and
/// device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecuteSkb {
    /// `OVS_PACKET_ATTR_HASH`, set with `__skb_set_hash()`; without it the packet has none.
    pub hash: Option<PacketHash>,
    /// The MRU the packet carries through its actions and upcalls (0: none).
    pub mru: u16,
    /// Set when the request had an MRU attribute (even 0): `skb->ignore_df`.
    pub ignore_df: bool,
    /// `skb->priority` and `skb->mark`, from the key's `OVS_KEY_ATTR_PRIORITY` and
    /// `OVS_KEY_ATTR_SKB_MARK` (0 without them).
    pub priority: u32,
    pub mark: u32,
    /// The network header's offset in the frame, as `key_extract()` leaves it: after the
    /// Ethernet header and any VLAN tags.
    pub network: usize,
    /// The transport header's offset, when `key_extract()` sets one: after a valid IP
    /// header, or at the network header when the IP header is cut short.
    pub transport: Option<usize>,
}

impl Execute<'_> {
    /// The packet's set-up, from the request, the key's metadata and the frame's layout.
    pub fn skb_setup(&self, meta: &PacketMeta, layout: &Layout) -> ExecuteSkb {
        ExecuteSkb {
            hash: self.hash,
            mru: self.mru.unwrap_or(0),
            ignore_df: self.mru.is_some(),
            priority: meta.priority,
            mark: meta.skb_mark,
            network: layout.l3,
            transport: if layout.truncated_l3 {
                Some(layout.l3)
            } else {
                layout.l4
            },
        }
    }
}

/// The actions an upcall reports, for `OVS_PACKET_ATTR_ACTIONS`.
#[derive(Clone, Copy, Debug)]
pub enum UpcallActions<'a> {
    /// Already in netlink form: copied as they are.
    Encoded(&'a [u8]),
    /// Validated actions, their arena and `ct` arguments, dumped as `put_actions()` dumps
    /// a flow's.
    Typed {
        actions: &'a [Action],
        arena: &'a [u8],
        cts: &'a [CtAction],
    },
}

/// What an upcall says besides its packet (`queue_userspace_packet()`).
#[derive(Clone, Copy, Debug)]
pub struct Upcall<'a> {
    /// The packet's flow key, as `OVS_PACKET_ATTR_KEY`.
    pub key: &'a FlowKey,
    /// The userspace action's `OVS_USERSPACE_ATTR_USERDATA` payload.
    pub userdata: Option<&'a [u8]>,
    /// The actions being executed, when the userspace action asked for them.
    pub actions: Option<UpcallActions<'a>>,
    /// The packet's MRU; 0 (none) is not put.
    pub mru: u16,
    /// The packet's length before truncation (`skb->len`).
    pub packet_len: u32,
    /// How many bytes of it the upcall carries (`min(skb->len, cutlen)`).
    pub sent_len: u32,
    /// [`PacketHash::to_attr`] of the packet's hash; upstream always puts it.
    pub hash: u64,
}

/// Puts an upcall's attributes in upstream's order: `OVS_PACKET_ATTR_KEY` (a nest without
/// `NLA_F_NESTED`), `USERDATA`, `ACTIONS` (likewise), `MRU` if nonzero, `LEN` if the packet
/// was truncated, `HASH`. The packet attribute comes last, from [`put_packet_header`] and
/// the packet bytes, which the caller copies itself.
///
/// Errors as upstream: `Errno::EFBIG` (before anything is put) when `sent_len` bytes cannot fit
/// one attribute; `EMSGSIZE` when the key, userdata or the actions nest's header do not
/// fit; `Errno::ENOBUFS` for the MRU, length or hash. Actions that do not fit inside their nest
/// are dropped with it, and the upcall goes on without them, as upstream's does.
pub fn put_upcall_attrs(out: &mut AttrWriter<'_>, up: &Upcall<'_>) -> Result<(), Errno> {
    packet_attr_header(up.sent_len as usize)?;
    let nest = out.start_nest_noflag(packet_attr::KEY)?;
    put_key(up.key, out)?;
    out.end_nest(nest)?;
    if let Some(userdata) = up.userdata {
        out.put(packet_attr::USERDATA, userdata)?;
    }
    if let Some(actions) = up.actions {
        let nest = out.start_nest_noflag(packet_attr::ACTIONS)?;
        let body = match actions {
            UpcallActions::Encoded(stream) => out.put_raw(stream),
            UpcallActions::Typed {
                actions,
                arena,
                cts,
            } => put_actions(actions, arena, cts, out),
        };
        match body {
            Ok(()) => out.end_nest(nest)?,
            Err(_) => out.cancel_nest(nest),
        }
    }
    if up.mru != 0 {
        out.put_u16(packet_attr::MRU, up.mru)
            .map_err(|_| Errno::ENOBUFS)?;
    }
    if up.sent_len < up.packet_len {
        out.put_u32(packet_attr::LEN, up.packet_len)
            .map_err(|_| Errno::ENOBUFS)?;
    }
    out.put_u64(packet_attr::HASH, up.hash)
        .map_err(|_| Errno::ENOBUFS)
}

/// The header of `OVS_PACKET_ATTR_PACKET` for `len` packet bytes, which follow it
/// unpadded; `Errno::EFBIG` if the attribute would be longer than 65535 bytes.
pub fn packet_attr_header(len: usize) -> Result<[u8; NLA_HDRLEN], Errno> {
    let nla_len = len
        .checked_add(NLA_HDRLEN)
        .and_then(|l| u16::try_from(l).ok())
        .ok_or(Errno::EFBIG)?;
    let [l0, l1] = nla_len.to_ne_bytes();
    let [t0, t1] = packet_attr::PACKET.to_ne_bytes();
    Ok([l0, l1, t0, t1])
}

/// Puts [`packet_attr_header`] for `len` bytes. The stream is incomplete until the caller
/// appends the packet: nothing may be put after this. `Errno::EFBIG` for a packet too long,
/// `Errno::ENOBUFS` for no room, as upstream.
pub fn put_packet_header(out: &mut AttrWriter<'_>, len: usize) -> Result<(), Errno> {
    let header = packet_attr_header(len)?;
    out.put_raw(&header).map_err(|_| Errno::ENOBUFS)
}

/// How many zero bytes follow a `len`-byte packet in an upcall (`pad_packet()`): up to the
/// next 4-byte boundary, unless the datapath has `OVS_DP_F_UNALIGNED`.
pub const fn upcall_packet_pad(len: usize, unaligned: bool) -> usize {
    if unaligned {
        0
    } else {
        len.wrapping_neg() & 3
    }
}
