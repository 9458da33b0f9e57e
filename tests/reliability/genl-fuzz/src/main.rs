//! genl-fuzz: the R2 reliability suite. Sends structured-random and mutated generic-netlink
//! requests to the Open vSwitch families (ovs_datapath, ovs_vport, ovs_flow, ovs_packet, and
//! ovs_meter / ovs_ct_limit when the loaded module registers them) and checks that every
//! request gets an answer (ack, error, or a dump's DONE) within a timeout.
//!
//! Environment (all optional):
//!   SEED=<u64>      run seed (random and printed if unset); worker w uses a seed derived from it
//!   MESSAGES=<n>    total request budget (default 20000)
//!   THREADS=<n>     concurrent senders, one socket each (default 3). With THREADS=1 the
//!                   request stream is a function of SEED and the kernel's answers; with more,
//!                   each worker's stream is, but the interleaving between them is not replayable.
//!   TIMEOUT=<s>     seconds to wait for an answer (default 20)
//!   TARGET=<name>   label for the RESULT line (ours|upstream)
//!   NETDEVS=a,b     existing netdevs the fuzzer may attach as netdev vports (e.g. a veth)
//!   LOG=<path>      per-request answer log, <path>.<worker>: "index family cmd class errno"
//!
//! Datapaths it may create are named fz<w>d<k> (two per worker) plus fzx<k> (a few outside the
//! pool, found and deleted by the sweep); ports fz<w>p<k>. Every worker deletes its datapaths
//! every RESET requests, and at the end every datapath that did not exist at start is deleted.

mod gen;
mod nl;
/// The module's ABI numbers (one definition, shared with the module and ovsdp).
#[path = "../../../../abi/uapi.rs"]
#[allow(dead_code)]
mod uapi;

use gen::*;
use nl::*;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const RESET_EVERY: u64 = 2500;

