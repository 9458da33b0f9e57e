// SPDX-License-Identifier: GPL-2.0
//! `nla`: the attribute codec (`abi/nla.rs`) and the request-table parsers built on
//! it (`abi/{flow,packet,vport,dp}_attrs.rs`).
//!
//! Input: one control byte (the writer's buffer size and options), then an attribute stream.
//! Invariants: iteration yields attributes whose payloads lie inside the stream, tile it
//! at 4-byte alignment, and stops right after its one error; a well-formed stream written
//! back with `AttrWriter` reads back the same; the writer reports `EMSGSIZE` exactly when an
//! attribute does not fit, and then writes nothing; policy helpers return what they say.

use ovs_rs_host::abi::dp_attrs::{dp_selector, ovs_header_dp_ifindex, DpAttrs};
use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::abi::flow_attrs::FlowAttrs;
use ovs_rs_host::abi::nla::{
    self, nla_align, nla_total_size, policy, Attr, AttrWriter, Attrs, NLA_F_NESTED, NLA_HDRLEN,
    NLA_TYPE_MASK,
};
use ovs_rs_host::abi::packet_attrs::PacketAttrs;
use ovs_rs_host::abi::vport_attrs::{vport_selector, VportAttrs};

/// How deep nested payloads are walked as attribute streams.
const MAX_WALK_DEPTH: usize = 6;

pub fn run(data: &[u8]) {
    let ([ctl], stream) = crate::control::<1>(data);
    let well_formed = walk(stream, 0);
    if well_formed {
        write_back(stream);
    }
    writer_limits(stream, ctl);
    for a in Attrs::new(stream).flatten() {
        policies(&a);
    }
    if well_formed {
        families(stream, ctl);
    }
}

/// Walks `s` (and nested payloads) checking the iterator's contract; returns whether the
/// top level is well formed (no error).
fn walk(s: &[u8], depth: usize) -> bool {
    let base = s.as_ptr() as usize;
    let mut it = Attrs::new(s);
    let mut off = 0usize;
    loop {
        match it.next() {
            None => {
                // Only a tail shorter than a header may be left, and only if it was not
                // reached through an unpadded last attribute.
                assert!(
                    s.len().saturating_sub(off) < NLA_HDRLEN,
                    "stopped early at {off}"
                );
                return true;
            }
            Some(Err(e)) => {
                assert_eq!(e, Errno::EINVAL);
                assert!(it.next().is_none(), "the iterator goes on after an error");
                let len = usize::from(u16::from_ne_bytes([s[off], s[off + 1]]));
                assert!(
                    len < NLA_HDRLEN || len > s.len() - off,
                    "bad header {len} at {off}"
                );
                return false;
            }
            Some(Ok(a)) => {
                let p = a.payload.as_ptr() as usize;
                assert_eq!(p, base + off + NLA_HDRLEN, "payload not after its header");
                assert!(
                    off + NLA_HDRLEN + a.payload.len() <= s.len(),
                    "payload past the end"
                );
                assert_eq!(a.kind & !NLA_TYPE_MASK, 0, "flag bits left in the type");
                let raw_type = u16::from_ne_bytes([s[off + 2], s[off + 3]]);
                assert_eq!(a.kind, raw_type & NLA_TYPE_MASK);
                assert_eq!(a.nested_flag, raw_type & NLA_F_NESTED != 0);
                assert_eq!(a.u8().is_ok(), a.payload.len() == 1);
                assert_eq!(a.u16().is_ok(), a.payload.len() == 2);
                assert_eq!(a.u32().is_ok(), a.payload.len() == 4);
                assert_eq!(a.u64().is_ok(), a.payload.len() == 8);
                assert_eq!(a.fixed::<12>().is_ok(), a.payload.len() == 12);
                if depth < MAX_WALK_DEPTH {
                    walk(a.payload, depth + 1);
                    assert_eq!(a.nested().count(), Attrs::new(a.payload).count());
                }
                off += nla_align(NLA_HDRLEN + a.payload.len());
            }
        }
    }
}

