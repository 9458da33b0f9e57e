// SPDX-License-Identifier: GPL-2.0
//! Validation of `OVS_FLOW_ATTR_ACTIONS` / `OVS_PACKET_ATTR_ACTIONS` into typed actions, and
//! their dump back to netlink.
//!
//! Upstream counterpart: `__ovs_nla_copy_actions()` and its helpers (`validate_set()`,
//! `validate_userspace()`, `validate_and_copy_sample()`, `validate_and_copy_clone()`) and
//! `ovs_nla_put_actions()` in `net/openvswitch/flow_netlink.c`. The checks, their order and
//! their errnos are upstream's; upstream logs no reason for most of them, so the extack
//! messages are ours.
//!
//! The datapath only has Ethernet ports, so the packet's `mac_proto` is always Ethernet:
//! the checks upstream makes against it (set(ethernet), push/pop_vlan) always pass.
//! Actions upstream supports but this datapath does not (meter, MPLS, push/pop eth, NSH,
//! check_pkt_len, dec_ttl, psample, and set of tunnel, MPLS or SCTP fields) are `EINVAL`,
//! the errno upstream gives an unknown action type. `ct` is validated in `conntrack.rs`.
//!
//! Neither function allocates or recurses: nesting is walked with a fixed stack of
//! [`MAX_DEPTH`] + 1 frames. Pure: shared with the host crate.

use core::ffi::CStr;

use super::action::{
    Action, ActionSink, ArenaRef, HashAlg, Ipv6Key, SetForm, SetKey, Userspace, MAX_DEPTH,
    MAX_SET_KEY_LEN, VLAN_CFI_MASK,
};
use super::conntrack::{parse_ct, put_ct, CtAction};
use crate::abi::errno::{Errno, Rejection};
use crate::abi::nla::{nla_align, Attr, AttrWriter, Attrs, Nest, NLA_HDRLEN, NLA_TYPE_MASK};
use crate::abi::uapi::{action_attr, key_attr, sample_attr, userspace_attr, DP_MAX_PORTS};
use crate::flow::extract::{
    ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, IPPROTO_TCP, IPPROTO_UDP,
};
use crate::flow::key::{field, FlowKey};

/// What an action's argument length must be (upstream's `action_lens`): `None` is variable.
/// Types above `OVS_ACTION_ATTR_MAX` are not in the table.
fn action_len(kind: u16) -> Option<Option<usize>> {
    use action_attr::*;
    Some(match kind {
        OUTPUT | RECIRC | PUSH_VLAN | TRUNC | METER | DROP => Some(4),
        HASH | PUSH_MPLS | ADD_MPLS => Some(8),
        POP_MPLS => Some(2),
        PUSH_ETH => Some(12),
        UNSPEC | POP_VLAN | POP_ETH | CT_CLEAR | POP_NSH => Some(0),
        USERSPACE | SET | SET_MASKED | SAMPLE | CT | PUSH_NSH | CLONE | CHECK_PKT_LEN | DEC_TTL
        | PSAMPLE => None,
        _ => return None,
    })
}

/// Upstream's `actions_may_change_flow()`: whether a body holds any action that can change
/// the packet or its flow key, so that it must run on a copy of the key.
fn may_change_flow(body: &[u8]) -> bool {
    for a in Attrs::new(body) {
        let Ok(a) = a else { break };
        match a.kind {
            action_attr::OUTPUT
            | action_attr::RECIRC
            | action_attr::TRUNC
            | action_attr::USERSPACE
            | action_attr::DROP
            | action_attr::PSAMPLE => {}
            _ => return true,
        }
    }
    false
}

/// A rejection with no errno yet: most are `EINVAL`.
struct Fault(Errno, &'static CStr);

fn inval(msg: &'static CStr) -> Fault {
    Fault(Errno::EINVAL, msg)
}

fn oom(e: Errno) -> Fault {
    Fault(e, c"Out of memory for the flow's actions")
}

/// One attribute list being walked: the top-level one or a clone or sample body.
#[derive(Clone, Copy)]
struct Frame<'a> {
    stream: &'a [u8],
    /// Where the next attribute starts; past the end after an unpadded last attribute.
    off: usize,
    /// The index of the clone or sample action this body belongs to.
    header: Option<usize>,
}

/// What one action asks of the walk.
enum Step<'a> {
    Next,
    /// Walk this body next; its header action was pushed at the given index.
    Enter(&'a [u8], usize),
}

