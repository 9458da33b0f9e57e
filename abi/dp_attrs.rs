// SPDX-License-Identifier: GPL-2.0
//! Typed `OVS_DP_ATTR_*` requests, parsed once from the policy-checked attribute table.
//!
//! Upstream counterpart: the attribute handling of `ovs_dp_cmd_new/set/get` and
//! `lookup_datapath()` in `net/openvswitch/datapath.c`. Pure, shared with the host crate.

use super::errno::{Errno, Rejection};
use super::nla::nul_string;
use super::uapi::{dp_attr, dp_feature, IFNAMSIZ, MASKS_CACHE_SIZE_MAX, OVS_HEADER_LEN};

/// How a request names its datapath: `lookup_datapath()` prefers `OVS_DP_ATTR_NAME`
/// over the header's `dp_ifindex`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DpSelector<'a> {
    Name(&'a str),
    Ifindex(i32),
}

/// The `OVS_DP_ATTR_*` of a NEW, SET, GET or DEL request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DpAttrs<'a> {
    pub name: Option<&'a str>,
    pub upcall_pid: Option<u32>,
    pub user_features: Option<u32>,
    pub masks_cache_size: Option<u32>,
    pub ifindex: Option<i32>,
}

/// Every feature bit this datapath understands; others are `EOPNOTSUPP`, as upstream.
pub const KNOWN_USER_FEATURES: u32 = dp_feature::UNALIGNED
    | dp_feature::VPORT_PIDS
    | dp_feature::TC_RECIRC_SHARING
    | dp_feature::DISPATCH_UPCALL_PER_CPU;

/// Whether a datapath with `user_features` sends upcalls to per-CPU netlink ports
/// (`OVS_DP_F_DISPATCH_UPCALL_PER_CPU`, which ovs-vswitchd 2.16 and later selects).
pub const fn dispatches_per_cpu(user_features: u32) -> bool {
    user_features & dp_feature::DISPATCH_UPCALL_PER_CPU != 0
}

/// The netlink port of CPU `cpu` among the datapath's `OVS_DP_ATTR_PER_CPU_PIDS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerCpuPortid {
    /// 0 when there are no pids: nobody listens, the upcall is lost.
    pub pid: u32,
    /// There are fewer pids than CPUs and `cpu` is beyond them: upstream logs "cpu_id
    /// mismatch with handler threads" and uses `cpu` modulo the count.
    pub mismatch: bool,
}

/// Upstream's `ovs_dp_get_upcall_portid()`: where a miss, and a userspace action's upcall,
/// go under per-CPU dispatch.
pub fn per_cpu_portid(pids: &[u32], cpu: u32) -> PerCpuPortid {
    let cpu = cpu as usize;
    match pids.get(cpu) {
        Some(&pid) => PerCpuPortid {
            pid,
            mismatch: false,
        },
        None if pids.is_empty() => PerCpuPortid {
            pid: 0,
            mismatch: false,
        },
        None => PerCpuPortid {
            pid: pids.get(cpu % pids.len()).copied().unwrap_or(0),
            mismatch: true,
        },
    }
}

/// Upstream's `output_userspace()`: the netlink port a userspace action's upcall goes to.
/// Under per-CPU dispatch the action's `OVS_USERSPACE_ATTR_PID` is a placeholder
/// (ovs-vswitchd writes `u32::MAX`) and the current CPU's port, `per_cpu`, is used instead.
pub fn userspace_action_portid(
    user_features: u32,
    action_pid: u32,
    per_cpu: impl FnOnce() -> u32,
) -> u32 {
    if dispatches_per_cpu(user_features) {
        per_cpu()
    } else {
        action_pid
    }
}

impl<'a> DpAttrs<'a> {
    /// Parses the attribute table. `attr(n)` returns the payload of attribute `n` if present.
    /// Lengths of fixed-size attributes were checked by the kernel policy; they are checked
    /// again here so the host fuzzers cannot reach an out-of-bounds read either.
    pub fn parse(attr: impl Fn(u16) -> Option<&'a [u8]>) -> Result<Self, Rejection> {
        let u32_of = |n: u16| -> Result<Option<u32>, Rejection> {
            attr(n)
                .map(|p| {
                    p.get(..4)
                        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                        .ok_or(Rejection::new(
                            Errno::EINVAL,
                            c"Attribute too short",
                            Some(n),
                        ))
                })
                .transpose()
        };
        let name = attr(dp_attr::NAME)
            .map(|p| match nul_string(p) {
                Ok(s) if !s.is_empty() && s.len() < IFNAMSIZ => Ok(s),
                _ => Err(Rejection::new(
                    Errno::EINVAL,
                    c"Datapath name must be 1 to 15 bytes of UTF-8",
                    Some(dp_attr::NAME),
                )),
            })
            .transpose()?;
        let user_features = u32_of(dp_attr::USER_FEATURES)?;
        if let Some(f) = user_features {
            if f & !KNOWN_USER_FEATURES != 0 {
                return Err(Rejection::new(
                    Errno::EOPNOTSUPP,
                    c"Unknown datapath user feature",
                    Some(dp_attr::USER_FEATURES),
                ));
            }
        }
        let masks_cache_size = u32_of(dp_attr::MASKS_CACHE_SIZE)?;
        if let Some(size) = masks_cache_size {
            if size > MASKS_CACHE_SIZE_MAX {
                return Err(Rejection::new(
                    Errno::ERANGE,
                    c"Masks cache size out of range",
                    Some(dp_attr::MASKS_CACHE_SIZE),
                ));
            }
        }
        let ifindex = u32_of(dp_attr::IFINDEX)?.map(|v| v as i32);
        if matches!(ifindex, Some(i) if i < 0) {
            return Err(Rejection::new(
                Errno::ERANGE,
                c"Datapath ifindex must not be negative",
                Some(dp_attr::IFINDEX),
            ));
        }
        Ok(Self {
            name,
            upcall_pid: u32_of(dp_attr::UPCALL_PID)?,
            user_features,
            masks_cache_size,
            ifindex,
        })
    }
}

/// Which datapath a GET or DEL addresses. Like upstream's `lookup_datapath()`, only
/// `OVS_DP_ATTR_NAME` is read (and preferred over the header's `dp_ifindex`); other
/// attributes are ignored, not validated.
pub fn dp_selector<'a>(
    attr: impl Fn(u16) -> Option<&'a [u8]>,
    dp_ifindex: i32,
) -> Result<DpSelector<'a>, Rejection> {
    let name_only = |n: u16| if n == dp_attr::NAME { attr(n) } else { None };
    Ok(match DpAttrs::parse(name_only)?.name {
        Some(name) => DpSelector::Name(name),
        None => DpSelector::Ifindex(dp_ifindex),
    })
}

/// `struct ovs_header` for a message about the datapath whose local port is `dp_ifindex`.
pub fn ovs_header(dp_ifindex: i32) -> [u8; OVS_HEADER_LEN] {
    dp_ifindex.to_ne_bytes()
}

/// Reads `struct ovs_header` from a request's user header.
pub fn ovs_header_dp_ifindex(user_header: &[u8]) -> Result<i32, Errno> {
    let b = user_header.get(..4).ok_or(Errno::EINVAL)?;
    Ok(i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}
