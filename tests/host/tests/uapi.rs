//! The ABI constants, checked here against the uapi header text itself (the module checks
//! them against bindgen's reading of it at compile time).

use ovs_rs_host::abi::uapi::*;
use std::process::Command;

/// The header's text: from the kernel tree scripts/kernel unpacked, or else taken out of
/// Debian's linux-source-6.12 tarball once (into the target directory). `None` when
/// neither is on the machine: the caller says why it checks nothing.
fn header() -> Option<String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg("ls -d ${OVS_RS_CACHE:-/var/cache/openvswitch-rs}/src/*/linux-source-6.12/include/uapi/linux/openvswitch.h 2>/dev/null | head -1")
        .output()
        .ok()?;
    let path = String::from_utf8(out.stdout).ok()?;
    if let Ok(text) = std::fs::read_to_string(path.trim()) {
        return Some(text);
    }
    let copy = concat!(env!("CARGO_MANIFEST_DIR"), "/target/uapi-openvswitch.h");
    if let Ok(text) = std::fs::read_to_string(copy) {
        return Some(text);
    }
    let tarball = "/usr/src/linux-source-6.12.tar.xz";
    let member = "linux-source-6.12/include/uapi/linux/openvswitch.h";
    let out = Command::new("tar")
        .args(["-xJOf", tarball, "--occurrence=1", member])
        .output()
        .ok()?;
    if !out.status.success() || out.stdout.is_empty() {
        return None;
    }
    // Several tests may race to write it; each writes the same bytes.
    let tmp = format!("{copy}.{}", std::process::id());
    if std::fs::write(&tmp, &out.stdout).is_ok() {
        let _ = std::fs::rename(&tmp, copy);
    }
    String::from_utf8(out.stdout).ok()
}

/// The header, or `None` after saying on stderr that this test checks nothing here.
fn header_or_skip(test: &str) -> Option<String> {
    let h = header();
    if h.is_none() {
        eprintln!(
            "{test}: skipped: no linux-source-6.12 (neither unpacked by scripts/kernel nor \
             /usr/src/linux-source-6.12.tar.xz; scripts/setup installs it)"
        );
    }
    h
}

/// The position of `name` in the C enum that declares it, counting from 0.
fn enum_index(text: &str, name: &str) -> usize {
    let needle = format!("\t{name}");
    let at = text
        .match_indices(&needle)
        .map(|(i, _)| i)
        .find(|&i| {
            let next = text[i + needle.len()..].chars().next();
            !matches!(next, Some(c) if c.is_ascii_alphanumeric() || c == '_')
        })
        .unwrap_or_else(|| panic!("{name} not in header"));
    let open = text[..at].rfind('{').unwrap();
    text[open + 1..at]
        .lines()
        .map(|l| l.split("/*").next().unwrap().trim())
        .filter(|l| l.starts_with("OVS_") || l.starts_with("__OVS_"))
        .count()
}

#[test]
fn constants_match_the_uapi_header() {
    let Some(h) = header_or_skip("constants_match_the_uapi_header") else {
        return;
    };
    assert!(h.contains(&format!(
        "#define OVS_DATAPATH_FAMILY  \"{OVS_DATAPATH_FAMILY}\""
    )));
    assert!(h.contains(&format!(
        "#define OVS_DATAPATH_VERSION {OVS_DATAPATH_VERSION}"
    )));
    assert!(h.contains(&format!(
        "#define OVS_DP_VER_FEATURES {OVS_DP_VER_FEATURES}"
    )));
    for (name, value) in [
        ("OVS_DP_CMD_NEW", dp_cmd::NEW as usize),
        ("OVS_DP_CMD_DEL", dp_cmd::DEL as usize),
        ("OVS_DP_CMD_GET", dp_cmd::GET as usize),
        ("OVS_DP_CMD_SET", dp_cmd::SET as usize),
        ("OVS_DP_ATTR_NAME", dp_attr::NAME as usize),
        ("OVS_DP_ATTR_UPCALL_PID", dp_attr::UPCALL_PID as usize),
        ("OVS_DP_ATTR_STATS", dp_attr::STATS as usize),
        (
            "OVS_DP_ATTR_MEGAFLOW_STATS",
            dp_attr::MEGAFLOW_STATS as usize,
        ),
        ("OVS_DP_ATTR_USER_FEATURES", dp_attr::USER_FEATURES as usize),
        ("OVS_DP_ATTR_PAD", dp_attr::PAD as usize),
        (
            "OVS_DP_ATTR_MASKS_CACHE_SIZE",
            dp_attr::MASKS_CACHE_SIZE as usize,
        ),
        ("OVS_DP_ATTR_PER_CPU_PIDS", dp_attr::PER_CPU_PIDS as usize),
        ("OVS_DP_ATTR_IFINDEX", dp_attr::IFINDEX as usize),
    ] {
        assert_eq!(enum_index(&h, name), value, "{name}");
    }
}

