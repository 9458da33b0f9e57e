//! Flow action validation and dump: upstream's `__ovs_nla_copy_actions()` rules, errnos,
//! nesting limit, and byte-identical `ovs_nla_put_actions()` output.

use ovs_rs_host::abi::errno::{Errno, Rejection};
use ovs_rs_host::abi::nla::{nla_align, AttrWriter, NLA_F_NESTED};
use ovs_rs_host::abi::uapi::{action_attr as act, key_attr, sample_attr, userspace_attr as us};
use ovs_rs_host::actions::action::{
    Action, ArenaRef, HashAlg, Masked, PortsKey, SetForm, SetKey, MAX_DEPTH,
};
use ovs_rs_host::actions::validate::{put_actions, validate_actions};
use ovs_rs_host::flow::key::{field, frag, FlowKey};

mod common;
use common::{attr, u32_attr, VecSink};

/// `OVS_FLOW_ATTR_ACTIONS`, reported as the attribute at fault.
const ATTR: u16 = 2;

fn nest(kind: u16, parts: &[Vec<u8>]) -> Vec<u8> {
    attr(kind, &parts.concat())
}

fn output(port: u32) -> Vec<u8> {
    u32_attr(act::OUTPUT, port)
}

fn set(key_type: u16, value: &[u8]) -> Vec<u8> {
    nest(act::SET, &[attr(key_type, value)])
}

fn set_masked(key_type: u16, value: &[u8], mask: &[u8]) -> Vec<u8> {
    nest(act::SET_MASKED, &[attr(key_type, &[value, mask].concat())])
}

fn clone(body: &[Vec<u8>]) -> Vec<u8> {
    nest(act::CLONE, body)
}

fn sample(probability: u32, body: &[Vec<u8>]) -> Vec<u8> {
    nest(
        act::SAMPLE,
        &[
            u32_attr(sample_attr::PROBABILITY, probability),
            nest(sample_attr::ACTIONS, body),
        ],
    )
}

fn userspace(parts: &[Vec<u8>]) -> Vec<u8> {
    nest(act::USERSPACE, parts)
}

fn push_vlan(tpid: u16, tci: u16) -> Vec<u8> {
    attr(
        act::PUSH_VLAN,
        &[tpid.to_be_bytes(), tci.to_be_bytes()].concat(),
    )
}

fn hash(alg: u32, basis: u32) -> Vec<u8> {
    attr(
        act::HASH,
        &[alg.to_ne_bytes(), basis.to_ne_bytes()].concat(),
    )
}

/// A flow key with the given ethertype, IP protocol and fragment type.
fn key(eth_type: u16, proto: u8, frag_type: u8) -> FlowKey {
    let mut k = FlowKey::ZERO;
    k.set_be16(field::ETH_TYPE, eth_type);
    k.set_u8(field::IP_PROTO, proto);
    k.set_u8(field::IP_FRAG, frag_type);
    k
}

fn ipv4_tcp() -> FlowKey {
    key(0x0800, 6, frag::NONE)
}

fn ipv6_udp() -> FlowKey {
    key(0x86dd, 17, frag::NONE)
}

fn validate(stream: &[u8], k: &FlowKey) -> Result<VecSink, Rejection> {
    let mut sink = VecSink::default();
    validate_actions(stream, k, ATTR, &mut sink)?;
    Ok(sink)
}

fn dump(sink: &VecSink) -> Vec<u8> {
    let mut buf = vec![0u8; 65536];
    let mut w = AttrWriter::new(&mut buf);
    put_actions(&sink.actions, &sink.arena, &sink.cts, &mut w).unwrap();
    w.as_bytes().to_vec()
}

/// Validates, dumps, and checks the dump is `expect`; re-validating the dump gives the same
/// typed list (dumps are accepted back, as userspace relies on).
fn round_trip_to(stream: &[u8], k: &FlowKey, expect: &[u8]) -> VecSink {
    let sink = validate(stream, k).unwrap_or_else(|r| panic!("rejected: {r:?}"));
    let out = dump(&sink);
    assert_eq!(out, expect, "dump differs from upstream's");
    let again = validate(&out, k).unwrap();
    assert_eq!(again.actions.len(), sink.actions.len());
    assert_eq!(dump(&again), out);
    sink
}

fn round_trip(stream: &[u8], k: &FlowKey) -> VecSink {
    round_trip_to(stream, k, stream)
}

fn rejects(stream: &[u8], k: &FlowKey, errno: Errno) -> Rejection {
    let r = match validate(stream, k) {
        Ok(s) => panic!("accepted: {:?}", s.actions),
        Err(r) => r,
    };
    assert_eq!(r.errno, errno, "{r:?}");
    assert_eq!(r.attr, Some(ATTR));
    assert!(!r.msg.to_bytes().is_empty());
    r
}

fn inval(stream: &[u8], k: &FlowKey) -> Rejection {
    rejects(stream, k, Errno::EINVAL)
}

fn msg(r: &Rejection) -> String {
    r.msg.to_str().unwrap().to_owned()
}

// Accepted actions, and their dumps.

#[test]
fn empty_list_is_accepted() {
    let s = round_trip(&[], &FlowKey::ZERO);
    assert!(s.actions.is_empty());
}

