//! The OVS generic-netlink ABI under the C spelling of
//! include/uapi/linux/openvswitch.h, so that a reader can grep the header. The values are
//! not transcribed here: they come from the module's own `abi/uapi.rs` (included below),
//! which the module checks against bindgen's reading of the header at compile time and the
//! host crate against the header's text. Only the constants ovsdp uses are listed.

#![allow(missing_docs)]

/// The module's ABI numbers, the one definition ovsdp, the module and the fuzzers share.
#[path = "../../../abi/uapi.rs"]
#[allow(dead_code)]
mod abi;

pub const OVS_DATAPATH_FAMILY: &str = abi::OVS_DATAPATH_FAMILY;
pub const OVS_VPORT_FAMILY: &str = abi::OVS_VPORT_FAMILY;
pub const OVS_FLOW_FAMILY: &str = abi::OVS_FLOW_FAMILY;
pub const OVS_PACKET_FAMILY: &str = abi::OVS_PACKET_FAMILY;

pub const OVS_DATAPATH_VERSION: u8 = abi::OVS_DATAPATH_VERSION as u8;
pub const OVS_VPORT_VERSION: u8 = abi::OVS_VPORT_VERSION as u8;
pub const OVS_FLOW_VERSION: u8 = abi::OVS_FLOW_VERSION as u8;
pub const OVS_PACKET_VERSION: u8 = abi::OVS_PACKET_VERSION as u8;

// enum ovs_datapath_cmd / ovs_vport_cmd / ovs_flow_cmd share these values.
pub const CMD_NEW: u8 = abi::dp_cmd::NEW;
pub const CMD_DEL: u8 = abi::dp_cmd::DEL;
pub const CMD_GET: u8 = abi::dp_cmd::GET;
pub const CMD_SET: u8 = abi::dp_cmd::SET;

// enum ovs_datapath_attr
pub const OVS_DP_ATTR_NAME: u16 = abi::dp_attr::NAME;
pub const OVS_DP_ATTR_UPCALL_PID: u16 = abi::dp_attr::UPCALL_PID;
pub const OVS_DP_ATTR_STATS: u16 = abi::dp_attr::STATS;
pub const OVS_DP_ATTR_MEGAFLOW_STATS: u16 = abi::dp_attr::MEGAFLOW_STATS;
pub const OVS_DP_ATTR_USER_FEATURES: u16 = abi::dp_attr::USER_FEATURES;
pub const OVS_DP_ATTR_MASKS_CACHE_SIZE: u16 = abi::dp_attr::MASKS_CACHE_SIZE;
pub const OVS_DP_ATTR_PER_CPU_PIDS: u16 = abi::dp_attr::PER_CPU_PIDS;
pub const OVS_DP_ATTR_IFINDEX: u16 = abi::dp_attr::IFINDEX;

pub const OVS_DP_F_UNALIGNED: u32 = abi::dp_feature::UNALIGNED;
pub const OVS_DP_F_VPORT_PIDS: u32 = abi::dp_feature::VPORT_PIDS;
pub const OVS_DP_F_TC_RECIRC_SHARING: u32 = abi::dp_feature::TC_RECIRC_SHARING;
pub const OVS_DP_F_DISPATCH_UPCALL_PER_CPU: u32 = abi::dp_feature::DISPATCH_UPCALL_PER_CPU;

// enum ovs_packet_cmd
pub const OVS_PACKET_CMD_MISS: u8 = abi::packet_cmd::MISS;
pub const OVS_PACKET_CMD_ACTION: u8 = abi::packet_cmd::ACTION;
pub const OVS_PACKET_CMD_EXECUTE: u8 = abi::packet_cmd::EXECUTE;

// enum ovs_packet_attr
pub const OVS_PACKET_ATTR_PACKET: u16 = abi::packet_attr::PACKET;
pub const OVS_PACKET_ATTR_KEY: u16 = abi::packet_attr::KEY;
pub const OVS_PACKET_ATTR_ACTIONS: u16 = abi::packet_attr::ACTIONS;
pub const OVS_PACKET_ATTR_USERDATA: u16 = abi::packet_attr::USERDATA;
pub const OVS_PACKET_ATTR_MRU: u16 = abi::packet_attr::MRU;
pub const OVS_PACKET_ATTR_LEN: u16 = abi::packet_attr::LEN;
pub const OVS_PACKET_ATTR_HASH: u16 = abi::packet_attr::HASH;

