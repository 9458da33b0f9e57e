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

use crate::genetlink::uapi::{self, dp_attr, dp_cmd, dp_feature, key_attr};

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
}
