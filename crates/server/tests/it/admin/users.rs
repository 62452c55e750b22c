//! Users through the admin API: created without ever showing a password, unique per realm,
//! validated field by field, paged, filtered and sorted, read by id or by name within their
//! realm, updated and deleted.

use serde_json::json;

use super::{acme, admin, assert_nothing_secret, user};
use crate::support::{Api, App, Fixture, both_backends};

both_backends!(
    a_created_user_never_shows_its_password,
    a_user_name_is_taken_once_per_realm,
    an_invalid_user_is_400_naming_the_field,
    users_are_paged_and_sorted,
    users_are_filtered_by_email,
    users_are_never_filtered_by_password,
    a_user_is_read_by_name_within_its_realm_only,
    an_updated_user_answers_its_new_fields,
    an_unknown_user_id_is_404,
    a_deleted_user_is_gone,
);

/// Realm `acme` with users carol, alice and bob (created in that order); answers alice's id.
async fn three_users(api: &Api<impl App>) -> String {
    let realm_id = acme(api).await;
    let mut alice = String::new();
    for name in ["carol", "alice", "bob"] {
        let id = user(api, &realm_id, name).await;
        if name == "alice" {
            alice = id;
        }
    }
    alice
}

async fn a_created_user_never_shows_its_password(fx: Fixture) {
    let api = admin(&fx).await;
    let realm_id = acme(&api).await;
    let created = api
        .post_json(
            "/users",
            &json!({
                "name": "alice", "realmId": realm_id, "email": "alice@acme.test",
                "password": "correct horse battery"
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let data = &created.json["data"];
    assert!(data.get("password").is_none() && data.get("passwordHash").is_none());
    api.get("/realms/acme/users").await;
    assert_nothing_secret(&api, &[]);
}

async fn a_user_name_is_taken_once_per_realm(fx: Fixture) {
    let api = admin(&fx).await;
    three_users(&api).await;
    let dup = api
        .post_json("/realms/acme/users", &json!({"name": "bob"}))
        .await;
    assert_eq!(dup.status, 409, "{}", dup.json);
}

async fn an_invalid_user_is_400_naming_the_field(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    for (body, field) in [
        (json!({"name": "dave", "password": "short"}), "password"),
        (json!({"name": "dave", "email": "not-an-address"}), "email"),
        (json!({"name": ""}), "name"),
        (json!({"name": "dave", "isAdmin": true}), "isAdmin"),
        (json!({"name": 5}), "name"),
        (json!([1, 2]), "body"),
    ] {
        let err = api.post_json("/realms/acme/users", &body).await;
        assert_eq!(
            (err.status, err.field()),
            (400, Some(field)),
            "{body} -> {}",
            err.json
        );
    }
}

async fn users_are_paged_and_sorted(fx: Fixture) {
    let api = admin(&fx).await;
    three_users(&api).await;
    let page = api
        .get("/realms/acme/users?sort=-name&page[limit]=2&page[offset]=0")
        .await;
    assert_eq!(page.status, 200, "{}", page.json);
    assert_eq!(
        page.json["meta"],
        json!({"limit": 2, "offset": 0, "total": 3})
    );
    assert_eq!(page.names(), ["carol", "bob"]);
}

async fn users_are_filtered_by_email(fx: Fixture) {
    let api = admin(&fx).await;
    let alice = three_users(&api).await;
    let page = api
        .get("/realms/acme/users?filter[email]=alice@acme.test")
        .await;
    assert_eq!(page.total(), 1);
    assert_eq!(page.json["data"][0]["id"].as_str(), Some(alice.as_str()));
}

async fn users_are_never_filtered_by_password(fx: Fixture) {
    let api = admin(&fx).await;
    let err = api.get("/users?filter[password]=x").await;
    assert_eq!((err.status, err.field()), (400, Some("filter[password]")));
}

async fn a_user_is_read_by_name_within_its_realm_only(fx: Fixture) {
    let api = admin(&fx).await;
    let alice = three_users(&api).await;
    let by_name = api.get("/realms/acme/users/alice").await;
    assert_eq!(
        (by_name.status, by_name.json["data"]["id"].as_str()),
        (200, Some(alice.as_str()))
    );
    let elsewhere = api.get("/realms/master/users/alice").await;
    assert_eq!(elsewhere.status, 404, "alice is not in master");
}

async fn an_updated_user_answers_its_new_fields(fx: Fixture) {
    let api = admin(&fx).await;
    let alice = three_users(&api).await;
    let updated = api
        .post_json(
            format!("/users/{alice}"),
            &json!({"displayName": "Alice A.", "lastName": null}),
        )
        .await;
    assert_eq!(
        (updated.status, updated.json["data"]["displayName"].as_str()),
        (202, Some("Alice A."))
    );
}

async fn an_unknown_user_id_is_404(fx: Fixture) {
    let api = admin(&fx).await;
    let unknown = api.get(format!("/users/{}", uuid::Uuid::nil())).await;
    assert_eq!(unknown.status, 404);
}

async fn a_deleted_user_is_gone(fx: Fixture) {
    let api = admin(&fx).await;
    let alice = three_users(&api).await;
    let gone = api.delete(format!("/users/{alice}")).await;
    assert_eq!(
        (gone.status, gone.json["data"]["name"].as_str()),
        (202, Some("alice"))
    );
    assert_eq!(api.get(format!("/users/{alice}")).await.status, 404);
    assert_nothing_secret(&api, &[]);
}
