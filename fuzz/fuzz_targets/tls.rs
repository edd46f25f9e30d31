//! Fuzz target `tls`: see `officetwin::untrusted::tls` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::tls(data));
