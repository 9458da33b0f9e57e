//! Raw generic-netlink plumbing: a PRNG, an attribute tree with its encoder, and a socket
//! that sends one request and waits for its answer (the ack, an error, or a dump's DONE).

use std::io;
use std::time::{Duration, Instant};

pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_ECHO: u16 = 0x8;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLM_F_CAPPED: u16 = 0x100;
pub const NLM_F_ACK_TLVS: u16 = 0x200;
pub const NLA_F_NESTED: u16 = 0x8000;
const SOL_NETLINK: i32 = 270;
const NETLINK_CAP_ACK: i32 = 10;
const NETLINK_EXT_ACK: i32 = 11;
const GENL_ID_CTRL: u16 = 0x10;

/// splitmix64: small, fast, and good enough to drive a fuzzer; the whole run is a function of it.
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (0 if n == 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    pub fn range(&mut self, lo: u64, hi_incl: u64) -> u64 {
        lo + self.below(hi_incl - lo + 1)
    }
    /// True with probability num/den.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
    pub fn u8(&mut self) -> u8 {
        self.next() as u8
    }
    pub fn u16(&mut self) -> u16 {
        self.next() as u16
    }
    pub fn u32(&mut self) -> u32 {
        self.next() as u32
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.u8()).collect()
    }
    pub fn rbytes(&mut self, max: u64) -> Vec<u8> {
        let n = self.below(max) as usize;
        self.bytes(n)
    }
    pub fn arr<const N: usize>(&mut self) -> [u8; N] {
        let mut a = [0u8; N];
        for b in a.iter_mut() {
            *b = self.u8();
        }
        a
    }
    pub fn pick<T: Copy>(&mut self, s: &[T]) -> T {
        s[self.below(s.len() as u64) as usize]
    }
    /// Index chosen by weights.
    pub fn weighted(&mut self, w: &[u32]) -> usize {
        let total: u64 = w.iter().map(|&x| x as u64).sum();
        let mut r = self.below(total);
        for (i, &x) in w.iter().enumerate() {
            if r < x as u64 {
                return i;
            }
            r -= x as u64;
        }
        w.len() - 1
    }
    /// "Interesting" 32-bit values: boundaries more often than uniform noise.
    pub fn interesting_u32(&mut self) -> u32 {
        match self.below(6) {
            0 => self.pick(&[0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000]),
            1 => self.pick(&[0x7fff_ffff, 0x8000_0000, 0xffff_fffe, 0xffff_ffff]),
            2 => self.below(16) as u32,
            _ => self.u32(),
        }
    }
}

/// A netlink attribute: a leaf with raw payload, or a nest of attributes.
#[derive(Clone, Debug)]
pub enum A {
    L(u16, Vec<u8>),
    N(u16, Vec<A>),
}

impl A {
    pub fn ty(&self) -> u16 {
        match self {
            A::L(t, _) | A::N(t, _) => *t,
        }
    }
    pub fn set_ty(&mut self, nt: u16) {
        match self {
            A::L(t, _) | A::N(t, _) => *t = nt,
        }
    }
}

pub fn u32a(t: u16, v: u32) -> A {
    A::L(t, v.to_ne_bytes().to_vec())
}
pub fn u16a(t: u16, v: u16) -> A {
    A::L(t, v.to_ne_bytes().to_vec())
}
pub fn be16a(t: u16, v: u16) -> A {
    A::L(t, v.to_be_bytes().to_vec())
}
pub fn be32a(t: u16, v: u32) -> A {
    A::L(t, v.to_be_bytes().to_vec())
}
pub fn u64a(t: u16, v: u64) -> A {
    A::L(t, v.to_ne_bytes().to_vec())
}
pub fn flag(t: u16) -> A {
    A::L(t, Vec::new())
}
pub fn stra(t: u16, s: &str) -> A {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    A::L(t, v)
}

