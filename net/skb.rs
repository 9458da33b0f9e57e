// SPDX-License-Identifier: GPL-2.0
//! An owned socket buffer (`struct sk_buff`) with the operations the datapath performs.
//!
//! Upstream counterpart: the skb handling of `net/openvswitch/actions.c`, `vport.c` and
//! `vport-netdev.c` (clone, push/pull, writability, VLAN push/pop, transmit).

use core::ptr::NonNull;

use kernel::prelude::*;

use crate::abi::errno::Errno;
use crate::net::genl::errno_to_error;
use crate::net::netdev::NetDevice;
use crate::sys;

/// Metadata of a packet the flow key and actions use.
pub(crate) use crate::sys::ovs_rs_skb_meta as SkbMeta;

/// `CHECKSUM_COMPLETE`, whose `csum` must follow every byte change.
const CHECKSUM_COMPLETE: u8 = 2;
/// `CHECKSUM_PARTIAL`: the transport checksum holds only the pseudo-header sum and is left
/// to the device to finish.
const CHECKSUM_PARTIAL: u8 = 3;

/// An sk_buff owned by the datapath: freed (as a drop) unless consumed or sent.
///
/// # Invariants
///
/// `ptr` is a valid sk_buff that this value owns exclusively (`skb_share_check` has been
/// done where it came from the stack), with `skb->data` at the Ethernet header.
pub(crate) struct SkBuff {
    ptr: NonNull<sys::sk_buff>,
}

