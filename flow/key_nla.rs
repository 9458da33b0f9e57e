// SPDX-License-Identifier: GPL-2.0
//! The netlink form of flow keys and masks: `OVS_KEY_ATTR_*` streams to and from [`FlowKey`].
//!
//! Upstream counterpart: `net/openvswitch/flow_netlink.c`: `parse_flow_nlattrs()`,
//! `ovs_nla_get_match()` (with `parse_vlan_from_nlattrs()`, `metadata_from_nlattrs()`,
//! `ovs_key_from_nlattrs()` and `match_validate()`), `ovs_nla_get_flow_metadata()` and
//! `__ovs_nla_put_key()`.
//!
//! For every attribute our key holds, the rules, errnos and messages are upstream's (the
//! messages without their printf arguments, as extack keeps only a static pointer).
//!
//! Attributes of features this datapath lacks (tunnels, MPLS, NSH) and layer-3 flows (an
//! EtherType without an Ethernet header) are refused with `EINVAL`: that is what upstream
//! itself returns for a key attribute it does not take ("Key type %d is not supported",
//! "Unknown key attributes"), and OVS userspace probes datapath features by installing a
//! flow that uses them, taking any error as "unsupported". For the same reason dumps leave
//! out what upstream emits for those features (a mask's tunnel nest): whatever we emit
//! parses back. The conntrack fields are upstream's, and emitted in every key as upstream
//! emits them.
//!
//! One exception: a mask's tunnel nest is taken, as ovs-vswitchd puts one (a tunnel TTL of
//! 0 at least) in the mask of every megaflow it installs, tunnel or not. It is checked as
//! upstream checks it, then dropped: see [`check_tunnel_mask`].
//!
//! Rejections name the `OVS_KEY_ATTR_*` at fault (`None` for a malformed top-level stream);
//! the caller reports the enclosing `OVS_FLOW_ATTR_KEY` or `OVS_FLOW_ATTR_MASK`.
//!
//! Pure: byte slices in, the caller's buffer out, no allocation.

use core::ffi::CStr;

use super::extract::{
    PacketMeta, ETH_P_8021AD, ETH_P_8021Q, ETH_P_802_2, ETH_P_802_3_MIN, ETH_P_ARP, ETH_P_IP,
    ETH_P_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP,
    NDISC_NEIGHBOUR_ADVERTISEMENT, NDISC_NEIGHBOUR_SOLICITATION,
};
use super::key::field::{self as kf, Field};
use super::key::{frag, mask_key, FlowKey, KeyRange, VLAN_TAG_PRESENT};
use crate::abi::errno::{Errno, Rejection};
use crate::abi::nla::{nla_align, AttrWriter, Attrs, NLA_HDRLEN};
use crate::abi::uapi::ct_state;
use crate::abi::uapi::key_attr as ka;
use crate::abi::uapi::tunnel_key_attr as tk;
use crate::abi::uapi::vxlan_ext_attr as vx;
use crate::abi::uapi::DP_MAX_PORTS;

pub const ETH_P_RARP: u16 = 0x8035;
pub const ETH_P_MPLS_UC: u16 = 0x8847;
pub const ETH_P_MPLS_MC: u16 = 0x8848;
pub const ETH_P_NSH: u16 = 0x894f;

/// `sizeof(struct ovs_key_*)`, the payloads of the fixed-size key attributes.
pub mod key_len {
    pub const U32: usize = 4;
    pub const BE16: usize = 2;
    pub const ETHERNET: usize = 12;
    pub const IPV4: usize = 12;
    pub const IPV6: usize = 40;
    /// `ovs_key_tcp`, `ovs_key_udp` and `ovs_key_sctp`.
    pub const PORTS: usize = 4;
    /// `ovs_key_icmp` and `ovs_key_icmpv6`.
    pub const ICMP: usize = 2;
    /// 22 bytes of fields, padded to the struct's 4-byte alignment.
    pub const ARP: usize = 24;
    pub const ND: usize = 28;
    pub const CT_LABELS: usize = 16;
    pub const CT_TUPLE_IPV4: usize = 16;
    pub const CT_TUPLE_IPV6: usize = 40;
    pub const IPV6_EXTHDRS: usize = 2;
}

/// What a key attribute's payload length must be: an entry of upstream's `ovs_key_lens`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrLen {
    /// Exactly this many bytes.
    Fixed(usize),
    /// A nested attribute stream, of any length.
    Nested,
    /// Any length (`OVS_KEY_ATTR_MPLS`, an array of label stack entries).
    Variable,
}

const SLOTS: usize = ka::MAX as usize + 1;

/// Payload lengths by attribute type, `0..=OVS_KEY_ATTR_MAX`. The types upstream's table
/// leaves out (UNSPEC, and three it refuses before looking at lengths) are 0, as there.
pub const KEY_ATTR_LENS: [AttrLen; SLOTS] = {
    use key_len as len;
    let mut t = [AttrLen::Fixed(0); SLOTS];
    t[ka::ENCAP as usize] = AttrLen::Nested;
    t[ka::PRIORITY as usize] = AttrLen::Fixed(len::U32);
    t[ka::IN_PORT as usize] = AttrLen::Fixed(len::U32);
    t[ka::ETHERNET as usize] = AttrLen::Fixed(len::ETHERNET);
    t[ka::VLAN as usize] = AttrLen::Fixed(len::BE16);
    t[ka::ETHERTYPE as usize] = AttrLen::Fixed(len::BE16);
    t[ka::IPV4 as usize] = AttrLen::Fixed(len::IPV4);
    t[ka::IPV6 as usize] = AttrLen::Fixed(len::IPV6);
    t[ka::TCP as usize] = AttrLen::Fixed(len::PORTS);
    t[ka::UDP as usize] = AttrLen::Fixed(len::PORTS);
    t[ka::ICMP as usize] = AttrLen::Fixed(len::ICMP);
    t[ka::ICMPV6 as usize] = AttrLen::Fixed(len::ICMP);
    t[ka::ARP as usize] = AttrLen::Fixed(len::ARP);
    t[ka::ND as usize] = AttrLen::Fixed(len::ND);
    t[ka::SKB_MARK as usize] = AttrLen::Fixed(len::U32);
    t[ka::TUNNEL as usize] = AttrLen::Nested;
    t[ka::SCTP as usize] = AttrLen::Fixed(len::PORTS);
    t[ka::TCP_FLAGS as usize] = AttrLen::Fixed(len::BE16);
    t[ka::DP_HASH as usize] = AttrLen::Fixed(len::U32);
    t[ka::RECIRC_ID as usize] = AttrLen::Fixed(len::U32);
    t[ka::MPLS as usize] = AttrLen::Variable;
    t[ka::CT_STATE as usize] = AttrLen::Fixed(len::U32);
    t[ka::CT_ZONE as usize] = AttrLen::Fixed(len::BE16);
    t[ka::CT_MARK as usize] = AttrLen::Fixed(len::U32);
    t[ka::CT_LABELS as usize] = AttrLen::Fixed(len::CT_LABELS);
    t[ka::CT_ORIG_TUPLE_IPV4 as usize] = AttrLen::Fixed(len::CT_TUPLE_IPV4);
    t[ka::CT_ORIG_TUPLE_IPV6 as usize] = AttrLen::Fixed(len::CT_TUPLE_IPV6);
    t[ka::NSH as usize] = AttrLen::Nested;
    t[ka::IPV6_EXTHDRS as usize] = AttrLen::Fixed(len::IPV6_EXTHDRS);
    t
};

