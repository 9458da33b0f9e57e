#!/usr/bin/python3
"""A compact client for the four Open vSwitch generic-netlink families, for the VM tests.

Written from include/uapi/linux/openvswitch.h and net/openvswitch/datapath.c; independent of
both our module's code and upstream's ovs-dpctl.py. It speaks generic netlink itself, over a
plain AF_NETLINK socket: the families and multicast groups are resolved with nlctrl's
CTRL_CMD_GETFAMILY, and messages are packed and parsed byte by byte with struct (fast enough
for 100k flows under TCG, and exact about the ABI). It does not import pyroute2: that import
alone took 10-16 s of every test process's start under TCG on the debug kernel.

Library:
    ovs = Ovs()
    ovs.dp_new("dp0", upcall_pid=0) ... ovs.flow_new(dpif, key, actions, mask=..., ufid=...)
    Errors raise NlError (.errno).
Keys and masks are dicts, e.g.
    {"in_port": 1, "eth": {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"},
     "eth_type": 0x0800, "ipv4": {"src": "10.0.0.1", "dst": "10.0.0.2", "proto": 17,
     "tos": 0, "ttl": 64, "frag": 0}, "udp": {"src": 1000, "dst": 2000}}
(missing struct fields are 0). Actions are lists: ["output", 1], ["drop", 0],
["userspace", {"pid": N, "userdata": b".."}], ["push_vlan", {"tpid": 0x8100, "tci": 0x1064}],
["pop_vlan"], ["clone", [actions...]], ["recirc", N], ["trunc", N].

CLI:
    ovs_client.py scenario NAME [ARGS...]   run a whole test scenario in this process; prints
                                            "ok - ..." / "not ok - ..." lines, exits 1 on failure
    ovs_client.py serve DIR                 run scenarios requested through the fifos DIR/req
                                            and DIR/rep (see serve()), one interpreter for all
    ovs_client.py dp-new NAME | dp-del NAME | dp-get NAME | dp-dump | vport-dump DP |
                  flow-dump DP | flow-flush DP
"""
import errno
import ipaddress
import json
import select
import socket
import struct
import subprocess
import sys
import time

# --- netlink and ABI numbers -------------------------------------------------------------------

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 0x1, 0x2, 0x4, 0x8
NLM_F_ROOT, NLM_F_MATCH = 0x100, 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3FFF
SO_RCVBUFFORCE = 33
SOL_NETLINK, NETLINK_ADD_MEMBERSHIP = 270, 1
NETLINK_GENERIC = 16

CMD_NEW, CMD_DEL, CMD_GET, CMD_SET = 1, 2, 3, 4
PACKET_CMD_MISS, PACKET_CMD_ACTION, PACKET_CMD_EXECUTE = 1, 2, 3

# Family versions as upstream userspace sends them.
VERSION = {"ovs_datapath": 2, "ovs_vport": 1, "ovs_flow": 1, "ovs_packet": 1}

DP_ATTR = dict(name=1, upcall_pid=2, stats=3, megaflow_stats=4, user_features=5, pad=6,
               masks_cache_size=7, per_cpu_pids=8, ifindex=9)
VPORT_ATTR = dict(port_no=1, type=2, name=3, options=4, upcall_pid=5, stats=6, pad=7,
                  ifindex=8, netnsid=9, upcall_stats=10)
VPORT_TYPE = {"netdev": 1, "internal": 2, "gre": 3, "vxlan": 4, "geneve": 5}
FLOW_ATTR = dict(key=1, actions=2, stats=3, tcp_flags=4, used=5, clear=6, mask=7, probe=8,
                 ufid=9, ufid_flags=10, pad=11)
UFID_F_OMIT_KEY, UFID_F_OMIT_MASK, UFID_F_OMIT_ACTIONS = 1, 2, 4
PACKET_ATTR = dict(packet=1, key=2, actions=3, userdata=4, egress_tun_key=5, probe=8, mru=9,
                   len=10, hash=11)

KEY = dict(encap=1, priority=2, in_port=3, eth=4, vlan=5, eth_type=6, ipv4=7, ipv6=8, tcp=9,
           udp=10, icmp=11, icmpv6=12, arp=13, nd=14, skb_mark=15, tunnel=16, sctp=17,
           tcp_flags=18, dp_hash=19, recirc_id=20, mpls=21, ct_state=22, ct_zone=23,
           ct_mark=24, ct_labels=25, ct_orig_tuple_ipv4=26, ct_orig_tuple_ipv6=27, nsh=28)
KEY_NAME = {v: k for k, v in KEY.items()}

ACTION = dict(output=1, userspace=2, set=3, push_vlan=4, pop_vlan=5, sample=6, recirc=7,
              hash=8, push_mpls=9, pop_mpls=10, set_masked=11, ct=12, trunc=13, push_eth=14,
              pop_eth=15, ct_clear=16, push_nsh=17, pop_nsh=18, meter=19, clone=20,
              check_pkt_len=21, add_mpls=22, dec_ttl=23, drop=24, psample=25)
ACTION_NAME = {v: k for k, v in ACTION.items()}
USERSPACE_ATTR = dict(pid=1, userdata=2, egress_tun_port=3, actions=4)


class NlError(Exception):
    def __init__(self, code, what=""):
        super().__init__(f"{what}: {errno.errorcode.get(code, code)} ({code})")
        self.errno = code


# --- attribute codec ---------------------------------------------------------------------------

def nla(atype, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, atype) + payload + b"\0" * ((4 - n % 4) % 4)


def nla_u8(t, v):
    return nla(t, struct.pack("=B", v))


def nla_u16(t, v):
    return nla(t, struct.pack("=H", v))


def nla_be16(t, v):
    return nla(t, struct.pack("!H", v))


def nla_u32(t, v):
    return nla(t, struct.pack("=I", v))


def nla_str(t, s):
    return nla(t, s.encode() + b"\0")


def nla_nest(t, body):
    # Upstream userspace nests without NLA_F_NESTED; the kernel accepts either.
    return nla(t, body)


def parse_attrs(buf, off=0, end=None):
    """[(type, payload bytes)] in order."""
    end = len(buf) if end is None else end
    out = []
    while off + 4 <= end:
        n, t = struct.unpack_from("=HH", buf, off)
        if n < 4:
            break
        out.append((t & NLA_TYPE_MASK, bytes(buf[off + 4:off + n])))
        off += (n + 3) & ~3
    return out


def mac_b(s):
    return bytes(int(x, 16) for x in s.split(":"))


def mac_s(b):
    return ":".join(f"{x:02x}" for x in b)


def ip4_b(s):
    return ipaddress.IPv4Address(s).packed


def ip4_s(b):
    return str(ipaddress.IPv4Address(b))


# --- flow keys ---------------------------------------------------------------------------------

def encode_key(k):
    """A key (or mask) dict to OVS_KEY_ATTR_* attributes, in attribute-number order."""
    out = b""
    for name, t in sorted(KEY.items(), key=lambda kv: kv[1]):
        if name not in k:
            continue
        v = k[name]
        if name in ("priority", "in_port", "skb_mark", "dp_hash", "recirc_id", "ct_state",
                    "ct_mark"):
            out += nla_u32(t, v)
        elif name in ("eth_type", "vlan", "tcp_flags"):
            out += nla_be16(t, v)
        elif name == "ct_zone":
            out += nla_u16(t, v)
        elif name == "eth":
            out += nla(t, mac_b(v.get("src", "00:00:00:00:00:00")) +
                       mac_b(v.get("dst", "00:00:00:00:00:00")))
        elif name == "ipv4":
            out += nla(t, ip4_b(v.get("src", "0.0.0.0")) + ip4_b(v.get("dst", "0.0.0.0")) +
                       struct.pack("=BBBB", v.get("proto", 0), v.get("tos", 0),
                                   v.get("ttl", 0), v.get("frag", 0)))
        elif name in ("tcp", "udp", "sctp"):
            out += nla(t, struct.pack("!HH", v.get("src", 0), v.get("dst", 0)))
        elif name in ("icmp", "icmpv6"):
            out += nla(t, struct.pack("=BB", v.get("type", 0), v.get("code", 0)))
        elif name == "arp":
            out += nla(t, ip4_b(v.get("sip", "0.0.0.0")) + ip4_b(v.get("tip", "0.0.0.0")) +
                       struct.pack("!H", v.get("op", 0)) +
                       mac_b(v.get("sha", "00:00:00:00:00:00")) +
                       mac_b(v.get("tha", "00:00:00:00:00:00")) + b"\0\0")
        elif name == "encap":
            out += nla_nest(t, encode_key(v))
        elif isinstance(v, (bytes, bytearray)):
            out += nla(t, bytes(v))
        else:
            raise ValueError(f"cannot encode key field {name}")
    return out


def decode_key(buf):
    k = {}
    for t, p in parse_attrs(buf):
        name = KEY_NAME.get(t, f"attr{t}")
        if name in ("priority", "in_port", "skb_mark", "dp_hash", "recirc_id", "ct_state",
                    "ct_mark") and len(p) == 4:
            k[name] = struct.unpack("=I", p)[0]
        elif name in ("eth_type", "vlan", "tcp_flags") and len(p) == 2:
            k[name] = struct.unpack("!H", p)[0]
        elif name == "ct_zone" and len(p) == 2:
            k[name] = struct.unpack("=H", p)[0]
        elif name == "eth" and len(p) == 12:
            k[name] = {"src": mac_s(p[:6]), "dst": mac_s(p[6:])}
        elif name == "ipv4" and len(p) == 12:
            proto, tos, ttl, frag = struct.unpack("=BBBB", p[8:])
            k[name] = {"src": ip4_s(p[:4]), "dst": ip4_s(p[4:8]), "proto": proto, "tos": tos,
                       "ttl": ttl, "frag": frag}
        elif name in ("tcp", "udp", "sctp") and len(p) == 4:
            s, d = struct.unpack("!HH", p)
            k[name] = {"src": s, "dst": d}
        elif name in ("icmp", "icmpv6") and len(p) == 2:
            k[name] = {"type": p[0], "code": p[1]}
        elif name == "arp" and len(p) >= 22:
            k[name] = {"sip": ip4_s(p[:4]), "tip": ip4_s(p[4:8]),
                       "op": struct.unpack("!H", p[8:10])[0], "sha": mac_s(p[10:16]),
                       "tha": mac_s(p[16:22])}
        elif name == "encap":
            k[name] = decode_key(p)
        else:
            k[name] = p.hex()
    return k


# --- actions -----------------------------------------------------------------------------------

def encode_actions(acts):
    out = b""
    for a in acts:
        name, arg = a[0], (a[1] if len(a) > 1 else None)
        if name == "raw":  # ["raw", type, payload]: anything else, as is
            out += nla(a[1], a[2])
            continue
        t = ACTION[name]
        if name in ("output", "recirc", "trunc", "drop"):
            out += nla_u32(t, arg)
        elif name in ("pop_vlan", "pop_eth", "ct_clear", "pop_nsh"):
            out += nla(t, b"")
        elif name == "push_vlan":
            out += nla(t, struct.pack("!HH", arg.get("tpid", 0x8100), arg["tci"]))
        elif name == "userspace":
            body = nla_u32(USERSPACE_ATTR["pid"], arg["pid"])
            if "userdata" in arg:
                body += nla(USERSPACE_ATTR["userdata"], bytes(arg["userdata"]))
            out += nla_nest(t, body)
        elif name == "clone":
            out += nla_nest(t, encode_actions(arg))
        elif name == "set":
            out += nla_nest(t, encode_key(arg))
        else:
            raise ValueError(f"cannot encode action {name}")
    return out


def decode_actions(buf):
    out = []
    for t, p in parse_attrs(buf):
        name = ACTION_NAME.get(t, f"attr{t}")
        if name in ("output", "recirc", "trunc", "drop") and len(p) == 4:
            out.append([name, struct.unpack("=I", p)[0]])
        elif name in ("pop_vlan", "pop_eth", "ct_clear", "pop_nsh") and not p:
            out.append([name])
        elif name == "push_vlan" and len(p) == 4:
            tpid, tci = struct.unpack("!HH", p)
            out.append([name, {"tpid": tpid, "tci": tci}])
        elif name == "userspace":
            u = {}
            for ut, up in parse_attrs(p):
                if ut == USERSPACE_ATTR["pid"]:
                    u["pid"] = struct.unpack("=I", up)[0]
                elif ut == USERSPACE_ATTR["userdata"]:
                    u["userdata"] = up.hex()
                else:
                    u[f"attr{ut}"] = up.hex()
            out.append([name, u])
        elif name == "clone":
            out.append([name, decode_actions(p)])
        elif name == "set":
            out.append([name, decode_key(p)])
        else:
            out.append([name, p.hex()])
    return out


def normalize_actions(acts):
    """Encoded-then-decoded form of an action list, to compare with what the kernel returns."""
    return decode_actions(encode_actions(acts))


# --- messages ----------------------------------------------------------------------------------

class Msg:
    """A parsed generic-netlink OVS message."""

    def __init__(self, family, nltype, flags, seq, pid, cmd, version, dpifindex, attrs):
        self.family, self.nltype, self.flags, self.seq, self.pid = family, nltype, flags, seq, pid
        self.cmd, self.version, self.dpifindex = cmd, version, dpifindex
        self.attrs = attrs  # [(type, bytes)]

    def raw(self, t):
        for at, p in self.attrs:
            if at == t:
                return p
        return None

    def has(self, t):
        return any(at == t for at, _ in self.attrs)

    def decode(self):
        return DECODERS[self.family](self)


def _u32(p):
    return None if p is None else struct.unpack("=I", p)[0]


def decode_dp(m):
    d = {"cmd": m.cmd, "dpifindex": m.dpifindex, "attrs": sorted(t for t, _ in m.attrs)}
    p = m.raw(DP_ATTR["name"])
    if p is not None:
        d["name"] = p.rstrip(b"\0").decode()
    p = m.raw(DP_ATTR["stats"])
    if p is not None:
        d["stats"] = dict(zip(("hit", "missed", "lost", "flows"), struct.unpack("=4Q", p[:32])))
    p = m.raw(DP_ATTR["megaflow_stats"])
    if p is not None:
        mh, nm, _, ch, _ = struct.unpack("=QIIQQ", p[:32])
        d["megaflow_stats"] = {"mask_hit": mh, "masks": nm, "cache_hit": ch}
    for f in ("user_features", "masks_cache_size", "upcall_pid"):
        v = _u32(m.raw(DP_ATTR[f]))
        if v is not None:
            d[f] = v
    p = m.raw(DP_ATTR["per_cpu_pids"])
    if p is not None:
        d["per_cpu_pids"] = list(struct.unpack(f"={len(p) // 4}I", p))
    return d


