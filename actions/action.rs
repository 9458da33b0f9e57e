// SPDX-License-Identifier: GPL-2.0
//! Flow actions in executable form: a flat list of typed [`Action`]s plus a byte arena.
//!
//! Upstream counterpart: the kernel-internal action list that `ovs_nla_copy_actions()` builds
//! in `struct sw_flow_actions` (`net/openvswitch/flow_netlink.c`) and `do_execute_actions()`
//! walks (`net/openvswitch/actions.c`). Upstream keeps netlink attributes and re-walks them
//! for every packet; here they are decoded once, so execution only matches on an enum.
//!
//! Nesting is flat: a [`Action::Clone`] or [`Action::Sample`] is followed by the `body_len`
//! actions of its body (counting nested bodies in full), so skipping a body is `i + body_len`
//! and execution needs neither recursion nor allocation to find one.
//! Pure: shared with the host crate.

use super::conntrack::CtAction;
use crate::abi::errno::Errno;
use crate::abi::uapi::{key_attr, CT_LABELS_LEN};

/// `OVS_COPY_ACTIONS_MAX_DEPTH`: clone and sample bodies may nest this deep; the top-level
/// list is depth 0, so a body at depth 17 is `EOVERFLOW`.
pub const MAX_DEPTH: usize = 16;

/// `VLAN_CFI_MASK`: a pushed TCI must carry it, as upstream's "tag present" marker (the same
/// bit the flow key uses).
pub use crate::flow::key::VLAN_TAG_PRESENT as VLAN_CFI_MASK;

/// A run of bytes in the action list's arena.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArenaRef {
    pub off: u32,
    pub len: u32,
}

impl ArenaRef {
    /// The bytes in `arena`, or `None` if the reference does not fit in it.
    pub fn get<'a>(&self, arena: &'a [u8]) -> Option<&'a [u8]> {
        let off = usize::try_from(self.off).ok()?;
        let len = usize::try_from(self.len).ok()?;
        arena.get(off..off.checked_add(len)?)
    }
}

/// Where the validator writes its output: the kernel backs it with fallible `KVec`s, the
/// host tests with `Vec`s. Errors (normally `ENOMEM`) abort validation and are returned.
pub trait ActionSink {
    /// Appends an action.
    fn push(&mut self, a: Action) -> Result<(), Errno>;
    /// Appends `bytes` to the arena, contiguously, and says where they went: the validator
    /// hands out references to sub-ranges of what it pushed.
    fn push_bytes(&mut self, bytes: &[u8]) -> Result<ArenaRef, Errno>;
    /// The number of actions pushed so far.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// An action already pushed, for the validator to fill in a body's length once the body
    /// is known.
    fn action_mut(&mut self, at: usize) -> Option<&mut Action>;
    /// Keeps a `ct` action's arguments (too big for every [`Action`] to carry) and says
    /// their index, for [`Action::Ct`].
    fn push_ct(&mut self, ct: CtAction) -> Result<u16, Errno>;
}

/// `OVS_HASH_ALG_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    /// `OVS_HASH_ALG_L4`: `skb_get_hash()`.
    L4,
    /// `OVS_HASH_ALG_SYM_L4`: `__skb_get_hash_symmetric()`.
    SymL4,
}

impl HashAlg {
    pub fn from_u32(v: u32) -> Option<Self> {
        match v {
            0 => Some(Self::L4),
            1 => Some(Self::SymL4),
            _ => None,
        }
    }

    pub fn as_u32(self) -> u32 {
        match self {
            Self::L4 => 0,
            Self::SymL4 => 1,
        }
    }
}

/// An `OVS_ACTION_ATTR_USERSPACE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Userspace {
    /// `OVS_USERSPACE_ATTR_PID` (the last one, as upstream's parse keeps), never zero.
    pub pid: u32,
    /// `OVS_USERSPACE_ATTR_USERDATA`'s payload, inside `raw`.
    pub userdata: Option<ArenaRef>,
    /// `OVS_USERSPACE_ATTR_EGRESS_TUN_PORT`: the port whose tunnel metadata to report.
    /// Only tunnel ports have any, so a datapath without them may ignore it.
    pub egress_tun_port: Option<u32>,
    /// `OVS_USERSPACE_ATTR_ACTIONS`: the upcall carries the action list being executed
    /// (for an action in a clone or sample body, that body).
    pub include_actions: bool,
    /// The attribute's payload as received: upstream copies it verbatim and dumps it back
    /// unchanged, unknown and duplicate attributes included.
    pub raw: ArenaRef,
}