#[test]
fn output_recirc_trunc_pop_vlan_round_trip() {
    let stream = [
        output(0),
        output(65534),
        u32_attr(act::RECIRC, 0xdead_beef),
        u32_attr(act::TRUNC, 14),
        attr(act::POP_VLAN, &[]),
        u32_attr(act::TRUNC, u32::MAX),
    ]
    .concat();
    let s = round_trip(&stream, &FlowKey::ZERO);
    assert_eq!(
        s.actions,
        [
            Action::Output { port: 0 },
            Action::Output { port: 65534 },
            Action::Recirc { id: 0xdead_beef },
            Action::Trunc { max_len: 14 },
            Action::PopVlan,
            Action::Trunc { max_len: u32::MAX },
        ]
    );
}

#[test]
fn push_vlan_accepts_both_tpids_with_cfi() {
    let stream = [
        push_vlan(0x8100, 0x1005),
        push_vlan(0x88a8, 0xf000 | 0x1fff),
    ]
    .concat();
    let s = round_trip(&stream, &FlowKey::ZERO);
    assert_eq!(
        s.actions,
        [
            Action::PushVlan {
                tpid: 0x8100,
                tci: 0x1005
            },
            Action::PushVlan {
                tpid: 0x88a8,
                tci: 0xffff
            },
        ]
    );
}

#[test]
fn hash_accepts_l4_and_sym_l4() {
    let stream = [hash(0, 7), hash(1, 0xffff_ffff)].concat();
    let s = round_trip(&stream, &FlowKey::ZERO);
    assert_eq!(
        s.actions,
        [
            Action::Hash {
                alg: HashAlg::L4,
                basis: 7
            },
            Action::Hash {
                alg: HashAlg::SymL4,
                basis: u32::MAX
            },
        ]
    );
}

#[test]
fn drop_last_is_accepted_with_its_error_code() {
    let stream = [output(1), u32_attr(act::DROP, 42)].concat();
    let s = round_trip(&stream, &FlowKey::ZERO);
    assert_eq!(s.actions[1], Action::Drop { error: 42 });
    let s = round_trip(&u32_attr(act::DROP, 0), &FlowKey::ZERO);
    assert_eq!(s.actions, [Action::Drop { error: 0 }]);
}

#[test]
fn drop_last_in_a_body_may_be_followed_by_the_parents_actions() {
    let stream = [
        clone(&[output(1), u32_attr(act::DROP, 0)]),
        sample(5, &[u32_attr(act::DROP, 1)]),
        output(2),
    ]
    .concat();
    round_trip(&stream, &FlowKey::ZERO);
}

#[test]
fn userspace_keeps_its_attributes_verbatim() {
    let ud = b"cookie!";
    let stream = userspace(&[
        u32_attr(us::PID, 77),
        attr(us::USERDATA, ud),
        u32_attr(us::EGRESS_TUN_PORT, 3),
        attr(us::ACTIONS, &[]),
        attr(9, b"unknown, ignored, kept"),
    ]);
    let s = round_trip(&stream, &FlowKey::ZERO);
    let Action::Userspace(u) = s.actions[0] else {
        panic!("{:?}", s.actions)
    };
    assert_eq!(u.pid, 77);
    assert_eq!(u.egress_tun_port, Some(3));
    assert!(u.include_actions);
    assert_eq!(u.userdata.unwrap().get(&s.arena), Some(&ud[..]));
    assert_eq!(u.raw.get(&s.arena), Some(&stream[4..]));
}

#[test]
fn userspace_minimal_and_liberal_forms() {
    // PID alone.
    let s = round_trip(&userspace(&[u32_attr(us::PID, 1)]), &FlowKey::ZERO);
    let Action::Userspace(u) = s.actions[0] else {
        panic!()
    };
    assert_eq!(
        (u.userdata, u.egress_tun_port, u.include_actions),
        (None, None, false)
    );
    // An over-long PID is read as its first word; the last PID wins; empty userdata is kept.
    let stream = userspace(&[
        u32_attr(us::PID, 5),
        attr(us::PID, &[9u32.to_ne_bytes(), [1, 2, 3, 4]].concat()),
        attr(us::USERDATA, &[]),
    ]);
    let s = round_trip(&stream, &FlowKey::ZERO);
    let Action::Userspace(u) = s.actions[0] else {
        panic!()
    };
    assert_eq!(u.pid, 9);
    assert_eq!(u.userdata.unwrap().len, 0);
    // Trailing bytes inside the userspace attribute are ignored by the liberal parse and
    // kept verbatim.
    let mut inner = u32_attr(us::PID, 5);
    inner.extend_from_slice(&[1, 2]);
    let stream = attr(act::USERSPACE, &inner);
    round_trip(&stream, &FlowKey::ZERO);
}

#[test]
fn clone_and_sample_bodies_are_flat() {
    let stream = [
        clone(&[output(1), clone(&[output(2)]), output(3)]),
        sample(u32::MAX / 2, &[output(4)]),
        clone(&[]),
        sample(0, &[]),
        output(5),
    ]
    .concat();
    let s = round_trip(&stream, &FlowKey::ZERO);
    assert_eq!(
        s.actions,
        [
            // A nested clone counts as changing the flow, as in upstream's list.
            Action::Clone {
                exec: false,
                body_len: 4
            },
            Action::Output { port: 1 },
            Action::Clone {
                exec: true,
                body_len: 1
            },
            Action::Output { port: 2 },
            Action::Output { port: 3 },
            Action::Sample {
                probability: u32::MAX / 2,
                exec: true,
                body_len: 1
            },
            Action::Output { port: 4 },
            Action::Clone {
                exec: true,
                body_len: 0
            },
            Action::Sample {
                probability: 0,
                exec: true,
                body_len: 0
            },
            Action::Output { port: 5 },
        ]
    );
}

