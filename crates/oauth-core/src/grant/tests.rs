//! Grant tests on the in-memory store: the whole conformance suite, plus core-only cases.

use crate::error::{Error, ErrorCode};
use crate::grant::{Context, Settings, exchange};
use crate::keys::StoreKeySource;
use crate::memory::MemoryStore;
use crate::model::{Client, User};
use crate::password::{Argon2Params, PasswordHasher};
use crate::provision::{self, NewClient};
use crate::random::SeededEntropy;
use crate::request::{Params, TokenRequest};
use crate::secret::{ClientSecret, Password};
use crate::store::{ClientStore, RealmStore, UserStore};
use crate::testing::NOW;

crate::store_conformance_tests!(|| Box::new(crate::memory::MemoryStore::new()));
crate::sealing_conformance_tests!(|sealing| Box::new(
    crate::memory::MemoryStore::new().with_key_encryption(sealing)
));

fn settings() -> Settings {
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    Settings::new(
        "http://localhost:3001/",
        PasswordHasher::new(cheap, &mut SeededEntropy::new(1)).unwrap(),
    )
}

fn check(
    store: &MemoryStore,
    settings: &Settings,
    pairs: &[(&str, &str)],
    basic: Option<(&str, &str)>,
    expected: Result<(), ErrorCode>,
) {
    let params =
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
    let basic = basic.map(|(i, s)| (i.to_owned(), ClientSecret::new(s)));
    let request = TokenRequest::parse(&params, basic, None).unwrap();
    let mut rng = SeededEntropy::new(NOW as u64);
    let mut ctx = Context {
        store,
        keys: &StoreKeySource,
        settings,
        now: NOW,
        rng: &mut rng,
        after_password_hash: None,
        client_ip: None,
    };
    let outcome = match exchange(&mut ctx, request) {
        Ok(_) => Ok(()),
        Err(Error::OAuth(e)) => Err(e.code),
        Err(other) => panic!("unexpected {other:?}"),
    };
    assert_eq!(outcome, expected, "{pairs:?}");
}

#[test]
fn disabled_users_and_clients_get_nothing() {
    let store = MemoryStore::new();
    let settings = settings();
    let mut rng = SeededEntropy::new(2);
    let realm = provision::ensure_realm(&store, "master", NOW, &mut rng).unwrap();
    let hash = settings
        .hasher
        .hash(&Password::new("pw"), &mut rng)
        .unwrap();
    let user = |name: &str, active: bool| User {
        id: crate::random::random_uuid(&mut SeededEntropy::new(name.len() as u64 + 10)),
        realm_id: realm.id,
        name: name.into(),
        display_name: None,
        first_name: None,
        last_name: None,
        email: None,
        email_verified: false,
        password_hash: Some(hash.clone()),
        active,
        created_at: NOW,
        updated_at: NOW,
    };
    store.create_user(&user("on", true)).unwrap();
    store.create_user(&user("off!", false)).unwrap();
    let (client, secret) = provision::create_client(
        &store,
        &realm,
        NewClient {
            name: "svc".into(),
            ..NewClient::default()
        },
        NOW,
        &mut rng,
    )
    .unwrap();
    let secret = secret.unwrap();
    let disabled = Client {
        id: crate::random::random_uuid(&mut rng),
        name: "off".into(),
        active: false,
        ..client.clone()
    };
    store.create_client(&disabled).unwrap();
    let (on, off) = (client.id.to_string(), disabled.id.to_string());

    check(
        &store,
        &settings,
        &[
            ("grant_type", "password"),
            ("username", "on"),
            ("password", "pw"),
        ],
        None,
        Ok(()),
    );
    check(
        &store,
        &settings,
        &[
            ("grant_type", "password"),
            ("username", "off!"),
            ("password", "pw"),
        ],
        None,
        Err(ErrorCode::InvalidGrant),
    );
    check(
        &store,
        &settings,
        &[("grant_type", "client_credentials")],
        Some((&on, secret.secret())),
        Ok(()),
    );
    check(
        &store,
        &settings,
        &[("grant_type", "client_credentials")],
        Some((&off, secret.secret())),
        Err(ErrorCode::InvalidClient),
    );
}

#[test]
fn issuer_ignores_a_trailing_slash_in_the_public_url() {
    let store = MemoryStore::new();
    let realm = provision::ensure_realm(&store, "acme", NOW, &mut SeededEntropy::new(3)).unwrap();
    assert_eq!(
        settings().issuer(&realm),
        "http://localhost:3001/realms/acme"
    );
}

