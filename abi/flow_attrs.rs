// SPDX-License-Identifier: GPL-2.0
//! Typed `OVS_FLOW_ATTR_*` requests, flow identifiers (UFIDs) and the flow stats reply
//! attributes.
//!
//! Upstream counterpart: `flow_policy`, the request checks of `ovs_flow_cmd_new/set/get/del`
//! and `ovs_flow_cmd_fill_stats()` in `net/openvswitch/datapath.c`; `get_ufid_len()`,
//! `ovs_nla_get_ufid()` and `ovs_nla_get_ufid_flags()` in `flow_netlink.c`; `ufid_hash()`
//! in `flow_table.c`. Pure, shared with the host crate.
//!
//! Errors come in upstream's order: [`FlowAttrs::parse`] repeats the family policy, the
//! request checks repeat the handlers' own before they parse the key (with
//! `flow::key_nla`) and actions (with `actions::validate`). The messages of those checks
//! are upstream's `OVS_NLERR()` texts, which upstream logs (unless the request is a
//! probe) and we also give as the extack message.

use core::ffi::CStr;

use super::errno::{Errno, Rejection};
use super::nla::{policy, AttrWriter};
use super::uapi::{flow_attr, ufid_flags, FLOW_STATS_LEN};

/// `MAX_UFID_LENGTH`: 128 bits.
pub const MAX_UFID_LENGTH: usize = 16;

/// Upstream's `OVS_NLERR()` when `ovs_nla_copy_actions()` refuses a new flow's actions.
pub const NEW_ACTIONS_UNSAFE: &CStr = c"Flow actions may not be safe on all matching packets.";
/// Upstream's `OVS_NLERR()` when `ovs_nla_copy_actions()` refuses a flow SET's actions.
pub const SET_ACTIONS_UNSAFE: &CStr = c"Actions may not be safe on all matching packets";
/// Upstream's `OVS_NLERR()` for a UFID it ignores ("ufid size %u bytes exceeds the range
/// (1, %d)"), without the printf arguments.
pub const UFID_SIZE_OUT_OF_RANGE: &CStr = c"ufid size exceeds the range (1, 16)";

/// The Linux kernel's `jhash()` (Bob Jenkins' lookup3 `hashlittle()`, `JHASH_INITVAL`
/// 0xdeadbeef): whole 12-byte blocks are read as host-order words, the tail bytewise as
/// little-endian. Same value as upstream for the same bytes and host.
pub fn jhash(key: &[u8], initval: u32) -> u32 {
    const JHASH_INITVAL: u32 = 0xdead_beef;
    // Upstream takes the length as a u32; a UFID is at most 16 bytes.
    let init = JHASH_INITVAL
        .wrapping_add(key.len() as u32)
        .wrapping_add(initval);
    let (mut a, mut b, mut c) = (init, init, init);
    let word = |block: &[u8], at: usize| -> u32 {
        block
            .get(at..at + 4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map_or(0, u32::from_ne_bytes)
    };
    let mut rest = key;
    while rest.len() > 12 {
        let (Some(block), Some(tail)) = (rest.get(..12), rest.get(12..)) else {
            break;
        };
        a = a.wrapping_add(word(block, 0));
        b = b.wrapping_add(word(block, 4));
        c = c.wrapping_add(word(block, 8));
        // __jhash_mix
        a = a.wrapping_sub(c) ^ c.rotate_left(4);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a) ^ a.rotate_left(6);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b) ^ b.rotate_left(8);
        b = b.wrapping_add(a);
        a = a.wrapping_sub(c) ^ c.rotate_left(16);
        c = c.wrapping_add(b);
        b = b.wrapping_sub(a) ^ a.rotate_left(19);
        a = a.wrapping_add(c);
        c = c.wrapping_sub(b) ^ b.rotate_left(4);
        b = b.wrapping_add(a);
        rest = tail;
    }
    if rest.is_empty() {
        return c;
    }
    // Missing tail bytes add nothing, as upstream's switch falls through only present ones.
    let tail = |at: usize| -> u32 {
        (0..4).fold(0, |w, i| {
            w | u32::from(rest.get(at + i).copied().unwrap_or(0)) << (8 * i)
        })
    };
    a = a.wrapping_add(tail(0));
    b = b.wrapping_add(tail(4));
    c = c.wrapping_add(tail(8));
    // __jhash_final
    c = (c ^ b).wrapping_sub(b.rotate_left(14));
    a = (a ^ c).wrapping_sub(c.rotate_left(11));
    b = (b ^ a).wrapping_sub(a.rotate_left(25));
    c = (c ^ b).wrapping_sub(b.rotate_left(16));
    a = (a ^ c).wrapping_sub(c.rotate_left(4));
    b = (b ^ a).wrapping_sub(a.rotate_left(14));
    (c ^ b).wrapping_sub(b.rotate_left(24))
}

