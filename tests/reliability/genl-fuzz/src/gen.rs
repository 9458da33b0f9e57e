//! Message generators: structured, mostly-valid requests for each family (numbers and sizes
//! from include/uapi/linux/openvswitch.h), and the mutations applied to them.

use crate::nl::*;
use crate::uapi;

/// Picks from a list whose elements may themselves draw from the same rng.
macro_rules! pk {
    ($r:expr, [$($e:expr),* $(,)?]) => {{
        let a = [$($e),*];
        $r.pick(&a)
    }};
}

pub const F_DP: usize = 0;
pub const F_VPORT: usize = 1;
pub const F_FLOW: usize = 2;
pub const F_PACKET: usize = 3;
pub const F_METER: usize = 4;
pub const F_CTLIMIT: usize = 5;
pub const FAMILIES: [&str; 6] = ["ovs_datapath", "ovs_vport", "ovs_flow", "ovs_packet", "ovs_meter", "ovs_ct_limit"];
/// The version field userspace sends for each family.
pub const VERSIONS: [u8; 6] = [2, 1, 1, 1, 1, 1];

// ovs_key_attr
// The ABI's numbers are the module's own (abi/uapi.rs), one definition for all.
const K_ENCAP: u16 = uapi::key_attr::ENCAP;
const K_PRIORITY: u16 = uapi::key_attr::PRIORITY;
const K_IN_PORT: u16 = uapi::key_attr::IN_PORT;
const K_ETHERNET: u16 = uapi::key_attr::ETHERNET;
const K_VLAN: u16 = uapi::key_attr::VLAN;
const K_ETHERTYPE: u16 = uapi::key_attr::ETHERTYPE;
const K_IPV4: u16 = uapi::key_attr::IPV4;
const K_IPV6: u16 = uapi::key_attr::IPV6;
const K_TCP: u16 = uapi::key_attr::TCP;
const K_UDP: u16 = uapi::key_attr::UDP;
const K_ICMP: u16 = uapi::key_attr::ICMP;
const K_ICMPV6: u16 = uapi::key_attr::ICMPV6;
const K_ARP: u16 = uapi::key_attr::ARP;
const K_ND: u16 = uapi::key_attr::ND;
const K_SKB_MARK: u16 = uapi::key_attr::SKB_MARK;
const K_TUNNEL: u16 = uapi::key_attr::TUNNEL;
const K_SCTP: u16 = uapi::key_attr::SCTP;
const K_TCP_FLAGS: u16 = uapi::key_attr::TCP_FLAGS;
const K_DP_HASH: u16 = uapi::key_attr::DP_HASH;
const K_RECIRC_ID: u16 = uapi::key_attr::RECIRC_ID;
const K_MPLS: u16 = uapi::key_attr::MPLS;
const K_CT_STATE: u16 = uapi::key_attr::CT_STATE;
const K_CT_ZONE: u16 = uapi::key_attr::CT_ZONE;
const K_CT_MARK: u16 = uapi::key_attr::CT_MARK;
const K_CT_LABELS: u16 = uapi::key_attr::CT_LABELS;
const K_CT_TUPLE4: u16 = uapi::key_attr::CT_ORIG_TUPLE_IPV4;
const K_PACKET_TYPE: u16 = uapi::key_attr::PACKET_TYPE;
const K_IPV6_EXTHDRS: u16 = uapi::key_attr::IPV6_EXTHDRS;

// ovs_action_attr
const A_OUTPUT: u16 = uapi::action_attr::OUTPUT;
const A_USERSPACE: u16 = uapi::action_attr::USERSPACE;
const A_SET: u16 = uapi::action_attr::SET;
const A_PUSH_VLAN: u16 = uapi::action_attr::PUSH_VLAN;
const A_POP_VLAN: u16 = uapi::action_attr::POP_VLAN;
const A_SAMPLE: u16 = uapi::action_attr::SAMPLE;
const A_RECIRC: u16 = uapi::action_attr::RECIRC;
const A_HASH: u16 = uapi::action_attr::HASH;
const A_PUSH_MPLS: u16 = uapi::action_attr::PUSH_MPLS;
const A_POP_MPLS: u16 = uapi::action_attr::POP_MPLS;
const A_SET_MASKED: u16 = uapi::action_attr::SET_MASKED;
const A_CT: u16 = uapi::action_attr::CT;
const A_TRUNC: u16 = uapi::action_attr::TRUNC;
const A_PUSH_ETH: u16 = uapi::action_attr::PUSH_ETH;
const A_POP_ETH: u16 = uapi::action_attr::POP_ETH;
const A_CT_CLEAR: u16 = uapi::action_attr::CT_CLEAR;
const A_METER: u16 = uapi::action_attr::METER;
const A_CLONE: u16 = uapi::action_attr::CLONE;
const A_CHECK_PKT_LEN: u16 = uapi::action_attr::CHECK_PKT_LEN;
const A_ADD_MPLS: u16 = uapi::action_attr::ADD_MPLS;
const A_DEC_TTL: u16 = uapi::action_attr::DEC_TTL;
const A_DROP: u16 = uapi::action_attr::DROP;
const A_PSAMPLE: u16 = uapi::action_attr::PSAMPLE;

/// One request before encoding.
pub struct Msg {
    pub fam: usize,
    pub cmd: u8,
    pub flags: u16,
    pub dp: i32,
    pub attrs: Vec<A>,
}

impl Msg {
    fn new(fam: usize, cmd: u8, dp: i32, attrs: Vec<A>) -> Msg {
        Msg { fam, cmd, flags: NLM_F_REQUEST | NLM_F_ACK, dp, attrs }
    }
}

#[derive(Clone)]
enum L3 {
    None,
    V4 { src: [u8; 4], dst: [u8; 4], proto: u8, tos: u8, ttl: u8, frag: u8 },
    V6 { src: [u8; 16], dst: [u8; 16], label: u32, proto: u8, tclass: u8, hlimit: u8, frag: u8 },
    Arp { sip: [u8; 4], tip: [u8; 4], op: u16, sha: [u8; 6], tha: [u8; 6] },
}

#[derive(Clone)]
enum L4 {
    None,
    Ports(u16, u16, u16), // key attr (TCP/UDP/SCTP), src, dst
    Icmp(u16, u8, u8),    // key attr (ICMP/ICMPV6), type, code
}

