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
const _: () = {
    use crate::genetlink::uapi;
    assert!(uapi::OVS_DATAPATH_VERSION == OVS_DATAPATH_VERSION);
    assert!(uapi::OVS_HEADER_LEN == core::mem::size_of::<ovs_header>());
    assert!(uapi::IFNAMSIZ == IFNAMSIZ as usize);
    assert!(uapi::dp_cmd::NEW as u32 == OVS_DP_CMD_NEW);
    assert!(uapi::dp_cmd::DEL as u32 == OVS_DP_CMD_DEL);
    assert!(uapi::dp_cmd::GET as u32 == OVS_DP_CMD_GET);
    assert!(uapi::dp_cmd::SET as u32 == OVS_DP_CMD_SET);
    assert!(uapi::dp_attr::NAME as u32 == OVS_DP_ATTR_NAME);
    assert!(uapi::dp_attr::UPCALL_PID as u32 == OVS_DP_ATTR_UPCALL_PID);
    assert!(uapi::dp_attr::STATS as u32 == OVS_DP_ATTR_STATS);
    assert!(uapi::dp_attr::MEGAFLOW_STATS as u32 == OVS_DP_ATTR_MEGAFLOW_STATS);
    assert!(uapi::dp_attr::USER_FEATURES as u32 == OVS_DP_ATTR_USER_FEATURES);
    assert!(uapi::dp_attr::PAD as u32 == OVS_DP_ATTR_PAD);
    assert!(uapi::dp_attr::MASKS_CACHE_SIZE as u32 == OVS_DP_ATTR_MASKS_CACHE_SIZE);
    assert!(uapi::dp_attr::PER_CPU_PIDS as u32 == OVS_DP_ATTR_PER_CPU_PIDS);
    assert!(uapi::dp_attr::IFINDEX as u32 == OVS_DP_ATTR_IFINDEX);
    assert!(uapi::dp_attr::MAX as u32 == __OVS_DP_ATTR_MAX - 1);
    assert!(uapi::dp_feature::UNALIGNED == OVS_DP_F_UNALIGNED);
    assert!(uapi::dp_feature::VPORT_PIDS == OVS_DP_F_VPORT_PIDS);
    assert!(uapi::dp_feature::TC_RECIRC_SHARING == OVS_DP_F_TC_RECIRC_SHARING);
    assert!(uapi::dp_feature::DISPATCH_UPCALL_PER_CPU == OVS_DP_F_DISPATCH_UPCALL_PER_CPU);
};