#[test]
fn exec_is_set_when_the_body_cannot_change_the_flow_or_is_last() {
    let k = ipv4_tcp();
    let changing = set(key_attr::TCP, &[0, 80, 0, 81]);
    let harmless = [
        output(1),
        u32_attr(act::RECIRC, 1),
        u32_attr(act::TRUNC, 100),
        userspace(&[u32_attr(us::PID, 1)]),
    ];
    let exec_of = |s: &VecSink, i: usize| match s.actions[i] {
        Action::Clone { exec, .. } | Action::Sample { exec, .. } => exec,
        a => panic!("{a:?}"),
    };
    // Not last: exec only if the body is harmless.
    let s = validate(&[clone(&harmless), output(9)].concat(), &k).unwrap();
    assert!(exec_of(&s, 0));
    let s = validate(
        &[clone(std::slice::from_ref(&changing)), output(9)].concat(),
        &k,
    )
    .unwrap();
    assert!(!exec_of(&s, 0));
    let s = validate(
        &[sample(1, std::slice::from_ref(&changing)), output(9)].concat(),
        &k,
    )
    .unwrap();
    assert!(!exec_of(&s, 0));
    // Hash, push/pop VLAN and nested clones count as changing, as upstream's list says.
    for body in [hash(0, 0), attr(act::POP_VLAN, &[]), clone(&[])] {
        let s = validate(&[clone(&[body]), output(9)].concat(), &k).unwrap();
        assert!(!exec_of(&s, 0));
    }
    // Last: always exec.
    let s = validate(
        &[output(9), clone(std::slice::from_ref(&changing))].concat(),
        &k,
    )
    .unwrap();
    assert!(exec_of(&s, 1));
    let s = validate(&[output(9), sample(1, &[changing])].concat(), &k).unwrap();
    assert!(exec_of(&s, 1));
}

#[test]
fn non_canonical_input_dumps_as_upstream_does() {
    // NLA_F_NESTED on nests is dropped; sample attributes come back in upstream's order.
    let mut flagged_clone = clone(&[output(1)]);
    flagged_clone[2..4].copy_from_slice(&(act::CLONE | NLA_F_NESTED).to_ne_bytes());
    let reordered_sample = nest(
        act::SAMPLE | NLA_F_NESTED,
        &[
            nest(sample_attr::ACTIONS | NLA_F_NESTED, &[output(2)]),
            u32_attr(sample_attr::PROBABILITY, 9),
        ],
    );
    let mut flagged_output = output(3);
    flagged_output[2..4].copy_from_slice(&(act::OUTPUT | NLA_F_NESTED).to_ne_bytes());
    let mut flagged_set = set(key_attr::SKB_MARK, &5u32.to_ne_bytes());
    flagged_set[6..8].copy_from_slice(&(key_attr::SKB_MARK | NLA_F_NESTED).to_ne_bytes());
    let input = [flagged_clone, reordered_sample, flagged_output, flagged_set].concat();
    let expect = [
        clone(&[output(1)]),
        sample(9, &[output(2)]),
        output(3),
        set(key_attr::SKB_MARK, &5u32.to_ne_bytes()),
    ]
    .concat();
    round_trip_to(&input, &FlowKey::ZERO, &expect);
}

// Set actions.

fn ipv4_value(proto: u8, frag_type: u8) -> Vec<u8> {
    [
        &[10, 0, 0, 1][..],
        &[10, 0, 0, 2],
        &[proto, 0x10, 64, frag_type],
    ]
    .concat()
}

fn ipv6_value(label: u32, proto: u8, frag_type: u8) -> Vec<u8> {
    [
        &[0xfe; 16][..],
        &[0x20; 16],
        &label.to_be_bytes(),
        &[proto, 3, 255, frag_type],
    ]
    .concat()
}

#[test]
fn plain_sets_of_every_supported_key_round_trip() {
    let eth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    let ports = [0, 80, 0x1f, 0x90];
    let v4 = ipv4_tcp();
    let v6 = ipv6_udp();
    let cases: [(Vec<u8>, &FlowKey); 7] = [
        (set(key_attr::PRIORITY, &7u32.to_ne_bytes()), &v4),
        (set(key_attr::SKB_MARK, &0xabcdu32.to_ne_bytes()), &v6),
        (set(key_attr::ETHERNET, &eth), &FlowKey::ZERO),
        (set(key_attr::IPV4, &ipv4_value(6, frag::NONE)), &v4),
        (
            set(key_attr::IPV6, &ipv6_value(0x000f_ffff, 17, frag::NONE)),
            &v6,
        ),
        (set(key_attr::TCP, &ports), &v4),
        (set(key_attr::UDP, &ports), &v6),
    ];
    for (stream, k) in cases {
        let s = round_trip(&stream, k);
        let Action::Set { key, form } = s.actions[0] else {
            panic!()
        };
        assert_eq!(form, SetForm::Set);
        assert_eq!(key.key_attr(), u16::from_ne_bytes([stream[6], stream[7]]));
    }
    // TCP on IPv6 and UDP on IPv4 too.
    round_trip(&set(key_attr::TCP, &ports), &key(0x86dd, 6, 0));
    round_trip(&set(key_attr::UDP, &ports), &key(0x0800, 17, 0));
}

