//! Fuzz target `admin_json`: the property checks live in `portcullis_server::fuzzing::admin_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_server::fuzzing::admin_json(data));