/// Validates an action list and writes its typed form to `sink`.
///
/// `actions` is the payload of `OVS_FLOW_ATTR_ACTIONS` or `OVS_PACKET_ATTR_ACTIONS`, and
/// `attr` that attribute's number, reported as the one at fault. `key` is the flow's key
/// **masked by the flow's mask** (for a packet execute, the packet's key): as upstream, set
/// actions are checked against it, so a set of a field the flow does not match on, such as
/// set(tcp) on a flow that does not match `ip_proto == 6`, is refused.
///
/// On error the sink holds a partial list, to be discarded.
pub fn validate_actions<S: ActionSink>(
    actions: &[u8],
    key: &FlowKey,
    attr: u16,
    sink: &mut S,
) -> Result<(), Rejection> {
    walk(actions, key, sink).map_err(|Fault(errno, msg)| Rejection::new(errno, msg, Some(attr)))
}

fn walk<S: ActionSink>(actions: &[u8], key: &FlowKey, sink: &mut S) -> Result<(), Fault> {
    let empty = Frame {
        stream: &[],
        off: 0,
        header: None,
    };
    let mut frames = [empty; MAX_DEPTH + 1];
    frames[0].stream = actions;
    let mut top = 0usize;
    loop {
        let Some(frame) = frames.get_mut(top) else {
            return Err(Fault(Errno::EOVERFLOW, c"Actions nested too deeply"));
        };
        let rest = frame.stream.get(frame.off..).unwrap_or(&[]);
        let a = match Attrs::new(rest).next() {
            Some(Ok(a)) => a,
            // `nla_for_each_nested()` stopping with bytes left over.
            Some(Err(_)) => return Err(inval(c"Malformed action attribute")),
            None if !rest.is_empty() => return Err(inval(c"Trailing bytes after the last action")),
            None => {
                if let Some(h) = frame.header {
                    let n = sink.len().saturating_sub(h + 1);
                    let n = u16::try_from(n)
                        .map_err(|_| Fault(Errno::EMSGSIZE, c"Action body too long"))?;
                    let patched = sink.action_mut(h).is_some_and(|a| a.set_body_len(n));
                    if !patched {
                        return Err(inval(c"Action sink lost a clone or sample header"));
                    }
                }
                if top == 0 {
                    return Ok(());
                }
                top -= 1;
                continue;
            }
        };
        let total = NLA_HDRLEN + a.payload.len();
        // Upstream's `nla_is_last()`: the attribute ends the stream exactly.
        let last = total == rest.len();
        frame.off += nla_align(total);
        match one_action(a, last, key, sink)? {
            Step::Next => {}
            Step::Enter(body, header) => {
                // Upstream checks the depth on entering the body, after the enclosing
                // action's own checks.
                if top + 1 > MAX_DEPTH {
                    return Err(Fault(Errno::EOVERFLOW, c"Actions nested too deeply"));
                }
                top += 1;
                if let Some(f) = frames.get_mut(top) {
                    *f = Frame {
                        stream: body,
                        off: 0,
                        header: Some(header),
                    };
                }
            }
        }
    }
}

fn push<S: ActionSink>(sink: &mut S, a: Action) -> Result<Step<'static>, Fault> {
    sink.push(a).map_err(oom)?;
    Ok(Step::Next)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        w.copy_from_slice(s);
    }
    u32::from_ne_bytes(w)
}

