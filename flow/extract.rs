// SPDX-License-Identifier: GPL-2.0
//! Flow key extraction: parse a frame's headers into a [`FlowKey`].
//!
//! Upstream counterpart: `key_extract()` and its helpers in `net/openvswitch/flow.c`. Same
//! rules: Ethernet with up to two VLAN tags (802.1Q/802.1ad) and LLC/SNAP, ARP, IPv4 with
//! fragments, IPv6 with extension headers and fragments, TCP (with flags), UDP, SCTP, ICMP and
//! ICMPv6 with neighbour discovery. A header that is cut short or malformed leaves its fields
//! zero, as upstream does, and never reads past the frame.
//!
//! Pure: `&[u8]` in, the caller's key out, no allocation (it runs per packet).

use super::key::{field as kf, frag, CtKey, FlowKey, VLAN_TAG_PRESENT};

pub const ETH_P_IP: u16 = 0x0800;
pub const ETH_P_ARP: u16 = 0x0806;
pub const ETH_P_IPV6: u16 = 0x86dd;
pub const ETH_P_8021Q: u16 = 0x8100;
pub const ETH_P_8021AD: u16 = 0x88a8;
/// `ETH_P_802_3_MIN`: ethertypes below this are 802.3 lengths.
pub const ETH_P_802_3_MIN: u16 = 0x0600;
/// `ETH_P_802_2`: what upstream puts in the key for an 802.2 LLC frame without SNAP. Its
/// netlink key has no `OVS_KEY_ATTR_ETHERTYPE`.
pub const ETH_P_802_2: u16 = 0x0004;

pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_SCTP: u8 = 132;
pub const IPPROTO_ICMPV6: u8 = 58;

pub const NEXTHDR_HOP: u8 = 0;
pub const NEXTHDR_ROUTING: u8 = 43;
pub const NEXTHDR_FRAGMENT: u8 = 44;
pub const NEXTHDR_AUTH: u8 = 51;
pub const NEXTHDR_NONE: u8 = 59;
pub const NEXTHDR_DEST: u8 = 60;

pub const NDISC_NEIGHBOUR_SOLICITATION: u8 = 135;
pub const NDISC_NEIGHBOUR_ADVERTISEMENT: u8 = 136;
const ND_OPT_SOURCE_LL_ADDR: u8 = 1;
const ND_OPT_TARGET_LL_ADDR: u8 = 2;

/// `ETH_HLEN`: an Ethernet header without VLAN tags, and the shortest truncation length.
pub const ETH_HLEN: usize = 14;

/// What the datapath knows of a packet besides its bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PacketMeta {
    pub in_port: u32,
    pub priority: u32,
    pub skb_mark: u32,
    pub recirc_id: u32,
    pub dp_hash: u32,
    /// A VLAN tag the NIC or stack already took out of the frame (`skb->vlan_tci`), as
    /// (TPID, TCI) in host order.
    pub vlan_accel: Option<(u16, u16)>,
    /// The conntrack fields the key starts with (upstream's `ovs_ct_fill_key()`, or what
    /// userspace gave with a packet to execute).
    pub ct: CtKey,
}

/// Where the headers are, for actions that rewrite them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Offset of the network header (after Ethernet and VLAN tags).
    pub l3: usize,
    /// Offset of the transport header, if one was reached.
    pub l4: Option<usize>,
    /// An IPv4 or IPv6 header was cut short: the key has zero IP fields (as upstream's
    /// `key_extract()` makes it) and a header rewrite beyond Ethernet must fail.
    pub truncated_l3: bool,
}

/// A bounds-checked view of the frame: every read is `Option`.
#[derive(Clone, Copy)]
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn get(&self, off: usize, len: usize) -> Option<&'a [u8]> {
        self.0.get(off..off.checked_add(len)?)
    }

    fn u8(&self, off: usize) -> Option<u8> {
        self.0.get(off).copied()
    }

    fn be16(&self, off: usize) -> Option<u16> {
        self.get(off, 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }
}

