//! Flow key extraction from frames: every header kind upstream keys, and truncation.

use ovs_rs_host::flow::extract::*;
use ovs_rs_host::flow::key::{field as kf, frag, FlowKey, VLAN_TAG_PRESENT};

mod common;
use common::{arp_request_packet, eth, ipv4, ipv6, ipv6_addr, nd_for, tcp, udp, DST, SRC};

fn key_of(frame: &[u8]) -> (FlowKey, Layout) {
    key_with(
        frame,
        &PacketMeta {
            in_port: 3,
            ..Default::default()
        },
    )
}

fn key_with(frame: &[u8], meta: &PacketMeta) -> (FlowKey, Layout) {
    let mut key = FlowKey::default();
    let layout = extract(frame, meta, &mut key);
    (key, layout)
}

#[test]
fn ipv4_tcp_with_flags() {
    let f = eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0, &tcp(1234, 80, 0x12)));
    let (k, l) = key_of(&f);
    assert_eq!(k.u32_at(kf::IN_PORT), 3);
    assert_eq!(k.get(kf::ETH_SRC), SRC);
    assert_eq!(k.get(kf::ETH_DST), DST);
    assert_eq!(k.be16(kf::ETH_TYPE), ETH_P_IP);
    assert_eq!(k.u8_at(kf::IP_PROTO), IPPROTO_TCP);
    assert_eq!(k.u8_at(kf::IP_TOS), 0x10);
    assert_eq!(k.u8_at(kf::IP_TTL), 64);
    assert_eq!(k.u8_at(kf::IP_FRAG), frag::NONE);
    assert_eq!(k.get(kf::IPV4_SRC), [10, 0, 0, 1]);
    assert_eq!(k.get(kf::IPV4_DST), [10, 0, 0, 2]);
    assert_eq!(k.be16(kf::TP_SRC), 1234);
    assert_eq!(k.be16(kf::TP_DST), 80);
    // SYN|ACK; the data offset nibble is masked off.
    assert_eq!(k.be16(kf::TCP_FLAGS), 0x012);
    assert_eq!(
        l,
        Layout {
            l3: 14,
            l4: Some(34),
            truncated_l3: false
        }
    );
}

#[test]
fn ipv4_udp_and_icmp() {
    let (k, _) = key_of(&eth(ETH_P_IP, &ipv4(IPPROTO_UDP, 0, &udp(53, 5353))));
    assert_eq!((k.be16(kf::TP_SRC), k.be16(kf::TP_DST)), (53, 5353));
    let icmp = [8u8, 0, 0, 0, 0, 1, 0, 1];
    let (k, _) = key_of(&eth(ETH_P_IP, &ipv4(IPPROTO_ICMP, 0, &icmp)));
    assert_eq!((k.be16(kf::TP_SRC), k.be16(kf::TP_DST)), (8, 0));
}

#[test]
fn ipv4_fragments() {
    // First fragment (MF set, offset 0): ports still keyed.
    let (k, _) = key_of(&eth(ETH_P_IP, &ipv4(IPPROTO_UDP, 0x2000, &udp(1, 2))));
    assert_eq!(k.u8_at(kf::IP_FRAG), frag::FIRST);
    assert_eq!(k.be16(kf::TP_DST), 2);
    // Later fragment: no transport fields.
    let (k, l) = key_of(&eth(ETH_P_IP, &ipv4(IPPROTO_UDP, 0x0010, &udp(1, 2))));
    assert_eq!(k.u8_at(kf::IP_FRAG), frag::LATER);
    assert_eq!(k.be16(kf::TP_DST), 0);
    assert_eq!(l.l4, None);
}

#[test]
fn bad_ihl_keys_zero_ip_fields() {
    let mut ip = ipv4(IPPROTO_TCP, 0, &tcp(1, 2, 0));
    ip[0] = 0x44; // IHL 16 bytes < 20
    let (k, l) = key_of(&eth(ETH_P_IP, &ip));
    assert_eq!(k.be16(kf::ETH_TYPE), ETH_P_IP);
    assert_eq!(k.u8_at(kf::IP_PROTO), 0);
    assert_eq!(k.get(kf::IPV4_SRC), [0; 4]);
    assert!(!l.truncated_l3);
}

#[test]
fn tcp_with_short_data_offset_keys_no_ports() {
    let mut t = tcp(1, 2, 0x02);
    t[12] = 0x40; // 16 bytes < 20
    let (k, _) = key_of(&eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0, &t)));
    assert_eq!(k.be16(kf::TP_SRC), 0);
    assert_eq!(k.be16(kf::TCP_FLAGS), 0);
}

