// SPDX-License-Identifier: GPL-2.0
//! The megaflow table: flows under masks, looked up mask by mask, plus a UFID index.
//!
//! Upstream counterpart: `net/openvswitch/flow_table.c` (`ovs_flow_tbl_lookup_stats`,
//! `ovs_flow_tbl_insert`, `ovs_flow_tbl_remove`, `table_instance_expand`, the mask array
//! and its re-sorting by hit count).
//!
//! # Locking
//!
//! Every field changes only under the OVS mutex ([`OvsLock`]); the packet path reads under
//! RCU. Each index is one bucket array of RCU lists (`Instance`). Growing it builds a new
//! array whose entries point to the same `Arc<Flow>`s, publishes it, and frees the old
//! one after a grace period, so readers always see a complete table. The mask list is
//! copied on write. A removed flow stays valid for readers until its last entry is freed.

use core::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::abi::errno::Errno;
use crate::abi::flow_attrs::Ufid;
use crate::actions::action::{Action, ActionSink, ArenaRef};
use crate::actions::conntrack::CtAction;
use crate::datapath::conntrack;
use crate::flow::key::{mask_key, masked_equal, masked_hash, FlowKey, KeyRange};
use crate::net::conntrack::CtTemplate;
use crate::net::netdev::NetNs;
use crate::net::sync::{
    rcu_read_lock, OvsCell, OvsLock, PerCpuArray, RcuBox, RcuList, RcuPtr, RcuReader,
};
use crate::net::time::jiffies;

/// Buckets of a new table (upstream's `TBL_MIN_BUCKETS`).
const MIN_BUCKETS: usize = 1024;
/// Mask cache entries per CPU of a new datapath (upstream's `MC_DEFAULT_HASH_ENTRIES`).
const DEFAULT_CACHE_SIZE: u32 = 256;
/// Seed of the key hash.
const HASH_SEED: u64 = 0x6f76_735f_7273;

/// A mask shared by the flows that use it.
pub(crate) struct Mask {
    pub(crate) key: FlowKey,
    pub(crate) range: KeyRange,
    /// Flows using this mask; the mask leaves the list at zero.
    users: OvsCell<usize>,
    /// Lookups that ended on this mask, for re-sorting the list (upstream's
    /// `masks_usage_stats`).
    hits: AtomicU64,
}

/// A validated action list, as the packet path runs it.
#[derive(Default)]
pub(crate) struct FlowActions {
    pub(crate) list: KVec<Action>,
    pub(crate) arena: KVec<u8>,
    /// The `ct` actions' arguments, by [`Action::Ct`]'s index.
    pub(crate) cts: KVec<CtAction>,
    /// Their conntrack templates, by the same index: built by [`FlowActions::prepare`]
    /// after validation, before the list is used.
    pub(crate) ct_templates: KVec<CtTemplate>,
}

impl FlowActions {
    /// Builds what the validated list needs of the kernel: a conntrack template for each
    /// `ct` action (upstream's `ovs_ct_copy_action()` after its checks). May sleep. Says
    /// whether a timeout policy asked for could not be attached (upstream logs it, and
    /// installs the flow all the same).
    pub(crate) fn prepare(&mut self, net: NetNs) -> kernel::error::Result<bool> {
        let mut timeout_missing = false;
        for ct in self.cts.iter() {
            let t = conntrack::template(net, ct)?;
            timeout_missing |= ct.timeout.is_some() && !t.has_timeout();
            self.ct_templates.push(t, GFP_KERNEL)?;
        }
        Ok(timeout_missing)
    }

    /// The `index`th `ct` action and its template.
    pub(crate) fn ct(&self, index: u16) -> Option<(&CtAction, &CtTemplate)> {
        let i = usize::from(index);
        Some((self.cts.get(i)?, self.ct_templates.get(i)?))
    }
}

impl ActionSink for FlowActions {
    fn push(&mut self, a: Action) -> Result<(), Errno> {
        self.list.push(a, GFP_KERNEL).map_err(|_| Errno::ENOMEM)
    }

