// SPDX-License-Identifier: GPL-2.0
//! The flow key's netlink codec: round trips from real frames, upstream's mask rules, every
//! rejection, byte-exact encodings, and arbitrary input never panicking.

use ovs_rs_host::abi::errno::{Errno, Rejection};
use ovs_rs_host::abi::nla::AttrWriter;
use ovs_rs_host::abi::uapi::key_attr as ka;
use ovs_rs_host::abi::uapi::DP_MAX_PORTS;
use ovs_rs_host::flow::extract::*;
use ovs_rs_host::flow::key::{field as kf, CtKey, FlowKey, VLAN_TAG_PRESENT};
use ovs_rs_host::flow::key_nla::*;

mod common;
use common::{
    arp_request_packet, attr, eth, icmp, ipv4, ipv6, nd, sctp, tagged, tcp, u32_attr, udp, DST, SRC,
};

// ---- Frames -------------------------------------------------------------------------------

fn key_of(frame: &[u8], meta: &PacketMeta) -> FlowKey {
    let mut key = FlowKey::default();
    extract(frame, meta, &mut key);
    key
}

fn port(in_port: u32) -> PacketMeta {
    PacketMeta {
        in_port,
        ..Default::default()
    }
}

// ---- Attribute streams, built by hand -------------------------------------------------------

fn be16_attr(kind: u16, v: u16) -> Vec<u8> {
    attr(kind, &v.to_be_bytes())
}

fn ethernet_attr() -> Vec<u8> {
    attr(ka::ETHERNET, &[SRC, DST].concat())
}

fn ipv4_attr(src: [u8; 4], dst: [u8; 4], proto: u8, frag: u8) -> Vec<u8> {
    attr(ka::IPV4, &[&src[..], &dst, &[proto, 0, 64, frag]].concat())
}

/// An IPv4 mask: like [`ipv4_attr`] without the key's TTL.
fn ipv4_mask(src: [u8; 4], dst: [u8; 4], proto: u8, frag: u8) -> Vec<u8> {
    attr(ka::IPV4, &[&src[..], &dst, &[proto, 0, 0, frag]].concat())
}

fn ipv6_attr(label: u32, proto: u8, frag: u8) -> Vec<u8> {
    let mut p = vec![0u8; 32];
    p.extend_from_slice(&label.to_be_bytes());
    p.extend_from_slice(&[proto, 0, 64, frag]);
    attr(ka::IPV6, &p)
}

fn ports_attr(kind: u16, src: u16, dst: u16) -> Vec<u8> {
    attr(kind, &[src.to_be_bytes(), dst.to_be_bytes()].concat())
}

/// in_port(1), eth(), eth_type(`ethertype`), then `rest`.
fn l2(ethertype: u16, rest: &[Vec<u8>]) -> Vec<u8> {
    let mut s = [
        u32_attr(ka::IN_PORT, 1),
        ethernet_attr(),
        be16_attr(ka::ETHERTYPE, ethertype),
    ]
    .concat();
    s.extend(rest.concat());
    s
}

fn ipv4_udp_key() -> Vec<u8> {
    l2(
        ETH_P_IP,
        &[
            ipv4_attr([10, 0, 0, 1], [10, 0, 0, 2], IPPROTO_UDP, 0),
            ports_attr(ka::UDP, 1000, 53),
        ],
    )
}

/// eth_type(0x8100), vlan(`tci`), encap(`inner`).
fn vlan(tpid: u16, tci: u16, inner: &[Vec<u8>]) -> Vec<u8> {
    [
        be16_attr(ka::ETHERTYPE, tpid),
        be16_attr(ka::VLAN, tci),
        attr(ka::ENCAP, &inner.concat()),
    ]
    .concat()
}

fn vlan_key(tci: u16, inner: &[Vec<u8>]) -> Vec<u8> {
    [
        u32_attr(ka::IN_PORT, 1),
        ethernet_attr(),
        vlan(ETH_P_8021Q, tci, inner),
    ]
    .concat()
}

fn encode_key(key: &FlowKey) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut w = AttrWriter::new(&mut buf);
    put_key(key, &mut w).unwrap();
    w.as_bytes().to_vec()
}

fn encode_mask(mask: &FlowKey, key: &FlowKey) -> Vec<u8> {
    let mut buf = vec![0u8; 1024];
    let mut w = AttrWriter::new(&mut buf);
    put_mask(mask, key, &mut w).unwrap();
    w.as_bytes().to_vec()
}

fn rejected(key: &[u8], mask: Option<&[u8]>) -> Rejection {
    let r = parse_match(key, mask).unwrap_err();
    assert_eq!(r.errno, Errno::EINVAL, "{r:?}");
    r
}

fn assert_rejects(key: &[u8], mask: Option<&[u8]>, attr: Option<u16>, msg: &str) {
    let r = rejected(key, mask);
    assert_eq!(
        (r.attr, r.msg.to_str().unwrap()),
        (attr, msg),
        "key {key:02x?} mask {mask:02x?}"
    );
}

/// Finds attribute `kind` at the top level of `stream`: its payload.
fn find(stream: &[u8], kind: u16) -> Option<&[u8]> {
    let mut rest = stream;
    while rest.len() >= 4 {
        let len = u16::from_ne_bytes([rest[0], rest[1]]) as usize;
        let k = u16::from_ne_bytes([rest[2], rest[3]]) & 0x3fff;
        if k == kind {
            return Some(&rest[4..len]);
        }
        rest = &rest[len.next_multiple_of(4).min(rest.len())..];
    }
    None
}

fn kinds(stream: &[u8]) -> Vec<u16> {
    let mut out = Vec::new();
    let mut rest = stream;
    while rest.len() >= 4 {
        let len = u16::from_ne_bytes([rest[0], rest[1]]) as usize;
        out.push(u16::from_ne_bytes([rest[2], rest[3]]));
        rest = &rest[len.next_multiple_of(4).min(rest.len())..];
    }
    out
}

// ---- Round trips from extracted keys --------------------------------------------------------

/// Frames of every kind the key holds, with the port they came in on.
fn sample_frames() -> Vec<(&'static str, Vec<u8>, PacketMeta)> {
    let sll = [1, 1, 0x02, 0, 0, 0, 0, 0x0a];
    let tll = [2, 1, 0x02, 0, 0, 0, 0, 0x0b];
    let rich_meta = PacketMeta {
        in_port: 7,
        priority: 0x10001,
        skb_mark: 0xdead_beef,
        recirc_id: 3,
        dp_hash: 0x1234_5678,
        vlan_accel: None,
        ct: CtKey {
            state: 0x22,
            zone: 9,
            mark: 0x55,
            labels: [0xa5; 16],
            ..CtKey::default()
        },
    };
    let mut llc = vec![0xf0, 0xf0, 0x03];
    llc.extend_from_slice(&[0; 20]);
    vec![
        (
            "ipv4 tcp",
            eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0, &tcp(1234, 80, 0x12))),
            port(3),
        ),
        (
            "ipv4 udp",
            eth(ETH_P_IP, &ipv4(IPPROTO_UDP, 0, &udp(5353, 53))),
            rich_meta,
        ),
        (
            "ipv4 icmp",
            eth(ETH_P_IP, &ipv4(IPPROTO_ICMP, 0, &icmp(8, 0))),
            port(1),
        ),
        (
            "ipv4 sctp",
            eth(ETH_P_IP, &ipv4(IPPROTO_SCTP, 0, &sctp(9, 10))),
            port(1),
        ),
        (
            "ipv4 later fragment",
            eth(ETH_P_IP, &ipv4(IPPROTO_UDP, 0x0010, &[0; 8])),
            port(2),
        ),
        (
            "ipv4 first fragment",
            eth(ETH_P_IP, &ipv4(IPPROTO_UDP, 0x2000, &udp(1, 2))),
            port(2),
        ),
        ("arp", eth(ETH_P_ARP, &arp_request_packet()), port(1)),
        (
            "ipv6 tcp",
            eth(ETH_P_IPV6, &ipv6(IPPROTO_TCP, &tcp(40000, 443, 0x02))),
            port(4),
        ),
        (
            "ipv6 nd solicitation",
            eth(ETH_P_IPV6, &nd(135, &sll)),
            port(4),
        ),
        (
            "ipv6 nd advertisement",
            eth(ETH_P_IPV6, &nd(136, &tll)),
            port(4),
        ),
        (
            "ipv6 icmpv6 echo",
            eth(ETH_P_IPV6, &ipv6(IPPROTO_ICMPV6, &icmp(128, 0))),
            port(4),
        ),
        ("llc", eth(llc.len() as u16, &llc), port(5)),
        ("other ethertype", eth(0x88cc, &[0; 30]), port(5)),
        (
            "vlan ipv4 udp",
            tagged(
                &[(ETH_P_8021Q, 0x2005)],
                ETH_P_IP,
                &ipv4(IPPROTO_UDP, 0, &udp(1, 2)),
            ),
            port(1),
        ),
        (
            "qinq ipv6 nd",
            tagged(
                &[(ETH_P_8021AD, 0x0064), (ETH_P_8021Q, 0xe00a)],
                ETH_P_IPV6,
                &nd(135, &sll)[..],
            ),
            port(1),
        ),
        (
            "qinq arp",
            tagged(
                &[(ETH_P_8021AD, 1), (ETH_P_8021Q, 2)],
                ETH_P_ARP,
                &arp_request_packet(),
            ),
            port(1),
        ),
        (
            "accelerated tag and in-frame tag",
            tagged(
                &[(ETH_P_8021Q, 3)],
                ETH_P_IP,
                &ipv4(IPPROTO_TCP, 0, &tcp(1, 2, 0x10)),
            ),
            PacketMeta {
                in_port: 1,
                vlan_accel: Some((ETH_P_8021AD, 9)),
                ..Default::default()
            },
        ),
        (
            "three tags",
            tagged(
                &[(ETH_P_8021AD, 1), (ETH_P_8021Q, 2), (ETH_P_8021Q, 3)],
                ETH_P_IP,
                &ipv4(IPPROTO_UDP, 0, &udp(1, 2)),
            ),
            port(1),
        ),
    ]
}

