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

/// `nla_total_size()`: the room an attribute with a `payload`-byte payload takes.
pub const fn nla_total_size(payload: usize) -> usize {
    nla_align(NLA_HDRLEN + payload)
}

/// `nla_total_size_64bit()` at its largest: with the padding attribute that
/// [`AttrWriter::put_64bit`] may put first.
pub const fn nla_total_size_64bit(payload: usize) -> usize {
    nla_total_size(payload) + NLA_HDRLEN
}

/// Whether upstream's `nla_need_padding_for_64bit()` can pad on this architecture: it is
/// compiled out where the kernel selects `CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS` (x86,
/// arm64, powerpc, s390). Elsewhere it is assumed in, which is right unless the
/// architecture makes that option configurable (riscv, loongarch) and the config sets it.
pub const PADS_FOR_64BIT: bool = !cfg!(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "s390x"
));

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

    /// An attribute whose payload is `values`, host order, back to back (a `u32` array).
    pub fn put_u32_array(&mut self, kind: u16, values: &[u32]) -> Result<(), Errno> {
        let len = values.len().checked_mul(4).ok_or(Errno::EMSGSIZE)?;
        let at = self.put_header(kind, len)?;
        for (chunk, v) in self.buf[at..at + len].chunks_exact_mut(4).zip(values) {
            chunk.copy_from_slice(&v.to_ne_bytes());
        }
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

    pub fn put_u8(&mut self, kind: u16, value: u8) -> Result<(), Errno> {
        self.put(kind, &[value])
    }

    pub fn put_u16(&mut self, kind: u16, value: u16) -> Result<(), Errno> {
        self.put(kind, &value.to_ne_bytes())
    }

    /// Appends an already-encoded attribute stream as is (padded to 4 bytes with zeros),
    /// for payloads kept in their netlink form, such as a userspace action's actions.
    pub fn put_raw(&mut self, stream: &[u8]) -> Result<(), Errno> {
        let end = self
            .len
            .checked_add(nla_align(stream.len()))
            .ok_or(Errno::EMSGSIZE)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(Errno::EMSGSIZE)?;
        let (data, pad) = dst.split_at_mut(stream.len());
        data.copy_from_slice(stream);
        pad.fill(0);
        self.len = end;
        Ok(())
    }

    /// Drops an open nest and everything written into it, as `nla_nest_cancel()` does.
    pub fn cancel_nest(&mut self, nest: Nest) {
        self.len = self.len.min(nest.start);
    }

    /// Puts an attribute whose payload holds 64-bit values, as `nla_put_64bit()` does: where
    /// upstream pads for 64-bit alignment ([`PADS_FOR_64BIT`]) and the payload would start
    /// on an address that is 4 but not 8 bytes aligned, a zero-length `pad_kind` attribute
    /// goes first. All or nothing: a buffer without room for both is `EMSGSIZE`.
    pub fn put_64bit(&mut self, kind: u16, payload: &[u8], pad_kind: u16) -> Result<(), Errno> {
        self.put_64bit_aligning(kind, payload, pad_kind, PADS_FOR_64BIT)
    }

    /// [`Self::put_64bit`] with the architecture's choice given: `arch_pads` says whether
    /// `nla_need_padding_for_64bit()` is compiled in. The alignment looked at is the
    /// address of the writer's buffer tail, upstream's `skb_tail_pointer()`.
    pub fn put_64bit_aligning(
        &mut self,
        kind: u16,
        payload: &[u8],
        pad_kind: u16,
        arch_pads: bool,
    ) -> Result<(), Errno> {
        let tail = (self.buf.as_ptr() as usize).wrapping_add(self.len);
        let pad = arch_pads && tail & 7 == 0;
        let need = nla_align(NLA_HDRLEN + payload.len()) + if pad { NLA_HDRLEN } else { 0 };
        if self.buf.len().saturating_sub(self.len) < need {
            return Err(Errno::EMSGSIZE);
        }
        if pad {
            self.put(pad_kind, &[])?;
        }
        self.put(kind, payload)
    }

    /// `nla_put_u64_64bit()`.
    pub fn put_u64_64bit(&mut self, kind: u16, value: u64, pad_kind: u16) -> Result<(), Errno> {
        self.put_64bit(kind, &value.to_ne_bytes(), pad_kind)
    }
}

/// Reads a `NLA_NUL_STRING` payload: the bytes before the first NUL, as UTF-8.
/// The kernel policy has already checked the NUL and the length for top-level attributes.
pub fn nul_string(payload: &[u8]) -> Result<&str, Errno> {
    let end = payload.iter().position(|&b| b == 0).ok_or(Errno::EINVAL)?;
    core::str::from_utf8(&payload[..end]).map_err(|_| Errno::EINVAL)
}

