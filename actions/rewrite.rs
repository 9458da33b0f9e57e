// SPDX-License-Identifier: GPL-2.0
//! Packet rewriting for set actions: writes a [`SetKey`] into a linear frame, keeping the
//! packet's checksums, the checksum state and the flow key right.
//!
//! Upstream counterpart: `execute_masked_set_action()` and its helpers in
//! `net/openvswitch/actions.c` (`set_eth_addr`, `set_ipv4`, `set_ip_addr`,
//! `update_ip_l4_checksum`, `set_ip_ttl`, `set_ipv6`, `set_ipv6_addr`,
//! `update_ipv6_checksum`, `set_ipv6_dsfield`, `set_ipv6_fl`, `set_ipv6_ttl`, `set_tcp`,
//! `set_udp`, `set_tp_port`, `OVS_MASKED`), with `inet_proto_csum_replace4/16()`
//! (`net/core/utils.c`) and `skb_postpull_rcsum()`/`skb_postpush_rcsum()`.
//!
//! The frame starts at the Ethernet header and holds the whole packet (the datapath keeps
//! `skb->data` at the MAC header, so `skb->csum` covers exactly these bytes). [`Csum`]
//! stands for `skb->ip_summed` and `skb->csum`: every function updates the checksum fields
//! in the packet and [`Csum::complete`] as upstream does, so that afterwards
//! - the IPv4 header checksum is incrementally updated (it never needs recomputing);
//! - a TCP, UDP or ICMPv6 checksum is incrementally updated, pseudo-header included, except
//!   that a zero UDP checksum (none) stays zero when not `CHECKSUM_PARTIAL`, and a UDP
//!   checksum that would become zero is stored as `CSUM_MANGLED_0`;
//! - under [`CsumMode::Partial`] the L4 field holds the folded pseudo-header sum, which
//!   follows address changes and ignores port changes;
//! - under [`CsumMode::Complete`], `complete` folds to the sum of the frame's bytes.
//!
//! Departures from upstream, each where upstream leaves something wrong:
//! - under `CHECKSUM_COMPLETE`, upstream leaves `skb->csum` stale when it changes bytes
//!   without a compensating checksum change (a UDP port set on a datagram with a zero
//!   checksum; an IPv6 address set when no L4 checksum is updated: a later fragment, a
//!   protocol without a pseudo-header checksum, a zero UDP checksum, a transport header cut
//!   short, or a destination set under a routing header with segments left). Here
//!   `complete` follows those bytes too, so the stack does not later see a checksum fault.
//!   IPv6 traffic class and hop limit changes are likewise accounted by position, where
//!   upstream's shifted constants are right only on little-endian machines;
//! - a TCP or UDP set with no transport header (a later fragment) writes nothing, where
//!   upstream would overwrite the fragment's payload at the transport offset;
//! - an IPv6 flow label mask is limited to the label's 20 bits (the validator already
//!   rejects more).
//!
//! A frame too short for the header a set writes is an error (upstream's
//! `skb_ensure_writable()` failing), which the caller turns into a drop. Nothing here reads
//! or writes outside the frame, and nothing allocates: it runs per packet, in softirq.
//!
//! Pure, shared with the host crate.

use super::action::{EthernetKey, Ipv4Key, Ipv6Key, Masked, PortsKey, SetKey};
use super::csum;
use crate::abi::errno::Errno;
use crate::flow::extract::{ETH_HLEN, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP};
use crate::flow::extract::{
    NEXTHDR_AUTH, NEXTHDR_DEST, NEXTHDR_FRAGMENT, NEXTHDR_HOP, NEXTHDR_NONE, NEXTHDR_ROUTING,
};
use crate::flow::key::{field as kf, FlowKey};

/// `CSUM_MANGLED_0`: what a UDP checksum that computes to zero is sent as.
pub const CSUM_MANGLED_0: u16 = 0xffff;

