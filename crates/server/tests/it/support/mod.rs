//! The harnesses every test module shares, one per file:
//!
//! - `fixture.rs`: the in-process fixture ([`Fixture`]: the server's state over a fresh,
//!   bootstrapped SQLite file or PostgreSQL database) and the request helpers ([`send`], [`form`]).
//! - `api.rs`: [`Api`], the in-process test client answering [`Response`]s.
//! - `process.rs`: the real `portcullis` binary ([`Server`], [`Db`], [`cli`]).
//! - `cluster.rs`: a PostgreSQL cluster of a test's own, to stop and start ([`Cluster`]).
//! - `inspect.rs`: reading answers (JWTs against a JWKS, HTML forms).
//!
//! and [`both_backends!`], which runs one test on SQLite and on PostgreSQL.

mod api;
mod cluster;
mod fixture;
mod inspect;
mod process;

pub use api::{Api, App, Response};
pub use cluster::Cluster;
pub use fixture::{
    Fixture, PUBLIC_URL, basic, fixture, fixture_postgres, fixture_with, form, heavy, now, observe,
    send, urlencode,
};
pub use inspect::{hidden_inputs, tamper, verify, verify_header_kid};
pub use process::{BIN, Db, Server, cli, http, jwks, kids, portcullis};

/// Runs each named test on SQLite and on PostgreSQL: `both_backends!(name, ...)` turns each
/// `async fn name(fx: Fixture)` into the tests `name_on_sqlite` and `name_on_postgres`, each on a
/// fresh [`Fixture`] of its store (the names the documentation cites as `module::name_on_*`).
///
/// - `both_backends!(audited: name, ...)`: the same, with the audit writer started
///   ([`Fixture::with_audit`]).
/// - `both_backends!(process: name, ...)`: `fn name(db: Db, dir: TempDir)` against the real binary,
///   on a SQLite file in `dir` or on a PostgreSQL database made for the test.
macro_rules! both_backends {
    (process: $($name:ident),+ $(,)?) => {
        $(pastey::paste! {
            #[test]
            fn [<$name _on_sqlite>]() {
                let dir = tempfile::tempdir().unwrap();
                $name($crate::support::Db::sqlite(dir.path()), dir);
            }

            #[test]
            fn [<$name _on_postgres>]() {
                $name($crate::support::Db::postgres(), tempfile::tempdir().unwrap());
            }
        })+
    };
    (audited: $($name:ident),+ $(,)?) => {
        $(pastey::paste! {
            #[actix_web::test]
            async fn [<$name _on_sqlite>]() {
                $name($crate::support::fixture().with_audit()).await;
            }

            #[actix_web::test]
            async fn [<$name _on_postgres>]() {
                $name($crate::support::fixture_postgres().with_audit()).await;
            }
        })+
    };
    ($($name:ident),+ $(,)?) => {
        $(pastey::paste! {
            #[actix_web::test]
            async fn [<$name _on_sqlite>]() {
                $name($crate::support::fixture()).await;
            }

            #[actix_web::test]
            async fn [<$name _on_postgres>]() {
                $name($crate::support::fixture_postgres()).await;
            }
        })+
    };
}
pub(crate) use both_backends;
