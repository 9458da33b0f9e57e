//! frame-inject: the R3 suite's frame generator and injector (tests/reliability/frames.sh).
//!
//! Builds malformed (and some valid) Ethernet frames, deterministically from a seed, and sends
//! them through an AF_PACKET socket bound to one interface (in the suite: a veth peer inside a
//! network namespace, so that each frame enters the datapath through the other end's
//! rx_handler).
//!
//!   frame-inject [--netns NS] [--mtu N] [--start I] [--print] IFNAME CLASS COUNT SEED
//!   frame-inject --serve [--netns NS] [--mtu N] IFNAME   (requests "CLASS COUNT SEED [START]"
//!                                                        on stdin, one counts line each)
//!   frame-inject --list
//!
//! Frame I of CLASS under SEED is a pure function of (SEED, CLASS, I, MTU): `--start I` with
//! COUNT 1 and `--print` regenerates a single frame (as hex, on stdout, instead of sending it
//! when IFNAME is "-"), which is what a reproducer needs.
//!
//! Output: one line `class=C sent=N ok=K einval=E emsgsize=M other=O bytes=B usecs=U`, where
//! `ok` counts the sends the kernel accepted (runts below 14 bytes get EINVAL from
//! dev_validate_header, frames above the MTU get EMSGSIZE; both are expected).

use std::ffi::CString;
use std::io::Write;
use std::time::Instant;

/// splitmix64: small, fast, and enough for reproducible structure-aware garbage.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, class: usize, i: u64) -> Rng {
        let mut r = Rng(seed
            ^ (class as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Uniform in lo..=hi.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }
    fn u8(&mut self) -> u8 {
        self.next() as u8
    }
    fn u16(&mut self) -> u16 {
        self.next() as u16
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.u8()).collect()
    }
    /// 0..n random bytes.
    fn bytes_below(&mut self, n: usize) -> Vec<u8> {
        let k = self.below(n);
        self.bytes(k)
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

// Addresses of the base frames: fixed, so that the suite can install exact flows for them.
const DST_MAC: [u8; 6] = [0x02, 0x52, 0x33, 0, 0, 0x02];
const SRC_MAC: [u8; 6] = [0x02, 0x52, 0x33, 0, 0, 0x01];
const IP4_SRC: [u8; 4] = [10, 3, 0, 1];
const IP4_DST: [u8; 4] = [10, 3, 0, 2];
const IP6_SRC: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const IP6_DST: [u8; 16] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

const ETH_IP: u16 = 0x0800;
const ETH_ARP: u16 = 0x0806;
const ETH_IPV6: u16 = 0x86dd;
const ETH_8021Q: u16 = 0x8100;
const ETH_8021AD: u16 = 0x88a8;
const ETH_MPLS_UC: u16 = 0x8847;
const ETH_MPLS_MC: u16 = 0x8848;

const P_ICMP: u8 = 1;
const P_TCP: u8 = 6;
const P_UDP: u8 = 17;
const P_SCTP: u8 = 132;
const P_ICMPV6: u8 = 58;
// IPv6 extension headers.
const NH_HOP: u8 = 0;
const NH_ROUTING: u8 = 43;
const NH_FRAGMENT: u8 = 44;
const NH_ESP: u8 = 50;
const NH_AUTH: u8 = 51;
const NH_NONE: u8 = 59;
const NH_DEST: u8 = 60;

fn be16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}

fn csum(b: &[u8]) -> u16 {
    let mut s: u32 = 0;
    for c in b.chunks(2) {
        s += u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0));
    }
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

fn eth(ethertype: u16) -> Vec<u8> {
    let mut v = Vec::with_capacity(128);
    v.extend_from_slice(&DST_MAC);
    v.extend_from_slice(&SRC_MAC);
    be16(&mut v, ethertype);
    v
}

/// An IPv4 header with arbitrary (possibly bogus) fields and a correct header checksum
/// over its first max(20, ihl*4) bytes.
#[allow(clippy::too_many_arguments)]
fn ipv4_hdr(ihl: u8, tot_len: u16, frag: u16, proto: u8, opts: &[u8]) -> Vec<u8> {
    let mut h = vec![0x40 | (ihl & 0xf), 0];
    be16(&mut h, tot_len);
    be16(&mut h, 0x1234);
    be16(&mut h, frag);
    h.push(64);
    h.push(proto);
    be16(&mut h, 0);
    h.extend_from_slice(&IP4_SRC);
    h.extend_from_slice(&IP4_DST);
    h.extend_from_slice(opts);
    let c = csum(&h);
    h[10..12].copy_from_slice(&c.to_be_bytes());
    h
}

