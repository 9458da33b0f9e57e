//! Typed parsing of `OVS_FLOW_ATTR_*`: upstream's `flow_policy`, the request checks of
//! `ovs_flow_cmd_new/set/get/del`, UFIDs and `ovs_flow_cmd_fill_stats()`.

use std::collections::HashSet;

use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::abi::flow_attrs::{
    check_may_replace, jhash, put_flow_stats, put_ufid, should_fill_actions, should_fill_key,
    should_fill_mask, FlowAttrs, FlowSelector, FlowStats, NewFlow, Ufid, MAX_UFID_LENGTH,
    NEW_ACTIONS_UNSAFE, NLM_F_CREATE, NLM_F_EXCL, SET_ACTIONS_UNSAFE, UFID_SIZE_OUT_OF_RANGE,
};
use ovs_rs_host::abi::nla::{AttrWriter, Attrs, PADS_FOR_64BIT};
use ovs_rs_host::abi::uapi::{flow_attr, ufid_flags, FLOW_STATS_LEN};

fn table<'a>(entries: &'a [(u16, &'a [u8])]) -> impl Fn(u16) -> Option<&'a [u8]> + 'a {
    move |n| entries.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
}

fn parse<'a>(entries: &'a [(u16, &'a [u8])]) -> FlowAttrs<'a> {
    FlowAttrs::parse(table(entries)).unwrap()
}

/// `OVS_KEY_ATTR_IN_PORT` 1, as a stand-in key; these parsers do not look inside.
const KEY: [u8; 8] = [8, 0, 3, 0, 1, 0, 0, 0];
/// An output action to port 2.
const ACTIONS: [u8; 8] = [8, 0, 1, 0, 2, 0, 0, 0];
const UFID: [u8; 16] = [
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];

#[test]
fn parses_every_input_attribute() {
    let flags = (ufid_flags::OMIT_KEY | ufid_flags::OMIT_ACTIONS).to_ne_bytes();
    let mask = [8u8, 0, 3, 0, 0xff, 0xff, 0xff, 0xff];
    let entries: [(u16, &[u8]); 7] = [
        (flow_attr::KEY, &KEY),
        (flow_attr::MASK, &mask),
        (flow_attr::ACTIONS, &ACTIONS),
        (flow_attr::UFID, &UFID),
        (flow_attr::UFID_FLAGS, &flags),
        (flow_attr::CLEAR, &[]),
        (flow_attr::PROBE, &[]),
    ];
    let a = parse(&entries);
    assert_eq!(a.key, Some(&KEY[..]));
    assert_eq!(a.mask, Some(&mask[..]));
    assert_eq!(a.actions, Some(&ACTIONS[..]));
    assert_eq!(a.ufid.unwrap().as_bytes(), &UFID);
    assert_eq!(a.ignored_ufid_len, None);
    assert_eq!(
        a.ufid_flags,
        ufid_flags::OMIT_KEY | ufid_flags::OMIT_ACTIONS
    );
    assert!(a.clear && a.probe && !a.log());
}

#[test]
fn absent_attributes_are_none_and_flags_zero() {
    let a = parse(&[]);
    assert_eq!(a, FlowAttrs::default());
    assert_eq!(a.ufid_flags, 0);
    assert!(a.log());
    // Output-only attributes are ignored, whatever they hold.
    let entries: [(u16, &[u8]); 3] = [
        (flow_attr::STATS, &[1]),
        (flow_attr::USED, &[1]),
        (flow_attr::TCP_FLAGS, &[1, 2, 3]),
    ];
    assert_eq!(parse(&entries), FlowAttrs::default());
}

#[test]
fn policy_failures_are_erange() {
    for (kind, payload) in [
        (flow_attr::KEY, &[1u8, 2, 3][..]),
        (flow_attr::MASK, &[1]),
        (flow_attr::ACTIONS, &[1, 2]),
        (flow_attr::CLEAR, &[0]),
        (flow_attr::PROBE, &[0, 0, 0, 0]),
        (flow_attr::UFID, &[]),
        (flow_attr::UFID_FLAGS, &[1, 0]),
    ] {
        let entries: [(u16, &[u8]); 1] = [(kind, payload)];
        let r = FlowAttrs::parse(table(&entries)).unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::ERANGE, Some(kind)), "{kind}");
    }
    // Empty nests are allowed: an empty ACTIONS is a drop flow.
    let entries: [(u16, &[u8]); 2] = [(flow_attr::KEY, &[]), (flow_attr::ACTIONS, &[])];
    let a = parse(&entries);
    assert_eq!((a.key, a.actions), (Some(&[][..]), Some(&[][..])));
}

#[test]
fn ufid_lengths_follow_get_ufid_len() {
    // 1 to 16 bytes are a UFID.
    for len in 1..=MAX_UFID_LENGTH {
        let entries: [(u16, &[u8]); 1] = [(flow_attr::UFID, &UFID[..len])];
        let a = parse(&entries);
        let u = a.ufid.unwrap();
        assert_eq!(
            (u.len(), u.as_bytes(), u.is_empty()),
            (len, &UFID[..len], false)
        );
        assert_eq!(a.ignored_ufid_len, None);
    }
    // Longer ones are not refused: upstream logs and goes on without a UFID.
    let long = [7u8; 17];
    let entries: [(u16, &[u8]); 1] = [(flow_attr::UFID, &long)];
    let a = parse(&entries);
    assert_eq!((a.ufid, a.ignored_ufid_len), (None, Some(17)));
    assert_eq!(
        UFID_SIZE_OUT_OF_RANGE.to_bytes(),
        b"ufid size exceeds the range (1, 16)"
    );
    // Without a UFID and a key, a GET is then refused for the missing key.
    assert_eq!(a.get_request().unwrap_err().errno, Errno::EINVAL);
}

#[test]
fn ufid_new_takes_1_to_16_bytes() {
    assert_eq!(Ufid::new(&[]), None);
    assert_eq!(Ufid::new(&[0; 17]), None);
    assert!(Ufid::new(&[0; 16]).is_some());
    // Equality is over length and bytes: a shorter prefix is another UFID.
    assert_ne!(Ufid::new(&[1, 0]), Ufid::new(&[1]));
    assert_eq!(Ufid::new(&[1, 2]), Ufid::new(&[1, 2]));
    let set: HashSet<Ufid> = [&[1u8][..], &[1, 0], &[1], &[2]]
        .iter()
        .map(|b| Ufid::new(b).unwrap())
        .collect();
    assert_eq!(set.len(), 3);
}

#[test]
fn jhash_is_the_kernels() {
    // Values from the kernel's own include/linux/jhash.h, compiled on x86_64 (they are also
    // lookup3's published hashlittle() vectors).
    assert_eq!(jhash(b"", 0), 0xdeadbeef);
    assert_eq!(jhash(b"", 1), 0xdeadbef0);
    assert_eq!(jhash(b"a", 0), 0x58d68708);
    assert_eq!(jhash(b"a", 1), 0x42b17671);
    assert_eq!(jhash(b"Four score and seven years ago", 0), 0x17770551);
    assert_eq!(jhash(b"Four score and seven years ago", 1), 0xcd628161);
    assert_eq!(jhash(b"0123456789ab", 0), 0x1065e50a);
    assert_eq!(jhash(b"0123456789abc", 1), 0x96e775d5);
}

#[test]
fn ufid_hash_is_upstreams_ufid_hash() {
    // jhash(ufid, len, 0) of the bytes 1, 2, ..., len, from the kernel's jhash.h.
    let want = [
        0x04ec883b,
        0x217670cf,
        0x3e2a886b,
        0x043fcddd,
        0xf85554a4,
        0x491fd335,
        0xf0f71a09,
        0x5143bb19,
        0xebaa5ff4,
        0x1a10151a,
        0x1894f68c,
        0x2471b813,
        0xe7d7a0e5,
        0xf182ac92,
        0x0cbbe541,
        0x29fb5548u32,
    ];
    let bytes: Vec<u8> = (1..=16).collect();
    for (len, w) in (1..=16).zip(want) {
        assert_eq!(Ufid::new(&bytes[..len]).unwrap().hash(), w, "len {len}");
    }
}

#[test]
fn new_requires_key_then_actions() {
    let r = parse(&[(flow_attr::ACTIONS, &ACTIONS)])
        .new_request()
        .unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::EINVAL, None));
    assert_eq!(r.msg, c"Flow key attr not present in new flow.");
    // Neither: the key is reported first.
    let r = parse(&[]).new_request().unwrap_err();
    assert_eq!(r.msg, c"Flow key attr not present in new flow.");
    let r = parse(&[(flow_attr::KEY, &KEY)]).new_request().unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::EINVAL, None));
    assert_eq!(r.msg, c"Flow actions attr not present in new flow.");
    let entries: [(u16, &[u8]); 3] = [
        (flow_attr::KEY, &KEY),
        (flow_attr::ACTIONS, &ACTIONS),
        (flow_attr::UFID, &UFID[..4]),
    ];
    let n = parse(&entries).new_request().unwrap();
    assert_eq!(
        n,
        NewFlow {
            key: &KEY,
            mask: None,
            actions: &ACTIONS,
            ufid: Ufid::new(&UFID[..4]),
        }
    );
    assert_eq!(
        NEW_ACTIONS_UNSAFE,
        c"Flow actions may not be safe on all matching packets."
    );
}

