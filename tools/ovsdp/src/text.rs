//! Scanner for the ODP text syntax, with positioned errors (OVS: the
//! `ovs_scan()`/`scan_*()` helpers of lib/odp-util.c and lib/util.c).
//!
//! OVS reports "syntax error at <rest of string>"; ovsdp keeps the byte
//! offset of the first character it could not accept and draws a caret
//! under it.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A parse error at a byte offset of `input`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What was expected or wrong.
    pub msg: String,
    /// Byte offset of the first wrong character.
    pub pos: usize,
    /// The whole string that was parsed.
    pub input: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Column in characters, so the caret lines up with non-ASCII input.
        let col = self.input[..self.pos.min(self.input.len())].chars().count();
        writeln!(f, "{} (at offset {})", self.msg, self.pos)?;
        writeln!(f, "  {}", self.input)?;
        write!(f, "  {}^", " ".repeat(col))
    }
}

impl std::error::Error for ParseError {}

/// Characters OVS skips between attributes (`delimiters` in odp-util.c).
pub const DELIMITERS: &[u8] = b", \t\r\n";

/// A cursor over the text being parsed.
pub struct Cursor<'a> {
    /// Full input.
    pub s: &'a str,
    /// Current byte offset.
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    /// Cursor at the start of `s`.
    pub fn new(s: &'a str) -> Self {
        Cursor { s, pos: 0 }
    }
    /// Unparsed remainder.
    pub fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }
    /// True at end of input.
    pub fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }
    /// Next byte, if any.
    pub fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }
    /// Error at the current position.
    pub fn err(&self, msg: impl Into<String>) -> ParseError {
        self.err_at(self.pos, msg)
    }
    /// Error at byte offset `pos`.
    pub fn err_at(&self, pos: usize, msg: impl Into<String>) -> ParseError {
        ParseError {
            msg: msg.into(),
            pos,
            input: self.s.to_string(),
        }
    }
    /// Consumes `lit` if the input continues with it.
    pub fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }
    /// Consumes `lit` or fails.
    pub fn expect(&mut self, lit: &str) -> Result<(), ParseError> {
        if self.eat(lit) {
            return Ok(());
        }
        // Point at the first character that differs from `lit`.
        let same = self
            .rest()
            .bytes()
            .zip(lit.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        Err(self.err_at(self.pos + same, format!("expected '{lit}'")))
    }
    /// Skips OVS delimiters.
    pub fn skip_delims(&mut self) {
        while let Some(c) = self.peek() {
            if DELIMITERS.contains(&c) {
                self.pos += 1;
            } else {
                break;
            }
        }
    }
    /// Takes bytes while `f` holds.
    pub fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if f(c) {
                self.pos += 1;
            } else {
                break;
            }
        }
        &self.s[start..self.pos]
    }
    /// An identifier (letters, digits, `_`), possibly empty.
    pub fn ident(&mut self) -> &'a str {
        self.take_while(|c| c.is_ascii_alphanumeric() || c == b'_')
    }

    /// An integer in C `%i` style: `0x` hex, leading-`0` octal, or decimal.
    pub fn int(&mut self) -> Result<u64, ParseError> {
        let start = self.pos;
        let r = self.rest();
        let (radix, skip) = if r.starts_with("0x") || r.starts_with("0X") {
            (16, 2)
        } else if r.len() > 1 && r.starts_with('0') && r.as_bytes()[1].is_ascii_digit() {
            (8, 1)
        } else {
            (10, 0)
        };
        self.pos += skip;
        let digits = self.take_while(|c| (c as char).is_digit(radix));
        if digits.is_empty() {
            self.pos = start;
            return Err(self.err("expected a number"));
        }
        u64::from_str_radix(digits, radix).map_err(|_| self.err_at(start, "number too large"))
    }
    /// An integer that must fit in `max`.
    pub fn int_max(&mut self, max: u64) -> Result<u64, ParseError> {
        let start = self.pos;
        let v = self.int()?;
        if v > max {
            return Err(self.err_at(start, format!("value {v} out of range (max {max:#x})")));
        }
        Ok(v)
    }
    /// An unsigned 8-bit `%i`.
    pub fn u8(&mut self) -> Result<u8, ParseError> {
        Ok(self.int_max(u8::MAX as u64)? as u8)
    }
    /// An unsigned 16-bit `%i`.
    pub fn u16(&mut self) -> Result<u16, ParseError> {
        Ok(self.int_max(u16::MAX as u64)? as u16)
    }
    /// An unsigned 32-bit `%i`.
    pub fn u32(&mut self) -> Result<u32, ParseError> {
        Ok(self.int_max(u32::MAX as u64)? as u32)
    }

    /// A MAC address `xx:xx:xx:xx:xx:xx`.
    pub fn mac(&mut self) -> Result<[u8; 6], ParseError> {
        let start = self.pos;
        let mut out = [0u8; 6];
        for (i, b) in out.iter_mut().enumerate() {
            if i > 0 && !self.eat(":") {
                return Err(self.err("expected ':' in Ethernet address"));
            }
            let h = self.take_while(|c| c.is_ascii_hexdigit());
            if h.is_empty() || h.len() > 2 {
                self.pos = start;
                return Err(self.err("expected an Ethernet address xx:xx:xx:xx:xx:xx"));
            }
            *b = u8::from_str_radix(h, 16)
                .map_err(|_| self.err_at(start, "bad Ethernet address"))?;
        }
        Ok(out)
    }
    /// A dotted IPv4 address.
    pub fn ipv4(&mut self) -> Result<[u8; 4], ParseError> {
        let start = self.pos;
        let t = self.take_while(|c| c.is_ascii_digit() || c == b'.');
        match t.parse::<Ipv4Addr>() {
            Ok(a) => Ok(a.octets()),
            Err(_) => {
                self.pos = start;
                Err(self.err("expected an IPv4 address"))
            }
        }
    }
    /// An IPv6 address in `inet_pton` form.
    pub fn ipv6(&mut self) -> Result<[u8; 16], ParseError> {
        let start = self.pos;
        let t = self.take_while(|c| c.is_ascii_hexdigit() || c == b':' || c == b'.');
        match t.parse::<Ipv6Addr>() {
            Ok(a) => Ok(a.octets()),
            Err(_) => {
                self.pos = start;
                Err(self.err("expected an IPv6 address"))
            }
        }
    }
    /// Hex bytes as in `userdata(0102..)` or `key32(01 02)`: pairs of hex
    /// digits, optionally separated by spaces or `.`; stops at anything else.
    pub fn hex_bytes(&mut self) -> Result<Vec<u8>, ParseError> {
        let mut out = Vec::new();
        loop {
            while matches!(self.peek(), Some(b' ') | Some(b'.')) {
                self.pos += 1;
            }
            let b = self.s.as_bytes();
            if self.pos + 1 < b.len()
                && b[self.pos].is_ascii_hexdigit()
                && b[self.pos + 1].is_ascii_hexdigit()
            {
                out.push(u8::from_str_radix(&self.s[self.pos..self.pos + 2], 16).unwrap_or(0));
                self.pos += 2;
            } else if self.pos < b.len() && b[self.pos].is_ascii_hexdigit() {
                return Err(self.err("odd number of hex digits"));
            } else {
                return Ok(out);
            }
        }
    }
}

