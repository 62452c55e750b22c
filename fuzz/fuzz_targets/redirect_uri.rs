//! Fuzz target `redirect_uri`: the property checks live in `portcullis_server::fuzzing::redirect_uri`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_server::fuzzing::redirect_uri(data));