fn one_action<'a, S: ActionSink>(
    a: Attr<'a>,
    last: bool,
    key: &FlowKey,
    sink: &mut S,
) -> Result<Step<'a>, Fault> {
    let p = a.payload;
    match action_len(a.kind) {
        None => return Err(inval(c"Unknown action type")),
        Some(Some(n)) if n != p.len() => {
            return Err(inval(c"Action attribute has the wrong length"))
        }
        _ => {}
    }
    match a.kind {
        action_attr::OUTPUT => {
            let port = u32_at(p, 0);
            if port >= DP_MAX_PORTS {
                return Err(inval(c"Output port number out of range"));
            }
            push(sink, Action::Output { port })
        }
        action_attr::USERSPACE => userspace(p, sink),
        action_attr::SET => set(p, false, key, sink),
        action_attr::SET_MASKED => set(p, true, key, sink),
        action_attr::PUSH_VLAN => {
            let [t0, t1, c0, c1] = u32_at(p, 0).to_ne_bytes();
            let tpid = u16::from_be_bytes([t0, t1]);
            let tci = u16::from_be_bytes([c0, c1]);
            if tpid != ETH_P_8021Q && tpid != ETH_P_8021AD {
                return Err(inval(c"Push VLAN TPID must be 802.1Q or 802.1ad"));
            }
            if tci & VLAN_CFI_MASK == 0 {
                return Err(inval(
                    c"Push VLAN TCI must have the CFI (tag present) bit set",
                ));
            }
            push(sink, Action::PushVlan { tpid, tci })
        }
        action_attr::POP_VLAN => push(sink, Action::PopVlan),
        action_attr::RECIRC => push(sink, Action::Recirc { id: u32_at(p, 0) }),
        action_attr::HASH => {
            let alg = HashAlg::from_u32(u32_at(p, 0))
                .ok_or(inval(c"Hash algorithm must be OVS_HASH_ALG_L4 or SYM_L4"))?;
            let basis = u32_at(p, 4);
            push(sink, Action::Hash { alg, basis })
        }
        action_attr::TRUNC => {
            let max_len = u32_at(p, 0);
            if max_len < ETH_HLEN as u32 {
                return Err(inval(c"Truncate length is shorter than an Ethernet header"));
            }
            push(sink, Action::Trunc { max_len })
        }
        action_attr::DROP => {
            if !last {
                return Err(inval(c"Drop must be the last action of its list"));
            }
            push(
                sink,
                Action::Drop {
                    error: u32_at(p, 0),
                },
            )
        }
        action_attr::CLONE => {
            if !p.is_empty() && p.len() < NLA_HDRLEN {
                return Err(inval(c"Clone action attribute too short"));
            }
            let exec = last || !may_change_flow(p);
            let at = sink.len();
            sink.push(Action::Clone { exec, body_len: 0 })
                .map_err(oom)?;
            Ok(Step::Enter(p, at))
        }
        action_attr::SAMPLE => sample(p, last, sink),
        action_attr::CT => {
            let ct = parse_ct(p, key).map_err(|(errno, msg)| Fault(errno, msg))?;
            let index = sink.push_ct(ct).map_err(oom)?;
            push(sink, Action::Ct { index })
        }
        action_attr::CT_CLEAR => push(sink, Action::CtClear),
        action_attr::UNSPEC => Err(inval(c"Unknown action type")),
        _ => Err(inval(c"Action type not supported by this datapath")),
    }
}

/// `validate_userspace()`: a liberal parse (unknown types, trailing bytes and over-long
/// integers are let through, as `nla_parse_nested_deprecated()` does) needing a non-zero PID.
fn userspace<'a, S: ActionSink>(p: &'a [u8], sink: &mut S) -> Result<Step<'a>, Fault> {
    let mut pid = None;
    let mut userdata = None;
    let mut egress_tun_port = None;
    let mut include_actions = false;
    let mut off = 0usize;
    for a in Attrs::new(p) {
        let Ok(a) = a else { break };
        let payload_off = off + NLA_HDRLEN;
        off += nla_align(NLA_HDRLEN + a.payload.len());
        // NLA_U32 in a liberal parse: shorter is ERANGE, longer is read as its first word.
        let word = || {
            (a.payload.len() >= 4)
                .then(|| u32_at(a.payload, 0))
                .ok_or(Fault(
                    Errno::ERANGE,
                    c"Userspace action attribute too short",
                ))
        };
        match a.kind {
            userspace_attr::PID => pid = Some(word()?),
            userspace_attr::USERDATA => userdata = Some((payload_off, a.payload.len())),
            userspace_attr::EGRESS_TUN_PORT => egress_tun_port = Some(word()?),
            userspace_attr::ACTIONS => include_actions = true,
            _ => {}
        }
    }
    let pid = match pid {
        Some(pid) if pid != 0 => pid,
        _ => {
            return Err(inval(
                c"Userspace action needs a non-zero OVS_USERSPACE_ATTR_PID",
            ))
        }
    };
    let raw = sink.push_bytes(p).map_err(oom)?;
    let userdata = match userdata {
        None => None,
        Some((off, len)) => Some(ArenaRef {
            off: u32::try_from(off)
                .ok()
                .and_then(|o| raw.off.checked_add(o))
                .ok_or(oom(Errno::ENOMEM))?,
            len: u32::try_from(len).map_err(|_| oom(Errno::ENOMEM))?,
        }),
    };
    push(
        sink,
        Action::Userspace(Userspace {
            pid,
            userdata,
            egress_tun_port,
            include_actions,
            raw,
        }),
    )
}

