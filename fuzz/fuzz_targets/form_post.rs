//! Fuzz target `form_post`: see `alcove::fuzzing::form_post` for what the bytes are.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| alcove::fuzzing::form_post(data));