/// Fills `key` from `frame` and `meta`, and says where the headers are.
pub fn extract(frame: &[u8], meta: &PacketMeta, key: &mut FlowKey) -> Layout {
    *key = FlowKey::ZERO;
    key.set_u32(kf::IN_PORT, meta.in_port);
    key.set_u32(kf::PRIORITY, meta.priority);
    key.set_u32(kf::SKB_MARK, meta.skb_mark);
    key.set_u32(kf::RECIRC_ID, meta.recirc_id);
    key.set_u32(kf::DP_HASH, meta.dp_hash);
    key.set_ct(&meta.ct);

    let p = Bytes(frame);
    let mut layout = Layout::default();
    let Some(eth) = p.get(0, ETH_HLEN) else {
        // Shorter than an Ethernet header: upstream keys it on metadata only.
        layout.l3 = frame.len();
        return layout;
    };
    key.set(kf::ETH_DST, &eth[0..6]);
    key.set(kf::ETH_SRC, &eth[6..12]);

    let mut off = 12;
    let (eth_type, l3) = parse_vlans_and_type(p, &mut off, meta, key);
    key.set_be16(kf::ETH_TYPE, eth_type);
    layout.l3 = l3;

    match eth_type {
        ETH_P_IP => parse_ipv4(p, l3, key, &mut layout),
        ETH_P_IPV6 => parse_ipv6(p, l3, key, &mut layout),
        ETH_P_ARP => parse_arp(p, l3, key),
        _ => {}
    }
    layout
}

/// Parses VLAN tags and the ethertype from `*off` (just after the MAC addresses); returns
/// the ethertype and the network header's offset.
fn parse_vlans_and_type(
    p: Bytes<'_>,
    off: &mut usize,
    meta: &PacketMeta,
    key: &mut FlowKey,
) -> (u16, usize) {
    let is_vlan = |tpid: u16| tpid == ETH_P_8021Q || tpid == ETH_P_8021AD;
    let mut slots = [
        (kf::VLAN_TPID, kf::VLAN_TCI),
        (kf::CVLAN_TPID, kf::CVLAN_TCI),
    ]
    .into_iter();
    if let Some((tpid, tci)) = meta.vlan_accel {
        if let Some((tpid_f, tci_f)) = slots.next() {
            key.set_be16(tpid_f, tpid);
            key.set_be16(tci_f, tci | VLAN_TAG_PRESENT);
        }
    }
    // In-frame tags fill the remaining slots; a third tag stays as the ethertype. Like
    // upstream's `parse_vlan_tag()`, a tag counts only with the EtherType after it: a tag
    // cut short stays as the ethertype too.
    for (tpid_f, tci_f) in slots {
        match (p.be16(*off), p.be16(*off + 2), p.be16(*off + 4)) {
            (Some(tpid), Some(tci), Some(_)) if is_vlan(tpid) => {
                key.set_be16(tpid_f, tpid);
                key.set_be16(tci_f, tci | VLAN_TAG_PRESENT);
                *off += 4;
            }
            _ => break,
        }
    }

    let Some(proto) = p.be16(*off) else {
        // Not reached: `ETH_HLEN` and every tag taken leave two bytes for the ethertype.
        return (0, p.0.len());
    };
    *off += 2;
    if proto >= ETH_P_802_3_MIN {
        return (proto, *off);
    }
    // 802.3 length: LLC, perhaps with SNAP (AA AA 03, OUI 00 00 00, then the ethertype).
    match p.get(*off, 8) {
        Some([0xaa, 0xaa, 0x03, 0, 0, 0, hi, lo]) => {
            let t = u16::from_be_bytes([*hi, *lo]);
            if t >= ETH_P_802_3_MIN {
                *off += 8;
                return (t, *off);
            }
            (ETH_P_802_2, *off)
        }
        _ => (ETH_P_802_2, *off),
    }
}