/// A unique flow identifier: 1 to 16 bytes chosen by userspace. Two are equal when their
/// lengths and bytes are (upstream's `ovs_flow_cmp_ufid()`); the unused tail is always
/// zero, so the derived `Eq` and `Hash` agree with that.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ufid {
    bytes: [u8; MAX_UFID_LENGTH],
    len: u8,
}

impl Ufid {
    /// A UFID of `bytes`, if there are 1 to [`MAX_UFID_LENGTH`] of them.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        if bytes.is_empty() {
            return None;
        }
        let mut ufid = Self {
            bytes: [0; MAX_UFID_LENGTH],
            len: u8::try_from(bytes.len()).ok()?,
        };
        ufid.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(ufid)
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
            .get(..usize::from(self.len))
            .unwrap_or(&self.bytes)
    }

    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Always false: a UFID has at least one byte.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The flow table's bucket hash: upstream's `ufid_hash()`, `jhash(ufid, len, 0)`.
    pub fn hash(&self) -> u32 {
        jhash(self.as_bytes(), 0)
    }
}

/// The `OVS_FLOW_ATTR_*` of a NEW, SET, GET or DEL request (or a dump's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowAttrs<'a> {
    /// The nested `OVS_KEY_ATTR_*` of the key, unparsed.
    pub key: Option<&'a [u8]>,
    /// The nested `OVS_KEY_ATTR_*` of the mask, unparsed.
    pub mask: Option<&'a [u8]>,
    /// The nested `OVS_ACTION_ATTR_*`, unvalidated.
    pub actions: Option<&'a [u8]>,
    /// The flow's UFID, if the request carries a usable one.
    pub ufid: Option<Ufid>,
    /// The length of an `OVS_FLOW_ATTR_UFID` over [`MAX_UFID_LENGTH`] bytes: upstream does
    /// not refuse it but logs [`UFID_SIZE_OUT_OF_RANGE`] and acts as if there were no UFID.
    pub ignored_ufid_len: Option<usize>,
    /// `OVS_UFID_F_*`, 0 without the attribute; unknown bits are kept and ignored.
    pub ufid_flags: u32,
    /// `OVS_FLOW_ATTR_CLEAR`: a SET clears the flow's stats.
    pub clear: bool,
    /// `OVS_FLOW_ATTR_PROBE`: a feature probe, whose errors are not logged.
    pub probe: bool,
}

impl<'a> FlowAttrs<'a> {
    /// Parses the attribute table with upstream's `flow_policy` checks, all `ERANGE`: a
    /// non-empty key, mask or actions nest shorter than an attribute header, a flag with a
    /// payload, an empty UFID, UFID flags shorter than a `u32`. Output-only attributes
    /// (stats, used, TCP flags) are ignored.
    pub fn parse(attr: impl Fn(u16) -> Option<&'a [u8]>) -> Result<Self, Rejection> {
        let nested = |n: u16| attr(n).map(|p| policy::nested(p, n)).transpose();
        let flag = |n: u16| {
            attr(n)
                .map(|p| policy::flag(p, n))
                .transpose()
                .map(|f| f.is_some())
        };
        let key = nested(flow_attr::KEY)?;
        let mask = nested(flow_attr::MASK)?;
        let actions = nested(flow_attr::ACTIONS)?;
        let clear = flag(flow_attr::CLEAR)?;
        let probe = flag(flow_attr::PROBE)?;
        let ufid_payload = attr(flow_attr::UFID)
            .map(|p| policy::min_len(p, 1, flow_attr::UFID))
            .transpose()?;
        let ufid_flags = attr(flow_attr::UFID_FLAGS)
            .map(|p| policy::u32(p, flow_attr::UFID_FLAGS))
            .transpose()?
            .unwrap_or(0);
        Ok(Self {
            key,
            mask,
            actions,
            ufid: ufid_payload.and_then(Ufid::new),
            ignored_ufid_len: ufid_payload
                .map(<[u8]>::len)
                .filter(|&l| l > MAX_UFID_LENGTH),
            ufid_flags,
            clear,
            probe,
        })
    }

