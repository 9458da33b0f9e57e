#!/bin/bash
# tests/vm/conntrack.sh: in the guest, the `ct` action differential (issue 14), TAP. One
# script of ovsdp commands and traffic runs against openvswitch.ko, then openvswitch_rs.ko;
# its normalised output (ping and connection outcomes, the flows as the kernel dumps them,
# the connections `conntrack -L` lists) must be identical:
#   - ICMP, TCP and UDP committed in zone 5 with a mark and labels, then matched
#     established (and the reply direction) after recirculation, on ct_zone, ct_mark and
#     ct_label;
#   - the same UDP 5-tuple tracked in zone 7 is a new connection there (zones isolate);
#   - a new connection from the other side is not established, and goes nowhere;
#   - SNAT to an address and port range, and the NAT undone for the replies;
#   - ct_limit (ovs-dpctl ct-set-limits, ct-get-limits, ct-del-limits): a zone's second
#     connection refused over its limit of 1, and logged; the counts; the default limit;
#   - the FTP helper: a passive-mode data connection is related (and passes) with it, new
#     (and dropped) without it (the full form: OVS_RS_CHECK=full, or unset as when run by
#     hand; make check's quick form leaves it out);
#   - ct_clear, and what the datapath's deletion leaves in the conntrack table.
# Needs tools/ovsdp/target/release/ovsdp and build/$FLAVOUR/openvswitch_rs.ko.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
OVSDP=${OVSDP:-$REPO/tools/ovsdp/target/release/ovsdp}
NC=/usr/bin/nc.openbsd
work=$(mktemp -d)

make_ports() {
	for s in x y; do
		ip netns add "ns$s"
		ip link add "${s}0" type veth peer name "${s}1" netns "ns$s"
		ip link set "${s}0" up
		ip -n "ns$s" link set "${s}1" up
		ip netns exec "ns$s" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	done
	sysctl -qw net.ipv6.conf.x0.disable_ipv6=1 net.ipv6.conf.y0.disable_ipv6=1
	ip -n nsx link set x1 address 02:00:00:00:0c:01
	ip -n nsy link set y1 address 02:00:00:00:0c:02
	ip -n nsx addr add 10.12.0.1/24 dev x1
	ip -n nsy addr add 10.12.0.2/24 dev y1
	# Static neighbours: no ARP in the flows, and the SNAT address answers to x1's MAC.
	ip -n nsx neigh replace 10.12.0.2 lladdr 02:00:00:00:0c:02 dev x1 nud permanent
	ip -n nsy neigh replace 10.12.0.1 lladdr 02:00:00:00:0c:01 dev y1 nud permanent
	ip -n nsy neigh replace 10.12.0.100 lladdr 02:00:00:00:0c:01 dev y1 nud permanent
}

# outcome NAME CMD...: "NAME ok" or "NAME failed".
outcome() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "$name ok"; else echo "$name failed"; fi
}

# tcp_connect NAME DST PORT SPORT: a TCP connection from nsx to nsy, echoing a line.
tcp_connect() {
	local name=$1 dst=$2 port=$3 sport=$4
	ip netns exec nsy timeout 10 $NC -l -N 10.12.0.2 "$port" > "$work/tcp.$name" &
	local srv=$!
	sleep 0.5
	echo "hello-$name" | ip netns exec nsx timeout 5 $NC -N -w 3 -p "$sport" "$dst" "$port" >/dev/null 2>&1
	wait $srv
	if grep -q "hello-$name" "$work/tcp.$name"; then echo "$name ok"; else echo "$name failed"; fi
}

# The connections of the test's addresses, without what differs from run to run (timeouts,
# ICMP ids, use counts, the SNAT port nf_nat picks at random in its range, and how a closed
# TCP connection ended: nc closes with FIN or RST by its timing, TIME_WAIT or CLOSE, seen
# 2026-12-03 on upstream's and ours alike), sorted.
ct_list() {
	conntrack -L 2>/dev/null | grep -E '10\.12\.0\.' |
		sed -E 's/^([a-z]+ +[0-9]+) +[0-9]+ /\1 T /; s/ id=[0-9]+/ id=I/g; s/ use=[0-9]+//' |
		sed -E 's/ (TIME_WAIT|CLOSE|CLOSE_WAIT|LAST_ACK|FIN_WAIT) / CLOSED /' |
		sed -E 's/(dst=10\.12\.0\.100 sport=[0-9]+ dport=)(500[0-9]|5010)\b/\15000-5010/' | sort
}