// SAFETY: An exclusively owned skb may move between CPUs.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// Takes ownership of `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` is a valid skb, owned by the caller, not shared, with data at the MAC header.
    pub(crate) unsafe fn from_raw(ptr: NonNull<sys::sk_buff>) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self { ptr }
    }

    /// Gives the packet up to the kernel function that took it (`NF_STOLEN`): it is no
    /// longer ours to free.
    pub(crate) fn forget_stolen(self) {
        core::mem::forget(self);
    }

    fn into_raw(self) -> *mut sys::sk_buff {
        let p = self.ptr.as_ptr();
        core::mem::forget(self);
        p
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::sk_buff {
        self.ptr.as_ptr()
    }

    /// A new skb holding a copy of `frame` (packet execute).
    pub(crate) fn from_frame(frame: &[u8]) -> Result<Self> {
        let len = u32::try_from(frame.len()).map_err(|_| errno_to_error(Errno::EMSGSIZE))?;
        // SAFETY: `frame` is valid for `len` bytes; the shim copies it.
        let p = unsafe { sys::ovs_rs_packet_skb(frame.as_ptr(), len) };
        // INVARIANT: a fresh skb, ours, data at the frame start.
        Ok(Self {
            ptr: NonNull::new(p).ok_or(ENOMEM)?,
        })
    }

    pub(crate) fn len(&self) -> usize {
        // SAFETY: Valid skb (type invariant).
        unsafe { sys::ovs_rs_skb_len(self.as_ptr()) as usize }
    }

    /// The packet's first `min(len, want)` bytes, linear (pulled into the head if they were
    /// in fragments). Fewer bytes if pulling fails (memory), never an over-read.
    pub(crate) fn headers(&mut self, want: usize) -> &[u8] {
        let want = want.min(self.len()) as u32;
        // SAFETY: Valid skb; pulling does not change what the skb means.
        unsafe { sys::ovs_rs_skb_may_pull(self.as_ptr(), want) };
        // SAFETY: Valid skb.
        let headlen = unsafe { sys::ovs_rs_skb_headlen(self.as_ptr()) } as usize;
        // SAFETY: `skb->data` has `headlen` linear bytes, valid while `self` is borrowed.
        unsafe { core::slice::from_raw_parts(sys::ovs_rs_skb_data(self.as_ptr()), headlen) }
    }

    /// The first `len` bytes, linear and writable (unshared), or `None` if the packet is
    /// shorter or memory is short: the caller drops the packet, as upstream does.
    pub(crate) fn writable(&mut self, len: usize) -> Option<&mut [u8]> {
        if len > self.len() {
            return None;
        }
        // SAFETY: Valid skb; `skb_ensure_writable` makes `len` bytes linear and private.
        let p = unsafe { sys::ovs_rs_skb_writable(self.as_ptr(), len as u32) };
        let p = NonNull::new(p)?;
        // SAFETY: `len` linear bytes at `skb->data`, exclusively ours while borrowed.
        Some(unsafe { core::slice::from_raw_parts_mut(p.as_ptr(), len) })
    }

    pub(crate) fn meta(&self) -> SkbMeta {
        // SAFETY: Valid skb.
        unsafe { sys::ovs_rs_skb_meta(self.as_ptr()) }
    }

    pub(crate) fn set_priority_mark(&mut self, priority: u32, mark: u32) {
        // SAFETY: Valid skb, ours.
        unsafe { sys::ovs_rs_skb_set_meta(self.as_ptr(), priority, mark) };
    }

    /// Updates `skb->csum` after a byte change, if the skb uses `CHECKSUM_COMPLETE`.
    pub(crate) fn set_complete_csum(&mut self, ip_summed: u8, csum: u32) {
        if ip_summed == CHECKSUM_COMPLETE {
            // SAFETY: Valid skb, ours.
            unsafe { sys::ovs_rs_skb_set_csum(self.as_ptr(), csum) };
        }
    }

    /// Forgets the packet's hash after its headers changed (`skb_clear_hash`).
    pub(crate) fn clear_hash(&mut self) {
        // SAFETY: Valid skb, ours.
        unsafe { sys::ovs_rs_skb_clear_hash(self.as_ptr()) };
    }

    pub(crate) fn hash(&mut self, symmetric: bool) -> u32 {
        // SAFETY: Valid skb, ours.
        unsafe { sys::ovs_rs_skb_get_hash(self.as_ptr(), symmetric) }
    }

    pub(crate) fn vlan_push(&mut self, tpid: u16, tci: u16) -> Result {
        // SAFETY: Valid skb, ours, data at the MAC header as `skb_vlan_push` requires.
        kernel::error::to_result(unsafe { sys::ovs_rs_skb_vlan_push(self.as_ptr(), tpid, tci) })
    }

    pub(crate) fn vlan_pop(&mut self) -> Result {
        // SAFETY: As for `vlan_push`.
        kernel::error::to_result(unsafe { sys::skb_vlan_pop(self.as_ptr()) })
    }

    /// A clone sharing the data (for all but the last output); `None` without memory.
    pub(crate) fn clone_atomic(&self) -> Option<Self> {
        // Writers unshare first (`writable`), so sharing the data is safe.
        // SAFETY: Valid skb; the clone is a new skb we own.
        let p = unsafe { sys::ovs_rs_skb_clone(self.as_ptr()) };
        // INVARIANT: a new skb owned by us.
        NonNull::new(p).map(|ptr| Self { ptr })
    }

    /// For an upcall: a clone with an out-of-band VLAN tag put back inside the frame, or
    /// `None` if the packet has no such tag. `Err` without memory.
    pub(crate) fn clone_vlan_inside(&self) -> Result<Option<Self>> {
        // SAFETY: Valid skb.
        if !unsafe { sys::ovs_rs_skb_vlan_present(self.as_ptr()) } {
            return Ok(None);
        }
        // SAFETY: Valid skb; the result is a new skb we own, or null.
        let p = unsafe { sys::ovs_rs_skb_clone_vlan_inside(self.as_ptr()) };
        // INVARIANT: a new skb owned by us, data at the MAC header.
        Ok(Some(Self {
            ptr: NonNull::new(p).ok_or(ENOMEM)?,
        }))
    }

    /// Sends the packet out of an Ethernet device (over-MTU packets are dropped).
    pub(crate) fn xmit(self, dev: &NetDevice) {
        // SAFETY: `dev` is held; the skb's ownership passes to the shim.
        unsafe { sys::ovs_rs_dev_xmit(dev.as_ptr(), self.into_raw()) };
    }

    /// Hands the packet to the host stack as received on the internal device `dev`.
    pub(crate) fn receive_on_internal(self, dev: &NetDevice) {
        // SAFETY: `dev` is held and is an internal device; ownership passes to the shim.
        unsafe { sys::ovs_rs_internal_dev_recv(dev.as_ptr(), self.into_raw()) };
    }

    /// Copies `out.len()` bytes from `offset` (works across fragments).
    pub(crate) fn copy_bits(&self, offset: usize, out: &mut [u8]) -> Result {
        // SAFETY: `out` is valid for its length; the kernel checks the skb's bounds.
        kernel::error::to_result(unsafe {
            sys::skb_copy_bits(
                self.as_ptr(),
                offset as i32,
                out.as_mut_ptr().cast(),
                out.len() as i32,
            )
        })
    }

    /// Sets `skb->protocol` (packets built by execute have none).
    pub(crate) fn set_protocol(&mut self, eth_type: u16) {
        // SAFETY: Valid skb, ours.
        unsafe { sys::ovs_rs_skb_set_protocol_from_frame(self.as_ptr(), eth_type) };
    }

    /// Sets `skb->dev` (not a counted reference, as in the stack): an executed packet
    /// arrives on its input port's device, as upstream's `packet->dev = input_vport->dev`.
    pub(crate) fn set_dev(&mut self, dev: &NetDevice) {
        // `dev` outlives the packet's processing: the caller holds the RCU read lock under
        // which the port, and so its device, stays alive.
        // SAFETY: Valid skb, ours; `dev` is live (above); no reference is taken, as in the stack.
        unsafe { sys::ovs_rs_skb_set_dev(self.as_ptr(), dev.as_ptr()) };
    }

    /// Frees a packet that was delivered (not dropped): `consume_skb`.
    pub(crate) fn consume(self) {
        // SAFETY: Ours; freed once.
        unsafe { sys::consume_skb(self.into_raw()) };
    }
}

