//! Fuzz target `mime`: see `officetwin::untrusted::mime` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::mime(data));
