// SPDX-License-Identifier: GPL-2.0
//! Writes the seed corpora in `corpus/<target>/` (committed; a few KB):
//! `cargo test --manifest-path tests/fuzz/Cargo.toml --no-default-features -- --ignored write_seeds`.
//! Frames are built by hand; their keys and masks are the module's own dumps of them, and
//! the actions and flow texts are those of ovsdp's syntax tests, encoded by ovsdp.

use std::path::Path;

use ovs_rs_host::flow::extract::{extract, PacketMeta};
use ovs_rs_host::flow::key::FlowKey;
use ovs_rs_host::flow::key_nla::{parse_match, put_key, put_mask};
use ovs_rs_host::abi::nla::AttrWriter;
use ovs_rs_host::abi::uapi::{flow_attr, packet_attr, vport_attr};

const DST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
const SRC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];

fn eth(tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = [DST, SRC].concat();
    for (tpid, tci) in tags {
        f.extend(tpid.to_be_bytes());
        f.extend(tci.to_be_bytes());
    }
    f.extend(ethertype.to_be_bytes());
    f.extend(payload);
    f
}

fn ipv4(proto: u8, frag: u16, l4: &[u8]) -> Vec<u8> {
    let mut h = vec![0x45, 0x10, 0, 0, 0, 1];
    h.extend(frag.to_be_bytes());
    h.extend([64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    let total = (h.len() + l4.len()) as u16;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h.extend(l4);
    h
}

fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0x01, 0x23, 0x45];
    h.extend((payload.len() as u16).to_be_bytes());
    h.extend([next, 64]);
    h.extend([[0xfe, 0x80].as_slice(), &[0; 13], &[1]].concat());
    h.extend([[0xfe, 0x80].as_slice(), &[0; 13], &[2]].concat());
    h.extend(payload);
    h
}

fn tcp() -> Vec<u8> {
    [
        &[0x04, 0xd2, 0, 80][..],
        &[0; 8],
        &[0x50, 0x12, 0xff, 0xff, 0, 0, 0, 0],
    ]
    .concat()
}

fn udp() -> Vec<u8> {
    vec![0, 53, 0x13, 0x89, 0, 8, 0, 0]
}

