//! Typed parsing of `OVS_VPORT_ATTR_*`: upstream's `vport_policy`, `ovs_vport_cmd_new()`'s
//! checks, `lookup_vport()`, and the vport reply attributes.

use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::abi::nla::{AttrWriter, Attrs, PADS_FOR_64BIT};
use ovs_rs_host::abi::uapi::{vport_attr, vport_type, vport_upcall_attr, VPORT_STATS_LEN};
use ovs_rs_host::abi::vport_attrs::{
    check_deletable, put_upcall_pids, put_vport_stats, put_vport_upcall_stats, vport_selector,
    UpcallPids, VportAttrs, VportSelector, VportStats, VportType,
};

fn table<'a>(entries: &'a [(u16, &'a [u8])]) -> impl Fn(u16) -> Option<&'a [u8]> + 'a {
    move |n| entries.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
}

fn pids(ids: &[u32]) -> Vec<u8> {
    ids.iter().flat_map(|i| i.to_ne_bytes()).collect()
}

#[test]
fn parses_every_input_attribute() {
    let port = 3u32.to_ne_bytes();
    let ty = vport_type::INTERNAL.to_ne_bytes();
    let ids = pids(&[100, 200]);
    let opts = [8u8, 0, 1, 0, 0x12, 0x34, 0, 0];
    let ifindex = 42i32.to_ne_bytes();
    let nsid = (-1i32).to_ne_bytes();
    let entries: [(u16, &[u8]); 7] = [
        (vport_attr::NAME, b"vp0\0"),
        (vport_attr::PORT_NO, &port),
        (vport_attr::TYPE, &ty),
        (vport_attr::UPCALL_PID, &ids),
        (vport_attr::OPTIONS, &opts),
        (vport_attr::IFINDEX, &ifindex),
        (vport_attr::NETNSID, &nsid),
    ];
    let a = VportAttrs::parse(table(&entries)).unwrap();
    assert_eq!(a.name, Some(c"vp0"));
    assert_eq!(a.port_no, Some(3));
    assert_eq!(a.vport_type, Some(VportType::Internal));
    let up = a.upcall_pids.unwrap();
    assert_eq!(up.len(), 2);
    assert_eq!(up.iter().collect::<Vec<_>>(), vec![100, 200]);
    assert_eq!(
        (up.get(0), up.get(1), up.get(2)),
        (Some(100), Some(200), None)
    );
    assert_eq!(a.options, Some(&opts[..]));
    assert_eq!(a.ifindex, Some(42));
    assert_eq!(a.netnsid, Some(-1));
}

#[test]
fn absent_attributes_are_none() {
    assert_eq!(
        VportAttrs::parse(table(&[])).unwrap(),
        VportAttrs::default()
    );
}

#[test]
fn vport_types_round_trip() {
    for (n, t) in [
        (1, VportType::Netdev),
        (2, VportType::Internal),
        (3, VportType::Gre),
        (4, VportType::Vxlan),
        (5, VportType::Geneve),
        (0, VportType::Other(0)),
        (6, VportType::Other(6)),
    ] {
        assert_eq!(VportType::from_u32(n), t);
        assert_eq!(t.as_u32(), n);
    }
}

#[test]
fn names_follow_the_nul_string_policy() {
    // No NUL within IFNAMSIZ bytes, or an empty payload: EINVAL.
    for bad in [&b""[..], b"no-nul", b"sixteen-chars-xx\0"] {
        let entries: [(u16, &[u8]); 1] = [(vport_attr::NAME, bad)];
        let r = VportAttrs::parse(table(&entries)).unwrap_err();
        assert_eq!(
            (r.errno, r.attr),
            (Errno::EINVAL, Some(vport_attr::NAME)),
            "{bad:?}"
        );
    }
    // A NUL early but more than 15 bytes before the last NUL: ERANGE.
    let long = b"ab\0xxxxxxxxxxxxxxxx\0";
    let entries: [(u16, &[u8]); 1] = [(vport_attr::NAME, long)];
    let r = VportAttrs::parse(table(&entries)).unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::ERANGE, Some(vport_attr::NAME)));
    // 15 bytes and a NUL is the longest name; the policy allows an empty one.
    let entries: [(u16, &[u8]); 1] = [(vport_attr::NAME, b"fifteen-chars-x\0")];
    assert_eq!(
        VportAttrs::parse(table(&entries)).unwrap().name,
        Some(c"fifteen-chars-x")
    );
    let entries: [(u16, &[u8]); 1] = [(vport_attr::NAME, b"\0")];
    assert_eq!(VportAttrs::parse(table(&entries)).unwrap().name, Some(c""));
    // Non-UTF-8 names are names too.
    let entries: [(u16, &[u8]); 1] = [(vport_attr::NAME, b"\xc3x\0")];
    assert_eq!(
        VportAttrs::parse(table(&entries))
            .unwrap()
            .name
            .unwrap()
            .to_bytes(),
        b"\xc3x"
    );
}