#[test]
fn vlan_and_qinq() {
    let inner = ipv4(IPPROTO_UDP, 0, &udp(7, 9));
    // 802.1ad outer (vid 100), 802.1Q inner (vid 200, pcp 5).
    let mut payload = vec![0x81, 0x00, 0xa0, 0xc8];
    payload.extend_from_slice(&ETH_P_IP.to_be_bytes());
    payload.extend_from_slice(&inner);
    let mut f = eth(ETH_P_8021AD, &[0x00, 0x64]);
    f.extend_from_slice(&payload);
    let (k, l) = key_of(&f);
    assert_eq!(k.be16(kf::VLAN_TPID), ETH_P_8021AD);
    assert_eq!(k.be16(kf::VLAN_TCI), 100 | VLAN_TAG_PRESENT);
    assert_eq!(k.be16(kf::CVLAN_TPID), ETH_P_8021Q);
    assert_eq!(k.be16(kf::CVLAN_TCI), 0xa0c8 | VLAN_TAG_PRESENT);
    assert_eq!(k.be16(kf::ETH_TYPE), ETH_P_IP);
    assert_eq!(k.be16(kf::TP_DST), 9);
    assert_eq!(l.l3, 22);
}

#[test]
fn accelerated_tag_comes_first_and_a_third_tag_is_the_ethertype() {
    // Accel tag + two in-frame tags: the second in-frame tag is left as the ethertype.
    let mut f = eth(ETH_P_8021Q, &[0x00, 0x02]);
    f.extend_from_slice(&[0x81, 0x00, 0x00, 0x03, 0x08, 0x00]);
    let meta = PacketMeta {
        vlan_accel: Some((ETH_P_8021AD, 1)),
        ..Default::default()
    };
    let (k, _) = key_with(&f, &meta);
    assert_eq!(k.be16(kf::VLAN_TPID), ETH_P_8021AD);
    assert_eq!(k.be16(kf::VLAN_TCI), 1 | VLAN_TAG_PRESENT);
    assert_eq!(k.be16(kf::CVLAN_TCI), 2 | VLAN_TAG_PRESENT);
    assert_eq!(k.be16(kf::ETH_TYPE), ETH_P_8021Q);
}

#[test]
fn llc_and_snap() {
    // 802.3 length, LLC without SNAP.
    let (k, _) = key_of(&eth(0x0040, &[0x42, 0x42, 0x03, 0, 0, 0, 0, 0]));
    assert_eq!(k.be16(kf::ETH_TYPE), 0x0004);
    // SNAP carrying IPv4.
    let mut snap = vec![0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00];
    snap.extend_from_slice(&ipv4(IPPROTO_UDP, 0, &udp(1, 2)));
    let (k, l) = key_of(&eth(0x0040, &snap));
    assert_eq!(k.be16(kf::ETH_TYPE), ETH_P_IP);
    assert_eq!(l.l3, 22);
    assert_eq!(k.be16(kf::TP_DST), 2);
}

#[test]
fn arp_request() {
    let mut arp = arp_request_packet();
    let (k, _) = key_of(&eth(ETH_P_ARP, &arp));
    assert_eq!(k.u8_at(kf::IP_PROTO), 1);
    assert_eq!(k.get(kf::ARP_SHA), SRC);
    assert_eq!(k.get(kf::IPV4_SRC), [172, 31, 110, 1]);
    assert_eq!(k.get(kf::IPV4_DST), [172, 31, 110, 20]);
    // Not Ethernet/IPv4 ARP: nothing beyond the ethertype.
    arp[5] = 16;
    let (k, _) = key_of(&eth(ETH_P_ARP, &arp));
    assert_eq!(k.u8_at(kf::IP_PROTO), 0);
    assert_eq!(k.get(kf::IPV4_SRC), [0; 4]);
}

