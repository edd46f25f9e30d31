//! Fuzz target `dns`: see `officetwin::untrusted::dns` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::dns(data));