#[test]
fn plain_set_becomes_all_writable_bits_masked() {
    let s = round_trip(&set(key_attr::TCP, &[0, 80, 0, 81]), &ipv4_tcp());
    assert_eq!(
        s.actions[0],
        Action::Set {
            key: SetKey::Tcp(Masked {
                value: PortsKey {
                    src: [0, 80],
                    dst: [0, 81]
                },
                mask: PortsKey::ONES,
            }),
            form: SetForm::Set,
        }
    );
    // The IPv6 label mask is the low 20 bits only, as upstream's conversion leaves it.
    let s = round_trip(&set(key_attr::IPV6, &ipv6_value(5, 17, 0)), &ipv6_udp());
    let Action::Set {
        key: SetKey::Ipv6(m),
        ..
    } = s.actions[0]
    else {
        panic!()
    };
    assert_eq!(m.mask.label, [0, 0x0f, 0xff, 0xff]);
    assert_eq!(m.mask.src, [0xff; 16]);
    assert_eq!(m.value.label, 5u32.to_be_bytes());
}

#[test]
fn masked_sets_of_every_supported_key_round_trip() {
    let v4 = ipv4_tcp();
    let v6 = ipv6_udp();
    let mut v4_mask = vec![0xff; 8];
    v4_mask.extend([0, 0xfc, 0xff, 0]);
    let mut v4_val = vec![10, 0, 0, 1, 0, 0, 0, 0];
    v4_val.extend([0, 0x10, 1, 0]);
    let mut v6_mask = vec![0; 32];
    v6_mask.extend(0x000f_ffffu32.to_be_bytes());
    v6_mask.extend([0, 0xff, 0xff, 0]);
    let mut v6_val = vec![0; 32];
    v6_val.extend(0x0001_2345u32.to_be_bytes());
    v6_val.extend([0, 4, 9, 0]);
    let cases: [(Vec<u8>, &FlowKey); 7] = [
        (
            set_masked(key_attr::PRIORITY, &[1, 0, 0, 0], &[0xff, 0, 0, 0]),
            &v4,
        ),
        (
            set_masked(key_attr::SKB_MARK, &[0, 0, 0, 0], &[0, 0, 0, 0]),
            &FlowKey::ZERO,
        ),
        (
            set_masked(key_attr::ETHERNET, &[0; 12], &[0xff; 12]),
            &FlowKey::ZERO,
        ),
        (set_masked(key_attr::IPV4, &v4_val, &v4_mask), &v4),
        (set_masked(key_attr::IPV6, &v6_val, &v6_mask), &v6),
        (
            set_masked(key_attr::TCP, &[0, 80, 0, 0], &[0xff, 0xff, 0, 0]),
            &v4,
        ),
        (
            set_masked(key_attr::UDP, &[0, 0, 0, 53], &[0, 0, 0xff, 0xff]),
            &v6,
        ),
    ];
    for (stream, k) in cases {
        let s = round_trip(&stream, k);
        let Action::Set { key, form } = s.actions[0] else {
            panic!()
        };
        assert_eq!(
            form,
            SetForm::Masked {
                key_flags: 0,
                extra: None
            }
        );
        // The typed value and mask are what was sent.
        let len = key.key_len();
        let (mut v, mut m) = (vec![0; len], vec![0; len]);
        key.write(false, &mut v);
        key.write(true, &mut m);
        assert_eq!([v, m].concat(), stream[8..8 + 2 * len]);
    }
}

#[test]
fn masked_set_keeps_odd_byte_and_key_flags_for_the_dump() {
    // Upstream halves the key attribute's length rounding down, so one extra byte passes,
    // and it dumps the attribute back with that byte and its padding.
    let mut inner = attr(key_attr::SKB_MARK, &[1, 0, 0, 0, 0xff, 0, 0, 0, 0xee]);
    assert_eq!(inner.len(), 16);
    inner[13..16].copy_from_slice(&[0xaa, 0xbb, 0xcc]);
    inner[2..4].copy_from_slice(&(key_attr::SKB_MARK | 0x4000).to_ne_bytes());
    let stream = attr(act::SET_MASKED, &inner);
    assert_eq!(stream.len(), 20);
    let s = round_trip(&stream, &FlowKey::ZERO);
    assert_eq!(
        s.actions[0],
        Action::Set {
            key: SetKey::SkbMark(Masked {
                value: 1,
                mask: 0xff
            }),
            form: SetForm::Masked {
                key_flags: 0x4000,
                extra: Some([0xee, 0xaa, 0xbb, 0xcc])
            },
        }
    );
}

