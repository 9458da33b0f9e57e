// SPDX-License-Identifier: GPL-2.0
//! The OVS generic-netlink families and their commands.
//!
//! Upstream counterpart: the `dp_*_genl_family` definitions and `dp_register_genl()` of
//! `net/openvswitch/datapath.c`. The top layer: the command handlers, over the datapath
//! (`crate::datapath`) and the ABI's typed attributes (`crate::abi`).

// `unsafe` lives only in `sys/` and `net/`.
#![forbid(unsafe_code)]

pub(crate) mod ct_limit;
pub(crate) mod datapath;
pub(crate) mod flow;
pub(crate) mod packet;
pub(crate) mod vport;

use kernel::prelude::*;

use crate::abi::errno::{Errno, OvsError};
use crate::abi::nla::AttrWriter;
use crate::abi::vport_attrs::UpcallPids;
use crate::net::genl::{Message, Registration};
use crate::net::sync::RcuBox;

/// What the handlers and their helpers return: the module's one error.
pub(crate) type Result<T = (), E = OvsError> = core::result::Result<T, E>;

/// Fills the reply of a change already made. The reply was allocated before the change, as
/// upstream's `ovs_*_cmd_alloc_info()`, so that running out of memory fails the request
/// rather than the reply of a change that stands; and it was sized to fit. So a fill that
/// fails is a sizing bug (upstream BUG()s there): logged, and the reply is not sent, but
/// the request still succeeds, since its change was made. Returns whether to send it.
fn fill_committed(
    msg: &mut Message,
    fill: impl FnOnce(&mut AttrWriter<'_>) -> Result<(), Errno>,
) -> bool {
    let filled = msg.put_attrs(fill).is_ok();
    if !filled {
        pr_err!("a reply did not fit the room reserved for it before the change\n");
    }
    filled
}

/// Copies a checked array of netlink port ids into the form datapaths and vports publish.
fn pid_list(pids: UpcallPids<'_>) -> Result<RcuBox<KVec<u32>>> {
    let mut list = KVec::with_capacity(pids.len(), GFP_KERNEL)?;
    for p in pids.iter() {
        list.push(p, GFP_KERNEL)?;
    }
    Ok(RcuBox::new(list, GFP_KERNEL)?)
}

/// The registered families; dropping this unregisters them, in reverse order.
pub(crate) struct Families {
    /// Registered last, where the kernel has nf_conncount (as upstream's), so gone first.
    _ct_limit: Option<Registration>,
    _regs: [Registration; 4],
}

impl Families {
    pub(crate) fn register(module: &'static ThisModule) -> kernel::error::Result<Self> {
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
        // Upstream's order: datapath, vport, flow, packet, (meter,) ct_limit.
        let dp = reg(&datapath::FAMILY)?;
        let vport = reg(&vport::FAMILY)?;
        let flow = reg(&flow::FAMILY)?;
        let packet = reg(&packet::FAMILY)?;
        let regs = [dp, vport, flow, packet];
        let ct_limit = if crate::net::conntrack::ConnCount::supported() {
            Some(reg(&ct_limit::FAMILY)?)
        } else {
            None
        };
        Ok(Self {
            _ct_limit: ct_limit,
            _regs: regs,
        })
    }
}
