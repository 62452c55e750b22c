//! Conformance cases for [`Records`]: the generic list, get, insert, update and delete every store
//! serves the admin API with, and the one-transaction realm creation.

use super::codes::code_record;
use super::refresh::refresh_record;
use crate::model::{EventColumn, ScopeColumn, UserColumn};
use uuid::Uuid;

use super::{NOW, hasher, rng};
use crate::error::StoreError;
use crate::model::{
    Client, ClientPermission, ClientScope, Event, Permission, Realm, Role, RolePermission,
    ScopeRecord, Session, SigningAlgorithm, User, UserPermission, UserRole,
};
use crate::provision::{self, NewClient, NewRealm, NewUser};
use crate::random::{SeededEntropy, random_uuid};
use crate::store::Store;
use crate::store::records::{Condition, FieldValue, Filter, ListQuery, Records};

fn user(
    store: &dyn Store,
    realm: &Realm,
    name: &str,
    email: Option<&str>,
    r: &mut SeededEntropy,
) -> User {
    let new = NewUser {
        name: name.into(),
        email: email.map(Into::into),
        password: None,
    };
    provision::create_user(store, &hasher(), realm, new, NOW, r).unwrap()
}

fn names(page: &[User]) -> Vec<&str> {
    page.iter().map(|u| u.name.as_str()).collect()
}

pub fn records_list_with_filters_sort_and_paging(store: &dyn Store) {
    let a = provision::ensure_realm(store, "a", NOW, &mut rng(1)).unwrap();
    let b = provision::ensure_realm(store, "b", NOW, &mut rng(2)).unwrap();
    let mut r = rng(3);
    for name in ["carol", "alice", "eve", "bob", "dave"] {
        user(
            store,
            &a,
            name,
            Some(&format!("{name}@example.org")),
            &mut r,
        );
    }
    user(store, &b, "alice", None, &mut r);

    let in_a = ListQuery::by(UserColumn::RealmId, a.id);
    let mut query = in_a.clone();
    query.sort = vec![(UserColumn::Name, false)];
    let page: crate::store::records::Page<User> = store.list_records(&query).unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(names(&page.items), ["alice", "bob", "carol", "dave", "eve"]);

    query.sort = vec![(UserColumn::Name, true)];
    query.limit = 2;
    query.offset = 1;
    let page: crate::store::records::Page<User> = store.list_records(&query).unwrap();
    assert_eq!(page.total, 5, "total counts every match, not the page");
    assert_eq!(names(&page.items), ["dave", "carol"]);

    query.offset = 10;
    let page: crate::store::records::Page<User> = store.list_records(&query).unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.total, 5);

    let by_name = ListQuery::by(UserColumn::Name, "alice");
    let page: crate::store::records::Page<User> = store.list_records(&by_name).unwrap();
    assert_eq!(page.total, 2, "both realms' alice");
    let both = by_name.and(UserColumn::RealmId, b.id);
    let page: crate::store::records::Page<User> = store.list_records(&both).unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].realm_id, b.id);

    let by_email = in_a.and(UserColumn::Email, "eve@example.org");
    let page: crate::store::records::Page<User> = store.list_records(&by_email).unwrap();
    assert_eq!(names(&page.items), ["eve"]);

    let inactive = ListQuery::by(UserColumn::Active, false);
    let page: crate::store::records::Page<User> = store.list_records(&inactive).unwrap();
    assert_eq!(page.total, 0);
}

pub fn records_update_and_delete(store: &dyn Store) {
    let realm = provision::ensure_realm(store, "a", NOW, &mut rng(1)).unwrap();
    let mut r = rng(2);
    let alice = user(store, &realm, "alice", None, &mut r);
    let bob = user(store, &realm, "bob", None, &mut r);

    let mut changed = alice.clone();
    changed.display_name = Some("Alice A.".into());
    changed.email = Some("alice@example.org".into());
    changed.active = false;
    changed.updated_at = NOW + 10;
    assert!(store.update_record(&changed).unwrap());
    let got: Option<User> = store.get_record(alice.id).unwrap();
    assert_eq!(got, Some(changed.clone()));

    let mut clash = bob.clone();
    clash.name = "alice".into();
    let outcome = store.update_record(&clash);
    assert!(
        matches!(outcome, Err(StoreError::Conflict(_))),
        "{outcome:?}"
    );

    let mut ghost = bob.clone();
    ghost.id = Uuid::from_u128(7);
    ghost.name = "ghost".into();
    assert!(!store.update_record(&ghost).unwrap());

    assert!(Records::<User>::delete_record(store, bob.id).unwrap());
    assert!(!Records::<User>::delete_record(store, bob.id).unwrap());
    assert_eq!(Records::<User>::get_record(store, bob.id).unwrap(), None);
    assert!(store.find_user_by_name(realm.id, "bob").unwrap().is_none());
}