#[test]
fn public_clients_cannot_use_client_credentials_and_must_not_send_secrets() {
    let store = MemoryStore::new();
    let settings = settings();
    let mut rng = SeededEntropy::new(4);
    let realm = provision::ensure_realm(&store, "master", NOW, &mut rng).unwrap();
    let (spa, _) = provision::create_client(
        &store,
        &realm,
        NewClient {
            name: "spa".into(),
            public: true,
            ..NewClient::default()
        },
        NOW,
        &mut rng,
    )
    .unwrap();
    let id = spa.id.to_string();
    check(
        &store,
        &settings,
        &[("grant_type", "client_credentials"), ("client_id", &id)],
        None,
        Err(ErrorCode::UnauthorizedClient),
    );
    check(
        &store,
        &settings,
        &[("grant_type", "client_credentials")],
        Some((&id, "guess")),
        Err(ErrorCode::InvalidClient),
    );
}

#[test]
fn client_credentials_writes_nothing_and_password_writes_one_refresh_token() {
    let store = MemoryStore::new();
    let settings = settings();
    let mut rng = SeededEntropy::new(5);
    provision::bootstrap(
        &store,
        &settings.hasher,
        "admin",
        &Password::new("pw"),
        NOW,
        &mut rng,
    )
    .unwrap();
    let realm = store.find_realm_by_name("master").unwrap().unwrap();
    let (client, secret) = provision::create_client(
        &store,
        &realm,
        NewClient {
            name: "svc".into(),
            ..NewClient::default()
        },
        NOW,
        &mut rng,
    )
    .unwrap();
    let (id, secret) = (client.id.to_string(), secret.unwrap());
    let before = store.writes();
    for _ in 0..3 {
        check(
            &store,
            &settings,
            &[("grant_type", "client_credentials")],
            Some((&id, secret.secret())),
            Ok(()),
        );
    }
    assert_eq!(store.writes(), before, "client_credentials must not write");
    check(
        &store,
        &settings,
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "pw"),
        ],
        None,
        Ok(()),
    );
    assert_eq!(
        store.writes(),
        before + 3,
        "a login counts its attempt before hashing, stores its refresh token and clears the count"
    );
}

#[test]
fn the_hashing_hook_runs_once_after_the_password_hash_only() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let store = MemoryStore::new();
    let settings = settings();
    let mut rng = SeededEntropy::new(6);
    provision::bootstrap(
        &store,
        &settings.hasher,
        "admin",
        &Password::new("pw"),
        NOW,
        &mut rng,
    )
    .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let run = |pairs: &[(&str, &str)]| {
        let params =
            Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
        let request = TokenRequest::parse(&params, None, None).unwrap();
        let counter = calls.clone();
        let mut rng = SeededEntropy::new(7);
        let mut ctx = Context {
            store: &store,
            keys: &StoreKeySource,
            settings: &settings,
            now: NOW,
            rng: &mut rng,
            after_password_hash: Some(Box::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            })),
            client_ip: None,
        };
        exchange(&mut ctx, request)
    };
    run(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "pw"),
    ])
    .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    run(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "bad"),
    ])
    .unwrap_err();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "a failed login releases too"
    );
    run(&[("grant_type", "refresh_token"), ("refresh_token", "x")]).unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 2, "no hash, no call");
}

