// SPDX-License-Identifier: GPL-2.0
//! Datapaths: their ports, flows and statistics, the per-namespace registry, and the
//! packet path from a port's receive to the flow's actions or an upcall.
//!
//! Upstream counterpart: `net/openvswitch/datapath.c` (`struct datapath`,
//! `ovs_dp_process_packet`, `ovs_dp_upcall`, `ovs_dp_detach_port`, `__dp_destroy`) and
//! `dp_notify.c`.
//!
//! # Locking
//!
//! The registry and every datapath field change only under the OVS mutex
//! ([`crate::net::sync::OvsLock`]). The packet path reads the port table and the flow
//! table under RCU. Lock order: OVS mutex, then RTNL (inside `vport::destroy`). The
//! netdevice notifier runs under RTNL and only marks ports and schedules the notify work.

// `unsafe` lives only in `sys/` and `net/`.
#![forbid(unsafe_code)]

pub(crate) mod conntrack;
pub(crate) mod ct_limit;
pub(crate) mod execute;
pub(crate) mod flow_table;
pub(crate) mod upcall;

use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};

use core::ffi::CStr;

use kernel::prelude::*;
use kernel::sync::{Arc, UniqueArc};

use crate::abi::dp_attrs::{dispatches_per_cpu, per_cpu_portid};
use crate::abi::uapi::DP_MAX_PORTS;
use crate::datapath::flow_table::FlowTable;
use crate::flow::extract::{extract, Layout, PacketMeta};
use crate::flow::key::{field as kf, FlowKey};
use crate::net::conntrack::CtLabels;
use crate::net::genl::log_ratelimited;
use crate::net::netdev::{self, NetDevice, NetNs};
use crate::net::skb::{this_cpu, SkBuff};
use crate::net::sync::{
    ovs_lock, rcu_read_lock, OvsCell, OvsLock, PerCpuCounters, RcuBox, RcuPtr, RcuReader,
};
use crate::vport::{self, Vport, VportKind};

/// Bytes of a received packet made linear for key extraction: enough for Ethernet, two
/// VLAN tags, IPv6 with a chain of extension headers, and a transport header.
const HEADERS_MAX: usize = 512;

/// Indices of [`Datapath::stats`].
pub(crate) mod stat {
    pub(crate) const HIT: usize = 0;
    pub(crate) const MISSED: usize = 1;
    pub(crate) const LOST: usize = 2;
    pub(crate) const MASK_HIT: usize = 3;
    pub(crate) const CACHE_HIT: usize = 4;
    pub(crate) const N: usize = 5;
}

/// The port table: port number to vport, copied on write.
#[derive(Default)]
pub(crate) struct PortTable {
    slots: KVec<Option<Arc<Vport>>>,
}

impl PortTable {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<Vport>> {
        self.slots.iter().flatten()
    }
}

pub(crate) struct Datapath {
    /// The name, which is also the local port's device name.
    name: [u8; 16],
    pub(crate) net: NetNs,
    ports: RcuPtr<PortTable>,
    pub(crate) flows: FlowTable,
    pub(crate) stats: PerCpuCounters<{ stat::N }>,
    pub(crate) user_features: AtomicU32,
    /// `OVS_DP_ATTR_PER_CPU_PIDS`.
    pub(crate) per_cpu_pids: RcuPtr<KVec<u32>>,
    /// The local port's ifindex: the datapath's `dp_ifindex`.
    ifindex: AtomicI32,
    /// The 128 conntrack label bits the `ct` action and `ct_label` matches use in `net`
    /// (upstream takes them per namespace, `ovs_ct_init()`); given back by [`destroy`],
    /// while the namespace is live.
    ct_labels: OvsCell<Option<CtLabels>>,
}

/// Every datapath of every namespace.
/// Every datapath of every namespace; a destroyed one leaves an empty slot for reuse.
static DATAPATHS: OvsCell<KVec<Option<Arc<Datapath>>>> = OvsCell::new(KVec::new());