    fn push_bytes(&mut self, bytes: &[u8]) -> Result<ArenaRef, Errno> {
        let off = u32::try_from(self.arena.len()).map_err(|_| Errno::ENOMEM)?;
        let len = u32::try_from(bytes.len()).map_err(|_| Errno::ENOMEM)?;
        self.arena
            .extend_from_slice(bytes, GFP_KERNEL)
            .map_err(|_| Errno::ENOMEM)?;
        Ok(ArenaRef { off, len })
    }

    fn len(&self) -> usize {
        self.list.len()
    }

    fn action_mut(&mut self, at: usize) -> Option<&mut Action> {
        self.list.get_mut(at)
    }

    fn push_ct(&mut self, ct: CtAction) -> Result<u16, Errno> {
        let index = u16::try_from(self.cts.len()).map_err(|_| Errno::ENOMEM)?;
        self.cts.push(ct, GFP_KERNEL).map_err(|_| Errno::ENOMEM)?;
        Ok(index)
    }
}

/// Per-flow statistics, updated by every CPU that hits the flow.
#[derive(Default)]
pub(crate) struct FlowStats {
    pub(crate) packets: AtomicU64,
    pub(crate) bytes: AtomicU64,
    /// `jiffies` of the last hit; 0 if never hit.
    pub(crate) used: AtomicU64,
    pub(crate) tcp_flags: AtomicU16,
}

impl FlowStats {
    pub(crate) fn hit(&self, len: usize, tcp_flags: u16) {
        self.packets.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len as u64, Ordering::Relaxed);
        self.used.store(jiffies(), Ordering::Relaxed);
        if tcp_flags != 0 {
            self.tcp_flags.fetch_or(tcp_flags, Ordering::Relaxed);
        }
    }

    pub(crate) fn clear(&self) {
        self.packets.store(0, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
        self.used.store(0, Ordering::Relaxed);
        self.tcp_flags.store(0, Ordering::Relaxed);
    }
}

/// An installed flow.
pub(crate) struct Flow {
    /// The key as installed, masked.
    pub(crate) key: FlowKey,
    /// The key as userspace gave it, for replies.
    pub(crate) unmasked: FlowKey,
    pub(crate) mask: Arc<Mask>,
    pub(crate) ufid: Option<Ufid>,
    pub(crate) actions: RcuPtr<FlowActions>,
    pub(crate) stats: FlowStats,
}

impl Flow {
    /// A flow matching `key` under `mask`, not yet in a table: its mask is resolved on
    /// insertion. Allocates; call before taking the OVS mutex.
    pub(crate) fn prepare(
        unmasked: &FlowKey,
        mask: &FlowKey,
        ufid: Option<Ufid>,
        actions: RcuBox<FlowActions>,
    ) -> Result<NewFlow> {
        let range = KeyRange::of_mask(mask);
        let mut key = FlowKey::ZERO;
        mask_key(&mut key, unmasked, mask, range);
        let mask = Arc::new(
            Mask {
                key: *mask,
                range,
                users: OvsCell::new(0),
                hits: AtomicU64::new(0),
            },
            GFP_KERNEL,
        )?;
        Ok(NewFlow {
            key,
            unmasked: *unmasked,
            mask,
            ufid,
            actions,
        })
    }
}

/// A flow built outside the lock, before its mask is shared with equal masks.
pub(crate) struct NewFlow {
    pub(crate) key: FlowKey,
    unmasked: FlowKey,
    mask: Arc<Mask>,
    pub(crate) ufid: Option<Ufid>,
    actions: RcuBox<FlowActions>,
}

impl NewFlow {
    /// Just the actions, for replacing an existing flow's.
    pub(crate) fn into_actions(self) -> RcuBox<FlowActions> {
        self.actions
    }
}

struct Entry {
    hash: u32,
    flow: Arc<Flow>,
}

/// One bucket array.
struct Instance {
    buckets: KVec<RcuList<Entry>>,
}

impl Instance {
    fn new(n: usize) -> Result<RcuBox<Self>> {
        let mut buckets = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            buckets.push(RcuList::new(), GFP_KERNEL)?;
        }
        RcuBox::new(Self { buckets }, GFP_KERNEL)
    }

    fn bucket(&self, hash: u32) -> Option<&RcuList<Entry>> {
        // The bucket count is a power of two.
        self.buckets
            .get(hash as usize & self.buckets.len().wrapping_sub(1))
    }
}

