//! The origin rules, table-driven, and the public-client origins read from a store.

use super::*;
use crate::memory::MemoryStore;
use crate::provision::{self, NewClient};
use crate::random::SeededEntropy;
use crate::store::ClientStore as _;

const NOW: i64 = 1_700_000_000;

#[test]
fn origins_of_redirect_uris_are_what_browsers_send() {
    let table = [
        (
            "https://app.example.com/cb",
            Some("https://app.example.com"),
        ),
        (
            "https://App.Example.com:443/cb?x=1",
            Some("https://app.example.com"),
        ),
        (
            "http://127.0.0.1:5173/callback",
            Some("http://127.0.0.1:5173"),
        ),
        ("http://[::1]:8080/", Some("http://[::1]:8080")),
        ("com.example.app:/oauth", None),
        ("not a uri", None),
    ];
    for (uri, expected) in table {
        assert_eq!(origin_of(uri).as_deref(), expected, "{uri}");
    }
}

#[test]
fn configured_origins_must_be_bare_origins() {
    let table = [
        ("https://app.example.com", Ok("https://app.example.com")),
        ("https://APP.example.com:443", Ok("https://app.example.com")),
        ("http://localhost:5173", Ok("http://localhost:5173")),
        ("*", Err(())),
        ("null", Err(())),
        ("https://app.example.com/", Err(())),
        ("https://app.example.com/spa", Err(())),
        ("https://user@app.example.com", Err(())),
        ("ftp://app.example.com", Err(())),
        ("app.example.com", Err(())),
    ];
    for (text, expected) in table {
        assert_eq!(
            parse_origin(text).map_err(|_| ()),
            expected.map(str::to_owned),
            "{text}"
        );
    }
}

/// A store with realms `master` and `shop`; `shop` has a public SPA, a confidential client and an
/// inactive public client, each with its own origin.
fn shop() -> (MemoryStore, RealmOrigins, String) {
    let store = MemoryStore::new();
    let mut rng = SeededEntropy::new(1);
    provision::ensure_realm(&store, "master", NOW, &mut rng).unwrap();
    let realm = provision::ensure_realm(&store, "shop", NOW, &mut rng).unwrap();
    let client = |name: &str, public: bool, uri: &str| NewClient {
        name: name.to_owned(),
        public,
        redirect_uri: Some(uri.to_owned()),
        ..NewClient::default()
    };
    for new in [
        client(
            "spa",
            true,
            "https://spa.example.com/cb,com.example.app:/cb",
        ),
        client("backend", false, "https://backend.example.com/cb"),
        client("old", true, "https://old.example.com/cb"),
    ] {
        provision::create_client(&store, &realm, new, NOW, &mut rng).unwrap();
    }
    let mut old = store.find_client_by_name(realm.id, "old").unwrap().unwrap();
    old.active = false;
    Records::<Client>::update_record(&store, &old).unwrap();
    let origins = RealmOrigins::load(&store).unwrap();
    (store, origins, realm.id.to_string())
}

#[test]
fn only_active_public_clients_lend_their_origins_to_their_realm() {
    let (_store, origins, shop_id) = shop();
    let policy = CorsPolicy {
        public_clients: true,
        ..CorsPolicy::default()
    };
    let spa = "https://spa.example.com";
    let table = [
        (Surface::Realm("shop"), spa, true),
        (Surface::Realm(&shop_id), spa, true),
        (Surface::Root, spa, true),
        (Surface::Realm("master"), spa, false),
        (Surface::Admin, spa, false),
        (Surface::Realm("shop"), "https://backend.example.com", false),
        (Surface::Realm("shop"), "https://old.example.com", false),
        (
            Surface::Realm("shop"),
            "https://spa.example.com:8443",
            false,
        ),
        (Surface::Realm("shop"), "http://spa.example.com", false),
        (Surface::Realm("shop"), "null", false),
    ];
    for (surface, origin, expected) in table {
        assert_eq!(
            policy.allows(surface, origin, Some(&origins)),
            expected,
            "{surface:?} {origin}"
        );
    }
    let off = CorsPolicy::default();
    assert!(!off.allows(Surface::Realm("shop"), spa, Some(&origins)));
}

#[test]
fn configured_lists_apply_where_they_say() {
    let (_store, origins, shop_id) = shop();
    let set = |o: &str| BTreeSet::from([o.to_owned()]);
    let policy = CorsPolicy {
        everywhere: set("https://portal.example.com"),
        realms: BTreeMap::from([("shop".to_owned(), set("https://shop.example.com"))]),
        admin: set("https://console.example.com"),
        public_clients: false,
    };
    let table = [
        (Surface::Root, "https://portal.example.com", true),
        (Surface::Realm("master"), "https://portal.example.com", true),
        (Surface::Admin, "https://portal.example.com", false),
        (Surface::Realm("shop"), "https://shop.example.com", true),
        (Surface::Realm(&shop_id), "https://shop.example.com", true),
        (Surface::Root, "https://shop.example.com", true),
        (Surface::Realm("master"), "https://shop.example.com", false),
        (Surface::Admin, "https://console.example.com", true),
        (Surface::Realm("shop"), "https://console.example.com", false),
        (Surface::Realm("shop"), "https://spa.example.com", false),
    ];
    for (surface, origin, expected) in table {
        assert_eq!(
            policy.allows(surface, origin, Some(&origins)),
            expected,
            "{surface:?} {origin}"
        );
    }
    assert!(!policy.needs_realms(Surface::Admin));
    assert!(policy.needs_realms(Surface::Root));
}
