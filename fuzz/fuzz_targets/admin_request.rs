//! Fuzz target `admin_request`: see `alcove::fuzzing::admin_request` for what the bytes are.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| alcove::fuzzing::admin_request(data));
