//! Clients through the admin API: the secret is shown once, at creation and at regeneration,
//! and a regenerated secret replaces the old one; grant types and redirect URIs are validated.

use serde_json::json;

use super::{acme, admin, assert_nothing_secret, backend};
use crate::support::{Fixture, both_backends};

both_backends!(
    a_client_secret_is_shown_once,
    a_regenerated_client_secret_replaces_the_old_one,
    a_client_with_an_unknown_grant_type_is_400_naming_grant_types,
    a_client_with_an_invalid_redirect_uri_is_400_naming_it,
    a_client_becomes_public_with_auth_method_none,
);

async fn a_client_secret_is_shown_once(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let (client_id, secret) = backend(&api).await;
    let read = api.get(format!("/clients/{client_id}")).await;
    assert!(read.json["data"].get("secret").is_none(), "{}", read.json);
    let token = api.client_token("acme", &client_id, &secret).await;
    assert_eq!(token.status, 200, "the secret shown works");
    api.get("/realms/acme/clients").await;
    assert_nothing_secret(&api, &[&secret]);
}

async fn a_regenerated_client_secret_replaces_the_old_one(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let (client_id, secret) = backend(&api).await;
    let regenerated = api.post(format!("/clients/{client_id}/secret")).await;
    assert_eq!(regenerated.status, 202, "{}", regenerated.json);
    let new_secret = regenerated.json["data"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let old = api.client_token("acme", &client_id, &secret).await;
    assert_eq!(old.status, 401, "the old secret stops working");
    let new = api.client_token("acme", &client_id, &new_secret).await;
    assert_eq!(new.status, 200);
    api.get(format!("/clients/{client_id}")).await;
    assert_nothing_secret(&api, &[&secret, &new_secret]);
}

async fn a_client_with_an_unknown_grant_type_is_400_naming_grant_types(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let err = api
        .post_json(
            "/realms/acme/clients",
            &json!({"name": "x", "grantTypes": "implicit"}),
        )
        .await;
    assert_eq!((err.status, err.field()), (400, Some("grantTypes")));
}

async fn a_client_with_an_invalid_redirect_uri_is_400_naming_it(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let err = api
        .post_json(
            "/realms/acme/clients",
            &json!({"name": "x", "redirectUri": "not a uri"}),
        )
        .await;
    assert_eq!((err.status, err.field()), (400, Some("redirectUri")));
}

async fn a_client_becomes_public_with_auth_method_none(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let (client_id, _) = backend(&api).await;
    let public = api
        .post_json(
            format!("/clients/{client_id}"),
            &json!({"authMethod": "none"}),
        )
        .await;
    assert_eq!(
        (public.status, public.json["data"]["authMethod"].as_str()),
        (202, Some("none"))
    );
}
