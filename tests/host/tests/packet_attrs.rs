//! Typed parsing of `OVS_PACKET_ATTR_*` (`packet_policy`, `ovs_packet_cmd_execute()`) and
//! the upcall's attributes (`queue_userspace_packet()`).

use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::abi::nla::{AttrWriter, Attrs};
use ovs_rs_host::abi::packet_attrs::{
    packet_attr_header, put_packet_header, put_upcall_attrs, upcall_packet_pad, Execute,
    ExecuteSkb, PacketAttrs, PacketHash, Upcall, UpcallActions, ETH_HLEN, OVS_PACKET_HASH_L4_BIT,
    OVS_PACKET_HASH_SW_BIT,
};
use ovs_rs_host::abi::uapi::packet_attr;
use ovs_rs_host::actions::action::Action;
use ovs_rs_host::actions::validate::put_actions;
use ovs_rs_host::flow::extract::{extract, PacketMeta, ETH_P_IP, IPPROTO_TCP};
use ovs_rs_host::flow::key::FlowKey;
use ovs_rs_host::flow::key_nla::{parse_packet_meta, put_key};

mod common;
use common::{arp_request_packet, eth, ipv4, tagged, tcp, u32_attr};

fn table<'a>(entries: &'a [(u16, &'a [u8])]) -> impl Fn(u16) -> Option<&'a [u8]> + 'a {
    move |n| entries.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
}

fn frame() -> Vec<u8> {
    eth(ETH_P_IP, &ipv4(IPPROTO_TCP, 0, &tcp(1000, 80, 0x02)))
}

#[test]
fn parses_every_input_attribute() {
    let f = frame();
    let key = u32_attr(3, 1);
    let actions = u32_attr(1, 2);
    let mru = 1400u16.to_ne_bytes();
    let hash = (0x1234_5678u64 | OVS_PACKET_HASH_L4_BIT).to_ne_bytes();
    let entries: [(u16, &[u8]); 6] = [
        (packet_attr::PACKET, &f),
        (packet_attr::KEY, &key),
        (packet_attr::ACTIONS, &actions),
        (packet_attr::PROBE, &[]),
        (packet_attr::MRU, &mru),
        (packet_attr::HASH, &hash),
    ];
    let a = PacketAttrs::parse(table(&entries)).unwrap();
    assert_eq!(a.packet, Some(&f[..]));
    assert_eq!(a.key, Some(&key[..]));
    assert_eq!(a.actions, Some(&actions[..]));
    assert!(a.probe);
    assert_eq!(a.mru, Some(1400));
    assert_eq!(a.hash, Some(0x1234_5678 | OVS_PACKET_HASH_L4_BIT));
    let x = a.execute_request().unwrap();
    assert_eq!(
        x,
        Execute {
            packet: &f,
            key: &key,
            actions: &actions,
            mru: Some(1400),
            hash: Some(PacketHash {
                hash: 0x1234_5678,
                sw: false,
                l4: true
            }),
            log: false,
        }
    );
}

#[test]
fn absent_and_upcall_only_attributes() {
    assert_eq!(
        PacketAttrs::parse(table(&[])).unwrap(),
        PacketAttrs::default()
    );
    // USERDATA, EGRESS_TUN_KEY and LEN are the kernel's to send; a request's are ignored.
    let entries: [(u16, &[u8]); 3] = [
        (packet_attr::USERDATA, &[1]),
        (packet_attr::EGRESS_TUN_KEY, &[1]),
        (packet_attr::LEN, &[1]),
    ];
    assert_eq!(
        PacketAttrs::parse(table(&entries)).unwrap(),
        PacketAttrs::default()
    );
}

#[test]
fn policy_failures_are_erange() {
    let short_frame = [0u8; ETH_HLEN - 1];
    for (kind, payload) in [
        (packet_attr::PACKET, &short_frame[..]),
        (packet_attr::PACKET, &[]),
        (packet_attr::KEY, &[1, 2, 3]),
        (packet_attr::ACTIONS, &[1]),
        (packet_attr::PROBE, &[1]),
        (packet_attr::MRU, &[1]),
        (packet_attr::HASH, &[1, 2, 3, 4]),
    ] {
        let entries: [(u16, &[u8]); 1] = [(kind, payload)];
        let r = PacketAttrs::parse(table(&entries)).unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::ERANGE, Some(kind)), "{kind}");
    }
    // Exactly an Ethernet header is enough; empty nests are fine (no actions: a drop).
    let header = [0u8; ETH_HLEN];
    let entries: [(u16, &[u8]); 3] = [
        (packet_attr::PACKET, &header),
        (packet_attr::KEY, &[]),
        (packet_attr::ACTIONS, &[]),
    ];
    let x = PacketAttrs::parse(table(&entries))
        .unwrap()
        .execute_request()
        .unwrap();
    assert_eq!(
        (x.packet.len(), x.key, x.actions),
        (ETH_HLEN, &[][..], &[][..])
    );
    assert_eq!((x.mru, x.hash, x.log), (None, None, true));
}

