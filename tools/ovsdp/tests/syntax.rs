//! Host tests of the ODP text syntax: parse -> print -> parse round trips
//! for every key and action form, and positioned parse errors (OVS:
//! tests/odp.at, "OVS datapath keys parsing and formatting").

use ovsdp::actions::{format_actions, parse_actions};
use ovsdp::attr::Attr;
use ovsdp::key::{format_flow, parse_flow};

/// `attr::emit()` of lists the tests know fit.
fn emit(a: &[Attr]) -> Vec<u8> {
    ovsdp::attr::emit(a).expect("emit")
}

/// Flows in the canonical (non-verbose) form that printing reproduces.
const FLOWS: &[&str] = &[
    "in_port(1)",
    "recirc_id(0)",
    "recirc_id(0x2a)",
    "dp_hash(0x12345678)",
    "dp_hash(0x12/0xff)",
    "skb_priority(0x7)",
    "skb_priority(0x7/0xf)",
    "skb_mark(0x5)",
    "skb_mark(0x5/0xff)",
    "in_port(3/0xff)",
    "eth(src=00:01:02:03:04:05,dst=ff:ff:ff:ff:ff:ff)",
    "eth(src=00:01:02:03:04:05/ff:ff:ff:00:00:00)",
    "eth(dst=01:00:00:00:00:00/01:00:00:00:00:00)",
    "eth()",
    "eth_type(0x0800)",
    "eth_type(0x0800/0xff00)",
    "vlan(vid=10,pcp=3)",
    "vlan(vid=10)",
    "vlan(vid=10/0xff,pcp=3/0x1)",
    "vlan(pcp=5)",
    "vlan(vid=0,pcp=0)",
    "vlan(vid=10,pcp=3,cfi=0)",
    "eth_type(0x8100),vlan(vid=99,pcp=7),encap(eth_type(0x0800),ipv4(src=1.2.3.4,proto=6,frag=no),tcp(dst=22))",
    "encap()",
    "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=6,tos=0x10,ttl=64,frag=no)",
    "ipv4(src=10.0.0.0/255.255.255.0,proto=6,frag=no)",
    "ipv4(dst=192.168.0.1,frag=first)",
    "ipv4(frag=later)",
    "ipv4(tos=0x3/0xfc,ttl=1/0xf)",
    "ipv6(src=2001:db8::1,dst=fe80::1/ffff:ffff::,label=0x12345,proto=58,tclass=0x20,hlimit=255,frag=no)",
    "ipv6(src=::1,label=0x1/0xf)",
    "ipv6(dst=::ffff:1.2.3.4)",
    "ipv6(frag=later)",
    "tcp(src=1024,dst=80)",
    "tcp(dst=80/0xfff0)",
    "tcp_flags(syn)",
    "tcp_flags(syn|ack)",
    "tcp_flags(0)",
    "tcp_flags(+syn-ack)",
    "tcp_flags(-fin-syn-rst)",
    "tcp_flags(fin|[800])",
    "udp(src=53,dst=5353)",
    "udp(dst=4789)",
    "sctp(src=1,dst=2)",
    "sctp(src=9/0xff00)",
    "icmp(type=8,code=0)",
    "icmp(type=3/0xf)",
    "icmpv6(type=135,code=0)",
    "arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:11:22:33:44:55,tha=00:00:00:00:00:00)",
    "arp(sip=10.0.0.0/255.0.0.0,op=2)",
    "arp(tha=00:00:00:00:00:00/ff:ff:ff:00:00:00)",
    "nd(target=fe80::2,sll=00:00:00:00:00:01,tll=00:00:00:00:00:02)",
    "nd(target=fe80::/ffff::)",
    "nd(sll=00:00:00:00:00:01)",
    "ct_state(new|trk)",
    "ct_state(-inv+trk)",
    "ct_zone(0x5)",
    "ct_zone(0x5/0xff)",
    "ct_mark(0x1)",
    "ct_mark(0x1/0xf)",
    "ct_label(0x1)",
    "ct_label(0x1234567890abcdef1234567890abcdef)",
    "ct_label(0x10/0xf0)",
    "ct_tuple4(src=1.1.1.1,dst=2.2.2.2,proto=6,tp_src=1,tp_dst=2)",
    "ct_tuple6(src=::1,dst=::2,proto=17,src_port=3,dst_port=4)",
    "mpls(label=100,tc=3,ttl=64,bos=1)",
    "key32(00 01/00 ff)",
    "recirc_id(0),skb_priority(0),in_port(1),skb_mark(0),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)",
    "ufid:12345678-9abc-def0-1234-56789abcdef0",
];

