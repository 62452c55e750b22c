//! The store conformance suite (`oauth_core::testing`): what every [`Store`] must do, written once.
//! Test support only: compiled for tests and behind the `testing` feature, never on a request path.
//!
//! Each case is a public function taking a fresh, migrated, empty store. A backend runs them all
//! with [`store_conformance_tests!`], which expands to one `#[test]` per case:
//!
//! ```ignore
//! oauth_core::store_conformance_tests!(|| Box::new(my_backend::connect_to_a_fresh_database()));
//! ```
//!
//! The cases use real Argon2 with small parameters and real key generation, and two of them hammer
//! one refresh token from many threads to prove the store's compare-and-set is atomic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "conformance/authority.rs"]
mod authority;
#[path = "conformance/bootstrap.rs"]
mod bootstrap;
#[path = "conformance/passwords.rs"]
mod passwords;
#[path = "conformance/records.rs"]
mod records;
#[path = "conformance/throttle.rs"]
mod throttle;

pub use authority::*;
pub use bootstrap::*;
pub use passwords::*;
pub use records::*;
pub use throttle::*;
use uuid::Uuid;

use crate::error::{Error, ErrorCode, StoreError};
use crate::grant::{self, Context, Settings};
use crate::hash::TokenHash;
use crate::keys::{StoreKeySource, generate_signing_key};
use crate::model::{
    KeyStatus, Permission, RefreshToken, Role, RolePermission, SigningAlgorithm, UserRole,
};
use crate::password::{Argon2Params, PasswordHasher};
use crate::provision::{self, NewClient, NewUser};
use crate::random::{SeededEntropy, random_uuid};
use crate::request::{Params, TokenRequest};
use crate::secret::{ClientSecret, Password};
use crate::store::records::{FieldValue, ListQuery, Records};
use crate::store::{GrantHolder, Store};
use crate::throttle::Failures;
use crate::token::TokenResponse;

/// A fixed instant for the suite.
pub const NOW: i64 = 1_700_000_000;

/// Expands to one `#[test]` per conformance case; `$make` builds a fresh empty store behind any
/// `Deref` (a `Box`, or a fixture that also owns the temporary database).
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@cases $make;
            realms_roundtrip_and_unique_names,
            users_are_found_by_id_and_by_name_within_their_realm,
            clients_roundtrip_with_hashed_secret,
            scopes_are_listed_per_realm,
            roles_and_permissions_assign_idempotently,
            assignments_to_unknown_records_are_not_found,
            signing_keys_list_per_realm_and_all,
            refresh_token_is_consumed_once,
            revoking_a_family_revokes_only_that_family,
            concurrent_consumption_has_one_winner,
            bootstrap_is_idempotent,
            bootstrap_runs_once_and_never_grants_by_name,
            an_older_database_without_users_gets_no_default_admin,
            an_interrupted_first_bootstrap_is_finished_not_adopted,
            concurrent_first_bootstraps_agree_on_one_admin,
            a_custom_permission_squatting_a_new_built_in_name_gains_nothing,
            ending_a_users_grants_reaches_every_session,
            grants_of_a_user_or_client_are_found_and_ended,
            password_and_client_credentials_grants,
            refresh_rotates_and_reuse_revokes_the_family,
            concurrent_refreshes_of_one_token_have_one_winner,
            sessions_and_consents_roundtrip,
            authorization_codes_are_redeemed_once,
            code_grant_with_pkce_and_replay_revocation,
            login_failures_count_atomically_and_windows_restart,
            one_accounts_failures_never_block_anothers_right_password,
            spraying_past_the_threshold_is_slowed,
            concurrent_guesses_cannot_exceed_the_policy,
            password_hashes_follow_the_configured_parameters,
            revocations_are_recorded_and_found,
            refresh_families_are_found_by_session,
            records_list_with_filters_sort_and_paging,
            records_update_and_delete,
            assignments_are_unique_and_cascade,
            realm_bundle_is_created_whole_and_deleted_whole,
            events_are_batched_listed_and_purged,
            expired_rows_are_purged_and_live_ones_kept,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = ($make)();
                $crate::testing::$case(&*fixture);
            }
        )*
    };
}

