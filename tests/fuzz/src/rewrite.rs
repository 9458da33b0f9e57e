// SPDX-License-Identifier: GPL-2.0
//! `rewrite`: set actions applied to frames (`actions/rewrite.rs`, `actions/csum.rs`),
//! after extraction and validation as the datapath does them.
//!
//! Input: a control byte (which key to set, `skb->ip_summed`, whether to make the frame's
//! checksums valid first), value and mask bytes for the key, then the frame.
//! Checksums are computed here from scratch, independently of the module's helpers.
//! Invariants, the ones `actions/rewrite.rs` promises: nothing outside the frame is read or
//! written and a failed set leaves the frame as it was; a valid IPv4 header checksum stays
//! valid; a valid TCP, UDP or ICMPv6 checksum (over the frame's transport bytes, for a
//! header right after IPv4 or IPv6) stays valid, a zero UDP checksum stays zero, and under
//! `CHECKSUM_PARTIAL` the field follows the pseudo-header; under `CHECKSUM_COMPLETE`
//! `skb->csum` stays the sum of the frame's bytes.

use ovs_rs_host::actions::action::{Action, SetKey};
use ovs_rs_host::actions::rewrite::{apply_set, Applied, Csum, CsumMode, SkbMeta};
use ovs_rs_host::flow::extract::{
    extract, PacketMeta, ETH_P_IP, ETH_P_IPV6, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP,
};
use ovs_rs_host::flow::key::{field as kf, FlowKey};
use ovs_rs_host::abi::nla::NLA_HDRLEN;
use ovs_rs_host::abi::uapi::{action_attr, key_attr};

const KEYS: [u16; 7] = [
    key_attr::PRIORITY,
    key_attr::SKB_MARK,
    key_attr::ETHERNET,
    key_attr::IPV4,
    key_attr::IPV6,
    key_attr::TCP,
    key_attr::UDP,
];

/// The ones' complement sum of `b` (big-endian words, odd byte padded), unfolded.
fn sum(b: &[u8], mut acc: u64) -> u64 {
    for w in b.chunks(2) {
        acc += u64::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]));
    }
    acc
}