#[test]
fn set_ipv4_keeps_the_flows_proto_and_frag() {
    let k = key(0x0800, 17, frag::FIRST);
    round_trip(&set(key_attr::IPV4, &ipv4_value(17, frag::FIRST)), &k);
    let r = inval(&set(key_attr::IPV4, &ipv4_value(6, frag::FIRST)), &k);
    assert!(msg(&r).contains("protocol"));
    inval(&set(key_attr::IPV4, &ipv4_value(17, frag::NONE)), &k);
    // Masked: proto and frag may not be in the mask, whatever the values.
    let mut mask = vec![0xff; 8];
    mask.extend([0, 0xff, 0xff, 0]);
    let val = ipv4_value(0, 0);
    round_trip(&set_masked(key_attr::IPV4, &val, &mask), &k);
    for (i, m) in [(8usize, 1u8), (11, 1)] {
        let mut bad = mask.clone();
        bad[i] = m;
        inval(&set_masked(key_attr::IPV4, &val, &bad), &k);
    }
}

#[test]
fn set_ipv6_label_and_proto_rules() {
    let k = ipv6_udp();
    inval(&set(key_attr::IPV6, &ipv6_value(0x0010_0000, 17, 0)), &k);
    inval(&set(key_attr::IPV6, &ipv6_value(1, 6, 0)), &k);
    inval(&set(key_attr::IPV6, &ipv6_value(1, 17, frag::LATER)), &k);
    let zero = ipv6_value(0, 0, 0);
    let mut mask = vec![0xff; 32];
    mask.extend(0x000f_ffffu32.to_be_bytes());
    mask.extend([0, 0xff, 0xff, 0]);
    round_trip(&set_masked(key_attr::IPV6, &zero, &mask), &k);
    // Label mask above 20 bits, label value above 20 bits (within its mask), proto, frag.
    let mut bad = mask.clone();
    bad[32] = 0x10;
    inval(&set_masked(key_attr::IPV6, &zero, &bad), &k);
    let mut big = zero.clone();
    big[32] = 0x10;
    let mut all = mask.clone();
    all[32..36].copy_from_slice(&[0xff; 4]);
    inval(&set_masked(key_attr::IPV6, &big, &all), &k);
    for i in [36usize, 39] {
        let mut bad = mask.clone();
        bad[i] = 0xff;
        inval(&set_masked(key_attr::IPV6, &zero, &bad), &k);
    }
}

#[test]
fn set_needs_a_flow_of_the_matching_protocol() {
    let none = FlowKey::ZERO;
    let arp = key(0x0806, 1, 0);
    let v4_udp = key(0x0800, 17, 0);
    let v6_tcp = key(0x86dd, 6, 0);
    let cases = [
        (set(key_attr::IPV4, &ipv4_value(0, 0)), &none),
        (set(key_attr::IPV4, &ipv4_value(6, 0)), &key(0x86dd, 6, 0)),
        (set(key_attr::IPV6, &ipv6_value(0, 0, 0)), &none),
        (set(key_attr::IPV6, &ipv6_value(0, 6, 0)), &ipv4_tcp()),
        (set(key_attr::TCP, &[0; 4]), &v4_udp),
        (set(key_attr::TCP, &[0; 4]), &key(0x0806, 6, 0)),
        (set(key_attr::UDP, &[0; 4]), &v6_tcp),
        (set(key_attr::UDP, &[0; 4]), &arp),
        (set_masked(key_attr::TCP, &[0; 4], &[0; 4]), &none),
        (set_masked(key_attr::UDP, &[0; 4], &[0; 4]), &none),
    ];
    for (stream, k) in cases {
        let r = inval(&stream, k);
        assert!(msg(&r).contains("flow"), "{r:?}");
    }
}

#[test]
fn set_rejects_malformed_keys() {
    let k = ipv4_tcp();
    let mark = 1u32.to_ne_bytes();
    // Two keys; a key shorter than the set attribute; no key.
    inval(
        &nest(
            act::SET,
            &[
                attr(key_attr::SKB_MARK, &mark),
                attr(key_attr::SKB_MARK, &mark),
            ],
        ),
        &k,
    );
    let mut padded = attr(key_attr::SKB_MARK, &mark);
    padded.extend([0; 4]);
    inval(&attr(act::SET, &padded), &k);
    inval(&attr(act::SET, &[]), &k);
    inval(&attr(act::SET, &[8, 0, 15]), &k);
    // Wrong key lengths, plain and masked.
    inval(&set(key_attr::SKB_MARK, &[1, 2]), &k);
    inval(&set(key_attr::TCP, &[0; 8]), &k);
    inval(&set_masked(key_attr::SKB_MARK, &mark, &[]), &k);
    inval(&set_masked(key_attr::ETHERNET, &[0; 12], &[0; 10]), &k);
    // Masked value bits outside the mask.
    let r = inval(
        &set_masked(key_attr::SKB_MARK, &[3, 0, 0, 0], &[1, 0, 0, 0]),
        &k,
    );
    assert!(msg(&r).contains("mask"));
    // Key types out of range, not settable, or settable upstream but not here.
    inval(&set(33, &[]), &k);
    inval(&set(0, &[]), &k);
    inval(&set(3, &mark), &k); // in_port
    inval(&set(20, &mark), &k); // recirc_id
    for t in [key_attr::TUNNEL, key_attr::MPLS, key_attr::SCTP] {
        let r = inval(&set(t, &[0; 4]), &k);
        assert!(msg(&r).contains("not supported"), "{r:?}");
    }
    // set(ct_mark) and set(ct_labels) are accepted, as upstream: they fail on each packet
    // (tests/conntrack.rs).
    inval(&set(key_attr::CT_MARK, &[0; 2]), &k);
    inval(&set(key_attr::CT_LABELS, &[0; 4]), &k);
}