fn hasher() -> PasswordHasher {
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    PasswordHasher::new(cheap, &mut SeededEntropy::new(99)).unwrap()
}

fn settings() -> Settings {
    Settings::new("http://localhost:3001", hasher())
}

fn rng(seed: u64) -> SeededEntropy {
    SeededEntropy::new(seed)
}

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
}

fn refresh_record(
    store: &dyn Store,
    family: Uuid,
    value: &str,
    r: &mut SeededEntropy,
) -> RefreshToken {
    let realm = provision::ensure_realm(store, "r", NOW, r).unwrap();
    let token = RefreshToken {
        id: random_uuid(r),
        token_hash: TokenHash::of(value),
        family_id: family,
        realm_id: realm.id,
        client_id: None,
        user_id: None,
        scope: "global".into(),
        created_at: NOW,
        expires_at: NOW + 60,
        consumed_at: None,
        revoked_at: None,
        auth_time: Some(NOW),
        session_id: None,
    };
    store.create_refresh_token(&token).unwrap();
    token
}

fn successor_of(parent: &RefreshToken, value: &str, r: &mut SeededEntropy) -> RefreshToken {
    RefreshToken {
        id: random_uuid(r),
        token_hash: TokenHash::of(value),
        consumed_at: None,
        ..parent.clone()
    }
}

pub fn refresh_token_is_consumed_once(store: &dyn Store) {
    let mut r = rng(1);
    let token = refresh_record(store, random_uuid(&mut r), "value-1", &mut r);
    assert_eq!(
        store.find_refresh_token(&TokenHash::of("value-1")).unwrap(),
        Some(token.clone())
    );
    assert_eq!(
        store.find_refresh_token(&TokenHash::of("value-2")).unwrap(),
        None
    );
    let next = successor_of(&token, "value-2", &mut r);
    assert!(
        store
            .rotate_refresh_token(token.id, &next, NOW + 1)
            .unwrap()
    );
    assert_eq!(
        store.find_refresh_token(&TokenHash::of("value-2")).unwrap(),
        Some(next)
    );
    let again = successor_of(&token, "value-3", &mut r);
    assert!(
        !store
            .rotate_refresh_token(token.id, &again, NOW + 2)
            .unwrap()
    );
    assert_eq!(
        store.find_refresh_token(&TokenHash::of("value-3")).unwrap(),
        None,
        "a lost rotation inserts nothing"
    );
    let stored = store
        .find_refresh_token(&token.token_hash)
        .unwrap()
        .unwrap();
    assert_eq!(stored.consumed_at, Some(NOW + 1));
    assert!(
        !store
            .rotate_refresh_token(Uuid::nil(), &again, NOW)
            .unwrap()
    );
}

pub fn revoking_a_family_revokes_only_that_family(store: &dyn Store) {
    let mut r = rng(1);
    let (f1, f2) = (random_uuid(&mut r), random_uuid(&mut r));
    let a = refresh_record(store, f1, "a", &mut r);
    let b = refresh_record(store, f1, "b", &mut r);
    let c = refresh_record(store, f2, "c", &mut r);
    assert_eq!(store.revoke_refresh_family(f1, NOW + 3).unwrap(), 2);
    assert_eq!(store.revoke_refresh_family(f1, NOW + 4).unwrap(), 0);
    for (t, revoked) in [(a, true), (b.clone(), true), (c, false)] {
        let stored = store.find_refresh_token(&t.token_hash).unwrap().unwrap();
        assert_eq!(stored.revoked_at.is_some(), revoked);
    }
    let next = successor_of(&b, "d", &mut r);
    assert!(
        !store.rotate_refresh_token(b.id, &next, NOW + 5).unwrap(),
        "revoked tokens cannot be rotated"
    );
}