#[test]
fn short_integers_and_nests_are_erange() {
    for kind in [
        vport_attr::PORT_NO,
        vport_attr::TYPE,
        vport_attr::IFINDEX,
        vport_attr::NETNSID,
    ] {
        let entries: [(u16, &[u8]); 1] = [(kind, &[1, 2, 3])];
        let r = VportAttrs::parse(table(&entries)).unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::ERANGE, Some(kind)), "{kind}");
    }
    let entries: [(u16, &[u8]); 1] = [(vport_attr::OPTIONS, &[1, 2])];
    let r = VportAttrs::parse(table(&entries)).unwrap_err();
    assert_eq!(
        (r.errno, r.attr),
        (Errno::ERANGE, Some(vport_attr::OPTIONS))
    );
    // An empty nest is fine; longer integers are read from their first bytes.
    let long = [7u8, 0, 0, 0, 9, 9];
    let entries: [(u16, &[u8]); 2] = [(vport_attr::OPTIONS, &[]), (vport_attr::PORT_NO, &long)];
    let a = VportAttrs::parse(table(&entries)).unwrap();
    assert_eq!(a.options, Some(&[][..]));
    assert_eq!(a.port_no, Some(u32::from_ne_bytes([7, 0, 0, 0])));
}

#[test]
fn output_only_attributes_get_the_policy_length_checks() {
    let short = [0u8; VPORT_STATS_LEN - 1];
    let entries: [(u16, &[u8]); 1] = [(vport_attr::STATS, &short)];
    let r = VportAttrs::parse(table(&entries)).unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::ERANGE, Some(vport_attr::STATS)));
    let entries: [(u16, &[u8]); 1] = [(vport_attr::UPCALL_STATS, &[1])];
    let r = VportAttrs::parse(table(&entries)).unwrap_err();
    assert_eq!(
        (r.errno, r.attr),
        (Errno::ERANGE, Some(vport_attr::UPCALL_STATS))
    );
    let full = [0u8; VPORT_STATS_LEN];
    let entries: [(u16, &[u8]); 2] = [(vport_attr::STATS, &full), (vport_attr::UPCALL_STATS, &[])];
    assert_eq!(
        VportAttrs::parse(table(&entries)).unwrap(),
        VportAttrs::default()
    );
}

#[test]
fn negative_ifindex_is_erange() {
    let neg = (-1i32).to_ne_bytes();
    let entries: [(u16, &[u8]); 1] = [(vport_attr::IFINDEX, &neg)];
    let r = VportAttrs::parse(table(&entries)).unwrap_err();
    assert_eq!(
        (r.errno, r.attr),
        (Errno::ERANGE, Some(vport_attr::IFINDEX))
    );
}

fn new_entries<'a>(ty: &'a [u8], ids: &'a [u8]) -> Vec<(u16, &'a [u8])> {
    vec![
        (vport_attr::NAME, b"eth1\0"),
        (vport_attr::TYPE, ty),
        (vport_attr::UPCALL_PID, ids),
    ]
}

#[test]
fn new_requires_name_type_and_upcall_pids() {
    let ty = vport_type::NETDEV.to_ne_bytes();
    let ids = pids(&[7]);
    let all = new_entries(&ty, &ids);
    let n = VportAttrs::parse(table(&all))
        .unwrap()
        .new_request()
        .unwrap();
    assert_eq!(n.name, c"eth1");
    assert_eq!(n.vport_type, VportType::Netdev);
    assert_eq!(n.port_no, None);
    assert_eq!(n.upcall_pids, UpcallPids(&ids));
    assert_eq!(n.options, None);
    assert_eq!(n.desired_ifindex, 0);
    for drop in [vport_attr::NAME, vport_attr::TYPE, vport_attr::UPCALL_PID] {
        let some: Vec<_> = all.iter().copied().filter(|(k, _)| *k != drop).collect();
        let r = VportAttrs::parse(table(&some))
            .unwrap()
            .new_request()
            .unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::EINVAL, None), "without {drop}");
        assert!(!r.msg.to_bytes().is_empty());
    }
}

