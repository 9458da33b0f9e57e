// SPDX-License-Identifier: GPL-2.0
//! openvswitch_rs: the Open vSwitch kernel datapath, in Rust.
//!
//! Upstream counterpart: `net/openvswitch/datapath.c` (`dp_init`/`dp_cleanup`). This crate
//! root holds only the module declaration, the module list and init/exit.

use kernel::prelude::*;

mod actions;
mod flow;
mod genetlink;
mod net;
mod sys;

module! {
    type: OpenvswitchRs,
    name: "openvswitch_rs",
    author: "openvswitch-rs developers",
    description: "Open vSwitch switching datapath (Rust)",
    license: "GPL",
}

struct OpenvswitchRs {
    _families: genetlink::Families,
}

impl kernel::Module for OpenvswitchRs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let families = genetlink::Families::register(module)?;
        pr_info!("Open vSwitch switching datapath (Rust)\n");
        Ok(Self {
            _families: families,
        })
    }
}