pub fn concurrent_consumption_has_one_winner(store: &dyn Store) {
    let mut r = rng(1);
    let token = refresh_record(store, random_uuid(&mut r), "contended", &mut r);
    let successors: Vec<_> = (0..16)
        .map(|i| successor_of(&token, &format!("s{i}"), &mut r))
        .collect();
    let wins: usize = std::thread::scope(|s| {
        let handles: Vec<_> = successors
            .iter()
            .map(|next| s.spawn(|| store.rotate_refresh_token(token.id, next, NOW + 1).unwrap()))
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum()
    });
    assert_eq!(wins, 1);
    let stored = successors
        .iter()
        .filter(|s| store.find_refresh_token(&s.token_hash).unwrap().is_some())
        .count();
    assert_eq!(stored, 1, "exactly the winner's successor is stored");
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
        let mut query = ListQuery::by("role_id", FieldValue::Id(role));
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

fn request(pairs: &[(&str, &str)], basic: Option<(&str, &str)>) -> TokenRequest {
    let params =
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
    let basic = basic.map(|(i, s)| (i.to_owned(), ClientSecret::new(s)));
    TokenRequest::parse(&params, basic, None).unwrap()
}

fn run(
    store: &dyn Store,
    settings: &Settings,
    req: TokenRequest,
    now: i64,
    seed: u64,
) -> Result<TokenResponse, Error> {
    let mut r = rng(seed);
    let mut ctx = Context {
        store,
        keys: &StoreKeySource,
        settings,
        now,
        rng: &mut r,
        after_password_hash: None,
        client_ip: None,
    };
    grant::exchange(&mut ctx, req).map(|issued| issued.response)
}

fn code_of(outcome: Result<TokenResponse, Error>) -> ErrorCode {
    match outcome {
        Err(Error::OAuth(e)) => e.code,
        other => panic!("expected an OAuth error, got {other:?}"),
    }
}

pub fn password_and_client_credentials_grants(store: &dyn Store) {
    let settings = settings();
    provision::bootstrap(
        store,
        &settings.hasher,
        "admin",
        &Password::new("start123"),
        NOW,
        &mut rng(1),
    )
    .unwrap();
    let ok = run(
        store,
        &settings,
        request(
            &[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", "start123"),
            ],
            None,
        ),
        NOW,
        2,
    )
    .unwrap();
    assert_eq!((ok.scope.as_str(), ok.expires_in), ("global", 3600));
    assert!(ok.refresh_token.is_some());
    let wrong = request(
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "nope"),
        ],
        None,
    );
    assert_eq!(
        code_of(run(store, &settings, wrong, NOW, 3)),
        ErrorCode::InvalidGrant
    );
    let unknown = request(
        &[
            ("grant_type", "password"),
            ("username", "ghost"),
            ("password", "start123"),
        ],
        None,
    );
    assert_eq!(
        code_of(run(store, &settings, unknown, NOW, 4)),
        ErrorCode::InvalidGrant
    );

    let master = store.find_realm_by_name("master").unwrap().unwrap();
    let svc = NewClient {
        name: "svc".into(),
        grant_types: Some("client_credentials".into()),
        ..NewClient::default()
    };
    let (client, secret) = provision::create_client(store, &master, svc, NOW, &mut rng(5)).unwrap();
    let (id, secret) = (client.id.to_string(), secret.unwrap());
    let cc = run(
        store,
        &settings,
        request(
            &[("grant_type", "client_credentials")],
            Some((&id, secret.secret())),
        ),
        NOW,
        6,
    )
    .unwrap();
    assert!(cc.refresh_token.is_none());
    let by_name = request(
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "svc"),
            ("client_secret", secret.secret()),
        ],
        None,
    );
    run(store, &settings, by_name, NOW, 7).unwrap();
    let bad = request(
        &[("grant_type", "client_credentials")],
        Some((&id, "wrong")),
    );
    assert_eq!(
        code_of(run(store, &settings, bad, NOW, 8)),
        ErrorCode::InvalidClient
    );
    let not_allowed = request(
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ],
        Some((&id, secret.secret())),
    );
    assert_eq!(
        code_of(run(store, &settings, not_allowed, NOW, 9)),
        ErrorCode::UnauthorizedClient
    );
    let bad_scope = request(
        &[
            ("grant_type", "client_credentials"),
            ("scope", "nonexistent"),
        ],
        Some((&id, secret.secret())),
    );
    assert_eq!(
        code_of(run(store, &settings, bad_scope, NOW, 10)),
        ErrorCode::InvalidScope
    );
}

