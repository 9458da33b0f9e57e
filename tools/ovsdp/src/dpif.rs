//! Datapath, vport, flow and packet requests and their decoded replies
//! (OVS: lib/dpif-netlink.c, `dpif_netlink_dp_*`, `dpif_netlink_vport_*`,
//! `dpif_netlink_flow_*` and `dpif_netlink_operate__` for execute).
//!
//! The `*_msg` functions only build message bodies, so tests can check the
//! exact bytes without a kernel.

use crate::attr::{self, Attr, TooLong};
use crate::key::Flow;
use crate::netlink::{Error, Family, Nl, OvsPayload};
use crate::uapi::*;

/// Datapath as returned by OVS_DP_CMD_GET.
#[derive(Clone, Debug, Default)]
pub struct Dp {
    /// Name (`br0`).
    pub name: String,
    /// `ovs_header.dp_ifindex`.
    pub ifindex: i32,
    /// `struct ovs_dp_stats`: hit, missed, lost, flows.
    pub stats: Option<[u64; 4]>,
    /// `struct ovs_dp_megaflow_stats`: mask_hit, masks, cache_hit.
    pub megaflow: Option<(u64, u32, u64)>,
    /// OVS_DP_F_* features.
    pub user_features: Option<u32>,
    /// Masks cache size.
    pub masks_cache_size: Option<u32>,
}

/// Vport as returned by OVS_VPORT_CMD_GET.
#[derive(Clone, Debug, Default)]
pub struct Vport {
    /// Port number.
    pub port_no: u32,
    /// OVS_VPORT_TYPE_*.
    pub ty: u32,
    /// Name.
    pub name: String,
    /// Upcall PIDs.
    pub upcall_pids: Vec<u32>,
    /// `struct ovs_vport_stats` (rx_packets, tx_packets, rx_bytes, tx_bytes,
    /// rx_errors, tx_errors, rx_dropped, tx_dropped).
    pub stats: Option<[u64; 8]>,
    /// Netdev ifindex, if reported.
    pub ifindex: Option<u32>,
}

/// Name of a vport type as dpif-netlink reports it (`get_vport_type()`).
pub fn vport_type_name(ty: u32) -> String {
    match ty {
        OVS_VPORT_TYPE_NETDEV => "system".into(),
        OVS_VPORT_TYPE_INTERNAL => "internal".into(),
        OVS_VPORT_TYPE_GRE => "gre".into(),
        OVS_VPORT_TYPE_VXLAN => "vxlan".into(),
        OVS_VPORT_TYPE_GENEVE => "geneve".into(),
        n => format!("type{n}"),
    }
}

/// Parses a vport type name (`netdev_vport_get_dpif_port`'s reverse).
pub fn vport_type_from_name(s: &str) -> Option<u32> {
    Some(match s {
        "system" | "netdev" | "" => OVS_VPORT_TYPE_NETDEV,
        "internal" => OVS_VPORT_TYPE_INTERNAL,
        "gre" => OVS_VPORT_TYPE_GRE,
        "vxlan" => OVS_VPORT_TYPE_VXLAN,
        "geneve" => OVS_VPORT_TYPE_GENEVE,
        _ => return None,
    })
}

/// A flow as returned by OVS_FLOW_CMD_GET/NEW/DEL replies and dumps.
#[derive(Clone, Debug, Default)]
pub struct FlowInfo {
    /// Key attributes.
    pub key: Vec<Attr>,
    /// Mask attributes, if sent.
    pub mask: Option<Vec<Attr>>,
    /// Raw actions payload, if sent.
    pub actions: Option<Vec<u8>>,
    /// Packets and bytes.
    pub stats: (u64, u64),
    /// OR of TCP flags seen.
    pub tcp_flags: u8,
    /// Last use, msecs of CLOCK_MONOTONIC (0 = never).
    pub used: u64,
    /// UFID bytes.
    pub ufid: Option<Vec<u8>>,
}

fn u64s<const N: usize>(b: &[u8]) -> Option<[u64; N]> {
    if b.len() < N * 8 {
        return None;
    }
    let mut out = [0u64; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u64::from_ne_bytes(b[i * 8..i * 8 + 8].try_into().ok()?);
    }
    Some(out)
}