/// A packet and its flow key: the frame, the key and the mask are built from the same values.
#[derive(Clone)]
pub struct Flow {
    meta: Vec<A>,
    src: [u8; 6],
    dst: [u8; 6],
    vlan: Option<u16>,
    etype: u16,
    l3: L3,
    l4: L4,
    nd: Option<([u8; 16], [u8; 6], [u8; 6])>,
    tcp_flags: Option<u16>,
}

/// Per-worker generator state: the datapath and port names it may create (bounded pools).
pub struct Gen {
    pub rng: Rng,
    pub dp_names: Vec<String>,
    pub other_dps: Vec<String>,
    pub port_names: Vec<String>,
    pub netdevs: Vec<String>,
    pub sink_pid: u32,
    pub stale_ifindex: Vec<i32>,
    /// Cached ifindex of each dp slot and the requests left before it is looked up again
    /// (if_nametoindex costs a socket per call; a stale value is one more wrong dp_ifindex).
    pub cache: Vec<(i32, u32)>,
}

pub fn ifindex(name: &str) -> i32 {
    let c = std::ffi::CString::new(name).unwrap();
    // SAFETY: c is a live NUL-terminated string.
    (unsafe { libc::if_nametoindex(c.as_ptr()) }) as i32
}

impl Gen {
    // ---- datapath selection -----------------------------------------------------------------

    /// A datapath slot of this worker: (name, current ifindex or 0 if it does not exist).
    pub fn slot(&mut self) -> (String, i32) {
        let n = pk!(self.rng, [0usize, 0, 0, 1]).min(self.dp_names.len() - 1);
        let name = self.dp_names[n].clone();
        if self.cache.len() < self.dp_names.len() {
            self.cache.resize(self.dp_names.len(), (0, 0));
        }
        if self.cache[n].1 == 0 {
            self.cache[n] = (ifindex(&name), 32);
        }
        self.cache[n].1 -= 1;
        (name, self.cache[n].0)
    }

    /// The ovs_header dp_ifindex: usually our datapath, sometimes a wrong one.
    pub fn dp_ifindex(&mut self, good: i32) -> i32 {
        if !self.rng.chance(1, 12) {
            return good;
        }
        match self.rng.below(7) {
            0 => 0,
            1 => -1,
            2 => 1, // lo: a netdev that is not a datapath
            3 => { let n = self.pick_name(0); ifindex(&n) },
            4 => self.stale_ifindex.last().copied().unwrap_or(12345),
            5 => {
                let o = self.pick_name(1);
                ifindex(&o)
            }
            _ => self.rng.u32() as i32,
        }
    }

    fn pick_name(&mut self, which: usize) -> String {
        let l = match which {
            0 => &self.netdevs,
            1 => &self.other_dps,
            _ => &self.port_names,
        };
        let i = self.rng.below(l.len() as u64) as usize;
        l[i].clone()
    }

    fn upcall_pid(&mut self) -> u32 {
        match self.rng.below(8) {
            0 => 0,
            1 => self.rng.u32(),
            _ => self.sink_pid,
        }
    }

    fn pids(&mut self, min: usize) -> Vec<u8> {
        let n = match self.rng.below(10) {
            0 => 0,
            1 => self.rng.range(2, 64) as usize,
            2 => self.rng.range(65, 1024) as usize,
            _ => 1,
        }
        .max(min);
        let mut v = Vec::new();
        for _ in 0..n {
            let p = self.upcall_pid();
            v.extend_from_slice(&p.to_ne_bytes());
        }
        if self.rng.chance(1, 20) {
            v.push(self.rng.u8()); // not a multiple of 4
        }
        v
    }

    // ---- per-family structured requests -----------------------------------------------------

    pub fn dp_new(&mut self, name: &str) -> Msg {
        let mut a = vec![stra(1, name), u32a(2, self.upcall_pid())];
        if self.rng.chance(1, 2) {
            let f = if self.rng.chance(1, 10) { self.rng.u32() } else { self.rng.below(16) as u32 };
            a.push(u32a(5, f));
        }
        if self.rng.chance(1, 6) {
            let p = self.pids(0);
            a.push(A::L(8, p));
        }
        if self.rng.chance(1, 8) {
            a.push(u32a(7, pk!(self.rng, [0, 1, 256, 8192, 0x7fff_ffff, 3])));
        }
        if self.rng.chance(1, 30) {
            a.push(u32a(9, self.rng.range(1000, 100_000) as u32)); // requested ifindex
        }
        Msg::new(F_DP, 1, 0, a)
    }

    fn dp_msg(&mut self) -> Msg {
        let (name, ifx) = self.slot();
        match self.rng.weighted(&[30, 3, 45, 22]) {
            0 => {
                let name = if self.rng.chance(1, 40) {
                    // Outside the pool: the sweep deletes these.
                    format!("fzx{}", self.rng.below(4))
                } else {
                    name
                };
                let mut m = self.dp_new(&name);
                m.dp = self.dp_ifindex(0);
                m
            }
            1 => {
                self.cache.clear();
                if ifx != 0 {
                    self.stale_ifindex.push(ifx);
                    if self.stale_ifindex.len() > 8 {
                        self.stale_ifindex.remove(0);
                    }
                }
                if self.rng.chance(1, 2) {
                    Msg::new(F_DP, 2, 0, vec![stra(1, &name)])
                } else {
                    let d = self.dp_ifindex(ifx);
                    Msg::new(F_DP, 2, d, vec![])
                }
            }
            2 => {
                let d = self.dp_ifindex(ifx);
                let mut m = if self.rng.chance(1, 2) {
                    Msg::new(F_DP, 3, d, vec![stra(1, &name)])
                } else {
                    Msg::new(F_DP, 3, d, vec![])
                };
                if self.rng.chance(1, 3) {
                    m.flags |= NLM_F_DUMP;
                }
                m
            }
            _ => {
                let d = self.dp_ifindex(ifx);
                let mut a = Vec::new();
                if self.rng.chance(1, 2) {
                    a.push(stra(1, &name));
                }
                if self.rng.chance(2, 3) {
                    let f = if self.rng.chance(1, 10) { self.rng.u32() } else { self.rng.below(16) as u32 };
                    a.push(u32a(5, f));
                }
                if self.rng.chance(1, 3) {
                    a.push(u32a(2, self.upcall_pid()));
                }
                if self.rng.chance(1, 3) {
                    a.push(u32a(7, pk!(self.rng, [0, 1, 2, 256, 1024, 8192, 16384, 3, 0xffff_ffff])));
                }
                if self.rng.chance(1, 4) {
                    let p = self.pids(0);
                    a.push(A::L(8, p));
                }
                Msg::new(F_DP, 4, d, a)
            }
        }
    }

