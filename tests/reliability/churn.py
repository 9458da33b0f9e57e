#!/usr/bin/python3
"""R4, churn: datapaths, ports, flows and features change from parallel workers while traffic
crosses a datapath; a namespace holding ports is deleted; veths are deleted under the datapath.

    churn.py SECONDS SEED

Runs as root in the debug VM with the target module loaded (ours or openvswitch.ko: the
same ABI). Each worker is a process with its own netlink socket and its own PRNG, seeded from
SEED and its index; what the kernel interleaves is not replayable, what each worker asks is.
Netlink errors that churn makes legitimate (ENODEV after a concurrent delete, EEXIST, ...)
are counted, not failures; a hung request (no answer in 30 s) or a worker that dies is.
The rmmod under traffic and the netdev/kmemleak checks are the caller's (churn.sh).
"""
import errno
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
from ovs_client import MAC1, MAC2, Listener, NlError, Ovs, udp_key  # noqa: E402
from pyroute2 import IPRoute, netns  # noqa: E402

UF_UNALIGNED, UF_VPORT_PIDS, UF_PER_CPU = 1 << 0, 1 << 1, 1 << 3
TRAFFIC_DP = "chtr"  # the datapath traffic crosses; the port and flow workers use it too
SRC_NS, DST_NS = "chsrc", "chdst"
SRC_IP, DST_IP = "10.77.0.1", "10.77.0.2"


def log(*a):
    print("#", *a, flush=True)


def sh(cmd):
    return os.system(cmd + " >/dev/null 2>&1")


class Counts:
    def __init__(self):
        self.ops = 0
        self.errs = {}

    def run(self, fn, *a, **kw):
        self.ops += 1
        try:
            return fn(*a, **kw)
        except NlError as e:
            name = errno.errorcode.get(e.errno, str(e.errno))
            self.errs[name] = self.errs.get(name, 0) + 1
        return None


def dp_ifindex(ovs, name):
    try:
        return ovs.dpif(name)
    except NlError:
        return None


# --- workers: each runs until the deadline, then returns its Counts -----------------------------

def w_datapaths(rng, deadline, c, idx):
    """Create a datapath with an internal port and a flow, flip its features, delete it."""
    ovs = Ovs()
    n = 0
    while time.monotonic() < deadline:
        name = f"chd{idx}_{n % 3}"
        n += 1
        c.run(ovs.dp_new, name, upcall_pid=ovs.portid,
              user_features=rng.choice([0, UF_UNALIGNED, UF_VPORT_PIDS]),
              masks_cache_size=rng.choice([None, 0, 256]))
        d = dp_ifindex(ovs, name)
        if d is None:
            continue
        c.run(ovs.vport_new, d, f"{name}i", vtype="internal", upcall_pids=(ovs.portid,))
        k = udp_key(1, MAC1, MAC2, "10.9.0.1", "10.9.0.2", rng.randrange(1, 65535), 53)
        c.run(ovs.flow_new, d, k, [["output", 1]])
        c.run(ovs.dp_set, name, user_features=rng.choice([0, UF_UNALIGNED]))
        if rng.random() < 0.7:
            c.run(ovs.dp_del, name)
    for i in range(3):
        c.run(ovs.dp_del, f"chd{idx}_{i}")


def w_ports(rng, deadline, c, idx):
    """Veths attached to the traffic datapath and detached: by netlink, or by deleting the
    veth under the datapath (the netdev notifier's path)."""
    ovs = Ovs()
    ipr = IPRoute()
    n = 0
    while time.monotonic() < deadline:
        a, b = f"chp{idx}a{n % 4}", f"chp{idx}b{n % 4}"
        n += 1
        try:
            ipr.link("add", ifname=a, kind="veth", peer=b)
            ipr.link("set", index=ipr.link_lookup(ifname=a)[0], state="up")
        except Exception:
            c.errs["link_add"] = c.errs.get("link_add", 0) + 1
            continue
        d = dp_ifindex(ovs, TRAFFIC_DP)
        if d is not None:
            c.run(ovs.vport_new, d, a, upcall_pids=(0,))
            if rng.random() < 0.3:
                c.run(ovs.vport_new, d, b, vtype="internal")  # name clash: EEXIST/EBUSY
            time.sleep(rng.random() * 0.05)
            if rng.random() < 0.5:
                c.run(ovs.vport_del, d, name=a)
        try:
            ipr.link("del", ifname=a)  # under the datapath if still attached
        except Exception:
            c.errs["link_del"] = c.errs.get("link_del", 0) + 1
    ipr.close()


