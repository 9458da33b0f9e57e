//! The conntrack action: ODP `ct(...)`, with its `nat(...)`, <->
//! `OVS_ACTION_ATTR_CT` and the `OVS_CT_ATTR_*` / `OVS_NAT_ATTR_*`
//! attributes nested in it (OVS: lib/odp-util.c, `parse_conntrack_action()`,
//! `scan_ct_nat()`, `nl_msg_put_ct_nat()`, `format_odp_conntrack_action()`
//! and `format_odp_ct_nat()`).
//!
//! Encodings follow OVS byte for byte, quirks included: the attributes go
//! in OVS's order whatever the text's, `mark=`/`label=` with an all-zero
//! mask and `zone=0` are left out, `nat(..)` carries `IP_MAX` only above
//! `IP_MIN` and `PROTO_MAX` only above `PROTO_MIN`, and `persistent`,
//! `hash` and `random` only with an address (`nat(src,random)` is
//! `nat(src)`). Printing checks the attributes as OVS's `nl_parse_nested()`
//! policies do, and prints `ct(error)` or `nat(error: ..)` where OVS does.
//!
//! One extension: `eventmask=N` (`OVS_CT_ATTR_EVENTMASK`, a u32), which OVS
//! 3.1 neither parses nor prints; ovsdp parses it (C `%i`) and prints a
//! 4-byte one as `eventmask=0x..` after `timeout=`.

use crate::actions::hex_u32;
use crate::attr::Attr;
use crate::key::{parse_u128, u128_from_ne, u128_to_ne};
use crate::text::{fmt_ipv4, fmt_ipv6, hex_alt, Cursor, ParseError};
use crate::uapi::*;

/// What `nat(...)` says, as OVS's `struct ct_nat_params`: the addresses in
/// one 16-byte buffer each, of which an IPv4 range uses the first 4 bytes
/// (a later `src=`/`dst=` overwrites what it gives and keeps the rest,
/// as in OVS).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NatParams {
    snat: bool,
    dnat: bool,
    /// 0 (no address), 4 or 16.
    addr_len: usize,
    min: [u8; 16],
    max: [u8; 16],
    proto_min: u16,
    proto_max: u16,
    persistent: bool,
    hash: bool,
    random: bool,
}