/// The copy-on-write list of masks, in lookup order.
#[derive(Default)]
struct MaskList {
    masks: KVec<Arc<Mask>>,
}

/// The flow table of one datapath.
pub(crate) struct FlowTable {
    /// The per-CPU mask cache; null when its size is 0.
    cache: RcuPtr<PerCpuArray>,
    masks: RcuPtr<MaskList>,
    by_key: RcuPtr<Instance>,
    by_ufid: RcuPtr<Instance>,
    /// Flows in the table; written under the OVS mutex.
    count: AtomicUsize,
}

fn key_hash(key: &FlowKey, mask: &Mask) -> u32 {
    masked_hash(key, &mask.key, mask.range, HASH_SEED) as u32
}

/// What a lookup found, and what it cost.
pub(crate) struct Lookup<'a> {
    pub(crate) flow: Option<&'a Arc<Flow>>,
    /// Masks probed (`n_mask_hit`).
    pub(crate) masks_probed: u32,
    /// Found under the mask the cache suggested (`n_cache_hit`).
    pub(crate) cache_hit: bool,
}

impl FlowTable {
    pub(crate) fn new() -> Result<Self> {
        let cache = match Self::new_cache(DEFAULT_CACHE_SIZE)? {
            Some(c) => RcuPtr::new(c),
            None => RcuPtr::null(),
        };
        let table = Self {
            cache,
            masks: RcuPtr::new(RcuBox::new(MaskList::default(), GFP_KERNEL)?),
            by_key: RcuPtr::new(Instance::new(MIN_BUCKETS)?),
            by_ufid: RcuPtr::new(Instance::new(MIN_BUCKETS)?),
            count: AtomicUsize::new(0),
        };
        Ok(table)
    }

    /// Allocates a mask cache of `size` entries per CPU (a power of two; 0 for none), to
    /// install with [`FlowTable::set_cache`].
    pub(crate) fn new_cache(size: u32) -> Result<Option<RcuBox<PerCpuArray>>> {
        if size == 0 {
            return Ok(None);
        }
        if !size.is_power_of_two() {
            return Err(EINVAL);
        }
        Ok(Some(RcuBox::new(
            PerCpuArray::new(size as usize)?,
            GFP_KERNEL,
        )?))
    }

    pub(crate) fn set_cache(&self, cache: Option<RcuBox<PerCpuArray>>, lock: &mut OvsLock) {
        self.cache.replace(cache, lock);
    }

    /// The current mask cache size (entries per CPU).
    pub(crate) fn cache_size(&self, r: &impl RcuReader) -> u32 {
        self.cache.get(r).map_or(0, |c| c.len() as u32)
    }

