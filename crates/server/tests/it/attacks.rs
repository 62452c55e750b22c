//! The attacker's suite (issue 13, SECURITY.md "Insider threats"): each test names an attacker,
//! what they hold, and what they must not reach, and runs on SQLite and on PostgreSQL. Each of
//! these attacks worked before the server's own authorization was fixed.

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use oauth_core::provision::{self, NewClient};
use oauth_core::random::SeededEntropy;
use oauth_core::secret::Password;
use serde_json::{Value, json};

use crate::support::{Fixture, basic, form, now, send};

crate::support::both_backends!(
    a_relying_partys_openid_token_cannot_drive_the_admin_api,
    a_third_party_client_never_gets_the_admin_scope,
    a_stolen_token_cannot_change_its_users_password_without_the_current_one,
    a_helpdesk_with_user_update_cannot_take_over_the_admin,
    a_helpdesk_with_client_update_cannot_mint_a_powerful_clients_secret,
    a_helpdesk_with_user_delete_cannot_delete_the_admin,
    a_helpdesk_cannot_strip_the_admins_role,
    a_deleted_admin_is_not_resurrected_by_a_restart,
    a_user_renamed_to_admin_gains_nothing_at_a_restart,
    a_refresh_without_client_id_cannot_strip_the_client_binding,
    a_stolen_refresh_token_dies_with_a_password_change,
    a_deactivated_users_grants_do_not_return_on_reactivation,
    a_client_less_grant_can_be_revoked_by_its_holder,
    a_confidential_client_cannot_introspect_other_clients_tokens,
    a_deactivated_users_token_introspects_inactive,
    lowering_the_access_token_lifetime_does_not_revive_revoked_tokens,
    a_new_client_secret_ends_the_clients_grants,
    a_client_gets_only_the_scopes_assigned_to_it,
    a_runaway_admin_token_is_rate_limited_alone,
    an_admin_ends_a_stolen_sessions_grants,
    a_helpdesk_with_client_rights_cannot_make_a_consent_free_client,
    a_helpdesk_with_user_update_cannot_take_the_admins_email,
    a_helpdesk_cannot_strip_a_user_by_deleting_roles_or_permissions,
    a_client_demoted_from_first_party_refreshes_without_global,
    a_leaked_client_secrets_tokens_die_with_the_secret_or_the_client,
);

/// The app under test (actix's test service).
trait App:
    Service<actix_http::Request, Response = ServiceResponse<Self::Body>, Error = actix_web::Error>
{
    type Body: actix_web::body::MessageBody;
}
impl<S, B> App for S
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    type Body = B;
}

/// The password grant in master (client-less unless `client` is given); answers the body.
async fn login(app: &impl App, user: &str, password: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut pairs = vec![
        ("grant_type", "password"),
        ("username", user),
        ("password", password),
    ];
    pairs.extend_from_slice(extra);
    let (status, _, body) = send(app, form(&pairs)).await;
    (status, body)
}