// Rejections of the other actions.

#[test]
fn unknown_and_unsupported_action_types_are_einval() {
    let k = FlowKey::ZERO;
    for t in [0u16, 26, 27, 0x3fff] {
        inval(&attr(t, &[]), &k);
        inval(&u32_attr(t, 1), &k);
    }
    // Known upstream, refused here: with their upstream lengths, so the refusal is about
    // support, not length.
    let cases: [(u16, usize); 11] = [
        (act::PUSH_MPLS, 8),
        (act::POP_MPLS, 2),
        (act::PUSH_ETH, 12),
        (act::POP_ETH, 0),
        (act::PUSH_NSH, 4),
        (act::POP_NSH, 0),
        (act::METER, 4),
        (act::CHECK_PKT_LEN, 0),
        (act::ADD_MPLS, 8),
        (act::DEC_TTL, 0),
        (act::PSAMPLE, 8),
    ];
    for (t, len) in cases {
        let r = inval(&attr(t, &vec![0; len]), &k);
        assert!(msg(&r).contains("not supported"), "{t}: {r:?}");
    }
}

#[test]
fn fixed_size_actions_need_their_exact_length() {
    let k = FlowKey::ZERO;
    for (t, good) in [
        (act::OUTPUT, 4usize),
        (act::RECIRC, 4),
        (act::TRUNC, 4),
        (act::DROP, 4),
        (act::PUSH_VLAN, 4),
        (act::HASH, 8),
        (act::POP_VLAN, 0),
        (act::METER, 4),
    ] {
        for len in [0usize, 1, 2, 3, 4, 5, 8, 12] {
            if len == good {
                continue;
            }
            let r = inval(&attr(t, &vec![0; len]), &k);
            assert!(msg(&r).contains("length"), "{t}/{len}: {r:?}");
        }
    }
}

#[test]
fn output_port_must_be_below_dp_max_ports() {
    round_trip(&output(65534), &FlowKey::ZERO);
    inval(&output(65535), &FlowKey::ZERO);
    inval(&output(u32::MAX), &FlowKey::ZERO);
}

#[test]
fn trunc_hash_and_push_vlan_arguments() {
    let k = FlowKey::ZERO;
    inval(&u32_attr(act::TRUNC, 13), &k);
    inval(&u32_attr(act::TRUNC, 0), &k);
    inval(&hash(2, 0), &k);
    inval(&hash(u32::MAX, 0), &k);
    inval(&push_vlan(0x0800, 0x1000), &k);
    inval(&push_vlan(0x9100, 0x1000), &k);
    let r = inval(&push_vlan(0x8100, 0x0fff), &k);
    assert!(msg(&r).contains("CFI"));
    inval(&push_vlan(0x88a8, 0xefff), &k);
}

#[test]
fn drop_must_be_last() {
    let k = FlowKey::ZERO;
    let r = inval(&[u32_attr(act::DROP, 0), output(1)].concat(), &k);
    assert!(msg(&r).contains("last"));
    inval(&clone(&[u32_attr(act::DROP, 0), output(1)]), &k);
    inval(&sample(1, &[u32_attr(act::DROP, 0), output(1)]), &k);
    // `nla_is_last()` compares lengths: trailing bytes after it make it not last.
    let mut s = u32_attr(act::DROP, 0);
    s.push(0);
    inval(&s, &k);
}

#[test]
fn userspace_needs_a_nonzero_pid() {
    let k = FlowKey::ZERO;
    inval(&userspace(&[]), &k);
    inval(&attr(act::USERSPACE, &[1, 2]), &k);
    inval(&userspace(&[attr(us::USERDATA, b"x")]), &k);
    let r = inval(&userspace(&[u32_attr(us::PID, 0)]), &k);
    assert!(msg(&r).contains("PID"));
    // The last PID counts, as in upstream's parse.
    inval(
        &userspace(&[u32_attr(us::PID, 1), u32_attr(us::PID, 0)]),
        &k,
    );
    // A PID hidden behind a malformed attribute is not seen.
    let mut inner = attr(us::USERDATA, b"abcd");
    inner[0] = 200;
    inner.extend(u32_attr(us::PID, 1));
    inval(&attr(act::USERSPACE, &inner), &k);
}

#[test]
fn short_userspace_integers_are_erange() {
    let k = FlowKey::ZERO;
    rejects(&userspace(&[attr(us::PID, &[1, 0])]), &k, Errno::ERANGE);
    rejects(
        &userspace(&[u32_attr(us::PID, 1), attr(us::EGRESS_TUN_PORT, &[1])]),
        &k,
        Errno::ERANGE,
    );
}

