//! Generic-netlink transport for the four OVS families, on netlink-sys's
//! sync socket and netlink-packet-core/-generic's framing (OVS:
//! lib/netlink-socket.c and the request helpers of lib/dpif-netlink.c).
//!
//! Every OVS message is a genl header followed by `struct ovs_header`
//! (`int dp_ifindex`) and attributes; [`OvsPayload`] is that body.

use std::fmt;

use netlink_packet_core::{
    DecodeError, Emitable, NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload,
    ParseableParametrized, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::{GenlCtrlAttrs, McastGrpAttrs};
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};

use crate::attr::{self, Attr, TooLong};

/// The body of an OVS genl message: `struct ovs_header` plus attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OvsPayload {
    /// Genl command (`OVS_*_CMD_*`).
    pub cmd: u8,
    /// Genl family version.
    pub version: u8,
    /// `ovs_header.dp_ifindex`.
    pub dp_ifindex: i32,
    /// Attributes.
    pub attrs: Vec<Attr>,
}

impl GenlFamily for OvsPayload {
    fn family_name() -> &'static str {
        // Resolved at run time per message with set_resolved_family_id().
        "ovs"
    }
    fn command(&self) -> u8 {
        self.cmd
    }
    fn version(&self) -> u8 {
        self.version
    }
}

impl Emitable for OvsPayload {
    fn buffer_len(&self) -> usize {
        4 + self.attrs.as_slice().buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        buffer[..4].copy_from_slice(&self.dp_ifindex.to_ne_bytes());
        self.attrs.as_slice().emit(&mut buffer[4..]);
    }
}

impl ParseableParametrized<[u8], GenlHeader> for OvsPayload {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        if buf.len() < 4 {
            return Err(DecodeError::from(
                "OVS message shorter than struct ovs_header",
            ));
        }
        let dp_ifindex = i32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]);
        let attrs = attr::parse(&buf[4..]).map_err(DecodeError::from)?;
        Ok(OvsPayload {
            cmd: header.cmd,
            version: header.version,
            dp_ifindex,
            attrs,
        })
    }
}

/// Serialises a complete netlink message (nlmsghdr + genl + ovs_header +
/// attributes) as it goes on the wire; fails, rather than truncate a
/// length, when an attribute is too long to encode.
pub fn encode(family_id: u16, flags: u16, seq: u32, body: OvsPayload) -> Result<Vec<u8>, Error> {
    attr::check(&body.attrs).map_err(Error::TooLong)?;
    let mut genl = GenlMessage::from_payload(body);
    genl.set_resolved_family_id(family_id);
    let mut msg = NetlinkMessage::from(genl);
    msg.header.flags = flags;
    msg.header.sequence_number = seq;
    msg.finalize();
    let mut buf = vec![0u8; msg.buffer_len()];
    msg.serialize(&mut buf);
    Ok(buf)
}

/// Decodes one netlink datagram into OVS messages (family id, payload).
pub fn decode_all(buf: &[u8]) -> Result<Vec<Reply>, Error> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + 16 <= buf.len() {
        let nb = NetlinkBuffer::new_checked(&buf[off..])
            .map_err(|e| Error::Msg(format!("bad netlink reply: {e}")))?;
        let len = nb.length() as usize;
        if len < 16 {
            break;
        }
        let msg = NetlinkMessage::<GenlMessage<OvsPayload>>::deserialize(&buf[off..off + len])
            .map_err(|e| Error::Msg(format!("bad netlink reply: {e}")))?;
        let (hdr, payload) = msg.into_parts();
        out.push(match payload {
            NetlinkPayload::InnerMessage(g) => Reply::Msg(hdr, g.resolved_family_id(), g.payload),
            NetlinkPayload::Error(e) => match e.code {
                None => Reply::Ack(hdr),
                Some(c) => Reply::Err(hdr, -c.get()),
            },
            NetlinkPayload::Done(_) => Reply::Done(hdr),
            _ => Reply::Other,
        });
        off += (len + 3) & !3;
    }
    Ok(out)
}

/// One decoded netlink message.
#[derive(Debug)]
pub enum Reply {
    /// An OVS message: header, family id, body.
    Msg(NetlinkHeader, u16, OvsPayload),
    /// An ACK.
    Ack(NetlinkHeader),
    /// An error with positive errno.
    Err(NetlinkHeader, i32),
    /// End of dump.
    Done(NetlinkHeader),
    /// Noop/overrun.
    Other,
}

/// Transport errors.
#[derive(Debug)]
pub enum Error {
    /// The kernel answered with this (positive) errno.
    Errno(i32),
    /// The family is not registered.
    NoFamily(String),
    /// Socket or decoding failure.
    Msg(String),
    /// A request attribute too long to encode.
    TooLong(TooLong),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Errno(e) => write!(f, "{}", std::io::Error::from_raw_os_error(*e)),
            Error::NoFamily(n) => write!(f, "no {n} family: is openvswitch_rs loaded?"),
            Error::Msg(m) => write!(f, "{m}"),
            Error::TooLong(e) => write!(f, "request attribute too long: {e}"),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        match e.raw_os_error() {
            Some(n) => Error::Errno(n),
            None => Error::Msg(e.to_string()),
        }
    }
}

/// A resolved genl family.
#[derive(Clone, Debug)]
pub struct Family {
    /// Name.
    pub name: String,
    /// Dynamic id.
    pub id: u16,
    /// Multicast groups (name, id).
    pub mcast: Vec<(String, u32)>,
}