#[test]
fn new_takes_an_ifindex_only_for_internal_ports() {
    let ifindex = 77i32.to_ne_bytes();
    let ids = pids(&[7]);
    let netdev = vport_type::NETDEV.to_ne_bytes();
    let mut e = new_entries(&netdev, &ids);
    e.push((vport_attr::IFINDEX, &ifindex));
    let r = VportAttrs::parse(table(&e))
        .unwrap()
        .new_request()
        .unwrap_err();
    assert_eq!(
        (r.errno, r.attr),
        (Errno::EOPNOTSUPP, Some(vport_attr::IFINDEX))
    );
    let internal = vport_type::INTERNAL.to_ne_bytes();
    let mut e = new_entries(&internal, &ids);
    e.push((vport_attr::IFINDEX, &ifindex));
    let n = VportAttrs::parse(table(&e)).unwrap().new_request().unwrap();
    assert_eq!(n.desired_ifindex, 77);
}

#[test]
fn new_port_numbers_below_dp_max_ports() {
    let ty = vport_type::INTERNAL.to_ne_bytes();
    let ids = pids(&[7]);
    for (port, want) in [
        (0u32, Ok(None)),
        (1, Ok(Some(1))),
        (0xfffe, Ok(Some(0xfffe))),
        (0xffff, Err(Errno::EFBIG)),
        (u32::MAX, Err(Errno::EFBIG)),
    ] {
        let p = port.to_ne_bytes();
        let mut e = new_entries(&ty, &ids);
        e.push((vport_attr::PORT_NO, &p));
        let got = VportAttrs::parse(table(&e))
            .unwrap()
            .new_request()
            .map(|n| n.port_no);
        match want {
            Ok(w) => assert_eq!(got, Ok(w), "{port}"),
            Err(errno) => {
                let r = got.unwrap_err();
                assert_eq!((r.errno, r.attr), (errno, Some(vport_attr::PORT_NO)));
            }
        }
    }
    assert_eq!(Errno::EFBIG, Errno(27));
}

#[test]
fn new_checks_ifindex_before_port_number() {
    // Upstream: EOPNOTSUPP for the ifindex comes before EFBIG for the port.
    let ty = vport_type::NETDEV.to_ne_bytes();
    let ids = pids(&[7]);
    let ifindex = 3i32.to_ne_bytes();
    let port = 0xffffu32.to_ne_bytes();
    let mut e = new_entries(&ty, &ids);
    e.push((vport_attr::IFINDEX, &ifindex));
    e.push((vport_attr::PORT_NO, &port));
    let r = VportAttrs::parse(table(&e))
        .unwrap()
        .new_request()
        .unwrap_err();
    assert_eq!(r.errno, Errno::EOPNOTSUPP);
}

#[test]
fn upcall_pids_validate_like_upstream() {
    assert_eq!(UpcallPids(&pids(&[1, 2])).validate(2), Ok(()));
    for (bytes, cpus) in [
        (vec![], 4),
        (vec![1, 2, 3], 4),
        (vec![1, 2, 3, 4, 5], 4),
        (pids(&[1, 2, 3]), 2),
    ] {
        let r = UpcallPids(&bytes).validate(cpus).unwrap_err();
        assert_eq!(
            (r.errno, r.attr),
            (Errno::EINVAL, Some(vport_attr::UPCALL_PID)),
            "{bytes:?}"
        );
    }
    // A parse does not check them: upstream does so only after the datapath lookup.
    let e: [(u16, &[u8]); 1] = [(vport_attr::UPCALL_PID, &[1, 2, 3])];
    let a = VportAttrs::parse(table(&e)).unwrap();
    let up = a.upcall_pids.unwrap();
    assert_eq!((up.len(), up.is_empty()), (0, true));
    assert_eq!(up.iter().count(), 0);
}

#[test]
fn set_may_not_change_the_type() {
    let ty = vport_type::GRE.to_ne_bytes();
    let e: [(u16, &[u8]); 1] = [(vport_attr::TYPE, &ty)];
    let a = VportAttrs::parse(table(&e)).unwrap();
    assert_eq!(a.check_set_type(VportType::Gre), Ok(()));
    let r = a.check_set_type(VportType::Netdev).unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::EINVAL, Some(vport_attr::TYPE)));
    let none = VportAttrs::parse(table(&[])).unwrap();
    assert_eq!(none.check_set_type(VportType::Netdev), Ok(()));
}