def w_flows(rng, deadline, c, idx):
    """Flows over the traffic ports: add, modify, delete, flush, with a catch-all now and then
    so that traffic takes the hit path as well as the miss path."""
    ovs = Ovs()
    while time.monotonic() < deadline:
        d = dp_ifindex(ovs, TRAFFIC_DP)
        if d is None:
            time.sleep(0.05)
            continue
        r = rng.random()
        sport = rng.randrange(1000, 1064)
        k = udp_key(1, MAC1, MAC2, SRC_IP, DST_IP, sport, 9)
        if r < 0.45:
            acts = rng.choice([[["output", 2]], [["drop", 0]], [["output", 2], ["output", 1]],
                               [["push_vlan", {"tpid": 0x8100, "tci": 0x1005}], ["output", 2]],
                               [["clone", [["output", 2]]], ["recirc", 3]]])
            c.run(ovs.flow_new, d, k, acts)
        elif r < 0.7:
            c.run(ovs.flow_del, d, key=k)
        elif r < 0.85:
            c.run(ovs.flow_set, d, key=k, actions=[["output", 2]])
        elif r < 0.95:
            # a wide flow (in_port only) that every test frame matches
            c.run(ovs.flow_new, d, k, [["output", 2]],
                  mask={"in_port": 0xFFFFFFFF, "eth_type": 0xFFFF})
        else:
            c.run(ovs.flow_del, d)  # flush


def w_features(rng, deadline, c, idx):
    """The traffic datapath's user features and mask cache size, toggled; upcall listeners
    that come and go (their pid left stale when they close)."""
    ovs = Ovs()
    while time.monotonic() < deadline:
        feats = rng.choice([0, UF_UNALIGNED, UF_VPORT_PIDS, UF_UNALIGNED | UF_VPORT_PIDS])
        c.run(ovs.dp_set, TRAFFIC_DP, user_features=feats,
              masks_cache_size=rng.choice([0, 1, 256, 8192]))
        try:
            lst = Listener(ovs)
        except OSError as e:  # the socket itself, not the datapath's answer
            c.errs[type(e).__name__] = c.errs.get(type(e).__name__, 0) + 1
            time.sleep(0.1)
            continue
        d = dp_ifindex(ovs, TRAFFIC_DP)
        if d is not None:
            c.run(ovs.vport_set, d, port_no=1, upcall_pids=[lst.portid])
        lst.recv(timeout=rng.random() * 0.5)  # drains the upcalls that arrive meanwhile
        lst.close()  # the port keeps the dead pid: upcalls to it are lost, not a crash


def w_netns(rng, deadline, c, idx):
    """A namespace holding a datapath with ports, deleted while they exist."""
    n = 0
    while time.monotonic() < deadline:
        ns = f"chns{idx}_{n}"
        n += 1
        try:
            netns.create(ns)
        except Exception:
            c.errs["netns_create"] = c.errs.get("netns_create", 0) + 1
            continue
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                netns.setns(ns)
                ovs = Ovs()
                ipr = IPRoute()
                ipr.link("add", ifname="nsv0", kind="veth", peer="nsv1")
                ipr.link("set", index=ipr.link_lookup(ifname="nsv0")[0], state="up")
                ovs.dp_new("chnsdp", upcall_pid=ovs.portid)
                d = ovs.dpif("chnsdp")
                ovs.vport_new(d, "nsv0")
                ovs.vport_new(d, "nsi", vtype="internal")
                ovs.flow_new(d, udp_key(1, MAC1, MAC2, SRC_IP, DST_IP, 1, 2), [["output", 2]])
            except Exception:
                traceback.print_exc()
                code = 1
            os._exit(code)
        _, st = os.waitpid(pid, 0)
        if st != 0:
            c.errs["netns_child"] = c.errs.get("netns_child", 0) + 1
        c.ops += 1
        try:
            netns.remove(ns)  # the datapath and its ports go with the namespace
        except Exception:
            c.errs["netns_remove"] = c.errs.get("netns_remove", 0) + 1