#[test]
fn failed_passwords_trip_the_throttle_per_account() {
    use crate::throttle::{FREE_FAILURES, MAX_DELAY};
    let store = MemoryStore::new();
    let settings = settings();
    provision::bootstrap(
        &store,
        &settings.hasher,
        "admin",
        &Password::new("pw"),
        NOW,
        &mut SeededEntropy::new(8),
    )
    .unwrap();
    let seeds = std::sync::atomic::AtomicU64::new(1000);
    let attempt_as = |username: &str, password: &str, ip: &str, now: i64| {
        let params = Params::from_pairs(
            [
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
        )
        .unwrap();
        let mut rng = SeededEntropy::new(seeds.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        let mut ctx = Context {
            store: &store,
            keys: &StoreKeySource,
            settings: &settings,
            now,
            rng: &mut rng,
            after_password_hash: None,
            client_ip: Some(ip.to_owned()),
        };
        match exchange(&mut ctx, TokenRequest::parse(&params, None, None).unwrap()) {
            Ok(_) => Ok(()),
            Err(Error::Throttled { retry_after }) => Err(format!("throttled {retry_after}")),
            Err(Error::OAuth(e)) => Err(e.code.as_str().to_owned()),
            Err(other) => panic!("{other:?}"),
        }
    };
    let attempt = |password: &str, ip: &str, now: i64| attempt_as("admin", password, ip, now);
    for i in 0..FREE_FAILURES {
        assert_eq!(
            attempt("wrong", "10.0.0.1", NOW + i64::from(i)),
            Err("invalid_grant".into()),
            "attempt {i} is free"
        );
    }
    let last = NOW + i64::from(FREE_FAILURES) - 1;
    assert_eq!(
        attempt("wrong", "10.0.0.2", last),
        Err("throttled 1".into()),
        "the account is throttled from any address"
    );
    assert_eq!(
        attempt("pw", "10.0.0.3", last),
        Err("throttled 1".into()),
        "even the right password waits, and the refusal is not counted"
    );
    assert_eq!(
        attempt("pw", "10.0.0.3", last + 1),
        Ok(()),
        "after the announced wait the real user gets in"
    );
    assert_eq!(
        attempt_as("ghost", "x", "10.0.0.1", last + 1),
        Err("invalid_grant".into()),
        "the failing address is not slowed for another account"
    );
    assert_eq!(
        attempt("wrong", "10.0.0.4", last + 1),
        Err("invalid_grant".into()),
        "the success cleared the account's count"
    );
    // A long attack from ever new addresses: every wait is capped at MAX_DELAY.
    let mut t = last + 2;
    let mut longest = 0;
    for i in 0..60 {
        if let Err(text) = attempt("wrong", &format!("10.1.0.{i}"), t)
            && let Some(seconds) = text.strip_prefix("throttled ")
        {
            let seconds: i64 = seconds.parse().unwrap();
            longest = longest.max(seconds);
            t += seconds;
        }
    }
    assert!(longest > 60 && longest <= MAX_DELAY, "{longest}");
    // The real user is never locked out for longer than MAX_DELAY.
    let wait = match attempt("pw", "10.2.0.2", t) {
        Ok(()) => 0,
        Err(text) => text
            .strip_prefix("throttled ")
            .unwrap()
            .parse::<i64>()
            .unwrap(),
    };
    assert!(wait <= MAX_DELAY, "{wait}");
    assert_eq!(attempt("pw", "10.2.0.2", t + wait), Ok(()));
}

/// `exchange` answers whom it issued to (the server audits and counts from this, never from the
/// signed token) and tags a wrong password as a failed login.
#[test]
fn exchange_answers_whom_it_issued_to_and_why_it_refused() {
    use crate::error::Reason;
    use crate::token::Subject;
    let store = MemoryStore::new();
    let settings = settings();
    let mut rng = SeededEntropy::new(3);
    let report = provision::bootstrap(
        &store,
        &settings.hasher,
        "admin",
        &Password::new("pw"),
        NOW,
        &mut rng,
    )
    .unwrap();
    let (client, secret) = provision::create_client(
        &store,
        &report.realm,
        NewClient {
            name: "svc".into(),
            ..NewClient::default()
        },
        NOW,
        &mut rng,
    )
    .unwrap();
    let mut run = |pairs: &[(&str, &str)], basic: Option<(String, ClientSecret)>| {
        let params =
            Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
        let request = TokenRequest::parse(&params, basic, None).unwrap();
        let mut ctx = Context {
            store: &store,
            keys: &StoreKeySource,
            settings: &settings,
            now: NOW,
            rng: &mut rng,
            after_password_hash: None,
            client_ip: None,
        };
        exchange(&mut ctx, request)
    };
    let login = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "pw"),
    ];
    let issued = run(&login, None).unwrap();
    assert_eq!(issued.realm_id, report.realm.id);
    assert_eq!(
        Some(issued.subject),
        report.record.admin_user_id.map(Subject::User)
    );
    assert_eq!(issued.client_id, None);

    let basic = Some((client.id.to_string(), secret.unwrap()));
    let issued = run(&[("grant_type", "client_credentials")], basic).unwrap();
    assert_eq!(issued.subject, Subject::Client(client.id));
    assert_eq!(issued.client_id, Some(client.id));

    let wrong = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "guess"),
    ];
    match run(&wrong, None) {
        Err(Error::OAuth(e)) => assert_eq!(e.reason, Some(Reason::BadCredentials)),
        other => panic!("{other:?}"),
    }
}
