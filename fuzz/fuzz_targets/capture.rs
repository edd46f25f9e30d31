//! Fuzz target `capture`: see `officetwin::untrusted::capture` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::capture(data));
