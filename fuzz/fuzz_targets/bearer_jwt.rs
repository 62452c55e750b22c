//! Fuzz target `bearer_jwt`: the property checks live in `portcullis_server::fuzzing::bearer_jwt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_server::fuzzing::bearer_jwt(data));