/// Checks a whole `OVS_<prefix>_*` enumeration against the header: every `(name, value)`
/// pair's position, `OVS_<prefix>_MAX` as the header defines it, and that `names` lists every
/// enumerator up to it.
fn check_enum(h: &str, prefix: &str, names: &[(&str, u16)], max: u16) {
    for (name, value) in names {
        let name = format!("OVS_{prefix}_{name}");
        assert_eq!(enum_index(h, &name), *value as usize, "{name}");
    }
    assert!(h.contains(&format!(
        "#define OVS_{prefix}_MAX (__OVS_{prefix}_MAX - 1)"
    )));
    assert_eq!(
        enum_index(h, &format!("__OVS_{prefix}_MAX")),
        max as usize + 1,
        "__OVS_{prefix}_MAX"
    );
    // Every enumerator is listed.
    assert_eq!(names.len(), max as usize + 1, "OVS_{prefix}_*");
}

#[test]
fn key_attributes_match_the_uapi_header() {
    let Some(h) = header_or_skip("key_attributes_match_the_uapi_header") else {
        return;
    };
    let names = [
        ("UNSPEC", key_attr::UNSPEC),
        ("ENCAP", key_attr::ENCAP),
        ("PRIORITY", key_attr::PRIORITY),
        ("IN_PORT", key_attr::IN_PORT),
        ("ETHERNET", key_attr::ETHERNET),
        ("VLAN", key_attr::VLAN),
        ("ETHERTYPE", key_attr::ETHERTYPE),
        ("IPV4", key_attr::IPV4),
        ("IPV6", key_attr::IPV6),
        ("TCP", key_attr::TCP),
        ("UDP", key_attr::UDP),
        ("ICMP", key_attr::ICMP),
        ("ICMPV6", key_attr::ICMPV6),
        ("ARP", key_attr::ARP),
        ("ND", key_attr::ND),
        ("SKB_MARK", key_attr::SKB_MARK),
        ("TUNNEL", key_attr::TUNNEL),
        ("SCTP", key_attr::SCTP),
        ("TCP_FLAGS", key_attr::TCP_FLAGS),
        ("DP_HASH", key_attr::DP_HASH),
        ("RECIRC_ID", key_attr::RECIRC_ID),
        ("MPLS", key_attr::MPLS),
        ("CT_STATE", key_attr::CT_STATE),
        ("CT_ZONE", key_attr::CT_ZONE),
        ("CT_MARK", key_attr::CT_MARK),
        ("CT_LABELS", key_attr::CT_LABELS),
        ("CT_ORIG_TUPLE_IPV4", key_attr::CT_ORIG_TUPLE_IPV4),
        ("CT_ORIG_TUPLE_IPV6", key_attr::CT_ORIG_TUPLE_IPV6),
        ("NSH", key_attr::NSH),
        ("PACKET_TYPE", key_attr::PACKET_TYPE),
        ("ND_EXTENSIONS", key_attr::ND_EXTENSIONS),
        ("TUNNEL_INFO", key_attr::TUNNEL_INFO),
        ("IPV6_EXTHDRS", key_attr::IPV6_EXTHDRS),
    ];
    check_enum(&h, "KEY_ATTR", &names, key_attr::MAX);
}