async fn token(app: &impl App, user: &str, password: &str) -> String {
    let (status, body) = login(app, user, password, &[]).await;
    assert_eq!(status, 200, "login {user}: {body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn call(
    app: &impl App,
    method: &str,
    uri: &str,
    bearer: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = match method {
        "GET" => test::TestRequest::get(),
        "DELETE" => test::TestRequest::delete(),
        _ => test::TestRequest::post(),
    }
    .uri(uri)
    .insert_header(("authorization", format!("Bearer {bearer}")));
    if let Some(body) = body {
        req = req.set_json(body);
    }
    let (status, _, body) = send(app, req).await;
    (status, body)
}

/// Creates a user in master with `permissions` (direct grants), as the admin; answers its id.
async fn user_with(app: &impl App, admin: &str, name: &str, permissions: &[&str]) -> String {
    let (s, user) = call(
        app,
        "POST",
        "/users",
        admin,
        Some(json!({"name": name, "password": format!("{name}-password")})),
    )
    .await;
    assert_eq!(s, 201, "{user}");
    let id = user["data"]["id"].as_str().unwrap().to_owned();
    for permission in permissions {
        let (s, p) = call(
            app,
            "GET",
            &format!("/permissions/{permission}"),
            admin,
            None,
        )
        .await;
        assert_eq!(s, 200, "{p}");
        let (s, grant) = call(
            app,
            "POST",
            "/user-permissions",
            admin,
            Some(json!({"userId": id, "permissionId": p["data"]["id"]})),
        )
        .await;
        assert_eq!(s, 201, "{grant}");
    }
    id
}

fn public_client(fx: &Fixture, grant_types: Option<&str>) -> String {
    fx.client(
        "master",
        NewClient {
            name: format!("app-{}", now() ^ rand_suffix()),
            public: true,
            grant_types: grant_types.map(str::to_owned),
            redirect_uri: Some("https://rp.example/cb".into()),
            ..NewClient::default()
        },
    )
    .0
}

fn rand_suffix() -> i64 {
    static N: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(1);
    N.fetch_add(1, std::sync::atomic::Ordering::SeqCst) << 32
}

/// Attacker: any relying party the admin signs in to, holding the admin's `openid` token.
async fn a_relying_partys_openid_token_cannot_drive_the_admin_api(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let rp = public_client(&fx, None);
    let (s, body) = login(
        &app,
        "admin",
        "start123",
        &[("client_id", &rp), ("scope", "openid")],
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let stolen = body["access_token"].as_str().unwrap();
    let (s, body) = call(&app, "GET", "/users", stolen, None).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (403, Some("insufficient_scope")),
        "{body}"
    );
    let (s, body) = call(
        &app,
        "POST",
        "/realms",
        stolen,
        Some(json!({"name": "evil"})),
    )
    .await;
    assert_eq!(s, 403, "{body}");
    let (s, body) = call(
        &app,
        "POST",
        "/users/@me",
        stolen,
        Some(json!({"password": "taken-over-now"})),
    )
    .await;
    assert_eq!(s, 403, "{body}");
    token(&app, "admin", "start123").await;
}

/// Attacker: a third-party client asking for `global` outright, or asking for nothing.
async fn a_third_party_client_never_gets_the_admin_scope(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let rp = public_client(&fx, None);
    let (s, body) = login(
        &app,
        "admin",
        "start123",
        &[("client_id", &rp), ("scope", "global")],
    )
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
    let (s, body) = login(&app, "admin", "start123", &[("client_id", &rp)]).await;
    assert_eq!(s, 200, "{body}");
    let scope = body["scope"].as_str().unwrap();
    assert!(!scope.split(' ').any(|t| t == "global"), "{scope}");
    let (s, _) = call(
        &app,
        "GET",
        "/users",
        body["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(s, 403);
    // A first-party client may carry it (the admin console's case).
    let console = fx
        .client(
            "master",
            NewClient {
                name: "console".into(),
                public: true,
                first_party: true,
                ..NewClient::default()
            },
        )
        .0;
    let (s, body) = login(&app, "admin", "start123", &[("client_id", &console)]).await;
    assert_eq!((s, body["scope"].as_str()), (200, Some("global")), "{body}");
}

/// Attacker: holds a user's access token (not their password) and wants the account.
async fn a_stolen_token_cannot_change_its_users_password_without_the_current_one(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    let new = json!({"password": "a-new-long-password"});
    let (s, body) = call(&app, "POST", "/users/@me", &admin, Some(new)).await;
    assert_eq!(
        (s, body["field"].as_str()),
        (400, Some("currentPassword")),
        "{body}"
    );
    let wrong = json!({"password": "a-new-long-password", "currentPassword": "guess-guess"});
    let (s, body) = call(&app, "POST", "/users/@me", &admin, Some(wrong)).await;
    assert_eq!(
        (s, body["field"].as_str()),
        (400, Some("currentPassword")),
        "{body}"
    );
    let right = json!({"password": "a-new-long-password", "currentPassword": "start123"});
    let (s, body) = call(&app, "POST", "/users/@me", &admin, Some(right)).await;
    assert_eq!(s, 202, "{body}");
    assert_eq!(login(&app, "admin", "start123", &[]).await.0, 400);
    token(&app, "admin", "a-new-long-password").await;
}

/// Attacker: a helpdesk account holding only `user_update`, wanting the admin's account.
async fn a_helpdesk_with_user_update_cannot_take_over_the_admin(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "helpdesk", &["user_update"]).await;
    user_with(&app, &admin, "plain", &[]).await;
    let helpdesk = token(&app, "helpdesk", "helpdesk-password").await;
    for change in [
        json!({"password": "owned-by-helpdesk"}),
        json!({"name": "former-admin"}),
        json!({"active": false}),
    ] {
        let (s, body) = call(
            &app,
            "POST",
            "/users/admin",
            &helpdesk,
            Some(change.clone()),
        )
        .await;
        assert_eq!(s, 403, "{change}: {body}");
    }
    token(&app, "admin", "start123").await;
    // What the role is for still works: a user holding no more than the helpdesk.
    let (s, body) = call(
        &app,
        "POST",
        "/users/plain",
        &helpdesk,
        Some(json!({"password": "reset-by-helpdesk"})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    token(&app, "plain", "reset-by-helpdesk").await;
}

/// Attacker: a helpdesk holding only `client_update`, wanting a secret of a client that holds
/// permissions the helpdesk lacks.
async fn a_helpdesk_with_client_update_cannot_mint_a_powerful_clients_secret(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    let (s, robot) = call(
        &app,
        "POST",
        "/clients",
        &admin,
        Some(json!({"name": "robot"})),
    )
    .await;
    assert_eq!(s, 201, "{robot}");
    let robot_id = robot["data"]["id"].as_str().unwrap().to_owned();
    let (_, p) = call(&app, "GET", "/permissions/user_read", &admin, None).await;
    let (s, _) = call(
        &app,
        "POST",
        "/client-permissions",
        &admin,
        Some(json!({"clientId": robot_id, "permissionId": p["data"]["id"]})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, _) = call(
        &app,
        "POST",
        "/clients",
        &admin,
        Some(json!({"name": "bare"})),
    )
    .await;
    assert_eq!(s, 201);
    user_with(&app, &admin, "helpdesk", &["client_update"]).await;
    let helpdesk = token(&app, "helpdesk", "helpdesk-password").await;
    let (s, body) = call(&app, "POST", "/clients/robot/secret", &helpdesk, None).await;
    assert_eq!(s, 403, "{body}");
    assert!(body.get("data").is_none(), "{body}");
    for change in [
        json!({"authMethod": "none"}),
        json!({"active": false}),
        json!({"name": "r2"}),
    ] {
        let (s, body) = call(
            &app,
            "POST",
            "/clients/robot",
            &helpdesk,
            Some(change.clone()),
        )
        .await;
        assert_eq!(s, 403, "{change}: {body}");
    }
    let (s, body) = call(&app, "POST", "/clients/bare/secret", &helpdesk, None).await;
    assert_eq!(s, 202, "a client holding nothing more: {body}");
}

/// Attacker: a helpdesk holding only `user_delete`.
async fn a_helpdesk_with_user_delete_cannot_delete_the_admin(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "helpdesk", &["user_delete"]).await;
    user_with(&app, &admin, "plain", &[]).await;
    let helpdesk = token(&app, "helpdesk", "helpdesk-password").await;
    let (s, body) = call(&app, "DELETE", "/users/admin", &helpdesk, None).await;
    assert_eq!(s, 403, "{body}");
    token(&app, "admin", "start123").await;
    let (s, body) = call(&app, "DELETE", "/users/plain", &helpdesk, None).await;
    assert_eq!(s, 202, "{body}");
}

/// Attacker: a helpdesk holding `user_role_delete`, wanting to strip the admin of `admin`.
async fn a_helpdesk_cannot_strip_the_admins_role(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(
        &app,
        &admin,
        "helpdesk",
        &["user_role_delete", "user_role_read"],
    )
    .await;
    let helpdesk = token(&app, "helpdesk", "helpdesk-password").await;
    let (_, me) = call(&app, "GET", "/users/admin", &admin, None).await;
    let admin_id = me["data"]["id"].as_str().unwrap();
    let (s, grants) = call(
        &app,
        "GET",
        &format!("/user-roles?filter[userId]={admin_id}"),
        &helpdesk,
        None,
    )
    .await;
    assert_eq!(s, 200, "{grants}");
    let grant = grants["data"][0]["id"].as_str().unwrap();
    let (s, body) = call(
        &app,
        "DELETE",
        &format!("/user-roles/{grant}"),
        &helpdesk,
        None,
    )
    .await;
    assert_eq!(s, 403, "{body}");
    let (s, _) = call(
        &app,
        "GET",
        "/users",
        &token(&app, "admin", "start123").await,
        None,
    )
    .await;
    assert_eq!(s, 200, "the admin keeps its power");
}

/// Restarts the server's bootstrap on the fixture's database, as `serve` does at every start.
fn restart(fx: &Fixture) {
    provision::bootstrap(
        fx.store.as_ref(),
        &fx.state.settings.hasher,
        "admin",
        &Password::new("start123"),
        now(),
        &mut SeededEntropy::new(77),
    )
    .unwrap();
}

/// Attacker: anyone who knows Authup's default password, waiting for a restart after the admin
/// was deleted.
async fn a_deleted_admin_is_not_resurrected_by_a_restart(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "owner", &[]).await;
    let (s, body) = call(&app, "DELETE", "/users/admin", &admin, None).await;
    assert_eq!(s, 202, "{body}");
    restart(&fx);
    let (s, body) = login(&app, "admin", "start123", &[]).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

/// Attacker: a master user without permissions who takes the name `admin` once it is free.
async fn a_user_renamed_to_admin_gains_nothing_at_a_restart(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "mallory", &[]).await;
    let (s, body) = call(
        &app,
        "POST",
        "/users/@me",
        &admin,
        Some(json!({"name": "root"})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let mallory = token(&app, "mallory", "mallory-password").await;
    let (s, body) = call(
        &app,
        "POST",
        "/users/@me",
        &mallory,
        Some(json!({"name": "admin"})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    restart(&fx);
    let mallory = token(&app, "admin", "mallory-password").await;
    let (s, body) = call(&app, "GET", "/users", &mallory, None).await;
    assert_eq!(s, 403, "{body}");
    let (s, _) = call(
        &app,
        "GET",
        "/users",
        &token(&app, "root", "start123").await,
        None,
    )
    .await;
    assert_eq!(s, 200);
}

/// Attacker: holds a refresh token of a public client that may not refresh, and drops
/// `client_id` to get an unbound successor.
async fn a_refresh_without_client_id_cannot_strip_the_client_binding(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let app_id = public_client(&fx, Some("password"));
    let (s, body) = login(&app, "admin", "start123", &[("client_id", &app_id)]).await;
    assert_eq!(s, 200, "{body}");
    let refresh = body["refresh_token"].as_str().unwrap();
    let (s, _, body) = send(
        &app,
        form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)]),
    )
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    let (s, _, body) = send(
        &app,
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &app_id),
        ]),
    )
    .await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("unauthorized_client")),
        "{body}"
    );
}