#[test]
fn extracted_keys_round_trip_with_an_exact_mask() {
    for (name, frame, meta) in sample_frames() {
        let key = key_of(&frame, &meta);
        let stream = encode_key(&key);
        let m = parse_match(&stream, None).unwrap_or_else(|r| panic!("{name}: {r:?}"));
        assert_eq!(m.unmasked_key, key, "{name}");
        if name == "llc" {
            // Upstream's quirk: the key implies 802.2 by omitting the EtherType, and the
            // mask copied from it omits it too, wildcarding it.
            assert_eq!(m.mask.be16(kf::ETH_TYPE), 0);
            assert_eq!(m.key.be16(kf::ETH_TYPE), 0);
            continue;
        }
        // The exact mask covers every field the key holds, so masking changes nothing.
        assert_eq!(m.key, key, "{name}");
        assert_eq!(encode_key(&m.key), stream, "{name}");
        assert_eq!(parse_key(&stream).unwrap().key, key, "{name}");

        // A dumped mask, sent back, gives the same match.
        let mask_stream = encode_mask(&m.mask, &m.key);
        let again = parse_match(&stream, Some(&mask_stream)).unwrap();
        assert_eq!(again, m, "{name}");
        assert_eq!(encode_mask(&again.mask, &again.key), mask_stream, "{name}");
    }
}

#[test]
fn exact_masks_cover_the_carried_fields_only() {
    let key = key_of(
        &eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0, &tcp(1234, 80, 0x12))),
        &port(3),
    );
    let m = parse_match(&encode_key(&key), None).unwrap();
    let mask = &m.mask;
    for f in [
        kf::RECIRC_ID,
        kf::DP_HASH,
        kf::PRIORITY,
        kf::SKB_MARK,
        kf::IN_PORT,
    ] {
        assert_eq!(mask.u32_at(f), u32::MAX, "{f:?}");
    }
    for f in [
        kf::ETH_SRC,
        kf::ETH_DST,
        kf::ETH_TYPE,
        kf::IP_PROTO,
        kf::IP_TOS,
        kf::IP_TTL,
        kf::IP_FRAG,
        kf::TP_SRC,
        kf::TP_DST,
        kf::TCP_FLAGS,
        kf::IPV4_SRC,
        kf::IPV4_DST,
        // Upstream always matches the TCIs: "no tag" is a value.
        kf::VLAN_TCI,
        kf::CVLAN_TCI,
    ] {
        assert!(mask.get(f).iter().all(|&b| b == 0xff), "{f:?}");
    }
    for f in [
        kf::VLAN_TPID,
        kf::CVLAN_TPID,
        kf::ARP_SHA,
        kf::ARP_THA,
        kf::IPV6_SRC,
        kf::IPV6_DST,
        kf::IPV6_LABEL,
        kf::ND_TARGET,
        kf::ND_SLL,
        kf::ND_TLL,
    ] {
        assert!(mask.get(f).iter().all(|&b| b == 0), "{f:?}");
    }
    let expected = [
        ka::RECIRC_ID,
        ka::DP_HASH,
        ka::PRIORITY,
        ka::IN_PORT,
        ka::SKB_MARK,
        ka::CT_STATE,
        ka::CT_ZONE,
        ka::CT_MARK,
        ka::CT_LABELS,
        ka::ETHERNET,
        ka::ETHERTYPE,
        ka::IPV4,
        ka::TCP,
        ka::TCP_FLAGS,
    ]
    .iter()
    .fold(0, |s, &k| s | bit(k));
    assert_eq!((m.key_attrs, m.mask_attrs), (expected, expected));
}

#[test]
fn icmp_type_and_code_sit_in_the_port_fields_as_be16() {
    let key_stream = l2(
        ETH_P_IP,
        &[
            ipv4_attr([1, 1, 1, 1], [2, 2, 2, 2], IPPROTO_ICMP, 0),
            attr(ka::ICMP, &[3, 13]),
        ],
    );
    let m = parse_match(&key_stream, None).unwrap();
    assert_eq!(m.key.get(kf::TP_SRC), [0, 3]);
    assert_eq!(m.key.get(kf::TP_DST), [0, 13]);
    // The exact mask is htons(0xff), as upstream's.
    assert_eq!(m.mask.get(kf::TP_SRC), [0, 0xff]);
    assert_eq!(find(&encode_key(&m.key), ka::ICMP), Some(&[3, 13][..]));
}

#[test]
fn arp_opcode_keeps_its_low_byte() {
    let mut arp = vec![172, 31, 0, 1, 172, 31, 0, 2, 0, 2];
    arp.extend_from_slice(&SRC);
    arp.extend_from_slice(&DST);
    arp.extend_from_slice(&[0, 0]);
    let m = parse_match(&l2(ETH_P_ARP, &[attr(ka::ARP, &arp)]), None).unwrap();
    assert_eq!(m.key.u8_at(kf::IP_PROTO), 2);
    assert_eq!(m.mask.u8_at(kf::IP_PROTO), 0xff);
    assert_eq!(m.key.get(kf::IPV4_SRC), [172, 31, 0, 1]);
    assert_eq!(m.key.get(kf::ARP_THA), DST);
    assert_eq!(find(&encode_key(&m.key), ka::ARP), Some(&arp[..]));
    // The mask's opcode comes out as htons(0xff).
    let mask = encode_mask(&m.mask, &m.key);
    assert_eq!(&find(&mask, ka::ARP).unwrap()[8..10], [0, 0xff]);
}

#[test]
fn rarp_keys_carry_arp_too() {
    let mut arp = vec![0u8; 24];
    arp[9] = 3;
    let m = parse_match(&l2(ETH_P_RARP, &[attr(ka::ARP, &arp)]), None).unwrap();
    assert_eq!(m.key.be16(kf::ETH_TYPE), ETH_P_RARP);
    assert_eq!(m.key.u8_at(kf::IP_PROTO), 3);
    assert_eq!(find(&encode_key(&m.key), ka::ARP), Some(&arp[..]));
    assert_rejects(&l2(ETH_P_RARP, &[]), None, Some(ka::ARP), "Missing key");
}

// ---- Partial masks and the in_port rules ---------------------------------------------------

/// A mask matching IPv4 source /24 and UDP destination port, with `extra` in front.
fn slash24_mask(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut m = extra.concat();
    m.extend(be16_attr(ka::ETHERTYPE, 0xffff));
    m.extend(ipv4_mask([255, 255, 255, 0], [0; 4], 0xff, 0));
    m.extend(ports_attr(ka::UDP, 0, 0xffff));
    m
}

#[test]
fn partial_mask_masks_the_key_and_wildcards_in_port() {
    let key_stream = ipv4_udp_key();
    let m = parse_match(&key_stream, Some(&slash24_mask(&[]))).unwrap();
    assert_eq!(m.mask.get(kf::IPV4_SRC), [255, 255, 255, 0]);
    assert_eq!(m.key.get(kf::IPV4_SRC), [10, 0, 0, 0]);
    assert_eq!(m.key.get(kf::IPV4_DST), [0; 4]);
    assert_eq!(m.unmasked_key.get(kf::IPV4_DST), [10, 0, 0, 2]);
    assert_eq!(m.key.be16(kf::TP_DST), 53);
    assert_eq!(m.key.be16(kf::TP_SRC), 0);
    assert_eq!(m.key.u8_at(kf::IP_PROTO), IPPROTO_UDP);
    assert_eq!(m.key.u8_at(kf::IP_TTL), 0);
    // The mask has no in_port: any port.
    assert_eq!(m.mask.u32_at(kf::IN_PORT), 0);
    assert_eq!(m.key.u32_at(kf::IN_PORT), 0);
    assert_eq!(m.unmasked_key.u32_at(kf::IN_PORT), 1);
    // An all-zero Ethernet mask (dropped) still lets the EtherType match exactly.
    assert_eq!(m.mask.be16(kf::ETH_TYPE), 0xffff);
    assert_eq!(m.mask.get(kf::ETH_SRC), [0; 6]);

    // Dumped as upstream dumps it: the masked key's port 0, and a mask of 0xffff0000.
    let dumped_key = encode_key(&m.key);
    let dumped_mask = encode_mask(&m.mask, &m.key);
    assert_eq!(
        find(&dumped_key, ka::IN_PORT),
        Some(&0u32.to_ne_bytes()[..])
    );
    assert_eq!(
        find(&dumped_mask, ka::IN_PORT),
        Some(&0xffff_0000u32.to_ne_bytes()[..])
    );
    assert_eq!(
        find(&dumped_mask, ka::IPV4),
        Some(&[255, 255, 255, 0, 0, 0, 0, 0, 0xff, 0, 0, 0][..])
    );
    assert_eq!(find(&dumped_mask, ka::UDP), Some(&[0, 0, 0xff, 0xff][..]));
}

#[test]
fn any_nonzero_in_port_mask_is_exact() {
    let key_stream = ipv4_udp_key();
    let mask = slash24_mask(&[u32_attr(ka::IN_PORT, 0x1)]);
    let m = parse_match(&key_stream, Some(&mask)).unwrap();
    assert_eq!(m.mask.u32_at(kf::IN_PORT), u32::MAX);
    assert_eq!(m.key.u32_at(kf::IN_PORT), 1);
    // A zero in_port mask is no mask.
    let mask = slash24_mask(&[u32_attr(ka::IN_PORT, 0)]);
    let m = parse_match(&key_stream, Some(&mask)).unwrap();
    assert_eq!(m.mask.u32_at(kf::IN_PORT), 0);
}