#[test]
fn flow_round_trips() {
    for s in FLOWS {
        let f = parse_flow(s, None).unwrap_or_else(|e| panic!("{s}: {e}"));
        let mut printed = format_flow(&f.key, Some(&f.mask), None, false);
        if let Some(u) = f.ufid {
            printed = ovsdp::key::format_ufid(&u)
                + if f.key.is_empty() { "" } else { " " }
                + if f.key.is_empty() { "" } else { &printed };
        }
        let expect = if *s == "ufid:12345678-9abc-def0-1234-56789abcdef0" {
            *s
        } else {
            s
        };
        assert_eq!(printed, expect, "print(parse({s}))");
        let g = parse_flow(&printed, None).unwrap_or_else(|e| panic!("reparse {printed}: {e}"));
        assert_eq!(emit(&f.key), emit(&g.key), "key bytes of {s}");
        assert_eq!(emit(&f.mask), emit(&g.mask), "mask bytes of {s}");
        assert_eq!(f.ufid, g.ufid);
    }
}

/// Verbose printing (`-m`, and `set()` actions) shows every field and must
/// parse back to the same bytes too.
#[test]
fn verbose_round_trips() {
    for s in FLOWS {
        let f = parse_flow(s, None).unwrap_or_else(|e| panic!("{s}: {e}"));
        let printed = format_flow(&f.key, Some(&f.mask), None, true);
        if printed.contains("error:") || f.key.is_empty() {
            continue;
        }
        let g = parse_flow(&printed, None).unwrap_or_else(|e| panic!("reparse {printed}: {e}"));
        assert_eq!(emit(&f.key), emit(&g.key), "key bytes of {s} via {printed}");
        assert_eq!(
            emit(&f.mask),
            emit(&g.mask),
            "mask bytes of {s} via {printed}"
        );
    }
}

/// Spellings that parse but print differently (OVS accepts them too, or
/// they are ovsdp extensions).
#[test]
fn alternative_spellings() {
    let cases = [
        ("ipv4(src=10.0.0.0/24)", "ipv4(src=10.0.0.0/255.255.255.0)"),
        ("ipv6(src=fe80::/10)", "ipv6(src=fe80::/ffc0::)"),
        ("in_port(0x3)", "in_port(3)"),
        ("eth_type(2048)", "eth_type(0x0800)"),
        ("tcp(dst=0x50)", "tcp(dst=80)"),
        ("tcp_flags(0x12/0x12)", "tcp_flags(+syn+ack)"),
        ("tcp_flags(0x12)", "tcp_flags(syn|ack)"),
        ("ct_tuple6(tp_src=3)", "ct_tuple6(src_port=3)"),
        ("vlan(vid=10,pcp=0/0)", "vlan(vid=10)"),
        (
            "  in_port(1) , eth_type(0x86dd)",
            "in_port(1),eth_type(0x86dd)",
        ),
        (
            "mpls(label=1,ttl=2,label=3)",
            "mpls(label=1/0xfffff,tc=0/0,ttl=2/0xff,bos=0/0,label=3/0xfffff,tc=0/0,ttl=0/0x0,bos=0/0)",
        ),
    ];
    for (i, o) in cases {
        let f = parse_flow(i, None).unwrap_or_else(|e| panic!("{i}: {e}"));
        assert_eq!(format_flow(&f.key, Some(&f.mask), None, false), o, "{i}");
    }
}