fn parse_ipv4(p: Bytes<'_>, nh: usize, key: &mut FlowKey, layout: &mut Layout) {
    let Some(vihl) = p.u8(nh) else {
        layout.truncated_l3 = true;
        return;
    };
    let ihl = usize::from(vihl & 0x0f) * 4;
    if ihl < 20 {
        // Malformed: upstream keys it as IPv4 with zero IP fields.
        return;
    }
    let Some(ip) = p.get(nh, ihl) else {
        layout.truncated_l3 = true;
        return;
    };
    key.set(kf::IPV4_SRC, &ip[12..16]);
    key.set(kf::IPV4_DST, &ip[16..20]);
    key.set_u8(kf::IP_PROTO, ip[9]);
    key.set_u8(kf::IP_TOS, ip[1]);
    key.set_u8(kf::IP_TTL, ip[8]);
    let frag_field = u16::from_be_bytes([ip[6], ip[7]]);
    let offset = frag_field & 0x1fff;
    let more_fragments = frag_field & 0x2000 != 0;
    if offset != 0 {
        key.set_u8(kf::IP_FRAG, frag::LATER);
        return;
    }
    if more_fragments {
        key.set_u8(kf::IP_FRAG, frag::FIRST);
    }
    let th = nh + ihl;
    layout.l4 = Some(th);
    match ip[9] {
        IPPROTO_ICMP => {
            parse_icmp_type_code(p, th, key);
        }
        proto => parse_ports(p, th, proto, key),
    }
}

/// TCP, UDP and SCTP: ports (and TCP flags). A header cut short leaves them zero.
fn parse_ports(p: Bytes<'_>, th: usize, proto: u8, key: &mut FlowKey) {
    match proto {
        IPPROTO_TCP => {
            // Upstream's tcphdr_ok(): a data offset of at least 5 words, all present.
            let Some(doff) = p.u8(th + 12).map(|b| usize::from(b >> 4) * 4) else {
                return;
            };
            if doff < 20 || p.get(th, doff).is_none() {
                return;
            }
            if let Some(tcp) = p.get(th, 14) {
                key.set(kf::TP_SRC, &tcp[0..2]);
                key.set(kf::TP_DST, &tcp[2..4]);
                let flags = u16::from_be_bytes([tcp[12], tcp[13]]) & 0x0fff;
                key.set_be16(kf::TCP_FLAGS, flags);
            }
        }
        IPPROTO_UDP | IPPROTO_SCTP => {
            let need = if proto == IPPROTO_UDP { 8 } else { 12 };
            if let Some(h) = p.get(th, need) {
                key.set(kf::TP_SRC, &h[0..2]);
                key.set(kf::TP_DST, &h[2..4]);
            }
        }
        _ => {}
    }
}

/// ICMP and ICMPv6: type and code go in the port fields, each as a big-endian u16.
fn parse_icmp_type_code(p: Bytes<'_>, th: usize, key: &mut FlowKey) -> bool {
    match p.get(th, 8) {
        Some(h) => {
            key.set_be16(kf::TP_SRC, u16::from(h[0]));
            key.set_be16(kf::TP_DST, u16::from(h[1]));
            true
        }
        None => false,
    }
}

fn parse_arp(p: Bytes<'_>, nh: usize, key: &mut FlowKey) {
    // Ethernet/IPv4 ARP only (28 bytes), as upstream; anything else keys zeros.
    let Some(arp) = p.get(nh, 28) else {
        return;
    };
    let hrd = u16::from_be_bytes([arp[0], arp[1]]);
    let pro = u16::from_be_bytes([arp[2], arp[3]]);
    if hrd != 1 || pro != ETH_P_IP || arp[4] != 6 || arp[5] != 4 {
        return;
    }
    let op = u16::from_be_bytes([arp[6], arp[7]]);
    // Only the low byte of the opcode fits the key; larger opcodes key as 0.
    key.set_u8(kf::IP_PROTO, u8::try_from(op).unwrap_or(0));
    key.set(kf::ARP_SHA, &arp[8..14]);
    key.set(kf::IPV4_SRC, &arp[14..18]);
    key.set(kf::ARP_THA, &arp[18..24]);
    key.set(kf::IPV4_DST, &arp[24..28]);
}