#[test]
fn execute_requires_packet_key_and_actions() {
    let f = frame();
    let key = u32_attr(3, 1);
    let actions = u32_attr(1, 2);
    let all: [(u16, &[u8]); 3] = [
        (packet_attr::PACKET, &f),
        (packet_attr::KEY, &key),
        (packet_attr::ACTIONS, &actions),
    ];
    for drop in [packet_attr::PACKET, packet_attr::KEY, packet_attr::ACTIONS] {
        let some: Vec<_> = all.iter().copied().filter(|(k, _)| *k != drop).collect();
        let r = PacketAttrs::parse(table(&some))
            .unwrap()
            .execute_request()
            .unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::EINVAL, None), "without {drop}");
        assert!(!r.msg.to_bytes().is_empty());
    }
    // An MRU of 0 is still an MRU attribute (upstream sets ignore_df for it).
    let zero = 0u16.to_ne_bytes();
    let mut e = all.to_vec();
    e.push((packet_attr::MRU, &zero));
    let x = PacketAttrs::parse(table(&e))
        .unwrap()
        .execute_request()
        .unwrap();
    assert_eq!(x.mru, Some(0));
}

#[test]
fn packet_hash_bits() {
    let h = PacketHash::from_attr(0xdead_beef | OVS_PACKET_HASH_SW_BIT | (1 << 40));
    assert_eq!(
        h,
        PacketHash {
            hash: 0xdead_beef,
            sw: true,
            l4: false
        }
    );
    assert_eq!(h.to_attr(), 0xdead_beef | OVS_PACKET_HASH_SW_BIT);
    let both = PacketHash {
        hash: 1,
        sw: true,
        l4: true,
    };
    assert_eq!(both.to_attr(), 1 | (1 << 32) | (1 << 33));
    assert_eq!(PacketHash::from_attr(both.to_attr()), both);
}

fn flow_key() -> FlowKey {
    let mut key = FlowKey::default();
    let meta = PacketMeta {
        in_port: 3,
        ..Default::default()
    };
    extract(&frame(), &meta, &mut key);
    key
}

fn key_payload(key: &FlowKey) -> Vec<u8> {
    let mut buf = [0u8; 512];
    let mut w = AttrWriter::new(&mut buf);
    put_key(key, &mut w).unwrap();
    w.as_bytes().to_vec()
}

fn attrs(stream: &[u8]) -> Vec<(u16, bool, Vec<u8>)> {
    Attrs::new(stream)
        .map(|a| a.unwrap())
        .map(|a| (a.kind, a.nested_flag, a.payload.to_vec()))
        .collect()
}

#[test]
fn a_miss_upcall_has_key_and_hash() {
    let key = flow_key();
    let mut buf = [0u8; 1024];
    let mut w = AttrWriter::new(&mut buf);
    let up = Upcall {
        key: &key,
        userdata: None,
        actions: None,
        mru: 0,
        packet_len: 60,
        sent_len: 60,
        hash: 0x42,
    };
    put_upcall_attrs(&mut w, &up).unwrap();
    assert_eq!(
        attrs(w.as_bytes()),
        vec![
            (packet_attr::KEY, false, key_payload(&key)),
            (packet_attr::HASH, false, 0x42u64.to_ne_bytes().to_vec()),
        ]
    );
}

#[test]
fn an_action_upcall_has_everything_in_upstreams_order() {
    let key = flow_key();
    let encoded = u32_attr(1, 2);
    let mut buf = [0u8; 1024];
    let mut w = AttrWriter::new(&mut buf);
    let up = Upcall {
        key: &key,
        userdata: Some(b"cookie"),
        actions: Some(UpcallActions::Encoded(&encoded)),
        mru: 1500,
        packet_len: 9000,
        sent_len: 128,
        hash: PacketHash {
            hash: 7,
            sw: true,
            l4: false,
        }
        .to_attr(),
    };
    put_upcall_attrs(&mut w, &up).unwrap();
    assert_eq!(
        attrs(w.as_bytes()),
        vec![
            (packet_attr::KEY, false, key_payload(&key)),
            (packet_attr::USERDATA, false, b"cookie".to_vec()),
            (packet_attr::ACTIONS, false, encoded.clone()),
            (packet_attr::MRU, false, 1500u16.to_ne_bytes().to_vec()),
            (packet_attr::LEN, false, 9000u32.to_ne_bytes().to_vec()),
            (
                packet_attr::HASH,
                false,
                (7 | OVS_PACKET_HASH_SW_BIT).to_ne_bytes().to_vec()
            ),
        ]
    );
    // Empty userdata is still put.
    let mut buf = [0u8; 1024];
    let mut w = AttrWriter::new(&mut buf);
    let up = Upcall {
        userdata: Some(b""),
        actions: None,
        mru: 0,
        sent_len: 9000,
        ..up
    };
    put_upcall_attrs(&mut w, &up).unwrap();
    let kinds: Vec<_> = attrs(w.as_bytes()).iter().map(|a| a.0).collect();
    assert_eq!(
        kinds,
        vec![packet_attr::KEY, packet_attr::USERDATA, packet_attr::HASH]
    );
}