    fn vport_name(&mut self) -> String {
        if self.rng.chance(1, 6) {
            self.pick_name(0)
        } else {
            self.pick_name(2)
        }
    }

    fn vport_msg(&mut self) -> Msg {
        let (_, ifx) = self.slot();
        let d = self.dp_ifindex(ifx);
        let name = self.vport_name();
        match self.rng.weighted(&[25, 10, 45, 20]) {
            0 => {
                let is_netdev = self.netdevs.contains(&name);
                let ty = match self.rng.below(20) {
                    0 => self.rng.range(3, 5) as u32, // gre, vxlan, geneve
                    1 => self.rng.interesting_u32(),
                    2 => 0,
                    _ if is_netdev => 1,
                    _ => 2,
                };
                let mut a = vec![u32a(2, ty), stra(3, &name)];
                let p = self.pids(1);
                a.push(A::L(5, p));
                if self.rng.chance(1, 4) {
                    a.push(u32a(1, pk!(self.rng, [0, 1, 2, 3, 7, 100, 65535, 65536, 0xffff_ffff])));
                }
                if ty >= 3 && ty <= 5 || self.rng.chance(1, 20) {
                    a.push(A::N(4, vec![u16a(1, self.rng.range(20000, 60000) as u16)]));
                }
                Msg::new(F_VPORT, 1, d, a)
            }
            1 => {
                let a = if self.rng.chance(1, 2) {
                    vec![stra(3, &name)]
                } else {
                    vec![u32a(1, self.rng.below(8) as u32)]
                };
                Msg::new(F_VPORT, 2, d, a)
            }
            2 => {
                let mut m = match self.rng.below(3) {
                    0 => Msg::new(F_VPORT, 3, d, vec![stra(3, &name)]),
                    1 => Msg::new(F_VPORT, 3, d, vec![u32a(1, self.rng.below(8) as u32)]),
                    _ => Msg::new(F_VPORT, 3, d, vec![]),
                };
                if self.rng.chance(1, 3) {
                    m.flags |= NLM_F_DUMP;
                }
                m
            }
            _ => {
                let mut a = if self.rng.chance(1, 2) {
                    vec![stra(3, &name)]
                } else {
                    vec![u32a(1, self.rng.below(8) as u32)]
                };
                if self.rng.chance(2, 3) {
                    let p = self.pids(0);
                    a.push(A::L(5, p));
                }
                if self.rng.chance(1, 4) {
                    a.push(u32a(2, self.rng.below(6) as u32));
                }
                if self.rng.chance(1, 8) {
                    a.push(A::N(4, vec![u16a(1, self.rng.u16())]));
                }
                Msg::new(F_VPORT, 4, d, a)
            }
        }
    }

    pub fn flow(&mut self) -> Flow {
        let r = &mut self.rng;
        let mut meta = Vec::new();
        if r.chance(3, 4) {
            meta.push(u32a(K_IN_PORT, pk!(r, [0, 1, 2, 3, 4, 5, 0xffff_ffff])));
        }
        if r.chance(1, 5) {
            meta.push(u32a(K_PRIORITY, r.interesting_u32()));
        }
        if r.chance(1, 5) {
            meta.push(u32a(K_SKB_MARK, r.interesting_u32()));
        }
        if r.chance(1, 4) {
            meta.push(u32a(K_RECIRC_ID, r.below(4) as u32));
        }
        if r.chance(1, 10) {
            meta.push(u32a(K_DP_HASH, r.u32()));
        }
        if r.chance(1, 30) {
            meta.push(u32a(K_CT_STATE, r.below(256) as u32));
            meta.push(u16a(K_CT_ZONE, r.u16()));
            meta.push(u32a(K_CT_MARK, r.u32()));
            if r.chance(1, 2) {
                meta.push(A::L(uapi::key_attr::CT_LABELS, r.bytes(16)));
            }
        }
        if r.chance(1, 50) {
            meta.push(be32a(K_PACKET_TYPE, pk!(r, [0, 0x0001_0800, r.u32()])));
        }
        if r.chance(1, 50) {
            meta.push(u16a(K_IPV6_EXTHDRS, r.u16()));
        }
        if r.chance(1, 40) {
            meta.push(A::L(K_CT_LABELS, r.bytes(16)));
            meta.push(A::L(K_CT_TUPLE4, r.bytes(16)));
        }
        let vlan = if r.chance(1, 6) { Some(r.u16() & 0xefff) } else { None };
        let (etype, l3) = match r.weighted(&[8, 50, 30, 12]) {
            0 => (pk!(r, [0x88cc, 0x0600, 0x1234, 0x8847, 0x86dd, 0x0800]), L3::None),
            1 => {
                let proto = pk!(r, [6, 17, 1, 132, 6, 17, 47, r.u8()]);
                let frag = pk!(r, [0, 0, 0, 0, 0, 0, 1, 2]);
                (0x0800, L3::V4 { src: r.arr(), dst: r.arr(), proto, tos: r.u8(), ttl: r.u8(), frag })
            }
            2 => {
                let proto = pk!(r, [6, 17, 58, 58, 132, r.u8()]);
                let frag = pk!(r, [0, 0, 0, 0, 0, 0, 1, 2]);
                (0x86dd, L3::V6 { src: r.arr(), dst: r.arr(), label: r.u32() & 0xfffff, proto, tclass: r.u8(), hlimit: r.u8(), frag })
            }
            _ => (0x0806, L3::Arp { sip: r.arr(), tip: r.arr(), op: pk!(r, [1, 2, r.u16()]), sha: r.arr(), tha: r.arr() }),
        };
        let (proto, frag) = match &l3 {
            L3::V4 { proto, frag, .. } | L3::V6 { proto, frag, .. } => (*proto, *frag),
            _ => (0, 0),
        };
        let mut nd = None;
        let l4 = if frag == 2 || matches!(l3, L3::None | L3::Arp { .. }) {
            L4::None
        } else {
            match proto {
                6 => L4::Ports(K_TCP, r.u16(), r.u16()),
                17 => L4::Ports(K_UDP, r.u16(), r.u16()),
                132 => L4::Ports(K_SCTP, r.u16(), r.u16()),
                1 => L4::Icmp(K_ICMP, r.u8(), r.u8()),
                58 => {
                    if r.chance(1, 3) {
                        nd = Some((r.arr(), r.arr(), r.arr()));
                        L4::Icmp(K_ICMPV6, pk!(r, [135, 136]), 0)
                    } else {
                        L4::Icmp(K_ICMPV6, r.u8(), r.u8())
                    }
                }
                _ => L4::None,
            }
        };
        let tcp_flags = if matches!(l4, L4::Ports(K_TCP, _, _)) && r.chance(1, 2) { Some(r.u16() & 0x0fff) } else { None };
        Flow { meta, src: r.arr(), dst: r.arr(), vlan, etype, l3, l4, nd, tcp_flags }
    }