/// Upstream's checks of a top-level attribute against its policy entry (`validate_nla()`
/// in non-strict mode, as every OVS family uses), for the typed parsers to repeat: the
/// kernel applies the family policy before a handler runs, but the host fuzzers do not.
/// The errnos are the policy's; the extack text is upstream's for policy failures.
pub mod policy {
    use core::ffi::CStr;

    use super::super::errno::{Errno, Rejection};
    use super::NLA_HDRLEN;

    /// Upstream's extack message for an attribute its policy refuses.
    pub const FAILED: &CStr = c"Attribute failed policy validation";

    fn failed(kind: u16) -> Rejection {
        Rejection::new(Errno::ERANGE, FAILED, Some(kind))
    }

    /// `NLA_U8`/`NLA_U16`/`NLA_U32`/`NLA_U64`/`NLA_S32`: at least `N` bytes (`ERANGE`
    /// otherwise); longer payloads only warn upstream, and the first `N` bytes are read.
    pub fn fixed<const N: usize>(payload: &[u8], kind: u16) -> Result<[u8; N], Rejection> {
        payload
            .get(..N)
            .and_then(|b| <[u8; N]>::try_from(b).ok())
            .ok_or(failed(kind))
    }

    /// A host-order `u32` ([`fixed`]).
    pub fn u32(payload: &[u8], kind: u16) -> Result<u32, Rejection> {
        fixed::<4>(payload, kind).map(u32::from_ne_bytes)
    }

    /// A host-order `u16` ([`fixed`]).
    pub fn u16(payload: &[u8], kind: u16) -> Result<u16, Rejection> {
        fixed::<2>(payload, kind).map(u16::from_ne_bytes)
    }

    /// A host-order `u64` ([`fixed`]).
    pub fn u64(payload: &[u8], kind: u16) -> Result<u64, Rejection> {
        fixed::<8>(payload, kind).map(u64::from_ne_bytes)
    }

    /// A host-order `s32` ([`fixed`]).
    pub fn s32(payload: &[u8], kind: u16) -> Result<i32, Rejection> {
        fixed::<4>(payload, kind).map(i32::from_ne_bytes)
    }

    /// `NLA_POLICY_MIN(NLA_S32, min)`: below `min` is `ERANGE`, "integer out of range".
    pub fn s32_min(payload: &[u8], min: i32, kind: u16) -> Result<i32, Rejection> {
        let v = s32(payload, kind)?;
        if v < min {
            return Err(Rejection::new(
                Errno::ERANGE,
                c"integer out of range",
                Some(kind),
            ));
        }
        Ok(v)
    }

    /// `NLA_FLAG`: a payload is `ERANGE`.
    pub fn flag(payload: &[u8], kind: u16) -> Result<(), Rejection> {
        if payload.is_empty() {
            Ok(())
        } else {
            Err(failed(kind))
        }
    }

    /// `NLA_NESTED` without a nested policy: empty, or at least one attribute header long
    /// (`ERANGE` otherwise). The contents are the caller's to walk.
    pub fn nested(payload: &[u8], kind: u16) -> Result<&[u8], Rejection> {
        if !payload.is_empty() && payload.len() < NLA_HDRLEN {
            return Err(failed(kind));
        }
        Ok(payload)
    }

    /// `NLA_UNSPEC` with `.len = min`: at least `min` bytes (`ERANGE` otherwise).
    pub fn min_len(payload: &[u8], min: usize, kind: u16) -> Result<&[u8], Rejection> {
        if payload.len() < min {
            return Err(failed(kind));
        }
        Ok(payload)
    }

    /// `NLA_NUL_STRING` with `.len = max`: a NUL within the first `max + 1` bytes (`EINVAL`
    /// otherwise, empty payloads included) and at most `max` bytes once one trailing NUL is
    /// dropped (`ERANGE` otherwise). Returns the string up to its first NUL; it may be
    /// empty, as upstream's policy allows.
    pub fn nul_string(payload: &[u8], max: usize, kind: u16) -> Result<&CStr, Rejection> {
        let window = payload.get(..payload.len().min(max + 1)).unwrap_or(payload);
        if !window.contains(&0) {
            return Err(Rejection::new(Errno::EINVAL, FAILED, Some(kind)));
        }
        let len = match payload.split_last() {
            Some((0, rest)) => rest.len(),
            _ => payload.len(),
        };
        if len > max {
            return Err(failed(kind));
        }
        CStr::from_bytes_until_nul(payload).map_err(|_| failed(kind))
    }
}
