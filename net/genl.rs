// SPDX-License-Identifier: GPL-2.0
//! Generic-netlink families: registration, commands (`doit`/`dumpit`), requests and dumps.
//!
//! Upstream counterpart: the `genl_family`/`genl_small_ops` definitions and the `doit`
//! prologues of `net/openvswitch/datapath.c`. A family is described once, statically, by a
//! [`FamilySpec`]; handlers are plain Rust implementing [`DoIt`] or [`Dump`], and never see
//! a raw pointer.

use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::error::to_result;
use kernel::ffi::{c_int, c_long, c_void};
use kernel::prelude::*;
use kernel::types::Opaque;

use super::netdev::NetNs;
use super::policy::Policy;
use super::skb::SkBuff;
use crate::abi::errno::{Errno, OvsError, Rejection};
use crate::abi::nla::AttrWriter;
use crate::sys;

/// `GENL_NAMSIZ`: family and multicast group names, NUL included.
const NAME_LEN: usize = sys::GENL_NAMSIZ as usize;

/// Copies `name` into a NUL-padded C name; fails the build if it does not fit.
const fn c_name(name: &str) -> [u8; NAME_LEN] {
    let bytes = name.as_bytes();
    assert!(
        bytes.len() < NAME_LEN,
        "generic netlink names are at most 15 bytes"
    );
    let mut out = [0u8; NAME_LEN];
    let mut i = 0;
    while i < bytes.len() {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// A command handler for a single request.
pub(crate) trait DoIt {
    fn doit(req: &Request<'_>) -> Result<(), OvsError>;
}

/// A command handler for a dump (`NLM_F_DUMP`), which may be called many times, once per
/// reply skb, until it adds nothing.
pub(crate) trait Dump {
    fn dump(dump: &mut DumpCursor<'_>, skb: &mut DumpSkb) -> Result<(), OvsError>;
}

/// Who may run a command, as `genl_ops.flags`.
#[derive(Clone, Copy)]
pub(crate) enum Permission {
    /// Anyone (upstream's GET commands).
    Anyone,
    /// CAP_NET_ADMIN in the user namespace owning the request's netns (`GENL_UNS_ADMIN_PERM`).
    NetnsAdmin,
}

/// One command of a family (`struct genl_ops`).
///
/// # Invariants
///
/// The wrapped value's pointers are null or point to `'static` policies and to the
/// trampolines of this file, so sharing it between threads is sound.
#[repr(transparent)]
pub(crate) struct Op(sys::genl_ops);

// SAFETY: By the type invariant, every pointer in it is to immutable `'static` data or code.
unsafe impl Sync for Op {}

impl Op {
    /// A command with neither handler yet; add them with [`Op::doit`] and [`Op::dump`].
    pub(crate) const fn new(cmd: u8, permission: Permission) -> Self {
        // Zero means no handler and no per-op policy.
        // SAFETY: `genl_ops` holds integers and (optional) pointers: all-zero is valid.
        let mut op: sys::genl_ops = unsafe { core::mem::zeroed() };
        op.cmd = cmd;
        op.flags = match permission {
            Permission::Anyone => 0,
            Permission::NetnsAdmin => sys::GENL_UNS_ADMIN_PERM as u8,
        };
        // Like upstream OVS: the family policy checks types, without strict mode, so old
        // userspace that sends unknown attributes keeps working.
        op.validate = (sys::GENL_DONT_VALIDATE_STRICT | sys::GENL_DONT_VALIDATE_DUMP) as u8;
        // INVARIANT: no pointer is set.
        Self(op)
    }

    pub(crate) const fn doit<H: DoIt>(mut self) -> Self {
        // INVARIANT: a trampoline of this file.
        self.0.doit = Some(doit_trampoline::<H>);
        self
    }

    pub(crate) const fn dump<H: Dump>(mut self) -> Self {
        // INVARIANT: a trampoline of this file.
        self.0.dumpit = Some(dumpit_trampoline::<H>);
        self
    }
}

/// A multicast group of a family (`struct genl_multicast_group`).
#[repr(transparent)]
pub(crate) struct McGroup(sys::genl_multicast_group);

impl McGroup {
    pub(crate) const fn new(name: &str) -> Self {
        // SAFETY: a name and a flags byte; zero is valid for both.
        let mut grp: sys::genl_multicast_group = unsafe { core::mem::zeroed() };
        grp.name = c_name(name);
        Self(grp)
    }
}

/// Everything that defines a family, known at compile time.
pub(crate) struct FamilySpec {
    pub(crate) name: &'static str,
    pub(crate) version: u32,
    /// Size of the fixed user header after `genlmsghdr` (`struct ovs_header` for OVS).
    pub(crate) hdrsize: usize,
    /// The attribute policy, indexed by attribute number; its length is `maxattr + 1`.
    pub(crate) policy: &'static [Policy],
    pub(crate) ops: &'static [Op],
    pub(crate) mcgrps: &'static [McGroup],
    /// Commands below this number keep the lax legacy validation (`resv_start_op`).
    pub(crate) resv_start_op: u8,
    /// Where the registered family can be found by code that has no request at hand
    /// (upcalls, notifications from work items).
    pub(crate) handle: &'static FamilyHandle,
}

/// The registered family of a [`FamilySpec`], for building messages outside a request.
///
/// # Invariants
///
/// `family` is null or the registered family of the spec owning this handle; it is set
/// after registration and cleared before unregistration. The module destroys every
/// datapath (the only users) before it unregisters its families.
pub(crate) struct FamilyHandle {
    family: AtomicPtr<sys::genl_family>,
}

impl FamilyHandle {
    pub(crate) const fn new() -> Self {
        // INVARIANT: null.
        Self {
            family: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    fn get(&self) -> Option<NonNull<sys::genl_family>> {
        NonNull::new(self.family.load(Ordering::Acquire))
    }
}

/// A registered family; unregistered when dropped.
///
/// # Invariants
///
/// `family` was registered with `genl_register_family` and stays registered until drop;
/// it lives in its own allocation, so its address is stable while the kernel holds it.
pub(crate) struct Registration {
    family: Pin<KBox<Opaque<sys::genl_family>>>,
    handle: &'static FamilyHandle,
}

// SAFETY: The kernel reads and writes the family only under its own locks (genl_mutex);
// Rust code never touches it after registration except to pass it to
// `genl_unregister_family`, which is safe from any thread.
unsafe impl Send for Registration {}
// SAFETY: `Registration` has no method taking `&self`; sharing a reference exposes nothing.
unsafe impl Sync for Registration {}

impl Registration {
    pub(crate) fn register(spec: &'static FamilySpec, module: &'static ThisModule) -> Result<Self> {
        let n_ops = u8::try_from(spec.ops.len()).map_err(|_| EINVAL)?;
        let n_mcgrps = u8::try_from(spec.mcgrps.len()).map_err(|_| EINVAL)?;
        let maxattr = spec.policy.len().checked_sub(1).ok_or(EINVAL)?;
        // Zero is what C designated initialisers leave in the fields not named.
        // SAFETY: `genl_family` holds integers, bitfields and pointers: all-zero is valid.
        let mut family: sys::genl_family = unsafe { core::mem::zeroed() };
        family.hdrsize = spec.hdrsize as u32;
        family.name = c_name(spec.name);
        family.version = spec.version;
        family.maxattr = maxattr as u32;
        family.set_netnsok(1);
        family.set_parallel_ops(1);
        family.n_ops = n_ops;
        family.ops = spec.ops.as_ptr().cast();
        family.n_mcgrps = n_mcgrps;
        family.mcgrps = spec.mcgrps.as_ptr().cast();
        family.policy = Policy::as_raw(spec.policy);
        family.resv_start_op = spec.resv_start_op;
        family.module = module.as_ptr().cast();
        let family = KBox::pin(Opaque::new(family), GFP_KERNEL)?;
        // The family is pinned in its own allocation and unregistered in `drop`.
        // SAFETY: `family` is fully initialised, its tables are `'static`, and it outlives use.
        to_result(unsafe { sys::genl_register_family(family.get()) })?;
        // INVARIANT (of the handle): registered, stays so until `drop` clears the handle.
        spec.handle.family.store(family.get(), Ordering::Release);
        // INVARIANT: registered just above; the allocation is pinned.
        Ok(Self {
            family,
            handle: spec.handle,
        })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // INVARIANT (of the handle): cleared before unregistration.
        self.handle
            .family
            .store(core::ptr::null_mut(), Ordering::Release);
        // Unregistering waits for running handlers, so nothing uses it afterwards.
        // SAFETY: By the type invariant the family is registered.
        unsafe { sys::genl_unregister_family(self.family.get()) };
    }
}

/// A request being served by a [`DoIt`] handler.
///
/// # Invariants
///
/// `info` is the `genl_info` genetlink passed to the handler; it and everything it points to
/// (attribute table of `family.maxattr + 1` entries, the request message, the extack) are
/// valid for `'a`, the duration of the handler call.
pub(crate) struct Request<'a> {
    info: NonNull<sys::genl_info>,
    _handler_call: PhantomData<&'a sys::genl_info>,
}

impl<'a> Request<'a> {
    fn info(&self) -> &'a sys::genl_info {
        // SAFETY: By the type invariant `info` is valid and unchanging for `'a`.
        unsafe { self.info.as_ref() }
    }

    /// The payload of attribute `kind`, if the request carries it. The family policy has
    /// checked its type and length.
    pub(crate) fn attr(&self, kind: u16) -> Option<&'a [u8]> {
        let info = self.info();
        // SAFETY: By the type invariant `family` is valid.
        let maxattr = unsafe { (*info.family).maxattr };
        if u32::from(kind) > maxattr || info.attrs.is_null() {
            return None;
        }
        // SAFETY: By the type invariant the table has `maxattr + 1` entries; `kind` fits.
        let nla = unsafe { *info.attrs.add(usize::from(kind)) };
        // The kernel checked every table entry to lie within the request message.
        // SAFETY: The entry is null or points to a valid attribute, valid for `'a`.
        unsafe { nla_payload(nla) }
    }

    /// The family's fixed user header (for OVS, `struct ovs_header`).
    pub(crate) fn user_header(&self) -> &'a [u8] {
        let info = self.info();
        // SAFETY: By the type invariant `family` is valid.
        let len = unsafe { (*info.family).hdrsize } as usize;
        // Genetlink parsed the attributes after `GENL_HDRLEN + hdrsize` bytes.
        // SAFETY: So the request, valid for `'a`, holds the whole user header.
        unsafe { core::slice::from_raw_parts(sys::ovs_rs_genl_info_userhdr(info).cast(), len) }
    }

    /// The namespace of the requesting socket.
    pub(crate) fn net(&self) -> NetNs {
        // SAFETY: `info` is valid; the requester's namespace is live during the request.
        let net = unsafe { sys::ovs_rs_genl_info_net(self.info()) };
        // SAFETY: As above.
        unsafe { NetNs::from_raw(net) }.unwrap_or_else(|| {
            // PANIC: genetlink always has a socket, hence a namespace; unreachable.
            panic!("genetlink request without a namespace")
        })
    }

    /// The family version the requester speaks (`genlmsghdr.version`).
    pub(crate) fn genl_version(&self) -> u8 {
        // Genetlink points `genlhdr` at the request's generic-netlink header, which it checked
        // to be there.
        // SAFETY: `info` is valid (type invariant) and so is its `genlhdr`.
        unsafe { (*self.info().genlhdr).version }
    }

    /// The request's `nlmsg_flags` (`NLM_F_REPLACE`, `NLM_F_CREATE`, ...).
    pub(crate) fn nlmsg_flags(&self) -> u16 {
        // SAFETY: `info` is valid.
        unsafe { sys::ovs_rs_genl_info_nlflags(self.info()) }
    }

    /// A reply message to this request, `payload` bytes of attributes, with the family's
    /// fixed header `user_header` (which [`Message::set_user_header`] may rewrite).
    pub(crate) fn new_reply(&self, payload: usize, cmd: u8, user_header: &[u8]) -> Result<Message> {
        let msg = Message::alloc(payload, false, self.user_header().len())?;
        let (skb, info) = (msg.skb.as_ptr(), self.info.as_ptr());
        // SAFETY: `skb` is a fresh skb; `info` is valid.
        let hdr = unsafe { sys::ovs_rs_genlmsg_put_reply(skb, info, cmd) };
        msg.with_header(hdr, user_header)
    }

    /// Sends `msg` to the requester (`genlmsg_reply`).
    pub(crate) fn reply(&self, msg: Message) -> Result {
        let skb = msg.finish();
        // SAFETY: `skb` is a finished message we own; `genlmsg_reply` consumes it.
        to_result(unsafe { sys::ovs_rs_genlmsg_reply(skb, self.info.as_ptr()) })
    }

    /// Sends `msg` to the family's multicast group, and to the requester if it asked
    /// for an echo (`genl_notify`), as upstream's `ovs_notify`.
    pub(crate) fn notify(&self, msg: Message) {
        let skb = msg.finish();
        let info = self.info();
        // SAFETY: `skb` is ours and consumed; `info` and its family are valid.
        unsafe { sys::ovs_rs_genl_notify(info.family, skb, self.info.as_ptr()) };
    }

    /// Whether a notification would reach anyone: the requester asked for an echo, or the
    /// family's group has listeners (upstream's `ovs_must_notify`). Building one is skipped
    /// otherwise.
    pub(crate) fn must_notify(&self) -> bool {
        // SAFETY: `info` is valid during the request.
        unsafe { sys::ovs_rs_genl_must_notify(self.info()) }
    }

    /// Records `rejection` in the extack: its message and the offending attribute.
    fn set_extack(&self, rejection: &Rejection) {
        let info = self.info.as_ptr();
        // extack keeps the message pointer beyond this call.
        // SAFETY: `info` is valid (type invariant) and the message is `'static`.
        unsafe { sys::ovs_rs_extack_set_msg((*info).extack, rejection.msg.as_ptr().cast()) };
        if let Some(attr) = rejection.attr {
            // SAFETY: `info` is valid; the shim checks `attr` against the table.
            unsafe { sys::ovs_rs_genl_info_set_bad_attr(info, u32::from(attr)) };
        }
    }
}

/// The state of a dump in progress: its resumption cursor, across calls.
///
/// # Invariants
///
/// `cb` is the `netlink_callback` genetlink passed to the dump handler, valid for `'a`.
pub(crate) struct DumpCursor<'a> {
    cb: NonNull<sys::netlink_callback>,
    _handler_call: PhantomData<&'a mut sys::netlink_callback>,
}

impl DumpCursor<'_> {
    /// Handler-owned words that persist from one call of the dump to the next (`cb->args`),
    /// zero on the first call.
    pub(crate) fn position(&mut self) -> &mut [c_long; 6] {
        // Genetlink families use the `args` member of the `args`/`ctx` union.
        // SAFETY: By the type invariant `cb` is valid and exclusively ours during the call.
        unsafe { &mut (*self.cb.as_ptr()).__bindgen_anon_1.args }
    }
}

