#!/usr/bin/python3
"""R5, privilege: the probes run by tests/reliability/privilege.sh, each in its own process
(as root, as an unprivileged user, in a user namespace).

    privilege.py run DP              the whole suite (privilege.sh): prints the RESULT line
    privilege.py setup DP            root: DP with an internal port DP-i and one flow; prints
                                     the reads (JSON) an unprivileged user should also see
    privilege.py reads DP            the same reads, as whoever runs it (JSON)
    privilege.py mutate DP NEWDP     every mutating command of every family, aimed at DP (and
                                     NEWDP for dp NEW / a second datapath); prints {op: errno}
    privilege.py userns DP DPIF      inside a user namespace with its own netns: touches the
                                     initial netns's DP (name) and DPIF (its ifindex), then
                                     manages a datapath of its own; prints {op: errno}
    privilege.py cleanup DP...

Every request is well-formed (as root, `mutate` succeeds op by op: privilege.sh checks that
too), so an EPERM is the permission check's and nothing else's.
"""
import json
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
import ovs_client  # noqa: E402
ovs_client.SO_RCVBUFFORCE = 8  # SO_RCVBUF: SO_RCVBUFFORCE needs CAP_NET_ADMIN  # noqa: E402
from ovs_client import (NLM_F_CREATE, VERSION, NlError, Ovs, nla, nla_nest, nla_u32,  # noqa: E402
                        resolve_family)

KEY = {"in_port": 1, "eth": {"src": "02:00:00:00:05:01", "dst": "02:00:00:00:05:02"},
       "eth_type": 0x0800,
       "ipv4": {"src": "10.5.0.1", "dst": "10.5.0.2", "proto": 17, "ttl": 64},
       "udp": {"src": 1, "dst": 2}}


def key(i):
    k = json.loads(json.dumps(KEY))
    k["udp"]["src"] = i
    return k


FRAME = bytes.fromhex("020000000502020000000501080045000020000100004011000000000000000000000000"
                      "000100020008000000000000")


def try_op(ovs, fn):
    try:
        fn()
        return 0
    except NlError as e:
        return e.errno


def extra_families(ovs):
    """ovs_meter (upstream only) and ovs_ct_limit: {name: id}."""
    out = {}
    fams = ("ovs_meter", "ovs_ct_limit")
    if os.environ.get("TARGET") != "upstream":
        # Looking a family up by name autoloads the module that has it: for ovs_meter,
        # which ours does not register yet, openvswitch.ko, which then fails to load
        # beside ours.
        fams = ("ovs_ct_limit",)
    for fam in fams:
        try:
            out[fam] = resolve_family(ovs.sock, fam)[0]
        except NlError:  # a family the module does not register
            pass
    for fam, fid in out.items():
        ovs.ids[fam] = fid
        ovs.fam_by_id[fid] = fam
        VERSION[fam] = 1
    return out


def reads(ovs, dp):
    """What any user may read of DP: normalised (no counters)."""
    out = {}
    try:
        d = ovs.dp_get(dp)
        out["dp_get"] = {"name": d.get("name"), "attrs": d["attrs"]}
        dpif = d["dpifindex"]
    except NlError as e:
        out["dp_get"] = {"errno": e.errno}
        dpif = 0
    try:
        out["dp_dump"] = sorted(x.get("name") for x in ovs.dp_dump())
    except NlError as e:
        out["dp_dump"] = {"errno": e.errno}
    try:
        out["vport_get"] = ovs.vport_get(dpif, name=dp + "-i").get("name")
    except NlError as e:
        out["vport_get"] = {"errno": e.errno}
    try:
        out["vport_dump"] = sorted((v.get("port_no"), v.get("name"), v.get("type"))
                                   for v in ovs.vport_dump(dpif))
    except NlError as e:
        out["vport_dump"] = {"errno": e.errno}
    try:
        f = ovs.flow_get(dpif, key=key(1))
        out["flow_get"] = {"key": f.get("key"), "actions": f.get("actions")}
    except NlError as e:
        out["flow_get"] = {"errno": e.errno}
    try:
        out["flow_dump"] = [{"actions": f.get("actions")} for f in ovs.flow_dump(dpif)]
    except NlError as e:
        out["flow_dump"] = {"errno": e.errno}
    fams = extra_families(ovs)
    if "ovs_meter" in fams:
        out["meter_features"] = try_op(ovs, lambda: ovs.request("ovs_meter", 1, b"",
                                                                dpifindex=dpif))
        out["meter_get"] = try_op(ovs, lambda: ovs.request("ovs_meter", 4, nla_u32(1, 1),
                                                           dpifindex=dpif))
    if "ovs_ct_limit" in fams:
        out["ct_limit_get"] = try_op(ovs, lambda: ovs.request("ovs_ct_limit", 3, b"",
                                                              dpifindex=dpif))
    return out