    /// Key attributes (mask = Some(...) turns them into a mask with that rng).
    fn key_attrs(f: &Flow, mut mask: Option<&mut Rng>) -> Vec<A> {
        let mut m = |v: Vec<u8>, exact: &[usize]| -> Vec<u8> {
            match mask.as_deref_mut() {
                None => v,
                Some(r) => {
                    if r.chance(3, 5) {
                        vec![0xff; v.len()]
                    } else {
                        let mut b = r.bytes(v.len());
                        for &i in exact {
                            if i < b.len() && r.chance(9, 10) {
                                b[i] = 0xff;
                            }
                        }
                        b
                    }
                }
            }
        };
        let mut out: Vec<A> = f
            .meta
            .iter()
            .map(|a| match a {
                A::L(t, v) => A::L(*t, m(v.clone(), &[0, 1, 2, 3])),
                other => other.clone(),
            })
            .collect();
        let mut eth = f.src.to_vec();
        eth.extend_from_slice(&f.dst);
        out.push(A::L(K_ETHERNET, m(eth, &[])));
        let mut inner = vec![A::L(K_ETHERTYPE, m(f.etype.to_be_bytes().to_vec(), &[0, 1]))];
        match &f.l3 {
            L3::None => {}
            L3::V4 { src, dst, proto, tos, ttl, frag } => {
                let mut v = src.to_vec();
                v.extend_from_slice(dst);
                v.extend_from_slice(&[*proto, *tos, *ttl, *frag]);
                inner.push(A::L(K_IPV4, m(v, &[8, 11])));
            }
            L3::V6 { src, dst, label, proto, tclass, hlimit, frag } => {
                let mut v = src.to_vec();
                v.extend_from_slice(dst);
                v.extend_from_slice(&label.to_be_bytes());
                v.extend_from_slice(&[*proto, *tclass, *hlimit, *frag]);
                inner.push(A::L(K_IPV6, m(v, &[36, 39])));
            }
            L3::Arp { sip, tip, op, sha, tha } => {
                let mut v = sip.to_vec();
                v.extend_from_slice(tip);
                v.extend_from_slice(&op.to_be_bytes());
                v.extend_from_slice(sha);
                v.extend_from_slice(tha);
                v.extend_from_slice(&[0, 0]);
                inner.push(A::L(K_ARP, m(v, &[])));
            }
        }
        match &f.l4 {
            L4::None => {}
            L4::Ports(t, s, d) => {
                let mut v = s.to_be_bytes().to_vec();
                v.extend_from_slice(&d.to_be_bytes());
                inner.push(A::L(*t, m(v, &[])));
            }
            L4::Icmp(t, ty, code) => inner.push(A::L(*t, m(vec![*ty, *code], &[0]))),
        }
        if let Some(fl) = f.tcp_flags {
            inner.push(A::L(K_TCP_FLAGS, m(fl.to_be_bytes().to_vec(), &[])));
        }
        if let Some((t, sll, tll)) = &f.nd {
            let mut v = t.to_vec();
            v.extend_from_slice(sll);
            v.extend_from_slice(tll);
            inner.push(A::L(K_ND, m(v, &[])));
        }
        match f.vlan {
            None => out.extend(inner),
            Some(tci) => {
                out.push(A::L(K_VLAN, m((tci | 0x1000).to_be_bytes().to_vec(), &[0])));
                out.push(A::L(K_ETHERTYPE, m(0x8100u16.to_be_bytes().to_vec(), &[0, 1])));
                out.push(A::N(K_ENCAP, inner));
            }
        }
        out
    }

