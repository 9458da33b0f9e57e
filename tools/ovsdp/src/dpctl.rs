//! The verbs of ovsdp and their output (OVS: utilities/ovs-dpctl.c and
//! lib/dpctl.c: `dpctl_add_dp`, `show_dpif`, `dpctl_dump_flows`,
//! `format_dpif_flow`, ...).
//!
//! Output lines follow ovs-dpctl's; `--json` gives one JSON document per
//! read verb instead. Every error is one line on stderr and a non-zero exit.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::actions::{format_actions, parse_actions};
use crate::attr::Attr;
use crate::batch::{parse_flow_lines, pipeline, Answer};
use crate::dpif::{self, Dp, DpError, Dpif, FlowInfo, Vport};
use crate::json::J;
use crate::key::{format_flow, format_ufid, parse_flow, Flow, Ports};
use crate::netlink::{Error as NlError, Nl, Reply};
use crate::text::{hex, parse_hex_packet};
use crate::uapi::*;

/// Usage text.
pub const USAGE: &str = "\
ovsdp: Open vSwitch datapath management utility (ovs-dpctl compatible)
usage: ovsdp [OPTIONS] COMMAND [ARG...]
  add-dp DP [IFACE...] [--user-features=F] [--upcall-pid=PID]  add new datapath DP
  del-dp DP                      delete local datapath DP
  show [DP...] [-s]              show basic info on DPs (-s: port statistics)
  dump-dps                       display names of all datapaths
  add-if DP IFACE[,type=T][,port_no=N][,dst_port=P]...  add IFACE to DP
  set-if DP IFACE[,upcall_pid=P][,dst_port=P]...        reconfigure IFACE in DP
  del-if DP IFACE...             delete each IFACE from DP
  add-flow [DP] FLOW ACTIONS     add FLOW with ACTIONS to DP
  add-flows DP FILE|- [--window=N]   add one flow per line (FLOW ACTIONS), pipelined
  mod-flow [DP] FLOW ACTIONS [--clear] [--may-create]   change FLOW's ACTIONS
  get-flow [DP] FLOW|ufid:UFID   fetch one flow
  del-flow [DP] FLOW|ufid:UFID   delete FLOW from DP
  del-flows [DP]                 delete all flows from DP
  dump-flows [DP] [-m] [--names] display flows in DP
  execute DP PACKET-HEX ACTIONS [--key=FLOW]   run ACTIONS on a packet
  monitor DP [--count=SECS]      print upcalls and notifications until ^C
                                 (--count: only count upcalls for SECS seconds)
  cache-set-size DP masks-cache N   set the masks cache size (0 disables it)
  parse-flow FLOW [-m]           parse and reprint FLOW offline (-m: netlink bytes)
  parse-actions ACTIONS [-m]     parse and reprint ACTIONS offline (-m: netlink bytes)
options: -s/--statistics  -m/--more  --names/--no-names  --json  -h/--help  -V/--version
features for --user-features: a number, or names joined by ',':
  unaligned, vport_pids, tc_recirc_sharing, dispatch_upcall_per_cpu";

/// Parsed command line.
#[derive(Debug, Default)]
pub struct Opts {
    /// -s
    pub stats: bool,
    /// -m (repeatable)
    pub verbose: u32,
    /// --names
    pub names: bool,
    /// --json
    pub json: bool,
    /// --clear
    pub clear: bool,
    /// --may-create
    pub may_create: bool,
    /// --user-features
    pub user_features: Option<String>,
    /// --upcall-pid
    pub upcall_pid: Option<u32>,
    /// --key (execute)
    pub key: Option<String>,
    /// --window (add-flows): requests in flight.
    pub window: Option<usize>,
    /// --count (monitor): count upcalls for this many seconds.
    pub count: Option<f64>,
    /// Verb and its arguments.
    pub args: Vec<String>,
}

/// A command failure: message and exit code.
#[derive(Debug)]
pub struct Fail(pub String, pub i32);

fn fail<T>(msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail(msg.into(), 1))
}

/// Parses argv (without argv[0]).
pub fn parse_args(argv: &[String]) -> Result<Opts, Fail> {
    let mut o = Opts::default();
    let mut it = argv.iter().peekable();
    let mut only_args = false;
    while let Some(a) = it.next() {
        if only_args || !a.starts_with('-') || a == "-" {
            o.args.push(a.clone());
            continue;
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, Fail> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| Fail(format!("option {what} needs a value"), 2)),
            }
        };
        match name.as_str() {
            "--" => only_args = true,
            "-s" | "--statistics" => o.stats = true,
            "-m" | "--more" => o.verbose += 1,
            "-mm" => o.verbose += 2,
            "--names" => o.names = true,
            "--no-names" => o.names = false,
            "--json" => o.json = true,
            "--clear" => o.clear = true,
            "--may-create" => o.may_create = true,
            "--user-features" => o.user_features = Some(value("--user-features")?),
            "--upcall-pid" => {
                let v = value("--upcall-pid")?;
                o.upcall_pid = Some(
                    v.parse()
                        .map_err(|_| Fail(format!("bad --upcall-pid '{v}'"), 2))?,
                );
            }
            "--key" => o.key = Some(value("--key")?),
            "--window" => {
                let v = value("--window")?;
                o.window = Some(
                    v.parse()
                        .ok()
                        .filter(|&n: &usize| n > 0)
                        .ok_or_else(|| Fail(format!("bad --window '{v}'"), 2))?,
                );
            }
            "--count" => {
                let v = value("--count")?;
                o.count = Some(
                    v.parse()
                        .ok()
                        .filter(|&s: &f64| s > 0.0)
                        .ok_or_else(|| Fail(format!("bad --count '{v}'"), 2))?,
                );
            }
            "-h" | "--help" => o.args = vec!["help".into()],
            "-V" | "--version" => o.args = vec!["version".into()],
            _ => return Err(Fail(format!("unknown option '{a}' (see ovsdp --help)"), 2)),
        }
    }
    Ok(o)
}

