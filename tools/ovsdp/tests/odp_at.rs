//! Host tests against OVS 3.1 itself: the action strings of tests/odp.at
//! and the netlink bytes OVS's encoder builds for them (userspace-action
//! cookies included), and odp.at's limits on attribute and nesting sizes
//! (OVS: tests/odp.at, lib/odp-util.c).

use ovsdp::actions::{format_actions, parse_actions};
use ovsdp::attr::{Attr, MAX_PAYLOAD};
use ovsdp::cookie::{Cookie, COOKIE_LEN};
use ovsdp::key::{format_flow, parse_flow, Ports};
use ovsdp::uapi::*;

/// `attr::emit()` of lists the tests know fit.
fn emit(a: &[Attr]) -> Vec<u8> {
    ovsdp::attr::emit(a).expect("emit")
}

fn h(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every action form of OVS 3.1's tests/odp.at ("OVS datapath actions
/// parsing and formatting - valid forms") that ovsdp covers, in odp.at's
/// order (81 of its 124 lines; the 25 with `nat` are in
/// [`ODP_AT_CT_NAT_ACTIONS`], and the other 18 are the forms the README
/// lists as not covered: `set(tunnel(..))`, `tnl_push`/`tnl_pop`,
/// `lb_output`), each with the netlink bytes OVS 3.1's
/// `odp_actions_from_string()` builds for it. The bytes were captured on
/// x86-64 from a libopenvswitch.a built from Debian's openvswitch 3.1
/// source (cookies and `u32`s are in host byte order).
const ODP_AT_ACTIONS: &[(&str, &str)] = &[
    (
        "1,2,3",
        "080001000100000008000100020000000800010003000000",
    ),
    (
        "userspace(pid=6633,sFlow(vid=9,pcp=7,output=10),actions)",
        "4400020008000100e91900003400020001000000ffff00000000000000000000\
         0000000000000000f00900000a00000000000000000000000000000000000000\
         04000400",
    ),
    (
        "userspace(pid=6633,sFlow(vid=9,pcp=7,output=10),actions,tunnel_out_port=10)",
        "4c00020008000100e91900003400020001000000ffff00000000000000000000\
         0000000000000000f00900000a00000000000000000000000000000000000000\
         080003000a00000004000400",
    ),
    (
        "userspace(pid=9765,slow_path(0))",
        "4000020008000100252600003400020002000000ffff00000000000000000000\
         0000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "userspace(pid=9765,slow_path(0),tunnel_out_port=10)",
        "4800020008000100252600003400020002000000ffff00000000000000000000\
         0000000000000000000000000000000000000000000000000000000000000000\
         080003000a000000",
    ),
    (
        "userspace(pid=9765,slow_path(cfm))",
        "4000020008000100252600003400020002000000ffff00000000000000000000\
         0000000000000000000000000100000000000000000000000000000000000000",
    ),
    (
        "userspace(pid=9765,slow_path(cfm),tunnel_out_port=10)",
        "4800020008000100252600003400020002000000ffff00000000000000000000\
         0000000000000000000000000100000000000000000000000000000000000000\
         080003000a000000",
    ),
    (
        "userspace(pid=1234567,userdata(0102030405060708090a0b0c0d0e0f),actions)",
        "240002000800010087d61200130002000102030405060708090a0b0c0d0e0f00\
         04000400",
    ),
    (
        "userspace(pid=1234567,userdata(0102030405060708090a0b0c0d0e0f),tunnel_out_port=10)",
        "280002000800010087d61200130002000102030405060708090a0b0c0d0e0f00\
         080003000a000000",
    ),
    (
        "userspace(pid=6633,flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,output_port=10))",
        "4000020008000100e91900003400020003000000ffff00000000000000000000\
         00000000000000007b000000d204000029090000800d00000a00000000000000",
    ),
    (
        "userspace(pid=6633,flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,output_port=10,ingress))",
        "4000020008000100e91900003400020003000000ffff00000000000000000000\
         00000000000000007b000000d204000029090000800d00000a00000001000000",
    ),
    (
        "userspace(pid=6633,flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,output_port=10),tunnel_out_port=10)",
        "4800020008000100e91900003400020003000000ffff00000000000000000000\
         00000000000000007b000000d204000029090000800d00000a00000000000000\
         080003000a000000",
    ),
    (
        "userspace(pid=6633,flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,output_port=10,egress),tunnel_out_port=10)",
        "4800020008000100e91900003400020003000000ffff00000000000000000000\
         00000000000000007b000000d204000029090000800d00000a00000002000000\
         080003000a000000",
    ),
    (
        "userspace(pid=6633,ipfix(output_port=10))",
        "4000020008000100e91900003400020004000000ffff00000000000000000000\
         00000000000000000a0000000000000000000000000000000000000000000000",
    ),
    (
        "userspace(pid=6633,ipfix(output_port=10),tunnel_out_port=10)",
        "4800020008000100e91900003400020004000000ffff00000000000000000000\
         00000000000000000a0000000000000000000000000000000000000000000000\
         080003000a000000",
    ),
    (
        "userspace(pid=6633,controller(reason=1,dont_send=0,continuation=1,recirc_id=4444,rule_cookie=0x5555,controller_id=0,max_len=65535))",
        "4000020008000100e91900003400020005000000ffff00000000000000000000\
         0000000000000000000101005c11000000000000000055550000ffff00000000",
    ),
    (
        "userspace(pid=6633,controller(reason=1,dont_send=1,continuation=0,recirc_id=4444,rule_cookie=0x5555,controller_id=0,max_len=65535))",
        "4000020008000100e91900003400020005000000ffff00000000000000000000\
         0000000000000000010001005c11000000000000000055550000ffff00000000",
    ),
    (
        "set(in_port(2))",
        "0c0003000800030002000000",
    ),
    (
        "set(eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15))",
        "1400030010000400000102030405101112131415",
    ),
    (
        "set(eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15/ff:ff:ff:00:00:00))",
        "20000b001c000400000102030405101112131415ffffffffffffffffff000000",
    ),
    (
        "set(eth_type(0x1234))",
        "0c0003000600060012340000",
    ),
    (
        "set(ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=no))",
        "140003001000070023080229ac10001405808000",
    ),
    (
        "set(ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,ttl=128,frag=no))",
        "20000b001c00070023080229ac10001405008000ffffffffffffffffff00ffff",
    ),
    (
        "set(ipv4(src=35.8.2.41/255.255.255.0,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=no))",
        "20000b001c00070023080229ac10001405808000ffffff00ffffffffffffffff",
    ),
    (
        "set(ipv4(src=35.8.2.41/255.255.255.0,tos=0x80,ttl=128,frag=no))",
        "20000b001c000700230802290000000000808000ffffff000000000000ffffff",
    ),
    (
        "set(ipv4(tos=0/0x3))",
        "20000b001c000700000000000000000000000000000000000000000000030000",
    ),
    (
        "set(ipv4(tos=0x80/0xfc))",
        "20000b001c000700000000000000000000800000000000000000000000fc0000",
    ),
    (
        "set(ipv4(ttl=128,frag=no))",
        "20000b001c00070000000000000000000000800000000000000000000000ffff",
    ),
    (
        "set(ipv4(frag=no))",
        "20000b001c0007000000000000000000000000000000000000000000000000ff",
    ),
    (
        "set(tcp(src=80,dst=8080))",
        "0c0003000800090000501f90",
    ),
    (
        "set(tcp(src=80/0xff00,dst=8080))",
        "10000b000c00090000501f90ff00ffff",
    ),
    (
        "set(tcp(src=80))",
        "10000b000c00090000500000ffff0000",
    ),
    (
        "set(tcp(dst=8080))",
        "10000b000c00090000001f900000ffff",
    ),
    (
        "set(udp(src=81,dst=6632))",
        "0c00030008000a00005119e8",
    ),
    (
        "set(udp(src=81/0xff00,dst=6632))",
        "10000b000c000a00005119e8ff00ffff",
    ),
    (
        "set(udp(src=81))",
        "10000b000c000a0000510000ffff0000",
    ),
    (
        "set(udp(dst=6633))",
        "10000b000c000a00000019e90000ffff",
    ),
    (
        "set(sctp(src=82,dst=6633))",
        "0c00030008001100005219e9",
    ),
    (
        "set(sctp(src=82/0xff00,dst=6633))",
        "10000b000c001100005219e9ff00ffff",
    ),
    (
        "set(sctp(src=82))",
        "10000b000c00110000520000ffff0000",
    ),
    (
        "set(sctp(dst=6632))",
        "10000b000c001100000019e80000ffff",
    ),
    (
        "set(icmp(type=1,code=2))",
        "0c00030006000b0001020000",
    ),
    (
        "set(ipv6(src=::1,dst=::2,label=0,proto=10,tclass=0x70,hlimit=128,frag=no))",
        "58000b0054000800000000000000000000000000000000010000000000000000\
         0000000000000002000000000a708000ffffffffffffffffffffffffffffffff\
         ffffffffffffffffffffffffffffffff000fffffffffffff",
    ),
    (
        "set(ipv6(src=::1,dst=::2))",
        "58000b0054000800000000000000000000000000000000010000000000000000\
         00000000000000020000000000000000ffffffffffffffffffffffffffffffff\
         ffffffffffffffffffffffffffffffff0000000000000000",
    ),
    (
        "set(ipv6(label=0,proto=10,tclass=0x70,hlimit=128,frag=no))",
        "58000b0054000800000000000000000000000000000000000000000000000000\
         0000000000000000000000000a70800000000000000000000000000000000000\
         00000000000000000000000000000000000fffffffffffff",
    ),
    (
        "set(ipv6(label=0,proto=10,hlimit=128))",
        "58000b0054000800000000000000000000000000000000000000000000000000\
         0000000000000000000000000a00800000000000000000000000000000000000\
         00000000000000000000000000000000000fffffff00ff00",
    ),
    (
        "set(ipv6(label=0/0xfff,proto=10,tclass=0x70/0x70))",
        "58000b0054000800000000000000000000000000000000000000000000000000\
         0000000000000000000000000a70000000000000000000000000000000000000\
         0000000000000000000000000000000000000fffff700000",
    ),
    (
        "set(ipv6(label=0))",
        "58000b0054000800000000000000000000000000000000000000000000000000\
         0000000000000000000000000000000000000000000000000000000000000000\
         00000000000000000000000000000000000fffff00000000",
    ),
    (
        "set(icmpv6(type=1,code=2))",
        "0c00030006000c0001020000",
    ),
    (
        "set(vlan(vid=5))",
        "0c000b000800050010051fff",
    ),
    (
        "set(vlan(vid=3,pcp=5))",
        "0c00030006000500b0030000",
    ),
    (
        "set(vlan(vid=3,pcp=5,cfi=0))",
        "0c00030006000500a0030000",
    ),
    (
        "set(vlan(vid=5/0x3))",
        "0c000b000800050010051003",
    ),
    (
        "set(vlan(vid=5/0x1)),3",
        "0c000b0008000500100510010800010003000000",
    ),
    (
        "push_vlan(vid=12,pcp=0)",
        "080004008100100c",
    ),
    (
        "push_vlan(vid=13,pcp=5,cfi=0)",
        "080004008100a00d",
    ),
    (
        "push_vlan(tpid=0x9100,vid=13,pcp=5)",
        "080004009100b00d",
    ),
    (
        "push_vlan(tpid=0x9100,vid=13,pcp=5,cfi=0)",
        "080004009100a00d",
    ),
    (
        "pop_vlan",
        "04000500",
    ),
    (
        "sample(sample=9.7%,actions(1,2,3,push_vlan(vid=1,pcp=2)))",
        "3000060008000100f4fdd4182400020008000100010000000800010002000000\
         08000100030000000800040081005001",
    ),
    (
        "ct",
        "04000c00",
    ),
    (
        "ct(commit)",
        "08000c0004000100",
    ),
    (
        "ct(commit,zone=5)",
        "10000c00040001000600020005000000",
    ),
    (
        "ct(commit,mark=0xa0a0a0a0/0xfefefefe)",
        "14000c00040001000c000300a0a0a0a0fefefefe",
    ),
    (
        "ct(commit,label=0x1234567890abcdef1234567890abcdef/0xf1f2f3f4f5f6f7f8f9f0fafbfcfdfeff)",
        "2c000c000400010024000400efcdab9078563412efcdab9078563412fffefdfc\
         fbfaf0f9f8f7f6f5f4f3f2f1",
    ),
    (
        "ct(commit,helper=ftp)",
        "10000c00040001000800050066747000",
    ),
    (
        "ct(commit,helper=tftp)",
        "14000c0004000100090005007466747000000000",
    ),
    (
        "ct(commit,timeout=ovs_tp_1_tcp4)",
        "1c000c0004000100120009006f76735f74705f315f74637034000000",
    ),
    (
        "ct(force_commit)",
        "08000c0004000700",
    ),
    (
        "ct(force_commit,zone=5)",
        "10000c00040007000600020005000000",
    ),
    (
        "ct(force_commit,mark=0xa0a0a0a0/0xfefefefe)",
        "14000c00040007000c000300a0a0a0a0fefefefe",
    ),
    (
        "ct(force_commit,label=0x1234567890abcdef1234567890abcdef/0xf1f2f3f4f5f6f7f8f9f0fafbfcfdfeff)",
        "2c000c000400070024000400efcdab9078563412efcdab9078563412fffefdfc\
         fbfaf0f9f8f7f6f5f4f3f2f1",
    ),
    (
        "ct(force_commit,helper=ftp)",
        "10000c00040007000800050066747000",
    ),
    (
        "ct_clear",
        "04001000",
    ),
    (
        "trunc(100)",
        "08000d0064000000",
    ),
    (
        "clone(1)",
        "0c0014000800010001000000",
    ),
    (
        "clone(clone(push_vlan(vid=12,pcp=0),2),1)",
        "2000140014001400080004008100100c08000100020000000800010001000000",
    ),
    (
        "check_pkt_len(size=200,gt(4),le(5))",
        "2400150006000100c80000000c00020008000100040000000c00030008000100\
         05000000",
    ),
    (
        "check_pkt_len(size=200,gt(drop),le(5))",
        "1c00150006000100c8000000040002000c0003000800010005000000",
    ),
    (
        "check_pkt_len(size=200,gt(set(eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15))),le(set(eth(src=00:01:02:03:04:06,dst=10:11:12:13:14:16))))",
        "3c00150006000100c80000001800020014000300100004000001020304051011\
         12131415180003001400030010000400000102030406101112131416",
    ),
    (
        "add_mpls(label=200,tc=7,ttl=64,bos=1,eth_type=0x8847)",
        "0c001600000c8f4088470000",
    ),
];

/// The 25 lines of the same odp.at list with `nat` (`ct(nat)` is there
/// twice, so 24 here), in odp.at's order. These bytes were not captured
/// from OVS: they were worked out by hand from the layout of
/// include/uapi/linux/openvswitch.h (`enum ovs_ct_attr`, `enum
/// ovs_nat_attr`) and OVS 3.1's `parse_conntrack_action()` and
/// `nl_msg_put_ct_nat()` (attribute order, and what those functions leave
/// out), with a separate script rather than with ovsdp. The texts are
/// checked against OVS 3.1 itself: `ovs-dpctl -m normalize-actions` (its
/// `odp_actions_from_string()` then `format_odp_actions()`) prints each of
/// them back unchanged.
const ODP_AT_CT_NAT_ACTIONS: &[(&str, &str)] = &[
    (
        "ct(nat)",
        "08000c0004000600",
    ),
    (
        "ct(commit,nat(src))",
        "10000c00040001000800060004000100",
    ),
    (
        "ct(commit,timeout=ovs_tp_1_tcp4,nat(src))",
        "24000c0004000100120009006f76735f74705f315f7463703400000008000600\
         04000100",
    ),
    (
        "ct(commit,nat(dst))",
        "10000c00040001000800060004000200",
    ),
    (
        "ct(commit,timeout=ovs_tp_1_tcp4,nat(dst))",
        "24000c0004000100120009006f76735f74705f315f7463703400000008000600\
         04000200",
    ),
    (
        "ct(commit,nat(src=10.0.0.240,random))",
        "1c000c00040001001400060004000100080003000a0000f004000900",
    ),
    (
        "ct(commit,nat(src=10.0.0.240:32768-65535,random))",
        "2c000c00040001002400060004000100080003000a0000f00600050000800000\
         06000600ffff000004000900",
    ),
    (
        "ct(commit,nat(dst=10.0.0.128-10.0.0.254,hash))",
        "24000c00040001001c00060004000200080003000a000080080004000a0000fe\
         04000800",
    ),
    (
        "ct(commit,nat(src=10.0.0.240-10.0.0.254:32768-65535,persistent))",
        "34000c00040001002c00060004000100080003000a0000f0080004000a0000fe\
         060005000080000006000600ffff000004000700",
    ),
    (
        "ct(commit,nat(src=fe80::20c:29ff:fe88:a18b,random))",
        "28000c0004000100200006000400010014000300fe80000000000000020c29ff\
         fe88a18b04000900",
    ),
    (
        "ct(commit,nat(src=fe80::20c:29ff:fe88:1-fe80::20c:29ff:fe88:a18b,random))",
        "3c000c0004000100340006000400010014000300fe80000000000000020c29ff\
         fe88000114000400fe80000000000000020c29fffe88a18b04000900",
    ),
    (
        "ct(commit,nat(src=[fe80::20c:29ff:fe88:1]-[fe80::20c:29ff:fe88:a18b]:255-4096,random))",
        "4c000c0004000100440006000400010014000300fe80000000000000020c29ff\
         fe88000114000400fe80000000000000020c29fffe88a18b06000500ff000000\
         060006000010000004000900",
    ),
    (
        "ct(commit,helper=ftp,nat(src=10.1.1.240-10.1.1.255))",
        "28000c000400010008000500667470001800060004000100080003000a0101f0\
         080004000a0101ff",
    ),
    (
        "ct(force_commit,nat(src))",
        "10000c00040007000800060004000100",
    ),
    (
        "ct(force_commit,nat(dst))",
        "10000c00040007000800060004000200",
    ),
    (
        "ct(force_commit,nat(src=10.0.0.240,random))",
        "1c000c00040007001400060004000100080003000a0000f004000900",
    ),
    (
        "ct(force_commit,nat(src=10.0.0.240:32768-65535,random))",
        "2c000c00040007002400060004000100080003000a0000f00600050000800000\
         06000600ffff000004000900",
    ),
    (
        "ct(force_commit,nat(dst=10.0.0.128-10.0.0.254,hash))",
        "24000c00040007001c00060004000200080003000a000080080004000a0000fe\
         04000800",
    ),
    (
        "ct(force_commit,nat(src=10.0.0.240-10.0.0.254:32768-65535,persistent))",
        "34000c00040007002c00060004000100080003000a0000f0080004000a0000fe\
         060005000080000006000600ffff000004000700",
    ),
    (
        "ct(force_commit,nat(src=fe80::20c:29ff:fe88:a18b,random))",
        "28000c0004000700200006000400010014000300fe80000000000000020c29ff\
         fe88a18b04000900",
    ),
    (
        "ct(force_commit,nat(src=fe80::20c:29ff:fe88:1-fe80::20c:29ff:fe88:a18b,random))",
        "3c000c0004000700340006000400010014000300fe80000000000000020c29ff\
         fe88000114000400fe80000000000000020c29fffe88a18b04000900",
    ),
    (
        "ct(force_commit,nat(src=[fe80::20c:29ff:fe88:1]-[fe80::20c:29ff:fe88:a18b]:255-4096,random))",
        "4c000c0004000700440006000400010014000300fe80000000000000020c29ff\
         fe88000114000400fe80000000000000020c29fffe88a18b06000500ff000000\
         060006000010000004000900",
    ),
    (
        "ct(force_commit,helper=ftp,nat(src=10.1.1.240-10.1.1.255))",
        "28000c000400070008000500667470001800060004000100080003000a0101f0\
         080004000a0101ff",
    ),
    (
        "check_pkt_len(size=200,gt(ct(nat)),le(drop))",
        "1c00150006000100c80000000c00020008000c000400060004000300",
    ),
];

/// (input, what OVS 3.1 prints back, the bytes it builds), captured as
/// above: the implicit all-zero cookie of a bare `userspace(pid=N)` (its
/// `ofp_in_port` is 0, not `OFPP_NONE`), `slow_path` with two reasons
/// (parsed with `|`, printed with `,`), a VLAN-less sFlow cookie (no CFI
/// bit) and a controller cookie with other fields set.
const OVS_USERSPACE_EXTRA: &[(&str, &str, &str)] = &[
    (
        "userspace(pid=1)",
        "userspace(pid=1,userdata(000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000))",
        "4000020008000100010000003400020000000000000000000000000000000000\
         0000000000000000000000000000000000000000000000000000000000000000",
    ),
    (
        "userspace(pid=9765,slow_path(cfm|bfd))",
        "userspace(pid=9765,slow_path(cfm,bfd))",
        "4000020008000100252600003400020002000000ffff00000000000000000000\
         0000000000000000000000000300000000000000000000000000000000000000",
    ),
    (
        "userspace(pid=6633,sFlow(vid=0,pcp=0,output=10))",
        "userspace(pid=6633,sFlow(vid=0,pcp=0,output=10))",
        "4000020008000100e91900003400020001000000ffff00000000000000000000\
         0000000000000000000000000a00000000000000000000000000000000000000",
    ),
    (
        "userspace(pid=6633,controller(reason=0,dont_send=1,continuation=1,recirc_id=0,rule_cookie=0,controller_id=3,max_len=128))",
        "userspace(pid=6633,controller(reason=0,dont_send=1,continuation=1,recirc_id=0,rule_cookie=0,controller_id=3,max_len=128))",
        "4000020008000100e91900003400020005000000ffff00000000000000000000\
         0000000000000000010100000000000000000000000000000300800000000000",
    ),
];

/// text -> netlink -> text gives odp.at's text back, and the netlink bytes
/// are OVS's.
#[test]
fn odp_at_actions_round_trip_with_ovs_bytes() {
    for (s, bytes) in ODP_AT_ACTIONS {
        let a = parse_actions(s, None).unwrap_or_else(|e| panic!("{s}: {e}"));
        let b = emit(&a);
        assert_eq!(hex(&b), *bytes, "bytes of {s}");
        assert_eq!(format_actions(&b, None), *s, "print(parse({s}))");
        // And OVS's bytes, as a kernel dump would carry them, print the same.
        assert_eq!(
            format_actions(&h(bytes), None),
            *s,
            "print(OVS bytes of {s})"
        );
    }
}

/// odp.at's `ct(..nat..)` actions: text -> netlink -> text, the bytes as
/// worked out from the uapi layout, and those bytes print the same.
#[test]
fn odp_at_ct_nat_actions_round_trip() {
    assert_eq!(ODP_AT_CT_NAT_ACTIONS.len(), 24);
    for (s, bytes) in ODP_AT_CT_NAT_ACTIONS {
        let a = parse_actions(s, None).unwrap_or_else(|e| panic!("{s}: {e}"));
        let b = emit(&a);
        assert_eq!(hex(&b), *bytes, "bytes of {s}");
        assert_eq!(format_actions(&b, None), *s, "print(parse({s}))");
        assert_eq!(format_actions(&h(bytes), None), *s, "print(bytes of {s})");
    }
}

#[test]
fn userspace_cookie_variants_as_ovs() {
    for (input, printed, bytes) in OVS_USERSPACE_EXTRA {
        let a = parse_actions(input, None).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(hex(&emit(&a)), *bytes, "bytes of {input}");
        assert_eq!(
            format_actions(&h(bytes), None),
            *printed,
            "print of {input}"
        );
        // What ovsdp prints parses back to the same bytes (OVS itself refuses
        // its own `slow_path(cfm,bfd)`; ovsdp takes `,` as well as `|`).
        let again = parse_actions(printed, None).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(hex(&emit(&again)), *bytes, "bytes of {printed}");
    }
}

/// odp.at's odp-base.txt of "OVS datapath key parsing and formatting - valid
/// forms" (exact keys).
const ODP_AT_KEY_BASE: &[&str] = &[
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x1234)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=no)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x81,ttl=128,frag=no)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=first)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=later)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80,dst=8080)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=17,tos=0,ttl=128,frag=no),udp(src=81,dst=6632)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=1,tos=0,ttl=128,frag=no),icmp(type=1,code=2)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=10,tclass=0x70,hlimit=128,frag=no)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=10,tclass=0x71,hlimit=128,frag=no)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=10,tclass=0x70,hlimit=128,frag=first)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=10,tclass=0x70,hlimit=128,frag=later)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=6,tclass=0,hlimit=128,frag=no),tcp(src=80,dst=8080)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=17,tclass=0,hlimit=128,frag=no),udp(src=6630,dst=22)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=1,code=2)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:0f:10:11:12:13,tha=00:14:15:16:17:18)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e),nd_ext(nd_reserved=0x0,nd_options_type=2)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8847),mpls(label=100,tc=3,ttl=64,bos=1)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8847),mpls(label=100,tc=7,ttl=100,bos=1)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8847),mpls(label=100,tc=7,ttl=100,bos=0)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8848),mpls(label=1000,tc=4,ttl=200,bos=1)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8848),mpls(label=1000,tc=4,ttl=200,bos=0)",
];