const ACTIONS: &[&str] = &[
    "1",
    "1,2,3",
    "drop",
    "drop(7)",
    "userspace(pid=1,userdata(0102030405060708))",
    "userspace(pid=1,userdata(010203040506070809),actions)",
    "userspace(pid=4294967295,slow_path(action),actions,tunnel_out_port=3)",
    "userspace(pid=2,slow_path(cfm,bfd,lacp,stp,lldp,action,match))",
    "userspace(pid=2,sFlow(vid=0,pcp=0,output=1))",
    "userspace(pid=2,sFlow(vid=4095,pcp=7,output=4294967295))",
    "userspace(pid=2,flow_sample(probability=65535,collector_set_id=0,obs_domain_id=0,obs_point_id=0,output_port=4294967295,egress))",
    "userspace(pid=2,ipfix(output_port=0))",
    "userspace(pid=2,controller(reason=65535,dont_send=1,continuation=1,recirc_id=4294967295,rule_cookie=0xffffffffffffffff,controller_id=65535,max_len=0))",
    "set(ipv4(ttl=63))",
    "set(ipv4(src=1.2.3.4,dst=5.6.7.8,proto=6,tos=0,ttl=64,frag=no))",
    "set(ipv4(src=10.0.0.0/255.255.255.0))",
    "set(eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02))",
    "set(eth(dst=00:00:00:00:00:02))",
    "set(tcp(src=1,dst=2))",
    "set(udp(dst=53))",
    "set(skb_mark(0x5))",
    "set(skb_priority(0x1))",
    "set(ipv6(src=::1,dst=::2,label=0x1,proto=6,tclass=0,hlimit=64,frag=no))",
    "set(ipv6(hlimit=63))",
    "set(sctp(src=1,dst=2))",
    "set(arp(sip=1.1.1.1,tip=2.2.2.2,op=1,sha=00:00:00:00:00:01,tha=00:00:00:00:00:02))",
    "set(nd(target=::1))",
    "push_vlan(vid=10,pcp=0)",
    "push_vlan(vid=10,pcp=3,cfi=0)",
    "push_vlan(tpid=0x88a8,vid=100,pcp=7)",
    "pop_vlan",
    "recirc(0x1)",
    "recirc(0)",
    "hash(l4(0))",
    "hash(sym_l4(42))",
    "clone(1,2)",
    "clone(pop_vlan,clone(3))",
    "clone(drop)",
    "sample(sample=50.0%,actions(1))",
    "sample(sample=100.0%,actions(userspace(pid=1,userdata(0000000000000000))))",
    "sample(sample=0.0%,actions(drop))",
    "trunc(100)",
    "ct",
    "ct(commit)",
    "ct(commit,zone=5,mark=0x1/0xff,label=0x1/0xff,helper=ftp)",
    "ct(force_commit,timeout=tp1)",
    "ct(nat)",
    "ct(zone=1,nat(src))",
    "ct(commit,nat(dst=10.0.0.1-10.0.0.5:80-90,persistent,hash))",
    "ct(commit,nat(src=10.0.0.1:1024,random))",
    "ct(commit,nat(src=fe80::1-fe80::2))",
    "ct(commit,nat(src=[fe80::1]-[fe80::2]:80))",
    "ct(commit,nat(dst=[::ffff:10.0.0.1]:443))",
    "ct(commit,eventmask=0x1f)",
    "ct(commit,timeout=tp1,eventmask=0,nat(src=10.0.0.1))",
    "ct_clear",
    "meter(3)",
    "check_pkt_len(size=200,gt(1),le(2,3))",
    "check_pkt_len(size=1500,gt(drop),le(drop))",
    "push_mpls(label=10,tc=1,ttl=64,bos=1,eth_type=0x8847)",
    "add_mpls(label=10,tc=0,ttl=255,bos=1,eth_type=0x8848)",
    "pop_mpls(eth_type=0x800)",
    "push_eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02)",
    "pop_eth",
    "pop_nsh()",
    "psample(group=3)",
    "psample(group=3,cookie=0x0102)",
    "2,push_vlan(vid=10,pcp=0),set(ipv4(ttl=63)),userspace(pid=7,slow_path(match)),clone(3),drop",
];

#[test]
fn action_round_trips() {
    for s in ACTIONS {
        let a = parse_actions(s, None).unwrap_or_else(|e| panic!("{s}: {e}"));
        let bytes = emit(&a);
        let printed = format_actions(&bytes, None);
        assert_eq!(printed, *s, "print(parse({s}))");
        let b = parse_actions(&printed, None).unwrap_or_else(|e| panic!("reparse {printed}: {e}"));
        assert_eq!(bytes, emit(&b), "bytes of {s}");
    }
}