// enum ovs_vport_type
pub const OVS_VPORT_TYPE_NETDEV: u32 = abi::vport_type::NETDEV;
pub const OVS_VPORT_TYPE_INTERNAL: u32 = abi::vport_type::INTERNAL;
pub const OVS_VPORT_TYPE_GRE: u32 = abi::vport_type::GRE;
pub const OVS_VPORT_TYPE_VXLAN: u32 = abi::vport_type::VXLAN;
pub const OVS_VPORT_TYPE_GENEVE: u32 = abi::vport_type::GENEVE;

// enum ovs_vport_attr
pub const OVS_VPORT_ATTR_PORT_NO: u16 = abi::vport_attr::PORT_NO;
pub const OVS_VPORT_ATTR_TYPE: u16 = abi::vport_attr::TYPE;
pub const OVS_VPORT_ATTR_NAME: u16 = abi::vport_attr::NAME;
pub const OVS_VPORT_ATTR_OPTIONS: u16 = abi::vport_attr::OPTIONS;
pub const OVS_VPORT_ATTR_UPCALL_PID: u16 = abi::vport_attr::UPCALL_PID;
pub const OVS_VPORT_ATTR_STATS: u16 = abi::vport_attr::STATS;
pub const OVS_VPORT_ATTR_IFINDEX: u16 = abi::vport_attr::IFINDEX;
pub const OVS_VPORT_ATTR_NETNSID: u16 = abi::vport_attr::NETNSID;

// enum ovs_flow_attr
pub const OVS_FLOW_ATTR_KEY: u16 = abi::flow_attr::KEY;
pub const OVS_FLOW_ATTR_ACTIONS: u16 = abi::flow_attr::ACTIONS;
pub const OVS_FLOW_ATTR_STATS: u16 = abi::flow_attr::STATS;
pub const OVS_FLOW_ATTR_TCP_FLAGS: u16 = abi::flow_attr::TCP_FLAGS;
pub const OVS_FLOW_ATTR_USED: u16 = abi::flow_attr::USED;
pub const OVS_FLOW_ATTR_CLEAR: u16 = abi::flow_attr::CLEAR;
pub const OVS_FLOW_ATTR_MASK: u16 = abi::flow_attr::MASK;
pub const OVS_FLOW_ATTR_PROBE: u16 = abi::flow_attr::PROBE;
pub const OVS_FLOW_ATTR_UFID: u16 = abi::flow_attr::UFID;
pub const OVS_FLOW_ATTR_UFID_FLAGS: u16 = abi::flow_attr::UFID_FLAGS;

// enum ovs_key_attr
pub const OVS_KEY_ATTR_ENCAP: u16 = abi::key_attr::ENCAP;
pub const OVS_KEY_ATTR_PRIORITY: u16 = abi::key_attr::PRIORITY;
pub const OVS_KEY_ATTR_IN_PORT: u16 = abi::key_attr::IN_PORT;
pub const OVS_KEY_ATTR_ETHERNET: u16 = abi::key_attr::ETHERNET;
pub const OVS_KEY_ATTR_VLAN: u16 = abi::key_attr::VLAN;
pub const OVS_KEY_ATTR_ETHERTYPE: u16 = abi::key_attr::ETHERTYPE;
pub const OVS_KEY_ATTR_IPV4: u16 = abi::key_attr::IPV4;
pub const OVS_KEY_ATTR_IPV6: u16 = abi::key_attr::IPV6;
pub const OVS_KEY_ATTR_TCP: u16 = abi::key_attr::TCP;
pub const OVS_KEY_ATTR_UDP: u16 = abi::key_attr::UDP;
pub const OVS_KEY_ATTR_ICMP: u16 = abi::key_attr::ICMP;
pub const OVS_KEY_ATTR_ICMPV6: u16 = abi::key_attr::ICMPV6;
pub const OVS_KEY_ATTR_ARP: u16 = abi::key_attr::ARP;
pub const OVS_KEY_ATTR_ND: u16 = abi::key_attr::ND;
pub const OVS_KEY_ATTR_SKB_MARK: u16 = abi::key_attr::SKB_MARK;
pub const OVS_KEY_ATTR_TUNNEL: u16 = abi::key_attr::TUNNEL;
pub const OVS_KEY_ATTR_SCTP: u16 = abi::key_attr::SCTP;
pub const OVS_KEY_ATTR_TCP_FLAGS: u16 = abi::key_attr::TCP_FLAGS;
pub const OVS_KEY_ATTR_DP_HASH: u16 = abi::key_attr::DP_HASH;
pub const OVS_KEY_ATTR_RECIRC_ID: u16 = abi::key_attr::RECIRC_ID;
pub const OVS_KEY_ATTR_MPLS: u16 = abi::key_attr::MPLS;
pub const OVS_KEY_ATTR_CT_STATE: u16 = abi::key_attr::CT_STATE;
pub const OVS_KEY_ATTR_CT_ZONE: u16 = abi::key_attr::CT_ZONE;
pub const OVS_KEY_ATTR_CT_MARK: u16 = abi::key_attr::CT_MARK;
pub const OVS_KEY_ATTR_CT_LABELS: u16 = abi::key_attr::CT_LABELS;
pub const OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4: u16 = abi::key_attr::CT_ORIG_TUPLE_IPV4;
pub const OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6: u16 = abi::key_attr::CT_ORIG_TUPLE_IPV6;
pub const OVS_KEY_ATTR_NSH: u16 = abi::key_attr::NSH;
pub const OVS_KEY_ATTR_IPV6_EXTHDRS: u16 = abi::key_attr::IPV6_EXTHDRS;

