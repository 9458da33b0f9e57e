//! Set actions on packets: every target, masked and plain, under every checksum mode.
//!
//! The reference is written here from scratch: fields are written at their offsets and
//! every checksum is recomputed over the whole packet (big-endian words, a plain sum), then
//! compared with what the incremental code left. Under `CHECKSUM_COMPLETE` the kept sum must
//! fold to the sum of the frame's bytes; under `CHECKSUM_PARTIAL` the L4 field must hold the
//! folded pseudo-header sum. The flow key must equal a fresh extraction of the new frame.

use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::actions::action::{
    EthernetKey, Ipv4Key, Ipv6Key, Masked, PortsKey, SetKey, MAX_SET_KEY_LEN,
};
use ovs_rs_host::actions::csum;
use ovs_rs_host::actions::rewrite::*;
use ovs_rs_host::flow::extract::{
    extract, Layout, PacketMeta, ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, IPPROTO_ICMP,
    IPPROTO_ICMPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP,
};
use ovs_rs_host::flow::key::{field as kf, FlowKey};

mod common;
use common::tagged;

const MODES: [CsumMode; 4] = [
    CsumMode::None,
    CsumMode::Unnecessary,
    CsumMode::Partial,
    CsumMode::Complete,
];

/// What `complete` is set to when it is not meaningful: it must stay untouched.
const SENTINEL: u32 = 0xdead_beef;

// ---- Arithmetic from scratch ----------------------------------------------------------------

/// The 16-bit ones-complement sum of `b` as big-endian words (odd tail padded).
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

/// Equal as ones-complement numbers (0 and 0xffff are both zero).
fn same(a: u16, b: u16) -> bool {
    a % 0xffff == b % 0xffff
}

/// `Csum::complete` (native `__wsum`) as a big-endian 16-bit sum.
fn complete_be(c: u32) -> u16 {
    u16::from_be_bytes(csum::fold(c).to_ne_bytes())
}

/// A `__wsum` for a big-endian 16-bit sum, padded with `spin` multiples of 0xffff so that it
/// is not in canonical form.
fn wsum_of(sum_be: u16, spin: u32) -> u32 {
    let native = u32::from(u16::from_ne_bytes(sum_be.to_be_bytes()));
    csum::csum_add(native, 0xffff_u32.wrapping_mul(spin % 0x10001))
}

fn be16_at(f: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([f[at], f[at + 1]])
}

// ---- Frames ---------------------------------------------------------------------------------

const V4_SRC: [u8; 4] = [192, 0, 2, 1];
const V4_DST: [u8; 4] = [198, 51, 100, 7];

fn v6_addr(last: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    a[7] = 0x5a;
    a[11] = 0xc3;
    a[15] = last;
    a
}

fn v4(tags: &[(u16, u16)], proto: u8, frag: u16, opts: &[u8], l4: &[u8]) -> Vec<u8> {
    let ihl = (20 + opts.len()) / 4;
    let mut h = vec![0x40 | ihl as u8, 0x2d, 0, 0, 0x12, 0x34];
    h.extend_from_slice(&frag.to_be_bytes());
    h.extend_from_slice(&[64, proto, 0, 0]);
    h.extend_from_slice(&V4_SRC);
    h.extend_from_slice(&V4_DST);
    h.extend_from_slice(opts);
    let total = (h.len() + l4.len()) as u16;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h.extend_from_slice(l4);
    tagged(tags, ETH_P_IP, &h)
}

/// IPv6 with traffic class 0xb8, flow label 0x12345, hop limit 255; `ext` is the extension
/// header chain (its first header is `next`), `l4` what follows it.
fn v6(tags: &[(u16, u16)], next: u8, ext: &[u8], l4: &[u8]) -> Vec<u8> {
    let mut h = vec![0x6b, 0x81, 0x23, 0x45];
    h.extend_from_slice(&((ext.len() + l4.len()) as u16).to_be_bytes());
    h.push(next);
    h.push(255);
    h.extend_from_slice(&v6_addr(1));
    h.extend_from_slice(&v6_addr(2));
    h.extend_from_slice(ext);
    h.extend_from_slice(l4);
    tagged(tags, ETH_P_IPV6, &h)
}

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 37 + 11) as u8).collect()
}

fn tcp(sport: u16, dport: u16, data: usize) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&sport.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0x10, 0x01, 0, 0, 0, 0x2a]);
    t.extend_from_slice(&[0x50, 0x18, 0x01, 0xf6, 0, 0, 0, 0]);
    t.extend_from_slice(&payload(data));
    t
}

fn udp(sport: u16, dport: u16, data: usize) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + data) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(&payload(data));
    u
}

fn icmp6_echo(data: usize) -> Vec<u8> {
    let mut m = vec![128, 0, 0, 0, 0x12, 0x34, 0, 1];
    m.extend_from_slice(&payload(data));
    m
}

fn key_of(frame: &[u8]) -> (FlowKey, Layout) {
    let mut key = FlowKey::default();
    let meta = PacketMeta {
        in_port: 2,
        priority: 7,
        skb_mark: 9,
        ..Default::default()
    };
    let layout = extract(frame, &meta, &mut key);
    (key, layout)
}

/// Where the packet's checksum fields are: the IPv4 header's, and the L4 one with its
/// protocol.
struct Fields {
    ip_check: Option<usize>,
    l4_check: Option<(usize, u8)>,
    is_v6: bool,
    l3: usize,
    l4: Option<usize>,
}

fn fields_of(frame: &[u8]) -> Fields {
    let (key, l) = key_of(frame);
    let et = key.be16(kf::ETH_TYPE);
    let is_v6 = et == ETH_P_IPV6;
    let ip_check = (et == ETH_P_IP && frame.len() >= l.l3 + 20).then_some(l.l3 + 10);
    let proto = key.u8_at(kf::IP_PROTO);
    let l4_check = l.l4.and_then(|l4| {
        let at = match proto {
            IPPROTO_TCP => 16,
            IPPROTO_UDP => 6,
            IPPROTO_ICMPV6 if is_v6 => 2,
            _ => return None,
        };
        (frame.len() >= l4 + at + 2).then_some((l4 + at, proto))
    });
    Fields {
        ip_check,
        l4_check,
        is_v6,
        l3: l.l3,
        l4: l.l4,
    }
}

/// The folded pseudo-header sum (big-endian) for the L4 segment at `l4`.
fn pseudo_sum(frame: &[u8], f: &Fields, proto: u8) -> u16 {
    let l4 = f.l4.unwrap();
    let len = frame.len() - l4;
    let mut p = Vec::new();
    if f.is_v6 {
        p.extend_from_slice(&frame[f.l3 + 8..f.l3 + 40]);
        p.extend_from_slice(&(len as u32).to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, proto]);
    } else {
        p.extend_from_slice(&frame[f.l3 + 12..f.l3 + 20]);
        p.extend_from_slice(&[0, proto]);
        p.extend_from_slice(&(len as u16).to_be_bytes());
    }
    ref_sum(&p)
}