/// `parse_conntrack_action()` after `ct`: `paren` says whether `(` followed
/// (and was consumed). `start` is where the action began, for errors that
/// concern it whole.
pub(crate) fn parse_ct(c: &mut Cursor, paren: bool, start: usize) -> Result<Attr, ParseError> {
    let (mut commit, mut force, mut zone) = (false, false, 0u16);
    let mut mark: Option<(u32, u32)> = None;
    let mut label: Option<(u128, u128)> = None;
    let (mut helper, mut timeout) = (None, None);
    let mut eventmask = None;
    let mut nat: Option<NatParams> = None;
    if paren {
        loop {
            c.skip_delims();
            if c.eat(")") {
                break;
            }
            let s = c.pos;
            if c.eat("commit") {
                commit = true;
                if force {
                    return Err(c.err_at(s, "ct: commit and force_commit are exclusive"));
                }
            } else if c.eat("force_commit") {
                force = true;
                if commit {
                    return Err(c.err_at(s, "ct: commit and force_commit are exclusive"));
                }
            } else if c.eat("zone=") {
                zone = c.u16()?;
            } else if c.eat("mark=") {
                let v = hex_u32(c)?;
                let m = if c.eat("/") { hex_u32(c)? } else { u32::MAX };
                mark = Some((v, m));
            } else if c.eat("label=") {
                let v = parse_u128(c)?;
                let m = if c.eat("/") {
                    parse_u128(c)?
                } else {
                    u128::MAX
                };
                label = Some((v, m));
            } else if c.eat("helper=") {
                helper = Some(ct_name(c, s, "helper name", NF_CT_HELPER_NAME_LEN - 1)?);
            } else if c.eat("timeout=") {
                timeout = Some(ct_name(
                    c,
                    s,
                    "timeout policy name",
                    CTNL_TIMEOUT_NAME_MAX - 1,
                )?);
            } else if c.eat("eventmask=") {
                eventmask = Some(c.u32()?);
            } else if c.eat("nat") {
                nat = Some(parse_nat(c, s)?);
            } else {
                return Err(c.err(
                    "expected commit, force_commit, zone=, mark=, label=, helper=, timeout=, \
                     eventmask= or nat",
                ));
            }
        }
    }
    let mut kids = Vec::new();
    if commit {
        kids.push(Attr::flag(OVS_CT_ATTR_COMMIT));
    } else if force {
        kids.push(Attr::flag(OVS_CT_ATTR_FORCE_COMMIT));
    }
    if zone != 0 {
        kids.push(Attr::u16(OVS_CT_ATTR_ZONE, zone));
    }
    if let Some((v, m)) = mark.filter(|(_, m)| *m != 0) {
        let mut b = v.to_ne_bytes().to_vec();
        b.extend_from_slice(&m.to_ne_bytes());
        kids.push(Attr::new(OVS_CT_ATTR_MARK, b));
    }
    if let Some((v, m)) = label.filter(|(_, m)| *m != 0) {
        let mut b = u128_to_ne(v).to_vec();
        b.extend_from_slice(&u128_to_ne(m));
        kids.push(Attr::new(OVS_CT_ATTR_LABELS, b));
    }
    if let Some(h) = helper {
        kids.push(Attr::string(OVS_CT_ATTR_HELPER, h));
    }
    if let Some(t) = timeout {
        kids.push(Attr::string(OVS_CT_ATTR_TIMEOUT, t));
    }
    if let Some(e) = eventmask {
        kids.push(Attr::u32(OVS_CT_ATTR_EVENTMASK, e));
    }
    let too_long =
        |e: crate::attr::TooLong| c.err_at(start, format!("action too long for netlink: {e}"));
    if let Some(p) = nat {
        kids.push(nat_attr(&p).map_err(too_long)?);
    }
    Attr::nested(OVS_ACTION_ATTR_CT, &kids).map_err(too_long)
}

/// A `helper=` or `timeout=` name: up to the next delimiter or `)`
/// (`delimiters_end`), 1 to `max` characters.
fn ct_name<'a>(
    c: &mut Cursor<'a>,
    start: usize,
    what: &str,
    max: usize,
) -> Result<&'a str, ParseError> {
    let n = c.take_while(|b| !b", \t\r\n)".contains(&b));
    if n.is_empty() || n.len() > max || n.contains('\0') {
        return Err(c.err_at(start, format!("{what} must be 1..{max} characters")));
    }
    Ok(n)
}

/// `scan_ct_nat()` after `nat`: nothing, or `(...)` with `src`/`dst` (each
/// with an optional `=RANGE`), `persistent`, `hash` and `random`. As OVS,
/// the words need no delimiter between them, but a delimiter must be
/// followed by one (`nat(src,)` is refused, `nat()` is `nat`).
fn parse_nat(c: &mut Cursor, start: usize) -> Result<NatParams, ParseError> {
    let mut p = NatParams::default();
    if !c.eat("(") {
        return Ok(p);
    }
    loop {
        if c.eat(")") {
            break;
        }
        c.skip_delims();
        if c.eat("src") {
            parse_nat_range(c, &mut p)?;
            p.snat = true;
        } else if c.eat("dst") {
            parse_nat_range(c, &mut p)?;
            p.dnat = true;
        } else if c.eat("persistent") {
            p.persistent = true;
        } else if c.eat("hash") {
            p.hash = true;
        } else if c.eat("random") {
            p.random = true;
        } else {
            return Err(c.err("expected src, dst, persistent, hash or random in nat(..)"));
        }
    }
    let n = p.addr_len;
    if p.snat && p.dnat {
        return Err(c.err_at(start, "nat: src and dst are exclusive"));
    }
    if n != 0 && p.max[..n].iter().any(|&b| b != 0) && p.max[..n] < p.min[..n] {
        return Err(c.err_at(start, "nat: the address range ends below its start"));
    }
    if p.proto_max != 0 && p.proto_max < p.proto_min {
        return Err(c.err_at(start, "nat: the port range ends below its start"));
    }
    if p.hash && p.random {
        return Err(c.err_at(start, "nat: hash and random are exclusive"));
    }
    Ok(p)
}

