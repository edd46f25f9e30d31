//! Fuzz target `http_response`: see `officetwin::untrusted::http_response` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::http_response(data));
