//! Flow keys and masks: ODP text <-> `OVS_KEY_ATTR_*` netlink attributes
//! (OVS: lib/odp-util.c, `odp_flow_from_string()` and `odp_flow_format()`).
//!
//! Parsing yields a key and a mask attribute list, like
//! `parse_odp_key_mask_attr()`: a field written `f=v` is exact, `f=v/m` is
//! masked by `m`, and an omitted field is wildcarded (mask 0). Printing
//! follows `odp_flow_format()` rule for rule, so `dump-flows` lines are the
//! ones ovs-dpctl prints.

use std::collections::HashMap;

use crate::attr::{self, Attr, NestList};
use crate::text::{fmt_ipv4, fmt_ipv6, fmt_mac, hex_alt, Cursor, ParseError};
use crate::uapi::*;

/// Port number <-> name maps for `--names` and for names in flow strings.
#[derive(Clone, Debug, Default)]
pub struct Ports {
    /// Number to name (printing).
    pub by_no: HashMap<u32, String>,
    /// Name to number (parsing).
    pub by_name: HashMap<String, u32>,
}

impl Ports {
    /// Adds a port.
    pub fn insert(&mut self, no: u32, name: &str) {
        self.by_no.insert(no, name.to_string());
        self.by_name.insert(name.to_string(), no);
    }
}

/// `odp_portno_name_format()`: the name when known, else the number.
pub fn fmt_port(ports: Option<&Ports>, no: u32) -> String {
    match ports.and_then(|p| p.by_no.get(&no)) {
        Some(n) => n.clone(),
        None => no.to_string(),
    }
}

/// A datapath port: a number, or (with `ports`) one of their names.
pub fn parse_port(c: &mut Cursor, ports: Option<&Ports>) -> Result<u32, ParseError> {
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        return c.u32();
    }
    let s = c.pos;
    let n = c.take_while(|b| !b",)".contains(&b));
    match ports.and_then(|p| p.by_name.get(n)) {
        Some(&no) => Ok(no),
        None => Err(c.err_at(s, format!("unknown port name '{n}'"))),
    }
}

/// Kinds of fields inside a fixed-layout `struct ovs_key_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Mac,
    Ip4,
    Ip6,
    /// u8 printed in decimal (`format_u8u`).
    U8u,
    /// u8 printed in hex (`format_u8x`).
    U8x,
    /// be16 printed in decimal (`format_be16`).
    Be16,
    /// IPv6 flow label, be32, low 20 bits (`format_ipv6_label`).
    Label,
    /// `enum ovs_frag_type` (`format_frag`).
    Frag,
}

impl Kind {
    fn len(self) -> usize {
        match self {
            Kind::Mac => 6,
            Kind::Ip4 | Kind::Label => 4,
            Kind::Ip6 => 16,
            Kind::U8u | Kind::U8x | Kind::Frag => 1,
            Kind::Be16 => 2,
        }
    }
}

struct Field {
    name: &'static str,
    /// Second spelling accepted when parsing (OVS prints ct_tuple6 ports
    /// as `src_port=` but parses `tp_src=`).
    alt: Option<&'static str>,
    off: usize,
    kind: Kind,
}

const fn f(name: &'static str, off: usize, kind: Kind) -> Field {
    Field {
        name,
        alt: None,
        off,
        kind,
    }
}

struct StructKey {
    ty: u16,
    name: &'static str,
    len: usize,
    fields: &'static [Field],
}

const L4: &[Field] = &[f("src", 0, Kind::Be16), f("dst", 2, Kind::Be16)];
const ICMP: &[Field] = &[f("type", 0, Kind::U8u), f("code", 1, Kind::U8u)];

/// The `struct ovs_key_*` layouts of include/uapi/linux/openvswitch.h, with
/// fields in the order OVS prints them.
static STRUCT_KEYS: &[StructKey] = &[
    StructKey {
        ty: OVS_KEY_ATTR_ETHERNET,
        name: "eth",
        len: 12,
        fields: &[f("src", 0, Kind::Mac), f("dst", 6, Kind::Mac)],
    },
    StructKey {
        ty: OVS_KEY_ATTR_IPV4,
        name: "ipv4",
        len: 12,
        fields: &[
            f("src", 0, Kind::Ip4),
            f("dst", 4, Kind::Ip4),
            f("proto", 8, Kind::U8u),
            f("tos", 9, Kind::U8x),
            f("ttl", 10, Kind::U8u),
            f("frag", 11, Kind::Frag),
        ],
    },
    StructKey {
        ty: OVS_KEY_ATTR_IPV6,
        name: "ipv6",
        len: 40,
        fields: &[
            f("src", 0, Kind::Ip6),
            f("dst", 16, Kind::Ip6),
            f("label", 32, Kind::Label),
            f("proto", 36, Kind::U8u),
            f("tclass", 37, Kind::U8x),
            f("hlimit", 38, Kind::U8u),
            f("frag", 39, Kind::Frag),
        ],
    },
    StructKey {
        ty: OVS_KEY_ATTR_TCP,
        name: "tcp",
        len: 4,
        fields: L4,
    },
    StructKey {
        ty: OVS_KEY_ATTR_UDP,
        name: "udp",
        len: 4,
        fields: L4,
    },
    StructKey {
        ty: OVS_KEY_ATTR_SCTP,
        name: "sctp",
        len: 4,
        fields: L4,
    },
    StructKey {
        ty: OVS_KEY_ATTR_ICMP,
        name: "icmp",
        len: 2,
        fields: ICMP,
    },
    StructKey {
        ty: OVS_KEY_ATTR_ICMPV6,
        name: "icmpv6",
        len: 2,
        fields: ICMP,
    },
    StructKey {
        ty: OVS_KEY_ATTR_ARP,
        name: "arp",
        len: 24,
        fields: &[
            f("sip", 0, Kind::Ip4),
            f("tip", 4, Kind::Ip4),
            f("op", 8, Kind::Be16),
            f("sha", 10, Kind::Mac),
            f("tha", 16, Kind::Mac),
        ],
    },
    StructKey {
        ty: OVS_KEY_ATTR_ND,
        name: "nd",
        len: 28,
        fields: &[
            f("target", 0, Kind::Ip6),
            f("sll", 16, Kind::Mac),
            f("tll", 22, Kind::Mac),
        ],
    },
    StructKey {
        ty: OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4,
        name: "ct_tuple4",
        len: 16,
        fields: &[
            f("src", 0, Kind::Ip4),
            f("dst", 4, Kind::Ip4),
            f("proto", 12, Kind::U8u),
            f("tp_src", 8, Kind::Be16),
            f("tp_dst", 10, Kind::Be16),
        ],
    },
    StructKey {
        ty: OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6,
        name: "ct_tuple6",
        len: 40,
        fields: &[
            f("src", 0, Kind::Ip6),
            f("dst", 16, Kind::Ip6),
            f("proto", 36, Kind::U8u),
            Field {
                name: "src_port",
                alt: Some("tp_src"),
                off: 32,
                kind: Kind::Be16,
            },
            Field {
                name: "dst_port",
                alt: Some("tp_dst"),
                off: 34,
                kind: Kind::Be16,
            },
        ],
    },
];