/// A value and the mask of the bits to write (1 = write).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Masked<T> {
    pub value: T,
    pub mask: T,
}

/// `struct ovs_key_ethernet`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EthernetKey {
    pub src: [u8; 6],
    pub dst: [u8; 6],
}

/// `struct ovs_key_ipv4`; addresses in network byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Key {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub proto: u8,
    pub tos: u8,
    pub ttl: u8,
    pub frag: u8,
}

/// `struct ovs_key_ipv6`; addresses and label in network byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Key {
    pub src: [u8; 16],
    pub dst: [u8; 16],
    /// The flow label in the low 20 bits.
    pub label: [u8; 4],
    pub proto: u8,
    pub tclass: u8,
    pub hlimit: u8,
    pub frag: u8,
}

/// `struct ovs_key_tcp` and `struct ovs_key_udp`; ports in network byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortsKey {
    pub src: [u8; 2],
    pub dst: [u8; 2],
}

/// The largest key a set action carries (`struct ovs_key_ipv6`).
pub const MAX_SET_KEY_LEN: usize = 40;

/// Copies `N` bytes at `at`; the callers' lengths were checked, so the zero fallback is
/// unreachable, but it keeps the code free of panics.
fn take<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(s) = b.get(at..at + N) {
        out.copy_from_slice(s);
    }
    out
}

fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

/// Writes `parts` one after the other into `out`, which is at least as long as they are.
fn put_parts(out: &mut [u8], parts: &[&[u8]]) {
    let mut at = 0;
    for p in parts {
        if let Some(d) = out.get_mut(at..at + p.len()) {
            d.copy_from_slice(p);
        }
        at += p.len();
    }
}

impl EthernetKey {
    pub const LEN: usize = 12;
    pub const ONES: Self = Self {
        src: [0xff; 6],
        dst: [0xff; 6],
    };

    pub fn from_bytes(b: &[u8]) -> Self {
        Self {
            src: take(b, 0),
            dst: take(b, 6),
        }
    }

    pub fn write(&self, out: &mut [u8]) {
        put_parts(out, &[&self.src, &self.dst]);
    }
}

impl Ipv4Key {
    pub const LEN: usize = 12;
    pub const ONES: Self = Self {
        src: [0xff; 4],
        dst: [0xff; 4],
        proto: 0xff,
        tos: 0xff,
        ttl: 0xff,
        frag: 0xff,
    };

    pub fn from_bytes(b: &[u8]) -> Self {
        Self {
            src: take(b, 0),
            dst: take(b, 4),
            proto: byte(b, 8),
            tos: byte(b, 9),
            ttl: byte(b, 10),
            frag: byte(b, 11),
        }
    }

    pub fn write(&self, out: &mut [u8]) {
        let tail = [self.proto, self.tos, self.ttl, self.frag];
        put_parts(out, &[&self.src, &self.dst, &tail]);
    }
}

impl Ipv6Key {
    pub const LEN: usize = 40;
    /// The mask of a plain (unmasked) set: every writable bit. The flow label is only 20
    /// bits, so upstream clears the rest when it converts a set to a masked set.
    pub const ONES: Self = Self {
        src: [0xff; 16],
        dst: [0xff; 16],
        label: [0x00, 0x0f, 0xff, 0xff],
        proto: 0xff,
        tclass: 0xff,
        hlimit: 0xff,
        frag: 0xff,
    };

    pub fn from_bytes(b: &[u8]) -> Self {
        Self {
            src: take(b, 0),
            dst: take(b, 16),
            label: take(b, 32),
            proto: byte(b, 36),
            tclass: byte(b, 37),
            hlimit: byte(b, 38),
            frag: byte(b, 39),
        }
    }

    pub fn write(&self, out: &mut [u8]) {
        let tail = [self.proto, self.tclass, self.hlimit, self.frag];
        put_parts(out, &[&self.src, &self.dst, &self.label, &tail]);
    }
}

impl PortsKey {
    pub const LEN: usize = 4;
    pub const ONES: Self = Self {
        src: [0xff; 2],
        dst: [0xff; 2],
    };

    pub fn from_bytes(b: &[u8]) -> Self {
        Self {
            src: take(b, 0),
            dst: take(b, 2),
        }
    }