conntrack_script() {
	local o=$OVSDP
	c() { echo "\$ ovsdp $*"; "$o" "$@" 2>&1; echo "rc=$?"; }
	c_sorted() { echo "\$ ovsdp $* | sort"; "$o" "$@" 2>&1 | sort; echo "rc=${PIPESTATUS[0]}"; }
	conntrack -F >/dev/null 2>&1
	c add-dp c0
	make_ports
	c add-if c0 x0
	c add-if c0 y0
	local ip='eth(),eth_type(0x0800),ipv4(frag=no)'
	# x -> y: committed in zone 5 with a mark and labels, then out if the key says so.
	c add-flow c0 "recirc_id(0),in_port(1),$ip" "ct(commit,zone=5,mark=0x11/0xff,label=0x2200/0xff00),recirc(0x1)"
	c add-flow c0 "recirc_id(0x1),in_port(1),ct_state(+trk),ct_zone(5),ct_mark(0x11),ct_label(0x2200/0xff00),$ip" 2
	# y -> x: looked up in zone 5; only established replies go back.
	c add-flow c0 "recirc_id(0),in_port(2),$ip" "ct(zone=5),recirc(0x2)"
	c add-flow c0 "recirc_id(0x2),in_port(2),ct_state(+trk+est+rpl-new),ct_zone(5),ct_mark(0x11),$ip" 1
	outcome "icmp x->y" ip netns exec nsx ping -c 2 -i 0.3 -W 2 10.12.0.2
	tcp_connect "tcp x->y" 10.12.0.2 7001 41001
	ip netns exec nsy timeout 5 $NC -u -l -W 1 10.12.0.2 7002 > "$work/udp" &
	sleep 0.5
	ip netns exec nsx bash -c 'echo udp-datagram | '"$NC"' -u -w 1 -p 41002 10.12.0.2 7002' >/dev/null 2>&1
	wait $!
	if grep -q udp-datagram "$work/udp"; then echo "udp x->y ok"; else echo "udp x->y failed"; fi
	# A new connection from y: tracked, new, not established: no flow takes it (a miss,
	# with no one listening).
	outcome "icmp y->x (new from y)" ip netns exec nsy ping -c 1 -W 1 10.12.0.1
	ct_list
	c_sorted dump-flows c0

	# Zones isolate: the UDP 5-tuple above, tracked in zone 7, is new there.
	c del-flows c0
	c add-flow c0 "recirc_id(0),in_port(1),$ip" "ct(zone=7),recirc(0x3)"
	c add-flow c0 "recirc_id(0x3),in_port(1),ct_state(+trk+new),ct_zone(7),$ip" "ct(commit,zone=7),2"
	c add-flow c0 "recirc_id(0),in_port(2),$ip" "ct(zone=7),recirc(0x4)"
	c add-flow c0 "recirc_id(0x4),in_port(2),ct_state(+trk+est),ct_zone(7),$ip" 1
	ip netns exec nsy timeout 5 $NC -u -l -W 1 10.12.0.2 7002 > "$work/udp7" &
	sleep 0.5
	ip netns exec nsx bash -c 'echo udp-zone7 | '"$NC"' -u -w 1 -p 41002 10.12.0.2 7002' >/dev/null 2>&1
	wait $!
	if grep -q udp-zone7 "$work/udp7"; then echo "udp x->y new in zone 7 ok"; else echo "udp x->y new in zone 7 failed"; fi
	ct_list

	# SNAT to 10.12.0.100, ports 5000-5010; replies un-NATted by a bare nat.
	c del-flows c0
	conntrack -F >/dev/null 2>&1
	c add-flow c0 "recirc_id(0),in_port(1),$ip" "ct(commit,zone=9,nat(src=10.12.0.100:5000-5010)),recirc(0x5)"
	c add-flow c0 "recirc_id(0x5),in_port(1),ct_state(+trk+snat),$ip" 2
	c add-flow c0 "recirc_id(0),in_port(2),$ip" "ct(zone=9,nat),recirc(0x6)"
	c add-flow c0 "recirc_id(0x6),in_port(2),ct_state(+trk+est),$ip" 1
	ip netns exec nsy timeout 10 $NC -l -N 10.12.0.2 7003 > "$work/tcp.snat" &
	local srv=$!
	sleep 0.5
	echo hello-snat | ip netns exec nsx timeout 5 $NC -N -w 3 -p 41003 10.12.0.2 7003 >/dev/null 2>&1
	wait $srv
	if grep -q hello-snat "$work/tcp.snat"; then echo "tcp snat ok"; else echo "tcp snat failed"; fi
	ct_list
	c_sorted dump-flows c0

	# ct_limit, set by stock ovs-dpctl: zone 3 holds one connection, so a second ping (a new
	# ICMP id) is refused at its commit and logged; without the zone's limit (the default,
	# 10, applies) it passes. The counts come from nf_conncount.
	c del-flows c0
	conntrack -F >/dev/null 2>&1
	local logged0
	logged0=$(dmesg | grep -c 'openvswitch: zone: 3 exceeds conntrack limit')
	# ovs-dpctl says at start whether the module has meters: ours not yet (issue 16), which
	# is not this suite's.
	d() {
		echo "\$ ovs-dpctl $*"
		ovs-dpctl "$@" 2>&1 | grep -v 'dpif_netlink|INFO|The kernel module does not support meters'
		echo "rc=${PIPESTATUS[0]}"
	}
	d ct-get-limits system@c0
	d ct-set-limits system@c0 default=10 zone=3,limit=1 zone=4,limit=7
	c add-flow c0 "recirc_id(0),in_port(1),$ip" "ct(commit,zone=3),2"
	c add-flow c0 "recirc_id(0),in_port(2),$ip" "ct(zone=3),recirc(0xa)"
	c add-flow c0 "recirc_id(0xa),in_port(2),ct_state(+trk+est),$ip" 1
	outcome "icmp x->y first in zone 3 (limit 1)" ip netns exec nsx ping -c 1 -W 2 10.12.0.2
	outcome "icmp x->y second in zone 3 (limit 1)" ip netns exec nsx ping -c 1 -W 2 10.12.0.2
	echo "zone 3 over its limit logged: $(($(dmesg | grep -c 'openvswitch: zone: 3 exceeds conntrack limit') - logged0))"
	d ct-get-limits system@c0
	d ct-get-limits system@c0 zone=3,4,5
	d ct-del-limits system@c0 zone=3
	outcome "icmp x->y in zone 3 (default limit 10)" ip netns exec nsx ping -c 1 -W 2 10.12.0.2
	d ct-get-limits system@c0
	ct_list

	# The FTP helper: the control connection to port 21 is committed with helper=ftp, so the
	# server's passive-mode reply (227, port 31*256+65 = 8001) makes the data connection
	# from x related; only established and related connections pass from x. Without the
	# helper, the data connection is new, and dropped.
	# The full form only (make check-full): about 40 s on the plain kernel, 90 s under make
	# check's load, which its 15 minutes do not have room for.
	local helper i helpers=
	[ "${OVS_RS_CHECK:-full}" = full ] && helpers="ftp none"
	for helper in $helpers; do
		c del-flows c0
		conntrack -F >/dev/null 2>&1
		local commit="ct(commit,zone=13,helper=ftp)"
		[ $helper = ftp ] || commit="ct(commit,zone=13)"
		c add-flow c0 "recirc_id(0),in_port(1),$ip" "ct(zone=13),recirc(0x8)"
		c add-flow c0 "recirc_id(0x8),in_port(1),ct_state(+trk+new-rel),eth(),eth_type(0x0800),ipv4(proto=6,frag=no),tcp(dst=21),tcp_flags(0/0)" "$commit,2"
		c add-flow c0 "recirc_id(0x8),in_port(1),ct_state(+trk+new+rel),$ip" "ct(commit,zone=13),2"
		c add-flow c0 "recirc_id(0x8),in_port(1),ct_state(+trk+est),$ip" 2
		c add-flow c0 "recirc_id(0),in_port(2),$ip" "ct(zone=13),recirc(0x9)"
		c add-flow c0 "recirc_id(0x9),in_port(2),ct_state(+trk+est),$ip" 1
		c add-flow c0 "recirc_id(0x9),in_port(2),ct_state(+trk+rel),$ip" 1
		# The control connection. The helper reads a reply only in a segment that starts
		# after a newline it has seen, as in a real session: a greeting, then the
		# passive-mode reply in a segment of its own. Client ports differ per round (the
		# last round's are in TIME_WAIT).
		local sport=41021
		[ $helper = ftp ] || sport=41031
		# The server writes each reply only once the connection is up, so that the two are
		# two segments however slow the guest (written before, both sat in nc's input and
		# went as one: make check, 2026-12-03).
		rm -f "$work/ftp.in"
		mkfifo "$work/ftp.in"
		ip netns exec nsy timeout 15 $NC -l 10.12.0.2 21 < "$work/ftp.in" > "$work/ftp.ctl.$helper" &
		local ctl=$!
		exec 7>"$work/ftp.in"
		sleep 0.5
		{ sleep 1; printf 'PASV\r\n'; sleep 3; } |
			ip netns exec nsx timeout 8 $NC -w 4 -p $sport 10.12.0.2 21 > "$work/ftp.reply.$helper" 2>&1 &
		local cli=$!
		for i in $(seq 100); do
			ip netns exec nsy ss -Htn state established '( sport = :21 )' | grep -q . && break
			sleep 0.1
		done
		printf '220 hello\r\n' >&7
		sleep 1
		printf '227 Entering Passive Mode (10,12,0,2,31,65).\r\n' >&7
		sleep 1
		exec 7>&-
		wait $cli
		wait $ctl 2>/dev/null
		# The expectation the helper made of the passive-mode reply, if any.
		conntrack -L expect 2>/dev/null | grep -E '10\.12\.0\.' | sed -E 's/^[0-9]+ /T /' | sort
		# The data connection, its server started only now (its wait is not the control
		# connection's), and stopped once the client is done.
		ip netns exec nsy timeout 10 $NC -l -N 10.12.0.2 8001 > "$work/ftp.data.$helper" &
		local data=$!
		sleep 0.5
		echo ftp-data | ip netns exec nsx timeout 4 $NC -N -w 2 -p $((sport + 1)) 10.12.0.2 8001 >/dev/null 2>&1
		for i in $(seq 15); do kill -0 $data 2>/dev/null || break; sleep 0.2; done
		kill $data 2>/dev/null
		wait $data 2>/dev/null
		echo "ftp server got: $(tr -d '\r' < "$work/ftp.ctl.$helper" | tr '\n' ' ')"
		if grep -q '^227 ' "$work/ftp.reply.$helper"; then echo "ftp control ($helper) ok"; else echo "ftp control ($helper) failed"; fi
		if grep -q ftp-data "$work/ftp.data.$helper"; then echo "ftp data ($helper) ok"; else echo "ftp data ($helper) failed"; fi
		ct_list
	done

	# ct_clear, then the datapath goes: what stays in the conntrack table.
	c del-flows c0
	c add-flow c0 "recirc_id(0),in_port(1),$ip" "ct(commit,zone=11),ct_clear,recirc(0x7)"
	c add-flow c0 "recirc_id(0x7),in_port(1),ct_state(-trk),$ip" 2
	c add-flow c0 "recirc_id(0),in_port(2),$ip" 1
	outcome "icmp x->y after ct_clear" ip netns exec nsx ping -c 1 -W 2 10.12.0.2
	c_sorted dump-flows c0
	c del-dp c0
	echo "zone 11 entries after del-dp: $(conntrack -L -w 11 2>/dev/null | grep -c 10.12.0.)"
	conntrack -F >/dev/null 2>&1
	drop_ports
}

