#!/bin/bash
# tests/vm/demo.sh: what `make run` shows in the VM: openvswitch_rs forwarding a ping
# between two namespaces, driven by ovsdp, then the datapath, its ports, flows and stats.
set -e
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
OVSDP=${OVSDP:-$REPO/tools/ovsdp/target/release/ovsdp}
step() { echo; echo "== $*"; }
run() { echo "\$ $*"; "$@"; }

step "kernel $(uname -r), flavour $FLAVOUR: insmod openvswitch_rs.ko"
insmod_ours
dmesg | grep openvswitch_rs | tail -n 1

step "a datapath with two veth ports, one end of each in its own namespace"
run "$OVSDP" add-dp br0
for side in left right; do
	ip netns add "$side"
	ip link add "${side:0:1}0" type veth peer name "${side:0:1}1" netns "$side"
	ip link set "${side:0:1}0" up
	ip -n "$side" link set "${side:0:1}1" up
	run "$OVSDP" add-if br0 "${side:0:1}0"
done
ip -n left addr add 10.0.0.1/24 dev l1
ip -n right addr add 10.0.0.2/24 dev r1

step "flows: ARP and IPv4 from each port to the other"
run "$OVSDP" add-flow br0 "in_port(1),eth(),eth_type(0x0806),arp()" 2
run "$OVSDP" add-flow br0 "in_port(2),eth(),eth_type(0x0806),arp()" 1
run "$OVSDP" add-flow br0 "in_port(1),eth(),eth_type(0x0800),ipv4(dst=10.0.0.2)" 2
run "$OVSDP" add-flow br0 "in_port(2),eth(),eth_type(0x0800),ipv4(dst=10.0.0.1)" 1

step "ping left -> right through the datapath"
run ip netns exec left ping -c 3 -i 0.2 10.0.0.2

step "the datapath, its ports and stats"
run "$OVSDP" show -s br0
step "its flows"
run "$OVSDP" dump-flows br0

step "clean up"
run "$OVSDP" del-dp br0
ip netns del left
ip netns del right
rmmod openvswitch_rs
echo "== done"
