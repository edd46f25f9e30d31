//! Fuzz target `ips_rules`: see `officetwin::untrusted::ips_rules` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::ips_rules(data));
