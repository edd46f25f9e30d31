//! Fuzz target `yaml`: see `officetwin::untrusted::yaml` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::yaml(data));