#[test]
fn tunnel_key_and_vxlan_ext_attributes_match_the_uapi_header() {
    let Some(h) = header_or_skip("tunnel_key_and_vxlan_ext_attributes_match_the_uapi_header")
    else {
        return;
    };
    let names = [
        ("ID", tunnel_key_attr::ID),
        ("IPV4_SRC", tunnel_key_attr::IPV4_SRC),
        ("IPV4_DST", tunnel_key_attr::IPV4_DST),
        ("TOS", tunnel_key_attr::TOS),
        ("TTL", tunnel_key_attr::TTL),
        ("DONT_FRAGMENT", tunnel_key_attr::DONT_FRAGMENT),
        ("CSUM", tunnel_key_attr::CSUM),
        ("OAM", tunnel_key_attr::OAM),
        ("GENEVE_OPTS", tunnel_key_attr::GENEVE_OPTS),
        ("TP_SRC", tunnel_key_attr::TP_SRC),
        ("TP_DST", tunnel_key_attr::TP_DST),
        ("VXLAN_OPTS", tunnel_key_attr::VXLAN_OPTS),
        ("IPV6_SRC", tunnel_key_attr::IPV6_SRC),
        ("IPV6_DST", tunnel_key_attr::IPV6_DST),
        ("PAD", tunnel_key_attr::PAD),
        ("ERSPAN_OPTS", tunnel_key_attr::ERSPAN_OPTS),
        ("IPV4_INFO_BRIDGE", tunnel_key_attr::IPV4_INFO_BRIDGE),
    ];
    check_enum(&h, "TUNNEL_KEY_ATTR", &names, tunnel_key_attr::MAX);
    let names = [
        ("UNSPEC", vxlan_ext_attr::UNSPEC),
        ("GBP", vxlan_ext_attr::GBP),
    ];
    check_enum(&h, "VXLAN_EXT", &names, vxlan_ext_attr::MAX);
}

#[test]
fn action_attributes_match_the_uapi_header() {
    let Some(h) = header_or_skip("action_attributes_match_the_uapi_header") else {
        return;
    };
    let names = [
        ("UNSPEC", action_attr::UNSPEC),
        ("OUTPUT", action_attr::OUTPUT),
        ("USERSPACE", action_attr::USERSPACE),
        ("SET", action_attr::SET),
        ("PUSH_VLAN", action_attr::PUSH_VLAN),
        ("POP_VLAN", action_attr::POP_VLAN),
        ("SAMPLE", action_attr::SAMPLE),
        ("RECIRC", action_attr::RECIRC),
        ("HASH", action_attr::HASH),
        ("PUSH_MPLS", action_attr::PUSH_MPLS),
        ("POP_MPLS", action_attr::POP_MPLS),
        ("SET_MASKED", action_attr::SET_MASKED),
        ("CT", action_attr::CT),
        ("TRUNC", action_attr::TRUNC),
        ("PUSH_ETH", action_attr::PUSH_ETH),
        ("POP_ETH", action_attr::POP_ETH),
        ("CT_CLEAR", action_attr::CT_CLEAR),
        ("PUSH_NSH", action_attr::PUSH_NSH),
        ("POP_NSH", action_attr::POP_NSH),
        ("METER", action_attr::METER),
        ("CLONE", action_attr::CLONE),
        ("CHECK_PKT_LEN", action_attr::CHECK_PKT_LEN),
        ("ADD_MPLS", action_attr::ADD_MPLS),
        ("DEC_TTL", action_attr::DEC_TTL),
        ("DROP", action_attr::DROP),
        ("PSAMPLE", action_attr::PSAMPLE),
    ];
    check_enum(&h, "ACTION_ATTR", &names, action_attr::MAX);
}

#[test]
fn userspace_and_sample_attributes_match_the_uapi_header() {
    let Some(h) = header_or_skip("userspace_and_sample_attributes_match_the_uapi_header") else {
        return;
    };
    let names = [
        ("UNSPEC", userspace_attr::UNSPEC),
        ("PID", userspace_attr::PID),
        ("USERDATA", userspace_attr::USERDATA),
        ("EGRESS_TUN_PORT", userspace_attr::EGRESS_TUN_PORT),
        ("ACTIONS", userspace_attr::ACTIONS),
    ];
    check_enum(&h, "USERSPACE_ATTR", &names, userspace_attr::MAX);
    let names = [
        ("UNSPEC", sample_attr::UNSPEC),
        ("PROBABILITY", sample_attr::PROBABILITY),
        ("ACTIONS", sample_attr::ACTIONS),
    ];
    check_enum(&h, "SAMPLE_ATTR", &names, sample_attr::MAX);
}