/// Decodes an OVS_DP_CMD_* reply.
pub fn parse_dp(p: &OvsPayload) -> Dp {
    let mut d = Dp {
        ifindex: p.dp_ifindex,
        ..Default::default()
    };
    for a in &p.attrs {
        match a.ty() {
            OVS_DP_ATTR_NAME => d.name = a.get_string(),
            OVS_DP_ATTR_STATS => d.stats = u64s::<4>(&a.value),
            OVS_DP_ATTR_MEGAFLOW_STATS if a.value.len() >= 24 => {
                let v = &a.value;
                let hit = u64::from_ne_bytes(v[0..8].try_into().unwrap_or([0; 8]));
                let masks = u32::from_ne_bytes(v[8..12].try_into().unwrap_or([0; 4]));
                let cache = u64::from_ne_bytes(v[16..24].try_into().unwrap_or([0; 8]));
                d.megaflow = Some((hit, masks, cache));
            }
            OVS_DP_ATTR_USER_FEATURES => d.user_features = a.get_u32(),
            OVS_DP_ATTR_MASKS_CACHE_SIZE => d.masks_cache_size = a.get_u32(),
            _ => {}
        }
    }
    d
}

/// Decodes an OVS_VPORT_CMD_* reply.
pub fn parse_vport(p: &OvsPayload) -> Vport {
    let mut v = Vport::default();
    for a in &p.attrs {
        match a.ty() {
            OVS_VPORT_ATTR_PORT_NO => v.port_no = a.get_u32().unwrap_or(0),
            OVS_VPORT_ATTR_TYPE => v.ty = a.get_u32().unwrap_or(0),
            OVS_VPORT_ATTR_NAME => v.name = a.get_string(),
            OVS_VPORT_ATTR_UPCALL_PID => {
                v.upcall_pids = a
                    .value
                    .chunks_exact(4)
                    .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            }
            OVS_VPORT_ATTR_STATS => v.stats = u64s::<8>(&a.value),
            OVS_VPORT_ATTR_IFINDEX => v.ifindex = a.get_u32(),
            _ => {}
        }
    }
    v
}

/// Decodes an OVS_FLOW_CMD_* reply.
pub fn parse_flow_reply(p: &OvsPayload) -> Result<FlowInfo, String> {
    let mut f = FlowInfo::default();
    for a in &p.attrs {
        match a.ty() {
            OVS_FLOW_ATTR_KEY => f.key = a.children()?,
            OVS_FLOW_ATTR_MASK => f.mask = Some(a.children()?),
            OVS_FLOW_ATTR_ACTIONS => f.actions = Some(a.value.clone()),
            OVS_FLOW_ATTR_STATS => {
                if let Some([p, b]) = u64s::<2>(&a.value) {
                    f.stats = (p, b);
                }
            }
            OVS_FLOW_ATTR_TCP_FLAGS => f.tcp_flags = a.value.first().copied().unwrap_or(0),
            OVS_FLOW_ATTR_USED => f.used = a.get_u64().unwrap_or(0),
            OVS_FLOW_ATTR_UFID => f.ufid = Some(a.value.clone()),
            _ => {}
        }
    }
    Ok(f)
}

/// Body of OVS_DP_CMD_NEW (`dpif_netlink_dp_transact` for create).
pub fn dp_new_msg(name: &str, upcall_pid: u32, features: u32) -> OvsPayload {
    OvsPayload {
        cmd: CMD_NEW,
        version: OVS_DATAPATH_VERSION,
        dp_ifindex: 0,
        attrs: vec![
            Attr::string(OVS_DP_ATTR_NAME, name),
            Attr::u32(OVS_DP_ATTR_UPCALL_PID, upcall_pid),
            Attr::u32(OVS_DP_ATTR_USER_FEATURES, features),
        ],
    }
}

/// Body of a datapath request addressed by name.
pub fn dp_by_name_msg(cmd: u8, name: &str) -> OvsPayload {
    OvsPayload {
        cmd,
        version: OVS_DATAPATH_VERSION,
        dp_ifindex: 0,
        attrs: vec![Attr::string(OVS_DP_ATTR_NAME, name)],
    }
}

