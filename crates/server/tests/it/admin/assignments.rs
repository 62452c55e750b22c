//! Roles, permissions, scopes and the five assignment kinds through the admin API: an assignment
//! is made once, carries its realm, is listed and deleted by id and never updated; deleting a role
//! or permission removes its assignments; built-in roles and permissions stay.

use serde_json::{Value, json};

use super::{acme, admin, assert_nothing_secret, backend, user};
use crate::support::{Api, App, Fixture, both_backends};

both_backends!(
    a_scope_name_with_a_space_is_400,
    every_assignment_kind_carries_its_realm,
    an_assignment_is_made_once,
    an_assignment_is_listed_by_its_id,
    an_assignment_is_never_updated,
    a_role_of_another_realm_cannot_be_assigned,
    deleting_a_role_removes_its_assignments,
    a_built_in_role_cannot_be_deleted,
    a_permissions_description_can_be_cleared,
    a_scopes_description_changes,
    an_assignment_is_deleted_by_its_id,
    deleting_a_permission_removes_its_grants,
    a_scope_can_be_deleted,
    a_built_in_permission_cannot_be_deleted,
);

/// Realm `acme` with user alice, client backend, role editor, permission doc_edit and scope
/// docs:read.
struct World {
    realm: String,
    alice: String,
    client: String,
    role: String,
    permission: String,
    scope: String,
}

async fn world(api: &Api<impl App>) -> World {
    let realm = acme(api).await;
    let alice = user(api, &realm, "alice").await;
    let (client, _) = backend(api).await;
    let mut created = Vec::new();
    for (path, body) in [
        ("/realms/acme/roles", json!({"name": "editor"})),
        (
            "/permissions",
            json!({"name": "doc_edit", "description": "edit docs"}),
        ),
        ("/realms/acme/scopes", json!({"name": "docs:read"})),
    ] {
        let answer = api.post_json(path, &body).await;
        assert_eq!(answer.status, 201, "{path}: {}", answer.json);
        created.push(answer.id());
    }
    let [role, permission, scope] = created.try_into().unwrap();
    World {
        realm,
        alice,
        client,
        role,
        permission,
        scope,
    }
}

