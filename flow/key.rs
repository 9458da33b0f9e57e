// SPDX-License-Identifier: GPL-2.0
//! The flow key: every field a flow can match, as one fixed-layout byte array.
//!
//! Upstream counterpart: `struct sw_flow_key` in `net/openvswitch/flow.h`. Like upstream, the
//! key is a flat, 8-byte-aligned block, so that masking, comparing and hashing work word by
//! word over the range a mask covers, whatever the fields. Unlike upstream it is a byte array
//! with named offsets rather than a C struct with unions: safe Rust can view it as words, and
//! there is no padding whose contents could differ between equal keys.
//!
//! Multi-byte packet fields are kept in network byte order (as on the wire and in
//! `OVS_KEY_ATTR_*`); metadata (`u32`s) is kept in host order, as netlink carries it.
//! Pure: shared with the host crate.

/// Byte offsets and lengths of the key's fields.
pub mod field {
    /// A field: its offset and length in the key.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Field {
        pub off: usize,
        pub len: usize,
    }

    const fn f(off: usize, len: usize) -> Field {
        Field { off, len }
    }

    // Metadata, host byte order.
    pub const RECIRC_ID: Field = f(0, 4);
    pub const DP_HASH: Field = f(4, 4);
    pub const PRIORITY: Field = f(8, 4);
    pub const SKB_MARK: Field = f(12, 4);
    pub const IN_PORT: Field = f(16, 4);
    // Ethernet.
    pub const ETH_SRC: Field = f(20, 6);
    pub const ETH_DST: Field = f(26, 6);
    /// Outer VLAN: TPID then TCI (with `VLAN_CFI_MASK` set when a tag is present).
    pub const VLAN_TPID: Field = f(32, 2);
    pub const VLAN_TCI: Field = f(34, 2);
    pub const CVLAN_TPID: Field = f(36, 2);
    pub const CVLAN_TCI: Field = f(38, 2);
    pub const ETH_TYPE: Field = f(40, 2);
    // IP (or the low byte of the ARP opcode in `IP_PROTO`).
    pub const IP_PROTO: Field = f(42, 1);
    pub const IP_TOS: Field = f(43, 1);
    pub const IP_TTL: Field = f(44, 1);
    pub const IP_FRAG: Field = f(45, 1);
    // Transport: ports, or ICMP type and code (each as a big-endian u16).
    pub const TP_SRC: Field = f(46, 2);
    pub const TP_DST: Field = f(48, 2);
    pub const TCP_FLAGS: Field = f(50, 2);
    // IPv4, or ARP's sender and target protocol addresses.
    pub const IPV4_SRC: Field = f(52, 4);
    pub const IPV4_DST: Field = f(56, 4);
    pub const ARP_SHA: Field = f(60, 6);
    pub const ARP_THA: Field = f(66, 6);
    // IPv6.
    pub const IPV6_SRC: Field = f(72, 16);
    pub const IPV6_DST: Field = f(88, 16);
    pub const IPV6_LABEL: Field = f(104, 4);
    pub const ND_TARGET: Field = f(108, 16);
    pub const ND_SLL: Field = f(124, 6);
    pub const ND_TLL: Field = f(130, 6);
    /// The IPv6 extension headers seen (`OFPIEH12_*` bits), a `u16` in host order as
    /// `OVS_KEY_ATTR_IPV6_EXTHDRS` carries it (upstream's `ipv6.exthdrs`).
    pub const IPV6_EXTHDRS: Field = f(136, 2);
    // Conntrack (upstream's `ct_state`, `ct_zone`, `ct_orig_proto` and `struct ct`), set by
    // the `ct` action and by packets that arrive tracked. Host order, except the tuple.
    /// `OVS_CS_F_*` bits (upstream keeps them in a `u8`, the attribute is a `u32`).
    pub const CT_STATE: Field = f(144, 1);
    /// The original direction's IP protocol; 0 when the key has no original tuple.
    pub const CT_ORIG_PROTO: Field = f(145, 1);
    pub const CT_ZONE: Field = f(146, 2);
    pub const CT_MARK: Field = f(148, 4);
    /// The original direction's ports (ICMP: type and code), network order.
    pub const CT_ORIG_TP_SRC: Field = f(152, 2);
    pub const CT_ORIG_TP_DST: Field = f(154, 2);
    /// `struct ovs_key_ct_labels`, as the attribute carries it.
    pub const CT_LABELS: Field = f(160, 16);
    /// The original direction's addresses: IPv4 in the first 4 bytes, or IPv6.
    pub const CT_ORIG_SRC: Field = f(176, 16);
    pub const CT_ORIG_DST: Field = f(192, 16);
    pub const CT_ORIG_IPV4_SRC: Field = f(176, 4);
    pub const CT_ORIG_IPV4_DST: Field = f(192, 4);

    /// The key's length: the end of the last field, rounded up to whole words.
    pub const KEY_LEN: usize = 208;
}