/// Encodes attributes; records the offset of every attribute header (for length/type mutations).
pub fn encode_attrs(list: &[A], out: &mut Vec<u8>, hdrs: &mut Vec<usize>) {
    for a in list {
        let start = out.len();
        hdrs.push(start);
        out.extend_from_slice(&[0, 0, 0, 0]);
        match a {
            A::L(_, p) => out.extend_from_slice(p),
            A::N(_, kids) => encode_attrs(kids, out, hdrs),
        }
        // nla_len is 16 bits: an oversized nest wraps, which is one more malformed case.
        let len = (out.len() - start) as u16;
        out[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        out[start + 2..start + 4].copy_from_slice(&a.ty().to_ne_bytes());
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
}

/// A whole request: netlink header (type, flags, seq), genl header, ovs_header, attributes.
/// `hdrs` holds the offsets of the attribute headers inside `bytes`.
pub struct Wire {
    pub bytes: Vec<u8>,
    pub hdrs: Vec<usize>,
}

pub fn encode_msg(
    fam_id: u16,
    flags: u16,
    cmd: u8,
    version: u8,
    user_hdr: Option<i32>,
    attrs: &[A],
) -> Wire {
    let mut b = vec![0u8; 16];
    b.extend_from_slice(&[cmd, version, 0, 0]);
    if let Some(dp) = user_hdr {
        b.extend_from_slice(&dp.to_ne_bytes());
    }
    let mut hdrs = Vec::new();
    encode_attrs(attrs, &mut b, &mut hdrs);
    b[4..6].copy_from_slice(&fam_id.to_ne_bytes());
    b[6..8].copy_from_slice(&flags.to_ne_bytes());
    let mut w = Wire { bytes: b, hdrs };
    w.fix_len();
    w
}

impl Wire {
    pub fn fix_len(&mut self) {
        let n = self.bytes.len() as u32;
        self.bytes[0..4].copy_from_slice(&n.to_ne_bytes());
    }
    pub fn flags(&self) -> u16 {
        u16::from_ne_bytes([self.bytes[6], self.bytes[7]])
    }
    pub fn set_seq(&mut self, seq: u32) {
        self.bytes[8..12].copy_from_slice(&seq.to_ne_bytes());
    }
}

/// What the kernel said about one request.
pub struct Answer {
    /// 0 on success, else the positive errno.
    pub errno: i32,
    pub extack: Option<String>,
    /// Payloads (after the netlink header) of the replies before the ack / DONE.
    pub replies: Vec<Vec<u8>>,
}

pub struct Sock {
    fd: i32,
    pub portid: u32,
    seq: u32,
    buf: Vec<u8>,
    pub enobufs: u64,
}

fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn setopt(fd: i32, level: i32, opt: i32, val: i32) -> io::Result<()> {
    // SAFETY: fd is our socket, the option value is a live i32 of the size passed.
    let r =
        unsafe { libc::setsockopt(fd, level, opt, &val as *const i32 as *const libc::c_void, 4) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl Sock {
    pub fn open(rcvbuf: i32) -> io::Result<Sock> {
        // SAFETY: plain socket(2) call.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                libc::NETLINK_GENERIC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut s = Sock {
            fd,
            portid: 0,
            seq: 1,
            buf: vec![0u8; 1 << 17],
            enobufs: 0,
        };
        setopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1)?;
        setopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1)?;
        if rcvbuf > 0 {
            // SO_RCVBUFFORCE needs CAP_NET_ADMIN, which every run of this program has.
            setopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, rcvbuf)
                .or_else(|_| setopt(fd, libc::SOL_SOCKET, libc::SO_RCVBUF, rcvbuf))?;
        }
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 200_000,
        };
        // SAFETY: tv is a live timeval of the size passed.
        let r = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                &tv as *const _ as *const libc::c_void,
                std::mem::size_of::<libc::timeval>() as u32,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: zeroed sockaddr_nl is a valid "any port id" address.
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as u16;
        let mut len = std::mem::size_of::<libc::sockaddr_nl>() as u32;
        // SAFETY: sa is a live sockaddr_nl of the size passed.
        if unsafe { libc::bind(fd, &sa as *const _ as *const libc::sockaddr, len) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: sa/len are live and sized for getsockname to fill.
        if unsafe { libc::getsockname(fd, &mut sa as *mut _ as *mut libc::sockaddr, &mut len) } < 0
        {
            return Err(io::Error::last_os_error());
        }
        s.portid = sa.nl_pid;
        Ok(s)
    }

    /// Sends one request (its seq is set here). Err is a local send failure (not an answer).
    pub fn send(&mut self, w: &mut Wire) -> Result<u32, i32> {
        self.seq = self.seq.wrapping_add(1).max(1);
        let seq = self.seq;
        w.set_seq(seq);
        // SAFETY: zeroed sockaddr_nl addresses the kernel (port id 0).
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as u16;
        // SAFETY: the buffer and address are live for the call, with the lengths passed.
        let r = unsafe {
            libc::sendto(
                self.fd,
                w.bytes.as_ptr() as *const libc::c_void,
                w.bytes.len(),
                0,
                &sa as *const _ as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_nl>() as u32,
            )
        };
        if r < 0 {
            Err(errno())
        } else {
            Ok(seq)
        }
    }

    /// One recv(2) into the internal buffer: Ok(len), Ok(0) on timeout, Err(errno) otherwise.
    fn recv_once(&mut self) -> Result<usize, i32> {
        // SAFETY: buf is live and writable for its whole length.
        let r = unsafe {
            libc::recv(
                self.fd,
                self.buf.as_mut_ptr() as *mut libc::c_void,
                self.buf.len(),
                0,
            )
        };
        if r < 0 {
            let e = errno();
            if e == libc::EAGAIN || e == libc::EINTR {
                return Ok(0);
            }
            return Err(e);
        }
        Ok(r as usize)
    }

    /// Reads until the answer to `seq` arrives: NLMSG_ERROR (ack or error) or NLMSG_DONE.
    /// Messages for other sequence numbers (late answers, notifications) are skipped.
    /// None: no answer within `timeout`.
    pub fn wait(&mut self, seq: u32, timeout: Duration, keep: bool) -> Option<Answer> {
        let deadline = Instant::now() + timeout;
        let mut replies = Vec::new();
        loop {
            if Instant::now() > deadline {
                return None;
            }
            let n = match self.recv_once() {
                Ok(0) => continue,
                Ok(n) => n,
                Err(e) if e == libc::ENOBUFS => {
                    self.enobufs += 1;
                    continue;
                }
                Err(_) => continue,
            };
            let b = &self.buf[..n];
            let mut off = 0;
            while off + 16 <= n {
                let len = u32::from_ne_bytes(b[off..off + 4].try_into().unwrap()) as usize;
                let ty = u16::from_ne_bytes([b[off + 4], b[off + 5]]);
                let flags = u16::from_ne_bytes([b[off + 6], b[off + 7]]);
                let mseq = u32::from_ne_bytes(b[off + 8..off + 12].try_into().unwrap());
                if len < 16 || off + len > n {
                    break;
                }
                let m = &b[off..off + len];
                off += (len + 3) & !3;
                if mseq != seq {
                    continue;
                }
                if ty == NLMSG_ERROR || ty == NLMSG_DONE {
                    let err = if len >= 20 {
                        i32::from_ne_bytes(m[16..20].try_into().unwrap())
                    } else {
                        0
                    };
                    // ERROR: int error, then the request's header (CAP_ACK) or whole request.
                    // DONE: int error, then the TLVs.
                    let tlv_off = if ty == NLMSG_DONE {
                        20
                    } else if flags & NLM_F_CAPPED != 0 {
                        36
                    } else {
                        20 + m
                            .get(20..24)
                            .map(|l| u32::from_ne_bytes(l.try_into().unwrap()) as usize)
                            .unwrap_or(0)
                    };
                    let extack = if flags & NLM_F_ACK_TLVS != 0 {
                        parse_extack(m, tlv_off)
                    } else {
                        None
                    };
                    return Some(Answer {
                        errno: -err,
                        extack,
                        replies,
                    });
                }
                if keep {
                    replies.push(m[16..].to_vec());
                }
            }
        }
    }

    /// Waits for the first message answering `seq` (the first part of a dump, or its error).
    pub fn wait_first(&mut self, seq: u32, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() <= deadline {
            let n = match self.recv_once() {
                Ok(0) => continue,
                Ok(n) => n,
                Err(_) => continue,
            };
            let b = &self.buf[..n];
            let mut off = 0;
            while off + 16 <= n {
                let len = u32::from_ne_bytes(b[off..off + 4].try_into().unwrap()) as usize;
                let mseq = u32::from_ne_bytes(b[off + 8..off + 12].try_into().unwrap());
                if len < 16 {
                    break;
                }
                if mseq == seq {
                    return true;
                }
                off += (len + 3) & !3;
            }
        }
        false
    }

    pub fn transact(
        &mut self,
        w: &mut Wire,
        timeout: Duration,
        keep: bool,
    ) -> Result<Option<Answer>, i32> {
        let seq = self.send(w)?;
        Ok(self.wait(seq, timeout, keep))
    }

    /// Reads one datagram and drops it (the upcall sink's drain).
    pub fn drain_once(&mut self) -> usize {
        let mut msgs = 0;
        if let Ok(n) = self.recv_once() {
            let mut off = 0;
            while off + 16 <= n {
                let len = u32::from_ne_bytes(self.buf[off..off + 4].try_into().unwrap()) as usize;
                if len < 16 {
                    break;
                }
                msgs += 1;
                off += (len + 3) & !3;
            }
        }
        msgs
    }
}

