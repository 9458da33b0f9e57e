//! Minimal JSON writer for `--json` output (no OVS counterpart: ovs-dpctl
//! has no machine-readable output; this replaces parsing its text).

use std::fmt::Write;

/// A JSON value.
#[derive(Clone, Debug)]
pub enum J {
    /// null
    Null,
    /// true/false
    Bool(bool),
    /// Unsigned integer.
    U(u64),
    /// Signed integer.
    I(i64),
    /// Float.
    F(f64),
    /// String.
    S(String),
    /// Array.
    A(Vec<J>),
    /// Object with keys in insertion order.
    O(Vec<(String, J)>),
}

impl J {
    /// Object from pairs.
    pub fn obj(pairs: Vec<(&str, J)>) -> J {
        J::O(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
    /// String value.
    pub fn s(s: impl Into<String>) -> J {
        J::S(s.into())
    }
    /// Serialises compactly.
    pub fn dump(&self) -> String {
        let mut o = String::new();
        self.write(&mut o);
        o
    }
    fn write(&self, o: &mut String) {
        match self {
            J::Null => o.push_str("null"),
            J::Bool(b) => o.push_str(if *b { "true" } else { "false" }),
            J::U(n) => {
                let _ = write!(o, "{n}");
            }
            J::I(n) => {
                let _ = write!(o, "{n}");
            }
            J::F(x) if x.is_finite() => {
                let _ = write!(o, "{x}");
            }
            J::F(_) => o.push_str("null"),
            J::S(s) => quote(s, o),
            J::A(v) => {
                o.push('[');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        o.push(',');
                    }
                    x.write(o);
                }
                o.push(']');
            }
            J::O(v) => {
                o.push('{');
                for (i, (k, x)) in v.iter().enumerate() {
                    if i > 0 {
                        o.push(',');
                    }
                    quote(k, o);
                    o.push(':');
                    x.write(o);
                }
                o.push('}');
            }
        }
    }
}

fn quote(s: &str, o: &mut String) {
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
}
