// SPDX-License-Identifier: GPL-2.0
//! Typed `OVS_VPORT_ATTR_*` requests and the vport reply attributes.
//!
//! Upstream counterpart: `vport_policy`, the attribute handling of `ovs_vport_cmd_new/set/
//! del/get`, `lookup_vport()` and `ovs_vport_cmd_fill_info()` in `net/openvswitch/datapath.c`,
//! with `ovs_vport_set_upcall_portids()`/`ovs_vport_get_upcall_stats()` of `vport.c`.
//! Pure, shared with the host crate.
//!
//! Errors come in upstream's order: [`VportAttrs::parse`] repeats the family policy (which
//! the kernel applies before any handler), the request checks repeat the handlers' own, and
//! what needs the datapath (`ENODEV`, `EBUSY`) or the CPU count is left to the caller.
//! Upstream logs nothing for these errors, so the extack messages are ours.

use core::ffi::CStr;

use super::errno::{Errno, Rejection};
use super::nla::{policy, AttrWriter};
use super::uapi::{
    vport_attr, vport_type, vport_upcall_attr, DP_MAX_PORTS, IFNAMSIZ, OVSP_LOCAL, VPORT_STATS_LEN,
};

/// `OVS_VPORT_TYPE_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VportType {
    Netdev,
    Internal,
    Gre,
    Vxlan,
    Geneve,
    /// `OVS_VPORT_TYPE_UNSPEC` or a number no type has: upstream fails to find the vport
    /// ops for it (`EAFNOSUPPORT` once the module autoload came to nothing).
    Other(u32),
}

impl VportType {
    pub const fn from_u32(v: u32) -> Self {
        match v {
            vport_type::NETDEV => Self::Netdev,
            vport_type::INTERNAL => Self::Internal,
            vport_type::GRE => Self::Gre,
            vport_type::VXLAN => Self::Vxlan,
            vport_type::GENEVE => Self::Geneve,
            other => Self::Other(other),
        }
    }

    pub const fn as_u32(self) -> u32 {
        match self {
            Self::Netdev => vport_type::NETDEV,
            Self::Internal => vport_type::INTERNAL,
            Self::Gre => vport_type::GRE,
            Self::Vxlan => vport_type::VXLAN,
            Self::Geneve => vport_type::GENEVE,
            Self::Other(v) => v,
        }
    }
}

/// The payload of `OVS_VPORT_ATTR_UPCALL_PID`: an array of host-order `u32` netlink port
/// ids, as received. Its shape is checked by [`UpcallPids::validate`], at the point where
/// upstream's `ovs_vport_set_upcall_portids()` checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UpcallPids<'a>(pub &'a [u8]);

impl<'a> UpcallPids<'a> {
    /// The raw payload.
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The number of whole ids.
    pub const fn len(&self) -> usize {
        self.0.len() / 4
    }

    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Id `i`, if the array has it.
    pub fn get(&self, i: usize) -> Option<u32> {
        self.iter().nth(i)
    }

    /// The ids in order (a trailing partial id is not yielded).
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.0
            .chunks_exact(4)
            .filter_map(|b| <[u8; 4]>::try_from(b).ok().map(u32::from_ne_bytes))
    }

    /// Upstream's `ovs_vport_set_upcall_portids()`: `EINVAL` for an empty array, a length
    /// that is not a multiple of 4, or more ids than `nr_cpu_ids`.
    pub fn validate(&self, nr_cpu_ids: usize) -> Result<(), Rejection> {
        self.validate_as(nr_cpu_ids, vport_attr::UPCALL_PID)
    }

    /// [`Self::validate`] for ids that came in attribute `attr` (a new datapath's
    /// `OVS_DP_ATTR_UPCALL_PID`, which upstream hands to its local port as they are).
    pub fn validate_as(&self, nr_cpu_ids: usize, attr: u16) -> Result<(), Rejection> {
        let bad = |msg| Rejection::new(Errno::EINVAL, msg, Some(attr));
        if self.0.is_empty() || self.0.len() & 3 != 0 {
            return Err(bad(c"Upcall PIDs must be a non-empty array of u32"));
        }
        if self.len() > nr_cpu_ids {
            return Err(bad(c"More upcall PIDs than CPUs"));
        }
        Ok(())
    }
}

