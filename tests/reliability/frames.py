#!/usr/bin/python3
"""R3, malformed frames: the driver (tests/reliability/frames.sh sets up the veths and netns).

    frames.py NETNS A1 B1 A2 B2 INJECTOR

A datapath has ports A1 and A2 (veths); their peers B1 and B2 are in NETNS. frame-inject sends
each class of frames from B1, so each enters the datapath through A1's rx_handler. Five
configurations, each on a fresh datapath:
  catchall  one flow: in_port(A1), everything else wildcarded -> output(A2)
  exact     exact flows (learned from the upcalls of the valid base frames) -> output(A2);
            misses upcalled to a listener
  listener  no flows; A1's upcall pid is a netlink socket drained (and counted) by a thread
  pid0      no flows; upcall pid 0
  closed    no flows; the upcall pid of a socket already closed

After each class the counters are read once they settle: A1's rx (sysfs: what the veth
delivered towards the datapath), the datapath's hit/missed/lost, A2's tx (what the datapath
forwarded and the veth passed to B2), upcalls received. Assertions (each holds on upstream
openvswitch.ko, where it was measured first):
  - every class: hit + missed <= A1 rx (the rest was dropped before or at key extraction);
    for the valid and jumbo classes (well-formed headers) hit + missed == A1 rx;
  - catchall: missed == 0, A2 tx == hit; valid frames: hit == sent, all forwarded;
  - exact: valid frames all hit (flow stats sum == dp hits == A2 tx), upcalls + lost == missed;
  - listener: hit == 0, upcalls + lost == missed; the upcalled valid frames are exactly the
    frames sent;
  - pid0, closed: hit == 0, lost == missed.
Environment: MODE=quick|long, SEED, TARGET. Prints '# ' diagnostics and the RESULT line.
"""
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
from ovs_client import (ACTION, FLOW_ATTR, NLM_F_CREATE, PACKET_ATTR, PACKET_CMD_MISS,  # noqa: E402
                        SO_RCVBUFFORCE, NlError, Ovs, _parse_stream, encode_actions, nla, nla_nest,
                        genl_socket, nla_u16, parse_attrs)

MODE = os.environ.get("MODE", "quick")
TARGET = os.environ.get("TARGET", "?")
MTU = 9000
DP = "r3dp"

# Frames per class per configuration in quick mode (5 configurations: ~20,000 frames in all);
# long mode multiplies by LONG_FACTOR (>= 1,000,000 in all). trunc's first 916 frames are every
# base frame cut at every offset.
QUICK = {"valid": 260, "trunc": 916, "ipv4": 400, "ipv6": 300, "exthdr": 500, "vlan": 300,
         "mpls": 300, "runt": 105, "jumbo": 120, "random": 800}
LONG_FACTOR = int(os.environ.get("LONG_FACTOR", "50"))
CONFIGS = ["catchall", "exact", "listener", "pid0", "closed", "conntrack"]
N_BASE = 13
# Classes of which upstream counts (as hit or missed) every frame the veth delivers: nothing
# is dropped by the stack before the rx_handler (as bad VLAN headers are by skb_vlan_untag)
# nor at key extraction, truncated IPv4/IPv6 headers included (check_header's -EINVAL keys
# the frame with zeroed IP fields). Measured on openvswitch.ko (6.12), seed 1.
COUNTED = ("valid", "ipv4", "ipv6", "exthdr", "jumbo")

failures = []


def log(msg):
    print(f"# {msg}", flush=True)


def check(cond, what):
    if not cond:
        failures.append(what)
        log(f"FAIL: {what}")
    return cond


def sysfs(dev, stat):
    with open(f"/sys/class/net/{dev}/statistics/{stat}") as f:
        return int(f.read())