async fn refresh(app: &impl App, refresh_token: &str) -> (u16, Value) {
    let (s, _, body) = send(
        app,
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ]),
    )
    .await;
    (s, body)
}

async fn userinfo(app: &impl App, access: &str) -> u16 {
    let req = test::TestRequest::get()
        .uri("/userinfo")
        .insert_header(("authorization", format!("Bearer {access}")));
    send(app, req).await.0
}

/// Attacker: stole alice's refresh and access tokens; alice changes her password.
async fn a_stolen_refresh_token_dies_with_a_password_change(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "alice", &[]).await;
    let (_, stolen) = login(
        &app,
        "alice",
        "alice-password",
        &[("scope", "openid global")],
    )
    .await;
    let (s, body) = call(
        &app,
        "POST",
        "/users/alice",
        &admin,
        Some(json!({"password": "alice-new-password"})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let (s, body) = refresh(&app, stolen["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        userinfo(&app, stolen["access_token"].as_str().unwrap()).await,
        401
    );
}

/// Attacker: stole a refresh token; the user is deactivated, then reactivated.
async fn a_deactivated_users_grants_do_not_return_on_reactivation(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "alice", &[]).await;
    let (_, stolen) = login(&app, "alice", "alice-password", &[]).await;
    for active in [false, true] {
        let (s, _) = call(
            &app,
            "POST",
            "/users/alice",
            &admin,
            Some(json!({"active": active})),
        )
        .await;
        assert_eq!(s, 202);
    }
    let (s, body) = refresh(&app, stolen["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    token(&app, "alice", "alice-password").await;
}

/// Holder: a script with a client-less password grant wants its refresh token dead.
async fn a_client_less_grant_can_be_revoked_by_its_holder(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (_, tokens) = login(&app, "admin", "start123", &[]).await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    let req = form(&[("token", refresh_token)]).uri("/token/revoke");
    let (s, _, body) = send(&app, req).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = refresh(&app, refresh_token).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        userinfo(&app, tokens["access_token"].as_str().unwrap()).await,
        401
    );
}

fn confidential(fx: &Fixture, name: &str) -> (String, String) {
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: name.into(),
            ..NewClient::default()
        },
    );
    (id, secret.unwrap())
}