/// odp.at's odp-base.txt of "OVS datapath wildcarded key parsing and
/// formatting - valid forms".
const ODP_AT_WC_KEY_BASE: &[&str] = &[
    "in_port(1/0xff),eth(src=00:01:02:03:04:05/ff:ff:ff:ff:ff:f0,dst=10:11:12:13:14:15/ff:ff:ff:ff:ff:f0)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x1234/0xfff0)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41/255.255.255.0,dst=172.16.0.20/255.255.255.0,proto=5/0xf0,tos=0x80/0xf0,ttl=128/0xf0,frag=no)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80/0xff00,dst=8080/0xff)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=17,tos=0,ttl=128,frag=no),udp(src=81/0xff00,dst=6632/0xff)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=17,tos=0,ttl=128,frag=no),udp(src=81/0xff,dst=6632/0xff00)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=1,tos=0,ttl=128,frag=no),icmp(type=1/0xf0,code=2)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1/::255,dst=::2/::255,label=0/0xf0,proto=10/0xf0,tclass=0x70/0xf0,hlimit=128/0xf0,frag=no)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=6,tclass=0,hlimit=128,frag=no),tcp(src=80/0xff00,dst=8080/0xff)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=17,tclass=0,hlimit=128,frag=no),udp(src=6630/0xff00,dst=22/0xff)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=1/0xf0,code=2)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=135,code=0),nd(target=::3/::250)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=135,code=0),nd(target=::3/::250,sll=00:05:06:07:08:09/ff:ff:ff:ff:ff:00)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3/::250,tll=00:0a:0b:0c:0d:0e/ff:ff:ff:ff:ff:00)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3/::250,sll=00:05:06:07:08:09/ff:ff:ff:ff:ff:00,tll=00:0a:0b:0c:0d:0e/ff:ff:ff:ff:ff:00)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4/255.255.255.250,tip=5.6.7.8/255.255.255.250,op=1/0xf0,sha=00:0f:10:11:12:13/ff:ff:ff:ff:ff:00,tha=00:14:15:16:17:18/ff:ff:ff:ff:ff:00)",
    "skb_mark(0x1234/0xfff0),in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e)",
];