fn frames() -> Vec<(&'static str, Vec<u8>)> {
    let arp = [
        &[0, 1, 8, 0, 6, 4, 0, 1][..],
        &SRC,
        &[10, 0, 0, 1],
        &[0; 6],
        &[10, 0, 0, 2],
    ]
    .concat();
    let mut ns = vec![135, 0, 0, 0, 0, 0, 0, 0];
    ns.extend([[0xfe, 0x80].as_slice(), &[0; 13], &[2]].concat());
    ns.extend([1, 1]);
    ns.extend(SRC);
    let hop_frag = [
        &[44, 0, 1, 4, 0, 0, 0, 0][..],
        &[6, 0, 0, 0, 0, 0, 0, 9],
        &tcp(),
    ]
    .concat();
    vec![
        ("tcp4", eth(&[], 0x0800, &ipv4(6, 0, &tcp()))),
        ("udp4", eth(&[], 0x0800, &ipv4(17, 0, &udp()))),
        (
            "icmp4",
            eth(&[], 0x0800, &ipv4(1, 0, &[8, 0, 0, 0, 0, 1, 0, 1])),
        ),
        (
            "sctp4",
            eth(
                &[],
                0x0800,
                &ipv4(132, 0, &[0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
            ),
        ),
        ("frag4", eth(&[], 0x0800, &ipv4(17, 0x2000, &udp()))),
        ("later4", eth(&[], 0x0800, &ipv4(17, 0x0010, &udp()))),
        ("tcp6", eth(&[], 0x86dd, &ipv6(6, &tcp()))),
        ("ns6", eth(&[], 0x86dd, &ipv6(58, &ns))),
        ("exthdr6", eth(&[], 0x86dd, &ipv6(0, &hop_frag))),
        ("arp", eth(&[], 0x0806, &arp)),
        ("vlan", eth(&[(0x8100, 10)], 0x0800, &ipv4(17, 0, &udp()))),
        (
            "qinq",
            eth(&[(0x88a8, 5), (0x8100, 10)], 0x86dd, &ipv6(17, &udp())),
        ),
        (
            "snap",
            eth(&[], 40, &[0xaa, 0xaa, 3, 0, 0, 0, 0x08, 0x06, 1, 2]),
        ),
        ("llc", eth(&[], 40, &[0x42, 0x42, 3, 0, 0])),
        ("tag_cut", eth(&[], 0x8100, &[0])),
    ]
}

fn key_of(frame: &[u8]) -> FlowKey {
    let mut key = FlowKey::ZERO;
    extract(
        frame,
        &PacketMeta {
            in_port: 1,
            ..Default::default()
        },
        &mut key,
    );
    key
}

fn write(f: impl FnOnce(&mut AttrWriter<'_>)) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut w = AttrWriter::new(&mut buf);
    f(&mut w);
    w.as_bytes().to_vec()
}

fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Actions of ovsdp's syntax tests that this datapath takes, with the control byte giving
/// a key they validate against (IPv4/TCP or IPv6/TCP).
const ACTIONS: &[(&str, u8)] = &[
    ("1,2,3", 0),
    ("drop(7)", 0),
    ("userspace(pid=1,userdata(010203040506070809),actions)", 0),
    ("userspace(pid=4294967295,actions,tunnel_out_port=3)", 0),
    ("set(ipv4(src=10.0.0.0/255.255.255.0))", 0),
    ("set(ipv4(src=1.2.3.4,dst=5.6.7.8,proto=6,tos=0,ttl=64,frag=no))", 0),
    ("set(eth(dst=00:00:00:00:00:02)),set(tcp(src=1,dst=2))", 0),
    ("set(skb_mark(0x5)),set(skb_priority(0x1))", 0),
    ("set(ipv6(hlimit=63)),set(ipv6(src=::1,dst=::2,label=0x1,proto=6,tclass=0,hlimit=64,frag=no))", 1),
    ("push_vlan(tpid=0x88a8,vid=100,pcp=7),pop_vlan,recirc(0x1)", 0),
    ("hash(sym_l4(42)),trunc(100)", 0),
    ("clone(pop_vlan,clone(3))", 0),
    ("sample(sample=50.0%,actions(1)),sample(sample=0.0%,actions(drop))", 0),
    ("2,push_vlan(vid=10,pcp=0),set(ipv4(ttl=63)),userspace(pid=7),clone(3),drop", 0),
];

const TEXTS: &[&str] = &[
    "recirc_id(0),skb_priority(0),in_port(1),skb_mark(0),eth(src=50:54:00:00:00:01,dst=50:54:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)",
    "eth_type(0x8100),vlan(vid=99,pcp=7),encap(eth_type(0x0800),ipv4(src=1.2.3.4,proto=6,frag=no),tcp(dst=22))",
    "ipv6(src=2001:db8::1,dst=fe80::1/ffff:ffff::,label=0x12345,proto=58,tclass=0x20,hlimit=255,frag=no),nd(target=fe80::2,sll=00:00:00:00:00:01,tll=00:00:00:00:00:02)",
    "arp(sip=10.0.0.0/255.0.0.0,op=2),tcp_flags(+syn-ack),ct_state(-inv+trk),ct_label(0x10/0xf0)",
    "ufid:12345678-9abc-def0-1234-56789abcdef0 in_port(3/0xff),mpls(label=100,tc=3,ttl=64,bos=1),key32(00 01/00 ff)",
    "2,push_vlan(vid=10,pcp=0),set(ipv4(ttl=63)),userspace(pid=7),clone(3),drop",
    "ct(commit,zone=5,mark=0x1/0xff,label=0x1/0xff,helper=ftp),check_pkt_len(size=200,gt(1),le(2,3))",
    "sample(sample=50.0%,actions(1)),hash(l4(0)),push_mpls(label=10,tc=1,ttl=64,bos=1,eth_type=0x8847),psample(group=3,cookie=0x0102)",
];

#[test]
#[ignore]
fn write_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut nla_streams = Vec::new();
    for (name, frame) in frames() {
        put(
            &root.join("extract"),
            name,
            &[[0, 1, 0, 0, 0, 0, 0, 0].as_slice(), &frame].concat(),
        );
        let key = key_of(&frame);
        let k = write(|w| put_key(&key, w).unwrap());
        let Ok(m) = parse_match(&k, None) else {
            continue;
        };
        let mask = write(|w| put_mask(&m.mask, &m.key, w).unwrap());
        let split = (k.len() as u16).to_le_bytes();
        put(
            &root.join("key_nla"),
            name,
            &[[1, split[0], split[1]].as_slice(), &k, &mask].concat(),
        );
        nla_streams.push(write(|w| {
            let n = w.start_nest(flow_attr::KEY).unwrap();
            w.put_raw(&k).unwrap();
            w.end_nest(n).unwrap();
            let n = w.start_nest(flow_attr::MASK).unwrap();
            w.put_raw(&mask).unwrap();
            w.end_nest(n).unwrap();
            w.put(flow_attr::UFID, &[7; 16]).unwrap();
        }));
        if name == "tcp4" {
            nla_streams.push(write(|w| {
                w.put(packet_attr::PACKET, &frame).unwrap();
                let n = w.start_nest(packet_attr::KEY).unwrap();
                w.put_raw(&k).unwrap();
                w.end_nest(n).unwrap();
                w.put(packet_attr::ACTIONS, &1u32.to_ne_bytes()).unwrap();
            }));
        }
    }
    nla_streams.push(write(|w| {
        w.put_string(vport_attr::NAME, "vport0").unwrap();
        w.put_u32(vport_attr::TYPE, 1).unwrap();
        w.put(vport_attr::UPCALL_PID, &[1, 0, 0, 0, 2, 0, 0, 0])
            .unwrap();
    }));
    for (i, (text, key_ctl)) in ACTIONS.iter().enumerate() {
        let attrs = ovsdp::actions::parse_actions(text, None).unwrap();
        let bytes = ovsdp::attr::emit(&attrs).unwrap();
        put(
            &root.join("actions"),
            &format!("a{i:02}"),
            &[[*key_ctl, 0, 0x1f].as_slice(), &bytes].concat(),
        );
    }
    for (i, s) in nla_streams.iter().enumerate() {
        put(
            &root.join("nla"),
            &format!("n{i:02}"),
            &[[0xff].as_slice(), s].concat(),
        );
    }
    // rewrite: control byte (key index | ip_summed << 3 | 0x20 to make checksums valid),
    // value and mask, frame.
    let all = |n: usize| vec![0xffu8; n];
    let ipv4_set = [
        [192, 168, 1, 1, 10, 0, 0, 9, 0, 0x20, 63, 0].as_slice(),
        &all(8),
        &[0, 0xff, 0xff, 0],
    ]
    .concat();
    let ipv6_set = [
        vec![0x20; 32],
        vec![0, 0, 0, 5, 0, 0, 9, 0],
        all(32),
        vec![0, 0x0f, 0xff, 0xff, 0, 0xff, 0xff, 0],
    ]
    .concat();
    let ports = [0x12, 0x34, 0x56, 0x78, 0xff, 0xff, 0xff, 0xff];
    let eth_set = [vec![2; 12], all(12)].concat();
    let frames: std::collections::HashMap<_, _> = frames().into_iter().collect();
    let rewrites: [(&str, u8, &[u8], &str); 8] = [
        ("ipv4_tcp", 3 | 0x20, &ipv4_set, "tcp4"),
        ("ipv4_udp_complete", 3 | 2 << 3 | 0x20, &ipv4_set, "udp4"),
        ("ipv4_udp_partial", 3 | 3 << 3, &ipv4_set, "udp4"),
        ("ipv6_tcp_complete", 4 | 2 << 3 | 0x20, &ipv6_set, "tcp6"),
        ("ipv6_icmp", 4 | 0x20, &ipv6_set, "ns6"),
        ("tcp_ports", 5 | 0x20, &ports, "tcp4"),
        ("udp_ports_zero_csum", 6 | 0x60, &ports, "udp4"),
        ("eth_complete", 2 | 2 << 3, &eth_set, "vlan"),
    ];
    for (name, ctl, vm, frame) in rewrites {
        put(
            &root.join("rewrite"),
            name,
            &[[ctl].as_slice(), vm, &frames[frame]].concat(),
        );
    }
    for (i, t) in TEXTS.iter().enumerate() {
        put(&root.join("ovsdp_flow"), &format!("t{i:02}"), t.as_bytes());
    }
}
