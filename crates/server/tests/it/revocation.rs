//! Introspection (RFC 7662) and revocation (RFC 7009): what is active, and how revoking a refresh
//! token takes its whole grant (access tokens included) down.

use actix_web::test;
use oauth_core::provision::NewClient;

use crate::support::{basic, fixture, form, send};

fn post(path: &str, pairs: &[(&str, &str)], auth: &str) -> test::TestRequest {
    form(pairs)
        .uri(path)
        .insert_header(("authorization", auth.to_owned()))
}

crate::support::both_backends!(introspection_and_revocation);

/// Gives a client the `token_introspect` permission.
fn grant_introspection(fx: &crate::support::Fixture, client_id: &str) {
    use oauth_core::model::ClientPermission;
    use oauth_core::store::records::Records;
    let permission = fx
        .store
        .list_permissions()
        .unwrap()
        .into_iter()
        .find(|p| p.name == "token_introspect")
        .unwrap();
    let client = fx
        .store
        .find_client(client_id.parse().unwrap())
        .unwrap()
        .unwrap();
    let grant = ClientPermission {
        id: uuid::Uuid::from_u128(0x1a7e_05ec7),
        realm_id: client.realm_id,
        client_id: client.id,
        permission_id: permission.id,
    };
    Records::<ClientPermission>::insert_record(fx.store.as_ref(), &grant).unwrap();
}

async fn introspection_and_revocation(fx: crate::support::Fixture) {
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: "app".into(),
            ..NewClient::default()
        },
    );
    let (other_id, other_secret) = fx.client(
        "master",
        NewClient {
            name: "other".into(),
            ..NewClient::default()
        },
    );
    let (spa, _) = fx.client(
        "master",
        NewClient {
            name: "spa".into(),
            public: true,
            ..NewClient::default()
        },
    );
    // `other` is a resource server allowed to introspect every token of the realm.
    grant_introspection(&fx, &other_id);
    let (app_auth, other_auth) = (
        basic(&id, &secret.unwrap()),
        basic(&other_id, &other_secret.unwrap()),
    );
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let login = || {
        post(
            "/token",
            &[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", "start123"),
                ("scope", "openid"),
            ],
            &app_auth,
        )
    };
    let introspect = |token: &str| post("/token/introspect", &[("token", token)], &other_auth);
    let revoke = |token: &str, auth: &str| {
        post(
            "/token/revoke",
            &[("token", token), ("token_type_hint", "refresh_token")],
            auth,
        )
    };

    let (_, _, tokens) = send(&app, login()).await;
    let (access, refresh) = (
        tokens["access_token"].as_str().unwrap().to_owned(),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    );

    // Active tokens, as a client holding `token_introspect` sees them.
    let (status, _, active) = send(&app, introspect(&access)).await;
    assert_eq!(status, 200);
    assert_eq!(active["active"], true);
    assert_eq!(
        (active["token_type"].as_str(), active["username"].as_str()),
        (Some("Bearer"), Some("admin"))
    );
    assert_eq!(
        (active["client_id"].as_str(), active["scope"].as_str()),
        (Some(id.as_str()), Some("openid"))
    );
    for field in [
        "exp",
        "iat",
        "sub",
        "aud",
        "iss",
        "jti",
        "realm_id",
        "realm_name",
        "sub_kind",
    ] {
        assert!(!active[field].is_null(), "{field}");
    }
    let (_, _, refresh_view) = send(&app, introspect(&refresh)).await;
    assert_eq!(
        (
            refresh_view["active"].as_bool(),
            refresh_view["token_type"].as_str()
        ),
        (Some(true), Some("refresh_token"))
    );
    let (_, _, garbage) = send(&app, introspect("garbage")).await;
    assert_eq!(garbage, serde_json::json!({ "active": false }), "exactly");

    // Callers must authenticate (a public client cannot).
    let (status, headers, _) =
        send(&app, form(&[("token", &access)]).uri("/token/introspect")).await;
    assert_eq!(status, 401);
    assert!(headers.get("www-authenticate").is_some());
    let (status, _, _) = send(
        &app,
        form(&[("token", &access), ("client_id", &spa)]).uri("/token/introspect"),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, _) = send(
        &app,
        form(&[])
            .uri("/token/introspect")
            .insert_header(("authorization", other_auth.clone())),
    )
    .await;
    assert_eq!(status, 400, "token is required");

    // Unknown tokens, and other clients' tokens, answer 200 and change nothing.
    assert_eq!(send(&app, revoke("unknown", &app_auth)).await.0, 200);
    assert_eq!(send(&app, revoke(&refresh, &other_auth)).await.0, 200);
    assert_eq!(send(&app, introspect(&refresh)).await.2["active"], true);

    // Revoking the refresh token takes down its grant: the refresh token and the access token.
    assert_eq!(send(&app, revoke(&refresh, &app_auth)).await.0, 200);
    assert_eq!(
        send(&app, introspect(&refresh)).await.2,
        serde_json::json!({ "active": false })
    );
    assert_eq!(
        send(&app, introspect(&access)).await.2,
        serde_json::json!({ "active": false })
    );
    let userinfo = test::TestRequest::get()
        .uri("/userinfo")
        .insert_header(("authorization", format!("Bearer {access}")));
    let (status, headers, _) = send(&app, userinfo).await;
    assert_eq!(status, 401);
    assert!(
        headers
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("revoked")
    );
    let (status, _, body) = send(
        &app,
        form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
            .insert_header(("authorization", app_auth.clone())),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // An access token alone is revoked by its jti; its grant's refresh token lives on.
    let (_, _, second) = send(&app, login()).await;
    let (access2, refresh2) = (
        second["access_token"].as_str().unwrap(),
        second["refresh_token"].as_str().unwrap(),
    );
    assert_eq!(send(&app, revoke(access2, &app_auth)).await.0, 200);
    assert_eq!(send(&app, introspect(access2)).await.2["active"], false);
    assert_eq!(send(&app, introspect(refresh2)).await.2["active"], true);
}

