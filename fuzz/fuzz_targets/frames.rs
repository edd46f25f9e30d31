//! Fuzz target `frames`: see `officetwin::untrusted::frames` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::frames(data));