/// Recomputes every checksum from scratch as a packet in `mode` carries it. A zero UDP
/// checksum stays zero if `keep_zero_udp` (outside `CHECKSUM_PARTIAL`).
fn fix_checksums(frame: &mut [u8], mode: CsumMode, keep_zero_udp: bool) {
    let f = fields_of(frame);
    if let Some(at) = f.ip_check {
        let ihl = usize::from(frame[f.l3] & 0xf) * 4;
        frame[at..at + 2].fill(0);
        let c = !ref_sum(&frame[f.l3..f.l3 + ihl]);
        frame[at..at + 2].copy_from_slice(&c.to_be_bytes());
    }
    let Some((at, proto)) = f.l4_check else {
        return;
    };
    let pseudo = pseudo_sum(frame, &f, proto);
    if mode == CsumMode::Partial {
        frame[at..at + 2].copy_from_slice(&pseudo.to_be_bytes());
        return;
    }
    if proto == IPPROTO_UDP && keep_zero_udp && be16_at(frame, at) == 0 {
        return;
    }
    frame[at..at + 2].fill(0);
    let seg = ref_sum(&frame[f.l4.unwrap()..]);
    let mut c = !csum16(pseudo, seg);
    if proto == IPPROTO_UDP && c == 0 {
        c = 0xffff;
    }
    frame[at..at + 2].copy_from_slice(&c.to_be_bytes());
}

fn csum16(a: u16, b: u16) -> u16 {
    let s = u32::from(a) + u32::from(b);
    ((s & 0xffff) + (s >> 16)) as u16
}

/// A frame with valid checksums for `mode` (`zero_udp`: a UDP datagram without one).
fn ready(mut frame: Vec<u8>, mode: CsumMode, zero_udp: bool) -> Vec<u8> {
    fix_checksums(&mut frame, mode, false);
    if zero_udp {
        let f = fields_of(&frame);
        if let Some((at, IPPROTO_UDP)) = f.l4_check {
            if mode != CsumMode::Partial {
                frame[at..at + 2].fill(0);
            }
        }
    }
    frame
}

