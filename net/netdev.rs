// SPDX-License-Identifier: GPL-2.0
//! Network devices and namespaces: references, the rx_handler hook, internal devices, and
//! the kernel events (device unregistration, namespace exit) the datapath follows.
//!
//! Upstream counterpart: `vport-netdev.c` (`ovs_netdev_link`, `netdev_frame_hook`,
//! `ovs_netdev_detach_dev`), `vport-internal_dev.c`, and `dp_notify.c`/the pernet ops of
//! `datapath.c`.

use core::ffi::{c_void, CStr};
use core::ptr::NonNull;

use kernel::error::to_result;
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};

use crate::net::skb::SkBuff;
use crate::sys;

/// A network namespace, held without a reference (as upstream's `possible_net_t`).
///
/// # Invariants
///
/// Points to a `struct net` that is live as long as this value or any copy of it exists.
/// Values are made only by [`NetNs::from_raw`], whose caller promises that. A request's
/// namespace is live for the request; the only long-term holders, datapaths and their
/// vports, are destroyed by the namespace's pre-exit hook ([`Events::net_exit`]) before the
/// namespace goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct NetNs(NonNull<sys::net>);

// SAFETY: An identity of a kernel object; the kernel's netns functions are thread-safe.
unsafe impl Send for NetNs {}
// SAFETY: As above.
unsafe impl Sync for NetNs {}

impl NetNs {
    /// # Safety
    ///
    /// `net` is a live namespace, and stays live as long as the value and its copies exist:
    /// a copy kept past the caller's context must be in a datapath or vport, which the
    /// namespace's pre-exit hook destroys.
    pub(crate) unsafe fn from_raw(net: *mut sys::net) -> Option<Self> {
        // INVARIANT: live for as long as the value, by the caller's guarantee.
        NonNull::new(net).map(Self)
    }

    pub(crate) fn as_ptr(self) -> *mut sys::net {
        self.0.as_ptr()
    }
}

/// A held reference to a `struct net_device` (`dev_hold`/`dev_put`).
///
/// # Invariants
///
/// `ptr` is a device on which this value holds one reference.
pub(crate) struct NetDevice {
    ptr: NonNull<sys::net_device>,
}

// SAFETY: The reference count is atomic; the accessors used here are safe from any thread.
unsafe impl Send for NetDevice {}
// SAFETY: As above.
unsafe impl Sync for NetDevice {}

impl NetDevice {
    /// Takes a new reference.
    ///
    /// # Safety
    ///
    /// `ptr` is a device that stays alive for the call (the caller holds a reference, RTNL,
    /// or an RCU read section).
    unsafe fn hold(ptr: NonNull<sys::net_device>) -> Self {
        // SAFETY: Alive per the caller.
        unsafe { sys::ovs_rs_dev_hold(ptr.as_ptr()) };
        // INVARIANT: the reference was just taken.
        Self { ptr }
    }

