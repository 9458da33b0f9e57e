// SPDX-License-Identifier: GPL-2.0
//! The `ct` action in typed form: its validation from `OVS_ACTION_ATTR_CT` and its dump back.
//!
//! Upstream counterpart: `parse_ct()`, `parse_nat()` and the checks of
//! `ovs_ct_copy_action()`, and `ovs_ct_action_to_attr()` with `ovs_ct_nat_to_attr()`, in
//! `net/openvswitch/conntrack.c`. The checks, their order, errnos and messages are upstream's
//! (its log texts, without their printf arguments). What needs the kernel (the conntrack
//! template, the helper and the timeout policy, looked up by name) is the datapath's, at
//! install, from this value.
//!
//! Pure: shared with the host crate.

use core::ffi::CStr;

use super::action::Masked;
use crate::abi::errno::Errno;
use crate::abi::nla::{nla_align, AttrWriter, Attrs, NLA_HDRLEN};
use crate::abi::uapi::{
    action_attr, ct_attr, nat_attr, nf_nat_range, CT_HELPER_NAME_LEN, CT_LABELS_LEN,
    CT_TIMEOUT_NAME_LEN,
};
use crate::flow::extract::{ETH_P_IP, ETH_P_IPV6};
use crate::flow::key::{field, FlowKey};

/// The connection's layer 3, from the flow's EtherType (upstream's `key_to_nfproto()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtFamily {
    Ipv4,
    Ipv6,
}

impl CtFamily {
    /// `NFPROTO_IPV4` or `NFPROTO_IPV6`.
    pub fn nfproto(self) -> u8 {
        match self {
            Self::Ipv4 => 2,
            Self::Ipv6 => 10,
        }
    }

    /// The bytes of an address of this family in `OVS_NAT_ATTR_IP_MIN`/`MAX`.
    fn addr_len(self) -> usize {
        match self {
            Self::Ipv4 => 4,
            Self::Ipv6 => 16,
        }
    }
}

/// A NUL-terminated name of at most `N` bytes (its NUL included), as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtName<const N: usize> {
    bytes: [u8; N],
}

impl<const N: usize> CtName<N> {
    /// `payload` must hold a NUL (upstream's `string_is_terminated()`); the name is what
    /// comes before the first.
    fn parse(payload: &[u8]) -> Option<Self> {
        let nul = payload.iter().position(|&b| b == 0)?;
        let mut bytes = [0u8; N];
        bytes.get_mut(..nul)?.copy_from_slice(payload.get(..nul)?);
        Some(Self { bytes })
    }

    /// The name, without its NUL.
    pub fn as_bytes(&self) -> &[u8] {
        let end = self.bytes.iter().position(|&b| b == 0).unwrap_or(N);
        self.bytes.get(..end).unwrap_or(&[])
    }

    /// The name with its NUL, for the kernel's lookups.
    pub fn as_cstr(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.bytes).unwrap_or(c"")
    }
}

/// Which address a NAT of new connections rewrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatKind {
    Src,
    Dst,
}

/// `struct nf_nat_range2` as the action gives it: `flags` are `NF_NAT_RANGE_*`; addresses
/// (IPv4 in the first 4 bytes) in network order, ports in host order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NatRange {
    pub flags: u32,
    pub min_addr: [u8; 16],
    pub max_addr: [u8; 16],
    pub min_proto: u16,
    pub max_proto: u16,
}

/// `OVS_CT_ATTR_NAT`: `kind` is `None` for a bare `nat`, which only applies the NAT of
/// connections already committed with one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nat {
    pub kind: Option<NatKind>,
    pub range: NatRange,
}

/// One validated `ct` action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CtAction {
    pub family: CtFamily,
    /// The flow's IP protocol (its masked key's), for the helper and timeout lookups.
    pub ip_proto: u8,
    pub commit: bool,
    /// `OVS_CT_ATTR_FORCE_COMMIT`: a connection in the other direction is deleted first.
    pub force: bool,
    pub zone: u16,
    /// Set at commit; the mask is never 0.
    pub mark: Option<Masked<u32>>,
    /// Set at commit; the mask is never all zero.
    pub labels: Option<Masked<[u8; CT_LABELS_LEN]>>,
    pub helper: Option<CtName<CT_HELPER_NAME_LEN>>,
    /// `OVS_CT_ATTR_EVENTMASK`: a mask of `1 << IPCT_*`.
    pub eventmask: Option<u32>,
    pub timeout: Option<CtName<CT_TIMEOUT_NAME_LEN>>,
    pub nat: Option<Nat>,
}

