// SPDX-License-Identifier: GPL-2.0
//! The OVS generic-netlink ABI as plain Rust constants: upstream `include/uapi/linux/openvswitch.h`.
//!
//! Pure (no kernel types), so the host crate shares it. The module cross-checks every value
//! here against bindgen's reading of the real header at compile time (`sys/mod.rs`), so a
//! typo here cannot ship.

/// `OVS_DATAPATH_FAMILY`.
pub const OVS_DATAPATH_FAMILY: &str = "ovs_datapath";
/// `OVS_DATAPATH_MCGROUP`.
pub const OVS_DATAPATH_MCGROUP: &str = "ovs_datapath";
/// `OVS_DATAPATH_VERSION`: version 2 adds `OVS_DP_CMD_*` with `OVS_DP_ATTR_MEGAFLOW_STATS`.
pub const OVS_DATAPATH_VERSION: u32 = 2;

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

/// Upper bound of `OVS_DP_ATTR_MASKS_CACHE_SIZE`, as upstream's policy computes it:
/// `PCPU_MIN_UNIT_SIZE / sizeof(struct mask_cache_entry)` = 32 KiB / 8 bytes.
pub const MASKS_CACHE_SIZE_MAX: u32 = 4096;