class Drain(threading.Thread):
    """Receives upcalls on a netlink socket, counting MISS messages; optionally keeping the
    PACKET attribute (and the raw KEY) of each."""

    def __init__(self, ovs):
        super().__init__(daemon=True)
        self.sock = genl_socket()
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        self.portid = self.sock.getsockname()[0]
        self.pkt_family = ovs.ids["ovs_packet"]
        self.fam_by_id = ovs.fam_by_id
        self.count = 0
        self.keep = False
        self.kept = []  # (packet bytes, raw key bytes)
        self.stop = False
        self.lock = threading.Lock()
        self.start()

    def run(self):
        fd = self.sock.fileno()
        while not self.stop:
            if not select.select([fd], [], [], 0.2)[0]:
                continue
            try:
                buf = self.sock.recv(1 << 20)
            except OSError:
                continue
            n = 0
            for t, _f, _s, _p, start, end in _parse_stream(buf, self.fam_by_id):
                if t != self.pkt_family or buf[start] != PACKET_CMD_MISS:
                    continue
                n += 1
                if self.keep:
                    attrs = dict(parse_attrs(buf, start + 8, end))
                    self.kept.append((attrs.get(PACKET_ATTR["packet"]),
                                      attrs.get(PACKET_ATTR["key"])))
            with self.lock:
                self.count += n

    def close(self):
        self.stop = True
        self.join(2)
        self.sock.close()


def closed_portid():
    s = genl_socket()
    pid = s.getsockname()[0]
    s.close()
    return pid