/// Body of OVS_VPORT_CMD_NEW.
pub fn vport_new_msg(
    dp_ifindex: i32,
    name: &str,
    ty: u32,
    upcall_pid: u32,
    options: Vec<Attr>,
) -> Result<OvsPayload, TooLong> {
    let mut attrs = vec![
        Attr::u32(OVS_VPORT_ATTR_TYPE, ty),
        Attr::string(OVS_VPORT_ATTR_NAME, name),
    ];
    if !options.is_empty() {
        attrs.push(Attr::nested(OVS_VPORT_ATTR_OPTIONS, &options)?);
    }
    attrs.push(Attr::u32(OVS_VPORT_ATTR_UPCALL_PID, upcall_pid));
    Ok(OvsPayload {
        cmd: CMD_NEW,
        version: OVS_VPORT_VERSION,
        dp_ifindex,
        attrs,
    })
}

/// Body of a vport request addressed by name.
pub fn vport_by_name_msg(cmd: u8, dp_ifindex: i32, name: &str) -> OvsPayload {
    OvsPayload {
        cmd,
        version: OVS_VPORT_VERSION,
        dp_ifindex,
        attrs: vec![Attr::string(OVS_VPORT_ATTR_NAME, name)],
    }
}

/// What identifies a flow in get/del requests.
pub fn flow_ident_attrs(flow: &Flow) -> Result<Vec<Attr>, TooLong> {
    let mut attrs = Vec::new();
    if let Some(u) = flow.ufid {
        attrs.push(Attr::new(OVS_FLOW_ATTR_UFID, u.to_vec()));
    }
    if !flow.key.is_empty() {
        attrs.push(Attr::nested(OVS_FLOW_ATTR_KEY, &flow.key)?);
    }
    Ok(attrs)
}

/// Body of a flow put (`dpif_netlink_init_flow_put` +
/// `dpif_netlink_flow_to_ofpbuf`): NEW when `create`, SET otherwise.
/// Fails when the key, mask or actions do not fit in their attribute.
pub fn flow_put_msg(
    dp_ifindex: i32,
    flow: &Flow,
    actions: &[Attr],
    create: bool,
    clear: bool,
) -> Result<OvsPayload, TooLong> {
    let mut attrs = Vec::new();
    if let Some(u) = flow.ufid {
        attrs.push(Attr::new(OVS_FLOW_ATTR_UFID, u.to_vec()));
    }
    attrs.push(Attr::nested(OVS_FLOW_ATTR_KEY, &flow.key)?);
    attrs.push(Attr::nested(OVS_FLOW_ATTR_MASK, &flow.mask)?);
    attrs.push(Attr::nested(OVS_FLOW_ATTR_ACTIONS, actions)?);
    if clear {
        attrs.push(Attr::flag(OVS_FLOW_ATTR_CLEAR));
    }
    Ok(OvsPayload {
        cmd: if create { CMD_NEW } else { CMD_SET },
        version: OVS_FLOW_VERSION,
        dp_ifindex,
        attrs,
    })
}

/// Body of OVS_PACKET_CMD_EXECUTE; fails when the packet, key or actions
/// do not fit in their attribute.
pub fn execute_msg(
    dp_ifindex: i32,
    packet: &[u8],
    key: &[Attr],
    actions: &[Attr],
) -> Result<OvsPayload, TooLong> {
    attr::check_len(packet.len())?;
    Ok(OvsPayload {
        cmd: OVS_PACKET_CMD_EXECUTE,
        version: OVS_PACKET_VERSION,
        dp_ifindex,
        attrs: vec![
            Attr::new(OVS_PACKET_ATTR_PACKET, packet.to_vec()),
            Attr::nested(OVS_PACKET_ATTR_KEY, key)?,
            Attr::nested(OVS_PACKET_ATTR_ACTIONS, actions)?,
        ],
    })
}

/// A connection to the OVS families.
pub struct Dpif {
    /// The socket.
    pub nl: Nl,
    /// ovs_datapath.
    pub dp_fam: Family,
    vport_fam: Option<Family>,
    flow_fam: Option<Family>,
    packet_fam: Option<Family>,
}

/// Errors of datapath operations with the context to explain them.
#[derive(Debug)]
pub enum DpError {
    /// Transport or kernel error.
    Nl(Error),
    /// Named datapath does not exist.
    NoDatapath(String),
}

impl From<Error> for DpError {
    fn from(e: Error) -> Self {
        DpError::Nl(e)
    }
}

impl From<TooLong> for DpError {
    fn from(e: TooLong) -> Self {
        DpError::Nl(Error::TooLong(e))
    }
}