    /// Whether upstream's `OVS_NLERR()` would log: not for probes.
    pub fn log(&self) -> bool {
        !self.probe
    }

    /// `ovs_flow_cmd_new()`'s first checks: key and actions are required (`EINVAL`).
    /// Then the caller parses key and mask (`parse_match`), takes the UFID or else the
    /// unmasked key as the identifier, and validates the actions against the masked key
    /// (logging [`NEW_ACTIONS_UNSAFE`] if they are refused).
    pub fn new_request(&self) -> Result<NewFlow<'a>, Rejection> {
        let Some(key) = self.key else {
            return Err(Rejection::new(
                Errno::EINVAL,
                c"Flow key attr not present in new flow.",
                None,
            ));
        };
        let Some(actions) = self.actions else {
            return Err(Rejection::new(
                Errno::EINVAL,
                c"Flow actions attr not present in new flow.",
                None,
            ));
        };
        Ok(NewFlow {
            key,
            mask: self.mask,
            actions,
            ufid: self.ufid,
        })
    }

    /// `ovs_flow_cmd_set()`'s checks: without a key the UFID must name the flow, and actions
    /// need a key to be validated against (both `EINVAL`). Then the caller parses the key
    /// with the mask if there is one (its errors come before the datapath lookup),
    /// validates the actions against the key masked by that mask (logging
    /// [`SET_ACTIONS_UNSAFE`] if they are refused) and finds the flow by the selector.
    pub fn set_request(&self) -> Result<SetFlow<'a>, Rejection> {
        let selector = match (self.ufid, self.key) {
            (Some(ufid), _) => FlowSelector::Ufid(ufid),
            (None, Some(key)) => FlowSelector::Key(key),
            (None, None) => {
                return Err(Rejection::new(
                    Errno::EINVAL,
                    c"Flow set message rejected, Key attribute missing.",
                    None,
                ))
            }
        };
        if self.actions.is_some() && self.key.is_none() {
            return Err(Rejection::new(
                Errno::EINVAL,
                c"Flow key attribute not present in set flow.",
                None,
            ));
        }
        Ok(SetFlow {
            selector,
            key: self.key,
            mask: self.mask,
            actions: self.actions,
            clear: self.clear,
        })
    }

    /// `ovs_flow_cmd_get()`'s check: a flow is named by its UFID or its key (`EINVAL`
    /// without either). A key present is parsed first (without the mask, which GET
    /// ignores) even when the UFID names the flow: its errors win.
    pub fn get_request(&self) -> Result<FlowSelector<'a>, Rejection> {
        match (self.ufid, self.key) {
            (Some(ufid), _) => Ok(FlowSelector::Ufid(ufid)),
            (None, Some(key)) => Ok(FlowSelector::Key(key)),
            (None, None) => Err(Rejection::new(
                Errno::EINVAL,
                c"Flow get message rejected, Key attribute missing.",
                None,
            )),
        }
    }

    /// `ovs_flow_cmd_del()`: the flow named by UFID or key, or `None` to flush every flow
    /// of the datapath. As for GET, a key present is parsed first (without the mask) and
    /// its errors come before the datapath lookup's `ENODEV`.
    pub fn del_request(&self) -> Option<FlowSelector<'a>> {
        match (self.ufid, self.key) {
            (Some(ufid), _) => Some(FlowSelector::Ufid(ufid)),
            (None, Some(key)) => Some(FlowSelector::Key(key)),
            (None, None) => None,
        }
    }
}

/// A checked `OVS_FLOW_CMD_NEW`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewFlow<'a> {
    pub key: &'a [u8],
    pub mask: Option<&'a [u8]>,
    pub actions: &'a [u8],
    /// `None`: the flow is identified by its unmasked key.
    pub ufid: Option<Ufid>,
}