pub fn assignments_are_unique_and_cascade(store: &dyn Store) {
    let realm = provision::ensure_realm(store, "a", NOW, &mut rng(1)).unwrap();
    let mut r = rng(2);
    let u = user(store, &realm, "u", None, &mut r);
    let role = Role {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        name: "editor".into(),
        description: None,
        built_in: false,
    };
    store.insert_record(&role).unwrap();
    let perm = Permission {
        id: random_uuid(&mut r),
        name: "doc_read".into(),
        description: None,
        built_in: false,
    };
    store.insert_record(&perm).unwrap();
    let direct = Permission {
        id: random_uuid(&mut r),
        name: "doc_delete".into(),
        description: None,
        built_in: false,
    };
    store.insert_record(&direct).unwrap();
    let grant = RolePermission {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        role_id: role.id,
        permission_id: perm.id,
    };
    store.insert_record(&grant).unwrap();
    let again = RolePermission {
        id: random_uuid(&mut r),
        ..grant.clone()
    };
    assert!(matches!(
        store.insert_record(&again),
        Err(StoreError::Conflict(_))
    ));
    let user_role = UserRole {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        user_id: u.id,
        role_id: role.id,
    };
    store.insert_record(&user_role).unwrap();
    let user_perm = UserPermission {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        user_id: u.id,
        permission_id: direct.id,
    };
    store.insert_record(&user_perm).unwrap();
    assert_eq!(
        store.user_permission_names(u.id).unwrap(),
        ["doc_delete", "doc_read"]
    );

    let (client, _) = provision::create_client(
        store,
        &realm,
        NewClient {
            name: "app".into(),
            scope: Some(String::new()),
            ..NewClient::default()
        },
        NOW,
        &mut r,
    )
    .unwrap();
    let client_perm = ClientPermission {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        client_id: client.id,
        permission_id: perm.id,
    };
    store.insert_record(&client_perm).unwrap();
    assert_eq!(
        store.client_permission_names(client.id).unwrap(),
        ["doc_read"]
    );
    let scope = store.list_scopes(realm.id).unwrap().remove(0);
    let client_scope = ClientScope {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        client_id: client.id,
        scope_id: scope.id,
    };
    store.insert_record(&client_scope).unwrap();

    let dangling = UserRole {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        user_id: Uuid::from_u128(9),
        role_id: role.id,
    };
    let outcome = store.insert_record(&dangling);
    assert!(matches!(outcome, Err(StoreError::NotFound)), "{outcome:?}");

    // Deleting the role removes its grants and its holders' assignments.
    assert!(Records::<Role>::delete_record(store, role.id).unwrap());
    assert_eq!(store.user_permission_names(u.id).unwrap(), ["doc_delete"]);
    let left: Option<UserRole> = store.get_record(user_role.id).unwrap();
    assert_eq!(left, None);
    // Deleting a permission removes every grant of it.
    assert!(Records::<Permission>::delete_record(store, direct.id).unwrap());
    assert!(store.user_permission_names(u.id).unwrap().is_empty());
    // Deleting the client removes its grants and scopes.
    assert!(Records::<Client>::delete_record(store, client.id).unwrap());
    let left: Option<ClientScope> = store.get_record(client_scope.id).unwrap();
    assert_eq!(left, None);
    let left: Option<ClientPermission> = store.get_record(client_perm.id).unwrap();
    assert_eq!(left, None);
}