/// A set of attribute types, as upstream's bitmaps: bit `n` is `OVS_KEY_ATTR` `n`.
pub type AttrSet = u64;

/// The set of just `kind` (empty for a type beyond the bitmap).
pub const fn bit(kind: u16) -> AttrSet {
    if kind < 64 {
        1 << kind
    } else {
        0
    }
}

pub const fn has(set: AttrSet, kind: u16) -> bool {
    set & bit(kind) != 0
}

/// The lowest type in `set`, which rejections name.
fn lowest(set: AttrSet) -> Option<u16> {
    if set == 0 {
        return None;
    }
    u16::try_from(set.trailing_zeros()).ok()
}

/// The attributes our key can hold.
pub const SUPPORTED: AttrSet = bit(ka::ENCAP)
    | bit(ka::PRIORITY)
    | bit(ka::IN_PORT)
    | bit(ka::ETHERNET)
    | bit(ka::VLAN)
    | bit(ka::ETHERTYPE)
    | bit(ka::IPV4)
    | bit(ka::IPV6)
    | bit(ka::TCP)
    | bit(ka::UDP)
    | bit(ka::ICMP)
    | bit(ka::ICMPV6)
    | bit(ka::ARP)
    | bit(ka::ND)
    | bit(ka::SKB_MARK)
    | bit(ka::SCTP)
    | bit(ka::TCP_FLAGS)
    | bit(ka::DP_HASH)
    | bit(ka::RECIRC_ID)
    | bit(ka::IPV6_EXTHDRS)
    | bit(ka::CT_STATE)
    | bit(ka::CT_ZONE)
    | bit(ka::CT_MARK)
    | bit(ka::CT_LABELS)
    | bit(ka::CT_ORIG_TUPLE_IPV4)
    | bit(ka::CT_ORIG_TUPLE_IPV6);

/// Every type up to `OVS_KEY_ATTR_MAX`.
const ALL: AttrSet = (bit(ka::MAX) << 1) - 1;

/// What a flow key or mask may not carry. UNSPEC is left to fail as upstream fails it, as
/// an unknown attribute.
const REFUSED_IN_MATCH: AttrSet = ALL & !SUPPORTED & !bit(ka::UNSPEC);

/// What a mask may carry of [`REFUSED_IN_MATCH`]: the tunnel nest ovs-vswitchd puts in every
/// mask. A key's tunnel is still refused, so the flow can only match packets without tunnel
/// metadata, which all of ours are.
const TAKEN_IN_MASK: AttrSet = bit(ka::TUNNEL);

/// The metadata upstream takes from a packet's key that we cannot honour. The packet's
/// other attributes are not read (the packet's bytes are), so they need no support.
const REFUSED_IN_PACKET_META: AttrSet = bit(ka::TUNNEL);

const fn reject(msg: &'static CStr, kind: u16) -> Rejection {
    Rejection::new(Errno::EINVAL, msg, Some(kind))
}

fn is_vlan_ethertype(eth_type: u16) -> bool {
    eth_type == ETH_P_8021Q || eth_type == ETH_P_8021AD
}

fn is_neighbour_discovery(key: &FlowKey) -> bool {
    let icmp_type = key.be16(kf::TP_SRC);
    icmp_type == u16::from(NDISC_NEIGHBOUR_SOLICITATION)
        || icmp_type == u16::from(NDISC_NEIGHBOUR_ADVERTISEMENT)
}

/// Where an attribute's payload lives in the key: `(payload offset, key field)` pairs.
/// Both directions use it, so parsing and emitting cannot disagree.
struct Layout {
    kind: u16,
    len: usize,
    fields: &'static [(usize, Field)],
}

const ETHERNET: Layout = Layout {
    kind: ka::ETHERNET,
    len: key_len::ETHERNET,
    fields: &[(0, kf::ETH_SRC), (6, kf::ETH_DST)],
};

const IPV4: Layout = Layout {
    kind: ka::IPV4,
    len: key_len::IPV4,
    fields: &[
        (0, kf::IPV4_SRC),
        (4, kf::IPV4_DST),
        (8, kf::IP_PROTO),
        (9, kf::IP_TOS),
        (10, kf::IP_TTL),
        (11, kf::IP_FRAG),
    ],
};

const IPV6: Layout = Layout {
    kind: ka::IPV6,
    len: key_len::IPV6,
    fields: &[
        (0, kf::IPV6_SRC),
        (16, kf::IPV6_DST),
        (32, kf::IPV6_LABEL),
        (36, kf::IP_PROTO),
        (37, kf::IP_TOS),
        (38, kf::IP_TTL),
        (39, kf::IP_FRAG),
    ],
};

/// Upstream emits it after every IPv6 attribute, in keys and masks alike.
const IPV6_EXTHDRS: Layout = Layout {
    kind: ka::IPV6_EXTHDRS,
    len: key_len::IPV6_EXTHDRS,
    fields: &[(0, kf::IPV6_EXTHDRS)],
};

/// The opcode is a be16 at 8, of which the key keeps the low byte (the high byte must be
/// zero in a key); bytes 22 and 23 are the struct's padding.
const ARP: Layout = Layout {
    kind: ka::ARP,
    len: key_len::ARP,
    fields: &[
        (0, kf::IPV4_SRC),
        (4, kf::IPV4_DST),
        (9, kf::IP_PROTO),
        (10, kf::ARP_SHA),
        (16, kf::ARP_THA),
    ],
};

const fn ports(kind: u16) -> Layout {
    Layout {
        kind,
        len: key_len::PORTS,
        fields: &[(0, kf::TP_SRC), (2, kf::TP_DST)],
    }
}

const TCP: Layout = ports(ka::TCP);
const UDP: Layout = ports(ka::UDP);
const SCTP: Layout = ports(ka::SCTP);

const TCP_FLAGS: Layout = Layout {
    kind: ka::TCP_FLAGS,
    len: key_len::BE16,
    fields: &[(0, kf::TCP_FLAGS)],
};

const ND: Layout = Layout {
    kind: ka::ND,
    len: key_len::ND,
    fields: &[(0, kf::ND_TARGET), (16, kf::ND_SLL), (22, kf::ND_TLL)],
};

const CT_LABELS: Layout = Layout {
    kind: ka::CT_LABELS,
    len: key_len::CT_LABELS,
    fields: &[(0, kf::CT_LABELS)],
};

/// `struct ovs_key_ct_tuple_ipv4`; bytes 13 to 15 are its padding.
const CT_TUPLE_IPV4: Layout = Layout {
    kind: ka::CT_ORIG_TUPLE_IPV4,
    len: key_len::CT_TUPLE_IPV4,
    fields: &[
        (0, kf::CT_ORIG_IPV4_SRC),
        (4, kf::CT_ORIG_IPV4_DST),
        (8, kf::CT_ORIG_TP_SRC),
        (10, kf::CT_ORIG_TP_DST),
        (12, kf::CT_ORIG_PROTO),
    ],
};