/// A refusal: errno and upstream's log text.
pub type CtFault = (Errno, &'static CStr);

const fn inval(msg: &'static CStr) -> CtFault {
    (Errno::EINVAL, msg)
}

/// `ovs_ct_attr_lens`: the (minimum, maximum) payload of each type up to `OVS_CT_ATTR_MAX`.
fn attr_lens(kind: u16) -> (usize, usize) {
    match kind {
        ct_attr::ZONE => (2, 2),
        ct_attr::MARK => (8, 8),
        ct_attr::LABELS => (2 * CT_LABELS_LEN, 2 * CT_LABELS_LEN),
        ct_attr::HELPER => (1, CT_HELPER_NAME_LEN),
        ct_attr::NAT => (0, usize::MAX),
        ct_attr::EVENTMASK => (4, 4),
        ct_attr::TIMEOUT => (1, CT_TIMEOUT_NAME_LEN),
        // COMMIT, FORCE_COMMIT, and UNSPEC (refused below, as upstream).
        _ => (0, 0),
    }
}

fn u32_of(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_ne_bytes(w)
}

/// Validates the payload of an `OVS_ACTION_ATTR_CT` on a flow whose masked key is `key`
/// (`ovs_ct_copy_action()` up to the template).
pub fn parse_ct(payload: &[u8], key: &FlowKey) -> Result<CtAction, CtFault> {
    let family = match key.be16(field::ETH_TYPE) {
        ETH_P_IP => CtFamily::Ipv4,
        ETH_P_IPV6 => CtFamily::Ipv6,
        _ => return Err(inval(c"ct family unspecified")),
    };
    let mut ct = CtAction {
        family,
        ip_proto: key.u8_at(field::IP_PROTO),
        commit: false,
        force: false,
        zone: 0,
        mark: None,
        labels: None,
        helper: None,
        eventmask: None,
        timeout: None,
        nat: None,
    };
    let mut consumed = 0;
    for a in Attrs::new(payload) {
        let Ok(a) = a else { break };
        consumed += nla_align(NLA_HDRLEN + a.payload.len());
        if a.kind > ct_attr::MAX {
            return Err(inval(c"Unknown conntrack attr"));
        }
        let (min, max) = attr_lens(a.kind);
        if a.payload.len() < min || a.payload.len() > max {
            return Err(inval(c"Conntrack attr type has unexpected length"));
        }
        let p = a.payload;
        match a.kind {
            ct_attr::FORCE_COMMIT => {
                ct.force = true;
                ct.commit = true;
            }
            ct_attr::COMMIT => ct.commit = true,
            ct_attr::ZONE => ct.zone = u16::from_ne_bytes([p[0], p[1]]),
            ct_attr::MARK => {
                let mark = Masked {
                    value: u32_of(p, 0),
                    mask: u32_of(p, 4),
                };
                if mark.mask == 0 {
                    return Err(inval(c"ct_mark mask cannot be 0"));
                }
                ct.mark = Some(mark);
            }
            ct_attr::LABELS => {
                let mut value = [0u8; CT_LABELS_LEN];
                let mut mask = [0u8; CT_LABELS_LEN];
                value.copy_from_slice(&p[..CT_LABELS_LEN]);
                mask.copy_from_slice(&p[CT_LABELS_LEN..]);
                if mask == [0; CT_LABELS_LEN] {
                    return Err(inval(c"ct_labels mask cannot be 0"));
                }
                ct.labels = Some(Masked { value, mask });
            }
            ct_attr::HELPER => {
                ct.helper = Some(CtName::parse(p).ok_or(inval(c"Invalid conntrack helper"))?);
            }
            ct_attr::NAT => parse_nat(p, &mut ct)?,
            ct_attr::EVENTMASK => ct.eventmask = Some(u32_of(p, 0)),
            ct_attr::TIMEOUT => {
                ct.timeout = Some(CtName::parse(p).ok_or(inval(c"Invalid conntrack timeout"))?);
            }
            _ => return Err(inval(c"Unknown conntrack attr")),
        }
    }
    if !ct.commit && ct.mark.is_some() {
        return Err(inval(c"Setting conntrack mark requires 'commit' flag."));
    }
    if !ct.commit && ct.labels.is_some() {
        return Err(inval(c"Setting conntrack labels requires 'commit' flag."));
    }
    if consumed != payload.len() {
        return Err(inval(c"Conntrack attr has unknown bytes"));
    }
    Ok(ct)
}

/// `parse_nat()`. As upstream, it reads the `commit` seen so far (a NAT range before the
/// COMMIT attribute is refused), and a second NAT nest adds to the first.
fn parse_nat(payload: &[u8], ct: &mut CtAction) -> Result<(), CtFault> {
    let addr_len = ct.family.addr_len();
    let mut nat = ct.nat.unwrap_or(Nat {
        kind: None,
        range: NatRange::default(),
    });
    let mut have_ip_max = false;
    let mut have_proto_max = false;
    let mut consumed = 0;
    for a in Attrs::new(payload) {
        let Ok(a) = a else { break };
        consumed += nla_align(NLA_HDRLEN + a.payload.len());
        if a.kind > nat_attr::MAX {
            return Err(inval(c"Unknown NAT attribute"));
        }
        let want = match a.kind {
            nat_attr::IP_MIN | nat_attr::IP_MAX => addr_len,
            nat_attr::PROTO_MIN | nat_attr::PROTO_MAX => 2,
            _ => 0,
        };
        if a.payload.len() != want {
            return Err(inval(c"NAT attribute type has unexpected length"));
        }
        let p = a.payload;
        let range = &mut nat.range;
        match a.kind {
            nat_attr::SRC | nat_attr::DST => {
                if ct.nat.is_some() || nat.kind.is_some() {
                    return Err((Errno::ERANGE, c"Only one type of NAT may be specified"));
                }
                nat.kind = Some(if a.kind == nat_attr::SRC {
                    NatKind::Src
                } else {
                    NatKind::Dst
                });
            }
            nat_attr::IP_MIN => {
                range.min_addr = [0; 16];
                range.min_addr[..addr_len].copy_from_slice(p);
                range.flags |= nf_nat_range::MAP_IPS;
            }
            nat_attr::IP_MAX => {
                have_ip_max = true;
                range.max_addr = [0; 16];
                range.max_addr[..addr_len].copy_from_slice(p);
                range.flags |= nf_nat_range::MAP_IPS;
            }
            nat_attr::PROTO_MIN => {
                range.min_proto = u16::from_ne_bytes([p[0], p[1]]);
                range.flags |= nf_nat_range::PROTO_SPECIFIED;
            }
            nat_attr::PROTO_MAX => {
                have_proto_max = true;
                range.max_proto = u16::from_ne_bytes([p[0], p[1]]);
                range.flags |= nf_nat_range::PROTO_SPECIFIED;
            }
            nat_attr::PERSISTENT => range.flags |= nf_nat_range::PERSISTENT,
            nat_attr::PROTO_HASH => range.flags |= nf_nat_range::PROTO_RANDOM,
            nat_attr::PROTO_RANDOM => range.flags |= nf_nat_range::PROTO_RANDOM_FULLY,
            _ => return Err(inval(c"Unknown nat attribute")),
        }
    }
    if consumed != payload.len() {
        return Err(inval(c"NAT attribute has unknown bytes"));
    }
    if nat.kind.is_none() {
        if nat.range.flags != 0 {
            return Err(inval(
                c"NAT flags may be given only when NAT range (SRC or DST) is also specified.",
            ));
        }
    } else if !ct.commit {
        return Err(inval(
            c"NAT attributes may be specified only when CT COMMIT flag is also specified.",
        ));
    }
    // A missing maximum is the minimum.
    if nat.range.flags & nf_nat_range::MAP_IPS != 0 && !have_ip_max {
        nat.range.max_addr = nat.range.min_addr;
    }
    if nat.range.flags & nf_nat_range::PROTO_SPECIFIED != 0 && !have_proto_max {
        nat.range.max_proto = nat.range.min_proto;
    }
    ct.nat = Some(nat);
    Ok(())
}

/// `ovs_ct_action_to_attr()`: the action as upstream dumps it, nests without
/// `NLA_F_NESTED`. Upstream dumps the attached helper's own name, which is the name the
/// datapath found it by: the one given.
pub fn put_ct(ct: &CtAction, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
    let start = out.start_nest_noflag(action_attr::CT)?;
    if ct.commit {
        let kind = if ct.force {
            ct_attr::FORCE_COMMIT
        } else {
            ct_attr::COMMIT
        };
        out.put(kind, &[])?;
    }
    out.put_u16(ct_attr::ZONE, ct.zone)?;
    if let Some(m) = ct.mark {
        let mut b = [0u8; 8];
        b[..4].copy_from_slice(&m.value.to_ne_bytes());
        b[4..].copy_from_slice(&m.mask.to_ne_bytes());
        out.put(ct_attr::MARK, &b)?;
    }
    if let Some(l) = ct.labels {
        let mut b = [0u8; 2 * CT_LABELS_LEN];
        b[..CT_LABELS_LEN].copy_from_slice(&l.value);
        b[CT_LABELS_LEN..].copy_from_slice(&l.mask);
        out.put(ct_attr::LABELS, &b)?;
    }
    if let Some(h) = &ct.helper {
        put_name(out, ct_attr::HELPER, h.as_bytes())?;
    }
    if let Some(mask) = ct.eventmask {
        out.put_u32(ct_attr::EVENTMASK, mask)?;
    }
    if let Some(t) = &ct.timeout {
        put_name(out, ct_attr::TIMEOUT, t.as_bytes())?;
    }
    if let Some(nat) = &ct.nat {
        put_nat(ct.family, nat, out)?;
    }
    out.end_nest(start)
}

/// `nla_put_string()`: the name and its NUL.
fn put_name(out: &mut AttrWriter<'_>, kind: u16, name: &[u8]) -> Result<(), Errno> {
    let mut b = [0u8; CT_TIMEOUT_NAME_LEN + 1];
    let with_nul = b.get_mut(..name.len() + 1).ok_or(Errno::EINVAL)?;
    with_nul[..name.len()].copy_from_slice(name);
    out.put(kind, with_nul)
}

fn put_nat(family: CtFamily, nat: &Nat, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
    let start = out.start_nest_noflag(ct_attr::NAT)?;
    let Some(kind) = nat.kind else {
        return out.end_nest(start);
    };
    let kind = match kind {
        NatKind::Src => nat_attr::SRC,
        NatKind::Dst => nat_attr::DST,
    };
    out.put(kind, &[])?;
    let r = &nat.range;
    if r.flags & nf_nat_range::MAP_IPS != 0 {
        let n = family.addr_len();
        out.put(nat_attr::IP_MIN, &r.min_addr[..n])?;
        if r.max_addr[..n] != r.min_addr[..n] {
            out.put(nat_attr::IP_MAX, &r.max_addr[..n])?;
        }
    }
    if r.flags & nf_nat_range::PROTO_SPECIFIED != 0 {
        out.put_u16(nat_attr::PROTO_MIN, r.min_proto)?;
        if r.max_proto != r.min_proto {
            out.put_u16(nat_attr::PROTO_MAX, r.max_proto)?;
        }
    }
    for (flag, kind) in [
        (nf_nat_range::PERSISTENT, nat_attr::PERSISTENT),
        (nf_nat_range::PROTO_RANDOM, nat_attr::PROTO_HASH),
        (nf_nat_range::PROTO_RANDOM_FULLY, nat_attr::PROTO_RANDOM),
    ] {
        if r.flags & flag != 0 {
            out.put(kind, &[])?;
        }
    }
    out.end_nest(start)
}