/// `scan_ct_nat_range()`: nothing, or `=ADDR[-ADDR][:PORT[-PORT]]` with
/// IPv4 addresses or IPv6 ones, bare or in brackets (a bare one takes
/// every hex digit, `:` and `.` that follows, so a port needs brackets).
fn parse_nat_range(c: &mut Cursor, p: &mut NatParams) -> Result<(), ParseError> {
    if !c.eat("=") {
        return Ok(());
    }
    let s = c.pos;
    if let Ok(a) = c.ipv4() {
        p.addr_len = 4;
        p.min[..4].copy_from_slice(&a);
        if c.eat("-") {
            let b = c.ipv4()?;
            p.max[..4].copy_from_slice(&b);
        }
    } else if let Ok(a) = nat_ipv6(c) {
        p.addr_len = 16;
        p.min = a;
        if c.eat("-") {
            p.max = nat_ipv6(c)?;
        }
    } else {
        c.pos = s;
        return Err(c.err("expected an IPv4 or IPv6 address"));
    }
    if c.eat(":") {
        p.proto_min = c.u16()?;
        if c.eat("-") {
            p.proto_max = c.u16()?;
        }
    }
    Ok(())
}

/// An IPv6 address, bare or as `[ADDR]`.
fn nat_ipv6(c: &mut Cursor) -> Result<[u8; 16], ParseError> {
    let s = c.pos;
    if !c.eat("[") {
        return c.ipv6();
    }
    let a = c.ipv6()?;
    if !c.eat("]") {
        c.pos = s;
        return Err(c.err("expected ']' after an IPv6 address"));
    }
    Ok(a)
}

/// `nl_msg_put_ct_nat()`: the `OVS_CT_ATTR_NAT` nest.
fn nat_attr(p: &NatParams) -> Result<Attr, crate::attr::TooLong> {
    let mut kids = Vec::new();
    if p.snat {
        kids.push(Attr::flag(OVS_NAT_ATTR_SRC));
    } else if p.dnat {
        kids.push(Attr::flag(OVS_NAT_ATTR_DST));
    } else {
        return Attr::nested(OVS_CT_ATTR_NAT, &kids);
    }
    let n = p.addr_len;
    if n != 0 {
        kids.push(Attr::new(OVS_NAT_ATTR_IP_MIN, p.min[..n].to_vec()));
        if p.max[..n] > p.min[..n] {
            kids.push(Attr::new(OVS_NAT_ATTR_IP_MAX, p.max[..n].to_vec()));
        }
        if p.proto_min != 0 {
            kids.push(Attr::u16(OVS_NAT_ATTR_PROTO_MIN, p.proto_min));
            if p.proto_max > p.proto_min {
                kids.push(Attr::u16(OVS_NAT_ATTR_PROTO_MAX, p.proto_max));
            }
        }
        for (on, ty) in [
            (p.persistent, OVS_NAT_ATTR_PERSISTENT),
            (p.hash, OVS_NAT_ATTR_PROTO_HASH),
            (p.random, OVS_NAT_ATTR_PROTO_RANDOM),
        ] {
            if on {
                kids.push(Attr::flag(ty));
            }
        }
    }
    Attr::nested(OVS_CT_ATTR_NAT, &kids)
}

// ---------------------------------------------------------------------
// Printing

/// `nl_attr_validate()` of an `NL_A_STRING` attribute of at most `max`
/// bytes: NUL-terminated, no NUL before the end.
fn nl_string_ok(v: &[u8], max: usize) -> bool {
    match v.split_last() {
        Some((0, s)) => v.len() <= max && !s.contains(&0),
        _ => false,
    }
}

