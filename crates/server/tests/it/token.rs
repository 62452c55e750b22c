//! The token endpoint through actix's test service: the three grants, client authentication,
//! realms, and the response headers of RFC 6749 §5.1 / §5.2.

use actix_web::test;
use oauth_core::provision::NewClient;

use crate::support::{basic, fixture, form, send};

#[actix_web::test]
async fn password_grant_answers_authups_shape_with_no_store_headers() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let req = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    let (status, headers, body) = send(&app, req).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(headers.get("pragma").unwrap(), "no-cache");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "global");
    assert_eq!(body["refresh_token_expires_in"], 3 * 24 * 3600);
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
    assert_eq!(
        body["refresh_token"].as_str().unwrap().len(),
        43,
        "256 bits, base64url"
    );

    let wrong = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start124"),
    ]);
    let (status, headers, body) = send(&app, wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    let unknown = form(&[
        ("grant_type", "password"),
        ("username", "nobody"),
        ("password", "start123"),
    ]);
    let (_, _, body2) = send(&app, unknown).await;
    assert_eq!(
        body2, body,
        "unknown user and wrong password answer the same"
    );
}

#[actix_web::test]
async fn client_credentials_with_basic_and_post_authentication() {
    let fx = fixture();
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: "svc".into(),
            ..NewClient::default()
        },
    );
    let secret = secret.unwrap();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;

    let req = form(&[("grant_type", "client_credentials")])
        .insert_header(("authorization", basic(&id, &secret)));
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("refresh_token").is_none(),
        "RFC 6749 4.4.3: no refresh token"
    );

    let post = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", &id),
        ("client_secret", &secret),
    ]);
    assert_eq!(send(&app, post).await.0, 200);

    let wrong = form(&[("grant_type", "client_credentials")])
        .insert_header(("authorization", basic(&id, "nope")));
    let (status, headers, body) = send(&app, wrong).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(
        headers
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );

    let both = form(&[
        ("grant_type", "client_credentials"),
        ("client_secret", &secret),
    ])
    .insert_header(("authorization", basic(&id, &secret)));
    let (status, _, body) = send(&app, both).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    let anonymous = form(&[("grant_type", "client_credentials")]);
    let (status, _, body) = send(&app, anonymous).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[actix_web::test]
async fn refresh_rotates_and_a_replay_revokes_the_family() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
        ("scope", "global email"),
    ]);
    let (_, _, body) = send(&app, login).await;
    let first = body["refresh_token"].as_str().unwrap().to_owned();

    let (status, _, body) = send(
        &app,
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &first),
            ("scope", "email"),
        ]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "email");
    let second = body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);

    let (status, _, body) = send(
        &app,
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &second),
            ("scope", "roles"),
        ]),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    let (status, _, body) = send(
        &app,
        form(&[("grant_type", "refresh_token"), ("refresh_token", &first)]),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _, _) = send(
        &app,
        form(&[("grant_type", "refresh_token"), ("refresh_token", &second)]),
    )
    .await;
    assert_eq!(status, 400, "the successor died with its family");
}

#[actix_web::test]
async fn realms_are_addressed_by_path_and_parameter() {
    let fx = fixture();
    fx.realm("acme");
    let (id, secret) = fx.client(
        "acme",
        NewClient {
            name: "svc".into(),
            ..NewClient::default()
        },
    );
    let secret = secret.unwrap();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;

    let by_path = form(&[("grant_type", "client_credentials")])
        .uri("/realms/acme/token")
        .insert_header(("authorization", basic(&id, &secret)));
    let (status, _, body) = send(&app, by_path).await;
    assert_eq!(status, 200, "{body}");

    // Root path: the client's own realm is found from its id.
    let root = form(&[("grant_type", "client_credentials")])
        .insert_header(("authorization", basic(&id, &secret)));
    assert_eq!(send(&app, root).await.0, 200);

    // By name the client is looked up in the addressed realm only.
    let by_name = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "svc"),
        ("client_secret", &secret),
        ("realm_name", "acme"),
    ]);
    assert_eq!(send(&app, by_name).await.0, 200);
    let wrong_realm = form(&[
        ("grant_type", "client_credentials"),
        ("client_id", "svc"),
        ("client_secret", &secret),
    ]);
    assert_eq!(send(&app, wrong_realm).await.0, 401);

    let unknown = form(&[("grant_type", "client_credentials")]).uri("/realms/nowhere/token");
    let (status, _, body) = send(&app, unknown).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[actix_web::test]
