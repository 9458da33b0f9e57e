//! Datapath actions: ODP text <-> `OVS_ACTION_ATTR_*` netlink attributes
//! (OVS: lib/odp-util.c, `odp_actions_from_string()` and
//! `format_odp_actions()`).
//!
//! Encodings follow OVS byte for byte, including its quirks: `drop` alone
//! is `OVS_ACTION_ATTR_DROP` with error 0, `userspace(..,userdata(..))` pads
//! the cookie to at least 8 bytes, `userspace(pid=N)` alone carries an
//! all-zero 48-byte cookie, and `set(field(..))` becomes
//! `OVS_ACTION_ATTR_SET_MASKED` unless every byte of the mask is set.
//! Forms OVS prints but does not parse (`hash`, `push_mpls`, `pop_mpls`,
//! `push_eth`, `psample`, `drop(N)`) are parsed too.

use crate::attr::{self, Attr, NestList, TooLong};
use crate::cookie::{Cookie, COOKIE_LEN};
use crate::ct;
use crate::key::{self, fmt_port, format_key_attr, format_mpls_lse, format_vlan_tci, Ports};
use crate::text::{fmt_mac, hex, hex_alt, Cursor, ParseError};
use crate::uapi::*;

/// `MAX_ODP_NESTED`: the action at this depth (the outermost one is at
/// depth 1, as in OVS's `parse_odp_action()`) is refused.
const MAX_NESTED: usize = 32;

/// The error for an action (or a list) starting at `start` whose netlink
/// encoding would not fit in one attribute (OVS: `-E2BIG`).
fn too_long(c: &Cursor, start: usize, what: &str, e: TooLong) -> ParseError {
    c.err_at(start, format!("{what} too long for netlink: {e}"))
}

/// `Attr::nested()` for the action starting at `start`.
fn nest(c: &Cursor, start: usize, kind: u16, kids: &[Attr]) -> Result<Attr, ParseError> {
    Attr::nested(kind, kids).map_err(|e| too_long(c, start, "action", e))
}

/// Parses a whole action list (`odp_actions_from_string()`). The list must
/// fit in one attribute (`OVS_FLOW_ATTR_ACTIONS`), as every nested list
/// must fit in its nest; the error points at the action that overflows.
pub fn parse_actions(s: &str, ports: Option<&Ports>) -> Result<Vec<Attr>, ParseError> {
    if s.trim().eq_ignore_ascii_case("drop") {
        return Ok(vec![Attr::u32(OVS_ACTION_ATTR_DROP, 0)]);
    }
    let mut c = Cursor::new(s);
    let mut out = NestList::default();
    loop {
        c.skip_delims();
        if c.eof() {
            break;
        }
        let start = c.pos;
        let a = parse_action(&mut c, ports, 1)?;
        out.push(a).map_err(|e| too_long(&c, start, "actions", e))?;
    }
    Ok(out.into_vec())
}

/// `parse_action_list()`: actions up to (not including) `)`, nested in an
/// action at `depth`.
fn parse_list(
    c: &mut Cursor,
    ports: Option<&Ports>,
    depth: usize,
) -> Result<Vec<Attr>, ParseError> {
    let mut out = NestList::default();
    loop {
        c.skip_delims();
        if c.peek() == Some(b')') {
            return Ok(out.into_vec());
        }
        if c.eof() {
            return Err(c.err("expected ')'"));
        }
        let start = c.pos;
        let a = parse_action(c, ports, depth + 1)?;
        out.push(a).map_err(|e| too_long(c, start, "actions", e))?;
    }
}

/// C `%x`: hex digits, with or without `0x`.
pub(crate) fn hex_u32(c: &mut Cursor) -> Result<u32, ParseError> {
    let start = c.pos;
    let _ = c.eat("0x") || c.eat("0X");
    let d = c.take_while(|b| b.is_ascii_hexdigit());
    u32::from_str_radix(d, 16).map_err(|_| c.err_at(start, "expected a hex number"))
}

/// Parses `name=` fields of a struct-like action in any order.
fn fields<'a>(
    c: &mut Cursor<'a>,
    allowed: &[&str],
    mut each: impl FnMut(&mut Cursor<'a>, &str) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    loop {
        if c.eat(")") {
            return Ok(());
        }
        let s = c.pos;
        let name = c.ident();
        if !allowed.contains(&name) || !c.eat("=") {
            return Err(c.err_at(s, format!("expected one of {}", allowed.join("=, ") + "=")));
        }
        each(c, name)?;
        if c.eat(")") {
            return Ok(());
        }
        c.expect(",")?;
    }
}