/// `validate_and_copy_sample()`: strict about its own attributes (each once, nothing else,
/// no bytes left over or missing), then the body one level deeper.
fn sample<'a, S: ActionSink>(p: &'a [u8], last: bool, sink: &mut S) -> Result<Step<'a>, Fault> {
    let mut probability: Option<&[u8]> = None;
    let mut actions: Option<&'a [u8]> = None;
    let mut off = 0usize;
    loop {
        let rest = p.get(off..).unwrap_or(&[]);
        let Some(Ok(a)) = Attrs::new(rest).next() else {
            break;
        };
        off += nla_align(NLA_HDRLEN + a.payload.len());
        let slot = match a.kind {
            sample_attr::PROBABILITY => &mut probability,
            sample_attr::ACTIONS => &mut actions,
            _ => return Err(inval(c"Unknown sample action attribute")),
        };
        if slot.is_some() {
            return Err(inval(c"Duplicate sample action attribute"));
        }
        *slot = Some(a.payload);
    }
    // Upstream requires `rem == 0`: neither bytes left over nor a missing final padding.
    if off != p.len() {
        return Err(inval(c"Malformed sample action attributes"));
    }
    let probability = match probability {
        Some(b) if b.len() == 4 => u32_at(b, 0),
        _ => {
            return Err(inval(
                c"Sample action needs a u32 OVS_SAMPLE_ATTR_PROBABILITY",
            ))
        }
    };
    let body = match actions {
        Some(b) if b.is_empty() || b.len() >= NLA_HDRLEN => b,
        _ => return Err(inval(c"Sample action needs OVS_SAMPLE_ATTR_ACTIONS")),
    };
    let exec = last || !may_change_flow(body);
    let at = sink.len();
    sink.push(Action::Sample {
        probability,
        exec,
        body_len: 0,
    })
    .map_err(oom)?;
    Ok(Step::Enter(body, at))
}

/// `validate_set()`, for the key types this datapath can write.
fn set<'a, S: ActionSink>(
    p: &[u8],
    masked: bool,
    key: &FlowKey,
    sink: &mut S,
) -> Result<Step<'a>, Fault> {
    let inner = match Attrs::new(p).next() {
        Some(Ok(a)) if nla_align(NLA_HDRLEN + a.payload.len()) == p.len() => a,
        _ => return Err(inval(c"Set action must hold exactly one key attribute")),
    };
    let key_type = inner.kind;
    let key_len = if masked {
        inner.payload.len() / 2
    } else {
        inner.payload.len()
    };
    if key_type > key_attr::MAX {
        return Err(inval(c"Set action key type out of range"));
    }
    let Some(want) = SetKey::len_of(key_type) else {
        return Err(match key_type {
            key_attr::TUNNEL | key_attr::MPLS | key_attr::SCTP => {
                inval(c"Set of this key type not supported by this datapath")
            }
            _ => inval(c"Key type cannot be set"),
        });
    };
    if key_len != want {
        return Err(inval(c"Set action key has the wrong length"));
    }
    let value = inner.payload.get(..key_len).unwrap_or(&[]);
    let ones = [0xffu8; MAX_SET_KEY_LEN];
    let mask = if masked {
        let mask = inner.payload.get(key_len..2 * key_len).unwrap_or(&[]);
        if value.iter().zip(mask).any(|(v, m)| v & !m != 0) {
            return Err(inval(c"Set masked value has bits outside its mask"));
        }
        mask
    } else {
        ones.get(..key_len).unwrap_or(&[])
    };
    let Some(mut set_key) = SetKey::from_bytes(key_type, value, mask) else {
        return Err(inval(c"Key type cannot be set"));
    };

    let eth_type = key.be16(field::ETH_TYPE);
    let ip_proto = key.u8_at(field::IP_PROTO);
    let is_ip = eth_type == ETH_P_IP || eth_type == ETH_P_IPV6;
    match &mut set_key {
        SetKey::Priority(_)
        | SetKey::SkbMark(_)
        | SetKey::Ethernet(_)
        | SetKey::CtMark(_)
        | SetKey::CtLabels(_) => {}
        SetKey::Ipv4(m) => {
            if eth_type != ETH_P_IP {
                return Err(inval(c"Set IPv4 needs a flow matching IPv4"));
            }
            check_ip_unchanged(
                masked,
                (m.mask.proto, m.mask.frag),
                (m.value.proto, m.value.frag),
                key,
            )?;
        }
        SetKey::Ipv6(m) => {
            if eth_type != ETH_P_IPV6 {
                return Err(inval(c"Set IPv6 needs a flow matching IPv6"));
            }
            check_ip_unchanged(
                masked,
                (m.mask.proto, m.mask.frag),
                (m.value.proto, m.value.frag),
                key,
            )?;
            if masked && u32::from_be_bytes(m.mask.label) & 0xfff0_0000 != 0 {
                return Err(inval(c"IPv6 flow label mask has bits above the low 20"));
            }
            if u32::from_be_bytes(m.value.label) & 0xfff0_0000 != 0 {
                return Err(inval(c"IPv6 flow label has bits above the low 20"));
            }
            if !masked {
                m.mask.label = Ipv6Key::ONES.label;
            }
        }
        SetKey::Tcp(_) => {
            if !is_ip || ip_proto != IPPROTO_TCP {
                return Err(inval(c"Set TCP needs a flow matching TCP"));
            }
        }
        SetKey::Udp(_) => {
            if !is_ip || ip_proto != IPPROTO_UDP {
                return Err(inval(c"Set UDP needs a flow matching UDP"));
            }
        }
    }

    let form = if masked {
        // The flag bits of the key attribute's type, which `Attr` strips.
        let [_, _, t0, t1] = u32_at(p, 0).to_ne_bytes();
        let raw_type = u16::from_ne_bytes([t0, t1]);
        let extra = (inner.payload.len() % 2 == 1).then(|| {
            let mut e = [0u8; 4];
            if let Some(s) = p.get(NLA_HDRLEN + 2 * key_len..) {
                for (d, s) in e.iter_mut().zip(s) {
                    *d = *s;
                }
            }
            e
        });
        SetForm::Masked {
            key_flags: raw_type & !NLA_TYPE_MASK,
            extra,
        }
    } else {
        SetForm::Set
    };
    push(sink, Action::Set { key: set_key, form })
}