#[test]
fn typed_actions_are_dumped_like_a_flows() {
    let key = flow_key();
    let actions = [Action::Output { port: 2 }, Action::Output { port: 5 }];
    let mut want = [0u8; 64];
    let mut ww = AttrWriter::new(&mut want);
    put_actions(&actions, &[], &[], &mut ww).unwrap();
    let want = ww.as_bytes().to_vec();
    let mut buf = [0u8; 1024];
    let mut w = AttrWriter::new(&mut buf);
    let up = Upcall {
        key: &key,
        userdata: None,
        actions: Some(UpcallActions::Typed {
            actions: &actions,
            arena: &[],
            cts: &[],
        }),
        mru: 0,
        packet_len: 60,
        sent_len: 60,
        hash: 0,
    };
    put_upcall_attrs(&mut w, &up).unwrap();
    let a = attrs(w.as_bytes());
    assert_eq!(a[1], (packet_attr::ACTIONS, false, want));
}

#[test]
fn upcall_errors_are_upstreams() {
    let key = flow_key();
    let base = Upcall {
        key: &key,
        userdata: None,
        actions: None,
        mru: 1500,
        packet_len: 100,
        sent_len: 100,
        hash: 0,
    };
    let key_len = 4 + key_payload(&key).len();
    // A packet too long for an attribute: before anything is put.
    let mut buf = [0u8; 1024];
    let mut w = AttrWriter::new(&mut buf);
    let big = Upcall {
        sent_len: 65532,
        packet_len: 70000,
        ..base
    };
    assert_eq!(put_upcall_attrs(&mut w, &big), Err(Errno::EFBIG));
    assert!(w.as_bytes().is_empty());
    assert_eq!(Errno::EFBIG, Errno(27));
    // No room for the key: EMSGSIZE.
    let mut small = [0u8; 8];
    let mut w = AttrWriter::new(&mut small);
    assert_eq!(put_upcall_attrs(&mut w, &base), Err(Errno::EMSGSIZE));
    // No room for the userdata: EMSGSIZE.
    let mut buf = vec![0u8; key_len + 4];
    let mut w = AttrWriter::new(&mut buf);
    let with_data = Upcall {
        userdata: Some(&[1; 8]),
        ..base
    };
    assert_eq!(put_upcall_attrs(&mut w, &with_data), Err(Errno::EMSGSIZE));
    // Room for the key only: the MRU, length or hash that does not fit is ENOBUFS.
    for extra in [0, 8, 16] {
        let mut buf = vec![0u8; key_len + extra];
        let mut w = AttrWriter::new(&mut buf);
        let truncated = Upcall {
            packet_len: 200,
            ..base
        };
        assert_eq!(
            put_upcall_attrs(&mut w, &truncated),
            Err(Errno::ENOBUFS),
            "{extra}"
        );
    }
    assert_eq!(Errno::ENOBUFS, Errno(105));
}

#[test]
fn actions_that_do_not_fit_are_left_out() {
    let key = flow_key();
    let key_len = 4 + key_payload(&key).len();
    let encoded: Vec<u8> = (0..8).flat_map(|p| u32_attr(1, p)).collect();
    // Room for the key, an empty ACTIONS nest and the hash, but not the actions.
    let mut buf = vec![0u8; key_len + 4 + 12 + 8];
    let mut w = AttrWriter::new(&mut buf);
    let up = Upcall {
        key: &key,
        userdata: None,
        actions: Some(UpcallActions::Encoded(&encoded)),
        mru: 0,
        packet_len: 60,
        sent_len: 60,
        hash: 9,
    };
    put_upcall_attrs(&mut w, &up).unwrap();
    let kinds: Vec<_> = attrs(w.as_bytes()).iter().map(|a| a.0).collect();
    assert_eq!(kinds, vec![packet_attr::KEY, packet_attr::HASH]);
    // Not even room for the nest's header: EMSGSIZE.
    let mut buf = vec![0u8; key_len];
    let mut w = AttrWriter::new(&mut buf);
    assert_eq!(put_upcall_attrs(&mut w, &up), Err(Errno::EMSGSIZE));
}

