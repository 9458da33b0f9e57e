//! OVS's userspace-action cookies: the `struct user_action_cookie` that
//! ovs-vswitchd puts in `OVS_USERSPACE_ATTR_USERDATA` (OVS: lib/odp-util.h,
//! printed by `format_odp_userspace_action()` and parsed by
//! `parse_odp_userspace_action()` of lib/odp-util.c).
//!
//! The cookie is 48 bytes in host byte order (x86-64 layout, checked
//! against OVS 3.1's headers with `offsetof()`):
//!
//! | offset | field |
//! | --- | --- |
//! | 0 | `u16 type` (`USER_ACTION_COOKIE_*`) |
//! | 4 | `u32 ofp_in_port` (`OFPP_NONE` when parsed from text) |
//! | 8 | `struct uuid ofproto_uuid` (zero when parsed from text) |
//! | 24 | the union below |
//!
//! `sflow`: be16 `vlan_tci` at 24, u32 `output` at 28. `slow_path`: u32
//! `reason` at 28. `flow_sample`: u16 `probability` at 24, u32
//! `collector_set_id`, `obs_domain_id`, `obs_point_id`, `output_odp_port`
//! and `direction` at 28, 32, 36, 40, 44. `ipfix`: u32 `output_odp_port` at
//! 24. `controller`: u8 `dont_send` 24, u8 `continuation` 25, u16 `reason`
//! 26, u32 `recirc_id` 28, be64 `rule_cookie` 32, u16 `controller_id` 40,
//! u16 `max_len` 42.
//!
//! Userdata of any other length, or of an unknown type, is printed as
//! `userdata(hex)` as OVS does.

use crate::key::{fmt_port, parse_port, Ports};
use crate::text::{hex_alt, Cursor, ParseError};
use crate::uapi::{VLAN_CFI, VLAN_PCP_SHIFT};

/// `sizeof(struct user_action_cookie)`.
pub const COOKIE_LEN: usize = 48;

const TYPE_SFLOW: u16 = 1;
const TYPE_SLOW_PATH: u16 = 2;
const TYPE_FLOW_SAMPLE: u16 = 3;
const TYPE_IPFIX: u16 = 4;
const TYPE_CONTROLLER: u16 = 5;

/// `OFPP_NONE`, the `ofp_in_port` of a cookie parsed from text.
const OFPP_NONE: u32 = 0xffff;

/// `NX_ACTION_SAMPLE_INGRESS` / `NX_ACTION_SAMPLE_EGRESS`.
const SAMPLE_INGRESS: u32 = 1;
const SAMPLE_EGRESS: u32 = 2;

/// `SLOW_PATH_REASONS`: bit and name of each slow-path reason.
const SLOW_PATH_REASONS: &[(u32, &str)] = &[
    (1 << 0, "cfm"),
    (1 << 1, "bfd"),
    (1 << 2, "lacp"),
    (1 << 3, "stp"),
    (1 << 4, "lldp"),
    (1 << 5, "action"),
    (1 << 6, "match"),
];

/// `SLOW_PATH_REASON_MASK`.
const SLOW_PATH_REASON_MASK: u32 = 0x7f;

/// One decoded `struct user_action_cookie` (the fields ovs-dpctl shows).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cookie {
    /// `USER_ACTION_COOKIE_SFLOW`: per-bridge sFlow sampling.
    SFlow {
        /// Destination VLAN TCI.
        vlan_tci: u16,
        /// sFlow `output` value.
        output: u32,
    },
    /// `USER_ACTION_COOKIE_SLOW_PATH`: userspace must process this flow.
    SlowPath {
        /// `enum slow_path_reason` bits.
        reason: u32,
    },
    /// `USER_ACTION_COOKIE_FLOW_SAMPLE`: per-flow sampling.
    FlowSample {
        /// Sampling probability (of 65535).
        probability: u16,
        /// IPFIX collector set.
        collector_set_id: u32,
        /// Observation domain.
        obs_domain_id: u32,
        /// Observation point.
        obs_point_id: u32,
        /// Output datapath port.
        output_port: u32,
        /// `enum nx_action_sample_direction`.
        direction: u32,
    },
    /// `USER_ACTION_COOKIE_IPFIX`: per-bridge IPFIX sampling.
    Ipfix {
        /// Output datapath port.
        output_port: u32,
    },
    /// `USER_ACTION_COOKIE_CONTROLLER`: send to the controller.
    Controller {
        /// Do not send the packet to the controller.
        dont_send: u8,
        /// Send a packet-in as a continuation.
        continuation: u8,
        /// OpenFlow packet-in reason.
        reason: u16,
        /// Recirculation id.
        recirc_id: u32,
        /// OpenFlow rule cookie.
        rule_cookie: u64,
        /// Controller id.
        controller_id: u16,
        /// Maximum bytes to send.
        max_len: u16,
    },
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    u16::from_ne_bytes([b[off], b[off + 1]])
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_ne_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn put(b: &mut [u8], off: usize, v: &[u8]) {
    b[off..off + v.len()].copy_from_slice(v);
}

