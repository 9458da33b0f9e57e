// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers over nf_conntrack: conntrack templates, a packet's connection, the packet
//! at its network header for conntrack's calls, a namespace's labels reference, and its
//! connection counts per zone (nf_conncount) for ct_limit.
//!
//! Upstream counterpart: the nf_conntrack calls of `net/openvswitch/conntrack.c`. What to do
//! with them (the `ct` action's lookup and commit) is `datapath/conntrack.rs`'s; the fields
//! are interpreted by the pure `flow/conntrack.rs`.

use core::ffi::CStr;
use core::marker::PhantomData;
use core::ptr::NonNull;

use kernel::prelude::*;

use crate::abi::errno::Errno;
use crate::flow::conntrack::{ConnFields, Tracked};
use crate::net::genl::errno_to_error;
use crate::net::netdev::NetNs;
use crate::net::skb::SkBuff;
use crate::sys;

/// A netfilter verdict (`NF_DROP`, `NF_ACCEPT`, `NF_STOLEN`, ...), as conntrack returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Verdict(pub(crate) u32);

impl Verdict {
    /// Upstream's `verdict_to_errno()`: accept is success, stolen is `EINPROGRESS` (the
    /// packet is conntrack's now), anything else `EINVAL`.
    pub(crate) fn to_result(self) -> core::result::Result<(), Errno> {
        match self.0 & sys::OVS_RS_NF_VERDICT_MASK {
            sys::OVS_RS_NF_ACCEPT => Ok(()),
            sys::OVS_RS_NF_STOLEN => Err(Errno::EINPROGRESS),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// A conntrack template (upstream's `ovs_conntrack_info.ct`): the zone, helper and timeout
/// policy a `ct` action gives the connections it looks up, and the helper reference.
///
/// # Invariants
///
/// `tmpl` is a template from `nf_ct_tmpl_alloc()`, owned by this value (its own reference;
/// packets take theirs with `nf_conntrack_get()`), not changed after [`CtTemplate::new`].
/// `helper`, if set, is a helper reference taken by `nf_ct_add_helper()` (with NAT's when
/// the bool says so); `timeout` says a timeout policy was attached.
pub(crate) struct CtTemplate {
    tmpl: NonNull<sys::nf_conn>,
    helper: Option<(NonNull<sys::nf_conntrack_helper>, bool)>,
    timeout: bool,
}

// SAFETY: The template is immutable once built and its refcount is atomic; the helper
// reference may be put from any context.
unsafe impl Send for CtTemplate {}
// SAFETY: As above: shared use only reads the template and takes references on it.
unsafe impl Sync for CtTemplate {}

/// What a template asks of the kernel besides its zone.
pub(crate) struct TemplateSpec<'a> {
    pub(crate) zone: u16,
    pub(crate) commit: bool,
    /// `NFPROTO_*` and IP protocol, for the helper and timeout lookups.
    pub(crate) family: u8,
    pub(crate) proto: u8,
    /// A helper by name, with whether the action NATs (`nf_ct_add_helper()`'s `nat`).
    pub(crate) helper: Option<(&'a CStr, bool)>,
    pub(crate) timeout: Option<&'a CStr>,
}

/// Why a template could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TemplateError {
    NoMemory,
    /// `nf_ct_add_helper()`'s errno.
    Helper(Errno),
}

impl CtTemplate {
    /// Builds a template, as `ovs_ct_copy_action()` does. A timeout policy that cannot be
    /// attached is not an error (upstream only logs it): [`CtTemplate::has_timeout`] says.
    /// May sleep (helper modules are loaded on demand).
    pub(crate) fn new(
        net: NetNs,
        spec: &TemplateSpec<'_>,
    ) -> core::result::Result<Self, TemplateError> {
        // SAFETY: `net` is live (NetNs invariant); GFP_KERNEL in process context.
        let tmpl = unsafe { sys::ovs_rs_ct_tmpl_alloc(net.as_ptr(), spec.zone) };
        let tmpl = NonNull::new(tmpl).ok_or(TemplateError::NoMemory)?;
        // INVARIANT: our template; helper and timeout are attached below.
        let mut t = Self {
            tmpl,
            helper: None,
            timeout: false,
        };
        if let Some(name) = spec.timeout {
            // SAFETY: Our template, not yet shared; `name` is NUL-terminated.
            let err = unsafe {
                sys::ovs_rs_ct_tmpl_set_timeout(
                    net.as_ptr(),
                    t.tmpl.as_ptr(),
                    spec.family,
                    spec.proto,
                    name.as_ptr().cast(),
                )
            };
            t.timeout = err == 0;
        }
        if let Some((name, nat)) = spec.helper {
            let mut helper = core::ptr::null_mut();
            // `helper` is written on success only.
            // SAFETY: Our template, not yet shared; `name` is NUL-terminated.
            let err = unsafe {
                sys::ovs_rs_ct_tmpl_add_helper(
                    t.tmpl.as_ptr(),
                    name.as_ptr().cast(),
                    spec.family,
                    spec.proto,
                    nat,
                    &mut helper,
                )
            };
            if err != 0 {
                return Err(TemplateError::Helper(Errno(-err)));
            }
            t.helper = NonNull::new(helper).map(|h| (h, nat));
        }
        if spec.commit {
            // SAFETY: Our template, not yet shared.
            unsafe { sys::ovs_rs_ct_tmpl_set_confirmed(t.tmpl.as_ptr()) };
        }
        Ok(t)
    }

    /// Whether the timeout policy asked for is attached.
    pub(crate) fn has_timeout(&self) -> bool {
        self.timeout
    }

    fn as_ptr(&self) -> *mut sys::nf_conn {
        self.tmpl.as_ptr()
    }

    /// The helper attached, as an identity to compare with a connection's.
    fn helper_id(&self) -> Option<*const core::ffi::c_void> {
        self.helper.map(|(h, _)| h.as_ptr().cast_const().cast())
    }
}

impl Drop for CtTemplate {
    /// Upstream's `__ovs_ct_free_action()`. Runs from an RCU callback: nothing here sleeps.
    fn drop(&mut self) {
        if let Some((helper, nat)) = self.helper {
            // SAFETY: Our helper reference (type invariant), put once.
            unsafe { sys::ovs_rs_ct_helper_put(helper.as_ptr(), nat) };
        }
        if self.timeout {
            // SAFETY: Our template, with a timeout policy attached.
            unsafe { sys::ovs_rs_ct_tmpl_destroy_timeout(self.tmpl.as_ptr()) };
        }
        // Packets that took a reference dropped it in `nf_conntrack_in()`, inside the RCU
        // read section this free waited out.
        // SAFETY: Our template, no packet's reference left (above).
        unsafe { sys::ovs_rs_ct_tmpl_free(self.tmpl.as_ptr()) };
    }
}

/// A namespace's use of 128 conntrack label bits (`nf_connlabels_get()`), given back on
/// drop. Upstream takes it once per namespace; a datapath takes it for its own life.
///
/// # Invariants
///
/// `net` is live while this value exists (its holder drops it before the namespace goes),
/// and holds one `nf_connlabels_get()` use.
pub(crate) struct CtLabels {
    net: NetNs,
}

impl CtLabels {
    pub(crate) fn get(net: NetNs) -> Result<Self> {
        // SAFETY: `net` is live.
        let err = unsafe { sys::ovs_rs_ct_labels_get(net.as_ptr()) };
        if err != 0 {
            return Err(errno_to_error(Errno(-err)));
        }
        // INVARIANT: one use taken.
        Ok(Self { net })
    }
}

impl Drop for CtLabels {
    fn drop(&mut self) {
        // SAFETY: Our use, on a live namespace (type invariant).
        unsafe { sys::ovs_rs_ct_labels_put(self.net.as_ptr()) };
    }
}

/// A namespace's connection counts per conntrack zone (`nf_conncount_init()`, keyed by the
/// zone id), for ct_limit. Upstream keeps one per namespace (`ovs_ct_limit_init()`).
///
/// Dropping it sleeps (`nf_conncount_destroy()` waits for its garbage collection work), and
/// packets may be counting in it under RCU: its holder unpublishes it, waits for a grace
/// period and drops it in process context, before the namespace goes
/// ([`crate::net::sync::RcuList::take_first_synced`] from the pernet pre-exit hook).
///
/// # Invariants
///
/// `data` came from `ovs_rs_conncount_init(net)` and is destroyed only by `Drop`; `net` is
/// live while this value exists.
pub(crate) struct ConnCount {
    net: NetNs,
    data: NonNull<sys::nf_conncount_data>,
}

// SAFETY: nf_conncount locks its own trees; counting is allowed from any context and CPU,
// and destruction (`Drop`, `&mut self`) excludes every other use.
unsafe impl Send for ConnCount {}
// SAFETY: As above: `count*` take `&self` and nf_conncount serialises them itself.
unsafe impl Sync for ConnCount {}

impl ConnCount {
    /// Whether this kernel has nf_conncount (`CONFIG_NETFILTER_CONNCOUNT`).
    pub(crate) fn supported() -> bool {
        // SAFETY: Reads a build-time constant.
        unsafe { sys::ovs_rs_conncount_supported() }
    }

    /// May sleep. `EOPNOTSUPP` when the kernel has no nf_conncount
    /// (`CONFIG_NETFILTER_CONNCOUNT`).
    pub(crate) fn new(net: NetNs) -> Result<Self> {
        let mut err = 0;
        // SAFETY: `net` is live; `err` is a valid out-parameter.
        let data = unsafe { sys::ovs_rs_conncount_init(net.as_ptr(), &mut err) };
        match NonNull::new(data) {
            // INVARIANT: from `ovs_rs_conncount_init(net)`.
            Some(data) => Ok(Self { net, data }),
            None => Err(errno_to_error(Errno(-err))),
        }
    }

    /// The connections counted in `zone`, the packet's own connection added to them if it is
    /// not counted yet (upstream's `nf_conncount_count_skb()` with the skb). The packet
    /// carries its connection (after the lookup of a commit).
    pub(crate) fn count_with(&self, p: &L3Packet<'_>, family: u8, zone: u16) -> u32 {
        // The shim takes the RCU read section nf_conncount wants.
        // SAFETY: `net` and `data` are live (type invariant); `p` holds a valid skb.
        unsafe {
            sys::ovs_rs_conncount_count(
                self.net.as_ptr(),
                p.ptr(),
                family,
                self.data.as_ptr(),
                zone,
            )
        }
    }

    /// The connections counted in `zone`, for a GET (no packet).
    pub(crate) fn count(&self, zone: u16) -> u32 {
        // SAFETY: `net` and `data` are live (type invariant); a null skb only counts.
        unsafe {
            sys::ovs_rs_conncount_count(
                self.net.as_ptr(),
                core::ptr::null(),
                0,
                self.data.as_ptr(),
                zone,
            )
        }
    }
}

impl Drop for ConnCount {
    fn drop(&mut self) {
        // The holder waited out the readers before dropping this (type docs).
        // SAFETY: Ours, destroyed once, with `net` live (type invariant).
        unsafe { sys::ovs_rs_conncount_destroy(self.net.as_ptr(), self.data.as_ptr()) };
    }
}

/// Upstream conntrack.c's `OVS_NLERR()` lines, which carry no module prefix:
/// "netlink: `msg`", rate limited.
pub(crate) fn log_netlink(msg: &CStr) {
    // SAFETY: `msg` is a valid C string for the call.
    unsafe { sys::ovs_rs_ct_log_netlink(msg.as_ptr().cast()) };
}

/// "netlink: `cmd` zone limit has `rem` unknown bytes", rate limited.
pub(crate) fn log_zone_limit_rest(cmd: &CStr, rem: i32) {
    // SAFETY: `cmd` is a valid C string for the call.
    unsafe { sys::ovs_rs_ct_log_zone_limit_rest(cmd.as_ptr().cast(), rem) };
}

/// "openvswitch: zone: `zone` exceeds conntrack limit", rate limited.
pub(crate) fn log_zone_over_limit(zone: u16) {
    // SAFETY: Takes a plain integer.
    unsafe { sys::ovs_rs_ct_log_zone_over_limit(zone) };
}

/// Reads the fields of a connection.
///
/// # Safety
///
/// `ct` is a valid connection for the duration of the call.
unsafe fn read_fields(ct: *const sys::nf_conn) -> ConnFields {
    let mut f = sys::ovs_rs_ct_fields::default();
    // SAFETY: `ct` is valid (caller); `f` is ours to fill.
    unsafe { sys::ovs_rs_ct_fields(ct, &mut f) };
    ConnFields {
        status: f.status,
        mark: f.mark,
        zone: f.zone,
        l3num: f.l3num,
        protonum: f.protonum,
        confirmed: f.confirmed,
        labels: f.has_labels.then_some(f.labels),
        orig_src: f.orig_src,
        orig_dst: f.orig_dst,
        orig_src_port: f.orig_src_port.to_ne_bytes(),
        orig_dst_port: f.orig_dst_port.to_ne_bytes(),
        orig_icmp_type: f.orig_icmp_type,
        orig_icmp_code: f.orig_icmp_code,
    }
}

/// What conntrack says of `skb`: its connection's fields, its master's, its ctinfo.
///
/// # Safety
///
/// `skb` is a valid skb.
unsafe fn tracked(skb: *const sys::sk_buff) -> Option<Tracked> {
    let mut ctinfo = 0;
    // SAFETY: Valid skb (caller).
    let ct = unsafe { sys::ovs_rs_skb_ct(skb, &mut ctinfo) };
    if ct.is_null() {
        return None;
    }
    // SAFETY: The skb holds a reference on its connection, and the connection on its master.
    let conn = unsafe { read_fields(ct) };
    // SAFETY: As above.
    let master = unsafe { sys::ovs_rs_ct_master(ct) };
    // SAFETY: As above.
    let master = (!master.is_null()).then(|| unsafe { read_fields(master) });
    Some(Tracked {
        ctinfo,
        conn,
        master,
    })
}

impl SkBuff {
    /// What conntrack says of the packet, if it is tracked (upstream's `nf_ct_get()`).
    pub(crate) fn tracked(&self) -> Option<Tracked> {
        // SAFETY: Valid skb (type invariant).
        unsafe { tracked(self.as_ptr()) }
    }

    /// Drops the packet's connection and marks it untracked (upstream's `ovs_ct_clear()`).
    pub(crate) fn ct_clear(&mut self) {
        // SAFETY: Valid skb, ours; the shim puts the reference it had.
        unsafe {
            sys::ovs_rs_skb_ct_unset(self.as_ptr(), crate::abi::uapi::nf_ct::IP_CT_UNTRACKED)
        };
    }

    /// Runs `f` on the packet with its data at the network header, `l3` bytes in, as
    /// conntrack requires (`skb_pull_rcsum()`), and moves the data back to the MAC header
    /// after (`skb_push_rcsum()`), keeping the type invariant outside.
    pub(crate) fn at_network_header<R>(
        &mut self,
        l3: usize,
        f: impl FnOnce(&mut L3Packet<'_>) -> R,
    ) -> Result<R> {
        self.set_network_header(l3)?;
        let n = u32::try_from(l3).map_err(|_| EINVAL)?;
        // `l3 <= len` (checked by `set_network_header`), and the headers up to it are linear
        // (the caller extracted the key from them).
        // SAFETY: Valid skb, ours; `n` bytes of linear headers (above).
        unsafe { sys::ovs_rs_skb_pull_rcsum(self.as_ptr(), n) };
        let r = f(&mut L3Packet { skb: self });
        // SAFETY: Undoes the pull above: the same `n` bytes are still in front of the data.
        unsafe { sys::ovs_rs_skb_push_rcsum(self.as_ptr(), n) };
        Ok(r)
    }
}

/// A packet at its network header, for conntrack's calls.
pub(crate) struct L3Packet<'a> {
    skb: &'a mut SkBuff,
}

impl L3Packet<'_> {
    fn ptr(&self) -> *mut sys::sk_buff {
        self.skb.as_ptr()
    }

    pub(crate) fn tracked(&self) -> Option<Tracked> {
        // SAFETY: Valid skb.
        unsafe { tracked(self.ptr()) }
    }

    /// The packet's connection, borrowed from it: valid while the packet is not changed.
    pub(crate) fn conn(&self) -> Option<Conn<'_>> {
        let mut ctinfo = 0;
        // SAFETY: Valid skb.
        let ct = unsafe { sys::ovs_rs_skb_ct(self.ptr(), &mut ctinfo) };
        // INVARIANT: the skb's reference keeps it valid for the borrow of `self`.
        NonNull::new(ct).map(|ct| Conn {
            ct,
            ctinfo,
            _skb: PhantomData,
        })
    }

