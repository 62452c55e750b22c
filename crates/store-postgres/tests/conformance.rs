//! The core's store conformance suite against a real PostgreSQL.
//!
//! `PORTCULLIS_TEST_DATABASE_URL` names the server (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each test gets a schema of its own, created
//! fresh, so tests run in parallel without seeing each other. If PostgreSQL cannot be reached the
//! tests fail: they never skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ops::Deref;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use store_postgres::PgStore;

fn base_url() -> String {
    std::env::var("PORTCULLIS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

struct Fixture {
    store: PgStore,
    schema: String,
}

impl Deref for Fixture {
    type Target = PgStore;
    fn deref(&self) -> &PgStore {
        &self.store
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&base_url()) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}

fn fresh() -> Fixture {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let base = base_url();
    let mut admin = PgConnection::establish(&base).unwrap_or_else(|e| {
        panic!("PostgreSQL is required for these tests (PORTCULLIS_TEST_DATABASE_URL): {e}")
    });
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let schema = format!(
        "t_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
    let store = PgStore::connect(&url, 8).unwrap();
    assert!(
        !store.migrate().unwrap().is_empty(),
        "a fresh schema gets every migration"
    );
    assert!(
        store.migrate().unwrap().is_empty(),
        "migrations are idempotent"
    );
    Fixture { store, schema }
}

oauth_core::store_conformance_tests!(fresh);
