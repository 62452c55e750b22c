//! User enumeration by timing: a wrong password for an existing user and any password for an
//! unknown user must take indistinguishable time (the unknown user is verified against a dummy
//! hash with the same parameters). The two timing distributions are compared over many
//! interleaved tries at the production Argon2 parameters; a clear difference fails. (With toy
//! parameters the hash is so fast that reading the user's row, about 50 µs on SQLite, shows: the
//! hash must dominate, and at real cost it does.)

use std::time::{Duration, Instant};

use actix_web::test;

use oauth_core::password::{Argon2Params, PasswordHasher};
use oauth_core::provision::{self, NewUser};
use oauth_core::secret::Password;

use crate::support::{fixture_with, form, send};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

/// The fraction of (a, b) pairs with a < b: 0.5 when the distributions are the same
/// (the Mann-Whitney U statistic, normalised).
fn probability_of_superiority(a: &[Duration], b: &[Duration]) -> f64 {
    let mut less = 0.0;
    for x in a {
        for y in b {
            if x < y {
                less += 1.0;
            } else if x == y {
                less += 0.5;
            }
        }
    }
    less / (a.len() * b.len()) as f64
}

#[actix_web::test]
#[allow(clippy::await_holding_lock)]
async fn unknown_users_and_wrong_passwords_take_the_same_time() {
    // Timings mean little while the heaviest tests load the machine.
    let _heavy = crate::support::heavy();
    // The production Argon2 parameters: what an attacker measures against.
    let mut rng = oauth_core::random::SeededEntropy::new(9);
    let hasher = PasswordHasher::new(Argon2Params::default(), &mut rng).unwrap();
    let fx = fixture_with(|s| {
        s.login_throttle = false;
        s.hasher = hasher.clone();
    });
    let realm = fx.store.find_realm_by_name("master").unwrap().unwrap();
    let new = NewUser {
        name: "carol".into(),
        email: None,
        password: Some(Password::new("the right one")),
    };
    provision::create_user(fx.store.as_ref(), &hasher, &realm, new, 0, &mut rng).unwrap();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let attempt = |user: String| {
        let app = &app;
        async move {
            let req = form(&[
                ("grant_type", "password"),
                ("username", &user),
                ("password", "wrong"),
            ]);
            let started = Instant::now();
            let (status, _, _) = send(app, req).await;
            assert_eq!(status, 400);
            started.elapsed()
        }
    };
    // Warm up both paths.
    for i in 0..3 {
        attempt("carol".into()).await;
        attempt(format!("ghost{i}")).await;
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..60 {
        // Interleaved, alternating which goes first, so drift affects both alike.
        if i % 2 == 0 {
            known.push(attempt("carol".into()).await);
            unknown.push(attempt(format!("nobody{i}")).await);
        } else {
            unknown.push(attempt(format!("nobody{i}")).await);
            known.push(attempt("carol".into()).await);
        }
    }
    let p = probability_of_superiority(&known, &unknown);
    let (mk, mu) = (median(known), median(unknown));
    let ratio = mk.as_secs_f64() / mu.as_secs_f64();
    eprintln!("P(known < unknown) = {p:.3}, medians {mk:?} vs {mu:?} (60 tries each)");
    assert!(
        (0.3..=0.7).contains(&p) && (0.8..=1.25).contains(&ratio),
        "distinguishable: P(known < unknown) = {p:.2}, medians {mk:?} vs {mu:?}"
    );
}

/// The operator raised the Argon2 parameters: erin's hash is still the old, cheaper kind, so a
/// wrong password for her is measurably faster than one for an unknown user (hashed with the new
/// parameters). Her next successful login rehashes it, and from then on the two take the same
/// time.
#[actix_web::test]
#[allow(clippy::await_holding_lock)]
async fn a_login_rehashes_old_parameters_so_timing_matches_the_dummy_hash() {
    // Timings mean little while the heaviest tests load the machine.
    let _heavy = crate::support::heavy();
    let mut rng = oauth_core::random::SeededEntropy::new(10);
    let production = PasswordHasher::new(Argon2Params::default(), &mut rng).unwrap();
    let weaker = Argon2Params {
        memory_kib: 2048,
        iterations: 1,
        parallelism: 1,
    };
    let old = PasswordHasher::new(weaker, &mut rng).unwrap();
    let fx = fixture_with(|s| {
        s.login_throttle = false;
        s.hasher = production.clone();
    });
    let realm = fx.store.find_realm_by_name("master").unwrap().unwrap();
    let new = NewUser {
        name: "erin".into(),
        email: None,
        password: Some(Password::new("erin's right one")),
    };
    provision::create_user(fx.store.as_ref(), &old, &realm, new, 0, &mut rng).unwrap();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let attempt = |user: String, password: &'static str, expected: u16| {
        let app = &app;
        async move {
            let req = form(&[
                ("grant_type", "password"),
                ("username", &user),
                ("password", password),
            ]);
            let started = Instant::now();
            let (status, _, _) = send(app, req).await;
            assert_eq!(status, expected);
            started.elapsed()
        }
    };
    let compare = |tries: usize| async move {
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        for i in 0..tries {
            if i % 2 == 0 {
                known.push(attempt("erin".into(), "wrong", 400).await);
                unknown.push(attempt(format!("nobody{i}"), "wrong", 400).await);
            } else {
                unknown.push(attempt(format!("nobody{i}"), "wrong", 400).await);
                known.push(attempt("erin".into(), "wrong", 400).await);
            }
        }
        let p = probability_of_superiority(&known, &unknown);
        let (mk, mu) = (median(known), median(unknown));
        (p, mk.as_secs_f64() / mu.as_secs_f64(), mk, mu)
    };
    attempt("erin".into(), "wrong", 400).await;
    let (p, ratio, mk, mu) = compare(20).await;
    eprintln!("old parameters: P(known < unknown) = {p:.3}, medians {mk:?} vs {mu:?}");
    // A 13-fold cost difference; loose bounds, since other tests load the machine meanwhile.
    assert!(
        p > 0.75 && ratio < 0.8,
        "the old hash should show: {p:.2}, {ratio:.2}"
    );
    // The right password once: the hash is replaced with the configured parameters.
    attempt("erin".into(), "erin's right one", 200).await;
    let stored = fx
        .store
        .find_user_by_name(realm.id, "erin")
        .unwrap()
        .unwrap()
        .password_hash
        .unwrap();
    assert!(!production.needs_rehash(&stored));
    let (p, ratio, mk, mu) = compare(60).await;
    eprintln!("after the rehash: P(known < unknown) = {p:.3}, medians {mk:?} vs {mu:?}");
    assert!(
        (0.3..=0.7).contains(&p) && (0.8..=1.25).contains(&ratio),
        "distinguishable: P(known < unknown) = {p:.2}, medians {mk:?} vs {mu:?}"
    );
}
