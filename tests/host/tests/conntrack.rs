//! The `ct` and `ct_clear` actions: validation with upstream's errnos and messages
//! (`parse_ct()`, `parse_nat()`), the typed form, and the dump upstream's
//! `ovs_ct_action_to_attr()` makes; and the conntrack set actions, accepted at install and
//! failing on every packet.

use ovs_rs_host::abi::errno::{Errno, Rejection};
use ovs_rs_host::abi::nla::AttrWriter;
use ovs_rs_host::abi::uapi::{action_attr as act, ct_attr, key_attr, nat_attr, nf_nat_range};
use ovs_rs_host::actions::action::{Action, Masked, SetKey};
use ovs_rs_host::actions::conntrack::{CtFamily, NatKind};
use ovs_rs_host::actions::rewrite::{apply_set, Csum, CsumMode, RewriteError, SkbMeta};
use ovs_rs_host::actions::validate::{put_actions, validate_actions};
use ovs_rs_host::flow::key::{field, FlowKey};

mod common;
use common::{attr, u32_attr, VecSink};

fn key(eth_type: u16, proto: u8) -> FlowKey {
    let mut k = FlowKey::ZERO;
    k.set_be16(field::ETH_TYPE, eth_type);
    k.set_u8(field::IP_PROTO, proto);
    k
}

fn v4() -> FlowKey {
    key(0x0800, 6)
}

fn v6() -> FlowKey {
    key(0x86dd, 17)
}

fn ct(parts: &[Vec<u8>]) -> Vec<u8> {
    attr(act::CT, &parts.concat())
}

fn nat(parts: &[Vec<u8>]) -> Vec<u8> {
    attr(ct_attr::NAT, &parts.concat())
}

fn flag(kind: u16) -> Vec<u8> {
    attr(kind, &[])
}

fn zone(z: u16) -> Vec<u8> {
    attr(ct_attr::ZONE, &z.to_ne_bytes())
}

fn u16_attr(kind: u16, v: u16) -> Vec<u8> {
    attr(kind, &v.to_ne_bytes())
}

fn validate(stream: &[u8], k: &FlowKey) -> Result<VecSink, Rejection> {
    let mut sink = VecSink::default();
    validate_actions(stream, k, 2, &mut sink)?;
    Ok(sink)
}

fn dump(sink: &VecSink) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let mut w = AttrWriter::new(&mut buf);
    put_actions(&sink.actions, &sink.arena, &sink.cts, &mut w).unwrap();
    w.as_bytes().to_vec()
}

fn refused(stream: &[u8], k: &FlowKey) -> (Errno, String) {
    let r = validate(stream, k).map(|s| s.actions).unwrap_err();
    assert_eq!(r.attr, Some(2));
    (r.errno, r.msg.to_str().unwrap().to_owned())
}

fn einval(msg: &str) -> (Errno, String) {
    (Errno::EINVAL, msg.to_owned())
}

#[test]
fn ct_with_every_plain_attribute_is_typed_and_dumped_as_given() {
    let mut labels = [0u8; 32];
    labels[0] = 0x11;
    labels[16] = 0xff;
    let stream = [
        ct(&[
            flag(ct_attr::COMMIT),
            zone(7),
            attr(
                ct_attr::MARK,
                &[0x2au32.to_ne_bytes(), 0xffu32.to_ne_bytes()].concat(),
            ),
            attr(ct_attr::LABELS, &labels),
            attr(ct_attr::HELPER, b"ftp\0"),
            u32_attr(ct_attr::EVENTMASK, 0x1f),
            attr(ct_attr::TIMEOUT, b"tp1\0"),
        ]),
        u32_attr(act::RECIRC, 1),
    ]
    .concat();
    let sink = validate(&stream, &v4()).unwrap();
    assert_eq!(sink.actions[0], Action::Ct { index: 0 });
    let c = &sink.cts[0];
    assert_eq!(c.family, CtFamily::Ipv4);
    assert_eq!((c.commit, c.force, c.zone, c.ip_proto), (true, false, 7, 6));
    assert_eq!(
        c.mark,
        Some(Masked {
            value: 0x2a,
            mask: 0xff
        })
    );
    assert_eq!(c.labels.unwrap().value[0], 0x11);
    assert_eq!(c.helper.unwrap().as_bytes(), b"ftp");
    assert_eq!(c.helper.unwrap().as_cstr(), c"ftp");
    assert_eq!(c.eventmask, Some(0x1f));
    assert_eq!(c.timeout.unwrap().as_bytes(), b"tp1");
    assert_eq!(c.nat, None);
    // Upstream dumps in the order it was given here.
    assert_eq!(dump(&sink), stream);
    assert_eq!(validate(&dump(&sink), &v4()).unwrap().cts, sink.cts);
}

