//! Conformance case for `RealmStore::import_realm`: an import batch is written whole, in one
//! transaction, or not at all.

use super::{NOW, rng};
use crate::error::StoreError;
use crate::model::{
    BootstrapRecord, ImportBatch, Permission, Realm, Role, SigningAlgorithm, User, UserRole,
};
use crate::random::random_uuid;
use crate::store::Store;
use crate::store::records::Records;

fn batch(r: &mut crate::random::SeededEntropy) -> ImportBatch {
    let realm = Realm {
        id: random_uuid(r),
        name: "moved".into(),
        display_name: None,
        access_token_lifetime: 3600,
        refresh_token_lifetime: 86400,
        access_token_algorithm: SigningAlgorithm::Es256,
        built_in: false,
        created_at: NOW,
    };
    let role = Role {
        id: random_uuid(r),
        realm_id: realm.id,
        name: "editor".into(),
        description: None,
        built_in: false,
    };
    let user = User {
        id: random_uuid(r),
        realm_id: realm.id,
        name: "bob".into(),
        display_name: None,
        first_name: None,
        last_name: None,
        email: None,
        email_verified: false,
        password_hash: None,
        active: true,
        created_at: NOW,
        updated_at: NOW,
    };
    ImportBatch {
        permissions: vec![Permission {
            id: random_uuid(r),
            name: "doc_edit".into(),
            description: None,
            built_in: false,
        }],
        user_roles: vec![UserRole {
            id: random_uuid(r),
            realm_id: realm.id,
            user_id: user.id,
            role_id: role.id,
        }],
        realm: Some(realm),
        roles: vec![role],
        users: vec![user],
        bootstrap: Some(BootstrapRecord {
            admin_role_id: None,
            admin_user_id: None,
            completed_at: Some(NOW),
        }),
        ..ImportBatch::default()
    }
}

fn nothing_of(store: &dyn Store, batch: &ImportBatch) {
    assert!(store.find_realm_by_name("moved").unwrap().is_none());
    let permission = Records::<Permission>::get_record(store, batch.permissions[0].id);
    assert!(permission.unwrap().is_none());
    assert!(store.find_user(batch.users[0].id).unwrap().is_none());
}

pub fn an_import_batch_is_written_whole_or_not_at_all(store: &dyn Store) {
    let mut r = rng(7);
    let good = batch(&mut r);

    // The last insert fails (a second user of the same name): nothing of the batch is written.
    let mut twin = good.users[0].clone();
    twin.id = random_uuid(&mut r);
    let mut bad = good.clone();
    bad.users.push(twin);
    let outcome = store.import_realm(&bad);
    assert!(
        matches!(outcome, Err(StoreError::Conflict(_))),
        "{outcome:?}"
    );
    nothing_of(store, &good);
    assert_eq!(store.bootstrap_record().unwrap(), None);

    // An assignment naming a user that is nowhere: `NotFound`, nothing written.
    let mut dangling = good.clone();
    dangling.user_roles[0].user_id = random_uuid(&mut r);
    let outcome = store.import_realm(&dangling);
    assert!(matches!(outcome, Err(StoreError::NotFound)), "{outcome:?}");
    nothing_of(store, &good);

    store.import_realm(&good).unwrap();
    let realm = store.find_realm_by_name("moved").unwrap().unwrap();
    assert_eq!(Some(&realm), good.realm.as_ref());
    assert_eq!(
        store.find_user_by_name(realm.id, "bob").unwrap().as_ref(),
        Some(&good.users[0])
    );
    assert_eq!(
        Records::<UserRole>::get_record(store, good.user_roles[0].id).unwrap(),
        Some(good.user_roles[0].clone())
    );
    assert_eq!(store.bootstrap_record().unwrap(), good.bootstrap);

    // The same batch again is a conflict, never a silent second copy.
    let again = store.import_realm(&good);
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    // A bootstrap record where there is one already refuses the batch that brings it.
    let mut late = batch(&mut r);
    late.realm.as_mut().unwrap().name = "later".into();
    late.permissions[0].name = "doc_view".into();
    let outcome = store.import_realm(&late);
    assert!(
        matches!(outcome, Err(StoreError::Conflict(_))),
        "{outcome:?}"
    );
    assert!(store.find_realm_by_name("later").unwrap().is_none());
}