#[test]
fn set_needs_a_key_or_a_ufid() {
    let r = parse(&[(flow_attr::CLEAR, &[])]).set_request().unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::EINVAL, None));
    assert_eq!(r.msg, c"Flow set message rejected, Key attribute missing.");
    // Even with actions: the missing key and UFID are reported first.
    let r = parse(&[(flow_attr::ACTIONS, &ACTIONS)])
        .set_request()
        .unwrap_err();
    assert_eq!(r.msg, c"Flow set message rejected, Key attribute missing.");
}

#[test]
fn set_actions_need_a_key_even_with_a_ufid() {
    let r = parse(&[(flow_attr::UFID, &UFID), (flow_attr::ACTIONS, &ACTIONS)])
        .set_request()
        .unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::EINVAL, None));
    assert_eq!(r.msg, c"Flow key attribute not present in set flow.");
    assert_eq!(
        SET_ACTIONS_UNSAFE,
        c"Actions may not be safe on all matching packets"
    );
}

#[test]
fn set_selects_by_ufid_first() {
    let mask = [8u8, 0, 3, 0, 0, 0, 0, 0];
    let entries: [(u16, &[u8]); 5] = [
        (flow_attr::KEY, &KEY),
        (flow_attr::MASK, &mask),
        (flow_attr::ACTIONS, &ACTIONS),
        (flow_attr::UFID, &UFID),
        (flow_attr::CLEAR, &[]),
    ];
    let s = parse(&entries).set_request().unwrap();
    assert_eq!(s.selector, FlowSelector::Ufid(Ufid::new(&UFID).unwrap()));
    assert_eq!(
        (s.key, s.mask, s.actions, s.clear),
        (Some(&KEY[..]), Some(&mask[..]), Some(&ACTIONS[..]), true)
    );
    // By UFID alone: no new actions, stats kept.
    let s = parse(&[(flow_attr::UFID, &UFID)]).set_request().unwrap();
    assert_eq!((s.key, s.actions, s.clear), (None, None, false));
    // By key.
    let s = parse(&[(flow_attr::KEY, &KEY)]).set_request().unwrap();
    assert_eq!(s.selector, FlowSelector::Key(&KEY));
}

