// SPDX-License-Identifier: GPL-2.0
//! `actions`: action validation into typed actions and their dump (`actions/validate.rs`,
//! `actions/action.rs`).
//!
//! Input: 3 control bytes choosing the flow key the actions are checked against (EtherType,
//! IP protocol, fragment type) and a limit for a sink that runs out of memory, then the
//! ACTIONS stream.
//! Invariants: rejections are `OVS_FLOW_ATTR_ACTIONS`'s, with upstream's errnos; a list
//! that validates is well formed (bodies inside their parents, nesting within
//! `MAX_DEPTH`, drop last, arena references inside the arena, values in range); its dump
//! validates again to the same list and arena; a sink that runs out of memory fails with
//! its errno, or gives the same list.

use ovs_rs_host::abi::errno::{Errno, Rejection};
use ovs_rs_host::abi::uapi::{flow_attr, DP_MAX_PORTS};
use ovs_rs_host::actions::action::{
    Action, ActionSink, ArenaRef, SetForm, SetKey, MAX_DEPTH, VLAN_CFI_MASK,
};
use ovs_rs_host::actions::conntrack::CtAction;
use ovs_rs_host::actions::validate::{put_actions, validate_actions};
use ovs_rs_host::flow::extract::{ETH_HLEN, ETH_P_8021AD, ETH_P_8021Q};
use ovs_rs_host::flow::key::{field as kf, FlowKey};

/// The kernel's sink is two fallible vectors; this one can be told to run out of memory.
#[derive(Default)]
pub struct VecSink {
    pub actions: Vec<Action>,
    pub arena: Vec<u8>,
    pub cts: Vec<CtAction>,
    pub max_actions: Option<usize>,
}

impl ActionSink for VecSink {
    fn push(&mut self, a: Action) -> Result<(), Errno> {
        if self.max_actions.is_some_and(|m| self.actions.len() >= m) {
            return Err(Errno::ENOMEM);
        }
        self.actions.push(a);
        Ok(())
    }

    fn push_bytes(&mut self, b: &[u8]) -> Result<ArenaRef, Errno> {
        let off = u32::try_from(self.arena.len()).map_err(|_| Errno::ENOMEM)?;
        let len = u32::try_from(b.len()).map_err(|_| Errno::ENOMEM)?;
        self.arena.extend_from_slice(b);
        Ok(ArenaRef { off, len })
    }

    fn len(&self) -> usize {
        self.actions.len()
    }

    fn action_mut(&mut self, at: usize) -> Option<&mut Action> {
        self.actions.get_mut(at)
    }

    fn push_ct(&mut self, ct: CtAction) -> Result<u16, Errno> {
        let index = u16::try_from(self.cts.len()).map_err(|_| Errno::ENOMEM)?;
        self.cts.push(ct);
        Ok(index)
    }
}

const ETH_TYPES: [u16; 8] = [
    0x0800, 0x86dd, 0x0806, 0x8100, 0x0000, 0x88a8, 0x0004, 0x1234,
];
const IP_PROTOS: [u8; 8] = [6, 17, 1, 58, 132, 0, 44, 255];

/// A flow key as the validator sees it: masked by the flow's mask, so any field may be 0.
fn key_of(c: [u8; 3]) -> FlowKey {
    let mut key = FlowKey::ZERO;
    key.set_be16(kf::ETH_TYPE, ETH_TYPES[usize::from(c[0] & 7)]);
    key.set_u8(kf::IP_PROTO, IP_PROTOS[usize::from((c[0] >> 3) & 7)]);
    key.set_u8(kf::IP_FRAG, c[1] % 3);
    key.set_u32(kf::IN_PORT, u32::from(c[1] >> 2));
    key
}

pub fn validate(stream: &[u8], key: &FlowKey, limit: Option<usize>) -> Result<VecSink, Rejection> {
    let mut sink = VecSink {
        max_actions: limit,
        ..Default::default()
    };
    validate_actions(stream, key, flow_attr::ACTIONS, &mut sink).map(|()| sink)
}