fn password_login(store: &dyn Store, settings: &Settings, scope: &str, seed: u64) -> String {
    provision::bootstrap(
        store,
        &settings.hasher,
        "admin",
        &Password::new("start123"),
        NOW,
        &mut rng(1),
    )
    .unwrap();
    let req = request(
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
            ("scope", scope),
        ],
        None,
    );
    run(store, settings, req, NOW, seed)
        .unwrap()
        .refresh_token
        .unwrap()
}

fn refresh(
    store: &dyn Store,
    settings: &Settings,
    token: &str,
    scope: Option<&str>,
    now: i64,
    seed: u64,
) -> Result<TokenResponse, Error> {
    let mut pairs = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if let Some(scope) = scope {
        pairs.push(("scope", scope));
    }
    run(store, settings, request(&pairs, None), now, seed)
}

pub fn refresh_rotates_and_reuse_revokes_the_family(store: &dyn Store) {
    let settings = settings();
    let first = password_login(store, &settings, "global email", 2);
    let narrowed = refresh(store, &settings, &first, Some("email"), NOW + 1, 3).unwrap();
    assert_eq!(narrowed.scope, "email");
    let second = narrowed.refresh_token.unwrap();
    assert_ne!(second, first, "refresh always rotates");
    let widened = refresh(store, &settings, &second, Some("email roles"), NOW + 2, 4);
    assert_eq!(code_of(widened), ErrorCode::InvalidScope);
    // Replaying the consumed first token revokes the family, including `second`; the refusal
    // says why as a type (the server audits it).
    match refresh(store, &settings, &first, None, NOW + 3, 5) {
        Err(Error::OAuth(e)) => {
            assert_eq!(e.code, ErrorCode::InvalidGrant);
            assert_eq!(e.reason, Some(crate::error::Reason::RefreshReuse));
        }
        other => panic!("expected reuse to be refused, got {other:?}"),
    }
    assert_eq!(
        code_of(refresh(store, &settings, &second, None, NOW + 4, 6)),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code_of(refresh(store, &settings, "garbage", None, NOW + 4, 7)),
        ErrorCode::InvalidGrant
    );

    // With a grace period, a retry of a just-consumed token succeeds once more.
    let graceful = Settings {
        refresh_grace_period: 10,
        ..settings.clone()
    };
    let fresh = {
        let req = request(
            &[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", "start123"),
            ],
            None,
        );
        run(store, &graceful, req, NOW + 5, 8)
            .unwrap()
            .refresh_token
            .unwrap()
    };
    refresh(store, &graceful, &fresh, None, NOW + 6, 9).unwrap();
    refresh(store, &graceful, &fresh, None, NOW + 8, 10).unwrap();
    assert_eq!(
        code_of(refresh(store, &graceful, &fresh, None, NOW + 30, 11)),
        ErrorCode::InvalidGrant
    );

    // Expired tokens are refused.
    let late = refresh(
        store,
        &settings,
        &password_login(store, &settings, "global", 13),
        None,
        NOW + 4 * 86_400,
        12,
    );
    assert_eq!(code_of(late), ErrorCode::InvalidGrant);
}

