#!/usr/bin/python3
"""Minimal ovs_datapath client for the VM tests (pyroute2), independent of our module's code.

Usage: genl.py family | dp-dump | dp-get NAME | dp-get-ifindex N
Prints what it got as one line of JSON; on a netlink error prints {"errno": N} and exits 3.
"""
import json
import sys

from pyroute2.netlink import NLM_F_DUMP, NLM_F_REQUEST, genlmsg
from pyroute2.netlink.exceptions import NetlinkError
from pyroute2.netlink.generic import GenericNetlinkSocket

OVS_DP_CMD_GET = 3


class OvsDpMsg(genlmsg):
    # struct ovs_header follows genlmsghdr.
    fields = genlmsg.fields + (("dpifindex", "I"),)
    nla_map = (
        ("OVS_DP_ATTR_UNSPEC", "none"),
        ("OVS_DP_ATTR_NAME", "asciiz"),
        ("OVS_DP_ATTR_UPCALL_PID", "uint32"),
        ("OVS_DP_ATTR_STATS", "none"),
        ("OVS_DP_ATTR_MEGAFLOW_STATS", "none"),
        ("OVS_DP_ATTR_USER_FEATURES", "uint32"),
        ("OVS_DP_ATTR_PAD", "none"),
        ("OVS_DP_ATTR_MASKS_CACHE_SIZE", "uint32"),
        ("OVS_DP_ATTR_PER_CPU_PIDS", "array(uint32)"),
        ("OVS_DP_ATTR_IFINDEX", "uint32"),
    )


def request(attrs, flags, dpifindex=0):
    sock = GenericNetlinkSocket()
    sock.bind("ovs_datapath", OvsDpMsg)
    msg = OvsDpMsg()
    msg["cmd"] = OVS_DP_CMD_GET
    msg["version"] = 2
    msg["dpifindex"] = dpifindex
    msg["attrs"] = attrs
    try:
        return sock.nlm_request(msg, msg_type=sock.prid, msg_flags=flags)
    finally:
        sock.close()


def main():
    what = sys.argv[1]
    try:
        if what == "family":
            sock = GenericNetlinkSocket()
            sock.bind("ovs_datapath", OvsDpMsg)
            print(json.dumps({"id": sock.prid}))
            sock.close()
        elif what == "dp-dump":
            reps = request([], NLM_F_REQUEST | NLM_F_DUMP)
            print(json.dumps([r.get_attr("OVS_DP_ATTR_NAME") for r in reps]))
        elif what == "dp-get":
            reps = request([("OVS_DP_ATTR_NAME", sys.argv[2])], NLM_F_REQUEST)
            print(json.dumps([r.get_attr("OVS_DP_ATTR_NAME") for r in reps]))
        elif what == "dp-get-ifindex":
            reps = request([], NLM_F_REQUEST, int(sys.argv[2]))
            print(json.dumps([r.get_attr("OVS_DP_ATTR_NAME") for r in reps]))
        else:
            sys.exit(f"unknown request {what}")
    except NetlinkError as e:
        print(json.dumps({"errno": e.code}))
        sys.exit(3)


main()
