//! Numbers of the OVS generic-netlink ABI, transcribed from upstream's
//! include/uapi/linux/openvswitch.h (OVS: datapath/linux/compat/include/linux/openvswitch.h).
//!
//! Only the constants ovsdp uses are listed; names keep the C spelling so a
//! reader can grep the header.

#![allow(missing_docs)]

pub const OVS_DATAPATH_FAMILY: &str = "ovs_datapath";
pub const OVS_VPORT_FAMILY: &str = "ovs_vport";
pub const OVS_FLOW_FAMILY: &str = "ovs_flow";
pub const OVS_PACKET_FAMILY: &str = "ovs_packet";

pub const OVS_DATAPATH_VERSION: u8 = 2;
pub const OVS_VPORT_VERSION: u8 = 1;
pub const OVS_FLOW_VERSION: u8 = 1;
pub const OVS_PACKET_VERSION: u8 = 1;

// enum ovs_datapath_cmd / ovs_vport_cmd / ovs_flow_cmd share these values.
pub const CMD_NEW: u8 = 1;
pub const CMD_DEL: u8 = 2;
pub const CMD_GET: u8 = 3;
pub const CMD_SET: u8 = 4;

// enum ovs_datapath_attr
pub const OVS_DP_ATTR_NAME: u16 = 1;
pub const OVS_DP_ATTR_UPCALL_PID: u16 = 2;
pub const OVS_DP_ATTR_STATS: u16 = 3;
pub const OVS_DP_ATTR_MEGAFLOW_STATS: u16 = 4;
pub const OVS_DP_ATTR_USER_FEATURES: u16 = 5;
pub const OVS_DP_ATTR_MASKS_CACHE_SIZE: u16 = 7;
pub const OVS_DP_ATTR_PER_CPU_PIDS: u16 = 8;
pub const OVS_DP_ATTR_IFINDEX: u16 = 9;

pub const OVS_DP_F_UNALIGNED: u32 = 1 << 0;
pub const OVS_DP_F_VPORT_PIDS: u32 = 1 << 1;
pub const OVS_DP_F_TC_RECIRC_SHARING: u32 = 1 << 2;
pub const OVS_DP_F_DISPATCH_UPCALL_PER_CPU: u32 = 1 << 3;

// enum ovs_packet_cmd
pub const OVS_PACKET_CMD_MISS: u8 = 1;
pub const OVS_PACKET_CMD_ACTION: u8 = 2;
pub const OVS_PACKET_CMD_EXECUTE: u8 = 3;

// enum ovs_packet_attr
pub const OVS_PACKET_ATTR_PACKET: u16 = 1;
pub const OVS_PACKET_ATTR_KEY: u16 = 2;
pub const OVS_PACKET_ATTR_ACTIONS: u16 = 3;
pub const OVS_PACKET_ATTR_USERDATA: u16 = 4;
pub const OVS_PACKET_ATTR_MRU: u16 = 9;
pub const OVS_PACKET_ATTR_LEN: u16 = 10;
pub const OVS_PACKET_ATTR_HASH: u16 = 11;

// enum ovs_vport_type
pub const OVS_VPORT_TYPE_NETDEV: u32 = 1;
pub const OVS_VPORT_TYPE_INTERNAL: u32 = 2;
pub const OVS_VPORT_TYPE_GRE: u32 = 3;
pub const OVS_VPORT_TYPE_VXLAN: u32 = 4;
pub const OVS_VPORT_TYPE_GENEVE: u32 = 5;

// enum ovs_vport_attr
pub const OVS_VPORT_ATTR_PORT_NO: u16 = 1;
pub const OVS_VPORT_ATTR_TYPE: u16 = 2;
pub const OVS_VPORT_ATTR_NAME: u16 = 3;
pub const OVS_VPORT_ATTR_OPTIONS: u16 = 4;
pub const OVS_VPORT_ATTR_UPCALL_PID: u16 = 5;
pub const OVS_VPORT_ATTR_STATS: u16 = 6;
pub const OVS_VPORT_ATTR_IFINDEX: u16 = 8;
pub const OVS_VPORT_ATTR_NETNSID: u16 = 9;