fn mpls_lse(label: u64, tc: u64, ttl: u64, bos: u64) -> u32 {
    ((label as u32) << 12) | ((tc as u32 & 7) << 9) | ((bos as u32 & 1) << 8) | (ttl as u32 & 0xff)
}

/// `parse_odp_action()`: one action at `depth` (1 for a top-level one).
pub fn parse_action(
    c: &mut Cursor,
    ports: Option<&Ports>,
    depth: usize,
) -> Result<Attr, ParseError> {
    if depth >= MAX_NESTED {
        return Err(c.err("actions nested too deeply"));
    }
    let start = c.pos;
    if c.peek().map(|b| b.is_ascii_digit()).unwrap_or(false) {
        return Ok(Attr::u32(OVS_ACTION_ATTR_OUTPUT, c.u32()?));
    }
    let word = c.ident();
    let paren = c.eat("(");
    let a = match (word, paren) {
        ("trunc", true) => {
            let n = c.u32()?;
            c.expect(")")?;
            Attr::u32(OVS_ACTION_ATTR_TRUNC, n)
        }
        ("recirc", true) => {
            let n = c.u32()?;
            c.expect(")")?;
            Attr::u32(OVS_ACTION_ATTR_RECIRC, n)
        }
        ("meter", true) => {
            let n = c.u32()?;
            c.expect(")")?;
            Attr::u32(OVS_ACTION_ATTR_METER, n)
        }
        ("drop", false) => Attr::u32(OVS_ACTION_ATTR_DROP, 0),
        ("drop", true) => {
            let n = c.u32()?;
            c.expect(")")?;
            Attr::u32(OVS_ACTION_ATTR_DROP, n)
        }
        ("pop_vlan", false) => Attr::flag(OVS_ACTION_ATTR_POP_VLAN),
        ("pop_eth", false) => Attr::flag(OVS_ACTION_ATTR_POP_ETH),
        ("ct_clear", false) => Attr::flag(OVS_ACTION_ATTR_CT_CLEAR),
        ("pop_nsh", true) => {
            c.expect(")")?;
            Attr::flag(OVS_ACTION_ATTR_POP_NSH)
        }
        ("userspace", true) => parse_userspace(c, ports, start)?,
        ("set", true) => {
            let (k, m) = key::parse_key_attr(c, ports)?;
            c.expect(")")?;
            let nested = matches!(
                k.ty(),
                OVS_KEY_ATTR_ENCAP | OVS_KEY_ATTR_TUNNEL | OVS_KEY_ATTR_NSH
            );
            if !nested && m.value.len() == k.value.len() && !m.value.iter().all(|&b| b == 0xff) {
                let mut v = k.value.clone();
                v.extend_from_slice(&m.value);
                nest(
                    c,
                    start,
                    OVS_ACTION_ATTR_SET_MASKED,
                    &[Attr::new(k.ty(), v)],
                )?
            } else {
                nest(c, start, OVS_ACTION_ATTR_SET, &[k])?
            }
        }
        ("push_vlan", true) => {
            let (mut tpid, mut vid, mut pcp, mut cfi) = (ETH_TYPE_VLAN as u64, None, None, 1u64);
            let s = c.pos;
            fields(c, &["tpid", "vid", "pcp", "cfi"], |c, n| {
                match n {
                    "tpid" => tpid = c.u16()? as u64,
                    "vid" => vid = Some(c.int_max(0xfff)?),
                    "pcp" => pcp = Some(c.int_max(7)?),
                    _ => cfi = c.int_max(1)?,
                }
                Ok(())
            })?;
            let (vid, pcp) = match (vid, pcp) {
                (Some(v), Some(p)) => (v, p),
                _ => return Err(c.err_at(s, "push_vlan needs vid= and pcp=")),
            };
            let tci = (vid as u16)
                | ((pcp as u16) << VLAN_PCP_SHIFT)
                | if cfi != 0 { VLAN_CFI } else { 0 };
            let mut v = (tpid as u16).to_be_bytes().to_vec();
            v.extend_from_slice(&tci.to_be_bytes());
            Attr::new(OVS_ACTION_ATTR_PUSH_VLAN, v)
        }
        ("sample", true) => {
            c.expect("sample=")?;
            let s = c.pos;
            let num = c.take_while(|b| b.is_ascii_digit() || b == b'.');
            let pct: f64 = num
                .parse()
                .map_err(|_| c.err_at(s, "expected a percentage"))?;
            if !(0.0..=100.0).contains(&pct) {
                return Err(c.err_at(s, "percentage must be within 0..100"));
            }
            c.expect("%,actions(")?;
            let prob = (u32::MAX as f64 * (pct / 100.0) + 0.5).floor();
            let prob = if prob <= 0.0 {
                0
            } else if prob >= u32::MAX as f64 {
                u32::MAX
            } else {
                prob as u32
            };
            let list = parse_list(c, ports, depth)?;
            c.expect(")")?;
            c.expect(")")?;
            let acts = nest(c, start, OVS_SAMPLE_ATTR_ACTIONS, &list)?;
            nest(
                c,
                start,
                OVS_ACTION_ATTR_SAMPLE,
                &[Attr::u32(OVS_SAMPLE_ATTR_PROBABILITY, prob), acts],
            )?
        }
        ("clone", true) => {
            let list = parse_list(c, ports, depth)?;
            c.expect(")")?;
            nest(c, start, OVS_ACTION_ATTR_CLONE, &list)?
        }
        ("check_pkt_len", true) => {
            c.expect("size=")?;
            let size = c.u16()?;
            c.expect(",gt(")?;
            let gt = if c.eat("drop") {
                Vec::new()
            } else {
                parse_list(c, ports, depth)?
            };
            c.expect("),le(")?;
            let le = if c.eat("drop") {
                Vec::new()
            } else {
                parse_list(c, ports, depth)?
            };
            c.expect(")")?;
            c.expect(")")?;
            let gt = nest(c, start, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER, &gt)?;
            let le = nest(c, start, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL, &le)?;
            nest(
                c,
                start,
                OVS_ACTION_ATTR_CHECK_PKT_LEN,
                &[Attr::u16(OVS_CHECK_PKT_LEN_ATTR_PKT_LEN, size), gt, le],
            )?
        }
        ("hash", true) => {
            let s = c.pos;
            let alg = match c.ident() {
                "l4" => OVS_HASH_ALG_L4,
                "sym_l4" => OVS_HASH_ALG_SYM_L4,
                _ => return Err(c.err_at(s, "expected l4(N) or sym_l4(N)")),
            };
            c.expect("(")?;
            let basis = c.u32()?;
            c.expect(")")?;
            c.expect(")")?;
            let mut v = alg.to_ne_bytes().to_vec();
            v.extend_from_slice(&basis.to_ne_bytes());
            Attr::new(OVS_ACTION_ATTR_HASH, v)
        }
        ("push_mpls", true) | ("add_mpls", true) => {
            let (mut l, mut tc, mut ttl, mut bos, mut et) = (0, 0, 0, 0, 0u16);
            fields(c, &["label", "tc", "ttl", "bos", "eth_type"], |c, n| {
                match n {
                    "label" => l = c.int_max(0xfffff)?,
                    "tc" => tc = c.int_max(7)?,
                    "ttl" => ttl = c.int_max(255)?,
                    "bos" => bos = c.int_max(1)?,
                    _ => et = hex_u32(c)? as u16,
                }
                Ok(())
            })?;
            let mut v = mpls_lse(l, tc, ttl, bos).to_be_bytes().to_vec();
            v.extend_from_slice(&et.to_be_bytes());
            if word == "add_mpls" {
                v.extend_from_slice(&0u16.to_ne_bytes());
                Attr::new(OVS_ACTION_ATTR_ADD_MPLS, v)
            } else {
                Attr::new(OVS_ACTION_ATTR_PUSH_MPLS, v)
            }
        }
        ("pop_mpls", true) => {
            c.expect("eth_type=")?;
            let et = hex_u32(c)? as u16;
            c.expect(")")?;
            Attr::new(OVS_ACTION_ATTR_POP_MPLS, et.to_be_bytes().to_vec())
        }
        ("push_eth", true) => {
            let (mut src, mut dst) = ([0u8; 6], [0u8; 6]);
            fields(c, &["src", "dst", "type"], |c, n| {
                match n {
                    "src" => src = c.mac()?,
                    "dst" => dst = c.mac()?,
                    _ => {
                        c.int()?;
                    }
                }
                Ok(())
            })?;
            let mut v = src.to_vec();
            v.extend_from_slice(&dst);
            Attr::new(OVS_ACTION_ATTR_PUSH_ETH, v)
        }
        ("ct", _) => ct::parse_ct(c, paren, start)?,
        ("psample", true) => {
            let (mut group, mut cookie) = (None, None);
            fields(c, &["group", "cookie"], |c, n| {
                if n == "group" {
                    group = Some(c.u32()?);
                } else {
                    let _ = c.eat("0x");
                    cookie = Some(c.hex_bytes()?);
                }
                Ok(())
            })?;
            let mut kids = vec![Attr::u32(
                OVS_PSAMPLE_ATTR_GROUP,
                group.ok_or_else(|| c.err_at(start, "psample needs group="))?,
            )];
            if let Some(ck) = cookie {
                kids.push(Attr::new(OVS_PSAMPLE_ATTR_COOKIE, ck));
            }
            nest(c, start, OVS_ACTION_ATTR_PSAMPLE, &kids)?
        }
        (name, false) if ports.map(|p| p.by_name.contains_key(name)).unwrap_or(false) => {
            let no = ports
                .and_then(|p| p.by_name.get(name).copied())
                .unwrap_or(0);
            Attr::u32(OVS_ACTION_ATTR_OUTPUT, no)
        }
        _ => {
            c.pos = start;
            return Err(c.err(format!("unknown action '{word}'")));
        }
    };
    Ok(a)
}