fn ipv4(proto: u8, l4: &[u8]) -> Vec<u8> {
    let mut h = ipv4_hdr(5, (20 + l4.len()) as u16, 0, proto, &[]);
    h.extend_from_slice(l4);
    h
}

fn ipv6_hdr(nexthdr: u8, plen: u16) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    be16(&mut h, plen);
    h.push(nexthdr);
    h.push(64);
    h.extend_from_slice(&IP6_SRC);
    h.extend_from_slice(&IP6_DST);
    h
}

fn ipv6(nexthdr: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = ipv6_hdr(nexthdr, payload.len() as u16);
    h.extend_from_slice(payload);
    h
}

fn tcp(payload: &[u8]) -> Vec<u8> {
    let mut t = Vec::new();
    be16(&mut t, 40000);
    be16(&mut t, 80);
    t.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02]); // seq 1, doff 5, SYN
    be16(&mut t, 8192);
    t.extend_from_slice(&[0, 0, 0, 0]);
    t.extend_from_slice(payload);
    t
}

fn udp(payload: &[u8]) -> Vec<u8> {
    let mut u = Vec::new();
    be16(&mut u, 5000);
    be16(&mut u, 6000);
    be16(&mut u, (8 + payload.len()) as u16);
    be16(&mut u, 0);
    u.extend_from_slice(payload);
    u
}

fn icmp_echo(payload: &[u8]) -> Vec<u8> {
    let mut i = vec![8, 0, 0, 0, 0x12, 0x34, 0, 1];
    i.extend_from_slice(payload);
    let c = csum(&i);
    i[2..4].copy_from_slice(&c.to_be_bytes());
    i
}

fn sctp(payload: &[u8]) -> Vec<u8> {
    let mut s = Vec::new();
    be16(&mut s, 7000);
    be16(&mut s, 7001);
    s.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]); // vtag, crc32c (unchecked)
    s.extend_from_slice(&[0, 3]); // DATA chunk, flags B|E
    be16(&mut s, (16 + payload.len()) as u16);
    s.extend_from_slice(&[0; 12]); // tsn, stream, ssn, ppid
    s.extend_from_slice(payload);
    s
}

/// ICMPv6 neighbour solicitation (135) or advertisement (136) with a link-layer option.
fn icmpv6_nd(ty: u8) -> Vec<u8> {
    let mut i = vec![ty, 0, 0, 0];
    i.extend_from_slice(if ty == 136 { &[0x60, 0, 0, 0] } else { &[0, 0, 0, 0] });
    i.extend_from_slice(&IP6_DST);
    i.push(if ty == 136 { 2 } else { 1 });
    i.push(1);
    i.extend_from_slice(&SRC_MAC);
    i
}

fn arp() -> Vec<u8> {
    let mut a = vec![0, 1, 8, 0, 6, 4, 0, 1];
    a.extend_from_slice(&SRC_MAC);
    a.extend_from_slice(&IP4_SRC);
    a.extend_from_slice(&[0; 6]);
    a.extend_from_slice(&IP4_DST);
    a
}

fn vlan_tag(v: &mut Vec<u8>, tpid: u16, tci: u16) {
    be16(v, tpid);
    be16(v, tci);
}

/// The valid base frames, by index: with `payload` after the L4 header (none for ARP and ND,
/// whose keys would change with trailing bytes).
const N_BASE: usize = 13;
const BASE_NAMES: [&str; N_BASE] = [
    "arp", "ipv4-tcp", "ipv4-udp", "ipv4-icmp", "ipv4-sctp", "ipv6-tcp", "ipv6-udp",
    "ipv6-icmpv6-ns", "ipv6-icmpv6-na", "vlan-ipv4-udp", "qinq-ipv4-tcp", "vlan-arp",
    "vlan-ipv6-udp",
];

