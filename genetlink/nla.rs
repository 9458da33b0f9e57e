// SPDX-License-Identifier: GPL-2.0
//! Netlink attribute codec over plain bytes: walk and build `struct nlattr` streams.
//!
//! Upstream counterpart: `lib/nlattr.c` and the `nla_*` helpers of `include/net/netlink.h`,
//! which upstream OVS uses to walk nested keys and actions. Top-level attributes of a request
//! are validated by the kernel's own policies (`net/genl.rs`); this codec serves what the
//! kernel hands over as opaque nested bytes (flow keys, masks, actions) and the host tools.
//! Pure: `&[u8]` in, borrowed slices out, no allocation.

use super::errno::Errno;

/// `sizeof(struct nlattr)`.
pub const NLA_HDRLEN: usize = 4;
/// `NLA_F_NESTED`: set by senders that mark nested attributes.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// `NLA_F_NET_BYTEORDER`.
pub const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
/// `NLA_TYPE_MASK`: the attribute type without the two flag bits.
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// `NLA_ALIGN`: attributes start on 4-byte boundaries.
pub const fn nla_align(len: usize) -> usize {
    (len + 3) & !3
}

/// One attribute: its type (flags stripped) and payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attr<'a> {
    pub kind: u16,
    pub nested_flag: bool,
    pub payload: &'a [u8],
}

impl<'a> Attr<'a> {
    /// The payload as a host-order `u32`, which must be exactly 4 bytes.
    pub fn u32(&self) -> Result<u32, Errno> {
        Ok(u32::from_ne_bytes(self.fixed::<4>()?))
    }

    /// The payload as a host-order `u16`, exactly 2 bytes.
    pub fn u16(&self) -> Result<u16, Errno> {
        Ok(u16::from_ne_bytes(self.fixed::<2>()?))
    }

    /// The payload as a `u8`, exactly 1 byte.
    pub fn u8(&self) -> Result<u8, Errno> {
        Ok(self.fixed::<1>()?[0])
    }

    /// The payload as a host-order `u64`, exactly 8 bytes.
    pub fn u64(&self) -> Result<u64, Errno> {
        Ok(u64::from_ne_bytes(self.fixed::<8>()?))
    }

    /// The payload as a fixed-size array: wrong lengths are `EINVAL`, as upstream's
    /// attribute-length tables make them.
    pub fn fixed<const N: usize>(&self) -> Result<[u8; N], Errno> {
        self.payload.try_into().map_err(|_| Errno::EINVAL)
    }

    /// The attributes nested in this one.
    pub fn nested(&self) -> Attrs<'a> {
        Attrs::new(self.payload)
    }
}

/// An iterator over an attribute stream. It yields `Err(EINVAL)` once, then stops, on a
/// malformed stream (a header or length running past the end), like `nla_ok()` failing;
/// trailing bytes shorter than a header are ignored, as `nla_for_each_attr` does.
#[derive(Clone, Debug)]
pub struct Attrs<'a> {
    rest: &'a [u8],
}

impl<'a> Attrs<'a> {
    pub const fn new(stream: &'a [u8]) -> Self {
        Self { rest: stream }
    }
}

impl<'a> Iterator for Attrs<'a> {
    type Item = Result<Attr<'a>, Errno>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.len() < NLA_HDRLEN {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([self.rest[0], self.rest[1]]));
        let kind = u16::from_ne_bytes([self.rest[2], self.rest[3]]);
        if len < NLA_HDRLEN || len > self.rest.len() {
            self.rest = &[];
            return Some(Err(Errno::EINVAL));
        }
        let payload = &self.rest[NLA_HDRLEN..len];
        // The last attribute may omit its alignment padding.
        self.rest = self.rest.get(nla_align(len)..).unwrap_or(&[]);
        Some(Ok(Attr {
            kind: kind & NLA_TYPE_MASK,
            nested_flag: kind & NLA_F_NESTED != 0,
            payload,
        }))
    }
}

/// Builds an attribute stream into a caller-provided buffer; never allocates.
/// A full buffer is `EMSGSIZE`, like `nla_put()` on a full skb.
pub struct AttrWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

/// An open nest: pass it back to [`AttrWriter::end_nest`] to fix up its length.
#[must_use]
pub struct Nest {
    start: usize,
}

impl<'b> AttrWriter<'b> {
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn put_header(&mut self, kind: u16, payload_len: usize) -> Result<usize, Errno> {
        let total = NLA_HDRLEN + payload_len;
        let nla_len = u16::try_from(total).map_err(|_| Errno::EMSGSIZE)?;
        let end = self.len + nla_align(total);
        if end > self.buf.len() {
            return Err(Errno::EMSGSIZE);
        }
        let at = self.len;
        self.buf[at..at + 2].copy_from_slice(&nla_len.to_ne_bytes());
        self.buf[at + 2..at + 4].copy_from_slice(&kind.to_ne_bytes());
        // Padding is zeroed so the stream is deterministic.
        self.buf[at + total..end].fill(0);
        self.len = end;
        Ok(at + NLA_HDRLEN)
    }

    pub fn put(&mut self, kind: u16, payload: &[u8]) -> Result<(), Errno> {
        let at = self.put_header(kind, payload.len())?;
        self.buf[at..at + payload.len()].copy_from_slice(payload);
        Ok(())
    }

    pub fn put_u32(&mut self, kind: u16, value: u32) -> Result<(), Errno> {
        self.put(kind, &value.to_ne_bytes())
    }

    pub fn put_u64(&mut self, kind: u16, value: u64) -> Result<(), Errno> {
        self.put(kind, &value.to_ne_bytes())
    }

    /// Puts `text` with its terminating NUL, as `nla_put_string()` does.
    pub fn put_string(&mut self, kind: u16, text: &str) -> Result<(), Errno> {
        let at = self.put_header(kind, text.len() + 1)?;
        self.buf[at..at + text.len()].copy_from_slice(text.as_bytes());
        self.buf[at + text.len()] = 0;
        Ok(())
    }

    pub fn start_nest(&mut self, kind: u16) -> Result<Nest, Errno> {
        let start = self.len;
        self.put_header(kind | NLA_F_NESTED, 0)?;
        Ok(Nest { start })
    }

    /// Opens a nest without `NLA_F_NESTED`, as `nla_nest_start_noflag()` does: upstream
    /// OVS dumps its nested keys and actions that way, and dumps must match it byte for byte.
    pub fn start_nest_noflag(&mut self, kind: u16) -> Result<Nest, Errno> {
        let start = self.len;
        self.put_header(kind, 0)?;
        Ok(Nest { start })
    }

    pub fn end_nest(&mut self, nest: Nest) -> Result<(), Errno> {
        let nla_len = u16::try_from(self.len - nest.start).map_err(|_| Errno::EMSGSIZE)?;
        self.buf[nest.start..nest.start + 2].copy_from_slice(&nla_len.to_ne_bytes());
        Ok(())
    }
}

/// Reads a `NLA_NUL_STRING` payload: the bytes before the first NUL, as UTF-8.
/// The kernel policy has already checked the NUL and the length for top-level attributes.
pub fn nul_string(payload: &[u8]) -> Result<&str, Errno> {
    let end = payload.iter().position(|&b| b == 0).ok_or(Errno::EINVAL)?;
    core::str::from_utf8(&payload[..end]).map_err(|_| Errno::EINVAL)
}