WORKERS = [w_datapaths, w_datapaths, w_ports, w_ports, w_flows, w_flows, w_features, w_netns]


def setup_traffic():
    """src ns --veth-- [port 1  TRAFFIC_DP  port 2] --veth-- dst ns."""
    # One `ip -batch` per namespace, not a shell and an ip per command: 13 of those took
    # 17 s under TCG on the debug kernel (2026-12-04).
    def batch(cmds, ns=None):
        subprocess.run(["ip"] + (["-n", ns] if ns else []) + ["-force", "-batch", "-"],
                       input="\n".join(cmds) + "\n", text=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    batch([f"netns del {SRC_NS}", f"netns del {DST_NS}", f"netns add {SRC_NS}",
           f"netns add {DST_NS}", f"link add chs0 type veth peer name chs1 netns {SRC_NS}",
           f"link add chd0 type veth peer name chd1 netns {DST_NS}",
           "link set chs0 up", "link set chd0 up"])
    for ns, dev, mac, ip in ((SRC_NS, "chs1", MAC1, SRC_IP), (DST_NS, "chd1", MAC2, DST_IP)):
        batch([f"link set {dev} address {mac}", f"addr add {ip}/24 dev {dev}",
               f"link set {dev} up"] +
              ([f"neigh add {DST_IP} lladdr {MAC2} dev {dev}"] if ns == SRC_NS else []), ns)
    ovs = Ovs()
    ovs.dp_new(TRAFFIC_DP, upcall_pid=0)
    d = ovs.dpif(TRAFFIC_DP)
    ovs.vport_new(d, "chs0", port_no=1)
    ovs.vport_new(d, "chd0", port_no=2)
    ovs.close()


def traffic(rng_seed, stop_file):
    """UDP from the source namespace, 64 source ports, until stop_file appears."""
    netns.setns(SRC_NS)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    socks = []
    for p in range(1000, 1064):
        t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t.bind((SRC_IP, p))
        socks.append(t)
    s.close()
    rng = random.Random(rng_seed)
    sent = 0
    while not os.path.exists(stop_file):
        for _ in range(200):
            try:
                rng.choice(socks).sendto(b"x" * 18, (DST_IP, 9))
                sent += 1
            except OSError:
                time.sleep(0.001)
    print(f"# traffic: {sent} datagrams sent", flush=True)
    os._exit(0)


def main():
    seconds, seed = float(sys.argv[1]), int(sys.argv[2])
    stop_file = sys.argv[3] if len(sys.argv) > 3 else "/tmp/churn.stop"
    setup_traffic()
    if os.path.exists(stop_file):
        os.unlink(stop_file)
    tpid = os.fork()
    if tpid == 0:
        traffic(seed ^ 0x7A, stop_file)
    deadline = time.monotonic() + seconds
    kids = {}
    for i, fn in enumerate(WORKERS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            signal.alarm(int(seconds) + 120)  # a hung request kills the worker: a failure
            c = Counts()
            code = 0
            try:
                fn(random.Random(seed * 1000 + i), deadline, c, i)
            except Exception:
                traceback.print_exc()
                code = 1
            os.write(w, json.dumps({"ops": c.ops, "errs": c.errs}).encode())
            os._exit(code)
        os.close(w)
        kids[pid] = (fn.__name__, r)
    failed = 0
    total = 0
    for pid, (name, r) in kids.items():
        data = b""
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            data += chunk
        _, st = os.waitpid(pid, 0)
        res = json.loads(data) if data else {"ops": 0, "errs": {}}
        total += res["ops"]
        print(f"# {name}[{pid}]: {res['ops']} ops, errors {res['errs']}, exit {st}", flush=True)
        if st != 0:
            failed += 1
    # The caller unloads the module while this traffic still runs, then touches stop_file.
    print(f"ops={total} failed_workers={failed} traffic_pid={tpid}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