async fn introspect(app: &impl App, client: &(String, String), token: &str) -> Value {
    let req = form(&[("token", token)])
        .uri("/token/introspect")
        .insert_header(("authorization", basic(&client.0, &client.1)));
    let (s, _, body) = send(app, req).await;
    assert_eq!(s, 200, "{body}");
    body
}

/// Attacker: any confidential client of the realm, reading other clients' tokens.
async fn a_confidential_client_cannot_introspect_other_clients_tokens(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let snoop = confidential(&fx, "snoop");
    let (_, admin) = login(&app, "admin", "start123", &[]).await;
    for token in [&admin["access_token"], &admin["refresh_token"]] {
        let body = introspect(&app, &snoop, token.as_str().unwrap()).await;
        assert_eq!(body, json!({"active": false}));
    }
    let (s, _, own) = send(
        &app,
        form(&[("grant_type", "client_credentials")])
            .insert_header(("authorization", basic(&snoop.0, &snoop.1))),
    )
    .await;
    assert_eq!(s, 200, "{own}");
    let body = introspect(&app, &snoop, own["access_token"].as_str().unwrap()).await;
    assert_eq!(body["active"], true, "its own token: {body}");
}

/// Attacker: a deactivated user whose access token a resource server still introspects.
async fn a_deactivated_users_token_introspects_inactive(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "alice", &[]).await;
    let rs = confidential(&fx, "resource-server");
    let (s, body) = call(
        &app,
        "POST",
        "/client-permissions",
        &admin,
        Some(json!({"clientId": rs.0, "permissionId": call(&app, "GET", "/permissions/token_introspect", &admin, None).await.1["data"]["id"]})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let alice = token(&app, "alice", "alice-password").await;
    assert_eq!(introspect(&app, &rs, &alice).await["active"], true);
    let (s, _) = call(
        &app,
        "POST",
        "/users/alice",
        &admin,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(s, 202);
    assert_eq!(
        introspect(&app, &rs, &alice).await,
        json!({"active": false})
    );
}

/// Attacker: holds an access token whose grant was revoked, and waits for the revocation record
/// to be purged after an admin lowered the realm's access token lifetime.
async fn lowering_the_access_token_lifetime_does_not_revive_revoked_tokens(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "alice", &[]).await;
    let (_, stolen) = login(&app, "alice", "alice-password", &[]).await;
    let (s, body) = call(
        &app,
        "POST",
        "/realms/master",
        &admin,
        Some(json!({"accessTokenLifetime": 60})),
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let req = form(&[("token", stolen["refresh_token"].as_str().unwrap())]).uri("/token/revoke");
    assert_eq!(send(&app, req).await.0, 200);
    fx.store.purge_expired(now() + 120, now() - 3600).unwrap();
    assert_eq!(
        userinfo(&app, stolen["access_token"].as_str().unwrap()).await,
        401
    );
}

/// Attacker: a leaked client secret's refresh tokens, after the client gets a new secret.
async fn a_new_client_secret_ends_the_clients_grants(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    let web = confidential(&fx, "web");
    let req = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
        ("scope", "openid"),
    ])
    .insert_header(("authorization", basic(&web.0, &web.1)));
    let (s, _, leaked) = send(&app, req).await;
    assert_eq!(s, 200, "{leaked}");
    let (s, body) = call(
        &app,
        "POST",
        &format!("/clients/{}/secret", web.0),
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 202, "{body}");
    let new_secret = body["data"]["secret"].as_str().unwrap();
    let req = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", leaked["refresh_token"].as_str().unwrap()),
    ])
    .insert_header(("authorization", basic(&web.0, new_secret)));
    let (s, _, body) = send(&app, req).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