#[test]
fn get_needs_a_key_or_a_ufid() {
    let r = parse(&[(flow_attr::MASK, &KEY)]).get_request().unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::EINVAL, None));
    assert_eq!(r.msg, c"Flow get message rejected, Key attribute missing.");
    assert_eq!(
        parse(&[(flow_attr::KEY, &KEY)]).get_request(),
        Ok(FlowSelector::Key(&KEY))
    );
    assert_eq!(
        parse(&[(flow_attr::KEY, &KEY), (flow_attr::UFID, &UFID[..1])]).get_request(),
        Ok(FlowSelector::Ufid(Ufid::new(&UFID[..1]).unwrap()))
    );
}

#[test]
fn del_without_key_or_ufid_flushes() {
    assert_eq!(parse(&[]).del_request(), None);
    // An ignored (too long) UFID leaves nothing to select by: a flush, as upstream.
    let long = [1u8; 20];
    assert_eq!(parse(&[(flow_attr::UFID, &long)]).del_request(), None);
    assert_eq!(
        parse(&[(flow_attr::KEY, &KEY)]).del_request(),
        Some(FlowSelector::Key(&KEY))
    );
    assert_eq!(
        parse(&[(flow_attr::KEY, &KEY), (flow_attr::UFID, &UFID)]).del_request(),
        Some(FlowSelector::Ufid(Ufid::new(&UFID).unwrap()))
    );
}