#[test]
fn the_packet_header_and_padding() {
    assert_eq!(
        packet_attr_header(60),
        Ok(
            [64u16.to_ne_bytes(), packet_attr::PACKET.to_ne_bytes()].concat()[..]
                .try_into()
                .unwrap()
        )
    );
    assert!(packet_attr_header(65531).is_ok());
    assert_eq!(packet_attr_header(65532), Err(Errno::EFBIG));
    assert_eq!(packet_attr_header(usize::MAX), Err(Errno::EFBIG));
    let mut buf = [0u8; 8];
    let mut w = AttrWriter::new(&mut buf);
    w.put_u32(1, 1).unwrap();
    assert_eq!(put_packet_header(&mut w, 10), Err(Errno::ENOBUFS));
    let mut buf = [0u8; 16];
    let mut w = AttrWriter::new(&mut buf);
    w.put_u32(1, 1).unwrap();
    put_packet_header(&mut w, 61).unwrap();
    assert_eq!(&w.as_bytes()[8..], &packet_attr_header(61).unwrap());
    assert_eq!(put_packet_header(&mut w, 70000), Err(Errno::EFBIG));
    for (len, pad) in [(60, 0), (61, 3), (62, 2), (63, 1), (0, 0)] {
        assert_eq!(upcall_packet_pad(len, false), pad, "{len}");
        assert_eq!(upcall_packet_pad(len, true), 0);
    }
    assert_eq!(upcall_packet_pad(usize::MAX, false), 1);
}

/// The packet execute builds, as `ovs_packet_cmd_execute()` sets it up: hash, MRU and
/// `ignore_df`, priority and mark from the key, the headers `key_extract()` finds.
fn setup_of(f: &[u8], extra: &[(u16, &[u8])]) -> ExecuteSkb {
    let mut key = u32_attr(3, 1); // OVS_KEY_ATTR_IN_PORT
    key.extend(u32_attr(2, 7)); // OVS_KEY_ATTR_PRIORITY
    key.extend(u32_attr(15, 0x42)); // OVS_KEY_ATTR_SKB_MARK
    let actions = u32_attr(1, 2);
    let mut e: Vec<(u16, &[u8])> = vec![
        (packet_attr::PACKET, f),
        (packet_attr::KEY, &key),
        (packet_attr::ACTIONS, &actions),
    ];
    e.extend_from_slice(extra);
    let ex = PacketAttrs::parse(table(&e))
        .unwrap()
        .execute_request()
        .unwrap();
    let meta = parse_packet_meta(ex.key).unwrap();
    let mut k = FlowKey::ZERO;
    let layout = extract(ex.packet, &meta, &mut k);
    ex.skb_setup(&meta, &layout)
}

#[test]
fn execute_sets_hash_mru_priority_mark_and_headers() {
    let f = frame();
    let s = setup_of(&f, &[]);
    assert_eq!(
        s,
        ExecuteSkb {
            hash: None,
            mru: 0,
            ignore_df: false,
            priority: 7,
            mark: 0x42,
            network: 14,
            transport: Some(34),
        }
    );
    let hash = (0x1234_5678 | OVS_PACKET_HASH_L4_BIT).to_ne_bytes();
    let mru = 1400u16.to_ne_bytes();
    let s = setup_of(&f, &[(packet_attr::HASH, &hash), (packet_attr::MRU, &mru)]);
    assert_eq!(
        s.hash,
        Some(PacketHash {
            hash: 0x1234_5678,
            sw: false,
            l4: true
        })
    );
    assert_eq!((s.mru, s.ignore_df), (1400, true));
    // An MRU of 0: no MRU to report, but ignore_df all the same.
    let zero = 0u16.to_ne_bytes();
    let s = setup_of(&f, &[(packet_attr::MRU, &zero)]);
    assert_eq!((s.mru, s.ignore_df), (0, true));
}

#[test]
fn execute_headers_follow_vlan_tags_and_short_ip() {
    // Two VLAN tags: the network header after both.
    let f = tagged(
        &[(0x88a8, 10), (0x8100, 20)],
        ETH_P_IP,
        &ipv4(IPPROTO_TCP, 0, &tcp(1, 2, 0x02)),
    );
    let s = setup_of(&f, &[]);
    assert_eq!((s.network, s.transport), (22, Some(42)));
    // An IPv4 header cut short: upstream points the transport header at the network one.
    let short = eth(ETH_P_IP, &[0x45, 0, 0, 40, 0, 0]);
    let s = setup_of(&short, &[]);
    assert_eq!((s.network, s.transport), (14, Some(14)));
    // ARP: no transport header.
    let s = setup_of(&arp_request_packet(), &[]);
    assert_eq!((s.network, s.transport), (14, None));
}
