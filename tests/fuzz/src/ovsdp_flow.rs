// SPDX-License-Identifier: GPL-2.0
//! `ovsdp_flow`: ovsdp's ODP text syntax (`tools/ovsdp/src/{key,actions,text}.rs`).
//!
//! Input: UTF-8 text, tried as a flow (key and mask) and as an action list.
//! Invariants: what parses prints to text that parses back (flows: with the same UFID)
//! and is canonical: actions print the same again, flows from the second print on. An action list's text parses back to the same netlink
//! bytes (as `tools/ovsdp/tests/syntax.rs` checks of its examples), except where OVS's
//! text is lossy: an empty list prints as "drop", a sample's probability to 0.1%, and
//! `userdata(..)` that happens to be a `struct user_action_cookie` prints as the cookie.
//! What parses always encodes (every attribute and nest fits netlink's u16 length).

use ovsdp::actions::{format_actions, parse_actions};
use ovsdp::attr::emit;
use ovsdp::key::{format_flow, format_ufid, parse_flow, Flow};

pub fn run(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    flow(s);
    actions(s);
}

fn print(f: &Flow, verbose: bool) -> String {
    let printed = if f.key.is_empty() {
        String::new()
    } else {
        format_flow(&f.key, Some(&f.mask), None, verbose)
    };
    match f.ufid {
        Some(u) => format_ufid(&u) + " " + &printed,
        None => printed,
    }
}

/// Printing leaves out attributes whose mask is all wildcards (as OVS's `odp_flow_format()`
/// does), so the first trip may drop bytes; what it prints parses, and settles.
fn flow(s: &str) {
    let Ok(f) = parse_flow(s, None) else { return };
    // The generic `keyN(..)` form puts any bytes in a known type: a wrong length (printed
    // as an error, as OVS's `check_attr_len()` does), undefined ct_state bits (printed in
    // hex, as OVS's `format_flags()`, refused by the type's own syntax, as OVS's
    // `parse_flags()`), a mask shorter than its MPLS key. Such flows are only printed.
    let generic = has_generic_key(s);
    for verbose in [false, true] {
        let p1 = print(&f, verbose);
        if generic {
            continue;
        }
        let g = parse_flow(&p1, None)
            .unwrap_or_else(|e| panic!("{s:?} printed as {p1:?}, which fails: {e}"));
        assert_eq!(f.ufid, g.ufid, "ufid of {s:?} via {p1:?}");
        // The text settles on the second trip: a mask's EtherType under a key without one
        // prints as "eth_type(0/0xffff)" (OVS's `odp_flow_format()`), which parses back
        // as a key attribute and then prints as "eth_type(0x0000)".
        let p2 = print(&g, verbose);
        let h = parse_flow(&p2, None)
            .unwrap_or_else(|e| panic!("{s:?} printed as {p1:?}, then {p2:?}, which fails: {e}"));
        let p3 = print(&h, verbose);
        assert_eq!(p3, p2, "{s:?} printed as {p1:?}, {p2:?}, then {p3:?}");
    }
}

/// Whether `s` uses the generic `keyN(..)` form somewhere.
fn has_generic_key(s: &str) -> bool {
    s.match_indices("key").any(|(i, _)| {
        let digits = s[i + 3..].bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && s[i + 3 + digits..].starts_with('(')
    })
}

/// Whether raw `userdata(..)` of `s` came back printed as one of OVS's cookies.
fn userdata_as_cookie(s: &str, printed: &str) -> bool {
    s.contains("userdata(")
        && [
            "sFlow(",
            "slow_path(",
            "flow_sample(",
            "ipfix(",
            "controller(",
        ]
        .iter()
        .any(|c| printed.contains(c))
}

fn actions(s: &str) {
    let Ok(a) = parse_actions(s, None) else {
        return;
    };
    let bytes = emit(&a).unwrap_or_else(|e| panic!("{s:?} parsed but does not encode: {e}"));
    let printed = format_actions(&bytes, None);
    if has_generic_key(s) {
        // set(keyN(..)) may hold anything, as for flows.
        return;
    }
    if userdata_as_cookie(s, &printed) {
        // 48 bytes of userdata with a cookie type print as the cookie, as ovs-dpctl
        // prints them: without the ofp_in_port, the ofproto UUID and the padding, with
        // unknown slow_path bits in hex that the cookie's syntax refuses (as OVS's
        // `parse_odp_flags()`). Such text is only printed.
        return;
    }
    let b = parse_actions(&printed, None)
        .unwrap_or_else(|e| panic!("{s:?} printed as {printed:?}, which fails: {e}"));
    let again = emit(&b).unwrap_or_else(|e| panic!("{printed:?} parsed but does not encode: {e}"));
    // The printed text is canonical.
    assert_eq!(
        format_actions(&again, None),
        printed,
        "actions {s:?} via {printed:?}"
    );
    // And names the same bytes, but where OVS's text is lossy: an empty list, top level or
    // nested, prints as "drop", which parses as an explicit drop action; a sample's
    // probability prints rounded to 0.1%.
    if !printed.contains("drop") && !printed.contains("sample(sample=") {
        assert_eq!(bytes, again, "actions {s:?} via {printed:?}");
    }
}