async fn client_credentials(app: &impl App, id: &str, secret: &str, scope: &str) -> (u16, Value) {
    let req = form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .insert_header(("authorization", basic(id, secret)));
    let (s, _, body) = send(app, req).await;
    (s, body)
}

/// Attacker: a service client registered before the realm got scope `payments`, asking for it;
/// the `/client-scopes` assignments, not a column meaning "everything", decide.
async fn a_client_gets_only_the_scopes_assigned_to_it(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    let (s, svc) = call(
        &app,
        "POST",
        "/clients",
        &admin,
        Some(json!({"name": "svc"})),
    )
    .await;
    assert_eq!(s, 201, "{svc}");
    let (id, secret) = (
        svc["data"]["id"].as_str().unwrap().to_owned(),
        svc["data"]["secret"].as_str().unwrap().to_owned(),
    );
    let (s, payments) = call(
        &app,
        "POST",
        "/scopes",
        &admin,
        Some(json!({"name": "payments"})),
    )
    .await;
    assert_eq!(s, 201, "{payments}");
    let (s, assigned) = call(
        &app,
        "GET",
        &format!("/client-scopes?filter[clientId]={id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(
        (s, assigned["meta"]["total"].as_u64()),
        (200, Some(5)),
        "the realm's scopes at registration: {assigned}"
    );
    let (s, body) = client_credentials(&app, &id, &secret, "payments").await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
    // An assignment grants it; removing the assignment takes it away again.
    let (s, grant) = call(
        &app,
        "POST",
        "/client-scopes",
        &admin,
        Some(json!({"clientId": id, "scopeId": payments["data"]["id"]})),
    )
    .await;
    assert_eq!(s, 201, "{grant}");
    let (s, body) = client_credentials(&app, &id, &secret, "payments").await;
    assert_eq!(
        (s, body["scope"].as_str()),
        (200, Some("payments")),
        "{body}"
    );
    let (_, view) = call(&app, "GET", &format!("/clients/{id}"), &admin, None).await;
    assert_eq!(
        view["data"]["scope"], "email global identity openid payments roles",
        "the derived list"
    );
    let (s, _) = call(
        &app,
        "DELETE",
        &format!("/client-scopes/{}", grant["data"]["id"].as_str().unwrap()),
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 202);
    let (s, body) = client_credentials(&app, &id, &secret, "payments").await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_scope")),
        "{body}"
    );
}

