// SPDX-License-Identifier: GPL-2.0
//! `ovsdp_flow`: ovsdp's ODP text syntax (`tools/ovsdp/src/{key,actions,text}.rs`).
//!
//! Input: UTF-8 text, tried as a flow (key and mask) and as an action list.
//! Invariant: whatever parses prints to text that parses back to the same netlink bytes
//! (key, mask and UFID; actions), as `tools/ovsdp/tests/syntax.rs` checks of its examples.

use ovsdp::actions::{format_actions, parse_actions};
use ovsdp::attr::emit;
use ovsdp::key::{format_flow, format_ufid, parse_flow};

pub fn run(data: &[u8]) {
    let Ok(s) = core::str::from_utf8(data) else {
        return;
    };
    flow(s);
    actions(s);
}

fn flow(s: &str) {
    let Ok(f) = parse_flow(s, None) else { return };
    for verbose in [false, true] {
        let mut printed = if f.key.is_empty() {
            String::new()
        } else {
            format_flow(&f.key, Some(&f.mask), None, verbose)
        };
        if let Some(u) = f.ufid {
            printed = format_ufid(&u) + " " + &printed;
        }
        let g = parse_flow(&printed, None)
            .unwrap_or_else(|e| panic!("{s:?} printed as {printed:?}, which fails: {e}"));
        assert_eq!(emit(&f.key), emit(&g.key), "key of {s:?} via {printed:?}");
        assert_eq!(emit(&f.mask), emit(&g.mask), "mask of {s:?} via {printed:?}");
        assert_eq!(f.ufid, g.ufid, "ufid of {s:?} via {printed:?}");
    }
}

fn actions(s: &str) {
    let Ok(a) = parse_actions(s, None) else { return };
    let bytes = emit(&a);
    let printed = format_actions(&bytes, None);
    let b = parse_actions(&printed, None)
        .unwrap_or_else(|e| panic!("{s:?} printed as {printed:?}, which fails: {e}"));
    assert_eq!(bytes, emit(&b), "actions {s:?} via {printed:?}");
}