use field::{Field, KEY_LEN};

/// `OVS_FRAG_TYPE_*`.
pub mod frag {
    pub const NONE: u8 = 0;
    pub const FIRST: u8 = 1;
    pub const LATER: u8 = 2;
}

/// A key's conntrack fields, as a packet's metadata carries them: from the `ct` action,
/// from a packet that arrives tracked, or from the key userspace executes a packet with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CtKey {
    /// `OVS_CS_F_*`.
    pub state: u8,
    pub zone: u16,
    pub mark: u32,
    pub labels: [u8; 16],
    /// The original direction's tuple: protocol 0 means none. Addresses (IPv4 in the first
    /// 4 bytes) and ports in network order.
    pub orig_proto: u8,
    pub orig_src: [u8; 16],
    pub orig_dst: [u8; 16],
    pub orig_tp_src: [u8; 2],
    pub orig_tp_dst: [u8; 2],
}

impl FlowKey {
    /// The key's conntrack fields.
    pub fn ct(&self) -> CtKey {
        let mut ct = CtKey {
            state: self.u8_at(field::CT_STATE),
            zone: self.u16_at(field::CT_ZONE),
            mark: self.u32_at(field::CT_MARK),
            orig_proto: self.u8_at(field::CT_ORIG_PROTO),
            ..CtKey::default()
        };
        ct.labels.copy_from_slice(self.get(field::CT_LABELS));
        ct.orig_src.copy_from_slice(self.get(field::CT_ORIG_SRC));
        ct.orig_dst.copy_from_slice(self.get(field::CT_ORIG_DST));
        ct.orig_tp_src
            .copy_from_slice(self.get(field::CT_ORIG_TP_SRC));
        ct.orig_tp_dst
            .copy_from_slice(self.get(field::CT_ORIG_TP_DST));
        ct
    }

    /// Writes every conntrack field.
    pub fn set_ct(&mut self, ct: &CtKey) {
        self.set_u8(field::CT_STATE, ct.state);
        self.set_u16(field::CT_ZONE, ct.zone);
        self.set_u32(field::CT_MARK, ct.mark);
        self.set(field::CT_LABELS, &ct.labels);
        self.set_u8(field::CT_ORIG_PROTO, ct.orig_proto);
        self.set(field::CT_ORIG_SRC, &ct.orig_src);
        self.set(field::CT_ORIG_DST, &ct.orig_dst);
        self.set(field::CT_ORIG_TP_SRC, &ct.orig_tp_src);
        self.set(field::CT_ORIG_TP_DST, &ct.orig_tp_dst);
    }
}

/// `VLAN_CFI_MASK`: set in a key's TCI when a VLAN tag is present (upstream's convention).
pub const VLAN_TAG_PRESENT: u16 = 0x1000;

/// A flow key, or a mask over one (same layout: a mask bit of 1 means "this bit matters").
#[repr(C, align(8))]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    bytes: [u8; KEY_LEN],
}

impl Default for FlowKey {
    fn default() -> Self {
        Self::ZERO
    }
}

impl core::fmt::Debug for FlowKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FlowKey")
            .field("in_port", &self.u32_at(field::IN_PORT))
            .field("eth_type", &self.be16(field::ETH_TYPE))
            .field("ip_proto", &self.u8_at(field::IP_PROTO))
            .field("tp_src", &self.be16(field::TP_SRC))
            .field("tp_dst", &self.be16(field::TP_DST))
            .finish_non_exhaustive()
    }
}

impl FlowKey {
    pub const ZERO: FlowKey = FlowKey {
        bytes: [0; KEY_LEN],
    };

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    pub fn get(&self, f: Field) -> &[u8] {
        &self.bytes[f.off..f.off + f.len]
    }

