// SPDX-License-Identifier: GPL-2.0
//! The `ovs_ct_limit` family's one attribute, `OVS_CT_LIMIT_ATTR_ZONE_LIMIT`: an array of
//! `struct ovs_zone_limit` (zone id, limit, count), and the order upstream keeps zones in.
//!
//! Upstream counterpart: the walks of `ovs_ct_limit_{set,del,get}_zone_limit()` and
//! `ct_limit_set()`'s hash buckets in `net/openvswitch/conntrack.c`.

use super::uapi::OVS_ZONE_LIMIT_DEFAULT_ZONE;

/// `sizeof(struct ovs_zone_limit)`, already a multiple of 4.
pub const ZONE_LIMIT_LEN: usize = 12;

/// Upstream's `CT_LIMIT_HASH_BUCKETS`: zones are kept, and dumped, bucket by bucket.
const BUCKETS: u16 = 512;

/// What one `struct ovs_zone_limit` of a request names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneTarget {
    /// `OVS_ZONE_LIMIT_DEFAULT_ZONE`: the default limit of zones without their own.
    Default,
    Zone(u16),
    /// Neither the default nor 0..=65535: upstream logs "zone id is out of range" and goes
    /// on with the next entry.
    OutOfRange,
}

/// One `struct ovs_zone_limit` of a request (its `count` is output only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZoneLimit {
    pub target: ZoneTarget,
    pub limit: u32,
}

/// The entries of an `OVS_CT_LIMIT_ATTR_ZONE_LIMIT` payload, as upstream walks them: its
/// length rounded up to 4 (the attribute's padding belongs to the walk, and reads as
/// zeros), whole entries only; what is left over is [`ZoneLimits::rest`].
pub struct ZoneLimits<'a> {
    payload: &'a [u8],
    at: usize,
    rem: usize,
}

pub fn zone_limits(payload: &[u8]) -> ZoneLimits<'_> {
    ZoneLimits {
        payload,
        at: 0,
        rem: payload.len().next_multiple_of(4),
    }
}

impl ZoneLimits<'_> {
    /// The bytes after the last whole entry (upstream logs "... has N unknown bytes").
    pub fn rest(&self) -> usize {
        self.rem
    }

    fn word(&self, at: usize) -> [u8; 4] {
        let mut w = [0u8; 4];
        for (i, b) in w.iter_mut().enumerate() {
            *b = self.payload.get(at + i).copied().unwrap_or(0);
        }
        w
    }
}

impl Iterator for ZoneLimits<'_> {
    type Item = ZoneLimit;

    fn next(&mut self) -> Option<ZoneLimit> {
        if self.rem < ZONE_LIMIT_LEN {
            return None;
        }
        let zone_id = i32::from_ne_bytes(self.word(self.at));
        let limit = u32::from_ne_bytes(self.word(self.at + 4));
        self.at += ZONE_LIMIT_LEN;
        self.rem -= ZONE_LIMIT_LEN;
        let target = if zone_id == OVS_ZONE_LIMIT_DEFAULT_ZONE {
            ZoneTarget::Default
        } else {
            u16::try_from(zone_id).map_or(ZoneTarget::OutOfRange, ZoneTarget::Zone)
        };
        Some(ZoneLimit { target, limit })
    }
}

/// One `struct ovs_zone_limit` of a reply.
pub fn encode_zone_limit(zone_id: i32, limit: u32, count: u32) -> [u8; ZONE_LIMIT_LEN] {
    let mut out = [0u8; ZONE_LIMIT_LEN];
    out[..4].copy_from_slice(&zone_id.to_ne_bytes());
    out[4..8].copy_from_slice(&limit.to_ne_bytes());
    out[8..].copy_from_slice(&count.to_ne_bytes());
    out
}

/// Where a zone's limit goes in a table of `(zone, limit)` kept in upstream's dump order
/// (bucket `zone % 512` ascending; within a bucket the newest zone first, and a changed
/// limit keeps its place): `Ok(i)` to change entry `i`, `Err(i)` to insert at `i`.
pub fn zone_slot(table: &[(u16, u32)], zone: u16) -> Result<usize, usize> {
    let bucket = |z: u16| z % BUCKETS;
    if let Some(i) = table.iter().position(|&(z, _)| z == zone) {
        return Ok(i);
    }
    Err(table
        .iter()
        .position(|&(z, _)| bucket(z) >= bucket(zone))
        .unwrap_or(table.len()))
}

/// A zone's limit in such a table, or `default`.
pub fn limit_of(table: &[(u16, u32)], default: u32, zone: u16) -> u32 {
    table
        .iter()
        .find(|&&(z, _)| z == zone)
        .map_or(default, |&(_, l)| l)
}
