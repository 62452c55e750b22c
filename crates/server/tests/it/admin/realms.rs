//! Realms through the admin API: creation provisions a realm's keys, scopes and `realm_admin`
//! role; names are unique, validated and never change; deleting a realm deletes what is in it.

use serde_json::json;

use super::{acme, admin, assert_nothing_secret, backend};
use crate::support::{Fixture, both_backends};

both_backends!(
    a_new_realm_answers_201_with_its_display_name,
    a_realm_name_is_taken_once,
    a_realm_name_with_a_slash_is_400_naming_the_name,
    a_new_realm_gets_the_realm_admin_role_five_scopes_and_two_keys,
    a_realms_access_token_lifetime_changes,
    a_realms_name_never_changes,
    deleting_a_realm_deletes_its_clients,
    the_master_realm_cannot_be_deleted,
);

async fn a_new_realm_answers_201_with_its_display_name(fx: Fixture) {
    let api = admin(&fx).await;
    let realm = api
        .post_json("/realms", &json!({"name": "acme", "displayName": "Acme"}))
        .await;
    assert_eq!(realm.status, 201, "{}", realm.json);
    assert_eq!(realm.json["data"]["displayName"], "Acme");
    assert_nothing_secret(&api, &[]);
}

async fn a_realm_name_is_taken_once(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let dup = api.post_json("/realms", &json!({"name": "acme"})).await;
    assert_eq!(dup.status, 409, "{}", dup.json);
}

async fn a_realm_name_with_a_slash_is_400_naming_the_name(fx: Fixture) {
    let api = admin(&fx).await;
    let bad = api.post_json("/realms", &json!({"name": "a/b"})).await;
    assert_eq!(
        (bad.status, bad.field()),
        (400, Some("name")),
        "{}",
        bad.json
    );
}

async fn a_new_realm_gets_the_realm_admin_role_five_scopes_and_two_keys(fx: Fixture) {
    let api = admin(&fx).await;
    let realm_id = acme(&api).await;
    let roles = api.get("/realms/acme/roles").await;
    assert_eq!(roles.total(), 1);
    assert_eq!(roles.names(), ["realm_admin"]);
    assert_eq!(api.get("/realms/acme/scopes?sort=name").await.total(), 5);
    let keys = api.get(format!("/keys?filter[realmId]={realm_id}")).await;
    assert_eq!(keys.total(), 2, "{}", keys.json);
    assert_nothing_secret(&api, &[]);
}

async fn a_realms_access_token_lifetime_changes(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let updated = api
        .post_json("/realms/acme", &json!({"accessTokenLifetime": 600}))
        .await;
    assert_eq!(
        (
            updated.status,
            updated.json["data"]["accessTokenLifetime"].as_i64()
        ),
        (202, Some(600))
    );
}

async fn a_realms_name_never_changes(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let renamed = api
        .post_json("/realms/acme", &json!({"name": "renamed"}))
        .await;
    assert_eq!(renamed.status, 400, "names never change");
}

async fn deleting_a_realm_deletes_its_clients(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let (client_id, _) = backend(&api).await;
    assert_eq!(api.delete("/realms/acme").await.status, 202);
    assert_eq!(api.get(format!("/clients/{client_id}")).await.status, 404);
}

async fn the_master_realm_cannot_be_deleted(fx: Fixture) {
    let api = admin(&fx).await;
    assert_eq!(api.delete("/realms/master").await.status, 400);
}