impl Datapath {
    pub(crate) fn name(&self) -> &CStr {
        CStr::from_bytes_until_nul(&self.name).unwrap_or(c"")
    }

    pub(crate) fn ifindex(&self) -> i32 {
        self.ifindex.load(Ordering::Relaxed)
    }

    pub(crate) fn port<'a>(
        &'a self,
        port_no: u32,
        r: &'a impl RcuReader,
    ) -> Option<&'a Arc<Vport>> {
        self.ports.get(r)?.slots.get(port_no as usize)?.as_ref()
    }

    pub(crate) fn ports<'a>(&'a self, r: &'a impl RcuReader) -> Option<&'a PortTable> {
        self.ports.get(r)
    }

    /// The lowest free port number (upstream's allocation when NEW names none).
    pub(crate) fn free_port_no(&self, lock: &OvsLock) -> Option<u32> {
        let table = self.ports.get(lock)?;
        (1..DP_MAX_PORTS).find(|&n| table.slots.get(n as usize).map_or(true, |s| s.is_none()))
    }

    /// Publishes `vport` at its port number (which must be free).
    pub(crate) fn add_port(&self, vport: Arc<Vport>, lock: &mut OvsLock) -> Result {
        let old = self.ports.get(lock).ok_or(EINVAL)?;
        let at = vport.port_no as usize;
        let len = old.slots.len().max(at + 1);
        let mut slots = KVec::with_capacity(len, GFP_KERNEL)?;
        for i in 0..len {
            let s = old.slots.get(i).and_then(|s| s.clone());
            slots.push(if i == at { Some(vport.clone()) } else { s }, GFP_KERNEL)?;
        }
        self.ports
            .replace(Some(RcuBox::new(PortTable { slots }, GFP_KERNEL)?), lock);
        Ok(())
    }

    /// Takes port `port_no` out of the table; the caller destroys it.
    pub(crate) fn remove_port(&self, port_no: u32, lock: &mut OvsLock) -> Result<Arc<Vport>> {
        let old = self.ports.get(lock).ok_or(EINVAL)?;
        let vport = old
            .slots
            .get(port_no as usize)
            .and_then(|s| s.clone())
            .ok_or(ENOENT)?;
        let mut slots = KVec::with_capacity(old.slots.len(), GFP_KERNEL)?;
        for (i, s) in old.slots.iter().enumerate() {
            slots.push(
                if i == port_no as usize {
                    None
                } else {
                    s.clone()
                },
                GFP_KERNEL,
            )?;
        }
        self.ports
            .replace(Some(RcuBox::new(PortTable { slots }, GFP_KERNEL)?), lock);
        Ok(vport)
    }

    /// The packet path: a packet arrived on `port`.
    pub(crate) fn receive(&self, port: &Vport, mut skb: SkBuff) {
        let meta = skb.meta();
        let pm = PacketMeta {
            in_port: port.port_no,
            priority: meta.priority,
            skb_mark: meta.mark,
            recirc_id: 0,
            dp_hash: 0,
            vlan_accel: meta.vlan_present.then_some((meta.vlan_tpid, meta.vlan_tci)),
            ct: Default::default(),
        };
        let mut key = FlowKey::ZERO;
        // A packet cut short inside its IP header is keyed with zero IP fields and goes on
        // to the lookup (or a miss upcall), as upstream's key_extract() does.
        let layout = extract(skb.headers(HEADERS_MAX), &pm, &mut key);
        conntrack::fill_key(&skb, &mut key);
        self.process(port.port_no, skb, &mut key, Some(layout), 0, 0);
    }

    /// Looks `key` up and runs the flow's actions, or upcalls a miss. `layout`: the headers'
    /// offsets, when known (see `execute::run`); `mru`: the packet's MRU, 0 for none.
    pub(crate) fn process(
        &self,
        in_port: u32,
        mut skb: SkBuff,
        key: &mut FlowKey,
        layout: Option<Layout>,
        depth: u32,
        mru: u16,
    ) {
        let skb_hash = skb.hash(false);
        let rcu = rcu_read_lock();
        let lookup = self.flows.lookup_cached(key, skb_hash, &rcu);
        self.stats
            .add(stat::MASK_HIT, u64::from(lookup.masks_probed));
        if lookup.cache_hit {
            self.stats.add(stat::CACHE_HIT, 1);
        }
        let Some(flow) = lookup.flow else {
            self.stats.add(stat::MISSED, 1);
            let dest = upcall::Dest {
                kind: upcall::Kind::Miss,
                pid: self.miss_pid(in_port, &skb, &rcu),
                cut_to: None,
                mru,
            };
            let sent = upcall::send(self, &mut skb, key, &dest).is_ok();
            let pid = dest.pid;
            self.count_upcall(in_port, pid, sent, &rcu);
            skb.consume();
            return;
        };
        self.stats.add(stat::HIT, 1);
        flow.stats.hit(skb.len(), tcp_flags(key));
        if let Some(actions) = flow.actions.get(&rcu) {
            execute::run(self, skb, key, layout, actions, &rcu, depth, mru);
        }
    }

    /// Counts an upcall to `pid` of a packet received on `in_port`: `n_lost`, and the
    /// port's upcall stats for an upcall that was attempted (upstream counts nothing
    /// there when no pid was set).
    pub(crate) fn count_upcall(&self, in_port: u32, pid: u32, sent: bool, r: &impl RcuReader) {
        if !sent {
            self.stats.add(stat::LOST, 1);
        }
        if pid == 0 {
            return;
        }
        if let Some(p) = self.port(in_port, r) {
            p.upcall_stats.add(usize::from(!sent), 1);
        }
    }

    /// Whether upcalls go to per-CPU netlink ports (`OVS_DP_F_DISPATCH_UPCALL_PER_CPU`).
    pub(crate) fn dispatches_per_cpu(&self) -> bool {
        dispatches_per_cpu(self.user_features.load(Ordering::Relaxed))
    }

    /// The netlink port of the current CPU (upstream's `ovs_dp_get_upcall_portid()`); 0
    /// without per-CPU pids.
    pub(crate) fn per_cpu_pid(&self, r: &impl RcuReader) -> u32 {
        let Some(pids) = self.per_cpu_pids.get(r) else {
            return 0;
        };
        let choice = per_cpu_portid(pids, this_cpu());
        if choice.mismatch {
            log_ratelimited(c"cpu_id mismatch with handler threads");
        }
        choice.pid
    }

    fn miss_pid(&self, in_port: u32, skb: &SkBuff, r: &impl RcuReader) -> u32 {
        if self.dispatches_per_cpu() {
            return self.per_cpu_pid(r);
        }
        match self.port(in_port, r) {
            Some(p) => p.upcall_pid(skb.meta().hash, r),
            None => 0,
        }
    }
}