/// The packets the model test runs on, with whether their UDP checksum is zero.
fn corpus() -> Vec<(&'static str, Vec<u8>, bool)> {
    let q = [(ETH_P_8021Q, 0x0064)];
    let qq = [(ETH_P_8021AD, 0x0005), (ETH_P_8021Q, 0x0064)];
    let hop = [IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0];
    let dest_then_tcp = {
        let mut e = vec![60, 0, 1, 4, 0, 0, 0, 0]; // hop-by-hop, next dest opts
        e.extend_from_slice(&[IPPROTO_TCP, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        e
    };
    // A routing header with no segments left: the header's destination is final.
    let rh0 = [IPPROTO_UDP, 0, 4, 0, 0, 0, 0, 0];
    // A first fragment: offset 0, more fragments.
    let frag_first = [IPPROTO_UDP, 0, 0x00, 0x01, 0, 0, 0, 7];
    vec![
        (
            "v4 tcp",
            v4(&[], IPPROTO_TCP, 0x4000, &[], &tcp(1234, 80, 13)),
            false,
        ),
        (
            "v4 tcp no data",
            v4(&[], IPPROTO_TCP, 0, &[], &tcp(40000, 443, 0)),
            false,
        ),
        (
            "v4 udp",
            v4(&[], IPPROTO_UDP, 0, &[], &udp(5353, 53, 21)),
            false,
        ),
        (
            "v4 udp zero",
            v4(&[], IPPROTO_UDP, 0, &[], &udp(5353, 53, 20)),
            true,
        ),
        (
            "v4 tcp vlan",
            v4(&q, IPPROTO_TCP, 0, &[], &tcp(1, 2, 5)),
            false,
        ),
        (
            "v4 udp qinq",
            v4(&qq, IPPROTO_UDP, 0, &[], &udp(67, 68, 3)),
            false,
        ),
        (
            "v4 udp opts",
            v4(&[], IPPROTO_UDP, 0, &[1, 1, 1, 0], &udp(9, 7, 2)),
            false,
        ),
        (
            "v4 first frag",
            v4(&[], IPPROTO_UDP, 0x2000, &[], &udp(9, 7, 32)),
            false,
        ),
        (
            "v4 icmp",
            v4(&[], IPPROTO_ICMP, 0, &[], &[8, 0, 0, 0, 0, 1, 0, 1]),
            false,
        ),
        (
            "v6 tcp",
            v6(&[], IPPROTO_TCP, &[], &tcp(1234, 80, 9)),
            false,
        ),
        (
            "v6 udp",
            v6(&[], IPPROTO_UDP, &[], &udp(5353, 53, 10)),
            false,
        ),
        (
            "v6 udp zero",
            v6(&[], IPPROTO_UDP, &[], &udp(5353, 53, 11)),
            true,
        ),
        (
            "v6 icmp6",
            v6(&[], IPPROTO_ICMPV6, &[], &icmp6_echo(7)),
            false,
        ),
        (
            "v6 udp vlan",
            v6(&q, IPPROTO_UDP, &[], &udp(1000, 2000, 4)),
            false,
        ),
        ("v6 hop tcp", v6(&[], 0, &hop, &tcp(22, 2222, 1)), false),
        (
            "v6 hop dest tcp",
            v6(&qq, 0, &dest_then_tcp, &tcp(22, 3, 0)),
            false,
        ),
        ("v6 rh0 udp", v6(&[], 43, &rh0, &udp(1, 2, 3)), false),
        (
            "v6 first frag",
            v6(&[], 44, &frag_first, &udp(3, 4, 16)),
            false,
        ),
        ("v6 sctp", v6(&[], IPPROTO_SCTP, &[], &udp(3, 4, 8)), false),
    ]
}

// ---- The reference rewrite -------------------------------------------------------------------

fn mask_into(dst: &mut [u8], value: &[u8], mask: &[u8]) {
    for ((d, v), m) in dst.iter_mut().zip(value).zip(mask) {
        *d = (*d & !m) | (v & m);
    }
}

/// Writes `set`'s fields into `frame` the obvious way; says whether an address or a port
/// changed.
fn ref_write(frame: &mut [u8], f: &Fields, set: &SetKey) -> bool {
    let before = frame.to_vec();
    let (at, len) = match set {
        SetKey::Ethernet(m) => {
            mask_into(&mut frame[0..6], &m.value.dst, &m.mask.dst);
            mask_into(&mut frame[6..12], &m.value.src, &m.mask.src);
            (0, 0)
        }
        SetKey::Ipv4(m) => {
            let l3 = f.l3;
            mask_into(&mut frame[l3 + 12..l3 + 16], &m.value.src, &m.mask.src);
            mask_into(&mut frame[l3 + 16..l3 + 20], &m.value.dst, &m.mask.dst);
            mask_into(&mut frame[l3 + 1..l3 + 2], &[m.value.tos], &[m.mask.tos]);
            mask_into(&mut frame[l3 + 8..l3 + 9], &[m.value.ttl], &[m.mask.ttl]);
            (l3 + 12, 8)
        }
        SetKey::Ipv6(m) => {
            let l3 = f.l3;
            mask_into(&mut frame[l3 + 8..l3 + 24], &m.value.src, &m.mask.src);
            mask_into(&mut frame[l3 + 24..l3 + 40], &m.value.dst, &m.mask.dst);
            let w = u32::from_be_bytes(frame[l3..l3 + 4].try_into().unwrap());
            let tc_mask = u32::from(m.mask.tclass) << 20;
            let tc_value = u32::from(m.value.tclass) << 20;
            let fl_mask = u32::from_be_bytes(m.mask.label);
            let fl_value = u32::from_be_bytes(m.value.label);
            let mask = tc_mask | fl_mask;
            let w = (w & !mask) | ((tc_value | fl_value) & mask);
            frame[l3..l3 + 4].copy_from_slice(&w.to_be_bytes());
            mask_into(
                &mut frame[l3 + 7..l3 + 8],
                &[m.value.hlimit],
                &[m.mask.hlimit],
            );
            (l3 + 8, 32)
        }
        SetKey::Tcp(m) | SetKey::Udp(m) => {
            let l4 = f.l4.unwrap();
            mask_into(&mut frame[l4..l4 + 2], &m.value.src, &m.mask.src);
            mask_into(&mut frame[l4 + 2..l4 + 4], &m.value.dst, &m.mask.dst);
            (l4, 4)
        }
        SetKey::Priority(_) | SetKey::SkbMark(_) => (0, 0),
        SetKey::CtMark(_) | SetKey::CtLabels(_) => unreachable!("ct sets touch no bytes"),
    };
    before[at..at + len] != frame[at..at + len]
}

// ---- Random sets ---------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A mask for an `N`-byte field: none, all, or random bits; and a value under it,
    /// sometimes the field's current value (no change).
    fn field<const N: usize>(&mut self, old: &[u8]) -> ([u8; N], [u8; N]) {
        let mut mask = [0u8; N];
        match self.below(4) {
            0 => {}
            1 => mask = [0xff; N],
            _ => mask.iter_mut().for_each(|b| *b = self.next() as u8),
        }
        let mut value = [0u8; N];
        let keep = self.below(4) == 0;
        for i in 0..N {
            let v = if keep { old[i] } else { self.next() as u8 };
            value[i] = v & mask[i];
        }
        (value, mask)
    }
}

/// A random set of `kind` for `frame`: masked, or (one time in four) plain.
fn random_set(r: &mut Rng, frame: &[u8], f: &Fields, kind: u8) -> SetKey {
    let plain = r.below(4) == 0;
    match kind {
        0 => {
            let (vd, md) = r.field::<6>(&frame[0..6]);
            let (vs, ms) = r.field::<6>(&frame[6..12]);
            let mut m = Masked {
                value: EthernetKey { src: vs, dst: vd },
                mask: EthernetKey { src: ms, dst: md },
            };
            if plain {
                m.mask = EthernetKey::ONES;
                m.value = EthernetKey {
                    src: r.next().to_ne_bytes()[..6].try_into().unwrap(),
                    dst: r.next().to_ne_bytes()[..6].try_into().unwrap(),
                };
            }
            SetKey::Ethernet(m)
        }
        1 => {
            let l3 = f.l3;
            let (vs, ms) = r.field::<4>(&frame[l3 + 12..]);
            let (vd, md) = r.field::<4>(&frame[l3 + 16..]);
            let ([vt], [mt]) = r.field::<1>(&frame[l3 + 1..]);
            let ([vl], [ml]) = r.field::<1>(&frame[l3 + 8..]);
            let value = Ipv4Key {
                src: vs,
                dst: vd,
                proto: 0,
                tos: vt,
                ttl: vl,
                frag: 0,
            };
            let mask = Ipv4Key {
                src: ms,
                dst: md,
                proto: 0,
                tos: mt,
                ttl: ml,
                frag: 0,
            };
            if plain {
                let mut value = Ipv4Key::ONES;
                value.src = (r.next() as u32).to_ne_bytes();
                value.dst = if r.below(2) == 0 {
                    frame[l3 + 16..l3 + 20].try_into().unwrap()
                } else {
                    (r.next() as u32).to_ne_bytes()
                };
                value.tos = r.next() as u8;
                value.ttl = r.next() as u8;
                return SetKey::Ipv4(Masked {
                    value,
                    mask: Ipv4Key::ONES,
                });
            }
            SetKey::Ipv4(Masked { value, mask })
        }
        2 => {
            let l3 = f.l3;
            let (vs, ms) = r.field::<16>(&frame[l3 + 8..]);
            let (vd, md) = r.field::<16>(&frame[l3 + 24..]);
            let ([vt], [mt]) = r.field::<1>(&[0xb8]);
            let ([vh], [mh]) = r.field::<1>(&frame[l3 + 7..]);
            let fl_mask = (r.next() as u32) & 0xf_ffff;
            let fl_mask = [0, fl_mask, 0xf_ffff][r.below(3) as usize];
            let fl_value = (r.next() as u32) & fl_mask;
            let value = Ipv6Key {
                src: vs,
                dst: vd,
                label: fl_value.to_be_bytes(),
                proto: 0,
                tclass: vt,
                hlimit: vh,
                frag: 0,
            };
            let mut mask = Ipv6Key {
                src: ms,
                dst: md,
                label: fl_mask.to_be_bytes(),
                proto: 0,
                tclass: mt,
                hlimit: mh,
                frag: 0,
            };
            if plain {
                mask = Ipv6Key::ONES;
                mask.proto = 0;
                mask.frag = 0;
                let mut value = value;
                value.src = v6_addr(r.next() as u8);
                value.dst = v6_addr(r.next() as u8);
                value.tclass = r.next() as u8;
                value.hlimit = r.next() as u8;
                value.label = ((r.next() as u32) & 0xf_ffff).to_be_bytes();
                return SetKey::Ipv6(Masked { value, mask });
            }
            SetKey::Ipv6(Masked { value, mask })
        }
        _ => {
            let l4 = f.l4.unwrap();
            let (vs, ms) = r.field::<2>(&frame[l4..]);
            let (vd, md) = r.field::<2>(&frame[l4 + 2..]);
            let mut m = Masked {
                value: PortsKey { src: vs, dst: vd },
                mask: PortsKey { src: ms, dst: md },
            };
            if plain {
                m.mask = PortsKey::ONES;
                m.value.src = (r.next() as u16).to_be_bytes();
                m.value.dst = (r.next() as u16).to_be_bytes();
            }
            if kind == 3 {
                SetKey::Tcp(m)
            } else {
                SetKey::Udp(m)
            }
        }
    }
}

/// The set kinds that apply to `frame`: 0 Ethernet, 1 IPv4, 2 IPv6, 3 TCP, 4 UDP.
fn kinds(frame: &[u8]) -> Vec<u8> {
    let (key, l) = key_of(frame);
    let mut k = vec![0];
    match key.be16(kf::ETH_TYPE) {
        ETH_P_IP => k.push(1),
        ETH_P_IPV6 => k.push(2),
        _ => {}
    }
    if l.l4.is_some() {
        match key.u8_at(kf::IP_PROTO) {
            IPPROTO_TCP => k.push(3),
            IPPROTO_UDP => k.push(4),
            _ => {}
        }
    }
    k
}

// ---- The model test -----------------------------------------------------------------------

/// Applies `set` to `f0` (valid for `mode`) and checks bytes, checksums, `complete`, the
/// flow key and the effects against the reference.
fn check_one(name: &str, f0: &[u8], zero_udp: bool, set: &SetKey, mode: CsumMode, spin: u32) {
    let ctx = format!("{name} {mode:?} {set:?}");
    let fields = fields_of(f0);
    let (mut key, layout) = key_of(f0);
    let complete = if mode == CsumMode::Complete {
        wsum_of(ref_sum(f0), spin)
    } else {
        SENTINEL
    };
    let mut cs = Csum::new(mode, complete);
    let mut got = f0.to_vec();
    let meta = SkbMeta {
        priority: 7,
        mark: 9,
    };
    let applied = apply_set(&mut got, layout.l3, layout.l4, set, meta, &mut key, &mut cs)
        .unwrap_or_else(|e| panic!("{ctx}: {e:?}"));

    let mut want = f0.to_vec();
    let changed = ref_write(&mut want, &fields, set);
    let old_udp_check = fields
        .l4_check
        .filter(|&(_, p)| p == IPPROTO_UDP)
        .map(|(at, _)| be16_at(f0, at));
    fix_checksums(&mut want, mode, zero_udp);

    // (a) bytes, with checksum fields compared as ones-complement numbers.
    let csum_at: Vec<usize> = fields
        .ip_check
        .into_iter()
        .chain(fields.l4_check.map(|(at, _)| at))
        .collect();
    assert_eq!(got.len(), want.len());
    for i in 0..got.len() {
        if csum_at.contains(&i) || csum_at.contains(&(i.wrapping_sub(1))) {
            continue;
        }
        assert_eq!(
            got[i], want[i],
            "{ctx}: byte {i}\n got {got:02x?}\nwant {want:02x?}"
        );
    }
    for &at in &csum_at {
        let (g, w) = (be16_at(&got, at), be16_at(&want, at));
        assert!(
            same(g, w),
            "{ctx}: checksum at {at}: {g:#06x}, want {w:#06x}"
        );
    }
    // (b) the checksums verify from scratch (outside CHECKSUM_PARTIAL's L4 field).
    if let Some(at) = fields.ip_check {
        let ihl = usize::from(got[fields.l3] & 0xf) * 4;
        assert_eq!(
            ref_sum(&got[fields.l3..fields.l3 + ihl]),
            0xffff,
            "{ctx}: IPv4 header"
        );
        let _ = at;
    }
    if let Some((at, proto)) = fields.l4_check {
        let check = be16_at(&got, at);
        if proto == IPPROTO_UDP && old_udp_check != Some(0) {
            assert_ne!(check, 0, "{ctx}: UDP checksum became zero");
        }
        if mode == CsumMode::Partial {
            // (c) the folded pseudo-header sum.
            let p = pseudo_sum(&got, &fields, proto);
            assert!(same(check, p), "{ctx}: partial {check:#06x}, want {p:#06x}");
        } else if !(proto == IPPROTO_UDP && check == 0) {
            let seg = ref_sum(&got[fields.l4.unwrap()..]);
            let total = csum16(pseudo_sum(&got, &fields, proto), seg);
            assert_eq!(total, 0xffff, "{ctx}: L4 checksum does not verify");
        } else {
            assert_eq!(old_udp_check, Some(0), "{ctx}: UDP checksum dropped");
        }
    }
    // (d) CHECKSUM_COMPLETE follows the frame; other modes leave it alone.
    assert_eq!(cs.mode, mode, "{ctx}");
    if mode == CsumMode::Complete {
        let (g, w) = (complete_be(cs.complete), ref_sum(&got));
        assert!(same(g, w), "{ctx}: complete {g:#06x}, want {w:#06x}");
    } else {
        assert_eq!(cs.complete, SENTINEL, "{ctx}");
    }
    // The flow key is the new frame's.
    let (fresh, _) = key_of(&got);
    assert_eq!(key.as_bytes(), fresh.as_bytes(), "{ctx}: flow key");
    // Effects.
    let l4_effects = |zero_branch: bool| Effects {
        clear_hash: true,
        ct_clear: changed || zero_branch,
    };
    let want_applied = match set {
        SetKey::Ethernet(_) => Applied::Packet(Effects::default()),
        SetKey::Ipv4(_) | SetKey::Ipv6(_) => {
            let l3 = fields.l3;
            let off = if fields.is_v6 { l3 + 8 } else { l3 + 12 };
            let len = if fields.is_v6 { 32 } else { 8 };
            let addr = f0[off..off + len] != got[off..off + len];
            Applied::Packet(Effects {
                clear_hash: addr,
                ct_clear: addr,
            })
        }
        SetKey::Tcp(_) => Applied::Packet(l4_effects(false)),
        SetKey::Udp(_) => Applied::Packet(l4_effects(
            old_udp_check == Some(0) || mode == CsumMode::Partial,
        )),
        SetKey::Priority(_) | SetKey::SkbMark(_) | SetKey::CtMark(_) | SetKey::CtLabels(_) => {
            unreachable!()
        }
    };
    assert_eq!(applied, want_applied, "{ctx}");
}

#[test]
fn random_sets_on_every_packet_and_mode() {
    let mut r = Rng(0x0123_4567_89ab_cdef);
    let mut n = 0;
    for (name, frame, zero_udp) in corpus() {
        for mode in MODES {
            let f0 = ready(frame.clone(), mode, zero_udp);
            for kind in kinds(&f0) {
                for _ in 0..150 {
                    let set = random_set(&mut r, &f0, &fields_of(&f0), kind);
                    check_one(name, &f0, zero_udp, &set, mode, r.next() as u32);
                    n += 1;
                }
            }
        }
    }
    assert!(n > 20_000, "{n}");
}

/// Each corpus packet has the set kinds it should.
#[test]
fn corpus_covers_every_target() {
    let mut all = [0usize; 5];
    for (name, frame, _) in corpus() {
        let k = kinds(&frame);
        assert!(k.len() >= 2 || name.contains("icmp"), "{name}: {k:?}");
        for k in k {
            all[usize::from(k)] += 1;
        }
    }
    assert!(all.iter().all(|&c| c >= 2), "{all:?}");
}

// ---- Exact bytes --------------------------------------------------------------------------

fn plain<T: Copy>(value: T, ones: T) -> Masked<T> {
    Masked { value, mask: ones }
}

fn run(frame: &mut [u8], set: &SetKey, cs: &mut Csum) -> Result<Applied, RewriteError> {
    let (mut key, l) = key_of(frame);
    apply_set(frame, l.l3, l.l4, set, SkbMeta::default(), &mut key, cs)
}

#[test]
fn ethernet_exact() {
    for mode in MODES {
        let mut f = ready(v4(&[], IPPROTO_UDP, 0, &[], &udp(1, 2, 3)), mode, false);
        let f0 = f.clone();
        let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 3));
        let set = SetKey::Ethernet(Masked {
            value: EthernetKey {
                src: [0, 0, 0, 0, 0, 0x44],
                dst: [0xaa, 0, 0, 0, 0, 0],
            },
            mask: EthernetKey {
                src: [0, 0, 0, 0, 0, 0xff],
                dst: [0xff, 0, 0, 0, 0, 0],
            },
        });
        assert_eq!(
            run(&mut f, &set, &mut cs),
            Ok(Applied::Packet(Effects::default()))
        );
        assert_eq!(&f[..12], &[0xaa, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0x44]);
        assert_eq!(&f[12..], &f0[12..]);
        if mode == CsumMode::Complete {
            assert!(same(complete_be(cs.complete), ref_sum(&f)));
        }
    }
}

