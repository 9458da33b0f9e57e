// SPDX-License-Identifier: GPL-2.0
//! libFuzzer entry point; the body is [`ovs_rs_fuzz::rewrite::run`], shared with the replay test.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| ovs_rs_fuzz::rewrite::run(data));