fn tcp_flags(key: &FlowKey) -> u16 {
    // The key keeps the TCP flags only for TCP packets, zero otherwise.
    key.be16(kf::TCP_FLAGS)
}

/// What creating a datapath needs.
pub(crate) struct NewDatapath<'a> {
    pub(crate) name: &'a CStr,
    pub(crate) net: NetNs,
    pub(crate) upcall_pids: KVec<u32>,
    pub(crate) user_features: u32,
    /// The local port's ifindex, 0 for any (`OVS_DP_ATTR_IFINDEX`).
    pub(crate) ifindex: i32,
}

/// Looks a datapath up by name in `net`.
pub(crate) fn find_by_name<'a>(
    net: NetNs,
    name: &CStr,
    lock: &'a OvsLock,
) -> Option<&'a Arc<Datapath>> {
    DATAPATHS
        .get(lock)
        .iter()
        .flatten()
        .find(|dp| dp.net == net && dp.name() == name)
}

/// Looks a datapath up by its local port's ifindex in `net`.
pub(crate) fn find_by_ifindex<'a>(
    net: NetNs,
    ifindex: i32,
    lock: &'a OvsLock,
) -> Option<&'a Arc<Datapath>> {
    DATAPATHS
        .get(lock)
        .iter()
        .flatten()
        .find(|dp| dp.net == net && dp.ifindex() == ifindex)
}