    /// The frame the key describes.
    fn frame(&mut self, f: &Flow) -> Vec<u8> {
        let mut p = f.dst.to_vec();
        p.extend_from_slice(&f.src);
        if let Some(tci) = f.vlan {
            p.extend_from_slice(&[0x81, 0x00]);
            p.extend_from_slice(&tci.to_be_bytes());
        }
        p.extend_from_slice(&f.etype.to_be_bytes());
        let payload = self.rng.rbytes(48);
        let mut l4 = match &f.l4 {
            L4::None => Vec::new(),
            L4::Ports(t, s, d) => {
                let mut v = s.to_be_bytes().to_vec();
                v.extend_from_slice(&d.to_be_bytes());
                match *t {
                    K_TCP => {
                        v.extend_from_slice(&self.rng.bytes(8));
                        let fl = f.tcp_flags.unwrap_or(0x18);
                        v.extend_from_slice(&(0x5000 | fl).to_be_bytes());
                        v.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
                    }
                    K_UDP => v.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes().iter().chain(&[0, 0]).copied().collect::<Vec<_>>()),
                    _ => v.extend_from_slice(&self.rng.bytes(8)),
                }
                v
            }
            L4::Icmp(_, ty, code) => {
                let mut v = vec![*ty, *code, 0, 0, 0, 0, 0, 0];
                if let Some((t, sll, _)) = &f.nd {
                    v.extend_from_slice(t);
                    v.extend_from_slice(&[1, 1]);
                    v.extend_from_slice(sll);
                }
                v
            }
        };
        l4.extend_from_slice(&payload);
        match &f.l3 {
            L3::None => p.extend_from_slice(&l4),
            L3::V4 { src, dst, proto, tos, ttl, frag } => {
                let tot = (20 + l4.len()) as u16;
                let fragw: u16 = match frag {
                    1 => 0x2000,
                    2 => 0x0010,
                    _ => 0,
                };
                p.extend_from_slice(&[0x45, *tos]);
                p.extend_from_slice(&tot.to_be_bytes());
                p.extend_from_slice(&[0, 1]);
                p.extend_from_slice(&fragw.to_be_bytes());
                p.extend_from_slice(&[*ttl, *proto, 0, 0]);
                p.extend_from_slice(src);
                p.extend_from_slice(dst);
                p.extend_from_slice(&l4);
            }
            L3::V6 { src, dst, label, proto, tclass, hlimit, frag } => {
                let mut body = Vec::new();
                let mut nh = *proto;
                if *frag != 0 {
                    // Fragment header: first (offset 0, M) or later (offset 8).
                    let off: u16 = if *frag == 1 { 1 } else { 8 << 3 };
                    body.extend_from_slice(&[*proto, 0]);
                    body.extend_from_slice(&off.to_be_bytes());
                    body.extend_from_slice(&[0, 0, 0, 7]);
                    nh = 44;
                }
                body.extend_from_slice(&l4);
                let w = 0x6000_0000u32 | ((*tclass as u32) << 20) | label;
                p.extend_from_slice(&w.to_be_bytes());
                p.extend_from_slice(&(body.len() as u16).to_be_bytes());
                p.extend_from_slice(&[nh, *hlimit]);
                p.extend_from_slice(src);
                p.extend_from_slice(dst);
                p.extend_from_slice(&body);
            }
            L3::Arp { sip, tip, op, sha, tha } => {
                p.extend_from_slice(&[0, 1, 8, 0, 6, 4]);
                p.extend_from_slice(&op.to_be_bytes());
                p.extend_from_slice(sha);
                p.extend_from_slice(sip);
                p.extend_from_slice(tha);
                p.extend_from_slice(tip);
            }
        }
        p
    }

    /// A set/set_masked payload: one key attribute of the flow with new values.
    fn set_target(&mut self, f: &Flow, masked: bool) -> A {
        let r = &mut self.rng;
        let mut a = match r.below(9) {
            0 => A::L(K_ETHERNET, r.bytes(12)),
            1 => u32a(K_PRIORITY, r.u32()),
            2 => u32a(K_SKB_MARK, r.u32()),
            3 => match &f.l3 {
                L3::V4 { proto, frag, .. } => {
                    let mut v = r.bytes(12);
                    if r.chance(4, 5) {
                        v[8] = *proto;
                        v[11] = *frag;
                    }
                    A::L(K_IPV4, v)
                }
                L3::V6 { proto, frag, .. } => {
                    let mut v = r.bytes(40);
                    v[32] &= 0x0f;
                    if r.chance(4, 5) {
                        v[36] = *proto;
                        v[39] = *frag;
                    }
                    A::L(K_IPV6, v)
                }
                _ => A::L(K_IPV4, r.bytes(12)),
            },
            4 => match &f.l4 {
                L4::Ports(t, _, _) => A::L(*t, r.bytes(4)),
                _ => A::L(K_UDP, r.bytes(4)),
            },
            5 => A::L(K_ND, r.bytes(28)),
            6 => A::N(K_TUNNEL, vec![u64a(0, r.u64_()), A::L(2, r.bytes(4)), A::L(4, vec![r.u8()]), A::L(5, vec![64])]),
            7 => be32a(K_MPLS, r.u32()),
            _ => A::L(r.below(33) as u16, r.rbytes(20)),
        };
        if masked {
            if let A::L(_, v) = &mut a {
                let mask = if r.chance(1, 2) { vec![0xff; v.len()] } else { r.bytes(v.len()) };
                v.extend_from_slice(&mask);
                if let A::L(K_IPV4, v) = &mut a {
                    // (the random branch above may make a short "IPv4" attribute)
                    if v.len() == 24 && r.chance(4, 5) {
                        v[12 + 8] = 0;
                        v[12 + 11] = 0;
                    }
                }
            }
        }
        a
    }

    pub fn actions(&mut self, f: &Flow, depth: u32) -> Vec<A> {
        let n = pk!(self.rng, [0usize, 1, 1, 2, 2, 3, 4, 6]);
        let mut v: Vec<A> = (0..n).map(|_| self.action(f, depth)).collect();
        if self.rng.chance(1, 25) {
            v.push(u32a(A_DROP, pk!(self.rng, [0, 0, 1, 22, self.rng.u32()])));
        }
        v
    }

    fn action(&mut self, f: &Flow, depth: u32) -> A {
        let nest_ok = depth < 3;
        let k = self.rng.weighted(&[30, 6, 8, 8, 5, 4, 4, 4, 4, 4, 5, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        let r = &mut self.rng;
        match k {
            0 => u32a(A_OUTPUT, pk!(r, [0, 1, 2, 3, 4, 5, 100, 0xffff_ffff])),
            1 => {
                let mut a = vec![u32a(1, self.upcall_pid())];
                if self.rng.chance(1, 2) {
                    a.push(A::L(2, self.rng.rbytes(40)));
                }
                if self.rng.chance(1, 10) {
                    a.push(u32a(3, self.rng.below(6) as u32));
                }
                if self.rng.chance(1, 10) {
                    a.push(flag(4));
                }
                A::N(A_USERSPACE, a)
            }
            2 => A::N(A_SET, vec![self.set_target(f, false)]),
            3 => A::N(A_SET_MASKED, vec![self.set_target(f, true)]),
            4 => {
                let tpid: u16 = pk!(r, [0x8100, 0x8100, 0x88a8, r.u16()]);
                let tci: u16 = if r.chance(4, 5) { r.u16() | 0x1000 } else { r.u16() };
                let mut v = tpid.to_be_bytes().to_vec();
                v.extend_from_slice(&tci.to_be_bytes());
                A::L(A_PUSH_VLAN, v)
            }
            5 => flag(A_POP_VLAN),
            6 if nest_ok => {
                let p = pk!(r, [0, 0xffff_ffff, 0x8000_0000, r.u32()]);
                A::N(A_SAMPLE, vec![u32a(1, p), A::N(2, self.actions(f, depth + 1))])
            }
            7 => u32a(A_RECIRC, r.below(4) as u32),
            8 => {
                let mut v = pk!(r, [0u32, 1, 2, r.u32()]).to_ne_bytes().to_vec();
                v.extend_from_slice(&r.u32().to_ne_bytes());
                A::L(A_HASH, v)
            }
            9 => u32a(A_TRUNC, pk!(r, [0, 13, 14, 15, 60, 100, 1500, r.u32()])),
            10 if nest_ok => A::N(A_CLONE, self.actions(f, depth + 1)),
            11 if nest_ok => {
                let mut a = vec![u16a(1, pk!(r, [0, 14, 64, 100, 1500, 0xffff]))];
                if self.rng.chance(9, 10) {
                    a.push(A::N(2, self.actions(f, depth + 1)));
                }
                if self.rng.chance(9, 10) {
                    a.push(A::N(3, self.actions(f, depth + 1)));
                }
                A::N(A_CHECK_PKT_LEN, a)
            }
            12 => {
                let mut a = Vec::new();
                if r.chance(1, 2) {
                    a.push(flag(1));
                }
                if r.chance(1, 2) {
                    a.push(u16a(2, r.below(4) as u16));
                }
                if r.chance(1, 4) {
                    a.push(A::L(3, r.bytes(8)));
                }
                if r.chance(1, 6) {
                    a.push(A::L(4, r.bytes(32)));
                }
                if r.chance(1, 6) {
                    a.push(A::N(6, vec![flag(r.range(1, 2) as u16), A::L(3, r.bytes(4)), A::L(4, r.bytes(4))]));
                }
                // Issue 14: the rest of OVS_CT_ATTR_* (force_commit, helper, event mask,
                // timeout policy) and NAT's ports and flags.
                if r.chance(1, 8) {
                    a.push(flag(7));
                }
                if r.chance(1, 8) {
                    let name: &[u8] = pk!(r, [&b"ftp\0"[..], &b"tftp\0"[..], &b"nonexistent\0"[..], &b"ftp"[..]]);
                    a.push(A::L(5, name.to_vec()));
                }
                if r.chance(1, 8) {
                    a.push(u32a(8, r.u32()));
                }
                if r.chance(1, 10) {
                    a.push(A::L(9, b"ovs_test_tp\0".to_vec()));
                }
                if r.chance(1, 6) {
                    let mut nat = vec![flag(r.range(1, 2) as u16)];
                    if r.chance(1, 2) {
                        let n = pk!(r, [4usize, 16]);
                        nat.push(A::L(3, r.bytes(n)));
                    }
                    if r.chance(1, 2) {
                        nat.push(u16a(5, r.u16()));
                        nat.push(u16a(6, r.u16()));
                    }
                    for f in [7u16, 8, 9] {
                        if r.chance(1, 3) {
                            nat.push(flag(f));
                        }
                    }
                    a.push(A::N(6, nat));
                }
                A::N(A_CT, a)
            }
            13 => u32a(A_METER, r.below(8) as u32),
            14 => {
                let mut v = r.u32().to_be_bytes().to_vec();
                v.extend_from_slice(&pk!(r, [0x8847u16, 0x8848, r.u16()]).to_be_bytes());
                v.extend_from_slice(&[0, 0]);
                A::L(if r.chance(1, 2) { A_PUSH_MPLS } else { A_ADD_MPLS }, v)
            }
            15 => be16a(A_POP_MPLS, pk!(r, [0x0800, 0x86dd, r.u16()])),
            16 => A::L(A_PUSH_ETH, r.bytes(12)),
            17 => flag(A_POP_ETH),
            18 => flag(A_CT_CLEAR),
            19 if nest_ok => A::N(A_DEC_TTL, vec![A::N(1, self.actions(f, depth + 1))]),
            20 => A::N(A_PSAMPLE, vec![u32a(1, r.u32()), A::L(2, r.rbytes(20))]),
            21 => A::L(r.range(26, 40) as u16, r.rbytes(8)),
            _ => u32a(A_OUTPUT, r.below(4) as u32),
        }
    }

    /// Nested actions `depth` deep: clone/sample/check_pkt_len/dec_ttl inside each other.
    pub fn deep_actions(&mut self, depth: u32) -> Vec<A> {
        let mut inner = vec![u32a(A_OUTPUT, self.rng.below(3) as u32)];
        // Half the chains use only clone/sample, which every datapath supports, so that the
        // depth limit itself (EOVERFLOW past 16 upstream) is reached, not an unsupported type.
        let kinds = if self.rng.chance(1, 2) { 2 } else { 4 };
        for _ in 0..depth {
            inner = match self.rng.below(kinds) {
                0 => vec![A::N(A_CLONE, inner)],
                1 => vec![A::N(A_SAMPLE, vec![u32a(1, 0xffff_ffff), A::N(2, inner)])],
                2 => vec![A::N(A_CHECK_PKT_LEN, vec![u16a(1, 100), A::N(2, inner.clone()), A::N(3, inner)])],
                _ => vec![A::N(A_DEC_TTL, vec![A::N(1, inner)])],
            };
            // check_pkt_len doubles the tree; keep it within a netlink attribute.
            let mut tmp = Vec::new();
            encode_attrs(&inner, &mut tmp, &mut Vec::new());
            if tmp.len() > 30000 {
                break;
            }
        }
        inner
    }

    /// A key with ENCAP nested `depth` deep (VLAN in VLAN in ...).
    pub fn deep_key(&mut self, f: &Flow, depth: u32) -> Vec<A> {
        let mut k = Self::key_attrs(f, None);
        for _ in 0..depth {
            let tci = (self.rng.u16() | 0x1000).to_be_bytes().to_vec();
            let mut outer = f.meta.clone();
            outer.push(A::L(K_ETHERNET, self.rng.bytes(12)));
            outer.push(A::L(K_VLAN, tci));
            outer.push(be16a(K_ETHERTYPE, 0x8100));
            k.retain(|a| !matches!(a.ty(), K_IN_PORT | K_PRIORITY | K_SKB_MARK | K_RECIRC_ID | K_DP_HASH | K_ETHERNET));
            outer.push(A::N(K_ENCAP, k));
            k = outer;
        }
        k
    }

    fn ufid(&mut self) -> A {
        let n = pk!(self.rng, [16, 16, 16, 16, 8, 1, 0, 17, 20]);
        A::L(10, self.rng.bytes(n))
    }

    pub fn flow_msg(&mut self) -> Msg {
        let (_, ifx) = self.slot();
        let d = self.dp_ifindex(ifx);
        let f = self.flow();
        let key = Self::key_attrs(&f, None);
        match self.rng.weighted(&[45, 12, 15, 12, 10, 1]) {
            0 | 1 => {
                let cmd = if self.rng.chance(4, 5) { 1 } else { 4 };
                let mut a = vec![A::N(1, key)];
                if self.rng.chance(1, 2) {
                    let mut r2 = Rng(self.rng.next());
                    a.push(A::N(7, Self::key_attrs(&f, Some(&mut r2))));
                }
                if self.rng.chance(19, 20) {
                    a.push(A::N(2, self.actions(&f, 0)));
                }
                if self.rng.chance(1, 2) {
                    a.push(self.ufid());
                }
                if self.rng.chance(1, 10) {
                    a.push(flag(8));
                }
                if self.rng.chance(1, 10) {
                    a.push(u32a(11, self.rng.below(8) as u32));
                }
                if self.rng.chance(1, 20) {
                    a.push(flag(6));
                }
                let mut m = Msg::new(F_FLOW, cmd, d, a);
                m.flags |= pk!(self.rng, [0, 0, 0x400, 0x200 | 0x400, 0x100]);
                m
            }
            2 => {
                let mut a = if self.rng.chance(1, 2) { vec![A::N(1, key)] } else { vec![self.ufid()] };
                if self.rng.chance(1, 4) {
                    a.push(u32a(11, self.rng.below(8) as u32));
                }
                Msg::new(F_FLOW, 3, d, a)
            }
            3 => {
                let a = if self.rng.chance(1, 2) { vec![A::N(1, key)] } else { vec![self.ufid()] };
                Msg::new(F_FLOW, 2, d, a)
            }
            4 => {
                let mut a = Vec::new();
                if self.rng.chance(1, 3) {
                    a.push(u32a(11, self.rng.below(8) as u32));
                }
                let mut m = Msg::new(F_FLOW, 3, d, a);
                m.flags |= NLM_F_DUMP;
                m
            }
            _ => Msg::new(F_FLOW, 2, d, vec![]), // flush
        }
    }

    pub fn packet_msg(&mut self) -> Msg {
        let (_, ifx) = self.slot();
        let d = self.dp_ifindex(ifx);
        let f = self.flow();
        let mut pkt = self.frame(&f);
        match self.rng.below(20) {
            0 => pkt.truncate(self.rng.below(pkt.len() as u64) as usize),
            1 => pkt = self.rng.rbytes(100),
            2 => {
                let n = self.rng.range(1400, 9000) as usize;
                pkt.extend(self.rng.bytes(n))
            }
            _ => {}
        }
        let key = if self.rng.chance(1, 2) { Self::key_attrs(&f, None) } else { f.meta.clone() };
        let mut a = vec![A::L(1, pkt), A::N(2, key), A::N(3, self.actions(&f, 0))];
        if self.rng.chance(1, 10) {
            a.push(flag(7));
        }
        if self.rng.chance(1, 10) {
            a.push(u16a(8, pk!(self.rng, [0, 1, 68, 576, 1500, 0xffff])));
        }
        if self.rng.chance(1, 10) {
            a.push(u64a(10, self.rng.next()));
        }
        if self.rng.chance(1, 30) {
            a.push(u32a(9, self.rng.u32()));
        }
        Msg::new(F_PACKET, 3, d, a)
    }

    fn meter_msg(&mut self) -> Msg {
        let (_, ifx) = self.slot();
        let d = self.dp_ifindex(ifx);
        let id = if self.rng.chance(1, 10) { self.rng.interesting_u32() } else { self.rng.below(8) as u32 };
        match self.rng.weighted(&[10, 40, 15, 30]) {
            0 => Msg::new(F_METER, 1, d, vec![]),
            1 => {
                let mut a = vec![u32a(1, id)];
                if self.rng.chance(1, 2) {
                    a.push(flag(2));
                }
                let nb = pk!(self.rng, [0, 1, 1, 1, 2, 3]);
                let bands = (0..nb)
                    .map(|_| {
                        A::N(1, vec![
                            u32a(1, pk!(self.rng, [1, 1, 1, 0, 2])),
                            u32a(2, self.rng.interesting_u32()),
                            u32a(3, self.rng.interesting_u32()),
                        ])
                    })
                    .collect();
                if self.rng.chance(9, 10) {
                    a.push(A::N(4, bands));
                }
                if self.rng.chance(1, 10) {
                    a.push(flag(6));
                }
                Msg::new(F_METER, 2, d, a)
            }
            2 => Msg::new(F_METER, 3, d, vec![u32a(1, id)]),
            _ => {
                let mut m = Msg::new(F_METER, 4, d, vec![u32a(1, id)]);
                if self.rng.chance(1, 3) {
                    m.attrs.clear();
                    m.flags |= NLM_F_DUMP;
                }
                m
            }
        }
    }

    fn ctlimit_msg(&mut self) -> Msg {
        let n = pk!(self.rng, [0usize, 1, 1, 2, 4]);
        let mut v = Vec::new();
        for _ in 0..n {
            let zone: i32 = if self.rng.chance(1, 4) { -1 } else if self.rng.chance(1, 10) { self.rng.u32() as i32 } else { self.rng.below(8) as i32 };
            v.extend_from_slice(&zone.to_ne_bytes());
            v.extend_from_slice(&pk!(self.rng, [0u32, 1, 10, 1000, 0xffff_ffff]).to_ne_bytes());
            v.extend_from_slice(&0u32.to_ne_bytes());
        }
        let cmd = pk!(self.rng, [1u8, 1, 2, 3, 3]);
        let a = if n == 0 && self.rng.chance(1, 2) { vec![] } else { vec![A::L(1, v)] };
        Msg::new(F_CTLIMIT, cmd, 0, a)
    }

    /// A structured request for family `fam`. When the chosen datapath slot does not exist,
    /// half of the time the request is the datapath's creation instead.
    pub fn structured(&mut self, fam: usize) -> Msg {
        if fam != F_DP && fam != F_CTLIMIT {
            let (name, ifx) = self.slot();
            // The coin is tossed either way: the stream stays the same whatever exists.
            let coin = self.rng.chance(1, 2);
            if ifx == 0 && coin {
                self.cache.clear();
                return self.dp_new(&name);
            }
        }
        match fam {
            F_DP => self.dp_msg(),
            F_VPORT => self.vport_msg(),
            F_FLOW => self.flow_msg(),
            F_PACKET => self.packet_msg(),
            F_METER => self.meter_msg(),
            _ => self.ctlimit_msg(),
        }
    }

    // ---- mutations --------------------------------------------------------------------------

    /// Structural mutations of the attribute tree: duplicates, deletions, unknown attribute
    /// numbers, wrong lengths (zero, off by one, oversized), leaf/nest confusion, retyping.
    pub fn mutate_tree(&mut self, attrs: &mut Vec<A>) {
        let n_ops = self.rng.range(1, 3);
        for _ in 0..n_ops {
            let lists = count_lists(attrs);
            let k = self.rng.below(lists as u64) as usize;
            let list = nth_list(attrs, k);
            let r = &mut self.rng;
            let op = r.below(9);
            if list.is_empty() || op == 0 {
                let t = pk!(r, [0u16, 33, 34, 40, 100, 0x3fff, r.u16() & 0x3fff, r.below(40) as u16]);
                let len = pk!(r, [0usize, 1, 2, 4, 8, 16, r.below(64) as usize]);
                let at = r.below(list.len() as u64 + 1) as usize;
                list.insert(at, A::L(t, r.bytes(len)));
                continue;
            }
            let i = r.below(list.len() as u64) as usize;
            match op {
                1 => {
                    let c = list[i].clone();
                    list.insert(i + r.below(2) as usize, c);
                }
                2 => {
                    list.remove(i);
                }
                3 | 4 => {
                    let t = list[i].ty();
                    let newlen = |r: &mut Rng, cur: usize| -> usize {
                        match r.below(8) {
                            0 => 0,
                            1 => cur.saturating_sub(1),
                            2 => cur + 1,
                            3 => cur + 4,
                            4 => r.range(256, 4000) as usize,
                            5 if r.chance(1, 4) => r.range(16000, 65000) as usize,
                            _ => r.below(24) as usize,
                        }
                    };
                    let cur = match &list[i] {
                        A::L(_, v) => v.len(),
                        A::N(..) => 8,
                    };
                    let nl = newlen(r, cur);
                    let mut bytes = match &list[i] {
                        A::L(_, v) => v.clone(),
                        A::N(..) => Vec::new(),
                    };
                    bytes.resize(nl.min(bytes.len()), 0);
                    while bytes.len() < nl {
                        bytes.push(r.u8());
                    }
                    list[i] = A::L(t, bytes);
                }
                5 => {
                    // Leaf <-> nest confusion.
                    let t = list[i].ty();
                    list[i] = match &list[i] {
                        A::L(..) => A::N(t, vec![u32a(r.below(8) as u16, r.u32()), A::L(r.below(40) as u16, r.bytes(4))]),
                        A::N(..) => A::L(t, r.rbytes(20)),
                    };
                }
                6 => {
                    let t = list[i].ty();
                    let nt = match r.below(4) {
                        0 => t ^ NLA_F_NESTED,
                        1 => t ^ 0x4000, // NLA_F_NET_BYTEORDER
                        _ => r.below(40) as u16,
                    };
                    list[i].set_ty(nt);
                }
                7 => {
                    if let A::L(_, v) = &mut list[i] {
                        if v.len() >= 4 {
                            let o = r.below(v.len() as u64 - 3) as usize;
                            let x = r.interesting_u32();
                            v[o..o + 4].copy_from_slice(&x.to_ne_bytes());
                        } else if !v.is_empty() {
                            let o = r.below(v.len() as u64) as usize;
                            v[o] = pk!(r, [0, 0xff, 0x7f, 0x80, 1]);
                        }
                    }
                }
                _ => {
                    // Reorder: move one attribute to the front.
                    let a = list.remove(i);
                    list.insert(0, a);
                }
            }
        }
    }

    /// Byte-level mutations of the encoded request (the netlink header stays intact and
    /// nlmsg_len always matches what is sent, else the kernel drops it without an answer).
    pub fn mutate_bytes(&mut self, w: &mut Wire) {
        let r = &mut self.rng;
        let n_ops = r.range(1, 3);
        for _ in 0..n_ops {
            let len = w.bytes.len();
            match r.below(7) {
                0 | 1 => {
                    for _ in 0..r.range(1, 4) {
                        let o = r.range(16, len as u64 - 1) as usize;
                        w.bytes[o] ^= 1 << r.below(8);
                    }
                }
                2 | 3 if !w.hdrs.is_empty() => {
                    let h = w.hdrs[r.below(w.hdrs.len() as u64) as usize];
                    let cur = u16::from_ne_bytes([w.bytes[h], w.bytes[h + 1]]);
                    let nl: u16 = pk!(r, [0, 1, 3, 4, 5, cur.wrapping_sub(1), cur.wrapping_add(1), cur.wrapping_add(4), 0xffff, r.u16()]);
                    w.bytes[h..h + 2].copy_from_slice(&nl.to_ne_bytes());
                }
                4 if !w.hdrs.is_empty() => {
                    let h = w.hdrs[r.below(w.hdrs.len() as u64) as usize];
                    let cur = u16::from_ne_bytes([w.bytes[h + 2], w.bytes[h + 3]]);
                    let nt: u16 = pk!(r, [0, cur ^ NLA_F_NESTED, r.below(40) as u16, r.u16()]);
                    w.bytes[h + 2..h + 4].copy_from_slice(&nt.to_ne_bytes());
                }
                5 => {
                    let n = r.range(1, 64) as usize;
                    let g = r.bytes(n);
                    w.bytes.extend_from_slice(&g);
                }
                _ => {
                    // genl header: command / version / reserved.
                    let o = r.range(16, 19) as usize;
                    w.bytes[o] = pk!(r, [0, 5, 6, 0xff, r.u8()]);
                }
            }
        }
        w.fix_len();
    }
}

impl Rng {
    pub fn u64_(&mut self) -> u64 {
        self.next()
    }
}

fn count_lists(v: &[A]) -> usize {
    1 + v
        .iter()
        .map(|a| if let A::N(_, k) = a { count_lists(k) } else { 0 })
        .sum::<usize>()
}

fn nth_list(v: &mut Vec<A>, k: usize) -> &mut Vec<A> {
    if k == 0 {
        return v;
    }
    let mut k = k - 1;
    for a in v.iter_mut() {
        if let A::N(_, kids) = a {
            let c = count_lists(kids);
            if k < c {
                return nth_list(kids, k);
            }
            k -= c;
        }
    }
    unreachable!("list index out of range")
}
