//! Netlink attributes as ovsdp builds and reads them, on top of
//! netlink-packet-core's `Nla`/`NlasIterator` (OVS: lib/netlink.c).
//!
//! An [`Attr`] is a type and its payload bytes. Nested attributes are
//! serialised into their parent's payload when built, the way OVS's
//! `nl_msg_start_nested()` does it: without `NLA_F_NESTED`, so the bytes are
//! the ones ovs-dpctl sends.

use std::fmt;

use netlink_packet_core::{Emitable, Nla, NlasIterator, NLA_HEADER_SIZE, NLA_TYPE_MASK};

/// The largest payload one netlink attribute holds: `nla_len` is a u16 that
/// counts the 4-byte header too (OVS: `nl_attr_oversized()`).
pub const MAX_PAYLOAD: usize = u16::MAX as usize - NLA_HEADER_SIZE;

/// A payload longer than [`MAX_PAYLOAD`]: the attribute, or the nest that
/// would hold a list, cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLong {
    /// Payload bytes it would need.
    pub len: usize,
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bytes, more than the {MAX_PAYLOAD} a netlink attribute holds",
            self.len
        )
    }
}

impl std::error::Error for TooLong {}

/// One netlink attribute: type plus raw payload (no header, no padding).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    /// Attribute type (`nla_type`, flags included as received).
    pub kind: u16,
    /// Payload bytes.
    pub value: Vec<u8>,
}

impl Nla for Attr {
    fn value_len(&self) -> usize {
        self.value.len()
    }
    fn kind(&self) -> u16 {
        self.kind
    }
    fn emit_value(&self, buffer: &mut [u8]) {
        buffer[..self.value.len()].copy_from_slice(&self.value);
    }
}

impl Attr {
    /// Attribute with raw payload.
    pub fn new(kind: u16, value: Vec<u8>) -> Self {
        Attr { kind, value }
    }
    /// Zero-length flag attribute.
    pub fn flag(kind: u16) -> Self {
        Attr::new(kind, Vec::new())
    }
    /// Host-order u32 (`nl_msg_put_u32`).
    pub fn u32(kind: u16, v: u32) -> Self {
        Attr::new(kind, v.to_ne_bytes().to_vec())
    }
    /// Host-order u16 (`nl_msg_put_u16`).
    pub fn u16(kind: u16, v: u16) -> Self {
        Attr::new(kind, v.to_ne_bytes().to_vec())
    }
    /// NUL-terminated string (`nl_msg_put_string`).
    pub fn string(kind: u16, s: &str) -> Self {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        Attr::new(kind, v)
    }
    /// Nested attribute whose payload is `children`, serialised; fails when
    /// a child or the nest itself would be longer than [`MAX_PAYLOAD`].
    pub fn nested(kind: u16, children: &[Attr]) -> Result<Self, TooLong> {
        let value = emit(children)?;
        check_len(value.len())?;
        Ok(Attr::new(kind, value))
    }
    /// Type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER flags.
    pub fn ty(&self) -> u16 {
        self.kind & NLA_TYPE_MASK
    }
    /// Payload read as a host-order u32, if it is 4 bytes long.
    pub fn get_u32(&self) -> Option<u32> {
        Some(u32::from_ne_bytes(self.value.as_slice().try_into().ok()?))
    }
    /// Payload read as a host-order u16, if it is 2 bytes long.
    pub fn get_u16(&self) -> Option<u16> {
        Some(u16::from_ne_bytes(self.value.as_slice().try_into().ok()?))
    }
    /// Payload read as a host-order u64, if it is 8 bytes long.
    pub fn get_u64(&self) -> Option<u64> {
        Some(u64::from_ne_bytes(self.value.as_slice().try_into().ok()?))
    }
    /// Payload as a string, up to the first NUL.
    pub fn get_string(&self) -> String {
        let end = self
            .value
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.value.len());
        String::from_utf8_lossy(&self.value[..end]).into_owned()
    }
    /// Payload parsed as a list of attributes.
    pub fn children(&self) -> Result<Vec<Attr>, String> {
        parse(&self.value)
    }
}

/// Fails when `len` bytes do not fit in one attribute's payload.
pub fn check_len(len: usize) -> Result<(), TooLong> {
    if len > MAX_PAYLOAD {
        return Err(TooLong { len });
    }
    Ok(())
}

/// Fails when an attribute of `attrs` is too long to encode (netlink-packet-
/// core would truncate its u16 length, or overflow it and panic).
pub fn check(attrs: &[Attr]) -> Result<(), TooLong> {
    attrs.iter().try_for_each(|a| check_len(a.value.len()))
}

/// Payload length of a nest holding `attrs` (headers and padding included).
pub fn nested_len(attrs: &[Attr]) -> usize {
    attrs.iter().map(|a| a.buffer_len()).sum()
}

/// Serialises a list of attributes with netlink alignment; fails when one
/// of them is too long to encode.
pub fn emit(attrs: &[Attr]) -> Result<Vec<u8>, TooLong> {
    check(attrs)?;
    let mut buf = vec![0u8; nested_len(attrs)];
    attrs.emit(&mut buf);
    Ok(buf)
}

/// An attribute list built up while parsing, kept small enough to nest in
/// one attribute: [`NestList::push`] fails with the length the nest would
/// need as soon as it would not fit.
#[derive(Clone, Debug, Default)]
pub struct NestList {
    attrs: Vec<Attr>,
    len: usize,
}

impl NestList {
    /// Appends `a`, unless the nest would then be longer than [`MAX_PAYLOAD`].
    pub fn push(&mut self, a: Attr) -> Result<(), TooLong> {
        let len = self.len + a.buffer_len();
        check_len(len)?;
        self.len = len;
        self.attrs.push(a);
        Ok(())
    }
    /// The attributes.
    pub fn into_vec(self) -> Vec<Attr> {
        self.attrs
    }
}

/// Parses a buffer of attributes (one level).
pub fn parse(buf: &[u8]) -> Result<Vec<Attr>, String> {
    let mut out = Vec::new();
    for nla in NlasIterator::new(buf) {
        let nla = nla.map_err(|e| format!("malformed netlink attribute: {e}"))?;
        let mut kind = nla.kind();
        if nla.nested_flag() {
            kind |= netlink_packet_core::NLA_F_NESTED;
        }
        if nla.network_byte_order_flag() {
            kind |= netlink_packet_core::NLA_F_NET_BYTEORDER;
        }
        out.push(Attr::new(kind, nla.value().to_vec()));
    }
    Ok(out)
}

/// First attribute of type `ty` in `attrs`.
pub fn find(attrs: &[Attr], ty: u16) -> Option<&Attr> {
    attrs.iter().find(|a| a.ty() == ty)
}