#[test]
fn a_key_without_in_port_has_no_port() {
    let key_stream = [ethernet_attr(), be16_attr(ka::ETHERTYPE, 0x88cc)].concat();
    let m = parse_match(&key_stream, None).unwrap();
    assert_eq!(m.unmasked_key.u32_at(kf::IN_PORT), DP_MAX_PORTS);
    assert_eq!(m.mask.u32_at(kf::IN_PORT), 0);
    assert!(!has(m.key_attrs, ka::IN_PORT));

    // With an in_port mask, the flow matches port DP_MAX_PORTS only: upstream's rule.
    let mask = [u32_attr(ka::IN_PORT, u32::MAX), ethernet_attr()].concat();
    let m = parse_match(&key_stream, Some(&mask)).unwrap();
    assert_eq!(m.key.u32_at(kf::IN_PORT), DP_MAX_PORTS);
    assert_eq!(find(&encode_key(&m.key), ka::IN_PORT), None);
    assert_eq!(
        find(&encode_mask(&m.mask, &m.key), ka::IN_PORT),
        Some(&u32::MAX.to_ne_bytes()[..])
    );
}

#[test]
fn llc_keys_omit_the_ethertype_and_masks_may_match_it() {
    let key_stream = [u32_attr(ka::IN_PORT, 1), ethernet_attr()].concat();
    let m = parse_match(&key_stream, None).unwrap();
    assert_eq!(m.unmasked_key.be16(kf::ETH_TYPE), ETH_P_802_2);
    // The exact mask, copied from the key, has no EtherType either.
    assert_eq!(m.mask.be16(kf::ETH_TYPE), 0);
    assert_eq!(find(&encode_key(&m.unmasked_key), ka::ETHERTYPE), None);

    let mask = [
        u32_attr(ka::IN_PORT, u32::MAX),
        ethernet_attr(),
        be16_attr(ka::ETHERTYPE, 0xffff),
    ]
    .concat();
    let m = parse_match(&key_stream, Some(&mask)).unwrap();
    assert_eq!(m.key.be16(kf::ETH_TYPE), ETH_P_802_2);
    let dumped = encode_mask(&m.mask, &m.key);
    assert_eq!(find(&dumped, ka::ETHERTYPE), Some(&[0xff, 0xff][..]));
    let again = parse_match(&encode_key(&m.key), Some(&dumped)).unwrap();
    assert_eq!((again.key, again.mask), (m.key, m.mask));
}

#[test]
fn all_zero_mask_attributes_are_wildcards_even_unsupported_ones() {
    let key_stream = ipv4_udp_key();
    let mask = slash24_mask(&[
        attr(ka::TUNNEL, &[]),
        u32_attr(ka::CT_STATE, 0),
        attr(ka::CT_LABELS, &[0; 16]),
        u32_attr(ka::SKB_MARK, 0),
    ]);
    let m = parse_match(&key_stream, Some(&mask)).unwrap();
    assert!(!has(m.mask_attrs, ka::SKB_MARK));
    // But a nonzero one is refused.
    let mask = slash24_mask(&[attr(ka::MPLS, &[0, 0, 0x11, 0xff])]);
    assert_rejects(
        &key_stream,
        Some(&mask),
        Some(ka::MPLS),
        "Key type is not supported",
    );
}

/// An `OVS_KEY_ATTR_TUNNEL` nest of `attrs`.
fn tunnel(attrs: &[Vec<u8>]) -> Vec<u8> {
    attr(ka::TUNNEL, &attrs.concat())
}

#[test]
fn masks_may_carry_a_tunnel_nest_as_ovs_vswitchd_puts_in_every_one() {
    use ovs_rs_host::abi::uapi::tunnel_key_attr as tk;
    use ovs_rs_host::abi::uapi::vxlan_ext_attr as vx;
    let key_stream = ipv4_udp_key();
    let accepted = [
        // odp_flow_key_from_mask() of a flow without tunnel metadata: a TTL of 0.
        vec![attr(tk::TTL, &[0])],
        // Upstream reads a mask's tunnel fields whatever their values.
        vec![
            attr(tk::ID, &[0xff; 8]),
            attr(tk::IPV4_SRC, &[0xff; 4]),
            attr(tk::IPV4_DST, &[0xff; 4]),
            attr(tk::TOS, &[0xff]),
            attr(tk::TTL, &[0xff]),
            attr(tk::DONT_FRAGMENT, &[]),
            attr(tk::CSUM, &[]),
            attr(tk::OAM, &[]),
            attr(tk::TP_SRC, &[0xff; 2]),
            attr(tk::TP_DST, &[0xff; 2]),
            attr(tk::PAD, &[]),
            attr(tk::IPV4_INFO_BRIDGE, &[]),
        ],
        vec![
            attr(tk::IPV6_SRC, &[0xff; 16]),
            attr(tk::IPV6_DST, &[0xff; 16]),
        ],
        // It does not look for duplicates.
        vec![attr(tk::TTL, &[0]), attr(tk::TTL, &[0xff])],
        // Geneve options as long as the key's, which has none.
        vec![attr(tk::GENEVE_OPTS, &[])],
        vec![attr(tk::VXLAN_OPTS, &u32_attr(vx::GBP, u32::MAX))],
        vec![attr(tk::VXLAN_OPTS, &[])],
        vec![attr(tk::ERSPAN_OPTS, &[0xff; 8])],
        vec![attr(tk::ERSPAN_OPTS, &[0xff; 255])],
    ];
    for attrs in &accepted {
        let mask = slash24_mask(&[tunnel(attrs)]);
        let m =
            parse_match(&key_stream, Some(&mask)).unwrap_or_else(|r| panic!("{attrs:02x?}: {r:?}"));
        assert!(has(m.mask_attrs, ka::TUNNEL));
        // It sets nothing: the match is the one without it.
        let plain = parse_match(&key_stream, Some(&slash24_mask(&[]))).unwrap();
        assert_eq!((m.key, m.mask), (plain.key, plain.mask));
    }
    // A last attribute without its padding: upstream counts only bytes left over.
    let unpadded = attr(ka::TUNNEL, &[5, 0, tk::TTL as u8, 0, 0]);
    assert!(parse_match(&key_stream, Some(&slash24_mask(&[unpadded]))).is_ok());

    let refused: [(Vec<Vec<u8>>, &str); 17] = [
        (vec![attr(tk::MAX + 1, &[])], "Tunnel attr out of range"),
        (
            vec![attr(tk::TTL, &[0, 0])],
            "Tunnel attr has unexpected len",
        ),
        (
            vec![attr(tk::ID, &[0; 4])],
            "Tunnel attr has unexpected len",
        ),
        (
            vec![attr(tk::PAD, &[0; 4])],
            "Tunnel attr has unexpected len",
        ),
        (vec![attr(tk::CSUM, &[1])], "Tunnel attr has unexpected len"),
        (
            vec![attr(tk::IPV4_DST, &[0; 4]), attr(tk::IPV6_SRC, &[0; 16])],
            "Mixed IPv4 and IPv6 tunnel attributes",
        ),
        (
            vec![
                attr(tk::IPV4_INFO_BRIDGE, &[]),
                attr(tk::IPV6_DST, &[0; 16]),
            ],
            "Mixed IPv4 and IPv6 tunnel attributes",
        ),
        (
            vec![attr(tk::GENEVE_OPTS, &[0; 4])],
            "Geneve option len != mask len",
        ),
        (
            vec![attr(tk::GENEVE_OPTS, &[0; 3])],
            "Geneve opt len is not a multiple of 4",
        ),
        (
            vec![attr(tk::GENEVE_OPTS, &[0; 256])],
            "Geneve option length err",
        ),
        (
            vec![attr(tk::GENEVE_OPTS, &[]), attr(tk::VXLAN_OPTS, &[])],
            "Multiple metadata blocks provided",
        ),
        (
            vec![attr(tk::VXLAN_OPTS, &attr(vx::GBP, &[0; 2]))],
            "VXLAN extension has unexpected len",
        ),
        (
            vec![attr(tk::VXLAN_OPTS, &attr(vx::UNSPEC, &[]))],
            "Unknown VXLAN extension attribute",
        ),
        (
            vec![attr(tk::VXLAN_OPTS, &attr(vx::MAX + 1, &[]))],
            "VXLAN extension out of range",
        ),
        (
            vec![attr(
                tk::VXLAN_OPTS,
                &[u32_attr(vx::GBP, 0), vec![0; 2]].concat(),
            )],
            "VXLAN extension message has unknown bytes",
        ),
        (
            vec![attr(tk::ERSPAN_OPTS, &[0; 256])],
            "ERSPAN option length err",
        ),
        (
            vec![attr(tk::TTL, &[0]), vec![1, 0]],
            "IP tunnel attribute has unknown bytes",
        ),
    ];
    for (attrs, msg) in &refused {
        let mask = slash24_mask(&[tunnel(attrs)]);
        assert_rejects(&key_stream, Some(&mask), Some(ka::TUNNEL), msg);
    }
    // An attribute running past the nest's end leaves its bytes over.
    let overrun = attr(ka::TUNNEL, &[9, 0, tk::TTL as u8, 0, 0, 0, 0, 0]);
    assert_rejects(
        &key_stream,
        Some(&slash24_mask(&[overrun])),
        Some(ka::TUNNEL),
        "IP tunnel attribute has unknown bytes",
    );
    // Inside the mask of a VLAN level too, as upstream pools the levels' attributes.
    let inner = [
        be16_attr(ka::ETHERTYPE, ETH_P_IP),
        ipv4_attr([10, 0, 0, 1], [10, 0, 0, 2], IPPROTO_UDP, 0),
        ports_attr(ka::UDP, 1, 2),
    ];
    let vlan_key_stream = vlan_key(0x1005, &inner);
    let vlan_mask = [
        u32_attr(ka::IN_PORT, u32::MAX),
        ethernet_attr(),
        vlan(
            0xffff,
            0xffff,
            &[
                be16_attr(ka::ETHERTYPE, 0xffff),
                tunnel(&[attr(tk::TTL, &[0])]),
            ],
        ),
    ]
    .concat();
    assert!(parse_match(&vlan_key_stream, Some(&vlan_mask)).is_ok());
    // A key still may not have one, whatever it holds.
    for attrs in &accepted {
        let key = [key_stream.clone(), tunnel(attrs)].concat();
        assert_rejects(&key, None, Some(ka::TUNNEL), "Key type is not supported");
    }
}

