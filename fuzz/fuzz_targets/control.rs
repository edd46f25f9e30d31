//! Fuzz target `control`: see `officetwin::untrusted::control` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::control(data));