crate::support::both_backends!(refresh_token_reuse_also_kills_the_access_tokens_of_the_grant);

async fn refresh_token_reuse_also_kills_the_access_tokens_of_the_grant(
    fx: crate::support::Fixture,
) {
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: "app".into(),
            ..NewClient::default()
        },
    );
    let auth = basic(&id, &secret.unwrap());
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (_, _, first) = send(
        &app,
        form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ])
        .insert_header(("authorization", auth.clone())),
    )
    .await;
    let refresh = first["refresh_token"].as_str().unwrap();
    let (_, _, second) = send(
        &app,
        form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .insert_header(("authorization", auth.clone())),
    )
    .await;
    let access2 = second["access_token"].as_str().unwrap();
    let introspect = |token: &str| {
        form(&[("token", token)])
            .uri("/token/introspect")
            .insert_header(("authorization", auth.clone()))
    };
    assert_eq!(send(&app, introspect(access2)).await.2["active"], true);
    // Replaying the first refresh token is reuse: the grant dies, the newest access token too.
    let (status, _, _) = send(
        &app,
        form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .insert_header(("authorization", auth.clone())),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(send(&app, introspect(access2)).await.2["active"], false);
}

#[actix_web::test]
async fn a_bearer_holding_token_introspect_may_introspect() {
    use oauth_core::password::{Argon2Params, PasswordHasher};
    use oauth_core::provision::NewUser;
    use oauth_core::random::SeededEntropy;
    use oauth_core::secret::Password;
    let fx = fixture();
    let realm = fx.store.find_realm_by_name("master").unwrap().unwrap();
    let cheap = PasswordHasher::new(
        Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        },
        &mut SeededEntropy::new(3),
    )
    .unwrap();
    let alice = NewUser {
        name: "alice".into(),
        password: Some(Password::new("wonderland")),
        ..NewUser::default()
    };
    oauth_core::provision::create_user(
        fx.store.as_ref(),
        &cheap,
        &realm,
        alice,
        0,
        &mut SeededEntropy::new(4),
    )
    .unwrap();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let token_of = |user: &str, password: &str| {
        form(&[
            ("grant_type", "password"),
            ("username", user),
            ("password", password),
        ])
    };
    let (_, _, admin) = send(&app, token_of("admin", "start123")).await;
    let (_, _, alice) = send(&app, token_of("alice", "wonderland")).await;
    let (admin_token, alice_token) = (
        admin["access_token"].as_str().unwrap(),
        alice["access_token"].as_str().unwrap(),
    );
    let introspect = |bearer: &str, token: &str| {
        form(&[("token", token)])
            .uri("/token/introspect")
            .insert_header(("authorization", format!("Bearer {bearer}")))
    };

    let (status, _, body) = send(&app, introspect(admin_token, alice_token)).await;
    assert_eq!(
        (status, body["active"].as_bool(), body["username"].as_str()),
        (200, Some(true), Some("alice"))
    );
    let (status, headers, body) = send(&app, introspect(alice_token, admin_token)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("insufficient_scope")),
        "alice lacks token_introspect"
    );
    assert!(
        headers
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("insufficient_scope")
    );
    let (status, _, body) = send(&app, introspect("garbage", admin_token)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_token"))
    );
}