#[test]
fn ipv6_tcp_through_extension_headers() {
    // Hop-by-hop (8 bytes) -> destination options (16 bytes) -> TCP.
    let mut ext = vec![NEXTHDR_DEST_FOR_TEST, 0, 0, 0, 0, 0, 0, 0];
    ext.extend_from_slice(&[IPPROTO_TCP, 1, 0, 0, 0, 0, 0, 0]);
    ext.extend_from_slice(&[0; 8]);
    ext.extend_from_slice(&tcp(40000, 443, 0x02));
    let (k, l) = key_of(&eth(ETH_P_IPV6, &ipv6(0, &ext)));
    assert_eq!(k.be16(kf::ETH_TYPE), ETH_P_IPV6);
    assert_eq!(k.u8_at(kf::IP_PROTO), IPPROTO_TCP);
    assert_eq!(k.u8_at(kf::IP_TOS), 0xb8);
    assert_eq!(k.u8_at(kf::IP_TTL), 255);
    assert_eq!(k.get(kf::IPV6_LABEL), [0, 1, 0x23, 0x45]);
    assert_eq!(k.get(kf::IPV6_SRC)[15], 1);
    assert_eq!(k.be16(kf::TP_DST), 443);
    assert_eq!(l.l4, Some(14 + 40 + 24));
}
const NEXTHDR_DEST_FOR_TEST: u8 = 60;

#[test]
fn ipv6_fragments() {
    let mut first = vec![IPPROTO_UDP, 0, 0x00, 0x01, 0, 0, 0, 9];
    first.extend_from_slice(&udp(5, 6));
    let (k, _) = key_of(&eth(ETH_P_IPV6, &ipv6(44, &first)));
    assert_eq!(k.u8_at(kf::IP_FRAG), frag::FIRST);
    assert_eq!(k.u8_at(kf::IP_PROTO), IPPROTO_UDP);
    assert_eq!(k.be16(kf::TP_DST), 6);
    let later = [IPPROTO_UDP, 0, 0x00, 0x08, 0, 0, 0, 9, 1, 2, 3, 4];
    let (k, l) = key_of(&eth(ETH_P_IPV6, &ipv6(44, &later)));
    assert_eq!(k.u8_at(kf::IP_FRAG), frag::LATER);
    // Upstream's parse_ipv6hdr(): a later fragment's protocol is NEXTHDR_FRAGMENT.
    assert_eq!(k.u8_at(kf::IP_PROTO), 44);
    assert_eq!(k.be16(kf::TP_DST), 0);
    assert_eq!(l.l4, None);
}

/// A neighbour discovery frame for target 2000::9.
fn nd_frame(icmp_type: u8, opts: &[u8]) -> Vec<u8> {
    eth(ETH_P_IPV6, &nd_for(ipv6_addr(0x20, 9), icmp_type, opts))
}

#[test]
fn neighbour_discovery() {
    let sll = [1u8, 1, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff];
    let (k, _) = key_of(&nd_frame(135, &sll));
    assert_eq!(k.be16(kf::TP_SRC), 135);
    assert_eq!(k.get(kf::ND_TARGET)[15], 9);
    assert_eq!(k.get(kf::ND_SLL), [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
    assert_eq!(k.get(kf::ND_TLL), [0; 6]);
    let tll = [2u8, 1, 1, 2, 3, 4, 5, 6];
    let (k, _) = key_of(&nd_frame(136, &tll));
    assert_eq!(k.get(kf::ND_TLL), [1, 2, 3, 4, 5, 6]);
    // A zero-length option is malformed: target and addresses are cleared.
    let (k, _) = key_of(&nd_frame(135, &[1, 0, 0, 0, 0, 0, 0, 0]));
    assert_eq!(k.get(kf::ND_TARGET), [0; 16]);
    assert_eq!(k.be16(kf::TP_SRC), 135);
    // Two source link-layer options: malformed.
    let mut two = sll.to_vec();
    two.extend_from_slice(&sll);
    let (k, _) = key_of(&nd_frame(135, &two));
    assert_eq!(k.get(kf::ND_SLL), [0; 6]);
}

#[test]
fn truncation_at_every_offset_is_well_defined() {
    let mut frames = vec![
        eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0, &tcp(1, 2, 3))),
        nd_frame(135, &[1, 1, 1, 2, 3, 4, 5, 6]),
        eth(
            ETH_P_ARP,
            &[
                0, 1, 8, 0, 6, 4, 0, 2, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4,
            ],
        ),
    ];
    let mut q = eth(ETH_P_8021Q, &[0, 5, 0x86, 0xdd]);
    q.extend_from_slice(&ipv6(IPPROTO_UDP, &udp(3, 4)));
    frames.push(q);
    for f in &frames {
        let (full, _) = key_of(f);
        for cut in 0..f.len() {
            let (k, l) = key_of(&f[..cut]);
            assert!(l.l3 <= f.len());
            // A truncated frame never keys a field the full frame keys differently,
            // except by leaving it zero. (The ethertype is the exception, as upstream: a
            // tag cut short leaves its TPID as the ethertype.)
            for (i, (a, b)) in k.as_bytes().iter().zip(full.as_bytes()).enumerate() {
                let in_eth_type = (kf::ETH_TYPE.off..kf::ETH_TYPE.off + 2).contains(&i);
                assert!(*a == *b || *a == 0 || in_eth_type, "cut {cut} byte {i}");
            }
            if k.be16(kf::ETH_TYPE) != full.be16(kf::ETH_TYPE) {
                assert!(matches!(
                    k.be16(kf::ETH_TYPE),
                    0 | ETH_P_8021Q | ETH_P_8021AD
                ));
            }
            // And the same bytes always give the same key.
            assert_eq!(key_of(&f[..cut]).0, k);
        }
    }
}

