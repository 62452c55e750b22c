//! Fuzz target `scope`: the property checks live in `portcullis_server::fuzzing::scope`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_server::fuzzing::scope(data));