fn base(b: usize, payload: &[u8]) -> Vec<u8> {
    let l3 = |proto: u8| -> (u16, Vec<u8>) {
        match proto {
            P_TCP => (ETH_IP, ipv4(P_TCP, &tcp(payload))),
            P_UDP => (ETH_IP, ipv4(P_UDP, &udp(payload))),
            P_ICMP => (ETH_IP, ipv4(P_ICMP, &icmp_echo(payload))),
            _ => (ETH_IP, ipv4(P_SCTP, &sctp(payload))),
        }
    };
    let (tags, ethertype, body): (&[(u16, u16)], u16, Vec<u8>) = match b {
        0 => (&[], ETH_ARP, arp()),
        1 => (&[], l3(P_TCP).0, l3(P_TCP).1),
        2 => (&[], l3(P_UDP).0, l3(P_UDP).1),
        3 => (&[], l3(P_ICMP).0, l3(P_ICMP).1),
        4 => (&[], l3(P_SCTP).0, l3(P_SCTP).1),
        5 => (&[], ETH_IPV6, ipv6(P_TCP, &tcp(payload))),
        6 => (&[], ETH_IPV6, ipv6(P_UDP, &udp(payload))),
        7 => (&[], ETH_IPV6, ipv6(P_ICMPV6, &icmpv6_nd(135))),
        8 => (&[], ETH_IPV6, ipv6(P_ICMPV6, &icmpv6_nd(136))),
        9 => (&[(ETH_8021Q, 0x0064)], ETH_IP, ipv4(P_UDP, &udp(payload))),
        10 => (&[(ETH_8021AD, 0x00c8), (ETH_8021Q, 0x0064)], ETH_IP, ipv4(P_TCP, &tcp(payload))),
        11 => (&[(ETH_8021Q, 0x2064)], ETH_ARP, arp()),
        _ => (&[(ETH_8021Q, 0x0065)], ETH_IPV6, ipv6(P_UDP, &udp(payload))),
    };
    let mut f = Vec::with_capacity(64 + body.len());
    f.extend_from_slice(&DST_MAC);
    f.extend_from_slice(&SRC_MAC);
    for &(tpid, tci) in tags {
        vlan_tag(&mut f, tpid, tci);
    }
    be16(&mut f, ethertype);
    f.extend_from_slice(&body);
    f
}

/// A random L4 header (with a little payload) for an IPv4/IPv6 protocol number.
fn l4_for(r: &mut Rng, proto: u8) -> Vec<u8> {
    let p = r.bytes_below(16);
    match proto {
        P_TCP => tcp(&p),
        P_UDP => udp(&p),
        P_ICMP => icmp_echo(&p),
        P_SCTP => sctp(&p),
        P_ICMPV6 => {
            if r.chance(50) {
                icmpv6_nd(r.pick(&[135, 136]))
            } else {
                let mut i = vec![r.u8(), r.u8(), 0, 0];
                i.extend_from_slice(&p);
                i
            }
        }
        _ => p,
    }
}

fn cut(f: &mut Vec<u8>, len: usize) {
    f.truncate(len.max(14));
}

struct Ctx {
    /// The largest frame the injecting device takes: MTU + 14.
    max_len: usize,
    /// (base index, length) for every truncation point of every base frame.
    trunc_points: Vec<(usize, usize)>,
}

impl Ctx {
    fn new(mtu: usize) -> Ctx {
        let mut trunc_points = Vec::new();
        for b in 0..N_BASE {
            let full = base(b, &[0xa5; 8]).len();
            for len in 14..full {
                trunc_points.push((b, len));
            }
        }
        Ctx { max_len: mtu + 14, trunc_points }
    }
}

/// Valid base frames, unmodified headers, random payload: some configurations have exact flows
/// for them.
fn gen_valid(r: &mut Rng, _c: &Ctx, i: u64) -> Vec<u8> {
    let b = (i % N_BASE as u64) as usize;
    let n = r.below(33);
    base(b, &r.bytes(n))
}

/// Every base frame cut at every offset from 14 bytes up (first pass exact; later passes
/// randomize the bytes after the cut point's header fields a little).
fn gen_trunc(r: &mut Rng, c: &Ctx, i: u64) -> Vec<u8> {
    let n = c.trunc_points.len() as u64;
    let (b, len) = c.trunc_points[(i % n) as usize];
    let mut f = base(b, &[0xa5; 8]);
    if i >= n && len > 14 {
        // Later passes: one random byte somewhere in the kept part, past the MAC addresses.
        let at = r.range(12, len - 1);
        f[at] = r.u8();
    }
    f.truncate(len);
    f
}

