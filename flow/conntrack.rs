// SPDX-License-Identifier: GPL-2.0
//! The flow key's conntrack fields, from what conntrack says of a packet and its connection.
//!
//! Upstream counterpart: `ovs_ct_get_state()`, `ovs_ct_update_key()` and
//! `__ovs_ct_update_key()` in `net/openvswitch/conntrack.c`. The connection's fields come
//! from the kernel (`net/conntrack.rs` reads them); what they mean for the key is decided
//! here. Pure: shared with the host crate.

use super::extract::{ETH_P_IP, ETH_P_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6};
use super::key::{field, CtKey, FlowKey};
use crate::abi::uapi::{ct_state as cs, nf_ct};

const NFPROTO_IPV4: u8 = 2;
const NFPROTO_IPV6: u8 = 10;
const NDISC_NEIGHBOUR_SOLICITATION: u16 = 135;
const NDISC_NEIGHBOUR_ADVERTISEMENT: u16 = 136;

/// A connection's fields (`struct nf_conn`), as the key needs them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnFields {
    /// `IPS_*` bits.
    pub status: u32,
    pub mark: u32,
    pub zone: u16,
    /// `NFPROTO_*` of the connection.
    pub l3num: u8,
    pub protonum: u8,
    pub confirmed: bool,
    /// The labels extension, if the connection has one.
    pub labels: Option<[u8; 16]>,
    /// The original direction's tuple: addresses (IPv4 in the first 4 bytes) and ports in
    /// network order, and for ICMP the type and code.
    pub orig_src: [u8; 16],
    pub orig_dst: [u8; 16],
    pub orig_src_port: [u8; 2],
    pub orig_dst_port: [u8; 2],
    pub orig_icmp_type: u8,
    pub orig_icmp_code: u8,
}

/// A packet's connection as the key sees it: its own fields and its master's (a related
/// connection's expectation owner), if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracked {
    /// The packet's `enum ip_conntrack_info`.
    pub ctinfo: u32,
    pub conn: ConnFields,
    pub master: Option<ConnFields>,
}

/// `ovs_ct_get_state()`: the state bits `ctinfo` alone gives.
pub fn state_of_ctinfo(ctinfo: u32) -> u8 {
    let mut state = cs::TRACKED;
    if matches!(
        ctinfo,
        nf_ct::IP_CT_ESTABLISHED_REPLY | nf_ct::IP_CT_RELATED_REPLY
    ) {
        state |= cs::REPLY_DIR;
    }
    state |= match ctinfo {
        nf_ct::IP_CT_ESTABLISHED | nf_ct::IP_CT_ESTABLISHED_REPLY => cs::ESTABLISHED,
        nf_ct::IP_CT_RELATED | nf_ct::IP_CT_RELATED_REPLY => cs::RELATED,
        nf_ct::IP_CT_NEW => cs::NEW,
        _ => 0,
    };
    // Every bit is below 0x100.
    u8::try_from(state).unwrap_or(0)
}

/// Where the key's state comes from in `ovs_ct_update_key()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The packet's skb has a connection.
    Tracked(Tracked),
    /// It has none, but went through the `ct` action (of `zone`): invalid.
    InvalidAfterCt { zone: u16 },
    /// It has none and was never tracked by us.
    Untracked,
}

/// `ovs_ct_update_key()`: the conntrack fields of `key`'s packet. `keep_nat` keeps the key's
/// NAT bits instead of reading them from the connection (a lookup that has not yet done
/// its NAT).
pub fn ct_key(key: &FlowKey, source: &Source, keep_nat: bool) -> CtKey {
    let (state, zone, tracked) = match source {
        Source::Tracked(t) => {
            let mut state = state_of_ctinfo(t.ctinfo);
            let c = &t.conn;
            // All unconfirmed entries are new connections.
            if !c.confirmed {
                state |= cs::NEW as u8;
            }
            // OVS keeps the related flag for the connection's lifetime.
            if t.master.is_some() {
                state |= cs::RELATED as u8;
            }
            if keep_nat {
                state |= key.u8_at(field::CT_STATE) & cs::NAT_MASK as u8;
            } else {
                if c.status & nf_ct::IPS_SRC_NAT != 0 {
                    state |= cs::SRC_NAT as u8;
                }
                if c.status & nf_ct::IPS_DST_NAT != 0 {
                    state |= cs::DST_NAT as u8;
                }
            }
            (state, c.zone, Some(t))
        }
        Source::InvalidAfterCt { zone } => ((cs::TRACKED | cs::INVALID) as u8, *zone, None),
        Source::Untracked => (0, 0, None),
    };
    let mut ct = CtKey {
        state,
        zone,
        ..CtKey::default()
    };
    let Some(t) = tracked else {
        return ct;
    };
    ct.mark = t.conn.mark;
    // An unconfirmed related connection shows its master's labels.
    let labels_of = match t.master {
        Some(m) if !t.conn.confirmed => m.labels,
        _ => t.conn.labels,
    };
    ct.labels = labels_of.unwrap_or_default();
    // The original tuple is the master's, if there is one, and only of the key's IP
    // version (and never for neighbour discovery, whose fields upstream's tuple shares).
    let orig = t.master.as_ref().unwrap_or(&t.conn);
    let icmp = match (key.be16(field::ETH_TYPE), orig.l3num) {
        (ETH_P_IP, NFPROTO_IPV4) => IPPROTO_ICMP,
        (ETH_P_IPV6, NFPROTO_IPV6) if !is_nd(key) => IPPROTO_ICMPV6,
        _ => return ct,
    };
    ct.orig_proto = orig.protonum;
    ct.orig_src = orig.orig_src;
    ct.orig_dst = orig.orig_dst;
    if orig.protonum == icmp {
        ct.orig_tp_src = u16::from(orig.orig_icmp_type).to_be_bytes();
        ct.orig_tp_dst = u16::from(orig.orig_icmp_code).to_be_bytes();
    } else {
        ct.orig_tp_src = orig.orig_src_port;
        ct.orig_tp_dst = orig.orig_dst_port;
    }
    if orig.l3num == NFPROTO_IPV4 {
        // Only 4 bytes of an IPv4 address are the key's.
        ct.orig_src[4..].fill(0);
        ct.orig_dst[4..].fill(0);
    }
    ct
}

/// `sw_flow_key_is_nd()`.
fn is_nd(key: &FlowKey) -> bool {
    key.be16(field::ETH_TYPE) == ETH_P_IPV6
        && key.u8_at(field::IP_PROTO) == IPPROTO_ICMPV6
        && key.be16(field::TP_DST) == 0
        && matches!(
            key.be16(field::TP_SRC),
            NDISC_NEIGHBOUR_SOLICITATION | NDISC_NEIGHBOUR_ADVERTISEMENT
        )
}