/// odp.at's "Valid forms with conntrack fields" of the exact-key test: this
/// prefix on every base line. OVS's expected output puts
/// `ct_state(0),ct_zone(0)` after `skb_mark(0)` and `packet_type(ns=0,id=0)`
/// before `eth(..)`, which its key -> `struct flow` -> key conversion adds.
const ODP_AT_CT_KEY_PREFIX: &str = "skb_priority(0),skb_mark(0),ct_mark(0x12345678),ct_label(0x1234567890abcdef1234567890abcdef),recirc_id(0),dp_hash(0),";

/// odp.at's "Valid forms with conntrack fields" of the wildcarded test:
/// put after the first `eth(..),` of every wildcarded base line.
const ODP_AT_CT_WC_KEYS: &str = "ct_state(+trk),ct_zone(0x5/0xff),ct_mark(0x10305070/0xf0f0f0f0),ct_label(0x1234567890abcdef1234567890abcdef/0x102030405060708090a0b0c0d0e0f0),ct_tuple4(src=10.10.10.10,dst=20.20.20.20,proto=17,tp_src=1,tp_dst=2),";

/// odp.at's `sed 's/\(eth([^)]*)\),/\1,CT/'`: `None` where it does not
/// match (an `eth(..)` at the end of the line).
fn after_eth(line: &str, ct: &str) -> Option<String> {
    let eth = line.find("eth(")?;
    let close = eth + line[eth..].find(')')?;
    let end = close + 1;
    line[end..]
        .starts_with(',')
        .then(|| format!("{},{ct}{}", &line[..end], &line[end + 1..]))
}

