//! Builders shared by the test binaries: Ethernet frames and the headers inside them, and
//! netlink attributes, all built by hand rather than with the code under test.

// Each test binary compiles its own copy of this module and uses only some of the builders;
// the rest would warn as unused in that binary.
#![allow(dead_code)]

use ovs_rs_host::abi::errno::Errno;
use ovs_rs_host::actions::action::{Action, ActionSink, ArenaRef};
use ovs_rs_host::actions::conntrack::CtAction;
use ovs_rs_host::flow::extract::IPPROTO_ICMPV6;

// ---- Frames -------------------------------------------------------------------------------

pub const DST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];
pub const SRC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];

/// An Ethernet frame from [`SRC`] to [`DST`], untagged.
pub fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    tagged(&[], ethertype, payload)
}

/// An Ethernet frame with in-frame VLAN tags, each (TPID, TCI).
pub fn tagged(tags: &[(u16, u16)], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&DST);
    f.extend_from_slice(&SRC);
    for (tpid, tci) in tags {
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&tci.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An IPv4 packet 10.0.0.1 -> 10.0.0.2, TOS 0x10, TTL 64, without options.
pub fn ipv4(proto: u8, frag_field: u16, l4: &[u8]) -> Vec<u8> {
    let mut h = vec![0x45, 0x10, 0, 0, 0, 1];
    h.extend_from_slice(&frag_field.to_be_bytes());
    h.extend_from_slice(&[64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    let total = (h.len() + l4.len()) as u16;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h.extend_from_slice(l4);
    h
}

/// A 20-byte TCP header.
pub fn tcp(sport: u16, dport: u16, flags: u8) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&sport.to_be_bytes());
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&[0; 8]);
    t.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    t
}

pub fn udp(sport: u16, dport: u16) -> Vec<u8> {
    let mut u = Vec::new();
    u.extend_from_slice(&sport.to_be_bytes());
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&[0, 8, 0, 0]);
    u
}

/// An SCTP common header.
pub fn sctp(sport: u16, dport: u16) -> Vec<u8> {
    let mut s = udp(sport, dport);
    s.extend_from_slice(&[0; 4]);
    s
}

pub fn icmp(icmp_type: u8, code: u8) -> Vec<u8> {
    vec![icmp_type, code, 0, 0, 0, 1, 0, 1]
}

/// An IPv6 address that is zero but for its first and last bytes.
pub fn ipv6_addr(first: u8, last: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0] = first;
    a[15] = last;
    a
}

/// An IPv6 packet fe00::1 -> fe00::2, traffic class 0xb8, flow label 0x12345, hop limit 255.
pub fn ipv6(next: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x6b, 0x81, 0x23, 0x45];
    h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    h.push(next);
    h.push(255);
    h.extend_from_slice(&ipv6_addr(0xfe, 1));
    h.extend_from_slice(&ipv6_addr(0xfe, 2));
    h.extend_from_slice(payload);
    h
}

/// An ICMPv6 neighbour solicitation (135) or advertisement (136) for `target`, with `opts`,
/// in an [`ipv6`] packet.
pub fn nd_for(target: [u8; 16], icmp_type: u8, opts: &[u8]) -> Vec<u8> {
    let mut m = vec![icmp_type, 0, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(&target);
    m.extend_from_slice(opts);
    ipv6(IPPROTO_ICMPV6, &m)
}

/// [`nd_for`] target fe00::9.
pub fn nd(icmp_type: u8, opts: &[u8]) -> Vec<u8> {
    nd_for(ipv6_addr(0xfe, 9), icmp_type, opts)
}

/// An Ethernet/IPv4 ARP request from [`SRC`], 172.31.110.1, for 172.31.110.20.
pub fn arp_request_packet() -> Vec<u8> {
    let mut arp = vec![0, 1, 0x08, 0x00, 6, 4, 0, 1];
    arp.extend_from_slice(&SRC);
    arp.extend_from_slice(&[172, 31, 110, 1]);
    arp.extend_from_slice(&[0; 6]);
    arp.extend_from_slice(&[172, 31, 110, 20]);
    arp
}

// ---- Netlink attributes -------------------------------------------------------------------

/// A netlink attribute in host byte order, padded to 4 bytes.
pub fn attr(kind: u16, payload: &[u8]) -> Vec<u8> {
    let mut a = Vec::new();
    a.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
    a.extend_from_slice(&kind.to_ne_bytes());
    a.extend_from_slice(payload);
    a.resize(a.len().next_multiple_of(4), 0);
    a
}

pub fn u32_attr(kind: u16, v: u32) -> Vec<u8> {
    attr(kind, &v.to_ne_bytes())
}

// ---- Action lists ---------------------------------------------------------------------

/// An action list in two vectors, as the module's `FlowActions`, with optional limits
/// to test running out of memory.
#[derive(Default)]
pub struct VecSink {
    pub actions: Vec<Action>,
    pub arena: Vec<u8>,
    pub cts: Vec<CtAction>,
    /// Fail with ENOMEM once this many actions are held.
    pub max_actions: Option<usize>,
    /// Fail with ENOMEM once the arena would exceed this.
    pub max_arena: Option<usize>,
}

impl ActionSink for VecSink {
    fn push(&mut self, a: Action) -> Result<(), Errno> {
        if self.max_actions.is_some_and(|m| self.actions.len() >= m) {
            return Err(Errno::ENOMEM);
        }
        self.actions.push(a);
        Ok(())
    }

    fn push_bytes(&mut self, b: &[u8]) -> Result<ArenaRef, Errno> {
        if self
            .max_arena
            .is_some_and(|m| self.arena.len() + b.len() > m)
        {
            return Err(Errno::ENOMEM);
        }
        let off = self.arena.len() as u32;
        self.arena.extend_from_slice(b);
        Ok(ArenaRef {
            off,
            len: b.len() as u32,
        })
    }

    fn len(&self) -> usize {
        self.actions.len()
    }

    fn action_mut(&mut self, at: usize) -> Option<&mut Action> {
        self.actions.get_mut(at)
    }

    fn push_ct(&mut self, ct: CtAction) -> Result<u16, Errno> {
        let index = u16::try_from(self.cts.len()).map_err(|_| Errno::ENOMEM)?;
        self.cts.push(ct);
        Ok(index)
    }
}