fn attrs(s: &[u8]) -> Vec<Attr<'_>> {
    Attrs::new(s).map(|a| a.expect("well formed")).collect()
}

/// A well-formed stream written back attribute by attribute reads back the same, and is as
/// long as the stream with its last attribute padded.
fn write_back(s: &[u8]) {
    let list = attrs(s);
    let need: usize = list.iter().map(|a| nla_total_size(a.payload.len())).sum();
    let out = crate::write(need, |w| {
        list.iter().try_for_each(|a| {
            let flags = if a.nested_flag { NLA_F_NESTED } else { 0 };
            w.put(a.kind | flags, a.payload)
        })
    })
    .expect("a buffer of the exact size is enough");
    assert_eq!(out.len(), need);
    assert!(need <= nla_align(s.len()));
    assert_eq!(attrs(&out), list);
}

/// The writer with a buffer of the control byte's size: every call either fits and writes
/// exactly its size, or is `EMSGSIZE` and writes nothing; nests wrap what they hold.
fn writer_limits(s: &[u8], ctl: u8) {
    let cap = usize::from(ctl) * 4 + usize::from(ctl & 3);
    let mut buf = vec![0xa5u8; cap];
    let mut w = AttrWriter::new(&mut buf);
    for (i, a) in Attrs::new(s).flatten().enumerate() {
        let before = w.as_bytes().len();
        let size = nla_total_size(a.payload.len());
        let r = match i % 5 {
            0 => w.put(a.kind, a.payload),
            1 => {
                // A nest holding the payload as raw bytes, sometimes cancelled.
                let nest = match w.start_nest(a.kind) {
                    Ok(n) => n,
                    Err(e) => {
                        assert_eq!(w.as_bytes().len(), before);
                        assert_eq!(e, Errno::EMSGSIZE);
                        continue;
                    }
                };
                match w.put_raw(a.payload) {
                    Ok(()) if ctl & 0x80 != 0 => {
                        w.cancel_nest(nest);
                        assert_eq!(w.as_bytes().len(), before);
                        continue;
                    }
                    Ok(()) => w.end_nest(nest),
                    Err(e) => {
                        w.cancel_nest(nest);
                        Err(e)
                    }
                }
            }
            2 => w.put_64bit_aligning(a.kind, a.payload, 0xff, ctl & 0x40 != 0),
            3 => match core::str::from_utf8(a.payload) {
                Ok(t) if !t.contains('\0') => {
                    let r = w.put_string(a.kind, t);
                    if r.is_ok() {
                        let last = attrs(&w.as_bytes()[before..]).pop().expect("just put");
                        assert_eq!(nla::nul_string(last.payload), Ok(t));
                        let want = nla_total_size(a.payload.len() + 1);
                        assert_eq!(w.as_bytes().len(), before + want);
                    }
                    r
                }
                _ => w.put_u32(a.kind, a.payload.len() as u32),
            },
            _ => w.put_u64(a.kind, a.payload.len() as u64),
        };
        let after = w.as_bytes().len();
        match r {
            Ok(()) => {
                assert!(after > before && after <= cap);
                // What was just written reads back as attributes whose last has this type.
                let tail = attrs(&w.as_bytes()[before..]);
                assert_eq!(tail.last().map(|t| t.kind), Some(a.kind & NLA_TYPE_MASK));
                if i % 5 == 0 {
                    assert_eq!(after - before, size);
                    assert_eq!(tail[0].payload, a.payload);
                }
                if i % 5 == 1 {
                    // The nest holds the payload, zero padded.
                    let held = tail[0].payload;
                    assert_eq!(held.len(), nla_align(a.payload.len()));
                    assert_eq!(&held[..a.payload.len()], a.payload);
                    assert!(held[a.payload.len()..].iter().all(|&b| b == 0));
                }
            }
            Err(e) => {
                assert_eq!(e, Errno::EMSGSIZE);
                assert_eq!(after, before, "a failed put wrote something");
                if i % 5 == 0 {
                    assert!(before + size > cap, "EMSGSIZE with room for {size} bytes");
                }
            }
        }
    }
    let written = w.as_bytes().len();
    assert!(written <= cap);
    // Everything written is a well-formed stream.
    assert!(walk(&buf[..written], MAX_WALK_DEPTH));
}