fn env_u64(k: &str, d: u64) -> u64 {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn errno_name(e: i32) -> String {
    let n = match e {
        0 => "OK",
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::E2BIG => "E2BIG",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::EFBIG => "EFBIG",
        libc::ENOSPC => "ENOSPC",
        libc::ERANGE => "ERANGE",
        libc::EMSGSIZE => "EMSGSIZE",
        libc::ENOPROTOOPT => "ENOPROTOOPT",
        libc::EPROTONOSUPPORT => "EPROTONOSUPPORT",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EAFNOSUPPORT => "EAFNOSUPPORT",
        libc::EADDRINUSE => "EADDRINUSE",
        libc::EADDRNOTAVAIL => "EADDRNOTAVAIL",
        libc::ENETDOWN => "ENETDOWN",
        libc::ENOBUFS => "ENOBUFS",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::ELOOP => "ELOOP",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        _ => return format!("errno{}", e),
    };
    n.to_string()
}

#[derive(Default)]
struct Stats {
    sent: u64,
    answered: u64,
    accepted: u64,
    skipped: u64,
    /// (family, errno) -> count
    by_errno: BTreeMap<(usize, i32), u64>,
    /// (class, family) -> (sent, accepted, microseconds waiting for the answers)
    by_class: BTreeMap<(&'static str, usize), (u64, u64, u64)>,
    extack: HashMap<String, u64>,
    send_err: BTreeMap<i32, u64>,
    noanswer: Vec<String>,
    abandoned_dumps: u64,
    enobufs: u64,
    dps_created: u64,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.sent += o.sent;
        self.answered += o.answered;
        self.accepted += o.accepted;
        self.skipped += o.skipped;
        for (k, v) in o.by_errno {
            *self.by_errno.entry(k).or_default() += v;
        }
        for (k, (a, b, c)) in o.by_class {
            let e = self.by_class.entry(k).or_default();
            e.0 += a;
            e.1 += b;
            e.2 += c;
        }
        for (k, v) in o.extack {
            *self.extack.entry(k).or_default() += v;
        }
        for (k, v) in o.send_err {
            *self.send_err.entry(k).or_default() += v;
        }
        self.noanswer.extend(o.noanswer);
        self.abandoned_dumps += o.abandoned_dumps;
        self.enobufs += o.enobufs;
        self.dps_created += o.dps_created;
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{:02x}", x)).collect()
}

struct Worker {
    id: usize,
    seed: u64,
    g: Gen,
    sock: Sock,
    fams: [Option<u16>; 6],
    timeout: Duration,
    st: Stats,
    log: Option<std::io::BufWriter<std::fs::File>>,
    index: u64,
    stop: Arc<AtomicBool>,
}

impl Worker {
    /// Sends one encoded request and records its answer. Returns the answer if there was one.
    fn send(&mut self, fam: usize, class: &'static str, w: &mut Wire) -> Option<Answer> {
        self.index += 1;
        let Some(fid) = self.fams[fam] else {
            self.st.skipped += 1;
            if let Some(l) = &mut self.log {
                let _ = writeln!(
                    l,
                    "{} {} {} skipped SKIP",
                    self.index,
                    FAMILIES[fam],
                    w.bytes.get(16).copied().unwrap_or(0)
                );
            }
            return None;
        };
        w.bytes[4..6].copy_from_slice(&fid.to_ne_bytes());
        let cmd = w.bytes.get(16).copied().unwrap_or(0);
        let dump = w.flags() & NLM_F_DUMP == NLM_F_DUMP;
        let t0 = Instant::now();
        let res = self
            .sock
            .transact(w, self.timeout, dump && class == "control");
        let us = t0.elapsed().as_micros() as u64;
        let ans = match res {
            Err(e) => {
                *self.st.send_err.entry(e).or_default() += 1;
                return None;
            }
            Ok(a) => a,
        };
        self.st.sent += 1;
        let e = self.st.by_class.entry((class, fam)).or_default();
        e.0 += 1;
        e.2 += us;
        match &ans {
            None => {
                let msg = format!(
                    "no answer within {:?}: worker {} seed {} request #{} {} cmd {} class {} bytes={}",
                    self.timeout, self.id, self.seed, self.index, FAMILIES[fam], cmd, class,
                    hex(&w.bytes[..w.bytes.len().min(512)])
                );
                println!("# FAIL: {}", msg);
                self.st.noanswer.push(msg);
                if self.st.noanswer.len() >= 3 {
                    self.stop.store(true, Ordering::Relaxed);
                }
            }
            Some(a) => {
                self.st.answered += 1;
                if a.errno == 0 {
                    self.st.accepted += 1;
                    e.1 += 1;
                    if fam == F_DP && cmd == 1 {
                        self.st.dps_created += 1;
                    }
                }
                *self.st.by_errno.entry((fam, a.errno)).or_default() += 1;
                if let Some(x) = &a.extack {
                    *self
                        .st
                        .extack
                        .entry(format!("{} {}: {}", FAMILIES[fam], errno_name(a.errno), x))
                        .or_default() += 1;
                }
            }
        }
        if let Some(l) = &mut self.log {
            let _ = writeln!(
                l,
                "{} {} {} {} {}",
                self.index,
                FAMILIES[fam],
                cmd,
                class,
                ans.as_ref()
                    .map(|a| errno_name(a.errno))
                    .unwrap_or_else(|| "NOANSWER".into())
            );
        }
        self.st.enobufs = self.sock.enobufs;
        ans
    }

    fn send_msg(&mut self, m: &Msg, class: &'static str) -> Option<Answer> {
        let mut w = encode_msg(0, m.flags, m.cmd, VERSIONS[m.fam], Some(m.dp), &m.attrs);
        self.send(m.fam, class, &mut w)
    }

    fn pick_family(&mut self) -> usize {
        self.g.rng.weighted(&[8, 14, 42, 26, 5, 5])
    }

    /// Deletes this worker's datapaths (which takes their ports, flows and meters with them).
    fn reset(&mut self) {
        for n in self.g.dp_names.clone() {
            let m = Msg {
                fam: F_DP,
                cmd: 2,
                flags: NLM_F_REQUEST | NLM_F_ACK,
                dp: 0,
                attrs: vec![stra(1, &n)],
            };
            self.send_msg(&m, "control");
        }
        self.g.cache.clear();
    }

    /// A dump abandoned midway: a fresh socket asks for a dump, reads one datagram, closes.
    fn abandoned_dump(&mut self) {
        let fam = self
            .g
            .rng
            .pick(&[F_DP, F_VPORT, F_FLOW, F_FLOW, F_FLOW, F_METER]);
        let Some(fid) = self.fams[fam] else {
            self.st.skipped += 1;
            return;
        };
        let (_, ifx) = self.g.slot();
        let cmd = if fam == F_METER { 4 } else { 3 };
        let mut w = encode_msg(
            fid,
            NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
            cmd,
            VERSIONS[fam],
            Some(ifx),
            &[],
        );
        let Ok(mut s) = Sock::open(0) else { return };
        let Ok(seq) = s.send(&mut w) else { return };
        self.st.sent += 1;
        self.st.abandoned_dumps += 1;
        let e = self.st.by_class.entry(("abandoned-dump", fam)).or_default();
        e.0 += 1;
        if s.wait_first(seq, self.timeout) {
            self.st.answered += 1;
            e.1 += 1;
        } else {
            let msg = format!(
                "abandoned dump: no first part within {:?}: worker {} {}",
                self.timeout, self.id, FAMILIES[fam]
            );
            println!("# FAIL: {}", msg);
            self.st.noanswer.push(msg);
        }
        drop(s);
    }

    fn one_case(&mut self) {
        // Weights per case; a truncation case sends up to 120 requests (about 20% of all).
        let case = self.g.rng.weighted(&[460, 200, 160, 2, 60, 20, 20]);
        match case {
            0 => {
                let fam = self.pick_family();
                let m = self.g.structured(fam);
                self.send_msg(&m, "valid");
            }
            1 => {
                let fam = self.pick_family();
                let mut m = self.g.structured(fam);
                self.g.mutate_tree(&mut m.attrs);
                self.send_msg(&m, "tree-mutation");
            }
            2 => {
                let fam = self.pick_family();
                let m = self.g.structured(fam);
                let mut w = encode_msg(0, m.flags, m.cmd, VERSIONS[m.fam], Some(m.dp), &m.attrs);
                self.g.mutate_bytes(&mut w);
                self.send(m.fam, "byte-mutation", &mut w);
            }
            3 => {
                // Truncation at every offset of one valid request (a stride for long ones).
                let fam = self.pick_family();
                let mut m = self.g.structured(fam);
                m.flags &= !NLM_F_DUMP;
                let full = encode_msg(0, m.flags, m.cmd, VERSIONS[m.fam], Some(m.dp), &m.attrs);
                let len = full.bytes.len();
                let stride = (len / 120).max(1);
                let mut off = 16 + self.g.rng.below(stride as u64) as usize;
                while off < len && !self.stop.load(Ordering::Relaxed) {
                    let mut w = Wire {
                        bytes: full.bytes[..off].to_vec(),
                        hdrs: vec![],
                    };
                    w.fix_len();
                    self.send(m.fam, "truncation", &mut w);
                    off += stride;
                }
            }
            4 => {
                // Deep nesting: actions (clone/sample/check_pkt_len/dec_ttl) or key ENCAPs.
                let (_, ifx) = self.g.slot();
                let d = self.g.dp_ifindex(ifx);
                let depth = self
                    .g
                    .rng
                    .pick(&[2u32, 3, 4, 5, 8, 15, 16, 17, 32, 64, 200]);
                let f = self.g.flow();
                let (fam, m) = if self.g.rng.chance(1, 3) {
                    let key = self.g.deep_key(&f, depth.min(40));
                    let acts = vec![u32a(1, 1)];
                    (
                        F_FLOW,
                        Msg {
                            fam: F_FLOW,
                            cmd: 1,
                            flags: NLM_F_REQUEST | NLM_F_ACK,
                            dp: d,
                            attrs: vec![A::N(1, key), A::N(2, acts)],
                        },
                    )
                } else {
                    let acts = self.g.deep_actions(depth);
                    let m = self.g.structured(F_PACKET);
                    let mut attrs: Vec<A> = m.attrs.into_iter().filter(|a| a.ty() != 3).collect();
                    let fam = if self.g.rng.chance(1, 2) {
                        F_PACKET
                    } else {
                        F_FLOW
                    };
                    if fam == F_PACKET {
                        attrs.push(A::N(3, acts));
                        (
                            F_PACKET,
                            Msg {
                                fam,
                                cmd: 3,
                                flags: NLM_F_REQUEST | NLM_F_ACK,
                                dp: d,
                                attrs,
                            },
                        )
                    } else {
                        let key = attrs.into_iter().find(|a| a.ty() == 2).map(|a| match a {
                            A::N(_, k) => k,
                            _ => vec![],
                        });
                        let attrs = vec![A::N(1, key.unwrap_or_default()), A::N(2, acts)];
                        (
                            F_FLOW,
                            Msg {
                                fam,
                                cmd: 1,
                                flags: NLM_F_REQUEST | NLM_F_ACK,
                                dp: d,
                                attrs,
                            },
                        )
                    }
                };
                let _ = fam;
                self.send_msg(&m, "deep-nesting");
            }
            5 => self.abandoned_dump(),
            _ => {
                // Flags and headers: ECHO, a random genl version, a wrong ovs_header.
                let fam = self.pick_family();
                let mut m = self.g.structured(fam);
                let mut w = encode_msg(
                    0,
                    m.flags | NLM_F_ECHO,
                    m.cmd,
                    self.g.rng.pick(&[0, 1, 2, 3, 0xff]),
                    Some(m.dp),
                    &m.attrs,
                );
                m.flags |= NLM_F_ECHO;
                self.send(m.fam, "header", &mut w);
            }
        }
    }

    fn run(&mut self, budget: u64) {
        let mut next_reset = RESET_EVERY;
        let mut next_progress = 10000;
        let t0 = Instant::now();
        while self.st.sent < budget && !self.stop.load(Ordering::Relaxed) {
            self.one_case();
            if self.id == 0 && self.st.sent >= next_progress {
                next_progress += 10000;
                println!(
                    "# progress: worker 0 sent {} ({:.0}/s)",
                    self.st.sent,
                    self.st.sent as f64 / t0.elapsed().as_secs_f64()
                );
            }
            if self.st.sent >= next_reset {
                next_reset += RESET_EVERY;
                self.reset();
            }
        }
        self.reset();
        if let Some(l) = &mut self.log {
            let _ = l.flush();
        }
    }
}

/// Lists the datapaths (name, dp_ifindex).
fn list_dps(s: &mut Sock, fid: u16, timeout: Duration) -> Option<Vec<(String, i32)>> {
    let mut w = encode_msg(
        fid,
        NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
        3,
        2,
        Some(0),
        &[],
    );
    let a = s.transact(&mut w, timeout, true).ok()??;
    let mut v = Vec::new();
    for r in &a.replies {
        if r.len() < 8 {
            continue;
        }
        let ifx = i32::from_ne_bytes(r[4..8].try_into().unwrap());
        for (t, p) in attrs(&r[8..]) {
            if t == 1 {
                v.push((
                    String::from_utf8_lossy(p.split(|&c| c == 0).next().unwrap_or(&[]))
                        .into_owned(),
                    ifx,
                ));
            }
        }
    }
    Some(v)
}

/// Deletes a datapath by name, or else by its dp_ifindex (a name that does not find it is
/// itself a finding, printed).
fn del_dp(s: &mut Sock, fid: u16, name: &str, ifindex: i32, timeout: Duration) -> Option<i32> {
    let mut w = encode_msg(
        fid,
        NLM_F_REQUEST | NLM_F_ACK,
        2,
        2,
        Some(0),
        &[stra(1, name)],
    );
    let e = s.transact(&mut w, timeout, false).ok()?.map(|a| a.errno)?;
    if e == 0 {
        return Some(0);
    }
    println!(
        "# datapath {:?} (dp_ifindex {}) not deleted by name: {}; deleting by dp_ifindex",
        name,
        ifindex,
        errno_name(e)
    );
    let mut w = encode_msg(fid, NLM_F_REQUEST | NLM_F_ACK, 2, 2, Some(ifindex), &[]);
    s.transact(&mut w, timeout, false).ok()?.map(|a| a.errno)
}

/// Requests that once broke ours, sent at the start of every run (the runner's dmesg and
/// kmemleak checks catch a regression). Each must be answered with the expected errno.
fn regressions(ctl: &mut Sock, fams: &[Option<u16>; 6], timeout: Duration) -> Vec<String> {
    let mut fails = Vec::new();
    let (dp, flow, packet) = (
        fams[F_DP].unwrap(),
        fams[F_FLOW].unwrap(),
        fams[F_PACKET].unwrap(),
    );
    let mut check = |what: &str, w: &mut Wire, want: i32| match ctl.transact(w, timeout, false) {
        Ok(Some(a)) if a.errno == want => {
            println!("# regression ok: {} -> {}", what, errno_name(want))
        }
        Ok(Some(a)) => fails.push(format!(
            "regression {}: errno {} (want {})",
            what,
            errno_name(a.errno),
            errno_name(want)
        )),
        _ => fails.push(format!("regression {}: no answer", what)),
    };
    // 1. A key attribute whose number exceeds the flow family's maxattr, rejected with that
    //    number as the "bad attribute": ours indexed info->attrs with it (KASAN slab-out-of-
    //    bounds in ovs_rs_genl_info_set_bad_attr, then WARNs in netlink_ack_tlv_fill).
    let key = vec![be16a(6, 0x0800), A::L(20, vec![0, 0])]; // RECIRC_ID, 2 bytes instead of 4
    let mut w = encode_msg(
        flow,
        NLM_F_REQUEST | NLM_F_ACK,
        1,
        1,
        Some(0),
        &[A::N(1, key), A::N(2, vec![])],
    );
    check(
        "flow key attribute 20 with a bad length",
        &mut w,
        libc::EINVAL,
    );
    // 2. Execute with a hash action: ours left skb->dev unset, and the flow dissector warned.
    let mut w = encode_msg(
        dp,
        NLM_F_REQUEST | NLM_F_ACK,
        1,
        2,
        Some(0),
        &[stra(1, "fzreg"), u32a(2, 0)],
    );
    check("create datapath fzreg", &mut w, 0);
    let ifx = gen::ifindex("fzreg");
    let mut frame = vec![0xff; 6];
    frame.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x00]);
    frame.extend_from_slice(&[
        0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    frame.extend_from_slice(&[0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0]);
    let mut hash = 0u32.to_ne_bytes().to_vec();
    hash.extend_from_slice(&0u32.to_ne_bytes());
    let attrs = [
        A::L(1, frame),
        A::N(2, vec![u32a(3, 0)]),
        A::N(3, vec![A::L(8, hash)]),
    ];
    let mut w = encode_msg(packet, NLM_F_REQUEST | NLM_F_ACK, 3, 1, Some(ifx), &attrs);
    check("execute with a hash action", &mut w, 0);
    let mut w = encode_msg(
        dp,
        NLM_F_REQUEST | NLM_F_ACK,
        2,
        2,
        Some(0),
        &[stra(1, "fzreg")],
    );
    check("delete datapath fzreg", &mut w, 0);
    fails
}

/// `genl-fuzz send FAMILY HEX`: sends one request (the hex of a whole netlink message, as a
/// FAIL line prints it; its length, type and seq are rewritten) and prints the answer.
fn send_one(fam: &str, hexs: &str) -> i32 {
    let bytes: Vec<u8> = (0..hexs.len() / 2)
        .map(|i| u8::from_str_radix(&hexs[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut s = Sock::open(1 << 20).expect("netlink socket");
    let Some((_, id)) = list_families(&mut s).into_iter().find(|(n, _)| n == fam) else {
        println!("family {} not registered", fam);
        return 2;
    };
    let mut w = Wire {
        bytes,
        hdrs: vec![],
    };
    w.bytes[4..6].copy_from_slice(&id.to_ne_bytes());
    w.fix_len();
    match s.transact(&mut w, Duration::from_secs(20), false) {
        Ok(Some(a)) => {
            println!("answer: {} extack: {:?}", errno_name(a.errno), a.extack);
            0
        }
        Ok(None) => {
            println!("no answer within 20 s");
            1
        }
        Err(e) => {
            println!("send failed: {}", errno_name(e));
            2
        }
    }
}

fn random_seed() -> u64 {
    let mut b = [0u8; 8];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut b);
    }
    u64::from_ne_bytes(b) ^ (std::process::id() as u64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "send" {
        std::process::exit(send_one(&args[2], &args[3]));
    }
    let seed = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(random_seed);
    let budget = env_u64("MESSAGES", 20000);
    let threads = env_u64("THREADS", 3).clamp(1, 16) as usize;
    let timeout = Duration::from_secs(env_u64("TIMEOUT", 20));
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    let netdevs: Vec<String> = std::env::var("NETDEVS")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .chain(std::iter::once("lo".to_string()))
        .collect();
    println!(
        "# genl-fuzz: SEED={} MESSAGES={} THREADS={} TIMEOUT={}s TARGET={}",
        seed,
        budget,
        threads,
        timeout.as_secs(),
        target
    );
    if threads > 1 {
        println!("# worker seeds derive from SEED; with THREADS>1 the interleaving between workers is not replayable (THREADS=1 is)");
    }

    let mut ctl = Sock::open(1 << 20).expect("netlink socket");
    let fams_listed = list_families(&mut ctl);
    let mut fams: [Option<u16>; 6] = [None; 6];
    for (i, name) in FAMILIES.iter().enumerate() {
        fams[i] = fams_listed
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id);
        match fams[i] {
            Some(id) => println!("# family {} id {}", name, id),
            None => println!("# family {} not registered: skipped", name),
        }
    }
    if fams[..4].iter().any(|f| f.is_none()) {
        println!(
            "# FAIL: the four datapath families are not all registered (is the module loaded?)"
        );
        println!(
            "RESULT suite=R2 unit=messages target={} sent=0 seed={} seconds=0 error=no-families",
            target, seed
        );
        std::process::exit(1);
    }
    let dp_fid = fams[F_DP].unwrap();
    let reg_fails = regressions(&mut ctl, &fams, timeout);
    for f in &reg_fails {
        println!("# FAIL: {}", f);
    }
    let baseline: Vec<String> = list_dps(&mut ctl, dp_fid, timeout)
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.0)
        .collect();
    if !baseline.is_empty() {
        println!("# datapaths present at start (left alone): {:?}", baseline);
    }

    // Upcall sink: the port id most upcall pids point at; a thread drains it.
    let mut sink = Sock::open(1 << 20).expect("sink socket");
    let sink_pid = sink.portid;
    let stop = Arc::new(AtomicBool::new(false));
    let upcalls = Arc::new(AtomicU64::new(0));
    let drain_stop = Arc::new(AtomicBool::new(false));
    let drainer = {
        let (ds, up) = (drain_stop.clone(), upcalls.clone());
        std::thread::spawn(move || {
            while !ds.load(Ordering::Relaxed) {
                let n = sink.drain_once();
                up.fetch_add(n as u64, Ordering::Relaxed);
            }
        })
    };

    let all_dps: Vec<Vec<String>> = (0..threads)
        .map(|w| (0..2).map(|k| format!("fz{}d{}", w, k)).collect())
        .collect();
    let start = Instant::now();
    let mut handles = Vec::new();
    for w in 0..threads {
        let mut sr = Rng(seed ^ (0x5851_f42d_4c95_7f2d_u64.wrapping_mul(w as u64 + 1)));
        let wseed = sr.next();
        let g = Gen {
            rng: Rng(wseed),
            dp_names: all_dps[w].clone(),
            other_dps: all_dps
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != w)
                .flat_map(|(_, v)| v.clone())
                .chain(std::iter::once("fzx0".into()))
                .collect(),
            port_names: (0..6).map(|k| format!("fz{}p{}", w, k)).collect(),
            netdevs: netdevs.clone(),
            sink_pid,
            stale_ifindex: Vec::new(),
            cache: Vec::new(),
        };
        let log = std::env::var("LOG").ok().map(|p| {
            std::io::BufWriter::new(
                std::fs::File::create(format!("{}.{}", p, w)).expect("LOG file"),
            )
        });
        let mut wk = Worker {
            id: w,
            seed: wseed,
            g,
            sock: Sock::open(4 << 20).expect("netlink socket"),
            fams,
            timeout,
            st: Stats::default(),
            log,
            index: 0,
            stop: stop.clone(),
        };
        let share = budget / threads as u64
            + if (w as u64) < budget % threads as u64 {
                1
            } else {
                0
            };
        handles.push(std::thread::spawn(move || {
            wk.run(share);
            wk.st
        }));
    }
    let mut st = Stats::default();
    for h in handles {
        match h.join() {
            Ok(s) => st.merge(s),
            Err(_) => {
                println!("# FAIL: a worker thread panicked");
                st.noanswer.push("worker panic".into());
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    drain_stop.store(true, Ordering::Relaxed);
    let _ = drainer.join();

    // Cleanup: delete every datapath that was not there at start, then check.
    let mut leftover = 0;
    let mut cleanup_failed = false;
    match list_dps(&mut ctl, dp_fid, timeout) {
        None => cleanup_failed = true,
        Some(v) => {
            for (name, ifx) in v.iter().filter(|d| !baseline.contains(&d.0)) {
                leftover += 1;
                if del_dp(&mut ctl, dp_fid, name, *ifx, timeout) != Some(0) {
                    println!("# FAIL: cleanup could not delete datapath {}", name);
                    cleanup_failed = true;
                }
            }
        }
    }
    let after = list_dps(&mut ctl, dp_fid, timeout).unwrap_or_default();
    let remaining: Vec<_> = after.iter().filter(|d| !baseline.contains(&d.0)).collect();
    if !remaining.is_empty() {
        println!("# FAIL: datapaths left after cleanup: {:?}", remaining);
        cleanup_failed = true;
    }
    if let Some(fid) = fams[F_CTLIMIT] {
        // Zone limits are per netns state outside any datapath: reset the ones we may have set.
        let mut v = Vec::new();
        for z in [-1i32, 0, 1, 2, 3, 4, 5, 6, 7] {
            v.extend_from_slice(&z.to_ne_bytes());
            v.extend_from_slice(&[0u8; 8]);
        }
        let mut w = encode_msg(fid, NLM_F_REQUEST | NLM_F_ACK, 2, 1, Some(0), &[A::L(1, v)]);
        let _ = ctl.transact(&mut w, timeout, false);
    }

    // Report.
    println!("# sent {} requests in {:.1} s ({:.0} requests/s), {} answered, {} accepted (errno 0), {} not sent (family absent)",
        st.sent, secs, st.sent as f64 / secs, st.answered, st.accepted, st.skipped);
    println!("# datapath creations accepted {}, datapaths left for the final sweep {}, upcalls drained {}",
        st.dps_created, leftover, upcalls.load(Ordering::Relaxed));
    println!("# abandoned dumps {}", st.abandoned_dumps);
    if st.enobufs > 0 {
        println!("# recv ENOBUFS on request sockets: {}", st.enobufs);
    }
    for (e, n) in &st.send_err {
        println!("# local send error {} {}", errno_name(*e), n);
    }
    let mut tot: BTreeMap<i32, u64> = BTreeMap::new();
    for ((_, e), n) in &st.by_errno {
        *tot.entry(*e).or_default() += n;
    }
    for (e, n) in &tot {
        println!("# errno {} {}", errno_name(*e), n);
    }
    for ((f, e), n) in &st.by_errno {
        println!("# errno {} {} {}", FAMILIES[*f], errno_name(*e), n);
    }
    for ((c, f), (n, ok, us)) in &st.by_class {
        println!(
            "# class {} {} sent {} accepted {} avg {:.2} ms",
            c,
            FAMILIES[*f],
            n,
            ok,
            *us as f64 / 1000.0 / (*n).max(1) as f64
        );
    }
    let mut ex: Vec<_> = st.extack.iter().collect();
    ex.sort_by(|a, b| b.1.cmp(a.1));
    for (m, n) in ex.iter().take(25) {
        println!("# extack {} x{}", m, n);
    }
    let ok = st.noanswer.is_empty() && !cleanup_failed && st.sent > 0 && reg_fails.is_empty();
    if !st.noanswer.is_empty() {
        println!("# FAIL: {} requests without an answer (replay with SEED={} THREADS=1 if it reproduces)", st.noanswer.len(), seed);
    }
    println!(
        "RESULT suite=R2 unit=messages target={} sent={} seed={} seconds={:.0} accepted={} noanswer={} threads={} msgs_per_s={:.0}",
        target, st.sent, seed, secs, st.accepted, st.noanswer.len(), threads, st.sent as f64 / secs
    );
    std::process::exit(if ok { 0 } else { 1 });
}