def meter_attrs(mid):
    band = nla_u32(1, 1) + nla_u32(2, 1000) + nla_u32(3, 100)  # type drop, rate, burst
    return nla_u32(1, mid) + nla(2, b"") + nla_nest(4, nla_nest(1, band))  # ID, KBPS, BANDS


def ct_limit_attrs():
    return nla_nest(1, struct.pack("=iII", -1, 1000, 0))  # default zone limit


def mutations(ovs, dp, newdp, dpif):
    """(op, fn) for every mutating command, in an order in which each succeeds as root."""
    port = dp + "-j"
    ops = [
        ("dp_new", lambda: ovs.dp_new(newdp)),
        ("dp_set", lambda: ovs.dp_set(dp, user_features=0)),
        ("vport_new", lambda: ovs.vport_new(dpif, port, "internal")),
        ("vport_set", lambda: ovs.vport_set(dpif, name=port, upcall_pids=[0])),
        ("flow_new", lambda: ovs.flow_new(dpif, key(2), [["output", 1]], flags=NLM_F_CREATE)),
        ("flow_set", lambda: ovs.flow_set(dpif, key=key(2), actions=[["drop", 0]])),
        ("packet_execute", lambda: ovs.execute(dpif, FRAME, KEY, [["drop", 0]])),
        ("flow_del", lambda: ovs.flow_del(dpif, key=key(2))),
        ("vport_del", lambda: ovs.vport_del(dpif, name=port)),
    ]
    fams = extra_families(ovs)
    if "ovs_meter" in fams:
        ops += [("meter_set", lambda: ovs.request("ovs_meter", 2, meter_attrs(7), dpifindex=dpif)),
                ("meter_del", lambda: ovs.request("ovs_meter", 3, nla_u32(1, 7), dpifindex=dpif))]
    if "ovs_ct_limit" in fams:
        ops += [("ct_limit_set", lambda: ovs.request("ovs_ct_limit", 1, ct_limit_attrs(),
                                                     dpifindex=dpif)),
                ("ct_limit_del", lambda: ovs.request("ovs_ct_limit", 2, ct_limit_attrs(),
                                                     dpifindex=dpif))]
    ops += [("flow_flush", lambda: ovs.flow_del(dpif)),
            ("dp_del_new", lambda: ovs.dp_del(newdp)),
            ("dp_del", lambda: ovs.dp_del(dp))]
    return ops


def sh(cmd):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    return r.returncode


