//! Fuzz target `store_dump`: see `alcove::fuzzing::store_dump` for what the bytes are.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| alcove::fuzzing::store_dump(data));