/// Bad IPv4 headers: IHL 0..4 and beyond the frame, bad total lengths, fragments.
fn gen_ipv4(r: &mut Rng, _c: &Ctx, _i: u64) -> Vec<u8> {
    let any = r.u8();
    let proto = r.pick(&[P_TCP, P_UDP, P_ICMP, P_SCTP, P_TCP, P_UDP, any]);
    let l4 = l4_for(r, proto);
    let good_len = (20 + l4.len()) as u16;
    let mut f = eth(ETH_IP);
    match r.below(12) {
        0 => {
            // IHL 0..4.
            let ihl = r.below(5) as u8;
            f.extend(ipv4_hdr(ihl, good_len, 0, proto, &[]));
            f.extend(&l4);
        }
        1 => {
            // IHL 6..15, the frame ending inside the options.
            let ihl = r.range(6, 15);
            let opts = r.bytes(ihl * 4 - 20);
            f.extend(ipv4_hdr(ihl as u8, (ihl * 4 + l4.len()) as u16, 0, proto, &opts));
            let keep = 14 + r.range(20, ihl * 4 - 1);
            f.truncate(keep);
        }
        2 => {
            // IHL 6..15 with random option bytes, the L4 header after them.
            let ihl = r.range(6, 15);
            let opts = r.bytes(ihl * 4 - 20);
            f.extend(ipv4_hdr(ihl as u8, (ihl * 4 + l4.len()) as u16, 0, proto, &opts));
            f.extend(&l4);
        }
        3 => {
            f.extend(ipv4_hdr(5, 0, 0, proto, &[]));
            f.extend(&l4);
        }
        4 => {
            let tl = r.range(1, 19) as u16;
            f.extend(ipv4_hdr(5, tl, 0, proto, &[]));
            f.extend(&l4);
        }
        5 => {
            // Total length beyond the frame.
            let tl = good_len + r.range(1, 2000) as u16;
            f.extend(ipv4_hdr(5, tl, 0, proto, &[]));
            f.extend(&l4);
        }
        6 => {
            f.extend(ipv4_hdr(5, 0xffff, 0, proto, &[]));
            f.extend(&l4);
        }
        7 => {
            // First fragment: offset 0, MF.
            f.extend(ipv4_hdr(5, good_len, 0x2000, proto, &[]));
            f.extend(&l4);
        }
        8 => {
            // A later fragment (offset > 0), with or without MF, garbage where L4 would be.
            let off = r.range(1, 0x1fff) as u16;
            let mf = if r.chance(50) { 0x2000 } else { 0 };
            f.extend(ipv4_hdr(5, good_len, mf | off, proto, &[]));
            f.extend(r.bytes(l4.len()));
        }
        9 => {
            // First fragment whose L4 header is cut short.
            f.extend(ipv4_hdr(5, good_len, 0x2000 | if r.chance(30) { 0x4000 } else { 0 },
                              proto, &[]));
            f.extend(&l4[..r.below(l4.len().clamp(1, 8))]);
        }
        10 => {
            // Not version 4.
            let mut h = ipv4_hdr(5, good_len, 0, proto, &[]);
            h[0] = (r.u8() & 0xf0) | 5;
            f.extend(h);
            f.extend(&l4);
        }
        _ => {
            // Everything random but the checksum.
            let ihl = r.below(16) as u8;
            let mut h = ipv4_hdr(ihl, r.u16(), r.u16(), proto, &[]);
            h[1] = r.u8();
            f.extend(h);
            f.extend(r.bytes_below(64));
        }
    }
    f
}