#[test]
fn sample_attribute_rules() {
    let k = FlowKey::ZERO;
    let prob = u32_attr(sample_attr::PROBABILITY, 1);
    let acts = nest(sample_attr::ACTIONS, &[output(1)]);
    inval(&nest(act::SAMPLE, std::slice::from_ref(&acts)), &k);
    inval(&nest(act::SAMPLE, std::slice::from_ref(&prob)), &k);
    inval(&nest(act::SAMPLE, &[]), &k);
    inval(
        &nest(
            act::SAMPLE,
            &[attr(sample_attr::PROBABILITY, &[0; 8]), acts.clone()],
        ),
        &k,
    );
    inval(
        &nest(
            act::SAMPLE,
            &[prob.clone(), attr(sample_attr::ACTIONS, &[0; 2])],
        ),
        &k,
    );
    let r = inval(
        &nest(act::SAMPLE, &[prob.clone(), acts.clone(), prob.clone()]),
        &k,
    );
    assert!(msg(&r).contains("Duplicate"));
    inval(
        &nest(act::SAMPLE, &[prob.clone(), acts.clone(), u32_attr(3, 0)]),
        &k,
    );
    inval(
        &nest(act::SAMPLE, &[u32_attr(0, 0), prob.clone(), acts.clone()]),
        &k,
    );
    // Bytes left over, and a final attribute missing its padding (`rem` negative).
    let mut left_over = [prob.clone(), acts.clone()].concat();
    left_over.extend([0, 0]);
    inval(&attr(act::SAMPLE, &left_over), &k);
    // The body alone, and in a clone, is fine: only the sample's own walk is that strict.
    let body = unpadded_userspace();
    validate(&body, &k).unwrap();
    validate(&unpadded(act::CLONE, &body), &k).unwrap();
    let unpadded_acts = unpadded(sample_attr::ACTIONS, &body);
    assert_eq!(unpadded_acts.len(), 21);
    inval(
        &attr(act::SAMPLE, &[prob.clone(), unpadded_acts].concat()),
        &k,
    );
    // A bad body action is rejected too.
    inval(&sample(1, &[output(70000)]), &k);
}

#[test]
fn clone_attribute_rules() {
    let k = FlowKey::ZERO;
    for len in 1..4 {
        let r = inval(&attr(act::CLONE, &vec![0; len]), &k);
        assert!(msg(&r).contains("Clone"));
    }
    inval(&clone(&[output(65535)]), &k);
    // Garbage inside the body.
    let mut body = output(1);
    body.push(1);
    inval(&attr(act::CLONE, &body), &k);
}

/// An attribute without its trailing padding.
fn unpadded(kind: u16, payload: &[u8]) -> Vec<u8> {
    let mut a = attr(kind, payload);
    a.truncate(4 + payload.len());
    a
}

/// A valid userspace action whose length is not a multiple of 4, unpadded (17 bytes).
fn unpadded_userspace() -> Vec<u8> {
    let inner = [u32_attr(us::PID, 3), unpadded(us::USERDATA, &[7])].concat();
    unpadded(act::USERSPACE, &inner)
}

fn nested(depth: usize, inner: Vec<u8>, sampled: bool) -> Vec<u8> {
    (0..depth).fold(inner, |body, _| {
        if sampled {
            sample(1, &[body])
        } else {
            clone(&[body])
        }
    })
}

#[test]
fn nesting_limit_is_exactly_upstreams() {
    let k = FlowKey::ZERO;
    assert_eq!(MAX_DEPTH, 16);
    for sampled in [false, true] {
        let s = round_trip(&nested(16, output(1), sampled), &k);
        assert_eq!(s.actions.len(), 17);
        assert_eq!(s.actions[0].body_len(), Some(16));
        assert_eq!(s.actions[15].body_len(), Some(1));
        round_trip(&nested(16, Vec::new(), sampled), &k);
        let r = rejects(&nested(17, output(1), sampled), &k, Errno::EOVERFLOW);
        assert!(msg(&r).contains("deep"));
        // The 17th level is refused even when empty.
        rejects(&nested(17, Vec::new(), sampled), &k, Errno::EOVERFLOW);
    }
    // Mixed nesting counts both.
    let mixed = (0..17).fold(output(1), |b, i| {
        if i % 2 == 0 {
            clone(&[b])
        } else {
            sample(7, &[b])
        }
    });
    rejects(&mixed, &k, Errno::EOVERFLOW);
    // At the limit, the enclosing action's own checks come first.
    let bad_clone_at_16 = nested(16, attr(act::CLONE, &[0, 0]), false);
    inval(&bad_clone_at_16, &k);
}

#[test]
fn malformed_streams_are_einval() {
    let k = FlowKey::ZERO;
    let good = output(1);
    for extra in 1..4 {
        let mut s = good.clone();
        s.extend(vec![0; extra]);
        let r = inval(&s, &k);
        assert!(msg(&r).contains("Trailing"));
    }
    let mut s = good.clone();
    s.extend([200, 0, 1, 0]);
    inval(&s, &k);
    let mut s = good.clone();
    s.extend([2, 0, 1, 0, 0, 0]);
    inval(&s, &k);
    // A last attribute without padding is fine at the top level (`rem` goes negative).
    let s = [output(1), unpadded_userspace()].concat();
    let v = validate(&s, &k).unwrap();
    // Upstream's dump pads it.
    let mut padded = s.clone();
    padded.resize(nla_align(s.len()), 0);
    assert_eq!(dump(&v), padded);
}

// Resource errors.