pub fn realm_bundle_is_created_whole_and_deleted_whole(store: &dyn Store) {
    let mut r = rng(1);
    provision::ensure_realm(store, "master", NOW, &mut r).unwrap();
    let realm = provision::create_realm(
        store,
        NewRealm::named("tenant", SigningAlgorithm::Rs256),
        NOW,
        &mut r,
    )
    .unwrap();
    assert_eq!(store.list_scopes(realm.id).unwrap().len(), 5);
    assert_eq!(store.list_signing_keys(Some(realm.id)).unwrap().len(), 2);
    let admin_role = store
        .find_role_by_name(realm.id, provision::REALM_ADMIN_ROLE)
        .unwrap()
        .expect("realm_admin role");
    assert!(admin_role.built_in);

    // A second realm of the same name fails whole: nothing of it is left behind.
    let dup = provision::create_realm(
        store,
        NewRealm::named("tenant", SigningAlgorithm::Es256),
        NOW,
        &mut r,
    );
    assert!(
        matches!(dup, Err(crate::Error::Store(StoreError::Conflict(_)))),
        "{dup:?}"
    );
    let all: crate::store::records::Page<Role> = store.list_records(&ListQuery::default()).unwrap();
    assert_eq!(all.total, 1, "no orphan role from the failed creation");

    let u = user(store, &realm, "u", None, &mut r);
    let session = Session {
        id: random_uuid(&mut r),
        token_hash: crate::hash::TokenHash::of("cookie"),
        realm_id: realm.id,
        user_id: u.id,
        auth_time: NOW,
        created_at: NOW,
        expires_at: NOW + 60,
        revoked_at: None,
    };
    store.create_session(&session).unwrap();
    assert!(Records::<Realm>::delete_record(store, realm.id).unwrap());
    assert!(store.find_realm_by_name("tenant").unwrap().is_none());
    assert!(store.find_user(u.id).unwrap().is_none());
    assert!(store.list_scopes(realm.id).unwrap().is_empty());
    assert!(store.list_signing_keys(Some(realm.id)).unwrap().is_empty());
    let left: Option<Session> = store.get_record(session.id).unwrap();
    assert_eq!(left, None);
    let scopes: crate::store::records::Page<ScopeRecord> = store
        .list_records(&ListQuery::by(ScopeColumn::RealmId, realm.id))
        .unwrap();
    assert_eq!(scopes.total, 0);
}

pub fn events_are_batched_listed_and_purged(store: &dyn Store) {
    let mut r = rng(1);
    let realm = provision::ensure_realm(store, "a", NOW, &mut r).unwrap();
    let events: Vec<Event> = (0..5)
        .map(|i| Event {
            id: random_uuid(&mut r),
            realm_id: Some(realm.id),
            name: if i % 2 == 0 { "login" } else { "token_issued" }.into(),
            success: i != 4,
            actor_type: Some("user".into()),
            actor_id: Some(format!("actor{i}")),
            target_type: None,
            target_id: None,
            ip: Some("127.0.0.1".into()),
            detail: None,
            count: 1 + i,
            created_at: NOW + i,
        })
        .collect();
    store.insert_events(&events).unwrap();
    let mut query = ListQuery::by(EventColumn::Name, "login");
    query.sort = vec![(EventColumn::CreatedAt, true)];
    let page: crate::store::records::Page<Event> = store.list_records(&query).unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.items[0], events[4]);
    let failed = ListQuery::by(EventColumn::Success, false);
    let page: crate::store::records::Page<Event> = store.list_records(&failed).unwrap();
    assert_eq!(page.items, [events[4].clone()]);
    assert_eq!(store.purge_events(NOW + 2).unwrap(), 2);
    let page: crate::store::records::Page<Event> =
        store.list_records(&ListQuery::default()).unwrap();
    assert_eq!(page.total, 3);
}