/// `struct ovs_key_ct_tuple_ipv6`; bytes 37 to 39 are its padding.
const CT_TUPLE_IPV6: Layout = Layout {
    kind: ka::CT_ORIG_TUPLE_IPV6,
    len: key_len::CT_TUPLE_IPV6,
    fields: &[
        (0, kf::CT_ORIG_SRC),
        (16, kf::CT_ORIG_DST),
        (32, kf::CT_ORIG_TP_SRC),
        (34, kf::CT_ORIG_TP_DST),
        (36, kf::CT_ORIG_PROTO),
    ],
};

/// The longest payload any layout describes.
const MAX_PAYLOAD: usize = key_len::IPV6;
/// The longest key field.
const MAX_FIELD: usize = 16;

/// An attribute's payload, or a stream of attributes. `ones` reads every payload byte as
/// 0xff (nested headers stay as they are): that is how upstream turns a key into its
/// exact-match mask (`mask_set_nlattr()`), here without a copy.
#[derive(Clone, Copy)]
struct Payload<'a> {
    raw: &'a [u8],
    ones: bool,
}

impl<'a> Payload<'a> {
    const EMPTY: Payload<'static> = Payload {
        raw: &[],
        ones: false,
    };

    fn of(raw: &'a [u8]) -> Self {
        Self { raw, ones: false }
    }

    fn len(&self) -> usize {
        self.raw.len()
    }

    fn byte(&self, at: usize) -> u8 {
        match self.raw.get(at) {
            Some(_) if self.ones => 0xff,
            Some(b) => *b,
            None => 0,
        }
    }

    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        core::array::from_fn(|i| self.byte(at + i))
    }

    fn be16(&self) -> u16 {
        u16::from_be_bytes(self.array(0))
    }

    /// A metadata `u16`, host order as netlink carries it.
    fn u16(&self) -> u16 {
        u16::from_ne_bytes(self.array(0))
    }

    /// A metadata `u32`, host order as netlink carries it.
    fn u32(&self) -> u32 {
        u32::from_ne_bytes(self.array(0))
    }

    fn is_zero(&self) -> bool {
        (0..self.len()).all(|i| self.byte(i) == 0)
    }
}

fn copy_in(out: &mut FlowKey, payload: Payload<'_>, layout: &Layout) {
    for &(at, f) in layout.fields {
        let bytes: [u8; MAX_FIELD] = payload.array(at);
        if let Some(value) = bytes.get(..f.len) {
            out.set(f, value);
        }
    }
}

fn copy_out(values: &FlowKey, layout: &Layout, payload: &mut [u8]) {
    for &(at, f) in layout.fields {
        if let Some(dst) = payload.get_mut(at..at + f.len) {
            dst.copy_from_slice(values.get(f));
        }
    }
}

/// Which half of a match a stream describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Key,
    Mask,
}

/// The outer (802.1ad or 802.1Q) or inner (customer) VLAN tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Outer,
    Inner,
}

impl Tag {
    /// The tag's TPID and TCI fields.
    fn fields(self) -> (Field, Field) {
        match self {
            Tag::Outer => (kf::VLAN_TPID, kf::VLAN_TCI),
            Tag::Inner => (kf::CVLAN_TPID, kf::CVLAN_TCI),
        }
    }

    /// Upstream formats "VLAN" or "C-VLAN" into its messages; ours are static.
    fn pick(self, outer: &'static CStr, inner: &'static CStr) -> &'static CStr {
        match self {
            Tag::Outer => outer,
            Tag::Inner => inner,
        }
    }
}

/// A match under construction: upstream's `sw_flow_match`.
#[derive(Default)]
struct Halves {
    key: FlowKey,
    mask: FlowKey,
}

impl Halves {
    fn of(&mut self, side: Side) -> &mut FlowKey {
        match side {
            Side::Key => &mut self.key,
            Side::Mask => &mut self.mask,
        }
    }
}

/// A flow's match, as `ovs_nla_get_match()` builds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    /// The key, masked (`unmasked_key & mask`): what the flow table stores and compares
    /// packets' masked keys with.
    pub key: FlowKey,
    /// A 1 bit means that bit of the key matters.
    pub mask: FlowKey,
    /// The key as given: upstream's flow identifier when there is no UFID
    /// (`sw_flow_id.unmasked_key`). A missing `OVS_KEY_ATTR_IN_PORT` is [`DP_MAX_PORTS`].
    pub unmasked_key: FlowKey,
    /// The attributes the key carried, as upstream's `key_attrs`: those of the innermost
    /// level of VLAN encapsulation and the outer levels' non-VLAN ones (a VLAN level's
    /// ENCAP, VLAN and ETHERTYPE are consumed by it).
    pub key_attrs: AttrSet,
    /// The mask's attributes, the same way; all-zero ones are not counted.
    pub mask_attrs: AttrSet,
}

/// A key parsed without a mask, for requests that name a flow by its key (upstream's
/// `ovs_nla_get_match()` with a NULL mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedKey {
    pub key: FlowKey,
    pub key_attrs: AttrSet,
}

/// Parses a flow's key and mask (`OVS_FLOW_ATTR_KEY`, `OVS_FLOW_ATTR_MASK` payloads) into a
/// match. Without a mask the flow is exact: every field of every attribute the key carries
/// matters, and no other.
pub fn parse_match(key_attrs: &[u8], mask_attrs: Option<&[u8]>) -> Result<Match, Rejection> {
    let mut parser = Parser::new(REFUSED_IN_MATCH);
    let mut halves = Halves::default();
    let key_set = parser.parse_half(Payload::of(key_attrs), &mut halves, Side::Key)?;
    let mask_stream = match mask_attrs {
        Some(raw) => Payload::of(raw),
        None => Payload {
            raw: key_attrs,
            ones: true,
        },
    };
    let mask_set = parser.parse_half(mask_stream, &mut halves, Side::Mask)?;
    validate(&halves.key, Some(&halves.mask), key_set, mask_set)?;
    let mut masked = FlowKey::ZERO;
    mask_key(
        &mut masked,
        &halves.key,
        &halves.mask,
        KeyRange::of_mask(&halves.mask),
    );
    Ok(Match {
        key: masked,
        mask: halves.mask,
        unmasked_key: halves.key,
        key_attrs: key_set,
        mask_attrs: mask_set,
    })
}

/// Parses a key alone, checking what `match_validate()` checks of a key.
pub fn parse_key(key_attrs: &[u8]) -> Result<ParsedKey, Rejection> {
    let mut parser = Parser::new(REFUSED_IN_MATCH);
    let mut halves = Halves::default();
    let key_set = parser.parse_half(Payload::of(key_attrs), &mut halves, Side::Key)?;
    validate(&halves.key, None, key_set, 0)?;
    Ok(ParsedKey {
        key: halves.key,
        key_attrs: key_set,
    })
}