#[test]
fn ipv4_ttl_tos_exact() {
    let mut f = ready(
        v4(&[], IPPROTO_TCP, 0, &[], &tcp(1, 2, 0)),
        CsumMode::None,
        false,
    );
    let l3 = 14;
    let check = be16_at(&f, l3 + 10);
    let mut cs = Csum::new(CsumMode::None, 0);
    let mut value = Ipv4Key::ONES;
    value.tos = 0;
    value.ttl = 63;
    let mut mask = Ipv4Key::ONES;
    mask.src = [0; 4];
    mask.dst = [0; 4];
    mask.proto = 0;
    mask.frag = 0;
    mask.tos = 0x03; // ECN only: 0x2d -> 0x2c
    value.tos &= mask.tos;
    let set = SetKey::Ipv4(Masked { value, mask });
    assert_eq!(
        run(&mut f, &set, &mut cs),
        Ok(Applied::Packet(Effects::default()))
    );
    assert_eq!(f[l3 + 1], 0x2c);
    assert_eq!(f[l3 + 8], 63);
    // TTL 64 -> 63 adds 0x0100, TOS 0x2d -> 0x2c adds 1.
    assert_eq!(be16_at(&f, l3 + 10), check + 0x0101);
}

#[test]
fn ipv6_tclass_label_hlimit_exact() {
    for mode in MODES {
        let mut f = ready(v6(&[], IPPROTO_UDP, &[], &udp(1, 2, 3)), mode, false);
        let f0 = f.clone();
        let l3 = 14;
        let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 9));
        let set = SetKey::Ipv6(Masked {
            value: Ipv6Key {
                src: [0; 16],
                dst: [0; 16],
                label: 0xabcdeu32.to_be_bytes(),
                proto: 0,
                tclass: 0x2e,
                hlimit: 7,
                frag: 0,
            },
            mask: Ipv6Key {
                src: [0; 16],
                dst: [0; 16],
                label: 0xfffffu32.to_be_bytes(),
                proto: 0,
                tclass: 0xff,
                hlimit: 0xff,
                frag: 0,
            },
        });
        assert_eq!(
            run(&mut f, &set, &mut cs),
            Ok(Applied::Packet(Effects::default()))
        );
        assert_eq!(
            &f[l3..l3 + 8],
            &[0x62, 0xea, 0xbc, 0xde, 0, 11, IPPROTO_UDP, 7]
        );
        // No pseudo-header field changed: the UDP checksum is as it was.
        assert_eq!(&f[l3 + 8..], &f0[l3 + 8..]);
        if mode == CsumMode::Complete {
            assert!(same(complete_be(cs.complete), ref_sum(&f)));
        }
    }
}

