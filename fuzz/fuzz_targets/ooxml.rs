//! Fuzz target `ooxml`: see `officetwin::untrusted::ooxml` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::ooxml(data));