/// The metadata of a packet userspace sends for execution (`OVS_PACKET_ATTR_KEY`), like
/// `ovs_nla_get_flow_metadata()`: the attributes are all validated, only metadata is read.
/// Without `OVS_KEY_ATTR_IN_PORT` the port is [`DP_MAX_PORTS`].
pub fn parse_packet_meta(key_attrs: &[u8]) -> Result<PacketMeta, Rejection> {
    let mut parser = Parser::new(REFUSED_IN_PACKET_META);
    let mut attrs = 0;
    parser.parse_stream(Payload::of(key_attrs), None, Side::Key, &mut attrs)?;
    let mut halves = Halves::default();
    parser.metadata(&mut halves, Side::Key, &mut attrs)?;
    let key = &halves.key;
    Ok(PacketMeta {
        in_port: key.u32_at(kf::IN_PORT),
        priority: key.u32_at(kf::PRIORITY),
        skb_mark: key.u32_at(kf::SKB_MARK),
        recirc_id: key.u32_at(kf::RECIRC_ID),
        dp_hash: key.u32_at(kf::DP_HASH),
        vlan_accel: None,
        ct: key.ct(),
    })
}

/// Walks key and mask streams into a match.
struct Parser<'a> {
    /// Upstream's `a[]`: the last payload seen of each type. Shared by the key and the mask
    /// and never cleared, like upstream's, whose VLAN checks on a mask read the key's
    /// VLAN attributes where the mask has none (or all-zero ones).
    slots: [Option<Payload<'a>>; SLOTS],
    refused: AttrSet,
}

impl<'a> Parser<'a> {
    fn new(refused: AttrSet) -> Self {
        Self {
            slots: [None; SLOTS],
            refused,
        }
    }