/// The `OVS_VPORT_ATTR_*` of a NEW, SET, GET or DEL request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VportAttrs<'a> {
    /// The name up to its NUL; the policy allows an empty one (which names no vport).
    pub name: Option<&'a CStr>,
    pub vport_type: Option<VportType>,
    pub port_no: Option<u32>,
    pub upcall_pids: Option<UpcallPids<'a>>,
    /// The nested, type-specific options, unparsed.
    pub options: Option<&'a [u8]>,
    /// Never negative (the policy's minimum is 0).
    pub ifindex: Option<i32>,
    /// Parsed as the policy does; upstream reads it only in replies.
    pub netnsid: Option<i32>,
}

impl<'a> VportAttrs<'a> {
    /// Parses the attribute table with upstream's `vport_policy` checks: a name that is not
    /// NUL-terminated within `IFNAMSIZ` bytes is `EINVAL`, a longer one `ERANGE`; short
    /// integers, a non-empty options nest shorter than a header, and a negative ifindex are
    /// `ERANGE`. `OVS_VPORT_ATTR_STATS` and `UPCALL_STATS` are output only: the policy's
    /// length checks (`ERANGE`) apply, their contents are ignored.
    pub fn parse(attr: impl Fn(u16) -> Option<&'a [u8]>) -> Result<Self, Rejection> {
        let name = attr(vport_attr::NAME)
            .map(|p| policy::nul_string(p, IFNAMSIZ - 1, vport_attr::NAME))
            .transpose()?;
        let port_no = attr(vport_attr::PORT_NO)
            .map(|p| policy::u32(p, vport_attr::PORT_NO))
            .transpose()?;
        let vport_type = attr(vport_attr::TYPE)
            .map(|p| policy::u32(p, vport_attr::TYPE).map(VportType::from_u32))
            .transpose()?;
        let options = attr(vport_attr::OPTIONS)
            .map(|p| policy::nested(p, vport_attr::OPTIONS))
            .transpose()?;
        let ifindex = attr(vport_attr::IFINDEX)
            .map(|p| policy::s32_min(p, 0, vport_attr::IFINDEX))
            .transpose()?;
        let netnsid = attr(vport_attr::NETNSID)
            .map(|p| policy::s32(p, vport_attr::NETNSID))
            .transpose()?;
        // Output-only, but in the policy: checked, then ignored.
        if let Some(p) = attr(vport_attr::STATS) {
            policy::min_len(p, VPORT_STATS_LEN, vport_attr::STATS)?;
        }
        if let Some(p) = attr(vport_attr::UPCALL_STATS) {
            policy::nested(p, vport_attr::UPCALL_STATS)?;
        }
        Ok(Self {
            name,
            vport_type,
            port_no,
            upcall_pids: attr(vport_attr::UPCALL_PID).map(UpcallPids),
            options,
            ifindex,
            netnsid,
        })
    }

