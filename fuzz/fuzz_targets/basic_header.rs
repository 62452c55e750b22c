//! Fuzz target `basic_header`: the property checks live in `portcullis_server::fuzzing::basic_header`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_server::fuzzing::basic_header(data));