    pub fn set(&mut self, f: Field, value: &[u8]) {
        self.bytes[f.off..f.off + f.len].copy_from_slice(value);
    }

    /// Zeroes a run of fields, from the start of `first` to the end of `last`.
    pub fn clear_range(&mut self, first: Field, last: Field) {
        self.bytes[first.off..last.off + last.len].fill(0);
    }

    pub fn u8_at(&self, f: Field) -> u8 {
        self.bytes[f.off]
    }

    pub fn set_u8(&mut self, f: Field, v: u8) {
        self.bytes[f.off] = v;
    }

    /// A metadata `u32`, host order.
    pub fn u32_at(&self, f: Field) -> u32 {
        let b = &self.bytes[f.off..f.off + 4];
        u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
    }

    pub fn set_u32(&mut self, f: Field, v: u32) {
        self.set(f, &v.to_ne_bytes());
    }

    /// A metadata `u16`, host order.
    pub fn u16_at(&self, f: Field) -> u16 {
        u16::from_ne_bytes([self.bytes[f.off], self.bytes[f.off + 1]])
    }

    pub fn set_u16(&mut self, f: Field, v: u16) {
        self.set(f, &v.to_ne_bytes());
    }

    /// A network-order 16-bit field, as a host integer.
    pub fn be16(&self, f: Field) -> u16 {
        u16::from_be_bytes([self.bytes[f.off], self.bytes[f.off + 1]])
    }

    pub fn set_be16(&mut self, f: Field, v: u16) {
        self.set(f, &v.to_be_bytes());
    }

    /// The key of the second and later segments of a UDP fragmentation offload packet,
    /// whose key was extracted from the first (upstream's `queue_gso_packets()`): the
    /// same, but a later fragment.
    pub fn later_fragment(&self) -> FlowKey {
        let mut key = *self;
        key.set_u8(field::IP_FRAG, frag::LATER);
        key
    }

    /// The key's bytes as words, for masking and hashing.
    fn word(&self, i: usize) -> u64 {
        let b = &self.bytes[i * 8..i * 8 + 8];
        u64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    }

    fn set_word(&mut self, i: usize, w: u64) {
        self.bytes[i * 8..i * 8 + 8].copy_from_slice(&w.to_ne_bytes());
    }
}

/// The word-aligned span of a mask's non-zero bytes: masked operations touch only it.
/// Upstream counterpart: `struct sw_flow_key_range`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRange {
    /// First word.
    pub start: usize,
    /// One past the last word.
    pub end: usize,
}

impl KeyRange {
    /// The range of `mask`'s non-zero words (empty for an all-zero mask).
    pub fn of_mask(mask: &FlowKey) -> Self {
        let words = KEY_LEN / 8;
        let start = (0..words).find(|&i| mask.word(i) != 0).unwrap_or(words);
        let end = (start..words)
            .rev()
            .find(|&i| mask.word(i) != 0)
            .map_or(start, |i| i + 1);
        Self { start, end }
    }
}

/// `dst = key & mask` over `range`; the rest of `dst` is zeroed.
/// Upstream counterpart: `ovs_flow_mask_key()`.
pub fn mask_key(dst: &mut FlowKey, key: &FlowKey, mask: &FlowKey, range: KeyRange) {
    *dst = FlowKey::ZERO;
    for i in range.start..range.end {
        dst.set_word(i, key.word(i) & mask.word(i));
    }
}

/// Whether `key & mask == masked` over `range` (`masked` is already masked).
/// Upstream counterpart: `flow_cmp_masked_key()`.
pub fn masked_equal(key: &FlowKey, masked: &FlowKey, mask: &FlowKey, range: KeyRange) -> bool {
    (range.start..range.end).all(|i| key.word(i) & mask.word(i) == masked.word(i))
}

/// A hash of `key & mask` over `range`, for the flow table's buckets (FNV-1a over words;
/// seeded so that the table can rehash with a new seed). Upstream uses jhash2 the same way.
pub fn masked_hash(key: &FlowKey, mask: &FlowKey, range: KeyRange, seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for i in range.start..range.end {
        h ^= key.word(i) & mask.word(i);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    h
}