#[test]
fn a_bare_ct_dumps_its_default_zone_as_upstream() {
    let sink = validate(&ct(&[]), &v6()).unwrap();
    assert_eq!(sink.cts[0].family, CtFamily::Ipv6);
    assert_eq!(dump(&sink), ct(&[zone(0)]));
    // force_commit is dumped as itself, not as commit.
    let sink = validate(&ct(&[flag(ct_attr::FORCE_COMMIT)]), &v4()).unwrap();
    assert!(sink.cts[0].commit && sink.cts[0].force);
    assert_eq!(dump(&sink), ct(&[flag(ct_attr::FORCE_COMMIT), zone(0)]));
}

#[test]
fn ct_refusals_are_upstreams() {
    let k = v4();
    // The family comes from the flow's EtherType.
    assert_eq!(
        refused(&ct(&[]), &key(0x0806, 0)),
        einval("ct family unspecified")
    );
    assert_eq!(
        refused(&ct(&[flag(10)]), &k),
        einval("Unknown conntrack attr")
    );
    assert_eq!(
        refused(&ct(&[flag(0)]), &k),
        einval("Unknown conntrack attr")
    );
    for bad in [
        attr(ct_attr::ZONE, &[0; 4]),
        attr(ct_attr::COMMIT, &[0; 4]),
        attr(ct_attr::MARK, &[0; 4]),
        attr(ct_attr::HELPER, &[]),
        attr(ct_attr::HELPER, &[b'x'; 17]),
        attr(ct_attr::TIMEOUT, &[b'x'; 33]),
    ] {
        assert_eq!(
            refused(&ct(&[bad]), &k),
            einval("Conntrack attr type has unexpected length")
        );
    }
    let mark = |v: u32, m: u32| attr(ct_attr::MARK, &[v.to_ne_bytes(), m.to_ne_bytes()].concat());
    assert_eq!(
        refused(&ct(&[flag(ct_attr::COMMIT), mark(1, 0)]), &k),
        einval("ct_mark mask cannot be 0")
    );
    assert_eq!(
        refused(&ct(&[mark(1, 1)]), &k),
        einval("Setting conntrack mark requires 'commit' flag.")
    );
    assert_eq!(
        refused(&ct(&[attr(ct_attr::LABELS, &[1; 32])]), &k),
        einval("Setting conntrack labels requires 'commit' flag.")
    );
    let mut zero_mask = [0u8; 32];
    zero_mask[0] = 1;
    assert_eq!(
        refused(
            &ct(&[flag(ct_attr::COMMIT), attr(ct_attr::LABELS, &zero_mask)]),
            &k
        ),
        einval("ct_labels mask cannot be 0")
    );
    assert_eq!(
        refused(&ct(&[attr(ct_attr::HELPER, b"ftp")]), &k),
        einval("Invalid conntrack helper")
    );
    assert_eq!(
        refused(&ct(&[attr(ct_attr::TIMEOUT, b"tp")]), &k),
        einval("Invalid conntrack timeout")
    );
    // Bytes after the last attribute.
    let mut trailing = ct(&[zone(1)]);
    trailing[0] += 2;
    trailing.extend_from_slice(&[0, 0, 0, 0]);
    assert_eq!(
        refused(&trailing, &k),
        einval("Conntrack attr has unknown bytes")
    );
    // ct_clear takes no argument.
    assert_eq!(refused(&attr(act::CT_CLEAR, &[0; 4]), &k).0, Errno::EINVAL);
}