/// Wildcarded conntrack keys (`ovstest test-odp parse-wc-keys`, which is
/// `odp_flow_from_string()` then `odp_flow_format(.., verbose=false)`):
/// every line prints back as it is, and the ct attributes' key and mask
/// bytes follow the uapi layout (u32/u16 in host order, the label as the
/// host's 128-bit number, `struct ovs_key_ct_tuple_ipv4` with its 3 bytes
/// of tail padding; bytes worked out by hand).
#[test]
fn odp_at_wildcarded_ct_keys() {
    assert_eq!(ODP_AT_WC_KEY_BASE.len(), 17);
    // The first line ends with its eth(..): odp.at's sed leaves it alone.
    let lines: Vec<String> = ODP_AT_WC_KEY_BASE
        .iter()
        .filter_map(|l| after_eth(l, ODP_AT_CT_WC_KEYS))
        .collect();
    assert_eq!(lines.len(), 16);
    for s in &lines {
        let f = parse_flow(s, None).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(format_flow(&f.key, Some(&f.mask), None, false), *s);
        let ct = |l: &[Attr]| {
            let v: Vec<Attr> = l
                .iter()
                .filter(|a| {
                    (OVS_KEY_ATTR_CT_STATE..=OVS_KEY_ATTR_CT_ORIG_TUPLE_IPV4).contains(&a.ty())
                })
                .cloned()
                .collect();
            hex(&emit(&v))
        };
        assert_eq!(
            ct(&f.key),
            "08001600200000000600170005000000080018007050301014001900efcdab90\
             78563412efcdab907856341214001a000a0a0a0a141414140001000211000000",
            "key of {s}"
        );
        assert_eq!(
            ct(&f.mask),
            "080016002000000006001700ff00000008001800f0f0f0f014001900f0e0d0c0\
             b0a09080706050403020100014001a00ffffffffffffffffffffffffff000000",
            "mask of {s}"
        );
    }
}

