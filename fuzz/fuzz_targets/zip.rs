//! Fuzz target `zip`: see `officetwin::untrusted::zip` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::zip(data));