VPORT_STATS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
               "rx_dropped", "tx_dropped")


def decode_vport(m):
    d = {"cmd": m.cmd, "dpifindex": m.dpifindex, "attrs": sorted(t for t, _ in m.attrs)}
    for f in ("port_no", "type", "ifindex"):
        v = _u32(m.raw(VPORT_ATTR[f]))
        if v is not None:
            d[f] = v
    p = m.raw(VPORT_ATTR["netnsid"])
    if p is not None:
        d["netnsid"] = struct.unpack("=i", p)[0]
    p = m.raw(VPORT_ATTR["name"])
    if p is not None:
        d["name"] = p.rstrip(b"\0").decode()
    p = m.raw(VPORT_ATTR["upcall_pid"])
    if p is not None:
        d["upcall_pid"] = list(struct.unpack(f"={len(p) // 4}I", p))
    p = m.raw(VPORT_ATTR["stats"])
    if p is not None:
        d["stats"] = dict(zip(VPORT_STATS, struct.unpack("=8Q", p[:64])))
    p = m.raw(VPORT_ATTR["upcall_stats"])
    if p is not None:
        u = {}
        for t, q in parse_attrs(p):
            u[{0: "success", 1: "fail"}.get(t, f"attr{t}")] = struct.unpack("=Q", q)[0]
        d["upcall_stats"] = u
    return d


def decode_flow(m):
    d = {"cmd": m.cmd, "dpifindex": m.dpifindex, "attrs": sorted(t for t, _ in m.attrs)}
    p = m.raw(FLOW_ATTR["ufid"])
    if p is not None:
        d["ufid"] = p.hex()
    p = m.raw(FLOW_ATTR["key"])
    if p is not None:
        d["key"] = decode_key(p)
    p = m.raw(FLOW_ATTR["mask"])
    if p is not None:
        d["mask"] = decode_key(p)
    p = m.raw(FLOW_ATTR["actions"])
    if p is not None:
        d["actions"] = decode_actions(p)
    p = m.raw(FLOW_ATTR["stats"])
    if p is not None:
        d["stats"] = dict(zip(("packets", "bytes"), struct.unpack("=QQ", p[:16])))
    p = m.raw(FLOW_ATTR["used"])
    if p is not None:
        d["used"] = struct.unpack("=Q", p)[0]
    p = m.raw(FLOW_ATTR["tcp_flags"])
    if p is not None:
        d["tcp_flags"] = p[0]
    return d


def decode_packet(m):
    d = {"cmd": m.cmd, "dpifindex": m.dpifindex, "attrs": sorted(t for t, _ in m.attrs)}
    p = m.raw(PACKET_ATTR["packet"])
    if p is not None:
        d["packet"] = p
    p = m.raw(PACKET_ATTR["key"])
    if p is not None:
        d["key"] = decode_key(p)
    p = m.raw(PACKET_ATTR["userdata"])
    if p is not None:
        d["userdata"] = p
    p = m.raw(PACKET_ATTR["actions"])
    if p is not None:
        d["actions"] = decode_actions(p)
    return d


DECODERS = {"ovs_datapath": decode_dp, "ovs_vport": decode_vport, "ovs_flow": decode_flow,
            "ovs_packet": decode_packet}


def _parse_stream(buf, fam_by_id):
    """Yield (nltype, flags, seq, pid, payload offset, end) for each nlmsg in a datagram."""
    off = 0
    while off + 16 <= len(buf):
        n, t, f, s, p = struct.unpack_from("=IHHII", buf, off)
        if n < 16:
            break
        yield t, f, s, p, off + 16, off + n
        off += (n + 3) & ~3


# nlctrl (include/uapi/linux/genetlink.h): the family that names the others.
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_MCAST_GROUPS = 1, 2, 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2


