//! Server integration tests, one binary: through actix's test service (`token`, `malformed`,
//! `jwks`) and against the real `portcullis` binary driven by the `oauth2` crate (`blackbox`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod admin;
mod attacks;
mod authorize;
mod authup_wire;
mod bad_input;
mod blackbox;
mod browser;
mod browser_cors;
mod cors;
mod discovery;
mod error_bodies;
mod faults;
mod fuzz_corpus;
mod fuzz_postgres;
mod hostile;
mod hygiene;
mod jwks;
mod malformed;
mod monotonicity;
mod moving_in;
mod nodes;
mod operations;
mod revocation;
mod support;
mod timing;
mod token;
mod transfer;
mod userinfo;
