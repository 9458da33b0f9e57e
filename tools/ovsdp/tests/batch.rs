//! Host tests of `add-flows`: the line format, and the pipelining window
//! driven by a fake kernel that answers out of order.

use ovsdp::actions::parse_actions;
use ovsdp::attr::Attr;
use ovsdp::batch::{parse_flow_lines, pipeline, Answer};
use ovsdp::dpctl::{main_with, parse_args};
use ovsdp::dpif::flow_put_msg;
use ovsdp::key::parse_flow;

/// `attr::emit()` of lists the tests know fit.
fn emit(a: &[Attr]) -> Vec<u8> {
    ovsdp::attr::emit(a).expect("emit")
}

#[test]
fn lines_parse_like_add_flow() {
    let text = "# comment\n\
        in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no) 2\n\
        \n\
        \tin_port(2),eth(),eth_type(0x0806)   drop  \n";
    let v = parse_flow_lines(text, None).expect("parse");
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].line, 2);
    assert_eq!(v[1].line, 4);
    // Same message bytes as `add-flow` builds from the same text.
    let f = parse_flow(
        "in_port(1),eth(),eth_type(0x0800),ipv4(src=10.0.0.1,frag=no)",
        None,
    )
    .unwrap();
    let a = parse_actions("2", None).unwrap();
    assert_eq!(
        flow_put_msg(7, &v[0].flow, &v[0].actions, true, false).expect("put"),
        flow_put_msg(7, &f, &a, true, false).expect("put")
    );
    assert_eq!(
        emit(&v[1].actions),
        emit(&parse_actions("drop", None).unwrap())
    );
}

#[test]
fn line_errors_name_the_line() {
    let e = parse_flow_lines("in_port(1) 2\nin_port(1),ipv4(ttl=300) 2\n", None).unwrap_err();
    assert!(
        e.starts_with("line 2: bad flow: value 300 out of range"),
        "{e}"
    );
    let e = parse_flow_lines("\n\nin_port(1)\n", None).unwrap_err();
    assert_eq!(e, "line 3: expected FLOW ACTIONS");
    let e = parse_flow_lines("in_port(1) frobnicate\n", None).unwrap_err();
    assert!(e.starts_with("line 1: bad actions:"), "{e}");
}

/// A fake kernel: answers whatever is in flight, newest first, at most
/// `per_recv` per call; fails the requests listed in `fail`.
fn fake_run(
    n: usize,
    window: usize,
    per_recv: usize,
    fail: &[usize],
) -> (ovsdp::batch::Outcome, Vec<usize>) {
    use std::cell::RefCell;
    let inflight: RefCell<Vec<(u32, usize)>> = RefCell::new(Vec::new());
    let sent = RefCell::new(Vec::new());
    let seq = RefCell::new(100u32);
    let o = pipeline::<()>(
        n,
        window,
        |i| {
            let mut s = seq.borrow_mut();
            *s += 3; // any increasing sequence numbers
            inflight.borrow_mut().push((*s, i));
            sent.borrow_mut().push(i);
            assert!(inflight.borrow().len() <= window, "window exceeded");
            Ok(*s)
        },
        || {
            let mut f = inflight.borrow_mut();
            let mut out = Vec::new();
            for _ in 0..per_recv {
                let Some((s, i)) = f.pop() else { break };
                out.push(if fail.contains(&i) {
                    Answer::Err(s, 17)
                } else {
                    Answer::Ack(s)
                });
            }
            // A stray answer for a sequence number never sent is ignored.
            out.push(Answer::Ack(1));
            Ok(out)
        },
    )
    .unwrap();
    (o, sent.into_inner())
}

#[test]
fn pipeline_keeps_the_window_and_acks_everything() {
    for (n, window, per_recv) in [
        (0, 4, 1),
        (1, 1, 1),
        (1000, 64, 7),
        (10, 100, 3),
        (33, 5, 5),
    ] {
        let (o, sent) = fake_run(n, window, per_recv, &[]);
        assert_eq!(o.acked, n);
        assert_eq!(o.first_error, None);
        assert_eq!(o.max_outstanding, n.min(window));
        assert_eq!(sent, (0..n).collect::<Vec<_>>());
    }
}

#[test]
fn pipeline_stops_sending_after_an_error() {
    let (o, sent) = fake_run(1000, 8, 2, &[20, 21]);
    // Requests in flight when the error arrives are still answered; nothing new is sent.
    assert!(sent.len() < 40, "sent {} after the error", sent.len());
    assert_eq!(o.first_error, Some((20, 17)));
    assert_eq!(o.acked, sent.len() - 2);
}

#[test]
fn options_parse() {
    let o = parse_args(&[
        "add-flows".into(),
        "br0".into(),
        "-".into(),
        "--window=8".into(),
    ])
    .unwrap();
    assert_eq!(o.window, Some(8));
    let o = parse_args(&[
        "monitor".into(),
        "br0".into(),
        "--count".into(),
        "2.5".into(),
    ])
    .unwrap();
    assert_eq!(o.count, Some(2.5));
    assert!(parse_args(&["--window=0".into()]).is_err());
    assert!(parse_args(&["--count=-1".into()]).is_err());
    // Usage errors exit 2 before touching the kernel.
    assert_eq!(main_with(&["add-flows".into(), "br0".into()]), 2);
    assert_eq!(
        main_with(&[
            "cache-set-size".into(),
            "br0".into(),
            "flow-cache".into(),
            "1".into()
        ]),
        2
    );
    assert_eq!(
        main_with(&[
            "cache-set-size".into(),
            "br0".into(),
            "masks-cache".into(),
            "x".into()
        ]),
        2
    );
}
