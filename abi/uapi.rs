// SPDX-License-Identifier: GPL-2.0
//! The OVS generic-netlink ABI as plain Rust constants: upstream `include/uapi/linux/openvswitch.h`.
//!
//! Pure (no kernel types), so the host crate shares it. The module cross-checks these values
//! against bindgen's reading of the real header at compile time (`sys/mod.rs`), and the host
//! tests check the enumerations against the header text (`tests/host/tests/uapi.rs`), so a
//! typo here cannot ship.

/// `OVS_DATAPATH_FAMILY`.
pub const OVS_DATAPATH_FAMILY: &str = "ovs_datapath";
/// `OVS_DATAPATH_MCGROUP`.
pub const OVS_DATAPATH_MCGROUP: &str = "ovs_datapath";
/// `OVS_DATAPATH_VERSION`: version 2 adds `OVS_DP_CMD_*` with `OVS_DP_ATTR_MEGAFLOW_STATS`.
pub const OVS_DATAPATH_VERSION: u32 = 2;
/// `OVS_DP_VER_FEATURES`: the first `ovs_datapath` version whose userspace knows
/// `OVS_DP_ATTR_USER_FEATURES` (older userspace gets its datapath's features dropped).
pub const OVS_DP_VER_FEATURES: u8 = 2;

/// `sizeof(struct ovs_header)`: the fixed user header of every OVS family.
pub const OVS_HEADER_LEN: usize = 4;

/// `enum ovs_datapath_cmd`.
pub mod dp_cmd {
    pub const NEW: u8 = 1;
    pub const DEL: u8 = 2;
    pub const GET: u8 = 3;
    pub const SET: u8 = 4;
}

/// `enum ovs_datapath_attr`.
pub mod dp_attr {
    pub const NAME: u16 = 1;
    pub const UPCALL_PID: u16 = 2;
    pub const STATS: u16 = 3;
    pub const MEGAFLOW_STATS: u16 = 4;
    pub const USER_FEATURES: u16 = 5;
    pub const PAD: u16 = 6;
    pub const MASKS_CACHE_SIZE: u16 = 7;
    pub const PER_CPU_PIDS: u16 = 8;
    pub const IFINDEX: u16 = 9;
    /// `OVS_DP_ATTR_MAX`.
    pub const MAX: u16 = 9;
}

/// `OVS_DP_F_*`: datapath user features.
pub mod dp_feature {
    pub const UNALIGNED: u32 = 1 << 0;
    pub const VPORT_PIDS: u32 = 1 << 1;
    pub const TC_RECIRC_SHARING: u32 = 1 << 2;
    pub const DISPATCH_UPCALL_PER_CPU: u32 = 1 << 3;
}

/// `IFNAMSIZ`, including the terminating NUL.
pub const IFNAMSIZ: usize = 16;

/// `DP_MAX_PORTS` (`USHRT_MAX`, `net/openvswitch/datapath.h`): port numbers are 16 bits and
/// this one means "no port". A flow key without `OVS_KEY_ATTR_IN_PORT` carries it, so that it
/// matches no packet unless the mask wildcards the port; output actions must name a port below
/// it.
pub const DP_MAX_PORTS: u32 = 0xffff;

/// Upper bound of `OVS_DP_ATTR_MASKS_CACHE_SIZE`, as upstream's policy computes it:
/// `PCPU_MIN_UNIT_SIZE / sizeof(struct mask_cache_entry)` = 32 KiB / 8 bytes.
pub const MASKS_CACHE_SIZE_MAX: u32 = 4096;

