// SPDX-License-Identifier: GPL-2.0
//! Typed `OVS_DP_ATTR_*` requests, parsed once from the policy-checked attribute table.
//!
//! Upstream counterpart: the attribute handling of `ovs_dp_cmd_new/set/get` and
//! `lookup_datapath()` in `net/openvswitch/datapath.c`. Pure, shared with the host crate.

use super::errno::{Errno, Rejection};
use super::nla::{nul_string, AttrWriter};
use super::uapi::{
    dp_attr, dp_feature, IFNAMSIZ, MASKS_CACHE_SIZE_MAX, OVS_DP_VER_FEATURES, OVS_HEADER_LEN,
};
use super::vport_attrs::UpcallPids;

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
    /// `OVS_DP_ATTR_UPCALL_PID`. The policy says `NLA_U32`, but the family validates
    /// leniently (a longer payload passes with a warning), and upstream gives the payload as
    /// it is to the local port: an array of pids, checked as a vport's
    /// ([`UpcallPids::validate_as`]) when the port is created.
    pub upcall_pids: Option<UpcallPids<'a>>,
    pub user_features: Option<u32>,
    pub masks_cache_size: Option<u32>,
    /// `OVS_DP_ATTR_PER_CPU_PIDS`, unchecked: upstream reads it only when the request's
    /// features have `OVS_DP_F_DISPATCH_UPCALL_PER_CPU` ([`DpAttrs::per_cpu_pids`]).
    pub per_cpu_pids: Option<&'a [u8]>,
    /// The local port's ifindex asked for (`vport_parms.desired_ifindex`); 0 is "any".
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
        let upcall_pids = match attr(dp_attr::UPCALL_PID) {
            // The policy's minimum length (`nla_attr_minlen[NLA_U32]`).
            Some(p) if p.len() < 4 => {
                return Err(Rejection::new(
                    Errno::EINVAL,
                    c"Attribute too short",
                    Some(dp_attr::UPCALL_PID),
                ))
            }
            p => p.map(UpcallPids),
        };
        Ok(Self {
            name,
            upcall_pids,
            user_features,
            masks_cache_size,
            per_cpu_pids: attr(dp_attr::PER_CPU_PIDS),
            ifindex,
        })
    }

    /// The per-CPU upcall pids a NEW or SET installs, as upstream's `ovs_dp_change()`:
    /// `None` unless the request's features (absent: 0) have
    /// `OVS_DP_F_DISPATCH_UPCALL_PER_CPU` and it carries `OVS_DP_ATTR_PER_CPU_PIDS`; then
    /// `EINVAL` for an empty array or one whose length is not a multiple of 4
    /// (`ovs_dp_set_upcall_portids()`). There is no bound: more pids than CPUs are kept.
    pub fn per_cpu_pids(&self) -> Option<Result<UpcallPids<'a>, Rejection>> {
        let features = self.user_features.unwrap_or(0);
        if features & dp_feature::DISPATCH_UPCALL_PER_CPU == 0 {
            return None;
        }
        let raw = self.per_cpu_pids?;
        Some(if raw.is_empty() || raw.len() % 4 != 0 {
            Err(Rejection::new(
                Errno::EINVAL,
                c"Per-CPU upcall PIDs must be a non-empty array of u32",
                Some(dp_attr::PER_CPU_PIDS),
            ))
        } else {
            Ok(UpcallPids(raw))
        })
    }
}

/// `ovs_dp_cmd_fill_info()`'s `OVS_DP_ATTR_PER_CPU_PIDS`: the first `nr_cpu_ids` of the
/// datapath's per-CPU pids (it may hold more).
pub fn put_per_cpu_pids(
    w: &mut AttrWriter<'_>,
    pids: &[u32],
    nr_cpu_ids: usize,
) -> Result<(), Errno> {
    let n = pids.len().min(nr_cpu_ids);
    w.put_u32_array(dp_attr::PER_CPU_PIDS, &pids[..n])
}

/// Whether a NEW that failed with `EEXIST` drops the features of the datapath by that
/// name: it does when userspace speaks a family version older than `OVS_DP_VER_FEATURES`
/// (it knows no features and is likely to reuse the datapath), as upstream's
/// `ovs_dp_cmd_new()` calls `ovs_dp_reset_user_features()`.
pub fn existing_dp_drops_features(genl_version: u8) -> bool {
    genl_version < OVS_DP_VER_FEATURES
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