#[test]
fn nat_ranges_are_typed_and_dumped_as_upstream() {
    let k = v4();
    let full = ct(&[
        flag(ct_attr::COMMIT),
        nat(&[
            flag(nat_attr::SRC),
            attr(nat_attr::IP_MIN, &[10, 0, 0, 1]),
            attr(nat_attr::IP_MAX, &[10, 0, 0, 5]),
            u16_attr(nat_attr::PROTO_MIN, 1000),
            u16_attr(nat_attr::PROTO_MAX, 2000),
            flag(nat_attr::PERSISTENT),
            flag(nat_attr::PROTO_HASH),
            flag(nat_attr::PROTO_RANDOM),
        ]),
    ]);
    let sink = validate(&full, &k).unwrap();
    let n = sink.cts[0].nat.unwrap();
    assert_eq!(n.kind, Some(NatKind::Src));
    assert_eq!(
        n.range.flags,
        nf_nat_range::MAP_IPS
            | nf_nat_range::PROTO_SPECIFIED
            | nf_nat_range::PERSISTENT
            | nf_nat_range::PROTO_RANDOM
            | nf_nat_range::PROTO_RANDOM_FULLY
    );
    assert_eq!((n.range.min_proto, n.range.max_proto), (1000, 2000));
    assert_eq!(n.range.max_addr[..4], [10, 0, 0, 5]);
    // The zone goes between the commit and the nat, as upstream dumps it.
    let expect = ct(&[
        flag(ct_attr::COMMIT),
        zone(0),
        attr(ct_attr::NAT, &full[4 + 8..]),
    ]);
    assert_eq!(dump(&sink), expect);

    // A missing maximum is the minimum, and a maximum equal to the minimum is not dumped.
    let short = ct(&[
        flag(ct_attr::COMMIT),
        nat(&[
            flag(nat_attr::DST),
            attr(nat_attr::IP_MIN, &[10, 0, 0, 1]),
            u16_attr(nat_attr::PROTO_MIN, 80),
        ]),
    ]);
    let sink = validate(&short, &k).unwrap();
    let n = sink.cts[0].nat.unwrap();
    assert_eq!((n.kind, n.range.max_proto), (Some(NatKind::Dst), 80));
    assert_eq!(n.range.max_addr[..4], [10, 0, 0, 1]);
    let mut bytes = dump(&sink);
    assert_eq!(
        bytes,
        ct(&[
            flag(ct_attr::COMMIT),
            zone(0),
            nat(&[
                flag(nat_attr::DST),
                attr(nat_attr::IP_MIN, &[10, 0, 0, 1]),
                u16_attr(nat_attr::PROTO_MIN, 80),
            ]),
        ])
    );
    bytes.clear();

    // A bare nat, without commit, and IPv6 addresses.
    let sink = validate(&ct(&[nat(&[])]), &k).unwrap();
    assert_eq!(sink.cts[0].nat.unwrap().kind, None);
    assert_eq!(dump(&sink), ct(&[zone(0), nat(&[])]));
    let addr6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let v6_nat = ct(&[
        flag(ct_attr::COMMIT),
        nat(&[flag(nat_attr::SRC), attr(nat_attr::IP_MIN, &addr6)]),
    ]);
    let sink = validate(&v6_nat, &v6()).unwrap();
    assert_eq!(sink.cts[0].nat.unwrap().range.min_addr, addr6);
}