/// Attacker: a stolen (or runaway) admin token hammering the admin API; other principals carry on.
async fn a_runaway_admin_token_is_rate_limited_alone(mut fx: Fixture) {
    fx.state.limits = std::sync::Arc::new(portcullis_server::ratelimit::RateLimits {
        per_principal: Some(portcullis_server::ratelimit::Limiter::new(1, 5)),
        ..Default::default()
    });
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "ops", &["user_read"]).await;
    let ops = token(&app, "ops", "ops-password").await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(call(&app, "GET", "/users", &admin, None).await);
    }
    let limited = statuses.iter().filter(|(s, _)| *s == 429).count();
    assert!(limited >= 4, "{statuses:?}");
    let (_, body) = statuses.iter().find(|(s, _)| *s == 429).unwrap();
    assert_eq!(body["error_description"], "rate limit exceeded", "{body}");
    let (s, body) = call(&app, "GET", "/users", &ops, None).await;
    assert_eq!(s, 200, "another principal is not limited: {body}");
}

/// Victim: alice lost a device holding her tokens; an admin ends every grant of hers, and a
/// helpdesk holding less than the admin cannot do the same to the admin.
async fn an_admin_ends_a_stolen_sessions_grants(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "alice", &[]).await;
    user_with(&app, &admin, "helpdesk", &["user_update"]).await;
    let (_, stolen) = login(&app, "alice", "alice-password", &[]).await;
    let (s, body) = call(&app, "POST", "/users/alice/revoke-grants", &admin, None).await;
    assert_eq!(s, 202, "{body}");
    let (s, body) = refresh(&app, stolen["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (s, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        userinfo(&app, stolen["access_token"].as_str().unwrap()).await,
        401
    );
    token(&app, "alice", "alice-password").await;
    let helpdesk = token(&app, "helpdesk", "helpdesk-password").await;
    let (s, body) = call(&app, "POST", "/users/admin/revoke-grants", &helpdesk, None).await;
    assert_eq!(s, 403, "{body}");
    let (s, _) = call(&app, "GET", "/users", &admin, None).await;
    assert_eq!(s, 200, "the admin's token still works");
}