/// `enum ovs_key_attr`: the attributes of a flow key or mask (nested in `OVS_FLOW_ATTR_KEY`,
/// `OVS_FLOW_ATTR_MASK` and `OVS_PACKET_ATTR_KEY`).
pub mod key_attr {
    pub const UNSPEC: u16 = 0;
    pub const ENCAP: u16 = 1;
    pub const PRIORITY: u16 = 2;
    pub const IN_PORT: u16 = 3;
    pub const ETHERNET: u16 = 4;
    pub const VLAN: u16 = 5;
    pub const ETHERTYPE: u16 = 6;
    pub const IPV4: u16 = 7;
    pub const IPV6: u16 = 8;
    pub const TCP: u16 = 9;
    pub const UDP: u16 = 10;
    pub const ICMP: u16 = 11;
    pub const ICMPV6: u16 = 12;
    pub const ARP: u16 = 13;
    pub const ND: u16 = 14;
    pub const SKB_MARK: u16 = 15;
    pub const TUNNEL: u16 = 16;
    pub const SCTP: u16 = 17;
    pub const TCP_FLAGS: u16 = 18;
    pub const DP_HASH: u16 = 19;
    pub const RECIRC_ID: u16 = 20;
    pub const MPLS: u16 = 21;
    pub const CT_STATE: u16 = 22;
    pub const CT_ZONE: u16 = 23;
    pub const CT_MARK: u16 = 24;
    pub const CT_LABELS: u16 = 25;
    pub const CT_ORIG_TUPLE_IPV4: u16 = 26;
    pub const CT_ORIG_TUPLE_IPV6: u16 = 27;
    pub const NSH: u16 = 28;
    pub const PACKET_TYPE: u16 = 29;
    pub const ND_EXTENSIONS: u16 = 30;
    pub const TUNNEL_INFO: u16 = 31;
    pub const IPV6_EXTHDRS: u16 = 32;
    /// `OVS_KEY_ATTR_MAX`.
    pub const MAX: u16 = 32;
}

/// `enum ovs_tunnel_key_attr`: the attributes nested in `OVS_KEY_ATTR_TUNNEL`. The first,
/// ID, is 0: this enumeration has no UNSPEC.
pub mod tunnel_key_attr {
    pub const ID: u16 = 0;
    pub const IPV4_SRC: u16 = 1;
    pub const IPV4_DST: u16 = 2;
    pub const TOS: u16 = 3;
    pub const TTL: u16 = 4;
    pub const DONT_FRAGMENT: u16 = 5;
    pub const CSUM: u16 = 6;
    pub const OAM: u16 = 7;
    pub const GENEVE_OPTS: u16 = 8;
    pub const TP_SRC: u16 = 9;
    pub const TP_DST: u16 = 10;
    pub const VXLAN_OPTS: u16 = 11;
    pub const IPV6_SRC: u16 = 12;
    pub const IPV6_DST: u16 = 13;
    pub const PAD: u16 = 14;
    pub const ERSPAN_OPTS: u16 = 15;
    pub const IPV4_INFO_BRIDGE: u16 = 16;
    /// `OVS_TUNNEL_KEY_ATTR_MAX`.
    pub const MAX: u16 = 16;
}

/// `OVS_VXLAN_EXT_*`: the attributes nested in `OVS_TUNNEL_KEY_ATTR_VXLAN_OPTS`.
pub mod vxlan_ext_attr {
    pub const UNSPEC: u16 = 0;
    pub const GBP: u16 = 1;
    /// `OVS_VXLAN_EXT_MAX`.
    pub const MAX: u16 = 1;
}

/// `enum ovs_action_attr` (the userspace-visible part).
pub mod action_attr {
    pub const UNSPEC: u16 = 0;
    pub const OUTPUT: u16 = 1;
    pub const USERSPACE: u16 = 2;
    pub const SET: u16 = 3;
    pub const PUSH_VLAN: u16 = 4;
    pub const POP_VLAN: u16 = 5;
    pub const SAMPLE: u16 = 6;
    pub const RECIRC: u16 = 7;
    pub const HASH: u16 = 8;
    pub const PUSH_MPLS: u16 = 9;
    pub const POP_MPLS: u16 = 10;
    pub const SET_MASKED: u16 = 11;
    pub const CT: u16 = 12;
    pub const TRUNC: u16 = 13;
    pub const PUSH_ETH: u16 = 14;
    pub const POP_ETH: u16 = 15;
    pub const CT_CLEAR: u16 = 16;
    pub const PUSH_NSH: u16 = 17;
    pub const POP_NSH: u16 = 18;
    pub const METER: u16 = 19;
    pub const CLONE: u16 = 20;
    pub const CHECK_PKT_LEN: u16 = 21;
    pub const ADD_MPLS: u16 = 22;
    pub const DEC_TTL: u16 = 23;
    pub const DROP: u16 = 24;
    pub const PSAMPLE: u16 = 25;
    /// `OVS_ACTION_ATTR_MAX`: nothing above it is accepted from userspace.
    pub const MAX: u16 = 25;
}