/// `sizeof(struct iphdr)`, `sizeof(struct ipv6hdr)`, `sizeof(struct tcphdr)`,
/// `sizeof(struct udphdr)`, `sizeof(struct icmp6hdr)`.
pub const IPV4_HLEN: usize = 20;
pub const IPV6_HLEN: usize = 40;
pub const TCP_HLEN: usize = 20;
pub const UDP_HLEN: usize = 8;
pub const ICMPV6_HLEN: usize = 8;

/// `IP_OFFSET`: the fragment offset bits of the IPv4 `frag_off` field.
const IP_OFFSET: u16 = 0x1fff;
/// `IPV6_FLOWINFO_FLOWLABEL`, host order.
const IPV6_FLOWLABEL: u32 = 0x000f_ffff;

/// `skb->ip_summed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsumMode {
    /// `CHECKSUM_NONE` (0): nothing is known; the checksums in the packet are all there is.
    None,
    /// `CHECKSUM_UNNECESSARY` (1): the device verified them; kept right all the same.
    Unnecessary,
    /// `CHECKSUM_PARTIAL` (3): the L4 checksum is to be computed on transmit; its field
    /// holds the folded pseudo-header sum.
    Partial,
    /// `CHECKSUM_COMPLETE` (2): [`Csum::complete`] is the sum of the frame's bytes.
    Complete,
}

impl CsumMode {
    /// From `skb->ip_summed` (a two-bit field: only the low two bits count).
    pub fn from_ip_summed(v: u8) -> Self {
        match v & 3 {
            0 => Self::None,
            1 => Self::Unnecessary,
            2 => Self::Complete,
            _ => Self::Partial,
        }
    }

    /// The `skb->ip_summed` value.
    pub fn as_ip_summed(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Unnecessary => 1,
            Self::Complete => 2,
            Self::Partial => 3,
        }
    }
}

/// A packet's checksum state: `skb->ip_summed` and `skb->csum`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Csum {
    pub mode: CsumMode,
    /// `skb->csum` (a `__wsum`, see [`csum`](super::csum)): meaningful only for
    /// [`CsumMode::Complete`], left alone otherwise.
    pub complete: u32,
}

impl Csum {
    pub fn new(mode: CsumMode, complete: u32) -> Self {
        Self { mode, complete }
    }

    fn is_partial(&self) -> bool {
        self.mode == CsumMode::Partial
    }

    /// Accounts for bytes at `offset` in the frame changing from `old` to `new`.
    fn complete_replace(&mut self, offset: usize, old: &[u8], new: &[u8]) {
        if self.mode == CsumMode::Complete {
            let c = csum::csum_block_sub(self.complete, csum::partial(old, 0), offset);
            self.complete = csum::csum_block_add(c, csum::partial(new, 0), offset);
        }
    }
}

/// Why a set could not be applied; the packet is to be dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RewriteError {
    /// The frame ends before the end of the header the set writes (upstream's
    /// `skb_ensure_writable()` failing).
    TooShort,
    /// A set of a conntrack field, which upstream accepts at install and fails on every
    /// packet (`execute_masked_set_action()`'s `-EINVAL`).
    ConntrackField,
}

impl RewriteError {
    /// The errno upstream returns: `skb_ensure_writable()`'s `-ENOMEM`, or `-EINVAL`.
    pub fn errno(self) -> Errno {
        match self {
            Self::TooShort => Errno::ENOMEM,
            Self::ConntrackField => Errno::EINVAL,
        }
    }
}

/// What the caller must do to the skb besides the bytes, checksum state and flow key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// `skb_clear_hash()`.
    pub clear_hash: bool,
    /// `ovs_ct_clear()`: drop the packet's conntrack reference.
    pub ct_clear: bool,
}

/// The result of [`apply_set`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Packet bytes were (possibly) rewritten.
    Packet(Effects),
    /// The new `skb->priority` (already put in the flow key).
    Priority(u32),
    /// The new `skb->mark` (already put in the flow key).
    SkbMark(u32),
}

