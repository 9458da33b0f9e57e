// SPDX-License-Identifier: GPL-2.0
//! The OVS generic-netlink families and their commands.
//!
//! Upstream counterpart: the `dp_*_genl_family` definitions and `dp_register_genl()` of
//! `net/openvswitch/datapath.c`. The pure submodules (`uapi`, `errno`, `nla`, `dp_attrs`)
//! are shared with the host crate; `datapath` and this file are kernel-only.

pub mod dp_attrs;
pub mod errno;
pub mod nla;
pub mod uapi;

mod datapath;

use kernel::prelude::*;

use crate::net::genl::Registration;

/// The registered families; dropping this unregisters them, in reverse order.
pub struct Families {
    _datapath: Registration,
}

impl Families {
    pub fn register(module: &'static ThisModule) -> Result<Self> {
        let datapath = Registration::register(&datapath::FAMILY, module).inspect_err(|e| {
            if *e == EEXIST {
                pr_err!(
                    "generic netlink family {} is already registered: unload openvswitch.ko \
                     (rmmod openvswitch) before loading openvswitch_rs\n",
                    datapath::FAMILY.name
                );
            } else {
                pr_err!(
                    "cannot register family {}: {:?}\n",
                    datapath::FAMILY.name,
                    e
                );
            }
        })?;
        Ok(Self {
            _datapath: datapath,
        })
    }
}
