//! Conformance cases for the directory: realms, users, clients, scopes, roles and permissions,
//! assignments, signing keys.

use uuid::Uuid;

use super::{NOW, hasher, rng};
use crate::error::{Error, StoreError};
use crate::keys::generate_signing_key;
use crate::model::{
    KeyStatus, Permission, Role, RolePermission, SigningAlgorithm, SigningKey, UserRole,
};
use crate::provision::{self, NewClient, NewUser};
use crate::random::{SeededEntropy, random_uuid};
use crate::secret::Password;
use crate::store::Store;

pub fn realms_roundtrip_and_unique_names(store: &dyn Store) {
    let realm = provision::ensure_realm(store, "alpha", NOW, &mut rng(1)).unwrap();
    assert_eq!(store.find_realm(realm.id).unwrap(), Some(realm.clone()));
    assert_eq!(
        store.find_realm_by_name("alpha").unwrap(),
        Some(realm.clone())
    );
    assert_eq!(store.find_realm_by_name("beta").unwrap(), None);
    assert_eq!(store.find_realm(Uuid::nil()).unwrap(), None);
    let mut twin = realm.clone();
    twin.id = random_uuid(&mut rng(2));
    assert!(matches!(
        store.create_realm(&twin),
        Err(StoreError::Conflict(_))
    ));
}

pub fn users_are_found_by_id_and_by_name_within_their_realm(store: &dyn Store) {
    let hasher = hasher();
    let a = provision::ensure_realm(store, "a", NOW, &mut rng(1)).unwrap();
    let b = provision::ensure_realm(store, "b", NOW, &mut rng(2)).unwrap();
    let new = NewUser {
        name: "alice".into(),
        email: Some("alice@example.com".into()),
        password: Some(Password::new("pw")),
    };
    let user = provision::create_user(store, &hasher, &a, new.clone(), NOW, &mut rng(3)).unwrap();
    assert_eq!(store.find_user(user.id).unwrap(), Some(user.clone()));
    assert_eq!(
        store.find_user_by_name(a.id, "alice").unwrap(),
        Some(user.clone())
    );
    assert_eq!(store.find_user_by_name(b.id, "alice").unwrap(), None);
    assert!(hasher.verify_or_dummy(&Password::new("pw"), user.password_hash.as_ref()));
    // The same name in another realm is fine; in the same realm it conflicts.
    provision::create_user(store, &hasher, &b, new.clone(), NOW, &mut rng(4)).unwrap();
    let again = provision::create_user(store, &hasher, &a, new, NOW, &mut rng(5));
    assert!(matches!(again, Err(Error::Store(StoreError::Conflict(_)))));
}

pub fn clients_roundtrip_with_hashed_secret(store: &dyn Store) {
    let realm = provision::ensure_realm(store, "r", NOW, &mut rng(1)).unwrap();
    let new = NewClient {
        name: "svc".into(),
        grant_types: Some("client_credentials".into()),
        scope: Some("global email".into()),
        redirect_uri: Some("http://localhost/cb".into()),
        post_logout_redirect_uri: Some("http://localhost/bye".into()),
        id_token_signed_response_alg: Some(SigningAlgorithm::Es256),
        ..NewClient::default()
    };
    let (client, secret) = provision::create_client(store, &realm, new, NOW, &mut rng(2)).unwrap();
    let secret = secret.expect("confidential clients get a secret");
    let stored = store.find_client(client.id).unwrap().unwrap();
    assert_eq!(stored, client);
    assert!(
        stored
            .secret_hash
            .as_ref()
            .unwrap()
            .matches(secret.secret())
    );
    assert_ne!(
        stored.secret_hash.as_ref().unwrap().as_str(),
        secret.secret()
    );
    assert_eq!(
        store.find_client_by_name(realm.id, "svc").unwrap(),
        Some(client)
    );
    let public = NewClient {
        name: "spa".into(),
        public: true,
        ..NewClient::default()
    };
    let (spa, none) = provision::create_client(store, &realm, public, NOW, &mut rng(3)).unwrap();
    assert!(none.is_none() && !spa.is_confidential());
}

pub fn scopes_are_listed_per_realm(store: &dyn Store) {
    let a = provision::ensure_realm(store, "a", NOW, &mut rng(1)).unwrap();
    provision::ensure_realm(store, "b", NOW, &mut rng(2)).unwrap();
    let names: Vec<_> = store
        .list_scopes(a.id)
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["email", "global", "identity", "openid", "roles"]);
}