/// `parse_odp_userspace_action()`: `pid=`, then in any order at most one
/// of `userdata(hex)` or a cookie (`sFlow(..)`, `slow_path(..)`,
/// `flow_sample(..)`, `ipfix(..)`, `controller(..)`), `actions` and
/// `tunnel_out_port=`. As OVS, userdata is padded to 8 bytes, and without
/// userdata or a cookie the action carries an all-zero 48-byte cookie
/// (`USER_ACTION_COOKIE_UNSPEC`), printed back as `userdata(00..)`.
fn parse_userspace(
    c: &mut Cursor,
    ports: Option<&Ports>,
    start: usize,
) -> Result<Attr, ParseError> {
    c.expect("pid=")?;
    let pid = c.u32()?;
    let mut kids = vec![Attr::u32(OVS_USERSPACE_ATTR_PID, pid)];
    let mut userdata = None;
    let mut actions = false;
    let mut tun_port = None;
    while c.eat(",") {
        let s = c.pos;
        let ud = if let Some(ck) = Cookie::parse(c, ports)? {
            Some(ck.encode())
        } else if c.eat("userdata(") {
            let mut d = c.hex_bytes()?;
            attr::check_len(d.len()).map_err(|e| too_long(c, s, "userdata", e))?;
            c.expect(")")?;
            if d.len() < 8 {
                d.resize(8, 0);
            }
            Some(d)
        } else if c.eat("actions") {
            actions = true;
            None
        } else if c.eat("tunnel_out_port=") {
            tun_port = Some(key::parse_port(c, ports)?);
            None
        } else {
            return Err(c.err(
                "expected userdata(..), a cookie such as slow_path(..), actions or tunnel_out_port=",
            ));
        };
        if ud.is_some() && userdata.is_some() {
            return Err(c.err_at(s, "userspace takes one userdata(..) or cookie"));
        }
        userdata = userdata.or(ud);
    }
    c.expect(")")?;
    kids.push(Attr::new(
        OVS_USERSPACE_ATTR_USERDATA,
        userdata.unwrap_or_else(|| vec![0; COOKIE_LEN]),
    ));
    if let Some(p) = tun_port {
        kids.push(Attr::u32(OVS_USERSPACE_ATTR_EGRESS_TUN_PORT, p));
    }
    if actions {
        kids.push(Attr::flag(OVS_USERSPACE_ATTR_ACTIONS));
    }
    nest(c, start, OVS_ACTION_ATTR_USERSPACE, &kids)
}