/// A generic-netlink socket.
pub struct Nl {
    sock: Socket,
    seq: u32,
    /// Our netlink port id (what upcalls are addressed to).
    pub pid: u32,
}

impl Nl {
    /// Opens and binds a NETLINK_GENERIC socket.
    pub fn open() -> Result<Nl, Error> {
        let mut sock = Socket::new(NETLINK_GENERIC)?;
        let addr = sock.bind_auto()?;
        sock.connect(&SocketAddr::new(0, 0))?;
        // Large dumps and upcall bursts; failure only means smaller buffers.
        let _ = sock.set_rx_buf_sz(1 << 20);
        let _ = sock.set_ext_ack(true);
        Ok(Nl {
            sock,
            seq: 1,
            pid: addr.port_number(),
        })
    }

    /// The underlying socket (for multicast membership and timeouts).
    pub fn socket(&self) -> &Socket {
        &self.sock
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Resolves a genl family by name (CTRL_CMD_GETFAMILY).
    pub fn family(&mut self, name: &str) -> Result<Family, Error> {
        let mut genl = GenlMessage::from_payload(GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(name.to_string())],
        });
        genl.finalize();
        let mut msg = NetlinkMessage::from(genl);
        msg.header.flags = NLM_F_REQUEST | NLM_F_ACK;
        msg.header.sequence_number = self.next_seq();
        msg.finalize();
        let mut buf = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut buf);
        self.sock.send(&buf, 0)?;
        let mut fam = None;
        loop {
            let (data, _) = self.sock.recv_from_full()?;
            let mut off = 0;
            let mut done = false;
            while off + 16 <= data.len() {
                let len = NetlinkBuffer::new_checked(&data[off..])
                    .map_err(|e| Error::Msg(e.to_string()))?
                    .length() as usize;
                let m = NetlinkMessage::<GenlMessage<GenlCtrl>>::deserialize(&data[off..off + len])
                    .map_err(|e| Error::Msg(format!("bad nlctrl reply: {e}")))?;
                match m.payload {
                    NetlinkPayload::InnerMessage(g) => {
                        let mut f = Family {
                            name: name.to_string(),
                            id: 0,
                            mcast: Vec::new(),
                        };
                        for a in g.payload.nlas {
                            match a {
                                GenlCtrlAttrs::FamilyId(id) => f.id = id,
                                GenlCtrlAttrs::McastGroups(groups) => {
                                    for g in groups {
                                        let (mut n, mut i) = (String::new(), 0);
                                        for ga in g {
                                            match ga {
                                                McastGrpAttrs::Name(s) => n = s,
                                                McastGrpAttrs::Id(x) => i = x,
                                            }
                                        }
                                        f.mcast.push((n, i));
                                    }
                                }
                                _ => {}
                            }
                        }
                        fam = Some(f);
                    }
                    NetlinkPayload::Error(e) => {
                        done = true;
                        if let Some(c) = e.code {
                            let errno = -c.get();
                            if errno == libc::ENOENT {
                                return Err(Error::NoFamily(name.to_string()));
                            }
                            return Err(Error::Errno(errno));
                        }
                    }
                    _ => done = true,
                }
                off += (len + 3) & !3;
            }
            if done {
                break;
            }
        }
        fam.ok_or_else(|| Error::NoFamily(name.to_string()))
    }

    /// Sends one request and collects the replies until the ACK (or the end
    /// of a dump when `dump`).
    pub fn request(
        &mut self,
        fam: &Family,
        dump: bool,
        extra_flags: u16,
        body: OvsPayload,
    ) -> Result<Vec<OvsPayload>, Error> {
        let seq = self.next_seq();
        // Dumps end with NLMSG_DONE; other requests with an ACK.
        let flags = NLM_F_REQUEST | extra_flags | if dump { NLM_F_DUMP } else { NLM_F_ACK };
        let buf = encode(fam.id, flags, seq, body)?;
        self.sock.send(&buf, 0)?;
        let mut out = Vec::new();
        loop {
            let (data, _) = self.sock.recv_from_full()?;
            for r in decode_all(&data)? {
                match r {
                    Reply::Msg(h, _, p) if h.sequence_number == seq => out.push(p),
                    Reply::Ack(h) if h.sequence_number == seq => return Ok(out),
                    Reply::Done(h) if h.sequence_number == seq && dump => return Ok(out),
                    Reply::Err(h, e) if h.sequence_number == seq => return Err(Error::Errno(e)),
                    _ => {}
                }
            }
        }
    }

    /// Sends one request with NLM_F_ACK without waiting for the answer
    /// (pipelined batches); returns its sequence number.
    pub fn send_request(
        &mut self,
        fam: &Family,
        extra_flags: u16,
        body: OvsPayload,
    ) -> Result<u32, Error> {
        let seq = self.next_seq();
        let buf = encode(fam.id, NLM_F_REQUEST | NLM_F_ACK | extra_flags, seq, body)?;
        self.sock.send(&buf, 0)?;
        Ok(seq)
    }

    /// Receives the next datagram and decodes it (monitor).
    pub fn recv(&mut self) -> Result<Vec<Reply>, Error> {
        let (data, _) = self.sock.recv_from_full()?;
        decode_all(&data)
    }
}
