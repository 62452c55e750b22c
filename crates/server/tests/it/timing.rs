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
async fn unknown_users_and_wrong_passwords_take_the_same_time() {
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