impl Drop for Sock {
    fn drop(&mut self) {
        // SAFETY: fd is ours and closed exactly once.
        unsafe { libc::close(self.fd) };
    }
}

fn parse_extack(m: &[u8], mut off: usize) -> Option<String> {
    while off + 4 <= m.len() {
        let len = u16::from_ne_bytes([m[off], m[off + 1]]) as usize;
        let ty = u16::from_ne_bytes([m[off + 2], m[off + 3]]) & 0x3fff;
        if len < 4 || off + len > m.len() {
            break;
        }
        if ty == 1 {
            let s = &m[off + 4..off + len];
            let s = s.split(|&c| c == 0).next().unwrap_or(&[]);
            return Some(String::from_utf8_lossy(s).into_owned());
        }
        off += (len + 3) & !3;
    }
    None
}

/// Iterates the attributes of a payload: (type without flags, payload).
pub fn attrs(b: &[u8]) -> Vec<(u16, &[u8])> {
    let mut v = Vec::new();
    let mut off = 0;
    while off + 4 <= b.len() {
        let len = u16::from_ne_bytes([b[off], b[off + 1]]) as usize;
        let ty = u16::from_ne_bytes([b[off + 2], b[off + 3]]) & 0x3fff;
        if len < 4 || off + len > b.len() {
            break;
        }
        v.push((ty, &b[off + 4..off + len]));
        off += (len + 3) & !3;
    }
    v
}