#[test]
fn selector_prefers_the_name() {
    let port = 5u32.to_ne_bytes();
    let e: [(u16, &[u8]); 2] = [(vport_attr::NAME, b"p1\0"), (vport_attr::PORT_NO, &port)];
    assert_eq!(
        vport_selector(table(&e), 9),
        Ok(VportSelector::Name {
            name: c"p1",
            dp_ifindex: Some(9)
        })
    );
    // dp_ifindex 0 means "any datapath".
    assert_eq!(
        vport_selector(table(&e), 0),
        Ok(VportSelector::Name {
            name: c"p1",
            dp_ifindex: None
        })
    );
    let e: [(u16, &[u8]); 1] = [(vport_attr::PORT_NO, &port)];
    assert_eq!(
        vport_selector(table(&e), 9),
        Ok(VportSelector::PortNo {
            dp_ifindex: 9,
            port_no: 5
        })
    );
}

#[test]
fn selector_errors_are_upstreams() {
    // An ifindex is EOPNOTSUPP, even beside a name.
    let ifindex = 3i32.to_ne_bytes();
    let e: [(u16, &[u8]); 2] = [(vport_attr::IFINDEX, &ifindex), (vport_attr::NAME, b"p\0")];
    let r = vport_selector(table(&e), 1).unwrap_err();
    assert_eq!(
        (r.errno, r.attr),
        (Errno::EOPNOTSUPP, Some(vport_attr::IFINDEX))
    );
    // Port numbers from DP_MAX_PORTS up are EFBIG.
    for port in [0xffffu32, 0x10000, u32::MAX] {
        let p = port.to_ne_bytes();
        let e: [(u16, &[u8]); 1] = [(vport_attr::PORT_NO, &p)];
        let r = vport_selector(table(&e), 1).unwrap_err();
        assert_eq!((r.errno, r.attr), (Errno::EFBIG, Some(vport_attr::PORT_NO)));
    }
    // Neither name nor number.
    let r = vport_selector(table(&[]), 1).unwrap_err();
    assert_eq!((r.errno, r.attr), (Errno::EINVAL, None));
    // Attributes a lookup does not use are not validated.
    let e: [(u16, &[u8]); 2] = [(vport_attr::TYPE, &[1]), (vport_attr::NAME, b"p\0")];
    assert!(vport_selector(table(&e), 0).is_ok());
    // Those it uses are.
    let e: [(u16, &[u8]); 1] = [(vport_attr::PORT_NO, &[1])];
    assert_eq!(
        vport_selector(table(&e), 0).unwrap_err().errno,
        Errno::ERANGE
    );
}

#[test]
fn the_local_port_is_not_deletable() {
    let r = check_deletable(0).unwrap_err();
    assert_eq!(r.errno, Errno::EINVAL);
    assert_eq!(check_deletable(1), Ok(()));
}

fn sample_stats() -> VportStats {
    VportStats {
        rx_packets: 1,
        tx_packets: 2,
        rx_bytes: 3,
        tx_bytes: 4,
        rx_errors: 5,
        tx_errors: 6,
        rx_dropped: 7,
        tx_dropped: 8,
    }
}

/// A buffer whose first byte is 8-byte aligned, so `nla_put_64bit()`'s padding decision
/// is predictable.
#[repr(align(8))]
struct Aligned([u8; 256]);

