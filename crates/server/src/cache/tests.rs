//! The cache serves hits without the store, expires them, never caches unknown clients, and is
//! cleared by writes made through it.

use std::sync::Arc;
use std::time::Duration;

use oauth_core::memory::MemoryStore;
use oauth_core::model::{KeyStatus, SigningAlgorithm};
use oauth_core::provision::{self, NewClient};
use oauth_core::random::SeededEntropy;
use oauth_core::store::{ClientStore, KeyStore, RealmStore};

use super::{CachedStore, TtlMap};

fn key(realm: uuid::Uuid, seed: u64) -> oauth_core::model::SigningKey {
    oauth_core::keys::generate_signing_key(
        realm,
        SigningAlgorithm::Es256,
        KeyStatus::Passive,
        1,
        &mut SeededEntropy::new(seed),
    )
    .unwrap()
}

#[test]
fn hits_are_served_until_the_ttl_and_writes_through_the_cache_clear_it() {
    let inner = Arc::new(MemoryStore::new());
    let cache = CachedStore::new(inner.clone(), Duration::from_millis(1500));
    let realm =
        provision::ensure_realm(inner.as_ref(), "r", 1, &mut SeededEntropy::new(1)).unwrap();
    assert_eq!(cache.list_signing_keys(Some(realm.id)).unwrap().len(), 2);
    assert!(cache.cached_signing_keys(Some(realm.id)).is_some());
    inner.create_signing_key(&key(realm.id, 2)).unwrap();
    assert_eq!(
        cache.list_signing_keys(Some(realm.id)).unwrap().len(),
        2,
        "served from the cache"
    );
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(
        cache.list_signing_keys(Some(realm.id)).unwrap().len(),
        3,
        "expired and reloaded"
    );
    cache.create_signing_key(&key(realm.id, 3)).unwrap();
    assert_eq!(
        cache.list_signing_keys(Some(realm.id)).unwrap().len(),
        4,
        "a write through the cache clears it"
    );
    assert_eq!(cache.find_realm_by_name("r").unwrap(), Some(realm));
}

#[test]
fn unknown_clients_are_not_cached() {
    let inner = Arc::new(MemoryStore::new());
    let cache = CachedStore::new(inner.clone(), Duration::from_secs(60));
    let realm =
        provision::ensure_realm(inner.as_ref(), "r", 1, &mut SeededEntropy::new(1)).unwrap();
    assert_eq!(cache.find_client_by_name(realm.id, "late").unwrap(), None);
    let new = NewClient {
        name: "late".into(),
        ..NewClient::default()
    };
    let (client, _) =
        provision::create_client(inner.as_ref(), &realm, new, 1, &mut SeededEntropy::new(2))
            .unwrap();
    assert_eq!(
        cache.find_client_by_name(realm.id, "late").unwrap(),
        Some(client.clone())
    );
    assert_eq!(cache.find_client(client.id).unwrap(), Some(client));
}

#[test]
fn a_zero_ttl_disables_caching() {
    let inner = Arc::new(MemoryStore::new());
    let cache = CachedStore::new(inner.clone(), Duration::ZERO);
    let realm =
        provision::ensure_realm(inner.as_ref(), "r", 1, &mut SeededEntropy::new(1)).unwrap();
    assert_eq!(cache.list_signing_keys(None).unwrap().len(), 2);
    inner.create_signing_key(&key(realm.id, 2)).unwrap();
    assert_eq!(cache.list_signing_keys(None).unwrap().len(), 3);
    assert!(cache.cached_signing_keys(None).is_none());
}

#[test]
fn a_load_overtaken_by_a_write_is_not_cached() {
    let map: TtlMap<u8, u32> = TtlMap::new(Duration::from_secs(60));
    // The write (and its clear) lands while the load is running: the loaded value may predate it.
    let value = map
        .get_or_load(
            1,
            || {
                map.clear();
                Ok(7)
            },
            |_| true,
        )
        .unwrap();
    assert_eq!(value, 7);
    assert_eq!(
        map.get(&1),
        None,
        "a value older than the last write must not be cached"
    );
    // An undisturbed load is cached.
    map.get_or_load(1, || Ok(8), |_| true).unwrap();
    assert_eq!(map.get(&1), Some(8));
}