impl DumpCursor<'_> {
    fn cb(&self) -> &sys::netlink_callback {
        // SAFETY: By the type invariant `cb` is valid during the call.
        unsafe { self.cb.as_ref() }
    }

    /// The namespace of the dumping socket.
    pub(crate) fn net(&self) -> NetNs {
        // SAFETY: `cb` is valid; the dumping socket's namespace is live during the dump.
        let net = unsafe { sys::ovs_rs_cb_net(self.cb()) };
        // SAFETY: As above.
        unsafe { NetNs::from_raw(net) }.unwrap_or_else(|| {
            // PANIC: a dump always comes from a socket, hence a namespace; unreachable.
            panic!("genetlink dump without a namespace")
        })
    }

    /// The size of the family's fixed user header.
    fn hdrsize(&self) -> u32 {
        // SAFETY: `cb` is a genetlink dump's, whose info names the family.
        unsafe { sys::ovs_rs_cb_hdrsize(self.cb()) }
    }

    /// The dump request's fixed user header (for OVS, `struct ovs_header`), if the request
    /// is long enough to carry one.
    pub(crate) fn user_header(&self) -> Option<&[u8]> {
        let len = self.hdrsize();
        // SAFETY: `cb` is valid; the shim checks the header fits in the request.
        let p = unsafe { sys::ovs_rs_cb_userhdr(self.cb(), len) };
        if p.is_null() {
            return None;
        }
        // The shim checked that `len` bytes of the request hold the header.
        // SAFETY: Those bytes of the request message are valid for the dump call.
        Some(unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len as usize) })
    }

    /// The dump request's attributes (after the fixed user header), unvalidated: dump
    /// requests skip the family policy, so callers parse them with the pure codec.
    pub(crate) fn request_attrs(&self) -> &[u8] {
        let mut len = 0u32;
        // SAFETY: `cb` is valid; the shim bounds the attributes by the request's length.
        let p = unsafe { sys::ovs_rs_cb_attrs(self.cb(), self.hdrsize(), &mut len) };
        if p.is_null() {
            return &[];
        }
        // SAFETY: `len` bytes of the request message, valid for the dump call.
        unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len as usize) }
    }

    /// Adds one message to the dump: the header for `cmd` with the family's fixed header
    /// `user_header`, then what `fill` writes. Returns `Ok(false)` (adding nothing) when the skb is full, so the
    /// caller stops and resumes at this entry next time.
    pub(crate) fn entry(
        &mut self,
        skb: &mut DumpSkb,
        cmd: u8,
        user_header: &[u8],
        fill: impl FnOnce(&mut AttrWriter<'_>) -> Result<(), Errno>,
    ) -> Result<bool> {
        if user_header.len() != self.hdrsize() as usize {
            return Err(EINVAL);
        }
        let skb = skb.0.as_ptr();
        // SAFETY: `skb` is the dump's reply skb; `cb` is valid.
        let hdr = unsafe { sys::ovs_rs_genlmsg_put_dump(skb, self.cb.as_ptr(), cmd) };
        let Some(hdr) = NonNull::new(hdr) else {
            return Ok(false);
        };
        // genlmsg_put reserved the family's `hdrsize` bytes, `user_header`'s length.
        // SAFETY: `hdr` points to that reserved user header.
        unsafe {
            core::ptr::copy_nonoverlapping(
                user_header.as_ptr(),
                hdr.as_ptr().cast::<u8>(),
                user_header.len(),
            )
        };
        // SAFETY: `skb` is the valid reply skb, ours during the call.
        match unsafe { put_attrs(skb, fill) } {
            Ok(()) => {
                // SAFETY: `hdr` was returned by genlmsg_put on this skb.
                unsafe { sys::ovs_rs_genlmsg_end(skb, hdr.as_ptr()) };
                Ok(true)
            }
            Err(e) => {
                // SAFETY: As above; removes the partial message.
                unsafe { sys::ovs_rs_genlmsg_cancel(skb, hdr.as_ptr()) };
                if e == Errno::EMSGSIZE {
                    Ok(false)
                } else {
                    Err(errno_to_error(e))
                }
            }
        }
    }
}

