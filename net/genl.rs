// SPDX-License-Identifier: GPL-2.0
//! Generic-netlink families: registration, commands (`doit`/`dumpit`), requests and dumps.
//!
//! Upstream counterpart: the `genl_family`/`genl_small_ops` definitions and the `doit`
//! prologues of `net/openvswitch/datapath.c`. A family is described once, statically, by a
//! [`FamilySpec`]; handlers are plain Rust implementing [`DoIt`] or [`Dump`], and never see
//! a raw pointer.

use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::error::to_result;
use kernel::ffi::{c_int, c_long};
use kernel::prelude::*;
use kernel::types::Opaque;

use super::policy::Policy;
use crate::genetlink::errno::{Errno, Rejection};
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
    fn doit(req: &Request<'_>) -> Result;
}

/// A command handler for a dump (`NLM_F_DUMP`), which may be called many times, once per
/// reply skb, until it adds nothing.
pub(crate) trait Dump {
    fn dump(dump: &mut DumpCursor<'_>) -> Result;
}

/// Who may run a command, as `genl_ops.flags`.
#[derive(Clone, Copy)]
pub(crate) enum Permission {
    /// Anyone (upstream's GET commands).
    Anyone,
    /// CAP_NET_ADMIN in the user namespace owning the request's netns (`GENL_UNS_ADMIN_PERM`).
    #[expect(
        dead_code,
        reason = "for NEW, DEL and SET, which the core datapath adds"
    )]
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
}

/// A registered family; unregistered when dropped.
///
/// # Invariants
///
/// `family` was registered with `genl_register_family` and stays registered until drop;
/// it lives in its own allocation, so its address is stable while the kernel holds it.
pub(crate) struct Registration {
    family: Pin<KBox<Opaque<sys::genl_family>>>,
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
        // INVARIANT: registered just above; the allocation is pinned.
        Ok(Self { family })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
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

    /// Records `rejection` in the extack (message and offending attribute) and returns
    /// its errno, for `return Err(req.reject(r))`.
    pub(crate) fn reject(&self, rejection: Rejection) -> Error {
        let info = self.info.as_ptr();
        // extack keeps the message pointer beyond this call.
        // SAFETY: `info` is valid (type invariant) and the message is `'static`.
        unsafe { sys::ovs_rs_extack_set_msg((*info).extack, rejection.msg.as_ptr().cast()) };
        if let Some(attr) = rejection.attr {
            // SAFETY: `info` is valid; the shim checks `attr` against the table.
            unsafe { sys::ovs_rs_genl_info_set_bad_attr(info, u32::from(attr)) };
        }
        errno_to_error(rejection.errno)
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
    #[expect(
        dead_code,
        reason = "no dump resumes yet: no datapath can exist before NEW"
    )]
    pub(crate) fn position(&mut self) -> &mut [c_long; 6] {
        // Genetlink families use the `args` member of the `args`/`ctx` union.
        // SAFETY: By the type invariant `cb` is valid and exclusively ours during the call.
        unsafe { &mut (*self.cb.as_ptr()).__bindgen_anon_1.args }
    }
}

/// Converts a pure-code errno to the kernel's error type.
pub(crate) fn errno_to_error(errno: Errno) -> Error {
    Error::from_errno(-errno.0)
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
        Err(e) => e.to_errno(),
    }
}

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
    match H::dump(&mut cursor) {
        // Netlink's convention: the bytes added to this skb; 0 ends the dump.
        Ok(()) => {
            // SAFETY: genetlink passes a valid reply skb.
            unsafe { sys::ovs_rs_skb_len(skb) as c_int }
        }
        Err(e) => e.to_errno(),
    }
}
