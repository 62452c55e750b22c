//! The admin API through actix's test service, on SQLite and on PostgreSQL: CRUD of every
//! resource, paging, filtering and sorting, the permission matrix, secrets never in a response,
//! random bodies on every write endpoint, and the OpenAPI document against the routes.

use actix_web::test;
use serde_json::{Value, json};

use crate::support::{Fixture, basic, fixture, fixture_postgres, form, send};

/// Every response body the scenario saw, to scan for secrets afterwards.
type Seen = std::cell::RefCell<Vec<String>>;

macro_rules! call {
    ($app:expr, $seen:expr, $method:ident, $uri:expr, $token:expr $(, $body:expr)?) => {{
        let mut req = test::TestRequest::$method().uri(&$uri);
        if let Some(token) = $token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        $( req = req.set_json($body); )?
        let (status, headers, body) = send($app, req).await;
        $seen.borrow_mut().push(body.to_string());
        (status, headers, body)
    }};
}

async fn password_token<S, B>(app: &S, realm: &str, user: &str, password: &str) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let req = form(&[
        ("grant_type", "password"),
        ("username", user),
        ("password", password),
    ])
    .uri(&format!("/realms/{realm}/token"));
    let (status, _, body) = send(app, req).await;
    assert_eq!(status, 200, "login {user}@{realm}: {body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn client_token<S, B>(app: &S, realm: &str, id: &str, secret: &str) -> (u16, Value)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let req = form(&[("grant_type", "client_credentials")])
        .uri(&format!("/realms/{realm}/token"))
        .insert_header(("authorization", basic(id, secret)));
    let (status, _, body) = send(app, req).await;
    (status, body)
}