# Packet counts and TCP flags depend on retransmissions and on how nc closes (FIN or RST),
# which a loaded TCG guest makes at times of its own; the outcomes say the traffic went
# through.
normalise() {
	sed -E 's/used:[0-9.]+s/used:T/; s/packets:[0-9]+, bytes:[0-9]+/packets:P, bytes:B/; s/flags:[^,]*, //'
}

test_conntrack_differential() {
	local t
	for t in upstream ours; do
		load_target $t || return 1
		conntrack_script | normalise > "$work/$t.out"
	done
	unload_ours; unload_upstream
	if ! diff -u "$work/upstream.out" "$work/ours.out"; then
		echo "ct output differs between openvswitch.ko and openvswitch_rs.ko"
		return 1
	fi
	echo "identical output on both ($(wc -l < "$work/ours.out") lines):"
	grep -E ' (ok|failed)$|entries' "$work/ours.out"
	# The reference itself did what the script expects, so that "identical" means right.
	local want ftp=
	[ "${OVS_RS_CHECK:-full}" = full ] &&
		ftp=$(printf '%s\n' 'ftp control (ftp) ok' 'ftp data (ftp) ok' 'ftp control (none) ok' \
			'ftp data (none) failed')
	want=$(printf '%s\n' 'icmp x->y ok' 'tcp x->y ok' 'udp x->y ok' 'icmp y->x (new from y) failed' \
		'udp x->y new in zone 7 ok' 'tcp snat ok' 'icmp x->y first in zone 3 (limit 1) ok' \
		'icmp x->y second in zone 3 (limit 1) failed' 'icmp x->y in zone 3 (default limit 10) ok' \
		${ftp:+"$ftp"} 'icmp x->y after ct_clear ok')
	if [ "$(grep -E ' (ok|failed)$' "$work/upstream.out")" != "$want" ]; then
		sed 's/^/upstream: /' "$work/upstream.out"
		fail "upstream's outcomes are not the expected ones"
		return 1
	fi
	grep -q 'zone=5' "$work/upstream.out" || fail "no zone 5 connection listed" || return 1
	grep -q 'mark=17' "$work/upstream.out" || fail "no connection with mark 0x11 listed" ||
		return 1
	grep -q 'dst=10.12.0.100 sport=7003 dport=5000-5010 ' "$work/upstream.out" ||
		fail "no SNAT to 10.12.0.100 with a port in 5000-5010 listed" || return 1
	grep -q 'zone 3 over its limit logged: [1-9]' "$work/upstream.out" ||
		fail "no 'zone: 3 exceeds conntrack limit' in the kernel log"
}

set -- ${CONNTRACK_TESTS:-conntrack_differential}
tap_plan $#
for t in "$@"; do tap_run "$t" "test_$t"; done
rm -rf "$work"
[ $tap_fail -eq 0 ]