/// Bad IPv6 payload lengths, fragments, truncated and non-v6 headers.
fn gen_ipv6(r: &mut Rng, _c: &Ctx, _i: u64) -> Vec<u8> {
    let any = r.u8();
    let proto = r.pick(&[P_TCP, P_UDP, P_ICMPV6, P_SCTP, any]);
    let l4 = l4_for(r, proto);
    let mut f = eth(ETH_IPV6);
    match r.below(11) {
        0 => {
            f.extend(ipv6_hdr(proto, 0));
            f.extend(&l4);
        }
        1 => {
            f.extend(ipv6_hdr(proto, r.below(l4.len().max(1)) as u16));
            f.extend(&l4);
        }
        2 => {
            f.extend(ipv6_hdr(proto, (l4.len() + r.range(1, 3000)) as u16));
            f.extend(&l4);
        }
        3 => {
            f.extend(ipv6_hdr(proto, 0xffff));
            f.extend(&l4);
        }
        4 | 5 | 6 => {
            // A fragment header: first (offset 0, M), later (offset > 0), atomic (0, no M).
            let v = r.below(3);
            let off: u16 = if v == 1 { (r.range(1, 0x1fff) as u16) << 3 } else { 0 };
            let m: u16 = if v == 2 { 0 } else { 1 };
            let mut p = vec![proto, 0];
            be16(&mut p, off | m);
            p.extend_from_slice(&r.next().to_be_bytes()[..4]);
            if v == 1 {
                p.extend(r.bytes(l4.len()));
            } else {
                p.extend(&l4);
            }
            f.extend(ipv6(NH_FRAGMENT, &p));
        }
        7 => {
            let mut h = ipv6(proto, &l4);
            h[0] = (r.u8() & 0xf0) | (h[0] & 0xf);
            f.extend(h);
        }
        8 => {
            // The IPv6 header itself cut short.
            f.extend(ipv6(proto, &l4));
            let keep = 14 + r.range(1, 39);
            f.truncate(keep);
        }
        9 => {
            let nh = r.u8();
            f.extend(ipv6(nh, &r.bytes_below(80)));
        }
        _ => {
            // Hop-by-hop jumbo payload option with payload length 0 (and a bogus jumbo length).
            let mut p = vec![proto, 0, 0xc2, 4];
            p.extend_from_slice(&(r.next() as u32).to_be_bytes());
            p.extend(&l4);
            f.extend(ipv6_hdr(NH_HOP, 0));
            f.extend(p);
        }
    }
    f
}

/// One IPv6 extension header of type `ty` followed by `next`; `units` sets its length.
fn ext_hdr(r: &mut Rng, ty: u8, next: u8, units: usize) -> Vec<u8> {
    match ty {
        NH_FRAGMENT => {
            let mut h = vec![next, 0];
            let off = if r.chance(20) { (r.range(1, 0x1fff) as u16) << 3 } else { 0 };
            be16(&mut h, off | r.below(2) as u16);
            h.extend_from_slice(&r.next().to_be_bytes()[..4]);
            h
        }
        NH_AUTH => {
            // Length in 4-byte units, minus 2.
            let n = (units + 1) * 8;
            let mut h = vec![next, (n / 4 - 2) as u8];
            h.extend(r.bytes(n - 2));
            h
        }
        _ => {
            let n = (units + 1) * 8;
            let mut h = vec![next, units as u8];
            if ty == NH_ROUTING {
                let any = r.u8();
                let ty = r.pick(&[0, 2, 3, 4, any]);
                let left = r.below(4) as u8;
                h.extend_from_slice(&[ty, left]);
                h.extend(r.bytes(n - 4));
            } else {
                // Options: PadN covering the rest, or random TLVs.
                if r.chance(70) {
                    h.extend_from_slice(&[1, (n - 4) as u8]);
                    h.extend(vec![0; n - 4]);
                } else {
                    h.extend(r.bytes(n - 2));
                }
            }
            h
        }
    }
}

/// Long, looping and over-long IPv6 extension-header chains.
fn gen_exthdr(r: &mut Rng, c: &Ctx, _i: u64) -> Vec<u8> {
    let kinds = [NH_HOP, NH_ROUTING, NH_FRAGMENT, NH_DEST, NH_AUTH];
    let any = r.u8();
    let upper = r.pick(&[P_TCP, P_UDP, P_ICMPV6, NH_NONE, NH_ESP, any]);
    let room = c.max_len.min(if r.chance(80) { 1514 } else { c.max_len }) - 14 - 40 - 32;
    let variant = r.below(6);
    let (n, units_max) = match variant {
        0 => (r.range(1, 12), 3),          // long-ish, varied
        1 => (r.range(8, 64), 0),          // looping: one type again and again
        2 => (room / 8, 0),                // as many as fit: beyond any sane limit
        3 => (r.range(1, 8), 31),          // big headers, one length beyond the frame
        4 => (r.range(1, 40), 1),          // cut in the middle of the chain
        _ => (r.range(2, 20), 1),          // a later fragment inside the chain
    };
    let looped = r.pick(&kinds);
    let mut types: Vec<u8> = (0..n)
        .map(|_| if variant == 1 || variant == 2 && r.chance(50) { looped } else { r.pick(&kinds) })
        .collect();
    if variant == 5 {
        let at = r.below(n);
        types[at] = NH_FRAGMENT;
    }
    let mut chain = Vec::new();
    for k in 0..n {
        let next = if k + 1 < n { types[k + 1] } else { upper };
        let units = r.range(0, units_max);
        let mut h = ext_hdr(r, types[k], next, units);
        if variant == 5 && types[k] == NH_FRAGMENT {
            h[2] = 0x10; // offset 128, a later fragment
        }
        if chain.len() + h.len() > room {
            break;
        }
        chain.extend(h);
    }
    if variant == 3 && chain.len() > 8 {
        // Point one header's length past the end of the frame.
        chain[1] = 0xff;
    }
    if let P_TCP | P_UDP | P_ICMPV6 = upper {
        chain.extend(l4_for(r, upper));
    }
    let mut f = eth(ETH_IPV6);
    f.extend(ipv6(types[0], &chain));
    if variant == 4 {
        let keep = r.range(14 + 40, f.len());
        f.truncate(keep);
    }
    f
}

