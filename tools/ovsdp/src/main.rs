//! ovsdp binary entry point (OVS: utilities/ovs-dpctl.c `main()`).

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(ovsdp::dpctl::main_with(&argv));
}