/// `enum ovs_userspace_attr`: the attributes nested in `OVS_ACTION_ATTR_USERSPACE`.
pub mod userspace_attr {
    pub const UNSPEC: u16 = 0;
    pub const PID: u16 = 1;
    pub const USERDATA: u16 = 2;
    pub const EGRESS_TUN_PORT: u16 = 3;
    pub const ACTIONS: u16 = 4;
    /// `OVS_USERSPACE_ATTR_MAX`.
    pub const MAX: u16 = 4;
}

/// `enum ovs_sample_attr` (the userspace-visible part): the attributes nested in
/// `OVS_ACTION_ATTR_SAMPLE`.
pub mod sample_attr {
    pub const UNSPEC: u16 = 0;
    pub const PROBABILITY: u16 = 1;
    pub const ACTIONS: u16 = 2;
    /// `OVS_SAMPLE_ATTR_MAX`.
    pub const MAX: u16 = 2;
}

/// `OVSP_LOCAL`: the datapath's own (internal) port, created with it and never deleted
/// through `OVS_VPORT_CMD_DEL`.
pub const OVSP_LOCAL: u32 = 0;

/// `OVS_VPORT_FAMILY`.
pub const OVS_VPORT_FAMILY: &str = "ovs_vport";
/// `OVS_VPORT_MCGROUP`.
pub const OVS_VPORT_MCGROUP: &str = "ovs_vport";
/// `OVS_VPORT_VERSION`.
pub const OVS_VPORT_VERSION: u32 = 1;

/// `enum ovs_vport_cmd`.
pub mod vport_cmd {
    pub const NEW: u8 = 1;
    pub const DEL: u8 = 2;
    pub const GET: u8 = 3;
    pub const SET: u8 = 4;
}

/// `enum ovs_vport_type`.
pub mod vport_type {
    pub const UNSPEC: u32 = 0;
    pub const NETDEV: u32 = 1;
    pub const INTERNAL: u32 = 2;
    pub const GRE: u32 = 3;
    pub const VXLAN: u32 = 4;
    pub const GENEVE: u32 = 5;
    /// `OVS_VPORT_TYPE_MAX`.
    pub const MAX: u32 = 5;
}

/// `enum ovs_vport_attr`.
pub mod vport_attr {
    pub const UNSPEC: u16 = 0;
    pub const PORT_NO: u16 = 1;
    pub const TYPE: u16 = 2;
    pub const NAME: u16 = 3;
    pub const OPTIONS: u16 = 4;
    pub const UPCALL_PID: u16 = 5;
    pub const STATS: u16 = 6;
    pub const PAD: u16 = 7;
    pub const IFINDEX: u16 = 8;
    pub const NETNSID: u16 = 9;
    pub const UPCALL_STATS: u16 = 10;
    /// `OVS_VPORT_ATTR_MAX`.
    pub const MAX: u16 = 10;
}

/// `enum ovs_vport_upcall_attr`: the attributes nested in `OVS_VPORT_ATTR_UPCALL_STATS`.
pub mod vport_upcall_attr {
    pub const SUCCESS: u16 = 0;
    pub const FAIL: u16 = 1;
    /// `OVS_VPORT_UPCALL_ATTR_MAX`.
    pub const MAX: u16 = 1;
}

/// `sizeof(struct ovs_vport_stats)`: eight `__u64` counters.
pub const VPORT_STATS_LEN: usize = 64;

/// `OVS_FLOW_FAMILY`.
pub const OVS_FLOW_FAMILY: &str = "ovs_flow";
/// `OVS_FLOW_MCGROUP`.
pub const OVS_FLOW_MCGROUP: &str = "ovs_flow";
/// `OVS_FLOW_VERSION`.
pub const OVS_FLOW_VERSION: u32 = 1;

/// `enum ovs_flow_cmd`.
pub mod flow_cmd {
    pub const NEW: u8 = 1;
    pub const DEL: u8 = 2;
    pub const GET: u8 = 3;
    pub const SET: u8 = 4;
}

/// `enum ovs_flow_attr`.
pub mod flow_attr {
    pub const UNSPEC: u16 = 0;
    pub const KEY: u16 = 1;
    pub const ACTIONS: u16 = 2;
    pub const STATS: u16 = 3;
    pub const TCP_FLAGS: u16 = 4;
    pub const USED: u16 = 5;
    pub const CLEAR: u16 = 6;
    pub const MASK: u16 = 7;
    pub const PROBE: u16 = 8;
    pub const UFID: u16 = 9;
    pub const UFID_FLAGS: u16 = 10;
    pub const PAD: u16 = 11;
    /// `OVS_FLOW_ATTR_MAX`.
    pub const MAX: u16 = 11;
}

