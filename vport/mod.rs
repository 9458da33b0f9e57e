// SPDX-License-Identifier: GPL-2.0
//! Vports: the datapath's ports, each backed by a net_device.
//!
//! Upstream counterpart: `net/openvswitch/vport.c`, `vport-netdev.c` (type `netdev`: an
//! rx_handler on an existing device) and `vport-internal_dev.c` (type `internal`: a device
//! of our own, whose transmit enters the datapath).
//!
//! # Lifetimes
//!
//! A vport is an `Arc<Vport>` held by its datapath's port table and, for a netdev port, by
//! the device's rx_handler data (released at detach). An internal device holds an
//! [`InternalLink`] (datapath and port number) rather than the vport, so that unregistering
//! the device never waits on the vport's own device reference.

// `unsafe` lives only in `sys/` and `net/`.
#![forbid(unsafe_code)]
use core::sync::atomic::{AtomicBool, Ordering};

use core::ffi::CStr;

use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};

use crate::datapath::Datapath;
use crate::net::netdev::{self, InternalDevHandler, NetDevice, NetNs, Rtnl, RxHandler};
use crate::net::skb::SkBuff;
use crate::net::sync::{rcu_read_lock, PerCpuCounters, RcuPtr, RcuReader};

/// `OVS_VPORT_TYPE_*` of the ports this datapath implements.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum VportKind {
    Netdev,
    Internal,
}

impl VportKind {
    pub(crate) fn uapi(self) -> u32 {
        match self {
            Self::Netdev => crate::abi::uapi::vport_type::NETDEV,
            Self::Internal => crate::abi::uapi::vport_type::INTERNAL,
        }
    }
}

/// The upcall port ids of a vport (`OVS_VPORT_ATTR_UPCALL_PID`).
pub(crate) type UpcallPids = KVec<u32>;

pub(crate) struct Vport {
    pub(crate) port_no: u32,
    pub(crate) kind: VportKind,
    pub(crate) dev: NetDevice,
    pub(crate) dp: Arc<Datapath>,
    pub(crate) upcall_pids: RcuPtr<UpcallPids>,
    /// Upcalls of packets received on this port: delivered, failed
    /// (`OVS_VPORT_ATTR_UPCALL_STATS`).
    pub(crate) upcall_stats: PerCpuCounters<2>,
    /// Set when the device went away under us (netdev unregistered): the notify work
    /// removes the port.
    pub(crate) detached: AtomicBool,
}

impl Vport {
    /// Sends a packet out of this port.
    pub(crate) fn send(&self, skb: SkBuff) {
        match self.kind {
            VportKind::Netdev => skb.xmit(&self.dev),
            VportKind::Internal => skb.receive_on_internal(&self.dev),
        }
    }

    /// The upcall port id for a packet with `hash` (upstream's
    /// `ovs_vport_find_upcall_portid`: one of the ids, spread by hash). 0 means none.
    pub(crate) fn upcall_pid(&self, hash: u32, r: &impl RcuReader) -> u32 {
        let Some(pids) = self.upcall_pids.get(r) else {
            return 0;
        };
        match pids.len() {
            0 => 0,
            1 => pids[0],
            n => {
                // `reciprocal_scale`: maps the hash onto 0..n.
                let i = ((u64::from(hash) * n as u64) >> 32) as usize;
                pids.get(i).copied().unwrap_or(0)
            }
        }
    }

    pub(crate) fn name(&self) -> &CStr {
        self.dev.name()
    }
}

impl RxHandler for Vport {
    fn receive(this: ArcBorrow<'_, Self>, skb: SkBuff) {
        this.dp.receive(&this, skb);
    }
}

/// What an internal device knows of its port.
pub(crate) struct InternalLink {
    dp: Arc<Datapath>,
    port_no: u32,
}

impl InternalDevHandler for InternalLink {
    fn xmit(this: ArcBorrow<'_, Self>, skb: SkBuff) -> Result {
        let rcu = rcu_read_lock();
        let port = this.dp.port(this.port_no, &rcu).ok_or(ENODEV)?;
        this.dp.receive(port, skb);
        Ok(())
    }
}

/// Creates the internal device of port `port_no` of `dp`, named `name`, with ifindex
/// `ifindex` (0: any), as upstream's `internal_dev_create()` (`desired_ifindex`).
pub(crate) fn create_internal(
    dp: &Arc<Datapath>,
    net: NetNs,
    name: &CStr,
    port_no: u32,
    ifindex: i32,
) -> Result<NetDevice> {
    let link = Arc::new(
        InternalLink {
            dp: dp.clone(),
            port_no,
        },
        GFP_KERNEL,
    )?;
    // The local port stays in the datapath's namespace, as upstream.
    netdev::create_internal(net, name, ifindex, port_no == 0, link)
}

/// Takes a port's device out of service: unregisters an internal device, detaches a
/// netdev one. `vport` must already be out of the port table; it is consumed here so that
/// no reference of ours delays the device's unregistration.
pub(crate) fn destroy(vport: Arc<Vport>) {
    let dev = vport.dev.clone();
    let kind = vport.kind;
    drop(vport);
    let rtnl = Rtnl::lock();
    match kind {
        VportKind::Netdev => {
            let handler = netdev::detach_port::<Vport>(&dev, &rtnl);
            drop(handler);
        }
        VportKind::Internal => {
            if !dev.is_unregistering() {
                netdev::unregister(&dev, &rtnl);
            }
        }
    }
    // Our reference must go before RTNL is released: releasing it runs the device's
    // unregistration, which waits for every reference.
    drop(dev);
    drop(rtnl);
}

/// Marks a port whose device is unregistering; the deferred work removes it.
pub(crate) fn mark_detached(vport: &Vport) {
    vport.detached.store(true, Ordering::Release);
}