    fn slot(&self, kind: u16) -> Option<Payload<'a>> {
        self.slots.get(usize::from(kind)).copied().flatten()
    }

    fn be16_of(&self, kind: u16) -> u16 {
        self.slot(kind).map_or(0, |p| p.be16())
    }

    /// Removes `kind` from `attrs` and returns its payload, if `attrs` had it.
    fn take(&self, attrs: &mut AttrSet, kind: u16) -> Option<Payload<'a>> {
        if !has(*attrs, kind) {
            return None;
        }
        *attrs &= !bit(kind);
        self.slot(kind)
    }

    /// One half of a match, from its stream; returns its attributes.
    fn parse_half(
        &mut self,
        stream: Payload<'a>,
        halves: &mut Halves,
        side: Side,
    ) -> Result<AttrSet, Rejection> {
        let mut attrs = 0;
        self.parse_stream(stream, None, side, &mut attrs)?;
        if side == Side::Mask {
            // Upstream always matches the TCIs exactly, unless a VLAN level says otherwise.
            halves.mask.set_be16(kf::VLAN_TCI, 0xffff);
            halves.mask.set_be16(kf::CVLAN_TCI, 0xffff);
        }
        self.parse_vlans(halves, side, &mut attrs)?;
        self.fields(halves, side, attrs)?;
        Ok(attrs)
    }

    /// Records a stream's attributes in `attrs` and the slots: `__parse_flow_nlattrs()`.
    /// `within` is the attribute the stream is nested in, if any.
    fn parse_stream(
        &mut self,
        stream: Payload<'a>,
        within: Option<u16>,
        side: Side,
        attrs: &mut AttrSet,
    ) -> Result<(), Rejection> {
        let unknown_bytes = Rejection::new(Errno::EINVAL, c"Message has unknown bytes", within);
        let mut consumed = 0;
        for item in Attrs::new(stream.raw) {
            let attr = item.map_err(|_| unknown_bytes)?;
            consumed += nla_align(NLA_HDRLEN + attr.payload.len());
            let payload = Payload {
                raw: attr.payload,
                ones: stream.ones,
            };
            self.record(attr.kind, payload, side, attrs)?;
        }
        // Trailing bytes, or a last attribute without its padding, are left over upstream.
        if consumed != stream.len() {
            return Err(unknown_bytes);
        }
        Ok(())
    }

    fn record(
        &mut self,
        kind: u16,
        payload: Payload<'a>,
        side: Side,
        attrs: &mut AttrSet,
    ) -> Result<(), Rejection> {
        check_attr(kind, payload.len(), *attrs)?;
        // An all-zero mask attribute wildcards its fields, as if it were absent.
        if side == Side::Mask && payload.is_zero() {
            return Ok(());
        }
        let refused = match side {
            Side::Key => self.refused,
            Side::Mask => self.refused & !TAKEN_IN_MASK,
        };
        if has(refused, kind) {
            return Err(reject(c"Key type is not supported", kind));
        }
        *attrs |= bit(kind);
        if let Some(slot) = self.slots.get_mut(usize::from(kind)) {
            *slot = Some(payload);
        }
        Ok(())
    }

    /// Up to two levels of VLAN encapsulation: `parse_vlan_from_nlattrs()`.
    fn parse_vlans(
        &mut self,
        halves: &mut Halves,
        side: Side,
        attrs: &mut AttrSet,
    ) -> Result<(), Rejection> {
        self.parse_vlan(halves, side, Tag::Outer, attrs)?;
        if halves.key.be16(kf::VLAN_TCI) & VLAN_TAG_PRESENT != 0 {
            self.parse_vlan(halves, side, Tag::Inner, attrs)?;
        }
        Ok(())
    }

    /// A VLAN level: its TPID and TCI go to the tag's fields, and its ENCAP's attributes
    /// replace the level's ENCAP, VLAN and ETHERTYPE.
    fn parse_vlan(
        &mut self,
        halves: &mut Halves,
        side: Side,
        tag: Tag,
        attrs: &mut AttrSet,
    ) -> Result<(), Rejection> {
        let tagged = match side {
            Side::Key => self.key_is_tagged(tag, *attrs)?,
            Side::Mask => self.mask_is_tagged(&halves.key, tag, *attrs)?,
        };
        if !tagged {
            return Ok(());
        }
        let (tpid_field, tci_field) = tag.fields();
        let out = halves.of(side);
        out.set_be16(tpid_field, self.be16_of(ka::ETHERTYPE));
        out.set_be16(tci_field, self.be16_of(ka::VLAN));
        *attrs &= !(bit(ka::ENCAP) | bit(ka::VLAN) | bit(ka::ETHERTYPE));
        let encap = self.slot(ka::ENCAP).unwrap_or(Payload::EMPTY);
        self.parse_stream(encap, Some(ka::ENCAP), side, attrs)
    }

    /// `validate_vlan_from_nlattrs()`: whether the key is tagged at this level, and well so.
    fn key_is_tagged(&self, tag: Tag, attrs: AttrSet) -> Result<bool, Rejection> {
        let vlan_type = has(attrs, ka::ETHERNET)
            && has(attrs, ka::ETHERTYPE)
            && is_vlan_ethertype(self.be16_of(ka::ETHERTYPE));
        if !vlan_type {
            return Ok(false);
        }
        for kind in [ka::VLAN, ka::ENCAP] {
            if !has(attrs, kind) {
                let msg = tag.pick(c"Invalid VLAN frame", c"Invalid C-VLAN frame");
                return Err(reject(msg, kind));
            }
        }
        let tci = self.be16_of(ka::VLAN);
        if tci & VLAN_TAG_PRESENT == 0 {
            if tci != 0 {
                let msg = tag.pick(
                    c"VLAN TCI does not have VLAN_CFI_MASK bit set",
                    c"C-VLAN TCI does not have VLAN_CFI_MASK bit set",
                );
                return Err(reject(msg, ka::VLAN));
            }
            // A zero TCI is how a tag header cut short is keyed: nothing can follow it.
            if self.slot(ka::ENCAP).is_some_and(|p| p.len() != 0) {
                let msg = tag.pick(
                    c"Truncated VLAN header has non-zero encap attribute",
                    c"Truncated C-VLAN header has non-zero encap attribute",
                );
                return Err(reject(msg, ka::ENCAP));
            }
        }
        Ok(true)
    }

    /// `validate_vlan_mask_from_nlattrs()`: whether the mask has this VLAN level, and
    /// matches the tag's TPID and presence exactly.
    fn mask_is_tagged(&self, key: &FlowKey, tag: Tag, attrs: AttrSet) -> Result<bool, Rejection> {
        if !has(attrs, ka::ENCAP) {
            return Ok(false);
        }
        let (_, tci_field) = tag.fields();
        if key.be16(tci_field) & VLAN_TAG_PRESENT == 0 {
            let msg = tag.pick(
                c"Encap mask attribute is set for non-VLAN frame",
                c"Encap mask attribute is set for non-C-VLAN frame",
            );
            return Err(reject(msg, ka::ENCAP));
        }
        if self.be16_of(ka::ETHERTYPE) != 0xffff {
            let msg = tag.pick(
                c"Must have an exact match on VLAN TPID",
                c"Must have an exact match on C-VLAN TPID",
            );
            return Err(reject(msg, ka::ETHERTYPE));
        }
        if self.be16_of(ka::VLAN) & VLAN_TAG_PRESENT == 0 {
            let msg = tag.pick(
                c"VLAN TCI mask does not have exact match for VLAN_CFI_MASK bit",
                c"C-VLAN TCI mask does not have exact match for VLAN_CFI_MASK bit",
            );
            return Err(reject(msg, ka::VLAN));
        }
        Ok(true)
    }

    /// Every attribute left after the VLAN levels: `ovs_key_from_nlattrs()`.
    fn fields(&self, halves: &mut Halves, side: Side, mut attrs: AttrSet) -> Result<(), Rejection> {
        self.metadata(halves, side, &mut attrs)?;
        self.ethernet(halves, side, &mut attrs)?;
        self.network_and_transport(halves.of(side), side, &mut attrs)?;
        match lowest(attrs) {
            Some(kind) => Err(reject(c"Unknown key attributes", kind)),
            None => Ok(()),
        }
    }

    /// `metadata_from_nlattrs()`, for the metadata our key has.
    fn metadata(
        &self,
        halves: &mut Halves,
        side: Side,
        attrs: &mut AttrSet,
    ) -> Result<(), Rejection> {
        let out = halves.of(side);
        for (kind, f) in [
            (ka::DP_HASH, kf::DP_HASH),
            (ka::RECIRC_ID, kf::RECIRC_ID),
            (ka::PRIORITY, kf::PRIORITY),
        ] {
            if let Some(p) = self.take(attrs, kind) {
                out.set_u32(f, p.u32());
            }
        }
        let in_port = match (self.take(attrs, ka::IN_PORT), side) {
            // Upstream never wildcards part of the port.
            (Some(_), Side::Mask) => u32::MAX,
            (None, Side::Mask) => 0,
            (Some(p), Side::Key) if p.u32() >= DP_MAX_PORTS => {
                return Err(reject(c"Port exceeds max allowable", ka::IN_PORT));
            }
            (Some(p), Side::Key) => p.u32(),
            (None, Side::Key) => DP_MAX_PORTS,
        };
        out.set_u32(kf::IN_PORT, in_port);
        if let Some(p) = self.take(attrs, ka::SKB_MARK) {
            out.set_u32(kf::SKB_MARK, p.u32());
        }
        conntrack(self, out, attrs)?;
        // Only a mask gets this far with a tunnel nest; it sets nothing in our key.
        if let Some(p) = self.take(attrs, ka::TUNNEL) {
            check_tunnel_mask(p)?;
        }
        // An EtherType without MAC addresses is upstream's layer-3 packet. Our key has no
        // MAC protocol field to keep such flows off Ethernet packets, so they are refused.
        if !has(*attrs, ka::ETHERNET) && has(*attrs, ka::ETHERTYPE) {
            return match side {
                Side::Key => Err(reject(
                    c"Keys without an Ethernet header are not supported",
                    ka::ETHERTYPE,
                )),
                Side::Mask => self.eth_type(out, side, attrs),
            };
        }
        Ok(())
    }

    /// `parse_eth_type_from_nlattrs()`: a mask always matches the EtherType exactly.
    fn eth_type(
        &self,
        out: &mut FlowKey,
        side: Side,
        attrs: &mut AttrSet,
    ) -> Result<(), Rejection> {
        let value = self.take(attrs, ka::ETHERTYPE).map_or(0, |p| p.be16());
        let value = match side {
            Side::Mask => 0xffff,
            Side::Key if value < ETH_P_802_3_MIN => {
                return Err(reject(c"EtherType is less than min", ka::ETHERTYPE));
            }
            Side::Key => value,
        };
        out.set_be16(kf::ETH_TYPE, value);
        Ok(())
    }

    fn ethernet(
        &self,
        halves: &mut Halves,
        side: Side,
        attrs: &mut AttrSet,
    ) -> Result<(), Rejection> {
        let Some(p) = self.take(attrs, ka::ETHERNET) else {
            if halves.key.be16(kf::ETH_TYPE) == 0 {
                return Err(reject(
                    c"Either Ethernet header or EtherType is required",
                    ka::ETHERNET,
                ));
            }
            return Ok(());
        };
        let out = halves.of(side);
        copy_in(out, p, &ETHERNET);
        // VLAN levels consume their VLAN attribute: this one is outside any.
        if has(*attrs, ka::VLAN) {
            return Err(reject(c"VLAN attribute unexpected", ka::VLAN));
        }
        if has(*attrs, ka::ETHERTYPE) {
            return self.eth_type(out, side, attrs);
        }
        if side == Side::Key {
            out.set_be16(kf::ETH_TYPE, ETH_P_802_2);
        }
        Ok(())
    }

    fn network_and_transport(
        &self,
        out: &mut FlowKey,
        side: Side,
        attrs: &mut AttrSet,
    ) -> Result<(), Rejection> {
        for layout in [&IPV4, &IPV6, &ARP] {
            if let Some(p) = self.take(attrs, layout.kind) {
                if side == Side::Key {
                    check_network(layout.kind, p)?;
                }
                copy_in(out, p, layout);
            }
        }
        // Taken whatever the EtherType, as upstream's `ovs_key_from_nlattrs()` takes it.
        if let Some(p) = self.take(attrs, ka::IPV6_EXTHDRS) {
            copy_in(out, p, &IPV6_EXTHDRS);
        }
        for layout in [&TCP, &TCP_FLAGS, &UDP, &SCTP] {
            if let Some(p) = self.take(attrs, layout.kind) {
                copy_in(out, p, layout);
            }
        }
        // The key keeps ICMP type and code as be16s in the port fields.
        for kind in [ka::ICMP, ka::ICMPV6] {
            if let Some(p) = self.take(attrs, kind) {
                out.set_be16(kf::TP_SRC, u16::from(p.byte(0)));
                out.set_be16(kf::TP_DST, u16::from(p.byte(1)));
            }
        }
        if let Some(p) = self.take(attrs, ka::ND) {
            copy_in(out, p, &ND);
        }
        Ok(())
    }
}

