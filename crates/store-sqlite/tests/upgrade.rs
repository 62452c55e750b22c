//! Upgrading a database written by an earlier release keeps its data: a file migrated only to the
//! first seven migrations, holding a user with a role and a permission, is migrated to the latest
//! schema (which rebuilds the assignment tables with ids) and still grants that permission.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use diesel_migrations::MigrationHarness;
use oauth_core::model::{RolePermission, UserRole};
use oauth_core::store::records::{ListQuery, Page, Records};
use oauth_core::store::{ConsentStore, RoleStore};
use store_sqlite::{MIGRATIONS, SqliteStore};

const REALM: &str = "11111111-1111-4111-8111-111111111111";
const USER: &str = "22222222-2222-4222-8222-222222222222";
const ROLE: &str = "33333333-3333-4333-8333-333333333333";
const PERMISSION: &str = "44444444-4444-4444-8444-444444444444";
const CLIENT: &str = "55555555-5555-4555-8555-555555555555";

#[test]
fn assignments_survive_the_admin_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    for _ in 0..7 {
        conn.run_next_migration(MIGRATIONS).unwrap();
    }
    conn.batch_execute(&format!(
        "INSERT INTO realms VALUES ('{REALM}', 'old', NULL, 3600, 259200, 'ES256', 0, '2026-11-01 00:00:00');
         INSERT INTO users (id, realm_id, name, email_verified, active, created_at, updated_at)
             VALUES ('{USER}', '{REALM}', 'alice', 0, 1, '2026-11-01 00:00:00', '2026-11-01 00:00:00');
         INSERT INTO roles VALUES ('{ROLE}', '{REALM}', 'editor', NULL, 0);
         INSERT INTO permissions VALUES ('{PERMISSION}', 'doc_read', NULL, 0);
         INSERT INTO user_roles VALUES ('{USER}', '{ROLE}');
         INSERT INTO role_permissions VALUES ('{ROLE}', '{PERMISSION}');
         INSERT INTO clients (id, realm_id, name, active, first_party, created_at, updated_at)
             VALUES ('{CLIENT}', '{REALM}', 'web', 1, 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00');
         INSERT INTO consents VALUES ('{USER}', '{CLIENT}', 'email global', '2026-11-02 00:00:00');"
    ))
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path, 2).unwrap();
    let applied = store.migrate().unwrap();
    assert_eq!(
        applied.len(),
        4,
        "the admin, bootstrap, client-scope and bootstrap-claim migrations: {applied:?}"
    );
    let user = USER.parse().unwrap();
    assert_eq!(store.user_permission_names(user).unwrap(), ["doc_read"]);
    let holders: Page<UserRole> = store.list_records(&ListQuery::default()).unwrap();
    assert_eq!(holders.total, 1);
    assert_eq!(holders.items[0].realm_id.to_string(), REALM);
    assert_eq!(holders.items[0].user_id, user);
    let grants: Page<RolePermission> = store.list_records(&ListQuery::default()).unwrap();
    assert_eq!(grants.total, 1);
    assert_eq!(grants.items[0].role_id.to_string(), ROLE);
    assert_ne!(grants.items[0].id, holders.items[0].id, "fresh ids");
    let consent = store
        .find_consent(user, CLIENT.parse().unwrap())
        .unwrap()
        .expect("the consent survives");
    assert_eq!(
        (consent.scope.as_str(), consent.realm_id.to_string()),
        ("email global", REALM.to_owned())
    );
}

/// Upgrading a file of the release before client scopes were assignments: each client's `scope`
/// list becomes `client_scopes` rows (unknown names dropped), a client that allowed everything gets
/// every scope of its realm, and the column holds the derived list.
#[test]
fn client_scope_lists_become_assignments_at_upgrade() {
    use oauth_core::model::{ClientScope, ClientScopeColumn};
    use oauth_core::store::ClientStore;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    for _ in 0..9 {
        conn.run_next_migration(MIGRATIONS).unwrap();
    }
    conn.batch_execute(&format!(
        "INSERT INTO realms VALUES ('{REALM}', 'old', NULL, 3600, 259200, 'ES256', 0, '2026-11-01 00:00:00');
         INSERT INTO scopes (id, realm_id, name, built_in) VALUES
             ('a1111111-1111-4111-8111-111111111111', '{REALM}', 'openid', 1),
             ('a2222222-1111-4111-8111-111111111111', '{REALM}', 'email', 1),
             ('a3333333-1111-4111-8111-111111111111', '{REALM}', 'global', 1);
         INSERT INTO clients (id, realm_id, name, active, first_party, scope, created_at, updated_at) VALUES
             ('{CLIENT}', '{REALM}', 'listed', 1, 0, 'openid email bogus', '2026-11-01 00:00:00', '2026-11-01 00:00:00'),
             ('{USER}', '{REALM}', 'all', 1, 0, NULL, '2026-11-01 00:00:00', '2026-11-01 00:00:00');
         INSERT INTO client_scopes (id, realm_id, client_id, scope_id) VALUES
             ('b1111111-1111-4111-8111-111111111111', '{REALM}', '{CLIENT}', 'a3333333-1111-4111-8111-111111111111');
         INSERT INTO bootstrap (id, admin_role_id, admin_user_id, completed_at)
             VALUES (1, NULL, NULL, '2026-11-01 00:00:00');"
    ))
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path, 2).unwrap();
    let applied = store.migrate().unwrap();
    assert_eq!(
        applied.len(),
        2,
        "client scopes, bootstrap claim: {applied:?}"
    );
    let record = oauth_core::store::BootstrapStore::bootstrap_record(&store)
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
        let page: Page<ClientScope> = store.list_records(&query).unwrap();
        page.total
    };
    assert_eq!(count(CLIENT), 2);
    assert_eq!(count(USER), 3, "a client that allowed everything");
    let scope = |client: &str| {
        store
            .find_client(client.parse().unwrap())
            .unwrap()
            .unwrap()
            .scope
    };
    assert_eq!(scope(CLIENT).as_deref(), Some("email openid"));
    assert_eq!(scope(USER).as_deref(), Some("email global openid"));
}