/// Each assignment kind's collection and a body assigning within `w`.
fn assignments(w: &World) -> [(&'static str, Value); 5] {
    [
        (
            "/role-permissions",
            json!({"roleId": w.role, "permissionId": w.permission}),
        ),
        ("/user-roles", json!({"userId": w.alice, "roleId": w.role})),
        (
            "/user-permissions",
            json!({"userId": w.alice, "permissionId": w.permission}),
        ),
        (
            "/client-permissions",
            json!({"clientId": w.client, "permissionId": w.permission}),
        ),
        (
            "/client-scopes",
            json!({"clientId": w.client, "scopeId": w.scope}),
        ),
    ]
}

/// Makes every assignment of [`assignments`]; answers (collection, body, id) of each.
async fn assign_all(api: &Api<impl App>, w: &World) -> Vec<(&'static str, Value, String)> {
    let mut made = Vec::new();
    for (path, body) in assignments(w) {
        let created = api.post_json(path, &body).await;
        assert_eq!(created.status, 201, "{path}: {}", created.json);
        let id = created.id();
        made.push((path, created.json, id));
    }
    made
}

async fn a_scope_name_with_a_space_is_400(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let bad = api
        .post_json("/realms/acme/scopes", &json!({"name": "two words"}))
        .await;
    assert_eq!(bad.status, 400);
}

async fn every_assignment_kind_carries_its_realm(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    for (path, created, _) in assign_all(&api, &w).await {
        assert_eq!(
            created["data"]["realmId"].as_str(),
            Some(w.realm.as_str()),
            "{path}"
        );
    }
    api.get("/realms/acme/client-scopes").await;
    assert_nothing_secret(&api, &[]);
}

async fn an_assignment_is_made_once(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    assign_all(&api, &w).await;
    for (path, body) in assignments(&w) {
        assert_eq!(api.post_json(path, &body).await.status, 409, "{path} twice");
    }
}

async fn an_assignment_is_listed_by_its_id(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    for (path, _, id) in assign_all(&api, &w).await {
        let list = api.get(format!("/realms/acme{path}?filter[id]={id}")).await;
        assert_eq!(list.total(), 1, "{path}");
    }
}

async fn an_assignment_is_never_updated(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    for (path, _, id) in assign_all(&api, &w).await {
        let update = api.post_json(format!("{path}/{id}"), &json!({})).await;
        assert_eq!(update.status, 405, "{path}: assignments are not updated");
    }
}

async fn a_role_of_another_realm_cannot_be_assigned(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    let master_role = api.get("/realms/master/roles/admin").await.id();
    let err = api
        .post_json(
            "/user-roles",
            &json!({"userId": w.alice, "roleId": master_role}),
        )
        .await;
    assert_eq!(
        (err.status, err.field()),
        (400, Some("roleId")),
        "a role of another realm: {}",
        err.json
    );
}

async fn deleting_a_role_removes_its_assignments(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    assign_all(&api, &w).await;
    assert_eq!(api.delete(format!("/roles/{}", w.role)).await.status, 202);
    let left = api.get("/realms/acme/user-roles").await;
    assert_eq!(left.total(), 0, "deleting the role removed its assignments");
}

async fn a_built_in_role_cannot_be_deleted(fx: Fixture) {
    let api = admin(&fx).await;
    acme(&api).await;
    let builtin = api.get("/realms/acme/roles/realm_admin").await.id();
    let delete = api.delete(format!("/roles/{builtin}")).await;
    assert_eq!(delete.status, 400, "built-in roles stay");
}

async fn a_permissions_description_can_be_cleared(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    let p = api
        .post_json(
            format!("/permissions/{}", w.permission),
            &json!({"description": null}),
        )
        .await;
    assert_eq!(
        (p.status, p.json["data"]["description"].is_null()),
        (202, true)
    );
}

async fn a_scopes_description_changes(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    let sc = api
        .post_json(
            format!("/scopes/{}", w.scope),
            &json!({"description": "Docs"}),
        )
        .await;
    assert_eq!(
        (sc.status, sc.json["data"]["description"].as_str()),
        (202, Some("Docs"))
    );
}

async fn an_assignment_is_deleted_by_its_id(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    assign_all(&api, &w).await;
    let grants = api
        .get(format!("/client-permissions?filter[clientId]={}", w.client))
        .await;
    let grant = grants.json["data"][0]["id"].as_str().unwrap().to_owned();
    let deleted = api.delete(format!("/client-permissions/{grant}")).await;
    assert_eq!(deleted.status, 202);
    let read = api.get(format!("/client-permissions/{grant}")).await;
    assert_eq!(read.status, 404);
}

async fn deleting_a_permission_removes_its_grants(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    assign_all(&api, &w).await;
    let deleted = api.delete(format!("/permissions/{}", w.permission)).await;
    assert_eq!(deleted.status, 202);
    let left = api
        .get(format!(
            "/user-permissions?filter[permissionId]={}",
            w.permission
        ))
        .await;
    assert_eq!(left.total(), 0, "deleting a permission removes its grants");
}

async fn a_scope_can_be_deleted(fx: Fixture) {
    let api = admin(&fx).await;
    let w = world(&api).await;
    assign_all(&api, &w).await;
    assert_eq!(api.delete(format!("/scopes/{}", w.scope)).await.status, 202);
}

async fn a_built_in_permission_cannot_be_deleted(fx: Fixture) {
    let api = admin(&fx).await;
    let builtin = api.get("/permissions/user_read").await.id();
    let delete = api.delete(format!("/permissions/{builtin}")).await;
    assert_eq!(delete.status, 400);
}
