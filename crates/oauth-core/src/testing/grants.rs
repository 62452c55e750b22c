//! Conformance cases for the grants end to end on the store: password, client credentials,
//! refresh with rotation and reuse detection.

use super::{NOW, rng, settings};
use crate::error::{Error, ErrorCode};
use crate::grant::{self, Context, Settings};
use crate::hash::TokenHash;
use crate::keys::StoreKeySource;
use crate::provision::{self, NewClient};
use crate::request::{Params, TokenRequest};
use crate::secret::{ClientSecret, Password};
use crate::store::Store;
use crate::token::TokenResponse;

pub(super) fn request(pairs: &[(&str, &str)], basic: Option<(&str, &str)>) -> TokenRequest {
    let params =
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
    let basic = basic.map(|(i, s)| (i.to_owned(), ClientSecret::new(s)));
    TokenRequest::parse(&params, basic, None).unwrap()
}

pub(super) fn run(
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

pub(super) fn code_of(outcome: Result<TokenResponse, Error>) -> ErrorCode {
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
