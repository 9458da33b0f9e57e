//! Host fuzzing, cheap and deterministic: random and oversized text for the
//! flow and action parsers, and random attribute bytes (what a kernel dump
//! could carry) for the printers. Nothing may panic; what parses must
//! encode. A failure names its seed and iteration (set OVSDP_FUZZ_SEED to
//! replay, OVSDP_FUZZ_ROUNDS for a longer run).

use ovsdp::actions::{format_actions, parse_actions};
use ovsdp::attr::{self, Attr};
use ovsdp::dpctl::main_with;
use ovsdp::key::{format_flow, parse_flow, Ports};

/// xorshift64*: no dependency, same sequence on every host.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

fn seed() -> u64 {
    std::env::var("OVSDP_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0d15_ea5e_5eed_0001)
}

fn rounds(default: usize) -> usize {
    std::env::var("OVSDP_FUZZ_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Words of the ODP syntax, and some that are not.
const WORDS: &[&str] = &[
    "in_port",
    "recirc_id",
    "dp_hash",
    "skb_priority",
    "skb_mark",
    "eth",
    "eth_type",
    "vlan",
    "encap",
    "mpls",
    "ipv4",
    "ipv6",
    "tcp",
    "udp",
    "sctp",
    "tcp_flags",
    "icmp",
    "icmpv6",
    "arp",
    "nd",
    "ct_state",
    "ct_zone",
    "ct_mark",
    "ct_label",
    "ct_tuple4",
    "ct_tuple6",
    "key99",
    "key32",
    "key65535",
    "ufid:",
    "userspace",
    "pid",
    "userdata",
    "actions",
    "tunnel_out_port",
    "sFlow",
    "slow_path",
    "flow_sample",
    "ipfix",
    "controller",
    "vid",
    "pcp",
    "cfi",
    "output",
    "probability",
    "collector_set_id",
    "obs_domain_id",
    "obs_point_id",
    "output_port",
    "ingress",
    "egress",
    "reason",
    "dont_send",
    "continuation",
    "rule_cookie",
    "controller_id",
    "max_len",
    "cfm",
    "bfd",
    "lacp",
    "match",
    "set",
    "push_vlan",
    "pop_vlan",
    "tpid",
    "sample",
    "clone",
    "check_pkt_len",
    "size",
    "gt",
    "le",
    "hash",
    "l4",
    "sym_l4",
    "recirc",
    "trunc",
    "meter",
    "drop",
    "ct",
    "commit",
    "force_commit",
    "zone",
    "mark",
    "label",
    "helper",
    "timeout",
    "nat",
    "persistent",
    "random",
    "eventmask",
    "ct_clear",
    "push_mpls",
    "add_mpls",
    "pop_mpls",
    "push_eth",
    "pop_eth",
    "pop_nsh",
    "psample",
    "group",
    "cookie",
    "src",
    "dst",
    "proto",
    "tos",
    "ttl",
    "frag",
    "no",
    "first",
    "later",
    "type",
    "code",
    "sip",
    "tip",
    "op",
    "sha",
    "tha",
    "target",
    "sll",
    "tll",
    "syn",
    "ack",
    "fin",
    "new",
    "est",
    "trk",
    "veth0",
    "bogus",
    "é",
    "\u{1f600}",
    "",
];

const PUNCT: &[&str] = &[
    "(",
    ")",
    "(",
    ")",
    ",",
    ",",
    "=",
    "=",
    "/",
    ":",
    ".",
    "%",
    "|",
    "+",
    "-",
    " ",
    "\t",
    "0x",
    "[",
    "]",
    "\0",
    "%,actions(",
    "))))",
    "((((",
];

fn number(r: &mut Rng) -> String {
    match r.below(8) {
        0 => "0".into(),
        1 => u64::MAX.to_string(),
        2 => "99999999999999999999999999".into(),
        3 => format!("0x{:x}", r.next()),
        4 => format!("0{:o}", r.next() % 4096),
        5 => format!("{}.{}", r.below(200), r.below(100)),
        6 => format!("{}", r.next() % 70000),
        _ => format!("{}", r.below(10)),
    }
}

fn hexs(r: &mut Rng) -> String {
    let n = r.below(40);
    (0..n).map(|_| format!("{:x}", r.below(16))).collect()
}

fn mac_or_ip(r: &mut Rng) -> String {
    match r.below(4) {
        0 => "00:01:02:03:04:05".into(),
        1 => "10.0.0.1".into(),
        2 => "fe80::1".into(),
        _ => "ff:ff:ff:ff:ff".into(),
    }
}

/// A random string from the syntax's pieces.
fn text(r: &mut Rng) -> String {
    let n = 1 + r.below(60);
    let mut s = String::new();
    for _ in 0..n {
        match r.below(10) {
            0..=3 => s.push_str(r.pick(WORDS)),
            4..=6 => s.push_str(r.pick(PUNCT)),
            7 => s.push_str(&number(r)),
            8 => s.push_str(&hexs(r)),
            _ => s.push_str(&mac_or_ip(r)),
        }
    }
    s
}

/// Changes a valid string: mostly its numbers (which keeps it parseable
/// often, so the encoders and printers see odd values), sometimes its
/// structure.
fn mutate(r: &mut Rng, base: &str) -> String {
    let mut b: Vec<char> = base.chars().collect();
    for _ in 0..1 + r.below(3) {
        let at = r.below(b.len() + 1);
        match r.below(6) {
            0 if at < b.len() => {
                b.remove(at);
            }
            1 => {
                let piece: Vec<char> = r.pick(PUNCT).chars().collect();
                b.splice(at..at, piece);
            }
            _ => {
                // Replace the run of digits at or after `at` by another number.
                let Some(start) = (at..b.len()).find(|&i| b[i].is_ascii_digit()) else {
                    continue;
                };
                let end = (start..b.len())
                    .find(|&i| !b[i].is_ascii_hexdigit())
                    .unwrap_or(b.len());
                let piece: Vec<char> = number(r).chars().collect();
                b.splice(start..end, piece);
            }
        }
    }
    b.into_iter().collect()
}

const VALID_ACTIONS: &[&str] = &[
    "userspace(pid=6633,flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,output_port=10,egress),tunnel_out_port=10)",
    "userspace(pid=6633,controller(reason=1,dont_send=0,continuation=1,recirc_id=4444,rule_cookie=0x5555,controller_id=0,max_len=65535))",
    "userspace(pid=9765,slow_path(cfm),actions)",
    "userspace(pid=6633,sFlow(vid=9,pcp=7,output=10),actions)",
    "userspace(pid=1,userdata(0102030405060708090a))",
    "check_pkt_len(size=200,gt(set(eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15))),le(drop))",
    "sample(sample=9.7%,actions(1,2,3,push_vlan(vid=1,pcp=2)))",
    "clone(clone(push_vlan(vid=12,pcp=0),2),1)",
    "ct(commit,zone=5,mark=0xa0a0a0a0/0xfefefefe,label=0x1/0xf,helper=ftp,timeout=t1)",
    "ct(commit,eventmask=0x1f,nat(src=10.0.0.240-10.0.0.254:32768-65535,persistent))",
    "ct(force_commit,nat(dst=[fe80::20c:29ff:fe88:1]-[fe80::20c:29ff:fe88:a18b]:255-4096,random)),ct_clear",
    "set(ipv6(src=::1,dst=::2,label=0/0xfff,proto=10,tclass=0x70/0x70))",
    "push_mpls(label=10,tc=1,ttl=64,bos=1,eth_type=0x8847),pop_mpls(eth_type=0x800)",
    "hash(l4(0)),recirc(0x1),psample(group=3,cookie=0x0102),set(key99(0102/ff00))",
    "set(encap(eth_type(0x800),ipv4(ttl=3))),set(tcp_flags(syn))",
];

const VALID_FLOWS: &[&str] = &[
    "ufid:11111111-2222-3333-4444-555555555555,in_port(1),eth(src=00:01:02:03:04:05/ff:ff:ff:00:00:00),eth_type(0x8100),vlan(vid=99,pcp=7),encap(eth_type(0x0800),ipv4(src=1.2.3.4/24,proto=6,frag=no),tcp(dst=22),tcp_flags(+syn-ack))",
    "recirc_id(0),ct_state(+new-est+trk),ct_zone(1),ct_mark(0x1/0xff),ct_label(0x1/0x1),ct_tuple4(src=1.1.1.1,dst=2.2.2.2,proto=6,tp_src=1,tp_dst=2)",
    "eth_type(0x86dd),ipv6(src=fe80::/10,label=0x12345,frag=later),icmpv6(type=135,code=0),nd(target=::1,sll=00:01:02:03:04:05)",
    "eth_type(0x8847),mpls(label=1,tc=2,ttl=3,bos=1),key99(01 02/ff 00)",
    "eth_type(0x0806),arp(sip=10.0.0.0/255.0.0.0,op=2,sha=00:11:22:33:44:55)",
];

/// Parses as actions and as a flow; whatever parses must encode and print.
/// Returns how many of the two parsed.
fn exercise(s: &str, ports: Option<&Ports>) -> usize {
    let mut parsed = 0;
    if let Ok(a) = parse_actions(s, ports) {
        parsed += 1;
        let b = attr::emit(&a).unwrap_or_else(|e| panic!("parsed actions do not encode: {e}"));
        let printed = format_actions(&b, ports);
        // What ovsdp prints it parses, except forms it prints but cannot
        // parse (generic actions, bad lengths).
        if !printed.contains("action") && !printed.contains("bad") {
            let _ = parse_actions(&printed, ports);
        }
    }
    if let Ok(f) = parse_flow(s, ports) {
        parsed += 1;
        attr::emit(&f.key).unwrap_or_else(|e| panic!("parsed key does not encode: {e}"));
        attr::emit(&f.mask).unwrap_or_else(|e| panic!("parsed mask does not encode: {e}"));
        let _ = format_flow(&f.key, Some(&f.mask), ports, false);
        let _ = format_flow(&f.key, Some(&f.mask), ports, true);
        let _ = format_flow(&f.key, None, ports, false);
    }
    parsed
}

fn run_case(what: &str, seed: u64, i: usize, s: &str, ports: Option<&Ports>) -> usize {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| exercise(s, ports)));
    r.unwrap_or_else(|_| {
        let shown: String = s.chars().take(300).collect();
        panic!("{what}: seed {seed} iteration {i} panicked on {shown:?}");
    })
}

#[test]
fn random_text_does_not_panic() {
    let seed = seed();
    let mut r = Rng(seed);
    let mut ports = Ports::default();
    ports.insert(1, "veth0");
    let n = rounds(20_000);
    let mut parsed = 0;
    for i in 0..n {
        let s = match r.below(3) {
            0 => text(&mut r),
            1 => {
                let base = r.pick(VALID_ACTIONS);
                mutate(&mut r, base)
            }
            _ => {
                let base = r.pick(VALID_FLOWS);
                mutate(&mut r, base)
            }
        };
        let p = if i % 2 == 0 { Some(&ports) } else { None };
        parsed += run_case("text", seed, i, &s, p);
    }
    // The mutations of valid strings reach the encoders and printers often
    // enough for the run to mean something.
    eprintln!("{parsed} of {n} random strings parsed");
    assert!(
        parsed * 20 >= n,
        "only {parsed} of {n} random strings parsed"
    );
}

/// Long inputs: many attributes, deep nesting, long hex, near and past
/// every limit. Each must parse or fail with an error.
#[test]
fn long_text_does_not_panic() {
    let big = 70_000;
    let cases = [
        format!("userspace(pid=1,userdata({}))", "ab".repeat(big)),
        format!("userspace(pid=1,userdata({}),actions)", "a".repeat(131_060)),
        format!("set(key99({}))", "00".repeat(big)),
        format!("key99({})", "00".repeat(big)),
        format!("key99({}/{})", "00".repeat(40_000), "ff".repeat(40_000)),
        format!("encap({})", "key99(00),".repeat(20_000)),
        vec!["1"; 9000].join(","),
        vec!["pop_vlan"; 17_000].join(","),
        format!("clone({})", vec!["1"; 9000].join(",")),
        format!("sample(sample=1%,actions({}))", vec!["1"; 8200].join(",")),
        format!(
            "check_pkt_len(size=1,gt({}),le(1))",
            vec!["1"; 8200].join(",")
        ),
        format!("{}1{}", "clone(".repeat(50_000), ")".repeat(50_000)),
        format!("{}{}", "encap(".repeat(50_000), ")".repeat(50_000)),
        format!("set({}{})", "encap(".repeat(50_000), ")".repeat(50_000)),
        "clone(".repeat(100_000),
        "encap(".repeat(100_000),
        format!("ct(helper={})", "h".repeat(big)),
        format!("psample(group=1,cookie=0x{})", "ab".repeat(big)),
        format!("in_port({})", "9".repeat(big)),
        "drop,".repeat(20_000),
        vec!["set(encap())"; 8192].join(","),
        vec!["encap()"; 16_383].join(","),
        vec!["ufid:11111111-2222-3333-4444-555555555555"; 10_000].join(","),
        "é".repeat(big),
        "(".repeat(big),
        ")".repeat(big),
        ",".repeat(big),
    ];
    for (i, s) in cases.iter().enumerate() {
        let _ = run_case("long", 0, i, s, None);
    }
}

/// Random attribute bytes as a kernel dump could carry them: the printers
/// must not panic on any length or nesting.
#[test]
fn random_attributes_do_not_panic() {
    let seed = seed();
    let mut r = Rng(seed ^ 0xa5a5);
    fn attrs(r: &mut Rng, depth: usize) -> Vec<Attr> {
        let n = r.below(5);
        (0..n)
            .map(|_| {
                let ty = match r.below(4) {
                    0 => r.below(40) as u16,
                    1 => r.next() as u16,
                    _ => r.below(28) as u16,
                };
                if depth < 4 && r.below(3) == 0 {
                    // A nest; if it came out too long, a plain attribute.
                    let kids = attrs(r, depth + 1);
                    Attr::nested(ty, &kids).unwrap_or_else(|_| Attr::flag(ty))
                } else {
                    let len = match r.below(6) {
                        0 => 48,
                        1 => 0,
                        _ => r.below(60),
                    };
                    Attr::new(ty, (0..len).map(|_| r.next() as u8).collect())
                }
            })
            .collect()
    }
    for i in 0..rounds(20_000) {
        let list = attrs(&mut r, 0);
        let Ok(mut b) = attr::emit(&list) else {
            continue;
        };
        // Also a truncated buffer.
        if r.below(4) == 0 && !b.is_empty() {
            let cut = r.below(b.len());
            b.truncate(cut);
        }
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = format_actions(&b, None);
            if let Ok(keys) = attr::parse(&b) {
                let _ = format_flow(&keys, None, None, true);
                let _ = format_flow(&keys, Some(&keys), None, false);
                let _ = format_flow(&keys, Some(&list), None, false);
            }
        }));
        assert!(
            ok.is_ok(),
            "attributes: seed {seed} iteration {i} panicked on {b:02x?}"
        );
    }
}

/// The CLI: a userspace action too long for netlink is an error (exit 2),
/// not a panic (exit 101 before); so are too long keys and packets.
#[test]
fn cli_reports_too_long_as_errors() {
    let argv = |v: &[String]| main_with(v);
    let ud = format!("userspace(pid=1,userdata({}))", "a".repeat(131_040));
    assert_eq!(argv(&["parse-actions".into(), ud.clone()]), 2);
    assert_eq!(argv(&["parse-actions".into(), ud, "-m".into()]), 2);
    let k = format!("key99({})", "00".repeat(65_532));
    assert_eq!(argv(&["parse-flow".into(), k, "-m".into()]), 2);
    // (That the largest one that fits parses is in odp_at.rs; main_with
    // would print its 131 kB to the test's real stdout.)
}
