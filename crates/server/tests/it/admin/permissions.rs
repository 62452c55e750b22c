//! The permission matrix of the admin API: who (the admin, a realm admin, a plain user, a user
//! who may only grant roles, a client holding `user_read`, a bare client, nobody, a garbage token)
//! may do what where, and what a realm-confined principal sees in lists.

use serde_json::{Value, json};

use crate::support::{Api, App, fixture};

/// Creates `body` at `path` as the client's principal; answers its id.
async fn create(api: &Api<impl App>, path: &str, body: Value) -> String {
    let created = api.post_json(path, &body).await;
    assert_eq!(created.status, 201, "{path}: {}", created.json);
    created.id()
}

/// A client's bearer token through the client credentials grant.
async fn client_access(api: &Api<impl App>, id: &str, secret: &str) -> String {
    let answer = api.client_token("alpha", id, secret).await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    answer.json["access_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn the_permission_matrix() {
    let fx = fixture();
    let api = fx.api().await.admin().await;
    for name in ["alpha", "beta"] {
        create(&api, "/realms", json!({"name": name})).await;
    }
    let mut ids = std::collections::HashMap::new();
    for (realm, name) in [
        ("alpha", "ra"),
        ("alpha", "plain"),
        ("alpha", "granter"),
        ("beta", "bu"),
    ] {
        let body = json!({"name": name, "password": "a long enough password"});
        let id = create(&api, &format!("/realms/{realm}/users"), body).await;
        ids.insert(name, id);
    }
    let realm_admin = api.get("/realms/alpha/roles/realm_admin").await.id();
    let assign = json!({"userId": ids["ra"], "roleId": realm_admin});
    create(&api, "/user-roles", assign).await;
    let grant_perm = api.get("/permissions/user_role_create").await.id();
    let grant = json!({"userId": ids["granter"], "permissionId": grant_perm});
    create(&api, "/user-permissions", grant).await;
    let mut clients = Vec::new();
    for name in ["svc", "bare"] {
        let client = api
            .post_json(
                "/realms/alpha/clients",
                &json!({"name": name, "firstParty": true}),
            )
            .await;
        let secret = client.json["data"]["secret"].as_str().unwrap().to_owned();
        clients.push((client.id(), secret));
    }
    let [(svc_id, svc_secret), (bare_id, bare_secret)] = clients.try_into().unwrap();
    let user_read = api.get("/permissions/user_read").await.id();
    let read = json!({"clientId": svc_id, "permissionId": user_read});
    create(&api, "/client-permissions", read).await;

    let password = "a long enough password";
    let ra = api.login("alpha", "ra", password).await;
    let plain = api.login("alpha", "plain", password).await;
    let granter = api.login("alpha", "granter", password).await;
    let svc = client_access(&api, &svc_id, &svc_secret).await;
    let bare = client_access(&api, &bare_id, &bare_secret).await;
    let bu = ids["bu"].clone();
    let beta_id = api.get("/realms/beta").await.id();
    let ra_id = ids["ra"].clone();
    let admin = api.login("master", "admin", "start123").await;

    // (who, method, path, body, expected status)
    let matrix: Vec<(&str, &str, String, Option<Value>, u16)> = vec![
        ("admin", "GET", "/realms/beta/users".into(), None, 200),
        ("admin", "GET", format!("/users/{bu}"), None, 200),
        (
            "admin",
            "POST",
            "/realms/beta/roles".into(),
            Some(json!({"name": "r1"})),
            201,
        ),
        (
            "realm admin",
            "GET",
            "/realms/alpha/users".into(),
            None,
            200,
        ),
        (
            "realm admin",
            "POST",
            "/realms/alpha/users".into(),
            Some(json!({"name": "new1"})),
            201,
        ),
        ("realm admin", "GET", "/realms/beta/users".into(), None, 403),
        ("realm admin", "GET", format!("/users/{bu}"), None, 403),
        (
            "realm admin",
            "POST",
            format!("/users/{bu}"),
            Some(json!({"displayName": "x"})),
            403,
        ),
        ("realm admin", "DELETE", format!("/users/{bu}"), None, 403),
        (
            "realm admin",
            "POST",
            "/realms/beta/users".into(),
            Some(json!({"name": "x"})),
            403,
        ),
        (
            "realm admin",
            "POST",
            "/users".into(),
            Some(json!({"name": "x", "realmId": beta_id})),
            403,
        ),
        (
            "realm admin",
            "POST",
            "/realms".into(),
            Some(json!({"name": "gamma"})),
            403,
        ),
        ("realm admin", "DELETE", "/realms/alpha".into(), None, 403),
        (
            "realm admin",
            "POST",
            "/permissions".into(),
            Some(json!({"name": "mine"})),
            403,
        ),
        ("realm admin", "GET", "/permissions".into(), None, 200),
        ("plain user", "GET", "/users".into(), None, 403),
        ("plain user", "GET", "/users/@me".into(), None, 200),
        (
            "plain user",
            "POST",
            "/users/@me".into(),
            Some(json!({"displayName": "Me"})),
            202,
        ),
        (
            "plain user",
            "POST",
            "/users/@me".into(),
            Some(json!({"active": false})),
            403,
        ),
        ("plain user", "DELETE", "/users/@me".into(), None, 403),
        ("plain user", "GET", format!("/users/{ra_id}"), None, 403),
        ("plain user", "GET", "/clients".into(), None, 403),
        (
            "granter",
            "POST",
            "/user-roles".into(),
            Some(json!({"userId": ids["granter"], "roleId": realm_admin})),
            403,
        ),
        ("client with user_read", "GET", "/users".into(), None, 200),
        (
            "client with user_read",
            "GET",
            format!("/users/{bu}"),
            None,
            403,
        ),
        (
            "client with user_read",
            "POST",
            "/users".into(),
            Some(json!({"name": "x"})),
            403,
        ),
        (
            "client with user_read",
            "GET",
            "/users/@me".into(),
            None,
            404,
        ),
        ("bare client", "GET", "/users".into(), None, 403),
        ("bare client", "GET", "/consents".into(), None, 403),
        ("plain user", "GET", "/consents".into(), None, 200),
        ("plain user", "GET", "/sessions".into(), None, 403),
        ("nobody", "GET", "/users".into(), None, 401),
        ("garbage", "GET", "/users".into(), None, 401),
    ];
    for (who, method, path, body, expected) in matrix {
        let caller = match who {
            "admin" => api.with_token(&admin),
            "realm admin" => api.with_token(&ra),
            "plain user" => api.with_token(&plain),
            "granter" => api.with_token(&granter),
            "client with user_read" => api.with_token(&svc),
            "bare client" => api.with_token(&bare),
            "garbage" => api.with_token("not.a.token"),
            _ => api.anonymous(),
        };
        let answer = match (method, body) {
            ("GET", _) => caller.get(&path).await,
            ("POST", Some(body)) => caller.post_json(&path, &body).await,
            ("POST", None) => caller.post(&path).await,
            _ => caller.delete(&path).await,
        };
        assert_eq!(
            answer.status, expected,
            "{who} {method} {path}: {}",
            answer.json
        );
        if answer.status == 401 {
            let challenge = answer.headers.get("www-authenticate").unwrap();
            let challenge = challenge.to_str().unwrap();
            assert!(challenge.starts_with("Bearer"), "{challenge}");
        }
    }

    // What a realm admin and a client see in lists is their realm only.
    for token in [&ra, &svc] {
        let users = api.with_token(token).get("/users?page[limit]=1000").await;
        let realms: std::collections::BTreeSet<&str> = users.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["realmId"].as_str().unwrap())
            .collect();
        assert_eq!(realms.len(), 1, "{}", users.json);
    }
    let realms = api.with_token(&ra).get("/realms").await;
    assert_eq!(realms.total(), 1);
    assert_eq!(realms.names(), ["alpha"]);
}
