//! Fuzz target `ole`: see `officetwin::untrusted::ole` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::ole(data));