// ---------------------------------------------------------------------
// Printing

/// `format_odp_actions()`: `drop` for an empty list.
pub fn format_actions(actions: &[u8], ports: Option<&Ports>) -> String {
    if actions.is_empty() {
        return "drop".into();
    }
    match attr::parse(actions) {
        Ok(list) => list
            .iter()
            .map(|a| format_action(a, ports))
            .collect::<Vec<_>>()
            .join(","),
        Err(_) => format!("<bad actions: {}>", hex(actions)),
    }
}

/// `format_generic_odp_action()`.
fn generic(a: &Attr) -> String {
    let mut s = format!("action{}", a.ty());
    if !a.value.is_empty() {
        s.push('(');
        s.push_str(
            &a.value
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        s.push(')');
    }
    s
}

/// Expected payload size of fixed-size actions (`odp_action_len()`).
fn action_len(ty: u16) -> Option<usize> {
    Some(match ty {
        OVS_ACTION_ATTR_OUTPUT
        | OVS_ACTION_ATTR_TRUNC
        | OVS_ACTION_ATTR_RECIRC
        | OVS_ACTION_ATTR_METER
        | OVS_ACTION_ATTR_DROP => 4,
        OVS_ACTION_ATTR_PUSH_VLAN => 4,
        OVS_ACTION_ATTR_POP_VLAN
        | OVS_ACTION_ATTR_POP_ETH
        | OVS_ACTION_ATTR_CT_CLEAR
        | OVS_ACTION_ATTR_POP_NSH => 0,
        OVS_ACTION_ATTR_HASH => 8,
        OVS_ACTION_ATTR_PUSH_MPLS => 6,
        OVS_ACTION_ATTR_POP_MPLS => 2,
        OVS_ACTION_ATTR_PUSH_ETH => 12,
        OVS_ACTION_ATTR_ADD_MPLS => 8,
        _ => return None,
    })
}

fn rd_u32(b: &[u8]) -> u32 {
    u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
}

/// `format_odp_action()`.
pub fn format_action(a: &Attr, ports: Option<&Ports>) -> String {
    let ty = a.ty();
    let v = &a.value;
    if let Some(exp) = action_len(ty) {
        if v.len() != exp {
            return format!("bad length {}, expected {exp} for: {}", v.len(), generic(a));
        }
    }
    let kids = || a.children().unwrap_or_default();
    match ty {
        OVS_ACTION_ATTR_OUTPUT => fmt_port(ports, rd_u32(v)),
        OVS_ACTION_ATTR_METER => format!("meter({})", rd_u32(v)),
        OVS_ACTION_ATTR_TRUNC => format!("trunc({})", rd_u32(v)),
        OVS_ACTION_ATTR_RECIRC => format!("recirc({})", hex_alt(rd_u32(v) as u64)),
        OVS_ACTION_ATTR_DROP => match rd_u32(v) {
            0 => "drop".into(),
            n => format!("drop({n})"),
        },
        OVS_ACTION_ATTR_POP_VLAN => "pop_vlan".into(),
        OVS_ACTION_ATTR_POP_ETH => "pop_eth".into(),
        OVS_ACTION_ATTR_CT_CLEAR => "ct_clear".into(),
        OVS_ACTION_ATTR_POP_NSH => "pop_nsh()".into(),
        OVS_ACTION_ATTR_HASH => {
            let (alg, basis) = (rd_u32(v), rd_u32(&v[4..]));
            match alg {
                OVS_HASH_ALG_L4 => format!("hash(l4({basis}))"),
                OVS_HASH_ALG_SYM_L4 => format!("hash(sym_l4({basis}))"),
                _ => format!("hash(Unknown hash algorithm({alg}))"),
            }
        }
        OVS_ACTION_ATTR_PUSH_VLAN => {
            let tpid = u16::from_be_bytes([v[0], v[1]]);
            let tci = u16::from_be_bytes([v[2], v[3]]);
            let mut s = "push_vlan(".to_string();
            if tpid != ETH_TYPE_VLAN {
                s.push_str(&format!("tpid=0x{tpid:04x},"));
            }
            s.push_str(&format_vlan_tci(tci, 0xffff, false));
            s.push(')');
            s
        }
        OVS_ACTION_ATTR_PUSH_MPLS | OVS_ACTION_ATTR_ADD_MPLS => {
            let lse = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
            let et = u16::from_be_bytes([v[4], v[5]]);
            let name = if ty == OVS_ACTION_ATTR_ADD_MPLS {
                "add_mpls"
            } else {
                "push_mpls"
            };
            format!("{name}({},eth_type=0x{et:x})", format_mpls_lse(lse))
        }
        OVS_ACTION_ATTR_POP_MPLS => format!(
            "pop_mpls(eth_type=0x{:x})",
            u16::from_be_bytes([v[0], v[1]])
        ),
        OVS_ACTION_ATTR_PUSH_ETH => format!(
            "push_eth(src={},dst={})",
            fmt_mac(&v[0..6]),
            fmt_mac(&v[6..12])
        ),
        OVS_ACTION_ATTR_CLONE => format!("clone({})", format_actions(v, ports)),
        OVS_ACTION_ATTR_SAMPLE => {
            let k = kids();
            let (Some(p), Some(acts)) = (
                attr::find(&k, OVS_SAMPLE_ATTR_PROBABILITY).and_then(|a| a.get_u32()),
                attr::find(&k, OVS_SAMPLE_ATTR_ACTIONS),
            ) else {
                return "sample(error)".into();
            };
            let pct = 100.0 * p as f64 / u32::MAX as f64;
            format!(
                "sample(sample={pct:.1}%,actions({}))",
                format_actions(&acts.value, ports)
            )
        }
        OVS_ACTION_ATTR_CHECK_PKT_LEN => {
            let k = kids();
            let (Some(size), Some(gt), Some(le)) = (
                attr::find(&k, OVS_CHECK_PKT_LEN_ATTR_PKT_LEN).and_then(|a| a.get_u16()),
                attr::find(&k, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER),
                attr::find(&k, OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL),
            ) else {
                return "check_pkt_len(error)".into();
            };
            format!(
                "check_pkt_len(size={size},gt({}),le({}))",
                format_actions(&gt.value, ports),
                format_actions(&le.value, ports)
            )
        }
        OVS_ACTION_ATTR_USERSPACE => {
            let k = kids();
            let Some(pid) = attr::find(&k, OVS_USERSPACE_ATTR_PID).and_then(|a| a.get_u32()) else {
                return "userspace(error)".into();
            };
            let mut s = format!("userspace(pid={pid}");
            if let Some(ud) = attr::find(&k, OVS_USERSPACE_ATTR_USERDATA) {
                match Cookie::decode(&ud.value) {
                    Some(ck) => {
                        s.push(',');
                        s.push_str(&ck.format(ports));
                    }
                    None => s.push_str(&format!(",userdata({})", hex(&ud.value))),
                }
            }
            if attr::find(&k, OVS_USERSPACE_ATTR_ACTIONS).is_some() {
                s.push_str(",actions");
            }
            if let Some(p) =
                attr::find(&k, OVS_USERSPACE_ATTR_EGRESS_TUN_PORT).and_then(|a| a.get_u32())
            {
                s.push_str(&format!(",tunnel_out_port={}", fmt_port(ports, p)));
            }
            s.push(')');
            s
        }
        OVS_ACTION_ATTR_SET => match kids().first() {
            Some(k) => format!("set({})", format_key_attr(k, None, None, true)),
            None => "set()".into(),
        },
        OVS_ACTION_ATTR_SET_MASKED => match kids().first() {
            Some(k) if k.value.len() % 2 == 0 && k.value.len() / 2 <= 40 => {
                let half = k.value.len() / 2;
                let key = Attr::new(k.ty(), k.value[..half].to_vec());
                let mask = Attr::new(k.ty(), k.value[half..].to_vec());
                format!("set({})", format_key_attr(&key, Some(&mask), None, false))
            }
            Some(k) => format!("set({})", format_key_attr(k, None, None, false)),
            None => "set()".into(),
        },
        OVS_ACTION_ATTR_CT => ct::format_ct(a),
        OVS_ACTION_ATTR_PSAMPLE => {
            let k = kids();
            let group = attr::find(&k, OVS_PSAMPLE_ATTR_GROUP)
                .and_then(|a| a.get_u32())
                .unwrap_or(0);
            let mut s = format!("psample(group={group}");
            if let Some(ck) = attr::find(&k, OVS_PSAMPLE_ATTR_COOKIE) {
                s.push_str(&format!(",cookie=0x{}", hex(&ck.value)));
            }
            s.push(')');
            s
        }
        _ => generic(a),
    }
}