/// The skb metadata a set action may write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkbMeta {
    /// `skb->priority`.
    pub priority: u32,
    /// `skb->mark`.
    pub mark: u32,
}

/// `OVS_MASKED()`: `old` with the bits of `mask` replaced by `value`'s.
pub fn masked_u32(old: u32, m: &Masked<u32>) -> u32 {
    (old & !m.mask) | (m.value & m.mask)
}

fn masked_u8(old: u8, value: u8, mask: u8) -> u8 {
    (old & !mask) | (value & mask)
}

fn masked_bytes<const N: usize>(old: [u8; N], value: [u8; N], mask: [u8; N]) -> [u8; N] {
    let mut out = old;
    for ((o, v), m) in out.iter_mut().zip(value).zip(mask) {
        *o = masked_u8(*o, v, m);
    }
    out
}

/// `N` bytes of the frame at `at`.
fn get<const N: usize>(frame: &[u8], at: usize) -> Result<[u8; N], RewriteError> {
    let end = at.checked_add(N).ok_or(RewriteError::TooShort)?;
    let s = frame.get(at..end).ok_or(RewriteError::TooShort)?;
    <[u8; N]>::try_from(s).map_err(|_| RewriteError::TooShort)
}

/// Writes `v` into the frame at `at`.
fn put<const N: usize>(frame: &mut [u8], at: usize, v: [u8; N]) -> Result<(), RewriteError> {
    let end = at.checked_add(N).ok_or(RewriteError::TooShort)?;
    frame
        .get_mut(at..end)
        .ok_or(RewriteError::TooShort)?
        .copy_from_slice(&v);
    Ok(())
}

fn get_u8(frame: &[u8], at: usize) -> Result<u8, RewriteError> {
    frame.get(at).copied().ok_or(RewriteError::TooShort)
}

fn put_u8(frame: &mut [u8], at: usize, v: u8) -> Result<(), RewriteError> {
    *frame.get_mut(at).ok_or(RewriteError::TooShort)? = v;
    Ok(())
}

/// `skb_ensure_writable(skb, end)`: the frame holds at least `start + len` bytes.
fn ensure(frame: &[u8], start: usize, len: usize) -> Result<(), RewriteError> {
    match start.checked_add(len) {
        Some(end) if end <= frame.len() => Ok(()),
        _ => Err(RewriteError::TooShort),
    }
}

/// The bytes from `l4` to the end of the frame (`skb->len - skb_transport_offset(skb)`).
fn transport_len(frame: &[u8], l4: usize) -> usize {
    frame.len().saturating_sub(l4)
}

/// `inet_proto_csum_replace4()` (and `inet_proto_csum_replace2()` with zero-extended
/// ports) on the checksum field at `at`.
pub fn inet_proto_csum_replace4(
    frame: &mut [u8],
    at: usize,
    csum: &mut Csum,
    from: u32,
    to: u32,
    pseudohdr: bool,
) -> Result<(), RewriteError> {
    let sum = csum::ne16(get(frame, at)?);
    let new = if !csum.is_partial() {
        if csum.mode == CsumMode::Complete && pseudohdr {
            csum.complete = !csum::csum_add(csum::csum_sub(!csum.complete, from), to);
        }
        csum::replace4(sum, from, to)
    } else if pseudohdr {
        !csum::csum_fold(csum::csum_add(
            csum::csum_sub(csum::csum_unfold(sum), from),
            to,
        ))
    } else {
        sum
    };
    put(frame, at, new.to_ne_bytes())
}

/// `inet_proto_csum_replace16()` on the checksum field at `at`, always for a checksum with a
/// pseudo-header. It leaves `complete` alone: the address and the checksum field change by
/// opposite amounts.
pub fn inet_proto_csum_replace16(
    frame: &mut [u8],
    at: usize,
    csum: &Csum,
    from: &[u8; 16],
    to: &[u8; 16],
) -> Result<(), RewriteError> {
    let sum = csum::ne16(get(frame, at)?);
    let new = if !csum.is_partial() {
        csum::replace16(sum, from, to)
    } else {
        !csum::csum_fold(csum::diff16(from, to, csum::csum_unfold(sum)))
    };
    put(frame, at, new.to_ne_bytes())
}