impl Cookie {
    /// The cookie in `userdata`, if it is exactly a `struct
    /// user_action_cookie` of a known type (as `format_odp_userspace_action()`
    /// decides); `None` means it is shown as `userdata(hex)`.
    pub fn decode(userdata: &[u8]) -> Option<Cookie> {
        let b: &[u8; COOKIE_LEN] = userdata.try_into().ok()?;
        Some(match u16_at(b, 0) {
            TYPE_SFLOW => Cookie::SFlow {
                vlan_tci: u16::from_be_bytes([b[24], b[25]]),
                output: u32_at(b, 28),
            },
            TYPE_SLOW_PATH => Cookie::SlowPath {
                reason: u32_at(b, 28),
            },
            TYPE_FLOW_SAMPLE => Cookie::FlowSample {
                probability: u16_at(b, 24),
                collector_set_id: u32_at(b, 28),
                obs_domain_id: u32_at(b, 32),
                obs_point_id: u32_at(b, 36),
                output_port: u32_at(b, 40),
                direction: u32_at(b, 44),
            },
            TYPE_IPFIX => Cookie::Ipfix {
                output_port: u32_at(b, 24),
            },
            TYPE_CONTROLLER => {
                let mut rc = [0u8; 8];
                rc.copy_from_slice(&b[32..40]);
                Cookie::Controller {
                    dont_send: b[24],
                    continuation: b[25],
                    reason: u16_at(b, 26),
                    recirc_id: u32_at(b, 28),
                    rule_cookie: u64::from_be_bytes(rc),
                    controller_id: u16_at(b, 40),
                    max_len: u16_at(b, 42),
                }
            }
            _ => return None,
        })
    }

