// SPDX-License-Identifier: GPL-2.0
//! openvswitch_rs: the Open vSwitch kernel datapath, in Rust.
//!
//! Upstream counterpart: `net/openvswitch/datapath.c` (`dp_init`/`dp_cleanup`). This crate
//! root holds only the module declaration, the module list and init/exit.

use kernel::prelude::*;

mod actions;
mod datapath;
mod flow;
mod genetlink;
mod net;
mod sys;
mod vport;

module! {
    type: OpenvswitchRs,
    name: "openvswitch_rs",
    author: "openvswitch-rs developers",
    description: "Open vSwitch switching datapath (Rust)",
    license: "GPL",
}

/// The module's state. Fields drop in order: events first (no new work), then the
/// families (no new requests), then the RCU barrier (no callback left running our code).
struct OpenvswitchRs {
    _events: net::netdev::EventsRegistration,
    _families: genetlink::Families,
    _rcu_barrier: RcuBarrierOnDrop,
}

struct RcuBarrierOnDrop;

impl Drop for RcuBarrierOnDrop {
    fn drop(&mut self) {
        net::sync::rcu_barrier();
    }
}

impl kernel::Module for OpenvswitchRs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let families = genetlink::Families::register(module)?;
        let events = net::netdev::EventsRegistration::register::<datapath::DatapathEvents>()?;
        pr_info!("Open vSwitch switching datapath (Rust)\n");
        Ok(Self {
            _events: events,
            _families: families,
            _rcu_barrier: RcuBarrierOnDrop,
        })
    }
}

impl Drop for OpenvswitchRs {
    fn drop(&mut self) {
        // Every datapath goes before the events and families it uses.
        datapath::destroy_all(None);
    }
}