/// VLAN stacks of 3..N tags (the datapath parses two).
fn gen_vlan(r: &mut Rng, c: &Ctx, _i: u64) -> Vec<u8> {
    let lim = (c.max_len.min(1514) - 60) / 4;
    let ntags = if r.chance(70) { r.range(3, 8) } else { r.range(3, lim) };
    let mut f = Vec::new();
    f.extend_from_slice(&DST_MAC);
    f.extend_from_slice(&SRC_MAC);
    for _ in 0..ntags {
        let tpid = r.pick(&[ETH_8021Q, ETH_8021AD, ETH_8021Q, 0x9100]);
        vlan_tag(&mut f, tpid, r.u16());
    }
    match r.below(5) {
        0 => {
            be16(&mut f, ETH_IP);
            f.extend(ipv4(P_UDP, &udp(&r.bytes(8))));
        }
        1 => {
            be16(&mut f, ETH_IPV6);
            f.extend(ipv6(P_TCP, &tcp(&[])));
        }
        2 => {
            be16(&mut f, ETH_ARP);
            f.extend(arp());
        }
        3 => {
            be16(&mut f, ETH_MPLS_UC);
            f.extend_from_slice(&[0, 0x01, 0x01, 0x40]); // label 16, BOS
            f.extend(ipv4(P_UDP, &udp(&[])));
        }
        _ => {
            be16(&mut f, r.u16());
            f.extend(r.bytes_below(40));
        }
    }
    if r.chance(25) {
        let keep = r.range(14, f.len());
        cut(&mut f, keep);
    }
    f
}

/// MPLS label stacks, mostly without bottom-of-stack for many labels.
fn gen_mpls(r: &mut Rng, c: &Ctx, _i: u64) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&DST_MAC);
    f.extend_from_slice(&SRC_MAC);
    for _ in 0..r.pick(&[0, 0, 0, 1, 2]) {
        vlan_tag(&mut f, ETH_8021Q, r.u16() & 0x0fff);
    }
    be16(&mut f, r.pick(&[ETH_MPLS_UC, ETH_MPLS_MC]));
    let room = (c.max_len.min(if r.chance(90) { 1514 } else { c.max_len }) - f.len()) / 4;
    let n = if r.chance(60) { r.range(1, 16) } else { r.range(16, room) };
    let bos_at = match r.below(3) {
        0 => None,
        1 => Some(n - 1),
        _ => Some(r.below(n)),
    };
    for k in 0..n {
        let label = r.next() as u32 & 0xfffff;
        let bos = u32::from(bos_at == Some(k));
        let lse = label << 12 | (r.below(8) as u32) << 9 | bos << 8 | 64;
        f.extend_from_slice(&lse.to_be_bytes());
    }
    match r.below(4) {
        0 => f.extend(ipv4(P_UDP, &udp(&[]))),
        1 => f.extend(ipv6(P_UDP, &udp(&[]))),
        2 => f.extend(r.bytes_below(32)),
        _ => {}
    }
    if r.chance(20) {
        let keep = r.range(14, f.len());
        cut(&mut f, keep);
    }
    f
}

/// Frames of 0..=20 bytes: below 14 the kernel refuses them at send (EINVAL); 14 exactly is
/// a bare Ethernet header.
fn gen_runt(r: &mut Rng, _c: &Ctx, i: u64) -> Vec<u8> {
    let len = (i % 21) as usize;
    let any = r.u16();
    let mut f = eth(r.pick(&[ETH_IP, ETH_IPV6, ETH_ARP, ETH_8021Q, ETH_8021AD, ETH_MPLS_UC, any]));
    if r.chance(30) {
        f[..6].copy_from_slice(&r.bytes(6));
    }
    f.extend(r.bytes(8));
    f.truncate(len);
    f
}