    /// Drops the packet's connection, leaving `ctinfo` (0, or `IP_CT_UNTRACKED`).
    pub(crate) fn unset(&mut self, ctinfo: u32) {
        // SAFETY: Valid skb, ours.
        unsafe { sys::ovs_rs_skb_ct_unset(self.ptr(), ctinfo) };
    }

    /// Drops the packet's connection and attaches a reference to `tmpl` (a new lookup in
    /// its zone).
    pub(crate) fn attach_template(&mut self, tmpl: &CtTemplate) {
        // SAFETY: Valid skb, ours; valid template, on which the skb takes its own reference.
        unsafe { sys::ovs_rs_skb_ct_attach_template(self.ptr(), tmpl.as_ptr()) };
    }

    /// Attaches the connection the packet's tuple names in `zone` of `net` (its inverse if
    /// the packet was NATted), without counting the packet against it: a connection an
    /// upcall lost (upstream's `ovs_ct_find_existing()`). False if there is none. The
    /// packet must have no connection.
    pub(crate) fn find_existing(
        &mut self,
        net: NetNs,
        zone: u16,
        family: u8,
        natted: bool,
    ) -> bool {
        // Without a connection, none is leaked by the one attached; the reference found is
        // the skb's.
        // SAFETY: Valid skb, ours, at its network header, without a connection; live `net`.
        unsafe { sys::ovs_rs_ct_find_existing(net.as_ptr(), zone, family, self.ptr(), natted) }
    }