/// IP protocol and fragment type are not writable: a masked set may not touch them, and a
/// plain set must repeat the flow's.
fn check_ip_unchanged(
    masked: bool,
    mask: (u8, u8),
    value: (u8, u8),
    key: &FlowKey,
) -> Result<(), Fault> {
    if masked {
        if mask != (0, 0) {
            return Err(inval(
                c"Set may not change the IP protocol or fragment type",
            ));
        }
    } else if value != (key.u8_at(field::IP_PROTO), key.u8_at(field::IP_FRAG)) {
        return Err(inval(
            c"Set must keep the flow's IP protocol and fragment type",
        ));
    }
    Ok(())
}

/// A nest open in [`put_actions`]: the body's end index and the nests to close there.
struct Open {
    end: usize,
    outer: Nest,
    inner: Option<Nest>,
}

/// Writes `actions` (with their `arena`) as netlink attributes, exactly as upstream's
/// `ovs_nla_put_actions()` dumps the same list: plain sets as `OVS_ACTION_ATTR_SET`, masked
/// sets and userspace actions as received, nests without `NLA_F_NESTED`, sample attributes
/// in upstream's order. A full buffer is `EMSGSIZE`; a list the validator could not have
/// produced (a body overrunning its parent, nesting deeper than [`MAX_DEPTH`], an arena
/// reference out of range) is `EINVAL`.
pub fn put_actions(
    actions: &[Action],
    arena: &[u8],
    cts: &[CtAction],
    out: &mut AttrWriter<'_>,
) -> Result<(), Errno> {
    let mut open: [Option<Open>; MAX_DEPTH] = core::array::from_fn(|_| None);
    let mut depth = 0usize;
    let mut i = 0usize;
    loop {
        while depth > 0 {
            let Some(slot) = open.get_mut(depth - 1) else {
                break;
            };
            if !matches!(slot, Some(o) if o.end == i) {
                break;
            }
            let Some(o) = slot.take() else {
                break;
            };
            if let Some(inner) = o.inner {
                out.end_nest(inner)?;
            }
            out.end_nest(o.outer)?;
            depth -= 1;
        }
        let Some(a) = actions.get(i) else {
            return if depth == 0 {
                Ok(())
            } else {
                Err(Errno::EINVAL)
            };
        };
        i += 1;
        match *a {
            Action::Output { port } => out.put_u32(action_attr::OUTPUT, port)?,
            Action::Userspace(u) => {
                let raw = u.raw.get(arena).ok_or(Errno::EINVAL)?;
                out.put(action_attr::USERSPACE, raw)?;
            }
            Action::Set { key, form } => put_set(&key, form, out)?,
            Action::PushVlan { tpid, tci } => {
                let [a, b] = tpid.to_be_bytes();
                let [c, d] = tci.to_be_bytes();
                out.put(action_attr::PUSH_VLAN, &[a, b, c, d])?;
            }
            Action::PopVlan => out.put(action_attr::POP_VLAN, &[])?,
            Action::Recirc { id } => out.put_u32(action_attr::RECIRC, id)?,
            Action::Hash { alg, basis } => {
                let mut b = [0u8; 8];
                b[..4].copy_from_slice(&alg.as_u32().to_ne_bytes());
                b[4..].copy_from_slice(&basis.to_ne_bytes());
                out.put(action_attr::HASH, &b)?;
            }
            Action::Trunc { max_len } => out.put_u32(action_attr::TRUNC, max_len)?,
            Action::Drop { error } => out.put_u32(action_attr::DROP, error)?,
            Action::Ct { index } => {
                let ct = cts.get(usize::from(index)).ok_or(Errno::EINVAL)?;
                put_ct(ct, out)?;
            }
            Action::CtClear => out.put(action_attr::CT_CLEAR, &[])?,
            Action::Clone { body_len, .. } | Action::Sample { body_len, .. } => {
                let end = i + usize::from(body_len);
                let parent_end = match depth {
                    0 => actions.len(),
                    d => open
                        .get(d - 1)
                        .and_then(|o| o.as_ref())
                        .map_or(0, |o| o.end),
                };
                if end > parent_end || depth >= MAX_DEPTH {
                    return Err(Errno::EINVAL);
                }
                let (outer, inner) = match *a {
                    Action::Sample { probability, .. } => {
                        let outer = out.start_nest_noflag(action_attr::SAMPLE)?;
                        out.put_u32(sample_attr::PROBABILITY, probability)?;
                        (outer, Some(out.start_nest_noflag(sample_attr::ACTIONS)?))
                    }
                    _ => (out.start_nest_noflag(action_attr::CLONE)?, None),
                };
                if let Some(slot) = open.get_mut(depth) {
                    *slot = Some(Open { end, outer, inner });
                }
                depth += 1;
            }
        }
    }
}

