//! Conformance cases for the edges of the one-time bootstrap: an older version's database is
//! adopted without creating anyone, an interrupted or concurrent first bootstrap converges on one
//! recorded admin, a custom permission squatting a new built-in name gains nothing, and ending a
//! user's grants reaches every session however many there are.

use super::{NOW, hasher, rng};
use crate::hash::TokenHash;
use crate::model::{BootstrapRecord, Permission, Session, UserPermission};
use crate::model::{RolePermission, SigningAlgorithm};
use crate::model::{RolePermissionColumn, SessionColumn};
use crate::provision::{self, NewUser};
use crate::random::random_uuid;
use crate::revocation;
use crate::secret::Password;
use crate::store::records::{ListQuery, Records, list_all};
use crate::store::{GrantHolder, Store};
use uuid::Uuid;

/// Attacker: anyone who knows the default password, waiting for the upgrade of a database an
/// older version bootstrapped and whose master users were all deleted. The upgrade adopts it and
/// creates nobody: `admin` / `start123` does not come back.
pub fn an_older_database_without_users_gets_no_default_admin(store: &dyn Store) {
    let realm = provision::ensure_realm(store, "master", NOW, &mut rng(1)).unwrap();
    let new = NewUser {
        name: "admin".into(),
        email: None,
        password: Some(Password::new("start123")),
    };
    let gone = provision::create_user(store, &hasher(), &realm, new, NOW, &mut rng(2)).unwrap();
    assert!(Records::<crate::model::User>::delete_record(store, gone.id).unwrap());
    assert_eq!(store.bootstrap_record().unwrap(), None, "an older version");

    let pw = Password::new("start123");
    let report = provision::bootstrap(store, &hasher(), "admin", &pw, NOW, &mut rng(3)).unwrap();
    assert!(!report.admin_created);
    assert_eq!(store.find_user_by_name(realm.id, "admin").unwrap(), None);
    assert_eq!(report.record.admin_user_id, None);
    assert!(report.record.completed_at.is_some());
    assert_eq!(store.bootstrap_record().unwrap(), Some(report.record));
}

/// A first bootstrap that claimed the database and stopped half-way (or another node's, under
/// way), seen by the next start: it is finished, never adopted, so the record names the admin it
/// made and that admin holds the admin role.
pub fn an_interrupted_first_bootstrap_is_finished_not_adopted(store: &dyn Store) {
    let claim = BootstrapRecord {
        admin_role_id: None,
        admin_user_id: None,
        completed_at: None,
    };
    store.save_bootstrap_record(&claim).unwrap();
    let realm = provision::ensure_realm(store, "master", NOW, &mut rng(1)).unwrap();
    let new = NewUser {
        name: "admin".into(),
        email: None,
        password: Some(Password::new("chosen-password")),
    };
    let admin = provision::create_user(store, &hasher(), &realm, new, NOW, &mut rng(2)).unwrap();

    let pw = Password::new("chosen-password");
    let report = provision::bootstrap(store, &hasher(), "admin", &pw, NOW, &mut rng(3)).unwrap();
    assert_eq!(report.record.admin_user_id, Some(admin.id));
    assert!(report.record.completed_at.is_some());
    assert_eq!(store.bootstrap_record().unwrap(), Some(report.record));
    let held = store.user_permission_names(admin.id).unwrap();
    assert_eq!(held, provision::built_in_permissions());

    // Completing again leaves the first completion in place.
    let other = BootstrapRecord {
        admin_role_id: None,
        admin_user_id: None,
        completed_at: Some(NOW + 50),
    };
    store.complete_bootstrap_record(&other).unwrap();
    assert_eq!(
        store.bootstrap_record().unwrap().unwrap().admin_user_id,
        Some(admin.id)
    );
}