fn struct_key(ty: u16) -> Option<&'static StructKey> {
    STRUCT_KEYS.iter().find(|k| k.ty == ty)
}

/// `ovs_key_attr_to_string()`.
pub fn key_attr_name(ty: u16) -> String {
    match ty {
        0 => "unspec",
        OVS_KEY_ATTR_ENCAP => "encap",
        OVS_KEY_ATTR_PRIORITY => "skb_priority",
        OVS_KEY_ATTR_SKB_MARK => "skb_mark",
        OVS_KEY_ATTR_CT_STATE => "ct_state",
        OVS_KEY_ATTR_CT_ZONE => "ct_zone",
        OVS_KEY_ATTR_CT_MARK => "ct_mark",
        OVS_KEY_ATTR_CT_LABELS => "ct_label",
        OVS_KEY_ATTR_TUNNEL => "tunnel",
        OVS_KEY_ATTR_IN_PORT => "in_port",
        OVS_KEY_ATTR_VLAN => "vlan",
        OVS_KEY_ATTR_ETHERTYPE => "eth_type",
        OVS_KEY_ATTR_TCP_FLAGS => "tcp_flags",
        OVS_KEY_ATTR_MPLS => "mpls",
        OVS_KEY_ATTR_DP_HASH => "dp_hash",
        OVS_KEY_ATTR_RECIRC_ID => "recirc_id",
        OVS_KEY_ATTR_NSH => "nsh",
        _ => {
            return match struct_key(ty) {
                Some(k) => k.name.to_string(),
                None => format!("key{ty}"),
            }
        }
    }
    .to_string()
}

// ---------------------------------------------------------------------
// Mask classification (odp_mask_is_constant__)

fn all_bytes(b: &[u8], v: u8) -> bool {
    b.iter().all(|&x| x == v)
}

/// `odp_mask_is_constant__()`: is mask `m` of attribute type `ty` all `c`
/// (0 or 0xff), with OVS's special cases.
fn mask_is_constant(ty: u16, m: &[u8], ones: bool) -> bool {
    let c = if ones { 0xff } else { 0 };
    match ty {
        OVS_KEY_ATTR_TCP_FLAGS => {
            let v = u16::from_be_bytes([m[0], m[1]]) & 0x0fff;
            v == if ones { 0x0fff } else { 0 }
        }
        OVS_KEY_ATTR_IPV6 => {
            let label = u32::from_be_bytes([m[32], m[33], m[34], m[35]]) & 0xfffff;
            label == if ones { 0xfffff } else { 0 }
                && all_bytes(&m[36..40], c)
                && all_bytes(&m[0..32], c)
        }
        OVS_KEY_ATTR_ARP => all_bytes(&m[..22], c),
        OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4 => all_bytes(&m[..13], c),
        OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV6 => all_bytes(&m[..37], c),
        OVS_KEY_ATTR_ENCAP | 0 => false,
        // IPV6_EXTHDRS is not in OVS 3.1's table; treating it as a plain
        // field keeps wildcarded ones out of non-verbose dumps.
        t if t <= OVS_KEY_ATTR_NSH || t == OVS_KEY_ATTR_IPV6_EXTHDRS => all_bytes(m, c),
        _ => false,
    }
}

fn is_exact(ty: u16, ma: Option<&Attr>) -> bool {
    ma.map(|m| mask_is_constant(ty, &m.value, true))
        .unwrap_or(true)
}

fn is_nested(ty: u16) -> bool {
    matches!(
        ty,
        OVS_KEY_ATTR_ENCAP | OVS_KEY_ATTR_TUNNEL | OVS_KEY_ATTR_NSH
    )
}

/// `generate_all_wildcard_mask()`.
fn zero_mask(a: &Attr) -> Attr {
    if is_nested(a.ty()) {
        let kids = a.children().unwrap_or_default();
        // The zeroed children are as long as `a`'s, so they nest as `a` did;
        // were `a` oversized anyway, all-zero bytes of its length do as well.
        Attr::nested(a.ty(), &kids.iter().map(zero_mask).collect::<Vec<_>>())
            .unwrap_or_else(|_| Attr::new(a.ty(), vec![0; a.value.len()]))
    } else {
        Attr::new(a.ty(), vec![0; a.value.len()])
    }
}

// ---------------------------------------------------------------------
// Printing