#[test]
fn vlan_masks_may_wildcard_tci_bits_but_not_presence() {
    let inner = [
        be16_attr(ka::ETHERTYPE, ETH_P_IP),
        ipv4_attr([10, 0, 0, 1], [10, 0, 0, 2], IPPROTO_UDP, 0),
        ports_attr(ka::UDP, 1, 2),
    ];
    let key_stream = vlan_key(0x1005 | 0x2000, &inner);
    let mask = [
        u32_attr(ka::IN_PORT, u32::MAX),
        ethernet_attr(),
        vlan(
            0xffff,
            VLAN_TAG_PRESENT | 0x0fff,
            &[be16_attr(ka::ETHERTYPE, 0xffff)],
        ),
    ]
    .concat();
    let m = parse_match(&key_stream, Some(&mask)).unwrap();
    assert_eq!(m.mask.be16(kf::VLAN_TCI), 0x1fff);
    assert_eq!(m.mask.be16(kf::VLAN_TPID), 0xffff);
    assert_eq!(m.key.be16(kf::VLAN_TCI), 0x1005);
    assert_eq!(m.key.be16(kf::ETH_TYPE), ETH_P_IP);
    assert_eq!(m.mask.u8_at(kf::IP_PROTO), 0);
    // The inner TCI stays exact: no C-VLAN.
    assert_eq!(m.mask.be16(kf::CVLAN_TCI), 0xffff);
    assert_eq!(m.key.be16(kf::CVLAN_TCI), 0);

    let dumped = encode_mask(&m.mask, &m.key);
    let encap = find(&dumped, ka::ENCAP).unwrap();
    assert_eq!(find(&dumped, ka::ETHERTYPE), Some(&[0xff, 0xff][..]));
    assert_eq!(find(&dumped, ka::VLAN), Some(&[0x1f, 0xff][..]));
    assert_eq!(find(encap, ka::ETHERTYPE), Some(&[0xff, 0xff][..]));
    assert_eq!(find(encap, ka::IPV4), Some(&[0; 12][..]));
}

#[test]
fn a_truncated_vlan_header_keys_as_a_tag_with_nothing_after_it() {
    // Upstream's corner case: TCI 0, empty ENCAP.
    let key_stream = vlan_key(0, &[]);
    let m = parse_key(&key_stream).unwrap();
    assert_eq!(m.key.be16(kf::VLAN_TPID), ETH_P_8021Q);
    assert_eq!(m.key.be16(kf::VLAN_TCI), 0);
    assert_eq!(m.key.be16(kf::ETH_TYPE), ETH_P_802_2);
    // Its exact mask has an empty (so absent) ENCAP, and upstream then refuses the VLAN.
    assert_rejects(
        &key_stream,
        None,
        Some(ka::VLAN),
        "VLAN attribute unexpected",
    );

    // A frame whose tag is cut short dumps as upstream's: TPID 0, TCI 0, empty ENCAP.
    let mut frame = eth(ETH_P_8021Q, &[]);
    frame.push(0);
    let stream = encode_key(&key_of(&frame, &port(1)));
    assert_eq!(find(&stream, ka::ETHERTYPE), Some(&[0, 0][..]));
    assert_eq!(find(&stream, ka::VLAN), Some(&[0, 0][..]));
    assert_eq!(find(&stream, ka::ENCAP), Some(&[][..]));
}

#[test]
fn a_mask_without_its_vlan_attribute_borrows_the_keys_like_upstream() {
    // Upstream's attribute table is shared by key and mask: a mask VLAN level without a
    // (nonzero) VLAN attribute is read with the key's TCI.
    let key_stream = vlan_key(0x1005, &[be16_attr(ka::ETHERTYPE, 0x88cc)]);
    let mask = [
        ethernet_attr(),
        be16_attr(ka::ETHERTYPE, 0xffff),
        be16_attr(ka::VLAN, 0),
        attr(ka::ENCAP, &be16_attr(ka::ETHERTYPE, 0xffff)),
    ]
    .concat();
    let m = parse_match(&key_stream, Some(&mask)).unwrap();
    assert_eq!(m.mask.be16(kf::VLAN_TCI), 0x1005);
}

// ---- Byte-exact encodings, from the uapi structs --------------------------------------------

#[cfg(target_endian = "little")]
#[test]
fn ipv4_tcp_key_encodes_byte_for_byte() {
    let frame = eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0, &tcp(1234, 80, 0x02)));
    let meta = PacketMeta {
        in_port: 3,
        priority: 7,
        skb_mark: 0x1122_3344,
        ..Default::default()
    };
    #[rustfmt::skip]
    let expected: &[u8] = &[
        8, 0, 20, 0, 0, 0, 0, 0, // RECIRC_ID = 0
        8, 0, 19, 0, 0, 0, 0, 0, // DP_HASH = 0
        8, 0, 2, 0, 7, 0, 0, 0, // PRIORITY = 7
        8, 0, 3, 0, 3, 0, 0, 0, // IN_PORT = 3
        8, 0, 15, 0, 0x44, 0x33, 0x22, 0x11, // SKB_MARK
        8, 0, 22, 0, 0, 0, 0, 0, // CT_STATE
        6, 0, 23, 0, 0, 0, 0, 0, // CT_ZONE, padded
        8, 0, 24, 0, 0, 0, 0, 0, // CT_MARK
        20, 0, 25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // CT_LABELS
        16, 0, 4, 0, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, // ETHERNET: src, dst
        6, 0, 6, 0, 0x08, 0x00, 0, 0, // ETHERTYPE = 0x0800, padded
        16, 0, 7, 0, 10, 0, 0, 1, 10, 0, 0, 2, 6, 0x10, 64, 0, // IPV4: src dst proto tos ttl frag
        8, 0, 9, 0, 0x04, 0xd2, 0x00, 0x50, // TCP: 1234 -> 80
        6, 0, 18, 0, 0x00, 0x02, 0, 0, // TCP_FLAGS = SYN, padded
    ];
    assert_eq!(encode_key(&key_of(&frame, &meta)), expected);
    let m = parse_match(expected, None).unwrap();
    assert_eq!(m.key, key_of(&frame, &meta));
}

