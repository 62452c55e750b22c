//! Issue 15's wire, through actix's test service on SQLite and PostgreSQL: what Authup's
//! published SDK reads from tokens, introspection and userinfo, and the admin API's dialect
//! (ISO-8601 timestamps, the `beta26` profile, snake_case input, `PUT` upserts and their
//! containment).

use actix_web::test;
use base64::Engine;
use portcullis_server::config::Compat;
use serde_json::{Value, json};

use crate::support::{Fixture, fixture, fixture_postgres, form, send};

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

macro_rules! login {
    ($app:expr, $realm_param:expr, $user:expr, $password:expr) => {{
        let mut pairs = vec![
            ("grant_type", "password"),
            ("username", $user),
            ("password", $password),
        ];
        if let Some(realm) = $realm_param {
            pairs.push(("realm_id", realm));
        }
        let (status, _, body) = send($app, form(&pairs)).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }};
}

macro_rules! call {
    ($app:expr, $method:ident, $uri:expr, $token:expr $(, $body:expr)?) => {{
        let req = test::TestRequest::$method()
            .uri(&$uri)
            .insert_header(("authorization", format!("Bearer {}", $token)));
        $( let req = req.set_json($body); )?
        send($app, req).await
    }};
}

async fn access_tokens_carry_what_authups_verifier_reads(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    // Authup's clients send the realm's name as `realm_id`.
    let token = login!(&app, Some("master"), "admin", "start123");
    let header_kid = crate::support::verify_header_kid(&token);
    let c = claims(&token);
    let master = fx.store.find_realm_by_name("master").unwrap().unwrap();
    assert_eq!(c["kind"], "access_token");
    assert_eq!(c["kid"], header_kid.as_str());
    assert_eq!(c["realm_id"], master.id.to_string().as_str());
    assert_eq!(c["realm_name"], "master");
    let (status, _, body) = send(
        &app,
        form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
            ("realm_id", "no-such-realm"),
        ]),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
}

#[actix_web::test]
async fn access_tokens_carry_what_authups_verifier_reads_on_sqlite() {
    access_tokens_carry_what_authups_verifier_reads(fixture()).await;
}

#[actix_web::test]
async fn access_tokens_carry_what_authups_verifier_reads_on_postgres() {
    access_tokens_carry_what_authups_verifier_reads(fixture_postgres()).await;
}

async fn introspection_answers_the_subjects_permissions(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = login!(&app, None::<&str>, "admin", "start123");
    let req = test::TestRequest::post()
        .uri("/token/introspect")
        .insert_header(("authorization", format!("Bearer {admin}")))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(format!("token={admin}"));
    let (status, _, body) = send(&app, req).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["active"], true);
    assert_eq!(body["kind"], "access_token");
    let names: Vec<&str> = body["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"user_create") && names.contains(&"token_introspect"));
    assert_eq!(body["permissions"][0]["realm_id"], Value::Null);
}

#[actix_web::test]
async fn introspection_answers_the_subjects_permissions_on_sqlite() {
    introspection_answers_the_subjects_permissions(fixture()).await;
}

#[actix_web::test]
async fn introspection_answers_the_subjects_permissions_on_postgres() {
    introspection_answers_the_subjects_permissions(fixture_postgres()).await;
}

async fn a_global_token_reads_userinfo(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = login!(&app, None::<&str>, "admin", "start123");
    assert_eq!(claims(&admin)["scope"], "global");
    let (status, _, body) = call!(&app, get, "/userinfo", admin);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sub"], claims(&admin)["sub"]);
    assert_eq!(body["preferred_username"], "admin");
}

#[actix_web::test]
async fn a_global_token_reads_userinfo_on_sqlite() {
    a_global_token_reads_userinfo(fixture()).await;
}

#[actix_web::test]
async fn a_global_token_reads_userinfo_on_postgres() {
    a_global_token_reads_userinfo(fixture_postgres()).await;
}

fn is_iso8601(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 24 && s.ends_with(".000Z") && chrono::DateTime::parse_from_rfc3339(s).is_ok()
    })
}