fn parse_ipv6(p: Bytes<'_>, nh: usize, key: &mut FlowKey, layout: &mut Layout) {
    let Some(ip6) = p.get(nh, 40) else {
        layout.truncated_l3 = true;
        return;
    };
    let first = u32::from_be_bytes([ip6[0], ip6[1], ip6[2], ip6[3]]);
    key.set_u8(kf::IP_TOS, ((first >> 20) & 0xff) as u8);
    key.set(kf::IPV6_LABEL, &(first & 0x000f_ffff).to_be_bytes());
    key.set_u8(kf::IP_TTL, ip6[7]);
    key.set(kf::IPV6_SRC, &ip6[8..24]);
    key.set(kf::IPV6_DST, &ip6[24..40]);
    key.set(
        kf::IPV6_EXTHDRS,
        &ipv6_ext_hdrs(p, nh + 40, ip6[6]).to_ne_bytes(),
    );

    // Walk extension headers. Each one takes at least 8 bytes, so the walk ends within
    // the frame whatever the chain.
    let mut next = ip6[6];
    let mut off = nh + 40;
    loop {
        match next {
            NEXTHDR_HOP | NEXTHDR_ROUTING | NEXTHDR_DEST | NEXTHDR_AUTH => {
                let (Some(nexthdr), Some(len)) = (p.u8(off), p.u8(off + 1)) else {
                    // An extension header cut short: upstream zeroes the IP fields.
                    malformed_ipv6(key);
                    return;
                };
                let hdr_len = if next == NEXTHDR_AUTH {
                    (usize::from(len) + 2) * 4
                } else {
                    (usize::from(len) + 1) * 8
                };
                next = nexthdr;
                off += hdr_len;
            }
            NEXTHDR_FRAGMENT => {
                let Some(fh) = p.get(off, 8) else {
                    malformed_ipv6(key);
                    return;
                };
                let frag_off = u16::from_be_bytes([fh[2], fh[3]]) & 0xfff8;
                if frag_off != 0 {
                    // Upstream's `ipv6_skip_exthdr()` stops at a later fragment's header,
                    // so the key's protocol is the fragment header itself.
                    key.set_u8(kf::IP_PROTO, NEXTHDR_FRAGMENT);
                    key.set_u8(kf::IP_FRAG, frag::LATER);
                    return;
                }
                next = fh[0];
                off += 8;
                key.set_u8(kf::IP_FRAG, frag::FIRST);
            }
            _ => break,
        }
    }
    key.set_u8(kf::IP_PROTO, next);
    layout.l4 = Some(off);
    match next {
        IPPROTO_ICMPV6 => {
            if parse_icmp_type_code(p, off, key) {
                parse_nd(p, off, key);
            }
        }
        proto => parse_ports(p, off, proto, key),
    }
}

/// `OFPIEH12_*`: the bits of `OVS_KEY_ATTR_IPV6_EXTHDRS`.
pub mod ipv6_exthdr {
    pub const NONEXT: u16 = 1 << 0;
    pub const ESP: u16 = 1 << 1;
    pub const AUTH: u16 = 1 << 2;
    pub const DEST: u16 = 1 << 3;
    pub const FRAG: u16 = 1 << 4;
    pub const ROUTER: u16 = 1 << 5;
    pub const HOP: u16 = 1 << 6;
    pub const UNREP: u16 = 1 << 7;
    pub const UNSEQ: u16 = 1 << 8;
}