#[cfg(target_endian = "little")]
#[test]
fn vlan_arp_key_and_its_mask_encode_byte_for_byte() {
    let frame = tagged(&[(ETH_P_8021Q, 0x2005)], ETH_P_ARP, &arp_request_packet());
    #[rustfmt::skip]
    let expected_key: &[u8] = &[
        8, 0, 20, 0, 0, 0, 0, 0, // RECIRC_ID
        8, 0, 19, 0, 0, 0, 0, 0, // DP_HASH
        8, 0, 2, 0, 0, 0, 0, 0, // PRIORITY
        8, 0, 3, 0, 1, 0, 0, 0, // IN_PORT = 1
        8, 0, 15, 0, 0, 0, 0, 0, // SKB_MARK
        8, 0, 22, 0, 0, 0, 0, 0, // CT_STATE
        6, 0, 23, 0, 0, 0, 0, 0, // CT_ZONE, padded
        8, 0, 24, 0, 0, 0, 0, 0, // CT_MARK
        20, 0, 25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // CT_LABELS
        16, 0, 4, 0, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, // ETHERNET
        6, 0, 6, 0, 0x81, 0x00, 0, 0, // ETHERTYPE = TPID 0x8100
        6, 0, 5, 0, 0x30, 0x05, 0, 0, // VLAN = TCI 0x2005 | CFI
        40, 0, 1, 0, // ENCAP, 36 bytes of payload, no NLA_F_NESTED (as upstream)
        6, 0, 6, 0, 0x08, 0x06, 0, 0, // ETHERTYPE = ARP
        28, 0, 13, 0, // ARP: sip, tip, op, sha, tha, struct padding
        172, 31, 110, 1, 172, 31, 110, 20, 0, 1,
        2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let key = key_of(&frame, &port(1));
    assert_eq!(encode_key(&key), expected_key);

    let m = parse_match(expected_key, None).unwrap();
    #[rustfmt::skip]
    let expected_mask: &[u8] = &[
        8, 0, 20, 0, 0xff, 0xff, 0xff, 0xff, // RECIRC_ID
        8, 0, 19, 0, 0xff, 0xff, 0xff, 0xff, // DP_HASH
        8, 0, 2, 0, 0xff, 0xff, 0xff, 0xff, // PRIORITY
        8, 0, 3, 0, 0xff, 0xff, 0xff, 0xff, // IN_PORT
        8, 0, 15, 0, 0xff, 0xff, 0xff, 0xff, // SKB_MARK
        8, 0, 22, 0, 0xff, 0, 0, 0, // CT_STATE: the supported bits
        6, 0, 23, 0, 0xff, 0xff, 0, 0, // CT_ZONE
        8, 0, 24, 0, 0xff, 0xff, 0xff, 0xff, // CT_MARK
        20, 0, 25, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // CT_LABELS
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        16, 0, 4, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        6, 0, 6, 0, 0xff, 0xff, 0, 0, // ETHERTYPE: a TPID mask is always exact
        6, 0, 5, 0, 0xff, 0xff, 0, 0, // VLAN
        40, 0, 1, 0, // ENCAP
        6, 0, 6, 0, 0xff, 0xff, 0, 0, // ETHERTYPE
        28, 0, 13, 0, // ARP: the opcode's mask is htons(0xff)
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0,
    ];
    assert_eq!(encode_mask(&m.mask, &m.key), expected_mask);
}

#[test]
fn dumps_follow_upstreams_attribute_order() {
    let frame = tagged(
        &[(ETH_P_8021AD, 0x0064), (ETH_P_8021Q, 0xe00a)],
        ETH_P_IPV6,
        &nd(135, &[1, 1, 0x02, 0, 0, 0, 0, 0x0a]),
    );
    let stream = encode_key(&key_of(&frame, &port(1)));
    assert_eq!(
        kinds(&stream),
        [
            ka::RECIRC_ID,
            ka::DP_HASH,
            ka::PRIORITY,
            ka::IN_PORT,
            ka::SKB_MARK,
            ka::CT_STATE,
            ka::CT_ZONE,
            ka::CT_MARK,
            ka::CT_LABELS,
            ka::ETHERNET,
            ka::ETHERTYPE,
            ka::VLAN,
            ka::ENCAP,
        ]
    );
    let outer = find(&stream, ka::ENCAP).unwrap();
    assert_eq!(find(&stream, ka::ETHERTYPE), Some(&[0x88, 0xa8][..]));
    assert_eq!(kinds(outer), [ka::ETHERTYPE, ka::VLAN, ka::ENCAP]);
    let inner = find(outer, ka::ENCAP).unwrap();
    // Upstream's __ovs_nla_put_key() puts IPV6_EXTHDRS after every IPV6 (ovs-dpctl 3.1,
    // which predates it, prints it as `key32(...)`).
    assert_eq!(
        kinds(inner),
        [
            ka::ETHERTYPE,
            ka::IPV6,
            ka::IPV6_EXTHDRS,
            ka::ICMPV6,
            ka::ND
        ]
    );
    let nd_payload = find(inner, ka::ND).unwrap();
    assert_eq!(nd_payload[15], 9);
    assert_eq!(&nd_payload[16..22], [0x02, 0, 0, 0, 0, 0x0a]);
    assert_eq!(&nd_payload[22..28], [0; 6]);

    // Three tags: the third TPID is the innermost EtherType, and nothing follows.
    let frame = tagged(
        &[(ETH_P_8021AD, 1), (ETH_P_8021Q, 2), (ETH_P_8021Q, 3)],
        ETH_P_IP,
        &ipv4(IPPROTO_UDP, 0, &udp(1, 2)),
    );
    let stream = encode_key(&key_of(&frame, &port(1)));
    let inner = find(find(&stream, ka::ENCAP).unwrap(), ka::ENCAP).unwrap();
    assert_eq!(kinds(inner), [ka::ETHERTYPE]);
    assert_eq!(find(inner, ka::ETHERTYPE), Some(&[0x81, 0x00][..]));
}

#[test]
fn later_fragments_and_unknown_protocols_stop_at_the_network_header() {
    let frame = eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0x0010, &[0; 20]));
    let stream = encode_key(&key_of(&frame, &port(1)));
    assert_eq!(kinds(&stream).last(), Some(&ka::IPV4));
    let frame = eth(ETH_P_IP, &ipv4(47, 0, &[0; 20]));
    assert_eq!(
        kinds(&encode_key(&key_of(&frame, &port(1)))).last(),
        Some(&ka::IPV4)
    );
}

#[test]
fn full_buffers_are_emsgsize() {
    for (name, frame, meta) in sample_frames() {
        let key = key_of(&frame, &meta);
        let need = encode_key(&key).len();
        for size in 0..need {
            let mut buf = vec![0u8; size];
            let mut w = AttrWriter::new(&mut buf);
            assert_eq!(put_key(&key, &mut w), Err(Errno::EMSGSIZE), "{name} {size}");
            let mut w = AttrWriter::new(&mut buf);
            assert_eq!(
                put_mask(&key, &key, &mut w),
                Err(Errno::EMSGSIZE),
                "{name} {size}"
            );
        }
    }
}

// ---- Rejections ----------------------------------------------------------------------------

#[test]
fn attribute_types_beyond_max_are_out_of_range() {
    for kind in [ka::MAX + 1, 64, 0x3fff] {
        let key = [ipv4_udp_key(), attr(kind, &[])].concat();
        assert_rejects(&key, None, Some(kind), "Key type out of range");
        assert_rejects(
            &ipv4_udp_key(),
            Some(&key),
            Some(kind),
            "Key type out of range",
        );
    }
}

#[test]
fn types_upstream_refuses_are_refused_before_anything_else() {
    for kind in [ka::PACKET_TYPE, ka::ND_EXTENSIONS, ka::TUNNEL_INFO] {
        let key = [attr(kind, &[0; 4]), ipv4_udp_key()].concat();
        assert_rejects(&key, None, Some(kind), "Key type is not supported");
    }
}

#[test]
fn unsupported_features_are_refused_as_upstream_refuses_unknown_keys() {
    // IPV6_EXTHDRS is supported now: ipv6_exthdrs_is_matched_and_dumped_as_upstream.
    // So are the conntrack keys: conntrack_keys_are_matched_and_dumped_as_upstream.
    let payloads: [(u16, Vec<u8>); 3] = [
        (ka::TUNNEL, attr(1, &[0, 0, 0, 0, 0, 0, 0, 1])),
        (ka::MPLS, vec![0, 0, 0x11, 0xff]),
        (ka::NSH, attr(1, &[1; 8])),
    ];
    for (kind, payload) in &payloads {
        let key = [ipv4_udp_key(), attr(*kind, payload)].concat();
        assert_rejects(&key, None, Some(*kind), "Key type is not supported");
        // Even a zero value: a key attribute is a match on it.
        let zero = [ipv4_udp_key(), attr(*kind, &vec![0; payload.len()])].concat();
        assert_rejects(&zero, None, Some(*kind), "Key type is not supported");
        // Inside an ENCAP too.
        let nested = vlan_key(0x1001, &[attr(*kind, payload)]);
        assert_rejects(&nested, None, Some(*kind), "Key type is not supported");
    }
    assert_eq!(
        SUPPORTED | payloads.iter().fold(0, |s, (k, _)| s | bit(*k)),
        ((1u64 << (ka::MAX + 1)) - 1)
            & !bit(ka::UNSPEC)
            & !bit(ka::PACKET_TYPE)
            & !bit(ka::ND_EXTENSIONS)
            & !bit(ka::TUNNEL_INFO)
    );
}

#[test]
fn unspec_is_an_unknown_key_attribute() {
    let key = [ipv4_udp_key(), attr(ka::UNSPEC, &[])].concat();
    assert_rejects(&key, None, Some(ka::UNSPEC), "Unknown key attributes");
    let key = [ipv4_udp_key(), attr(ka::UNSPEC, &[1])].concat();
    assert_rejects(&key, None, Some(ka::UNSPEC), "Key has unexpected len");
}

#[test]
fn duplicates_are_refused_at_each_level() {
    let key = [
        ipv4_udp_key(),
        u32_attr(ka::PRIORITY, 1),
        u32_attr(ka::PRIORITY, 2),
    ]
    .concat();
    assert_rejects(&key, None, Some(ka::PRIORITY), "Duplicate key");
    let key = [ipv4_udp_key(), ports_attr(ka::UDP, 1, 2)].concat();
    assert_rejects(&key, None, Some(ka::UDP), "Duplicate key");
    // Inside an ENCAP, the outer level's non-VLAN attributes count too.
    let key = vlan_key(0x1001, &[ethernet_attr()]);
    assert_rejects(&key, None, Some(ka::ETHERNET), "Duplicate key");
    let key = vlan_key(
        0x1001,
        &[
            be16_attr(ka::ETHERTYPE, 0x88cc),
            be16_attr(ka::ETHERTYPE, 0x88cc),
        ],
    );
    assert_rejects(&key, None, Some(ka::ETHERTYPE), "Duplicate key");
    // In a mask, a zero attribute does not count.
    let mask = [
        u32_attr(ka::IN_PORT, 0),
        u32_attr(ka::IN_PORT, 1),
        ethernet_attr(),
    ]
    .concat();
    assert!(parse_match(&ipv4_udp_key(), Some(&mask)).is_ok());
}

#[test]
fn every_fixed_length_is_enforced() {
    for kind in 0..=ka::MAX {
        let AttrLen::Fixed(len) = KEY_ATTR_LENS[usize::from(kind)] else {
            continue;
        };
        if matches!(kind, ka::PACKET_TYPE | ka::ND_EXTENSIONS | ka::TUNNEL_INFO) {
            continue;
        }
        for wrong in [len + 1, len.wrapping_sub(1), len + 4] {
            if wrong > 64 {
                continue;
            }
            let key = [attr(kind, &vec![1; wrong]), ipv4_udp_key()].concat();
            assert_rejects(&key, None, Some(kind), "Key has unexpected len");
            // In a mask too, before its value is looked at.
            let zero = attr(kind, &vec![0; wrong]);
            assert_rejects(
                &ipv4_udp_key(),
                Some(&zero),
                Some(kind),
                "Key has unexpected len",
            );
        }
    }
}

#[test]
fn lengths_are_the_uapi_struct_sizes() {
    let fixed = |k: u16| KEY_ATTR_LENS[usize::from(k)];
    assert_eq!(fixed(ka::ETHERNET), AttrLen::Fixed(12));
    assert_eq!(fixed(ka::IPV4), AttrLen::Fixed(12));
    assert_eq!(fixed(ka::IPV6), AttrLen::Fixed(40));
    assert_eq!(fixed(ka::ARP), AttrLen::Fixed(24));
    assert_eq!(fixed(ka::ND), AttrLen::Fixed(28));
    assert_eq!(fixed(ka::CT_ORIG_TUPLE_IPV4), AttrLen::Fixed(16));
    assert_eq!(fixed(ka::CT_ORIG_TUPLE_IPV6), AttrLen::Fixed(40));
    for k in [ka::TCP, ka::UDP, ka::SCTP] {
        assert_eq!(fixed(k), AttrLen::Fixed(4));
    }
    for k in [ka::ENCAP, ka::TUNNEL, ka::NSH] {
        assert_eq!(fixed(k), AttrLen::Nested);
    }
    assert_eq!(fixed(ka::MPLS), AttrLen::Variable);
}