/// How a SET, GET or DEL finds its flow: by UFID when the request has one, else by an
/// exact match of its key and mask (`ovs_flow_tbl_lookup_exact()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowSelector<'a> {
    Ufid(Ufid),
    Key(&'a [u8]),
}

/// A checked `OVS_FLOW_CMD_SET`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetFlow<'a> {
    pub selector: FlowSelector<'a>,
    /// Parsed (with `mask`) whenever present, even when the UFID names the flow.
    pub key: Option<&'a [u8]>,
    pub mask: Option<&'a [u8]>,
    /// New actions; `None` keeps the flow's. Only present with `key`.
    pub actions: Option<&'a [u8]>,
    pub clear: bool,
}

/// `NLM_F_EXCL`.
pub const NLM_F_EXCL: u16 = 0x200;
/// `NLM_F_CREATE`.
pub const NLM_F_CREATE: u16 = 0x400;

/// `ovs_flow_cmd_new()` when the flow exists already: a request with `NLM_F_CREATE` or
/// `NLM_F_EXCL` in its netlink header flags may not modify it (`Errno::EEXIST`); others replace
/// its actions.
pub fn check_may_replace(nlmsg_flags: u16) -> Result<(), Rejection> {
    if nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL) != 0 {
        return Err(Rejection::new(Errno::EEXIST, c"Flow already exists", None));
    }
    Ok(())
}

/// Upstream's `should_fill_key()`: replies carry the key of a flow with a UFID unless
/// `OVS_UFID_F_OMIT_KEY`; a flow identified by its key always carries it (as identifier).
pub fn should_fill_key(flow_has_ufid: bool, ufid_flags: u32) -> bool {
    flow_has_ufid && ufid_flags & ufid_flags::OMIT_KEY == 0
}

/// Upstream's `should_fill_mask()`.
pub fn should_fill_mask(ufid_flags: u32) -> bool {
    ufid_flags & ufid_flags::OMIT_MASK == 0
}

/// Upstream's `should_fill_actions()`.
pub fn should_fill_actions(ufid_flags: u32) -> bool {
    ufid_flags & ufid_flags::OMIT_ACTIONS == 0
}

/// `OVS_FLOW_ATTR_UFID`, a flow's identifier in replies when it has one
/// (`ovs_nla_put_identifier()`).
pub fn put_ufid(out: &mut AttrWriter<'_>, ufid: &Ufid) -> Result<(), Errno> {
    out.put(flow_attr::UFID, ufid.as_bytes())
}

/// `struct ovs_flow_stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowStats {
    pub n_packets: u64,
    pub n_bytes: u64,
}

impl FlowStats {
    /// The struct's bytes, host byte order.
    pub fn to_bytes(self) -> [u8; FLOW_STATS_LEN] {
        let mut out = [0u8; FLOW_STATS_LEN];
        for (chunk, v) in out.chunks_exact_mut(8).zip([self.n_packets, self.n_bytes]) {
            chunk.copy_from_slice(&v.to_ne_bytes());
        }
        out
    }
}

/// `ovs_flow_cmd_fill_stats()`: `OVS_FLOW_ATTR_USED` (the last-used time in milliseconds,
/// `None` for a flow never used), `OVS_FLOW_ATTR_STATS` when `n_packets` is nonzero (both
/// 64-bit with `OVS_FLOW_ATTR_PAD`), and `OVS_FLOW_ATTR_TCP_FLAGS` when nonzero, in that
/// order. `EMSGSIZE` if they do not fit (what was put stays; the caller cancels the message).
pub fn put_flow_stats(
    out: &mut AttrWriter<'_>,
    stats: &FlowStats,
    used_msecs: Option<u64>,
    tcp_flags: u8,
) -> Result<(), Errno> {
    if let Some(used) = used_msecs {
        out.put_u64_64bit(flow_attr::USED, used, flow_attr::PAD)?;
    }
    if stats.n_packets != 0 {
        out.put_64bit(flow_attr::STATS, &stats.to_bytes(), flow_attr::PAD)?;
    }
    if tcp_flags != 0 {
        out.put_u8(flow_attr::TCP_FLAGS, tcp_flags)?;
    }
    Ok(())
}