async fn json_bodies_are_accepted_as_authup_does() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let req = test::TestRequest::post()
        .uri("/token")
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"grant_type":"password","username":"admin","password":"start123"}"#);
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, 200, "{body}");
}

#[actix_web::test]
async fn grant_types_are_enforced_per_client() {
    let fx = fixture();
    let new = NewClient {
        name: "cc-only".into(),
        grant_types: Some("client_credentials".into()),
        ..NewClient::default()
    };
    let (id, secret) = fx.client("master", new);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let req = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ])
    .insert_header(("authorization", basic(&id, &secret.unwrap())));
    let (status, _, body) = send(&app, req).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
}

#[actix_web::test]
async fn health_endpoints_answer() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (status, headers, body) = send(&app, test::TestRequest::get().uri("/health/live")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    assert_eq!(headers.get("x-request-id").unwrap().len(), 16);
    let (status, _, body) = send(&app, test::TestRequest::get().uri("/health/ready")).await;
    assert_eq!((status, body["database"].as_str()), (200, Some("ok")));
    let (status, _, body) = send(&app, test::TestRequest::get().uri("/nope")).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("not_found")));
}

#[actix_web::test]
async fn repeated_wrong_passwords_are_throttled_with_429_and_retry_after() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let wrong = || {
        form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "guess"),
        ])
    };
    for i in 0..oauth_core::throttle::FREE_FAILURES {
        let (status, _, body) = send(&app, wrong()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "attempt {i}"
        );
    }
    // The next attempts owe 1 s, then 2 s...: within a few tries one is refused.
    let mut throttled = None;
    for _ in 0..4 {
        let (status, headers, body) = send(&app, wrong()).await;
        if status == 429 {
            throttled = Some((headers, body));
            break;
        }
    }
    let (headers, body) = throttled.expect("the throttle trips");
    assert_eq!(body["error"], "temporarily_unavailable");
    let retry: i64 = headers
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=oauth_core::throttle::MAX_DELAY).contains(&retry));
    // Other users are not affected.
    let (status, _, _) = send(&app, form(&[("grant_type", "client_credentials")])).await;
    assert_eq!(status, 401);
}

/// An office behind one address: someone mistypes bob's password 30 times; admin's right
/// password from the same address is still `200` (it used to be `429` after five).
async fn one_accounts_typos_never_block_another_account(fx: crate::support::Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let office = "203.0.113.7:4000".parse().unwrap();
    let realm = fx.store.find_realm_by_name("master").unwrap().unwrap();
    let bob = oauth_core::provision::NewUser {
        name: "bob".into(),
        email: None,
        password: Some(oauth_core::secret::Password::new("bob-password")),
    };
    oauth_core::provision::create_user(
        fx.store.as_ref(),
        &fx.state.settings.hasher,
        &realm,
        bob,
        crate::support::now(),
        &mut oauth_core::random::SeededEntropy::new(3),
    )
    .unwrap();
    let login = |user: &str, password: &str| {
        form(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
        ])
        .peer_addr(office)
    };
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..30 {
        let (status, _, _) = send(&app, login("bob", "typo")).await;
        *statuses.entry(status).or_insert(0) += 1;
    }
    assert!(statuses.contains_key(&429), "bob is slowed: {statuses:?}");
    let (status, _, body) = send(&app, login("admin", "start123")).await;
    assert_eq!(status, 200, "{body}");
}

crate::support::both_backends!(one_accounts_typos_never_block_another_account);

/// An attacker fires twenty guesses at once at admin: no more than the five free ones are
/// hashed and answered `invalid_grant`; the others are `429` before any hashing.
#[actix_web::test]
async fn concurrent_guesses_cannot_exceed_the_free_attempts() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let guesses = (0..20).map(|i| {
        let req = form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "guess"),
        ])
        .peer_addr(format!("10.9.0.{i}:1000").parse().unwrap());
        send(&app, req)
    });
    let statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .into_iter()
        .map(|(s, _, _)| s)
        .collect();
    let hashed = statuses.iter().filter(|s| **s == 400).count();
    assert!(
        hashed <= oauth_core::throttle::FREE_FAILURES as usize,
        "{hashed} guesses hashed: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 400 || *s == 429),
        "{statuses:?}"
    );
}
