// SPDX-License-Identifier: GPL-2.0
//! Module-local bindings: bindgen's reading of `sys/ovs_rs_sys.h` (netdev, skb, generic
//! netlink, the OVS uapi) and the C shim's prototypes. Upstream counterpart: none; upstream
//! is C and includes the headers directly.
//!
//! Only `net/` may use this module. Everything here is raw FFI.

#![allow(
    dead_code,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    missing_docs
)]

// The kernel's bindgen parameters block these so they map to Rust's pointer-sized integers.
type __kernel_size_t = usize;
type __kernel_ssize_t = isize;
type __kernel_ptrdiff_t = isize;

include!("bindings_generated.rs");

// The pure ABI constants (shared with the host crate) must equal the real header's.
macro_rules! same_as_header {
    ($($ours:expr => $header:expr),* $(,)?) => {
        const _: () = { $(assert!($ours as u64 == $header as u64);)* };
    };
}

use crate::genetlink::uapi::{
    self, action_attr, dp_attr, dp_cmd, dp_feature, key_attr, sample_attr, userspace_attr,
};

same_as_header! {
    uapi::OVS_DATAPATH_VERSION => OVS_DATAPATH_VERSION,
    uapi::OVS_HEADER_LEN => core::mem::size_of::<ovs_header>(),
    uapi::IFNAMSIZ => IFNAMSIZ,
    dp_cmd::NEW => OVS_DP_CMD_NEW,
    dp_cmd::DEL => OVS_DP_CMD_DEL,
    dp_cmd::GET => OVS_DP_CMD_GET,
    dp_cmd::SET => OVS_DP_CMD_SET,
    dp_attr::NAME => OVS_DP_ATTR_NAME,
    dp_attr::UPCALL_PID => OVS_DP_ATTR_UPCALL_PID,
    dp_attr::STATS => OVS_DP_ATTR_STATS,
    dp_attr::MEGAFLOW_STATS => OVS_DP_ATTR_MEGAFLOW_STATS,
    dp_attr::USER_FEATURES => OVS_DP_ATTR_USER_FEATURES,
    dp_attr::PAD => OVS_DP_ATTR_PAD,
    dp_attr::MASKS_CACHE_SIZE => OVS_DP_ATTR_MASKS_CACHE_SIZE,
    dp_attr::PER_CPU_PIDS => OVS_DP_ATTR_PER_CPU_PIDS,
    dp_attr::IFINDEX => OVS_DP_ATTR_IFINDEX,
    dp_attr::MAX => __OVS_DP_ATTR_MAX - 1,
    dp_feature::UNALIGNED => OVS_DP_F_UNALIGNED,
    dp_feature::VPORT_PIDS => OVS_DP_F_VPORT_PIDS,
    dp_feature::TC_RECIRC_SHARING => OVS_DP_F_TC_RECIRC_SHARING,
    dp_feature::DISPATCH_UPCALL_PER_CPU => OVS_DP_F_DISPATCH_UPCALL_PER_CPU,
    key_attr::ENCAP => OVS_KEY_ATTR_ENCAP,
    key_attr::PRIORITY => OVS_KEY_ATTR_PRIORITY,
    key_attr::IN_PORT => OVS_KEY_ATTR_IN_PORT,
    key_attr::ETHERNET => OVS_KEY_ATTR_ETHERNET,
    key_attr::VLAN => OVS_KEY_ATTR_VLAN,
    key_attr::ETHERTYPE => OVS_KEY_ATTR_ETHERTYPE,
    key_attr::IPV4 => OVS_KEY_ATTR_IPV4,
    key_attr::IPV6 => OVS_KEY_ATTR_IPV6,
    key_attr::TCP => OVS_KEY_ATTR_TCP,
    key_attr::UDP => OVS_KEY_ATTR_UDP,
    key_attr::ICMP => OVS_KEY_ATTR_ICMP,
    key_attr::ICMPV6 => OVS_KEY_ATTR_ICMPV6,
    key_attr::ARP => OVS_KEY_ATTR_ARP,
    key_attr::ND => OVS_KEY_ATTR_ND,
    key_attr::SKB_MARK => OVS_KEY_ATTR_SKB_MARK,
    key_attr::TUNNEL => OVS_KEY_ATTR_TUNNEL,
    key_attr::SCTP => OVS_KEY_ATTR_SCTP,
    key_attr::TCP_FLAGS => OVS_KEY_ATTR_TCP_FLAGS,
    key_attr::DP_HASH => OVS_KEY_ATTR_DP_HASH,
    key_attr::RECIRC_ID => OVS_KEY_ATTR_RECIRC_ID,
    key_attr::MPLS => OVS_KEY_ATTR_MPLS,
    key_attr::CT_STATE => OVS_KEY_ATTR_CT_STATE,
    key_attr::CT_ZONE => OVS_KEY_ATTR_CT_ZONE,
    key_attr::CT_MARK => OVS_KEY_ATTR_CT_MARK,
    key_attr::CT_LABELS => OVS_KEY_ATTR_CT_LABELS,
    key_attr::CT_ORIG_TUPLE_IPV4 => OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4,
    key_attr::CT_ORIG_TUPLE_IPV6 => OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6,
    key_attr::NSH => OVS_KEY_ATTR_NSH,
    key_attr::PACKET_TYPE => OVS_KEY_ATTR_PACKET_TYPE,
    key_attr::ND_EXTENSIONS => OVS_KEY_ATTR_ND_EXTENSIONS,
    key_attr::TUNNEL_INFO => OVS_KEY_ATTR_TUNNEL_INFO,
    key_attr::IPV6_EXTHDRS => OVS_KEY_ATTR_IPV6_EXTHDRS,
    key_attr::MAX => __OVS_KEY_ATTR_MAX - 1,
    action_attr::OUTPUT => OVS_ACTION_ATTR_OUTPUT,
    action_attr::USERSPACE => OVS_ACTION_ATTR_USERSPACE,
    action_attr::SET => OVS_ACTION_ATTR_SET,
    action_attr::PUSH_VLAN => OVS_ACTION_ATTR_PUSH_VLAN,
    action_attr::POP_VLAN => OVS_ACTION_ATTR_POP_VLAN,
    action_attr::SAMPLE => OVS_ACTION_ATTR_SAMPLE,
    action_attr::RECIRC => OVS_ACTION_ATTR_RECIRC,
    action_attr::HASH => OVS_ACTION_ATTR_HASH,
    action_attr::PUSH_MPLS => OVS_ACTION_ATTR_PUSH_MPLS,
    action_attr::POP_MPLS => OVS_ACTION_ATTR_POP_MPLS,
    action_attr::SET_MASKED => OVS_ACTION_ATTR_SET_MASKED,
    action_attr::CT => OVS_ACTION_ATTR_CT,
    action_attr::TRUNC => OVS_ACTION_ATTR_TRUNC,
    action_attr::PUSH_ETH => OVS_ACTION_ATTR_PUSH_ETH,
    action_attr::POP_ETH => OVS_ACTION_ATTR_POP_ETH,
    action_attr::CT_CLEAR => OVS_ACTION_ATTR_CT_CLEAR,
    action_attr::PUSH_NSH => OVS_ACTION_ATTR_PUSH_NSH,
    action_attr::POP_NSH => OVS_ACTION_ATTR_POP_NSH,
    action_attr::METER => OVS_ACTION_ATTR_METER,
    action_attr::CLONE => OVS_ACTION_ATTR_CLONE,
    action_attr::CHECK_PKT_LEN => OVS_ACTION_ATTR_CHECK_PKT_LEN,
    action_attr::ADD_MPLS => OVS_ACTION_ATTR_ADD_MPLS,
    action_attr::DEC_TTL => OVS_ACTION_ATTR_DEC_TTL,
    action_attr::DROP => OVS_ACTION_ATTR_DROP,
    action_attr::PSAMPLE => OVS_ACTION_ATTR_PSAMPLE,
    action_attr::MAX => __OVS_ACTION_ATTR_MAX - 1,
    userspace_attr::PID => OVS_USERSPACE_ATTR_PID,
    userspace_attr::USERDATA => OVS_USERSPACE_ATTR_USERDATA,
    userspace_attr::EGRESS_TUN_PORT => OVS_USERSPACE_ATTR_EGRESS_TUN_PORT,
    userspace_attr::ACTIONS => OVS_USERSPACE_ATTR_ACTIONS,
    userspace_attr::MAX => __OVS_USERSPACE_ATTR_MAX - 1,
    sample_attr::PROBABILITY => OVS_SAMPLE_ATTR_PROBABILITY,
    sample_attr::ACTIONS => OVS_SAMPLE_ATTR_ACTIONS,
    sample_attr::MAX => __OVS_SAMPLE_ATTR_MAX - 1,
}