pub fn run(data: &[u8]) {
    let (c, stream) = crate::control::<3>(data);
    let key = key_of(c);
    let full = validate(stream, &key, None);
    let limit = usize::from(c[2] & 0x1f);
    let limited = validate(stream, &key, Some(limit));
    match (&full, &limited) {
        (Ok(f), Ok(l)) => {
            assert_eq!(f.actions, l.actions);
            assert_eq!(f.arena, l.arena);
        }
        (Ok(f), Err(r)) => {
            assert!(f.actions.len() > limit);
            assert_eq!(r.errno, Errno::ENOMEM);
        }
        (Err(r), _) => {
            assert_eq!(r.attr, Some(flow_attr::ACTIONS));
            assert!(
                [
                    Errno::EINVAL,
                    Errno::ERANGE,
                    Errno::EOVERFLOW,
                    Errno::EMSGSIZE
                ]
                .contains(&r.errno),
                "{r:?}"
            );
        }
    }
    let Ok(sink) = full else { return };
    well_formed(&sink);

    let cap = stream.len() * 2 + 64;
    let dumped = crate::write(cap, |w| {
        put_actions(&sink.actions, &sink.arena, &sink.cts, w)
    })
    .unwrap_or_else(|e| panic!("a validated list does not dump: {e:?}"));
    let again = validate(&dumped, &key, None)
        .unwrap_or_else(|r| panic!("a dumped list does not validate: {r:?}\n{dumped:02x?}"));
    assert_eq!(again.actions, sink.actions, "dump changed the actions");
    assert_eq!(again.arena, sink.arena, "dump changed the arena");
    assert_eq!(again.cts, sink.cts, "dump changed the ct actions");
    let redumped = crate::write(cap, |w| {
        put_actions(&again.actions, &again.arena, &again.cts, w)
    })
    .expect("dumps once, dumps twice");
    assert_eq!(redumped, dumped);
}

/// What the validator promises of a list it accepts.
fn well_formed(sink: &VecSink) {
    let acts = &sink.actions;
    // The ends of the open bodies, innermost last.
    let mut ends: Vec<usize> = Vec::new();
    for (i, a) in acts.iter().enumerate() {
        while ends.last() == Some(&i) {
            ends.pop();
        }
        let list_end = ends.last().copied().unwrap_or(acts.len());
        match *a {
            Action::Output { port } => assert!(port < DP_MAX_PORTS),
            Action::Userspace(u) => {
                assert_ne!(u.pid, 0);
                let raw = u
                    .raw
                    .get(&sink.arena)
                    .expect("userspace bytes in the arena");
                if let Some(d) = u.userdata {
                    let data = d.get(&sink.arena).expect("userdata in the arena");
                    let (start, end) = (u.raw.off, u.raw.off + u.raw.len);
                    assert!(
                        d.off >= start && d.off + d.len <= end,
                        "userdata outside raw"
                    );
                    assert!(data.len() <= raw.len());
                }
            }
            Action::Set { key, form } => {
                if let SetForm::Masked { key_flags, .. } = form {
                    assert_eq!(key_flags & 0x3fff, 0);
                    let len = key.key_len();
                    let (mut v, mut m) = ([0u8; 40], [0u8; 40]);
                    key.write(false, &mut v[..len]);
                    key.write(true, &mut m[..len]);
                    assert!(
                        v.iter().zip(&m).all(|(v, m)| v & !m == 0),
                        "masked set value outside its mask"
                    );
                }
                if let SetKey::Ipv6(m) = key {
                    assert_eq!(u32::from_be_bytes(m.value.label) >> 20, 0);
                    assert_eq!(u32::from_be_bytes(m.mask.label) >> 20, 0);
                }
            }
            Action::PushVlan { tpid, tci } => {
                assert!(tpid == ETH_P_8021Q || tpid == ETH_P_8021AD);
                assert_ne!(tci & VLAN_CFI_MASK, 0);
            }
            Action::Trunc { max_len } => assert!(max_len >= ETH_HLEN as u32),
            Action::Drop { .. } => assert_eq!(i + 1, list_end, "drop is not last"),
            Action::Ct { index } => {
                let ct = sink.cts.get(usize::from(index)).expect("ct arguments kept");
                assert!(ct.commit || (ct.mark.is_none() && ct.labels.is_none()));
                assert!(!ct.force || ct.commit);
            }
            Action::CtClear => {}
            Action::Clone { body_len, .. } | Action::Sample { body_len, .. } => {
                let end = i + 1 + usize::from(body_len);
                assert!(end <= list_end, "body overruns its parent");
                ends.push(end);
                assert!(ends.len() <= MAX_DEPTH, "nested deeper than MAX_DEPTH");
            }
            Action::PopVlan | Action::Recirc { .. } | Action::Hash { .. } => {}
        }
    }
}