/// `nl_parse_nested()` of `attr` with a policy of `N` entries: the last
/// attribute of each type below `N` (as OVS, a later one replaces an
/// earlier one), or `None` when one of them fails `valid` or `attr` is not
/// a list of attributes. Types from `N` on are ignored.
fn parse_nested<const N: usize>(
    attr: &Attr,
    valid: impl Fn(u16, &[u8]) -> bool,
) -> Option<[Option<Attr>; N]> {
    let kids = attr.children().ok()?;
    let mut out: [Option<Attr>; N] = std::array::from_fn(|_| None);
    for k in kids {
        let ty = k.ty();
        if let Some(slot) = out.get_mut(ty as usize) {
            if !valid(ty, &k.value) {
                return None;
            }
            *slot = Some(k);
        }
    }
    Some(out)
}

/// `ovs_conntrack_policy`: its 10 entries, and what each type must hold.
/// `OVS_CT_ATTR_EVENTMASK` has no entry there, so OVS takes any length.
fn ct_attr_ok(ty: u16, v: &[u8]) -> bool {
    match ty {
        OVS_CT_ATTR_ZONE => v.len() == 2,
        OVS_CT_ATTR_MARK => v.len() >= 8,
        OVS_CT_ATTR_LABELS => v.len() >= 2 * OVS_CT_LABELS_LEN,
        OVS_CT_ATTR_HELPER => nl_string_ok(v, NF_CT_HELPER_NAME_LEN),
        OVS_CT_ATTR_TIMEOUT => nl_string_ok(v, CTNL_TIMEOUT_NAME_MAX),
        _ => true,
    }
}

/// `ovs_nat_policy` (10 entries).
fn nat_attr_ok(ty: u16, v: &[u8]) -> bool {
    match ty {
        OVS_NAT_ATTR_IP_MIN | OVS_NAT_ATTR_IP_MAX => (4..=16).contains(&v.len()),
        OVS_NAT_ATTR_PROTO_MIN | OVS_NAT_ATTR_PROTO_MAX => v.len() == 2,
        _ => true,
    }
}

fn rd_u32(b: &[u8]) -> u32 {
    u32::from_ne_bytes([b[0], b[1], b[2], b[3]])
}

/// `ds_put_hex()` of a u128 in network order: `0x` and the digits without
/// leading zeros, or `0`.
fn fmt_u128(v: u128) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// `format_odp_conntrack_action()`: `ct` or `ct(...)` for an
/// `OVS_ACTION_ATTR_CT` attribute.
pub(crate) fn format_ct(a: &Attr) -> String {
    let Some(at) = parse_nested::<10>(a, ct_attr_ok) else {
        return "ct(error)".into();
    };
    let get = |ty: u16| at[ty as usize].as_ref();
    let mut ds = String::new();
    if get(OVS_CT_ATTR_COMMIT).is_some() {
        ds.push_str("commit,");
    }
    if get(OVS_CT_ATTR_FORCE_COMMIT).is_some() {
        ds.push_str("force_commit,");
    }
    if let Some(z) = get(OVS_CT_ATTR_ZONE)
        .and_then(|z| z.get_u16())
        .filter(|z| *z != 0)
    {
        ds.push_str(&format!("zone={z},"));
    }
    if let Some(m) = get(OVS_CT_ATTR_MARK) {
        ds.push_str(&format!(
            "mark={}/{},",
            hex_alt(rd_u32(&m.value) as u64),
            hex_alt(rd_u32(&m.value[4..]) as u64)
        ));
    }
    if let Some(l) = get(OVS_CT_ATTR_LABELS) {
        let n = OVS_CT_LABELS_LEN;
        let (v, m) = (
            u128_from_ne(&l.value[..n]),
            u128_from_ne(&l.value[n..2 * n]),
        );
        ds.push_str(&format!("label={}", fmt_u128(v)));
        if m != u128::MAX {
            ds.push_str(&format!("/{}", fmt_u128(m)));
        }
        ds.push(',');
    }
    if let Some(h) = get(OVS_CT_ATTR_HELPER) {
        ds.push_str(&format!("helper={},", h.get_string()));
    }
    if let Some(t) = get(OVS_CT_ATTR_TIMEOUT) {
        ds.push_str(&format!("timeout={},", t.get_string()));
    }
    if let Some(e) = get(OVS_CT_ATTR_EVENTMASK).and_then(|e| e.get_u32()) {
        ds.push_str(&format!("eventmask={},", hex_alt(e as u64)));
    }
    if let Some(n) = get(OVS_CT_ATTR_NAT) {
        ds.push_str(&format_nat(n));
    }
    if ds.ends_with(',') {
        ds.pop();
    }
    if ds.is_empty() {
        "ct".into()
    } else {
        format!("ct({ds})")
    }
}