#[test]
fn an_existing_flow_is_replaced_only_without_create_or_excl() {
    assert_eq!(check_may_replace(0), Ok(()));
    assert_eq!(check_may_replace(0x1 | 0x4), Ok(()));
    for flags in [NLM_F_CREATE, NLM_F_EXCL, NLM_F_CREATE | NLM_F_EXCL] {
        let r = check_may_replace(flags).unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::EEXIST, None));
    }
    assert_eq!(Errno::EEXIST, Errno(17));
}

#[test]
fn ufid_flags_omit_what_they_say() {
    assert!(should_fill_key(true, 0));
    assert!(!should_fill_key(true, ufid_flags::OMIT_KEY));
    assert!(!should_fill_key(false, 0));
    assert!(should_fill_mask(
        ufid_flags::OMIT_KEY | ufid_flags::OMIT_ACTIONS
    ));
    assert!(!should_fill_mask(ufid_flags::OMIT_MASK));
    assert!(should_fill_actions(ufid_flags::OMIT_MASK));
    assert!(!should_fill_actions(ufid_flags::OMIT_ACTIONS));
}

#[test]
fn put_ufid_puts_its_bytes() {
    let mut buf = [0u8; 32];
    let mut w = AttrWriter::new(&mut buf);
    put_ufid(&mut w, &Ufid::new(&UFID[..5]).unwrap()).unwrap();
    let a: Vec<_> = Attrs::new(w.as_bytes()).map(|a| a.unwrap()).collect();
    assert_eq!(a.len(), 1);
    assert_eq!((a[0].kind, a[0].payload), (flow_attr::UFID, &UFID[..5]));
    assert_eq!(w.as_bytes().len(), 12);
}

#[repr(align(8))]
struct Aligned([u8; 128]);

/// The attributes put, without `OVS_FLOW_ATTR_PAD`s (architecture-dependent).
fn put_stats(stats: FlowStats, used: Option<u64>, tcp: u8) -> Vec<(u16, Vec<u8>)> {
    let mut buf = Aligned([0; 128]);
    let mut w = AttrWriter::new(&mut buf.0);
    put_flow_stats(&mut w, &stats, used, tcp).unwrap();
    let all: Vec<_> = Attrs::new(w.as_bytes()).map(|a| a.unwrap()).collect();
    if !PADS_FOR_64BIT {
        assert!(all.iter().all(|a| a.kind != flow_attr::PAD));
    }
    all.iter()
        .filter(|a| a.kind != flow_attr::PAD)
        .map(|a| (a.kind, a.payload.to_vec()))
        .collect()
}

#[test]
fn flow_stats_in_upstreams_order_when_nonzero() {
    let stats = FlowStats {
        n_packets: 3,
        n_bytes: 180,
    };
    let mut s = Vec::new();
    s.extend_from_slice(&3u64.to_ne_bytes());
    s.extend_from_slice(&180u64.to_ne_bytes());
    assert_eq!(s.len(), FLOW_STATS_LEN);
    assert_eq!(stats.to_bytes().to_vec(), s);
    assert_eq!(
        put_stats(stats, Some(12345), 0x12),
        vec![
            (flow_attr::USED, 12345u64.to_ne_bytes().to_vec()),
            (flow_attr::STATS, s),
            (flow_attr::TCP_FLAGS, vec![0x12]),
        ]
    );
}

#[test]
fn zero_stats_put_nothing() {
    assert!(put_stats(FlowStats::default(), None, 0).is_empty());
    // Stats go by n_packets alone, as upstream.
    let bytes_only = FlowStats {
        n_packets: 0,
        n_bytes: 99,
    };
    assert!(put_stats(bytes_only, None, 0).is_empty());
    // A used time of 0 ms is still put when the flow was used.
    assert_eq!(
        put_stats(FlowStats::default(), Some(0), 0),
        vec![(flow_attr::USED, vec![0; 8])]
    );
    assert_eq!(
        put_stats(FlowStats::default(), None, 2),
        vec![(flow_attr::TCP_FLAGS, vec![2])]
    );
}

#[test]
fn flow_stats_that_do_not_fit_are_emsgsize() {
    let mut buf = [0u8; 20];
    let mut w = AttrWriter::new(&mut buf);
    let stats = FlowStats {
        n_packets: 1,
        n_bytes: 1,
    };
    assert_eq!(
        put_flow_stats(&mut w, &stats, Some(1), 0),
        Err(Errno::EMSGSIZE)
    );
}
