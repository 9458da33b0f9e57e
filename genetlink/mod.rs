// SPDX-License-Identifier: GPL-2.0
//! The OVS generic-netlink families and their commands.
//!
//! Upstream counterpart: the `dp_*_genl_family` definitions and `dp_register_genl()` of
//! `net/openvswitch/datapath.c`. The pure submodules (`uapi`, `errno`, `nla`, `dp_attrs`)
//! are shared with the host crate; `datapath` and this file are kernel-only.

// The pure modules' items are `pub` for the host crate (tests/host), which sees them from
// outside; inside the module that is `unreachable_pub`.
#[expect(unreachable_pub)]
pub(crate) mod dp_attrs;
// A table of errno values, filled as the pure code needs them: kernel-only builds may not
// use every one.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod errno;
#[allow(unreachable_pub, dead_code)]
pub(crate) mod nla;
// A complete copy of the ABI's numbers: not every one has a user in the module.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod uapi;

#[allow(dead_code, unreachable_pub)]
pub(crate) mod flow_attrs;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod packet_attrs;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod vport_attrs;

pub(crate) mod datapath;
pub(crate) mod flow;
pub(crate) mod packet;
pub(crate) mod vport;

use kernel::prelude::*;

use crate::net::genl::Registration;
use crate::net::sync::RcuBox;
use vport_attrs::UpcallPids;

/// Copies a checked array of netlink port ids into the form datapaths and vports publish.
fn pid_list(pids: UpcallPids<'_>) -> Result<RcuBox<KVec<u32>>> {
    let mut list = KVec::with_capacity(pids.len(), GFP_KERNEL)?;
    for p in pids.iter() {
        list.push(p, GFP_KERNEL)?;
    }
    RcuBox::new(list, GFP_KERNEL)
}

/// The registered families; dropping this unregisters them, in reverse order.
pub(crate) struct Families {
    _regs: [Registration; 4],
}

impl Families {
    pub(crate) fn register(module: &'static ThisModule) -> Result<Self> {
        let reg = |spec: &'static crate::net::genl::FamilySpec| {
            Registration::register(spec, module).inspect_err(|e| {
                if *e == EEXIST {
                    pr_err!(
                        "generic netlink family {} is already registered: unload openvswitch.ko \
                         (rmmod openvswitch) before loading openvswitch_rs\n",
                        spec.name
                    );
                } else {
                    pr_err!("cannot register family {}: {:?}\n", spec.name, e);
                }
            })
        };
        // Upstream's order: datapath, vport, flow, packet.
        let dp = reg(&datapath::FAMILY)?;
        let vport = reg(&vport::FAMILY)?;
        let flow = reg(&flow::FAMILY)?;
        let packet = reg(&packet::FAMILY)?;
        Ok(Self {
            _regs: [dp, vport, flow, packet],
        })
    }
}