    /// `nf_conntrack_in()` at `NF_INET_PRE_ROUTING` of `net`, for `family`.
    pub(crate) fn conntrack_in(&mut self, net: NetNs, family: u8) -> Verdict {
        // SAFETY: Valid skb, ours, at its network header; `net` is live.
        Verdict(unsafe { sys::ovs_rs_ct_in(net.as_ptr(), self.ptr(), family) })
    }

    /// `nf_conntrack_confirm()`.
    pub(crate) fn confirm(&mut self) -> Verdict {
        // SAFETY: Valid skb, ours.
        Verdict(unsafe { sys::ovs_rs_ct_confirm(self.ptr()) })
    }

    /// `nf_ct_skb_network_trim()`: drops bytes past the IP datagram's length.
    pub(crate) fn network_trim(&mut self, family: u8) -> core::result::Result<(), Errno> {
        // SAFETY: Valid skb, ours, at its network header.
        match unsafe { sys::ovs_rs_ct_network_trim(self.ptr(), family) } {
            0 => Ok(()),
            e => Err(Errno(-e)),
        }
    }

    /// `nf_ct_nat()` on the packet's connection: `action` (bits of `NF_NAT_MANIP_*`) says
    /// what to do and is left saying what was done. `None` without a connection.
    pub(crate) fn nat(
        &mut self,
        action: &mut i32,
        range: &NatRange,
        commit: bool,
    ) -> Option<Verdict> {
        let mut ctinfo = 0;
        // SAFETY: Valid skb.
        let ct = unsafe { sys::ovs_rs_skb_ct(self.ptr(), &mut ctinfo) };
        if ct.is_null() {
            return None;
        }
        // SAFETY: Valid skb, ours, at L3, with its connection `ct`; 16-byte addresses.
        Some(Verdict(unsafe {
            sys::ovs_rs_ct_nat(
                self.ptr(),
                ct,
                ctinfo,
                action,
                range.flags,
                range.min_addr.as_ptr(),
                range.max_addr.as_ptr(),
                range.min_proto,
                range.max_proto,
                commit,
            )
        }))
    }