    /// The device named `name` in `net`, by its exact name (not an alias).
    pub(crate) fn get_by_name(net: NetNs, name: &CStr) -> Option<Self> {
        // SAFETY: `net` is live (type invariant); `dev_get_by_name` returns a held device.
        let p = unsafe { sys::dev_get_by_name(net.as_ptr(), name.as_ptr().cast()) };
        // INVARIANT: `dev_get_by_name` took the reference for us.
        let dev = Self {
            ptr: NonNull::new(p)?,
        };
        (dev.name() == name).then_some(dev)
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::net_device {
        self.ptr.as_ptr()
    }

    pub(crate) fn name(&self) -> &CStr {
        // A rename may rewrite the name in place, as upstream's readers also tolerate.
        // SAFETY: The device is held; `dev->name` is always NUL-terminated.
        unsafe { CStr::from_ptr(sys::ovs_rs_dev_name(self.as_ptr()).cast()) }
    }

    pub(crate) fn ifindex(&self) -> i32 {
        // SAFETY: The device is held.
        unsafe { sys::ovs_rs_dev_ifindex(self.as_ptr()) }
    }

    /// Whether upstream would accept the device as a `netdev` port: not loopback, Ethernet
    /// (or ARPHRD_NONE), not an OVS internal device.
    pub(crate) fn can_be_port(&self) -> bool {
        // SAFETY: The device is held.
        unsafe { sys::ovs_rs_dev_can_be_port(self.as_ptr()) }
    }

    pub(crate) fn is_unregistering(&self) -> bool {
        // SAFETY: The device is held.
        unsafe { sys::ovs_rs_dev_is_unregistering(self.as_ptr()) }
    }

    /// Whether the device is in `net` now: it moves with `ip link set DEV netns NS`.
    pub(crate) fn is_in(&self, net: NetNs) -> bool {
        // SAFETY: The device is held; `dev_net` reads its namespace pointer.
        let dev_net = unsafe { sys::ovs_rs_dev_net(self.as_ptr()) };
        dev_net == net.as_ptr()
    }

    /// The id of this device's namespace as seen from `net`, or `None` if it is `net`
    /// (`peernet2id_alloc`, for `OVS_VPORT_ATTR_NETNSID`).
    pub(crate) fn peer_netns_id(&self, net: NetNs) -> Option<i32> {
        // SAFETY: The device is held; `net` is live.
        let id = unsafe { sys::ovs_rs_dev_peernet_id(net.as_ptr(), self.as_ptr()) };
        (id >= 0).then_some(id)
    }

    /// `rtnl_link_stats64`, in `struct ovs_vport_stats` order: rx/tx packets, rx/tx bytes,
    /// rx/tx errors, rx/tx dropped.
    pub(crate) fn stats(&self) -> [u64; 8] {
        let mut out = [0u64; 8];
        // SAFETY: The device is held; `out` has the 8 slots the shim writes.
        unsafe { sys::ovs_rs_dev_get_stats(self.as_ptr(), out.as_mut_ptr()) };
        out
    }
}

impl Clone for NetDevice {
    fn clone(&self) -> Self {
        // SAFETY: `self` holds a reference, so the device is alive.
        unsafe { Self::hold(self.ptr) }
    }
}

impl Drop for NetDevice {
    fn drop(&mut self) {
        // SAFETY: Releases the reference this value holds (type invariant).
        unsafe { sys::ovs_rs_dev_put(self.as_ptr()) };
    }
}

/// The RTNL lock, held.
pub(crate) struct Rtnl {
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl Rtnl {
    pub(crate) fn lock() -> Self {
        // SAFETY: Process context; lock order puts RTNL after the OVS mutex (net::sync).
        unsafe { sys::rtnl_lock() };
        Self {
            _not_send: core::marker::PhantomData,
        }
    }
}

impl Drop for Rtnl {
    fn drop(&mut self) {
        // SAFETY: Taken in `lock` by this task.
        unsafe { sys::rtnl_unlock() };
    }
}

/// What receives the packets of a device the datapath has attached as a port.
pub(crate) trait RxHandler: Send + Sync + 'static {
    /// A packet arrived, with `skb->data` at its Ethernet header. Softirq context, RCU read
    /// section held.
    fn receive(this: ArcBorrow<'_, Self>, skb: SkBuff);
}

/// The rx_handler of every attached device: hands its packets to `H`.
///
/// # Safety
///
/// Called by the receive path as `dev->rx_handler` of a device attached by
/// [`attach_port`] for `H`: `*pskb` is a valid skb of that device, and the RCU read lock is
/// held.
unsafe extern "C" fn rx_trampoline<H: RxHandler>(
    pskb: *mut *mut sys::sk_buff,
) -> sys::rx_handler_result {
    // SAFETY: The stack passes a valid `*pskb` and holds the RCU read lock.
    let skb = unsafe { *pskb };
    // SAFETY: `skb` is valid.
    if unsafe { sys::ovs_rs_skb_is_loopback(skb) } {
        return sys::RX_HANDLER_PASS;
    }
    // A device with our handler has an `Arc<H>` from `attach_port` as its data, valid
    // until `detach_port` (which waits for readers like us).
    // SAFETY: `skb` and its device are valid in the handler.
    let data = unsafe { sys::ovs_rs_dev_rx_handler_data(sys::ovs_rs_skb_dev(skb)) };
    if data.is_null() {
        // SAFETY: We own the packet once the handler runs.
        unsafe { sys::ovs_rs_kfree_skb(skb) };
        return sys::RX_HANDLER_CONSUMED;
    }
    // Our own packet copy from here on (the shim frees `skb` if it must copy and cannot).
    // SAFETY: `skb` is valid and ours.
    let skb = unsafe { sys::ovs_rs_skb_share_check(skb) };
    let Some(skb) = NonNull::new(skb) else {
        return sys::RX_HANDLER_CONSUMED;
    };
    // SAFETY: Valid, unshared skb; an Ethernet device's header is just before `data`.
    unsafe {
        if sys::ovs_rs_skb_dev_is_ether(skb.as_ptr()) {
            sys::ovs_rs_skb_push_eth(skb.as_ptr());
        }
    }
    // SAFETY: See the `data` comment above: an `Arc<H>` outlives this call.
    let handler = unsafe { ArcBorrow::from_raw(data.cast::<H>()) };
    // SAFETY: Exclusively ours, data at the MAC header.
    H::receive(handler, unsafe { SkBuff::from_raw(skb) });
    sys::RX_HANDLER_CONSUMED
}

/// Attaches `dev` to a datapath whose local device is `master`: links it below `master`,
/// installs `handler` as its rx_handler, makes it promiscuous and marks it an OVS port,
/// as upstream's `ovs_netdev_link`. `EBUSY` if it already has an rx_handler or master.
pub(crate) fn attach_port<H: RxHandler>(
    dev: &NetDevice,
    master: &NetDevice,
    handler: Arc<H>,
) -> Result {
    let _rtnl = Rtnl::lock();
    // SAFETY: Both devices are held; RTNL is held.
    to_result(unsafe {
        sys::netdev_master_upper_dev_link(
            dev.as_ptr(),
            master.as_ptr(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            core::ptr::null_mut(),
        )
    })?;
    let data = Arc::into_raw(handler).cast_mut().cast::<c_void>();
    // SAFETY: RTNL held; the trampoline matches `H`, whose `Arc` `data` is.
    let err = unsafe { sys::netdev_rx_handler_register(dev.as_ptr(), trampoline_of::<H>(), data) };
    if err != 0 {
        // SAFETY: Not registered, so the `Arc` is still ours to release.
        drop(unsafe { Arc::from_raw(data.cast::<H>()) });
        // SAFETY: Linked just above, RTNL held.
        unsafe { sys::netdev_upper_dev_unlink(dev.as_ptr(), master.as_ptr()) };
        return to_result(err);
    }
    // SAFETY: RTNL held, device held.
    unsafe {
        sys::dev_disable_lro(dev.as_ptr());
        sys::dev_set_promiscuity(dev.as_ptr(), 1);
        sys::ovs_rs_dev_set_ovs_port(dev.as_ptr(), true);
    }
    Ok(())
}

/// The rx_handler that [`attach_port`] installs for handlers of type `H`.
fn trampoline_of<H: RxHandler>() -> sys::rx_handler_func_t {
    Some(rx_trampoline::<H> as unsafe extern "C" fn(_) -> _)
}

/// Whether `dev` is attached by [`attach_port`] with a handler of type `H`: its rx_handler
/// is our trampoline for `H`. The OVS-port flag alone is not enough, since
/// `openvswitch.ko` sets it on its own ports, whose handler data is not ours.
///
/// # Safety
///
/// `dev` is a live device, and RTNL is held (the handler cannot change meanwhile).
unsafe fn is_attached<H: RxHandler>(dev: *const sys::net_device) -> bool {
    // SAFETY: A live device (the caller's contract); the shim only compares the pointer.
    unsafe { sys::ovs_rs_dev_has_rx_handler(dev, trampoline_of::<H>()) }
}

/// Undoes [`attach_port`] if `dev` is still attached, returning the handler. Waits for
/// running handlers to finish (`synchronize_net`). Needs RTNL.
pub(crate) fn detach_port<H: RxHandler>(dev: &NetDevice, _rtnl: &Rtnl) -> Option<Arc<H>> {
    // SAFETY: The device is held, and `_rtnl` proves RTNL is held.
    unsafe { detach_raw::<H>(dev.as_ptr()) }
}

/// [`detach_port`] on a raw device (the unregister notifier's).
///
/// # Safety
///
/// `dev` is a live device, and RTNL is held.
unsafe fn detach_raw<H: RxHandler>(dev: *mut sys::net_device) -> Option<Arc<H>> {
    // SAFETY: The caller's contract is `is_attached`'s.
    if !unsafe { is_attached::<H>(dev) } {
        return None;
    }
    // Attached with our handler for `H`, so its data is the `Arc<H>` of `attach_port`,
    // which cannot change while RTNL is held.
    // SAFETY: `dev` is live.
    let data = unsafe { sys::ovs_rs_dev_rx_handler_data(dev) };
    // SAFETY: RTNL held; after this returns no reader runs the handler any more.
    unsafe {
        sys::netdev_rx_handler_unregister(dev);
        sys::netdev_upper_dev_unlink(dev, sys::ovs_rs_dev_master(dev));
        sys::dev_set_promiscuity(dev, -1);
        sys::ovs_rs_dev_set_ovs_port(dev, false);
    }
    // SAFETY: The `Arc` leaked by `attach_port`; no reader is left.
    NonNull::new(data).map(|d| unsafe { Arc::from_raw(d.as_ptr().cast::<H>()) })
}

/// What an internal device does with the packets the host sends through it.
pub(crate) trait InternalDevHandler: Send + Sync + 'static {
    /// A packet sent by the host, `skb->data` at its Ethernet header. Any context up to
    /// softirq, RCU read section held. Errors count as `tx_errors`.
    fn xmit(this: ArcBorrow<'_, Self>, skb: SkBuff) -> Result;
}

/// The shim's callbacks for handler type `H`.
struct InternalOps<H>(core::marker::PhantomData<H>);

impl<H: InternalDevHandler> InternalOps<H> {
    const OPS: sys::ovs_rs_internal_ops = sys::ovs_rs_internal_ops {
        xmit: Some(Self::xmit),
        release: Some(Self::release),
    };

    /// The internal device's transmit.
    ///
    /// # Safety
    ///
    /// Called by the shim's `ndo_start_xmit` with the device's handler data (an `Arc<H>`
    /// the device owns until `release`) and an skb that is ours.
    unsafe extern "C" fn xmit(data: *mut c_void, skb: *mut sys::sk_buff) -> i32 {
        // SAFETY: `data` is the `Arc<H>` the device owns until `release`.
        let this = unsafe { ArcBorrow::from_raw(data.cast::<H>()) };
        let Some(skb) = NonNull::new(skb) else {
            return EINVAL.to_errno();
        };
        // SAFETY: A transmitted skb is the driver's to consume; data at the MAC header.
        match H::xmit(this, unsafe { SkBuff::from_raw(skb) }) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// The internal device is being freed.
    ///
    /// # Safety
    ///
    /// Called once, by the device's destructor, with the `Arc<H>` it owned.
    unsafe extern "C" fn release(data: *mut c_void) {
        // SAFETY: The device is being freed; it owned this `Arc<H>`.
        drop(unsafe { Arc::from_raw(data.cast::<H>()) });
    }
}

/// Creates and registers an internal device named `name` in `net`, which owns `handler`
/// until it is freed, with ifindex `ifindex` (0: the next free one; a taken one is `EBUSY`).
/// With `netns_immutable` it cannot leave `net` (the local port).
pub(crate) fn create_internal<H: InternalDevHandler>(
    net: NetNs,
    name: &CStr,
    ifindex: i32,
    netns_immutable: bool,
    handler: Arc<H>,
) -> Result<NetDevice> {
    let ops: &'static sys::ovs_rs_internal_ops = &InternalOps::<H>::OPS;
    let data = Arc::into_raw(handler).cast_mut().cast::<c_void>();
    // `data` is an `Arc<H>` handed to the device on success.
    // SAFETY: `net` is live; `name` is a C string; `ops` is static.
    let dev = unsafe {
        sys::ovs_rs_internal_dev_create(
            net.as_ptr(),
            name.as_ptr().cast(),
            ifindex,
            netns_immutable,
            ops,
            data,
        )
    };
    let err = kernel::error::from_err_ptr(dev);
    match err {
        Ok(dev) => {
            // SAFETY: A registered device; we take our own reference on it.
            Ok(unsafe { NetDevice::hold(NonNull::new(dev).ok_or(ENOMEM)?) })
        }
        Err(e) => {
            // SAFETY: Creation failed, so `data` was not given to a device.
            drop(unsafe { Arc::from_raw(data.cast::<H>()) });
            Err(e)
        }
    }
}

/// Unregisters `dev` (an internal device we created). Needs RTNL; the device is freed,
/// and its handler released, once its last reference goes.
pub(crate) fn unregister(dev: &NetDevice, _rtnl: &Rtnl) {
    // Callers exclude devices already unregistering (`is_unregistering`).
    // SAFETY: RTNL held; `dev` is held and registered.
    unsafe { sys::unregister_netdevice_queue(dev.as_ptr(), core::ptr::null_mut()) };
}

/// Kernel events the datapath follows.
pub(crate) trait Events: 'static {
    /// Handler type of attached ports, to take them back from unregistering devices.
    type Port: RxHandler;
    /// An attached device is unregistering (RTNL held, must not take the OVS mutex): it
    /// has been detached already; `port` is its handler.
    fn port_unregistering(port: Arc<Self::Port>);
    /// A namespace is going away: destroy what lives in it (process context).
    fn net_exit(net: NetNs);
    /// The work scheduled with [`schedule_work`] runs (process context).
    fn deferred_work();
    /// Runs every few seconds (process context): upstream's periodic mask re-sort.
    fn rebalance();
}

struct EventOps<E>(core::marker::PhantomData<E>);

impl<E: Events> EventOps<E> {
    const OPS: sys::ovs_rs_events = sys::ovs_rs_events {
        dev_unregister: Some(Self::dev_unregister),
        net_exit: Some(Self::net_exit),
        deferred_work: Some(Self::deferred_work),
        rebalance: Some(Self::rebalance),
    };

    /// The netdevice notifier's `NETDEV_UNREGISTER`.
    ///
    /// # Safety
    ///
    /// Called by the shim's notifier: `dev` is live and RTNL is held.
    unsafe extern "C" fn dev_unregister(dev: *mut sys::net_device) {
        // SAFETY: The notifier runs under RTNL with a live device.
        if let Some(port) = unsafe { detach_raw::<E::Port>(dev) } {
            E::port_unregistering(port);
        }
    }

    /// The pernet `pre_exit` hook.
    ///
    /// # Safety
    ///
    /// Called by the shim's pernet operations: `net` is still live.
    unsafe extern "C" fn net_exit(net: *mut sys::net) {
        // SAFETY: The namespace is still live in its pre-exit hook.
        if let Some(net) = unsafe { NetNs::from_raw(net) } {
            E::net_exit(net);
        }
    }

    /// The shim's work item.
    ///
    /// # Safety
    ///
    /// Called in process context by the shim's work item, while the events are registered.
    unsafe extern "C" fn deferred_work() {
        E::deferred_work();
    }

    /// The shim's periodic delayed work.
    ///
    /// # Safety
    ///
    /// Called in process context by the shim's delayed work, while the events are
    /// registered.
    unsafe extern "C" fn rebalance() {
        E::rebalance();
    }
}

/// Registration of an [`Events`] implementation; unregistered (and the work flushed) on
/// drop. Only one may exist: the shim holds a single set of callbacks.
pub(crate) struct EventsRegistration(());

impl EventsRegistration {
    pub(crate) fn register<E: Events>() -> Result<Self> {
        let ops: &'static sys::ovs_rs_events = &EventOps::<E>::OPS;
        // SAFETY: `ops` is static; the shim keeps it until `ovs_rs_events_unregister`.
        to_result(unsafe { sys::ovs_rs_events_register(ops) })?;
        Ok(Self(()))
    }
}

impl Drop for EventsRegistration {
    fn drop(&mut self) {
        // SAFETY: Registered in `register`.
        unsafe { sys::ovs_rs_events_unregister() };
    }
}

/// Schedules [`Events::deferred_work`].
pub(crate) fn schedule_work() {
    // SAFETY: Any context; the work item is static.
    unsafe { sys::ovs_rs_schedule_work() };
}