#[test]
fn nat_refusals_are_upstreams() {
    let k = v4();
    let commit = flag(ct_attr::COMMIT);
    assert_eq!(
        refused(&ct(&[nat(&[flag(nat_attr::SRC)])]), &k),
        einval("NAT attributes may be specified only when CT COMMIT flag is also specified.")
    );
    // As upstream, the commit must come before the NAT.
    assert_eq!(
        refused(&ct(&[nat(&[flag(nat_attr::SRC)]), commit.clone()]), &k),
        einval("NAT attributes may be specified only when CT COMMIT flag is also specified.")
    );
    assert_eq!(
        refused(
            &ct(&[commit.clone(), nat(&[flag(nat_attr::PERSISTENT)])]),
            &k
        ),
        einval("NAT flags may be given only when NAT range (SRC or DST) is also specified.")
    );
    assert_eq!(
        refused(
            &ct(&[
                commit.clone(),
                nat(&[flag(nat_attr::SRC), flag(nat_attr::DST)])
            ]),
            &k
        ),
        (
            Errno::ERANGE,
            "Only one type of NAT may be specified".to_owned()
        )
    );
    assert_eq!(
        refused(&ct(&[commit.clone(), nat(&[flag(10)])]), &k),
        einval("Unknown NAT attribute")
    );
    // An IPv6 address on an IPv4 flow, a flag with a payload, a short port.
    for bad in [
        attr(nat_attr::IP_MIN, &[0; 16]),
        attr(nat_attr::SRC, &[0; 4]),
        attr(nat_attr::PROTO_MIN, &[0; 4]),
    ] {
        assert_eq!(
            refused(&ct(&[commit.clone(), nat(&[bad])]), &k),
            einval("NAT attribute type has unexpected length")
        );
    }
}

#[test]
fn ct_clear_and_ct_sets_are_accepted_as_upstream() {
    let k = v4();
    let sink = validate(&attr(act::CT_CLEAR, &[]), &k).unwrap();
    assert_eq!(sink.actions, [Action::CtClear]);
    assert_eq!(dump(&sink), attr(act::CT_CLEAR, &[]));

    // set(ct_mark) and set(ct_labels) install, as upstream's validate_set() lets them...
    let set_mark = attr(act::SET, &attr(key_attr::CT_MARK, &5u32.to_ne_bytes()));
    let sink = validate(&set_mark, &k).unwrap();
    let Action::Set { key: set, .. } = sink.actions[0] else {
        panic!("{:?}", sink.actions);
    };
    assert_eq!(
        set,
        SetKey::CtMark(Masked {
            value: 5,
            mask: u32::MAX
        })
    );
    let labels = attr(
        act::SET_MASKED,
        &attr(key_attr::CT_LABELS, &[[1u8; 16], [1u8; 16]].concat()),
    );
    assert!(matches!(
        validate(&labels, &k).unwrap().actions[0],
        Action::Set {
            key: SetKey::CtLabels(_),
            ..
        }
    ));
    // ... and every packet reaching them fails, as upstream's execute_masked_set_action().
    let mut frame = [0u8; 64];
    let mut flow = FlowKey::ZERO;
    let mut csum = Csum::new(CsumMode::None, 0);
    let meta = SkbMeta {
        priority: 0,
        mark: 0,
    };
    assert_eq!(
        apply_set(&mut frame, 14, Some(34), &set, meta, &mut flow, &mut csum),
        Err(RewriteError::ConntrackField)
    );
    assert_eq!(RewriteError::ConntrackField.errno(), Errno::EINVAL);
}

// ---- The key after conntrack (flow/conntrack.rs) ----------------------------------------

use ovs_rs_host::abi::uapi::{ct_state as cs, nf_ct};
use ovs_rs_host::flow::conntrack::{ct_key, state_of_ctinfo, ConnFields, Source, Tracked};

fn conn_v4(proto: u8) -> ConnFields {
    let mut c = ConnFields {
        l3num: 2,
        protonum: proto,
        zone: 3,
        mark: 0x77,
        confirmed: true,
        orig_src_port: 1000u16.to_be_bytes(),
        orig_dst_port: 80u16.to_be_bytes(),
        orig_icmp_type: 8,
        orig_icmp_code: 0,
        ..ConnFields::default()
    };
    c.orig_src[..4].copy_from_slice(&[10, 0, 0, 1]);
    c.orig_dst[..4].copy_from_slice(&[10, 0, 0, 2]);
    // Whatever the rest of the union holds is not the key's.
    c.orig_src[4..].fill(0xee);
    c
}