type R<T> = Result<T, DpError>;

impl Dpif {
    /// Opens the socket and resolves ovs_datapath.
    pub fn open() -> R<Dpif> {
        let mut nl = Nl::open()?;
        let dp_fam = nl.family(OVS_DATAPATH_FAMILY)?;
        Ok(Dpif {
            nl,
            dp_fam,
            vport_fam: None,
            flow_fam: None,
            packet_fam: None,
        })
    }

    fn fam(&mut self, which: &str) -> R<Family> {
        let slot = match which {
            OVS_VPORT_FAMILY => &mut self.vport_fam,
            OVS_FLOW_FAMILY => &mut self.flow_fam,
            _ => &mut self.packet_fam,
        };
        if let Some(f) = slot {
            return Ok(f.clone());
        }
        let f = self.nl.family(which)?;
        *slot = Some(f.clone());
        Ok(f)
    }

    /// Resolves any OVS family (monitor needs multicast ids).
    pub fn family(&mut self, which: &str) -> R<Family> {
        if which == OVS_DATAPATH_FAMILY {
            return Ok(self.dp_fam.clone());
        }
        self.fam(which)
    }

    fn dp_req(&mut self, body: OvsPayload, dump: bool, flags: u16) -> R<Vec<OvsPayload>> {
        let f = self.dp_fam.clone();
        Ok(self.nl.request(&f, dump, flags, body)?)
    }

    /// Creates a datapath.
    pub fn dp_new(&mut self, name: &str, upcall_pid: u32, features: u32) -> R<Dp> {
        let r = self.dp_req(
            dp_new_msg(name, upcall_pid, features),
            false,
            netlink_packet_core::NLM_F_ECHO,
        )?;
        Ok(r.first().map(parse_dp).unwrap_or_default())
    }