/// C `%#x`: `0` for zero, `0x..` otherwise.
pub fn hex_alt(v: u64) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("{v:#x}")
    }
}

/// `ETH_ADDR_FMT`.
pub fn fmt_mac(m: &[u8]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// `IP_FMT`.
pub fn fmt_ipv4(a: &[u8]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// glibc's `inet_ntop(AF_INET6)`. Rust prints the same (RFC 5952, and
/// IPv4-mapped addresses as `::ffff:a.b.c.d`) except for the deprecated
/// IPv4-compatible ones, 96 zero bits and then anything but `0.0.x.x`,
/// which glibc prints as `::a.b.c.d` (`::1.2.3.4`, where Rust has
/// `::102:304`).
pub fn fmt_ipv6(a: &[u8]) -> String {
    let mut o = [0u8; 16];
    o.copy_from_slice(&a[..16]);
    if o[..12].iter().all(|&b| b == 0) && (o[12] | o[13]) != 0 {
        return format!("::{}", fmt_ipv4(&o[12..]));
    }
    Ipv6Addr::from(o).to_string()
}

/// Hex string without separators (`userdata(...)` style).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses a packet given as hex (spaces and newlines allowed).
pub fn parse_hex_packet(s: &str) -> Result<Vec<u8>, ParseError> {
    let cleaned: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let mut c = Cursor::new(&cleaned);
    let v = c.hex_bytes()?;
    if !c.eof() {
        return Err(c.err("expected hex digits"));
    }
    Ok(v)
}
