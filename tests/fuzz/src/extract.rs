// SPDX-License-Identifier: GPL-2.0
//! `extract`: flow key extraction (`flow/extract.rs`) and the key's netlink form
//! (`flow/key_nla.rs`) on arbitrary frames.
//!
//! Input: 8 control bytes choosing the packet's metadata (in_port, priority, mark,
//! recirc_id, dp_hash, and a VLAN tag taken out of the frame by the NIC), then the frame.
//! Invariants: the metadata and MAC addresses land in the key; the header offsets are
//! ordered and within the frame (a transport offset past the end keys no transport fields);
//! a frame of at least `ETH_HLEN` bytes never keys EtherType 0, as upstream; and the key,
//! dumped to netlink, parses back to itself, its exact mask dumps and parses back to the
//! same match, as `tests/host` checks on its sample frames.

use ovs_rs_host::abi::uapi::DP_MAX_PORTS;
use ovs_rs_host::flow::extract::{
    extract, PacketMeta, ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q, ETH_P_802_2, ETH_P_IP, ETH_P_IPV6,
};
use ovs_rs_host::flow::key::{field as kf, CtKey, FlowKey, VLAN_TAG_PRESENT};
use ovs_rs_host::flow::key_nla::{
    parse_key, parse_match, put_key, put_mask, ETH_P_MPLS_MC, ETH_P_MPLS_UC, ETH_P_NSH,
};

pub fn run(data: &[u8]) {
    let (c, frame) = crate::control::<8>(data);
    let meta = PacketMeta {
        in_port: u32::from(u16::from_le_bytes([c[1], c[2]])) % DP_MAX_PORTS,
        priority: u32::from(c[5]),
        skb_mark: u32::from(c[6]).rotate_right(4),
        recirc_id: u32::from(c[7]),
        dp_hash: u32::from(c[7]).wrapping_mul(0x9e37_79b9),
        vlan_accel: (c[0] & 1 != 0).then(|| {
            let tpid = if c[0] & 2 != 0 {
                ETH_P_8021AD
            } else {
                ETH_P_8021Q
            };
            (tpid, u16::from_be_bytes([c[3], c[4]]))
        }),
        ct: CtKey {
            state: c[5],
            zone: u16::from(c[6]),
            ..CtKey::default()
        },
    };
    let mut key = FlowKey::ZERO;
    // Whatever the key held before is overwritten.
    let mut dirty = FlowKey::ZERO;
    dirty.set(kf::ND_TARGET, &[0xff; 16]);
    let layout = extract(frame, &meta, &mut key);
    assert_eq!(extract(frame, &meta, &mut dirty), layout);
    assert_eq!(dirty, key, "extraction depends on the key's old contents");

    assert_eq!(key.u32_at(kf::IN_PORT), meta.in_port);
    assert_eq!(key.u32_at(kf::PRIORITY), meta.priority);
    assert_eq!(key.u32_at(kf::SKB_MARK), meta.skb_mark);
    assert_eq!(key.u32_at(kf::RECIRC_ID), meta.recirc_id);
    assert_eq!(key.u32_at(kf::DP_HASH), meta.dp_hash);

    if frame.len() < ETH_HLEN {
        // Keyed on metadata only.
        assert_eq!(layout.l3, frame.len());
        assert_eq!((layout.l4, layout.truncated_l3), (None, false));
        let mut only_meta = key;
        only_meta.clear_range(kf::ETH_SRC, kf::ND_TLL);
        assert_eq!(only_meta, key);
        return;
    }
    assert_eq!(key.get(kf::ETH_DST), &frame[0..6]);
    assert_eq!(key.get(kf::ETH_SRC), &frame[6..12]);
    if let Some((tpid, tci)) = meta.vlan_accel {
        assert_eq!(key.be16(kf::VLAN_TPID), tpid);
        assert_eq!(key.be16(kf::VLAN_TCI), tci | VLAN_TAG_PRESENT);
    }
    let eth_type = key.be16(kf::ETH_TYPE);
    // Upstream's parse_ethertype() never returns 0 for a frame it keys.
    assert_ne!(eth_type, 0, "EtherType 0 from a {}-byte frame", frame.len());

    assert!(
        layout.l3 >= ETH_HLEN && layout.l3 <= frame.len(),
        "{layout:?}"
    );
    if let Some(l4) = layout.l4 {
        assert!(!layout.truncated_l3);
        let min = match eth_type {
            ETH_P_IP => 20,
            ETH_P_IPV6 => 40,
            t => panic!("a transport header under EtherType {t:#x}"),
        };
        assert!(l4 >= layout.l3 + min, "{layout:?}");
        if l4 > frame.len() {
            // Extension headers may point past the end (as upstream's walk does), but then
            // no transport field can have been read.
            for f in [kf::TP_SRC, kf::TP_DST, kf::TCP_FLAGS] {
                assert_eq!(key.get(f), [0, 0], "{f:?} read past the end");
            }
        }
    }
    if layout.truncated_l3 {
        assert!(eth_type == ETH_P_IP || eth_type == ETH_P_IPV6);
    }

    round_trip(&key);
}