/// Lists the registered generic-netlink families (name, id) with a CTRL_CMD_GETFAMILY dump.
/// A lookup by name would autoload a module providing the family (openvswitch.ko for
/// ovs_meter while ours is loaded), so the dump is the only safe way to ask.
pub fn list_families(s: &mut Sock) -> Vec<(String, u16)> {
    // CTRL_CMD_GETFAMILY = 3, CTRL_ATTR_FAMILY_ID = 1, CTRL_ATTR_FAMILY_NAME = 2.
    let mut w = encode_msg(
        GENL_ID_CTRL,
        NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
        3,
        1,
        None,
        &[],
    );
    let mut out = Vec::new();
    let Ok(Some(ans)) = s.transact(&mut w, Duration::from_secs(10), true) else {
        return out;
    };
    for r in &ans.replies {
        if r.len() < 4 {
            continue;
        }
        let (mut id, mut name) = (None, None);
        for (t, p) in attrs(&r[4..]) {
            if t == 1 && p.len() >= 2 {
                id = Some(u16::from_ne_bytes([p[0], p[1]]));
            }
            if t == 2 {
                name = Some(
                    String::from_utf8_lossy(p.split(|&c| c == 0).next().unwrap_or(&[]))
                        .into_owned(),
                );
            }
        }
        if let (Some(i), Some(n)) = (id, name) {
            out.push((n, i));
        }
    }
    out
}
