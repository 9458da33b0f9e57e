// SPDX-License-Identifier: GPL-2.0
//! The `ovs_packet` family: `OVS_PACKET_CMD_EXECUTE`, and the family upcalls are sent in.
//!
//! Upstream counterpart: `ovs_packet_cmd_execute`, `packet_policy` and
//! `dp_packet_genl_family` in `net/openvswitch/datapath.c`.

use kernel::prelude::*;

use super::Result;

use crate::abi::errno::OvsError;

use crate::abi::dp_attrs::ovs_header_dp_ifindex;
use crate::abi::packet_attrs::PacketAttrs;
use crate::abi::uapi::{packet_attr, packet_cmd, OVS_HEADER_LEN};
use crate::abi::uapi::{OVS_PACKET_FAMILY, OVS_PACKET_VERSION};
use crate::actions::validate::validate_actions;
use crate::datapath::flow_table::FlowActions;
use crate::datapath::{self, execute};
use crate::flow::extract::{extract, ETH_P_802_2, ETH_P_802_3_MIN};
use crate::flow::key::FlowKey;
use crate::flow::key_nla::parse_packet_meta;
use crate::net::genl::{DoIt, FamilySpec, Op, Permission, Request};
use crate::net::policy::Policy;
use crate::net::skb::SkBuff;
use crate::net::sync::{local_bh_disable, ovs_lock, rcu_read_lock};

/// Upstream's `packet_policy`; checked again by `PacketAttrs::parse`.
static POLICY: [Policy; packet_attr::MAX as usize + 1] = [
    Policy::unspec(), // UNSPEC
    Policy::unspec(), // PACKET (binary, at least ETH_HLEN)
    Policy::unspec(), // KEY (nested)
    Policy::unspec(), // ACTIONS (nested)
    Policy::unspec(), // USERDATA
    Policy::unspec(), // EGRESS_TUN_KEY
    Policy::unspec(), // UNUSED1
    Policy::unspec(), // UNUSED2
    Policy::unspec(), // PROBE (flag)
    Policy::unspec(), // MRU (u16)
    Policy::unspec(), // LEN
    Policy::unspec(), // HASH (u64)
];

static OPS: [Op; 1] = [Op::new(packet_cmd::EXECUTE, Permission::NetnsAdmin).doit::<Execute>()];

pub(super) static FAMILY: FamilySpec = FamilySpec {
    name: OVS_PACKET_FAMILY,
    version: OVS_PACKET_VERSION,
    hdrsize: OVS_HEADER_LEN,
    policy: &POLICY,
    ops: &OPS,
    mcgrps: &[],
    resv_start_op: packet_cmd::EXECUTE + 1,
    handle: &datapath::upcall::UPCALL_FAMILY,
};

/// `OVS_PACKET_CMD_EXECUTE`: runs actions on a packet from userspace.
struct Execute;

impl DoIt for Execute {
    fn doit(req: &Request<'_>) -> Result<(), OvsError> {
        let attrs = PacketAttrs::parse(|n| req.attr(n))?;
        let ex = attrs.execute_request()?;
        let meta = parse_packet_meta(ex.key)?;
        let mut skb = SkBuff::from_frame(ex.packet)?;
        // Upstream: an EtherType below 0x600 is a length, so the protocol is 802.2.
        let eth_type = ex
            .packet
            .get(12..14)
            .map_or(ETH_P_802_2, |b| u16::from_be_bytes([b[0], b[1]]));
        skb.set_protocol(if eth_type >= ETH_P_802_3_MIN {
            eth_type
        } else {
            ETH_P_802_2
        });
        let mut key = FlowKey::ZERO;
        // The skb holds a copy of `ex.packet`: the same header offsets.
        let layout = extract(ex.packet, &meta, &mut key);
        let mut actions = FlowActions::default();
        validate_actions(ex.actions, &key, packet_attr::ACTIONS, &mut actions)?;
        // A timeout policy that cannot be attached is not an error (upstream logs it).
        actions.prepare(req.net())?;
        // What upstream sets on the packet besides its bytes: the MRU (and `ignore_df`
        // with one), the hash userspace gave, the priority and mark of the key, and the
        // headers `key_extract()` finds.
        let setup = ex.skb_setup(&meta, &layout);
        if setup.ignore_df {
            skb.set_ignore_df();
        }
        if let Some(h) = setup.hash {
            skb.set_hash(h.hash, h.sw, h.l4);
        }
        skb.set_priority_mark(setup.priority, setup.mark);
        skb.set_network_header(setup.network)?;
        if let Some(transport) = setup.transport {
            skb.set_transport_header(transport)?;
        }
        let dp_ifindex = ovs_header_dp_ifindex(req.user_header())?;
        let dp = {
            let lock = ovs_lock();
            datapath::find_by_ifindex(req.net(), dp_ifindex, &lock)
                .ok_or(OvsError::from(ENODEV))?
                .clone()
        };
        let _bh = local_bh_disable();
        let rcu = rcu_read_lock();
        // Upstream requires the input port (or the local port) to exist, and the packet
        // arrives on its device (the flow dissector, for a hash action, needs skb->dev).
        let input = dp
            .port(key.u32_at(crate::flow::key::field::IN_PORT), &rcu)
            .or_else(|| dp.port(0, &rcu))
            .ok_or(OvsError::from(ENODEV))?;
        skb.set_dev(&input.dev);
        execute::run(
            &dp,
            skb,
            &mut key,
            Some(layout),
            &actions,
            &rcu,
            0,
            setup.mru,
        );
        Ok(())
    }
}