def userns(dp, dpif):
    """In a user namespace that owns its network namespace."""
    ovs = Ovs()
    out = {}
    # The initial netns's datapath: invisible by name and ifindex, untouchable.
    out["init_dp_get_name"] = try_op(ovs, lambda: ovs.dp_get(dp))
    out["init_dp_get_ifindex"] = try_op(ovs, lambda: ovs.dp_get(dpifindex=dpif))
    out["init_dp_in_dump"] = int(dp in [x.get("name") for x in ovs.dp_dump()])
    out["init_vport_get"] = try_op(ovs, lambda: ovs.vport_get(dpif, name=dp + "-i"))
    out["init_flow_dump"] = try_op(ovs, lambda: ovs.flow_dump(dpif))
    for op, fn in mutations(ovs, dp, dp + "x", dpif):
        if op in ("dp_new", "dp_del_new"):
            continue  # a datapath of its own: below
        if op.startswith("ct_limit"):
            # ovs_ct_limit changes the requester's own namespace whatever the header's
            # dp_ifindex says (upstream's sock_net()), and this user owns that one.
            out["own_" + op] = try_op(ovs, fn)
            continue
        out["init_" + op] = try_op(ovs, fn)
    # A datapath of its own, with an internal port, a veth port, a flow, an execute.
    own = "r5u"
    out["own_dp_new"] = try_op(ovs, lambda: ovs.dp_new(own))
    if out["own_dp_new"] == 0:
        odp = ovs.dpif(own)
        out["own_vport_new_internal"] = try_op(ovs, lambda: ovs.vport_new(odp, own + "-i",
                                                                          "internal"))
        out["own_veth_create"] = sh("ip link add r5u-a type veth peer name r5u-b && "
                                    "ip link set r5u-a up && ip link set r5u-b up")
        out["own_vport_new_netdev"] = try_op(ovs, lambda: ovs.vport_new(odp, "r5u-a", "netdev"))
        ports = {v["name"]: v["port_no"] for v in ovs.vport_dump(odp)}
        out["own_vports"] = sorted(ports)
        k = key(3)
        k["in_port"] = ports.get(own + "-i", 1)
        out["own_flow_new"] = try_op(ovs, lambda: ovs.flow_new(
            odp, k, [["output", ports.get("r5u-a", 2)]], flags=NLM_F_CREATE))
        out["own_flow_get"] = try_op(ovs, lambda: ovs.flow_get(odp, key=k))
        out["own_flows_dumped"] = len(ovs.flow_dump(odp))
        out["own_packet_execute"] = try_op(ovs, lambda: ovs.execute(
            odp, FRAME, k, [["output", ports.get("r5u-a", 2)]]))
        out["own_dp_set"] = try_op(ovs, lambda: ovs.dp_set(own, user_features=0))
        out["own_flow_del"] = try_op(ovs, lambda: ovs.flow_del(odp, key=k))
        out["own_vport_del_netdev"] = try_op(ovs, lambda: ovs.vport_del(odp, name="r5u-a"))
        out["own_vport_del_internal"] = try_op(ovs, lambda: ovs.vport_del(odp, name=own + "-i"))
        out["own_dp_del"] = try_op(ovs, lambda: ovs.dp_del(own))
        out["own_dp_gone"] = try_op(ovs, lambda: ovs.dp_get(own))
        sh("ip link del r5u-b")
    ovs.close()
    return out


ENODEV, EPERM = 19, 1
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000


def in_child(fn):
    """Runs fn() in a forked child (this interpreter: no start-up cost); returns its JSON."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            out = {"child_error": repr(e)}
        os.write(w, json.dumps(out, sort_keys=True).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 1 << 16)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return json.loads(data or b"{}")


def cap_eff():
    with open("/proc/self/status") as f:
        return next(ln.split()[1] for ln in f if ln.startswith("CapEff"))


def become_nobody():
    """setuid(65534) from root without keep-caps clears the permitted and effective sets."""
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    assert cap_eff() == "0000000000000000", cap_eff()
    # A uid change leaves the process non-dumpable, which makes its /proc/self files root's:
    # it could not write its own uid_map after unshare(CLONE_NEWUSER).
    import ctypes
    PR_SET_DUMPABLE = 4
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)


def unshare_userns(net):
    """A user namespace (mapping our uid to 0), with a network namespace of its own if net."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | (CLONE_NEWNET if net else 0)) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"0 {gid} 1")
    if net:
        sh("ip link set lo up")


def setup_dp(ovs, dp):
    """DP afresh, with an internal port DP-i and one flow; returns its ifindex."""
    try:
        ovs.dp_del(dp)
    except NlError:
        pass
    ovs.dp_new(dp)
    dpif = ovs.dpif(dp)
    ovs.vport_new(dpif, dp + "-i", "internal")
    ovs.flow_new(dpif, key(1), [["output", 1]], flags=NLM_F_CREATE)
    return dpif


