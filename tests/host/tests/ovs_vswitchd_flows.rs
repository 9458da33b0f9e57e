//! Issue 13: the `OVS_FLOW_CMD_NEW` requests stock ovs-vswitchd 3.1 sends for its megaflows,
//! byte for byte, through the same pure steps as `genetlink/flow.rs`'s `New::doit()`: the
//! attribute table, `FlowAttrs`, the key and mask, the actions.
//!
//! How ovs-vswitchd builds them (OVS 3.1, kernel datapath):
//! - `OVS_FLOW_ATTR_KEY` is the upcall's `OVS_PACKET_ATTR_KEY`, verbatim
//!   (`ukey_create_from_upcall()` in ofproto/ofproto-dpif-upcall.c): what our `put_key()`
//!   emitted, which [`our_upcall_key_is_what_ovs_vswitchd_puts_back`] checks.
//! - `OVS_FLOW_ATTR_MASK` is `odp_flow_key_from_mask()` (lib/odp-util.c,
//!   `odp_flow_key_from_flow__()` with `export_mask`) of the translation's wildcards: every
//!   attribute the flow's type has, zero masks included, and an `OVS_KEY_ATTR_TUNNEL` nest
//!   even for a flow from a port without tunnels, which holds at least
//!   `OVS_TUNNEL_KEY_ATTR_TTL` (`tun_key_to_attr()` always puts the TTL). The
//!   `OVS_KEY_ATTR_PACKET_TYPE` it also puts is cut out by `put_exclude_packet_type()`
//!   (lib/dpif-netlink.c). The conntrack attributes follow SKB_MARK in both, as our datapath
//!   passes the ct_state, ct_zone, ct_mark and ct_label probes: zero values in the key
//!   (the upcall's), zero masks in the mask (these flows do not match on conntrack).
//! - `dpif_netlink_flow_to_ofpbuf()` orders the attributes UFID (the datapath passed the
//!   UFID probe), KEY, MASK, ACTIONS; nests carry no `NLA_F_NESTED`.

use ovs_rs_host::abi::errno::Rejection;
use ovs_rs_host::abi::flow_attrs::FlowAttrs;
use ovs_rs_host::abi::nla::{AttrWriter, Attrs};
use ovs_rs_host::abi::uapi::key_attr as ka;
use ovs_rs_host::abi::uapi::{action_attr, flow_attr, flow_cmd};
use ovs_rs_host::actions::validate::validate_actions;
use ovs_rs_host::flow::extract::{extract, PacketMeta};
use ovs_rs_host::flow::key::{field as kf, FlowKey};
use ovs_rs_host::flow::key_nla::{parse_match, put_key, Match};

mod common;
use common::{attr, u32_attr, VecSink};

// ---- The three flows of the issue -----------------------------------------------------------

const HOST_A: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x01];
const HOST_B: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x02];
const IPV6_ALL_ROUTERS_MAC: [u8; 6] = [0x33, 0x33, 0, 0, 0, 0x02];
const BROADCAST: [u8; 6] = [0xff; 6];

const A_IP: [u8; 4] = [10, 77, 0, 1];
const B_IP: [u8; 4] = [10, 77, 0, 2];

fn fe80_a() -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..2].copy_from_slice(&[0xfe, 0x80]);
    a[8..].copy_from_slice(&[0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x01]);
    a
}

fn ff02_2() -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..2].copy_from_slice(&[0xff, 0x02]);
    a[15] = 2;
    a
}

const IN_PORT: u32 = 2;
const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;
const ETH_P_ARP: u16 = 0x0806;

fn be16_attr(kind: u16, v: u16) -> Vec<u8> {
    attr(kind, &v.to_be_bytes())
}

fn ethernet(src: [u8; 6], dst: [u8; 6]) -> Vec<u8> {
    attr(ka::ETHERNET, &[src, dst].concat())
}

/// The metadata our `put_key()` starts an upcall key with: recirc_id, dp_hash, priority,
/// in_port, skb_mark, then the conntrack fields of an untracked packet (ovs-vswitchd prints
/// them in this order, as they come).
fn key_metadata() -> Vec<u8> {
    [
        u32_attr(ka::RECIRC_ID, 0),
        u32_attr(ka::DP_HASH, 0),
        u32_attr(ka::PRIORITY, 0),
        u32_attr(ka::IN_PORT, IN_PORT),
        u32_attr(ka::SKB_MARK, 0),
        zero_conntrack(),
    ]
    .concat()
}