class Run:
    def __init__(self, netns, a1, b1, a2, b2, injector, seed):
        self.netns, self.a1, self.b1, self.a2, self.b2 = netns, a1, b1, a2, b2
        self.injector, self.seed = injector, seed
        # One injector process for the whole run: a process start (and `ip netns exec`) costs
        # seconds under TCG.
        self.inj = subprocess.Popen([injector, "--serve", "--netns", netns, "--mtu", str(MTU), b1],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.send_usecs = 0
        self.ovs = Ovs()
        self.sent = self.accepted = 0
        self.inject_secs = 0.0
        self.rows = []

    def inject(self, cls, count, seed, start=0):
        t0 = time.monotonic()
        self.inj.stdin.write(f"{cls} {count} {seed} {start}\n")
        self.inj.stdin.flush()
        line = self.inj.stdout.readline().strip()
        self.inject_secs += time.monotonic() - t0
        if not line.startswith("class="):
            raise RuntimeError(f"frame-inject: {line or 'exited'}")
        kv = {k: int(v) for k, v in (x.split("=", 1) for x in line.split()) if k != "class"}
        if kv["other"]:
            log(f"{cls}: {kv['other']} sends failed with unexpected errors (see stderr)")
        self.sent += count
        self.accepted += kv["ok"]
        self.send_usecs += kv["usecs"]
        return kv

    def counters(self, drain):
        st = self.ovs.dp_get(DP)["stats"]
        return {"rx": sysfs(self.a1, "rx_packets"), "hit": st["hit"], "missed": st["missed"],
                "lost": st["lost"], "fwd": sysfs(self.a2, "tx_packets"),
                "up": drain.count if drain else 0, "a2rx": sysfs(self.a2, "rx_packets")}

    def settle(self, drain, timeout=30.0):
        """The counters once two readings 0.15 s apart agree (and, with a listener, the
        upcalls received plus lost reach the misses, or the timeout passes)."""
        deadline = time.monotonic() + timeout
        prev = self.counters(drain)
        while True:
            time.sleep(0.15)
            cur = self.counters(drain)
            done = cur == prev and (drain is None or cur["up"] + cur["lost"] >= cur["missed"])
            if done or time.monotonic() > deadline:
                return cur
            prev = cur

    def dp_setup(self, pid):
        try:
            self.ovs.dp_del(DP)
        except NlError:
            pass
        self.ovs.dp_new(DP)
        dpif = self.ovs.dpif(DP)
        p1 = self.ovs.vport_new(dpif, self.a1, "netdev", upcall_pids=(pid,))["port_no"]
        p2 = self.ovs.vport_new(dpif, self.a2, "netdev", upcall_pids=(0,))["port_no"]
        return dpif, p1, p2

    def config(self, ci, name, scale):
        drain = None
        if name in ("exact", "listener"):
            drain = Drain(self.ovs)
            pid = drain.portid
        elif name == "closed":
            pid = closed_portid()
        else:
            pid = 0
        dpif, p1, p2 = self.dp_setup(pid)
        flows = 0
        try:
            if name == "catchall":
                # ETHERNET present (all-zero mask): an L2 flow; everything but in_port wildcarded.
                # As upstream's ovs_nla_get_match "always matches on tci", this one takes
                # untagged frames only; two more take one 802.1Q or 802.1ad tag (any TCI, an
                # untagged inside). Double-tagged frames still miss.
                self.ovs.flow_new(dpif, {"in_port": p1, "eth": {}}, [["output", p2]],
                                  mask={"in_port": 0xFFFFFFFF, "eth": {}}, flags=NLM_F_CREATE)
                flows = 1
                for tpid in (0x8100, 0x88A8):
                    try:
                        self.ovs.flow_new(
                            dpif, {"in_port": p1, "eth": {}, "eth_type": tpid, "vlan": 0x1000,
                                   "encap": {}}, [["output", p2]],
                            mask={"in_port": 0xFFFFFFFF, "eth": {}, "eth_type": 0xFFFF,
                                  "vlan": 0x1000, "encap": {}}, flags=NLM_F_CREATE)
                        flows += 1
                        log(f"catchall: flow for one {tpid:#06x} tag (any TCI) installed")
                    except NlError as e:
                        log(f"catchall: flow for one {tpid:#06x} tag refused: {e}")
            elif name == "exact":
                flows = self.learn_exact(dpif, p2, drain)
            elif name == "conntrack":
                flows = self.conntrack_pipeline(dpif, p1, p2)
            base = self.settle(drain)
            for cls, n in QUICK.items():
                count = n * scale
                seed = (self.seed + 0x9E3779B9 * (ci + 1)) & 0xFFFFFFFFFFFFFFFF
                if drain and name == "listener" and cls == "valid":
                    drain.keep, drain.kept = True, []
                inj = self.inject(cls, count, seed)
                cur = self.settle(drain)
                d = {k: cur[k] - base[k] for k in cur}
                base = cur
                self.rows.append((name, cls, inj, d))
                self.assert_class(name, cls, inj, d, seed)
                if drain and drain.keep:
                    drain.keep = False
                    self.check_upcalled(cls, count, seed, drain.kept)
            if name in ("catchall", "exact"):
                fs = self.ovs.flow_dump(dpif)
                total = sum(f.get("stats", {}).get("packets", 0) for f in fs)
                st = self.ovs.dp_get(DP)["stats"]
                check(len(fs) == flows, f"{name}: {len(fs)} flows dumped, {flows} installed")
                check(total == st["hit"],
                      f"{name}: flow stats sum {total} == datapath hits {st['hit']}")
            vs = self.ovs.vport_get(dpif, port_no=p1)
            check(vs["stats"]["rx_packets"] == sysfs(self.a1, "rx_packets"),
                  f"{name}: vport rx_packets {vs['stats']['rx_packets']} == {self.a1} sysfs rx "
                  f"{sysfs(self.a1, 'rx_packets')}")
            log(f"{name}: vport {p1} upcall stats {vs.get('upcall_stats')}")
        finally:
            self.ovs.dp_del(DP)
            if drain:
                drain.close()

    def learn_exact(self, dpif, p2, drain):
        """Sends each valid base frame once; installs an exact flow (no MASK) with the key of
        its upcall, as ovs-vswitchd does."""
        drain.keep, drain.kept = True, []
        self.inject("valid", N_BASE, self.seed)
        deadline = time.monotonic() + 20
        while len(drain.kept) < N_BASE and time.monotonic() < deadline:
            time.sleep(0.1)
        drain.keep = False
        check(len(drain.kept) == N_BASE, f"exact: {len(drain.kept)} of {N_BASE} base frames upcalled")
        n = 0
        for pkt, key in drain.kept:
            attrs = nla_nest(FLOW_ATTR["key"], key) + nla_nest(FLOW_ATTR["actions"],
                                                                encode_actions([["output", p2]]))
            try:
                self.ovs.request("ovs_flow", 1, attrs, NLM_F_CREATE, dpif)
                n += 1
            except NlError as e:
                check(False, f"exact: flow NEW with an upcall's key failed: {e} "
                      f"(frame {pkt.hex() if pkt else None})")
        drain.kept = []
        return n

    def conntrack_pipeline(self, dpif, p1, p2):
        """Issue 14: every untagged IPv4 and IPv6 frame goes through ct(commit) (IPv6 in
        zone 3) and a recirculation before its output, so conntrack sees the malformed
        frames too; the rest misses (upcall pid 0)."""
        # The IP attribute is all zero in key and mask: any address, protocol or fragment.
        for eth_type, l3, zero, zone in ((0x0800, "ipv4", {}, 0), (0x86DD, "ipv6", bytes(40), 3)):
            ct = nla(1, b"") + nla_u16(2, zone)
            key = {"recirc_id": 0, "in_port": p1, "eth": {}, "eth_type": eth_type, l3: zero}
            mask = {"recirc_id": 0xFFFFFFFF, "in_port": 0xFFFFFFFF, "eth": {}, "eth_type": 0xFFFF,
                    l3: zero}
            self.ovs.flow_new(dpif, key, [["raw", ACTION["ct"], ct], ["recirc", 1]], mask=mask,
                              flags=NLM_F_CREATE)
        self.ovs.flow_new(dpif, {"recirc_id": 1, "in_port": p1, "eth": {}}, [["output", p2]],
                          mask={"recirc_id": 0xFFFFFFFF, "in_port": 0xFFFFFFFF, "eth": {}},
                          flags=NLM_F_CREATE)
        return 3

    def assert_class(self, name, cls, inj, d, seed):
        tag = f"{name}/{cls} (seed {seed})"
        check(d["a2rx"] == 0, f"{tag}: nothing came back into the datapath from {self.b2}")
        if name == "conntrack":
            # A recirculated frame is looked up twice, so hits are not frames here. Invalid
            # packets are tracked as invalid and still recirculated: none is lost in ct.
            check(d["lost"] == d["missed"] and d["up"] == 0,
                  f"{tag}: (upcall pid 0) lost {d['lost']} == missed {d['missed']}")
            check(d["fwd"] <= d["hit"], f"{tag}: forwarded {d['fwd']} <= hit {d['hit']}")
            if cls == "valid":
                check(d["fwd"] > 0, f"{tag}: valid frames went through ct and out")
            return
        check(d["hit"] + d["missed"] <= d["rx"],
              f"{tag}: hit {d['hit']} + missed {d['missed']} <= {self.a1} rx {d['rx']}")
        if cls == "valid":
            check(d["rx"] == inj["ok"], f"{tag}: {self.a1} rx {d['rx']} == sent {inj['ok']}")
        if cls in COUNTED:
            check(d["hit"] + d["missed"] == d["rx"],
                  f"{tag}: every frame counted, as upstream: hit {d['hit']} + missed "
                  f"{d['missed']} == rx {d['rx']}")
        if name == "catchall":
            check(d["lost"] == d["missed"] and d["up"] == 0,
                  f"{tag}: (upcall pid 0) lost {d['lost']} == missed {d['missed']}")
            check(d["fwd"] == d["hit"], f"{tag}: forwarded {d['fwd']} == hit {d['hit']}")
            if cls == "valid":
                # Base frames 0..8 are untagged: the catch-all takes every one of them.
                untagged = sum(1 for i in range(inj["sent"]) if i % N_BASE < 9)
                check(d["hit"] >= untagged,
                      f"{tag}: hit {d['hit']} >= {untagged} untagged valid frames")
        elif name == "exact":
            check(d["fwd"] == d["hit"], f"{tag}: forwarded {d['fwd']} == hit {d['hit']}")
            check(d["up"] + d["lost"] == d["missed"],
                  f"{tag}: upcalls {d['up']} + lost {d['lost']} == missed {d['missed']}")
            if cls == "valid":
                check(d["hit"] == inj["ok"], f"{tag}: every valid frame hit an exact flow "
                      f"(hit {d['hit']}, sent {inj['ok']})")
        else:
            check(d["hit"] == 0 and d["fwd"] == 0, f"{tag}: no hits, nothing forwarded")
            if name == "listener":
                check(d["up"] + d["lost"] == d["missed"],
                      f"{tag}: upcalls {d['up']} + lost {d['lost']} == missed {d['missed']}")
            else:
                check(d["lost"] == d["missed"] and d["up"] == 0,
                      f"{tag}: lost {d['lost']} == missed {d['missed']}")

    def check_upcalled(self, cls, count, seed, kept):
        out = subprocess.run([self.injector, "--mtu", str(MTU), "--print", "-", cls, str(count),
                              str(seed)], capture_output=True, text=True, check=True)
        frames = sorted(bytes.fromhex(ln.split()[3]) for ln in out.stdout.splitlines()
                        if not ln.startswith("class="))
        got = sorted(p for p, _ in kept if p is not None)
        if check(len(got) == len(frames), f"listener/{cls}: {len(got)} upcalls kept, "
                 f"{len(frames)} frames sent"):
            bad = [i for i, (a, b) in enumerate(zip(got, frames)) if a != b]
            check(not bad, f"listener/{cls}: upcalled packets are the frames sent "
                  f"({len(bad)} differ; first: got {got[bad[0]].hex() if bad else ''})")


def main():
    netns, a1, b1, a2, b2, injector = sys.argv[1:7]
    seed = int(os.environ["SEED"])
    scale = 1 if MODE == "quick" else LONG_FACTOR
    r = Run(netns, a1, b1, a2, b2, injector, seed)
    t0 = time.monotonic()
    try:
        for ci, name in enumerate(CONFIGS):
            log(f"config {name}")
            r.config(ci, name, scale)
    except Exception as e:  # noqa: BLE001 - an unexpected error fails the suite, with cleanup
        import traceback
        for ln in traceback.format_exc().splitlines():
            log(ln)
        check(False, f"driver raised {type(e).__name__}: {e}")
        try:
            r.ovs.dp_del(DP)
        except Exception:  # noqa: BLE001
            pass
    secs = time.monotonic() - t0
    log(f"{'config':<9} {'class':<7} {'sent':>7} {'ok':>7} {'einval':>6} {'emsgsz':>6} "
        f"{'rx':>7} {'hit':>7} {'missed':>7} {'lost':>7} {'upcall':>7} {'fwd':>7} {'pre-drop':>8}")
    for name, cls, inj, d in r.rows:
        log(f"{name:<9} {cls:<7} {inj['sent']:>7} {inj['ok']:>7} {inj['einval']:>6} "
            f"{inj['emsgsize']:>6} {d['rx']:>7} {d['hit']:>7} {d['missed']:>7} {d['lost']:>7} "
            f"{d['up']:>7} {d['fwd']:>7} {d['rx'] - d['hit'] - d['missed']:>8}")
    rate = r.sent / r.inject_secs if r.inject_secs else 0
    log(f"injected {r.sent} frames ({r.accepted} accepted by the veth) in {r.inject_secs:.1f} s "
        f"({r.send_usecs / 1e6:.1f} s in send loops): {rate:.0f} frames/s; whole run {secs:.1f} s")
    r.inj.stdin.close()
    r.inj.wait()
    if failures:
        log(f"FAIL: {len(failures)} assertions failed")
    print(f"RESULT suite=R3 target={TARGET} sent={r.sent} unit=frames seed={seed} "
          f"seconds={secs:.0f} accepted={r.accepted} fps={rate:.0f} failed={len(failures)}",
          flush=True)
    r.ovs.close()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