fn id(body: &Value) -> String {
    body["data"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {body}"))
        .to_owned()
}

async fn crud_of_every_resource(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let seen = Seen::default();
    let admin = password_token(&app, "master", "admin", "start123").await;
    let t = Some(admin.as_str());

    // Realms: creation provisions keys, scopes and realm_admin.
    let (s, _, realm) = call!(
        &app,
        seen,
        post,
        "/realms",
        t,
        json!({"name": "acme", "displayName": "Acme"})
    );
    assert_eq!(s, 201, "{realm}");
    let realm_id = id(&realm);
    assert_eq!(realm["data"]["displayName"], "Acme");
    let (s, _, dup) = call!(&app, seen, post, "/realms", t, json!({"name": "acme"}));
    assert_eq!(s, 409, "{dup}");
    let (s, _, bad) = call!(&app, seen, post, "/realms", t, json!({"name": "a/b"}));
    assert_eq!((s, bad["field"].as_str()), (400, Some("name")), "{bad}");
    let (_, _, roles) = call!(&app, seen, get, "/realms/acme/roles", t);
    assert_eq!(roles["meta"]["total"], 1);
    assert_eq!(roles["data"][0]["name"], "realm_admin");
    let (_, _, scopes) = call!(&app, seen, get, "/realms/acme/scopes?sort=name", t);
    assert_eq!(scopes["meta"]["total"], 5);
    let (_, _, keys) = call!(
        &app,
        seen,
        get,
        format!("/keys?filter[realmId]={realm_id}"),
        t
    );
    assert_eq!(keys["meta"]["total"], 2, "{keys}");
    let (s, _, updated) = call!(
        &app,
        seen,
        post,
        "/realms/acme",
        t,
        json!({"accessTokenLifetime": 600})
    );
    assert_eq!(
        (s, updated["data"]["accessTokenLifetime"].as_i64()),
        (202, Some(600))
    );
    let (s, _, _) = call!(
        &app,
        seen,
        post,
        "/realms/acme",
        t,
        json!({"name": "renamed"})
    );
    assert_eq!(s, 400, "names never change");

    // Users: create, duplicate, validation, paging, filter, sort, read by id and by name, update.
    for name in ["carol", "alice", "bob"] {
        let (s, _, user) = call!(
            &app,
            seen,
            post,
            "/users",
            t,
            json!({
                "name": name, "realmId": realm_id, "email": format!("{name}@acme.test"),
                "password": "correct horse battery"
            })
        );
        assert_eq!(s, 201, "{user}");
        assert!(
            user["data"].get("password").is_none() && user["data"].get("passwordHash").is_none()
        );
    }
    let (s, _, dup) = call!(
        &app,
        seen,
        post,
        "/realms/acme/users",
        t,
        json!({"name": "bob"})
    );
    assert_eq!(s, 409, "{dup}");
    for (body, field) in [
        (json!({"name": "dave", "password": "short"}), "password"),
        (json!({"name": "dave", "email": "not-an-address"}), "email"),
        (json!({"name": ""}), "name"),
        (json!({"name": "dave", "isAdmin": true}), "isAdmin"),
        (json!({"name": 5}), "name"),
        (json!([1, 2]), "body"),
    ] {
        let (s, _, err) = call!(&app, seen, post, "/realms/acme/users", t, body.clone());
        assert_eq!(
            (s, err["field"].as_str()),
            (400, Some(field)),
            "{body} -> {err}"
        );
    }
    let (s, _, page) = call!(
        &app,
        seen,
        get,
        "/realms/acme/users?sort=-name&page[limit]=2&page[offset]=0",
        t
    );
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["meta"], json!({"limit": 2, "offset": 0, "total": 3}));
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["carol", "bob"]);
    let (_, _, page) = call!(
        &app,
        seen,
        get,
        "/realms/acme/users?filter[email]=alice@acme.test",
        t
    );
    assert_eq!(page["meta"]["total"], 1);
    let alice_id = page["data"][0]["id"].as_str().unwrap().to_owned();
    let (s, _, err) = call!(&app, seen, get, "/users?filter[password]=x", t);
    assert_eq!((s, err["field"].as_str()), (400, Some("filter[password]")));
    let (s, _, by_name) = call!(&app, seen, get, "/realms/acme/users/alice", t);
    assert_eq!(
        (s, by_name["data"]["id"].as_str()),
        (200, Some(alice_id.as_str()))
    );
    let (s, _, _) = call!(&app, seen, get, "/realms/master/users/alice", t);
    assert_eq!(s, 404, "alice is not in master");
    let (s, _, upd) = call!(
        &app,
        seen,
        post,
        format!("/users/{alice_id}"),
        t,
        json!({"displayName": "Alice A.", "lastName": null})
    );
    assert_eq!(
        (s, upd["data"]["displayName"].as_str()),
        (202, Some("Alice A."))
    );
    let (s, _, _) = call!(&app, seen, get, format!("/users/{}", uuid::Uuid::nil()), t);
    assert_eq!(s, 404);

    // Clients: the secret once; regeneration replaces it.
    let (s, _, client) = call!(
        &app,
        seen,
        post,
        "/realms/acme/clients",
        t,
        json!({
            "name": "backend", "redirectUri": "https://app.test/cb", "grantTypes": "client_credentials"
        })
    );
    assert_eq!(s, 201, "{client}");
    assert_eq!(client["data"]["authMethod"], "secret");
    let client_id = id(&client);
    let secret = client["data"]["secret"].as_str().unwrap().to_owned();
    let (_, _, read) = call!(&app, seen, get, format!("/clients/{client_id}"), t);
    assert!(read["data"].get("secret").is_none(), "{read}");
    assert_eq!(client_token(&app, "acme", &client_id, &secret).await.0, 200);
    let (s, _, regenerated) = call!(&app, seen, post, format!("/clients/{client_id}/secret"), t);
    assert_eq!(s, 202, "{regenerated}");
    let new_secret = regenerated["data"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        client_token(&app, "acme", &client_id, &secret).await.0,
        401,
        "the old secret stops working"
    );
    assert_eq!(
        client_token(&app, "acme", &client_id, &new_secret).await.0,
        200
    );
    let (s, _, err) = call!(
        &app,
        seen,
        post,
        "/realms/acme/clients",
        t,
        json!({"name": "x", "grantTypes": "implicit"})
    );
    assert_eq!((s, err["field"].as_str()), (400, Some("grantTypes")));
    let (s, _, err) = call!(
        &app,
        seen,
        post,
        "/realms/acme/clients",
        t,
        json!({"name": "x", "redirectUri": "not a uri"})
    );
    assert_eq!((s, err["field"].as_str()), (400, Some("redirectUri")));
    let (s, _, public) = call!(
        &app,
        seen,
        post,
        format!("/clients/{client_id}"),
        t,
        json!({"authMethod": "none"})
    );
    assert_eq!(
        (s, public["data"]["authMethod"].as_str()),
        (202, Some("none"))
    );

    // Roles, permissions, scopes and every assignment kind.
    let (s, _, role) = call!(
        &app,
        seen,
        post,
        "/realms/acme/roles",
        t,
        json!({"name": "editor"})
    );
    assert_eq!(s, 201, "{role}");
    let role_id = id(&role);
    let (s, _, permission) = call!(
        &app,
        seen,
        post,
        "/permissions",
        t,
        json!({"name": "doc_edit", "description": "edit docs"})
    );
    assert_eq!(s, 201, "{permission}");
    let permission_id = id(&permission);
    let (s, _, scope) = call!(
        &app,
        seen,
        post,
        "/realms/acme/scopes",
        t,
        json!({"name": "docs:read"})
    );
    assert_eq!(s, 201, "{scope}");
    let scope_id = id(&scope);
    let (s, _, _) = call!(
        &app,
        seen,
        post,
        "/realms/acme/scopes",
        t,
        json!({"name": "two words"})
    );
    assert_eq!(s, 400);
    for (path, body) in [
        (
            "/role-permissions",
            json!({"roleId": role_id, "permissionId": permission_id}),
        ),
        (
            "/user-roles",
            json!({"userId": alice_id, "roleId": role_id}),
        ),
        (
            "/user-permissions",
            json!({"userId": alice_id, "permissionId": permission_id}),
        ),
        (
            "/client-permissions",
            json!({"clientId": client_id, "permissionId": permission_id}),
        ),
        (
            "/client-scopes",
            json!({"clientId": client_id, "scopeId": scope_id}),
        ),
    ] {
        let (s, _, created) = call!(&app, seen, post, path, t, body.clone());
        assert_eq!(s, 201, "{path}: {created}");
        assert_eq!(created["data"]["realmId"].as_str(), Some(realm_id.as_str()));
        let (s, _, _) = call!(&app, seen, post, path, t, body.clone());
        assert_eq!(s, 409, "{path} twice");
        let (_, _, list) = call!(
            &app,
            seen,
            get,
            format!("/realms/acme{path}?filter[id]={}", id(&created)),
            t
        );
        assert_eq!(
            list["meta"]["total"],
            1,
            "{path}: {}",
            list.to_string().chars().take(300).collect::<String>()
        );
        let (s, _, _) = call!(
            &app,
            seen,
            post,
            format!("{path}/{}", id(&created)),
            t,
            json!({})
        );
        assert_eq!(s, 405, "{path}: assignments are not updated");
    }
    let master_role = call!(&app, seen, get, "/realms/master/roles/admin", t).2;
    let (s, _, err) = call!(
        &app,
        seen,
        post,
        "/user-roles",
        t,
        json!({"userId": alice_id, "roleId": id(&master_role)})
    );
    assert_eq!(
        (s, err["field"].as_str()),
        (400, Some("roleId")),
        "a role of another realm: {err}"
    );
    let (s, _, _) = call!(&app, seen, delete, format!("/roles/{role_id}"), t);
    assert_eq!(s, 202);
    let (_, _, list) = call!(&app, seen, get, "/realms/acme/user-roles", t);
    assert_eq!(
        list["meta"]["total"], 0,
        "deleting the role removed its assignments"
    );
    let builtin = call!(&app, seen, get, "/realms/acme/roles/realm_admin", t).2;
    let (s, _, _) = call!(&app, seen, delete, format!("/roles/{}", id(&builtin)), t);
    assert_eq!(s, 400, "built-in roles stay");

    // Keys: generated passive, activated, the last active key cannot go.
    let (s, _, key) = call!(
        &app,
        seen,
        post,
        "/realms/acme/keys",
        t,
        json!({"algorithm": "ES256"})
    );
    assert_eq!(
        (s, key["data"]["status"].as_str()),
        (201, Some("passive")),
        "{key}"
    );
    assert_eq!(key["data"]["publicJwk"]["kty"], "EC");
    let key_id = id(&key);
    let (s, _, _) = call!(
        &app,
        seen,
        post,
        format!("/keys/{key_id}"),
        t,
        json!({"status": "active"})
    );
    assert_eq!(s, 202);
    let (_, _, es) = call!(
        &app,
        seen,
        get,
        "/realms/acme/keys?filter[algorithm]=ES256&filter[status]=active&sort=createdAt",
        t
    );
    assert_eq!(es["meta"]["total"], 2);
    let old = es["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] != key_id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _, _) = call!(&app, seen, delete, format!("/keys/{old}"), t);
    assert_eq!(s, 202);
    let (s, _, err) = call!(
        &app,
        seen,
        post,
        format!("/keys/{key_id}"),
        t,
        json!({"status": "disabled"})
    );
    assert_eq!((s, err["field"].as_str()), (400, Some("status")), "{err}");
    let (_, _, jwks) = call!(&app, seen, get, "/realms/acme/jwks", None::<&str>);
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == key_id.as_str())
    );

    // Sessions and events.
    let (s, _, sessions) = call!(&app, seen, get, "/sessions", t);
    assert_eq!((s, sessions["meta"]["total"].as_u64()), (200, Some(0)));
    let mut events = Value::Null;
    for _ in 0..50 {
        events = call!(
            &app,
            seen,
            get,
            "/events?filter[name]=user_create&sort=-createdAt",
            t
        )
        .2;
        if events["meta"]["total"].as_u64() >= Some(3) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(events["meta"]["total"], 3, "{events}");
    assert_eq!(events["data"][0]["actorType"], "user");
    assert_eq!(events["data"][0]["targetType"], "user");

    // Delete a user, then the realm with everything in it; master stays.
    let (s, _, gone) = call!(&app, seen, delete, format!("/users/{alice_id}"), t);
    assert_eq!((s, gone["data"]["name"].as_str()), (202, Some("alice")));
    let (s, _, _) = call!(&app, seen, get, format!("/users/{alice_id}"), t);
    assert_eq!(s, 404);
    let (s, _, _) = call!(&app, seen, delete, "/realms/acme", t);
    assert_eq!(s, 202);
    let (s, _, _) = call!(&app, seen, get, format!("/clients/{client_id}"), t);
    assert_eq!(s, 404);
    let (s, _, _) = call!(&app, seen, delete, "/realms/master", t);
    assert_eq!(s, 400);

    // Nothing secret in any answer but the two that hand out a client secret.
    for body in seen.borrow().iter() {
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
        let secrets = body.contains(&secret) as u8 + body.contains(&new_secret) as u8;
        assert!(
            secrets == 0 || body.contains("\"authMethod\":\"secret\""),
            "{body}"
        );
    }
}

#[actix_web::test]
async fn crud_of_every_resource_on_sqlite() {
    crud_of_every_resource(fixture().with_audit()).await;
}

#[actix_web::test]
async fn crud_of_every_resource_on_postgres() {
    crud_of_every_resource(fixture_postgres().with_audit()).await;
}