// enum ovs_frag_type
pub const OVS_FRAG_TYPE_NONE: u8 = abi::frag_type::NONE;
pub const OVS_FRAG_TYPE_FIRST: u8 = abi::frag_type::FIRST;
pub const OVS_FRAG_TYPE_LATER: u8 = abi::frag_type::LATER;

// enum ovs_action_attr
pub const OVS_ACTION_ATTR_OUTPUT: u16 = abi::action_attr::OUTPUT;
pub const OVS_ACTION_ATTR_USERSPACE: u16 = abi::action_attr::USERSPACE;
pub const OVS_ACTION_ATTR_SET: u16 = abi::action_attr::SET;
pub const OVS_ACTION_ATTR_PUSH_VLAN: u16 = abi::action_attr::PUSH_VLAN;
pub const OVS_ACTION_ATTR_POP_VLAN: u16 = abi::action_attr::POP_VLAN;
pub const OVS_ACTION_ATTR_SAMPLE: u16 = abi::action_attr::SAMPLE;
pub const OVS_ACTION_ATTR_RECIRC: u16 = abi::action_attr::RECIRC;
pub const OVS_ACTION_ATTR_HASH: u16 = abi::action_attr::HASH;
pub const OVS_ACTION_ATTR_PUSH_MPLS: u16 = abi::action_attr::PUSH_MPLS;
pub const OVS_ACTION_ATTR_POP_MPLS: u16 = abi::action_attr::POP_MPLS;
pub const OVS_ACTION_ATTR_SET_MASKED: u16 = abi::action_attr::SET_MASKED;
pub const OVS_ACTION_ATTR_CT: u16 = abi::action_attr::CT;
pub const OVS_ACTION_ATTR_TRUNC: u16 = abi::action_attr::TRUNC;
pub const OVS_ACTION_ATTR_PUSH_ETH: u16 = abi::action_attr::PUSH_ETH;
pub const OVS_ACTION_ATTR_POP_ETH: u16 = abi::action_attr::POP_ETH;
pub const OVS_ACTION_ATTR_CT_CLEAR: u16 = abi::action_attr::CT_CLEAR;
pub const OVS_ACTION_ATTR_PUSH_NSH: u16 = abi::action_attr::PUSH_NSH;
pub const OVS_ACTION_ATTR_POP_NSH: u16 = abi::action_attr::POP_NSH;
pub const OVS_ACTION_ATTR_METER: u16 = abi::action_attr::METER;
pub const OVS_ACTION_ATTR_CLONE: u16 = abi::action_attr::CLONE;
pub const OVS_ACTION_ATTR_CHECK_PKT_LEN: u16 = abi::action_attr::CHECK_PKT_LEN;
pub const OVS_ACTION_ATTR_ADD_MPLS: u16 = abi::action_attr::ADD_MPLS;
pub const OVS_ACTION_ATTR_DEC_TTL: u16 = abi::action_attr::DEC_TTL;
pub const OVS_ACTION_ATTR_DROP: u16 = abi::action_attr::DROP;
pub const OVS_ACTION_ATTR_PSAMPLE: u16 = abi::action_attr::PSAMPLE;

// enum ovs_userspace_attr
pub const OVS_USERSPACE_ATTR_PID: u16 = abi::userspace_attr::PID;
pub const OVS_USERSPACE_ATTR_USERDATA: u16 = abi::userspace_attr::USERDATA;
pub const OVS_USERSPACE_ATTR_EGRESS_TUN_PORT: u16 = abi::userspace_attr::EGRESS_TUN_PORT;
pub const OVS_USERSPACE_ATTR_ACTIONS: u16 = abi::userspace_attr::ACTIONS;

// enum ovs_sample_attr
pub const OVS_SAMPLE_ATTR_PROBABILITY: u16 = abi::sample_attr::PROBABILITY;
pub const OVS_SAMPLE_ATTR_ACTIONS: u16 = abi::sample_attr::ACTIONS;