async fn the_current_profile_speaks_camel_case_iso_timestamps_and_takes_snake_case(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = login!(&app, None::<&str>, "admin", "start123");
    let (status, _, body) = call!(
        &app,
        post,
        "/users",
        admin,
        json!({"name": "dora", "display_name": "Dora", "name_locked": true, "avatar": null})
    );
    assert_eq!(status, 201, "{body}");
    let user = &body["data"];
    assert_eq!(user["displayName"], "Dora");
    assert!(is_iso8601(&user["createdAt"]), "{user}");
    let (_, _, list) = call!(
        &app,
        get,
        "/users?filter[realm_id]=".to_owned() + user["realmId"].as_str().unwrap(),
        admin
    );
    assert!(is_iso8601(&list["data"][0]["updatedAt"]), "{list}");
    // A field Authup does not have either stays a 400 naming it.
    let (status, _, body) = call!(
        &app,
        post,
        "/users",
        admin,
        json!({"name": "eve", "colour": "red"})
    );
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("colour")),
        "{body}"
    );
    // Both spellings of one field: refused, not silently merged.
    let (status, _, body) = call!(
        &app,
        post,
        "/users",
        admin,
        json!({"name": "eve", "display_name": "a", "displayName": "b"})
    );
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("displayName")),
        "{body}"
    );
}

#[actix_web::test]
async fn the_current_profile_speaks_camel_case_iso_timestamps_and_takes_snake_case_on_sqlite() {
    the_current_profile_speaks_camel_case_iso_timestamps_and_takes_snake_case(fixture()).await;
}

#[actix_web::test]
async fn the_current_profile_speaks_camel_case_iso_timestamps_and_takes_snake_case_on_postgres() {
    the_current_profile_speaks_camel_case_iso_timestamps_and_takes_snake_case(fixture_postgres())
        .await;
}

async fn the_beta26_profile_answers_bare_snake_case_records(mut fx: Fixture) {
    fx.state.compat = Compat::Beta26;
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = login!(&app, None::<&str>, "admin", "start123");
    let (status, _, me) = call!(&app, get, "/users/@me", admin);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "admin");
    assert!(
        me["realm_id"].is_string() && me.get("realmId").is_none(),
        "{me}"
    );
    assert!(is_iso8601(&me["created_at"]), "{me}");
    let (status, _, role) = call!(
        &app,
        post,
        "/roles",
        admin,
        json!({"name": "auditor", "display_name": "ignored: roles have no display name"})
    );
    assert_eq!(
        (status, role["name"].as_str()),
        (201, Some("auditor")),
        "{role}"
    );
    let (_, _, list) = call!(&app, get, "/roles?filter[name]=auditor", admin);
    assert_eq!(list["data"][0]["realm_id"], me["realm_id"], "{list}");
    assert_eq!(list["meta"]["total"], 1);
}

#[actix_web::test]
async fn the_beta26_profile_answers_bare_snake_case_records_on_sqlite() {
    the_beta26_profile_answers_bare_snake_case_records(fixture()).await;
}

#[actix_web::test]
async fn the_beta26_profile_answers_bare_snake_case_records_on_postgres() {
    the_beta26_profile_answers_bare_snake_case_records(fixture_postgres()).await;
}

async fn put_creates_then_updates(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = login!(&app, None::<&str>, "admin", "start123");
    let master = fx.store.find_realm_by_name("master").unwrap().unwrap();
    let realm_id = master.id.to_string();
    let body = json!({"name": "frank", "display_name": "Frank", "realm_id": realm_id});
    let (status, _, created) = call!(&app, put, "/users/frank", admin, body);
    assert_eq!(status, 201, "{created}");
    let body = json!({"name": "frank", "display_name": "Frank 2", "realm_id": realm_id});
    let (status, _, updated) = call!(&app, put, "/users/frank", admin, body);
    assert_eq!(status, 202, "{updated}");
    assert_eq!(updated["data"]["id"], created["data"]["id"]);
    assert_eq!(updated["data"]["displayName"], "Frank 2");
    // The realm of an existing record cannot be changed through the create body.
    let (status, _, body) = call!(
        &app,
        put,
        format!("/users/{}", created["data"]["id"].as_str().unwrap()),
        admin,
        json!({"realm_id": uuid::Uuid::from_u128(9).to_string()})
    );
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("realm_id")),
        "{body}"
    );
}

#[actix_web::test]
async fn put_creates_then_updates_on_sqlite() {
    put_creates_then_updates(fixture()).await;
}

#[actix_web::test]
async fn put_creates_then_updates_on_postgres() {
    put_creates_then_updates(fixture_postgres()).await;
}