pub fn expired_rows_are_purged_and_live_ones_kept(store: &dyn Store) {
    let mut r = rng(5);
    let refresh = refresh_record(store, random_uuid(&mut r), "old-refresh", &mut r);
    let (code, _) = code_record(store, "old-code", &mut r);
    store.revoke_token_id("gone", NOW + 30).unwrap();
    store.revoke_token_id("kept", NOW + 600).unwrap();
    store
        .take_login_attempt("who", NOW, NOW - 3600, &|_| 0)
        .unwrap()
        .unwrap();
    assert_eq!(
        store.purge_expired(NOW + 10, NOW - 1).unwrap(),
        0,
        "nothing expired yet"
    );
    assert_eq!(store.purge_expired(NOW + 61, NOW).unwrap(), 3);
    assert_eq!(store.find_refresh_token(&refresh.token_hash).unwrap(), None);
    assert_eq!(
        store.find_authorization_code(&code.code_hash).unwrap(),
        None
    );
    assert!(!store.any_revoked(&["gone"]).unwrap());
    assert!(store.any_revoked(&["kept"]).unwrap());
    assert!(store.login_failures("who").unwrap().is_some());
    assert_eq!(store.purge_expired(NOW + 61, NOW + 1).unwrap(), 1);
    assert!(store.login_failures("who").unwrap().is_none());
}

pub fn records_filter_conditions_agree_on_every_store(store: &dyn Store) {
    let realm = provision::ensure_realm(store, "a", NOW, &mut rng(1)).unwrap();
    let mut r = rng(4);
    user(store, &realm, "alice", Some("alice@example.org"), &mut r);
    user(store, &realm, "bob", None, &mut r);
    user(store, &realm, "carol", Some("carol@example.org"), &mut r);
    user(store, &realm, "a_b", None, &mut r);
    user(store, &realm, "axb", None, &mut r);
    let list = |filter: Filter<UserColumn>| -> Vec<String> {
        let mut query = ListQuery::by(UserColumn::RealmId, realm.id).filter(filter);
        query.sort = vec![(UserColumn::Name, false)];
        let page: crate::store::records::Page<User> = store.list_records(&query).unwrap();
        page.items.into_iter().map(|u| u.name).collect()
    };
    let on = |column, condition, negated| Filter {
        column,
        condition,
        negated,
    };
    let like = |p: &str| Condition::Like(p.into());
    let text = |t: &str| FieldValue::Text(t.into());
    assert_eq!(
        list(on(UserColumn::Name, like("AL%"), false)),
        ["alice"],
        "like ignores ASCII case"
    );
    assert_eq!(
        list(on(UserColumn::Name, like("%o%"), false)),
        ["bob", "carol"]
    );
    assert_eq!(
        list(on(UserColumn::Name, like("%o%"), true)),
        ["a_b", "alice", "axb"]
    );
    assert_eq!(
        list(on(UserColumn::Name, like("a_b"), false)),
        ["a_b", "axb"],
        "_ is one character"
    );
    assert_eq!(
        list(on(UserColumn::Name, like("a\\_b"), false)),
        ["a_b"],
        "\\ escapes"
    );
    assert_eq!(
        list(on(
            UserColumn::Email,
            Condition::Eq(text("alice@example.org")),
            true
        )),
        ["carol"],
        "a negated condition never matches NULL"
    );
    assert_eq!(
        list(on(UserColumn::Email, like("%example%"), true)),
        Vec::<String>::new()
    );
    assert_eq!(
        list(on(UserColumn::Email, Condition::IsNull, false)),
        ["a_b", "axb", "bob"]
    );
    assert_eq!(
        list(on(UserColumn::Email, Condition::IsNull, true)),
        ["alice", "carol"]
    );
    let two = Condition::In(vec![text("alice"), text("carol"), text("nobody")]);
    assert_eq!(
        list(on(UserColumn::Name, two.clone(), false)),
        ["alice", "carol"]
    );
    assert_eq!(list(on(UserColumn::Name, two, true)), ["a_b", "axb", "bob"]);
    assert_eq!(
        list(on(
            UserColumn::Active,
            Condition::Eq(FieldValue::Bool(true)),
            true
        )),
        Vec::<String>::new()
    );
    let mistyped = [
        on(UserColumn::RealmId, like("%"), false),
        on(
            UserColumn::Name,
            Condition::Eq(FieldValue::Bool(true)),
            false,
        ),
        on(
            UserColumn::CreatedAt,
            Condition::Eq(FieldValue::Time(NOW)),
            false,
        ),
    ];
    for filter in mistyped {
        let query = ListQuery::default().filter(filter.clone());
        let result: Result<crate::store::records::Page<User>, _> = store.list_records(&query);
        assert!(matches!(result, Err(StoreError::Backend(_))), "{filter:?}");
    }
}