/// The checks `__parse_flow_nlattrs()` makes of each attribute, in its order.
/// The conntrack part of `metadata_from_nlattrs()`, the same for a key and its mask: a
/// mask's `ct_state` must name supported bits too.
fn conntrack(parser: &Parser<'_>, out: &mut FlowKey, attrs: &mut AttrSet) -> Result<(), Rejection> {
    if let Some(p) = parser.take(attrs, ka::CT_STATE) {
        // An exact mask has only the supported bits (upstream's `nlattr_set()`).
        let state = if p.ones { ct_state::SUPPORTED } else { p.u32() };
        if state & !ct_state::SUPPORTED != 0 {
            return Err(reject(c"ct_state flags unsupported", ka::CT_STATE));
        }
        // Only the low byte can be set, as upstream's u8 field.
        out.set_u8(kf::CT_STATE, u8::try_from(state).unwrap_or(0));
    }
    if let Some(p) = parser.take(attrs, ka::CT_ZONE) {
        out.set_u16(kf::CT_ZONE, p.u16());
    }
    if let Some(p) = parser.take(attrs, ka::CT_MARK) {
        out.set_u32(kf::CT_MARK, p.u32());
    }
    for layout in [&CT_LABELS, &CT_TUPLE_IPV4, &CT_TUPLE_IPV6] {
        if let Some(p) = parser.take(attrs, layout.kind) {
            copy_in(out, p, layout);
        }
    }
    Ok(())
}

fn check_attr(kind: u16, len: usize, seen: AttrSet) -> Result<(), Rejection> {
    let Some(rule) = KEY_ATTR_LENS.get(usize::from(kind)) else {
        return Err(reject(c"Key type out of range", kind));
    };
    if matches!(kind, ka::PACKET_TYPE | ka::ND_EXTENSIONS | ka::TUNNEL_INFO) {
        return Err(reject(c"Key type is not supported", kind));
    }
    if has(seen, kind) {
        return Err(reject(c"Duplicate key", kind));
    }
    if matches!(rule, AttrLen::Fixed(n) if *n != len) {
        return Err(reject(c"Key has unexpected len", kind));
    }
    Ok(())
}

/// `IP_TUNNEL_OPTS_MAX`: the room upstream's key has for tunnel options.
const TUNNEL_OPTS_MAX: usize = 255;

/// Payload lengths of the attributes nested in `OVS_KEY_ATTR_TUNNEL`, by type: upstream's
/// `ovs_tunnel_key_lens` (which leaves PAD out: 0).
const TUNNEL_ATTR_LENS: [AttrLen; tk::MAX as usize + 1] = {
    let mut t = [AttrLen::Fixed(0); tk::MAX as usize + 1];
    t[tk::ID as usize] = AttrLen::Fixed(8);
    t[tk::IPV4_SRC as usize] = AttrLen::Fixed(4);
    t[tk::IPV4_DST as usize] = AttrLen::Fixed(4);
    t[tk::TOS as usize] = AttrLen::Fixed(1);
    t[tk::TTL as usize] = AttrLen::Fixed(1);
    t[tk::TP_SRC as usize] = AttrLen::Fixed(2);
    t[tk::TP_DST as usize] = AttrLen::Fixed(2);
    t[tk::GENEVE_OPTS as usize] = AttrLen::Variable;
    t[tk::VXLAN_OPTS as usize] = AttrLen::Nested;
    t[tk::IPV6_SRC as usize] = AttrLen::Fixed(16);
    t[tk::IPV6_DST as usize] = AttrLen::Fixed(16);
    t[tk::ERSPAN_OPTS as usize] = AttrLen::Variable;
    t
};

/// A mask's `OVS_KEY_ATTR_TUNNEL`, with the checks upstream's `ip_tun_from_nlattr()` makes of
/// a mask (all `EINVAL`, as `metadata_from_nlattrs()` returns for any of them).
///
/// ovs-vswitchd's `odp_flow_key_from_mask()` always puts the tunnel nest, and
/// `tun_key_to_attr()` always puts the TTL in it: a megaflow of a packet that came in without
/// tunnel metadata has a nest holding a TTL of 0, which is not all-zero bytes. Upstream
/// takes it and matches `tun_proto` exactly, so the flow matches only packets without tunnel
/// metadata. Our key has no tunnel fields and refuses a key's tunnel, so every packet and
/// every flow of ours is without one: once checked, the nest changes nothing.
fn check_tunnel_mask(p: Payload<'_>) -> Result<(), Rejection> {
    let (mut ipv4, mut ipv6, mut options) = (false, false, false);
    let mut consumed = 0;
    for item in Attrs::new(p.raw) {
        // A malformed attribute ends the walk; its bytes are left over, as upstream's.
        let Ok(a) = item else { break };
        consumed += nla_align(NLA_HDRLEN + a.payload.len());
        let Some(rule) = TUNNEL_ATTR_LENS.get(usize::from(a.kind)) else {
            return Err(reject(c"Tunnel attr out of range", ka::TUNNEL));
        };
        if matches!(rule, AttrLen::Fixed(n) if *n != a.payload.len()) {
            return Err(reject(c"Tunnel attr has unexpected len", ka::TUNNEL));
        }
        match a.kind {
            tk::IPV4_SRC | tk::IPV4_DST | tk::IPV4_INFO_BRIDGE => ipv4 = true,
            tk::IPV6_SRC | tk::IPV6_DST => ipv6 = true,
            tk::GENEVE_OPTS | tk::VXLAN_OPTS | tk::ERSPAN_OPTS => {
                if options {
                    return Err(reject(c"Multiple metadata blocks provided", ka::TUNNEL));
                }
                options = true;
                check_tunnel_options_mask(a.kind, a.payload)?;
            }
            _ => {}
        }
    }
    // Upstream counts bytes left over, not a last attribute's missing padding.
    if consumed < p.len() {
        return Err(reject(c"IP tunnel attribute has unknown bytes", ka::TUNNEL));
    }
    if ipv4 && ipv6 {
        return Err(reject(c"Mixed IPv4 and IPv6 tunnel attributes", ka::TUNNEL));
    }
    Ok(())
}

