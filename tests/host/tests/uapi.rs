//! The ABI constants, checked here against the uapi header text itself (the module checks
//! them against bindgen's reading of it at compile time).

use ovs_rs_host::genetlink::uapi::*;
use std::process::Command;

fn header() -> Option<String> {
    // The unpacked kernel tree of scripts/kernel, if present.
    let out = Command::new("sh")
        .arg("-c")
        .arg("ls -d ${OVS_RS_CACHE:-/var/cache/openvswitch-rs}/src/*/linux-source-6.12/include/uapi/linux/openvswitch.h 2>/dev/null | head -1")
        .output()
        .ok()?;
    let path = String::from_utf8(out.stdout).ok()?;
    std::fs::read_to_string(path.trim()).ok()
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
    let Some(h) = header() else {
        panic!("no unpacked linux-source-6.12; run scripts/kernel first");
    };
    assert!(h.contains(&format!(
        "#define OVS_DATAPATH_FAMILY  \"{OVS_DATAPATH_FAMILY}\""
    )));
    assert!(h.contains(&format!(
        "#define OVS_DATAPATH_VERSION {OVS_DATAPATH_VERSION}"
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
    let Some(h) = header() else {
        panic!("no unpacked linux-source-6.12; run scripts/kernel first");
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
fn action_attributes_match_the_uapi_header() {
    let Some(h) = header() else {
        panic!("no unpacked linux-source-6.12; run scripts/kernel first");
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
    let Some(h) = header() else {
        panic!("no unpacked linux-source-6.12; run scripts/kernel first");
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
