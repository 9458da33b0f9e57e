//! Internet checksum arithmetic: sums and RFC 1624 incremental updates, each checked against
//! a from-scratch recomputation written here (big-endian words, a plain integer sum).

use ovs_rs_host::actions::csum::*;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// From scratch: the 16-bit ones-complement sum of `b` as big-endian words, in 0..=0xffff
/// (zero only for all-zero input).
fn ref_sum(b: &[u8]) -> u16 {
    let mut s: u64 = 0;
    for (i, x) in b.iter().enumerate() {
        s += if i % 2 == 0 {
            u64::from(*x) << 8
        } else {
            u64::from(*x)
        };
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// A native-order 16-bit value as the big-endian number the same two bytes make.
fn be(v: u16) -> u16 {
    u16::from_be_bytes(v.to_ne_bytes())
}

/// Equal as ones-complement numbers (0 and 0xffff are both zero).
fn same(a: u16, b: u16) -> bool {
    a % 0xffff == b % 0xffff
}

/// A checksum field (native order) for `b`, whose field at `at` is taken as zero.
fn ref_check(b: &[u8], at: usize) -> u16 {
    let mut c = b.to_vec();
    c[at] = 0;
    c[at + 1] = 0;
    u16::from_ne_bytes((!ref_sum(&c)).to_be_bytes())
}

/// Data with a valid checksum at `at` verifies: its sum is all ones.
fn verifies(b: &[u8]) -> bool {
    ref_sum(b) == 0xffff
}

#[test]
fn add_sub_and_fold() {
    assert_eq!(csum_add(0xffff_ffff, 1), 1);
    assert_eq!(csum_add(0x8000_0000, 0x8000_0000), 1);
    assert_eq!(csum_add(1, 2), 3);
    assert_eq!(csum_sub(5, 3), 2);
    assert_eq!(csum16_add(0xffff, 1), 1);
    assert_eq!(csum16_sub(5, 3), 2);
    assert_eq!(fold(0), 0);
    assert_eq!(fold(0x0001_ffff), 1);
    assert_eq!(fold(0xffff_ffff), 0xffff);
    assert_eq!(fold(0x1234_5678), 0x68ac);
    assert_eq!(csum_fold(0x1234_5678), !0x68ac);
    assert_eq!(csum_shift(0x1122_3344, 1), 0x4411_2233);
    assert_eq!(csum_shift(0x1122_3344, 2), 0x1122_3344);
    let mut r = Rng(7);
    for _ in 0..10_000 {
        let (a, b) = (r.next() as u32, r.next() as u32);
        let s = u64::from(a) + u64::from(b);
        assert_eq!(u64::from(csum_add(a, b)) % 0xffff_ffff, s % 0xffff_ffff);
        assert!(same(fold(csum_sub(csum_add(a, b), b)), fold(a)));
        assert_eq!(u64::from(fold(a)) % 0xffff, u64::from(a) % 0xffff);
    }
}

#[test]
fn partial_matches_a_plain_sum() {
    let mut r = Rng(1);
    for len in 0..200 {
        for _ in 0..20 {
            let b = r.bytes(len);
            let init = r.next() as u32;
            let got = be(fold(partial(&b, init)));
            let want = (u64::from(ref_sum(&b)) + u64::from(be(fold(init)))) % 0xffff;
            assert_eq!(u64::from(got) % 0xffff, want, "len {len}");
        }
    }
    assert_eq!(fold(partial(&[], 0)), 0);
    assert_eq!(fold(partial(&[0xff; 64], 0)), 0xffff);
    // A long all-ones block does not overflow the accumulator.
    assert_eq!(fold(partial(&vec![0xff; 1 << 20], 0)), 0xffff);
}

#[test]
fn block_add_and_sub_at_odd_offsets() {
    let mut r = Rng(2);
    for _ in 0..2000 {
        let len = 1 + r.below(100);
        let b = r.bytes(len);
        let split = r.below(len + 1);
        let (head, tail) = b.split_at(split);
        let whole = csum_block_add(partial(head, 0), partial(tail, 0), split);
        assert!(same(fold(whole), fold(partial(&b, 0))));
        let back = csum_block_sub(whole, partial(tail, 0), split);
        assert!(same(fold(back), fold(partial(head, 0))));
    }
}

#[test]
fn replace2_is_rfc1624() {
    let mut r = Rng(3);
    for _ in 0..20_000 {
        let len = 4 + 2 * r.below(30);
        let mut b = r.bytes(len);
        let at = 2 * r.below(len / 2);
        let c = ref_check(&b, at);
        b[at..at + 2].copy_from_slice(&c.to_ne_bytes());
        assert!(verifies(&b));
        let mut w = 2 * r.below(len / 2);
        if w == at {
            w = (w + 2) % len;
        }
        let old = u16::from_ne_bytes([b[w], b[w + 1]]);
        let new = r.next() as u16;
        let got = replace2(c, old, new);
        b[w..w + 2].copy_from_slice(&new.to_ne_bytes());
        let want = ref_check(&b, at);
        assert!(same(be(got), be(want)), "{got:#x} {want:#x}");
        b[at..at + 2].copy_from_slice(&got.to_ne_bytes());
        assert!(verifies(&b));
    }
    // RFC 1624's example: HC 0xdd2f, m 0x5555 -> 0x3285, HC' 0x0000.
    let hc = u16::from_ne_bytes(0xdd2fu16.to_be_bytes());
    let m = u16::from_ne_bytes(0x5555u16.to_be_bytes());
    let m2 = u16::from_ne_bytes(0x3285u16.to_be_bytes());
    assert_eq!(replace2(hc, m, m2), 0);
}

#[test]
fn replace4_and_replace16() {
    let mut r = Rng(4);
    for n in [4usize, 16] {
        for _ in 0..10_000 {
            let len = 20 + 2 * r.below(40);
            let mut b = r.bytes(len);
            let at = 0;
            let c = ref_check(&b, at);
            b[0..2].copy_from_slice(&c.to_ne_bytes());
            // The field: anywhere after the checksum, even or odd.
            let w = 2 + r.below(len - 2 - n);
            let old = b[w..w + n].to_vec();
            let new = r.bytes(n);
            b[w..w + n].copy_from_slice(&new);
            let got = if n == 4 {
                let f = u32::from_ne_bytes(old[..].try_into().unwrap());
                let t = u32::from_ne_bytes(new[..].try_into().unwrap());
                if w % 2 == 1 {
                    // An odd field shifts by a byte in the sum.
                    replace4(c, f.rotate_right(8), t.rotate_right(8))
                } else {
                    replace4(c, f, t)
                }
            } else if w.is_multiple_of(2) {
                replace16(
                    c,
                    &old[..].try_into().unwrap(),
                    &new[..].try_into().unwrap(),
                )
            } else {
                continue;
            };
            let want = ref_check(&b, at);
            assert!(same(be(got), be(want)), "n {n}: {got:#x} {want:#x}");
            b[0..2].copy_from_slice(&got.to_ne_bytes());
            assert!(verifies(&b));
        }
    }
}

#[test]
fn diff16_is_the_difference() {
    let mut r = Rng(5);
    for _ in 0..5000 {
        let from: [u8; 16] = r.bytes(16).try_into().unwrap();
        let to: [u8; 16] = r.bytes(16).try_into().unwrap();
        let d = be(fold(diff16(&from, &to, 0)));
        let want = (u64::from(ref_sum(&to)) + 0xffff - u64::from(ref_sum(&from))) % 0xffff;
        assert_eq!(u64::from(d) % 0xffff, want);
    }
}

#[test]
fn replace_on_a_wsum() {
    let mut r = Rng(6);
    for _ in 0..5000 {
        let mut b = r.bytes(64);
        let s = partial(&b, 0);
        let w = 4 * r.below(16);
        let old = u32::from_ne_bytes(b[w..w + 4].try_into().unwrap());
        let new = r.next() as u32;
        b[w..w + 4].copy_from_slice(&new.to_ne_bytes());
        assert!(same(fold(replace(s, old, new)), fold(partial(&b, 0))));
    }
}

#[test]
fn native_loads() {
    assert_eq!(ne16([0x12, 0x34]), u16::from_ne_bytes([0x12, 0x34]));
    assert_eq!(ne32([1, 2, 3, 4]), u32::from_ne_bytes([1, 2, 3, 4]));
    assert_eq!(csum_unfold(0xabcd), 0xabcd);
}
