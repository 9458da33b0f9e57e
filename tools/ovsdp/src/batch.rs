//! Batched flow installs (`add-flows`): a file of `FLOW ACTIONS` lines sent
//! as pipelined OVS_FLOW_CMD_NEW requests with a bounded window of
//! outstanding ACKs (OVS: `dpif_netlink_operate__` batches flow puts the
//! same way, one transaction per op, many in flight).
//!
//! The text parsing and the windowing are kept free of sockets so that
//! host tests can drive them.

use crate::actions::parse_actions;
use crate::attr::Attr;
use crate::key::{parse_flow, Flow, Ports};

/// One parsed line of an `add-flows` file.
#[derive(Clone, Debug)]
pub struct FlowLine {
    /// 1-based line number in the input (for error messages).
    pub line: usize,
    /// Key, mask, ufid.
    pub flow: Flow,
    /// Action attributes.
    pub actions: Vec<Attr>,
}

/// Parses `FLOW ACTIONS` lines: the flow is the first whitespace-separated
/// token, the actions the rest of the line. Blank lines and lines starting
/// with `#` are skipped. The error names the line.
pub fn parse_flow_lines(text: &str, ports: Option<&Ports>) -> Result<Vec<FlowLine>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let s = raw.trim();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        let (fl, ac) = match s.split_once(char::is_whitespace) {
            Some((f, a)) => (f, a.trim()),
            None => return Err(format!("line {line}: expected FLOW ACTIONS")),
        };
        let flow = parse_flow(fl, ports).map_err(|e| format!("line {line}: bad flow: {e}"))?;
        let actions =
            parse_actions(ac, ports).map_err(|e| format!("line {line}: bad actions: {e}"))?;
        out.push(FlowLine {
            line,
            flow,
            actions,
        });
    }
    Ok(out)
}

/// The kernel's answer to one request of a pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// ACK for the request with this sequence number.
    Ack(u32),
    /// Error (positive errno) for the request with this sequence number.
    Err(u32, i32),
}

/// How a pipeline ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Requests acknowledged without error.
    pub acked: usize,
    /// First failed request: (index into the batch, errno).
    pub first_error: Option<(usize, i32)>,
    /// Most requests ever outstanding at once.
    pub max_outstanding: usize,
}

/// Sends `n` requests keeping at most `window` unanswered. `send(i)` sends
/// request `i` and returns its sequence number; `recv()` blocks for the next
/// answers. Stops sending after the first error, but still collects the
/// answers of what is in flight.
pub fn pipeline<E>(
    n: usize,
    window: usize,
    mut send: impl FnMut(usize) -> Result<u32, E>,
    mut recv: impl FnMut() -> Result<Vec<Answer>, E>,
) -> Result<Outcome, E> {
    let window = window.max(1);
    let mut pending: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    let mut o = Outcome {
        acked: 0,
        first_error: None,
        max_outstanding: 0,
    };
    let mut next = 0;
    while next < n || !pending.is_empty() {
        while next < n && pending.len() < window && o.first_error.is_none() {
            let seq = send(next)?;
            pending.insert(seq, next);
            next += 1;
            o.max_outstanding = o.max_outstanding.max(pending.len());
        }
        if pending.is_empty() {
            break;
        }
        for a in recv()? {
            match a {
                Answer::Ack(seq) => {
                    if pending.remove(&seq).is_some() {
                        o.acked += 1;
                    }
                }
                Answer::Err(seq, e) => {
                    if let Some(i) = pending.remove(&seq) {
                        if o.first_error.is_none_or(|(j, _)| i < j) {
                            o.first_error = Some((i, e));
                        }
                    }
                }
            }
        }
    }
    Ok(o)
}
