// SPDX-License-Identifier: GPL-2.0
//! Internet checksum arithmetic (RFC 1071 sums, RFC 1624 incremental updates).
//!
//! Upstream counterpart: the generic helpers of `include/net/checksum.h` (`csum_add`,
//! `csum_sub`, `csum16_add`, `csum_shift`, `csum_block_add`, `csum_replace2`,
//! `csum_replace4`, `csum_replace`), `csum_fold` and `csum_partial`
//! (`include/asm-generic/checksum.h`, `lib/checksum.c`) and the arithmetic of
//! `inet_proto_csum_replace16()` (`net/core/utils.c`).
//!
//! Values are in the kernel's representation: a 16-bit word is two packet bytes loaded in
//! native byte order (`u16::from_ne_bytes`), a `__sum16` is the checksum field's bytes loaded
//! that way, and a `__wsum` (`u32`) is a 32-bit ones-complement accumulator of such words. So
//! a value computed here can be stored to, or taken from, `skb->csum` and checksum fields as
//! they are. Two `__wsum`s that fold to the same 16 bits are the same sum: `csum_partial()`'s
//! exact 32-bit result differs between architectures, and only the folded value matters.
//!
//! Pure, shared with the host crate.

/// Two packet bytes as a native-order 16-bit word (`*(__be16 *)p` taken as a `u16`).
pub fn ne16(b: [u8; 2]) -> u16 {
    u16::from_ne_bytes(b)
}

/// Four packet bytes as a native-order `u32` (`(__force __wsum)*(__be32 *)p`).
pub fn ne32(b: [u8; 4]) -> u32 {
    u32::from_ne_bytes(b)
}

/// `csum_add()`: 32-bit ones-complement addition (end-around carry).
pub fn csum_add(csum: u32, addend: u32) -> u32 {
    let (res, carry) = csum.overflowing_add(addend);
    res.wrapping_add(u32::from(carry))
}

/// `csum_sub()`: adds the ones complement of `addend`.
pub fn csum_sub(csum: u32, addend: u32) -> u32 {
    csum_add(csum, !addend)
}

/// `csum16_add()`: 16-bit ones-complement addition.
pub fn csum16_add(csum: u16, addend: u16) -> u16 {
    let (res, carry) = csum.overflowing_add(addend);
    res.wrapping_add(u16::from(carry))
}

/// `csum16_sub()`.
pub fn csum16_sub(csum: u16, addend: u16) -> u16 {
    csum16_add(csum, !addend)
}

/// Folds a 32-bit sum to 16 bits with end-around carry, *not* complemented: the 16-bit
/// ones-complement sum. Zero only for a zero sum; a sum congruent to zero otherwise folds
/// to `0xffff`.
pub fn fold(csum: u32) -> u16 {
    let s = (csum & 0xffff) + (csum >> 16);
    let s = (s & 0xffff) + (s >> 16);
    // At most 0xffff after the second step.
    (s & 0xffff) as u16
}

/// `csum_fold()`: the folded sum, complemented (what a checksum field holds).
pub fn csum_fold(csum: u32) -> u16 {
    !fold(csum)
}

/// `csum_unfold()`.
pub fn csum_unfold(sum: u16) -> u32 {
    u32::from(sum)
}

/// `csum_shift()`: a sum of bytes that start at `offset` in a block, lined up with the
/// block's 16-bit words (an odd offset swaps the bytes of each word).
pub fn csum_shift(csum: u32, offset: usize) -> u32 {
    if offset & 1 == 1 {
        csum.rotate_right(8)
    } else {
        csum
    }
}

/// `csum_block_add()`: adds `csum2`, the sum of bytes at `offset`, to `csum`.
pub fn csum_block_add(csum: u32, csum2: u32, offset: usize) -> u32 {
    csum_add(csum, csum_shift(csum2, offset))
}

/// `csum_block_sub()`: subtracts `csum2`, the sum of bytes at `offset`, from `csum`.
pub fn csum_block_sub(csum: u32, csum2: u32, offset: usize) -> u32 {
    csum_block_add(csum, !csum2, offset)
}

/// `csum_partial()`: `init` plus the ones-complement sum of `bytes`, taken as native-order
/// 16-bit words from the first byte (an odd last byte is padded with a zero byte).
pub fn partial(bytes: &[u8], init: u32) -> u32 {
    let words = bytes.chunks_exact(2);
    let tail = words.remainder();
    // Each word is below 2^16, so a u64 cannot overflow for any slice that fits in memory.
    let mut acc: u64 = 0;
    for w in words {
        if let [a, b] = *w {
            acc += u64::from(ne16([a, b]));
        }
    }
    if let [a] = *tail {
        acc += u64::from(ne16([a, 0]));
    }
    // Fold 64 -> 32 bits with end-around carry.
    let lo = acc & 0xffff_ffff;
    let hi = acc >> 32;
    let s = lo + hi;
    let s = (s & 0xffff_ffff) + (s >> 32);
    csum_add(init, (s & 0xffff_ffff) as u32)
}

/// `csum_replace()` on a `__wsum`: replaces `old`'s contribution with `new`'s.
pub fn replace(csum: u32, old: u32, new: u32) -> u32 {
    csum_add(csum_sub(csum, old), new)
}

/// `csum_replace2()`: RFC 1624 eqn. 3, `HC' = ~(~HC + ~m + m')`, for a checksum field
/// `check` covering the 16-bit word that changes from `old` to `new`.
pub fn replace2(check: u16, old: u16, new: u16) -> u16 {
    !csum16_add(csum16_sub(!check, old), new)
}

/// `csum_replace4()`: as [`replace2`], for a 32-bit field.
pub fn replace4(check: u16, from: u32, to: u32) -> u16 {
    let tmp = csum_sub(!csum_unfold(check), from);
    csum_fold(csum_add(tmp, to))
}

/// `~from + to` over a 16-byte field (an IPv6 address), added to `init`: the difference
/// `inet_proto_csum_replace16()` sums with `csum_partial()`.
pub fn diff16(from: &[u8; 16], to: &[u8; 16], init: u32) -> u32 {
    let mut acc = init;
    for c in from.chunks_exact(4) {
        if let [a, b, c, d] = *c {
            acc = csum_add(acc, !ne32([a, b, c, d]));
        }
    }
    for c in to.chunks_exact(4) {
        if let [a, b, c, d] = *c {
            acc = csum_add(acc, ne32([a, b, c, d]));
        }
    }
    acc
}

/// As [`replace4`], for a 16-byte field: `inet_proto_csum_replace16()`'s update of a
/// checksum that is not `CHECKSUM_PARTIAL`.
pub fn replace16(check: u16, from: &[u8; 16], to: &[u8; 16]) -> u16 {
    csum_fold(diff16(from, to, !csum_unfold(check)))
}