#[test]
fn malformed_streams_have_unknown_bytes() {
    let good = ipv4_udp_key();
    // Trailing bytes too short for a header.
    for extra in 1..4 {
        let mut key = good.clone();
        key.extend(vec![0; extra]);
        assert_rejects(&key, None, None, "Message has unknown bytes");
    }
    // A length shorter than a header, or past the end.
    for len in [0u16, 3, 200] {
        let mut key = good.clone();
        key.extend_from_slice(&len.to_ne_bytes());
        key.extend_from_slice(&ka::PRIORITY.to_ne_bytes());
        assert_rejects(&key, None, None, "Message has unknown bytes");
    }
    // A last attribute without its padding.
    let mut key = good.clone();
    key.extend_from_slice(&[6, 0, ka::TCP_FLAGS as u8, 0, 0, 0]);
    assert_rejects(&key, None, None, "Message has unknown bytes");
    // Inside an ENCAP, the ENCAP is named.
    let mut encap = be16_attr(ka::ETHERTYPE, 0x88cc);
    encap.extend_from_slice(&[1, 2]);
    let key = vlan_key(0x1001, &[]);
    let key = [&key[..key.len() - 4], &attr(ka::ENCAP, &encap)].concat();
    assert_rejects(&key, None, Some(ka::ENCAP), "Message has unknown bytes");
}

#[test]
fn vlan_levels_need_their_tci_and_encap() {
    let inner = [be16_attr(ka::ETHERTYPE, 0x88cc)];
    let without_vlan = [
        ethernet_attr(),
        be16_attr(ka::ETHERTYPE, ETH_P_8021Q),
        attr(ka::ENCAP, &inner.concat()),
    ]
    .concat();
    assert_rejects(&without_vlan, None, Some(ka::VLAN), "Invalid VLAN frame");
    let without_encap = [
        ethernet_attr(),
        be16_attr(ka::ETHERTYPE, ETH_P_8021AD),
        be16_attr(ka::VLAN, 0x1001),
    ]
    .concat();
    assert_rejects(&without_encap, None, Some(ka::ENCAP), "Invalid VLAN frame");
    assert_rejects(
        &vlan_key(0x0005, &inner),
        None,
        Some(ka::VLAN),
        "VLAN TCI does not have VLAN_CFI_MASK bit set",
    );
    assert_rejects(
        &vlan_key(0, &inner),
        None,
        Some(ka::ENCAP),
        "Truncated VLAN header has non-zero encap attribute",
    );
    // A VLAN attribute outside any VLAN level.
    let stray = l2(0x88cc, &[be16_attr(ka::VLAN, 0x1001)]);
    assert_rejects(&stray, None, Some(ka::VLAN), "VLAN attribute unexpected");
}

#[test]
fn inner_vlan_levels_say_c_vlan() {
    let inner_level = |tci: u16, rest: &[Vec<u8>]| vlan(ETH_P_8021Q, tci, rest);
    let cases: [(Vec<u8>, u16, &str); 3] = [
        (
            vlan_key(
                0x1001,
                &[
                    be16_attr(ka::ETHERTYPE, ETH_P_8021Q),
                    be16_attr(ka::VLAN, 0x1002),
                ],
            ),
            ka::ENCAP,
            "Invalid C-VLAN frame",
        ),
        (
            vlan_key(0x1001, &[inner_level(2, &[])]),
            ka::VLAN,
            "C-VLAN TCI does not have VLAN_CFI_MASK bit set",
        ),
        (
            vlan_key(
                0x1001,
                &[inner_level(0, &[be16_attr(ka::ETHERTYPE, 0x88cc)])],
            ),
            ka::ENCAP,
            "Truncated C-VLAN header has non-zero encap attribute",
        ),
    ];
    for (key, attr, msg) in &cases {
        assert_rejects(key, None, Some(*attr), msg);
    }
    // A well-formed QinQ key parses, with both tags.
    let key = vlan_key(
        0x1001,
        &[inner_level(0x1002, &[be16_attr(ka::ETHERTYPE, 0x88cc)])],
    );
    let m = parse_match(&key, None).unwrap();
    assert_eq!(m.key.be16(kf::CVLAN_TPID), ETH_P_8021Q);
    assert_eq!(m.key.be16(kf::CVLAN_TCI), 0x1002);
    assert_eq!(m.key.be16(kf::ETH_TYPE), 0x88cc);
}

#[test]
fn vlan_masks_need_a_tagged_key_an_exact_tpid_and_the_cfi_bit() {
    let plain_key = l2(0x88cc, &[]);
    let mask = [
        ethernet_attr(),
        vlan(0xffff, 0xffff, &[be16_attr(ka::ETHERTYPE, 0xffff)]),
    ]
    .concat();
    assert_rejects(
        &plain_key,
        Some(&mask),
        Some(ka::ENCAP),
        "Encap mask attribute is set for non-VLAN frame",
    );

    let key = vlan_key(0x1005, &[be16_attr(ka::ETHERTYPE, 0x88cc)]);
    let inner = [be16_attr(ka::ETHERTYPE, 0xffff)];
    let mask = [ethernet_attr(), vlan(0xfff0, 0xffff, &inner)].concat();
    assert_rejects(
        &key,
        Some(&mask),
        Some(ka::ETHERTYPE),
        "Must have an exact match on VLAN TPID",
    );
    let mask = [ethernet_attr(), vlan(0xffff, 0x0fff, &inner)].concat();
    assert_rejects(
        &key,
        Some(&mask),
        Some(ka::VLAN),
        "VLAN TCI mask does not have exact match for VLAN_CFI_MASK bit",
    );

    // The same at the inner level.
    let key = vlan_key(
        0x1001,
        &[vlan(
            ETH_P_8021Q,
            0x1002,
            &[be16_attr(ka::ETHERTYPE, 0x88cc)],
        )],
    );
    let mask = [
        ethernet_attr(),
        vlan(0xffff, 0xffff, &[vlan(0xffff, 0x0fff, &inner)]),
    ]
    .concat();
    assert_rejects(
        &key,
        Some(&mask),
        Some(ka::VLAN),
        "C-VLAN TCI mask does not have exact match for VLAN_CFI_MASK bit",
    );
    let single = vlan_key(0x1001, &[be16_attr(ka::ETHERTYPE, 0x88cc)]);
    assert_rejects(
        &single,
        Some(&mask),
        Some(ka::ENCAP),
        "Encap mask attribute is set for non-C-VLAN frame",
    );
}

#[test]
fn metadata_and_ethertype_values_are_checked() {
    let key = [u32_attr(ka::IN_PORT, DP_MAX_PORTS), ethernet_attr()].concat();
    assert_rejects(&key, None, Some(ka::IN_PORT), "Port exceeds max allowable");
    let key = [u32_attr(ka::IN_PORT, DP_MAX_PORTS - 1), ethernet_attr()].concat();
    assert!(parse_match(&key, None).is_ok());

    assert_rejects(
        &l2(0x05ff, &[]),
        None,
        Some(ka::ETHERTYPE),
        "EtherType is less than min",
    );
    assert_rejects(
        &[u32_attr(ka::IN_PORT, 1), be16_attr(ka::ETHERTYPE, ETH_P_IP)].concat(),
        None,
        Some(ka::ETHERTYPE),
        "Keys without an Ethernet header are not supported",
    );
    assert_rejects(
        &u32_attr(ka::IN_PORT, 1),
        None,
        Some(ka::ETHERNET),
        "Either Ethernet header or EtherType is required",
    );
}

#[test]
fn network_header_values_are_checked_in_keys_not_masks() {
    let v4 = l2(ETH_P_IP, &[ipv4_attr([1, 1, 1, 1], [2, 2, 2, 2], 0, 3)]);
    assert_rejects(&v4, None, Some(ka::IPV4), "IPv4 frag type is out of range");
    let v6_frag = l2(ETH_P_IPV6, &[ipv6_attr(0, 0, 3)]);
    assert_rejects(
        &v6_frag,
        None,
        Some(ka::IPV6),
        "IPv6 frag type is out of range",
    );
    let v6_label = l2(ETH_P_IPV6, &[ipv6_attr(0x0010_0000, 0, 0)]);
    assert_rejects(
        &v6_label,
        None,
        Some(ka::IPV6),
        "IPv6 flow label is out of range",
    );
    assert!(parse_key(&l2(ETH_P_IPV6, &[ipv6_attr(0x000f_ffff, 0, 0)])).is_ok());
    let mut arp = vec![0u8; 24];
    arp[8] = 1;
    let arp_key = l2(ETH_P_ARP, &[attr(ka::ARP, &arp)]);
    assert_rejects(&arp_key, None, Some(ka::ARP), "Unknown ARP opcode");

    // A mask's values are bits, not values.
    let v4_ok = l2(ETH_P_IP, &[ipv4_attr([1, 1, 1, 1], [2, 2, 2, 2], 0, 1)]);
    let v4_mask = [
        be16_attr(ka::ETHERTYPE, 0xffff),
        ipv4_mask([0; 4], [0; 4], 0, 0xff),
    ]
    .concat();
    let m = parse_match(&v4_ok, Some(&v4_mask)).unwrap();
    assert_eq!(m.mask.u8_at(kf::IP_FRAG), 0xff);
}