pub fn concurrent_refreshes_of_one_token_have_one_winner(store: &dyn Store) {
    let settings = settings();
    let token = password_login(store, &settings, "global", 2);
    let outcomes: Vec<Result<TokenResponse, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8u64)
            .map(|i| {
                let (settings, token) = (&settings, &token);
                s.spawn(move || refresh(store, settings, token, None, NOW + 1, 100 + i))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "exactly one concurrent refresh succeeds");
    for outcome in outcomes.iter().filter(|o| o.is_err()) {
        assert!(
            matches!(outcome, Err(Error::OAuth(e)) if e.code == ErrorCode::InvalidGrant),
            "{outcome:?}"
        );
    }
    // The losers detected reuse, so the family (the winner's successor too) is revoked: consistent.
    let successor = winners[0].refresh_token.clone().unwrap();
    let stored = store
        .find_refresh_token(&TokenHash::of(&successor))
        .unwrap()
        .unwrap();
    assert!(stored.revoked_at.is_some());
    assert_eq!(
        code_of(refresh(store, &settings, &successor, None, NOW + 2, 200)),
        ErrorCode::InvalidGrant
    );
}

/// A realm `r`, a user `alice` and a client `web` with a redirect URI.
fn code_world(
    store: &dyn Store,
) -> (
    crate::model::Realm,
    crate::model::User,
    crate::model::Client,
    String,
) {
    let mut r = rng(40);
    let realm = provision::ensure_realm(store, "r", NOW, &mut r).unwrap();
    let new = NewUser {
        name: "alice".into(),
        password: Some(Password::new("pw")),
        ..NewUser::default()
    };
    let user = provision::create_user(store, &hasher(), &realm, new, NOW, &mut r).unwrap();
    let web = NewClient {
        name: "web".into(),
        redirect_uri: Some("https://app.example/cb".into()),
        ..NewClient::default()
    };
    let (client, secret) = provision::create_client(store, &realm, web, NOW, &mut r).unwrap();
    (realm, user, client, secret.unwrap().into_secret())
}

pub fn sessions_and_consents_roundtrip(store: &dyn Store) {
    use crate::model::Consent;
    let (realm, user, client, _) = code_world(store);
    let (value, session) = crate::authorize::new_session(&realm, user.id, 600, NOW, &mut rng(41));
    store.create_session(&session).unwrap();
    assert_eq!(
        store.find_session(&TokenHash::of(&value)).unwrap(),
        Some(session.clone())
    );
    assert_eq!(store.find_session(&TokenHash::of("other")).unwrap(), None);
    assert!(store.revoke_session(session.id, NOW + 1).unwrap());
    assert!(!store.revoke_session(session.id, NOW + 2).unwrap());
    assert_eq!(
        store
            .find_session(&session.token_hash)
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(NOW + 1)
    );

    assert_eq!(store.find_consent(user.id, client.id).unwrap(), None);
    let consent = Consent {
        id: Uuid::from_u128(41),
        realm_id: user.realm_id,
        user_id: user.id,
        client_id: client.id,
        scope: "global".into(),
        created_at: NOW,
    };
    store.save_consent(&consent).unwrap();
    let wider = Consent {
        id: Uuid::from_u128(42),
        scope: "email global".into(),
        created_at: NOW + 5,
        ..consent.clone()
    };
    store.save_consent(&wider).unwrap();
    // Widening replaces the scope of the one consent, which keeps its id.
    let wider = Consent {
        id: consent.id,
        ..wider
    };
    assert_eq!(
        store.find_consent(user.id, client.id).unwrap(),
        Some(wider.clone())
    );
    assert_eq!(store.list_consents(user.id).unwrap(), vec![wider]);
    assert!(store.list_consents(Uuid::nil()).unwrap().is_empty());
    assert!(store.delete_consent(user.id, client.id).unwrap());
    assert!(!store.delete_consent(user.id, client.id).unwrap());
    let orphan = Consent {
        client_id: Uuid::nil(),
        ..consent
    };
    assert!(matches!(
        store.save_consent(&orphan),
        Err(StoreError::NotFound)
    ));
}