/// `ct_state(0)`, `ct_zone(0)`, `ct_mark(0)`, `ct_label(0)`: an untracked packet's key, or
/// the wildcard masks of a flow that does not match on conntrack.
fn zero_conntrack() -> Vec<u8> {
    [
        u32_attr(ka::CT_STATE, 0),
        attr(ka::CT_ZONE, &[0, 0]),
        u32_attr(ka::CT_MARK, 0),
        attr(ka::CT_LABELS, &[0; 16]),
    ]
    .concat()
}

/// What `tun_key_to_attr()` makes of the all-zero tunnel mask of a flow that came in
/// without tunnel metadata: only `OVS_TUNNEL_KEY_ATTR_TTL` (4), a u8 0, padded.
fn zero_tunnel_mask() -> Vec<u8> {
    attr(ka::TUNNEL, &attr(4, &[0]))
}

/// `odp_flow_key_from_flow__()`'s metadata for a mask, minus the packet type:
/// `skb_priority(0/0)`, the tunnel nest, `skb_mark(0/0)`, the conntrack fields' zero masks,
/// `recirc_id` exact (xlate always
/// matches it when the datapath recirculates), `dp_hash(0/0)`, `in_port` exact (all 32 bits:
/// upcall_xlate() masks the whole `odp_port`).
fn mask_metadata() -> Vec<u8> {
    [
        u32_attr(ka::PRIORITY, 0),
        zero_tunnel_mask(),
        u32_attr(ka::SKB_MARK, 0),
        zero_conntrack(),
        u32_attr(ka::RECIRC_ID, u32::MAX),
        u32_attr(ka::DP_HASH, 0),
        u32_attr(ka::IN_PORT, u32::MAX),
    ]
    .concat()
}

struct OvsFlow {
    frame: Vec<u8>,
    key: Vec<u8>,
    mask: Vec<u8>,
    actions: Vec<u8>,
}

fn output(ports: &[u32]) -> Vec<u8> {
    ports
        .iter()
        .flat_map(|&p| u32_attr(action_attr::OUTPUT, p))
        .collect()
}

/// `recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(2),skb_mark(0/0),
/// eth(src=../00:00:00:00:00:00,dst=../00:00:00:00:00:00),eth_type(0x0800),
/// ipv4(src=10.77.0.1/0.0.0.0,dst=10.77.0.2/0.0.0.0,proto=1/0,tos=0/0,ttl=64/0,frag=no),
/// icmp(type=8/0,code=0/0), actions:3`
fn icmp_echo() -> OvsFlow {
    let mut ip = vec![0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 1, 0, 0];
    ip.extend_from_slice(&A_IP);
    ip.extend_from_slice(&B_IP);
    ip.extend_from_slice(&[8, 0, 0, 0, 0, 1, 0, 1]);
    let frame = [&HOST_B[..], &HOST_A, &ETH_P_IP.to_be_bytes(), &ip].concat();
    let key = [
        key_metadata(),
        ethernet(HOST_A, HOST_B),
        be16_attr(ka::ETHERTYPE, ETH_P_IP),
        attr(ka::IPV4, &[&A_IP[..], &B_IP, &[1, 0, 64, 0]].concat()),
        attr(ka::ICMP, &[8, 0]),
    ]
    .concat();
    let mask = [
        mask_metadata(),
        ethernet([0; 6], [0; 6]),
        be16_attr(ka::ETHERTYPE, 0xffff),
        // Only the fragment type is matched: ovs_to_odp_frag() makes it 0xff.
        attr(ka::IPV4, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff]),
        attr(ka::ICMP, &[0, 0]),
    ]
    .concat();
    OvsFlow {
        frame,
        key,
        mask,
        actions: output(&[3]),
    }
}

