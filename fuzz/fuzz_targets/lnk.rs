//! Fuzz target `lnk`: see `officetwin::untrusted::lnk` for what it feeds.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officetwin::untrusted::lnk(data));