/// Parses `--user-features`.
pub fn parse_features(s: &str) -> Result<u32, Fail> {
    if let Some(h) = s.strip_prefix("0x") {
        return u32::from_str_radix(h, 16).map_err(|_| Fail(format!("bad features '{s}'"), 2));
    }
    if let Ok(n) = s.parse() {
        return Ok(n);
    }
    let mut f = 0;
    for w in s.split([',', '|']).filter(|w| !w.is_empty()) {
        f |= match w {
            "unaligned" => OVS_DP_F_UNALIGNED,
            "vport_pids" => OVS_DP_F_VPORT_PIDS,
            "tc_recirc_sharing" => OVS_DP_F_TC_RECIRC_SHARING,
            "dispatch_upcall_per_cpu" => OVS_DP_F_DISPATCH_UPCALL_PER_CPU,
            _ => return Err(Fail(format!("unknown datapath feature '{w}'"), 2)),
        };
    }
    Ok(f)
}

/// `system@br0` -> `br0` (dpif names carry their type).
fn dp_name(s: &str) -> &str {
    s.strip_prefix("system@").unwrap_or(s)
}

/// Turns an operation error into the message users see.
pub fn explain(e: DpError, what: &str) -> Fail {
    match e {
        DpError::NoDatapath(n) => Fail(format!("datapath {n} not found"), 1),
        DpError::Nl(NlError::NoFamily(f)) => {
            Fail(format!("no {f} family: is openvswitch_rs loaded?"), 1)
        }
        DpError::Nl(NlError::Errno(e)) if e == libc::EPERM || e == libc::EACCES => {
            Fail("permission denied: CAP_NET_ADMIN needed".into(), 1)
        }
        DpError::Nl(NlError::Errno(e)) => {
            let detail = match (what, e) {
                (w, libc::EEXIST) if w.starts_with("add-dp") => {
                    "datapath already exists".to_string()
                }
                (w, libc::EEXIST) if w.contains("flow") => {
                    "flow already exists (use mod-flow to change it)".to_string()
                }
                (w, libc::EEXIST) | (w, libc::EBUSY) if w.contains("-if") => {
                    "port already exists".to_string()
                }
                (w, libc::ENOENT) if w.contains("flow") => "flow not found".to_string(),
                (w, libc::ENODEV) if w.contains("-if") => "port not found".to_string(),
                (w, libc::EFBIG) if w.contains("-if") => {
                    "port number out of range or in use".to_string()
                }
                _ => std::io::Error::from_raw_os_error(e).to_string(),
            };
            Fail(format!("{what}: {detail}"), 1)
        }
        DpError::Nl(e) => Fail(format!("{what}: {e}"), 1),
    }
}

fn open() -> Result<Dpif, Fail> {
    Dpif::open().map_err(|e| explain(e, "open"))
}

/// The datapath named, or the only one when `name` is None.
fn lookup(d: &mut Dpif, name: Option<&str>) -> Result<Dp, Fail> {
    match name {
        Some(n) => d.dp_get(dp_name(n)).map_err(|e| explain(e, "lookup")),
        None => {
            let dps = d.dp_dump().map_err(|e| explain(e, "dump-dps"))?;
            match dps.len() {
                1 => Ok(dps[0].clone()),
                0 => fail("no datapaths exist"),
                _ => fail("multiple datapaths, specify one"),
            }
        }
    }
}

fn ports_of(d: &mut Dpif, dp: &Dp) -> Result<(Vec<Vport>, Ports), Fail> {
    let v = d.vport_dump(dp).map_err(|e| explain(e, "dump ports"))?;
    let mut p = Ports::default();
    for x in &v {
        p.insert(x.port_no, &x.name);
    }
    Ok((v, p))
}

/// CLOCK_MONOTONIC in msecs, the clock of OVS_FLOW_ATTR_USED.
pub fn now_ms() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000
}

/// `packet_format_tcp_flags()` as used after `flags:`.
pub fn format_tcp_flags(f: u16) -> String {
    if f == 0 {
        return "none".into();
    }
    let mut s = String::new();
    for (bit, c) in [
        (0x02, "S"),
        (0x01, "F"),
        (0x08, "P"),
        (0x04, "R"),
        (0x20, "U"),
        (0x10, "."),
        (0x40, "E"),
        (0x80, "C"),
        (0x100, "N"),
        (0x200, "[200]"),
        (0x400, "[400]"),
        (0x800, "[800]"),
    ] {
        if f & bit != 0 {
            s.push_str(c);
        }
    }
    s
}

/// `format_dpif_flow()`: one dump-flows line.
pub fn format_flow_line(f: &FlowInfo, ports: Option<&Ports>, verbose: bool, now: u64) -> String {
    let mut s = String::new();
    if verbose {
        if let Some(u) = &f.ufid {
            s.push_str(&format_ufid(u));
            s.push_str(", ");
        }
    }
    s.push_str(&format_flow(&f.key, f.mask.as_deref(), ports, verbose));
    s.push_str(&format!(
        ", packets:{}, bytes:{}, used:",
        f.stats.0, f.stats.1
    ));
    if f.used != 0 {
        s.push_str(&format!(
            "{:.3}s",
            now.saturating_sub(f.used) as f64 / 1000.0
        ));
    } else {
        s.push_str("never");
    }
    if f.tcp_flags != 0 {
        s.push_str(&format!(", flags:{}", format_tcp_flags(f.tcp_flags as u16)));
    }
    s.push_str(", actions:");
    s.push_str(&format_actions(f.actions.as_deref().unwrap_or(&[]), ports));
    s
}

