//! Cases of a store given a key-encryption key ([`sealing_conformance_tests!`]): every way a
//! signing key is written stores its private half sealed, reads open it, and a sealed private key
//! copied onto another key's row does not open.
//!
//! The stored form is observed through `Records<SigningKey>`, which carries it as stored.

use super::{NOW, rng};
use crate::keys::generate_signing_key;
use crate::keys::sealing::{KeyEncryption, SEALED_PREFIX};
use crate::model::{KeyStatus, SigningAlgorithm, SigningKey};
use crate::provision;
use crate::secret::PrivateKeyDer;
use crate::store::Store;
use crate::store::records::Records;

/// The KEK the sealing cases give the store.
pub const TEST_KEK: [u8; 32] = [0x5a; 32];

fn stored(store: &dyn Store, key: &SigningKey) -> String {
    Records::<SigningKey>::get_record(store, key.id)
        .unwrap()
        .expect("the key is stored")
        .private_key
        .secret()
        .to_owned()
}

fn assert_sealed(store: &dyn Store, key: &SigningKey) {
    let at_rest = stored(store, key);
    assert!(
        at_rest.starts_with(SEALED_PREFIX),
        "{} is stored in the clear",
        key.id
    );
    assert!(!at_rest.contains(key.private_key.secret()));
    let opened = KeyEncryption::with_kek(TEST_KEK)
        .open(key.id, at_rest)
        .unwrap();
    assert_eq!(
        opened, key.private_key,
        "the common format, under the store's KEK"
    );
}

pub fn private_keys_are_stored_sealed_under_a_kek(store: &dyn Store, sealing: &KeyEncryption) {
    // A realm's first keys (written with the realm, in one transaction) ...
    let realm = provision::ensure_realm(store, "sealed", NOW, &mut rng(41)).unwrap();
    let first = store.list_signing_keys(Some(realm.id)).unwrap();
    assert_eq!(first.len(), 2);
    // ... and a key added later.
    let added = generate_signing_key(
        realm.id,
        SigningAlgorithm::Es256,
        KeyStatus::Passive,
        NOW + 1,
        &mut rng(42),
    )
    .unwrap();
    store.create_signing_key(&added).unwrap();
    for key in first.iter().chain([&added]) {
        assert_sealed(store, key);
    }
    let read = store.list_signing_keys(Some(realm.id)).unwrap();
    assert_eq!(read.last(), Some(&added), "reads open the key");
    assert!(first.iter().all(|k| read.contains(k)));
    assert!(
        !sealing.clear_keys_read(),
        "nothing was stored in the clear"
    );
}

pub fn a_sealed_key_copied_to_another_key_does_not_open(store: &dyn Store, _: &KeyEncryption) {
    let realm = provision::ensure_realm(store, "copied", NOW, &mut rng(43)).unwrap();
    let keys = store.list_signing_keys(Some(realm.id)).unwrap();
    let (from, onto) = (&keys[0], &keys[1]);
    let copied = SigningKey {
        private_key: PrivateKeyDer::new(stored(store, from)),
        ..onto.clone()
    };
    assert!(Records::<SigningKey>::update_record(store, &copied).unwrap());
    let err = store.list_signing_keys(Some(realm.id)).unwrap_err();
    assert!(err.to_string().contains("does not decrypt"), "{err}");
}

pub fn a_key_stored_in_the_clear_is_read_and_reported(store: &dyn Store, sealing: &KeyEncryption) {
    let realm = provision::ensure_realm(store, "legacy", NOW, &mut rng(44)).unwrap();
    let keys = store.list_signing_keys(Some(realm.id)).unwrap();
    // As a database written before a KEK was configured holds it.
    assert!(Records::<SigningKey>::update_record(store, &keys[0]).unwrap());
    assert!(!sealing.clear_keys_read());
    assert_eq!(store.list_signing_keys(Some(realm.id)).unwrap(), keys);
    assert!(
        sealing.clear_keys_read(),
        "the store's KeyEncryption reports it"
    );
}