def run_all(dp):
    """The whole suite; returns (checks, failures, log lines)."""
    logs, fails = [], []
    n = [0]

    def check(cond, what):
        n[0] += 1
        if not cond:
            fails.append(what)

    ovs = Ovs()
    dpif = setup_dp(ovs, dp)
    # As the children report them: through JSON (tuples become lists).
    def norm_reads():
        return json.loads(json.dumps(reads(ovs, dp), sort_keys=True))
    root_reads = norm_reads()
    logs.append(f"root reads: {json.dumps(root_reads, sort_keys=True)}")
    newdp = dp + "new"

    def nobody(what):
        def fn():
            become_nobody()
            o = Ovs()
            return reads(o, dp) if what == "reads" else \
                {op: try_op(o, f) for op, f in mutations(o, dp, newdp, o.dpif(dp))}
        return fn

    # As nobody, no capabilities.
    got = in_child(nobody("reads"))
    check(got == root_reads, f"unprivileged reads differ from root's: {got}")
    mut = in_child(nobody("mutate"))
    logs.append(f"nobody mutations: {mut}")
    check(len(mut) >= 12 and all(v == EPERM for v in mut.values()),
          f"unprivileged mutations not all EPERM: {mut}")
    check(norm_reads() == root_reads, "r5dp changed after the unprivileged attempts")

    # A user namespace in the initial netns.
    def uns_init():
        become_nobody()
        unshare_userns(net=False)
        o = Ovs()
        return {op: try_op(o, f) for op, f in mutations(o, dp, newdp, o.dpif(dp))}
    mut2 = in_child(uns_init)
    logs.append(f"userns (initial netns) mutations: {mut2}")
    check(len(mut2) == len(mut) and all(v == EPERM for v in mut2.values()),
          f"userns root in the initial netns: mutations not all EPERM: {mut2}")

    # A user namespace owning its netns.
    def uns_own():
        become_nobody()
        unshare_userns(net=True)
        return userns(dp, dpif)
    u = in_child(uns_own)
    logs.append(f"userns (own netns): {u}")
    for k in ("init_dp_get_name", "init_dp_get_ifindex", "init_vport_get", "init_flow_dump",
              "own_dp_gone"):
        check(u.get(k) == ENODEV, f"userns: {k} gave {u.get(k)}, want ENODEV")
    check(u.get("init_dp_in_dump") == 0, "userns: r5dp listed in the dump")
    bad = {k: v for k, v in u.items() if k.startswith("init_") and k != "init_dp_in_dump"
           and v == 0}
    check(not bad and len([k for k in u if k.startswith("init_")]) >= 10,
          f"userns: operations on the initial netns's datapath succeeded: {bad}")
    bad = {k: v for k, v in u.items() if k.startswith("own_")
           and k not in ("own_dp_gone", "own_vports", "own_flows_dumped") and v != 0}
    check(not bad and "own_dp_del" in u, f"userns: managing its own datapath failed: {bad or u}")
    check(u.get("own_vports") == ["r5u", "r5u-a", "r5u-i"], f"userns: vports {u.get('own_vports')}")
    check(u.get("own_flows_dumped") == 1, "userns: its flow was not dumped")
    check(norm_reads() == root_reads, "r5dp changed after the user-namespace attempts")

    # Control: as root the same requests succeed (deleting r5dp last).
    mut3 = {op: try_op(ovs, f) for op, f in mutations(ovs, dp, newdp, dpif)}
    logs.append(f"root mutations: {mut3}")
    core = {k: v for k, v in mut3.items() if not k.startswith(("meter_", "ct_limit_"))}
    check(all(v == 0 for v in core.values()), f"as root, mutations failed: {core}")
    ovs.close()
    return n[0], fails, logs


def main():
    import logging
    logging.disable(logging.CRITICAL)  # pyroute2 logs families it does not find
    what, args = sys.argv[1], sys.argv[2:]
    if what == "run":
        t0 = __import__("time").monotonic()
        checks, fails, logs = run_all(args[0])
        for ln in logs:
            print(f"# {ln}")
        for f in fails:
            print(f"# FAIL: {f}")
        secs = __import__("time").monotonic() - t0
        print(f"RESULT suite=R5 target={os.environ.get('TARGET', '?')} sent={checks} unit=checks "
              f"seed=0 seconds={secs:.0f} failed={len(fails)}", flush=True)
        sys.exit(1 if fails else 0)
    ovs = Ovs()
    if what == "setup":
        dp = args[0]
        dpif = setup_dp(ovs, dp)
        out = {"dpif": dpif, "reads": reads(ovs, dp)}
    elif what == "reads":
        out = reads(ovs, args[0])
    elif what == "mutate":
        dp, newdp = args
        try:
            dpif = ovs.dpif(dp)
        except NlError as e:
            sys.exit(f"no datapath {dp}: {e}")
        out = {op: try_op(ovs, fn) for op, fn in mutations(ovs, dp, newdp, dpif)}
    elif what == "userns":
        ovs.close()
        out = userns(args[0], int(args[1]))
    elif what == "cleanup":
        for dp in args:
            try:
                ovs.dp_del(dp)
            except NlError:
                pass
        out = {}
    else:
        sys.exit(__doc__)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    try:
        main()
    except NlError as e:
        print(json.dumps({"fatal_errno": e.errno, "error": str(e)}))
        sys.exit(3)
