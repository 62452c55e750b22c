//! Conformance cases for the server's own authorization: bootstrap runs once and never grants by
//! name, and the grants of a user or a client are found and ended together.

use super::codes::code_world;
use super::refresh::refresh_record;
use uuid::Uuid;

use super::{NOW, hasher, rng};
use crate::hash::TokenHash;
use crate::model::{Permission, RefreshToken, Role, Session, User, UserRole};
use crate::provision::{self, NewClient, NewUser};
use crate::random::random_uuid;
use crate::revocation;
use crate::secret::Password;
use crate::store::records::Records;
use crate::store::{GrantHolder, Store};

/// A master user named `admin` after a restart is nobody special: bootstrap ran once, recorded
/// the admin by id, and later runs only give new built-in permissions to built-in roles.
pub fn bootstrap_runs_once_and_never_grants_by_name(store: &dyn Store) {
    let pw = Password::new("start123");
    let first = provision::bootstrap(store, &hasher(), "admin", &pw, NOW, &mut rng(1)).unwrap();
    let record = store.bootstrap_record().unwrap().unwrap();
    assert_eq!(record, first.record);
    let realm = first.realm;
    let admin = store.find_user_by_name(realm.id, "admin").unwrap().unwrap();
    assert_eq!(record.admin_user_id, Some(admin.id));
    let role = record.admin_role_id.unwrap();

    // The admin is deleted; a user without permissions takes the name, and makes a role named
    // like a built-in one for itself.
    assert!(Records::<User>::delete_record(store, admin.id).unwrap());
    assert_eq!(
        store.bootstrap_record().unwrap().unwrap().admin_user_id,
        None
    );
    let mut r = rng(2);
    let new = NewUser {
        name: "mallory".into(),
        email: None,
        password: Some(Password::new("mallory-password")),
    };
    let mut mallory = provision::create_user(store, &hasher(), &realm, new, NOW, &mut r).unwrap();
    mallory.name = "admin".into();
    assert!(Records::<User>::update_record(store, &mallory).unwrap());
    let fake = Role {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        name: provision::REALM_ADMIN_ROLE.into(),
        description: None,
        built_in: false,
    };
    store.create_role(&fake).unwrap();
    let grant = UserRole {
        id: random_uuid(&mut r),
        realm_id: realm.id,
        user_id: mallory.id,
        role_id: fake.id,
    };
    Records::<UserRole>::insert_record(store, &grant).unwrap();
    // An upgrade brings a built-in permission (one removed, as if it never existed).
    let newest = store
        .list_permissions()
        .unwrap()
        .into_iter()
        .find(|p| p.name == "consent_read")
        .unwrap();
    Records::<Permission>::delete_record(store, newest.id).unwrap();

    let again = provision::bootstrap(store, &hasher(), "admin", &pw, NOW + 5, &mut rng(3)).unwrap();
    assert!(!again.admin_created, "the deleted admin is not re-created");
    assert_eq!(again.record, store.bootstrap_record().unwrap().unwrap());
    let now_admin = store.find_user_by_name(realm.id, "admin").unwrap().unwrap();
    assert_eq!(now_admin.id, mallory.id);
    assert!(
        store.user_permission_names(mallory.id).unwrap().is_empty(),
        "a user renamed to admin, holding a role named realm_admin, gains nothing"
    );
    let role_permissions = Records::<crate::model::RolePermission>::list_records(
        store,
        &crate::store::records::ListQuery::by(crate::model::RolePermissionColumn::RoleId, role),
    )
    .unwrap();
    assert_eq!(
        role_permissions.total as usize,
        provision::built_in_permissions().len(),
        "the recorded admin role got the new permission"
    );
}

fn refresh(
    store: &dyn Store,
    realm_id: Uuid,
    user: Option<Uuid>,
    client: Option<Uuid>,
    session: Option<Uuid>,
    value: &str,
    r: &mut crate::random::SeededEntropy,
) -> RefreshToken {
    let token = RefreshToken {
        id: random_uuid(r),
        token_hash: TokenHash::of(value),
        family_id: random_uuid(r),
        realm_id,
        client_id: client,
        user_id: user,
        scope: "openid".into(),
        created_at: NOW,
        expires_at: NOW + 600,
        consumed_at: None,
        revoked_at: None,
        auth_time: Some(NOW),
        session_id: session,
    };
    store.create_refresh_token(&token).unwrap();
    token
}