    pub fn write(&self, out: &mut [u8]) {
        put_parts(out, &[&self.src, &self.dst]);
    }
}

/// The header fields a set action writes, with their masks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetKey {
    /// `skb->priority`, host order.
    Priority(Masked<u32>),
    /// `skb->mark`, host order.
    SkbMark(Masked<u32>),
    Ethernet(Masked<EthernetKey>),
    Ipv4(Masked<Ipv4Key>),
    Ipv6(Masked<Ipv6Key>),
    Tcp(Masked<PortsKey>),
    Udp(Masked<PortsKey>),
    /// Accepted as upstream accepts it, and, as upstream, a packet reaching it is dropped
    /// (the `ct` action's `mark` is how a connection's mark is set).
    CtMark(Masked<u32>),
    /// As [`SetKey::CtMark`].
    CtLabels(Masked<[u8; CT_LABELS_LEN]>),
}

impl SetKey {
    /// The `OVS_KEY_ATTR_*` this key is carried in.
    pub fn key_attr(&self) -> u16 {
        match self {
            Self::Priority(_) => key_attr::PRIORITY,
            Self::SkbMark(_) => key_attr::SKB_MARK,
            Self::Ethernet(_) => key_attr::ETHERNET,
            Self::Ipv4(_) => key_attr::IPV4,
            Self::Ipv6(_) => key_attr::IPV6,
            Self::Tcp(_) => key_attr::TCP,
            Self::Udp(_) => key_attr::UDP,
            Self::CtMark(_) => key_attr::CT_MARK,
            Self::CtLabels(_) => key_attr::CT_LABELS,
        }
    }

    /// The length of a key attribute of type `key_type` that set actions may carry.
    pub fn len_of(key_type: u16) -> Option<usize> {
        match key_type {
            key_attr::PRIORITY | key_attr::SKB_MARK | key_attr::CT_MARK => Some(4),
            key_attr::CT_LABELS => Some(CT_LABELS_LEN),
            key_attr::ETHERNET => Some(EthernetKey::LEN),
            key_attr::IPV4 => Some(Ipv4Key::LEN),
            key_attr::IPV6 => Some(Ipv6Key::LEN),
            key_attr::TCP | key_attr::UDP => Some(PortsKey::LEN),
            _ => None,
        }
    }

    /// The key's length in its attribute (value only).
    pub fn key_len(&self) -> usize {
        Self::len_of(self.key_attr()).unwrap_or(0)
    }

    /// Decodes a key of type `key_type` from `value` and `mask`, each `len_of(key_type)`
    /// bytes; `None` for a type set actions do not carry.
    pub fn from_bytes(key_type: u16, value: &[u8], mask: &[u8]) -> Option<Self> {
        fn m<T>(f: fn(&[u8]) -> T, value: &[u8], mask: &[u8]) -> Masked<T> {
            Masked {
                value: f(value),
                mask: f(mask),
            }
        }
        let u32_of = |b: &[u8]| u32::from_ne_bytes(take(b, 0));
        Some(match key_type {
            key_attr::PRIORITY => Self::Priority(m(u32_of, value, mask)),
            key_attr::SKB_MARK => Self::SkbMark(m(u32_of, value, mask)),
            key_attr::ETHERNET => Self::Ethernet(m(EthernetKey::from_bytes, value, mask)),
            key_attr::IPV4 => Self::Ipv4(m(Ipv4Key::from_bytes, value, mask)),
            key_attr::IPV6 => Self::Ipv6(m(Ipv6Key::from_bytes, value, mask)),
            key_attr::TCP => Self::Tcp(m(PortsKey::from_bytes, value, mask)),
            key_attr::UDP => Self::Udp(m(PortsKey::from_bytes, value, mask)),
            key_attr::CT_MARK => Self::CtMark(m(u32_of, value, mask)),
            key_attr::CT_LABELS => Self::CtLabels(m(|b| take(b, 0), value, mask)),
            _ => return None,
        })
    }