    /// The packet-path lookup, through the mask cache (upstream's
    /// `ovs_flow_tbl_lookup_stats`): the cache remembers, per CPU and packet hash, the
    /// mask that matched last, which is tried first.
    pub(crate) fn lookup_cached<'a>(
        &'a self,
        key: &FlowKey,
        skb_hash: u32,
        r: &'a impl RcuReader,
    ) -> Lookup<'a> {
        let cache = match self.cache.get(r) {
            Some(c) if skb_hash != 0 => c,
            _ => return self.lookup_hinted(key, None, r).0,
        };
        // Pre- and post-recirculation packets share a hash: mix the recirculation id in.
        let recirc = key.u32_at(crate::flow::key::field::RECIRC_ID);
        let skb_hash = if recirc != 0 {
            crate::abi::flow_attrs::jhash(&recirc.to_ne_bytes(), skb_hash)
        } else {
            skb_hash
        };
        let size = cache.len();
        let mut hash = skb_hash;
        let mut victim: Option<(usize, u32)> = None;
        for _ in 0..4 {
            let index = hash as usize & (size - 1);
            let entry = cache.get(index);
            let entry_hash = (entry >> 32) as u32;
            if entry_hash == skb_hash {
                let (found, slot) = self.lookup_hinted(key, Some(entry as u32), r);
                match (found.flow, slot) {
                    (Some(_), Some(mask_index)) => {
                        cache.set(index, u64::from(skb_hash) << 32 | u64::from(mask_index));
                    }
                    _ => cache.set(index, 0),
                }
                return found;
            }
            if victim.map_or(true, |(_, h)| entry_hash < h) {
                victim = Some((index, entry_hash));
            }
            hash >>= 8;
        }
        let (found, slot) = self.lookup_hinted(key, None, r);
        if let (Some(_), Some(mask_index), Some((index, _))) = (found.flow, slot, victim) {
            cache.set(index, u64::from(skb_hash) << 32 | u64::from(mask_index));
        }
        found
    }

    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }

    pub(crate) fn mask_count(&self, r: &impl RcuReader) -> usize {
        self.masks.get(r).map_or(0, |m| m.masks.len())
    }

    /// The flow matching packet key `key`, trying each mask in turn.
    pub(crate) fn lookup<'a>(&'a self, key: &FlowKey, r: &'a impl RcuReader) -> Lookup<'a> {
        self.lookup_hinted(key, None, r).0
    }

    /// Tries mask `hint` first, then the others in order; says which mask matched.
    fn lookup_hinted<'a>(
        &'a self,
        key: &FlowKey,
        hint: Option<u32>,
        r: &'a impl RcuReader,
    ) -> (Lookup<'a>, Option<u32>) {
        let mut out = Lookup {
            flow: None,
            masks_probed: 0,
            cache_hit: false,
        };
        let (Some(masks), Some(ti)) = (self.masks.get(r), self.by_key.get(r)) else {
            return (out, None);
        };
        let probe = |mask: &Arc<Mask>, out: &mut Lookup<'a>| -> Option<&'a Arc<Flow>> {
            out.masks_probed += 1;
            let hash = key_hash(key, mask);
            let found = ti.bucket(hash)?.iter(r).find(|e| {
                e.hash == hash
                    && core::ptr::eq(&*e.flow.mask, &**mask)
                    && masked_equal(key, &e.flow.key, &mask.key, mask.range)
            })?;
            mask.hits.fetch_add(1, Ordering::Relaxed);
            Some(&found.flow)
        };
        if let Some(h) = hint {
            if let Some(mask) = masks.masks.get(h as usize) {
                if let Some(f) = probe(mask, &mut out) {
                    out.flow = Some(f);
                    out.cache_hit = true;
                    return (out, Some(h));
                }
            }
        }
        for (i, mask) in masks.masks.iter().enumerate() {
            if Some(i as u32) == hint {
                continue;
            }
            if let Some(f) = probe(mask, &mut out) {
                out.flow = Some(f);
                return (out, Some(i as u32));
            }
        }
        (out, None)
    }

    /// The flow identified by unmasked key `key` (upstream's `ovs_flow_tbl_lookup_exact`):
    /// a flow without a UFID that `key` hits under its own mask and whose unmasked key is
    /// `key`.
    pub(crate) fn lookup_by_key<'a>(
        &'a self,
        key: &FlowKey,
        r: &'a impl RcuReader,
    ) -> Option<&'a Arc<Flow>> {
        let masks = self.masks.get(r)?;
        let ti = self.by_key.get(r)?;
        masks.masks.iter().find_map(|m| {
            let hash = key_hash(key, m);
            ti.bucket(hash)?
                .iter(r)
                .find(|e| {
                    e.hash == hash
                        && core::ptr::eq(&*e.flow.mask, &**m)
                        && e.flow.ufid.is_none()
                        && e.flow.unmasked == *key
                })
                .map(|e| &e.flow)
        })
    }

    /// The flow with UFID `ufid`.
    pub(crate) fn lookup_ufid<'a>(
        &'a self,
        ufid: &Ufid,
        r: &'a impl RcuReader,
    ) -> Option<&'a Arc<Flow>> {
        let hash = ufid.hash();
        self.by_ufid
            .get(r)?
            .bucket(hash)?
            .iter(r)
            .find(|e| e.hash == hash && e.flow.ufid.as_ref() == Some(ufid))
            .map(|e| &e.flow)
    }

    /// Inserts `new`, sharing an equal mask already in the table. The caller has checked
    /// that no flow with the same key and mask (or UFID) exists.
    pub(crate) fn insert(&self, new: NewFlow, lock: &mut OvsLock) -> Result<Arc<Flow>> {
        let mask = self.share_mask(new.mask, lock)?;
        let flow = Arc::new(
            Flow {
                key: new.key,
                unmasked: new.unmasked,
                mask: mask.clone(),
                ufid: new.ufid,
                actions: RcuPtr::new(new.actions),
                stats: FlowStats::default(),
            },
            GFP_KERNEL,
        )?;
        let hash = key_hash(&flow.key, &mask);
        let key_entry = RcuBox::new(
            Entry {
                hash,
                flow: flow.clone(),
            },
            GFP_KERNEL,
        )?;
        let ufid_entry = match &flow.ufid {
            Some(u) => Some(RcuBox::new(
                Entry {
                    hash: u.hash(),
                    flow: flow.clone(),
                },
                GFP_KERNEL,
            )?),
            None => None,
        };
        // Nothing fails past this point, so the mask's user count stays exact.
        *mask.users.get_mut(lock) += 1;
        {
            // The buckets are read under RCU, so that they may be held across the pushes
            // (writes, which need the lock mutably); nothing here sleeps.
            let rcu = rcu_read_lock();
            if let Some(bucket) = self.by_key.get(&rcu).and_then(|ti| ti.bucket(hash)) {
                bucket.push_front(key_entry, lock);
            }
            if let Some(e) = ufid_entry {
                let h = e_hash(&e);
                if let Some(bucket) = self.by_ufid.get(&rcu).and_then(|ti| ti.bucket(h)) {
                    bucket.push_front(e, lock);
                }
            }
        }
        let n = self.count.load(Ordering::Relaxed) + 1;
        self.count.store(n, Ordering::Relaxed);
        // Growing is best effort: a failed allocation leaves a fuller, still correct table.
        let _ = self.grow_if_needed(n, lock);
        Ok(flow)
    }

    /// The table's mask equal to `candidate`, or `candidate` appended to the list.
    fn share_mask(&self, candidate: Arc<Mask>, lock: &mut OvsLock) -> Result<Arc<Mask>> {
        let Some(list) = self.masks.get(lock) else {
            return Err(EINVAL);
        };
        if let Some(m) = list.masks.iter().find(|m| m.key == candidate.key) {
            return Ok(m.clone());
        }
        let mut masks = KVec::with_capacity(list.masks.len() + 1, GFP_KERNEL)?;
        for m in list.masks.iter() {
            masks.push(m.clone(), GFP_KERNEL)?;
        }
        masks.push(candidate.clone(), GFP_KERNEL)?;
        self.masks
            .replace(Some(RcuBox::new(MaskList { masks }, GFP_KERNEL)?), lock);
        Ok(candidate)
    }

    fn grow_if_needed(&self, n: usize, lock: &mut OvsLock) -> Result {
        for index in [&self.by_key, &self.by_ufid] {
            let Some(ti) = index.get(lock) else {
                continue;
            };
            if n <= ti.buckets.len() {
                continue;
            }
            let new = Instance::new(ti.buckets.len() * 2)?;
            let mut entries = KVec::new();
            for bucket in ti.buckets.iter() {
                for e in bucket.iter(lock) {
                    entries.push(
                        RcuBox::new(
                            Entry {
                                hash: e.hash,
                                flow: e.flow.clone(),
                            },
                            GFP_KERNEL,
                        )?,
                        GFP_KERNEL,
                    )?;
                }
            }
            let mut new = new;
            let new_ti = new.get_mut();
            for e in entries {
                let h = e_hash(&e);
                if let Some(bucket) = new_ti.bucket(h) {
                    bucket.push_front(e, lock);
                }
            }
            index.replace(Some(new), lock);
        }
        Ok(())
    }

    /// Removes `flow` from the table; it is freed once readers are done with it.
    pub(crate) fn remove(&self, flow: &Arc<Flow>, lock: &mut OvsLock) {
        {
            // The buckets are read under RCU, to be held across the unlinks (see
            // `insert`).
            let rcu = rcu_read_lock();
            let ptr_eq = |e: &Entry| Arc::ptr_eq(&e.flow, flow);
            let hash = key_hash(&flow.key, &flow.mask);
            let removed = self
                .by_key
                .get(&rcu)
                .and_then(|ti| ti.bucket(hash))
                .is_some_and(|b| b.remove_first(ptr_eq, lock));
            if !removed {
                return;
            }
            if let Some(u) = &flow.ufid {
                if let Some(b) = self.by_ufid.get(&rcu).and_then(|ti| ti.bucket(u.hash())) {
                    b.remove_first(ptr_eq, lock);
                }
            }
            let n = self.count.load(Ordering::Relaxed).saturating_sub(1);
            self.count.store(n, Ordering::Relaxed);
        }
        let users = flow.mask.users.get_mut(lock);
        *users = users.saturating_sub(1);
        if *users == 0 {
            self.drop_mask(&flow.mask, lock);
        }
    }

    fn drop_mask(&self, mask: &Arc<Mask>, lock: &mut OvsLock) {
        let Some(list) = self.masks.get(lock) else {
            return;
        };
        let Ok(mut masks) = KVec::with_capacity(list.masks.len(), GFP_KERNEL) else {
            // Out of memory: an unused mask stays in the list; lookups skip past it.
            return;
        };
        for m in list.masks.iter().filter(|m| !Arc::ptr_eq(m, mask)) {
            // Capacity was reserved above.
            let _ = masks.push(m.clone(), GFP_KERNEL);
        }
        if let Ok(b) = RcuBox::new(MaskList { masks }, GFP_KERNEL) {
            self.masks.replace(Some(b), lock);
        }
    }

    /// Removes every flow.
    pub(crate) fn flush(&self, lock: &mut OvsLock) -> Result {
        let fresh_key = Instance::new(MIN_BUCKETS)?;
        let fresh_ufid = Instance::new(MIN_BUCKETS)?;
        let fresh_masks = RcuBox::new(MaskList::default(), GFP_KERNEL)?;
        self.by_key.replace(Some(fresh_key), lock);
        self.by_ufid.replace(Some(fresh_ufid), lock);
        self.masks.replace(Some(fresh_masks), lock);
        self.count.store(0, Ordering::Relaxed);
        Ok(())
    }

    /// Re-sorts the masks by hits since the last call, busiest first, as upstream's
    /// `ovs_flow_masks_rebalance` does periodically.
    pub(crate) fn rebalance_masks(&self, lock: &mut OvsLock) -> Result {
        let Some(list) = self.masks.get(lock) else {
            return Ok(());
        };
        if list.masks.len() < 2 {
            return Ok(());
        }
        let mut masks = KVec::with_capacity(list.masks.len(), GFP_KERNEL)?;
        let mut hits = KVec::with_capacity(list.masks.len(), GFP_KERNEL)?;
        for m in list.masks.iter() {
            masks.push(m.clone(), GFP_KERNEL)?;
            hits.push(m.hits.swap(0, Ordering::Relaxed), GFP_KERNEL)?;
        }
        // Insertion sort on a small list (masks number in the hundreds at most), stable,
        // descending by hits.
        for i in 1..masks.len() {
            let mut j = i;
            while j > 0 && hits[j - 1] < hits[j] {
                hits.swap(j - 1, j);
                masks.swap(j - 1, j);
                j -= 1;
            }
        }
        self.masks
            .replace(Some(RcuBox::new(MaskList { masks }, GFP_KERNEL)?), lock);
        Ok(())
    }

    /// Calls `f` on flows from position `pos` (bucket, index in bucket) on, until it
    /// returns false; returns the position to resume at.
    pub(crate) fn for_each_from(
        &self,
        pos: (usize, usize),
        r: &impl RcuReader,
        mut f: impl FnMut(&Arc<Flow>) -> bool,
    ) -> Option<(usize, usize)> {
        let ti = self.by_key.get(r)?;
        let (mut b, mut i) = pos;
        while let Some(bucket) = ti.buckets.get(b) {
            for e in bucket.iter(r).skip(i) {
                if !f(&e.flow) {
                    return Some((b, i));
                }
                i += 1;
            }
            b += 1;
            i = 0;
        }
        None
    }
}

fn e_hash(e: &RcuBox<Entry>) -> u32 {
    e.get().hash
}