/// Frames from 1515 bytes up to the MTU (and a few bytes beyond, which the kernel refuses
/// with EMSGSIZE), valid or with bogus length fields.
fn gen_jumbo(r: &mut Rng, c: &Ctx, _i: u64) -> Vec<u8> {
    let target = if r.chance(10) {
        c.max_len + r.range(1, 8)
    } else if r.chance(20) {
        c.max_len
    } else {
        r.range(1515.min(c.max_len), c.max_len)
    };
    let b = r.pick(&[1, 2, 4, 5, 6, 9, 10, 12]);
    let hdr = base(b, &[]).len();
    let mut f = base(b, &r.bytes(target.saturating_sub(hdr)));
    if r.chance(30) {
        // Bogus IP length fields: find the L3 header after the tags.
        let mut off = 12;
        while off + 2 <= f.len() && matches!(u16::from_be_bytes([f[off], f[off + 1]]),
                                             ETH_8021Q | ETH_8021AD) {
            off += 4;
        }
        let l3 = off + 2;
        let any = r.u16();
        let bogus = r.pick(&[0, 1, 0xffff, any]);
        if f.get(l3).map(|v| v >> 4) == Some(4) {
            f[l3 + 2..l3 + 4].copy_from_slice(&bogus.to_be_bytes());
        } else if l3 + 6 <= f.len() {
            f[l3 + 4..l3 + 6].copy_from_slice(&bogus.to_be_bytes());
        }
    }
    f
}

/// A valid prefix (a base frame cut anywhere) followed by random bytes.
fn gen_random(r: &mut Rng, c: &Ctx, _i: u64) -> Vec<u8> {
    let b = r.below(N_BASE);
    let mut f = base(b, &r.bytes_below(16));
    let keep = r.range(14, f.len());
    f.truncate(keep);
    let max = if r.chance(95) { 1514 } else { c.max_len };
    let cap = if r.chance(80) { 96 } else { 9000 };
    let extra = r.below(max.saturating_sub(keep).min(cap) + 1);
    f.extend(r.bytes(extra));
    f
}

type Gen = fn(&mut Rng, &Ctx, u64) -> Vec<u8>;
const CLASSES: [(&str, Gen); 10] = [
    ("valid", gen_valid),
    ("trunc", gen_trunc),
    ("ipv4", gen_ipv4),
    ("ipv6", gen_ipv6),
    ("exthdr", gen_exthdr),
    ("vlan", gen_vlan),
    ("mpls", gen_mpls),
    ("runt", gen_runt),
    ("jumbo", gen_jumbo),
    ("random", gen_random),
];

fn die(msg: &str) -> ! {
    eprintln!("frame-inject: {msg}");
    std::process::exit(2);
}

