//! The core's store conformance suite against a real SQLite file (a fresh temporary one per test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::ops::Deref;
use std::sync::Arc;

use oauth_core::keys::sealing::KeyEncryption;

use store_sqlite::SqliteStore;

struct Fixture {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl Deref for Fixture {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

fn fresh() -> Fixture {
    fresh_sealing_with(Arc::default())
}

fn fresh_sealing_with(sealing: Arc<KeyEncryption>) -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = SqliteStore::open(&dir.path().join("nested/portcullis.db"), 8)
        .expect("open")
        .with_key_encryption(sealing);
    let applied = store.migrate().expect("migrate");
    assert!(!applied.is_empty(), "a fresh file gets every migration");
    assert!(
        store.migrate().expect("migrate again").is_empty(),
        "migrations are idempotent"
    );
    Fixture { store, _dir: dir }
}

oauth_core::store_conformance_tests!(fresh);
oauth_core::sealing_conformance_tests!(fresh_sealing_with);

#[test]
fn data_survives_reopening_the_file() {
    use oauth_core::store::RealmStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite");
    let store = SqliteStore::open(&path, 2).unwrap();
    store.migrate().unwrap();
    let realm = oauth_core::provision::ensure_realm(
        &store,
        "kept",
        1,
        &mut oauth_core::random::SeededEntropy::new(1),
    )
    .unwrap();
    drop(store);
    let reopened = SqliteStore::open(&path, 2).unwrap();
    assert!(reopened.migrate().unwrap().is_empty());
    assert_eq!(reopened.find_realm_by_name("kept").unwrap(), Some(realm));
}