/// Every grant of a user (any client, any session) or of a client is found, and revoking a
/// holder's grants ends its families, their access tokens (`fid`) and a user's sessions.
pub fn grants_of_a_user_or_client_are_found_and_ended(store: &dyn Store) {
    let mut r = rng(7);
    let realm = provision::ensure_realm(store, "holders", NOW, &mut r).unwrap();
    let alice = provision::create_user(
        store,
        &hasher(),
        &realm,
        NewUser {
            name: "alice".into(),
            ..NewUser::default()
        },
        NOW,
        &mut r,
    )
    .unwrap();
    let bob = provision::create_user(
        store,
        &hasher(),
        &realm,
        NewUser {
            name: "bob".into(),
            ..NewUser::default()
        },
        NOW,
        &mut r,
    )
    .unwrap();
    let new = NewClient {
        name: "app".into(),
        public: true,
        ..NewClient::default()
    };
    let (app, _) = provision::create_client(store, &realm, new, NOW, &mut r).unwrap();
    let session = Session {
        id: random_uuid(&mut r),
        token_hash: TokenHash::of("cookie"),
        realm_id: realm.id,
        user_id: alice.id,
        auth_time: NOW,
        created_at: NOW,
        expires_at: NOW + 600,
        revoked_at: None,
    };
    store.create_session(&session).unwrap();
    let a1 = refresh(
        store,
        realm.id,
        Some(alice.id),
        Some(app.id),
        Some(session.id),
        "a1",
        &mut r,
    );
    let a2 = refresh(store, realm.id, Some(alice.id), None, None, "a2", &mut r);
    let b1 = refresh(
        store,
        realm.id,
        Some(bob.id),
        Some(app.id),
        None,
        "b1",
        &mut r,
    );
    let families = |holder| {
        let mut found = store.refresh_families_of(holder).unwrap();
        found.sort();
        found
    };
    let mut expected = vec![a1.family_id, a2.family_id];
    expected.sort();
    assert_eq!(families(GrantHolder::User(alice.id)), expected);
    let mut expected = vec![a1.family_id, b1.family_id];
    expected.sort();
    assert_eq!(families(GrantHolder::Client(app.id)), expected);

    let ended =
        revocation::revoke_grants(store, &realm, GrantHolder::User(alice.id), NOW + 1).unwrap();
    assert_eq!(ended, 2);
    assert!(families(GrantHolder::User(alice.id)).is_empty());
    assert_eq!(families(GrantHolder::Client(app.id)), vec![b1.family_id]);
    for family in [a1.family_id, a2.family_id] {
        assert!(store.any_revoked(&[&family.to_string()]).unwrap());
    }
    assert!(!store.any_revoked(&[&b1.family_id.to_string()]).unwrap());
    let found = store
        .find_session(&TokenHash::of("cookie"))
        .unwrap()
        .unwrap();
    assert!(found.revoked_at.is_some(), "alice's sessions end too");
}

pub fn revocations_are_recorded_and_found(store: &dyn Store) {
    assert!(!store.any_revoked(&["jti-1"]).unwrap());
    assert!(!store.any_revoked(&[]).unwrap());
    store.revoke_token_id("jti-1", NOW + 60).unwrap();
    store.revoke_token_id("jti-1", NOW + 90).unwrap();
    assert!(store.any_revoked(&["jti-1"]).unwrap());
    assert!(store.any_revoked(&["other", "jti-1"]).unwrap());
    assert!(!store.any_revoked(&["other", "family-2"]).unwrap());
}

pub fn refresh_families_are_found_by_session(store: &dyn Store) {
    let mut r = rng(60);
    let (realm, user, _, _) = code_world(store);
    let (_, session) = crate::authorize::new_session(&realm, user.id, 600, NOW, &mut r);
    store.create_session(&session).unwrap();
    let (f1, f2, f3) = (
        random_uuid(&mut r),
        random_uuid(&mut r),
        random_uuid(&mut r),
    );
    for (family, in_session, value) in [
        (f1, true, "a"),
        (f1, true, "b"),
        (f2, true, "c"),
        (f3, false, "d"),
    ] {
        let mut token = refresh_record(store, family, value, &mut r);
        if in_session {
            // Re-insert under a new hash, bound to the session.
            token.id = random_uuid(&mut r);
            token.token_hash = TokenHash::of(&format!("{value}-session"));
            token.session_id = Some(session.id);
            store.create_refresh_token(&token).unwrap();
        }
    }
    let mut found = store
        .refresh_families_of(GrantHolder::Session(session.id))
        .unwrap();
    found.sort();
    let mut expected = vec![f1, f2];
    expected.sort();
    assert_eq!(found, expected);
    store.revoke_refresh_family(f1, NOW + 1).unwrap();
    assert_eq!(
        store
            .refresh_families_of(GrantHolder::Session(session.id))
            .unwrap(),
        vec![f2],
        "revoked families are done"
    );
    assert!(
        store
            .refresh_families_of(GrantHolder::Session(Uuid::nil()))
            .unwrap()
            .is_empty()
    );
}
