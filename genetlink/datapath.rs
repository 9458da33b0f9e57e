// SPDX-License-Identifier: GPL-2.0
//! The `ovs_datapath` family: `OVS_DP_CMD_*`.
//!
//! Upstream counterpart: `ovs_dp_cmd_{new,del,get,set,dump}`, `datapath_policy` and
//! `dp_datapath_genl_family` in `net/openvswitch/datapath.c`. Same name, version, attribute
//! numbers, policy, permissions and multicast group as upstream.
//!
//! Only GET exists so far. No command can create a datapath yet (NEW comes with the core
//! datapath work), so a GET names a datapath that cannot exist and a dump lists none.
//! Unregistered commands get `EOPNOTSUPP` from genetlink itself.

use kernel::prelude::*;

use super::dp_attrs::{dp_selector, ovs_header_dp_ifindex, DpSelector};
use super::uapi::{dp_attr, dp_cmd, IFNAMSIZ, MASKS_CACHE_SIZE_MAX};
use super::uapi::{
    OVS_DATAPATH_FAMILY, OVS_DATAPATH_MCGROUP, OVS_DATAPATH_VERSION, OVS_HEADER_LEN,
};
use crate::net::genl::{errno_to_error, DoIt, Dump, DumpCursor, FamilySpec, McGroup, Op};
use crate::net::genl::{Permission, Request};
use crate::net::policy::Policy;

/// Upstream's `datapath_policy`, entry for entry.
static POLICY: [Policy; dp_attr::MAX as usize + 1] = [
    Policy::unspec(),                                  // UNSPEC
    Policy::nul_string(IFNAMSIZ as u16 - 1),           // NAME
    Policy::u32(),                                     // UPCALL_PID
    Policy::unspec(),                                  // STATS (output only)
    Policy::unspec(),                                  // MEGAFLOW_STATS (output only)
    Policy::u32(),                                     // USER_FEATURES
    Policy::unspec(),                                  // PAD
    Policy::u32_range(0, MASKS_CACHE_SIZE_MAX as i16), // MASKS_CACHE_SIZE
    Policy::unspec(),                                  // PER_CPU_PIDS (u32 array)
    Policy::s32_min(0),                                // IFINDEX
];

static OPS: [Op; 1] = [Op::new(dp_cmd::GET, Permission::Anyone)
    .doit::<Get>()
    .dump::<Get>()];

static MCGRPS: [McGroup; 1] = [McGroup::new(OVS_DATAPATH_MCGROUP)];

pub(super) static FAMILY: FamilySpec = FamilySpec {
    name: OVS_DATAPATH_FAMILY,
    version: OVS_DATAPATH_VERSION,
    hdrsize: OVS_HEADER_LEN,
    policy: &POLICY,
    ops: &OPS,
    mcgrps: &MCGRPS,
    resv_start_op: dp_cmd::SET + 1,
};

/// `OVS_DP_CMD_GET`.
struct Get;

impl DoIt for Get {
    fn doit(req: &Request<'_>) -> Result {
        let dp_ifindex = ovs_header_dp_ifindex(req.user_header()).map_err(errno_to_error)?;
        let selector = dp_selector(|n| req.attr(n), dp_ifindex).map_err(|r| req.reject(r))?;
        // Upstream's lookup_datapath(): ENODEV for a datapath that does not exist, which
        // until OVS_DP_CMD_NEW lands is every one.
        match selector {
            DpSelector::Name(_) | DpSelector::Ifindex(_) => Err(ENODEV),
        }
    }
}

impl Dump for Get {
    fn dump(_dump: &mut DumpCursor<'_>) -> Result {
        // No datapath exists, so the dump is complete at once: adding nothing ends it.
        Ok(())
    }
}