/// Zero UDP checksum: `CSUM_MANGLED_0` in its place at `at`.
fn mangle_zero(frame: &mut [u8], at: usize) -> Result<(), RewriteError> {
    if get::<2>(frame, at)? == [0, 0] {
        put(frame, at, CSUM_MANGLED_0.to_ne_bytes())?;
    }
    Ok(())
}

/// `set_eth_addr()`: writes the masked source and destination MAC addresses.
///
/// Errors if the frame is shorter than an Ethernet header. `complete` follows the 12 bytes
/// (`skb_postpull_rcsum()`/`skb_postpush_rcsum()`); the flow key gets both addresses.
pub fn set_ethernet(
    frame: &mut [u8],
    key: &Masked<EthernetKey>,
    flow: &mut FlowKey,
    csum: &mut Csum,
) -> Result<Effects, RewriteError> {
    ensure(frame, 0, ETH_HLEN)?;
    let old: [u8; 12] = get(frame, 0)?;
    let old_dst: [u8; 6] = get(frame, 0)?;
    let old_src: [u8; 6] = get(frame, 6)?;
    let dst = masked_bytes(old_dst, key.value.dst, key.mask.dst);
    let src = masked_bytes(old_src, key.value.src, key.mask.src);
    put(frame, 0, dst)?;
    put(frame, 6, src)?;
    if csum.mode == CsumMode::Complete {
        let new: [u8; 12] = get(frame, 0)?;
        // skb_postpull_rcsum(), then skb_postpush_rcsum() at offset 0.
        let c = !csum::partial(&old, !csum.complete);
        csum.complete = csum::csum_block_add(c, csum::partial(&new, 0), 0);
    }
    flow.set(kf::ETH_SRC, &src);
    flow.set(kf::ETH_DST, &dst);
    Ok(Effects::default())
}

