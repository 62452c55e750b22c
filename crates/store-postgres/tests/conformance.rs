//! The core's store conformance suite against a real PostgreSQL.
//!
//! `PORTCULLIS_TEST_DATABASE_URL` names the server (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Each test gets a schema of its own, created
//! fresh, so tests run in parallel without seeing each other. If PostgreSQL cannot be reached the
//! tests fail: they never skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use oauth_core::keys::sealing::KeyEncryption;
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
    fresh_sealing_with(Arc::default())
}

fn fresh_sealing_with(sealing: Arc<KeyEncryption>) -> Fixture {
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
    let store = PgStore::connect(&url, 8)
        .unwrap()
        .with_key_encryption(sealing);
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
oauth_core::sealing_conformance_tests!(fresh_sealing_with);

/// Upgrading a database of the release before client scopes were assignments: each client's
/// `scope` list becomes `client_scopes` rows (unknown names dropped), a client that allowed
/// everything gets every scope of its realm, and the column holds the derived list.
#[test]
fn client_scope_lists_become_assignments_at_upgrade() {
    use diesel_migrations::MigrationHarness;
    use oauth_core::model::{ClientScope, ClientScopeColumn};
    use oauth_core::store::ClientStore;
    use oauth_core::store::records::{ListQuery, Records};

    let fixture = fresh_unmigrated();
    let mut conn = PgConnection::establish(&fixture.1).unwrap();
    for _ in 0..9 {
        conn.run_next_migration(store_postgres::MIGRATIONS).unwrap();
    }
    conn.batch_execute(
        "INSERT INTO realms (id, name, access_token_lifetime, refresh_token_lifetime,
                             access_token_algorithm, built_in, created_at)
             VALUES ('11111111-1111-4111-8111-111111111111', 'old', 3600, 259200, 'ES256', false, now());
         INSERT INTO scopes (id, realm_id, name, built_in) VALUES
             ('a1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'openid', true),
             ('a2222222-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'email', true),
             ('a3333333-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'global', true);
         INSERT INTO clients (id, realm_id, name, active, first_party, scope, created_at, updated_at) VALUES
             ('c1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'listed', true, false, 'openid email bogus', now(), now()),
             ('c2222222-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111', 'all', true, false, NULL, now(), now());
         INSERT INTO client_scopes (id, realm_id, client_id, scope_id) VALUES
             ('b1111111-1111-4111-8111-111111111111', '11111111-1111-4111-8111-111111111111',
              'c1111111-1111-4111-8111-111111111111', 'a3333333-1111-4111-8111-111111111111');
         INSERT INTO bootstrap (id, admin_role_id, admin_user_id, completed_at)
             VALUES (1, NULL, NULL, '2026-11-01 00:00:00+00');",
    )
    .unwrap();
    drop(conn);
    let applied = fixture.0.migrate().unwrap();
    assert_eq!(
        applied.len(),
        2,
        "client scopes, bootstrap claim: {applied:?}"
    );
    let record = oauth_core::store::BootstrapStore::bootstrap_record(&fixture.0)
        .unwrap()
        .expect("the bootstrap record survives");
    assert_eq!(
        record.completed_at,
        Some(1_793_491_200),
        "and stays complete"
    );
    let count = |client: &str| {
        let query = ListQuery::by(
            ClientScopeColumn::ClientId,
            client.parse::<uuid::Uuid>().unwrap(),
        );
        Records::<ClientScope>::list_records(&fixture.0, &query)
            .unwrap()
            .total
    };
    assert_eq!(count("c1111111-1111-4111-8111-111111111111"), 2);
    assert_eq!(count("c2222222-1111-4111-8111-111111111111"), 3);
    let scope = |client: &str| {
        fixture
            .0
            .find_client(client.parse().unwrap())
            .unwrap()
            .unwrap()
            .scope
    };
    assert_eq!(
        scope("c1111111-1111-4111-8111-111111111111").as_deref(),
        Some("email openid")
    );
    assert_eq!(
        scope("c2222222-1111-4111-8111-111111111111").as_deref(),
        Some("email global openid")
    );
}

/// A fresh schema without migrations: the store and its URL (the schema is dropped at the end).
fn fresh_unmigrated() -> (PgStore, String, SchemaGuard) {
    let base = base_url();
    let mut admin = PgConnection::establish(&base).unwrap();
    let schema = format!("u_{}", std::process::id());
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
    let store = PgStore::connect(&url, 2).unwrap();
    (store, url, SchemaGuard(schema))
}

struct SchemaGuard(String);

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&base_url()) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.0));
        }
    }
}
