// SPDX-License-Identifier: GPL-2.0
//! Runs every committed corpus and regression input through its fuzz target's body, so that
//! `cargo test` catches regressions without libFuzzer:
//! `cargo test --manifest-path tests/fuzz/Cargo.toml --no-default-features`.

use std::path::Path;

fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut n = 0;
    for (target, run) in ovs_rs_fuzz::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.expect("readable dir").path()).collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).expect("readable input");
            // The file name goes first, so that a failure names its input.
            eprintln!("{target}: {}", f.display());
            run(&data);
            n += 1;
        }
    }
    n
}

#[test]
fn corpus_inputs_pass() {
    let n = replay("corpus");
    assert!(n > 0, "no corpus inputs found");
    println!("{n} corpus inputs passed");
}

#[test]
fn regression_inputs_pass() {
    let n = replay("regressions");
    println!("{n} regression inputs passed");
}