fn flow_json(f: &FlowInfo, ports: Option<&Ports>, verbose: bool, now: u64) -> J {
    J::obj(vec![
        (
            "ufid",
            f.ufid
                .as_ref()
                .map(|u| J::s(format_ufid(u)))
                .unwrap_or(J::Null),
        ),
        (
            "flow",
            J::s(format_flow(&f.key, f.mask.as_deref(), ports, verbose)),
        ),
        ("packets", J::U(f.stats.0)),
        ("bytes", J::U(f.stats.1)),
        (
            "used_ms_ago",
            if f.used == 0 {
                J::Null
            } else {
                J::U(now.saturating_sub(f.used))
            },
        ),
        ("tcp_flags", J::s(format_tcp_flags(f.tcp_flags as u16))),
        (
            "actions",
            J::s(format_actions(f.actions.as_deref().unwrap_or(&[]), ports)),
        ),
    ])
}

fn human_size(v: u64) -> String {
    let k = 1024.0;
    let x = v as f64;
    if v >= 1 << 40 {
        format!(" ({:.1} TiB)", x / (k * k * k * k))
    } else if v >= 1 << 30 {
        format!(" ({:.1} GiB)", x / (k * k * k))
    } else if v >= 1 << 20 {
        format!(" ({:.1} MiB)", x / (k * k))
    } else if v >= 1024 {
        format!(" ({:.1} KiB)", x / k)
    } else {
        String::new()
    }
}

/// `show_dpif()` text for one datapath.
pub fn format_show(dp: &Dp, ports: &[Vport], stats: bool) -> String {
    let mut s = format!("system@{}:\n", dp.name);
    if let Some([hit, missed, lost, flows]) = dp.stats {
        s.push_str(&format!(
            "  lookups: hit:{hit} missed:{missed} lost:{lost}\n  flows: {flows}\n"
        ));
        if let Some((mask_hit, masks, cache_hit)) = dp.megaflow {
            let n = hit + missed;
            let avg = if n > 0 {
                mask_hit as f64 / n as f64
            } else {
                0.0
            };
            s.push_str(&format!(
                "  masks: hit:{mask_hit} total:{masks} hit/pkt:{avg:.2}\n"
            ));
            if cache_hit != 0 {
                let r = if n > 0 {
                    cache_hit as f64 / n as f64 * 100.0
                } else {
                    0.0
                };
                s.push_str(&format!("  cache: hit:{cache_hit} hit-rate:{r:.2}%\n"));
            }
        }
    }
    if let Some(sz) = dp.masks_cache_size {
        s.push_str(&format!("  caches:\n    masks-cache: size:{sz}\n"));
    }
    for p in ports {
        s.push_str(&format!("  port {}: {}", p.port_no, p.name));
        if p.ty != OVS_VPORT_TYPE_NETDEV {
            s.push_str(&format!(" ({})", dpif::vport_type_name(p.ty)));
        }
        s.push('\n');
        if stats {
            match p.stats {
                Some([rxp, txp, rxb, txb, rxe, txe, rxd, txd]) => {
                    s.push_str(&format!(
                        "    RX packets:{rxp} errors:{rxe} dropped:{rxd} overruns:? frame:?\n"
                    ));
                    s.push_str(&format!(
                        "    TX packets:{txp} errors:{txe} dropped:{txd} aborted:? carrier:?\n"
                    ));
                    s.push_str("    collisions:?\n");
                    s.push_str(&format!(
                        "    RX bytes:{rxb}{}  TX bytes:{txb}{}\n",
                        human_size(rxb),
                        human_size(txb)
                    ));
                }
                None => s.push_str("    (no statistics)\n"),
            }
        }
    }
    s
}