/// Exact conntrack keys (`ovstest test-odp parse-keys`, printed with
/// `odp_flow_key_format()`, verbose and without a mask). ovsdp has no
/// `struct flow` to go through, so each line prints back as it is; odp.at's
/// expected line, less the `packet_type(..)` ovsdp does not parse, prints
/// back as it is too. OVS 3.1 does the same with all 48: `ovs-dpctl -m
/// normalize-actions LINE 1` prints each back unchanged on its "input
/// flow:" line. The one base line with `nd_ext(..)` (not parsed by ovsdp)
/// is left out.
#[test]
fn odp_at_exact_ct_keys() {
    let mut n = 0;
    for base in ODP_AT_KEY_BASE.iter().filter(|l| !l.contains("nd_ext")) {
        let input = format!("{ODP_AT_CT_KEY_PREFIX}{base}");
        let expected = input.replace(
            "skb_mark(0),ct_mark",
            "skb_mark(0),ct_state(0),ct_zone(0),ct_mark",
        );
        for s in [&input, &expected] {
            let f = parse_flow(s, None).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(format_flow(&f.key, None, None, true), *s);
            n += 1;
        }
    }
    assert_eq!(n, 48);
}

/// Userdata that is not exactly a cookie of a known type stays
/// `userdata(hex)`, as in `format_odp_userspace_action()`.
#[test]
fn userdata_that_is_not_a_cookie() {
    let mut ck = Cookie::SlowPath { reason: 1 }.encode();
    assert_eq!(ck.len(), COOKIE_LEN);
    assert_eq!(Cookie::decode(&ck), Some(Cookie::SlowPath { reason: 1 }));
    // One byte short or long of a cookie.
    assert_eq!(Cookie::decode(&ck[..47]), None);
    ck.push(0);
    assert_eq!(Cookie::decode(&ck), None);
    ck.pop();
    // Types 0 (UNSPEC) and 6.. are no cookie.
    for ty in [0u16, 6, 0xffff] {
        ck[0..2].copy_from_slice(&ty.to_ne_bytes());
        assert_eq!(Cookie::decode(&ck), None, "type {ty}");
    }
    let ud = Attr::new(OVS_USERSPACE_ATTR_USERDATA, ck.clone());
    let us = Attr::nested(
        OVS_ACTION_ATTR_USERSPACE,
        &[Attr::u32(OVS_USERSPACE_ATTR_PID, 3), ud],
    )
    .expect("nest");
    assert_eq!(
        format_actions(&emit(&[us]), None),
        format!("userspace(pid=3,userdata({}))", hex(&ck))
    );
}