// enum ovs_flow_attr
pub const OVS_FLOW_ATTR_KEY: u16 = 1;
pub const OVS_FLOW_ATTR_ACTIONS: u16 = 2;
pub const OVS_FLOW_ATTR_STATS: u16 = 3;
pub const OVS_FLOW_ATTR_TCP_FLAGS: u16 = 4;
pub const OVS_FLOW_ATTR_USED: u16 = 5;
pub const OVS_FLOW_ATTR_CLEAR: u16 = 6;
pub const OVS_FLOW_ATTR_MASK: u16 = 7;
pub const OVS_FLOW_ATTR_PROBE: u16 = 8;
pub const OVS_FLOW_ATTR_UFID: u16 = 9;
pub const OVS_FLOW_ATTR_UFID_FLAGS: u16 = 10;

// enum ovs_key_attr
pub const OVS_KEY_ATTR_ENCAP: u16 = 1;
pub const OVS_KEY_ATTR_PRIORITY: u16 = 2;
pub const OVS_KEY_ATTR_IN_PORT: u16 = 3;
pub const OVS_KEY_ATTR_ETHERNET: u16 = 4;
pub const OVS_KEY_ATTR_VLAN: u16 = 5;
pub const OVS_KEY_ATTR_ETHERTYPE: u16 = 6;
pub const OVS_KEY_ATTR_IPV4: u16 = 7;
pub const OVS_KEY_ATTR_IPV6: u16 = 8;
pub const OVS_KEY_ATTR_TCP: u16 = 9;
pub const OVS_KEY_ATTR_UDP: u16 = 10;
pub const OVS_KEY_ATTR_ICMP: u16 = 11;
pub const OVS_KEY_ATTR_ICMPV6: u16 = 12;
pub const OVS_KEY_ATTR_ARP: u16 = 13;
pub const OVS_KEY_ATTR_ND: u16 = 14;
pub const OVS_KEY_ATTR_SKB_MARK: u16 = 15;
pub const OVS_KEY_ATTR_TUNNEL: u16 = 16;
pub const OVS_KEY_ATTR_SCTP: u16 = 17;
pub const OVS_KEY_ATTR_TCP_FLAGS: u16 = 18;
pub const OVS_KEY_ATTR_DP_HASH: u16 = 19;
pub const OVS_KEY_ATTR_RECIRC_ID: u16 = 20;
pub const OVS_KEY_ATTR_MPLS: u16 = 21;
pub const OVS_KEY_ATTR_CT_STATE: u16 = 22;
pub const OVS_KEY_ATTR_CT_ZONE: u16 = 23;
pub const OVS_KEY_ATTR_CT_MARK: u16 = 24;
pub const OVS_KEY_ATTR_CT_LABELS: u16 = 25;
pub const OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4: u16 = 26;
pub const OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6: u16 = 27;
pub const OVS_KEY_ATTR_NSH: u16 = 28;
pub const OVS_KEY_ATTR_IPV6_EXTHDRS: u16 = 32;

// enum ovs_frag_type
pub const OVS_FRAG_TYPE_NONE: u8 = 0;
pub const OVS_FRAG_TYPE_FIRST: u8 = 1;
pub const OVS_FRAG_TYPE_LATER: u8 = 2;

// enum ovs_action_attr
pub const OVS_ACTION_ATTR_OUTPUT: u16 = 1;
pub const OVS_ACTION_ATTR_USERSPACE: u16 = 2;
pub const OVS_ACTION_ATTR_SET: u16 = 3;
pub const OVS_ACTION_ATTR_PUSH_VLAN: u16 = 4;
pub const OVS_ACTION_ATTR_POP_VLAN: u16 = 5;
pub const OVS_ACTION_ATTR_SAMPLE: u16 = 6;
pub const OVS_ACTION_ATTR_RECIRC: u16 = 7;
pub const OVS_ACTION_ATTR_HASH: u16 = 8;
pub const OVS_ACTION_ATTR_PUSH_MPLS: u16 = 9;
pub const OVS_ACTION_ATTR_POP_MPLS: u16 = 10;
pub const OVS_ACTION_ATTR_SET_MASKED: u16 = 11;
pub const OVS_ACTION_ATTR_CT: u16 = 12;
pub const OVS_ACTION_ATTR_TRUNC: u16 = 13;
pub const OVS_ACTION_ATTR_PUSH_ETH: u16 = 14;
pub const OVS_ACTION_ATTR_POP_ETH: u16 = 15;
pub const OVS_ACTION_ATTR_CT_CLEAR: u16 = 16;
pub const OVS_ACTION_ATTR_PUSH_NSH: u16 = 17;
pub const OVS_ACTION_ATTR_POP_NSH: u16 = 18;
pub const OVS_ACTION_ATTR_METER: u16 = 19;
pub const OVS_ACTION_ATTR_CLONE: u16 = 20;
pub const OVS_ACTION_ATTR_CHECK_PKT_LEN: u16 = 21;
pub const OVS_ACTION_ATTR_ADD_MPLS: u16 = 22;
pub const OVS_ACTION_ATTR_DEC_TTL: u16 = 23;
pub const OVS_ACTION_ATTR_DROP: u16 = 24;
pub const OVS_ACTION_ATTR_PSAMPLE: u16 = 25;