/// Attacker: a helpdesk holding `client_create`, `client_update` and `client_scope_create`, who
/// would register a first-party (consent-free) client with `global` and phish the admin's code.
async fn a_helpdesk_with_client_rights_cannot_make_a_consent_free_client(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(
        &app,
        &admin,
        "helpdesk",
        &[
            "client_create",
            "client_update",
            "client_scope_create",
            "client_read",
        ],
    )
    .await;
    let helpdesk = token(&app, "helpdesk", "helpdesk-password").await;
    let evil = json!({"name": "x", "authMethod": "none", "firstParty": true,
                      "redirectUri": "https://evil.example/cb"});
    let (s, body) = call(&app, "POST", "/clients", &helpdesk, Some(evil)).await;
    assert_eq!(s, 403, "{body}");
    // The admin's own first-party console: the helpdesk may not steer it elsewhere.
    let (s, console) = call(
        &app,
        "POST",
        "/clients",
        &admin,
        Some(
            json!({"name": "console", "authMethod": "none", "firstParty": true,
                    "redirectUri": "https://console.example/cb", "scope": "openid"}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{console}");
    let change = json!({"redirectUri": "https://evil.example/cb"});
    let (s, body) = call(&app, "POST", "/clients/console", &helpdesk, Some(change)).await;
    assert_eq!(s, 403, "{body}");
    let (_, global) = call(&app, "GET", "/scopes/global", &admin, None).await;
    let grant = json!({"clientId": console["data"]["id"], "scopeId": global["data"]["id"]});
    let (s, body) = call(&app, "POST", "/client-scopes", &helpdesk, Some(grant)).await;
    assert_eq!(s, 403, "{body}");
    // A third-party client is still theirs to make.
    let (s, body) = call(
        &app,
        "POST",
        "/clients",
        &helpdesk,
        Some(json!({"name": "rp"})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
}

/// Attacker: a helpdesk holding `user_update`, setting the admin's verified e-mail to their own
/// (account linking and recovery would follow it).
async fn a_helpdesk_with_user_update_cannot_take_the_admins_email(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    user_with(&app, &admin, "helpdesk", &["user_update"]).await;
    let helpdesk = token(&app, "helpdesk", "helpdesk-password").await;
    let change = json!({"email": "me@evil.example", "emailVerified": true});
    let (s, body) = call(&app, "POST", "/users/admin", &helpdesk, Some(change)).await;
    assert_eq!(s, 403, "{body}");
}

/// Attacker: a helpdesk holding `user_update`, `role_delete` and `permission_delete`, deleting the
/// role (or permission) that makes another user more powerful, to then take them over.
async fn a_helpdesk_cannot_strip_a_user_by_deleting_roles_or_permissions(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    let (s, ops) = call(&app, "POST", "/roles", &admin, Some(json!({"name": "ops"}))).await;
    assert_eq!(s, 201, "{ops}");
    let (_, realm_create) = call(&app, "GET", "/permissions/realm_create", &admin, None).await;
    let grant = json!({"roleId": ops["data"]["id"], "permissionId": realm_create["data"]["id"]});
    assert_eq!(
        call(&app, "POST", "/role-permissions", &admin, Some(grant))
            .await
            .0,
        201
    );
    let (s, custom) = call(
        &app,
        "POST",
        "/permissions",
        &admin,
        Some(json!({"name": "doc_write"})),
    )
    .await;
    assert_eq!(s, 201, "{custom}");
    let bob = user_with(&app, &admin, "bob", &["doc_write"]).await;
    let assign = json!({"userId": bob, "roleId": ops["data"]["id"]});
    assert_eq!(
        call(&app, "POST", "/user-roles", &admin, Some(assign))
            .await
            .0,
        201
    );
    user_with(
        &app,
        &admin,
        "helpdesk",
        &["user_update", "role_delete", "permission_delete"],
    )
    .await;
    let helpdesk = token(&app, "helpdesk", "helpdesk-password").await;
    let (s, body) = call(&app, "DELETE", "/roles/ops", &helpdesk, None).await;
    assert_eq!(s, 403, "{body}");
    let (s, body) = call(&app, "DELETE", "/permissions/doc_write", &helpdesk, None).await;
    assert_eq!(s, 403, "{body}");
    let (s, body) = call(
        &app,
        "POST",
        "/users/bob",
        &helpdesk,
        Some(json!({"password": "taken-over-bob"})),
    )
    .await;
    assert_eq!(s, 403, "bob still holds more: {body}");
}

/// Holder: a client that was first-party (and got `global`) keeps refreshing after an admin
/// withdrew that status; its successors carry no `global`.
async fn a_client_demoted_from_first_party_refreshes_without_global(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    let (s, console) = call(
        &app,
        "POST",
        "/clients",
        &admin,
        Some(json!({"name": "console", "authMethod": "none", "firstParty": true})),
    )
    .await;
    assert_eq!(s, 201, "{console}");
    let id = console["data"]["id"].as_str().unwrap().to_owned();
    let (s, tokens) = login(&app, "admin", "start123", &[("client_id", &id)]).await;
    assert_eq!(
        (s, tokens["scope"].as_str()),
        (200, Some("global")),
        "{tokens}"
    );
    let (s, _) = call(
        &app,
        "POST",
        &format!("/clients/{id}"),
        &admin,
        Some(json!({"firstParty": false})),
    )
    .await;
    assert_eq!(s, 202);
    let (s, _, next) = send(
        &app,
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ("client_id", &id),
        ]),
    )
    .await;
    assert_eq!(s, 200, "{next}");
    assert!(
        !next["scope"]
            .as_str()
            .unwrap()
            .split(' ')
            .any(|t| t == "global"),
        "{next}"
    );
    let (s, _) = call(
        &app,
        "GET",
        "/users",
        next["access_token"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(s, 403);
}

/// Attacker: holds access tokens a leaked client secret obtained; the operator gives the client
/// a new secret, then deactivates it.
async fn a_leaked_client_secrets_tokens_die_with_the_secret_or_the_client(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = token(&app, "admin", "start123").await;
    let rs = confidential(&fx, "resource-server");
    let (_, permission) = call(&app, "GET", "/permissions/token_introspect", &admin, None).await;
    let grant = json!({"clientId": rs.0, "permissionId": permission["data"]["id"]});
    assert_eq!(
        call(&app, "POST", "/client-permissions", &admin, Some(grant))
            .await
            .0,
        201
    );
    let svc = confidential(&fx, "svc");
    let (s, stolen) = client_credentials(&app, &svc.0, &svc.1, "").await;
    assert_eq!(s, 200, "{stolen}");
    let stolen = stolen["access_token"].as_str().unwrap().to_owned();
    assert_eq!(introspect(&app, &rs, &stolen).await["active"], true);
    let (s, body) = call(
        &app,
        "POST",
        &format!("/clients/{}/secret", svc.0),
        &admin,
        None,
    )
    .await;
    assert_eq!(s, 202, "{body}");
    assert_eq!(
        introspect(&app, &rs, &stolen).await,
        json!({"active": false})
    );
    let fresh_secret = body["data"]["secret"].as_str().unwrap().to_owned();
    let (s, fresh) = client_credentials(&app, &svc.0, &fresh_secret, "").await;
    assert_eq!(s, 200, "{fresh}");
    let fresh = fresh["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        introspect(&app, &rs, &fresh).await["active"],
        true,
        "the new secret's tokens live"
    );
    let (s, _) = call(
        &app,
        "POST",
        &format!("/clients/{}", svc.0),
        &admin,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(s, 202);
    assert_eq!(
        introspect(&app, &rs, &fresh).await,
        json!({"active": false})
    );
}