/// Four nodes start on one empty database at once: they all answer the same complete record,
/// which names the one admin, who holds every built-in permission.
pub fn concurrent_first_bootstraps_agree_on_one_admin(store: &dyn Store) {
    let pw = Password::new("start123");
    let hasher = hasher();
    let reports: Vec<provision::BootstrapReport> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u64)
            .map(|seed| {
                let (pw, hasher) = (&pw, &hasher);
                s.spawn(move || {
                    provision::bootstrap(store, hasher, "admin", pw, NOW, &mut rng(10 + seed))
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let stored = store.bootstrap_record().unwrap().unwrap();
    let master = store.find_realm_by_name("master").unwrap().unwrap();
    let admin = store
        .find_user_by_name(master.id, "admin")
        .unwrap()
        .unwrap();
    assert_eq!(stored.admin_user_id, Some(admin.id));
    assert!(stored.completed_at.is_some());
    for report in &reports {
        assert_eq!(report.record, stored);
        assert_eq!(report.realm.id, master.id);
    }
    assert!(reports.iter().filter(|r| r.admin_created).count() <= 1);
    assert_eq!(
        store.user_permission_names(admin.id).unwrap(),
        provision::built_in_permissions()
    );
}

/// Attacker: holds a custom permission an administrator made and named like a permission a later
/// version brings (`consent_read` here, removed as if it never existed). After the upgrade the
/// custom one is renamed aside (its holder keeps it), and the name means the built-in permission,
/// which only the built-in roles get.
pub fn a_custom_permission_squatting_a_new_built_in_name_gains_nothing(store: &dyn Store) {
    let pw = Password::new("start123");
    let first = provision::bootstrap(store, &hasher(), "admin", &pw, NOW, &mut rng(1)).unwrap();
    let realm = first.realm;
    let builtin = store
        .list_permissions()
        .unwrap()
        .into_iter()
        .find(|p| p.name == "consent_read")
        .unwrap();
    Records::<Permission>::delete_record(store, builtin.id).unwrap();
    let mut r = rng(2);
    let squatter = Permission {
        id: random_uuid(&mut r),
        name: "consent_read".into(),
        description: Some("our own meaning".into()),
        built_in: false,
    };
    store.create_permission(&squatter).unwrap();
    let new = NewUser {
        name: "mallory".into(),
        email: None,
        password: Some(Password::new("mallory-password")),
    };
    let mallory = provision::create_user(store, &hasher(), &realm, new, NOW, &mut r).unwrap();
    let grant = UserPermission {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        user_id: mallory.id,
        permission_id: squatter.id,
    };
    Records::<UserPermission>::insert_record(store, &grant).unwrap();
    assert_eq!(
        store.user_permission_names(mallory.id).unwrap(),
        vec!["consent_read".to_owned()]
    );

    let again = provision::bootstrap(store, &hasher(), "admin", &pw, NOW + 5, &mut r).unwrap();
    let held = store.user_permission_names(mallory.id).unwrap();
    assert_eq!(held.len(), 1);
    assert_ne!(
        held[0], "consent_read",
        "the squatter no longer carries the name"
    );
    assert_eq!(
        again.moved_permissions,
        vec![("consent_read".to_owned(), held[0].clone())]
    );
    let now_builtin = store
        .list_permissions()
        .unwrap()
        .into_iter()
        .find(|p| p.name == "consent_read")
        .unwrap();
    assert!(now_builtin.built_in);
    let admin = again.record.admin_user_id.unwrap();
    assert!(
        store
            .user_permission_names(admin)
            .unwrap()
            .contains(&"consent_read".to_owned())
    );
}

/// Attacker: logged in with a stolen password 1,100 times (one session each) before the victim
/// changes it; ending the user's grants ends every one of those sessions, past any page size.
pub fn ending_a_users_grants_reaches_every_session(store: &dyn Store) {
    let mut r = rng(5);
    let realm = provision::ensure_realm(store, "many", NOW, &mut r).unwrap();
    let new = NewUser {
        name: "victim".into(),
        ..NewUser::default()
    };
    let victim = provision::create_user(store, &hasher(), &realm, new, NOW, &mut r).unwrap();
    for n in 0..1_100 {
        let session = Session {
            id: random_uuid(&mut r),
            token_hash: TokenHash::of(&format!("cookie-{n}")),
            realm_id: realm.id,
            user_id: victim.id,
            auth_time: NOW,
            created_at: NOW,
            expires_at: NOW + 600,
            revoked_at: None,
        };
        store.create_session(&session).unwrap();
    }
    revocation::revoke_grants(store, &realm, GrantHolder::User(victim.id), NOW + 1).unwrap();
    let sessions: Vec<Session> =
        list_all(store, &ListQuery::by(SessionColumn::UserId, victim.id)).unwrap();
    assert_eq!(sessions.len(), 1_100);
    let live = sessions.iter().filter(|s| s.revoked_at.is_none()).count();
    assert_eq!(live, 0, "every session ends");
}

pub fn bootstrap_is_idempotent(store: &dyn Store) {
    let hasher = hasher();
    let pw = Password::new("start123");
    let first = provision::bootstrap(store, &hasher, "admin", &pw, NOW, &mut rng(1)).unwrap();
    assert!(first.admin_created);
    let snapshot = |store: &dyn Store| {
        let realm = store.find_realm_by_name("master").unwrap().unwrap();
        (
            store.list_scopes(realm.id).unwrap().len(),
            store.list_permissions().unwrap().len(),
            store.list_signing_keys(None).unwrap().len(),
            store
                .find_user_by_name(realm.id, "admin")
                .unwrap()
                .map(|u| u.id),
        )
    };
    let before = snapshot(store);
    let second = provision::bootstrap(
        store,
        &hasher,
        "admin",
        &Password::new("other"),
        NOW + 9,
        &mut rng(2),
    )
    .unwrap();
    assert!(!second.admin_created);
    assert_eq!(second.realm, first.realm);
    assert_eq!(snapshot(store), before);
    assert_eq!(before.0, 5);
    assert_eq!(before.2, 2);
    let admin = before.3.unwrap();
    let perms = store.user_permission_names(admin).unwrap();
    assert_eq!(perms, provision::built_in_permissions());

    // An upgrade that brings a new built-in permission (here: one removed, as if it never
    // existed) gives it to the master admin and to every realm's realm_admin at the next start.
    let realm = provision::create_realm(
        store,
        provision::NewRealm::named("upgraded", SigningAlgorithm::Es256),
        NOW,
        &mut rng(3),
    )
    .unwrap();
    let realm_admin = store
        .find_role_by_name(realm.id, provision::REALM_ADMIN_ROLE)
        .unwrap()
        .unwrap();
    let held = |role: Uuid| {
        let mut query = ListQuery::by(RolePermissionColumn::RoleId, role);
        query.limit = 1000;
        Records::<RolePermission>::list_records(store, &query)
            .unwrap()
            .items
            .len()
    };
    let every = store.list_permissions().unwrap();
    assert_eq!(held(realm_admin.id), every.len());
    let newest = every.iter().find(|p| p.name == "consent_read").unwrap();
    Records::<Permission>::delete_record(store, newest.id).unwrap();
    assert_eq!(held(realm_admin.id), every.len() - 1);
    provision::bootstrap(store, &hasher, "admin", &pw, NOW + 10, &mut rng(4)).unwrap();
    assert_eq!(held(realm_admin.id), every.len());
    assert_eq!(
        store.user_permission_names(admin).unwrap(),
        provision::built_in_permissions()
    );
}