fn big_list() -> Vec<u8> {
    [
        output(1),
        userspace(&[u32_attr(us::PID, 9), attr(us::USERDATA, b"0123456789")]),
        set(key_attr::TCP, &[0, 1, 0, 2]),
        clone(&[
            push_vlan(0x8100, 0x1001),
            sample(
                3,
                &[output(2), set_masked(key_attr::IPV4, &[0; 12], &[0; 12])],
            ),
            userspace(&[u32_attr(us::PID, 10), attr(us::ACTIONS, &[])]),
        ]),
        hash(1, 2),
        u32_attr(act::RECIRC, 4),
        u32_attr(act::TRUNC, 100),
        attr(act::POP_VLAN, &[]),
        sample(0, &[]),
        u32_attr(act::DROP, 1),
    ]
    .concat()
}

#[test]
fn big_list_round_trips() {
    let s = round_trip(&big_list(), &ipv4_tcp());
    assert_eq!(s.actions.len(), 15);
}

#[test]
fn sink_errors_propagate() {
    let k = ipv4_tcp();
    let stream = big_list();
    let total = validate(&stream, &k).unwrap();
    for max in 0..total.actions.len() {
        let mut sink = VecSink {
            max_actions: Some(max),
            ..Default::default()
        };
        let r = validate_actions(&stream, &k, ATTR, &mut sink).unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::ENOMEM, Some(ATTR)));
        assert!(!r.msg.to_bytes().is_empty());
    }
    for max in 0..total.arena.len() {
        let mut sink = VecSink {
            max_arena: Some(max),
            ..Default::default()
        };
        let r = validate_actions(&stream, &k, ATTR, &mut sink).unwrap_err();
        assert_eq!(r.errno, Errno::ENOMEM);
    }
}

#[test]
fn dump_into_a_short_buffer_is_emsgsize() {
    let s = validate(&big_list(), &ipv4_tcp()).unwrap();
    let full = dump(&s);
    for size in 0..full.len() {
        let mut buf = vec![0u8; size];
        let mut w = AttrWriter::new(&mut buf);
        assert_eq!(
            put_actions(&s.actions, &s.arena, &s.cts, &mut w),
            Err(Errno::EMSGSIZE)
        );
    }
}

#[test]
fn dump_refuses_lists_the_validator_cannot_produce() {
    let arena = [0u8; 4];
    let mut buf = vec![0u8; 4096];
    let overrun = [Action::Clone {
        exec: true,
        body_len: 2,
    }];
    let inner_overrun = [
        Action::Clone {
            exec: true,
            body_len: 2,
        },
        Action::Clone {
            exec: true,
            body_len: 2,
        },
        Action::PopVlan,
    ];
    let bad_ref = [Action::Userspace(ovs_rs_host::actions::action::Userspace {
        pid: 1,
        userdata: None,
        egress_tun_port: None,
        include_actions: false,
        raw: ArenaRef { off: 2, len: 4 },
    })];
    let too_deep: Vec<Action> = (0..17)
        .map(|i| Action::Clone {
            exec: true,
            body_len: 16 - i,
        })
        .collect();
    for list in [&overrun[..], &inner_overrun, &bad_ref, &too_deep] {
        let mut w = AttrWriter::new(&mut buf);
        assert_eq!(put_actions(list, &arena, &[], &mut w), Err(Errno::EINVAL));
    }
}

// Robustness.

fn check_no_panic(stream: &[u8], k: &FlowKey) {
    if let Ok(s) = validate(stream, k) {
        // Whatever is accepted dumps and is accepted again, identically.
        let out = dump(&s);
        let again = validate(&out, k).unwrap();
        assert_eq!(again.actions.len(), s.actions.len());
        assert_eq!(dump(&again), out);
    }
}

#[test]
fn truncation_at_every_offset_never_panics() {
    let stream = big_list();
    for k in [ipv4_tcp(), ipv6_udp(), FlowKey::ZERO] {
        for end in 0..=stream.len() {
            check_no_panic(&stream[..end], &k);
        }
        for start in 0..stream.len() {
            check_no_panic(&stream[start..], &k);
        }
    }
}

#[test]
fn corrupting_every_byte_never_panics() {
    let stream = big_list();
    let k = ipv4_tcp();
    let mut s = stream.clone();
    for i in 0..stream.len() {
        for v in [0u8, 1, 3, 4, 5, 0x7f, 0x80, 0xff, stream[i] ^ 0x40] {
            s[i] = v;
            check_no_panic(&s, &k);
        }
        s[i] = stream[i];
    }
}

#[test]
fn pseudo_random_streams_never_panic() {
    // A fixed xorshift stream of attribute-shaped garbage: small lengths and types near
    // the real ones, so the walk gets deep before failing.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let k = ipv4_tcp();
    for _ in 0..20_000 {
        let n = (next() % 96) as usize;
        let mut s: Vec<u8> = (0..n).map(|_| next() as u8).collect();
        let mut at = 0;
        while at + 4 <= s.len() {
            let len = 4 + (next() % 24) as u16;
            let kind = (next() % 28) as u16;
            s[at..at + 2].copy_from_slice(&len.to_ne_bytes());
            s[at + 2..at + 4].copy_from_slice(&kind.to_ne_bytes());
            at += if next() % 3 == 0 {
                4
            } else {
                nla_align(len as usize)
            };
        }
        check_no_panic(&s, &k);
    }
}

#[test]
fn action_stays_small() {
    // The largest variant is a masked IPv6 set (two 40-byte keys); every flow holds an
    // array of these, so growth here should be deliberate.
    assert!(
        core::mem::size_of::<Action>() <= 96,
        "{}",
        core::mem::size_of::<Action>()
    );
}