/// The datapaths of `net`, in creation order.
pub(crate) fn in_net<'a>(net: NetNs, lock: &'a OvsLock) -> impl Iterator<Item = &'a Arc<Datapath>> {
    DATAPATHS
        .get(lock)
        .iter()
        .flatten()
        .filter(move |dp| dp.net == net)
}

/// Creates a datapath with its local internal port 0. `EEXIST` if `net` has one by that
/// name (checked by the caller under the same lock).
pub(crate) fn create(new: NewDatapath<'_>, lock: &mut OvsLock) -> Result<Arc<Datapath>> {
    let mut name = [0u8; 16];
    let bytes = new.name.to_bytes();
    name.get_mut(..bytes.len())
        .ok_or(EINVAL)?
        .copy_from_slice(bytes);
    let dp = Arc::new(
        Datapath {
            name,
            net: new.net,
            ports: RcuPtr::new(RcuBox::new(PortTable::default(), GFP_KERNEL)?),
            flows: FlowTable::new()?,
            stats: PerCpuCounters::new()?,
            user_features: AtomicU32::new(new.user_features),
            per_cpu_pids: RcuPtr::null(),
            ifindex: AtomicI32::new(0),
            ct_labels: OvsCell::new(Some(CtLabels::get(new.net)?)),
        },
        GFP_KERNEL,
    )?;
    // Room in the registry before anything is created, so adding cannot fail.
    let registry = DATAPATHS.get_mut(lock);
    if !registry.iter().any(|s| s.is_none()) {
        registry.push(None, GFP_KERNEL)?;
    }
    // Everything that can fail without a device to undo comes first.
    let slot = UniqueArc::<Vport>::new_uninit(GFP_KERNEL)?;
    let pids = RcuBox::new(new.upcall_pids, GFP_KERNEL)?;
    let upcall_stats = PerCpuCounters::new()?;
    let dev = vport::create_internal(&dp, new.net, new.name, 0, new.ifindex)?;
    dp.ifindex.store(dev.ifindex(), Ordering::Relaxed);
    let local: Arc<Vport> = slot
        .write(Vport {
            port_no: 0,
            kind: VportKind::Internal,
            dev,
            dp: dp.clone(),
            upcall_pids: RcuPtr::new(pids),
            upcall_stats,
            detached: Default::default(),
        })
        .into();
    if let Err(e) = dp.add_port(local.clone(), lock) {
        vport::destroy(local);
        return Err(e);
    }
    if let Some(slot) = DATAPATHS.get_mut(lock).iter_mut().find(|s| s.is_none()) {
        *slot = Some(dp.clone());
    }
    Ok(dp)
}

/// Destroys `dp`: its ports (local last), flows, and registry entry.
pub(crate) fn destroy(dp: &Arc<Datapath>, lock: &mut OvsLock) {
    // Out of the registry first, so no request finds it while it goes.
    for slot in DATAPATHS.get_mut(lock).iter_mut() {
        if slot.as_ref().is_some_and(|d| Arc::ptr_eq(d, dp)) {
            *slot = None;
        }
    }
    // Local port last: the others are linked below its device.
    let others = dp.ports(lock).map_or(0, |t| t.slots.len());
    for n in Iterator::chain(1..others, core::iter::once(0)) {
        if let Ok(v) = dp.remove_port(n as u32, lock) {
            vport::destroy(v);
        }
    }
    // Flows go with the datapath's last reference; flushing now frees them sooner.
    let _ = dp.flows.flush(lock);
    drop(dp.ct_labels.get_mut(lock).take());
}