/// `recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(2),skb_mark(0/0),
/// eth(src=..,dst=33:33:00:00:00:02),eth_type(0x86dd),
/// ipv6(src=fe80::../::,dst=ff02::2/::,label=0/0,proto=58/0,tclass=0/0,hlimit=255/0,frag=no),
/// icmpv6(type=133/0,code=0/0), actions:1,3`
fn router_solicitation() -> OvsFlow {
    let mut ip = vec![0x60, 0, 0, 0, 0, 8, 58, 255];
    ip.extend_from_slice(&fe80_a());
    ip.extend_from_slice(&ff02_2());
    ip.extend_from_slice(&[133, 0, 0, 0, 0, 0, 0, 0]);
    let frame = [
        &IPV6_ALL_ROUTERS_MAC[..],
        &HOST_A,
        &ETH_P_IPV6.to_be_bytes(),
        &ip,
    ]
    .concat();
    let ipv6_key = [&fe80_a()[..], &ff02_2(), &[0, 0, 0, 0], &[58, 0, 255, 0]].concat();
    let key = [
        key_metadata(),
        ethernet(HOST_A, IPV6_ALL_ROUTERS_MAC),
        be16_attr(ka::ETHERTYPE, ETH_P_IPV6),
        attr(ka::IPV6, &ipv6_key),
        // Upstream's upcall key has IPV6_EXTHDRS after IPV6; ovs-vswitchd 3.1 hands the key
        // back verbatim, though it does not know the attribute (its mask has none).
        attr(ka::IPV6_EXTHDRS, &[0, 0]),
        attr(ka::ICMPV6, &[133, 0]),
    ]
    .concat();
    let mut ipv6_mask = [0u8; 40];
    ipv6_mask[39] = 0xff;
    let mask = [
        mask_metadata(),
        ethernet([0; 6], [0xff; 6]),
        be16_attr(ka::ETHERTYPE, 0xffff),
        attr(ka::IPV6, &ipv6_mask),
        attr(ka::ICMPV6, &[0, 0]),
    ]
    .concat();
    OvsFlow {
        frame,
        key,
        mask,
        actions: output(&[1, 3]),
    }
}

/// `recirc_id(0),dp_hash(0/0),skb_priority(0/0),in_port(2),skb_mark(0/0),
/// eth(src=..,dst=ff:ff:ff:ff:ff:ff),eth_type(0x0806),
/// arp(sip=10.77.0.1,tip=10.77.0.2,op=1,sha=../00:00:00:00:00:00,
/// tha=00:00:00:00:00:00/00:00:00:00:00:00), actions:1,3`
fn arp_request() -> OvsFlow {
    let mut arp = vec![0, 1, 0x08, 0x00, 6, 4, 0, 1];
    arp.extend_from_slice(&HOST_A);
    arp.extend_from_slice(&A_IP);
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&B_IP);
    let frame = [&BROADCAST[..], &HOST_A, &ETH_P_ARP.to_be_bytes(), &arp].concat();
    // struct ovs_key_arp: sip, tip, be16 op, sha, tha, 2 bytes of padding.
    let arp_key = [&A_IP[..], &B_IP, &[0, 1], &HOST_A, &[0; 6], &[0, 0]].concat();
    let key = [
        key_metadata(),
        ethernet(HOST_A, BROADCAST),
        be16_attr(ka::ETHERTYPE, ETH_P_ARP),
        attr(ka::ARP, &arp_key),
    ]
    .concat();
    // get_arp_key(): an exact nw_proto mask becomes an op of 0xffff.
    let arp_mask = [
        &[0xff; 4][..],
        &[0xff; 4],
        &[0xff, 0xff],
        &[0; 6],
        &[0; 6],
        &[0, 0],
    ]
    .concat();
    let mask = [
        mask_metadata(),
        ethernet([0; 6], [0xff; 6]),
        be16_attr(ka::ETHERTYPE, 0xffff),
        attr(ka::ARP, &arp_mask),
    ]
    .concat();
    OvsFlow {
        frame,
        key,
        mask,
        actions: output(&[1, 3]),
    }
}

