//! Fuzz target `seal_open`: see `alcove::fuzzing::seal_open` for what the bytes are.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| alcove::fuzzing::seal_open(data));