/// A mask's tunnel options, checked as upstream checks them against a key that has none
/// (a key's tunnel is refused, so its options length is 0).
fn check_tunnel_options_mask(kind: u16, payload: &[u8]) -> Result<(), Rejection> {
    let bad = match kind {
        tk::GENEVE_OPTS if payload.len() > TUNNEL_OPTS_MAX => Some(c"Geneve option length err"),
        tk::GENEVE_OPTS if payload.len() % 4 != 0 => Some(c"Geneve opt len is not a multiple of 4"),
        // A mask's Geneve options must be as long as the key's.
        tk::GENEVE_OPTS if !payload.is_empty() => Some(c"Geneve option len != mask len"),
        tk::VXLAN_OPTS => check_vxlan_options(payload),
        tk::ERSPAN_OPTS if payload.len() > TUNNEL_OPTS_MAX => Some(c"ERSPAN option length err"),
        _ => None,
    };
    match bad {
        Some(msg) => Err(reject(msg, ka::TUNNEL)),
        None => Ok(()),
    }
}

/// `vxlan_tun_opt_from_nlattr()`: only a `u32` GBP may be nested, and nothing may be left.
fn check_vxlan_options(payload: &[u8]) -> Option<&'static CStr> {
    let mut consumed = 0;
    for item in Attrs::new(payload) {
        let Ok(a) = item else { break };
        consumed += nla_align(NLA_HDRLEN + a.payload.len());
        if a.kind > vx::MAX {
            return Some(c"VXLAN extension out of range");
        }
        // UNSPEC's length in upstream's table is 0; it then fails as unknown.
        let len = if a.kind == vx::GBP { 4 } else { 0 };
        if a.payload.len() != len {
            return Some(c"VXLAN extension has unexpected len");
        }
        if a.kind != vx::GBP {
            return Some(c"Unknown VXLAN extension attribute");
        }
    }
    // Here upstream's check is `if (rem)`, but every attribute that passed is aligned.
    if consumed != payload.len() {
        return Some(c"VXLAN extension message has unknown bytes");
    }
    None
}

/// The value checks `ovs_key_from_nlattrs()` makes of a key's (not a mask's) IPv4, IPv6 and
/// ARP attributes.
fn check_network(kind: u16, p: Payload<'_>) -> Result<(), Rejection> {
    let bad = match kind {
        ka::IPV4 if p.byte(11) > frag::LATER => Some(c"IPv4 frag type is out of range"),
        ka::IPV6 if p.byte(39) > frag::LATER => Some(c"IPv6 frag type is out of range"),
        // The label is 20 bits of a be32.
        ka::IPV6 if p.byte(32) != 0 || p.byte(33) & 0xf0 != 0 => {
            Some(c"IPv6 flow label is out of range")
        }
        ka::ARP if p.byte(8) != 0 => Some(c"Unknown ARP opcode"),
        _ => None,
    };
    match bad {
        Some(msg) => Err(reject(msg, kind)),
        None => Ok(()),
    }
}

/// The attributes a key must carry, and those its mask may, given the key's fields:
/// `match_validate()`.
struct Prerequisites {
    expected: AttrSet,
    allowed: AttrSet,
}

/// What a mask may carry only if the key's and mask's fields allow it.
const GATED: AttrSet = bit(ka::IPV4)
    | bit(ka::CT_ORIG_TUPLE_IPV4)
    | bit(ka::IPV6)
    | bit(ka::CT_ORIG_TUPLE_IPV6)
    | bit(ka::TCP)
    | bit(ka::TCP_FLAGS)
    | bit(ka::UDP)
    | bit(ka::SCTP)
    | bit(ka::ICMP)
    | bit(ka::ICMPV6)
    | bit(ka::ARP)
    | bit(ka::ND)
    | bit(ka::MPLS)
    | bit(ka::NSH);

const ALWAYS_ALLOWED_IN_MASK: AttrSet = bit(ka::TUNNEL) | bit(ka::IN_PORT) | bit(ka::ETHERTYPE);

impl Prerequisites {
    /// The key must carry `set`; its mask may if `exact` (which needs a mask).
    fn require(&mut self, set: AttrSet, exact: bool) {
        self.expected |= set;
        if exact {
            self.allowed |= set;
        }
    }

    /// MPLS, NSH and the conntrack tuples are refused while parsing, so only one of their
    /// rules still bites: a key of the MPLS or NSH EtherType lacks the attribute it needs,
    /// and fails as upstream fails it without one.
    fn of(key: &FlowKey, mask: Option<&FlowKey>, key_attrs: AttrSet) -> Self {
        let exact_type = mask.is_some_and(|m| m.be16(kf::ETH_TYPE) == 0xffff);
        let mut p = Self {
            expected: 0,
            allowed: (key_attrs & !GATED) | ALWAYS_ALLOWED_IN_MASK,
        };
        match key.be16(kf::ETH_TYPE) {
            ETH_P_ARP | ETH_P_RARP => p.require(bit(ka::ARP), exact_type),
            ETH_P_MPLS_UC | ETH_P_MPLS_MC => p.require(bit(ka::MPLS), exact_type),
            ETH_P_IP => {
                p.require(bit(ka::IPV4), exact_type);
                if exact_type {
                    p.allowed |= bit(ka::CT_ORIG_TUPLE_IPV4);
                }
                p.transport(key, mask, false);
            }
            ETH_P_IPV6 => {
                p.require(bit(ka::IPV6), exact_type);
                if exact_type {
                    p.allowed |= bit(ka::CT_ORIG_TUPLE_IPV6);
                }
                p.transport(key, mask, true);
            }
            ETH_P_NSH => p.require(bit(ka::NSH), exact_type),
            _ => {}
        }
        p
    }

    fn transport(&mut self, key: &FlowKey, mask: Option<&FlowKey>, v6: bool) {
        if key.u8_at(kf::IP_FRAG) == frag::LATER {
            return;
        }
        let exact_proto = mask.is_some_and(|m| m.u8_at(kf::IP_PROTO) == 0xff);
        let l4 = match key.u8_at(kf::IP_PROTO) {
            IPPROTO_UDP => bit(ka::UDP),
            IPPROTO_SCTP => bit(ka::SCTP),
            IPPROTO_TCP => bit(ka::TCP) | bit(ka::TCP_FLAGS),
            IPPROTO_ICMP if !v6 => bit(ka::ICMP),
            IPPROTO_ICMPV6 if v6 => bit(ka::ICMPV6),
            _ => 0,
        };
        self.require(l4, exact_proto);
        if has(l4, ka::ICMPV6) && is_neighbour_discovery(key) {
            // Upstream compares the be16 type field with htons(0xff).
            let exact_type = mask.is_some_and(|m| m.be16(kf::TP_SRC) == 0x00ff);
            // Upstream's original tuple shares the ND fields' space in its key, so a
            // mask may not have both.
            self.allowed &= !bit(ka::CT_ORIG_TUPLE_IPV6);
            self.require(bit(ka::ND), exact_type);
        }
    }
}

fn validate(
    key: &FlowKey,
    mask: Option<&FlowKey>,
    key_attrs: AttrSet,
    mask_attrs: AttrSet,
) -> Result<(), Rejection> {
    let p = Prerequisites::of(key, mask, key_attrs);
    if let Some(kind) = lowest(p.expected & !key_attrs) {
        return Err(reject(c"Missing key", kind));
    }
    if let Some(kind) = lowest(mask_attrs & !p.allowed) {
        return Err(reject(c"Unexpected mask", kind));
    }
    Ok(())
}