fn code_record(
    store: &dyn Store,
    value: &str,
    r: &mut SeededEntropy,
) -> (crate::model::AuthorizationCode, RefreshToken) {
    let (realm, user, client, _) = code_world(store);
    let code = crate::model::AuthorizationCode {
        id: random_uuid(r),
        code_hash: TokenHash::of(value),
        realm_id: realm.id,
        client_id: client.id,
        user_id: user.id,
        session_id: None,
        redirect_uri: "https://app.example/cb".into(),
        scope: "global".into(),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        code_challenge_method: Some("S256".into()),
        nonce: Some("n-0S6_WzA2Mj".into()),
        auth_time: NOW,
        family_id: random_uuid(r),
        created_at: NOW,
        expires_at: NOW + 60,
        consumed_at: None,
    };
    store.create_authorization_code(&code).unwrap();
    let first = RefreshToken {
        id: random_uuid(r),
        token_hash: TokenHash::of(&format!("{value}-refresh")),
        family_id: code.family_id,
        realm_id: realm.id,
        client_id: Some(client.id),
        user_id: Some(user.id),
        scope: "global".into(),
        created_at: NOW,
        expires_at: NOW + 600,
        consumed_at: None,
        revoked_at: None,
        auth_time: Some(NOW),
        session_id: None,
    };
    (code, first)
}