#[test]
fn label_mask_above_20_bits_is_ignored() {
    let mut f = ready(
        v6(&[], IPPROTO_UDP, &[], &udp(1, 2, 3)),
        CsumMode::None,
        false,
    );
    let mut cs = Csum::new(CsumMode::None, 0);
    let mut value = Ipv6Key::ONES;
    value.label = 0x00f0_0001u32.to_be_bytes();
    let mut mask = value;
    mask.src = [0; 16];
    mask.dst = [0; 16];
    mask.tclass = 0;
    mask.hlimit = 0;
    mask.label = 0x00f0_000fu32.to_be_bytes();
    run(&mut f, &SetKey::Ipv6(Masked { value, mask }), &mut cs).unwrap();
    // The traffic class's low nibble (bits 20-23) stays; only the label changes.
    assert_eq!(&f[14..18], &[0x6b, 0x81, 0x23, 0x41]);
}

// ---- UDP checksum rules -------------------------------------------------------------------

/// A UDP port whose setting makes the incrementally updated checksum zero.
fn port_zeroing(check_be: u16, old_port_be: u16) -> u16 {
    // HC' = ~(~HC + ~m + m') = 0  <=>  m' = HC + m (ones complement).
    let s = u32::from(check_be) + u32::from(old_port_be);
    let s = ((s & 0xffff) + (s >> 16)) as u16;
    if s == 0 {
        0xffff
    } else {
        s
    }
}

#[test]
fn udp_checksum_becoming_zero_is_mangled() {
    for (is_v6, frame) in [
        (false, v4(&[], IPPROTO_UDP, 0, &[], &udp(1000, 53, 6))),
        (true, v6(&[], IPPROTO_UDP, &[], &udp(1000, 53, 6))),
    ] {
        for mode in [CsumMode::None, CsumMode::Complete] {
            let mut f = ready(frame.clone(), mode, false);
            let f_ = fields_of(&f);
            let (at, _) = f_.l4_check.unwrap();
            let l4 = f_.l4.unwrap();
            let port = port_zeroing(be16_at(&f, at), be16_at(&f, l4));
            let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 0));
            let set = SetKey::Udp(Masked {
                value: PortsKey {
                    src: port.to_be_bytes(),
                    dst: [0, 0],
                },
                mask: PortsKey {
                    src: [0xff; 2],
                    dst: [0, 0],
                },
            });
            run(&mut f, &set, &mut cs).unwrap();
            assert_eq!(be16_at(&f, l4), port, "v6 {is_v6}");
            assert_eq!(be16_at(&f, at), 0xffff, "v6 {is_v6}: CSUM_MANGLED_0");
            let total = csum16(pseudo_sum(&f, &f_, IPPROTO_UDP), ref_sum(&f[l4..]));
            assert_eq!(total, 0xffff);
            if mode == CsumMode::Complete {
                assert!(same(complete_be(cs.complete), ref_sum(&f)));
            }
        }
    }
}

#[test]
fn udp_address_change_to_zero_checksum_is_mangled() {
    // Changing the low 16 bits of the IPv4 source by the same amount a port would.
    let mut f = ready(
        v4(&[], IPPROTO_UDP, 0, &[], &udp(1000, 53, 6)),
        CsumMode::None,
        false,
    );
    let f_ = fields_of(&f);
    let (at, _) = f_.l4_check.unwrap();
    let l3 = f_.l3;
    let old = be16_at(&f, l3 + 14);
    let new = port_zeroing(be16_at(&f, at), old);
    let mut value = Ipv4Key::ONES;
    value.src = [0, 0, (new >> 8) as u8, new as u8];
    let mut mask = Ipv4Key::ONES;
    mask.src = [0, 0, 0xff, 0xff];
    mask.dst = [0; 4];
    (mask.proto, mask.tos, mask.ttl, mask.frag) = (0, 0, 0, 0);
    value.dst = [0; 4];
    (value.proto, value.tos, value.ttl, value.frag) = (0, 0, 0, 0);
    let mut cs = Csum::new(CsumMode::None, 0);
    run(&mut f, &SetKey::Ipv4(Masked { value, mask }), &mut cs).unwrap();
    assert_eq!(be16_at(&f, l3 + 14), new);
    assert_eq!(be16_at(&f, at), 0xffff);
    assert_eq!(ref_sum(&f[l3..l3 + 20]), 0xffff);
}

fn ports(src: u16, dst: u16) -> SetKey {
    SetKey::Udp(plain(
        PortsKey {
            src: src.to_be_bytes(),
            dst: dst.to_be_bytes(),
        },
        PortsKey::ONES,
    ))
}

