//! Fuzz target `backup_tar`: see `alcove::fuzzing::backup_tar` for what the bytes are.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| alcove::fuzzing::backup_tar(data));