pub fn roles_and_permissions_assign_idempotently(store: &dyn Store) {
    let hasher = hasher();
    let realm = provision::ensure_realm(store, "r", NOW, &mut rng(1)).unwrap();
    let mut r = rng(2);
    let role = Role {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        name: "editor".into(),
        description: None,
        built_in: false,
    };
    store.create_role(&role).unwrap();
    assert_eq!(
        store.find_role_by_name(realm.id, "editor").unwrap(),
        Some(role.clone())
    );
    let perm = |name: &str, r: &mut SeededEntropy| Permission {
        id: random_uuid(r),
        name: name.into(),
        description: None,
        built_in: false,
    };
    let (read, write) = (perm("doc_read", &mut r), perm("doc_update", &mut r));
    store.create_permission(&read).unwrap();
    store.create_permission(&write).unwrap();
    assert!(matches!(
        store.create_permission(&perm("doc_read", &mut r)),
        Err(StoreError::Conflict(_))
    ));
    let user = provision::create_user(
        store,
        &hasher,
        &realm,
        NewUser {
            name: "u".into(),
            ..NewUser::default()
        },
        NOW,
        &mut r,
    )
    .unwrap();
    let grant = |permission_id, r: &mut SeededEntropy| RolePermission {
        id: random_uuid(r),
        realm_id: realm.id,
        role_id: role.id,
        permission_id,
    };
    provision::assign(store, &grant(read.id, &mut r)).unwrap();
    provision::assign(store, &grant(read.id, &mut r)).unwrap();
    provision::assign(store, &grant(write.id, &mut r)).unwrap();
    let holder = |r: &mut SeededEntropy| UserRole {
        id: random_uuid(r),
        realm_id: realm.id,
        user_id: user.id,
        role_id: role.id,
    };
    provision::assign(store, &holder(&mut r)).unwrap();
    provision::assign(store, &holder(&mut r)).unwrap();
    assert_eq!(
        store.user_permission_names(user.id).unwrap(),
        ["doc_read", "doc_update"]
    );
    let names: Vec<_> = store
        .list_permissions()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["doc_read", "doc_update"]);
}

pub fn assignments_to_unknown_records_are_not_found(store: &dyn Store) {
    let grant = RolePermission {
        id: Uuid::from_u128(1),
        realm_id: Uuid::nil(),
        role_id: Uuid::nil(),
        permission_id: Uuid::nil(),
    };
    let outcome = store.insert_record(&grant);
    assert!(matches!(outcome, Err(StoreError::NotFound)), "{outcome:?}");
    let holder = UserRole {
        id: Uuid::from_u128(2),
        realm_id: Uuid::nil(),
        user_id: Uuid::nil(),
        role_id: Uuid::nil(),
    };
    let outcome = store.insert_record(&holder);
    assert!(matches!(outcome, Err(StoreError::NotFound)), "{outcome:?}");
}

pub fn signing_keys_list_per_realm_and_all(store: &dyn Store) {
    let a = provision::ensure_realm(store, "a", NOW, &mut rng(1)).unwrap();
    let b = provision::ensure_realm(store, "b", NOW, &mut rng(2)).unwrap();
    let extra = generate_signing_key(
        a.id,
        SigningAlgorithm::Es256,
        KeyStatus::Passive,
        NOW + 5,
        &mut rng(3),
    )
    .unwrap();
    store.create_signing_key(&extra).unwrap();
    let keys_a = store.list_signing_keys(Some(a.id)).unwrap();
    assert_eq!(keys_a.len(), 3);
    assert_eq!(keys_a.last(), Some(&extra), "oldest first, newest last");
    assert!(keys_a.iter().all(|k| k.realm_id == a.id));
    assert_eq!(store.list_signing_keys(Some(b.id)).unwrap().len(), 2);
    assert_eq!(store.list_signing_keys(None).unwrap().len(), 5);

    // A status changes only from the status expected, and nothing else of the key changes.
    assert!(
        !store
            .set_key_status(extra.id, KeyStatus::Active, KeyStatus::Disabled)
            .unwrap()
    );
    assert!(
        store
            .set_key_status(extra.id, KeyStatus::Passive, KeyStatus::Active)
            .unwrap()
    );
    assert!(
        !store
            .set_key_status(extra.id, KeyStatus::Passive, KeyStatus::Disabled)
            .unwrap(),
        "a second node planning from the old status changes nothing"
    );
    let stored = store.list_signing_keys(Some(a.id)).unwrap();
    let stored = stored.iter().find(|k| k.id == extra.id).unwrap();
    assert_eq!(
        *stored,
        SigningKey {
            status: KeyStatus::Active,
            ..extra.clone()
        }
    );
    assert!(
        !store
            .set_key_status(Uuid::nil(), KeyStatus::Active, KeyStatus::Passive)
            .unwrap()
    );
}
