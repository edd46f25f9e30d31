//! Fuzz target `chunked`: see `officetwin::untrusted::chunked` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::chunked(data));