/// The fields of a kernel-dumped cookie that ovs-vswitchd filled in
/// (`ofp_in_port`, the ofproto UUID) are not shown, as in ovs-dpctl;
/// unknown slow-path bits print as one hex number after the names.
#[test]
fn cookie_fields_ovs_dpctl_does_not_show() {
    let mut ck = Cookie::SlowPath {
        reason: 0x21 | 0x300,
    }
    .encode();
    ck[4..8].copy_from_slice(&7u32.to_ne_bytes());
    ck[8..24].copy_from_slice(&[0xab; 16]);
    let us = Attr::nested(
        OVS_ACTION_ATTR_USERSPACE,
        &[
            Attr::u32(OVS_USERSPACE_ATTR_PID, 1),
            Attr::new(OVS_USERSPACE_ATTR_USERDATA, ck),
        ],
    )
    .expect("nest");
    assert_eq!(
        format_actions(&emit(&[us]), None),
        "userspace(pid=1,slow_path(cfm,action,0x300))"
    );
    // controller: dont_send/continuation print as booleans, rule_cookie as %#x.
    let ck = Cookie::Controller {
        dont_send: 5,
        continuation: 0,
        reason: 2,
        recirc_id: 9,
        rule_cookie: 0x0102_0304_0506_0708,
        controller_id: 4,
        max_len: 0,
    };
    assert_eq!(
        ck.format(None),
        "controller(reason=2,dont_send=1,continuation=0,recirc_id=9,\
         rule_cookie=0x102030405060708,controller_id=4,max_len=0)"
    );
    // rule_cookie is big-endian in the cookie.
    assert_eq!(&ck.encode()[32..40], &[1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn cookie_ports_by_name() {
    let mut p = Ports::default();
    p.insert(10, "vxlan0");
    let s = "userspace(pid=1,ipfix(output_port=vxlan0),tunnel_out_port=vxlan0)";
    let a = parse_actions(s, Some(&p)).expect("parse");
    assert_eq!(format_actions(&emit(&a), Some(&p)), s);
    assert_eq!(
        format_actions(&emit(&a), None),
        "userspace(pid=1,ipfix(output_port=10),tunnel_out_port=10)"
    );
    let e = parse_actions("userspace(pid=1,ipfix(output_port=nope))", Some(&p)).unwrap_err();
    assert_eq!((e.pos, e.msg.as_str()), (34, "unknown port name 'nope'"));
}

#[test]
fn cookie_parse_errors_have_positions() {
    let cases: &[(&str, usize)] = &[
        ("userspace(pid=1,sFlow(vid=4096,pcp=0,output=1))", 26),
        ("userspace(pid=1,sFlow(vid=1,pcp=8,output=1))", 32),
        ("userspace(pid=1,sFlow(vid=1,output=1))", 28),
        ("userspace(pid=1,slow_path(bogus))", 26),
        ("userspace(pid=1,slow_path(0x80))", 26),
        ("userspace(pid=1,slow_path(cfm bfd))", 29),
        ("userspace(pid=1,flow_sample(probability=65536,collector_set_id=1,obs_domain_id=1,obs_point_id=1,output_port=1))", 40),
        ("userspace(pid=1,flow_sample(probability=1,collector_set_id=1,obs_domain_id=1,obs_point_id=1,output_port=1,sideways))", 105),
        ("userspace(pid=1,ipfix(output_port=))", 34),
        ("userspace(pid=1,controller(reason=0x1,dont_send=0,continuation=0,recirc_id=0,rule_cookie=0,controller_id=0,max_len=0))", 35),
        ("userspace(pid=1,controller(reason=1,dont_send=256,continuation=0,recirc_id=0,rule_cookie=0,controller_id=0,max_len=0))", 46),
        ("userspace(pid=1,controller(reason=1,dont_send=0,continuation=0,recirc_id=0,rule_cookie=x,controller_id=0,max_len=0))", 87),
        ("userspace(pid=1,slow_path(cfm),userdata(01))", 31),
        ("userspace(pid=1,userdata(01),ipfix(output_port=1))", 29),
    ];
    for (s, pos) in cases {
        match parse_actions(s, None) {
            Ok(a) => panic!("{s} parsed: {a:?}"),
            Err(e) => assert_eq!(e.pos, *pos, "{s}: {e}"),
        }
    }
}

/// odp.at "userdata overflow": OVS takes a userspace action with 65512
/// bytes of userdata (131024 hex digits) and `actions`, or 65508 and
/// `tunnel_out_port`, and refuses one byte more. ovsdp refuses the latter as
/// OVS does ("action too long"), and the former too, but as "actions too
/// long": the action fits in its own attribute (65528 bytes) but not with
/// the header it needs inside `OVS_FLOW_ATTR_ACTIONS` (65532 > 65531; OVS's
/// list check allows 65535, and its netlink layer would then assert). The
/// largest ovsdp takes is 4 bytes less. Messages only, as the inputs are long.
#[test]
fn odp_at_userdata_overflow() {
    for (digits, tail, err) in [
        (
            131024,
            "actions",
            Some("actions too long for netlink: 65532 bytes"),
        ),
        (
            131026,
            "actions",
            Some("action too long for netlink: 65532 bytes"),
        ),
        (131016, "actions", None),
        (
            131016,
            "tunnel_out_port=10",
            Some("actions too long for netlink: 65532 bytes"),
        ),
        (
            131018,
            "tunnel_out_port=10",
            Some("action too long for netlink: 65532 bytes"),
        ),
        (131008, "tunnel_out_port=10", None),
    ] {
        let s = format!(
            "userspace(pid=1234567,userdata({}),{tail})",
            "a".repeat(digits)
        );
        match (parse_actions(&s, None), err) {
            (Ok(a), None) => assert!(format_actions(&emit(&a), None) == s, "{digits} {tail}"),
            (Ok(_), Some(_)) => panic!("{digits} digits with {tail} parsed"),
            (Err(e), None) => panic!("{digits} digits with {tail}: {}", e.msg),
            (Err(e), Some(m)) => {
                assert_eq!(e.pos, 0, "{digits} {tail}: {}", e.msg);
                assert!(e.msg.starts_with(m), "{digits} {tail}: {}", e.msg);
            }
        }
    }
    // Userdata alone longer than an attribute is refused where it starts.
    let s = format!(
        "userspace(pid=1,userdata({}))",
        "ab".repeat(MAX_PAYLOAD + 1)
    );
    let e = parse_actions(&s, None).unwrap_err();
    assert_eq!(e.pos, 16);
    assert_eq!(
        e.msg,
        "userdata too long for netlink: 65532 bytes, more than the 65531 a netlink attribute holds"
    );
}

/// odp.at "actions too long": 8191 `set(encap())` (8 bytes each) fit in
/// one attribute, 8192 do not; the error points at the one that overflows.
/// Nested lists are held to the same limit.
#[test]
fn odp_at_actions_too_long() {
    let fit = vec!["set(encap())"; 8191].join(",");
    let a = parse_actions(&fit, None).map_err(|e| e.msg).expect("8191");
    assert_eq!(a.len(), 8191);
    let over = format!("{fit},set(encap())");
    let e = parse_actions(&over, None).unwrap_err();
    assert_eq!(e.pos, fit.len() + 1, "{}", e.msg);
    assert!(
        e.msg
            .starts_with("actions too long for netlink: 65536 bytes"),
        "{}",
        e.msg
    );
    // Inside clone(): the clone's own list is full at 8191 as well, and a
    // clone holding 8190 no longer fits next to another action.
    // 8191 outputs fit in clone()'s own nest, but the clone then does not
    // fit in the list around it; 8190 do.
    let inner = vec!["1"; 8191].join(",");
    let e = parse_actions(&format!("clone({inner})"), None).unwrap_err();
    assert_eq!(
        (e.pos, e.msg.starts_with("actions too long")),
        (0, true),
        "{}",
        e.msg
    );
    let inner = vec!["1"; 8190].join(",");
    let a = parse_actions(&format!("clone({inner})"), None)
        .map_err(|e| e.msg)
        .expect("clone of 8190");
    assert_eq!(a[0].value.len(), 8190 * 8);
    let e = parse_actions(&format!("clone({inner}),2"), None).unwrap_err();
    assert_eq!(e.pos, 6 + inner.len() + 2);
    // sample() adds its probability: 8189 outputs are the most that fit.
    let inner = vec!["1"; 8189].join(",");
    let s = format!("sample(sample=50%,actions({inner}))");
    assert!(parse_actions(&s, None).is_ok());
    let inner = vec!["1"; 8190].join(",");
    let e = parse_actions(&format!("sample(sample=50%,actions({inner}))"), None).unwrap_err();
    assert_eq!(
        (e.pos, e.msg.starts_with("action too long")),
        (0, true),
        "{}",
        e.msg
    );
    // check_pkt_len's two lists share its attribute.
    let half = vec!["1"; 4094].join(",");
    let s = format!("check_pkt_len(size=1,gt({half}),le({half}))");
    assert!(parse_actions(&s, None).is_ok());
    let more = vec!["1"; 4095].join(",");
    let s = format!("check_pkt_len(size=1,gt({more}),le({more}))");
    let e = parse_actions(&s, None).unwrap_err();
    assert_eq!(
        (e.pos, e.msg.starts_with("action too long")),
        (0, true),
        "{}",
        e.msg
    );
    // set() of an oversized generic key.
    let s = format!("set(key99({}))", "00".repeat(MAX_PAYLOAD));
    let e = parse_actions(&s, None).unwrap_err();
    assert_eq!(
        (e.pos, e.msg.starts_with("action too long")),
        (0, true),
        "{}",
        e.msg
    );
}

/// odp.at "keys too long": `encap()` takes 4 bytes. OVS 3.1's parser
/// accepts 16383 of them (65532 bytes) although `OVS_FLOW_ATTR_KEY` then
/// cannot hold them; ovsdp stops at what one attribute holds, 16382.
#[test]
fn odp_at_keys_too_long() {
    let fit = vec!["encap()"; 16382].join(",");
    let f = parse_flow(&fit, None).map_err(|e| e.msg).expect("16382");
    assert_eq!((f.key.len(), f.mask.len()), (16382, 16382));
    let over = format!("{fit},encap()");
    let e = parse_flow(&over, None).unwrap_err();
    assert_eq!(e.pos, fit.len() + 1);
    assert!(
        e.msg
            .starts_with("flow key too long for netlink: 65532 bytes"),
        "{}",
        e.msg
    );
    // Inside encap() as well.
    let e = parse_flow(&format!("encap({over})"), None).unwrap_err();
    assert_eq!(e.pos, 6 + fit.len() + 1);
    // A generic key longer than an attribute.
    let e = parse_flow(&format!("key99({})", "00".repeat(MAX_PAYLOAD + 1)), None).unwrap_err();
    assert_eq!(
        (e.pos, e.msg.starts_with("flow key too long")),
        (0, true),
        "{}",
        e.msg
    );
}

/// odp.at "33 nested encap": refused. As in OVS (`MAX_ODP_NESTED`, the
/// outermost key or action at depth 1), 31 levels parse and 32 do not.
#[test]
fn odp_at_nesting_limits() {
    let nest =
        |n: usize, open: &str, inner: &str| format!("{}{inner}{}", open.repeat(n), ")".repeat(n));
    assert!(parse_flow(&nest(31, "encap(", ""), None).is_ok());
    for n in [32, 33, 100_000] {
        let e = parse_flow(&nest(n, "encap(", ""), None).unwrap_err();
        assert_eq!(
            (e.pos, e.msg.as_str()),
            (31 * 6, "flow keys nested too deeply")
        );
    }
    assert!(parse_actions(&nest(30, "clone(", "1"), None).is_ok());
    for n in [31, 100_000] {
        let e = parse_actions(&nest(n, "clone(", "1"), None).unwrap_err();
        assert_eq!(
            (e.pos, e.msg.as_str()),
            (31 * 6, "actions nested too deeply")
        );
    }
    // set() starts a key's depth afresh.
    assert!(parse_actions(&format!("set({})", nest(31, "encap(", "")), None).is_ok());
}