    /// The 48 bytes `parse_odp_userspace_action()` builds: `ofp_in_port`
    /// is `OFPP_NONE`, the ofproto UUID zero.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; COOKIE_LEN];
        put(&mut b, 4, &OFPP_NONE.to_ne_bytes());
        let ty = match *self {
            Cookie::SFlow { vlan_tci, output } => {
                put(&mut b, 24, &vlan_tci.to_be_bytes());
                put(&mut b, 28, &output.to_ne_bytes());
                TYPE_SFLOW
            }
            Cookie::SlowPath { reason } => {
                put(&mut b, 28, &reason.to_ne_bytes());
                TYPE_SLOW_PATH
            }
            Cookie::FlowSample {
                probability,
                collector_set_id,
                obs_domain_id,
                obs_point_id,
                output_port,
                direction,
            } => {
                put(&mut b, 24, &probability.to_ne_bytes());
                put(&mut b, 28, &collector_set_id.to_ne_bytes());
                put(&mut b, 32, &obs_domain_id.to_ne_bytes());
                put(&mut b, 36, &obs_point_id.to_ne_bytes());
                put(&mut b, 40, &output_port.to_ne_bytes());
                put(&mut b, 44, &direction.to_ne_bytes());
                TYPE_FLOW_SAMPLE
            }
            Cookie::Ipfix { output_port } => {
                put(&mut b, 24, &output_port.to_ne_bytes());
                TYPE_IPFIX
            }
            Cookie::Controller {
                dont_send,
                continuation,
                reason,
                recirc_id,
                rule_cookie,
                controller_id,
                max_len,
            } => {
                b[24] = dont_send;
                b[25] = continuation;
                put(&mut b, 26, &reason.to_ne_bytes());
                put(&mut b, 28, &recirc_id.to_ne_bytes());
                put(&mut b, 32, &rule_cookie.to_be_bytes());
                put(&mut b, 40, &controller_id.to_ne_bytes());
                put(&mut b, 42, &max_len.to_ne_bytes());
                TYPE_CONTROLLER
            }
        };
        put(&mut b, 0, &ty.to_ne_bytes());
        b
    }

    /// The text after `userspace(pid=N,` (`format_odp_userspace_action()`).
    pub fn format(&self, ports: Option<&Ports>) -> String {
        match *self {
            Cookie::SFlow { vlan_tci, output } => format!(
                "sFlow(vid={},pcp={},output={output})",
                vlan_tci & 0xfff,
                vlan_tci >> VLAN_PCP_SHIFT
            ),
            Cookie::SlowPath { reason } => format!("slow_path({})", format_reasons(reason)),
            Cookie::FlowSample {
                probability,
                collector_set_id,
                obs_domain_id,
                obs_point_id,
                output_port,
                direction,
            } => {
                let dir = match direction {
                    SAMPLE_INGRESS => ",ingress",
                    SAMPLE_EGRESS => ",egress",
                    _ => "",
                };
                format!(
                    "flow_sample(probability={probability},collector_set_id={collector_set_id},\
                     obs_domain_id={obs_domain_id},obs_point_id={obs_point_id},\
                     output_port={}{dir})",
                    fmt_port(ports, output_port)
                )
            }
            Cookie::Ipfix { output_port } => {
                format!("ipfix(output_port={})", fmt_port(ports, output_port))
            }
            Cookie::Controller {
                dont_send,
                continuation,
                reason,
                recirc_id,
                rule_cookie,
                controller_id,
                max_len,
            } => format!(
                "controller(reason={reason},dont_send={},continuation={},recirc_id={recirc_id},\
                 rule_cookie={},controller_id={controller_id},max_len={max_len})",
                u8::from(dont_send != 0),
                u8::from(continuation != 0),
                hex_alt(rule_cookie)
            ),
        }
    }

    /// Parses one cookie form at the cursor (after the `,` that follows
    /// `pid=N`); `Ok(None)` when the text is not one of them, cursor
    /// unmoved. As in OVS, numbers are C `%i` (`0x` hex, leading-0 octal)
    /// except in `controller(..)`, whose fields are decimal but for the hex
    /// `rule_cookie`; ports may also be names when `ports` is given.
    pub fn parse(c: &mut Cursor, ports: Option<&Ports>) -> Result<Option<Cookie>, ParseError> {
        let ck = if c.eat("sFlow(") {
            c.expect("vid=")?;
            let vid = c.int_max(0xfff)? as u16;
            c.expect(",pcp=")?;
            let pcp = c.int_max(7)? as u16;
            c.expect(",output=")?;
            let output = c.u32()?;
            c.expect(")")?;
            let mut tci = vid | (pcp << VLAN_PCP_SHIFT);
            if tci != 0 {
                tci |= VLAN_CFI;
            }
            Cookie::SFlow {
                vlan_tci: tci,
                output,
            }
        } else if c.eat("slow_path(") {
            let reason = parse_reasons(c)?;
            c.expect(")")?;
            Cookie::SlowPath { reason }
        } else if c.eat("flow_sample(") {
            c.expect("probability=")?;
            let probability = c.u16()?;
            c.expect(",collector_set_id=")?;
            let collector_set_id = c.u32()?;
            c.expect(",obs_domain_id=")?;
            let obs_domain_id = c.u32()?;
            c.expect(",obs_point_id=")?;
            let obs_point_id = c.u32()?;
            c.expect(",output_port=")?;
            let output_port = parse_port(c, ports)?;
            let direction = if c.eat(",ingress") {
                SAMPLE_INGRESS
            } else if c.eat(",egress") {
                SAMPLE_EGRESS
            } else {
                0
            };
            c.expect(")")?;
            Cookie::FlowSample {
                probability,
                collector_set_id,
                obs_domain_id,
                obs_point_id,
                output_port,
                direction,
            }
        } else if c.eat("ipfix(") {
            c.expect("output_port=")?;
            let output_port = parse_port(c, ports)?;
            c.expect(")")?;
            Cookie::Ipfix { output_port }
        } else if c.eat("controller(") {
            c.expect("reason=")?;
            let reason = dec(c, u16::MAX as u64)? as u16;
            c.expect(",dont_send=")?;
            let dont_send = u8::from(dec(c, u8::MAX as u64)? != 0);
            c.expect(",continuation=")?;
            let continuation = u8::from(dec(c, u8::MAX as u64)? != 0);
            c.expect(",recirc_id=")?;
            let recirc_id = dec(c, u32::MAX as u64)? as u32;
            c.expect(",rule_cookie=")?;
            let rule_cookie = hex_u64(c)?;
            c.expect(",controller_id=")?;
            let controller_id = dec(c, u16::MAX as u64)? as u16;
            c.expect(",max_len=")?;
            let max_len = dec(c, u16::MAX as u64)? as u16;
            c.expect(")")?;
            Cookie::Controller {
                dont_send,
                continuation,
                reason,
                recirc_id,
                rule_cookie,
                controller_id,
                max_len,
            }
        } else {
            return Ok(None);
        };
        Ok(Some(ck))
    }
}

