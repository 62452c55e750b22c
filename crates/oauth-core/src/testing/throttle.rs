//! Conformance cases for the login throttle through `grant::authenticate_user`, so every store
//! shows the policy (`throttle`): one account's failures never block another account's right
//! password, spraying from one address is slowed, and concurrent guesses cannot pass more
//! attempts than the policy allows.

use super::{NOW, hasher, rng};
use crate::error::Error;
use crate::grant::{Settings, authenticate_user};
use crate::model::Realm;
use crate::provision::{self, NewUser};
use crate::secret::Password;
use crate::store::Store;
use crate::throttle::FREE_FAILURES;
use crate::throttle::Failures;

/// What an attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The right password.
    In,
    /// Hashed and refused (`invalid_grant`).
    Wrong,
    /// Refused before hashing, with the seconds to wait.
    Throttled(i64),
}

fn setup(store: &dyn Store) -> (Settings, Realm) {
    let settings = Settings::new("http://localhost:3001", hasher());
    provision::bootstrap(
        store,
        &settings.hasher,
        "admin",
        &Password::new("admin-pw"),
        NOW,
        &mut rng(31),
    )
    .unwrap();
    let realm = store.find_realm_by_name("master").unwrap().unwrap();
    let bob = NewUser {
        name: "bob".into(),
        email: None,
        password: Some(Password::new("bob-pw")),
    };
    provision::create_user(store, &settings.hasher, &realm, bob, NOW, &mut rng(32)).unwrap();
    (settings, realm)
}

fn attempt(
    store: &dyn Store,
    settings: &Settings,
    realm: &Realm,
    (username, password): (&str, &str),
    ip: &str,
    now: i64,
) -> Outcome {
    let password = Password::new(password);
    match authenticate_user(
        store,
        settings,
        realm,
        username,
        &password,
        Some(ip),
        now,
        &mut rng(40),
        None,
    ) {
        Ok(_) => Outcome::In,
        Err(Error::Throttled { retry_after }) => Outcome::Throttled(retry_after),
        Err(Error::OAuth(_)) => Outcome::Wrong,
        Err(other) => panic!("{other:?}"),
    }
}

/// An office behind one address: someone fails bob's password 30 times; admin, from the same
/// address, still gets in with the right password, and so does bob once his wait is over.
pub fn one_accounts_failures_never_block_anothers_right_password(store: &dyn Store) {
    let (settings, realm) = setup(store);
    let office = "203.0.113.7";
    let mut outcomes = Vec::new();
    for i in 0..30 {
        outcomes.push(attempt(
            store,
            &settings,
            &realm,
            ("bob", "typo"),
            office,
            NOW + i,
        ));
    }
    let wrong = outcomes.iter().filter(|o| **o == Outcome::Wrong).count();
    assert!(wrong >= FREE_FAILURES as usize, "{outcomes:?}");
    assert!(
        outcomes.contains(&Outcome::Throttled(1)),
        "bob is slowed: {outcomes:?}"
    );
    assert_eq!(
        attempt(
            store,
            &settings,
            &realm,
            ("admin", "admin-pw"),
            office,
            NOW + 30
        ),
        Outcome::In,
        "another account's right password from the same address"
    );
    let waited = NOW + 30 + crate::throttle::MAX_DELAY;
    assert_eq!(
        attempt(store, &settings, &realm, ("bob", "bob-pw"), office, waited),
        Outcome::In,
        "bob after the longest wait"
    );
}

/// A sprayer tries one password on many unknown accounts from one address: past the threshold
/// its attempts on unknown or failing accounts wait (1 s doubling), while a known account without
/// failures still gets in from that address and other addresses are not affected.
pub fn spraying_past_the_threshold_is_slowed(store: &dyn Store) {
    let (mut settings, realm) = setup(store);
    settings.spray_threshold = 10;
    let sprayer = "198.51.100.9";
    let mut t = NOW;
    for i in 0..9 {
        let name = format!("victim{i}");
        assert_eq!(
            attempt(store, &settings, &realm, (&name, "Summer2026!"), sprayer, t),
            Outcome::Wrong,
            "below the threshold, {i}"
        );
    }
    // Repeats of an already failed account do not count as new accounts.
    for _ in 0..3 {
        assert_eq!(
            attempt(store, &settings, &realm, ("victim0", "x"), sprayer, t),
            Outcome::Wrong
        );
    }
    assert_eq!(
        attempt(store, &settings, &realm, ("victim9", "x"), sprayer, t),
        Outcome::Wrong,
        "the tenth account reaches the threshold"
    );
    assert_eq!(
        attempt(store, &settings, &realm, ("victim10", "x"), sprayer, t),
        Outcome::Wrong,
        "the first slowed attempt is free"
    );
    assert_eq!(
        attempt(store, &settings, &realm, ("victim11", "x"), sprayer, t),
        Outcome::Throttled(1)
    );
    assert_eq!(
        attempt(store, &settings, &realm, ("victim0", "x"), sprayer, t),
        Outcome::Throttled(1),
        "failing accounts are slowed too"
    );
    assert_eq!(
        attempt(store, &settings, &realm, ("admin", "admin-pw"), sprayer, t),
        Outcome::In,
        "a known account without failures is not slowed"
    );
    assert_eq!(
        attempt(store, &settings, &realm, ("victim12", "x"), "192.0.2.1", t),
        Outcome::Wrong,
        "another address is not slowed"
    );
    // The waits double while the spraying goes on.
    let mut waits = Vec::new();
    for i in 13..20 {
        let name = format!("victim{i}");
        match attempt(store, &settings, &realm, (&name, "x"), sprayer, t) {
            Outcome::Throttled(s) => {
                waits.push(s);
                t += s;
                assert_eq!(
                    attempt(store, &settings, &realm, (&name, "x"), sprayer, t),
                    Outcome::Wrong
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64]);
}

/// Twenty concurrent wrong guesses at one account (as many as a large hashing pool lets through
/// at once): exactly the free attempts are hashed, the rest are throttled before any hashing.
pub fn concurrent_guesses_cannot_exceed_the_policy(store: &dyn Store) {
    let (mut settings, realm) = setup(store);
    // A hash that takes a few milliseconds, as a real one does, so the guesses overlap.
    let params = crate::password::Argon2Params {
        memory_kib: 4096,
        iterations: 1,
        parallelism: 1,
    };
    settings.hasher = crate::password::PasswordHasher::new(params, &mut rng(33)).unwrap();
    let start = std::sync::Barrier::new(20);
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let (settings, realm, start) = (&settings, &realm, &start);
                s.spawn(move || {
                    let ip = format!("10.9.0.{i}");
                    start.wait();
                    attempt(store, settings, realm, ("bob", "guess"), &ip, NOW)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let hashed = outcomes.iter().filter(|o| **o == Outcome::Wrong).count();
    assert_eq!(hashed, FREE_FAILURES as usize, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Wrong | Outcome::Throttled(1))),
        "{outcomes:?}"
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