/// `odp_flow_format()`: key (and optional mask) attributes as ODP text.
pub fn format_flow(
    key: &[Attr],
    mask: Option<&[Attr]>,
    ports: Option<&Ports>,
    verbose: bool,
) -> String {
    let mut ds = String::new();
    if key.is_empty() {
        return "<empty>".into();
    }
    let mask = mask.filter(|m| !m.is_empty());
    let mut has_ethtype = false;
    let mut first = true;
    for a in key {
        let ty = a.ty();
        let mut ma = mask.and_then(|m| attr::find(m, ty)).cloned();
        if ty == OVS_KEY_ATTR_ETHERTYPE {
            has_ethtype = true;
        }
        if let Some(bad) = check_len(a, ma.as_ref()) {
            if !first {
                ds.push(',');
            }
            ds.push_str(&bad);
            first = false;
            continue;
        }
        let is_wildcard = match (mask, &ma) {
            (Some(_), Some(m)) => mask_is_constant(ty, &m.value, false),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if verbose || !is_wildcard || is_nested(ty) {
            if is_wildcard && ma.is_none() {
                ma = Some(zero_mask(a));
            }
            if !first {
                ds.push(',');
            }
            ds.push_str(&format_key_attr(a, ma.as_ref(), ports, verbose));
            first = false;
        } else if ty == OVS_KEY_ATTR_ETHERNET {
            if !first {
                ds.push(',');
            }
            ds.push_str("eth()");
            first = false;
        }
    }
    if let (false, Some(m)) = (has_ethtype, mask) {
        if let Some(ma) = attr::find(m, OVS_KEY_ATTR_ETHERTYPE) {
            if ma.value.len() == 2 {
                ds.push_str(&format!(
                    ",eth_type(0/0x{:04x})",
                    u16::from_be_bytes([ma.value[0], ma.value[1]])
                ));
            }
        }
    }
    ds
}

/// `check_attr_len()`: `Some(text)` when the key or mask has the wrong size.
fn check_len(a: &Attr, ma: Option<&Attr>) -> Option<String> {
    let ty = a.ty();
    let exp = key_attr_len(ty)?;
    let bad_key = a.value.len() != exp;
    let bad_mask = ma.map(|m| m.value.len() != exp).unwrap_or(false);
    if !bad_key && !bad_mask {
        return None;
    }
    let mut s = format!("key{ty}");
    if bad_key {
        s.push_str(&format!(
            "(bad key length {}, expected {exp})(",
            a.value.len()
        ));
    }
    s.push_str(&generic_hex(&a.value));
    if let Some(m) = ma {
        s.push('/');
        if bad_mask {
            s.push_str(&format!(
                "(bad mask length {}, expected {exp})(",
                m.value.len()
            ));
        }
        s.push_str(&generic_hex(&m.value));
    }
    s.push(')');
    Some(s)
}

/// `format_generic_odp_key()`: space-separated hex bytes.
fn generic_hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn rd_u32(b: &[u8]) -> u32 {
    u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
}
fn rd_be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b[1]])
}
fn rd_be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Formats one field of a struct key (`format_eth`, `format_ipv4`, ...),
/// including the trailing comma, or nothing when it is not shown.
fn format_field(ds: &mut String, fd: &Field, key: &[u8], mask: Option<&[u8]>, verbose: bool) {
    let k = &key[fd.off..fd.off + fd.kind.len()];
    let m = mask.map(|m| &m[fd.off..fd.off + fd.kind.len()]);
    let name = fd.name;
    let mask_empty = m.map(|m| all_bytes(m, 0)).unwrap_or(false);
    let mask_full = m.map(|m| all_bytes(m, 0xff)).unwrap_or(true);
    match fd.kind {
        Kind::Frag => {
            let mm = m.map(|m| m[0]);
            if !mask_empty && !mask_full {
                ds.push_str(&format!(
                    "error: partial mask not supported for frag ({}),",
                    hex_alt(mm.unwrap_or(0) as u64)
                ));
            } else if !mask_empty {
                let s = match k[0] {
                    OVS_FRAG_TYPE_NONE => "no",
                    OVS_FRAG_TYPE_FIRST => "first",
                    OVS_FRAG_TYPE_LATER => "later",
                    _ => "<error>",
                };
                ds.push_str(&format!("{name}={s},"));
            }
            return;
        }
        _ if !verbose && mask_empty => return,
        _ => {}
    }
    let (val, msk) = match fd.kind {
        Kind::Mac => (fmt_mac(k), m.map(fmt_mac)),
        Kind::Ip4 => (fmt_ipv4(k), m.map(fmt_ipv4)),
        Kind::Ip6 => (fmt_ipv6(k), m.map(fmt_ipv6)),
        Kind::U8u => (k[0].to_string(), m.map(|m| hex_alt(m[0] as u64))),
        Kind::U8x => (hex_alt(k[0] as u64), m.map(|m| hex_alt(m[0] as u64))),
        Kind::Be16 => (
            rd_be16(k).to_string(),
            m.map(|m| hex_alt(rd_be16(m) as u64)),
        ),
        Kind::Label => (
            hex_alt(rd_be32(k) as u64),
            m.map(|m| hex_alt(rd_be32(m) as u64)),
        ),
        Kind::Frag => unreachable!("handled above"),
    };
    let full = match fd.kind {
        Kind::Label => m.map(|m| rd_be32(m) & 0xfffff == 0xfffff).unwrap_or(true),
        _ => mask_full,
    };
    ds.push_str(&format!("{name}={val}"));
    if !full {
        if let Some(msk) = msk {
            ds.push('/');
            ds.push_str(&msk);
        }
    }
    ds.push(',');
}

fn chomp(ds: &mut String) {
    if ds.ends_with(',') {
        ds.pop();
    }
}

/// `format_vlan_tci()`.
pub fn format_vlan_tci(tci: u16, mask: u16, verbose: bool) -> String {
    let mut ds = String::new();
    let vid = |t: u16| t & VLAN_VID_MASK;
    let pcp = |t: u16| (t >> VLAN_PCP_SHIFT) & 7;
    if verbose || vid(tci) != 0 || vid(mask) != 0 {
        ds.push_str(&format!("vid={}", vid(tci)));
        if vid(mask) != VLAN_VID_MASK {
            ds.push_str(&format!("/0x{:x}", vid(mask)));
        }
        ds.push(',');
    }
    if verbose || pcp(tci) != 0 || pcp(mask) != 0 {
        ds.push_str(&format!("pcp={}", pcp(tci)));
        if pcp(mask) != 7 {
            ds.push_str(&format!("/0x{:x}", pcp(mask)));
        }
        ds.push(',');
    }
    if tci & VLAN_CFI == 0 {
        ds.push_str("cfi=0,");
    }
    chomp(&mut ds);
    ds
}

/// `format_mpls_lse()`.
pub fn format_mpls_lse(lse: u32) -> String {
    format!(
        "label={},tc={},ttl={},bos={}",
        lse >> 12,
        (lse >> 9) & 7,
        lse & 0xff,
        (lse >> 8) & 1
    )
}

const TCP_FLAG_NAMES: &[(u32, &str)] = &[
    (0x001, "fin"),
    (0x002, "syn"),
    (0x004, "rst"),
    (0x008, "psh"),
    (0x010, "ack"),
    (0x020, "urg"),
    (0x040, "ece"),
    (0x080, "cwr"),
    (0x100, "ns"),
    (0x200, "[200]"),
    (0x400, "[400]"),
    (0x800, "[800]"),
];