/// Destroys every datapath of `net` (namespace exit), or all (`None`, module exit).
pub(crate) fn destroy_all(net: Option<NetNs>) {
    let mut lock = ovs_lock();
    loop {
        let next = DATAPATHS
            .get(&lock)
            .iter()
            .flatten()
            .find(|dp| net.map_or(true, |n| dp.net == n))
            .cloned();
        let Some(dp) = next else {
            break;
        };
        destroy(&dp, &mut lock);
    }
    if net.is_none() {
        // Module exit: the registry is a static, never dropped; free its storage.
        drop(core::mem::take(DATAPATHS.get_mut(&mut lock)));
    }
}

/// What the datapath tells the layer above it, which implements this: the datapath
/// never imports the genetlink families, so they reach it only through here.
pub(crate) trait Notify: 'static {
    /// A port whose device went away was removed (upstream's `dp_detach_port_notify`):
    /// tell the vport family's listeners.
    fn port_detached(dp: &Datapath, vport: &Vport, lock: &OvsLock);
}

/// The kernel events the datapath follows (upstream's `dp_notify.c` and pernet ops),
/// telling `N` what userspace must hear of.
pub(crate) struct DatapathEvents<N>(core::marker::PhantomData<N>);

impl<N: Notify> netdev::Events for DatapathEvents<N> {
    type Port = Vport;

    fn port_unregistering(port: Arc<Vport>) {
        vport::mark_detached(&port);
        netdev::schedule_work();
    }

    fn net_exit(net: NetNs) {
        destroy_all(Some(net));
        // An internal port of a datapath elsewhere whose device was moved into `net` goes
        // with it, silently, as upstream's `list_vports_from_net`: the namespace's exit
        // unregisters the device, which would wait forever for the vport's reference.
        let mut lock = ovs_lock();
        let moved_here = |p: &Vport| p.kind == VportKind::Internal && p.dev.is_in(net);
        for (dp, port_no) in ports_where(moved_here, &lock) {
            if let Ok(v) = dp.remove_port(port_no, &mut lock) {
                vport::destroy(v);
            }
        }
        ct_limit::net_exit(net, &mut lock);
    }

    fn rebalance() {
        let mut lock = ovs_lock();
        // By index: each rebalance writes, so no borrow of the registry may span it.
        let n = DATAPATHS.get(&lock).len();
        for i in 0..n {
            let Some(dp) = DATAPATHS.get(&lock).get(i).cloned().flatten() else {
                continue;
            };
            // Out of memory leaves the old order, which is still correct.
            let _ = dp.flows.rebalance_masks(&mut lock);
        }
    }

    fn deferred_work() {
        let mut lock = ovs_lock();
        let detached = |p: &Vport| p.detached.load(Ordering::Acquire);
        for (dp, port_no) in ports_where(detached, &lock) {
            if let Ok(v) = dp.remove_port(port_no, &mut lock) {
                N::port_detached(&dp, &v, &lock);
                vport::destroy(v);
            }
        }
    }
}

/// Every port, of every datapath, that `doomed` picks, by datapath and number. Out of memory
/// leaves a port out (the deferred work's next run takes it; a namespace exit has none).
fn ports_where(doomed: impl Fn(&Vport) -> bool, lock: &OvsLock) -> KVec<(Arc<Datapath>, u32)> {
    let mut picked = KVec::new();
    for dp in DATAPATHS.get(lock).iter().flatten() {
        let Some(table) = dp.ports(lock) else {
            continue;
        };
        for p in table.iter() {
            if doomed(p) {
                let _ = picked.push((dp.clone(), p.port_no), GFP_KERNEL);
            }
        }
    }
    picked
}

/// The device of `dp`'s local port, to link netdev ports below.
pub(crate) fn local_dev(dp: &Datapath, r: &impl RcuReader) -> Option<NetDevice> {
    dp.port(0, r).map(|p| p.dev.clone())
}