// enum ovs_userspace_attr
pub const OVS_USERSPACE_ATTR_PID: u16 = 1;
pub const OVS_USERSPACE_ATTR_USERDATA: u16 = 2;
pub const OVS_USERSPACE_ATTR_EGRESS_TUN_PORT: u16 = 3;
pub const OVS_USERSPACE_ATTR_ACTIONS: u16 = 4;

// enum ovs_sample_attr
pub const OVS_SAMPLE_ATTR_PROBABILITY: u16 = 1;
pub const OVS_SAMPLE_ATTR_ACTIONS: u16 = 2;

// enum ovs_hash_alg
pub const OVS_HASH_ALG_L4: u32 = 0;
pub const OVS_HASH_ALG_SYM_L4: u32 = 1;

// enum ovs_ct_attr
pub const OVS_CT_ATTR_COMMIT: u16 = 1;
pub const OVS_CT_ATTR_ZONE: u16 = 2;
pub const OVS_CT_ATTR_MARK: u16 = 3;
pub const OVS_CT_ATTR_LABELS: u16 = 4;
pub const OVS_CT_ATTR_HELPER: u16 = 5;
pub const OVS_CT_ATTR_NAT: u16 = 6;
pub const OVS_CT_ATTR_FORCE_COMMIT: u16 = 7;
pub const OVS_CT_ATTR_EVENTMASK: u16 = 8;
pub const OVS_CT_ATTR_TIMEOUT: u16 = 9;

// enum ovs_check_pkt_len_attr
pub const OVS_CHECK_PKT_LEN_ATTR_PKT_LEN: u16 = 1;
pub const OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER: u16 = 2;
pub const OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL: u16 = 3;

// enum ovs_dec_ttl_attr
pub const OVS_DEC_TTL_ATTR_ACTION: u16 = 1;

// enum ovs_psample_attr
pub const OVS_PSAMPLE_ATTR_GROUP: u16 = 1;
pub const OVS_PSAMPLE_ATTR_COOKIE: u16 = 2;

// Ethernet types used by the text syntax.
pub const ETH_TYPE_VLAN: u16 = 0x8100;
pub const VLAN_CFI: u16 = 0x1000;
pub const VLAN_VID_MASK: u16 = 0x0fff;
pub const VLAN_PCP_MASK: u16 = 0xe000;
pub const VLAN_PCP_SHIFT: u16 = 13;

/// Byte sizes of the fixed-layout `struct ovs_key_*` payloads (sizeof in C,
/// including tail padding).
pub fn key_attr_len(kind: u16) -> Option<usize> {
    Some(match kind {
        OVS_KEY_ATTR_PRIORITY
        | OVS_KEY_ATTR_IN_PORT
        | OVS_KEY_ATTR_SKB_MARK
        | OVS_KEY_ATTR_DP_HASH
        | OVS_KEY_ATTR_RECIRC_ID
        | OVS_KEY_ATTR_CT_STATE
        | OVS_KEY_ATTR_CT_MARK => 4,
        OVS_KEY_ATTR_ETHERNET => 12,
        OVS_KEY_ATTR_VLAN
        | OVS_KEY_ATTR_ETHERTYPE
        | OVS_KEY_ATTR_TCP_FLAGS
        | OVS_KEY_ATTR_CT_ZONE
        | OVS_KEY_ATTR_ICMP
        | OVS_KEY_ATTR_ICMPV6
        | OVS_KEY_ATTR_IPV6_EXTHDRS => 2,
        OVS_KEY_ATTR_IPV4 => 12,
        OVS_KEY_ATTR_IPV6 => 40,
        OVS_KEY_ATTR_TCP | OVS_KEY_ATTR_UDP | OVS_KEY_ATTR_SCTP => 4,
        OVS_KEY_ATTR_ARP => 24,
        OVS_KEY_ATTR_ND => 28,
        OVS_KEY_ATTR_CT_LABELS => 16,
        OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4 => 16,
        OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6 => 40,
        _ => return None,
    })
}