/// `odp_ct_state_to_string()`.
const CT_STATE_NAMES: &[(u32, &str)] = &[
    (OVS_CS_F_NEW, "new"),
    (OVS_CS_F_ESTABLISHED, "est"),
    (OVS_CS_F_RELATED, "rel"),
    (OVS_CS_F_REPLY_DIR, "rpl"),
    (OVS_CS_F_INVALID, "inv"),
    (OVS_CS_F_TRACKED, "trk"),
    (OVS_CS_F_SRC_NAT, "snat"),
    (OVS_CS_F_DST_NAT, "dnat"),
];

/// The `ct_state` bits OVS parses (`ovs_to_odp_ct_state(CS_SUPPORTED_MASK)`).
const CT_STATE_ALL: u32 = OVS_CS_F_NEW
    | OVS_CS_F_ESTABLISHED
    | OVS_CS_F_RELATED
    | OVS_CS_F_REPLY_DIR
    | OVS_CS_F_INVALID
    | OVS_CS_F_TRACKED
    | OVS_CS_F_SRC_NAT
    | OVS_CS_F_DST_NAT;

/// An `ovs_u128` (ct labels) as OVS stores it in an attribute: the host's
/// layout of the 128-bit number.
pub(crate) fn u128_to_ne(v: u128) -> [u8; 16] {
    v.to_ne_bytes()
}

/// The `ovs_u128` in the first 16 bytes of `b` (zero-filled if shorter).
pub(crate) fn u128_from_ne(b: &[u8]) -> u128 {
    let mut a = [0u8; 16];
    let n = b.len().min(16);
    a[..n].copy_from_slice(&b[..n]);
    u128::from_ne_bytes(a)
}

fn flag_name(names: &[(u32, &'static str)], bit: u32) -> Option<&'static str> {
    names.iter().find(|(b, _)| *b == bit).map(|(_, n)| *n)
}

/// `format_flags()` with `|` (lib/flow.c).
fn format_flags(names: &'static [(u32, &'static str)], mut flags: u32) -> String {
    if flags == 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    let mut bad = 0u32;
    while flags != 0 {
        let bit = flags & flags.wrapping_neg();
        match flag_name(names, bit) {
            Some(n) => out.push(n.to_string()),
            None => bad |= bit,
        }
        flags &= !bit;
    }
    if bad != 0 {
        out.push(format!("0x{bad:x}"));
    }
    out.join("|")
}

/// `format_flags_masked()` (lib/flow.c).
fn format_flags_masked(
    names: &'static [(u32, &'static str)],
    flags: u32,
    mut mask: u32,
    max: u32,
) -> String {
    if mask == max {
        return format_flags(names, flags);
    }
    if mask == 0 {
        return "0/0".into();
    }
    let mut s = String::new();
    while mask != 0 {
        let bit = mask & mask.wrapping_neg();
        s.push(if flags & bit != 0 { '+' } else { '-' });
        s.push_str(flag_name(names, bit).unwrap_or("[Unknown]"));
        mask &= !bit;
    }
    s
}

/// `format_u128()` / `ds_put_hex()` for ct_label.
fn format_u128(key: &[u8], mask: Option<&[u8]>, verbose: bool) -> String {
    let be = |b: &[u8]| u128_from_ne(b).to_be_bytes();
    let put_hex = |b: &[u8]| -> String {
        match b.iter().position(|&x| x != 0) {
            None => "0".into(),
            Some(i) => {
                let mut s = format!("0x{:x}", b[i]);
                for x in &b[i + 1..] {
                    s.push_str(&format!("{x:02x}"));
                }
                s
            }
        }
    };
    let mut s = String::new();
    // OVS prints nothing for an exact label unless verbose, and "ct_label()" does not
    // parse back (not even in OVS): the value is printed (tests/fuzz regression
    // ovsdp_flow/ct-label-without-mask).
    if verbose || mask.map(|m| !all_bytes(m, 0)).unwrap_or(true) {
        s.push_str(&put_hex(&be(key)));
        if let Some(m) = mask {
            if !all_bytes(m, 0xff) {
                s.push('/');
                s.push_str(&put_hex(&be(m)));
            }
        }
    }
    s
}

