//! Typed parsing of `OVS_DP_ATTR_*`: upstream's rules for names, features and ranges.

use ovs_rs_host::abi::dp_attrs::{
    dispatches_per_cpu, dp_selector, existing_dp_drops_features, ovs_header_dp_ifindex,
    per_cpu_portid, put_per_cpu_pids, userspace_action_portid, DpAttrs, DpSelector, PerCpuPortid,
    KNOWN_USER_FEATURES,
};
use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::abi::nla::{AttrWriter, Attrs};
use ovs_rs_host::abi::uapi::{dp_attr, dp_feature, OVS_DATAPATH_VERSION};
use ovs_rs_host::abi::vport_attrs::UpcallPids;

fn table<'a>(entries: &'a [(u16, &'a [u8])]) -> impl Fn(u16) -> Option<&'a [u8]> + 'a {
    move |n| entries.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
}

#[test]
fn parses_every_input_attribute() {
    let pid = 1234u32.to_ne_bytes();
    let feat = (dp_feature::UNALIGNED | dp_feature::DISPATCH_UPCALL_PER_CPU).to_ne_bytes();
    let cache = 256u32.to_ne_bytes();
    let ifindex = 7i32.to_ne_bytes();
    let entries: [(u16, &[u8]); 5] = [
        (dp_attr::NAME, b"br-int\0"),
        (dp_attr::UPCALL_PID, &pid),
        (dp_attr::USER_FEATURES, &feat),
        (dp_attr::MASKS_CACHE_SIZE, &cache),
        (dp_attr::IFINDEX, &ifindex),
    ];
    let a = DpAttrs::parse(table(&entries)).unwrap();
    assert_eq!(a.name, Some("br-int"));
    assert_eq!(a.upcall_pids, Some(UpcallPids(&pid)));
    assert_eq!(
        a.user_features,
        Some(dp_feature::UNALIGNED | dp_feature::DISPATCH_UPCALL_PER_CPU)
    );
    assert_eq!(a.masks_cache_size, Some(256));
    assert_eq!(a.ifindex, Some(7));
}

#[test]
fn absent_attributes_are_none() {
    assert_eq!(DpAttrs::parse(table(&[])).unwrap(), DpAttrs::default());
}

#[test]
fn unknown_user_features_are_eopnotsupp_naming_the_attribute() {
    let feat = (1u32 << 4).to_ne_bytes();
    let entries: [(u16, &[u8]); 1] = [(dp_attr::USER_FEATURES, &feat)];
    let r = DpAttrs::parse(table(&entries)).unwrap_err();
    assert_eq!(r.errno, Errno::EOPNOTSUPP);
    assert_eq!(r.attr, Some(dp_attr::USER_FEATURES));
    assert!(!r.msg.to_bytes().is_empty());
    assert_eq!(KNOWN_USER_FEATURES, 0xf);
}

#[test]
fn names_must_fit_ifnamsiz_and_be_nul_terminated() {
    for bad in [&b"\0"[..], b"no-nul", b"sixteen-chars-xx\0", b"\xc3\0"] {
        let entries: [(u16, &[u8]); 1] = [(dp_attr::NAME, bad)];
        let r = DpAttrs::parse(table(&entries)).unwrap_err();
        assert_eq!(
            (r.errno, r.attr),
            (Errno::EINVAL, Some(dp_attr::NAME)),
            "{bad:?}"
        );
    }
    let entries: [(u16, &[u8]); 1] = [(dp_attr::NAME, b"fifteen-chars-x\0")];
    assert_eq!(
        DpAttrs::parse(table(&entries)).unwrap().name,
        Some("fifteen-chars-x")
    );
}

#[test]
fn masks_cache_size_is_bounded_like_upstream() {
    let ok = 4096u32.to_ne_bytes();
    let entries: [(u16, &[u8]); 1] = [(dp_attr::MASKS_CACHE_SIZE, &ok)];
    assert_eq!(
        DpAttrs::parse(table(&entries)).unwrap().masks_cache_size,
        Some(4096)
    );
    let big = 4097u32.to_ne_bytes();
    let entries: [(u16, &[u8]); 1] = [(dp_attr::MASKS_CACHE_SIZE, &big)];
    assert_eq!(
        DpAttrs::parse(table(&entries)).unwrap_err().errno,
        Errno::ERANGE
    );
}

#[test]
fn short_fixed_attributes_are_einval_not_overreads() {
    let entries: [(u16, &[u8]); 1] = [(dp_attr::UPCALL_PID, &[1, 2])];
    let r = DpAttrs::parse(table(&entries)).unwrap_err();
    assert_eq!(
        (r.errno, r.attr),
        (Errno::EINVAL, Some(dp_attr::UPCALL_PID))
    );
}

#[test]
fn negative_ifindex_is_erange() {
    let neg = (-1i32).to_ne_bytes();
    let entries: [(u16, &[u8]); 1] = [(dp_attr::IFINDEX, &neg)];
    assert_eq!(
        DpAttrs::parse(table(&entries)).unwrap_err().errno,
        Errno::ERANGE
    );
}

#[test]
fn the_name_wins_over_the_header_ifindex() {
    let entries: [(u16, &[u8]); 1] = [(dp_attr::NAME, b"dp1\0")];
    assert_eq!(dp_selector(table(&entries), 5), Ok(DpSelector::Name("dp1")));
    assert_eq!(dp_selector(table(&[]), 5), Ok(DpSelector::Ifindex(5)));
    // A selector ignores attributes it does not use, as upstream's GET does.
    let feat = u32::MAX.to_ne_bytes();
    let entries: [(u16, &[u8]); 1] = [(dp_attr::USER_FEATURES, &feat)];
    assert_eq!(dp_selector(table(&entries), 3), Ok(DpSelector::Ifindex(3)));
}

#[test]
fn ovs_header_needs_four_bytes() {
    assert_eq!(ovs_header_dp_ifindex(&9i32.to_ne_bytes()), Ok(9));
    assert_eq!(ovs_header_dp_ifindex(&[1, 2]), Err(Errno::EINVAL));
}

#[test]
fn per_cpu_portid_is_upstreams_choice() {
    let pids = [11, 22, 33];
    let at = |cpu| per_cpu_portid(&pids, cpu);
    assert_eq!(
        at(0),
        PerCpuPortid {
            pid: 11,
            mismatch: false
        }
    );
    assert_eq!(
        at(2),
        PerCpuPortid {
            pid: 33,
            mismatch: false
        }
    );
    // More CPUs than pids: modulo, and upstream logs the mismatch.
    assert_eq!(
        at(4),
        PerCpuPortid {
            pid: 22,
            mismatch: true
        }
    );
    // No pids: nobody (0), nothing logged.
    assert_eq!(
        per_cpu_portid(&[], 5),
        PerCpuPortid {
            pid: 0,
            mismatch: false
        }
    );
}

#[test]
fn an_upcall_pid_array_is_kept_whole_for_the_local_port() {
    // Upstream's policy is NLA_U32, validated leniently: 8 bytes pass (with a warning) and
    // the local port gets both pids.
    let pids: Vec<u8> = [11u32, 22].iter().flat_map(|p| p.to_ne_bytes()).collect();
    let entries: [(u16, &[u8]); 2] = [(dp_attr::NAME, b"dp\0"), (dp_attr::UPCALL_PID, &pids)];
    let a = DpAttrs::parse(table(&entries)).unwrap();
    let up = a.upcall_pids.unwrap();
    assert_eq!(up.iter().collect::<Vec<_>>(), [11, 22]);
    assert_eq!(up.validate_as(2, dp_attr::UPCALL_PID), Ok(()));
    // More pids than CPUs, or a partial one, is EINVAL naming the datapath's attribute.
    let r = up.validate_as(1, dp_attr::UPCALL_PID).unwrap_err();
    assert_eq!(
        (r.errno, r.attr),
        (Errno::EINVAL, Some(dp_attr::UPCALL_PID))
    );
    let r = UpcallPids(&pids[..6])
        .validate_as(4, dp_attr::UPCALL_PID)
        .unwrap_err();
    assert_eq!(
        (r.errno, r.attr),
        (Errno::EINVAL, Some(dp_attr::UPCALL_PID))
    );
}

#[test]
fn per_cpu_pids_only_with_the_per_cpu_dispatch_feature() {
    let pids: Vec<u8> = [5u32, 6, 7].iter().flat_map(|p| p.to_ne_bytes()).collect();
    let per_cpu = dp_feature::DISPATCH_UPCALL_PER_CPU.to_ne_bytes();
    let other = (dp_feature::UNALIGNED | dp_feature::VPORT_PIDS).to_ne_bytes();
    // Without the bit (or without USER_FEATURES: 0) the pids are ignored, even malformed.
    for features in [None, Some(&other[..])] {
        for raw in [&pids[..], &pids[..5], &[][..]] {
            let mut entries: Vec<(u16, &[u8])> = vec![(dp_attr::PER_CPU_PIDS, raw)];
            if let Some(f) = features {
                entries.push((dp_attr::USER_FEATURES, f));
            }
            let a = DpAttrs::parse(table(&entries)).unwrap();
            assert_eq!(a.per_cpu_pids(), None, "{features:?} {raw:?}");
        }
    }
    // With it: kept, more pids than CPUs too; empty or partial is EINVAL.
    let entries: [(u16, &[u8]); 2] = [
        (dp_attr::USER_FEATURES, &per_cpu),
        (dp_attr::PER_CPU_PIDS, &pids),
    ];
    let a = DpAttrs::parse(table(&entries)).unwrap();
    assert_eq!(a.per_cpu_pids(), Some(Ok(UpcallPids(&pids))));
    for bad in [&pids[..5], &[][..]] {
        let entries: [(u16, &[u8]); 2] = [
            (dp_attr::USER_FEATURES, &per_cpu),
            (dp_attr::PER_CPU_PIDS, bad),
        ];
        let r = DpAttrs::parse(table(&entries))
            .unwrap()
            .per_cpu_pids()
            .unwrap()
            .unwrap_err();
        assert_eq!(
            (r.errno, r.attr),
            (Errno::EINVAL, Some(dp_attr::PER_CPU_PIDS))
        );
    }
    // The bit without the attribute installs nothing.
    let entries: [(u16, &[u8]); 1] = [(dp_attr::USER_FEATURES, &per_cpu)];
    assert_eq!(
        DpAttrs::parse(table(&entries)).unwrap().per_cpu_pids(),
        None
    );
}

#[test]
fn userspace_action_pid_is_a_placeholder_under_per_cpu_dispatch() {
    // ovs-vswitchd's DPIF_NETLINK_PER_CPU_PID.
    let placeholder = u32::MAX;
    let per_cpu = dp_feature::DISPATCH_UPCALL_PER_CPU | dp_feature::UNALIGNED;
    assert!(dispatches_per_cpu(per_cpu));
    assert_eq!(userspace_action_portid(per_cpu, placeholder, || 4242), 4242);
    assert_eq!(userspace_action_portid(per_cpu, 77, || 0), 0);
    assert!(!dispatches_per_cpu(dp_feature::VPORT_PIDS));
    let mut asked = false;
    assert_eq!(
        userspace_action_portid(dp_feature::VPORT_PIDS, 77, || {
            asked = true;
            4242
        }),
        77
    );
    assert!(
        !asked,
        "the per-CPU pid is not looked up without per-CPU dispatch"
    );
}

#[test]
fn the_per_cpu_pids_reply_has_one_pid_per_cpu_beyond_64() {
    let pids: Vec<u32> = (1000..1100).collect();
    for (nr_cpu_ids, want) in [(80, 80), (64, 64), (2, 2), (128, 100)] {
        let mut buf = vec![0u8; 1024];
        let mut w = AttrWriter::new(&mut buf);
        put_per_cpu_pids(&mut w, &pids, nr_cpu_ids).unwrap();
        let attrs: Vec<_> = Attrs::new(w.as_bytes()).map(Result::unwrap).collect();
        assert_eq!(attrs.len(), 1);
        assert_eq!(attrs[0].kind, dp_attr::PER_CPU_PIDS);
        let got: Vec<u32> = attrs[0]
            .payload
            .chunks_exact(4)
            .map(|b| u32::from_ne_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(got, pids[..want], "nr_cpu_ids {nr_cpu_ids}");
    }
}

#[test]
fn userspace_before_version_2_loses_the_features_of_a_datapath_it_recreates() {
    assert!(existing_dp_drops_features(0));
    assert!(existing_dp_drops_features(1));
    assert!(!existing_dp_drops_features(2));
    assert_eq!(OVS_DATAPATH_VERSION, 2);
}