fn show_json(dp: &Dp, ports: &[Vport]) -> J {
    let st = dp.stats.unwrap_or([0; 4]);
    J::obj(vec![
        ("name", J::s(dp.name.clone())),
        ("dp_ifindex", J::I(dp.ifindex as i64)),
        (
            "lookups",
            J::obj(vec![
                ("hit", J::U(st[0])),
                ("missed", J::U(st[1])),
                ("lost", J::U(st[2])),
            ]),
        ),
        ("flows", J::U(st[3])),
        (
            "masks",
            match dp.megaflow {
                Some((h, t, c)) => J::obj(vec![
                    ("hit", J::U(h)),
                    ("total", J::U(t as u64)),
                    ("cache_hit", J::U(c)),
                ]),
                None => J::Null,
            },
        ),
        (
            "masks_cache_size",
            dp.masks_cache_size
                .map(|x| J::U(x as u64))
                .unwrap_or(J::Null),
        ),
        (
            "user_features",
            dp.user_features.map(|x| J::U(x as u64)).unwrap_or(J::Null),
        ),
        (
            "ports",
            J::A(
                ports
                    .iter()
                    .map(|p| {
                        J::obj(vec![
                            ("port_no", J::U(p.port_no as u64)),
                            ("name", J::s(p.name.clone())),
                            ("type", J::s(dpif::vport_type_name(p.ty))),
                            (
                                "stats",
                                match p.stats {
                                    Some(v) => J::obj(
                                        [
                                            "rx_packets",
                                            "tx_packets",
                                            "rx_bytes",
                                            "tx_bytes",
                                            "rx_errors",
                                            "tx_errors",
                                            "rx_dropped",
                                            "tx_dropped",
                                        ]
                                        .iter()
                                        .zip(v)
                                        .map(|(k, x)| (*k, J::U(x)))
                                        .collect(),
                                    ),
                                    None => J::Null,
                                },
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

/// Splits `IFACE,key=value,...`.
fn iface_spec(s: &str) -> (String, Vec<(String, String)>) {
    let mut parts = s.split(',');
    let name = parts.next().unwrap_or("").to_string();
    let opts = parts
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect();
    (name, opts)
}

fn tunnel_options(opts: &[(String, String)]) -> Result<Vec<Attr>, Fail> {
    let mut v = Vec::new();
    for (k, val) in opts {
        if k == "dst_port" {
            let p: u16 = val
                .parse()
                .map_err(|_| Fail(format!("bad dst_port '{val}'"), 2))?;
            v.push(Attr::u16(1 /* OVS_TUNNEL_ATTR_DST_PORT */, p));
        }
    }
    Ok(v)
}

fn need(args: &[String], min: usize, max: usize, usage: &str) -> Result<(), Fail> {
    if args.len() < min || args.len() > max {
        return Err(Fail(format!("usage: ovsdp {usage}"), 2));
    }
    Ok(())
}

fn parse_flow_arg(s: &str, ports: Option<&Ports>) -> Result<Flow, Fail> {
    parse_flow(s, ports).map_err(|e| Fail(format!("bad flow: {e}"), 2))
}

/// Checks syntax before touching the kernel, so a typo is reported even
/// without a datapath; errors that a port name could resolve are left for
/// the second parse, which knows the datapath's ports.
fn precheck(flow: Option<&str>, actions: Option<&str>) -> Result<(), Fail> {
    if let Some(f) = flow {
        if let Err(e) = parse_flow(f, None) {
            if !e.msg.starts_with("unknown port name") {
                return Err(Fail(format!("bad flow: {e}"), 2));
            }
        }
    }
    if let Some(a) = actions {
        if let Err(e) = parse_actions(a, None) {
            if !e.msg.starts_with("unknown action") {
                return Err(Fail(format!("bad actions: {e}"), 2));
            }
        }
    }
    Ok(())
}

fn out(s: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(s.as_bytes());
    let _ = o.flush();
}

/// Runs a command; returns the exit status.
pub fn run(o: &Opts) -> Result<(), Fail> {
    let Some(verb) = o.args.first() else {
        return Err(Fail("missing command (see ovsdp --help)".into(), 2));
    };
    let a = &o.args[1..];
    match verb.as_str() {
        "help" => out(&format!("{USAGE}\n")),
        "version" => out(&format!("ovsdp {}\n", env!("CARGO_PKG_VERSION"))),
        "add-dp" => {
            need(a, 1, usize::MAX, "add-dp DP [IFACE...]")?;
            let features = match &o.user_features {
                Some(f) => parse_features(f)?,
                None => OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS,
            };
            let mut d = open()?;
            let name = dp_name(&a[0]);
            let dp = d
                .dp_new(name, o.upcall_pid.unwrap_or(0), features)
                .map_err(|e| explain(e, &format!("add-dp {name}")))?;
            let dp = if dp.ifindex == 0 {
                lookup(&mut d, Some(name))?
            } else {
                dp
            };
            for i in &a[1..] {
                add_if(&mut d, &dp, i)?;
            }
        }
        "del-dp" => {
            need(a, 1, 1, "del-dp DP")?;
            let mut d = open()?;
            d.dp_del(dp_name(&a[0])).map_err(|e| explain(e, "del-dp"))?;
        }
        "dump-dps" => {
            need(a, 0, 0, "dump-dps")?;
            let mut d = open()?;
            let mut dps = d.dp_dump().map_err(|e| explain(e, "dump-dps"))?;
            dps.sort_by(|x, y| x.name.cmp(&y.name));
            if o.json {
                out(&format!(
                    "{}\n",
                    J::A(dps.iter().map(|x| J::s(x.name.clone())).collect()).dump()
                ));
            } else {
                for x in dps {
                    out(&format!("system@{}\n", x.name));
                }
            }
        }
        "show" => {
            let mut d = open()?;
            let mut dps = if a.is_empty() {
                d.dp_dump().map_err(|e| explain(e, "show"))?
            } else {
                a.iter()
                    .map(|n| lookup(&mut d, Some(n)))
                    .collect::<Result<_, _>>()?
            };
            if a.is_empty() {
                dps.sort_by(|x, y| x.name.cmp(&y.name));
            }
            let mut js = Vec::new();
            for dp in &dps {
                let (ports, _) = ports_of(&mut d, dp)?;
                if o.json {
                    js.push(show_json(dp, &ports));
                } else {
                    out(&format_show(dp, &ports, o.stats));
                }
            }
            if o.json {
                out(&format!("{}\n", J::A(js).dump()));
            }
        }
        "add-if" => {
            need(a, 2, usize::MAX, "add-if DP IFACE[,type=T]...")?;
            let mut d = open()?;
            let dp = lookup(&mut d, Some(&a[0]))?;
            for i in &a[1..] {
                add_if(&mut d, &dp, i)?;
            }
        }
        "set-if" => {
            need(a, 2, usize::MAX, "set-if DP IFACE[,option=value]...")?;
            let mut d = open()?;
            let dp = lookup(&mut d, Some(&a[0]))?;
            let (ports, _) = ports_of(&mut d, &dp)?;
            for spec in &a[1..] {
                let (name, opts) = iface_spec(spec);
                let Some(cur) = ports.iter().find(|p| p.name == name) else {
                    return fail(format!(
                        "set-if: {name}: no port with this name in {}",
                        dp.name
                    ));
                };
                let mut extra = Vec::new();
                for (k, v) in &opts {
                    match k.as_str() {
                        "type" => {
                            if dpif::vport_type_from_name(v) != Some(cur.ty) {
                                return fail(format!(
                                    "set-if: {name}: can't change type from {} to {v}",
                                    dpif::vport_type_name(cur.ty)
                                ));
                            }
                        }
                        "upcall_pid" => {
                            let p: u32 = v
                                .parse()
                                .map_err(|_| Fail(format!("bad upcall_pid '{v}'"), 2))?;
                            extra.push(Attr::u32(OVS_VPORT_ATTR_UPCALL_PID, p));
                        }
                        "dst_port" => {}
                        "port_no" => {
                            if v.parse::<u32>().ok() != Some(cur.port_no) {
                                return fail(format!("set-if: {name}: can't change port number"));
                            }
                        }
                        _ => return fail(format!("set-if: {name}: unknown option '{k}'")),
                    }
                }
                let t = tunnel_options(&opts)?;
                if !t.is_empty() {
                    extra.push(
                        Attr::nested(OVS_VPORT_ATTR_OPTIONS, &t).map_err(|e| {
                            Fail(format!("set-if {name}: options too long: {e}"), 2)
                        })?,
                    );
                }
                extra.push(Attr::u32(OVS_VPORT_ATTR_TYPE, cur.ty));
                d.vport_set(&dp, &name, extra)
                    .map_err(|e| explain(e, &format!("set-if {name}")))?;
            }
        }
        "del-if" => {
            need(a, 2, usize::MAX, "del-if DP IFACE...")?;
            let mut d = open()?;
            let dp = lookup(&mut d, Some(&a[0]))?;
            for i in &a[1..] {
                d.vport_del(&dp, i)
                    .map_err(|e| explain(e, &format!("del-if {i}")))?;
            }
        }
        "add-flow" | "mod-flow" => {
            need(a, 2, 3, &format!("{verb} [DP] FLOW ACTIONS"))?;
            let (dpn, fl, ac) = if a.len() == 3 {
                (Some(a[0].as_str()), &a[1], &a[2])
            } else {
                (None, &a[0], &a[1])
            };
            precheck(Some(fl), Some(ac))?;
            let mut d = open()?;
            let dp = lookup(&mut d, dpn)?;
            let (_, ports) = ports_of(&mut d, &dp)?;
            let flow = parse_flow_arg(fl, Some(&ports))?;
            let acts = parse_actions(ac, Some(&ports))
                .map_err(|e| Fail(format!("bad actions: {e}"), 2))?;
            let (create, nlm_create) = if verb == "add-flow" {
                (true, true)
            } else {
                (o.may_create, false)
            };
            d.flow_put(&dp, &flow, &acts, create, nlm_create, o.clear)
                .map_err(|e| explain(e, verb))?;
        }
        "add-flows" => {
            need(a, 2, 2, "add-flows DP FILE|- [--window=N]")?;
            add_flows(o, &a[0], &a[1])?;
        }
        "cache-set-size" => {
            need(a, 3, 3, "cache-set-size DP masks-cache N")?;
            if a[1] != "masks-cache" {
                return Err(Fail(
                    format!("unknown cache '{}' (only masks-cache)", a[1]),
                    2,
                ));
            }
            let n: u32 = a[2]
                .parse()
                .map_err(|_| Fail(format!("bad cache size '{}'", a[2]), 2))?;
            let mut d = open()?;
            let dp = lookup(&mut d, Some(&a[0]))?;
            d.dp_set(&dp.name, vec![Attr::u32(OVS_DP_ATTR_MASKS_CACHE_SIZE, n)])
                .map_err(|e| explain(e, "cache-set-size"))?;
        }
        "get-flow" | "del-flow" => {
            need(a, 1, 2, &format!("{verb} [DP] FLOW|ufid:UFID"))?;
            let (dpn, fl) = if a.len() == 2 {
                (Some(a[0].as_str()), &a[1])
            } else {
                (None, &a[0])
            };
            precheck(Some(fl), None)?;
            let mut d = open()?;
            let dp = lookup(&mut d, dpn)?;
            let (_, ports) = ports_of(&mut d, &dp)?;
            let flow = parse_flow_arg(fl, Some(&ports))?;
            if verb == "del-flow" {
                if flow.key.is_empty() && flow.ufid.is_none() {
                    return fail("del-flow: empty flow (use del-flows to delete all)");
                }
                d.flow_del(&dp, &flow).map_err(|e| explain(e, verb))?;
            } else {
                let f = d.flow_get(&dp, &flow).map_err(|e| explain(e, verb))?;
                let p = if o.names { Some(&ports) } else { None };
                if o.json {
                    out(&format!(
                        "{}\n",
                        flow_json(&f, p, o.verbose > 0, now_ms()).dump()
                    ));
                } else {
                    out(&format!(
                        "{}\n",
                        format_flow_line(&f, p, o.verbose > 0, now_ms())
                    ));
                }
            }
        }
        "del-flows" => {
            need(a, 0, 1, "del-flows [DP]")?;
            let mut d = open()?;
            let dp = lookup(&mut d, a.first().map(|s| s.as_str()))?;
            d.flow_del(&dp, &Flow::default())
                .map_err(|e| explain(e, verb))?;
        }
        "dump-flows" => {
            need(a, 0, 1, "dump-flows [DP]")?;
            let mut d = open()?;
            let dp = lookup(&mut d, a.first().map(|s| s.as_str()))?;
            let (_, ports) = ports_of(&mut d, &dp)?;
            let flows = d.flow_dump(&dp).map_err(|e| explain(e, verb))?;
            let p = if o.names { Some(&ports) } else { None };
            let now = now_ms();
            if o.json {
                out(&format!(
                    "{}\n",
                    J::A(
                        flows
                            .iter()
                            .map(|f| flow_json(f, p, o.verbose > 0, now))
                            .collect()
                    )
                    .dump()
                ));
            } else {
                for f in &flows {
                    out(&format!("{}\n", format_flow_line(f, p, o.verbose > 0, now)));
                }
            }
        }
        "execute" => {
            need(a, 3, 3, "execute DP PACKET-HEX ACTIONS")?;
            let pkt = parse_hex_packet(&a[1]).map_err(|e| Fail(format!("bad packet: {e}"), 2))?;
            crate::attr::check_len(pkt.len())
                .map_err(|e| Fail(format!("bad packet: too long for netlink: {e}"), 2))?;
            precheck(o.key.as_deref(), Some(&a[2]))?;
            let mut d = open()?;
            let dp = lookup(&mut d, Some(&a[0]))?;
            let (_, ports) = ports_of(&mut d, &dp)?;
            let key = match &o.key {
                Some(k) => parse_flow_arg(k, Some(&ports))?.key,
                None => Vec::new(),
            };
            let acts = parse_actions(&a[2], Some(&ports))
                .map_err(|e| Fail(format!("bad actions: {e}"), 2))?;
            d.execute(&dp, &pkt, &key, &acts)
                .map_err(|e| explain(e, verb))?;
        }
        "parse-flow" => {
            need(a, 1, 1, "parse-flow FLOW")?;
            let f = parse_flow_arg(&a[0], None)?;
            out(&format!(
                "{}\n",
                format_flow(&f.key, Some(&f.mask), None, o.verbose > 0)
            ));
            if o.verbose > 0 {
                // parse_flow() keeps key and mask small enough to nest.
                let bytes = |a| crate::attr::emit(a).map_err(|e| Fail(format!("bad flow: {e}"), 2));
                out(&format!(
                    "key:  {}\nmask: {}\n",
                    hex(&bytes(&f.key)?),
                    hex(&bytes(&f.mask)?)
                ));
            }
        }
        "parse-actions" => {
            need(a, 1, 1, "parse-actions ACTIONS")?;
            let acts =
                parse_actions(&a[0], None).map_err(|e| Fail(format!("bad actions: {e}"), 2))?;
            // parse_actions() keeps the list small enough to nest.
            let bytes =
                crate::attr::emit(&acts).map_err(|e| Fail(format!("bad actions: {e}"), 2))?;
            out(&format!("{}\n", format_actions(&bytes, None)));
            if o.verbose > 0 {
                out(&format!("bytes: {}\n", hex(&bytes)));
            }
        }
        "monitor" => {
            need(a, 1, 1, "monitor DP")?;
            monitor(o, &a[0])?;
        }
        _ => {
            return Err(Fail(
                format!("unknown command '{verb}'; use --help for help"),
                2,
            ))
        }
    }
    Ok(())
}

fn add_if(d: &mut Dpif, dp: &Dp, spec: &str) -> Result<(), Fail> {
    let (name, opts) = iface_spec(spec);
    if name.is_empty() {
        return fail("add-if: empty interface name");
    }
    let mut ty = OVS_VPORT_TYPE_NETDEV;
    let mut extra = Vec::new();
    for (k, v) in &opts {
        match k.as_str() {
            "type" => {
                ty = dpif::vport_type_from_name(v)
                    .ok_or_else(|| Fail(format!("add-if: {name}: unknown type '{v}'"), 2))?
            }
            "port_no" => {
                let n: u32 = v
                    .parse()
                    .map_err(|_| Fail(format!("bad port_no '{v}'"), 2))?;
                extra.push(Attr::u32(OVS_VPORT_ATTR_PORT_NO, n));
            }
            "dst_port" => {}
            _ => return fail(format!("add-if: {name}: unknown option '{k}'")),
        }
    }
    let options = tunnel_options(&opts)?;
    let mut body = dpif::vport_new_msg(dp.ifindex, &name, ty, 0, options)
        .map_err(|e| Fail(format!("add-if {name}: options too long: {e}"), 2))?;
    body.attrs.append(&mut extra);
    let fam = d
        .family(OVS_VPORT_FAMILY)
        .map_err(|e| explain(e, "add-if"))?;
    d.nl.request(&fam, false, netlink_packet_core::NLM_F_ECHO, body)
        .map_err(|e| explain(DpError::Nl(e), &format!("add-if {name}")))?;
    Ok(())
}

/// `add-flows DP FILE|-`: parses every line first, then sends them as
/// pipelined OVS_FLOW_CMD_NEW (NLM_F_CREATE) requests, at most `--window`
/// (default 64) unanswered. Prints the count and the rate of the netlink
/// phase alone; the first kernel error names its line.
fn add_flows(o: &Opts, dpn: &str, file: &str) -> Result<(), Fail> {
    let text = if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| Fail(format!("add-flows: stdin: {e}"), 1))?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| Fail(format!("add-flows: {file}: {e}"), 1))?
    };
    let mut d = open()?;
    let dp = lookup(&mut d, Some(dpn))?;
    let (_, ports) = ports_of(&mut d, &dp)?;
    let lines = parse_flow_lines(&text, Some(&ports)).map_err(|e| Fail(e, 2))?;
    let fam = d
        .family(OVS_FLOW_FAMILY)
        .map_err(|e| explain(e, "add-flows"))?;
    let window = o.window.unwrap_or(64);
    let start = std::time::Instant::now();
    let nl = &std::cell::RefCell::new(&mut d.nl);
    let outcome = pipeline(
        lines.len(),
        window,
        |i| {
            let l = &lines[i];
            let body = dpif::flow_put_msg(dp.ifindex, &l.flow, &l.actions, true, false)
                .map_err(NlError::TooLong)?;
            nl.borrow_mut()
                .send_request(&fam, netlink_packet_core::NLM_F_CREATE, body)
        },
        || {
            Ok(nl
                .borrow_mut()
                .recv()?
                .into_iter()
                .filter_map(|r| match r {
                    Reply::Ack(h) => Some(Answer::Ack(h.sequence_number)),
                    Reply::Err(h, e) => Some(Answer::Err(h.sequence_number, e)),
                    _ => None,
                })
                .collect())
        },
    )
    .map_err(|e| explain(DpError::Nl(e), "add-flows"))?;
    let secs = start.elapsed().as_secs_f64();
    if let Some((i, e)) = outcome.first_error {
        return Err(explain(
            DpError::Nl(NlError::Errno(e)),
            &format!("add-flows: line {}: flow", lines[i].line),
        ));
    }
    out(&format!(
        "added {} flows in {:.3} s ({:.0} flows/s, window {})\n",
        outcome.acked,
        secs,
        outcome.acked as f64 / secs.max(1e-9),
        window
    ));
    Ok(())
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn cmd_name(c: u8) -> &'static str {
    match c {
        CMD_NEW => "new",
        CMD_DEL => "del",
        CMD_GET => "get",
        CMD_SET => "set",
        _ => "?",
    }
}

/// `monitor DP`: points every vport's upcalls at a listening socket, joins
/// the datapath/vport/flow multicast groups and prints what arrives.
/// Upcall PIDs are restored on SIGINT/SIGTERM.
fn monitor(o: &Opts, dpn: &str) -> Result<(), Fail> {
    let mut d = open()?;
    let dp = lookup(&mut d, Some(dpn))?;
    let mut lis = Nl::open().map_err(|e| explain(DpError::Nl(e), "monitor"))?;
    let pkt_fam = d
        .family(OVS_PACKET_FAMILY)
        .map_err(|e| explain(e, "monitor"))?;
    let mut fams = Vec::new();
    for f in [OVS_DATAPATH_FAMILY, OVS_VPORT_FAMILY, OVS_FLOW_FAMILY] {
        let fam = d.family(f).map_err(|e| explain(e, "monitor"))?;
        for (_, id) in &fam.mcast {
            lis.socket()
                .add_membership(*id)
                .map_err(|e| explain(DpError::Nl(e.into()), "monitor: join multicast group"))?;
        }
        fams.push(fam);
    }
    let (ports, names) = ports_of(&mut d, &dp)?;
    let mut restore: Vec<(String, Vec<u32>)> = Vec::new();
    for p in &ports {
        d.vport_set(
            &dp,
            &p.name,
            vec![Attr::u32(OVS_VPORT_ATTR_UPCALL_PID, lis.pid)],
        )
        .map_err(|e| explain(e, &format!("monitor: set upcall pid of {}", p.name)))?;
        restore.push((p.name.clone(), p.upcall_pids.clone()));
    }
    if dp.user_features.unwrap_or(0) & OVS_DP_F_DISPATCH_UPCALL_PER_CPU != 0 {
        // SAFETY: sysconf has no memory-safety preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) }.max(1) as usize;
        let pids: Vec<u8> = std::iter::repeat_n(lis.pid.to_ne_bytes(), n)
            .flatten()
            .collect();
        d.dp_set(&dp.name, vec![Attr::new(OVS_DP_ATTR_PER_CPU_PIDS, pids)])
            .map_err(|e| explain(e, "monitor: set per-cpu upcall pids"))?;
        eprintln!("ovsdp: note: per-CPU upcall PIDs now point at this monitor and are not restored on exit");
    }
    // SAFETY: installing a handler that only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
    let tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 200_000,
    };
    // SAFETY: SO_RCVTIMEO with a valid timeval on our own socket fd.
    unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(lis.socket()),
            libc::SOL_SOCKET,
            libc::SO_RCVTIMEO,
            &tv as *const _ as *const libc::c_void,
            std::mem::size_of::<libc::timeval>() as libc::socklen_t,
        );
    }
    let deadline = o
        .count
        .map(|s| std::time::Instant::now() + std::time::Duration::from_secs_f64(s));
    let (mut upcalls, mut overruns) = (0u64, 0u64);
    // Counting mode also reports the datapath's missed/lost deltas over the same window.
    let stats_now = |d: &mut Dpif| d.dp_get(&dp.name).ok().and_then(|x| x.stats);
    let stats0 = if deadline.is_some() {
        stats_now(&mut d)
    } else {
        None
    };
    if !o.json && deadline.is_none() {
        out(&format!(
            "monitoring system@{} (upcall pid {}), ^C to stop\n",
            dp.name, lis.pid
        ));
    }
    let fam_name = |id: u16| -> &str {
        if id == pkt_fam.id {
            return OVS_PACKET_FAMILY;
        }
        fams.iter()
            .find(|f| f.id == id)
            .map(|f| f.name.as_str())
            .unwrap_or("?")
    };
    let now = now_ms;
    let mut result = Ok(());
    while !STOP.load(Ordering::SeqCst) && deadline.is_none_or(|t| std::time::Instant::now() < t) {
        let replies = match lis.recv() {
            Ok(r) => r,
            Err(NlError::Errno(e)) if e == libc::EAGAIN || e == libc::EINTR => continue,
            Err(NlError::Errno(e)) if e == libc::ENOBUFS => {
                overruns += 1;
                if deadline.is_none() {
                    eprintln!("ovsdp: monitor: receive buffer overflowed, messages were lost");
                }
                continue;
            }
            Err(e) => {
                result = Err(explain(DpError::Nl(e), "monitor"));
                break;
            }
        };
        for r in replies {
            let Reply::Msg(_, fid, p) = r else { continue };
            if p.dp_ifindex != dp.ifindex && fam_name(fid) != OVS_DATAPATH_FAMILY {
                continue;
            }
            if deadline.is_some() {
                // Counting mode: no decoding or printing per message.
                if fid == pkt_fam.id {
                    upcalls += 1;
                }
                continue;
            }
            let line = match fam_name(fid) {
                OVS_PACKET_FAMILY => {
                    let what = match p.cmd {
                        OVS_PACKET_CMD_MISS => "miss",
                        OVS_PACKET_CMD_ACTION => "action",
                        _ => "packet",
                    };
                    let key = dpif::find(&p.attrs, OVS_PACKET_ATTR_KEY)
                        .and_then(|k| k.children().ok())
                        .unwrap_or_default();
                    let pkt = dpif::find(&p.attrs, OVS_PACKET_ATTR_PACKET)
                        .map(|a| a.value.clone())
                        .unwrap_or_default();
                    let ud = dpif::find(&p.attrs, OVS_PACKET_ATTR_USERDATA).map(|a| hex(&a.value));
                    let keys = format_flow(&key, None, Some(&names), true);
                    if o.json {
                        J::obj(vec![
                            ("event", J::s("upcall")),
                            ("type", J::s(what)),
                            ("key", J::s(keys)),
                            ("userdata", ud.map(J::s).unwrap_or(J::Null)),
                            ("len", J::U(pkt.len() as u64)),
                            ("packet", J::s(hex(&pkt))),
                        ])
                        .dump()
                    } else {
                        let mut s = format!("upcall {what}: {keys}");
                        if let Some(u) = ud {
                            s.push_str(&format!(", userdata({u})"));
                        }
                        s.push_str(&format!(", len {}\n  {}", pkt.len(), hex(&pkt)));
                        s
                    }
                }
                OVS_DATAPATH_FAMILY => {
                    let x = dpif::parse_dp(&p);
                    if o.json {
                        J::obj(vec![
                            ("event", J::s("datapath")),
                            ("cmd", J::s(cmd_name(p.cmd))),
                            ("name", J::s(x.name)),
                        ])
                        .dump()
                    } else {
                        format!("datapath {}: system@{}", cmd_name(p.cmd), x.name)
                    }
                }
                OVS_VPORT_FAMILY => {
                    let v = dpif::parse_vport(&p);
                    if p.cmd == CMD_NEW && v.upcall_pids.first() != Some(&lis.pid) {
                        let _ = d.vport_set(
                            &dp,
                            &v.name,
                            vec![Attr::u32(OVS_VPORT_ATTR_UPCALL_PID, lis.pid)],
                        );
                        restore.push((v.name.clone(), v.upcall_pids.clone()));
                    }
                    if o.json {
                        J::obj(vec![
                            ("event", J::s("port")),
                            ("cmd", J::s(cmd_name(p.cmd))),
                            ("port_no", J::U(v.port_no as u64)),
                            ("name", J::s(v.name)),
                            ("type", J::s(dpif::vport_type_name(v.ty))),
                        ])
                        .dump()
                    } else {
                        format!(
                            "port {}: port {}: {} ({})",
                            cmd_name(p.cmd),
                            v.port_no,
                            v.name,
                            dpif::vport_type_name(v.ty)
                        )
                    }
                }
                OVS_FLOW_FAMILY => match dpif::parse_flow_reply(&p) {
                    Ok(f) if o.json => {
                        let mut j = flow_json(&f, Some(&names), false, now());
                        if let J::O(v) = &mut j {
                            v.insert(0, ("cmd".into(), J::s(cmd_name(p.cmd))));
                            v.insert(0, ("event".into(), J::s("flow")));
                        }
                        j.dump()
                    }
                    Ok(f) => format!(
                        "flow {}: {}",
                        cmd_name(p.cmd),
                        format_flow_line(&f, Some(&names), false, now())
                    ),
                    Err(e) => format!("flow {}: undecodable: {e}", cmd_name(p.cmd)),
                },
                _ => continue,
            };
            out(&format!("{line}\n"));
        }
    }
    if let Some(s) = o.count {
        let (missed, lost) = match (stats0, stats_now(&mut d)) {
            (Some(a), Some(b)) => (b[1].wrapping_sub(a[1]), b[2].wrapping_sub(a[2])),
            _ => (0, 0),
        };
        if o.json {
            out(&format!(
                "{}\n",
                J::obj(vec![
                    ("upcalls", J::U(upcalls)),
                    ("seconds", J::s(format!("{s}"))),
                    ("socket_overruns", J::U(overruns)),
                    ("missed", J::U(missed)),
                    ("lost", J::U(lost)),
                ])
                .dump()
            ));
        } else {
            out(&format!(
                "upcalls: {upcalls} in {s} s, socket overruns: {overruns}, missed: {missed}, lost: {lost}\n"
            ));
        }
    }
    for (name, pids) in restore {
        let pid = pids.first().copied().unwrap_or(0);
        let _ = d.vport_set(
            &dp,
            &name,
            vec![Attr::new(OVS_VPORT_ATTR_UPCALL_PID, pids_bytes(&pids, pid))],
        );
    }
    result
}

fn pids_bytes(pids: &[u32], first: u32) -> Vec<u8> {
    if pids.is_empty() {
        first.to_ne_bytes().to_vec()
    } else {
        pids.iter().flat_map(|p| p.to_ne_bytes()).collect()
    }
}

/// Entry point used by main: parse, run, report.
pub fn main_with(argv: &[String]) -> i32 {
    let r = parse_args(argv).and_then(|o| run(&o));
    match r {
        Ok(()) => 0,
        Err(Fail(msg, code)) => {
            eprintln!("ovsdp: {msg}");
            code
        }
    }
}