/// `format_odp_key_attr__()`: `name(fields)` for one attribute.
pub fn format_key_attr(
    a: &Attr,
    ma: Option<&Attr>,
    ports: Option<&Ports>,
    verbose: bool,
) -> String {
    let ty = a.ty();
    if let Some(bad) = check_len(a, ma) {
        return bad;
    }
    let exact = is_exact(ty, ma);
    let v = &a.value;
    let mv = ma.map(|m| m.value.as_slice());
    let mask_empty = mv.map(|m| all_bytes(m, 0)).unwrap_or(true);
    let mut ds = String::new();
    match ty {
        OVS_KEY_ATTR_ENCAP => {
            let kids = a.children().unwrap_or_default();
            let bad_mask = ma.is_some_and(|m| !m.value.is_empty() && m.children().is_err());
            if !v.is_empty() && (kids.is_empty() || bad_mask) {
                // Not an attribute stream: the generic form, which parses back.
                ds.push_str(&generic_hex(v));
                if let (false, Some(m)) = (exact, mv) {
                    ds.push('/');
                    ds.push_str(&generic_hex(m));
                }
                return format!("key{ty}({ds})");
            }
            if !v.is_empty() {
                match ma.filter(|m| !m.value.is_empty()) {
                    Some(m) => {
                        let mk = m.children().unwrap_or_default();
                        ds.push_str(&format_flow(&kids, Some(&mk), None, verbose));
                    }
                    None => ds.push_str(&format_flow(&kids, None, None, verbose)),
                }
            }
        }
        OVS_KEY_ATTR_PRIORITY
        | OVS_KEY_ATTR_SKB_MARK
        | OVS_KEY_ATTR_DP_HASH
        | OVS_KEY_ATTR_RECIRC_ID => {
            ds.push_str(&hex_alt(rd_u32(v) as u64));
            if let (false, Some(m)) = (exact, mv) {
                ds.push_str(&format!("/{}", hex_alt(rd_u32(m) as u64)));
            }
        }
        OVS_KEY_ATTR_CT_MARK => {
            if verbose || !mask_empty {
                ds.push_str(&hex_alt(rd_u32(v) as u64));
                if let (false, Some(m)) = (exact, mv) {
                    ds.push_str(&format!("/{}", hex_alt(rd_u32(m) as u64)));
                }
            }
        }
        OVS_KEY_ATTR_CT_STATE => {
            let m = if mask_empty {
                0
            } else {
                mv.map(rd_u32).unwrap_or(u32::MAX)
            };
            if verbose {
                ds.push_str(&hex_alt(rd_u32(v) as u64));
                if !exact {
                    ds.push_str(&format!("/{}", hex_alt(m as u64)));
                }
            } else if !exact {
                ds.push_str(&format_flags_masked(CT_STATE_NAMES, rd_u32(v), m, u32::MAX));
            } else {
                ds.push_str(&format_flags(CT_STATE_NAMES, rd_u32(v)));
            }
        }
        OVS_KEY_ATTR_CT_ZONE => {
            if verbose || !mask_empty {
                let z = u16::from_ne_bytes([v[0], v[1]]);
                ds.push_str(&hex_alt(z as u64));
                if let (false, Some(m)) = (exact, mv) {
                    ds.push_str(&format!(
                        "/{}",
                        hex_alt(u16::from_ne_bytes([m[0], m[1]]) as u64)
                    ));
                }
            }
        }
        OVS_KEY_ATTR_CT_LABELS => ds.push_str(&format_u128(v, mv, verbose)),
        OVS_KEY_ATTR_IN_PORT => {
            if exact {
                ds.push_str(&fmt_port(ports, rd_u32(v)));
            } else {
                ds.push_str(&format!(
                    "{}/{}",
                    rd_u32(v),
                    hex_alt(mv.map(rd_u32).unwrap_or(0) as u64)
                ));
            }
        }
        OVS_KEY_ATTR_VLAN => {
            let m = mv.map(rd_be16).unwrap_or(0xffff);
            ds.push_str(&format_vlan_tci(rd_be16(v), m, verbose));
        }
        OVS_KEY_ATTR_MPLS => {
            if v.is_empty() || !v.len().is_multiple_of(4) {
                return format!("mpls((bad key length {}))", v.len());
            }
            let mut parts = Vec::new();
            for i in 0..v.len() / 4 {
                let k = rd_be32(&v[i * 4..]);
                if exact {
                    parts.push(format_mpls_lse(k));
                } else {
                    let m = mv
                        .filter(|m| m.len() == v.len())
                        .map(|m| rd_be32(&m[i * 4..]))
                        .unwrap_or(0);
                    parts.push(format!(
                        "label={}/0x{:x},tc={}/{:x},ttl={}/0x{:x},bos={}/{:x}",
                        k >> 12,
                        m >> 12,
                        (k >> 9) & 7,
                        (m >> 9) & 7,
                        k & 0xff,
                        m & 0xff,
                        (k >> 8) & 1,
                        (m >> 8) & 1
                    ));
                }
            }
            ds.push_str(&parts.join(","));
        }
        OVS_KEY_ATTR_ETHERTYPE => {
            ds.push_str(&format!("0x{:04x}", rd_be16(v)));
            if let (false, Some(m)) = (exact, mv) {
                ds.push_str(&format!("/0x{:04x}", rd_be16(m)));
            }
        }
        OVS_KEY_ATTR_TCP_FLAGS => {
            if !exact {
                let m = mv.map(rd_be16).unwrap_or(0) as u32 & 0x0fff;
                ds.push_str(&format_flags_masked(
                    TCP_FLAG_NAMES,
                    rd_be16(v) as u32,
                    m,
                    0x0fff,
                ));
            } else {
                ds.push_str(&format_flags(TCP_FLAG_NAMES, rd_be16(v) as u32));
            }
        }
        _ => {
            if let Some(sk) = struct_key(ty) {
                for fd in sk.fields {
                    format_field(&mut ds, fd, v, mv, verbose);
                }
                chomp(&mut ds);
            } else {
                ds.push_str(&generic_hex(v));
                if let (false, Some(m)) = (exact, mv) {
                    ds.push('/');
                    ds.push_str(&generic_hex(m));
                }
                // Raw bytes print in the generic form, the one that parses back.
                return format!("key{ty}({ds})");
            }
        }
    }
    format!("{}({})", key_attr_name(ty), ds)
}

// ---------------------------------------------------------------------
// Parsing

/// A parsed flow: key and mask attributes, and the UFID if one was given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flow {
    /// `OVS_KEY_ATTR_*` key attributes.
    pub key: Vec<Attr>,
    /// Matching mask attributes.
    pub mask: Vec<Attr>,
    /// `ufid:` prefix, as the 16 bytes OVS puts in `OVS_FLOW_ATTR_UFID`.
    pub ufid: Option<[u8; 16]>,
}

/// Parses `ufid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (`odp_ufid_from_string`).
/// The UUID's four 32-bit words are stored in host order, as `struct uuid`.
pub fn parse_ufid(c: &mut Cursor) -> Result<Option<[u8; 16]>, ParseError> {
    if !c.eat("ufid:") {
        return Ok(None);
    }
    let start = c.pos;
    let t = c.take_while(|b| b.is_ascii_hexdigit() || b == b'-');
    let groups: Vec<&str> = t.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    if groups.len() != 5 || groups.iter().zip(lens).any(|(g, l)| g.len() != l) {
        return Err(c.err_at(
            start,
            "expected a UUID xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
        ));
    }
    let hx = |s: &str| u64::from_str_radix(s, 16).unwrap_or(0);
    let p0 = hx(groups[0]) as u32;
    let p1 = ((hx(groups[1]) << 16) | hx(groups[2])) as u32;
    let p2 = ((hx(groups[3]) << 16) | (hx(&groups[4][..4]))) as u32;
    let p3 = hx(&groups[4][4..]) as u32;
    let mut out = [0u8; 16];
    for (i, p) in [p0, p1, p2, p3].iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&p.to_ne_bytes());
    }
    Ok(Some(out))
}

/// `odp_format_ufid()`.
pub fn format_ufid(u: &[u8]) -> String {
    if u.len() != 16 {
        return format!("ufid:{}", crate::text::hex(u));
    }
    let p: Vec<u32> = (0..4).map(|i| rd_u32(&u[i * 4..])).collect();
    format!(
        "ufid:{:08x}-{:04x}-{:04x}-{:04x}-{:04x}{:08x}",
        p[0],
        p[1] >> 16,
        p[1] & 0xffff,
        p[2] >> 16,
        p[2] & 0xffff,
        p[3]
    )
}

/// `MAX_ODP_NESTED`: a key at this depth (a top-level one is at depth 1,
/// as in OVS's `parse_odp_key_mask_attr()`) is refused, so at most 31
/// `encap()` nest.
const MAX_NESTED: usize = 32;

