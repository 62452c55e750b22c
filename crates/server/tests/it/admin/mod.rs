//! The admin API through actix's test service, on SQLite and on PostgreSQL, one claim per test:
//! CRUD of every resource (`realms`, `users`, `clients`, `assignments`, `keys`, `sessions`), the
//! permission matrix (`permissions`), the OpenAPI document against the routes and random bodies on
//! every write endpoint (`openapi`), and the audit trail of the protocol endpoints (`audit`).
//! Secrets never appear in an answer ([`assert_nothing_secret`]).

mod assignments;
mod audit;
mod clients;
mod keys;
mod openapi;
mod permissions;
mod realms;
mod sessions;
mod users;

use serde_json::json;

use crate::support::{Api, App, Fixture};

/// The bootstrap admin's client of a fresh app over `fx`.
async fn admin(fx: &Fixture) -> Api<impl App> {
    fx.api().await.admin().await
}

/// Creates realm `acme` ("Acme"); answers its id.
async fn acme(api: &Api<impl App>) -> String {
    let realm = api
        .post_json("/realms", &json!({"name": "acme", "displayName": "Acme"}))
        .await;
    assert_eq!(realm.status, 201, "{}", realm.json);
    realm.id()
}

/// Creates user `name` in the realm `realm_id` with an address and a password; answers its id.
async fn user(api: &Api<impl App>, realm_id: &str, name: &str) -> String {
    let created = api
        .post_json(
            "/users",
            &json!({
                "name": name, "realmId": realm_id, "email": format!("{name}@acme.test"),
                "password": "correct horse battery"
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    created.id()
}

/// Creates the confidential client `backend` in realm `acme`; answers (id, secret).
async fn backend(api: &Api<impl App>) -> (String, String) {
    let client = api
        .post_json(
            "/realms/acme/clients",
            &json!({
                "name": "backend", "redirectUri": "https://app.test/cb",
                "grantTypes": "client_credentials"
            }),
        )
        .await;
    assert_eq!(client.status, 201, "{}", client.json);
    assert_eq!(client.json["data"]["authMethod"], "secret");
    let secret = client.json["data"]["secret"].as_str().unwrap().to_owned();
    (client.id(), secret)
}

/// Fails if any answer `api` saw carries a password, a hash or a private key, or carries one of
/// `client_secrets` anywhere but in the answer that hands it out (one with `authMethod: secret`).
fn assert_nothing_secret(api: &Api<impl App>, client_secrets: &[&str]) {
    for body in api.seen() {
        for needle in [
            "correct horse battery",
            "$argon2",
            "passwordHash",
            "secretHash",
            "privateKey",
            "\"d\":",
        ] {
            assert!(!body.contains(needle), "{needle} leaked in {body}");
        }
        let shown = client_secrets.iter().any(|s| body.contains(s));
        assert!(
            !shown || body.contains("\"authMethod\":\"secret\""),
            "{body}"
        );
    }
}
