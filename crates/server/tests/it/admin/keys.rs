//! Signing keys through the admin API: a generated key is passive until activated, then
//! published; keys are filtered by algorithm and status; an active key may go while another
//! remains, and no key is disabled through an update.

use serde_json::json;

use super::{acme, admin, assert_nothing_secret};
use crate::support::{Api, App, Fixture, both_backends};

both_backends!(
    a_generated_key_is_passive_until_activated,
    keys_are_filtered_by_algorithm_and_status,
    an_active_key_goes_while_another_remains,
    the_last_active_key_cannot_be_disabled,
    an_activated_key_is_published,
);

/// Realm `acme` with a second ES256 key, generated and activated; answers its id.
async fn second_active_key(api: &Api<impl App>) -> String {
    acme(api).await;
    let key = api
        .post_json("/realms/acme/keys", &json!({"algorithm": "ES256"}))
        .await;
    assert_eq!(key.status, 201, "{}", key.json);
    let key_id = key.id();
    let activated = api
        .post_json(format!("/keys/{key_id}"), &json!({"status": "active"}))
        .await;
    assert_eq!(activated.status, 202);
    key_id
}

async fn a_generated_key_is_passive_until_activated(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let key = api
        .post_json("/realms/acme/keys", &json!({"algorithm": "ES256"}))
        .await;
    assert_eq!(
        (key.status, key.json["data"]["status"].as_str()),
        (201, Some("passive")),
        "{}",
        key.json
    );
    assert_eq!(key.json["data"]["publicJwk"]["kty"], "EC");
    let activated = api
        .post_json(format!("/keys/{}", key.id()), &json!({"status": "active"}))
        .await;
    assert_eq!(activated.status, 202);
    api.get("/realms/acme/keys").await;
    assert_nothing_secret(&api, &[]);
}

async fn keys_are_filtered_by_algorithm_and_status(fx: Fixture) {
    let api = admin(&fx).await;
    second_active_key(&api).await;
    let es = api
        .get("/realms/acme/keys?filter[algorithm]=ES256&filter[status]=active&sort=createdAt")
        .await;
    assert_eq!(es.total(), 2);
}

/// Deletes the active ES256 key of realm `acme` other than `key_id`.
async fn delete_the_other_active_key(api: &Api<impl App>, key_id: &str) -> u16 {
    let es = api
        .get("/realms/acme/keys?filter[algorithm]=ES256&filter[status]=active")
        .await;
    let old = es.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] != key_id)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.delete(format!("/keys/{old}")).await.status
}

async fn an_active_key_goes_while_another_remains(fx: Fixture) {
    let api = admin(&fx).await;
    let key_id = second_active_key(&api).await;
    assert_eq!(delete_the_other_active_key(&api, &key_id).await, 202);
}

async fn the_last_active_key_cannot_be_disabled(fx: Fixture) {
    let api = admin(&fx).await;
    let key_id = second_active_key(&api).await;
    assert_eq!(delete_the_other_active_key(&api, &key_id).await, 202);
    let err = api
        .post_json(format!("/keys/{key_id}"), &json!({"status": "disabled"}))
        .await;
    assert_eq!(
        (err.status, err.field()),
        (400, Some("status")),
        "{}",
        err.json
    );
}

async fn an_activated_key_is_published(fx: Fixture) {
    let api = admin(&fx).await;
    let key_id = second_active_key(&api).await;
    let jwks = api.anonymous().get("/realms/acme/jwks").await;
    let published = jwks.json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["kid"] == key_id.as_str());
    assert!(published, "{}", jwks.json);
    assert_nothing_secret(&api, &[]);
}