#[test]
fn zero_udp_checksum_stays_zero() {
    for frame in [
        v4(&[], IPPROTO_UDP, 0, &[], &udp(1, 2, 5)),
        v6(&[], IPPROTO_UDP, &[], &udp(1, 2, 5)),
    ] {
        for mode in [CsumMode::None, CsumMode::Unnecessary, CsumMode::Complete] {
            let mut f = ready(frame.clone(), mode, true);
            let fl = fields_of(&f);
            let (at, _) = fl.l4_check.unwrap();
            assert_eq!(be16_at(&f, at), 0);
            let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 1));
            let fx = run(&mut f, &ports(999, 888), &mut cs).unwrap();
            assert_eq!(
                fx,
                Applied::Packet(Effects {
                    clear_hash: true,
                    ct_clear: true
                })
            );
            assert_eq!(be16_at(&f, fl.l4.unwrap()), 999);
            assert_eq!(be16_at(&f, at), 0);
            // Addresses too.
            let set = if fl.is_v6 {
                let mut m = plain(Ipv6Key::ONES, Ipv6Key::ONES);
                m.value.src = v6_addr(0x77);
                m.value.dst = f[fl.l3 + 24..fl.l3 + 40].try_into().unwrap();
                m.value.label = 0x12345u32.to_be_bytes();
                (m.value.tclass, m.value.hlimit) = (0xb8, 255);
                SetKey::Ipv6(m)
            } else {
                let mut m = plain(Ipv4Key::ONES, Ipv4Key::ONES);
                m.value.src = [10, 9, 8, 7];
                m.value.dst = V4_DST;
                (m.value.tos, m.value.ttl) = (0x2d, 64);
                SetKey::Ipv4(m)
            };
            run(&mut f, &set, &mut cs).unwrap();
            assert_eq!(be16_at(&f, at), 0);
            if mode == CsumMode::Complete {
                // Upstream leaves skb->csum stale here; this keeps it right.
                assert!(same(complete_be(cs.complete), ref_sum(&f)));
            }
        }
    }
}

#[test]
fn partial_udp_zero_field_is_updated() {
    // Under CHECKSUM_PARTIAL the field is the pseudo-header sum whatever its value.
    let mut f = ready(
        v4(&[], IPPROTO_UDP, 0, &[], &udp(1, 2, 5)),
        CsumMode::Partial,
        false,
    );
    let fl = fields_of(&f);
    let (at, _) = fl.l4_check.unwrap();
    let mut m = plain(Ipv4Key::ONES, Ipv4Key::ONES);
    m.value.src = [10, 9, 8, 7];
    m.value.dst = V4_DST;
    (m.value.tos, m.value.ttl) = (0x2d, 64);
    let mut cs = Csum::new(CsumMode::Partial, SENTINEL);
    run(&mut f, &SetKey::Ipv4(m), &mut cs).unwrap();
    assert!(same(be16_at(&f, at), pseudo_sum(&f, &fl, IPPROTO_UDP)));
    // Ports do not touch it.
    let before = be16_at(&f, at);
    run(&mut f, &ports(4, 5), &mut cs).unwrap();
    assert_eq!(be16_at(&f, at), before);
    assert_eq!(cs.complete, SENTINEL);
}

// ---- Fragments and routing headers -----------------------------------------------------------

#[test]
fn ipv4_later_fragment_leaves_l4_alone() {
    for mode in MODES {
        let mut f = ready(
            v4(&[], IPPROTO_TCP, 0x0004, &[], &tcp(1, 2, 8)),
            mode,
            false,
        );
        let (key, l) = key_of(&f);
        assert_eq!(l.l4, None);
        let f0 = f.clone();
        let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 5));
        let mut m = plain(Ipv4Key::ONES, Ipv4Key::ONES);
        m.value.src = [1, 2, 3, 4];
        m.value.dst = [5, 6, 7, 8];
        (m.value.tos, m.value.ttl) = (0, 1);
        let mut k = key;
        let fx = apply_set(
            &mut f,
            l.l3,
            l.l4,
            &SetKey::Ipv4(m),
            SkbMeta::default(),
            &mut k,
            &mut cs,
        );
        assert_eq!(
            fx,
            Ok(Applied::Packet(Effects {
                clear_hash: true,
                ct_clear: true
            }))
        );
        assert_eq!(&f[34..], &f0[34..], "{mode:?}: payload untouched");
        assert_eq!(ref_sum(&f[14..34]), 0xffff);
        if mode == CsumMode::Complete {
            assert!(same(complete_be(cs.complete), ref_sum(&f)));
        }
        // Ports of a later fragment: nothing to write.
        let before = f.clone();
        let set = SetKey::Tcp(plain(
            PortsKey {
                src: [0, 9],
                dst: [0, 9],
            },
            PortsKey::ONES,
        ));
        let r = apply_set(
            &mut f,
            l.l3,
            None,
            &set,
            SkbMeta::default(),
            &mut k,
            &mut cs,
        );
        assert_eq!(r, Ok(Applied::Packet(Effects::default())));
        assert_eq!(f, before);
    }
}

#[test]
fn ipv4_later_fragment_checks_the_header_not_the_layout() {
    // Even given a transport offset (upstream sets one for every fragment), a later
    // fragment's payload is not an L4 header.
    for mode in MODES {
        let f0 = ready(
            v4(&[], IPPROTO_UDP, 0x0010, &[], &udp(1, 2, 8)),
            mode,
            false,
        );
        let mut f = f0.clone();
        let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 5));
        let mut m = plain(Ipv4Key::ONES, Ipv4Key::ONES);
        m.value.src = [1, 2, 3, 4];
        m.value.dst = V4_DST;
        (m.value.tos, m.value.ttl) = (0x2d, 64);
        let mut key = FlowKey::default();
        set_ipv4(&mut f, 14, Some(34), &m, &mut key, &mut cs).unwrap();
        assert_eq!(&f[34..], &f0[34..], "{mode:?}");
        assert_eq!(ref_sum(&f[14..34]), 0xffff);
        if mode == CsumMode::Complete {
            assert!(same(complete_be(cs.complete), ref_sum(&f)));
        }
    }
}

#[test]
fn ipv6_later_fragment_and_other_protocols() {
    let later = [IPPROTO_TCP, 0, 0x00, 0x08, 0, 0, 0, 7];
    for mode in MODES {
        for frame in [
            v6(&[], 44, &later, &tcp(1, 2, 8)),
            v6(&[], IPPROTO_SCTP, &[], &udp(1, 2, 8)),
            v6(&[], 59, &[], &payload(12)),
        ] {
            let mut f = ready(frame, mode, false);
            let f0 = f.clone();
            let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 11));
            let mut m = plain(Ipv6Key::ONES, Ipv6Key::ONES);
            m.value.src = v6_addr(0x10);
            m.value.dst = v6_addr(0x20);
            m.value.label = 0x12345u32.to_be_bytes();
            (m.value.tclass, m.value.hlimit) = (0xb8, 255);
            run(&mut f, &SetKey::Ipv6(m), &mut cs).unwrap();
            assert_eq!(
                &f[54..],
                &f0[54..],
                "{mode:?}: nothing after the header changes"
            );
            assert_eq!(
                &f[14 + 8..14 + 40],
                &[v6_addr(0x10), v6_addr(0x20)].concat()
            );
            if mode == CsumMode::Complete {
                assert!(same(complete_be(cs.complete), ref_sum(&f)));
            }
        }
    }
}