fn flows() -> [(&'static str, OvsFlow); 3] {
    [
        ("icmp echo", icmp_echo()),
        ("router solicitation", router_solicitation()),
        ("arp request", arp_request()),
    ]
}

// ---- The request ----------------------------------------------------------------------------

const UFID: [u8; 16] = [
    0x3c, 0x5e, 0x80, 0x1f, 0x42, 0x9a, 0x4b, 0x0d, 0x9e, 0x11, 0x27, 0x6a, 0xd0, 0x73, 0x18, 0xc4,
];

/// The whole message as `dpif_netlink_flow_to_ofpbuf()` builds it for `DPIF_FP_CREATE`:
/// nlmsghdr, genlmsghdr (`OVS_FLOW_CMD_NEW`, version 1), `struct ovs_header`, then UFID,
/// KEY, MASK, ACTIONS.
fn request(flow: &OvsFlow) -> Vec<u8> {
    let attrs = [
        attr(flow_attr::UFID, &UFID),
        attr(flow_attr::KEY, &flow.key),
        attr(flow_attr::MASK, &flow.mask),
        attr(flow_attr::ACTIONS, &flow.actions),
    ]
    .concat();
    let mut msg = Vec::new();
    let len = 16 + 4 + 4 + attrs.len();
    msg.extend_from_slice(&(len as u32).to_ne_bytes());
    // The ovs_flow family's id (whatever the kernel gave it), then NLM_F_REQUEST and
    // NLM_F_CREATE (DPIF_FP_CREATE without DPIF_FP_MODIFY; no NLM_F_ECHO, as ukeys ask for
    // no stats), a sequence number and the port id (nl_sock fills both in).
    msg.extend_from_slice(&0x1du16.to_ne_bytes());
    msg.extend_from_slice(&(0x1u16 | 0x400).to_ne_bytes());
    msg.extend_from_slice(&1u32.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    // cmd, version, reserved; then the datapath's ifindex.
    msg.extend_from_slice(&[flow_cmd::NEW, 1, 0, 0]);
    msg.extend_from_slice(&7i32.to_ne_bytes());
    msg.extend_from_slice(&attrs);
    msg
}

/// `New::doit()`'s pure steps on a whole request: the attributes after the two headers,
/// `FlowAttrs::parse`, `new_request`, `parse_match`, `validate_actions` against the masked
/// key.
fn doit(msg: &[u8]) -> Result<(Match, VecSink), Rejection> {
    let attrs = &msg[24..];
    let find = |n: u16| {
        Attrs::new(attrs)
            .map_while(Result::ok)
            .filter(|a| a.kind == n)
            .last()
            .map(|a| a.payload)
    };
    let parsed = FlowAttrs::parse(find)?;
    let new = parsed.new_request()?;
    assert_eq!(new.ufid.map(|u| u.as_bytes().to_vec()), Some(UFID.to_vec()));
    let m = parse_match(new.key, new.mask)?;
    let mut sink = VecSink::default();
    validate_actions(new.actions, &m.key, flow_attr::ACTIONS, &mut sink)?;
    Ok((m, sink))
}

// ---- Tests ----------------------------------------------------------------------------------

#[test]
fn our_upcall_key_is_what_ovs_vswitchd_puts_back() {
    for (name, flow) in flows() {
        let mut key = FlowKey::default();
        let meta = PacketMeta {
            in_port: IN_PORT,
            ..Default::default()
        };
        extract(&flow.frame, &meta, &mut key);
        let mut buf = [0u8; 512];
        let mut w = AttrWriter::new(&mut buf);
        put_key(&key, &mut w).unwrap();
        assert_eq!(w.as_bytes(), &flow.key[..], "{name}");
    }
}

#[test]
fn ovs_vswitchd_megaflows_are_accepted() {
    for (name, flow) in flows() {
        let msg = request(&flow);
        let (m, sink) = doit(&msg).unwrap_or_else(|r| {
            panic!(
                "{name}: refused: {:?} {:?} (attr {:?})",
                r.errno, r.msg, r.attr
            )
        });
        assert_eq!(sink.actions.len(), flow.actions.len() / 8, "{name}");
        // The mask is what the non-zero mask attributes say, no more.
        assert_eq!(m.mask.u32_at(kf::IN_PORT), u32::MAX, "{name}");
        assert_eq!(m.mask.u32_at(kf::RECIRC_ID), u32::MAX, "{name}");
        assert_eq!(m.mask.u32_at(kf::DP_HASH), 0, "{name}");
        assert_eq!(m.mask.u32_at(kf::PRIORITY), 0, "{name}");
        assert_eq!(m.mask.u32_at(kf::SKB_MARK), 0, "{name}");
        assert_eq!(m.mask.be16(kf::ETH_TYPE), 0xffff, "{name}");
        assert_eq!(m.mask.get(kf::ETH_SRC), &[0; 6], "{name}");
        assert!(has(m.mask_attrs, ka::TUNNEL), "{name}");
    }
    let (m, _) = doit(&request(&icmp_echo())).unwrap();
    assert_eq!(m.mask.get(kf::ETH_DST), &[0; 6]);
    assert_eq!(m.mask.get(kf::IPV4_SRC), &[0; 4]);
    assert_eq!(m.mask.u8_at(kf::IP_PROTO), 0);
    assert_eq!(m.mask.u8_at(kf::IP_FRAG), 0xff);
    assert_eq!(m.mask.be16(kf::TP_SRC), 0);
    let (m, _) = doit(&request(&arp_request())).unwrap();
    assert_eq!(m.mask.get(kf::ETH_DST), &[0xff; 6]);
    assert_eq!(m.mask.get(kf::IPV4_SRC), &[0xff; 4]);
    assert_eq!(m.mask.u8_at(kf::IP_PROTO), 0xff);
    assert_eq!(m.mask.get(kf::ARP_SHA), &[0; 6]);
}

fn has(set: u64, kind: u16) -> bool {
    set & (1 << kind) != 0
}