/// The error for a key starting at `start` whose netlink encoding would
/// not fit in one attribute (OVS: `-E2BIG`).
fn too_long(c: &Cursor, start: usize, e: attr::TooLong) -> ParseError {
    c.err_at(start, format!("flow key too long for netlink: {e}"))
}

/// Key and mask lists that each stay small enough for one nest
/// (`OVS_FLOW_ATTR_KEY` and `_MASK`, or an `encap()`).
#[derive(Default)]
struct KeyMask {
    key: NestList,
    mask: NestList,
}

impl KeyMask {
    fn push(&mut self, c: &Cursor, start: usize, k: Attr, m: Attr) -> Result<(), ParseError> {
        self.key.push(k).map_err(|e| too_long(c, start, e))?;
        self.mask.push(m).map_err(|e| too_long(c, start, e))
    }
}

/// `odp_flow_from_string()`: parses a whole flow key string. Key and mask
/// must each fit in one attribute; the error points at the key that
/// overflows.
pub fn parse_flow(s: &str, ports: Option<&Ports>) -> Result<Flow, ParseError> {
    let mut c = Cursor::new(s);
    let mut ufid = None;
    let mut km = KeyMask::default();
    loop {
        c.skip_delims();
        if c.eof() {
            break;
        }
        if let Some(u) = parse_ufid(&mut c)? {
            ufid = Some(u);
            continue;
        }
        let start = c.pos;
        let (k, m) = parse_key(&mut c, ports, 1)?;
        km.push(&c, start, k, m)?;
    }
    Ok(Flow {
        key: km.key.into_vec(),
        mask: km.mask.into_vec(),
        ufid,
    })
}

/// Parses `prefix` and then either `/mask` or nothing (full mask).
fn masked<T: Copy>(
    c: &mut Cursor,
    full: T,
    mut scan: impl FnMut(&mut Cursor) -> Result<T, ParseError>,
) -> Result<(T, T), ParseError> {
    let v = scan(c)?;
    let m = if c.eat("/") { scan(c)? } else { full };
    Ok((v, m))
}

/// IPv4/IPv6 mask after `/`: an address, or (ovsdp extension) a prefix length.
fn addr_mask(
    c: &mut Cursor,
    len: usize,
    scan: fn(&mut Cursor) -> Result<Vec<u8>, ParseError>,
) -> Result<Vec<u8>, ParseError> {
    let save = c.pos;
    if let Ok(v) = scan(c) {
        return Ok(v);
    }
    c.pos = save;
    let digits = c.take_while(|b| b.is_ascii_digit());
    let after = c.peek();
    let n: usize = match digits.parse() {
        Ok(n) if n <= len * 8 && !matches!(after, Some(b'.') | Some(b':')) => n,
        _ => {
            c.pos = save;
            return Err(c.err("expected an address mask or prefix length"));
        }
    };
    let mut m = vec![0u8; len];
    for (i, b) in m.iter_mut().enumerate() {
        let bits = n.saturating_sub(i * 8).min(8);
        *b = if bits == 0 { 0 } else { 0xffu8 << (8 - bits) };
    }
    Ok(m)
}

fn scan_field(c: &mut Cursor, kind: Kind) -> Result<(Vec<u8>, Vec<u8>), ParseError> {
    Ok(match kind {
        Kind::Mac => {
            let (v, m) = masked(c, [0xff; 6], |c| c.mac())?;
            (v.to_vec(), m.to_vec())
        }
        Kind::Ip4 => {
            let v = c.ipv4()?.to_vec();
            let m = if c.eat("/") {
                addr_mask(c, 4, |c| c.ipv4().map(|a| a.to_vec()))?
            } else {
                vec![0xff; 4]
            };
            (v, m)
        }
        Kind::Ip6 => {
            let v = c.ipv6()?.to_vec();
            let m = if c.eat("/") {
                addr_mask(c, 16, |c| c.ipv6().map(|a| a.to_vec()))?
            } else {
                vec![0xff; 16]
            };
            (v, m)
        }
        Kind::U8u | Kind::U8x => {
            let (v, m) = masked(c, 0xff, |c| c.u8())?;
            (vec![v], vec![m])
        }
        Kind::Be16 => {
            let (v, m) = masked(c, 0xffff, |c| c.u16())?;
            (v.to_be_bytes().to_vec(), m.to_be_bytes().to_vec())
        }
        Kind::Label => {
            let (v, m) = masked(c, 0xfffff, |c| Ok(c.int_max(0xfffff)? as u32))?;
            (v.to_be_bytes().to_vec(), m.to_be_bytes().to_vec())
        }
        Kind::Frag => {
            let start = c.pos;
            let w = c.take_while(|b| b.is_ascii_lowercase());
            let v = match w {
                "no" => OVS_FRAG_TYPE_NONE,
                "first" => OVS_FRAG_TYPE_FIRST,
                "later" => OVS_FRAG_TYPE_LATER,
                _ => return Err(c.err_at(start, "expected frag=no, first or later")),
            };
            (vec![v], vec![0xff])
        }
    })
}

/// Parses the fields of a struct key after `name(` up to and including `)`.
fn parse_struct_fields(c: &mut Cursor, sk: &StructKey) -> Result<(Vec<u8>, Vec<u8>), ParseError> {
    let mut key = vec![0u8; sk.len];
    let mut mask = vec![0u8; sk.len];
    loop {
        if c.eat(")") {
            break;
        }
        let start = c.pos;
        let name = c.ident();
        let fd = sk
            .fields
            .iter()
            .find(|fd| fd.name == name || fd.alt == Some(name))
            .filter(|_| c.peek() == Some(b'='))
            .ok_or_else(|| {
                let names: Vec<&str> = sk.fields.iter().map(|f| f.name).collect();
                c.err_at(
                    start,
                    format!(
                        "unknown field in {}(): expected one of {}",
                        sk.name,
                        names.join(", ")
                    ),
                )
            })?;
        c.pos += 1;
        let (v, m) = scan_field(c, fd.kind)?;
        key[fd.off..fd.off + v.len()].copy_from_slice(&v);
        mask[fd.off..fd.off + m.len()].copy_from_slice(&m);
        if c.eat(")") {
            break;
        }
        if !c.eat(",") {
            return Err(c.err(format!("expected ',' or ')' in {}()", sk.name)));
        }
    }
    Ok((key, mask))
}

