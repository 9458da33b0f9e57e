//! The module's packaging: the generic-netlink aliases `module!` declares (upstream's
//! `MODULE_ALIAS_GENL_FAMILY` for each family we register), the modprobe.d file that makes
//! `modprobe openvswitch` load ours, `dkms.conf`, and the install targets.

use ovs_rs_host::abi::uapi::{
    OVS_CT_LIMIT_FAMILY, OVS_DATAPATH_FAMILY, OVS_FLOW_FAMILY, OVS_PACKET_FAMILY, OVS_VPORT_FAMILY,
};

fn repo_file(path: &str) -> String {
    let p = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// `MODULE_ALIAS_GENL_FAMILY(f)` is `MODULE_ALIAS_NET_PF_PROTO_NAME(PF_NETLINK,
/// NETLINK_GENERIC, "-family-" f)`: `net-pf-16-proto-16-family-<f>`.
fn genl_alias(family: &str) -> String {
    format!("net-pf-16-proto-16-family-{family}")
}

#[test]
fn the_module_declares_a_genl_alias_for_each_family_it_registers() {
    let root = repo_file("openvswitch_rs.rs");
    let start = root.find("module! {").expect("module! in the crate root");
    let decl = &root[start..start + root[start..].find("\n}").unwrap()];
    let aliases: Vec<&str> = decl
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("\"net-pf-"))
        .map(|l| l.trim_end_matches(',').trim_matches('"'))
        .collect();
    let want: Vec<String> = [
        OVS_DATAPATH_FAMILY,
        OVS_VPORT_FAMILY,
        OVS_FLOW_FAMILY,
        OVS_PACKET_FAMILY,
        OVS_CT_LIMIT_FAMILY,
    ]
    .iter()
    .map(|f| genl_alias(f))
    .collect();
    assert_eq!(aliases, want);
    assert!(decl.contains("alias: ["), "{decl}");
}

#[test]
fn the_modprobe_conf_turns_openvswitch_into_openvswitch_rs() {
    let conf = repo_file("packaging/openvswitch-rs.conf");
    let rules: Vec<&str> = conf
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(
        rules,
        ["install openvswitch /sbin/modprobe --ignore-install openvswitch_rs $CMDLINE_OPTS"]
    );
}

#[test]
fn dkms_builds_and_installs_the_module_into_extra() {
    let conf = repo_file("dkms.conf");
    for line in [
        "PACKAGE_NAME=\"openvswitch-rs\"",
        "MAKE[0]=\"make module KDIR=${kernel_source_dir} FLAVOUR=dkms\"",
        "BUILT_MODULE_NAME[0]=\"openvswitch_rs\"",
        "BUILT_MODULE_LOCATION[0]=\"build/dkms/\"",
        "DEST_MODULE_LOCATION[0]=\"/extra\"",
    ] {
        assert!(conf.lines().any(|l| l == line), "dkms.conf lacks {line}");
    }
}

#[test]
fn make_install_uses_extra_and_honours_destdir() {
    let mk = repo_file("Makefile");
    assert!(mk.contains("INSTALL_MOD_PATH ?= $(DESTDIR)"));
    assert!(mk.contains("INSTALL_MOD_DIR=extra modules_install"));
    assert!(mk.contains("packaging/openvswitch-rs.conf $(MODPROBE_CONF)"));
    assert!(mk.contains("MODPROBE_CONF = $(DESTDIR)/etc/modprobe.d/openvswitch-rs.conf"));
}