    /// The checks `ovs_vport_cmd_new()` makes before it looks at the datapath:
    /// name, type and upcall PIDs are required (`EINVAL`), an ifindex is only for internal
    /// ports (`EOPNOTSUPP`), a port number must be below `DP_MAX_PORTS` (`Errno::EFBIG`).
    /// The upcall PIDs are not checked yet: upstream does that after finding the datapath
    /// (`ENODEV`) and a free port (`EBUSY`, `Errno::EFBIG`); call [`UpcallPids::validate`] then.
    pub fn new_request(&self) -> Result<NewVport<'a>, Rejection> {
        // A missing attribute has nothing to point at: no attribute is named.
        let missing = |msg| Err(Rejection::new(Errno::EINVAL, msg, None));
        let Some(name) = self.name else {
            return missing(c"New vport needs a name");
        };
        let Some(vport_type) = self.vport_type else {
            return missing(c"New vport needs a type");
        };
        let Some(upcall_pids) = self.upcall_pids else {
            return missing(c"New vport needs upcall PIDs");
        };
        if self.ifindex.is_some() && vport_type != VportType::Internal {
            return Err(Rejection::new(
                Errno::EOPNOTSUPP,
                c"Only internal vports take an ifindex",
                Some(vport_attr::IFINDEX),
            ));
        }
        let port_no = self.port_no.unwrap_or(0);
        if port_no >= DP_MAX_PORTS {
            return Err(Rejection::new(
                Errno::EFBIG,
                c"Vport number out of range",
                Some(vport_attr::PORT_NO),
            ));
        }
        Ok(NewVport {
            name,
            vport_type,
            port_no: u16::try_from(port_no).ok().filter(|&p| p != 0),
            upcall_pids,
            options: self.options,
            desired_ifindex: self.ifindex.unwrap_or(0),
        })
    }

    /// `ovs_vport_cmd_set()` after the lookup: a type, if given, must be the vport's
    /// (`EINVAL`).
    pub fn check_set_type(&self, actual: VportType) -> Result<(), Rejection> {
        match self.vport_type {
            Some(t) if t != actual => Err(Rejection::new(
                Errno::EINVAL,
                c"Vport type cannot change",
                Some(vport_attr::TYPE),
            )),
            _ => Ok(()),
        }
    }
}

/// A checked `OVS_VPORT_CMD_NEW`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewVport<'a> {
    pub name: &'a CStr,
    pub vport_type: VportType,
    /// The port asked for; `None` (no `PORT_NO`, or 0) means the lowest free one from 1.
    pub port_no: Option<u16>,
    pub upcall_pids: UpcallPids<'a>,
    pub options: Option<&'a [u8]>,
    /// 0 for "any", as upstream's `vport_parms.desired_ifindex`.
    pub desired_ifindex: i32,
}

/// How a SET, GET or DEL names its vport (`lookup_vport()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VportSelector<'a> {
    /// By name, in the request's network namespace. If `dp_ifindex` is `Some`, the vport
    /// must belong to that datapath: upstream answers `ENODEV` when it does not, as when
    /// no vport has the name.
    Name {
        name: &'a CStr,
        dp_ifindex: Option<i32>,
    },
    /// Port `port_no` of the datapath with ifindex `dp_ifindex` (`ENODEV` when there is no
    /// such datapath or port).
    PortNo { dp_ifindex: i32, port_no: u16 },
}

/// Which vport a SET, GET or DEL addresses, following `lookup_vport()`: an
/// `OVS_VPORT_ATTR_IFINDEX` is `EOPNOTSUPP`; a name is preferred; else a port number must be
/// below `DP_MAX_PORTS` (`Errno::EFBIG`); with neither the request is `EINVAL`. Only those three
/// attributes are read (and policy-checked); others are ignored here.
pub fn vport_selector<'a>(
    attr: impl Fn(u16) -> Option<&'a [u8]>,
    dp_ifindex: i32,
) -> Result<VportSelector<'a>, Rejection> {
    let used = |n: u16| match n {
        vport_attr::IFINDEX | vport_attr::NAME | vport_attr::PORT_NO => attr(n),
        _ => None,
    };
    let a = VportAttrs::parse(used)?;
    if a.ifindex.is_some() {
        return Err(Rejection::new(
            Errno::EOPNOTSUPP,
            c"Vports cannot be looked up by ifindex",
            Some(vport_attr::IFINDEX),
        ));
    }
    if let Some(name) = a.name {
        return Ok(VportSelector::Name {
            name,
            dp_ifindex: (dp_ifindex != 0).then_some(dp_ifindex),
        });
    }
    let Some(port_no) = a.port_no else {
        return Err(Rejection::new(
            Errno::EINVAL,
            c"Vport name or number required",
            None,
        ));
    };
    match u16::try_from(port_no) {
        Ok(port_no) if u32::from(port_no) < DP_MAX_PORTS => Ok(VportSelector::PortNo {
            dp_ifindex,
            port_no,
        }),
        _ => Err(Rejection::new(
            Errno::EFBIG,
            c"Vport number out of range",
            Some(vport_attr::PORT_NO),
        )),
    }
}