#[test]
fn truncated_l3_headers_are_flagged() {
    let f = eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0, &tcp(1, 2, 3)));
    assert!(key_of(&f[..14 + 10]).1.truncated_l3);
    let f = eth(ETH_P_IPV6, &ipv6(IPPROTO_UDP, &udp(1, 2)));
    assert!(key_of(&f[..14 + 39]).1.truncated_l3);
    assert!(!key_of(&f).1.truncated_l3);
}

/// An 8-byte extension header (`hdrlen` 0) whose next header is `next`.
fn ext8(next: u8) -> [u8; 8] {
    [next, 0, 0, 0, 0, 0, 0, 0]
}

fn exthdrs(frame: &[u8]) -> u16 {
    let (k, _) = key_of(frame);
    u16::from_ne_bytes([k.get(kf::IPV6_EXTHDRS)[0], k.get(kf::IPV6_EXTHDRS)[1]])
}

#[test]
fn ipv6_extension_header_bits_as_upstreams_get_ipv6_ext_hdrs() {
    use ipv6_exthdr as bit;
    let chain = |first: u8, hdrs: &[[u8; 8]]| {
        let mut payload: Vec<u8> = hdrs.concat();
        payload.extend_from_slice(&tcp(1, 2, 0x02));
        eth(ETH_P_IPV6, &ipv6(first, &payload))
    };
    let tcp_after = ext8(IPPROTO_TCP);
    // None at all, then the recommended order: hop-by-hop, destination options.
    assert_eq!(exthdrs(&chain(IPPROTO_TCP, &[])), 0);
    assert_eq!(
        exthdrs(&chain(NEXTHDR_HOP, &[ext8(NEXTHDR_DEST), tcp_after])),
        bit::HOP | bit::DEST
    );
    // Hop-by-hop anywhere but first is out of sequence (and not marked present).
    assert_eq!(
        exthdrs(&chain(NEXTHDR_DEST, &[ext8(NEXTHDR_HOP), tcp_after])),
        bit::DEST | bit::UNSEQ
    );
    // A second routing header: a repeat, and out of sequence after the first.
    assert_eq!(
        exthdrs(&chain(NEXTHDR_ROUTING, &[ext8(NEXTHDR_ROUTING), tcp_after])),
        bit::ROUTER | bit::UNREP | bit::UNSEQ
    );
    // Two destination options headers are expected (around routing); a third repeats.
    assert_eq!(
        exthdrs(&chain(
            NEXTHDR_DEST,
            &[ext8(NEXTHDR_ROUTING), ext8(NEXTHDR_DEST), tcp_after]
        )),
        bit::DEST | bit::ROUTER
    );
    assert_eq!(
        exthdrs(&chain(
            NEXTHDR_DEST,
            &[ext8(NEXTHDR_DEST), ext8(NEXTHDR_DEST), tcp_after]
        )),
        bit::DEST | bit::UNREP
    );
    // "No next header" ends the walk; a fragment header is walked as any other.
    assert_eq!(exthdrs(&chain(NEXTHDR_NONE, &[])), bit::NONEXT);
    assert_eq!(exthdrs(&chain(NEXTHDR_FRAGMENT, &[tcp_after])), bit::FRAG);
    // A chain cut short keeps what was seen, and the key keeps the flow label and the bits
    // while its addresses are zeroed (upstream's -EINVAL path).
    let cut = eth(ETH_P_IPV6, &ipv6(NEXTHDR_HOP, &[]));
    assert_eq!(exthdrs(&cut), bit::HOP);
    let (k, _) = key_of(&cut);
    assert_eq!(k.get(kf::IPV6_SRC), [0; 16]);
    assert_eq!(k.get(kf::IPV6_LABEL), [0, 1, 0x23, 0x45]);
}