impl SkBuff {
    /// Whether the packet is a GSO super-packet, to be cut into segments before it leaves
    /// the stack (`skb_is_gso`).
    pub(crate) fn is_gso(&self) -> bool {
        // SAFETY: Valid skb (type invariant).
        unsafe { sys::ovs_rs_skb_is_gso(self.as_ptr()) }
    }

    /// Whether the packet is a UDP fragmentation offload packet (`SKB_GSO_UDP`), whose
    /// segments are the IP fragments of one datagram.
    pub(crate) fn gso_udp(&self) -> bool {
        // SAFETY: Valid skb (type invariant).
        unsafe { sys::ovs_rs_skb_gso_udp(self.as_ptr()) }
    }

    /// Cuts a GSO packet into its segments in software (`__skb_gso_segment` with only
    /// scatter-gather, not on the transmit path, as upstream's `queue_gso_packets`). The
    /// packet itself stays the caller's, its headers reset but its bytes unchanged.
    /// `EINVAL` if the kernel returns no segments, as upstream.
    pub(crate) fn gso_segment(&mut self) -> Result<SkbList> {
        let mut err = 0;
        // SAFETY: Valid skb, ours; the shim returns a new list that we own, or NULL.
        let head = unsafe { sys::ovs_rs_skb_gso_segment(self.as_ptr(), &mut err) };
        kernel::error::to_result(err)?;
        if head.is_null() {
            return Err(EINVAL);
        }
        // INVARIANT: a fresh list of segments, each with data at its MAC header.
        Ok(SkbList { head })
    }

    /// Finishes a `CHECKSUM_PARTIAL` packet's transport checksum in software
    /// (`skb_csum_hwoffload_help` with no device features, as upstream's
    /// `queue_userspace_packet`), so that the bytes are right wherever they go next.
    /// Other packets are left alone.
    pub(crate) fn complete_partial_csum(&mut self) -> Result {
        if self.meta().ip_summed != CHECKSUM_PARTIAL {
            return Ok(());
        }
        // SAFETY: Valid skb, ours; the kernel makes the bytes it writes private first.
        kernel::error::to_result(unsafe { sys::skb_csum_hwoffload_help(self.as_ptr(), 0) })
    }