fn fold(mut s: u64) -> u16 {
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// Where a transport checksum lives and what its pseudo-header adds up to.
struct L4 {
    at: usize,
    proto: u8,
    pseudo: u64,
}

/// The transport header right after an IPv4 header (not a fragment) or an IPv6 header
/// (no extension headers), with its checksum field inside the frame.
fn l4_of(frame: &[u8], l3: usize) -> Option<(usize, L4)> {
    let eth_type = u16::from_be_bytes([frame[12], frame[13]]);
    let (l4, proto, addrs) = match eth_type {
        ETH_P_IP if l3 == 14 => {
            let ip = frame.get(l3..l3 + 20)?;
            let ihl = usize::from(ip[0] & 0xf) * 4;
            if ihl < 20 || u16::from_be_bytes([ip[6], ip[7]]) & 0x1fff != 0 {
                return None;
            }
            (l3 + ihl, ip[9], frame.get(l3 + 12..l3 + 20)?)
        }
        ETH_P_IPV6 if l3 == 14 => {
            let ip = frame.get(l3..l3 + 40)?;
            (l3 + 40, ip[6], frame.get(l3 + 8..l3 + 40)?)
        }
        _ => return None,
    };
    // Upstream updates a transport checksum only in a whole transport header.
    let (field, hlen) = match proto {
        IPPROTO_TCP => (16, 20),
        IPPROTO_UDP => (6, 8),
        IPPROTO_ICMPV6 if eth_type == ETH_P_IPV6 => (2, 8),
        _ => return None,
    };
    frame.get(l4..l4 + hlen)?;
    let at = l4 + field;
    let len = frame.len() - l4;
    let pseudo = sum(addrs, u64::from(proto) + len as u64);
    Some((l4, L4 { at, proto, pseudo }))
}

fn l4_check(frame: &[u8], l4: usize, t: &L4) -> u16 {
    fold(sum(&frame[l4..], t.pseudo))
}

fn ipv4_check(frame: &[u8]) -> Option<u16> {
    let eth_type = u16::from_be_bytes([frame[12], frame[13]]);
    let ihl = usize::from(frame.get(14)? & 0xf) * 4;
    if eth_type != ETH_P_IP || ihl < 20 {
        return None;
    }
    Some(fold(sum(frame.get(14..14 + ihl)?, 0)))
}

fn put16(frame: &mut [u8], at: usize, v: u16) {
    frame[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

pub fn run(data: &[u8]) {
    let ([ctl], rest) = crate::control::<1>(data);
    let kind = KEYS[usize::from(ctl & 7) % KEYS.len()];
    let Some(len) = SetKey::len_of(kind) else {
        return;
    };
    if rest.len() < 2 * len + 14 {
        return;
    }
    let (vm, frame) = rest.split_at(2 * len);
    let mut frame = frame.to_vec();
    let mode = CsumMode::from_ip_summed(ctl >> 3);
    let make_valid = ctl & 0x20 != 0;

    // Make what the datapath would validate: value within its mask, and for IP no change
    // to the protocol or fragment type, and a 20-bit flow label.
    let (mut value, mask) = (vm[..len].to_vec(), vm[len..].to_vec());
    for (v, m) in value.iter_mut().zip(&mask) {
        *v &= m;
    }
    let mut attr = Vec::with_capacity(NLA_HDRLEN + 2 * len);
    let inner_len = u16::try_from(NLA_HDRLEN + 2 * len).expect("small");
    attr.extend(inner_len.to_ne_bytes());
    attr.extend(kind.to_ne_bytes());
    attr.extend(&value);
    attr.extend(&mask);
    let masked_byte = |attr: &mut Vec<u8>, at: usize| {
        attr[NLA_HDRLEN + at] = 0;
        attr[NLA_HDRLEN + len + at] = 0;
    };
    match kind {
        key_attr::IPV4 => [8, 11].iter().for_each(|&i| masked_byte(&mut attr, i)),
        key_attr::IPV6 => {
            [36, 39, 32].iter().for_each(|&i| masked_byte(&mut attr, i));
            attr[NLA_HDRLEN + 33] &= 0x0f;
            attr[NLA_HDRLEN + len + 33] &= 0x0f;
        }
        _ => {}
    }
    let mut actions = Vec::new();
    let outer_len = u16::try_from(NLA_HDRLEN + attr.len()).expect("small");
    actions.extend(outer_len.to_ne_bytes());
    actions.extend(action_attr::SET_MASKED.to_ne_bytes());
    actions.extend(&attr);

    let meta = PacketMeta {
        in_port: 1,
        priority: 7,
        skb_mark: 9,
        ..Default::default()
    };
    let mut key = FlowKey::ZERO;
    let layout = extract(&frame, &meta, &mut key);
    if layout.truncated_l3 {
        // datapath/execute.rs refuses IP and transport rewrites on a packet cut short inside
        // its IP header before they reach apply_set (upstream's writable-header check).
        return;
    }
    let Ok(sink) = crate::actions::validate(&actions, &key, None) else {
        return;
    };
    let [Action::Set { key: set, .. }] = sink.actions[..] else {
        panic!("one set action validated as {:?}", sink.actions);
    };

    // Checksums as the frame would carry them.
    let ip_valid_before = if make_valid && ipv4_check(&frame).is_some() {
        put16(&mut frame, 24, 0);
        let c = !ipv4_check(&frame).expect("still IPv4");
        put16(&mut frame, 24, c);
        true
    } else {
        ipv4_check(&frame) == Some(0xffff)
    };
    let l4 = l4_of(&frame, layout.l3);
    let mut l4_before = None;
    if let Some((at, t)) = &l4 {
        if mode == CsumMode::Partial {
            put16(&mut frame, t.at, fold(t.pseudo));
        } else if make_valid && !(t.proto == IPPROTO_UDP && ctl & 0x40 != 0) {
            put16(&mut frame, t.at, 0);
            let c = !l4_check(&frame, *at, t);
            put16(&mut frame, t.at, c);
        } else if t.proto == IPPROTO_UDP && make_valid {
            put16(&mut frame, t.at, 0);
        }
        let field = u16::from_be_bytes([frame[t.at], frame[t.at + 1]]);
        l4_before = Some((l4_check(&frame, *at, t) == 0xffff, field));
    }
    let ip_valid_before = ip_valid_before && ipv4_check(&frame) == Some(0xffff);

    let before = frame.clone();
    // `skb->csum` sums native-endian words: the big-endian sum, byte-swapped on x86.
    let native = |v: u16| {
        if cfg!(target_endian = "little") {
            v.swap_bytes()
        } else {
            v
        }
    };
    let mut csum = Csum::new(mode, native(fold(sum(&frame, 0))).into());
    let mut flow = key;
    let skb = SkbMeta {
        priority: meta.priority,
        mark: meta.skb_mark,
    };
    match apply_set(
        &mut frame, layout.l3, layout.l4, &set, skb, &mut flow, &mut csum,
    ) {
        Err(_) => {
            assert_eq!(frame, before, "a failed set changed the frame");
            return;
        }
        Ok(Applied::Priority(p)) => assert_eq!(flow.u32_at(kf::PRIORITY), p),
        Ok(Applied::SkbMark(m)) => assert_eq!(flow.u32_at(kf::SKB_MARK), m),
        Ok(Applied::Packet(_)) => {}
    }

    if ip_valid_before {
        assert_eq!(
            ipv4_check(&frame),
            Some(0xffff),
            "IPv4 header checksum broken"
        );
    }
    if let (Some((at, t)), Some((valid, field))) = (l4_of(&frame, layout.l3), l4_before) {
        let now = u16::from_be_bytes([frame[t.at], frame[t.at + 1]]);
        if mode == CsumMode::Partial {
            assert_eq!(
                now,
                fold(t.pseudo),
                "partial checksum does not follow the pseudo-header"
            );
        } else if t.proto == IPPROTO_UDP && field == 0 {
            assert_eq!(now, 0, "a zero UDP checksum was filled in");
        } else if valid {
            assert_eq!(
                l4_check(&frame, at, &t),
                0xffff,
                "transport checksum broken"
            );
        }
    }
    if mode == CsumMode::Complete {
        let want = fold(sum(&frame, 0));
        let got = native(fold(u64::from(csum.complete)));
        // 0 and 0xffff are both zero in ones' complement.
        assert!(
            got == want || (got | want) == 0xffff && (got == 0 || want == 0),
            "skb->csum {got:#06x}, frame sums to {want:#06x}"
        );
    }
}