#[test]
fn vport_stats_are_the_struct_in_field_order() {
    let mut buf = Aligned([0xaa; 256]);
    let mut w = AttrWriter::new(&mut buf.0);
    put_vport_stats(&mut w, &sample_stats()).unwrap();
    let attrs: Vec<_> = Attrs::new(w.as_bytes()).map(|a| a.unwrap()).collect();
    // The writer starts 8-aligned: the payload at offset 4 (or 8 after a pad) is 8-aligned
    // only with the pad, so architectures that pad put one.
    let stats = attrs.last().unwrap();
    assert_eq!(stats.kind, vport_attr::STATS);
    assert_eq!(stats.payload.len(), VPORT_STATS_LEN);
    let words: Vec<u64> = stats
        .payload
        .chunks(8)
        .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(words, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    if PADS_FOR_64BIT {
        assert_eq!(attrs.len(), 2);
        assert_eq!(
            (attrs[0].kind, attrs[0].payload.len()),
            (vport_attr::PAD, 0)
        );
    } else {
        assert_eq!(attrs.len(), 1);
    }
}

#[test]
fn put_64bit_pads_like_nla_put_64bit_where_the_arch_pads() {
    let mut buf = Aligned([0; 256]);
    let mut w = AttrWriter::new(&mut buf.0);
    // Tail 8-aligned: a pad first, so the payload lands 8-aligned at offset 8.
    w.put_64bit_aligning(vport_attr::STATS, &[1; 8], vport_attr::PAD, true)
        .unwrap();
    assert_eq!(w.as_bytes().len(), 4 + 12);
    assert_eq!(&w.as_bytes()[..4], &[4, 0, vport_attr::PAD as u8, 0]);
    // After a 12-byte attribute the tail is at 4 mod 8: the payload is aligned, no pad.
    w.put(1, &[0; 8]).unwrap();
    let before = w.as_bytes().len();
    assert_eq!(before % 8, 4);
    w.put_64bit_aligning(vport_attr::STATS, &[2; 8], vport_attr::PAD, true)
        .unwrap();
    assert_eq!(w.as_bytes().len(), before + 12);
    let last = Attrs::new(w.as_bytes()).last().unwrap().unwrap();
    assert_eq!(
        (last.kind, last.payload),
        (vport_attr::STATS, &[2u8; 8][..])
    );
    // Never a pad where the architecture does not pad.
    let mut buf = Aligned([0; 256]);
    let mut w = AttrWriter::new(&mut buf.0);
    w.put_64bit_aligning(vport_attr::STATS, &[1; 8], vport_attr::PAD, false)
        .unwrap();
    assert_eq!(w.as_bytes().len(), 12);
}

#[test]
fn put_64bit_is_all_or_nothing() {
    // 12 bytes fit the attribute but not the pad before it.
    let mut buf = Aligned([0; 256]);
    let mut w = AttrWriter::new(&mut buf.0[..12]);
    assert_eq!(
        w.put_64bit_aligning(vport_attr::STATS, &[1; 8], vport_attr::PAD, true),
        Err(Errno::EMSGSIZE)
    );
    assert!(w.as_bytes().is_empty());
    let mut w = AttrWriter::new(&mut buf.0[..12]);
    w.put_64bit_aligning(vport_attr::STATS, &[1; 8], vport_attr::PAD, false)
        .unwrap();
    let mut small = [0u8; 40];
    let mut w = AttrWriter::new(&mut small);
    assert_eq!(
        put_vport_stats(&mut w, &sample_stats()),
        Err(Errno::EMSGSIZE)
    );
}

#[test]
fn upcall_stats_nest_success_then_fail() {
    let mut buf = Aligned([0; 256]);
    let mut w = AttrWriter::new(&mut buf.0);
    put_vport_upcall_stats(&mut w, 10, 3).unwrap();
    let outer: Vec<_> = Attrs::new(w.as_bytes()).map(|a| a.unwrap()).collect();
    assert_eq!(outer.len(), 1);
    assert_eq!(outer[0].kind, vport_attr::UPCALL_STATS);
    assert!(!outer[0].nested_flag);
    let inner: Vec<_> = outer[0]
        .nested()
        .map(|a| a.unwrap())
        .filter(|a| a.kind != vport_attr::PAD || !a.payload.is_empty())
        .collect();
    // OVS_VPORT_UPCALL_ATTR_SUCCESS is 0; a PAD is 7 and empty.
    let values: Vec<_> = inner.iter().map(|a| (a.kind, a.u64().unwrap())).collect();
    assert_eq!(
        values,
        vec![
            (vport_upcall_attr::SUCCESS, 10),
            (vport_upcall_attr::FAIL, 3)
        ]
    );
    // Without room the nest is taken back.
    let mut small = [0u8; 16];
    let mut w = AttrWriter::new(&mut small);
    w.put_u32(1, 1).unwrap();
    assert_eq!(put_vport_upcall_stats(&mut w, 1, 2), Err(Errno::EMSGSIZE));
    assert_eq!(w.as_bytes().len(), 8);
}

#[test]
fn upcall_pids_are_put_as_one_array() {
    let mut buf = [0u8; 64];
    let mut w = AttrWriter::new(&mut buf);
    put_upcall_pids(&mut w, &[5, 6, 7]).unwrap();
    let a: Vec<_> = Attrs::new(w.as_bytes()).map(|a| a.unwrap()).collect();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].kind, vport_attr::UPCALL_PID);
    assert!(!a[0].nested_flag);
    assert_eq!(a[0].payload, &pids(&[5, 6, 7])[..]);
    // It parses back.
    assert_eq!(
        UpcallPids(a[0].payload).iter().collect::<Vec<_>>(),
        vec![5, 6, 7]
    );
    let mut small = [0u8; 8];
    let mut w = AttrWriter::new(&mut small);
    assert_eq!(put_upcall_pids(&mut w, &[5, 6]), Err(Errno::EMSGSIZE));
    assert!(w.as_bytes().is_empty());
}