#[test]
fn ctinfo_gives_upstreams_state_bits() {
    let t = cs::TRACKED as u8;
    for (ctinfo, want) in [
        (nf_ct::IP_CT_NEW, t | cs::NEW as u8),
        (nf_ct::IP_CT_ESTABLISHED, t | cs::ESTABLISHED as u8),
        (nf_ct::IP_CT_RELATED, t | cs::RELATED as u8),
        (
            nf_ct::IP_CT_ESTABLISHED_REPLY,
            t | (cs::ESTABLISHED | cs::REPLY_DIR) as u8,
        ),
        (
            nf_ct::IP_CT_RELATED_REPLY,
            t | (cs::RELATED | cs::REPLY_DIR) as u8,
        ),
    ] {
        assert_eq!(state_of_ctinfo(ctinfo), want, "{ctinfo}");
    }
}

#[test]
fn the_key_reads_the_connection_as_upstream() {
    let k = key(0x0800, 6);
    let tracked = |conn: ConnFields, master: Option<ConnFields>, ctinfo: u32| {
        Source::Tracked(Tracked {
            ctinfo,
            conn,
            master,
        })
    };
    let c = ct_key(
        &k,
        &tracked(conn_v4(6), None, nf_ct::IP_CT_ESTABLISHED),
        false,
    );
    assert_eq!(c.state, (cs::TRACKED | cs::ESTABLISHED) as u8);
    assert_eq!((c.zone, c.mark, c.orig_proto), (3, 0x77, 6));
    assert_eq!(
        c.orig_src,
        [10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!((c.orig_tp_src, c.orig_tp_dst), ([3, 0xe8], [0, 80]));

    // Unconfirmed is new; a master makes it related for life, and gives the tuple and the
    // labels of an unconfirmed one.
    let mut child = conn_v4(17);
    child.confirmed = false;
    child.labels = Some([1; 16]);
    let mut master = conn_v4(6);
    master.labels = Some([9; 16]);
    let c = ct_key(
        &k,
        &tracked(child, Some(master), nf_ct::IP_CT_RELATED),
        false,
    );
    assert_eq!(c.state, (cs::TRACKED | cs::NEW | cs::RELATED) as u8);
    assert_eq!((c.labels, c.orig_proto), ([9; 16], 6));
    child.confirmed = true;
    let c = ct_key(
        &k,
        &tracked(child, Some(master), nf_ct::IP_CT_ESTABLISHED),
        false,
    );
    assert_eq!(c.labels, [1; 16]);

    // ICMP's tuple is its type and code.
    let c = ct_key(&k, &tracked(conn_v4(1), None, nf_ct::IP_CT_NEW), false);
    assert_eq!((c.orig_tp_src, c.orig_tp_dst), ([0, 8], [0, 0]));

    // NAT bits from the connection, or kept from the key.
    let mut natted = conn_v4(6);
    natted.status = nf_ct::IPS_SRC_NAT;
    let c = ct_key(&k, &tracked(natted, None, nf_ct::IP_CT_ESTABLISHED), false);
    assert_ne!(c.state & cs::SRC_NAT as u8, 0);
    let c = ct_key(&k, &tracked(natted, None, nf_ct::IP_CT_ESTABLISHED), true);
    assert_eq!(c.state & cs::NAT_MASK as u8, 0);

    // A connection of the other IP version gives no tuple.
    let c = ct_key(
        &key(0x86dd, 6),
        &tracked(conn_v4(6), None, nf_ct::IP_CT_NEW),
        false,
    );
    assert_eq!(c.orig_proto, 0);

    // Invalid after ct: tracked and invalid, in the action's zone; untracked: all zero.
    let c = ct_key(&k, &Source::InvalidAfterCt { zone: 9 }, true);
    assert_eq!((c.state, c.zone), ((cs::TRACKED | cs::INVALID) as u8, 9));
    assert_eq!(ct_key(&k, &Source::Untracked, false), Default::default());
}