/// `format_flags(.., slow_path_reason_to_string, reason, ',')`: names of
/// the known bits, then the unknown ones as one hex number; `0` for none.
fn format_reasons(reason: u32) -> String {
    if reason == 0 {
        return "0".into();
    }
    let mut parts: Vec<String> = SLOW_PATH_REASONS
        .iter()
        .filter(|(bit, _)| reason & bit != 0)
        .map(|(_, name)| name.to_string())
        .collect();
    let bad = reason & !SLOW_PATH_REASON_MASK;
    if bad != 0 {
        parts.push(format!("0x{bad:x}"));
    }
    parts.join(",")
}

/// `parse_odp_flags(.., slow_path_reason_to_string, .., SLOW_PATH_REASON_MASK,
/// NULL)`: reason names or `%i` numbers up to `)`. OVS separates them with
/// `|` but prints them with `,`; both are accepted, so every printed form
/// parses back.
fn parse_reasons(c: &mut Cursor) -> Result<u32, ParseError> {
    let mut reason = 0;
    while c.peek() != Some(b')') {
        let s = c.pos;
        if c.peek().is_some_and(|b| b.is_ascii_digit()) {
            let v = c.int()?;
            if v & !(SLOW_PATH_REASON_MASK as u64) != 0 {
                return Err(c.err_at(s, "unknown slow_path reason(s)"));
            }
            reason |= v as u32;
        } else {
            let w = c.ident();
            match SLOW_PATH_REASONS.iter().find(|(_, n)| *n == w) {
                Some((bit, _)) => reason |= bit,
                None => {
                    let names: Vec<&str> = SLOW_PATH_REASONS.iter().map(|(_, n)| *n).collect();
                    return Err(c.err_at(
                        s,
                        format!("unknown slow_path reason: expected {}", names.join(", ")),
                    ));
                }
            }
        }
        if !c.eat("|") && !c.eat(",") && c.peek() != Some(b')') {
            return Err(c.err("expected '|', ',' or ')'"));
        }
    }
    Ok(reason)
}

/// A decimal number (`%u`) no larger than `max`.
fn dec(c: &mut Cursor, max: u64) -> Result<u64, ParseError> {
    let s = c.pos;
    let d = c.take_while(|b| b.is_ascii_digit());
    if d.is_empty() {
        return Err(c.err_at(s, "expected a decimal number"));
    }
    // Too many digits for a u64 is out of range too.
    d.parse::<u64>()
        .ok()
        .filter(|&v| v <= max)
        .ok_or_else(|| c.err_at(s, format!("value {d} out of range (max {max})")))
}

/// A hex number (`%x`: optional `0x`).
fn hex_u64(c: &mut Cursor) -> Result<u64, ParseError> {
    let s = c.pos;
    let _ = c.eat("0x") || c.eat("0X");
    let d = c.take_while(|b| b.is_ascii_hexdigit());
    u64::from_str_radix(d, 16).map_err(|_| c.err_at(s, "expected a 64-bit hex number"))
}