pub fn authorization_codes_are_redeemed_once(store: &dyn Store) {
    let mut r = rng(42);
    let (code, first) = code_record(store, "code-1", &mut r);
    assert_eq!(
        store
            .find_authorization_code(&TokenHash::of("code-1"))
            .unwrap(),
        Some(code.clone())
    );
    assert_eq!(
        store
            .find_authorization_code(&TokenHash::of("code-2"))
            .unwrap(),
        None
    );
    let tokens: Vec<RefreshToken> = (0..12)
        .map(|i| RefreshToken {
            id: random_uuid(&mut r),
            token_hash: TokenHash::of(&format!("t{i}")),
            ..first.clone()
        })
        .collect();
    let wins: usize = std::thread::scope(|s| {
        let handles: Vec<_> = tokens
            .iter()
            .map(|t| {
                s.spawn(|| {
                    store
                        .redeem_authorization_code(code.id, t, NOW + 1)
                        .unwrap()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum()
    });
    assert_eq!(wins, 1, "exactly one concurrent redemption wins");
    let stored = tokens
        .iter()
        .filter(|t| store.find_refresh_token(&t.token_hash).unwrap().is_some())
        .count();
    assert_eq!(stored, 1, "only the winner's refresh token exists");
    let redeemed = store
        .find_authorization_code(&code.code_hash)
        .unwrap()
        .unwrap();
    assert_eq!(redeemed.consumed_at, Some(NOW + 1));
}

pub fn code_grant_with_pkce_and_replay_revocation(store: &dyn Store) {
    use crate::authorize::{self, AuthorizationRequest};
    let settings = settings();
    let (realm, user, client, secret) = code_world(store);
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let authorization = AuthorizationRequest {
        client_id: Some("web".into()),
        redirect_uri: Some("https://app.example/cb".into()),
        response_type: Some("code".into()),
        scope: Some("openid email".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        code_challenge_method: Some("S256".into()),
        ..AuthorizationRequest::default()
    };
    let valid = authorize::validate(store, &settings, &realm, &authorization).unwrap();
    let (_, session) = authorize::new_session(&realm, user.id, 600, NOW, &mut rng(43));
    store.create_session(&session).unwrap();
    let mint = |seed| {
        authorize::issue_code(
            store,
            &settings,
            &realm,
            &valid,
            &session,
            NOW,
            &mut rng(seed),
        )
        .unwrap()
    };
    let id = client.id.to_string();
    let redeem = |code: &str, redirect: &str, verifier: Option<&str>, now: i64, seed: u64| {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
        ];
        if let Some(v) = verifier {
            pairs.push(("code_verifier", v));
        }
        run(
            store,
            &settings,
            request(&pairs, Some((&id, &secret))),
            now,
            seed,
        )
    };

    let code = mint(50);
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
    assert_eq!(
        code_of(redeem(
            &code,
            "https://app.example/cb",
            Some(wrong),
            NOW + 1,
            51
        )),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code_of(redeem(&code, "https://app.example/cb", None, NOW + 1, 52)),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code_of(redeem(
            &code,
            "https://app.example/other",
            Some(verifier),
            NOW + 1,
            53
        )),
        ErrorCode::InvalidGrant
    );
    let tokens = redeem(&code, "https://app.example/cb", Some(verifier), NOW + 1, 54).unwrap();
    let refresh = tokens.refresh_token.clone().unwrap();
    assert_eq!(tokens.scope, "email openid");
    // Replay: refused, and the refresh token issued from the code dies.
    assert_eq!(
        code_of(redeem(
            &code,
            "https://app.example/cb",
            Some(verifier),
            NOW + 2,
            55
        )),
        ErrorCode::InvalidGrant
    );
    let stored = store
        .find_refresh_token(&TokenHash::of(&refresh))
        .unwrap()
        .unwrap();
    assert!(
        stored.revoked_at.is_some(),
        "a replayed code revokes the tokens issued from it"
    );

    let late = mint(56);
    let expired = redeem(
        &late,
        "https://app.example/cb",
        Some(verifier),
        NOW + settings.authorization_code_lifetime,
        57,
    );
    assert_eq!(code_of(expired), ErrorCode::InvalidGrant);
    assert_eq!(
        code_of(redeem(
            "no-such-code",
            "https://app.example/cb",
            Some(verifier),
            NOW,
            58
        )),
        ErrorCode::InvalidGrant
    );
}

pub fn login_failures_count_atomically_and_windows_restart(store: &dyn Store) {
    let key = "user:r:alice";
    let free = |_: &Failures| 0;
    assert_eq!(store.login_failures(key).unwrap(), None);
    // Twenty concurrent attempts under a policy of five: exactly five are taken, each seeing a
    // different count.
    let five = |f: &Failures| i64::from(f.count >= 5);
    let taken: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                s.spawn(|| {
                    store
                        .take_login_attempt(key, NOW, NOW - 3600, &five)
                        .unwrap()
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap().ok())
            .map(|f| f.count)
            .collect()
    });
    let mut counts = taken.clone();
    counts.sort_unstable();
    assert_eq!(
        counts,
        [1, 2, 3, 4, 5],
        "no count lost or shared: {taken:?}"
    );
    let counted = store.login_failures(key).unwrap().unwrap();
    assert_eq!(
        (counted.count, counted.window_start, counted.last),
        (5, NOW, NOW),
        "refused attempts are not counted"
    );
    assert_eq!(
        store
            .take_login_attempt(key, NOW + 5, NOW - 3600, &|f| i64::from(f.count) * 7)
            .unwrap(),
        Err(35),
        "the wait is what the policy says about the current counter"
    );
    let next = store
        .take_login_attempt(key, NOW + 5, NOW - 3600, &free)
        .unwrap()
        .unwrap();
    assert_eq!(
        (next.count, next.window_start, next.last),
        (6, NOW, NOW + 5)
    );
    // A window that began before the cutoff starts over.
    let restarted = store
        .take_login_attempt(key, NOW + 4000, NOW + 1, &free)
        .unwrap()
        .unwrap();
    assert_eq!((restarted.count, restarted.window_start), (1, NOW + 4000));
    store
        .take_login_attempt("ip:10.0.0.1", NOW, NOW - 3600, &free)
        .unwrap()
        .unwrap();
    store.clear_login_failures(key).unwrap();
    assert_eq!(store.login_failures(key).unwrap(), None);
    assert!(
        store.login_failures("ip:10.0.0.1").unwrap().is_some(),
        "other keys are kept"
    );
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
