//! The authorization endpoint's rules, table-driven on the in-memory store with a fixed clock.

use super::*;
use crate::memory::MemoryStore;
use crate::password::{Argon2Params, PasswordHasher};
use crate::provision::{self, NewClient};
use crate::random::SeededEntropy;
use crate::testing::NOW;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct World {
    store: MemoryStore,
    settings: Settings,
    realm: Realm,
}

fn world() -> World {
    let store = MemoryStore::new();
    let mut rng = SeededEntropy::new(1);
    let realm = provision::ensure_realm(&store, "master", NOW, &mut rng).unwrap();
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let settings = Settings::new(
        "http://localhost:3001",
        PasswordHasher::new(cheap, &mut rng).unwrap(),
    );
    for (name, public, first_party, uris) in [
        (
            "web",
            false,
            false,
            "https://app.example/cb,https://app.example/other",
        ),
        ("spa", true, true, "https://spa.example/cb"),
        ("cli", true, false, "http://127.0.0.1/callback"),
    ] {
        let new = NewClient {
            name: name.into(),
            public,
            first_party,
            redirect_uri: Some(uris.into()),
            ..NewClient::default()
        };
        provision::create_client(&store, &realm, new, NOW, &mut rng).unwrap();
    }
    World {
        store,
        settings,
        realm,
    }
}

fn request(pairs: &[(&str, &str)]) -> AuthorizationRequest {
    let params =
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
    AuthorizationRequest::from_params(&params)
}

/// `Ok(())`, `Err("page")`, or `Err(error code)` of the redirect.
fn outcome(w: &World, pairs: &[(&str, &str)]) -> Result<(), String> {
    match validate(&w.store, &w.settings, &w.realm, &request(pairs)) {
        Ok(_) => Ok(()),
        Err(AuthorizeError::Page(_)) => Err("page".into()),
        Err(AuthorizeError::Redirect { error, .. }) => Err(error.code.as_str().into()),
        Err(AuthorizeError::Internal(e)) => panic!("{e}"),
    }
}

#[test]
fn validation_table() {
    let w = world();
    let ok = |s: &str| -> Result<(), String> { if s == "ok" { Ok(()) } else { Err(s.to_owned()) } };
    let s256 = [
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        let mut v = vec![
            ("response_type", "code"),
            ("client_id", "web"),
            ("redirect_uri", "https://app.example/cb"),
        ];
        v.extend_from_slice(extra);
        v
    };
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (with(&[]), "ok"),
        (with(&s256), "ok"),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "nobody"),
                ("redirect_uri", "https://app.example/cb"),
            ],
            "page",
        ),
        (
            vec![
                ("response_type", "code"),
                ("redirect_uri", "https://app.example/cb"),
            ],
            "page",
        ),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "web"),
                ("redirect_uri", "https://evil.example/cb"),
            ],
            "page",
        ),
        (
            vec![("response_type", "code"), ("client_id", "web")],
            "page",
        ),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "spa"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "ok",
        ),
        (
            vec![
                ("response_type", "token"),
                ("client_id", "web"),
                ("redirect_uri", "https://app.example/cb"),
            ],
            "unsupported_response_type",
        ),
        (
            vec![
                ("client_id", "web"),
                ("redirect_uri", "https://app.example/cb"),
            ],
            "invalid_request",
        ),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "spa"),
                ("redirect_uri", "https://spa.example/cb"),
            ],
            "invalid_request",
        ),
        (with(&[("code_challenge", CHALLENGE)]), "invalid_request"),
        (
            with(&[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ]),
            "invalid_request",
        ),
        (
            with(&[
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ]),
            "invalid_request",
        ),
        (
            with(&[("code_challenge_method", "S256")]),
            "invalid_request",
        ),
        (with(&[("scope", "openid email")]), "ok"),
        (with(&[("scope", "unknown")]), "invalid_scope"),
        (with(&[("prompt", "none")]), "ok"),
        (with(&[("prompt", "none login")]), "invalid_request"),
        (with(&[("prompt", "sometimes")]), "invalid_request"),
        (with(&[("max_age", "0")]), "ok"),
        (with(&[("max_age", "-1")]), "invalid_request"),
        (with(&[("max_age", "soon")]), "invalid_request"),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "cli"),
                ("redirect_uri", "http://127.0.0.1:49152/callback"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "ok",
        ),
        (
            vec![
                ("response_type", "code"),
                ("client_id", "cli"),
                ("redirect_uri", "http://127.0.0.1:49152/other"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ],
            "page",
        ),
    ];
    for (pairs, expected) in cases {
        assert_eq!(outcome(&w, &pairs), ok(expected), "{pairs:?}");
    }
}