def genl_socket():
    """A generic-netlink socket bound to a kernel-assigned portid."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    return sock


def resolve_family(sock, name, timeout=30.0):
    """(id, {group name: group id}) of the generic-netlink family NAME, asked of nlctrl on
    SOCK. Like every lookup by name (genl ctrl get, pyroute2's bind), it makes the kernel
    autoload the module that aliases the family. Raises NlError (ENOENT: no such family)."""
    seq = int(time.monotonic() * 1000) & 0x7FFFFFFF
    body = struct.pack("=BBH", CTRL_CMD_GETFAMILY, 1, 0) + nla(CTRL_ATTR_FAMILY_NAME,
                                                                 name.encode() + b"\0")
    sock.sendto(struct.pack("=IHHII", 16 + len(body), GENL_ID_CTRL, NLM_F_REQUEST, seq, 0) +
                body, (0, 0))
    deadline = time.monotonic() + timeout
    while True:
        r, _, _ = select.select([sock.fileno()], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            raise NlError(errno.ETIMEDOUT, f"nlctrl getfamily {name}")
        buf = sock.recv(1 << 16)
        for t, _, s, _, start, end in _parse_stream(buf, {}):
            if s == seq and t == NLMSG_ERROR:
                raise NlError(-struct.unpack_from("=i", buf, start)[0],
                              f"nlctrl getfamily {name}")
            if s == seq and t == GENL_ID_CTRL:
                fid, groups = None, {}
                for at, q in parse_attrs(buf[start + 4:end]):
                    if at == CTRL_ATTR_FAMILY_ID:
                        fid = struct.unpack_from("=H", q)[0]
                    elif at == CTRL_ATTR_MCAST_GROUPS:
                        for _, g in parse_attrs(q):
                            ga = dict(parse_attrs(g))
                            groups[ga[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()] = \
                                struct.unpack_from("=I", ga[CTRL_ATTR_MCAST_GRP_ID])[0]
                return fid, groups


class Ovs:
    """One generic-netlink socket for requests, with the four families resolved."""

    def __init__(self, families=("ovs_datapath", "ovs_vport", "ovs_flow", "ovs_packet")):
        self.sock = genl_socket()
        self.ids, self.groups = {}, {}
        for f in families:
            self.ids[f], self.groups[f] = resolve_family(self.sock, f)
        self.fam_by_id = {v: k for k, v in self.ids.items()}
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
        self.portid = self.sock.getsockname()[0]
        self.seq = int(time.time()) & 0xFFFF
        self.last_seq = None
        self.dump_recvs = 0  # datagrams the last dump took

    def close(self):
        self.sock.close()

    def _pack(self, family, cmd, attrs, flags, dpifindex, version=None):
        self.seq += 1
        ver = VERSION[family] if version is None else version
        body = struct.pack("=BBHi", cmd, ver, 0, dpifindex) + attrs
        return self.seq, struct.pack("=IHHII", 16 + len(body), self.ids[family], flags,
                                     self.seq, 0) + body

    def _recv(self, timeout=30.0):
        r, _, _ = select.select([self.sock.fileno()], [], [], timeout)
        if not r:
            raise TimeoutError("no netlink reply")
        return self.sock.recv(1 << 20)

    def _msg(self, buf, t, f, s, p, start, end):
        cmd, ver, _, dpif = struct.unpack_from("=BBHi", buf, start)
        return Msg(self.fam_by_id.get(t, t), t, f, s, p, cmd, ver, dpif,
                   parse_attrs(buf, start + 8, end))

    def request(self, family, cmd, attrs=b"", flags=0, dpifindex=0, dump=False, version=None):
        """Send one request; returns the list of reply messages (the ACK is not one of them).
        Raises NlError on a netlink error."""
        flags |= NLM_F_REQUEST | (NLM_F_DUMP if dump else NLM_F_ACK)
        seq, data = self._pack(family, cmd, attrs, flags, dpifindex, version)
        self.last_seq = seq
        self.sock.sendto(data, (0, 0))
        out = []
        self.dump_recvs = 0
        while True:
            buf = self._recv()
            self.dump_recvs += 1
            for t, f, s, p, start, end in _parse_stream(buf, self.fam_by_id):
                if s != seq:
                    continue  # a stale reply
                if t == NLMSG_ERROR:
                    code = -struct.unpack_from("=i", buf, start)[0]
                    if code:
                        raise NlError(code, f"{family} cmd {cmd}")
                    return out
                if t == NLMSG_DONE:
                    code = -struct.unpack_from("=i", buf, start)[0] if end - start >= 4 else 0
                    if code:
                        raise NlError(code, f"{family} dump")
                    return out
                out.append(self._msg(buf, t, f, s, p, start, end))

    def batch(self, family, reqs, chunk=256):
        """Many (cmd, attrs, flags, dpifindex) requests, `chunk` per datagram, each acked.
        Returns the list of errnos (0 for success), in order."""
        errs = []
        for i in range(0, len(reqs), chunk):
            part = reqs[i:i + chunk]
            data, seqs = b"", {}
            for j, (cmd, attrs, flags, dpif) in enumerate(part):
                seq, d = self._pack(family, cmd, attrs, flags | NLM_F_REQUEST | NLM_F_ACK, dpif)
                data += d
                seqs[seq] = j
            res = [None] * len(part)
            self.sock.sendto(data, (0, 0))
            left = len(part)
            while left:
                buf = self._recv()
                for t, f, s, p, start, end in _parse_stream(buf, self.fam_by_id):
                    if t == NLMSG_ERROR and s in seqs and res[seqs[s]] is None:
                        res[seqs[s]] = -struct.unpack_from("=i", buf, start)[0]
                        left -= 1
            errs += res
        return errs

    # --- datapaths
    def dp_new(self, name, upcall_pid=0, user_features=None, masks_cache_size=None, flags=0,
               version=None, with_pid=True, per_cpu_pids=None):
        a = nla_str(DP_ATTR["name"], name)
        if with_pid:
            a += nla_u32(DP_ATTR["upcall_pid"], upcall_pid)
        if user_features is not None:
            a += nla_u32(DP_ATTR["user_features"], user_features)
        if per_cpu_pids is not None:
            a += nla(DP_ATTR["per_cpu_pids"],
                     struct.pack(f"={len(per_cpu_pids)}I", *per_cpu_pids))
        if masks_cache_size is not None:
            a += nla_u32(DP_ATTR["masks_cache_size"], masks_cache_size)
        return [m.decode() for m in self.request("ovs_datapath", CMD_NEW, a, flags,
                                                 version=version)]

    def _dp_attrs(self, name):
        return b"" if name is None else nla_str(DP_ATTR["name"], name)

    def dp_get(self, name=None, dpifindex=0):
        return self.request("ovs_datapath", CMD_GET, self._dp_attrs(name),
                            dpifindex=dpifindex)[0].decode()

    def dp_del(self, name=None, dpifindex=0, flags=0):
        return [m.decode() for m in self.request("ovs_datapath", CMD_DEL, self._dp_attrs(name),
                                                 flags, dpifindex=dpifindex)]

    def dp_set(self, name=None, dpifindex=0, user_features=None, masks_cache_size=None,
               flags=0):
        a = self._dp_attrs(name)
        if user_features is not None:
            a += nla_u32(DP_ATTR["user_features"], user_features)
        if masks_cache_size is not None:
            a += nla_u32(DP_ATTR["masks_cache_size"], masks_cache_size)
        return [m.decode() for m in self.request("ovs_datapath", CMD_SET, a, flags,
                                                 dpifindex=dpifindex)]

    def dp_dump(self):
        return [m.decode() for m in self.request("ovs_datapath", CMD_GET, dump=True)]

    def dpif(self, name):
        return self.dp_get(name)["dpifindex"]

    # --- vports
    def vport_new(self, dpifindex, name, vtype="netdev", upcall_pids=(0,), port_no=None,
                  flags=0, ifindex=None):
        a = nla_str(VPORT_ATTR["name"], name)
        a += nla_u32(VPORT_ATTR["type"], VPORT_TYPE.get(vtype, vtype))
        a += nla(VPORT_ATTR["upcall_pid"], struct.pack(f"={len(upcall_pids)}I", *upcall_pids))
        if port_no is not None:
            a += nla_u32(VPORT_ATTR["port_no"], port_no)
        if ifindex is not None:
            a += nla_u32(VPORT_ATTR["ifindex"], ifindex)
        r = self.request("ovs_vport", CMD_NEW, a, flags | NLM_F_ECHO, dpifindex)
        return r[0].decode() if r else None

    def _vport_attrs(self, name, port_no):
        a = b""
        if name is not None:
            a += nla_str(VPORT_ATTR["name"], name)
        if port_no is not None:
            a += nla_u32(VPORT_ATTR["port_no"], port_no)
        return a

    def vport_get(self, dpifindex=0, name=None, port_no=None, extra=b""):
        return self.request("ovs_vport", CMD_GET, self._vport_attrs(name, port_no) + extra,
                            dpifindex=dpifindex)[0].decode()

    def vport_del(self, dpifindex=0, name=None, port_no=None):
        return [m.decode() for m in self.request("ovs_vport", CMD_DEL,
                                                 self._vport_attrs(name, port_no),
                                                 dpifindex=dpifindex)]

    def vport_set(self, dpifindex=0, name=None, port_no=None, upcall_pids=None, flags=0):
        a = self._vport_attrs(name, port_no)
        if upcall_pids is not None:
            a += nla(VPORT_ATTR["upcall_pid"],
                     struct.pack(f"={len(upcall_pids)}I", *upcall_pids))
        return [m.decode() for m in self.request("ovs_vport", CMD_SET, a, flags,
                                                 dpifindex=dpifindex)]

    def vport_dump(self, dpifindex):
        return [m.decode() for m in self.request("ovs_vport", CMD_GET, dpifindex=dpifindex,
                                                 dump=True)]

    # --- flows
    @staticmethod
    def flow_attrs(key=None, mask=None, actions=None, ufid=None, ufid_flags=None, clear=False,
                   probe=False):
        a = b""
        if key is not None:
            a += nla_nest(FLOW_ATTR["key"], encode_key(key))
        if actions is not None:
            a += nla_nest(FLOW_ATTR["actions"], encode_actions(actions))
        if clear:
            a += nla(FLOW_ATTR["clear"], b"")
        if mask is not None:
            a += nla_nest(FLOW_ATTR["mask"], encode_key(mask))
        if probe:
            a += nla(FLOW_ATTR["probe"], b"")
        if ufid is not None:
            a += nla(FLOW_ATTR["ufid"], bytes(ufid))
        if ufid_flags is not None:
            a += nla_u32(FLOW_ATTR["ufid_flags"], ufid_flags)
        return a

    def _flow(self, cmd, dpifindex, flags=0, **kw):
        return [m.decode() for m in self.request("ovs_flow", cmd, self.flow_attrs(**kw),
                                                 flags, dpifindex)]

    def flow_new(self, dpifindex, key, actions, flags=0, **kw):
        return self._flow(CMD_NEW, dpifindex, flags, key=key, actions=actions, **kw)

    def flow_set(self, dpifindex, flags=0, **kw):
        return self._flow(CMD_SET, dpifindex, flags, **kw)

    def flow_get(self, dpifindex, **kw):
        return self._flow(CMD_GET, dpifindex, **kw)[0]

    def flow_del(self, dpifindex, flags=0, **kw):
        return self._flow(CMD_DEL, dpifindex, flags, **kw)

    def flow_dump(self, dpifindex, ufid_flags=None, raw=False):
        a = b"" if ufid_flags is None else nla_u32(FLOW_ATTR["ufid_flags"], ufid_flags)
        msgs = self.request("ovs_flow", CMD_GET, a, dpifindex=dpifindex, dump=True)
        return msgs if raw else [m.decode() for m in msgs]

    # --- packets
    def execute(self, dpifindex, packet, key, actions, flags=0, mru=None, hash=None):
        a = nla(PACKET_ATTR["packet"], bytes(packet)) if packet is not None else b""
        if key is not None:
            a += nla_nest(PACKET_ATTR["key"], encode_key(key))
        if actions is not None:
            a += nla_nest(PACKET_ATTR["actions"], encode_actions(actions))
        if mru is not None:
            a += nla_u16(PACKET_ATTR["mru"], mru)
        if hash is not None:
            a += nla(PACKET_ATTR["hash"], struct.pack("=Q", hash))
        return self.request("ovs_packet", PACKET_CMD_EXECUTE, a, flags, dpifindex)


class Listener:
    """A netlink socket that receives upcalls (unicast to its portid) and/or multicast
    notifications of the OVS families."""

    def __init__(self, ovs, groups=()):
        self.ovs = ovs
        self.sock = genl_socket()
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
        self.portid = self.sock.getsockname()[0]
        for fam in groups:
            self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, ovs.groups[fam][fam])

    def close(self):
        self.sock.close()

    def recv(self, timeout=5.0, want=None):
        """Messages until `want(msg)` is true for one (returns it) or the timeout passes
        (returns None). Without `want`, returns every message received within the timeout."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None if want else seen
            r, _, _ = select.select([self.sock.fileno()], [], [], left)
            if not r:
                continue
            buf = self.sock.recv(1 << 20)
            for t, f, s, p, start, end in _parse_stream(buf, self.ovs.fam_by_id):
                if t in (NLMSG_ERROR, NLMSG_DONE) or t not in self.ovs.fam_by_id:
                    continue
                m = self.ovs._msg(buf, t, f, s, p, start, end)
                if want and want(m):
                    return m
                seen.append(m)


# --- packets on the wire -----------------------------------------------------------------------

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload=b"x" * 32, ttl=64,
              tos=0):
    udp_len = 8 + len(payload)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + udp_len, 1, 0, ttl, 17, 0,
                     ip4_b(src_ip), ip4_b(dst_ip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return mac_b(dst_mac) + mac_b(src_mac) + b"\x08\x00" + ip + udp


def udp_key(in_port, src_mac, dst_mac, src_ip, dst_ip, sport, dport, ttl=64, tos=0):
    return {"in_port": in_port, "eth": {"src": src_mac, "dst": dst_mac}, "eth_type": 0x0800,
            "ipv4": {"src": src_ip, "dst": dst_ip, "proto": 17, "tos": tos, "ttl": ttl,
                     "frag": 0},
            "udp": {"src": sport, "dst": dport}}


ETH_P_ALL = 0x0003
SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID = 0x10


class PacketSocket:
    """An AF_PACKET socket on a device, optionally inside a network namespace."""

    def __init__(self, ifname, netns=None):
        if netns:
            from pyroute2.netns import popns, pushns
            pushns(netns)
        try:
            self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
            self.s.bind((ifname, 0))
        finally:
            if netns:
                popns()

    def send(self, frame):
        self.s.send(frame)

    def drain(self):
        while select.select([self.s], [], [], 0)[0]:
            self.s.recv(65536)

    def recv_all(self, timeout=2.0, incoming_only=True, n=None, grace=0.5):
        """Frames received within `timeout`, each as (bytes, vlan_tci or None); with `n`,
        returns `grace` seconds after the n-th (so that extra frames still show)."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            if n is not None and len(out) >= n:
                deadline = min(deadline, time.monotonic() + grace)
                n = None
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            if not select.select([self.s], [], [], left)[0]:
                continue
            data, anc, _, addr = self.s.recvmsg(65536, socket.CMSG_SPACE(20))
            if incoming_only and addr[2] == socket.PACKET_OUTGOING:
                continue
            tci = None
            for lvl, typ, cdata in anc:
                if lvl == SOL_PACKET and typ == PACKET_AUXDATA and len(cdata) >= 20:
                    status = struct.unpack_from("=I", cdata, 0)[0]
                    if status & TP_STATUS_VLAN_VALID:
                        tci = struct.unpack_from("=H", cdata, 16)[0]
            out.append((data, tci))

    def close(self):
        self.s.close()


# --- scenarios ---------------------------------------------------------------------------------

class Tap:
    def __init__(self):
        self.failed = 0
        self.n = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        if cond:
            print(f"ok - {what}", flush=True)
        else:
            self.failed += 1
            print(f"not ok - {what}" + (f": {detail}" if detail is not None else ""),
                  flush=True)
        return cond

    def eq(self, got, want, what):
        return self.ok(got == want, what, f"got {got!r}, want {want!r}")

    def err(self, fn, want, what):
        """fn() must fail with errno `want` (a number or a tuple of numbers)."""
        wants = want if isinstance(want, tuple) else (want,)
        try:
            r = fn()
        except NlError as e:
            names = "/".join(errno.errorcode[w] for w in wants)
            return self.ok(e.errno in wants, f"{what} -> {names}",
                           f"got {errno.errorcode.get(e.errno, e.errno)}")
        return self.ok(False, what, f"succeeded ({r!r}), want an error {wants}")

    def call(self, fn, what):
        """fn() must succeed; returns its result (None on failure)."""
        try:
            r = fn()
        except NlError as e:
            self.ok(False, what, str(e))
            return None
        self.ok(True, what)
        return r


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True)


def ifindex_of(name):
    try:
        with open(f"/sys/class/net/{name}/ifindex") as f:
            return int(f.read())
    except FileNotFoundError:
        return None


def settle(fn, pred, timeout=5.0):
    """fn() once pred(fn()) holds, or its last value after `timeout`: counters are updated
    asynchronously to what the test observes (an upcall, a frame on a peer)."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if pred(v) or time.monotonic() > deadline:
            return v
        time.sleep(0.1)


def dmesg_count(pattern):
    return sh("dmesg").stdout.count(pattern)


MAC1, MAC2 = "02:00:00:00:00:01", "02:00:00:00:00:02"
IP1, IP2 = "10.1.0.1", "10.1.0.2"
UNSAFE = "Flow actions may not be safe on all matching packets"


def flow_key(i=1, in_port=1):
    """Distinct keys for flow tests: ipv4 src varies with i."""
    src = str(ipaddress.IPv4Address(0x0A000000 + i))
    return {"in_port": in_port, "eth": {"src": MAC1, "dst": MAC2}, "eth_type": 0x0800,
            "ipv4": {"src": src, "dst": IP2, "proto": 17, "ttl": 64},
            "udp": {"src": 1000, "dst": 2000}}


# A megaflow mask: in_port, eth and eth_type exact, ipv4 src/dst and proto, udp dst.
MASK = {"in_port": 0xFFFFFFFF, "eth": {"src": "ff:ff:ff:ff:ff:ff", "dst": "ff:ff:ff:ff:ff:ff"},
        "eth_type": 0xFFFF,
        "ipv4": {"src": "255.255.255.255", "dst": "255.255.255.255", "proto": 0xFF},
        "udp": {"dst": 0xFFFF}}


def ufid_of(i):
    return struct.pack("=IIII", 0x5EED0000, i, 0xABCD, i ^ 0xFFFFFFFF)


class DpScope:
    """A datapath for one scenario, deleted at the end whatever happens."""

    def __init__(self, ovs, name, **kw):
        self.ovs, self.name = ovs, name
        try:
            ovs.dp_del(name)  # a leftover from an earlier, interrupted run
        except NlError:
            pass
        ovs.dp_new(name, **kw)
        self.ifindex = ovs.dpif(name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.ovs.dp_del(self.name)
        except NlError:
            pass


def sc_dp(t, ovs, name):
    """Datapath lifecycle: NEW, GET by name and ifindex, dump, SET, DEL, errors."""
    try:
        ovs.dp_del(name)
    except NlError:
        pass
    r = t.call(lambda: ovs.dp_new(name, upcall_pid=0, flags=NLM_F_ECHO), "dp NEW (echo)")
    if r is None:
        return
    try:
        t.eq(len(r), 1, "NEW with NLM_F_ECHO returns one message")
        d = r[0]
        t.eq((d["cmd"], d.get("name")), (CMD_NEW, name), "NEW reply: cmd NEW, the name")
        t.eq(d.get("stats"), {"hit": 0, "missed": 0, "lost": 0, "flows": 0},
             "NEW reply: zero stats")
        t.eq(d.get("megaflow_stats"), {"mask_hit": 0, "masks": 0, "cache_hit": 0},
             "NEW reply: zero megaflow stats")
        t.eq(d.get("user_features"), 0, "NEW reply: user_features 0")
        t.eq(d.get("masks_cache_size"), 256, "NEW reply: masks_cache_size 256 (default)")
        # Upstream's reply attributes: NAME, STATS, MEGAFLOW_STATS, USER_FEATURES,
        # MASKS_CACHE_SIZE (no UPCALL_PID, no PER_CPU_PIDS without the per-cpu feature).
        t.eq(d["attrs"], [1, 3, 4, 5, 7], "NEW reply: attribute set")
        ifx = ifindex_of(name)
        t.ok(ifx is not None, f"local port netdev /sys/class/net/{name} exists")
        t.eq(d["dpifindex"], ifx, "dp_ifindex is the local port's ifindex")
        link = sh(f"ip -d link show {name}").stdout
        t.ok(" openvswitch " in link or "openvswitch" in link, "ip -d link: kind openvswitch",
             link)
        lp = ovs.vport_get(ifx, port_no=0)
        t.eq((lp.get("name"), lp.get("type"), lp.get("port_no"), lp.get("ifindex")),
             (name, VPORT_TYPE["internal"], 0, ifx), "port 0 is the internal local port")

        t.err(lambda: ovs.dp_new(name), errno.EEXIST, "NEW with a duplicate name")
        t.err(lambda: ovs.dp_new(name + "x", with_pid=False), errno.EINVAL,
              "NEW without UPCALL_PID")
        t.err(lambda: ovs.dp_new("lo"), errno.EEXIST,
              "NEW named after an existing netdev (lo)")

        g = ovs.dp_get(name)
        t.eq((g["cmd"], g["name"], g["dpifindex"]), (CMD_GET, name, ifx), "GET by name")
        g = ovs.dp_get(None, dpifindex=ifx)
        t.eq((g["name"], g["dpifindex"]), (name, ifx), "GET by ifindex")
        t.err(lambda: ovs.dp_get(None, dpifindex=ifindex_of("lo")), errno.ENODEV,
              "GET by the ifindex of a netdev that is not a datapath (lo)")
        t.err(lambda: ovs.dp_get("nosuchdp0"), errno.ENODEV, "GET of a missing name")
        t.err(lambda: ovs.dp_get("abcdefghijklmnop"), errno.EINVAL,
              "GET with a 16-byte name (policy: IFNAMSIZ-1)")
        names = [x["name"] for x in ovs.dp_dump()]
        t.eq(names.count(name), 1, "dump lists it once")

        s = ovs.dp_set(name, user_features=3, flags=NLM_F_ECHO)
        t.eq(s[0]["cmd"] if s else None, CMD_SET, "SET echo: cmd SET")
        t.eq(ovs.dp_get(name).get("user_features"), 3, "SET user_features 3 round-trips")
        ovs.dp_set(name, user_features=3, masks_cache_size=1024)
        g = ovs.dp_get(name)
        t.eq((g.get("user_features"), g.get("masks_cache_size")), (3, 1024),
             "SET masks_cache_size 1024 round-trips")
        # Upstream: SET without USER_FEATURES resets the features to 0 (ovs_dp_change).
        ovs.dp_set(name, masks_cache_size=0)
        g = ovs.dp_get(name)
        t.eq((g.get("user_features"), g.get("masks_cache_size")), (0, 0),
             "SET without USER_FEATURES: features reset to 0, masks_cache_size 0 allowed")
        t.err(lambda: ovs.dp_set(name, masks_cache_size=100), errno.EINVAL,
              "SET masks_cache_size 100 (not a power of 2)")
        # Upstream: NLA_POLICY_RANGE(NLA_U32, 0, 4096) refuses with ERANGE.
        t.err(lambda: ovs.dp_set(name, masks_cache_size=8192), errno.ERANGE,
              "SET masks_cache_size 8192 (above the policy's 4096)")
        t.err(lambda: ovs.dp_set(name, user_features=1 << 10), errno.EOPNOTSUPP,
              "SET an unknown user feature")
        t.err(lambda: ovs.dp_set("nosuchdp0", user_features=0), errno.ENODEV,
              "SET of a missing datapath")
        ovs.dp_set(name, user_features=1, masks_cache_size=256)
        t.eq(ovs.dp_get(name, ).get("user_features"), 1, "SET user_features back to 1")
    finally:
        r = t.call(lambda: ovs.dp_del(name, flags=NLM_F_ECHO), "dp DEL (echo)")
    if r:
        t.eq((r[0]["cmd"], r[0]["name"]), (CMD_DEL, name), "DEL reply: cmd DEL, the name")
    t.ok(ifindex_of(name) is None, "local port netdev gone after DEL")
    t.ok(sh(f"ip link show {name}").returncode != 0, "ip link show fails after DEL")
    t.err(lambda: ovs.dp_get(name), errno.ENODEV, "GET after DEL")
    t.err(lambda: ovs.dp_del(name), errno.ENODEV, "DEL after DEL")
    t.ok(name not in [x["name"] for x in ovs.dp_dump()], "dump no longer lists it")


def sc_vport(t, ovs, name, veth_a, veth_b, veth_c, bridged):
    """Vports: netdev and internal NEW, GET, dump, errors, DEL, and detach on netdev deletion."""
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        lsn = Listener(ovs, groups=("ovs_vport",))
        v = t.call(lambda: ovs.vport_new(dpif, veth_a, "netdev", upcall_pids=(1234,)),
                   f"vport NEW netdev {veth_a}")
        if v is None:
            return
        t.eq((v["cmd"], v.get("port_no"), v.get("type"), v.get("name")),
             (CMD_NEW, 1, VPORT_TYPE["netdev"], veth_a),
             "NEW reply: cmd NEW, port 1 (first free), type netdev, the name")
        t.eq(v.get("ifindex"), ifindex_of(veth_a), "NEW reply: the netdev's ifindex")
        t.eq(v.get("upcall_pid"), [1234], "NEW reply: upcall pid")
        t.eq(v["dpifindex"], dpif, "NEW reply: dp_ifindex")
        # Upstream's attributes: PORT_NO TYPE NAME UPCALL_PID STATS IFINDEX UPCALL_STATS.
        t.eq(v["attrs"], [1, 2, 3, 5, 6, 8, 10], "NEW reply: attribute set")
        t.ok(v.get("stats") is not None and set(v["stats"]) == set(VPORT_STATS),
             "NEW reply: stats")
        t.eq(v.get("upcall_stats"), {"success": 0, "fail": 0}, "NEW reply: upcall stats 0")
        link = sh(f"ip -d link show {veth_a}").stdout
        t.ok(f"master {name}" in link, f"ip link: {veth_a} has master {name}", link)
        t.ok("promiscuity 1" in link, f"{veth_a} is promiscuous", link)

        iname = name + "-i"
        i = t.call(lambda: ovs.vport_new(dpif, iname, "internal"), f"vport NEW internal {iname}")
        if i:
            t.eq((i.get("port_no"), i.get("type")), (2, VPORT_TYPE["internal"]),
                 "internal vport: port 2, type internal")
            t.ok(ifindex_of(iname) is not None and i.get("ifindex") == ifindex_of(iname),
                 "internal vport: a netdev with that ifindex")
        b = t.call(lambda: ovs.vport_new(dpif, veth_b, "netdev", port_no=10),
                   f"vport NEW {veth_b} with port_no 10")
        if b:
            t.eq(b.get("port_no"), 10, "requested port number honoured")
        t.err(lambda: ovs.vport_new(dpif, veth_c, "netdev", port_no=10), errno.EBUSY,
              "NEW on a taken port number")
        t.err(lambda: ovs.vport_new(dpif, veth_c, "netdev", port_no=65536), errno.EFBIG,
              "NEW with port_no >= DP_MAX_PORTS")
        c = t.call(lambda: ovs.vport_new(dpif, veth_c, "netdev"), f"vport NEW {veth_c}")
        if c:
            t.eq(c.get("port_no"), 3, "next free port number is 3")

        g = ovs.vport_get(dpif, name=veth_a)
        t.eq((g["cmd"], g.get("port_no"), g.get("type"), g.get("name"), g.get("upcall_pid"),
              g.get("ifindex")),
             (CMD_GET, 1, VPORT_TYPE["netdev"], veth_a, [1234], ifindex_of(veth_a)),
             "GET by name")
        g = ovs.vport_get(0, name=veth_a)
        t.eq(g.get("port_no"), 1, "GET by name with dp_ifindex 0")
        g = ovs.vport_get(dpif, port_no=10)
        t.eq(g.get("name"), veth_b, "GET by port number")
        t.err(lambda: ovs.vport_get(dpif, port_no=77), errno.ENODEV, "GET of a free port")
        t.err(lambda: ovs.vport_get(dpif, name="nosuchport0"), errno.ENODEV,
              "GET of a missing name")
        t.err(lambda: ovs.vport_get(dpif), errno.EINVAL, "GET without name or port")
        t.err(lambda: ovs.vport_get(dpif, name=veth_a,
                                    extra=nla_u32(VPORT_ATTR["ifindex"], 1)),
              errno.EOPNOTSUPP, "GET with IFINDEX")
        dump = {x["port_no"]: (x["name"], x["type"]) for x in ovs.vport_dump(dpif)}
        t.eq(dump, {0: (name, 2), 1: (veth_a, 1), 2: (iname, 2), 10: (veth_b, 1),
                    3: (veth_c, 1)}, "dump lists every port")

        s = ovs.vport_set(dpif, name=veth_a, upcall_pids=[7, 8], flags=NLM_F_ECHO)
        t.eq((s[0]["cmd"], s[0].get("upcall_pid")) if s else None, (CMD_SET, [7]),
             "SET upcall pids (echo): without OVS_DP_F_VPORT_PIDS only the first is shown")
        ovs.dp_set(name, user_features=2)  # OVS_DP_F_VPORT_PIDS
        t.eq(ovs.vport_get(dpif, name=veth_a).get("upcall_pid"), [7, 8],
             "with OVS_DP_F_VPORT_PIDS: all the upcall pids")
        ovs.dp_set(name, user_features=0)

        t.err(lambda: ovs.vport_new(dpif, veth_a, "netdev"), errno.EEXIST,
              "NEW of a netdev already in this datapath")
        t.err(lambda: ovs.vport_new(dpif, iname, "internal"), errno.EEXIST,
              "NEW internal with an existing netdev name")
        t.err(lambda: ovs.vport_new(dpif, "lo", "netdev"), errno.EINVAL, "NEW netdev lo")
        t.err(lambda: ovs.vport_new(dpif, iname, "netdev"), errno.EINVAL,
              "NEW netdev on an OVS internal device")
        t.err(lambda: ovs.vport_new(dpif, "nosuchdev0", "netdev"), errno.ENODEV,
              "NEW netdev on a missing device")
        t.err(lambda: ovs.vport_new(dpif, veth_c, "netdev", ifindex=5), errno.EOPNOTSUPP,
              "NEW netdev with IFINDEX")
        t.err(lambda: ovs.vport_new(12345678, "whatever0", "internal"), errno.ENODEV,
              "NEW in a missing datapath")
        with DpScope(ovs, name + "b") as dp2:
            t.err(lambda: ovs.vport_new(dp2.ifindex, veth_a, "netdev"), errno.EBUSY,
                  "NEW of a netdev enslaved to another datapath")
            t.err(lambda: ovs.vport_get(dp2.ifindex, name=veth_a), errno.ENODEV,
                  "GET by name with another datapath's dp_ifindex")
        t.err(lambda: ovs.dp_get(veth_a), errno.ENODEV,
              "dp GET by the name of a vport that is not a local port")
        if bridged:
            t.err(lambda: ovs.vport_new(dpif, bridged, "netdev"), errno.EBUSY,
                  f"NEW of a netdev enslaved to a bridge ({bridged})")
        t.err(lambda: ovs.vport_del(dpif, port_no=0), errno.EINVAL, "DEL of the local port")

        lsn.recv(timeout=0.5)  # the NEW notifications so far
        d = t.call(lambda: ovs.vport_del(dpif, name=veth_b), f"vport DEL {veth_b}")
        t.err(lambda: ovs.vport_get(dpif, name=veth_b), errno.ENODEV, "GET after DEL")
        t.ok(f"master {name}" not in sh(f"ip link show {veth_b}").stdout,
             f"{veth_b} released from the datapath")
        m = lsn.recv(want=lambda m: m.family == "ovs_vport" and m.cmd == CMD_DEL)
        t.ok(m is not None and m.decode().get("name") == veth_b,
             "DEL notification on the ovs_vport group")
        t.err(lambda: ovs.vport_del(dpif, name=veth_b), errno.ENODEV, "DEL after DEL")

        # Deleting the netdev detaches its vport; upstream notifies from a work item.
        r = sh(f"ip link del {veth_c}")
        t.eq(r.returncode, 0, f"ip link del {veth_c}")
        m = lsn.recv(timeout=10, want=lambda m: m.family == "ovs_vport" and m.cmd == CMD_DEL)
        md = m.decode() if m else {}
        t.eq((md.get("name"), md.get("port_no"), md.get("dpifindex")), (veth_c, 3, dpif),
             "ip link del: OVS_VPORT_CMD_DEL notification with name, port, dp")
        ports = [x["name"] for x in ovs.vport_dump(dpif)]
        t.ok(veth_c not in ports and veth_a in ports, "dump no longer lists it", ports)
        t.err(lambda: ovs.vport_get(dpif, port_no=3), errno.ENODEV, "its port number is free")
        lsn.close()
    t.ok(ifindex_of(iname) is None, "internal vport netdev gone with the datapath")
    t.ok("master" not in sh(f"ip link show {veth_a}").stdout,
         f"{veth_a} released when the datapath is deleted")


def sc_flow(t, ovs, name):
    """Flow NEW/GET/SET/DEL by key and by UFID, flags, replace, errors, validation."""
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        k1, k2, k3 = flow_key(1), flow_key(2), flow_key(3)
        out1 = [["output", 1]]
        r = t.call(lambda: ovs.flow_new(dpif, k1, out1, flags=NLM_F_ECHO | NLM_F_CREATE),
                   "flow NEW by key (echo)")
        if not r:
            return
        f = r[0]
        t.eq(f["cmd"], CMD_NEW, "NEW reply: cmd NEW")
        t.eq(f.get("key", {}).get("ipv4"), {"src": "10.0.0.1", "dst": IP2, "proto": 17,
                                             "tos": 0, "ttl": 64, "frag": 0},
             "NEW reply: the key")
        t.eq(f.get("actions"), out1, "NEW reply: the actions")
        t.ok("ufid" not in f and "stats" not in f and "used" not in f,
             "NEW reply: no UFID, no STATS or USED before any packet", f["attrs"])
        # No MASK sent: an exact match. Upstream reports all-ones masks.
        mk = f.get("mask", {})
        t.eq((mk.get("in_port"), mk.get("eth"), mk.get("eth_type"), mk.get("ipv4"),
              mk.get("udp")),
             (0xFFFFFFFF, {"src": "ff:ff:ff:ff:ff:ff", "dst": "ff:ff:ff:ff:ff:ff"}, 0xFFFF,
              {"src": "255.255.255.255", "dst": "255.255.255.255", "proto": 255, "tos": 255,
               "ttl": 255, "frag": 255}, {"src": 0xFFFF, "dst": 0xFFFF}),
             "no MASK attribute: exact-match mask")
        g = ovs.flow_get(dpif, key=k1)
        t.eq((g["cmd"], g.get("actions"), g.get("key", {}).get("udp")),
             (CMD_GET, out1, {"src": 1000, "dst": 2000}), "GET by key")
        t.err(lambda: ovs.flow_new(dpif, k1, [["output", 2]], flags=NLM_F_CREATE),
              errno.EEXIST, "NEW duplicate with NLM_F_CREATE")
        t.err(lambda: ovs.flow_new(dpif, k1, [["output", 2]], flags=NLM_F_EXCL),
              errno.EEXIST, "NEW duplicate with NLM_F_EXCL")
        t.eq(ovs.flow_get(dpif, key=k1).get("actions"), out1, "actions unchanged by a refusal")
        t.call(lambda: ovs.flow_new(dpif, k1, [["output", 2]], flags=NLM_F_REPLACE),
               "NEW duplicate with NLM_F_REPLACE")
        t.eq(ovs.flow_get(dpif, key=k1).get("actions"), [["output", 2]],
             "NEW/NLM_F_REPLACE replaced the actions")
        r = t.call(lambda: ovs.flow_set(dpif, key=k1, actions=[["output", 3]],
                                        flags=NLM_F_ECHO), "SET by key with new actions")
        t.eq(r[0]["cmd"] if r else None, CMD_SET, "SET reply: cmd SET")
        t.eq(ovs.flow_get(dpif, key=k1).get("actions"), [["output", 3]], "SET replaced them")
        t.err(lambda: ovs.flow_set(dpif, key=k2, actions=out1), errno.ENOENT,
              "SET of a missing flow")
        t.err(lambda: ovs.flow_set(dpif, actions=out1), errno.EINVAL, "SET without key or UFID")

        # UFID flows.
        u2, omit = ufid_of(2), UFID_F_OMIT_KEY | UFID_F_OMIT_MASK | UFID_F_OMIT_ACTIONS
        r = t.call(lambda: ovs.flow_new(dpif, k2, out1, mask=MASK, ufid=u2, ufid_flags=omit,
                                        flags=NLM_F_ECHO | NLM_F_CREATE), "flow NEW with UFID")
        if r:
            t.eq((r[0].get("ufid"), r[0]["attrs"]), (u2.hex(), [FLOW_ATTR["ufid"]]),
                 "NEW reply with all OMIT flags: only the UFID")
        g = ovs.flow_get(dpif, ufid=u2)
        t.eq((g.get("ufid"), "key" in g, "mask" in g, g.get("actions")),
             (u2.hex(), True, True, out1), "GET by UFID (flags 0): UFID, KEY, MASK, ACTIONS")
        t.eq(g.get("mask", {}).get("udp"), {"src": 0, "dst": 0xFFFF}, "GET by UFID: the mask")
        t.eq(g.get("key", {}).get("udp"), {"src": 0, "dst": 2000},
             "UFID flow: KEY is the masked key")
        g = ovs.flow_get(dpif, ufid=u2, ufid_flags=UFID_F_OMIT_ACTIONS)
        t.eq(("key" in g, "mask" in g, "actions" in g), (True, True, False),
             "GET OMIT_ACTIONS")
        g = ovs.flow_get(dpif, ufid=u2, ufid_flags=UFID_F_OMIT_KEY | UFID_F_OMIT_MASK)
        t.eq(("key" in g, "mask" in g, "actions" in g), (False, False, True),
             "GET OMIT_KEY|OMIT_MASK")
        # Upstream: a lookup by key only finds key-identified flows
        # (ovs_flow_tbl_lookup_exact checks ovs_identifier_is_key).
        t.err(lambda: ovs.flow_get(dpif, key=k2), errno.ENOENT,
              "GET by key of a UFID-identified flow")
        g = ovs.flow_get(dpif, key=k1, ufid_flags=omit)
        t.ok("key" in g and "ufid" not in g,
             "a flow without UFID: KEY stays in the reply despite OMIT_KEY", g["attrs"])
        # Key-only flow: the KEY is the unmasked key as given.
        t.call(lambda: ovs.flow_new(dpif, k3, out1, mask=MASK, flags=NLM_F_CREATE),
               "flow NEW by key with a mask")
        g = ovs.flow_get(dpif, key=k3)
        t.eq(g.get("key", {}).get("udp"), {"src": 1000, "dst": 2000},
             "key-identified flow: KEY is the unmasked key")
        t.err(lambda: ovs.flow_new(dpif, flow_key(4), out1, ufid=u2), errno.ENOENT,
              "NEW with an existing UFID but another key")
        t.err(lambda: ovs.flow_new(dpif, flow_key(4), out1, ufid=u2, flags=NLM_F_CREATE),
              errno.EEXIST, "NEW with an existing UFID and NLM_F_CREATE")
        t.call(lambda: ovs.flow_set(dpif, ufid=u2, key=k2, actions=[["output", 5]]),
               "SET by UFID")
        t.eq(ovs.flow_get(dpif, ufid=u2).get("actions"), [["output", 5]], "SET by UFID took")
        t.err(lambda: ovs.flow_get(dpif, ufid=ufid_of(99)), errno.ENOENT,
              "GET of a missing UFID")

        # Errors and validation.
        t.err(lambda: ovs.flow_get(dpif), errno.EINVAL, "GET without key or UFID")
        t.err(lambda: ovs.flow_get(dpif, key=flow_key(77)), errno.ENOENT, "GET of a missing key")
        t.err(lambda: ovs.flow_new(dpif, flow_key(5), None), errno.EINVAL, "NEW without actions")
        t.err(lambda: ovs._flow(CMD_NEW, dpif, actions=out1), errno.EINVAL, "NEW without key")
        t.err(lambda: ovs.flow_new(12345678, flow_key(5), out1), errno.ENODEV,
              "NEW in a missing datapath")
        t.err(lambda: ovs.flow_dump(12345678), errno.ENODEV, "dump of a missing datapath")
        nokey = {"in_port": 1, "eth": {"src": MAC1, "dst": MAC2}, "eth_type": 0x0800}
        t.err(lambda: ovs.flow_new(dpif, nokey, out1), errno.EINVAL,
              "NEW with eth_type IPv4 but no IPV4 key attribute")
        t.err(lambda: ovs.flow_new(dpif, flow_key(6), [["drop", 0], ["output", 2]]),
              errno.EINVAL, "drop that is not the last action")
        t.call(lambda: ovs.flow_new(dpif, flow_key(6), [["output", 2], ["drop", 0]]),
               "drop as the last action")
        t.eq(ovs.flow_get(dpif, key=flow_key(6)).get("actions"), [["output", 2], ["drop", 0]],
             "drop round-trips")

        def nested(n):
            a = []
            for _ in range(n):
                a = [["clone", a]]
            return a
        t.call(lambda: ovs.flow_new(dpif, flow_key(7), nested(16)), "clone nested 16 deep")
        t.eq(ovs.flow_get(dpif, key=flow_key(7)).get("actions"), nested(16),
             "16 nested clones round-trip")
        before = dmesg_count(UNSAFE)
        # Upstream: depth > OVS_COPY_ACTIONS_MAX_DEPTH (16) is -EOVERFLOW.
        t.err(lambda: ovs.flow_new(dpif, flow_key(8), nested(17)), errno.EOVERFLOW,
              "clone nested 17 deep")
        t.ok(dmesg_count(UNSAFE) > before, f"kernel log: '{UNSAFE}'")
        t.err(lambda: ovs.flow_get(dpif, key=flow_key(8)), errno.ENOENT,
              "the refused flow is not installed")
        pv = [["push_vlan", {"tpid": 0x8100, "tci": 0x1000 | 10}], ["output", 1], ["pop_vlan"],
              ["output", 2]]
        t.call(lambda: ovs.flow_new(dpif, flow_key(9), pv), "push_vlan/pop_vlan actions")
        t.eq(ovs.flow_get(dpif, key=flow_key(9)).get("actions"), normalize_actions(pv),
             "push_vlan/pop_vlan round-trip")
        t.err(lambda: ovs.flow_new(dpif, flow_key(10),
                                   [["push_vlan", {"tpid": 0x8100, "tci": 10}]]),
              errno.EINVAL, "push_vlan without the CFI/present bit")
        us = [["userspace", {"pid": 4242, "userdata": b"\x01\x02\x03\x04"}], ["output", 1]]
        t.call(lambda: ovs.flow_new(dpif, flow_key(11), us), "userspace action")
        t.eq(ovs.flow_get(dpif, key=flow_key(11)).get("actions"), normalize_actions(us),
             "userspace action round-trips")
        cl = [["clone", [["push_vlan", {"tpid": 0x8100, "tci": 0x1005}], ["output", 2]]],
              ["output", 1]]
        t.call(lambda: ovs.flow_new(dpif, flow_key(12), cl), "clone action")
        t.eq(ovs.flow_get(dpif, key=flow_key(12)).get("actions"), normalize_actions(cl),
             "clone round-trips")
        t.call(lambda: ovs.flow_new(dpif, flow_key(13), []), "empty actions (drop)")
        t.eq(ovs.flow_get(dpif, key=flow_key(13)).get("actions"), [], "empty actions round-trip")

        # DEL by UFID and by key.
        r = t.call(lambda: ovs.flow_del(dpif, ufid=u2, flags=NLM_F_ECHO), "DEL by UFID (echo)")
        t.eq((r[0]["cmd"], r[0].get("ufid")) if r else None, (CMD_DEL, u2.hex()),
             "DEL reply: cmd DEL, the UFID")
        t.err(lambda: ovs.flow_get(dpif, ufid=u2), errno.ENOENT, "GET by UFID after DEL")
        t.call(lambda: ovs.flow_del(dpif, key=k1), "DEL by key")
        t.err(lambda: ovs.flow_get(dpif, key=k1), errno.ENOENT, "GET after DEL by key")
        t.err(lambda: ovs.flow_del(dpif, key=k1), errno.ENOENT, "DEL of a missing flow")
        n = len(ovs.flow_dump(dpif))
        t.eq(ovs.dp_get(name)["stats"]["flows"], n, f"dp stats n_flows = dump count ({n})")
        t.ok(n >= 5, "several flows left before DEL all", n)
        t.call(lambda: ovs.flow_del(dpif), "DEL without key: flush")
        t.eq(ovs.flow_dump(dpif), [], "dump empty after the flush")
        t.eq(ovs.dp_get(name)["stats"]["flows"], 0, "n_flows 0 after the flush")


def ipv4_src_offset(flow_attrs):
    """Where the IPv4 source of FLOW_ATTR key's IPV4 attribute sits in encoded flow attrs."""
    off = 0
    for at, body in parse_attrs(flow_attrs):
        if at == FLOW_ATTR["key"]:
            inner = off + 4
            for kt, q in parse_attrs(body):
                if kt == KEY["ipv4"]:
                    return inner + 4
                inner += (4 + len(q) + 3) & ~3
        off += (4 + len(body) + 3) & ~3
    raise ValueError("no IPv4 key attribute")


def sc_flow_dump(t, ovs, name, count):
    """Many flows in one batch; dumps list each exactly once."""
    count = int(count)
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        t0 = time.monotonic()
        # One encoding, its IPv4 source patched per flow: encoding each key in python cost
        # 20 s of 10,000 flows under TCG (make check, 2026-12-03), for bytes that differ in 4.
        tpl = Ovs.flow_attrs(key=flow_key(1), mask=MASK, actions=[["output", 2]])
        src_at = ipv4_src_offset(tpl)
        reqs = []
        for i in range(count):
            a = (tpl[:src_at] + struct.pack("!I", 0x0A000000 + i + 1) + tpl[src_at + 4:] +
                 (nla(FLOW_ATTR["ufid"], ufid_of(i)) if i % 2 else b""))
            reqs.append((CMD_NEW, a, NLM_F_CREATE, dpif))
        t.eq(reqs[1][1], Ovs.flow_attrs(key=flow_key(2), mask=MASK, actions=[["output", 2]],
                                        ufid=ufid_of(1)), "patched request = encoded request")
        t1 = time.monotonic()
        errs = ovs.batch("ovs_flow", reqs)
        t2 = time.monotonic()
        bad = [(i, e) for i, e in enumerate(errs) if e]
        t.ok(not bad, f"{count} flows added", bad[:5])
        t.eq(ovs.dp_get(name)["stats"]["flows"], count, "dp stats n_flows")
        t.eq(ovs.dp_get(name)["megaflow_stats"]["masks"], 1, "one mask for all of them")
        msgs = ovs.flow_dump(dpif, raw=True)
        t3 = time.monotonic()
        recvs = ovs.dump_recvs
        srcs = {}
        for m in msgs:
            p = m.raw(FLOW_ATTR["key"])
            # The IPV4 key attribute: src is its first 4 bytes.
            for at, q in parse_attrs(p or b""):
                if at == KEY["ipv4"]:
                    srcs[q[:4]] = srcs.get(q[:4], 0) + 1
        t.eq(len(msgs), count, f"full dump: {count} messages (in {recvs} datagrams)")
        t.ok(recvs > 1 or count < 100, "the dump was resumed across several datagrams", recvs)
        want = {ip4_b(str(ipaddress.IPv4Address(0x0A000000 + i + 1))) for i in range(count)}
        t.ok(set(srcs) == want and all(v == 1 for v in srcs.values()),
             "full dump: every flow exactly once",
             f"{len(set(srcs) ^ want)} differ, dups {sum(v > 1 for v in srcs.values())}")
        msgs = ovs.flow_dump(dpif, ufid_flags=UFID_F_OMIT_KEY | UFID_F_OMIT_MASK |
                             UFID_F_OMIT_ACTIONS, raw=True)
        ufids = [m.raw(FLOW_ATTR["ufid"]) for m in msgs]
        got = sorted(u for u in ufids if u is not None)
        t.eq(len(msgs), count, "terse dump: all flows")
        t.ok(got == sorted(ufid_of(i) for i in range(1, count, 2)),
             "terse dump: each UFID exactly once")
        nokey = sum(1 for m in msgs if m.raw(FLOW_ATTR["ufid"]) is not None and
                    (m.has(FLOW_ATTR["key"]) or m.has(FLOW_ATTR["mask"]) or
                     m.has(FLOW_ATTR["actions"])))
        t.eq(nokey, 0, "terse dump: UFID flows carry no KEY, MASK or ACTIONS")
        t4 = time.monotonic()
        t.call(lambda: ovs.flow_del(dpif), "DEL all")
        t5 = time.monotonic()
        t.eq(len(ovs.flow_dump(dpif)), 0, "dump empty after DEL all")
        print(f"# timing: encode {t1 - t0:.1f}s, add {t2 - t1:.1f}s, dump {t3 - t2:.1f}s, "
              f"terse dump {t4 - t3:.1f}s, flush {t5 - t4:.1f}s", flush=True)


def sc_execute(t, ovs, name, veth_a, peer_b, netns):
    """OVS_PACKET_CMD_EXECUTE: output, push_vlan, clone, userspace; seen on the veth peer."""
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        lsn = Listener(ovs)
        v = ovs.vport_new(dpif, veth_a, "netdev", upcall_pids=(lsn.portid,))
        port = v["port_no"]
        ps = PacketSocket(peer_b, netns)
        ps.drain()
        frame = udp_frame(MAC1, MAC2, IP1, IP2, 5000, 6000, payload=b"E" * 40)
        key = udp_key(0, MAC1, MAC2, IP1, IP2, 5000, 6000)
        t.call(lambda: ovs.execute(dpif, frame, key, [["output", port]]),
               f"EXECUTE output:{port}")
        got = ps.recv_all(5, n=1)
        t.eq([g for g in got], [(frame, None)], f"the peer {peer_b} got the frame, unchanged")

        t.call(lambda: ovs.execute(dpif, frame, key, [["clone", [["output", port]]],
                                                        ["output", port]]),
               "EXECUTE clone(output), output")
        got = ps.recv_all(5, n=2)
        t.eq(got, [(frame, None), (frame, None)], "two copies arrive")

        t.call(lambda: ovs.execute(dpif, frame, key,
                                   [["push_vlan", {"tpid": 0x8100, "tci": 0x1000 | 42}],
                                    ["output", port]]),
               "EXECUTE push_vlan(vid 42), output")
        got = ps.recv_all(5, n=1)
        ok = False
        if len(got) == 1:
            data, tci = got[0]
            # veth leaves the tag in skb metadata (PACKET_AUXDATA); accept it in-band too.
            ok = (data == frame and tci is not None and tci & 0xFFF == 42) or \
                 (data == frame[:12] + b"\x81\x00\x00\x2a" + frame[12:])
        t.ok(ok, "the frame arrives tagged with VLAN 42", got)

        t.call(lambda: ovs.execute(dpif, frame, key,
                                   [["userspace", {"pid": lsn.portid, "userdata": b"abcd"}]]),
               "EXECUTE userspace(pid, userdata)")
        m = lsn.recv(want=lambda m: m.family == "ovs_packet")
        md = m.decode() if m else {}
        t.eq((md.get("cmd"), md.get("dpifindex"), md.get("packet"), md.get("userdata")),
             (PACKET_CMD_ACTION, dpif, frame, b"abcd"),
             "OVS_PACKET_CMD_ACTION upcall with the packet and userdata")
        t.eq(ps.recv_all(0.5), [], "nothing output for a userspace-only action list")

        t.err(lambda: ovs.execute(dpif, None, key, [["output", port]]), errno.EINVAL,
              "EXECUTE without PACKET")
        t.err(lambda: ovs.execute(dpif, frame, None, [["output", port]]), errno.EINVAL,
              "EXECUTE without KEY")
        t.err(lambda: ovs.execute(dpif, frame, key, None), errno.EINVAL,
              "EXECUTE without ACTIONS")
        t.err(lambda: ovs.execute(12345678, frame, key, [["output", port]]), errno.ENODEV,
              "EXECUTE in a missing datapath")
        st = ovs.dp_get(name)["stats"]
        t.eq((st["hit"], st["missed"], st["lost"]), (0, 0, 0),
             "EXECUTE does not count as hit or miss")
        ps.close()
        lsn.close()


def sc_upcall(t, ovs, name, veth_a, peer_b, netns, peer_mac):
    """A packet with no matching flow: a MISS upcall to the vport's pid; stats."""
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        lsn = Listener(ovs)
        v = ovs.vport_new(dpif, veth_a, "netdev", upcall_pids=(lsn.portid,))
        port = v["port_no"]
        ps = PacketSocket(peer_b, netns)
        frame = udp_frame(peer_mac, MAC2, IP1, IP2, 1111, 2222, payload=b"M" * 30)
        ps.send(frame)
        m = lsn.recv(timeout=10, want=lambda m: m.family == "ovs_packet")
        t.ok(m is not None, f"an upcall reached portid {lsn.portid}")
        if m is None:
            return
        d = m.decode()
        t.eq((d["cmd"], d["dpifindex"], m.version), (PACKET_CMD_MISS, dpif, 1),
             "OVS_PACKET_CMD_MISS, the dp_ifindex, version 1")
        k = d.get("key", {})
        t.eq(k.get("in_port"), port, f"key in_port {port}")
        t.eq(k.get("eth"), {"src": peer_mac, "dst": MAC2}, "key eth")
        t.eq(k.get("eth_type"), 0x0800, "key eth_type")
        t.eq(k.get("ipv4"), {"src": IP1, "dst": IP2, "proto": 17, "tos": 0, "ttl": 64,
                             "frag": 0}, "key ipv4")
        t.eq(k.get("udp"), {"src": 1111, "dst": 2222}, "key udp")
        t.eq(d.get("packet"), frame, "PACKET is the frame sent")
        # The miss is counted after the upcall is queued.
        st = settle(lambda: ovs.dp_get(name)["stats"], lambda s: s["missed"] >= 1)
        t.eq((st["hit"], st["missed"], st["lost"]), (0, 1, 0), "dp stats: 1 missed")
        vs = ovs.vport_get(dpif, port_no=port)
        t.eq(vs.get("upcall_stats"), {"success": 1, "fail": 0}, "vport upcall stats: 1 success")
        t.eq(vs["stats"]["rx_packets"], 1, "vport stats: rx_packets 1")
        t.eq(vs["stats"]["rx_bytes"], len(frame), f"vport stats: rx_bytes {len(frame)}")

        # No upcall pid (0): the miss is lost.
        ovs.vport_set(dpif, port_no=port, upcall_pids=[0])
        ps.send(frame)
        time.sleep(1)
        t.eq(lsn.recv(timeout=0.5), [], "no upcall with upcall pid 0")
        st = settle(lambda: ovs.dp_get(name)["stats"], lambda s: s["missed"] >= 2)
        t.eq((st["hit"], st["missed"], st["lost"]), (0, 2, 1),
             "dp stats: a miss with pid 0 counts as missed and lost")
        # Upstream: pid 0 is refused before the vport's upcall stats are counted.
        t.eq(ovs.vport_get(dpif, port_no=port).get("upcall_stats"), {"success": 1, "fail": 0},
             "vport upcall stats: pid 0 is not an upcall failure")
        # A pid no socket has: the upcall fails (lost) and counts as a failure.
        gone = Listener(ovs)
        pid = gone.portid
        gone.close()
        ovs.vport_set(dpif, port_no=port, upcall_pids=[pid])
        ps.send(frame)
        st = settle(lambda: ovs.dp_get(name)["stats"], lambda s: s["missed"] >= 3)
        t.eq((st["hit"], st["missed"], st["lost"]), (0, 3, 2),
             "dp stats: a miss to a closed portid counts as missed and lost")
        t.eq(ovs.vport_get(dpif, port_no=port).get("upcall_stats"), {"success": 1, "fail": 1},
             "vport upcall stats: 1 fail")
        ps.close()
        lsn.close()


def sc_flow_stats(t, ovs, name, a1, b1, a2, b2, netns, peer_mac, count):
    """Per-flow and datapath stats equal the packets sent; a flow forwards A1 -> A2."""
    count = int(count)
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        lsn = Listener(ovs)
        p1 = ovs.vport_new(dpif, a1, "netdev", upcall_pids=(lsn.portid,))["port_no"]
        p2 = ovs.vport_new(dpif, a2, "netdev", upcall_pids=(lsn.portid,))["port_no"]
        in1, in2 = PacketSocket(b1, netns), PacketSocket(b2, netns)
        key = udp_key(p1, peer_mac, MAC2, IP1, IP2, 3000, 4000)
        mask = dict(MASK)
        t.call(lambda: ovs.flow_new(dpif, key, [["output", p2]], mask=mask,
                                    flags=NLM_F_CREATE), f"flow in_port {p1} -> output {p2}")
        frames = [udp_frame(peer_mac, MAC2, IP1, IP2, 3000 + i, 4000, payload=b"S" * (20 + i))
                  for i in range(count)]
        for fr in frames:
            in1.send(fr)
        got = in2.recv_all(10.0, n=count)
        t.eq(sorted(g[0] for g in got), sorted(frames),
             f"{count} frames forwarded to the other peer, unchanged")
        f = ovs.flow_get(dpif, key=key)
        nbytes = sum(len(fr) for fr in frames)
        t.eq(f.get("stats"), {"packets": count, "bytes": nbytes},
             f"flow stats: {count} packets, {nbytes} bytes")
        t.ok(f.get("used", 0) > 0, "flow USED set")
        st = ovs.dp_get(name)
        t.eq((st["stats"]["hit"], st["stats"]["missed"], st["stats"]["lost"]), (count, 0, 0),
             f"dp stats: {count} hit, 0 missed")
        t.eq(st["megaflow_stats"]["masks"], 1, "megaflow stats: 1 mask")
        t.eq(lsn.recv(timeout=0.3), [], "no upcalls for hits")

        # A packet the mask does not cover (other udp dst) misses.
        other = udp_frame(peer_mac, MAC2, IP1, IP2, 3000, 4001)
        in1.send(other)
        m = lsn.recv(timeout=10, want=lambda m: m.family == "ovs_packet")
        t.ok(m is not None and m.decode().get("packet") == other,
             "a packet outside the mask misses and is upcalled")
        st = settle(lambda: ovs.dp_get(name)["stats"], lambda s: s["missed"] >= 1)
        t.eq((st["hit"], st["missed"]), (count, 1), "dp stats: 1 missed")
        t.eq(ovs.flow_get(dpif, key=key).get("stats"), {"packets": count, "bytes": nbytes},
             "flow stats unchanged by the miss")

        r = t.call(lambda: ovs.flow_set(dpif, key=key, clear=True, flags=NLM_F_ECHO),
                   "SET with CLEAR")
        # Upstream fills the reply before it clears: the reply has the old stats.
        t.eq(r[0].get("stats") if r else None, {"packets": count, "bytes": nbytes},
             "SET/CLEAR reply: the stats from before the clear")
        f = ovs.flow_get(dpif, key=key)
        t.ok("stats" not in f and "used" not in f, "after CLEAR: no STATS and no USED",
             f["attrs"])
        t.eq(ovs.flow_get(dpif, key=key).get("actions"), [["output", p2]],
             "CLEAR without ACTIONS keeps the actions")
        in1.send(frames[0])
        t.eq(settle(lambda: ovs.flow_get(dpif, key=key).get("stats"), lambda s: s),
             {"packets": 1, "bytes": len(frames[0])},
             "counting restarts after CLEAR")
        in1.close()
        in2.close()
        lsn.close()


def sc_exact(t, ovs, name, veth_a, peer_b, netns, peer_mac):
    """A flow without MASK matches exactly: any differing field misses."""
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        lsn = Listener(ovs)
        port = ovs.vport_new(dpif, veth_a, "netdev", upcall_pids=(lsn.portid,))["port_no"]
        ps = PacketSocket(peer_b, netns)
        key = udp_key(port, peer_mac, MAC2, IP1, IP2, 7000, 8000)
        t.call(lambda: ovs.flow_new(dpif, key, [], flags=NLM_F_CREATE), "exact flow, no MASK")
        ps.send(udp_frame(peer_mac, MAC2, IP1, IP2, 7000, 8000))
        t.eq(settle(lambda: ovs.flow_get(dpif, key=key).get("stats", {}).get("packets"),
                    lambda n: n), 1,
             "the identical packet hits it")
        variants = [("udp src", udp_frame(peer_mac, MAC2, IP1, IP2, 7001, 8000)),
                    ("ipv4 ttl", udp_frame(peer_mac, MAC2, IP1, IP2, 7000, 8000, ttl=63)),
                    ("ipv4 tos", udp_frame(peer_mac, MAC2, IP1, IP2, 7000, 8000, tos=4)),
                    ("eth dst", udp_frame(peer_mac, "02:00:00:00:00:09", IP1, IP2, 7000,
                                          8000))]
        for what, fr in variants:
            ps.send(fr)
            m = lsn.recv(timeout=10, want=lambda m: m.family == "ovs_packet")
            t.ok(m is not None and m.decode().get("packet") == fr,
                 f"a packet differing in {what} misses")
        st = settle(lambda: ovs.dp_get(name)["stats"], lambda s: s["missed"] >= len(variants))
        t.eq((st["hit"], st["missed"]), (1, len(variants)), "dp stats: 1 hit, the rest missed")
        t.eq(ovs.flow_get(dpif, key=key).get("stats", {}).get("packets"), 1,
             "flow stats: still 1 packet")
        # The same key with a mask wildcarding udp src: the udp-src variant now hits.
        ovs.flow_del(dpif)
        t.call(lambda: ovs.flow_new(dpif, key, [], mask=MASK, flags=NLM_F_CREATE),
               "the same key with a mask (udp src wildcarded)")
        ps.send(variants[0][1])
        t.eq(settle(lambda: ovs.flow_get(dpif, key=key).get("stats", {}).get("packets"),
                    lambda n: n), 1,
             "the udp-src variant hits the masked flow")
        ps.close()
        lsn.close()


def sc_notify(t, ovs, name):
    """dp, vport and flow NEW/DEL notifications on the three multicast groups."""
    lsn = Listener(ovs, groups=("ovs_datapath", "ovs_vport", "ovs_flow"))
    t.eq(sorted(ovs.groups), ["ovs_datapath", "ovs_flow", "ovs_packet", "ovs_vport"],
         "four families resolved")
    t.eq({f: sorted(g) for f, g in ovs.groups.items()},
         {"ovs_datapath": ["ovs_datapath"], "ovs_vport": ["ovs_vport"],
          "ovs_flow": ["ovs_flow"], "ovs_packet": []}, "multicast groups as upstream")

    def want(fam, cmd):
        return lambda m: m.family == fam and m.cmd == cmd

    try:
        ovs.dp_del(name)
    except NlError:
        pass
    ovs.dp_new(name)
    seq = ovs.last_seq
    m = lsn.recv(want=want("ovs_datapath", CMD_NEW))
    d = m.decode() if m else {}
    t.eq(d.get("name"), name, "dp NEW notification")
    t.eq((m.pid, m.seq) if m else None, (ovs.portid, seq),
         "notification header: the requester's portid and seq")
    dpif = ovs.dpif(name)
    try:
        iname = name + "-i"
        ovs.vport_new(dpif, iname, "internal")
        m = lsn.recv(want=want("ovs_vport", CMD_NEW))
        t.eq(m.decode().get("name") if m else None, iname, "vport NEW notification")
        key = flow_key(1)
        ovs.flow_new(dpif, key, [["output", 1]], ufid=ufid_of(1))
        m = lsn.recv(want=want("ovs_flow", CMD_NEW))
        d = m.decode() if m else {}
        t.eq((d.get("ufid"), d.get("actions")), (ufid_of(1).hex(), [["output", 1]]),
             "flow NEW notification, with UFID and actions")
        ovs.flow_set(dpif, key=key, ufid=ufid_of(1), actions=[["output", 2]])
        m = lsn.recv(want=want("ovs_flow", CMD_SET))
        t.eq(m.decode().get("actions") if m else None, [["output", 2]], "flow SET notification")
        ovs.flow_del(dpif, ufid=ufid_of(1))
        m = lsn.recv(want=want("ovs_flow", CMD_DEL))
        t.eq(m.decode().get("ufid") if m else None, ufid_of(1).hex(), "flow DEL notification")
        ovs.flow_new(dpif, flow_key(2), [["output", 1]])
        lsn.recv(want=want("ovs_flow", CMD_NEW))
        ovs.flow_del(dpif)
        # Upstream: a flush (DEL without key) sends no per-flow notification.
        t.eq([m.cmd for m in lsn.recv(timeout=1.0) if m.family == "ovs_flow"], [],
             "flow flush: no notification (as upstream)")
        ovs.vport_del(dpif, name=iname)
        m = lsn.recv(want=want("ovs_vport", CMD_DEL))
        t.eq(m.decode().get("name") if m else None, iname, "vport DEL notification")
        ovs.dp_set(name, user_features=1)
        m = lsn.recv(want=want("ovs_datapath", CMD_SET))
        t.eq(m.decode().get("user_features") if m else None, 1, "dp SET notification")
    finally:
        ovs.dp_del(name)
    m = lsn.recv(want=want("ovs_datapath", CMD_DEL))
    t.eq(m.decode().get("name") if m else None, name, "dp DEL notification")
    lsn.close()

def nr_cpu_ids():
    """The kernel's nr_cpu_ids: the highest possible CPU + 1."""
    with open("/sys/devices/system/cpu/possible") as f:
        return int(f.read().strip().split(",")[-1].split("-")[-1]) + 1


def free_ifindex():
    """An ifindex no device of this namespace has, well above the ones in use."""
    used = [ifindex_of(n) or 0 for n in sh("ls /sys/class/net").stdout.split()]
    return max(used) + 1000


def sc_dp_attrs(t, ovs, name):
    """The datapath attributes beyond the basics: OVS_DP_ATTR_IFINDEX, an UPCALL_PID array
    (the local port's), PER_CPU_PIDS and the per-CPU dispatch feature, features dropped for
    userspace older than version 2, and vport SET with OPTIONS."""
    per_cpu = 1 << 3
    ncpu = nr_cpu_ids()
    other = name + "b"

    def u32s(*v):
        return struct.pack(f"={len(v)}I", *v)

    def new(n, attrs=b"", pid=u32s(0), version=None):
        a = nla_str(DP_ATTR["name"], n) + nla(DP_ATTR["upcall_pid"], pid) + attrs
        return [m.decode() for m in ovs.request("ovs_datapath", CMD_NEW, a, NLM_F_ECHO,
                                                 version=version)]

    def dp_set(n, attrs):
        return [m.decode() for m in ovs.request("ovs_datapath", CMD_SET,
                                                 nla_str(DP_ATTR["name"], n) + attrs,
                                                 NLM_F_ECHO)]

    def features(f):
        return nla_u32(DP_ATTR["user_features"], f)

    def pcp(raw):
        return nla(DP_ATTR["per_cpu_pids"], raw)

    def vport_set(dpif, attrs):
        return [m.decode() for m in ovs.request("ovs_vport", CMD_SET, attrs, NLM_F_ECHO,
                                                 dpifindex=dpif)]

    def drop_all():
        for n in (name, other):
            try:
                ovs.dp_del(n)
            except NlError:
                pass

    drop_all()
    try:
        # OVS_DP_ATTR_IFINDEX: the local port's device gets it (upstream's desired_ifindex).
        want = free_ifindex()
        r = t.call(lambda: new(name, nla_u32(DP_ATTR["ifindex"], want)),
                   "NEW with OVS_DP_ATTR_IFINDEX")
        t.eq(r[0]["dpifindex"] if r else None, want, "NEW reply: dp_ifindex is the one asked")
        t.eq(ifindex_of(name), want, "the local port's netdev has the ifindex asked for")
        lp = t.call(lambda: ovs.vport_get(want, port_no=0), "GET port 0 by that dp_ifindex")
        t.eq(lp.get("ifindex") if lp else None, want, "port 0's OVS_VPORT_ATTR_IFINDEX")
        t.eq(lp.get("upcall_pid") if lp else None, [0], "port 0's upcall pids: [0]")
        t.err(lambda: new(other, nla_u32(DP_ATTR["ifindex"], want)), errno.EEXIST,
              "NEW with an ifindex a device has")
        t.ok(ifindex_of(other) is None, "that NEW left no device")
        # An internal vport's OVS_VPORT_ATTR_IFINDEX, the same path.
        vi = t.call(lambda: ovs.vport_new(want, name + "i", "internal", ifindex=want + 1),
                    "vport NEW internal with OVS_VPORT_ATTR_IFINDEX")
        t.eq(ifindex_of(name + "i"), want + 1, "the internal vport's netdev has that ifindex")
        t.eq(vi.get("ifindex") if vi else None, want + 1, "vport NEW reply: that ifindex")
        ovs.dp_del(name)

        # OVS_DP_ATTR_UPCALL_PID: an array (the policy's NLA_U32 is checked leniently),
        # all of it the local port's, checked as a vport's (no more than nr_cpu_ids). A
        # vport reply has the whole array only with OVS_DP_F_VPORT_PIDS (else the first).
        vport_pids = 1 << 1
        pids = list(range(11, 11 + ncpu))
        r = t.call(lambda: new(name, features(vport_pids), pid=u32s(*pids)),
                   f"NEW (VPORT_PIDS) with an UPCALL_PID array of {ncpu} (nr_cpu_ids) pids")
        if r:
            lp = ovs.vport_get(r[0]["dpifindex"], port_no=0)
            t.eq(lp.get("upcall_pid"), pids, "port 0 has every pid of the array")
            ovs.dp_del(name)
        t.err(lambda: new(name, pid=u32s(*range(11, 12 + ncpu))), errno.EINVAL,
              "NEW with more UPCALL_PIDs than CPUs")
        t.err(lambda: new(name, pid=b"\x01\0\0\0\x02\0"), errno.EINVAL,
              "NEW with a 6-byte UPCALL_PID")
        t.ok(ifindex_of(name) is None, "the refused NEWs left no device")

        # OVS_DP_ATTR_PER_CPU_PIDS: applied only with OVS_DP_F_DISPATCH_UPCALL_PER_CPU in
        # the same request (upstream's ovs_dp_change), unbounded, replied up to nr_cpu_ids.
        t.call(lambda: new(name), "NEW (features 0)")
        r = t.call(lambda: dp_set(name, features(0) + pcp(u32s(5, 6))),
                   "SET PER_CPU_PIDS without the per-CPU feature")
        t.ok(r and DP_ATTR["per_cpu_pids"] not in r[0]["attrs"], "its reply: no PER_CPU_PIDS")
        t.call(lambda: dp_set(name, features(0) + pcp(b"\x05\0\0")),
               "SET a 3-byte PER_CPU_PIDS without the feature (ignored, not checked)")
        r = t.call(lambda: dp_set(name, features(per_cpu)), "SET the per-CPU feature alone")
        t.eq(r[0].get("per_cpu_pids", "absent") if r else None, "absent",
             "pids sent without the feature were not kept")
        many = list(range(100, 102 + ncpu))
        r = t.call(lambda: dp_set(name, features(per_cpu) + pcp(u32s(*many))),
                   f"SET the feature with {len(many)} per-CPU pids (more than CPUs)")
        t.eq(r[0].get("per_cpu_pids") if r else None, many[:ncpu],
             "SET reply: the first nr_cpu_ids pids")
        t.eq(ovs.dp_get(name).get("per_cpu_pids"), many[:ncpu], "GET: the same")
        # A refused array: the features of the same request are set all the same.
        t.err(lambda: dp_set(name, features(per_cpu | 1) + pcp(b"\x05\0\0\0\x06")),
              errno.EINVAL, "SET the feature with a 5-byte PER_CPU_PIDS")
        g = ovs.dp_get(name)
        t.eq((g.get("user_features"), g.get("per_cpu_pids")), (per_cpu | 1, many[:ncpu]),
             "after it: the request's features set, the pids unchanged")
        t.err(lambda: dp_set(name, features(per_cpu) + pcp(b"")), errno.EINVAL,
              "SET the feature with an empty PER_CPU_PIDS")
        t.ok("per_cpu_pids" not in dp_set(name, features(0))[0], "SET features 0: no pids")
        t.eq(dp_set(name, features(per_cpu))[0].get("per_cpu_pids"), many[:ncpu],
             "SET the feature again: the kept pids are back")
        t.err(lambda: new(other, features(per_cpu) + pcp(b"")), errno.EINVAL,
              "NEW with the feature and an empty PER_CPU_PIDS")
        t.ok(ifindex_of(other) is None, "that NEW left no device")
        r = t.call(lambda: new(other, features(per_cpu) + pcp(u32s(7, 8))),
                   "NEW with the feature and PER_CPU_PIDS")
        t.eq(r[0].get("per_cpu_pids") if r else None, [7, 8][:ncpu], "NEW reply: its pids")
        ovs.dp_del(other)

        # Userspace older than OVS_DP_VER_FEATURES (2) re-creating a datapath drops its
        # features (ovs_dp_reset_user_features); version 2 does not.
        dp_set(name, features(3))
        t.err(lambda: new(name, version=2), errno.EEXIST, "NEW of an existing name, version 2")
        t.eq(ovs.dp_get(name).get("user_features"), 3, "version 2: features kept")
        sh("dmesg -C")
        t.err(lambda: new(name, version=1), errno.EEXIST, "NEW of an existing name, version 1")
        t.eq(ovs.dp_get(name).get("user_features"), 0, "version 1: features dropped")
        log = sh("dmesg").stdout
        t.ok(f"{name}: Dropping previously announced user features" in log,
             "the kernel log says it", log[-400:])
        t.err(lambda: new("lo", version=1), errno.EEXIST, "NEW named lo, version 1")

        # vport SET: a netdev or internal vport has no options (EOPNOTSUPP), checked
        # after the lookup (ENODEV) and the type (EINVAL), before the upcall pids.
        dpif = ovs.dpif(name)
        port0 = nla_u32(VPORT_ATTR["port_no"], 0)
        opts = nla_nest(VPORT_ATTR["options"], b"")
        t.err(lambda: vport_set(dpif, port0 + opts), errno.EOPNOTSUPP,
              "vport SET of port 0 with OPTIONS")
        t.err(lambda: vport_set(dpif, port0 + nla_u32(VPORT_ATTR["type"], 1) + opts),
              errno.EINVAL, "vport SET with OPTIONS and the wrong TYPE")
        t.err(lambda: vport_set(dpif, nla_str(VPORT_ATTR["name"], "nosuchvp0") + opts),
              errno.ENODEV, "vport SET of a missing vport with OPTIONS")
        t.err(lambda: vport_set(dpif, nla_str(VPORT_ATTR["name"], "nosuchvp0")
                                + nla(VPORT_ATTR["upcall_pid"], b"")),
              errno.ENODEV, "vport SET of a missing vport with an empty UPCALL_PID")
        t.err(lambda: vport_set(dpif, port0 + opts + nla(VPORT_ATTR["upcall_pid"], b"")),
              errno.EOPNOTSUPP, "vport SET with OPTIONS and an empty UPCALL_PID")
        r = t.call(lambda: vport_set(dpif, port0 + nla(VPORT_ATTR["upcall_pid"], u32s(3))),
                   "vport SET of port 0's upcall pid")
        t.eq(r[0].get("upcall_pid") if r else None, [3], "vport SET reply: the new pid")
    finally:
        drop_all()
    t.ok(ifindex_of(name) is None and ifindex_of(other) is None, "both datapaths gone")


# --- packet-path fidelity (issue 13): per-CPU dispatch, checksums and GSO, execute -------------

DP_F_UNALIGNED, DP_F_VPORT_PIDS, DP_F_DISPATCH_UPCALL_PER_CPU = 1 << 0, 1 << 1, 1 << 3
# ovs-vswitchd's DPIF_NETLINK_PER_CPU_PID: the userspace action's pid under per-CPU dispatch.
PER_CPU_PID_PLACEHOLDER = 0xFFFFFFFF
OVS_PACKET_HASH_SW_BIT, OVS_PACKET_HASH_L4_BIT = 1 << 32, 1 << 33


def possible_cpus():
    """nr_cpu_ids, from /sys/devices/system/cpu/possible ("0-1")."""
    with open("/sys/devices/system/cpu/possible") as f:
        return int(f.read().strip().split(",")[-1].split("-")[-1]) + 1


def sc_percpu_userspace(t, ovs, name, veth_a, peer_b, netns, peer_mac):
    """Per-CPU dispatch: a userspace action's OVS_USERSPACE_ATTR_PID is a placeholder; the
    upcall goes to the current CPU's pid (upstream's output_userspace()), from execute and
    from a flow; a miss goes there too."""
    lsn = Listener(ovs)
    other = Listener(ovs)
    pids = [lsn.portid] * possible_cpus()
    with DpScope(ovs, name, user_features=DP_F_UNALIGNED | DP_F_DISPATCH_UPCALL_PER_CPU,
                 per_cpu_pids=pids) as dp:
        dpif = dp.ifindex
        st = ovs.dp_get(name)
        t.ok(st.get("user_features", 0) & DP_F_DISPATCH_UPCALL_PER_CPU,
             "the datapath dispatches upcalls per CPU", st.get("user_features"))
        port = ovs.vport_new(dpif, veth_a, "netdev", upcall_pids=(0,))["port_no"]
        frame = udp_frame(MAC1, MAC2, IP1, IP2, 5000, 6000, payload=b"P" * 40)
        key = udp_key(0, MAC1, MAC2, IP1, IP2, 5000, 6000)
        is_pkt = lambda m: m.family == "ovs_packet"  # noqa: E731

        for pid, what in ((PER_CPU_PID_PLACEHOLDER, "ovs-vswitchd's placeholder pid"),
                          (other.portid, "another socket's pid")):
            t.call(lambda: ovs.execute(dpif, frame, key,
                                       [["userspace", {"pid": pid, "userdata": b"pcpu"}]]),
                   f"EXECUTE userspace(pid: {what})")
            m = lsn.recv(timeout=5, want=is_pkt)
            md = m.decode() if m else {}
            t.eq((md.get("cmd"), md.get("packet"), md.get("userdata")),
                 (PACKET_CMD_ACTION, frame, b"pcpu"),
                 f"the ACTION upcall (pid: {what}) reaches the CPU's pid")
        t.eq([m for m in other.recv(timeout=0.5) if is_pkt(m)], [],
             "nothing reaches the pid named in the action")

        # The same from a flow hit: a packet from the peer, a flow with userspace(placeholder).
        ps = PacketSocket(peer_b, netns)
        fkey = udp_key(port, peer_mac, MAC2, IP1, IP2, 7000, 8000)
        t.call(lambda: ovs.flow_new(dpif, fkey, [["userspace", {
            "pid": PER_CPU_PID_PLACEHOLDER, "userdata": b"flow"}]], flags=NLM_F_CREATE),
            "flow with userspace(pid: placeholder)")
        hit = udp_frame(peer_mac, MAC2, IP1, IP2, 7000, 8000, payload=b"F" * 30)
        ps.send(hit)
        m = lsn.recv(timeout=10, want=is_pkt)
        md = m.decode() if m else {}
        t.eq((md.get("cmd"), md.get("packet"), md.get("userdata")),
             (PACKET_CMD_ACTION, hit, b"flow"),
             "a flow's userspace action reaches the CPU's pid")
        # A miss goes to the CPU's pid too (the vport's pid is 0).
        miss = udp_frame(peer_mac, MAC2, IP1, IP2, 7000, 8001, payload=b"F" * 30)
        ps.send(miss)
        m = lsn.recv(timeout=10, want=is_pkt)
        md = m.decode() if m else {}
        t.eq((md.get("cmd"), md.get("packet")), (PACKET_CMD_MISS, miss),
             "a miss reaches the CPU's pid")
        st = settle(lambda: ovs.dp_get(name)["stats"], lambda s: s["missed"] >= 1)
        t.eq((st["hit"], st["missed"], st["lost"]), (1, 1, 0), "dp stats: 1 hit, 1 missed, 0 lost")
        t.eq(ovs.vport_get(dpif, port_no=port).get("upcall_stats"), {"success": 2, "fail": 0},
             "vport upcall stats: 2 successes (the flow's action and the miss)")
        ps.close()
    lsn.close()
    other.close()


def l4_csum_ok(frame):
    """Whether an IPv4 TCP/UDP frame's transport checksum verifies (UDP 0: none)."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    ihl = (frame[14] & 0xF) * 4
    total = struct.unpack("!H", frame[16:18])[0]
    proto = frame[23]
    l4 = frame[14 + ihl:14 + total]
    if proto == 17 and struct.unpack("!H", l4[6:8])[0] == 0:
        return True
    pseudo = frame[26:34] + struct.pack("!BBH", 0, proto, len(l4))
    return csum(pseudo + l4) == 0


class UpcallForwarder:
    """A userspace datapath of the simplest kind: every MISS upcall is executed back with
    output to the other port, its packet as received (ovs-vswitchd does the same for the
    packet that made it install a flow). Records the upcalled frames."""

    def __init__(self, ovs, dpif, ports):
        import threading
        self.ovs, self.dpif, self.ports = ovs, dpif, ports
        self.lsn = Listener(ovs)
        self.frames, self.errors = [], []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            for m in self.lsn.recv(timeout=0.2):
                if m.family != "ovs_packet" or m.cmd != PACKET_CMD_MISS:
                    continue
                d = m.decode()
                in_port = d.get("key", {}).get("in_port")
                out = self.ports.get(in_port)
                self.frames.append(d.get("packet", b""))
                if out is None:
                    continue
                try:
                    self.ovs.execute(self.dpif, d["packet"], {"in_port": in_port},
                                     [["output", out]])
                except NlError as e:
                    self.errors.append(e.errno)

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.lsn.close()


def netns_socket(netns, *args):
    from pyroute2.netns import popns, pushns
    pushns(netns)
    try:
        return socket.socket(*args)
    finally:
        popns()


def sc_upcall_csum(t, ovs, name, veth_a, veth_b, ns_a, ns_b, ip_a, ip_b):
    """A datapath with no flows and a userspace forwarder: UDP and TCP from the stack (veth
    hands over CHECKSUM_PARTIAL skbs, TCP and UDP_SEGMENT GSO ones) reach the other side
    with valid checksums, as segments no larger than the MTU (upstream's
    queue_userspace_packet() and queue_gso_packets())."""
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        fw_ovs = Ovs()
        fw = None
        try:
            pa = ovs.vport_new(dpif, veth_a, "netdev")["port_no"]
            pb = ovs.vport_new(dpif, veth_b, "netdev")["port_no"]
            fw = UpcallForwarder(fw_ovs, dpif, {pa: pb, pb: pa})
            for p in (pa, pb):
                ovs.vport_set(dpif, port_no=p, upcall_pids=[fw.lsn.portid])
            fw.start()

            # UDP: one datagram, the first of a new megaflow.
            rx = netns_socket(ns_b, socket.AF_INET, socket.SOCK_DGRAM)
            rx.bind((ip_b, 7777))
            tx = netns_socket(ns_a, socket.AF_INET, socket.SOCK_DGRAM)
            tx.sendto(b"hello through a miss", (ip_b, 7777))
            rx.settimeout(10)
            try:
                got = rx.recv(2048)
            except OSError as e:
                got = repr(e)
            t.eq(got, b"hello through a miss", "the UDP datagram arrives (valid checksum)")
            udp_up = [f for f in fw.frames if len(f) > 23 and f[23] == 17]
            t.ok(udp_up and all(l4_csum_ok(f) for f in udp_up),
                 "the upcalled UDP frame has a complete checksum",
                 [f.hex() for f in udp_up])

            # UDP GSO (UDP_SEGMENT): one 4 x 500-byte send is 4 datagrams, one upcall each.
            SOL_UDP, UDP_SEGMENT = 17, 103
            tx.setsockopt(SOL_UDP, UDP_SEGMENT, 500)
            n_before = len(fw.frames)
            tx.sendto(bytes(range(250)) * 8, (ip_b, 7777))
            parts = []
            rx.settimeout(10)
            try:
                for _ in range(4):
                    parts.append(rx.recv(2048))
            except OSError:
                pass
            t.eq([len(p) for p in parts], [500] * 4,
                 "a UDP_SEGMENT send arrives as its 4 datagrams")
            seg_up = fw.frames[n_before:]
            t.eq(sorted(len(f) for f in seg_up if len(f) > 23 and f[23] == 17), [542] * 4,
                 "4 upcalls of one 500-byte datagram each")
            tx.close()
            rx.close()

            # TCP: connect (the SYN is CHECKSUM_PARTIAL) and 128 KiB (GSO super-packets).
            lst = netns_socket(ns_b, socket.AF_INET, socket.SOCK_STREAM)
            lst.bind((ip_b, 7778))
            lst.listen(1)
            cl = netns_socket(ns_a, socket.AF_INET, socket.SOCK_STREAM)
            cl.settimeout(15)
            try:
                cl.connect((ip_b, 7778))
                connected = True
            except OSError as e:
                connected = False
                t.ok(False, "TCP connect through a miss", repr(e))
            if connected:
                t.ok(True, "TCP connect through a miss (SYN, SYN-ACK checksums valid)")
                lst.settimeout(10)
                conn, _ = lst.accept()
                data = bytes(i % 251 for i in range(128 << 10))
                import threading
                sender = threading.Thread(target=lambda: cl.sendall(data), daemon=True)
                sender.start()
                recvd = bytearray()
                conn.settimeout(20)
                try:
                    while len(recvd) < len(data):
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        recvd += chunk
                except OSError:
                    pass
                t.eq((len(recvd), bytes(recvd) == data), (len(data), True),
                     "128 KiB over TCP arrive intact")
                sender.join(5)
                conn.close()
            cl.close()
            lst.close()
            tcp_up = [f for f in fw.frames if len(f) > 23 and f[23] == 6]
            biggest = max((len(f) for f in fw.frames), default=0)
            mtu = int(open(f"/sys/class/net/{veth_a}/mtu").read())
            t.ok(0 < biggest <= mtu + 14, f"every upcalled frame fits the MTU ({mtu} + 14)",
                 f"largest {biggest}")
            bad = [f[:60].hex() for f in tcp_up if not l4_csum_ok(f)]
            t.eq(bad, [], f"all {len(tcp_up)} upcalled TCP frames have complete checksums")
            t.eq(fw.errors, [], "every EXECUTE succeeded")
            st = ovs.dp_get(name)["stats"]
            t.eq(st["lost"], 0, "dp stats: nothing lost")
        finally:
            if fw:
                fw.close()
            fw_ovs.close()


SO_RCVMARK, SO_MARK = 75, 36


def sc_execute_meta(t, ovs, name, veth_a, vlan_dev, peer_b, netns, qos_prio, qos_pcp):
    """OVS_PACKET_CMD_EXECUTE sets what upstream's ovs_packet_cmd_execute() sets: the hash
    and MRU (seen in a userspace action's upcall), skb->mark (seen by a packet socket on the
    output device) and skb->priority (mapped to the VLAN PCP by a VLAN device's
    egress-qos-map), and the network header (a tc u32 filter on egress matches on it)."""
    qos_prio, qos_pcp = int(qos_prio), int(qos_pcp)
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        lsn = Listener(ovs)
        port = ovs.vport_new(dpif, veth_a, "netdev")["port_no"]
        vport = ovs.vport_new(dpif, vlan_dev, "netdev")["port_no"]
        frame = udp_frame(MAC1, MAC2, IP1, IP2, 5000, 6000, payload=b"X" * 40)
        key = {"in_port": 0}
        is_pkt = lambda m: m.family == "ovs_packet"  # noqa: E731
        up = [["userspace", {"pid": lsn.portid}]]

        def upcall_attrs(**kw):
            ovs.execute(dpif, frame, key, up, **kw)
            m = lsn.recv(timeout=5, want=is_pkt)
            if m is None:
                return None
            h, mru = m.raw(PACKET_ATTR["hash"]), m.raw(PACKET_ATTR["mru"])
            return (struct.unpack("=Q", h)[0] if h else None,
                    struct.unpack("=H", mru)[0] if mru else None)

        t.eq(upcall_attrs(hash=0x12345678 | OVS_PACKET_HASH_SW_BIT),
             (0x12345678 | OVS_PACKET_HASH_SW_BIT, None), "HASH with the sw bit comes back")
        t.eq(upcall_attrs(hash=0x9abcdef0 | OVS_PACKET_HASH_L4_BIT),
             (0x9abcdef0 | OVS_PACKET_HASH_L4_BIT, None), "HASH with the l4 bit comes back")
        t.eq(upcall_attrs(), (0, None), "without HASH: hash 0, no MRU")
        t.eq(upcall_attrs(mru=1400), (0, 1400), "MRU 1400 comes back in the upcall")
        t.eq(upcall_attrs(mru=0), (0, None), "MRU 0: none in the upcall")

        # skb->mark: an outgoing packet's mark, from a packet socket with SO_RCVMARK.
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, SO_RCVMARK, 1)
        s.bind((veth_a, 0))

        def out_marks():
            marks = []
            while select.select([s], [], [], 1.0)[0]:
                data, anc, _, addr = s.recvmsg(65536, socket.CMSG_SPACE(4) * 2)
                if addr[2] != socket.PACKET_OUTGOING or data != frame:
                    continue
                mark = None
                for lvl, typ, cdata in anc:
                    if lvl == socket.SOL_SOCKET and typ == SO_MARK:
                        mark = struct.unpack("=I", cdata[:4])[0]
                marks.append(mark)
            return marks

        t.call(lambda: ovs.execute(dpif, frame, {"in_port": 0, "skb_mark": 0x42},
                                   [["output", port]]), "EXECUTE skb_mark(0x42), output")
        t.eq(out_marks(), [0x42], "the packet leaves with mark 0x42")
        t.call(lambda: ovs.execute(dpif, frame, key, [["output", port]]),
               "EXECUTE without skb_mark, output")
        t.eq(out_marks(), [0], "the packet leaves with mark 0")
        s.close()

        # skb->priority: the VLAN device maps priority qos_prio to PCP qos_pcp.
        ps = PacketSocket(peer_b, netns)
        ps.drain()

        def pcps():
            return [None if tci is None else tci >> 13
                    for data, tci in ps.recv_all(3, n=1) if data == frame]

        t.call(lambda: ovs.execute(dpif, frame, {"in_port": 0, "priority": qos_prio},
                                   [["output", vport]]),
               f"EXECUTE priority({qos_prio}), output to the VLAN device")
        t.eq(pcps(), [qos_pcp], f"the frame arrives with PCP {qos_pcp}")
        t.call(lambda: ovs.execute(dpif, frame, key, [["output", vport]]),
               "EXECUTE without priority, output to the VLAN device")
        t.eq(pcps(), [0], "the frame arrives with PCP 0")
        ps.close()

        # The network header: u32 matches relative to it.
        def u32_hits():
            """Packets the u32 filter's action counted ("Sent N bytes M pkt")."""
            import re
            r = sh(f"tc -s filter show dev {veth_a} egress")
            hits = re.findall(r"Sent \d+ bytes (\d+) pkt", r.stdout)
            return sum(int(h) for h in hits) if hits else f"no stats: {r.stdout} {r.stderr}"

        r = sh(f"tc qdisc add dev {veth_a} clsact && tc filter add dev {veth_a} egress "
               f"protocol ip prio 1 u32 match ip dst {IP2}/32 match ip protocol 17 0xff "
               "action pass")
        if not t.ok(r.returncode == 0, "a tc u32 filter on the port's egress", r.stderr):
            return
        try:
            before = u32_hits()
            t.call(lambda: ovs.execute(dpif, frame, key, [["output", port]]), "EXECUTE output")
            after = settle(u32_hits, lambda v: not isinstance(v, int) or v != before, 2)
            t.eq((before, after), (0, 1), "the u32 filter (ip dst, protocol) matched it")
        finally:
            sh(f"tc qdisc del dev {veth_a} clsact")
        lsn.close()


def sc_internal_netns(t, ovs, name, netns):
    """An internal port moved into another namespace (Neutron's qrouter/qdhcp ports), then
    that namespace deleted: the port goes with it, without hanging the namespace's cleanup
    in unregister_netdevice, and the datapath stays usable. The local port cannot move."""
    sh(f"ip netns del {netns}")
    with DpScope(ovs, name) as dp:
        dpif = dp.ifindex
        iname = name + "-i"
        i = t.call(lambda: ovs.vport_new(dpif, iname, "internal"), f"vport NEW internal {iname}")
        if i is None:
            return
        port = i.get("port_no")
        t.ok(sh(f"ip netns add {netns}").returncode == 0, f"netns {netns} added")
        r = sh(f"ip link set {name} netns {netns}")
        t.ok(r.returncode != 0, "the local port cannot move to another namespace", r.stderr)
        r = sh(f"ip link set {iname} netns {netns}")
        t.ok(r.returncode == 0, f"{iname} moved into {netns}", r.stderr)
        g = ovs.vport_get(dpif, port_no=port)
        t.eq((g.get("name"), g.get("type")), (iname, VPORT_TYPE["internal"]),
             "the moved port is still the datapath's")
        t.ok(g.get("netnsid") is not None, "its GET reply carries the namespace id",
             str(g.get("netnsid")))
        lsn = Listener(ovs, groups=("ovs_vport",))
        t.ok(sh(f"ip netns del {netns}").returncode == 0, f"netns {netns} deleted")

        def port_gone():
            try:
                ovs.vport_get(dpif, port_no=port)
                return False
            except NlError as e:
                return e.errno == errno.ENODEV
        # The namespace's cleanup runs in a workqueue, after the command returned.
        t.ok(settle(port_gone, bool, timeout=60.0),
             "the port left the datapath with the namespace (GET: ENODEV)")
        t.eq(dmesg_count(f"waiting for {iname} to become free"), 0,
             "no unregister_netdevice wait on its device")
        t.eq([m.cmd for m in lsn.recv(timeout=1.0)], [],
             "no vport notification for it (as upstream's ovs_dp_detach_port)")
        lsn.close()
        n = t.call(lambda: ovs.vport_new(dpif, iname, "internal"),
                   "the name is free again: vport NEW internal")
        t.ok(n is not None and ifindex_of(iname) is not None, "with its netdev here")
    t.ok(ifindex_of(name) is None and ifindex_of(iname) is None,
         "datapath deleted: both devices gone")


SCENARIOS = {"dp": sc_dp, "vport": sc_vport, "flow": sc_flow, "flow_dump": sc_flow_dump,
             "execute": sc_execute, "upcall": sc_upcall, "flow_stats": sc_flow_stats,
             "exact": sc_exact, "notify": sc_notify, "dp_attrs": sc_dp_attrs,
             "percpu_userspace": sc_percpu_userspace,
             "upcall_csum": sc_upcall_csum, "execute_meta": sc_execute_meta,
             "internal_netns": sc_internal_netns}


def run_scenario(name, args):
    """Runs one scenario with a fresh client; prints its checks; returns 0 if all passed."""
    t = Tap()
    ovs = None
    try:
        ovs = Ovs()
        SCENARIOS[name](t, ovs, *args)
    except Exception as e:  # noqa: BLE001 - an unexpected error fails the scenario
        import traceback
        traceback.print_exc(file=sys.stdout)
        t.ok(False, f"scenario {name} raised {type(e).__name__}: {e}")
    finally:
        if ovs:
            ovs.close()
    print(f"# {t.n - t.failed}/{t.n} checks passed", flush=True)
    return 1 if t.failed or not t.n else 0


def serve(fifo_dir):
    """Runs scenarios on request, so that a suite pays for one interpreter start: reads
    "ID<TAB>NAME<TAB>ARG..." lines from FIFO_DIR/req, writes each scenario's output and then
    "__rc=ID:RC" to FIFO_DIR/rep. The test side (datapath.sh) opens req, then rep."""
    import contextlib
    with open(f"{fifo_dir}/req") as req, open(f"{fifo_dir}/rep", "w") as rep:
        for line in req:
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "quit":
                break
            rid, name, args = fields[0], fields[1], fields[2:]
            with contextlib.redirect_stdout(rep):
                try:
                    rc = run_scenario(name, args)
                except BaseException as e:  # noqa: BLE001 - keep serving
                    print(f"not ok - scenario {name}: {e!r}")
                    rc = 1
                print(f"__rc={rid}:{rc}", flush=True)


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    what = args.pop(0)
    if what == "scenario":
        sys.exit(run_scenario(args[0], args[1:]))
    if what == "serve":
        serve(args[0])
        return
    ovs = Ovs()
    try:
        if what == "dp-new":
            out = ovs.dp_new(args[0], flags=NLM_F_ECHO)
        elif what == "dp-del":
            out = ovs.dp_del(args[0])
        elif what == "dp-get":
            out = ovs.dp_get(args[0])
        elif what == "dp-dump":
            out = ovs.dp_dump()
        elif what == "vport-dump":
            out = ovs.vport_dump(ovs.dpif(args[0]))
        elif what == "flow-dump":
            out = ovs.flow_dump(ovs.dpif(args[0]))
        elif what == "flow-flush":
            out = ovs.flow_del(ovs.dpif(args[0]))
        else:
            sys.exit(f"unknown command {what}")
    except NlError as e:
        print(json.dumps({"errno": e.errno}))
        sys.exit(3)
    print(json.dumps(out, default=lambda b: b.hex()))


if __name__ == "__main__":
    main()