#[test]
fn keys_must_carry_what_their_fields_imply() {
    let v4 = |proto| ipv4_attr([1, 1, 1, 1], [2, 2, 2, 2], proto, 0);
    let v6 = |proto| ipv6_attr(0, proto, 0);
    let cases: [(Vec<u8>, u16); 11] = [
        (l2(ETH_P_IP, &[]), ka::IPV4),
        (l2(ETH_P_IPV6, &[]), ka::IPV6),
        (l2(ETH_P_ARP, &[]), ka::ARP),
        (l2(ETH_P_MPLS_UC, &[]), ka::MPLS),
        (l2(ETH_P_MPLS_MC, &[]), ka::MPLS),
        (l2(ETH_P_NSH, &[]), ka::NSH),
        (l2(ETH_P_IP, &[v4(IPPROTO_TCP)]), ka::TCP),
        (
            l2(ETH_P_IP, &[v4(IPPROTO_TCP), ports_attr(ka::TCP, 1, 2)]),
            ka::TCP_FLAGS,
        ),
        (l2(ETH_P_IP, &[v4(IPPROTO_SCTP)]), ka::SCTP),
        (l2(ETH_P_IPV6, &[v6(IPPROTO_ICMPV6)]), ka::ICMPV6),
        (
            l2(
                ETH_P_IPV6,
                &[v6(IPPROTO_ICMPV6), attr(ka::ICMPV6, &[136, 0])],
            ),
            ka::ND,
        ),
    ];
    for (key, missing) in &cases {
        assert_rejects(key, None, Some(*missing), "Missing key");
        // Key-only parsing (flow GET and DEL) checks the same.
        let r = parse_key(key).unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::EINVAL, Some(*missing)));
    }
    // What is not implied need not be carried: ICMP in IPv6, a later fragment's ports.
    assert!(parse_match(&l2(ETH_P_IPV6, &[v6(IPPROTO_ICMP)]), None).is_ok());
    let later = l2(
        ETH_P_IP,
        &[ipv4_attr([1, 1, 1, 1], [2, 2, 2, 2], IPPROTO_UDP, 2)],
    );
    assert!(parse_match(&later, None).is_ok());
    assert!(parse_match(
        &l2(
            ETH_P_IPV6,
            &[v6(IPPROTO_ICMPV6), attr(ka::ICMPV6, &[128, 0])]
        ),
        None
    )
    .is_ok());
}

#[test]
fn masks_may_carry_only_what_exact_prerequisites_allow() {
    let key = ipv4_udp_key();
    // IPv4 with a wildcarded EtherType.
    let mask = ipv4_mask([255; 4], [0; 4], 0xff, 0);
    assert_rejects(&key, Some(&mask), Some(ka::IPV4), "Unexpected mask");
    // UDP with a partly wildcarded protocol.
    let mask = [
        be16_attr(ka::ETHERTYPE, 0xffff),
        ipv4_mask([255; 4], [0; 4], 0xf0, 0),
        ports_attr(ka::UDP, 0xffff, 0),
    ]
    .concat();
    assert_rejects(&key, Some(&mask), Some(ka::UDP), "Unexpected mask");
    // Metadata the key does not carry.
    let mask = slash24_mask(&[u32_attr(ka::DP_HASH, 0xff)]);
    assert_rejects(&key, Some(&mask), Some(ka::DP_HASH), "Unexpected mask");
    // An attribute for another protocol.
    let mask = slash24_mask(&[ports_attr(ka::TCP, 0xffff, 0)]);
    assert_rejects(&key, Some(&mask), Some(ka::TCP), "Unexpected mask");
    // ND needs the ICMPv6 type exact.
    let nd_key = l2(
        ETH_P_IPV6,
        &[
            ipv6_attr(0, IPPROTO_ICMPV6, 0),
            attr(ka::ICMPV6, &[135, 0]),
            attr(ka::ND, &[1; 28]),
        ],
    );
    let nd_mask = |icmp_type_mask: u8| {
        [
            be16_attr(ka::ETHERTYPE, 0xffff),
            ipv6_attr(0, 0xff, 0),
            attr(ka::ICMPV6, &[icmp_type_mask, 0]),
            attr(ka::ND, &[0xff; 28]),
        ]
        .concat()
    };
    assert_rejects(
        &nd_key,
        Some(&nd_mask(0xfe)),
        Some(ka::ND),
        "Unexpected mask",
    );
    let m = parse_match(&nd_key, Some(&nd_mask(0xff))).unwrap();
    assert_eq!(m.key.get(kf::ND_TARGET), [1; 16]);
    // The exact mask passes; in_port and EtherType masks are always allowed.
    assert!(parse_match(&nd_key, None).is_ok());
    let mask = [u32_attr(ka::IN_PORT, 5), be16_attr(ka::ETHERTYPE, 1)].concat();
    assert!(parse_match(&key, Some(&mask)).is_ok());
}

// ---- Packet metadata -----------------------------------------------------------------------

#[test]
fn packet_metadata_reads_metadata_only() {
    let stream = [
        u32_attr(ka::PRIORITY, 6),
        u32_attr(ka::SKB_MARK, 7),
        u32_attr(ka::RECIRC_ID, 8),
        u32_attr(ka::DP_HASH, 9),
        u32_attr(ka::IN_PORT, 2),
        ethernet_attr(),
        // Not read, so not refused.
        attr(ka::IPV6_EXTHDRS, &[1, 0]),
    ]
    .concat();
    let meta = parse_packet_meta(&stream).unwrap();
    assert_eq!(
        meta,
        PacketMeta {
            in_port: 2,
            priority: 6,
            skb_mark: 7,
            recirc_id: 8,
            dp_hash: 9,
            vlan_accel: None,
            ct: CtKey::default(),
        }
    );
    assert_eq!(parse_packet_meta(&[]).unwrap().in_port, DP_MAX_PORTS);

    // The conntrack fields are metadata: a packet executed after a `ct` upcall keeps them.
    let tuple = [
        &[10u8, 0, 0, 1][..],
        &[10, 0, 0, 2],
        &[0, 80],
        &[1, 0xbb],
        &[6, 0, 0, 0],
    ]
    .concat();
    let stream = [
        u32_attr(ka::CT_STATE, 0x22),
        attr(ka::CT_ZONE, &7u16.to_ne_bytes()),
        u32_attr(ka::CT_MARK, 0xabc),
        attr(ka::CT_LABELS, &[3; 16]),
        attr(ka::CT_ORIG_TUPLE_IPV4, &tuple),
    ]
    .concat();
    let ct = parse_packet_meta(&stream).unwrap().ct;
    assert_eq!(
        (ct.state, ct.zone, ct.mark, ct.labels),
        (0x22, 7, 0xabc, [3; 16])
    );
    assert_eq!(
        (ct.orig_proto, ct.orig_tp_src, ct.orig_tp_dst),
        (6, [0, 80], [1, 0xbb])
    );
    assert_eq!(ct.orig_src[..4], [10, 0, 0, 1]);
    assert_eq!(ct.orig_dst[..4], [10, 0, 0, 2]);
    let r = parse_packet_meta(&u32_attr(ka::CT_STATE, 0x100)).unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::EINVAL, Some(ka::CT_STATE)));
    let r = parse_packet_meta(&attr(ka::TUNNEL, &[])).unwrap_err();
    assert_eq!(r.attr, Some(ka::TUNNEL));
    let r = parse_packet_meta(&u32_attr(ka::IN_PORT, 0x10000)).unwrap_err();
    assert_eq!(r.attr, Some(ka::IN_PORT));
    let r = parse_packet_meta(&be16_attr(ka::ETHERTYPE, ETH_P_IP)).unwrap_err();
    assert_eq!(r.attr, Some(ka::ETHERTYPE));
    let r = parse_packet_meta(&[u32_attr(ka::PRIORITY, 1), u32_attr(ka::PRIORITY, 1)].concat())
        .unwrap_err();
    assert_eq!(r.msg.to_str().unwrap(), "Duplicate key");
}

// ---- Arbitrary input -----------------------------------------------------------------------

/// Parses `bytes` every way there is; only the absence of a panic is checked.
fn parse_every_way(bytes: &[u8], other: &[u8]) {
    let _ = parse_match(bytes, None);
    let _ = parse_match(bytes, Some(other));
    let _ = parse_match(other, Some(bytes));
    let _ = parse_key(bytes);
    let _ = parse_packet_meta(bytes);
}

fn valid_streams() -> Vec<Vec<u8>> {
    let mut streams: Vec<Vec<u8>> = sample_frames()
        .iter()
        .map(|(_, frame, meta)| encode_key(&key_of(frame, meta)))
        .collect();
    for (_, frame, meta) in sample_frames() {
        let key = key_of(&frame, &meta);
        streams.push(encode_mask(&key, &key));
    }
    streams.push(slash24_mask(&[]));
    streams
}