#[test]
fn plain_pkce_only_when_enabled() {
    let mut w = world();
    let pairs = [
        ("response_type", "code"),
        ("client_id", "web"),
        ("redirect_uri", "https://app.example/cb"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "plain"),
    ];
    assert_eq!(outcome(&w, &pairs), Err("invalid_request".into()));
    w.settings.allow_plain_pkce = true;
    assert_eq!(outcome(&w, &pairs), Ok(()));
}

#[test]
fn errors_after_the_redirect_check_carry_the_state() {
    let w = world();
    let req = request(&[
        ("response_type", "token"),
        ("client_id", "web"),
        ("redirect_uri", "https://app.example/other"),
        ("state", "xyz"),
    ]);
    match validate(&w.store, &w.settings, &w.realm, &req) {
        Err(AuthorizeError::Redirect {
            redirect_uri,
            state,
            ..
        }) => {
            assert_eq!(redirect_uri, "https://app.example/other");
            assert_eq!(state.as_deref(), Some("xyz"));
        }
        other => panic!("{other:?}"),
    }
}

fn valid(w: &World, extra: &[(&str, &str)], client: &str) -> ValidRequest {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    pairs.extend_from_slice(extra);
    validate(&w.store, &w.settings, &w.realm, &request(&pairs)).unwrap()
}

#[test]
fn decisions_follow_session_consent_and_prompt() {
    let w = world();
    let user = uuid::Uuid::nil();
    let (_, mut session) = new_session(&w.realm, user, 3600, NOW - 100, &mut SeededEntropy::new(3));
    let web = valid(
        &w,
        &[
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "email"),
        ],
        "web",
    );
    let consent = Consent {
        id: uuid::Uuid::from_u128(1),
        realm_id: w.realm.id,
        user_id: user,
        client_id: web.client.id,
        scope: "email".into(),
        created_at: NOW,
    };
    let code = |r: Result<Next, OAuthError>| r.map_err(|e| e.code);

    assert!(session_usable(&web, &w.realm, Some(&session), false, NOW));
    assert!(!session_usable(&web, &w.realm, None, false, NOW));
    assert_eq!(code(decide(&web, false, None, false)), Ok(Next::Login));
    assert_eq!(code(decide(&web, true, None, false)), Ok(Next::Consent));
    assert_eq!(
        code(decide(&web, true, Some(&consent), false)),
        Ok(Next::IssueCode)
    );
    assert_eq!(code(decide(&web, true, None, true)), Ok(Next::IssueCode));

    let wider = valid(
        &w,
        &[
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "openid email"),
        ],
        "web",
    );
    assert_eq!(
        code(decide(&wider, true, Some(&consent), false)),
        Ok(Next::Consent),
        "consent covers less"
    );

    let none = valid(
        &w,
        &[
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "email"),
            ("prompt", "none"),
        ],
        "web",
    );
    assert_eq!(
        code(decide(&none, false, None, false)),
        Err(ErrorCode::LoginRequired)
    );
    assert_eq!(
        code(decide(&none, true, None, false)),
        Err(ErrorCode::ConsentRequired)
    );
    assert_eq!(
        code(decide(&none, true, Some(&consent), false)),
        Ok(Next::IssueCode)
    );

    let again = valid(
        &w,
        &[
            ("redirect_uri", "https://app.example/cb"),
            ("scope", "email"),
            ("prompt", "consent"),
        ],
        "web",
    );
    assert_eq!(
        code(decide(&again, true, Some(&consent), false)),
        Ok(Next::Consent)
    );

    let login = valid(
        &w,
        &[
            ("redirect_uri", "https://app.example/cb"),
            ("prompt", "login"),
        ],
        "web",
    );
    assert!(!session_usable(
        &login,
        &w.realm,
        Some(&session),
        false,
        NOW
    ));
    assert!(session_usable(&login, &w.realm, Some(&session), true, NOW));

    let max_age = valid(
        &w,
        &[
            ("redirect_uri", "https://app.example/cb"),
            ("max_age", "60"),
        ],
        "web",
    );
    assert!(
        !session_usable(&max_age, &w.realm, Some(&session), false, NOW),
        "authenticated 100 s ago"
    );

    let spa = valid(&w, &[], "spa");
    assert_eq!(
        code(decide(&spa, true, None, false)),
        Ok(Next::IssueCode),
        "first-party skips consent"
    );

    session.revoked_at = Some(NOW - 1);
    assert!(!session_usable(&web, &w.realm, Some(&session), false, NOW));
}

#[test]
fn redirects_keep_the_registered_query() {
    let url = redirect_with(
        "https://app.example/cb?tenant=7",
        &[("code", "a b"), ("state", "s&t")],
    )
    .unwrap();
    assert_eq!(url, "https://app.example/cb?tenant=7&code=a+b&state=s%26t");
}