/// Parses `+flag-flag`, `flag|flag`, `N/M` (`parse_flags()` of lib/flow.c),
/// up to but not including `)`. Returns (flags, mask).
fn parse_flags(
    c: &mut Cursor,
    names: &'static [(u32, &'static str)],
    allowed: u32,
    what: &str,
) -> Result<(u32, u32), ParseError> {
    let start = c.pos;
    // Numeric masked form.
    if c.peek().map(|b| b.is_ascii_digit()).unwrap_or(false) {
        let save = c.pos;
        let v = c.int()?;
        if c.eat("/") {
            let m = c.int()?;
            if (v | m) & !(allowed as u64) != 0 {
                return Err(c.err_at(start, format!("unknown {what} flag(s)")));
            }
            return Ok((v as u32, m as u32));
        }
        c.pos = save;
    }
    let word = |c: &mut Cursor| -> Result<u32, ParseError> {
        let s = c.pos;
        let w = c.take_while(|b| b.is_ascii_alphanumeric() || b == b'[' || b == b']');
        names
            .iter()
            .find(|(_, n)| *n == w)
            .map(|(b, _)| *b)
            .filter(|b| b & allowed != 0)
            .ok_or_else(|| c.err_at(s, format!("unknown {what} flag")))
    };
    if matches!(c.peek(), Some(b'+') | Some(b'-')) {
        let (mut flags, mut mask) = (0u32, 0u32);
        while c.peek() != Some(b')') {
            let set = match c.peek() {
                Some(b'+') => true,
                Some(b'-') => false,
                _ => {
                    return Err(c.err(format!(
                        "{what} flag must be preceded by '+' (set) or '-' (not set)"
                    )))
                }
            };
            c.pos += 1;
            let s = c.pos;
            let bit = word(c)?;
            if mask & bit != 0 {
                return Err(c.err_at(s, format!("each {what} flag can be given only once")));
            }
            mask |= bit;
            if set {
                flags |= bit;
            }
        }
        return Ok((flags, mask));
    }
    let mut flags = 0u32;
    while c.peek() != Some(b')') {
        if c.eof() {
            return Err(c.err("expected ')'"));
        }
        if c.peek().map(|b| b.is_ascii_digit()).unwrap_or(false) {
            let s = c.pos;
            let v = c.int()?;
            if v & !(allowed as u64) != 0 {
                return Err(c.err_at(s, format!("unknown {what} flag(s)")));
            }
            flags |= v as u32;
        } else {
            flags |= word(c)?;
        }
        if !c.eat("|") && c.peek() != Some(b')') {
            return Err(c.err("expected '|' or ')'"));
        }
    }
    Ok((flags, u32::MAX))
}

/// Sets `bits` bits at `shift` of a be16 field (`scan_be16_bf`).
fn scan_bf16(
    c: &mut Cursor,
    bits: u32,
    shift: u32,
    key: &mut u16,
    mask: &mut u16,
) -> Result<(), ParseError> {
    let start = c.pos;
    let max = (1u64 << bits) - 1;
    let v = c.int()?;
    if v > max {
        return Err(c.err_at(start, format!("value out of range (max {max})")));
    }
    let fm = (max as u16) << shift;
    *key = (*key & !fm) | ((v as u16) << shift);
    if c.eat("/") {
        let s = c.pos;
        let m = c.int()?;
        if m > max {
            return Err(c.err_at(s, format!("mask out of range (max {max:#x})")));
        }
        *mask = (*mask & !fm) | ((m as u16) << shift);
    } else {
        *mask |= fm;
    }
    Ok(())
}

/// `parse_odp_key_mask_attr()`: one `name(...)` key with its mask, as in
/// `set(..)` (a top-level key, at depth 1).
pub fn parse_key_attr(c: &mut Cursor, ports: Option<&Ports>) -> Result<(Attr, Attr), ParseError> {
    parse_key(c, ports, 1)
}

