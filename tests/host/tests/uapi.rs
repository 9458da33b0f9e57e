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
    for (name, value) in names {
        let name = format!("OVS_KEY_ATTR_{name}");
        assert_eq!(enum_index(&h, &name), value as usize, "{name}");
    }
    assert!(h.contains("#define OVS_KEY_ATTR_MAX (__OVS_KEY_ATTR_MAX - 1)"));
    assert_eq!(
        enum_index(&h, "__OVS_KEY_ATTR_MAX"),
        key_attr::MAX as usize + 1
    );
    // Every enumerator is listed above.
    assert_eq!(names.len(), key_attr::MAX as usize + 1);
}
