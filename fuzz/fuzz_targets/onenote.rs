//! Fuzz target `onenote`: see `officetwin::untrusted::onenote` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::onenote(data));