fn is_vlan(t: u16) -> bool {
    t == ETH_P_8021Q || t == ETH_P_8021AD
}

fn round_trip(key: &FlowKey) {
    let eth_type = key.be16(kf::ETH_TYPE);
    // A tag header cut short keys as the tag's TPID for EtherType and no TCI at that
    // level. Upstream dumps that level with the key's (zero) TPID as its EtherType, which
    // no parser takes back (userspace rebuilds the key from its own flow instead); ours
    // does the same, so such keys have no netlink round trip to check.
    let outer = key.be16(kf::VLAN_TCI) != 0;
    let inner = key.be16(kf::CVLAN_TCI) != 0;
    if is_vlan(eth_type) && (!outer || !inner) {
        return;
    }
    // No MPLS or NSH support: their keys lack the attribute their EtherType requires, and
    // are refused as upstream refuses such keys ("Missing key").
    if [ETH_P_MPLS_UC, ETH_P_MPLS_MC, ETH_P_NSH].contains(&eth_type) {
        return;
    }
    let stream = crate::write(1024, |w| put_key(key, w)).expect("a key fits 1 KiB");
    let parsed = parse_key(&stream)
        .unwrap_or_else(|r| panic!("a dumped key does not parse back: {r:?}\n{stream:02x?}"));
    assert_eq!(&parsed.key, key, "key changed through netlink");
    if outer && eth_type == ETH_P_802_2 {
        // A tagged 802.2 frame dumps an empty ENCAP; the exact mask made from the key
        // skips it as an all-zero attribute, so that mask's VLAN level is "unexpected"
        // (upstream's `is_all_zero()` and `validate_vlan_mask_from_nlattrs()` do the same).
        // Only flows sent with a mask can have such a key.
        return;
    }
    let m = parse_match(&stream, None)
        .unwrap_or_else(|r| panic!("a dumped key does not match exactly: {r:?}\n{stream:02x?}"));
    assert_eq!(&m.unmasked_key, key);
    assert_eq!(parsed.key_attrs, m.key_attrs);
    if eth_type == ETH_P_802_2 {
        // Upstream's quirk: the key implies 802.2 by omitting the EtherType, so the mask
        // made from it wildcards the EtherType.
        assert_eq!(m.mask.be16(kf::ETH_TYPE), 0);
        return;
    }
    // The exact mask covers every field the key holds.
    assert_eq!(&m.key, key, "the exact mask drops a field");
    let again = crate::write(1024, |w| put_key(&m.key, w)).expect("fits");
    assert_eq!(again, stream);
    // The dumped mask, sent back, gives the same match and the same dump.
    let mask_stream = crate::write(1024, |w| put_mask(&m.mask, &m.key, w)).expect("fits");
    let m2 = parse_match(&stream, Some(&mask_stream))
        .unwrap_or_else(|r| panic!("a dumped mask does not parse back: {r:?}"));
    assert_eq!(m2, m);
    let mask_again = crate::write(1024, |w| put_mask(&m2.mask, &m2.key, w)).expect("fits");
    assert_eq!(mask_again, mask_stream);
}