/// `update_ip_l4_checksum()`: the L4 checksum's share of an IPv4 address change.
fn update_ip_l4_checksum(
    frame: &mut [u8],
    l3: usize,
    l4: Option<usize>,
    from: [u8; 4],
    to: [u8; 4],
    csum: &mut Csum,
) -> Result<(), RewriteError> {
    let frag_off = u16::from_be_bytes(get(frame, l3 + 6)?);
    let proto = get_u8(frame, l3 + 9)?;
    let Some(l4) = l4 else {
        return Ok(());
    };
    if frag_off & IP_OFFSET != 0 {
        return Ok(());
    }
    let (from, to) = (csum::ne32(from), csum::ne32(to));
    let tlen = transport_len(frame, l4);
    match proto {
        IPPROTO_TCP if tlen >= TCP_HLEN => {
            inet_proto_csum_replace4(frame, l4 + 16, csum, from, to, true)?;
        }
        IPPROTO_UDP if tlen >= UDP_HLEN => {
            let at = l4 + 6;
            if get::<2>(frame, at)? != [0, 0] || csum.is_partial() {
                inet_proto_csum_replace4(frame, at, csum, from, to, true)?;
                mangle_zero(frame, at)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `ipv4_change_dsfield()`'s update of the header checksum (host order) for the TOS byte
/// changing from `old` to `new`.
fn dsfield_check(check: u16, old: u8, new: u8) -> u16 {
    let mut c = u32::from(check) + u32::from(old);
    if (c + 1) >> 16 != 0 {
        c = (c + 1) & 0xffff;
    }
    c = c.wrapping_sub(u32::from(new));
    c = c.wrapping_add(c >> 16);
    (c & 0xffff) as u16
}

/// `set_ipv4()`: writes the masked source and destination addresses, TOS and TTL of the
/// IPv4 header at `l3`.
///
/// `l4` is the transport header found by flow extraction (`None` for a later fragment):
/// an address change updates the TCP or UDP checksum there (the pseudo-header), unless the
/// packet is a later fragment or the transport header is cut short (as upstream, no error
/// then). The header checksum is updated incrementally, which leaves `complete` right
/// except for the L4 checksum's change, which `inet_proto_csum_replace4()` accounts for.
/// Errors if the frame ends within the 20-byte header. The flow key gets what changed.
pub fn set_ipv4(
    frame: &mut [u8],
    l3: usize,
    l4: Option<usize>,
    key: &Masked<Ipv4Key>,
    flow: &mut FlowKey,
    csum: &mut Csum,
) -> Result<Effects, RewriteError> {
    ensure(frame, l3, IPV4_HLEN)?;
    let mut fx = Effects::default();
    let check_at = l3 + 10;
    let addrs = [
        (l3 + 12, key.value.src, key.mask.src, kf::IPV4_SRC),
        (l3 + 16, key.value.dst, key.mask.dst, kf::IPV4_DST),
    ];
    for (at, value, mask, field) in addrs {
        if mask == [0; 4] {
            continue;
        }
        let old: [u8; 4] = get(frame, at)?;
        let new = masked_bytes(old, value, mask);
        if new == old {
            continue;
        }
        // set_ip_addr()
        update_ip_l4_checksum(frame, l3, l4, old, new, csum)?;
        let check = csum::ne16(get(frame, check_at)?);
        let check = csum::replace4(check, csum::ne32(old), csum::ne32(new));
        put(frame, check_at, check.to_ne_bytes())?;
        put(frame, at, new)?;
        flow.set(field, &new);
        fx.clear_hash = true;
        fx.ct_clear = true;
    }
    if key.mask.tos != 0 {
        let old = get_u8(frame, l3 + 1)?;
        let new = masked_u8(old, key.value.tos, key.mask.tos);
        let check = u16::from_be_bytes(get(frame, check_at)?);
        put(
            frame,
            check_at,
            dsfield_check(check, old, new).to_be_bytes(),
        )?;
        put_u8(frame, l3 + 1, new)?;
        flow.set_u8(kf::IP_TOS, new);
    }
    if key.mask.ttl != 0 {
        // set_ip_ttl()
        let old = get_u8(frame, l3 + 8)?;
        let new = masked_u8(old, key.value.ttl, key.mask.ttl);
        let check = csum::ne16(get(frame, check_at)?);
        let check = csum::replace2(check, csum::ne16([old, 0]), csum::ne16([new, 0]));
        put(frame, check_at, check.to_ne_bytes())?;
        put_u8(frame, l3 + 8, new)?;
        flow.set_u8(kf::IP_TTL, new);
    }
    Ok(fx)
}

/// What walking an IPv6 extension header chain finds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ipv6Chain {
    /// The upper-layer header's offset and protocol, as flow extraction keys them; `None`
    /// for a later fragment or a malformed chain (no L4 checksum to update).
    pub l4: Option<(usize, u8)>,
    /// A routing header with segments left precedes it (upstream's
    /// `ipv6_find_hdr(NEXTHDR_ROUTING, IP6_FH_F_SKIP_RH)` finds one): the pseudo-header then
    /// holds the final destination, not the header's.
    pub routing: bool,
}

fn ipv6_ext_hdr(next: u8) -> bool {
    matches!(
        next,
        NEXTHDR_HOP
            | NEXTHDR_ROUTING
            | NEXTHDR_FRAGMENT
            | NEXTHDR_AUTH
            | NEXTHDR_NONE
            | NEXTHDR_DEST
    )
}

/// Walks the extension headers after the IPv6 header at `l3`, with `ipv6_find_hdr()`'s
/// rules. Bounded: each step advances by at least 8 bytes within the frame.
pub fn ipv6_chain(frame: &[u8], l3: usize) -> Ipv6Chain {
    let mut chain = Ipv6Chain::default();
    let Ok(mut next) = get_u8(frame, l3.saturating_add(6)) else {
        return chain;
    };
    let mut start = l3.saturating_add(IPV6_HLEN);
    loop {
        if !ipv6_ext_hdr(next) || next == NEXTHDR_NONE {
            chain.l4 = Some((start, next));
            return chain;
        }
        let Ok([hp_next, hp_len]) = get::<2>(frame, start) else {
            return chain;
        };
        if next == NEXTHDR_ROUTING {
            let Ok(segments_left) = get_u8(frame, start.saturating_add(3)) else {
                return chain;
            };
            if segments_left != 0 {
                chain.routing = true;
            }
        }
        let hdrlen = match next {
            NEXTHDR_FRAGMENT => {
                let Ok(fo) = get::<2>(frame, start.saturating_add(2)) else {
                    return chain;
                };
                if u16::from_be_bytes(fo) & !7 != 0 {
                    // A later fragment: the key's protocol is NEXTHDR_FRAGMENT.
                    return chain;
                }
                8
            }
            NEXTHDR_AUTH => (usize::from(hp_len) + 2) * 4,
            _ => (usize::from(hp_len) + 1) * 8,
        };
        if frame.len().saturating_sub(start) < hdrlen {
            return chain;
        }
        next = hp_next;
        start += hdrlen;
    }
}

/// `update_ipv6_checksum()`: the L4 checksum's share of an IPv6 address change. Says
/// whether a checksum was updated (and so compensates the address in the frame's sum).
fn update_ipv6_checksum(
    frame: &mut [u8],
    l4: Option<(usize, u8)>,
    from: &[u8; 16],
    to: &[u8; 16],
    csum: &Csum,
) -> Result<bool, RewriteError> {
    let Some((l4, proto)) = l4 else {
        return Ok(false);
    };
    let tlen = transport_len(frame, l4);
    match proto {
        IPPROTO_TCP if tlen >= TCP_HLEN => {
            inet_proto_csum_replace16(frame, l4 + 16, csum, from, to)?;
        }
        IPPROTO_UDP if tlen >= UDP_HLEN => {
            let at = l4 + 6;
            if get::<2>(frame, at)? == [0, 0] && !csum.is_partial() {
                return Ok(false);
            }
            inet_proto_csum_replace16(frame, at, csum, from, to)?;
            mangle_zero(frame, at)?;
        }
        IPPROTO_ICMPV6 if tlen >= ICMPV6_HLEN => {
            inet_proto_csum_replace16(frame, l4 + 2, csum, from, to)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `set_ipv6()`: writes the masked source and destination addresses, traffic class, flow
/// label and hop limit of the IPv6 header at `l3`.
///
/// The L4 header is found by walking the extension headers ([`ipv6_chain`]) and is used
/// only if it is where flow extraction put it (`l4`). An address change updates its TCP,
/// UDP or ICMPv6 checksum (not for a later fragment, a cut-short header or, for the
/// destination, under a routing header with segments left, as upstream). `complete`
/// follows every changed byte. Errors if the frame ends within the 40-byte header. The
/// flow key gets what changed.
pub fn set_ipv6(
    frame: &mut [u8],
    l3: usize,
    l4: Option<usize>,
    key: &Masked<Ipv6Key>,
    flow: &mut FlowKey,
    csum: &mut Csum,
) -> Result<Effects, RewriteError> {
    ensure(frame, l3, IPV6_HLEN)?;
    let mut fx = Effects::default();
    let chain = ipv6_chain(frame, l3);
    let chain_l4 = chain.l4.filter(|&(off, _)| Some(off) == l4);
    let addrs = [
        (l3 + 8, key.value.src, key.mask.src, kf::IPV6_SRC, true),
        (
            l3 + 24,
            key.value.dst,
            key.mask.dst,
            kf::IPV6_DST,
            !chain.routing,
        ),
    ];
    for (at, value, mask, field, recalc) in addrs {
        if mask == [0; 16] {
            continue;
        }
        let old: [u8; 16] = get(frame, at)?;
        let new = masked_bytes(old, value, mask);
        if new == old {
            continue;
        }
        // set_ipv6_addr()
        let compensated = recalc && update_ipv6_checksum(frame, chain_l4, &old, &new, csum)?;
        if !compensated {
            csum.complete_replace(at, &old, &new);
        }
        put(frame, at, new)?;
        flow.set(field, &new);
        fx.clear_hash = true;
        fx.ct_clear = true;
    }

    let old_head: [u8; 8] = get(frame, l3)?;
    if key.mask.tclass != 0 {
        // set_ipv6_dsfield()
        let word = u16::from_be_bytes(get(frame, l3)?);
        let old = ((word >> 4) & 0xff) as u8;
        let new = masked_u8(old, key.value.tclass, key.mask.tclass);
        let word = (word & 0xf00f) | (u16::from(new) << 4);
        put(frame, l3, word.to_be_bytes())?;
        flow.set_u8(kf::IP_TOS, new);
    }
    let label_mask = u32::from_be_bytes(key.mask.label);
    if label_mask != 0 {
        // set_ipv6_fl(): bits above the label's 20 are never written.
        let mask = label_mask & IPV6_FLOWLABEL;
        let value = u32::from_be_bytes(key.value.label) & mask;
        let [b0, b1, b2, b3] = get::<4>(frame, l3)?;
        let old = u32::from_be_bytes([0, b1, b2, b3]);
        let [_, n1, n2, n3] = ((old & !mask) | value).to_be_bytes();
        put(frame, l3, [b0, n1, n2, n3])?;
        let label = u32::from_be_bytes([b0, n1, n2, n3]) & IPV6_FLOWLABEL;
        flow.set(kf::IPV6_LABEL, &label.to_be_bytes());
    }
    if key.mask.hlimit != 0 {
        // set_ipv6_ttl()
        let old = get_u8(frame, l3 + 7)?;
        let new = masked_u8(old, key.value.hlimit, key.mask.hlimit);
        put_u8(frame, l3 + 7, new)?;
        flow.set_u8(kf::IP_TTL, new);
    }
    let new_head: [u8; 8] = get(frame, l3)?;
    csum.complete_replace(l3, &old_head, &new_head);
    Ok(fx)
}

/// `set_tcp()`: writes the masked ports of the TCP header at `l4`, updating its checksum
/// (`set_tp_port()`: ports are not in the pseudo-header, so neither `CHECKSUM_PARTIAL`'s
/// field nor `complete` changes).
///
/// Errors if the frame ends within the 20-byte header at `l4`. With no transport header
/// (`None`: a later fragment) nothing is written, where upstream would overwrite the
/// fragment's payload at the transport offset. The flow key gets the ports that changed.
pub fn set_tcp(
    frame: &mut [u8],
    l4: Option<usize>,
    key: &Masked<PortsKey>,
    flow: &mut FlowKey,
    csum: &mut Csum,
) -> Result<Effects, RewriteError> {
    let Some(l4) = l4 else {
        return Ok(Effects::default());
    };
    ensure(frame, l4, TCP_HLEN)?;
    let mut fx = Effects {
        clear_hash: true,
        ct_clear: false,
    };
    let ports = [
        (l4, key.value.src, key.mask.src, kf::TP_SRC),
        (l4 + 2, key.value.dst, key.mask.dst, kf::TP_DST),
    ];
    for (at, value, mask, field) in ports {
        let old: [u8; 2] = get(frame, at)?;
        let new = masked_bytes(old, value, mask);
        if new != old {
            // set_tp_port()
            let (from, to) = (csum::ne16(old), csum::ne16(new));
            inet_proto_csum_replace4(frame, l4 + 16, csum, from.into(), to.into(), false)?;
            put(frame, at, new)?;
            flow.set(field, &new);
            fx.ct_clear = true;
        }
    }
    Ok(fx)
}

/// `set_udp()`: writes the masked ports of the UDP header at `l4`. A non-zero checksum
/// (not `CHECKSUM_PARTIAL`) is updated and never left zero (`CSUM_MANGLED_0`); a zero one
/// stays zero.
///
/// Errors if the frame ends within the 8-byte header at `l4`; `None` writes nothing, as
/// for [`set_tcp`]. The flow key gets the ports.
pub fn set_udp(
    frame: &mut [u8],
    l4: Option<usize>,
    key: &Masked<PortsKey>,
    flow: &mut FlowKey,
    csum: &mut Csum,
) -> Result<Effects, RewriteError> {
    let Some(l4) = l4 else {
        return Ok(Effects::default());
    };
    ensure(frame, l4, UDP_HLEN)?;
    let mut fx = Effects {
        clear_hash: true,
        ct_clear: false,
    };
    let check_at = l4 + 6;
    let old_src: [u8; 2] = get(frame, l4)?;
    let old_dst: [u8; 2] = get(frame, l4 + 2)?;
    let src = masked_bytes(old_src, key.value.src, key.mask.src);
    let dst = masked_bytes(old_dst, key.value.dst, key.mask.dst);
    if get::<2>(frame, check_at)? != [0, 0] && !csum.is_partial() {
        for (at, old, new, field) in [
            (l4, old_src, src, kf::TP_SRC),
            (l4 + 2, old_dst, dst, kf::TP_DST),
        ] {
            if new != old {
                let (from, to) = (csum::ne16(old), csum::ne16(new));
                inet_proto_csum_replace4(frame, check_at, csum, from.into(), to.into(), false)?;
                put(frame, at, new)?;
                flow.set(field, &new);
                fx.ct_clear = true;
            }
        }
        mangle_zero(frame, check_at)?;
    } else {
        let old: [u8; 4] = get(frame, l4)?;
        put(frame, l4, src)?;
        put(frame, l4 + 2, dst)?;
        let new: [u8; 4] = get(frame, l4)?;
        // Upstream leaves skb->csum as it was here.
        csum.complete_replace(l4, &old, &new);
        flow.set(kf::TP_SRC, &src);
        flow.set(kf::TP_DST, &dst);
        fx.ct_clear = true;
    }
    Ok(fx)
}

/// `execute_masked_set_action()` for the keys this datapath sets: applies `set` to the
/// frame (network header at `l3`, transport header at `l4` as flow extraction found them),
/// the checksum state and the flow key.
///
/// Priority and mark are skb metadata: their new value, `OVS_MASKED()` over `meta`'s, is
/// put in the flow key and returned for the caller to store in the skb. For the other keys
/// the caller applies the returned [`Effects`]. An error means the packet is dropped
/// (upstream's `OVS_DROP_ACTION_ERROR`).
pub fn apply_set(
    frame: &mut [u8],
    l3: usize,
    l4: Option<usize>,
    set: &SetKey,
    meta: SkbMeta,
    flow: &mut FlowKey,
    csum: &mut Csum,
) -> Result<Applied, RewriteError> {
    match set {
        SetKey::Priority(m) => {
            let v = masked_u32(meta.priority, m);
            flow.set_u32(kf::PRIORITY, v);
            Ok(Applied::Priority(v))
        }
        SetKey::SkbMark(m) => {
            let v = masked_u32(meta.mark, m);
            flow.set_u32(kf::SKB_MARK, v);
            Ok(Applied::SkbMark(v))
        }
        SetKey::Ethernet(m) => set_ethernet(frame, m, flow, csum).map(Applied::Packet),
        SetKey::Ipv4(m) => set_ipv4(frame, l3, l4, m, flow, csum).map(Applied::Packet),
        SetKey::Ipv6(m) => set_ipv6(frame, l3, l4, m, flow, csum).map(Applied::Packet),
        SetKey::Tcp(m) => set_tcp(frame, l4, m, flow, csum).map(Applied::Packet),
        SetKey::Udp(m) => set_udp(frame, l4, m, flow, csum).map(Applied::Packet),
        SetKey::CtMark(_) | SetKey::CtLabels(_) => Err(RewriteError::ConntrackField),
    }
}
