//! Fuzz target `form_definition`: see `alcove::fuzzing::form_definition` for what the bytes are.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| alcove::fuzzing::form_definition(data));
