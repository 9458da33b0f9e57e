//! Netlink attributes as ovsdp builds and reads them, on top of
//! netlink-packet-core's `Nla`/`NlasIterator` (OVS: lib/netlink.c).
//!
//! An [`Attr`] is a type and its payload bytes. Nested attributes are
//! serialised into their parent's payload when built, the way OVS's
//! `nl_msg_start_nested()` does it: without `NLA_F_NESTED`, so the bytes are
//! the ones ovs-dpctl sends.

use netlink_packet_core::{Emitable, Nla, NlasIterator, NLA_TYPE_MASK};

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
    /// Nested attribute whose payload is `children`, serialised.
    pub fn nested(kind: u16, children: &[Attr]) -> Self {
        Attr::new(kind, emit(children))
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

/// Serialises a list of attributes with netlink alignment.
pub fn emit(attrs: &[Attr]) -> Vec<u8> {
    let len = attrs.buffer_len();
    let mut buf = vec![0u8; len];
    attrs.emit(&mut buf);
    buf
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