/// The value of `#define name value` in the header, trimmed.
fn define<'h>(h: &'h str, name: &str) -> &'h str {
    h.lines()
        .find_map(|l| {
            let rest = l.strip_prefix("#define ")?.trim_start();
            let value = rest.strip_prefix(name)?;
            value
                .starts_with([' ', '\t'])
                .then(|| value.split("/*").next().unwrap().trim())
        })
        .unwrap_or_else(|| panic!("#define {name} not in header"))
}

/// The `__u64` fields of `struct name`, in order.
fn u64_fields(h: &str, name: &str) -> Vec<String> {
    let open = format!("struct {name} {{");
    let start = h.find(&open).unwrap_or_else(|| panic!("{open}")) + open.len();
    let body = &h[start..start + h[start..].find("};").unwrap()];
    body.lines()
        .map(|l| l.split("/*").next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let field = l.strip_prefix("__u64").expect("only __u64 fields").trim();
            field.trim_end_matches(';').to_string()
        })
        .collect()
}

#[test]
fn vport_flow_and_packet_families_match_the_uapi_header() {
    let Some(h) = header_or_skip("vport_flow_and_packet_families_match_the_uapi_header") else {
        return;
    };
    for (name, value) in [
        ("OVS_VPORT_FAMILY", OVS_VPORT_FAMILY),
        ("OVS_VPORT_MCGROUP", OVS_VPORT_MCGROUP),
        ("OVS_FLOW_FAMILY", OVS_FLOW_FAMILY),
        ("OVS_FLOW_MCGROUP", OVS_FLOW_MCGROUP),
        ("OVS_PACKET_FAMILY", OVS_PACKET_FAMILY),
    ] {
        assert_eq!(define(&h, name), format!("\"{value}\""), "{name}");
    }
    for (name, value) in [
        ("OVS_VPORT_VERSION", OVS_VPORT_VERSION),
        ("OVS_FLOW_VERSION", OVS_FLOW_VERSION),
        ("OVS_PACKET_VERSION", OVS_PACKET_VERSION),
    ] {
        let text = define(&h, name);
        let parsed = u32::from_str_radix(text.trim_start_matches("0x"), 16).unwrap();
        assert_eq!(parsed, value, "{name}");
    }
    assert_eq!(define(&h, "OVSP_LOCAL"), format!("((__u32){OVSP_LOCAL})"));
    for (name, bit) in [
        ("OVS_UFID_F_OMIT_KEY", ufid_flags::OMIT_KEY),
        ("OVS_UFID_F_OMIT_MASK", ufid_flags::OMIT_MASK),
        ("OVS_UFID_F_OMIT_ACTIONS", ufid_flags::OMIT_ACTIONS),
    ] {
        assert_eq!(
            define(&h, name),
            format!("(1 << {})", bit.trailing_zeros()),
            "{name}"
        );
        assert!(bit.is_power_of_two());
    }
    // The stats structs: all __u64, in the order the emitters write them.
    assert_eq!(
        u64_fields(&h, "ovs_vport_stats"),
        [
            "rx_packets",
            "tx_packets",
            "rx_bytes",
            "tx_bytes",
            "rx_errors",
            "tx_errors",
            "rx_dropped",
            "tx_dropped"
        ]
    );
    assert_eq!(VPORT_STATS_LEN, 8 * 8);
    assert_eq!(u64_fields(&h, "ovs_flow_stats"), ["n_packets", "n_bytes"]);
    assert_eq!(FLOW_STATS_LEN, 2 * 8);
}

