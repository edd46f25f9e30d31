//! Fuzz target `http_request`: see `officetwin::untrusted::http_request` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::http_request(data));
