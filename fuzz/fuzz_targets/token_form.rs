//! Fuzz target `token_form`: the property checks live in `portcullis_server::fuzzing::token_form`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_server::fuzzing::token_form(data));