    /// Writes the value (`mask == false`) or the mask into the first `len()` bytes of `out`.
    pub fn write(&self, mask: bool, out: &mut [u8]) {
        fn pick<T: Copy>(m: &Masked<T>, mask: bool) -> T {
            if mask {
                m.mask
            } else {
                m.value
            }
        }
        match self {
            Self::Priority(m) | Self::SkbMark(m) | Self::CtMark(m) => {
                put_parts(out, &[&pick(m, mask).to_ne_bytes()])
            }
            Self::CtLabels(m) => put_parts(out, &[&pick(m, mask)]),
            Self::Ethernet(m) => pick(m, mask).write(out),
            Self::Ipv4(m) => pick(m, mask).write(out),
            Self::Ipv6(m) => pick(m, mask).write(out),
            Self::Tcp(m) | Self::Udp(m) => pick(m, mask).write(out),
        }
    }
}

/// How a set action arrived, which decides how it is dumped: upstream turns a plain set into
/// a masked one internally and back on dump, and dumps a masked set as it was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetForm {
    /// `OVS_ACTION_ATTR_SET`: the mask is all writable bits.
    Set,
    /// `OVS_ACTION_ATTR_SET_MASKED`.
    Masked {
        /// The `NLA_F_*` bits of the key attribute's type, which upstream keeps.
        key_flags: u16,
        /// Upstream accepts a key attribute one byte longer than value plus mask (it halves
        /// the length, rounding down) and dumps it back with its padding: that byte and the
        /// three padding bytes, when present.
        extra: Option<[u8; 4]>,
    },
}

/// One validated action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `OVS_ACTION_ATTR_OUTPUT`: a port number below
    /// [`DP_MAX_PORTS`](crate::abi::uapi::DP_MAX_PORTS). Whether the port
    /// exists is checked when the packet is sent, as upstream does.
    Output { port: u32 },
    /// `OVS_ACTION_ATTR_USERSPACE`.
    Userspace(Userspace),
    /// `OVS_ACTION_ATTR_SET` or `OVS_ACTION_ATTR_SET_MASKED`: write `key.value` under
    /// `key.mask`.
    Set { key: SetKey, form: SetForm },
    /// `OVS_ACTION_ATTR_PUSH_VLAN`, host order. `tci` has [`VLAN_CFI_MASK`] set; the pushed
    /// header does not carry that bit.
    PushVlan { tpid: u16, tci: u16 },
    /// `OVS_ACTION_ATTR_POP_VLAN`.
    PopVlan,
    /// `OVS_ACTION_ATTR_SAMPLE`: run the next `body_len` actions on a copy of the packet
    /// with probability `probability / u32::MAX`. `exec` is upstream's `sample_arg.exec`: the
    /// body cannot change the flow key (or the sample is last), so it may run in place
    /// rather than deferred with a cloned key.
    Sample {
        probability: u32,
        exec: bool,
        body_len: u16,
    },
    /// `OVS_ACTION_ATTR_RECIRC`.
    Recirc { id: u32 },
    /// `OVS_ACTION_ATTR_HASH`.
    Hash { alg: HashAlg, basis: u32 },
    /// `OVS_ACTION_ATTR_TRUNC`: at least [`ETH_HLEN`](crate::flow::extract::ETH_HLEN).
    Trunc { max_len: u32 },
    /// `OVS_ACTION_ATTR_CLONE`: run the next `body_len` actions on a copy of the packet.
    /// `exec` is upstream's `OVS_CLONE_ATTR_EXEC`, as for [`Action::Sample`].
    Clone { exec: bool, body_len: u16 },
    /// `OVS_ACTION_ATTR_CT`: the arguments are the action list's `index`th
    /// [`CtAction`] (see [`ActionSink::push_ct`]).
    Ct { index: u16 },
    /// `OVS_ACTION_ATTR_CT_CLEAR`.
    CtClear,
    /// `OVS_ACTION_ATTR_DROP`: always last in its list. A non-zero `error` is reported as
    /// `OVS_DROP_EXPLICIT_WITH_ERROR`, zero as `OVS_DROP_EXPLICIT`.
    Drop { error: u32 },
}

impl Action {
    /// The number of actions in this action's body, for clone and sample.
    pub fn body_len(&self) -> Option<u16> {
        match *self {
            Self::Clone { body_len, .. } | Self::Sample { body_len, .. } => Some(body_len),
            _ => None,
        }
    }

    /// Sets the body length of a clone or sample; false for other actions.
    pub fn set_body_len(&mut self, n: u16) -> bool {
        match self {
            Self::Clone { body_len, .. } | Self::Sample { body_len, .. } => {
                *body_len = n;
                true
            }
            _ => false,
        }
    }
}
