// SPDX-License-Identifier: GPL-2.0
//! `key_nla`: flow key and mask attribute streams (`flow/key_nla.rs`).
//!
//! Input: a control byte (which mask to pass), a little-endian u16 splitting the rest into
//! the KEY stream and the MASK stream.
//! Invariants: the three parsers agree (a match's key parses alone to the same key and
//! packet metadata); the match's key is its unmasked key under its mask; the port fields
//! are in range; and the dump of a match settles: dumped, parsed back and dumped again
//! (as long as each dump parses), the third dump equals the second. The first trip may
//! change it, as upstream's does: a wildcarded in_port is dumped with a mask that reads
//! back as exact.

use ovs_rs_host::flow::key::{field as kf, mask_key, FlowKey, KeyRange};
use ovs_rs_host::flow::key_nla::{
    parse_key, parse_match, parse_packet_meta, put_key, put_mask, Match,
};
use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::abi::uapi::DP_MAX_PORTS;

pub fn run(data: &[u8]) {
    let ([mode, s0, s1], rest) = crate::control::<3>(data);
    let split = usize::from(u16::from_le_bytes([s0, s1])).min(rest.len());
    let (key, other) = rest.split_at(split);
    let mask = match mode & 3 {
        0 => None,
        1 => Some(other),
        2 => Some(key),
        _ => Some(&[][..]),
    };

    let m = parse_match(key, mask);
    let k = parse_key(key);
    let meta = parse_packet_meta(key);
    for r in [m.err(), k.err(), meta.err()].into_iter().flatten() {
        assert_eq!(r.errno, Errno::EINVAL, "{r:?}");
    }
    if let Ok(k) = &k {
        // What parse_key accepts, parse_packet_meta accepts: it checks the top level only.
        let meta = meta.expect("a key that parses has packet metadata");
        assert!(k.key.u32_at(kf::IN_PORT) <= DP_MAX_PORTS);
        // Packet metadata is read from the top level only, a key's also from inside VLAN
        // levels (as upstream's `ovs_nla_get_flow_metadata()` and `ovs_nla_get_match()`).
        if k.key.be16(kf::VLAN_TPID) == 0 {
            assert_eq!(meta.in_port, k.key.u32_at(kf::IN_PORT));
            assert_eq!(meta.priority, k.key.u32_at(kf::PRIORITY));
            assert_eq!(meta.skb_mark, k.key.u32_at(kf::SKB_MARK));
            assert_eq!(meta.recirc_id, k.key.u32_at(kf::RECIRC_ID));
            assert_eq!(meta.dp_hash, k.key.u32_at(kf::DP_HASH));
        }
    }
    let Ok(m) = m else { return };
    // The key half is parsed and checked the same way with or without a mask.
    let k = k.expect("a match's key parses alone");
    assert_eq!(k.key, m.unmasked_key);
    assert_eq!(k.key_attrs, m.key_attrs);
    check_match(&m);

    // Dump, parse, dump: once a dump has parsed back, it is a fixed point.
    let mut cur = m;
    let mut dumps: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for _ in 0..3 {
        let d = dump(&cur);
        if let Some(prev) = dumps.last() {
            if dumps.len() >= 2 {
                assert_eq!(&d, prev, "dump not canonical after two trips");
            }
        }
        let Ok(next) = parse_match(&d.0, Some(&d.1)) else {
            return;
        };
        check_match(&next);
        dumps.push(d);
        cur = next;
    }
}

fn dump(m: &Match) -> (Vec<u8>, Vec<u8>) {
    let key = crate::write(1024, |w| put_key(&m.key, w)).expect("a key fits 1 KiB");
    let mask = crate::write(1024, |w| put_mask(&m.mask, &m.key, w)).expect("a mask fits 1 KiB");
    (key, mask)
}

fn check_match(m: &Match) {
    let mut masked = FlowKey::ZERO;
    mask_key(
        &mut masked,
        &m.unmasked_key,
        &m.mask,
        KeyRange::of_mask(&m.mask),
    );
    assert_eq!(
        masked, m.key,
        "the match's key is not its unmasked key under its mask"
    );
    assert!(m.unmasked_key.u32_at(kf::IN_PORT) <= DP_MAX_PORTS);
    let port_mask = m.mask.u32_at(kf::IN_PORT);
    assert!(
        port_mask == 0 || port_mask == u32::MAX,
        "in_port mask {port_mask:#x}"
    );
}