/// `OVS_UFID_F_*`: the flags of `OVS_FLOW_ATTR_UFID_FLAGS`.
pub mod ufid_flags {
    pub const OMIT_KEY: u32 = 1 << 0;
    pub const OMIT_MASK: u32 = 1 << 1;
    pub const OMIT_ACTIONS: u32 = 1 << 2;
}

/// `sizeof(struct ovs_flow_stats)`: `n_packets` and `n_bytes`, both `__u64`.
pub const FLOW_STATS_LEN: usize = 16;

/// `OVS_PACKET_FAMILY`.
pub const OVS_PACKET_FAMILY: &str = "ovs_packet";
/// `OVS_PACKET_VERSION`.
pub const OVS_PACKET_VERSION: u32 = 1;

/// `enum ovs_packet_cmd`.
pub mod packet_cmd {
    /// Kernel to user: a flow-table miss.
    pub const MISS: u8 = 1;
    /// Kernel to user: an `OVS_ACTION_ATTR_USERSPACE` action.
    pub const ACTION: u8 = 2;
    /// User to kernel: apply actions to a packet.
    pub const EXECUTE: u8 = 3;
}

/// `enum ovs_packet_attr`.
pub mod packet_attr {
    pub const UNSPEC: u16 = 0;
    pub const PACKET: u16 = 1;
    pub const KEY: u16 = 2;
    pub const ACTIONS: u16 = 3;
    pub const USERDATA: u16 = 4;
    pub const EGRESS_TUN_KEY: u16 = 5;
    pub const UNUSED1: u16 = 6;
    pub const UNUSED2: u16 = 7;
    pub const PROBE: u16 = 8;
    pub const MRU: u16 = 9;
    pub const LEN: u16 = 10;
    pub const HASH: u16 = 11;
    /// `OVS_PACKET_ATTR_MAX`.
    pub const MAX: u16 = 11;
}

/// `enum ovs_frag_type`.
pub mod frag_type {
    pub const NONE: u8 = 0;
    pub const FIRST: u8 = 1;
    pub const LATER: u8 = 2;
}

/// `enum ovs_hash_alg`.
pub mod hash_alg {
    pub const L4: u32 = 0;
    pub const SYM_L4: u32 = 1;
}

/// `enum ovs_ct_attr`: the attributes nested in `OVS_ACTION_ATTR_CT`.
pub mod ct_attr {
    pub const COMMIT: u16 = 1;
    pub const ZONE: u16 = 2;
    pub const MARK: u16 = 3;
    pub const LABELS: u16 = 4;
    pub const HELPER: u16 = 5;
    pub const NAT: u16 = 6;
    pub const FORCE_COMMIT: u16 = 7;
    pub const EVENTMASK: u16 = 8;
    pub const TIMEOUT: u16 = 9;
    /// `OVS_CT_ATTR_MAX`.
    pub const MAX: u16 = 9;
}

/// `enum ovs_nat_attr`: the attributes nested in `OVS_CT_ATTR_NAT`.
pub mod nat_attr {
    pub const SRC: u16 = 1;
    pub const DST: u16 = 2;
    pub const IP_MIN: u16 = 3;
    pub const IP_MAX: u16 = 4;
    pub const PROTO_MIN: u16 = 5;
    pub const PROTO_MAX: u16 = 6;
    pub const PERSISTENT: u16 = 7;
    pub const PROTO_HASH: u16 = 8;
    pub const PROTO_RANDOM: u16 = 9;
    /// `OVS_NAT_ATTR_MAX`.
    pub const MAX: u16 = 9;
}

/// `OVS_CS_F_*`: the bits of `OVS_KEY_ATTR_CT_STATE`.
pub mod ct_state {
    pub const NEW: u32 = 0x01;
    pub const ESTABLISHED: u32 = 0x02;
    pub const RELATED: u32 = 0x04;
    pub const REPLY_DIR: u32 = 0x08;
    pub const INVALID: u32 = 0x10;
    pub const TRACKED: u32 = 0x20;
    pub const SRC_NAT: u32 = 0x40;
    pub const DST_NAT: u32 = 0x80;
    /// `OVS_CS_F_NAT_MASK`.
    pub const NAT_MASK: u32 = SRC_NAT | DST_NAT;
    /// Upstream's `CT_SUPPORTED_MASK`: every bit above.
    pub const SUPPORTED: u32 = 0xff;
}