/// Emits `key` as the attributes of an `OVS_FLOW_ATTR_KEY` or `OVS_PACKET_ATTR_KEY` (the
/// caller opens and closes that nest), in upstream's order.
pub fn put_key(key: &FlowKey, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
    Emitter {
        shape: key,
        values: key,
        is_mask: false,
    }
    .put(out)
}

/// Emits `mask` as the attributes of an `OVS_FLOW_ATTR_MASK`, shaped by the flow's (masked)
/// `key`: the key decides which attributes appear, the mask fills them, as upstream.
pub fn put_mask(mask: &FlowKey, key: &FlowKey, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
    Emitter {
        shape: key,
        values: mask,
        is_mask: true,
    }
    .put(out)
}

/// `__ovs_nla_put_key()`: `shape` says which attributes to emit, `values` fills them.
struct Emitter<'k> {
    shape: &'k FlowKey,
    values: &'k FlowKey,
    is_mask: bool,
}

impl Emitter<'_> {
    fn put(&self, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
        for (kind, f) in [
            (ka::RECIRC_ID, kf::RECIRC_ID),
            (ka::DP_HASH, kf::DP_HASH),
            (ka::PRIORITY, kf::PRIORITY),
        ] {
            out.put_u32(kind, self.values.u32_at(f))?;
        }
        self.put_in_port(out)?;
        out.put_u32(ka::SKB_MARK, self.values.u32_at(kf::SKB_MARK))?;
        self.put_conntrack(out)?;
        self.put_layout(out, &ETHERNET)?;
        self.put_tag(out, Tag::Outer)
    }

    /// `ovs_ct_put_key()`: every conntrack field, and the original tuple when the key has
    /// one (its protocol is not 0) of the key's own IP version.
    fn put_conntrack(&self, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
        out.put_u32(ka::CT_STATE, u32::from(self.values.u8_at(kf::CT_STATE)))?;
        out.put(ka::CT_ZONE, &self.values.u16_at(kf::CT_ZONE).to_ne_bytes())?;
        out.put_u32(ka::CT_MARK, self.values.u32_at(kf::CT_MARK))?;
        self.put_layout(out, &CT_LABELS)?;
        if self.shape.u8_at(kf::CT_ORIG_PROTO) == 0 {
            return Ok(());
        }
        match self.shape.be16(kf::ETH_TYPE) {
            ETH_P_IP => self.put_layout(out, &CT_TUPLE_IPV4),
            ETH_P_IPV6 => self.put_layout(out, &CT_TUPLE_IPV6),
            _ => Ok(()),
        }
    }

    /// Upstream's port field is 16 bits; a mask's attribute sets the upper half.
    fn put_in_port(&self, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
        let port = |k: &FlowKey| k.u32_at(kf::IN_PORT) & 0xffff;
        if port(self.shape) == DP_MAX_PORTS {
            if self.is_mask && port(self.values) == 0xffff {
                out.put_u32(ka::IN_PORT, u32::MAX)?;
            }
            return Ok(());
        }
        let upper = if self.is_mask { 0xffff_0000 } else { 0 };
        out.put_u32(ka::IN_PORT, upper | port(self.values))
    }

    fn put_layout(&self, out: &mut AttrWriter<'_>, layout: &Layout) -> Result<(), Errno> {
        let mut buf = [0u8; MAX_PAYLOAD];
        let payload = buf.get_mut(..layout.len).ok_or(Errno::EMSGSIZE)?;
        copy_out(self.values, layout, payload);
        out.put(layout.kind, payload)
    }

    /// A VLAN level, if the key has one (or its EtherType says a tag was cut short): the
    /// tag, then an ENCAP with the rest, empty for a cut-short tag.
    fn put_tag(&self, out: &mut AttrWriter<'_>, tag: Tag) -> Result<(), Errno> {
        let (tpid_field, tci_field) = tag.fields();
        let tagged = self.shape.be16(tci_field) != 0;
        if !tagged && !is_vlan_ethertype(self.shape.be16(kf::ETH_TYPE)) {
            return self.put_untagged(out);
        }
        let tpid = if self.is_mask {
            0xffff
        } else {
            self.values.be16(tpid_field)
        };
        out.put(ka::ETHERTYPE, &tpid.to_be_bytes())?;
        out.put(ka::VLAN, self.values.get(tci_field))?;
        let encap = out.start_nest_noflag(ka::ENCAP)?;
        if tagged {
            match tag {
                Tag::Outer => self.put_tag(out, Tag::Inner)?,
                Tag::Inner => self.put_untagged(out)?,
            }
        }
        out.end_nest(encap)
    }

    fn put_untagged(&self, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
        let eth_type = self.shape.be16(kf::ETH_TYPE);
        if eth_type == ETH_P_802_2 {
            // Implied by the key's missing EtherType; a mask may still match it.
            if self.is_mask && self.values.be16(kf::ETH_TYPE) != 0 {
                out.put(ka::ETHERTYPE, self.values.get(kf::ETH_TYPE))?;
            }
            return Ok(());
        }
        out.put(ka::ETHERTYPE, self.values.get(kf::ETH_TYPE))?;
        if is_vlan_ethertype(eth_type) {
            // A third tag: nothing is known beyond it.
            return Ok(());
        }
        match eth_type {
            ETH_P_IP => self.put_layout(out, &IPV4)?,
            ETH_P_IPV6 => {
                self.put_layout(out, &IPV6)?;
                self.put_layout(out, &IPV6_EXTHDRS)?;
            }
            ETH_P_ARP | ETH_P_RARP => self.put_layout(out, &ARP)?,
            _ => {}
        }
        self.put_transport(out, eth_type)
    }

    fn put_transport(&self, out: &mut AttrWriter<'_>, eth_type: u16) -> Result<(), Errno> {
        let is_ip = eth_type == ETH_P_IP || eth_type == ETH_P_IPV6;
        if !is_ip || self.shape.u8_at(kf::IP_FRAG) == frag::LATER {
            return Ok(());
        }
        match (self.shape.u8_at(kf::IP_PROTO), eth_type) {
            (IPPROTO_TCP, _) => {
                self.put_layout(out, &TCP)?;
                self.put_layout(out, &TCP_FLAGS)
            }
            (IPPROTO_UDP, _) => self.put_layout(out, &UDP),
            (IPPROTO_SCTP, _) => self.put_layout(out, &SCTP),
            (IPPROTO_ICMP, ETH_P_IP) => out.put(ka::ICMP, &self.icmp_type_code()),
            (IPPROTO_ICMPV6, ETH_P_IPV6) => {
                out.put(ka::ICMPV6, &self.icmp_type_code())?;
                if is_neighbour_discovery(self.shape) {
                    self.put_layout(out, &ND)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The low bytes of the be16 port fields, where the key keeps ICMP type and code.
    fn icmp_type_code(&self) -> [u8; 2] {
        [
            self.values.be16(kf::TP_SRC).to_be_bytes()[1],
            self.values.be16(kf::TP_DST).to_be_bytes()[1],
        ]
    }
}