/// Upstream's `get_ipv6_ext_hdrs()`: which extension headers the chain starting at `off`
/// (after the fixed header, whose next header is `next`) holds, and whether one repeats
/// (`UNREP`) or comes out of RFC 2460's recommended order (`UNSEQ`).
///
/// This walk is its own, as upstream's is: every header's length is read as
/// `ipv6_optlen()`'s `(len + 1) * 8` (an AH header's real length is `(len + 2) * 4`, so a
/// chain after one can read differently from the key's protocol walk), it goes on past a
/// later fragment's header, and it stops quietly where the frame ends. Matching upstream
/// here keeps megaflows identical; ESP is not an extension header to `ipv6_ext_hdr()`, so
/// the walk ends there without setting its bit, as upstream's does.
fn ipv6_ext_hdrs(p: Bytes<'_>, mut off: usize, mut next: u8) -> u16 {
    use ipv6_exthdr::*;
    let mut hdrs = 0u16;
    let mut dest_count = 0;
    loop {
        // The bits that may come before this header in the recommended order.
        let allowed_before = match next {
            NEXTHDR_NONE => return hdrs | NONEXT,
            NEXTHDR_AUTH => HOP | DEST | ROUTER | FRAG,
            NEXTHDR_DEST if dest_count == 0 => HOP,
            NEXTHDR_DEST => HOP | DEST | ROUTER | FRAG | AUTH | ESP,
            NEXTHDR_FRAGMENT => HOP | DEST | ROUTER,
            NEXTHDR_ROUTING => HOP | DEST,
            NEXTHDR_HOP => 0,
            _ => return hdrs,
        };
        let bit = match next {
            NEXTHDR_AUTH => AUTH,
            NEXTHDR_DEST => DEST,
            NEXTHDR_FRAGMENT => FRAG,
            NEXTHDR_ROUTING => ROUTER,
            _ => HOP,
        };
        if next == NEXTHDR_DEST {
            // Two destination options headers are expected (before routing and before the
            // upper layer); a third is a repeat.
            if dest_count >= 2 {
                hdrs |= UNREP;
            } else if hdrs & !(allowed_before | UNREP) != 0 {
                hdrs |= UNSEQ;
            }
            if dest_count == 0 {
                hdrs |= DEST;
            }
            dest_count += 1;
        } else if next == NEXTHDR_HOP {
            if hdrs & HOP != 0 {
                hdrs |= UNREP;
            }
            // Only as the first extension header.
            hdrs |= if hdrs == 0 { HOP } else { UNSEQ };
        } else {
            if hdrs & bit != 0 {
                hdrs |= UNREP;
            }
            if hdrs & !(allowed_before | UNREP) != 0 || dest_count >= 2 {
                hdrs |= UNSEQ;
            }
            hdrs |= bit;
        }
        let (Some(nexthdr), Some(len)) = (p.u8(off), p.u8(off + 1)) else {
            return hdrs;
        };
        next = nexthdr;
        off += (usize::from(len) + 1) * 8;
    }
}

/// Zeroes what an unparseable IPv6 extension chain leaves undefined, like upstream's
/// `-EINVAL` path: the IP fields and addresses (`key->ip`, `key->ipv6.addr`). The flow
/// label and the extension header bits stay, as there.
fn malformed_ipv6(key: &mut FlowKey) {
    key.clear_range(kf::IP_PROTO, kf::IP_FRAG);
    key.clear_range(kf::IPV6_SRC, kf::IPV6_DST);
}

/// Neighbour solicitation/advertisement: target, and the source or target link-layer
/// address option. Malformed options clear all three, as upstream.
fn parse_nd(p: Bytes<'_>, th: usize, key: &mut FlowKey) {
    let (Some(icmp_type), Some(code)) = (p.u8(th), p.u8(th + 1)) else {
        return;
    };
    if code != 0
        || (icmp_type != NDISC_NEIGHBOUR_SOLICITATION && icmp_type != NDISC_NEIGHBOUR_ADVERTISEMENT)
    {
        return;
    }
    let Some(target) = p.get(th + 8, 16) else {
        return;
    };
    key.set(kf::ND_TARGET, target);
    let mut off = th + 24;
    let end = p.0.len();
    while off + 8 <= end {
        let (Some(opt_type), Some(opt_len)) = (p.u8(off), p.u8(off + 1)) else {
            break;
        };
        let len = usize::from(opt_len) * 8;
        if len == 0 || off + len > end {
            return clear_nd(key);
        }
        // A link-layer address option for Ethernet is exactly 8 bytes.
        let lladdr = p.get(off + 2, 6).filter(|_| len == 8);
        match (opt_type, lladdr) {
            (ND_OPT_SOURCE_LL_ADDR, Some(mac)) if icmp_type == NDISC_NEIGHBOUR_SOLICITATION => {
                if key.get(kf::ND_SLL) != [0; 6] {
                    return clear_nd(key);
                }
                key.set(kf::ND_SLL, mac);
            }
            (ND_OPT_TARGET_LL_ADDR, Some(mac)) if icmp_type == NDISC_NEIGHBOUR_ADVERTISEMENT => {
                if key.get(kf::ND_TLL) != [0; 6] {
                    return clear_nd(key);
                }
                key.set(kf::ND_TLL, mac);
            }
            _ => {}
        }
        off += len;
    }
}

fn clear_nd(key: &mut FlowKey) {
    key.clear_range(kf::ND_TARGET, kf::ND_TLL);
}