/// `ovs_vport_cmd_del()` after the lookup: the datapath's local port goes only with the
/// datapath (`EINVAL`).
pub fn check_deletable(port_no: u32) -> Result<(), Rejection> {
    if port_no == OVSP_LOCAL {
        return Err(Rejection::new(
            Errno::EINVAL,
            c"The local port is deleted with its datapath",
            None,
        ));
    }
    Ok(())
}

/// `struct ovs_vport_stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VportStats {
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_dropped: u64,
    pub tx_dropped: u64,
}

impl VportStats {
    /// The struct's bytes: the counters in field order, host byte order, no padding.
    pub fn to_bytes(self) -> [u8; VPORT_STATS_LEN] {
        let mut out = [0u8; VPORT_STATS_LEN];
        let fields = [
            self.rx_packets,
            self.tx_packets,
            self.rx_bytes,
            self.tx_bytes,
            self.rx_errors,
            self.tx_errors,
            self.rx_dropped,
            self.tx_dropped,
        ];
        for (chunk, v) in out.chunks_exact_mut(8).zip(fields) {
            chunk.copy_from_slice(&v.to_ne_bytes());
        }
        out
    }
}

/// `OVS_VPORT_ATTR_STATS`, put as `ovs_vport_cmd_fill_info()` does, with `nla_put_64bit()`
/// and `OVS_VPORT_ATTR_PAD` ([`AttrWriter::put_64bit`]). `EMSGSIZE` if it does not fit.
pub fn put_vport_stats(out: &mut AttrWriter<'_>, stats: &VportStats) -> Result<(), Errno> {
    out.put_64bit(vport_attr::STATS, &stats.to_bytes(), vport_attr::PAD)
}

/// `OVS_VPORT_ATTR_UPCALL_STATS`, as `ovs_vport_get_upcall_stats()` puts it: a nest
/// (without `NLA_F_NESTED`) of `OVS_VPORT_UPCALL_ATTR_SUCCESS` and `FAIL`, 64-bit with
/// `OVS_VPORT_ATTR_PAD`. On `EMSGSIZE` the nest is removed again.
pub fn put_vport_upcall_stats(
    out: &mut AttrWriter<'_>,
    success: u64,
    fail: u64,
) -> Result<(), Errno> {
    let nest = out.start_nest_noflag(vport_attr::UPCALL_STATS)?;
    let body = out
        .put_u64_64bit(vport_upcall_attr::SUCCESS, success, vport_attr::PAD)
        .and_then(|()| out.put_u64_64bit(vport_upcall_attr::FAIL, fail, vport_attr::PAD));
    match body {
        Ok(()) => out.end_nest(nest),
        Err(e) => {
            out.cancel_nest(nest);
            Err(e)
        }
    }
}

/// `OVS_VPORT_ATTR_UPCALL_PID` as `ovs_vport_get_upcall_portids()` puts it: the array of
/// ids (a datapath dispatching per CPU puts a single 0 instead; that choice is the caller's).
pub fn put_upcall_pids(out: &mut AttrWriter<'_>, pids: &[u32]) -> Result<(), Errno> {
    let nest = out.start_nest_noflag(vport_attr::UPCALL_PID)?;
    // Written as a nest so the ids need no buffer of their own; the header is the same as a
    // plain attribute's, as the nest never carries NLA_F_NESTED here.
    for id in pids {
        if let Err(e) = out.put_raw(&id.to_ne_bytes()) {
            out.cancel_nest(nest);
            return Err(e);
        }
    }
    out.end_nest(nest)
}
