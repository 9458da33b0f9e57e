// SPDX-License-Identifier: GPL-2.0
//! openvswitch_rs: the Open vSwitch kernel datapath, in Rust.
//!
//! Upstream counterpart: `net/openvswitch/datapath.c` (`dp_init`/`dp_cleanup`). This crate
//! root holds only the module declaration, the module list and init/exit.

use kernel::prelude::*;

mod abi;
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
    // Upstream's MODULE_ALIAS_GENL_FAMILY() for each family we register (PF_NETLINK 16,
    // NETLINK_GENERIC 16): a family looked up by name while no module holds it makes the
    // kernel `request_module()` this alias. Upstream also declares ovs_meter, which we do
    // not register yet. Which module an alias loads when both
    // are installed is decided by packaging/openvswitch-rs.conf (README).
    alias: [
        "net-pf-16-proto-16-family-ovs_datapath",
        "net-pf-16-proto-16-family-ovs_vport",
        "net-pf-16-proto-16-family-ovs_flow",
        "net-pf-16-proto-16-family-ovs_packet",
        "net-pf-16-proto-16-family-ovs_ct_limit"
    ],
}

/// The module's state. Fields drop in declaration order, which is upstream's
/// `dp_cleanup()`: the families go first (no new request can create a datapath once exit
/// has begun), then every datapath, then the events (notifier, pernet hook, work items),
/// then the RCU barrier (no callback left running our code). Init is the reverse: the
/// families are registered last, once everything a request needs is in place.
struct OpenvswitchRs {
    _families: genetlink::Families,
    _datapaths: DatapathsOnDrop,
    _events: net::netdev::EventsRegistration,
    _rcu_barrier: RcuBarrierOnDrop,
}

/// Destroys every datapath left, in every namespace.
struct DatapathsOnDrop;

impl Drop for DatapathsOnDrop {
    fn drop(&mut self) {
        datapath::destroy_all(None);
    }
}

struct RcuBarrierOnDrop;

impl Drop for RcuBarrierOnDrop {
    fn drop(&mut self) {
        net::sync::rcu_barrier();
    }
}

impl kernel::Module for OpenvswitchRs {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let rcu_barrier = RcuBarrierOnDrop;
        let events = net::netdev::EventsRegistration::register::<
            datapath::DatapathEvents<genetlink::vport::Notifier>,
        >()
        .inspect_err(|e| {
            // First registered, as upstream's rtnl_link_register() in dp_init(), so this is
            // where a loaded openvswitch.ko shows.
            if *e == EEXIST {
                pr_err!(
                    "link kind openvswitch is already registered: unload openvswitch.ko \
                     (rmmod openvswitch) before loading openvswitch_rs\n"
                );
            }
        })?;
        let datapaths = DatapathsOnDrop;
        // Last: from here on userspace can reach the datapath.
        let families = genetlink::Families::register(module)?;
        pr_info!("Open vSwitch switching datapath (Rust)\n");
        Ok(Self {
            _families: families,
            _datapaths: datapaths,
            _events: events,
            _rcu_barrier: rcu_barrier,
        })
    }
}