/// `format_odp_ct_nat()`: `nat`, `nat(src|dst[=RANGE][,FLAGS])`, or one
/// of OVS's `nat(error..)` texts.
fn format_nat(attr: &Attr) -> String {
    let Some(a) = parse_nested::<10>(attr, nat_attr_ok) else {
        return "nat(error: nl_parse_nested() failed.)".into();
    };
    let get = |ty: u16| a[ty as usize].as_ref();
    let has = |ty: u16| get(ty).is_some();
    let (src, dst) = (has(OVS_NAT_ATTR_SRC), has(OVS_NAT_ATTR_DST));
    let options = [
        OVS_NAT_ATTR_IP_MIN,
        OVS_NAT_ATTR_IP_MAX,
        OVS_NAT_ATTR_PROTO_MIN,
        OVS_NAT_ATTR_PROTO_MAX,
        OVS_NAT_ATTR_PERSISTENT,
        OVS_NAT_ATTR_PROTO_HASH,
        OVS_NAT_ATTR_PROTO_RANDOM,
    ];
    if !(src || dst) && options.iter().any(|&t| has(t)) {
        return "nat(error: options allowed only with \"src\" or \"dst\")".into();
    }
    if src && dst {
        return "nat(error: Only one of \"src\" or \"dst\" may be present.)".into();
    }
    let ip_min = get(OVS_NAT_ATTR_IP_MIN).map(|x| x.value.as_slice());
    let ip_max = get(OVS_NAT_ATTR_IP_MAX).map(|x| x.value.as_slice());
    if ip_min.is_none() && has(OVS_NAT_ATTR_PROTO_MIN) {
        return "nat(error: proto but no IP.)".into();
    }
    if (ip_min.is_none() && ip_max.is_some())
        || (!has(OVS_NAT_ATTR_PROTO_MIN) && has(OVS_NAT_ATTR_PROTO_MAX))
    {
        return "nat(error: range max without min.)".into();
    }
    let addr_len = ip_min.map_or(0, |m| m.len());
    if let Some(min) = ip_min {
        if (min.len() != 4 && min.len() != 16) || ip_max.is_some_and(|m| m.len() != min.len()) {
            return "nat(error: IP address sizes do not match)".into();
        }
    }
    let proto = |ty: u16| get(ty).and_then(|x| x.get_u16()).unwrap_or(0);
    let (proto_min, proto_max) = (proto(OVS_NAT_ATTR_PROTO_MIN), proto(OVS_NAT_ATTR_PROTO_MAX));
    // The addresses as OVS reads them: a missing maximum is all zeros, which
    // means "none".
    let zero = [0u8; 16];
    let min = ip_min.unwrap_or(&zero[..addr_len]);
    let max = ip_max.unwrap_or(&zero[..addr_len]);
    let max_set = max.iter().any(|&b| b != 0);
    if (max_set && min > max) || (proto_max != 0 && proto_min > proto_max) {
        return "nat(range error)".into();
    }
    let mut ds = "nat".to_string();
    if !(src || dst) {
        return ds;
    }
    ds.push_str(if src { "(src" } else { "(dst" });
    if addr_len > 0 {
        ds.push('=');
        if addr_len == 4 {
            ds.push_str(&fmt_ipv4(min));
            if max_set && max != min {
                ds.push('-');
                ds.push_str(&fmt_ipv4(max));
            }
        } else {
            let bracket = |a: &[u8]| {
                if proto_min != 0 {
                    format!("[{}]", fmt_ipv6(a))
                } else {
                    fmt_ipv6(a)
                }
            };
            ds.push_str(&bracket(min));
            if max_set && max != min {
                ds.push('-');
                ds.push_str(&bracket(max));
            }
        }
        if proto_min != 0 {
            ds.push_str(&format!(":{proto_min}"));
            if proto_max != 0 && proto_max != proto_min {
                ds.push_str(&format!("-{proto_max}"));
            }
        }
    }
    for (ty, word) in [
        (OVS_NAT_ATTR_PERSISTENT, ",persistent"),
        (OVS_NAT_ATTR_PROTO_HASH, ",hash"),
        (OVS_NAT_ATTR_PROTO_RANDOM, ",random"),
    ] {
        if has(ty) {
            ds.push_str(word);
        }
    }
    ds.push(')');
    ds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nat(p: &str) -> Result<NatParams, ParseError> {
        let mut c = Cursor::new(p);
        assert!(c.eat("nat"));
        let r = parse_nat(&mut c, 0);
        if r.is_ok() {
            assert!(c.eof(), "{p}: left {:?}", c.rest());
        }
        r
    }

    #[test]
    fn nat_params_as_scan_ct_nat() {
        assert_eq!(nat("nat").expect("nat"), NatParams::default());
        assert_eq!(nat("nat()").expect("nat()"), NatParams::default());
        let p = nat("nat(src=10.0.0.1-10.0.0.5:80-90,persistent,hash)").expect("v4");
        assert!(p.snat && !p.dnat && p.persistent && p.hash && !p.random);
        assert_eq!(p.addr_len, 4);
        assert_eq!(&p.min[..4], &[10, 0, 0, 1]);
        assert_eq!(&p.max[..4], &[10, 0, 0, 5]);
        assert_eq!((p.proto_min, p.proto_max), (80, 90));
        let p = nat("nat(dst=[fe80::1]-[fe80::2]:80,random)").expect("v6");
        assert!(p.dnat && p.random);
        assert_eq!(p.addr_len, 16);
        assert_eq!(p.min[0..2], [0xfe, 0x80]);
        assert_eq!((p.min[15], p.max[15]), (1, 2));
        assert_eq!((p.proto_min, p.proto_max), (80, 0));
        // A bare IPv6 address takes a following ":80" as its own.
        let p = nat("nat(src=fe80::1:80)").expect("bare v6");
        assert_eq!((p.min[13], p.min[15], p.proto_min), (0x01, 0x80, 0));
        // Words need no delimiter; a trailing delimiter is refused.
        assert!(nat("nat(srcpersistent)").is_ok());
        for bad in [
            "nat(src,)",
            "nat( )",
            "nat(src,dst)",
            "nat(src=10.0.0.5-10.0.0.1)",
            "nat(src=10.0.0.1:90-80)",
            "nat(src=10.0.0.1,hash,random)",
            "nat(src=10.0.0.1-fe80::1)",
            "nat(src=[fe80::1)",
            "nat(src=bogus)",
            "nat(src=10.0.0.1:)",
            "nat(src",
            "nat(any)",
        ] {
            assert!(nat(bad).is_err(), "{bad} parsed");
        }
        // An open range end ("-0.0.0.0") is no range.
        assert!(nat("nat(src=10.0.0.5-0.0.0.0)").is_ok());
    }

    #[test]
    fn nl_strings() {
        assert!(nl_string_ok(b"ftp\0", 16));
        assert!(!nl_string_ok(b"ftp", 16));
        assert!(!nl_string_ok(b"f\0p\0", 16));
        assert!(!nl_string_ok(b"\0", 0));
        assert!(nl_string_ok(b"\0", 1));
        assert!(!nl_string_ok(b"", 16));
        assert!(nl_string_ok(b"0123456789abcde\0", 16));
        assert!(!nl_string_ok(b"0123456789abcdef\0", 16));
    }
}