#[test]
fn vport_flow_and_packet_commands_match_the_uapi_header() {
    let Some(h) = header_or_skip("vport_flow_and_packet_commands_match_the_uapi_header") else {
        return;
    };
    for (name, value) in [
        ("OVS_VPORT_CMD_NEW", vport_cmd::NEW),
        ("OVS_VPORT_CMD_DEL", vport_cmd::DEL),
        ("OVS_VPORT_CMD_GET", vport_cmd::GET),
        ("OVS_VPORT_CMD_SET", vport_cmd::SET),
        ("OVS_FLOW_CMD_NEW", flow_cmd::NEW),
        ("OVS_FLOW_CMD_DEL", flow_cmd::DEL),
        ("OVS_FLOW_CMD_GET", flow_cmd::GET),
        ("OVS_FLOW_CMD_SET", flow_cmd::SET),
        ("OVS_PACKET_CMD_MISS", packet_cmd::MISS),
        ("OVS_PACKET_CMD_ACTION", packet_cmd::ACTION),
        ("OVS_PACKET_CMD_EXECUTE", packet_cmd::EXECUTE),
    ] {
        assert_eq!(enum_index(&h, name), value as usize, "{name}");
    }
}

#[test]
fn vport_flow_and_packet_attributes_match_the_uapi_header() {
    let Some(h) = header_or_skip("vport_flow_and_packet_attributes_match_the_uapi_header") else {
        return;
    };
    let names = [
        ("UNSPEC", vport_attr::UNSPEC),
        ("PORT_NO", vport_attr::PORT_NO),
        ("TYPE", vport_attr::TYPE),
        ("NAME", vport_attr::NAME),
        ("OPTIONS", vport_attr::OPTIONS),
        ("UPCALL_PID", vport_attr::UPCALL_PID),
        ("STATS", vport_attr::STATS),
        ("PAD", vport_attr::PAD),
        ("IFINDEX", vport_attr::IFINDEX),
        ("NETNSID", vport_attr::NETNSID),
        ("UPCALL_STATS", vport_attr::UPCALL_STATS),
    ];
    check_enum(&h, "VPORT_ATTR", &names, vport_attr::MAX);
    let names = [
        ("SUCCESS", vport_upcall_attr::SUCCESS),
        ("FAIL", vport_upcall_attr::FAIL),
    ];
    check_enum(&h, "VPORT_UPCALL_ATTR", &names, vport_upcall_attr::MAX);
    let names = [
        ("UNSPEC", vport_type::UNSPEC as u16),
        ("NETDEV", vport_type::NETDEV as u16),
        ("INTERNAL", vport_type::INTERNAL as u16),
        ("GRE", vport_type::GRE as u16),
        ("VXLAN", vport_type::VXLAN as u16),
        ("GENEVE", vport_type::GENEVE as u16),
    ];
    check_enum(&h, "VPORT_TYPE", &names, vport_type::MAX as u16);
    let names = [
        ("UNSPEC", flow_attr::UNSPEC),
        ("KEY", flow_attr::KEY),
        ("ACTIONS", flow_attr::ACTIONS),
        ("STATS", flow_attr::STATS),
        ("TCP_FLAGS", flow_attr::TCP_FLAGS),
        ("USED", flow_attr::USED),
        ("CLEAR", flow_attr::CLEAR),
        ("MASK", flow_attr::MASK),
        ("PROBE", flow_attr::PROBE),
        ("UFID", flow_attr::UFID),
        ("UFID_FLAGS", flow_attr::UFID_FLAGS),
        ("PAD", flow_attr::PAD),
    ];
    check_enum(&h, "FLOW_ATTR", &names, flow_attr::MAX);
    let names = [
        ("UNSPEC", packet_attr::UNSPEC),
        ("PACKET", packet_attr::PACKET),
        ("KEY", packet_attr::KEY),
        ("ACTIONS", packet_attr::ACTIONS),
        ("USERDATA", packet_attr::USERDATA),
        ("EGRESS_TUN_KEY", packet_attr::EGRESS_TUN_KEY),
        ("UNUSED1", packet_attr::UNUSED1),
        ("UNUSED2", packet_attr::UNUSED2),
        ("PROBE", packet_attr::PROBE),
        ("MRU", packet_attr::MRU),
        ("LEN", packet_attr::LEN),
        ("HASH", packet_attr::HASH),
    ];
    check_enum(&h, "PACKET_ATTR", &names, packet_attr::MAX);
}