/// A set as upstream dumps it: a plain set's key alone in `OVS_ACTION_ATTR_SET`, a masked
/// set's key attribute verbatim (flags, value, mask, odd extra byte) in `SET_MASKED`.
fn put_set(key: &SetKey, form: SetForm, out: &mut AttrWriter<'_>) -> Result<(), Errno> {
    let len = key.key_len();
    let mut buf = [0u8; NLA_HDRLEN + 2 * MAX_SET_KEY_LEN + 4];
    let (kind, flags, extra, total) = match form {
        SetForm::Set => (action_attr::SET, 0, None, NLA_HDRLEN + len),
        SetForm::Masked { key_flags, extra } => {
            let total = NLA_HDRLEN + 2 * len + extra.map_or(0, |_| 4);
            (action_attr::SET_MASKED, key_flags, extra, total)
        }
    };
    let Some(body) = buf.get_mut(..total) else {
        return Err(Errno::EINVAL);
    };
    let nla_len = NLA_HDRLEN
        + if kind == action_attr::SET {
            len
        } else {
            2 * len
        }
        + usize::from(extra.is_some());
    let nla_len = u16::try_from(nla_len).map_err(|_| Errno::EINVAL)?;
    body[..2].copy_from_slice(&nla_len.to_ne_bytes());
    body[2..4].copy_from_slice(&(key.key_attr() | flags).to_ne_bytes());
    key.write(false, &mut body[NLA_HDRLEN..]);
    if kind == action_attr::SET_MASKED {
        key.write(true, &mut body[NLA_HDRLEN + len..]);
    }
    if let Some(e) = extra {
        body[NLA_HDRLEN + 2 * len..].copy_from_slice(&e);
    }
    out.put(kind, body)
}