/// A realm administrator of `acme` (holding `user_*` in acme only) tries to reach master's
/// admin through `PUT`: by id, by name with master's id in the body, and by a path realm.
async fn a_realm_admin_cannot_upsert_into_another_realm(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = login!(&app, None::<&str>, "admin", "start123");
    let (s, _, _) = call!(&app, post, "/realms", admin, json!({"name": "acme"}));
    assert_eq!(s, 201);
    let (s, _, mallory) = call!(
        &app,
        post,
        "/realms/acme/users",
        admin,
        json!({"name": "mallory", "password": "mallory-password-1"})
    );
    assert_eq!(s, 201, "{mallory}");
    let (_, _, roles) = call!(
        &app,
        get,
        "/realms/acme/roles?filter[name]=realm_admin",
        admin
    );
    let role_id = roles["data"][0]["id"].as_str().unwrap().to_owned();
    let (s, _, grant) = call!(
        &app,
        post,
        "/user-roles",
        admin,
        json!({"user_id": mallory["data"]["id"], "role_id": role_id})
    );
    assert_eq!(s, 201, "{grant}");
    let req = form(&[
        ("grant_type", "password"),
        ("username", "mallory"),
        ("password", "mallory-password-1"),
        ("realm_id", "acme"),
    ]);
    let (s, _, login) = send(&app, req).await;
    assert_eq!(s, 200, "{login}");
    let mallory_token = login["access_token"].as_str().unwrap().to_owned();

    let master = fx.store.find_realm_by_name("master").unwrap().unwrap();
    let admin_user = fx
        .store
        .find_user_by_name(master.id, "admin")
        .unwrap()
        .unwrap();
    let takeover = json!({"password": "taken-over-password-1"});
    let (s, _, body) = call!(
        &app,
        put,
        format!("/users/{}", admin_user.id),
        mallory_token,
        takeover
    );
    assert_eq!(s, 403, "by id: {body}");
    let takeover = json!({"name": "admin", "password": "taken-over-password-1", "realm_id": master.id.to_string()});
    let (s, _, body) = call!(&app, put, "/users/admin", mallory_token, takeover);
    assert_eq!(s, 403, "by name in master: {body}");
    let takeover = json!({"name": "admin", "password": "taken-over-password-1", "realm_id": master.id.to_string()});
    let (s, _, body) = call!(
        &app,
        put,
        "/realms/acme/users/admin",
        mallory_token,
        takeover
    );
    assert_eq!(
        (s, body["field"].as_str()),
        (400, Some("realmId")),
        "path and body: {body}"
    );
    // master's admin still logs in with the old password.
    let _ = login!(&app, None::<&str>, "admin", "start123");
}

#[actix_web::test]
async fn a_realm_admin_cannot_upsert_into_another_realm_on_sqlite() {
    a_realm_admin_cannot_upsert_into_another_realm(fixture()).await;
}

#[actix_web::test]
async fn a_realm_admin_cannot_upsert_into_another_realm_on_postgres() {
    a_realm_admin_cannot_upsert_into_another_realm(fixture_postgres()).await;
}

async fn fields_project_and_include_embeds_the_realm(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = login!(&app, None::<&str>, "admin", "start123");
    let (status, _, list) = call!(
        &app,
        get,
        "/users?filter[name]=admin&fields=id,name&include=realm",
        admin
    );
    assert_eq!(status, 200, "{list}");
    let user = &list["data"][0];
    let mut keys: Vec<&str> = user
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "name", "realm"], "{user}");
    assert_eq!(user["realm"]["name"], "master");
    let (status, _, one) = call!(&app, get, "/users/@me?fields=-email,%2Bname", admin);
    assert_eq!(status, 200, "{one}");
    assert!(
        one["data"].get("email").is_none() && one["data"]["name"] == "admin",
        "{one}"
    );
    // A field the record does not have, or a relation it has no id of, is a 400 naming the
    // parameter; a single record takes no other parameter.
    for uri in [
        "/users?fields=colour",
        "/users?include=scope",
        "/users/@me?fields=%2Bsecret",
        "/users/@me?sort=name",
    ] {
        let (status, _, body) = call!(&app, get, uri, admin);
        assert_eq!(status, 400, "{uri}: {body}");
    }
}

#[actix_web::test]
async fn fields_project_and_include_embeds_the_realm_on_sqlite() {
    fields_project_and_include_embeds_the_realm(fixture()).await;
}

#[actix_web::test]
async fn fields_project_and_include_embeds_the_realm_on_postgres() {
    fields_project_and_include_embeds_the_realm(fixture_postgres()).await;
}