/// One key with its mask at `depth`.
fn parse_key(
    c: &mut Cursor,
    ports: Option<&Ports>,
    depth: usize,
) -> Result<(Attr, Attr), ParseError> {
    let start = c.pos;
    if depth >= MAX_NESTED {
        return Err(c.err("flow keys nested too deeply"));
    }
    let name = c.ident();
    if !c.eat("(") {
        c.pos = start;
        return Err(c.err("expected a flow key such as in_port(1) or eth(...)"));
    }
    let u32_masked = |c: &mut Cursor, ty: u16| -> Result<(Attr, Attr), ParseError> {
        let (v, m) = masked(c, u32::MAX, |c| c.u32())?;
        c.expect(")")?;
        Ok((Attr::u32(ty, v), Attr::u32(ty, m)))
    };
    let r = match name {
        "skb_priority" => u32_masked(c, OVS_KEY_ATTR_PRIORITY)?,
        "skb_mark" => u32_masked(c, OVS_KEY_ATTR_SKB_MARK)?,
        "dp_hash" => u32_masked(c, OVS_KEY_ATTR_DP_HASH)?,
        "ct_mark" => u32_masked(c, OVS_KEY_ATTR_CT_MARK)?,
        "recirc_id" => {
            let v = c.u32()?;
            c.expect(")")?;
            (
                Attr::u32(OVS_KEY_ATTR_RECIRC_ID, v),
                Attr::u32(OVS_KEY_ATTR_RECIRC_ID, u32::MAX),
            )
        }
        "ct_zone" => {
            let (v, m) = masked(c, u16::MAX, |c| c.u16())?;
            c.expect(")")?;
            (
                Attr::u16(OVS_KEY_ATTR_CT_ZONE, v),
                Attr::u16(OVS_KEY_ATTR_CT_ZONE, m),
            )
        }
        "ct_state" => {
            let (v, m) = parse_flags(c, CT_STATE_NAMES, CT_STATE_ALL, "ct_state")?;
            c.expect(")")?;
            (
                Attr::u32(OVS_KEY_ATTR_CT_STATE, v),
                Attr::u32(OVS_KEY_ATTR_CT_STATE, m),
            )
        }
        "ct_label" => {
            let (v, m) = masked(c, u128::MAX, parse_u128)?;
            c.expect(")")?;
            (
                Attr::new(OVS_KEY_ATTR_CT_LABELS, u128_to_ne(v).to_vec()),
                Attr::new(OVS_KEY_ATTR_CT_LABELS, u128_to_ne(m).to_vec()),
            )
        }
        "in_port" => {
            let (v, m) = if c.peek().map(|b| b.is_ascii_digit()).unwrap_or(false) {
                masked(c, u32::MAX, |c| c.u32())?
            } else {
                let s = c.pos;
                let n = c.take_while(|b| b != b')');
                match ports.and_then(|p| p.by_name.get(n)) {
                    Some(&no) => (no, u32::MAX),
                    None => return Err(c.err_at(s, format!("unknown port name '{n}'"))),
                }
            };
            c.expect(")")?;
            (
                Attr::u32(OVS_KEY_ATTR_IN_PORT, v),
                Attr::u32(OVS_KEY_ATTR_IN_PORT, m),
            )
        }
        "eth_type" => {
            let (v, m) = masked(c, u16::MAX, |c| c.u16())?;
            c.expect(")")?;
            (
                Attr::new(OVS_KEY_ATTR_ETHERTYPE, v.to_be_bytes().to_vec()),
                Attr::new(OVS_KEY_ATTR_ETHERTYPE, m.to_be_bytes().to_vec()),
            )
        }
        "tcp_flags" => {
            let (v, m) = parse_flags(c, TCP_FLAG_NAMES, 0x0fff, "tcp_flags")?;
            c.expect(")")?;
            (
                Attr::new(OVS_KEY_ATTR_TCP_FLAGS, (v as u16).to_be_bytes().to_vec()),
                Attr::new(OVS_KEY_ATTR_TCP_FLAGS, (m as u16).to_be_bytes().to_vec()),
            )
        }
        "vlan" => {
            let (mut k, mut m) = (VLAN_CFI, VLAN_CFI);
            loop {
                if c.eat(")") {
                    break;
                }
                let s = c.pos;
                let f = c.ident();
                if !c.eat("=") {
                    return Err(c.err_at(s, "unknown field in vlan(): expected vid, pcp or cfi"));
                }
                match f {
                    "vid" => scan_bf16(c, 12, 0, &mut k, &mut m)?,
                    "pcp" => scan_bf16(c, 3, 13, &mut k, &mut m)?,
                    "cfi" => scan_bf16(c, 1, 12, &mut k, &mut m)?,
                    _ => {
                        return Err(c.err_at(s, "unknown field in vlan(): expected vid, pcp or cfi"))
                    }
                }
                if c.eat(")") {
                    break;
                }
                c.expect(",")?;
            }
            (
                Attr::new(OVS_KEY_ATTR_VLAN, k.to_be_bytes().to_vec()),
                Attr::new(OVS_KEY_ATTR_VLAN, m.to_be_bytes().to_vec()),
            )
        }
        "mpls" => parse_mpls(c)?,
        "encap" => {
            let mut km = KeyMask::default();
            loop {
                c.skip_delims();
                if c.eof() {
                    return Err(c.err("expected ')' to close encap("));
                }
                if c.eat(")") {
                    break;
                }
                let s = c.pos;
                let (k, m) = parse_key(c, ports, depth + 1)?;
                km.push(c, s, k, m)?;
            }
            let nest = |l: NestList| {
                Attr::nested(OVS_KEY_ATTR_ENCAP, &l.into_vec()).map_err(|e| too_long(c, start, e))
            };
            (nest(km.key)?, nest(km.mask)?)
        }
        _ => {
            if let Some(sk) = STRUCT_KEYS.iter().find(|k| k.name == name) {
                let (k, m) = parse_struct_fields(c, sk)?;
                (Attr::new(sk.ty, k), Attr::new(sk.ty, m))
            } else if let Some(ty) = name.strip_prefix("key").and_then(|n| n.parse::<u16>().ok()) {
                // Generic form as printed for attributes OVS does not know.
                let k = c.hex_bytes()?;
                let m = if c.eat("/") {
                    c.hex_bytes()?
                } else {
                    vec![0xff; k.len()]
                };
                c.expect(")")?;
                (Attr::new(ty, k), Attr::new(ty, m))
            } else {
                c.pos = start;
                return Err(c.err(format!("unknown flow key '{name}'")));
            }
        }
    };
    Ok(r)
}

/// A u128 as `parse_int_string()` reads it for `ct_label(..)` and
/// `ct(label=..)`: `0x` and up to 32 hex digits, or a C `%i` number.
pub(crate) fn parse_u128(c: &mut Cursor) -> Result<u128, ParseError> {
    let start = c.pos;
    if c.eat("0x") || c.eat("0X") {
        let d = c.take_while(|b| b.is_ascii_hexdigit());
        if d.is_empty() || d.len() > 32 {
            return Err(c.err_at(start, "expected a 128-bit hex number"));
        }
        return u128::from_str_radix(d, 16).map_err(|_| c.err_at(start, "bad number"));
    }
    Ok(c.int()? as u128)
}

/// `mpls(label=..,tc=..,ttl=..,bos=..)`, several LSEs separated by
/// repeating `label=`.
fn parse_mpls(c: &mut Cursor) -> Result<(Attr, Attr), ParseError> {
    let mut keys: Vec<(u32, u32)> = vec![(0, 0)];
    let mut seen = 0u8;
    loop {
        if c.eat(")") {
            break;
        }
        let s = c.pos;
        let f = c.ident();
        let (bits, shift, flag) = match f {
            "label" => (20, 12, 1),
            "tc" => (3, 9, 2),
            "ttl" => (8, 0, 4),
            "bos" => (1, 8, 8),
            _ => return Err(c.err_at(s, "unknown field in mpls(): expected label, tc, ttl or bos")),
        };
        c.expect("=")?;
        if seen & flag != 0 {
            keys.push((0, 0));
            seen = 0;
        }
        seen |= flag;
        let max = (1u64 << bits) - 1;
        let vs = c.pos;
        let v = c.int()?;
        if v > max {
            return Err(c.err_at(vs, format!("value out of range (max {max})")));
        }
        let m = if c.eat("/") { c.int()? & max } else { max };
        let last = keys.len() - 1;
        keys[last].0 |= (v as u32) << shift;
        keys[last].1 |= (m as u32) << shift;
        if c.eat(")") {
            break;
        }
        c.expect(",")?;
    }
    let k: Vec<u8> = keys.iter().flat_map(|(k, _)| k.to_be_bytes()).collect();
    let m: Vec<u8> = keys.iter().flat_map(|(_, m)| m.to_be_bytes()).collect();
    Ok((
        Attr::new(OVS_KEY_ATTR_MPLS, k),
        Attr::new(OVS_KEY_ATTR_MPLS, m),
    ))
}