    /// Sets the packet's hash and its kind (`__skb_set_hash`), as userspace gave it.
    pub(crate) fn set_hash(&mut self, hash: u32, sw: bool, l4: bool) {
        // SAFETY: Valid skb, ours.
        unsafe { sys::ovs_rs_skb_set_hash(self.as_ptr(), hash, sw, l4) };
    }

    /// Lets the packet be fragmented even if its IPv4 header says DF (`skb->ignore_df`).
    pub(crate) fn set_ignore_df(&mut self) {
        // SAFETY: Valid skb, ours.
        unsafe { sys::ovs_rs_skb_set_ignore_df(self.as_ptr()) };
    }

    /// Marks the network header `offset` bytes into the frame (and `mac_len` to match).
    pub(crate) fn set_network_header(&mut self, offset: usize) -> Result {
        if offset > self.len() {
            return Err(EINVAL);
        }
        // SAFETY: Valid skb, ours; the offset is within the packet.
        unsafe { sys::ovs_rs_skb_set_network_header(self.as_ptr(), offset as u32) };
        Ok(())
    }

    /// Marks the transport header `offset` bytes into the frame.
    pub(crate) fn set_transport_header(&mut self, offset: usize) -> Result {
        if offset > self.len() {
            return Err(EINVAL);
        }
        // SAFETY: Valid skb, ours; the offset is within the packet.
        unsafe { sys::ovs_rs_skb_set_transport_header(self.as_ptr(), offset as u32) };
        Ok(())
    }
}

/// A list of packets owned by the datapath (the segments of a GSO packet), taken one by
/// one; those never taken are freed as drops.
///
/// # Invariants
///
/// `head` is null or the first of a `next`-linked list of valid skbs that this value owns,
/// each with data at its MAC header and not shared.
pub(crate) struct SkbList {
    head: *mut sys::sk_buff,
}

impl Iterator for SkbList {
    type Item = SkBuff;

    fn next(&mut self) -> Option<SkBuff> {
        // The shim unlinks the first skb and advances `head`, so the rest stays ours.
        // SAFETY: `head` is null or a list we own (type invariant).
        let p = unsafe { sys::ovs_rs_skb_list_pop(&mut self.head) };
        // INVARIANT: an skb unlinked from our list is ours alone, data at the MAC header.
        NonNull::new(p).map(|ptr| SkBuff { ptr })
    }
}

impl Drop for SkbList {
    fn drop(&mut self) {
        // Each remaining segment is freed by its own drop.
        for skb in self.by_ref() {
            drop(skb);
        }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // A packet dropped without being delivered: `kfree_skb` (traced as a drop).
        // SAFETY: Ours (type invariant); freed once.
        unsafe { sys::ovs_rs_kfree_skb(self.as_ptr()) };
    }
}

impl SkBuff {
    /// Cuts the packet to `len` bytes (truncate action); shorter packets are unchanged.
    pub(crate) fn trim(&mut self, len: usize) -> Result {
        if len >= self.len() {
            return Ok(());
        }
        // SAFETY: Valid skb, ours; `len` is below its length.
        kernel::error::to_result(unsafe { sys::ovs_rs_skb_trim(self.as_ptr(), len as u32) })
    }
}

/// The current CPU (for per-CPU upcall dispatch; a stale answer is harmless).
pub(crate) fn this_cpu() -> u32 {
    // SAFETY: Reads the CPU number.
    unsafe { sys::ovs_rs_cpu() }
}

/// A random `u32` (sample action).
pub(crate) fn random_u32() -> u32 {
    // SAFETY: Callable from any context.
    unsafe { sys::get_random_u32() }
}

/// The number of possible CPU ids (`nr_cpu_ids`).
pub(crate) fn nr_cpu_ids() -> usize {
    // SAFETY: Reads a boot-time constant.
    unsafe { sys::ovs_rs_nr_cpu_ids() as usize }
}