// enum ovs_hash_alg
pub const OVS_HASH_ALG_L4: u32 = abi::hash_alg::L4;
pub const OVS_HASH_ALG_SYM_L4: u32 = abi::hash_alg::SYM_L4;

// enum ovs_ct_attr
pub const OVS_CT_ATTR_COMMIT: u16 = abi::ct_attr::COMMIT;
pub const OVS_CT_ATTR_ZONE: u16 = abi::ct_attr::ZONE;
pub const OVS_CT_ATTR_MARK: u16 = abi::ct_attr::MARK;
pub const OVS_CT_ATTR_LABELS: u16 = abi::ct_attr::LABELS;
pub const OVS_CT_ATTR_HELPER: u16 = abi::ct_attr::HELPER;
pub const OVS_CT_ATTR_NAT: u16 = abi::ct_attr::NAT;
pub const OVS_CT_ATTR_FORCE_COMMIT: u16 = abi::ct_attr::FORCE_COMMIT;
pub const OVS_CT_ATTR_EVENTMASK: u16 = abi::ct_attr::EVENTMASK;
pub const OVS_CT_ATTR_TIMEOUT: u16 = abi::ct_attr::TIMEOUT;

// enum ovs_nat_attr
pub const OVS_NAT_ATTR_SRC: u16 = abi::nat_attr::SRC;
pub const OVS_NAT_ATTR_DST: u16 = abi::nat_attr::DST;
pub const OVS_NAT_ATTR_IP_MIN: u16 = abi::nat_attr::IP_MIN;
pub const OVS_NAT_ATTR_IP_MAX: u16 = abi::nat_attr::IP_MAX;
pub const OVS_NAT_ATTR_PROTO_MIN: u16 = abi::nat_attr::PROTO_MIN;
pub const OVS_NAT_ATTR_PROTO_MAX: u16 = abi::nat_attr::PROTO_MAX;
pub const OVS_NAT_ATTR_PERSISTENT: u16 = abi::nat_attr::PERSISTENT;
pub const OVS_NAT_ATTR_PROTO_HASH: u16 = abi::nat_attr::PROTO_HASH;
pub const OVS_NAT_ATTR_PROTO_RANDOM: u16 = abi::nat_attr::PROTO_RANDOM;

// OVS_CS_F_*: the bits of OVS_KEY_ATTR_CT_STATE.
pub const OVS_CS_F_NEW: u32 = abi::ct_state::NEW;
pub const OVS_CS_F_ESTABLISHED: u32 = abi::ct_state::ESTABLISHED;
pub const OVS_CS_F_RELATED: u32 = abi::ct_state::RELATED;
pub const OVS_CS_F_REPLY_DIR: u32 = abi::ct_state::REPLY_DIR;
pub const OVS_CS_F_INVALID: u32 = abi::ct_state::INVALID;
pub const OVS_CS_F_TRACKED: u32 = abi::ct_state::TRACKED;
pub const OVS_CS_F_SRC_NAT: u32 = abi::ct_state::SRC_NAT;
pub const OVS_CS_F_DST_NAT: u32 = abi::ct_state::DST_NAT;

/// `OVS_CT_LABELS_LEN`: the bytes of `struct ovs_key_ct_labels`.
pub const OVS_CT_LABELS_LEN: usize = abi::CT_LABELS_LEN;
/// `NF_CT_HELPER_NAME_LEN`: the longest `OVS_CT_ATTR_HELPER`, its NUL included.
pub const NF_CT_HELPER_NAME_LEN: usize = abi::CT_HELPER_NAME_LEN;
/// `CTNL_TIMEOUT_NAME_MAX`: the longest `OVS_CT_ATTR_TIMEOUT`, its NUL included.
pub const CTNL_TIMEOUT_NAME_MAX: usize = abi::CT_TIMEOUT_NAME_LEN;

// enum ovs_check_pkt_len_attr
pub const OVS_CHECK_PKT_LEN_ATTR_PKT_LEN: u16 = abi::check_pkt_len_attr::PKT_LEN;
pub const OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER: u16 =
    abi::check_pkt_len_attr::ACTIONS_IF_GREATER;
pub const OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL: u16 =
    abi::check_pkt_len_attr::ACTIONS_IF_LESS_EQUAL;

// enum ovs_dec_ttl_attr
pub const OVS_DEC_TTL_ATTR_ACTION: u16 = abi::dec_ttl_attr::ACTION;

// enum ovs_psample_attr
pub const OVS_PSAMPLE_ATTR_GROUP: u16 = abi::psample_attr::GROUP;
pub const OVS_PSAMPLE_ATTR_COOKIE: u16 = abi::psample_attr::COOKIE;

// Not the OVS ABI: Ethernet and 802.1Q numbers the text syntax uses.
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