/// `NF_NAT_RANGE_*` (`include/uapi/linux/netfilter/nf_nat.h`): the flags of a NAT range.
pub mod nf_nat_range {
    pub const MAP_IPS: u32 = 1 << 0;
    pub const PROTO_SPECIFIED: u32 = 1 << 1;
    pub const PROTO_RANDOM: u32 = 1 << 2;
    pub const PERSISTENT: u32 = 1 << 3;
    pub const PROTO_RANDOM_FULLY: u32 = 1 << 4;
}

/// `include/uapi/linux/netfilter/nf_conntrack_common.h`: what conntrack says of a packet
/// (`enum ip_conntrack_info`) and of its connection (`enum ip_conntrack_status` bits).
pub mod nf_ct {
    pub const IP_CT_ESTABLISHED: u32 = 0;
    pub const IP_CT_RELATED: u32 = 1;
    pub const IP_CT_NEW: u32 = 2;
    pub const IP_CT_IS_REPLY: u32 = 3;
    pub const IP_CT_ESTABLISHED_REPLY: u32 = IP_CT_ESTABLISHED + IP_CT_IS_REPLY;
    pub const IP_CT_RELATED_REPLY: u32 = IP_CT_RELATED + IP_CT_IS_REPLY;
    pub const IP_CT_UNTRACKED: u32 = 7;
    pub const IPS_EXPECTED: u32 = 1 << 0;
    pub const IPS_SEEN_REPLY: u32 = 1 << 1;
    pub const IPS_SRC_NAT: u32 = 1 << 4;
    pub const IPS_DST_NAT: u32 = 1 << 5;
}

/// `OVS_CT_LABELS_LEN`: the bytes of `struct ovs_key_ct_labels`.
pub const CT_LABELS_LEN: usize = 16;
/// `NF_CT_HELPER_NAME_LEN`: the longest `OVS_CT_ATTR_HELPER`, its NUL included.
pub const CT_HELPER_NAME_LEN: usize = 16;
/// `CTNL_TIMEOUT_NAME_MAX`: the longest `OVS_CT_ATTR_TIMEOUT`, its NUL included.
pub const CT_TIMEOUT_NAME_LEN: usize = 32;

/// `enum ovs_check_pkt_len_attr`: the attributes nested in `OVS_ACTION_ATTR_CHECK_PKT_LEN`.
pub mod check_pkt_len_attr {
    pub const PKT_LEN: u16 = 1;
    pub const ACTIONS_IF_GREATER: u16 = 2;
    pub const ACTIONS_IF_LESS_EQUAL: u16 = 3;
}

/// `enum ovs_dec_ttl_attr`: the attributes nested in `OVS_ACTION_ATTR_DEC_TTL`.
pub mod dec_ttl_attr {
    pub const ACTION: u16 = 1;
}

/// `enum ovs_psample_attr`: the attributes nested in `OVS_ACTION_ATTR_PSAMPLE`.
pub mod psample_attr {
    pub const GROUP: u16 = 1;
    pub const COOKIE: u16 = 2;
}

/// `OVS_CT_LIMIT_FAMILY`.
pub const OVS_CT_LIMIT_FAMILY: &str = "ovs_ct_limit";
/// `OVS_CT_LIMIT_MCGROUP`.
pub const OVS_CT_LIMIT_MCGROUP: &str = "ovs_ct_limit";
/// `OVS_CT_LIMIT_VERSION`.
pub const OVS_CT_LIMIT_VERSION: u32 = 1;

/// `enum ovs_ct_limit_cmd`.
pub mod ct_limit_cmd {
    /// Add or change zone limits, or the default limit.
    pub const SET: u8 = 1;
    /// Remove zone limits (a zone falls back to the default), or reset the default to 0.
    pub const DEL: u8 = 2;
    /// The limits and connection counts of the zones asked for, or of every zone.
    pub const GET: u8 = 3;
}

/// `enum ovs_ct_limit_attr`.
pub mod ct_limit_attr {
    /// An array of `struct ovs_zone_limit` (nested in name only).
    pub const ZONE_LIMIT: u16 = 1;
    pub const MAX: u16 = 1;
}

/// `OVS_ZONE_LIMIT_DEFAULT_ZONE`: the `zone_id` of the default limit.
pub const OVS_ZONE_LIMIT_DEFAULT_ZONE: i32 = -1;