#[test]
fn action_alternative_spellings() {
    let cases = [
        ("recirc(5)", "recirc(0x5)"),
        ("0x10", "16"),
        (
            "userspace(pid=1,userdata(0102))",
            "userspace(pid=1,userdata(0102000000000000))",
        ),
        // Without userdata or a cookie, OVS's all-zero 48-byte cookie.
        ("userspace(pid=1234)", "userspace(pid=1234,userdata(000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000))"),
        (
            "userspace(pid=1,actions,tunnel_out_port=3)",
            "userspace(pid=1,userdata(000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000),actions,tunnel_out_port=3)",
        ),
        // Cookie numbers in C %i style (but decimal in controller()), reasons
        // joined with '|' as OVS parses them, fields in any order.
        (
            "userspace(pid=1,sFlow(vid=0x10,pcp=01,output=0x20))",
            "userspace(pid=1,sFlow(vid=16,pcp=1,output=32))",
        ),
        ("userspace(pid=1,slow_path(cfm|0x2))", "userspace(pid=1,slow_path(cfm,bfd))"),
        ("userspace(pid=1,slow_path())", "userspace(pid=1,slow_path(0))"),
        (
            "userspace(pid=1,actions,ipfix(output_port=0x3))",
            "userspace(pid=1,ipfix(output_port=3),actions)",
        ),
        (
            "userspace(pid=1,controller(reason=1,dont_send=7,continuation=0,recirc_id=010,rule_cookie=ABC,controller_id=0,max_len=0))",
            "userspace(pid=1,controller(reason=1,dont_send=1,continuation=0,recirc_id=10,rule_cookie=0xabc,controller_id=0,max_len=0))",
        ),
        ("push_vlan(pcp=0,vid=10)", "push_vlan(vid=10,pcp=0)"),
        (
            "push_vlan(vid=10,pcp=0,tpid=0x8100)",
            "push_vlan(vid=10,pcp=0)",
        ),
        (
            "sample(sample=33.3%,actions(1))",
            "sample(sample=33.3%,actions(1))",
        ),
        ("DROP", "drop"),
        (
            "set(ipv4(src=10.0.0.0/8))",
            "set(ipv4(src=10.0.0.0/255.0.0.0))",
        ),
        (" 1 , 2 ", "1,2"),
        // ct: attributes in OVS's order, empty and zero parts left out,
        // later parts replacing earlier ones, `nat()` as `nat`.
        (
            "ct(nat(src),helper=ftp,zone=3,commit)",
            "ct(commit,zone=3,helper=ftp,nat(src))",
        ),
        ("ct(zone=0,mark=0x1/0,label=0x1/0)", "ct"),
        ("ct(zone=1,zone=2)", "ct(zone=2)"),
        ("ct(mark=5)", "ct(mark=0x5/0xffffffff)"),
        ("ct(label=1)", "ct(label=0x1)"),
        ("ct(nat())", "ct(nat)"),
        ("ct(nat(dst),nat(src))", "ct(nat(src))"),
        ("ct(eventmask=16)", "ct(eventmask=0x10)"),
        // nat: flags only with an address (OVS's nl_msg_put_ct_nat()), the
        // range's end only past its start, brackets only with a port.
        ("ct(nat(src,persistent,random))", "ct(nat(src))"),
        (
            "ct(nat(src=10.0.0.1-10.0.0.1:80-80))",
            "ct(nat(src=10.0.0.1:80))",
        ),
        ("ct(nat(src=[fe80::1]-[fe80::1]))", "ct(nat(src=fe80::1))"),
        ("ct(nat(src=10.0.0.1-0.0.0.0:5-0))", "ct(nat(src=10.0.0.1:5))"),
        ("ct(nat(src=fe80::1:80))", "ct(nat(src=fe80::1:80))"),
        (
            "ct(nat(,dst=10.0.0.1:0x50, hash))",
            "ct(nat(dst=10.0.0.1:80,hash))",
        ),
    ];
    for (i, o) in cases {
        let a = parse_actions(i, None).unwrap_or_else(|e| panic!("{i}: {e}"));
        assert_eq!(format_actions(&emit(&a), None), o, "{i}");
    }
    // An empty action list is "drop", as ovs-dpctl prints it.
    assert_eq!(format_actions(&[], None), "drop");
}

/// Masked set: only set() with every mask byte 0xff is OVS_ACTION_ATTR_SET.
#[test]
fn set_vs_set_masked() {
    use ovsdp::attr::parse;
    use ovsdp::uapi::*;
    let a = parse_actions("set(skb_mark(0x5))", None).expect("parse");
    assert_eq!(a[0].ty(), OVS_ACTION_ATTR_SET);
    let a = parse_actions("set(ipv4(ttl=63))", None).expect("parse");
    assert_eq!(a[0].ty(), OVS_ACTION_ATTR_SET_MASKED);
    let inner = parse(&a[0].value).expect("nested");
    assert_eq!(inner[0].ty(), OVS_KEY_ATTR_IPV4);
    assert_eq!(inner[0].value.len(), 24, "key and mask back to back");
    assert_eq!(&inner[0].value[8..12], &[0, 0, 63, 0]);
    assert_eq!(&inner[0].value[20..24], &[0, 0, 0xff, 0]);
    // ipv6 label's full mask is 0xfffff, so a fully written ipv6() is still masked.
    let a = parse_actions(
        "set(ipv6(src=::1,dst=::2,label=0x1,proto=6,tclass=0,hlimit=64,frag=no))",
        None,
    )
    .expect("parse");
    assert_eq!(a[0].ty(), OVS_ACTION_ATTR_SET_MASKED);
}