    /// Looks a datapath up by name.
    pub fn dp_get(&mut self, name: &str) -> R<Dp> {
        match self.dp_req(dp_by_name_msg(CMD_GET, name), false, 0) {
            Ok(r) => r
                .first()
                .map(parse_dp)
                .ok_or_else(|| DpError::NoDatapath(name.into())),
            Err(DpError::Nl(Error::Errno(e))) if e == libc::ENODEV || e == libc::ENOENT => {
                Err(DpError::NoDatapath(name.into()))
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes a datapath.
    pub fn dp_del(&mut self, name: &str) -> R<()> {
        match self.dp_req(dp_by_name_msg(CMD_DEL, name), false, 0) {
            Err(DpError::Nl(Error::Errno(e))) if e == libc::ENODEV || e == libc::ENOENT => {
                Err(DpError::NoDatapath(name.into()))
            }
            r => r.map(|_| ()),
        }
    }

    /// Sets datapath attributes (upcall pid, features, per-cpu pids).
    pub fn dp_set(&mut self, name: &str, mut extra: Vec<Attr>) -> R<Dp> {
        let mut body = dp_by_name_msg(CMD_SET, name);
        body.attrs.append(&mut extra);
        let r = self.dp_req(body, false, netlink_packet_core::NLM_F_ECHO)?;
        Ok(r.first().map(parse_dp).unwrap_or_default())
    }

    /// Lists datapaths.
    pub fn dp_dump(&mut self) -> R<Vec<Dp>> {
        let body = OvsPayload {
            cmd: CMD_GET,
            version: OVS_DATAPATH_VERSION,
            dp_ifindex: 0,
            attrs: vec![],
        };
        Ok(self.dp_req(body, true, 0)?.iter().map(parse_dp).collect())
    }

    fn vport_req(&mut self, body: OvsPayload, dump: bool, flags: u16) -> R<Vec<OvsPayload>> {
        let f = self.fam(OVS_VPORT_FAMILY)?;
        Ok(self.nl.request(&f, dump, flags, body)?)
    }

    /// Adds a vport.
    pub fn vport_new(
        &mut self,
        dp: &Dp,
        name: &str,
        ty: u32,
        upcall_pid: u32,
        options: Vec<Attr>,
    ) -> R<Vport> {
        let r = self.vport_req(
            vport_new_msg(dp.ifindex, name, ty, upcall_pid, options)?,
            false,
            netlink_packet_core::NLM_F_ECHO,
        )?;
        Ok(r.first().map(parse_vport).unwrap_or_default())
    }

    /// Deletes a vport by name.
    pub fn vport_del(&mut self, dp: &Dp, name: &str) -> R<()> {
        self.vport_req(vport_by_name_msg(CMD_DEL, dp.ifindex, name), false, 0)?;
        Ok(())
    }

    /// Sets vport attributes.
    pub fn vport_set(&mut self, dp: &Dp, name: &str, mut extra: Vec<Attr>) -> R<Vport> {
        let mut body = vport_by_name_msg(CMD_SET, dp.ifindex, name);
        body.attrs.append(&mut extra);
        let r = self.vport_req(body, false, netlink_packet_core::NLM_F_ECHO)?;
        Ok(r.first().map(parse_vport).unwrap_or_default())
    }

    /// Lists a datapath's vports, sorted by port number.
    pub fn vport_dump(&mut self, dp: &Dp) -> R<Vec<Vport>> {
        let body = OvsPayload {
            cmd: CMD_GET,
            version: OVS_VPORT_VERSION,
            dp_ifindex: dp.ifindex,
            attrs: vec![],
        };
        let mut v: Vec<Vport> = self
            .vport_req(body, true, 0)?
            .iter()
            .map(parse_vport)
            .collect();
        v.sort_by_key(|p| p.port_no);
        Ok(v)
    }

    fn flow_req(&mut self, body: OvsPayload, dump: bool, flags: u16) -> R<Vec<OvsPayload>> {
        let f = self.fam(OVS_FLOW_FAMILY)?;
        Ok(self.nl.request(&f, dump, flags, body)?)
    }

    /// Installs or modifies a flow; see `flow_put_msg`. `nlm_create` sets
    /// NLM_F_CREATE (add-flow: fail if the flow exists).
    pub fn flow_put(
        &mut self,
        dp: &Dp,
        flow: &Flow,
        actions: &[Attr],
        create: bool,
        nlm_create: bool,
        clear: bool,
    ) -> R<()> {
        let flags = if nlm_create {
            netlink_packet_core::NLM_F_CREATE
        } else {
            0
        };
        self.flow_req(
            flow_put_msg(dp.ifindex, flow, actions, create, clear)?,
            false,
            flags,
        )?;
        Ok(())
    }

    /// Gets one flow by key or UFID.
    pub fn flow_get(&mut self, dp: &Dp, flow: &Flow) -> R<FlowInfo> {
        let body = OvsPayload {
            cmd: CMD_GET,
            version: OVS_FLOW_VERSION,
            dp_ifindex: dp.ifindex,
            attrs: flow_ident_attrs(flow)?,
        };
        let r = self.flow_req(body, false, 0)?;
        let p = r.first().ok_or(DpError::Nl(Error::Errno(libc::ENOENT)))?;
        parse_flow_reply(p).map_err(|e| DpError::Nl(Error::Msg(e)))
    }

    /// Deletes one flow (or all when `flow` is empty).
    pub fn flow_del(&mut self, dp: &Dp, flow: &Flow) -> R<()> {
        let body = OvsPayload {
            cmd: CMD_DEL,
            version: OVS_FLOW_VERSION,
            dp_ifindex: dp.ifindex,
            attrs: flow_ident_attrs(flow)?,
        };
        self.flow_req(body, false, 0)?;
        Ok(())
    }

    /// Dumps all flows.
    pub fn flow_dump(&mut self, dp: &Dp) -> R<Vec<FlowInfo>> {
        let body = OvsPayload {
            cmd: CMD_GET,
            version: OVS_FLOW_VERSION,
            dp_ifindex: dp.ifindex,
            attrs: vec![],
        };
        let r = self.flow_req(body, true, 0)?;
        r.iter()
            .map(|p| parse_flow_reply(p).map_err(|e| DpError::Nl(Error::Msg(e))))
            .collect()
    }

    /// Executes actions on a packet.
    pub fn execute(&mut self, dp: &Dp, packet: &[u8], key: &[Attr], actions: &[Attr]) -> R<()> {
        let f = self.fam(OVS_PACKET_FAMILY)?;
        self.nl
            .request(&f, false, 0, execute_msg(dp.ifindex, packet, key, actions)?)?;
        Ok(())
    }
}

/// Finds the first attribute of a type (re-export for callers).
pub fn find(attrs: &[Attr], ty: u16) -> Option<&Attr> {
    attr::find(attrs, ty)
}