/// The policy helpers on an attribute's payload.
fn policies(a: &Attr<'_>) {
    let p = a.payload;
    let k = a.kind;
    assert_eq!(policy::u32(p, k).is_ok(), p.len() >= 4);
    assert_eq!(policy::u16(p, k).is_ok(), p.len() >= 2);
    assert_eq!(policy::u64(p, k).is_ok(), p.len() >= 8);
    if let Ok(v) = policy::u32(p, k) {
        assert_eq!(v.to_ne_bytes(), p[..4]);
    }
    if let Ok(v) = policy::s32_min(p, 0, k) {
        assert!(v >= 0);
    }
    assert_eq!(policy::flag(p, k).is_ok(), p.is_empty());
    assert_eq!(
        policy::nested(p, k).is_ok(),
        p.is_empty() || p.len() >= NLA_HDRLEN
    );
    assert_eq!(policy::min_len(p, 6, k).is_ok(), p.len() >= 6);
    for max in [0, 15, 255] {
        if let Ok(s) = policy::nul_string(p, max, k) {
            let b = s.to_bytes();
            assert!(b.len() <= max, "{} bytes accepted for max {max}", b.len());
            assert_eq!(&p[..b.len()], b);
            assert_eq!(p[b.len()], 0);
        }
    }
    if let Ok(s) = nla::nul_string(p) {
        assert_eq!(&p[..s.len()], s.as_bytes());
        assert_eq!(p[s.len()], 0);
    }
}

/// The request-table parsers over a well-formed stream, with the kernel's lookup: the last
/// attribute of each type wins, as in `nla_parse()`.
fn families(s: &[u8], ctl: u8) {
    let list = attrs(s);
    let lookup = |n: u16| list.iter().rev().find(|a| a.kind == n).map(|a| a.payload);
    if let Ok(f) = FlowAttrs::parse(lookup) {
        let _ = f.log();
        let _ = f.new_request();
        let _ = f.set_request();
        let _ = f.get_request();
        let _ = f.del_request();
        if let Some(u) = f.ufid {
            assert!(!u.is_empty() && u.len() <= 16);
            let _ = u.hash();
        }
    }
    if let Ok(p) = PacketAttrs::parse(lookup) {
        if let Some(packet) = p.packet {
            assert!(packet.len() >= 14);
        }
        if let Ok(e) = p.execute_request() {
            assert!(e.packet.len() >= 14);
        }
    }
    if let Ok(v) = VportAttrs::parse(lookup) {
        if let Some(name) = v.name {
            assert!(name.to_bytes().len() < 16);
        }
        let _ = v.new_request();
        if let Some(pids) = v.upcall_pids {
            let ok = pids.validate(usize::from(ctl)).is_ok();
            let n = pids.iter().count();
            if ok {
                assert!(n >= 1 && n <= usize::from(ctl));
                assert_eq!(pids.0.len(), n * 4);
            }
            for i in 0..n {
                assert!(pids.get(i).is_some());
            }
            assert!(pids.get(n).is_none());
        }
    }
    if let Ok(d) = DpAttrs::parse(lookup) {
        if let Some(name) = d.name {
            assert!(!name.is_empty() && name.len() < 16);
        }
    }
    let _ = dp_selector(lookup, i32::from(ctl));
    let _ = vport_selector(lookup, i32::from(ctl));
    assert_eq!(ovs_header_dp_ifindex(s).is_ok(), s.len() >= 4);
}
