//! Conformance cases for password hashes: a hash made with other Argon2 parameters is replaced
//! at the next successful login (and only then), and the replacement never undoes a password
//! change made meanwhile.

use super::{NOW, hasher, rng};
use crate::grant::{Settings, authenticate_user};
use crate::password::{Argon2Params, PasswordHasher};
use crate::provision::{self, NewUser};
use crate::secret::{Password, PasswordHash};
use crate::store::Store;

fn stored_hash(store: &dyn Store, realm_id: uuid::Uuid) -> PasswordHash {
    let user = store.find_user_by_name(realm_id, "dave").unwrap().unwrap();
    user.password_hash.unwrap()
}

pub fn password_hashes_follow_the_configured_parameters(store: &dyn Store) {
    let old = hasher();
    let realm = provision::ensure_realm(store, "hashes", NOW, &mut rng(50)).unwrap();
    let dave = NewUser {
        name: "dave".into(),
        email: None,
        password: Some(Password::new("dave's password")),
    };
    provision::create_user(store, &old, &realm, dave, NOW, &mut rng(51)).unwrap();
    let before = stored_hash(store, realm.id);
    let stronger = Argon2Params {
        memory_kib: 128,
        iterations: 2,
        parallelism: 1,
    };
    let mut settings = Settings::new("http://localhost:3001", hasher());
    settings.hasher = PasswordHasher::new(stronger, &mut rng(52)).unwrap();
    assert!(settings.hasher.needs_rehash(&before));
    let login = |password: &str| {
        authenticate_user(
            store,
            &settings,
            &realm,
            "dave",
            &Password::new(password),
            None,
            NOW,
            &mut rng(53),
            None,
        )
    };
    assert!(login("wrong").is_err());
    assert_eq!(
        stored_hash(store, realm.id).secret(),
        before.secret(),
        "a failed login rehashes nothing"
    );
    assert!(login("dave's password").is_ok());
    let after = stored_hash(store, realm.id);
    assert!(
        after.secret().contains("m=128,t=2,p=1"),
        "{}",
        after.secret().len()
    );
    assert!(!settings.hasher.needs_rehash(&after));
    assert!(login("dave's password").is_ok(), "the new hash verifies");
    assert_eq!(
        stored_hash(store, realm.id).secret(),
        after.secret(),
        "once"
    );
    // A replacement based on a hash that is no longer stored changes nothing.
    let user = store.find_user_by_name(realm.id, "dave").unwrap().unwrap();
    let stale = PasswordHash::new(before.secret().to_owned());
    assert!(
        !store
            .replace_password_hash(user.id, &stale, &before)
            .unwrap()
    );
    assert_eq!(stored_hash(store, realm.id).secret(), after.secret());
    assert!(
        store
            .replace_password_hash(user.id, &after, &before)
            .unwrap()
    );
    assert_eq!(stored_hash(store, realm.id).secret(), before.secret());
}
