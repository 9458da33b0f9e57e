//! Host tests of the netlink encoding: golden bytes derived by hand from
//! the `struct ovs_key_*` layouts of include/uapi/linux/openvswitch.h, and
//! encode -> decode round trips through whole netlink messages (OVS:
//! lib/odp-util.c's encoders and lib/dpif-netlink.c's message builders).

use ovsdp::actions::{format_actions, parse_actions};
use ovsdp::attr::Attr;
use ovsdp::dpctl::{explain, format_flow_line, format_show};
use ovsdp::dpif::{self, parse_flow_reply, DpError};
use ovsdp::key::parse_flow;
use ovsdp::netlink::{decode_all, encode, Error, OvsPayload, Reply};
use ovsdp::uapi::*;

/// `attr::emit()` of lists the tests know fit.
fn emit(a: &[Attr]) -> Vec<u8> {
    ovsdp::attr::emit(a).expect("emit")
}

fn h(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn golden_ipv4_udp_key_and_mask() {
    let f = parse_flow(
        "in_port(1),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(dst=53)",
        None,
    )
    .expect("parse");
    // nla_len, nla_type (host order, little endian here), payload, padding.
    let key = h("
        0800 0300  01000000
        0600 0600  0800 0000
        1000 0700  0a000001 0a000002 11 00 40 00
        0800 0a00  0000 0035");
    let mask = h("
        0800 0300  ffffffff
        0600 0600  ffff 0000
        1000 0700  ffffffff ffffffff ff ff ff ff
        0800 0a00  0000 ffff");
    assert_eq!(emit(&f.key), key);
    assert_eq!(emit(&f.mask), mask);
}

#[test]
fn golden_eth_vlan_encap() {
    let f = parse_flow(
        "eth(src=00:01:02:03:04:05,dst=0a:0b:0c:0d:0e:0f),eth_type(0x8100),vlan(vid=10,pcp=3),encap(eth_type(0x0806),arp(sip=1.2.3.4,op=1))",
        None,
    )
    .expect("parse");
    let key = h("
        1000 0400  000102030405 0a0b0c0d0e0f
        0600 0600  8100 0000
        0600 0500  700a 0000
        2800 0100
           0600 0600 0806 0000
           1c00 0d00 01020304 00000000 0001 000000000000 000000000000 0000");
    // vlan: tci = pcp 3 << 13 | CFI | vid 10 = 0x700a; mask 0xffff.
    let mask = h("
        1000 0400  ffffffffffff ffffffffffff
        0600 0600  ffff 0000
        0600 0500  ffff 0000
        2800 0100
           0600 0600 ffff 0000
           1c00 0d00 ffffffff 00000000 ffff 000000000000 000000000000 0000");
    assert_eq!(emit(&f.key), key);
    assert_eq!(emit(&f.mask), mask);
}

#[test]
fn golden_ipv6_label_default_mask() {
    let f = parse_flow("ipv6(dst=fe80::1,label=0x12345,hlimit=255)", None).expect("parse");
    let key = h("2c00 0800
        00000000000000000000000000000000
        fe800000000000000000000000000001
        00012345 00 00 ff 00");
    let mask = h("2c00 0800
        00000000000000000000000000000000
        ffffffffffffffffffffffffffffffff
        000fffff 00 00 ff 00");
    assert_eq!(emit(&f.key), key);
    assert_eq!(emit(&f.mask), mask);
}

#[test]
fn golden_actions() {
    let a = parse_actions(
        "2,push_vlan(vid=10,pcp=0),pop_vlan,recirc(0x7),trunc(64)",
        None,
    )
    .expect("parse");
    let want = h("
        0800 0100 02000000
        0800 0400 8100 100a
        0400 0500
        0800 0700 07000000
        0800 0d00 40000000");
    assert_eq!(emit(&a), want);

    // Masked set: key and mask back to back inside one OVS_KEY_ATTR_IPV4.
    let a = parse_actions("set(ipv4(ttl=63))", None).expect("parse");
    let want = h("
        2000 0b00
          1c00 0700
            00000000 00000000 00 00 3f 00
            00000000 00000000 00 00 ff 00");
    assert_eq!(emit(&a), want);

    // userspace: pid, userdata padded to 8 bytes, actions flag.
    let a = parse_actions("userspace(pid=5,userdata(abcd),actions)", None).expect("parse");
    let want = h("
        1c00 0200
          0800 0100 05000000
          0c00 0200 abcd000000000000
          0400 0400");
    assert_eq!(emit(&a), want);

    // sample 50% = floor(0xffffffff * 0.5 + 0.5) = 0x80000000.
    let a = parse_actions("sample(sample=50.0%,actions(1))", None).expect("parse");
    let want = h("
        1800 0600
          0800 0100 00000080
          0c00 0200
            0800 0100 01000000");
    assert_eq!(emit(&a), want);

    // "drop" alone is OVS_ACTION_ATTR_DROP carrying XLATE_OK (0).
    let a = parse_actions("drop", None).expect("parse");
    assert_eq!(emit(&a), h("0800 1800 00000000"));
}

#[test]
fn golden_dp_new_message() {
    let body = dpif::dp_new_msg("br0", 0, OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS);
    let msg = encode(0x1a, 0x0005 /* REQUEST|ACK */, 1, body).expect("encode");
    let want = h("
        30000000 1a00 0500 01000000 00000000
        01 02 0000
        00000000
        0800 0100 62723000
        0800 0200 00000000
        0800 0500 03000000");
    assert_eq!(msg, want);
}

#[test]
fn golden_flow_put_and_execute_messages() {
    let f = parse_flow("in_port(1),eth_type(0x0806)", None).expect("parse");
    let a = parse_actions("2", None).expect("parse");
    let msg = encode(
        0x1c,
        0x0405, /* REQUEST|ACK|CREATE */
        9,
        dpif::flow_put_msg(7, &f, &a, true, false).expect("put"),
    )
    .expect("encode");
    let want = h("
        4c000000 1c00 0504 09000000 00000000
        01 01 0000
        07000000
        1400 0100  0800 0300 01000000  0600 0600 0806 0000
        1400 0700  0800 0300 ffffffff  0600 0600 ffff 0000
        0c00 0200  0800 0100 02000000");
    assert_eq!(msg, want);

    let pkt = h("ffffffffffff 000102030405 0806");
    let body = dpif::execute_msg(3, &pkt, &[], &a).expect("execute");
    let msg = encode(0x1d, 0x0005, 2, body).expect("encode");
    let want = h("
        3c000000 1d00 0500 02000000 00000000
        03 01 0000
        03000000
        1200 0100 ffffffffffff0001020304050806 0000
        0400 0200
        0c00 0300 0800 0100 02000000");
    assert_eq!(msg, want);
}

/// A flow dump reply as the kernel sends it, decoded and printed the way
/// ovs-dpctl dump-flows prints it.
#[test]
fn decode_kernel_flow_reply() {
    let key = parse_flow(
        "recirc_id(0),dp_hash(0),skb_priority(0),in_port(1),skb_mark(0),ct_state(0),ct_zone(0),ct_mark(0),ct_label(0),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0,ttl=64,frag=no),tcp(src=40000,dst=80),tcp_flags(syn)",
        None,
    )
    .expect("key")
    .key;
    let mask = parse_flow(
        "recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(1),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),eth(),eth_type(0x0800),ipv4(dst=10.0.0.2,frag=no),tcp(),tcp_flags(0/0)",
        None,
    )
    .expect("mask")
    .mask;
    let acts = parse_actions("2", None).expect("actions");
    let mut stats = 3u64.to_ne_bytes().to_vec();
    stats.extend_from_slice(&294u64.to_ne_bytes());
    let body = OvsPayload {
        cmd: CMD_NEW,
        version: OVS_FLOW_VERSION,
        dp_ifindex: 7,
        attrs: vec![
            Attr::nested(OVS_FLOW_ATTR_KEY, &key).expect("nest"),
            Attr::nested(OVS_FLOW_ATTR_MASK, &mask).expect("nest"),
            Attr::new(OVS_FLOW_ATTR_STATS, stats),
            Attr::new(OVS_FLOW_ATTR_TCP_FLAGS, vec![0x12]),
            Attr::new(OVS_FLOW_ATTR_USED, 10_000u64.to_ne_bytes().to_vec()),
            Attr::nested(OVS_FLOW_ATTR_ACTIONS, &acts).expect("nest"),
        ],
    };
    let wire = encode(0x1c, 0x0002 /* MULTI */, 5, body.clone()).expect("encode");
    let replies = decode_all(&wire).expect("decode");
    assert_eq!(replies.len(), 1);
    let Reply::Msg(hdr, fam, p) = &replies[0] else {
        panic!("not a message: {:?}", replies[0])
    };
    assert_eq!((hdr.sequence_number, *fam), (5, 0x1c));
    assert_eq!(p, &body);
    let f = parse_flow_reply(p).expect("flow");
    assert_eq!(
        format_flow_line(&f, None, false, 11_500),
        "recirc_id(0),in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.2,frag=no), packets:3, bytes:294, used:1.500s, flags:S., actions:2"
    );
    // Unused flow and no actions: "used:never", no flags, "actions:drop".
    let f2 = ovsdp::dpif::FlowInfo {
        key: f.key.clone(),
        mask: f.mask.clone(),
        ..Default::default()
    };
    assert!(format_flow_line(&f2, None, false, 0)
        .ends_with(", packets:0, bytes:0, used:never, actions:drop"));
    // Verbose shows every key field, including the wildcarded ones.
    let v = format_flow_line(&f, None, true, 11_500);
    assert!(v.starts_with("recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(1),skb_mark(0/0),ct_state(0/0),ct_zone(0/0),ct_mark(0/0),ct_label(0/0),eth(src=50:54:00:00:00:01/00:00:00:00:00:00,"), "{v}");
}

#[test]
fn decode_errors_acks_and_multiple_messages() {
    // An NLMSG_ERROR carrying -ENODEV, followed by an ACK, in one datagram.
    let mut d = h("24000000 0200 0000 05000000 00000000 edffffff");
    d.extend(h("10000000 1a00 0500 05000000 00000000"));
    d.extend(h("24000000 0200 0000 06000000 00000000 00000000"));
    d.extend(h("10000000 1a00 0500 06000000 00000000"));
    let r = decode_all(&d).expect("decode");
    assert!(matches!(r[0], Reply::Err(ref h, e) if h.sequence_number == 5 && e == libc::ENODEV));
    assert!(matches!(r[1], Reply::Ack(ref h) if h.sequence_number == 6));
}

#[test]
fn error_messages() {
    assert_eq!(
        Error::NoFamily("ovs_datapath".into()).to_string(),
        "no ovs_datapath family: is openvswitch_rs loaded?"
    );
    assert_eq!(
        explain(DpError::Nl(Error::Errno(libc::EPERM)), "add-dp").0,
        "permission denied: CAP_NET_ADMIN needed"
    );
    assert_eq!(
        explain(DpError::NoDatapath("br0".into()), "show").0,
        "datapath br0 not found"
    );
    assert_eq!(
        explain(DpError::Nl(Error::Errno(libc::EEXIST)), "add-flow").0,
        "add-flow: flow already exists (use mod-flow to change it)"
    );
    assert!(explain(DpError::Nl(Error::Errno(libc::EINVAL)), "add-flow").1 != 0);
}

#[test]
fn show_format() {
    let dp = ovsdp::dpif::Dp {
        name: "br0".into(),
        ifindex: 7,
        stats: Some([5, 2, 0, 1]),
        megaflow: Some((9, 1, 0)),
        user_features: Some(3),
        masks_cache_size: Some(256),
    };
    let ports = vec![
        ovsdp::dpif::Vport {
            port_no: 0,
            ty: OVS_VPORT_TYPE_INTERNAL,
            name: "br0".into(),
            stats: Some([1, 2, 3000, 4, 0, 0, 0, 0]),
            ..Default::default()
        },
        ovsdp::dpif::Vport {
            port_no: 1,
            ty: OVS_VPORT_TYPE_NETDEV,
            name: "veth0".into(),
            ..Default::default()
        },
    ];
    assert_eq!(
        format_show(&dp, &ports, false),
        "system@br0:\n  lookups: hit:5 missed:2 lost:0\n  flows: 1\n  masks: hit:9 total:1 hit/pkt:1.29\n  caches:\n    masks-cache: size:256\n  port 0: br0 (internal)\n  port 1: veth0\n"
    );
    let s = format_show(&dp, &ports, true);
    assert!(
        s.contains("    RX packets:1 errors:0 dropped:0 overruns:? frame:?\n"),
        "{s}"
    );
    assert!(
        s.contains("    RX bytes:3000 (2.9 KiB)  TX bytes:4\n"),
        "{s}"
    );
}

#[test]
fn actions_decode_from_kernel_bytes() {
    // OVS_ACTION_ATTR_SET with a full key (the kernel echoes SET as sent).
    let set =
        Attr::nested(OVS_ACTION_ATTR_SET, &[Attr::u32(OVS_KEY_ATTR_SKB_MARK, 5)]).expect("nest");
    assert_eq!(format_actions(&emit(&[set]), None), "set(skb_mark(0x5))");
    // Unknown action types print generically, like format_generic_odp_action().
    assert_eq!(
        format_actions(&emit(&[Attr::new(99, vec![1, 2])]), None),
        "action99(01 02)"
    );
    // Wrong length.
    assert!(
        format_actions(&emit(&[Attr::new(OVS_ACTION_ATTR_OUTPUT, vec![1])]), None)
            .starts_with("bad length 1, expected 4")
    );
}