/// The reply skb of one dump call.
pub(crate) struct DumpSkb(NonNull<sys::sk_buff>);

/// Writes attributes with `fill` at the tail of `skb` and commits what it wrote.
///
/// # Safety
///
/// `skb` is a valid skb the caller may write to.
unsafe fn put_attrs(
    skb: *mut sys::sk_buff,
    fill: impl FnOnce(&mut AttrWriter<'_>) -> Result<(), Errno>,
) -> Result<(), Errno> {
    // SAFETY: Valid skb (caller).
    let (tail, room) = unsafe { (sys::ovs_rs_skb_tail(skb), sys::ovs_rs_skb_tailroom(skb)) };
    let room = room as usize;
    // Zeroed so the writer gets initialised memory.
    // SAFETY: `room` bytes from the tail pointer are the skb's unused buffer.
    unsafe { core::ptr::write_bytes(tail, 0, room) };
    // SAFETY: As above, and nothing else refers to them until `skb_put`.
    let buf = unsafe { core::slice::from_raw_parts_mut(tail, room) };
    let mut w = AttrWriter::new(buf);
    fill(&mut w)?;
    let n = w.as_bytes().len();
    // SAFETY: `n <= room` bytes were written at the tail; this makes them part of the skb.
    unsafe { sys::skb_put(skb, n as u32) };
    Ok(())
}

/// A generic-netlink message being built (reply, notification or upcall).
///
/// # Invariants
///
/// `skb` is an skb we own; once the header is put, `hdr` is what `genlmsg_put` returned,
/// followed by the family's `hdrsize` bytes of user header.
pub(crate) struct Message {
    skb: NonNull<sys::sk_buff>,
    hdr: *mut c_void,
    hdrsize: usize,
}

// SAFETY: An owned skb may move between threads.
unsafe impl Send for Message {}

impl Message {
    fn alloc(payload: usize, atomic: bool, hdrsize: usize) -> Result<Self> {
        // SAFETY: Plain allocations.
        let skb = unsafe {
            if atomic {
                sys::ovs_rs_genlmsg_new_atomic(payload)
            } else {
                sys::ovs_rs_genlmsg_new(payload)
            }
        };
        // INVARIANT: a fresh skb, ours.
        Ok(Self {
            skb: NonNull::new(skb).ok_or(ENOMEM)?,
            hdr: core::ptr::null_mut(),
            hdrsize,
        })
    }

    fn with_header(mut self, hdr: *mut c_void, user_header: &[u8]) -> Result<Self> {
        let hdr = NonNull::new(hdr).ok_or(errno_to_error(Errno::EMSGSIZE))?;
        // INVARIANT: returned by genlmsg_put on `skb`.
        self.hdr = hdr.as_ptr();
        self.set_user_header(user_header)?;
        Ok(self)
    }

    /// Rewrites the family's fixed header: a reply allocated before its object existed (as
    /// upstream's replies are) learns, for instance, the new datapath's ifindex.
    pub(crate) fn set_user_header(&mut self, user_header: &[u8]) -> Result {
        if user_header.len() != self.hdrsize || self.hdr.is_null() {
            return Err(EINVAL);
        }
        // `user_header` is `hdrsize` long, checked above.
        // SAFETY: `hdr` is followed by `hdrsize` reserved bytes (type invariant).
        unsafe {
            core::ptr::copy_nonoverlapping(
                user_header.as_ptr(),
                self.hdr.cast::<u8>(),
                self.hdrsize,
            )
        };
        Ok(())
    }

    /// A message of `family` for `cmd` not answering any request (portid and seq 0):
    /// upcalls and notifications from work items. `atomic` in softirq context.
    pub(crate) fn new(
        family: &FamilyHandle,
        payload: usize,
        atomic: bool,
        cmd: u8,
        user_header: &[u8],
    ) -> Result<Self> {
        let fam = family.get().ok_or(ENOENT)?;
        // SAFETY: `fam` is registered (handle invariant).
        let hdrsize = unsafe { (*fam.as_ptr()).hdrsize } as usize;
        let msg = Self::alloc(payload, atomic, hdrsize)?;
        // SAFETY: A fresh skb; `fam` is registered (handle invariant).
        let hdr = unsafe { sys::genlmsg_put(msg.skb.as_ptr(), 0, 0, fam.as_ptr(), 0, cmd) };
        msg.with_header(hdr, user_header)
    }

    /// Appends attributes.
    pub(crate) fn put_attrs(
        &mut self,
        fill: impl FnOnce(&mut AttrWriter<'_>) -> Result<(), Errno>,
    ) -> Result {
        // SAFETY: Our skb (type invariant).
        unsafe { put_attrs(self.skb.as_ptr(), fill) }.map_err(errno_to_error)
    }

    /// Appends attribute `kind` holding the first `len` bytes of `packet`.
    pub(crate) fn put_packet(&mut self, kind: u16, packet: &SkBuff, len: usize) -> Result {
        let hdr_len = core::mem::size_of::<sys::nlattr>();
        let total = hdr_len + len;
        let nla_len = u16::try_from(total).map_err(|_| errno_to_error(Errno::EMSGSIZE))?;
        let aligned = (total + 3) & !3;
        // SAFETY: Our skb.
        if (unsafe { sys::ovs_rs_skb_tailroom(self.skb.as_ptr()) } as usize) < aligned {
            return Err(errno_to_error(Errno::EMSGSIZE));
        }
        // SAFETY: `aligned` bytes of tailroom exist (checked): this claims them.
        let p = unsafe { sys::skb_put(self.skb.as_ptr(), aligned as u32) }.cast::<u8>();
        // SAFETY: `p` has `aligned` writable bytes, now part of the skb.
        let buf = unsafe { core::slice::from_raw_parts_mut(p, aligned) };
        buf[..2].copy_from_slice(&nla_len.to_ne_bytes());
        buf[2..4].copy_from_slice(&kind.to_ne_bytes());
        buf[total..].fill(0);
        packet.copy_bits(0, &mut buf[hdr_len..total])
    }

    /// Ends the message and gives up the skb.
    fn finish(self) -> *mut sys::sk_buff {
        let skb = self.skb.as_ptr();
        if !self.hdr.is_null() {
            // SAFETY: `hdr` came from genlmsg_put on `skb` (type invariant).
            unsafe { sys::ovs_rs_genlmsg_end(skb, self.hdr) };
        }
        core::mem::forget(self);
        skb
    }

    /// Sends to one socket (upcalls): `genlmsg_unicast`.
    pub(crate) fn unicast(self, net: NetNs, portid: u32) -> Result {
        let skb = self.finish();
        // SAFETY: `net` is live; the skb is consumed.
        to_result(unsafe { sys::ovs_rs_genlmsg_unicast(net.as_ptr(), skb, portid) })
    }

    /// Sends to the family's (first) multicast group in `net`.
    pub(crate) fn multicast(self, family: &FamilyHandle, net: NetNs) {
        let Some(fam) = family.get() else {
            return;
        };
        let skb = self.finish();
        // SAFETY: `fam` registered; `net` live; the skb is consumed.
        unsafe { sys::ovs_rs_genl_multicast(fam.as_ptr(), net.as_ptr(), skb) };
    }
}

impl Drop for Message {
    fn drop(&mut self) {
        // An unsent message.
        // SAFETY: Ours (type invariant).
        unsafe { sys::ovs_rs_nlmsg_free(self.skb.as_ptr()) };
    }
}

/// Converts a pure-code errno to the kernel's error type.
/// Logs a message a request triggered, rate limited as upstream's `OVS_NLERR()` (a request
/// stream must not be able to flood the kernel log).
pub(crate) fn log_ratelimited(msg: &core::ffi::CStr) {
    // SAFETY: `msg` is a valid NUL-terminated string for the call; it is printed with "%s".
    unsafe { sys::ovs_rs_net_info_ratelimited(msg.as_ptr().cast()) };
}

pub(crate) fn errno_to_error(errno: Errno) -> Error {
    Error::from_errno(-errno.0)
}

/// A failed allocation is `ENOMEM`.
impl From<kernel::alloc::AllocError> for OvsError {
    fn from(_: kernel::alloc::AllocError) -> Self {
        Self::Errno(Errno::ENOMEM)
    }
}

/// The kernel's errors (allocation failures, mostly) into the module's one error.
impl From<Error> for OvsError {
    fn from(e: Error) -> Self {
        Self::Errno(Errno(-e.to_errno()))
    }
}

/// The payload of a netlink attribute, or `None` for a null pointer.
///
/// # Safety
///
/// `nla` is null or points to an attribute whose `nla_len` bytes are valid for `'a`.
unsafe fn nla_payload<'a>(nla: *const sys::nlattr) -> Option<&'a [u8]> {
    if nla.is_null() {
        return None;
    }
    // SAFETY: The caller guarantees `nla` points to a valid attribute.
    let len = usize::from(unsafe { (*nla).nla_len });
    let hdr = core::mem::size_of::<sys::nlattr>();
    // Validation guarantees `nla_len >= NLA_HDRLEN`; `saturating_sub` keeps it safe anyway.
    // SAFETY: The payload follows the header within `nla_len` bytes, valid for `'a`.
    Some(unsafe { core::slice::from_raw_parts(nla.cast::<u8>().add(hdr), len.saturating_sub(hdr)) })
}

/// The `doit` of every op: runs `H` on the request.
///
/// # Safety
///
/// Called by generic netlink for a request of a family registered with this op: `info` is
/// valid for the call, with the family's attributes parsed.
unsafe extern "C" fn doit_trampoline<H: DoIt>(
    _skb: *mut sys::sk_buff,
    info: *mut sys::genl_info,
) -> c_int {
    let Some(info) = NonNull::new(info) else {
        return EINVAL.to_errno();
    };
    // INVARIANT: genetlink passes a valid `info` for the duration of this call, which
    // outlives `req`.
    let req = Request {
        info,
        _handler_call: PhantomData,
    };
    match H::doit(&req) {
        Ok(()) => 0,
        Err(e) => {
            if let Some(r) = e.rejection() {
                req.set_extack(r);
            }
            -e.errno().0
        }
    }
}

/// The `dumpit` of every dump op: adds `H`'s next entries to `skb`.
///
/// # Safety
///
/// Called by generic netlink during a dump of a family registered with this op: `skb` is
/// the reply skb and `cb` the dump's callback state, both valid for the call.
unsafe extern "C" fn dumpit_trampoline<H: Dump>(
    skb: *mut sys::sk_buff,
    cb: *mut sys::netlink_callback,
) -> c_int {
    let Some(cb) = NonNull::new(cb) else {
        return EINVAL.to_errno();
    };
    // INVARIANT: genetlink passes a valid `cb` for the duration of this call.
    let mut cursor = DumpCursor {
        cb,
        _handler_call: PhantomData,
    };
    let Some(reply) = NonNull::new(skb) else {
        return EINVAL.to_errno();
    };
    match H::dump(&mut cursor, &mut DumpSkb(reply)) {
        // Netlink's convention: the bytes added to this skb; 0 ends the dump.
        Ok(()) => {
            // SAFETY: genetlink passes a valid reply skb.
            unsafe { sys::ovs_rs_skb_len(skb) as c_int }
        }
        Err(e) => -e.errno().0,
    }
}