#[test]
fn ipv6_routing_header_with_segments_left() {
    // The pseudo-header's destination is the routing header's last address, so a new
    // header destination leaves the L4 checksum alone; a new source still updates it.
    let final_dst = v6_addr(0x99);
    let mut rh = vec![IPPROTO_UDP, 2, 0, 1, 0, 0, 0, 0];
    rh.extend_from_slice(&final_dst);
    for mode in MODES {
        let mut f = v6(&[], 43, &rh, &udp(7, 8, 9));
        let l4 = 14 + 40 + rh.len();
        // The checksum over the final destination.
        let seg_len = f.len() - l4;
        let mut p = f[14 + 8..14 + 24].to_vec();
        p.extend_from_slice(&final_dst);
        p.extend_from_slice(&(seg_len as u32).to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, IPPROTO_UDP]);
        let c = if mode == CsumMode::Partial {
            ref_sum(&p)
        } else {
            !csum16(ref_sum(&p), ref_sum(&f[l4..]))
        };
        f[l4 + 6..l4 + 8].copy_from_slice(&c.to_be_bytes());
        let verify = |f: &[u8]| {
            let mut p = f[14 + 8..14 + 24].to_vec();
            p.extend_from_slice(&final_dst);
            p.extend_from_slice(&(seg_len as u32).to_be_bytes());
            p.extend_from_slice(&[0, 0, 0, IPPROTO_UDP]);
            let check = be16_at(f, l4 + 6);
            if mode == CsumMode::Partial {
                assert!(same(check, ref_sum(&p)), "{mode:?}");
            } else {
                assert_eq!(csum16(ref_sum(&p), ref_sum(&f[l4..])), 0xffff, "{mode:?}");
            }
        };
        verify(&f);
        let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 2));
        let mut m = plain(Ipv6Key::ONES, Ipv6Key::ONES);
        m.value.src = f[14 + 8..14 + 24].try_into().unwrap();
        m.value.dst = v6_addr(0x42);
        m.value.label = 0x12345u32.to_be_bytes();
        (m.value.tclass, m.value.hlimit) = (0xb8, 255);
        let check = be16_at(&f, l4 + 6);
        run(&mut f, &SetKey::Ipv6(m), &mut cs).unwrap();
        assert_eq!(&f[14 + 24..14 + 40], &v6_addr(0x42));
        assert_eq!(be16_at(&f, l4 + 6), check, "{mode:?}: not recalculated");
        verify(&f);
        m.value.src = v6_addr(0x43);
        run(&mut f, &SetKey::Ipv6(m), &mut cs).unwrap();
        verify(&f);
        if mode == CsumMode::Complete {
            assert!(same(complete_be(cs.complete), ref_sum(&f)));
        }
    }
}

#[test]
fn ipv6_chain_walk() {
    let f = v6(&[], 0, &[IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0], &tcp(1, 2, 0));
    assert_eq!(
        ipv6_chain(&f, 14),
        Ipv6Chain {
            l4: Some((62, IPPROTO_TCP)),
            routing: false
        }
    );
    // A hop-by-hop header claiming more than the frame holds: malformed.
    let f = v6(&[], 0, &[IPPROTO_TCP, 9, 1, 4, 0, 0, 0, 0], &tcp(1, 2, 0));
    assert_eq!(ipv6_chain(&f, 14).l4, None);
    // An authentication header counts 4-byte units plus 2.
    let f = v6(
        &[],
        51,
        &[IPPROTO_UDP, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        &udp(1, 2, 0),
    );
    assert_eq!(ipv6_chain(&f, 14).l4, Some((66, IPPROTO_UDP)));
    // A later fragment has no upper-layer header; a first one has.
    let later = [IPPROTO_TCP, 0, 0x00, 0x08, 0, 0, 0, 7];
    let f = v6(&[], 44, &later, &tcp(1, 2, 0));
    assert_eq!(ipv6_chain(&f, 14).l4, None);
    let first = [IPPROTO_TCP, 0, 0x00, 0x01, 0, 0, 0, 7];
    let f = v6(&[], 44, &first, &tcp(1, 2, 0));
    assert_eq!(ipv6_chain(&f, 14).l4, Some((62, IPPROTO_TCP)));
    // Routing headers: only one with segments left counts.
    let f = v6(&[], 43, &[IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 0], &udp(1, 2, 0));
    assert_eq!(
        ipv6_chain(&f, 14),
        Ipv6Chain {
            l4: Some((62, IPPROTO_UDP)),
            routing: true
        }
    );
    let f = v6(&[], 43, &[IPPROTO_UDP, 0, 0, 0, 0, 0, 0, 0], &udp(1, 2, 0));
    assert!(!ipv6_chain(&f, 14).routing);
    // Out of range offsets do not panic.
    assert_eq!(ipv6_chain(&f, usize::MAX), Ipv6Chain::default());
    assert_eq!(ipv6_chain(&[], 0), Ipv6Chain::default());
}

#[test]
fn icmpv6_checksum_follows_addresses() {
    for mode in MODES {
        let mut f = ready(v6(&[], IPPROTO_ICMPV6, &[], &icmp6_echo(3)), mode, false);
        let fl = fields_of(&f);
        let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), 4));
        let mut m = plain(Ipv6Key::ONES, Ipv6Key::ONES);
        m.value.src = v6_addr(0x31);
        m.value.dst = v6_addr(0x32);
        m.value.label = 0x12345u32.to_be_bytes();
        (m.value.tclass, m.value.hlimit) = (0xb8, 255);
        run(&mut f, &SetKey::Ipv6(m), &mut cs).unwrap();
        let (at, _) = fl.l4_check.unwrap();
        let p = pseudo_sum(&f, &fl, IPPROTO_ICMPV6);
        if mode == CsumMode::Partial {
            assert!(same(be16_at(&f, at), p));
        } else {
            assert_eq!(csum16(p, ref_sum(&f[fl.l4.unwrap()..])), 0xffff);
        }
        if mode == CsumMode::Complete {
            assert!(same(complete_be(cs.complete), ref_sum(&f)));
        }
    }
}

// ---- Truncation ---------------------------------------------------------------------------

/// How long a frame must be for `set`.
fn needed(set: &SetKey, l: &Layout) -> usize {
    match set {
        SetKey::Ethernet(_) => 14,
        SetKey::Ipv4(_) => l.l3 + 20,
        SetKey::Ipv6(_) => l.l3 + 40,
        SetKey::Tcp(_) => l.l4.map_or(0, |l4| l4 + 20),
        SetKey::Udp(_) => l.l4.map_or(0, |l4| l4 + 8),
        SetKey::Priority(_) | SetKey::SkbMark(_) | SetKey::CtMark(_) | SetKey::CtLabels(_) => 0,
    }
}