/// Each parse error points at the first wrong character.
#[test]
fn flow_errors_have_positions() {
    let cases: &[(&str, usize)] = &[
        ("in_port(1),eth(src=00:01:02:03:04:05,dst=zz)", 41),
        ("in_port(x)", 8),
        ("bogus(1)", 0),
        ("in_port(1),foo", 11),
        ("in_port(1", 9),
        ("ipv4(src=1.2.3)", 9),
        ("ipv4(src=1.2.3.4,frag=maybe)", 22),
        ("ipv4(ttl=256)", 9),
        ("ipv4(bad=1)", 5),
        ("tcp(src=70000)", 8),
        ("vlan(vid=4096)", 9),
        ("vlan(pcp=8)", 9),
        ("vlan(foo=1)", 5),
        ("tcp_flags(syn|bogus)", 14),
        ("tcp_flags(+syn+syn)", 15),
        ("ipv6(src=::g)", 11),
        ("ipv6(label=0x100000)", 11),
        ("eth(src=00:01:02:03:04:05/zz)", 26),
        ("recirc_id(1/2)", 11),
        ("encap(eth_type(0x800)", 21),
        ("ct_state(foo)", 9),
        ("ufid:1234", 5),
        ("eth_type(0x10000)", 9),
    ];
    for (s, pos) in cases {
        match parse_flow(s, None) {
            Ok(f) => panic!("{s} parsed: {:?}", f.key),
            Err(e) => {
                assert_eq!(e.pos, *pos, "{s}: {e}");
                let txt = e.to_string();
                let caret_line = txt.lines().last().expect("caret line");
                assert_eq!(caret_line.find('^'), Some(2 + pos), "caret of {s}:\n{txt}");
            }
        }
    }
}

#[test]
fn action_errors_have_positions() {
    let cases: &[(&str, usize)] = &[
        ("1,bogus", 2),
        ("push_vlan(vid=5000,pcp=0)", 14),
        ("push_vlan(vid=1)", 10),
        ("set(ipv4(ttl=63)", 16),
        ("set(nope(1))", 4),
        ("userspace(1)", 10),
        ("userspace(pid=1,wat)", 16),
        ("clone(1,2", 9),
        ("sample(sample=150%,actions(1))", 14),
        ("sample(sample=50%,actions(1)", 28),
        ("recirc(x)", 7),
        ("hash(l3(1))", 5),
        ("trunc()", 6),
        ("ct(commit,force_commit)", 10),
        ("ct(nat(src,dst))", 3),
        ("ct(nat(src=1.2.3))", 11),
        ("ct(nat(src=10.0.0.1-x))", 20),
        ("ct(nat(src=10.0.0.1:80-x))", 23),
        ("ct(nat(src=[fe80::1:80))", 11),
        ("ct(nat(sideways))", 7),
        ("ct(nat(src,))", 11),
        ("ct(commit,nat(dst=10.0.0.9-10.0.0.1))", 10),
        ("ct(nat(src=10.0.0.1,hash,random))", 3),
        ("ct(eventmask=x)", 13),
        ("ct(helper=0123456789abcdef)", 3),
        ("check_pkt_len(size=1,gt(1),lt(2))", 28),
        ("4294967296", 0),
    ];
    for (s, pos) in cases {
        match parse_actions(s, None) {
            Ok(a) => panic!("{s} parsed: {a:?}"),
            Err(e) => assert_eq!(e.pos, *pos, "{s}: {e}"),
        }
    }
}

#[test]
fn port_names() {
    let mut p = ovsdp::key::Ports::default();
    p.insert(1, "veth0");
    p.insert(2, "veth1");
    let f = parse_flow("in_port(veth0),eth_type(0x0800)", Some(&p)).expect("parse");
    assert_eq!(
        format_flow(&f.key, Some(&f.mask), None, false),
        "in_port(1),eth_type(0x0800)"
    );
    assert_eq!(
        format_flow(&f.key, Some(&f.mask), Some(&p), false),
        "in_port(veth0),eth_type(0x0800)"
    );
    let a = parse_actions("veth1,1", Some(&p)).expect("parse");
    assert_eq!(format_actions(&emit(&a), Some(&p)), "veth1,veth0");
    assert_eq!(format_actions(&emit(&a), None), "2,1");
    assert!(parse_flow("in_port(nope)", Some(&p)).is_err());
}