#[test]
fn truncation_at_every_offset_never_panics() {
    let streams = valid_streams();
    for s in &streams {
        for cut in 0..=s.len() {
            parse_every_way(&s[..cut], s);
            parse_every_way(&s[cut..], s);
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    for s in &valid_streams() {
        for at in 0..s.len() {
            for value in [0x00, 0x01, 0x03, 0x04, 0x05, 0x1c, 0x20, 0x3f, 0x80, 0xff] {
                let mut bad = s.clone();
                bad[at] = value;
                parse_every_way(&bad, s);
            }
        }
    }
}

#[test]
fn random_streams_never_panic() {
    // A fixed xorshift, so that failures reproduce.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let mut s = Vec::new();
        for _ in 0..next() % 6 {
            let kind = (next() % 40) as u16 | if next() % 8 == 0 { 0x8000 } else { 0 };
            let len = (next() % 44) as usize;
            let payload: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let inner = if next() % 3 == 0 {
                attr((next() % 34) as u16, &payload)
            } else {
                payload
            };
            s.extend(attr(kind, &inner));
        }
        parse_every_way(&s, &s);
    }
}

#[test]
fn ipv6_exthdrs_is_matched_and_dumped_as_upstream() {
    let key = [
        u32_attr(ka::IN_PORT, 1),
        ethernet_attr(),
        be16_attr(ka::ETHERTYPE, ETH_P_IPV6),
        ipv6_attr(0, IPPROTO_UDP, 0),
        attr(ka::IPV6_EXTHDRS, &0x0048u16.to_ne_bytes()),
        ports_attr(ka::UDP, 1, 2),
    ]
    .concat();
    let mask = [
        u32_attr(ka::IN_PORT, u32::MAX),
        attr(ka::ETHERNET, &[0; 12]),
        be16_attr(ka::ETHERTYPE, 0xffff),
        attr(ka::IPV6, &[0; 40]),
        attr(ka::IPV6_EXTHDRS, &0xffffu16.to_ne_bytes()),
    ]
    .concat();
    let m = parse_match(&key, Some(&mask)).unwrap();
    assert_eq!(m.key.get(kf::IPV6_EXTHDRS), 0x0048u16.to_ne_bytes());
    assert_eq!(m.mask.get(kf::IPV6_EXTHDRS), [0xff, 0xff]);
    // Dumped in the key and in the mask, right after IPV6.
    let dumped = encode_key(&m.key);
    assert_eq!(
        find(&dumped, ka::IPV6_EXTHDRS),
        Some(&0x0048u16.to_ne_bytes()[..])
    );
    let dumped_mask = encode_mask(&m.mask, &m.key);
    assert_eq!(
        find(&dumped_mask, ka::IPV6_EXTHDRS),
        Some(&[0xff, 0xff][..])
    );
    // A mask without it (ovs-vswitchd 3.1's) leaves the bits wildcarded, and dumps zero.
    let m = parse_match(&key, Some(&mask[..mask.len() - 8])).unwrap();
    assert_eq!(m.mask.get(kf::IPV6_EXTHDRS), [0, 0]);
    let dumped_mask = encode_mask(&m.mask, &m.key);
    assert_eq!(find(&dumped_mask, ka::IPV6_EXTHDRS), Some(&[0, 0][..]));
    // Its length is checked as upstream's ovs_key_lens: 2 bytes.
    let mut bad = key.clone();
    let at = bad.len() - 8 - 8;
    bad[at] = 5; // the attribute's nla_len: 4 + 1
    assert_eq!(rejected(&bad, None).attr, Some(ka::IPV6_EXTHDRS));
}

// ---- Conntrack keys -------------------------------------------------------------------------

fn ct_tuple4(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, proto: u8) -> Vec<u8> {
    [
        &src[..],
        &dst,
        &sport.to_be_bytes(),
        &dport.to_be_bytes(),
        &[proto, 0, 0, 0],
    ]
    .concat()
}

#[test]
fn conntrack_keys_are_matched_and_dumped_as_upstream() {
    // ct_state(+trk+est), ct_zone(5), ct_mark(0x10/0xf0), a label bit, and a tuple.
    let ct_attrs = |state: u32, zone: u16, mark: u32, label: u8, tuple: Vec<u8>| {
        let mut labels = [0u8; 16];
        labels[15] = label;
        vec![
            u32_attr(ka::CT_STATE, state),
            attr(ka::CT_ZONE, &zone.to_ne_bytes()),
            u32_attr(ka::CT_MARK, mark),
            attr(ka::CT_LABELS, &labels),
            attr(ka::CT_ORIG_TUPLE_IPV4, &tuple),
        ]
    };
    let key = [
        ct_attrs(
            0x22,
            5,
            0x10,
            1,
            ct_tuple4([10, 0, 0, 1], [10, 0, 0, 2], 1000, 53, 17),
        )
        .concat(),
        ipv4_udp_key(),
    ]
    .concat();
    let mask = slash24_mask(&ct_attrs(
        0x22,
        0xffff,
        0xf0,
        0xff,
        ct_tuple4([255; 4], [255; 4], 0xffff, 0xffff, 0xff),
    ));
    let m = parse_match(&key, Some(&mask)).unwrap();
    let ct = m.key.ct();
    assert_eq!(
        (ct.state, ct.zone, ct.mark, ct.labels[15]),
        (0x22, 5, 0x10, 1)
    );
    assert_eq!(
        (ct.orig_proto, ct.orig_tp_src, ct.orig_tp_dst),
        (17, [3, 0xe8], [0, 53])
    );
    for kind in [
        ka::CT_STATE,
        ka::CT_ZONE,
        ka::CT_MARK,
        ka::CT_LABELS,
        ka::CT_ORIG_TUPLE_IPV4,
    ] {
        assert!(has(m.key_attrs, kind) && has(m.mask_attrs, kind), "{kind}");
    }

    // Dumped after SKB_MARK and before ETHERNET, as `ovs_ct_put_key()`; parsed back.
    let dumped_key = encode_key(&m.key);
    let dumped_mask = encode_mask(&m.mask, &m.key);
    let kinds = |stream: &[u8]| {
        let mut out = vec![];
        let mut rest = stream;
        while rest.len() >= 4 {
            let len = u16::from_ne_bytes([rest[0], rest[1]]) as usize;
            out.push(u16::from_ne_bytes([rest[2], rest[3]]) & 0x3fff);
            rest = &rest[len.next_multiple_of(4).min(rest.len())..];
        }
        out
    };
    let order = kinds(&dumped_key);
    let at = |k: u16| order.iter().position(|&x| x == k).unwrap();
    assert!(at(ka::SKB_MARK) < at(ka::CT_STATE));
    assert!(at(ka::CT_STATE) < at(ka::CT_ZONE));
    assert!(at(ka::CT_LABELS) < at(ka::CT_ORIG_TUPLE_IPV4));
    assert!(at(ka::CT_ORIG_TUPLE_IPV4) < at(ka::ETHERNET));
    assert_eq!(
        find(&dumped_key, ka::CT_MARK),
        Some(&0x10u32.to_ne_bytes()[..])
    );
    assert_eq!(
        find(&dumped_mask, ka::CT_MARK),
        Some(&0xf0u32.to_ne_bytes()[..])
    );
    assert_eq!(
        find(&dumped_key, ka::CT_ORIG_TUPLE_IPV4),
        Some(&ct_tuple4([10, 0, 0, 1], [10, 0, 0, 2], 1000, 53, 17)[..])
    );
    let again = parse_match(&dumped_key, Some(&dumped_mask)).unwrap();
    assert_eq!((again.key.ct(), again.mask.ct()), (m.key.ct(), m.mask.ct()));

    // A key without a tuple (protocol 0) dumps none, but always the other four.
    let plain = parse_match(&ipv4_udp_key(), Some(&slash24_mask(&[]))).unwrap();
    let dumped = encode_key(&plain.key);
    assert_eq!(find(&dumped, ka::CT_STATE), Some(&[0u8; 4][..]));
    assert_eq!(find(&dumped, ka::CT_ZONE), Some(&[0u8; 2][..]));
    assert_eq!(find(&dumped, ka::CT_LABELS), Some(&[0u8; 16][..]));
    assert_eq!(find(&dumped, ka::CT_ORIG_TUPLE_IPV4), None);
}

#[test]
fn conntrack_keys_are_checked_as_upstream() {
    // Bits beyond OVS_CS_F_DST_NAT, in the key or the mask.
    let key = [u32_attr(ka::CT_STATE, 0x100), ipv4_udp_key()].concat();
    assert_rejects(&key, None, Some(ka::CT_STATE), "ct_state flags unsupported");
    let key = [u32_attr(ka::CT_STATE, 0x20), ipv4_udp_key()].concat();
    let mask = slash24_mask(&[u32_attr(ka::CT_STATE, 0x1ff)]);
    assert_rejects(
        &key,
        Some(&mask),
        Some(ka::CT_STATE),
        "ct_state flags unsupported",
    );
    // Without a mask the match is exact: on the supported bits only, as upstream's
    // `nlattr_set()` makes it.
    assert_eq!(
        parse_match(&key, None).unwrap().mask.u8_at(kf::CT_STATE),
        0xff
    );
    // The other conntrack keys are fine exact.
    let key = [
        attr(ka::CT_ZONE, &[1, 0]),
        u32_attr(ka::CT_MARK, 3),
        ipv4_udp_key(),
    ]
    .concat();
    assert!(parse_match(&key, None).is_ok());

    // A tuple's mask needs an exact EtherType of its IP version.
    let tuple = ct_tuple4([10, 0, 0, 1], [10, 0, 0, 2], 1, 2, 17);
    let key = [attr(ka::CT_ORIG_TUPLE_IPV4, &tuple), ipv4_udp_key()].concat();
    let ones = ct_tuple4([255; 4], [255; 4], 0xffff, 0xffff, 0xff);
    // (A mask's EtherType is always exact once present: leave it out.)
    let loose = attr(ka::CT_ORIG_TUPLE_IPV4, &ones);
    assert_rejects(
        &key,
        Some(&loose),
        Some(ka::CT_ORIG_TUPLE_IPV4),
        "Unexpected mask",
    );
    assert!(parse_match(
        &key,
        Some(&slash24_mask(&[attr(ka::CT_ORIG_TUPLE_IPV4, &ones)]))
    )
    .is_ok());
    // An IPv6 tuple's mask on an IPv4 flow.
    let key = [attr(ka::CT_ORIG_TUPLE_IPV6, &[1; 40]), ipv4_udp_key()].concat();
    let mask = slash24_mask(&[attr(ka::CT_ORIG_TUPLE_IPV6, &[0xff; 40])]);
    assert_rejects(
        &key,
        Some(&mask),
        Some(ka::CT_ORIG_TUPLE_IPV6),
        "Unexpected mask",
    );
}
