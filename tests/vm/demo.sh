#!/bin/bash
# tests/vm/demo.sh: what `make run` shows in the VM: the module loading and its
# ovs_datapath family answering, as a user would see it.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
echo "== kernel $(uname -r), flavour $FLAVOUR"
echo "== insmod $KO"
insmod "$KO"
lsmod | grep -E '^Module|openvswitch'
dmesg | grep openvswitch_rs | tail -n 3
echo "== genl ctrl get name ovs_datapath"
genl ctrl get name ovs_datapath
echo "== OVS_DP_CMD_GET dump (pyroute2): datapaths"
$PY "$GENL_PY" dp-dump
echo "== OVS_DP_CMD_GET name=br0: (19 = ENODEV, no such datapath)"
$PY "$GENL_PY" dp-get br0 || true
echo "== rmmod openvswitch_rs"
rmmod openvswitch_rs
echo "== done"