#[test]
fn short_frames_error_without_panicking() {
    let mut r = Rng(99);
    for (name, frame, zero_udp) in corpus() {
        for mode in MODES {
            let f0 = ready(frame.clone(), mode, zero_udp);
            let (key0, l) = key_of(&f0);
            for kind in kinds(&f0) {
                for _ in 0..4 {
                    let set = random_set(&mut r, &f0, &fields_of(&f0), kind);
                    for len in 0..=f0.len() {
                        // With the full frame's layout: an error exactly when too short.
                        let mut f = f0[..len].to_vec();
                        let mut key = key0;
                        let mut cs = Csum::new(mode, wsum_of(ref_sum(&f), len as u32));
                        let res = apply_set(
                            &mut f,
                            l.l3,
                            l.l4,
                            &set,
                            SkbMeta::default(),
                            &mut key,
                            &mut cs,
                        );
                        if len < needed(&set, &l) {
                            assert_eq!(res, Err(RewriteError::TooShort), "{name} {len}");
                            assert_eq!(f, f0[..len], "{name} {len}: written on error");
                        } else {
                            assert!(res.is_ok(), "{name} {len}: {res:?}");
                        }
                        if mode == CsumMode::Complete {
                            assert!(
                                same(complete_be(cs.complete), ref_sum(&f)),
                                "{name} {mode:?} {len} {set:?}"
                            );
                        }
                        // With the truncated frame's own layout: no panic.
                        let mut f = f0[..len].to_vec();
                        let (mut key, lt) = key_of(&f);
                        let mut cs = Csum::new(mode, 0);
                        let _ = apply_set(
                            &mut f,
                            lt.l3,
                            lt.l4,
                            &set,
                            SkbMeta::default(),
                            &mut key,
                            &mut cs,
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn absurd_offsets_do_not_panic() {
    let f0 = ready(
        v4(&[], IPPROTO_TCP, 0, &[], &tcp(1, 2, 3)),
        CsumMode::None,
        false,
    );
    let mut r = Rng(5);
    for kind in 0..5u8 {
        let fl = Fields {
            ip_check: None,
            l4_check: None,
            is_v6: false,
            l3: 14,
            l4: Some(34),
        };
        let set = random_set(&mut r, &f0, &fl, kind.min(3) + u8::from(kind == 4));
        for (l3, l4) in [
            (usize::MAX, Some(usize::MAX)),
            (usize::MAX - 10, Some(usize::MAX - 3)),
            (f0.len(), Some(f0.len())),
            (14, Some(usize::MAX - 1)),
            (14, Some(f0.len() - 1)),
        ] {
            let mut f = f0.clone();
            let mut key = FlowKey::default();
            let mut cs = Csum::new(CsumMode::Complete, 0);
            let res = apply_set(&mut f, l3, l4, &set, SkbMeta::default(), &mut key, &mut cs);
            // The Ethernet header is always at 0; an IP header at a valid offset is
            // rewritten (its L4 checksum skipped); anything else is too short.
            let fits = |at: usize, n: usize| at.checked_add(n).is_some_and(|e| e <= f0.len());
            let ok = match set {
                SetKey::Ethernet(_) => true,
                SetKey::Ipv4(_) => fits(l3, 20),
                SetKey::Ipv6(_) => fits(l3, 40),
                SetKey::Tcp(_) => fits(l4.unwrap(), 20),
                _ => fits(l4.unwrap(), 8),
            };
            assert_eq!(res.is_ok(), ok, "{set:?} {l3} {l4:?}: {res:?}");
        }
    }
}

// ---- Metadata and small things -------------------------------------------------------------

#[test]
fn priority_and_mark() {
    let mut f = ready(
        v4(&[], IPPROTO_TCP, 0, &[], &tcp(1, 2, 3)),
        CsumMode::None,
        false,
    );
    let f0 = f.clone();
    let (mut key, l) = key_of(&f);
    let mut cs = Csum::new(CsumMode::Complete, 77);
    let meta = SkbMeta {
        priority: 0x1234_5678,
        mark: 0xffff_0000,
    };
    let set = SetKey::Priority(Masked {
        value: 0x0000_00ab,
        mask: 0x0000_00ff,
    });
    let r = apply_set(&mut f, l.l3, l.l4, &set, meta, &mut key, &mut cs);
    assert_eq!(r, Ok(Applied::Priority(0x1234_56ab)));
    assert_eq!(key.u32_at(kf::PRIORITY), 0x1234_56ab);
    let set = SetKey::SkbMark(Masked {
        value: 0x0f00_0001,
        mask: 0x0f0f_0001,
    });
    let r = apply_set(&mut f, l.l3, l.l4, &set, meta, &mut key, &mut cs);
    assert_eq!(r, Ok(Applied::SkbMark(0xfff0_0001)));
    assert_eq!(key.u32_at(kf::SKB_MARK), 0xfff0_0001);
    assert_eq!(f, f0);
    assert_eq!(cs, Csum::new(CsumMode::Complete, 77));
    // OVS_MASKED over a short frame works too: metadata needs no bytes.
    let r = apply_set(&mut [], 0, None, &set, meta, &mut key, &mut cs);
    assert_eq!(r, Ok(Applied::SkbMark(0xfff0_0001)));
    assert_eq!(
        masked_u32(
            0xaaaa_aaaa,
            &Masked {
                value: 0x5555_0000,
                mask: 0xffff_0000
            }
        ),
        0x5555_aaaa
    );
}

#[test]
fn ip_summed_values() {
    for (v, m) in [
        (0, CsumMode::None),
        (1, CsumMode::Unnecessary),
        (2, CsumMode::Complete),
        (3, CsumMode::Partial),
    ] {
        assert_eq!(CsumMode::from_ip_summed(v), m);
        assert_eq!(m.as_ip_summed(), v);
    }
    assert_eq!(RewriteError::TooShort.errno(), Errno::ENOMEM);
    const { assert!(MAX_SET_KEY_LEN >= Ipv6Key::LEN) };
}

#[test]
fn unchanged_values_write_nothing() {
    // Setting what is already there: bytes, checksums and complete stay exactly as they were.
    for (name, frame, zero_udp) in corpus() {
        for mode in MODES {
            let f0 = ready(frame.clone(), mode, zero_udp);
            let fl = fields_of(&f0);
            for kind in kinds(&f0) {
                let set = match kind {
                    0 => SetKey::Ethernet(plain(
                        EthernetKey {
                            dst: f0[0..6].try_into().unwrap(),
                            src: f0[6..12].try_into().unwrap(),
                        },
                        EthernetKey::ONES,
                    )),
                    1 => {
                        let mut m = plain(Ipv4Key::ONES, Ipv4Key::ONES);
                        m.value.src = f0[fl.l3 + 12..fl.l3 + 16].try_into().unwrap();
                        m.value.dst = f0[fl.l3 + 16..fl.l3 + 20].try_into().unwrap();
                        (m.value.tos, m.value.ttl) = (f0[fl.l3 + 1], f0[fl.l3 + 8]);
                        SetKey::Ipv4(m)
                    }
                    2 => {
                        let mut m = plain(Ipv6Key::ONES, Ipv6Key::ONES);
                        m.value.src = f0[fl.l3 + 8..fl.l3 + 24].try_into().unwrap();
                        m.value.dst = f0[fl.l3 + 24..fl.l3 + 40].try_into().unwrap();
                        m.value.label = 0x12345u32.to_be_bytes();
                        (m.value.tclass, m.value.hlimit) = (0xb8, 255);
                        SetKey::Ipv6(m)
                    }
                    _ => {
                        let l4 = fl.l4.unwrap();
                        let p = PortsKey {
                            src: f0[l4..l4 + 2].try_into().unwrap(),
                            dst: f0[l4 + 2..l4 + 4].try_into().unwrap(),
                        };
                        if kind == 3 {
                            SetKey::Tcp(plain(p, PortsKey::ONES))
                        } else {
                            SetKey::Udp(plain(p, PortsKey::ONES))
                        }
                    }
                };
                let mut f = f0.clone();
                let mut cs = Csum::new(mode, 0x1357_9bdf);
                run(&mut f, &set, &mut cs).unwrap();
                assert_eq!(f, f0, "{name} {mode:?} {kind}");
                if mode == CsumMode::Complete {
                    assert!(
                        same(csum::fold(cs.complete), csum::fold(0x1357_9bdf)),
                        "{name}"
                    );
                } else {
                    assert_eq!(cs.complete, 0x1357_9bdf);
                }
            }
        }
    }
}