    /// `nf_ct_helper()`: runs the connection's helper on the packet (accept without one).
    pub(crate) fn run_helper(&mut self, family: u8) -> Verdict {
        let mut ctinfo = 0;
        // SAFETY: Valid skb.
        let ct = unsafe { sys::ovs_rs_skb_ct(self.ptr(), &mut ctinfo) };
        if ct.is_null() {
            return Verdict(sys::OVS_RS_NF_ACCEPT);
        }
        // SAFETY: Valid skb, ours, at its network header, with its connection.
        Verdict(unsafe { sys::ovs_rs_ct_helper(self.ptr(), ct, ctinfo, family) })
    }
}

/// A NAT range, as `nf_nat_range2` takes it: addresses in network order, ports in host order.
pub(crate) use crate::actions::conntrack::NatRange;

/// A packet's connection, borrowed from the packet.
///
/// # Invariants
///
/// `ct` is the packet's connection, kept valid by the packet's reference for `'a`.
pub(crate) struct Conn<'a> {
    ct: NonNull<sys::nf_conn>,
    ctinfo: u32,
    _skb: PhantomData<&'a L3Packet<'a>>,
}

impl Conn<'_> {
    fn ptr(&self) -> *mut sys::nf_conn {
        self.ct.as_ptr()
    }

    pub(crate) fn ctinfo(&self) -> u32 {
        self.ctinfo
    }

    pub(crate) fn fields(&self) -> ConnFields {
        // SAFETY: Valid connection (type invariant).
        unsafe { read_fields(self.ptr()) }
    }

    /// The master's fields, if the connection has one.
    pub(crate) fn master_fields(&self) -> Option<ConnFields> {
        // SAFETY: Valid connection, which holds its master.
        let m = unsafe { sys::ovs_rs_ct_master(self.ptr()) };
        // SAFETY: As above.
        (!m.is_null()).then(|| unsafe { read_fields(m) })
    }

    /// More than the packet holds a reference (`nf_ct_shared()`).
    pub(crate) fn shared(&self) -> bool {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_shared(self.ptr()) }
    }

    pub(crate) fn in_net(&self, net: NetNs) -> bool {
        // SAFETY: Valid connection; `net` only compared.
        unsafe { sys::ovs_rs_ct_in_net(self.ptr(), net.as_ptr()) }
    }

    /// Whether the connection is in `tmpl`'s zone (`nf_ct_zone_equal_any()`).
    pub(crate) fn in_zone_of(&self, tmpl: &CtTemplate) -> bool {
        // SAFETY: Both valid.
        unsafe { sys::ovs_rs_ct_zone_equal(tmpl.as_ptr(), self.ptr()) }
    }

    /// Whether the connection has a helper other than `tmpl`'s (when `tmpl` has one).
    pub(crate) fn has_other_helper_than(&self, tmpl: &CtTemplate) -> bool {
        let Some(want) = tmpl.helper_id() else {
            return false;
        };
        // SAFETY: Valid connection.
        let have = unsafe { sys::ovs_rs_ct_helper_of(self.ptr()) };
        !have.is_null() && have != want
    }

    /// Whether the connection lacks `tmpl`'s timeout policy (when `tmpl` has one).
    pub(crate) fn lacks_timeout_of(&self, tmpl: &CtTemplate) -> bool {
        if !tmpl.has_timeout() {
            return false;
        }
        // SAFETY: Both valid.
        let (want, have) = unsafe {
            (
                sys::ovs_rs_ct_timeout_of(tmpl.as_ptr()),
                sys::ovs_rs_ct_timeout_of(self.ptr()),
            )
        };
        have.is_null() || have != want
    }

    /// Whether the connection is in conntrack's table (`nf_ct_is_confirmed()`): the one
    /// field the packet path asks most, without reading them all.
    pub(crate) fn confirmed(&self) -> bool {
        // SAFETY: Valid connection (type invariant).
        unsafe { sys::ovs_rs_ct_confirmed(self.ptr()) }
    }

    pub(crate) fn mark(&self) -> u32 {
        // SAFETY: Valid connection (type invariant).
        unsafe { sys::ovs_rs_ct_mark(self.ptr()) }
    }

    pub(crate) fn tcp_established(&self) -> bool {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_tcp_established(self.ptr()) }
    }

    /// Writes the mark (`WRITE_ONCE`, as every writer of a shared connection's mark does).
    pub(crate) fn write_mark(&self, mark: u32) {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_write_mark(self.ptr(), mark) };
    }

    /// Queues the `IPCT_MARK` event.
    pub(crate) fn event_mark(&self) {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_event_mark(self.ptr()) };
    }

    /// Queues the `IPCT_LABEL` event.
    pub(crate) fn event_label(&self) {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_event_label(self.ptr()) };
    }

    /// Makes sure the connection has a labels extension (added only while unconfirmed);
    /// false if it has none.
    pub(crate) fn ensure_labels(&self) -> bool {
        // Extensions are added only to an unconfirmed connection, which only this packet sees.
        // SAFETY: Valid connection (type invariant).
        unsafe { sys::ovs_rs_ct_labels_ensure(self.ptr()) }
    }

    /// Overwrites the labels of an unconfirmed connection (no one else sees it yet).
    pub(crate) fn write_labels_unconfirmed(&self, labels: &[u8; 16]) {
        if self.fields().confirmed {
            return;
        }
        // SAFETY: Valid, unconfirmed connection; `labels` is 16 bytes.
        unsafe { sys::ovs_rs_ct_labels_write(self.ptr(), labels.as_ptr()) };
    }

    /// `nf_connlabels_replace()`: the masked bits of `labels`, atomically.
    pub(crate) fn replace_labels(
        &self,
        labels: &[u8; 16],
        mask: &[u8; 16],
    ) -> core::result::Result<(), Errno> {
        let words = |b: &[u8; 16]| -> [u32; 4] {
            core::array::from_fn(|i| {
                u32::from_ne_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
            })
        };
        let (l, m) = (words(labels), words(mask));
        // SAFETY: Valid connection; both arrays are 4 words.
        match unsafe { sys::ovs_rs_ct_labels_replace(self.ptr(), l.as_ptr(), m.as_ptr()) } {
            0 => Ok(()),
            e => Err(Errno(-e)),
        }
    }

    pub(crate) fn set_eventmask(&self, mask: u32) {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_set_eventmask(self.ptr(), mask) };
    }

    /// `__nf_ct_try_assign_helper()` from `tmpl`.
    pub(crate) fn try_assign_helper(&self, tmpl: &CtTemplate) -> core::result::Result<(), Errno> {
        // SAFETY: Valid connection (unconfirmed: the caller checks) and template.
        match unsafe { sys::ovs_rs_ct_try_assign_helper(self.ptr(), tmpl.as_ptr()) } {
            0 => Ok(()),
            e => Err(Errno(-e)),
        }
    }

    pub(crate) fn has_help(&self) -> bool {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_has_help(self.ptr()) }
    }

    /// Adds the sequence-adjustment extension a helper needs under NAT; false if it cannot.
    pub(crate) fn ensure_seqadj(&self) -> bool {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_ensure_seqadj(self.ptr()) }
    }

    pub(crate) fn set_tcp_be_liberal(&self) {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_set_tcp_be_liberal(self.ptr()) };
    }

    pub(crate) fn deliver_cached_events(&self) {
        // SAFETY: Valid connection.
        unsafe { sys::ovs_rs_ct_deliver_cached_events(self.ptr()) };
    }

    /// Deletes the (confirmed) connection from the table (`nf_ct_delete()`).
    pub(crate) fn delete(&self) {
        // SAFETY: Valid connection; deleting does not free it while the packet holds it.
        unsafe { sys::ovs_rs_ct_delete(self.ptr()) };
    }
}

/// Converts a template error to the kernel's.
impl From<TemplateError> for Error {
    fn from(e: TemplateError) -> Self {
        match e {
            TemplateError::NoMemory => ENOMEM,
            TemplateError::Helper(errno) => errno_to_error(errno),
        }
    }
}