fn open_packet_socket(ifname: &str) -> i32 {
    let c = CString::new(ifname).unwrap_or_else(|_| die("bad interface name"));
    // SAFETY: c is a valid NUL-terminated string.
    let ifindex = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if ifindex == 0 {
        die(&format!("no interface {ifname}"));
    }
    // Protocol 0: this socket sends only, it receives nothing.
    // SAFETY: plain socket(2) call.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
    if fd < 0 {
        die(&format!("socket: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_ifindex = ifindex as i32;
    // SAFETY: sll is a properly initialized sockaddr_ll of the size passed.
    let rc = unsafe {
        libc::bind(fd, &sll as *const libc::sockaddr_ll as *const libc::sockaddr,
                   std::mem::size_of::<libc::sockaddr_ll>() as u32)
    };
    if rc < 0 {
        die(&format!("bind {ifname}: {}", std::io::Error::last_os_error()));
    }
    let sz: i32 = 4 << 20;
    // SAFETY: sz outlives the call; the option value size is that of an int.
    unsafe {
        libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_SNDBUFFORCE,
                         &sz as *const i32 as *const libc::c_void, 4);
    }
    fd
}

fn enter_netns(name: &str) {
    let path = format!("/run/netns/{name}");
    let f = std::fs::File::open(&path).unwrap_or_else(|e| die(&format!("{path}: {e}")));
    use std::os::fd::AsRawFd;
    // SAFETY: f is an open namespace file for the duration of the call.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } < 0 {
        die(&format!("setns {path}: {}", std::io::Error::last_os_error()));
    }
}

/// Generates (and, with a socket, sends) frames start..start+count of a class; prints the
/// counts line.
fn run(out: &mut impl Write, fd: i32, ctx: &Ctx, class: &str, start: u64, count: u64, seed: u64,
       print: bool) -> bool {
    let Some((ci, gen)) = CLASSES
        .iter()
        .enumerate()
        .find(|(_, (n, _))| *n == class)
        .map(|(i, (_, g))| (i, *g))
    else {
        let _ = writeln!(out, "error unknown class {class} (see --list)");
        return false;
    };
    let (mut ok, mut einval, mut emsgsize, mut other, mut bytes) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let t0 = Instant::now();
    for i in start..start + count {
        let mut r = Rng::new(seed, ci, i);
        let f = gen(&mut r, ctx, i);
        if print {
            let hex: String = f.iter().map(|b| format!("{b:02x}")).collect();
            let _ = writeln!(out, "{class} {i} {} {hex}", f.len());
        }
        if fd < 0 {
            continue;
        }
        // SAFETY: f is a live buffer of f.len() bytes.
        let n = unsafe { libc::send(fd, f.as_ptr() as *const libc::c_void, f.len(), 0) };
        if n >= 0 {
            ok += 1;
            bytes += f.len() as u64;
        } else {
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::EINVAL) => einval += 1,
                Some(libc::EMSGSIZE) => emsgsize += 1,
                e => {
                    other += 1;
                    if other <= 3 {
                        eprintln!("frame-inject: {class} frame {i}: send: errno {e:?}");
                    }
                }
            }
        }
    }
    let us = t0.elapsed().as_micros();
    let _ = writeln!(out, "class={class} sent={count} ok={ok} einval={einval} emsgsize={emsgsize} \
                           other={other} bytes={bytes} usecs={us}");
    let _ = out.flush();
    true
}

fn num(v: &str, what: &str) -> u64 {
    v.parse().unwrap_or_else(|_| die(&format!("bad {what} {v}")))
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut mtu = 1500usize;
    let mut start = 0u64;
    let mut print = false;
    let mut serve = false;
    let mut pos = Vec::new();
    while !args.is_empty() {
        let a = args.remove(0);
        match a.as_str() {
            "--list" => {
                for (name, _) in CLASSES {
                    println!("{name}");
                }
                println!("# base frames: {}", BASE_NAMES.join(" "));
                return;
            }
            "--mtu" if !args.is_empty() => mtu = num(&args.remove(0), "--mtu") as usize,
            "--start" if !args.is_empty() => start = num(&args.remove(0), "--start"),
            "--netns" if !args.is_empty() => enter_netns(&args.remove(0)),
            "--print" => print = true,
            "--serve" => serve = true,
            _ => pos.push(a),
        }
    }
    let ctx = Ctx::new(mtu.max(1500));
    let out = std::io::stdout();
    let mut out = out.lock();
    if serve {
        // One request per stdin line: "CLASS COUNT SEED [START]"; one counts line each.
        if pos.len() != 1 {
            die("usage: frame-inject --serve [--netns NS] [--mtu N] IFNAME");
        }
        let fd = open_packet_socket(&pos[0]);
        for line in std::io::stdin().lines() {
            let line = line.unwrap_or_default();
            let w: Vec<&str> = line.split_whitespace().collect();
            if w.len() < 3 {
                let _ = writeln!(out, "error bad request {line:?}");
                let _ = out.flush();
                continue;
            }
            let st = w.get(3).map_or(0, |v| num(v, "START"));
            run(&mut out, fd, &ctx, w[0], st, num(w[1], "COUNT"), num(w[2], "SEED"), false);
        }
        return;
    }
    if pos.len() != 4 {
        die("usage: frame-inject [--netns NS] [--mtu N] [--start I] [--print] IFNAME CLASS COUNT SEED\n\
             \x20      frame-inject --serve [--netns NS] [--mtu N] IFNAME\n\
             \x20      frame-inject --list");
    }
    let fd = if pos[0] == "-" { -1 } else { open_packet_socket(&pos[0]) };
    if !run(&mut out, fd, &ctx, &pos[1], start, num(&pos[2], "COUNT"), num(&pos[3], "SEED"), print) {
        std::process::exit(2);
    }
}
