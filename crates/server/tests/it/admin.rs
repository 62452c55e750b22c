//! The admin API through actix's test service, on SQLite and on PostgreSQL: CRUD of every
//! resource, paging, filtering and sorting, the permission matrix, secrets never in a response,
//! random bodies on every write endpoint, and the OpenAPI document against the routes.

use actix_web::test;
use serde_json::{Value, json};

use crate::support::{Fixture, basic, fixture, form, send};

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

    // Permissions and scopes change and go; assignments are deleted one by one.
    let (s, _, p) = call!(
        &app,
        seen,
        post,
        format!("/permissions/{permission_id}"),
        t,
        json!({"description": null})
    );
    assert_eq!((s, p["data"]["description"].is_null()), (202, true));
    let (s, _, sc) = call!(
        &app,
        seen,
        post,
        format!("/scopes/{scope_id}"),
        t,
        json!({"description": "Docs"})
    );
    assert_eq!((s, sc["data"]["description"].as_str()), (202, Some("Docs")));
    let (_, _, grants) = call!(
        &app,
        seen,
        get,
        format!("/client-permissions?filter[clientId]={client_id}"),
        t
    );
    let grant = grants["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        call!(
            &app,
            seen,
            delete,
            format!("/client-permissions/{grant}"),
            t
        )
        .0,
        202
    );
    assert_eq!(
        call!(&app, seen, get, format!("/client-permissions/{grant}"), t).0,
        404
    );
    assert_eq!(
        call!(
            &app,
            seen,
            delete,
            format!("/permissions/{permission_id}"),
            t
        )
        .0,
        202
    );
    let (_, _, left) = call!(
        &app,
        seen,
        get,
        format!("/user-permissions?filter[permissionId]={permission_id}"),
        t
    );
    assert_eq!(
        left["meta"]["total"], 0,
        "deleting a permission removes its grants"
    );
    assert_eq!(
        call!(&app, seen, delete, format!("/scopes/{scope_id}"), t).0,
        202
    );
    let builtin_permission = call!(&app, seen, get, "/permissions/user_read", t).2;
    assert_eq!(
        call!(
            &app,
            seen,
            delete,
            format!("/permissions/{}", id(&builtin_permission)),
            t
        )
        .0,
        400
    );

    // Sessions and consents: listed, then ended or withdrawn.
    let alice = uuid::Uuid::parse_str(&alice_id).unwrap();
    let acme = uuid::Uuid::parse_str(&realm_id).unwrap();
    let session = oauth_core::model::Session {
        id: uuid::Uuid::from_u128(0x5e55_1010),
        token_hash: oauth_core::hash::TokenHash::of("a cookie"),
        realm_id: acme,
        user_id: alice,
        auth_time: crate::support::now(),
        created_at: crate::support::now(),
        expires_at: crate::support::now() + 600,
        revoked_at: None,
    };
    fx.store.create_session(&session).unwrap();
    let consent = oauth_core::model::Consent {
        id: uuid::Uuid::from_u128(0xc0_25e27),
        realm_id: acme,
        user_id: alice,
        client_id: uuid::Uuid::parse_str(&client_id).unwrap(),
        scope: "global".into(),
        created_at: crate::support::now(),
    };
    fx.store.save_consent(&consent).unwrap();
    let (s, _, sessions) = call!(&app, seen, get, "/realms/acme/sessions", t);
    assert_eq!(
        (s, sessions["meta"]["total"].as_u64()),
        (200, Some(1)),
        "{sessions}"
    );
    assert_eq!(
        call!(&app, seen, delete, format!("/sessions/{}", session.id), t).0,
        202
    );
    let (_, _, ended) = call!(&app, seen, get, format!("/sessions/{}", session.id), t);
    assert!(ended["data"]["revokedAt"].is_i64(), "{ended}");
    let (s, _, consents) = call!(
        &app,
        seen,
        get,
        format!("/consents?filter[userId]={alice_id}"),
        t
    );
    assert_eq!(
        (s, consents["data"][0]["scope"].as_str()),
        (200, Some("global")),
        "{consents}"
    );
    assert_eq!(
        call!(&app, seen, delete, format!("/consents/{}", consent.id), t).0,
        202
    );
    assert!(
        fx.store
            .find_consent(alice, consent.client_id)
            .unwrap()
            .is_none()
    );

    // Events.
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

crate::support::both_backends!(audited: crud_of_every_resource);

#[actix_web::test]
async fn the_permission_matrix() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let seen = Seen::default();
    let admin = password_token(&app, "master", "admin", "start123").await;
    let a = Some(admin.as_str());
    for name in ["alpha", "beta"] {
        assert_eq!(
            call!(&app, seen, post, "/realms", a, json!({"name": name})).0,
            201
        );
    }
    let user = |realm: &'static str, name: &'static str| {
        let body = json!({"name": name, "password": "a long enough password"});
        (realm, body)
    };
    let mut ids = std::collections::HashMap::new();
    for (realm, body) in [
        user("alpha", "ra"),
        user("alpha", "plain"),
        user("alpha", "granter"),
        user("beta", "bu"),
    ] {
        let (s, _, created) = call!(
            &app,
            seen,
            post,
            format!("/realms/{realm}/users"),
            a,
            body.clone()
        );
        assert_eq!(s, 201, "{created}");
        ids.insert(body["name"].as_str().unwrap().to_owned(), id(&created));
    }
    let realm_admin = id(&call!(&app, seen, get, "/realms/alpha/roles/realm_admin", a).2);
    let (s, _, _) = call!(
        &app,
        seen,
        post,
        "/user-roles",
        a,
        json!({"userId": ids["ra"], "roleId": realm_admin})
    );
    assert_eq!(s, 201);
    let grant_perm = id(&call!(&app, seen, get, "/permissions/user_role_create", a).2);
    let (s, _, _) = call!(
        &app,
        seen,
        post,
        "/user-permissions",
        a,
        json!({"userId": ids["granter"], "permissionId": grant_perm})
    );
    assert_eq!(s, 201);
    let (_, _, svc) = call!(
        &app,
        seen,
        post,
        "/realms/alpha/clients",
        a,
        json!({"name": "svc", "firstParty": true})
    );
    let (svc_id, svc_secret) = (id(&svc), svc["data"]["secret"].as_str().unwrap().to_owned());
    let (_, _, bare) = call!(
        &app,
        seen,
        post,
        "/realms/alpha/clients",
        a,
        json!({"name": "bare", "firstParty": true})
    );
    let (bare_id, bare_secret) = (
        id(&bare),
        bare["data"]["secret"].as_str().unwrap().to_owned(),
    );
    let user_read = id(&call!(&app, seen, get, "/permissions/user_read", a).2);
    let (s, _, _) = call!(
        &app,
        seen,
        post,
        "/client-permissions",
        a,
        json!({"clientId": svc_id, "permissionId": user_read})
    );
    assert_eq!(s, 201);

    let ra = password_token(&app, "alpha", "ra", "a long enough password").await;
    let plain = password_token(&app, "alpha", "plain", "a long enough password").await;
    let granter = password_token(&app, "alpha", "granter", "a long enough password").await;
    let (_, svc_token) = client_token(&app, "alpha", &svc_id, &svc_secret).await;
    let svc = svc_token["access_token"].as_str().unwrap().to_owned();
    let (_, bare_token) = client_token(&app, "alpha", &bare_id, &bare_secret).await;
    let bare = bare_token["access_token"].as_str().unwrap().to_owned();
    let bu = ids["bu"].clone();
    let beta_id = id(&call!(&app, seen, get, "/realms/beta", a).2);
    let ra_id = ids["ra"].clone();

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
        let token = match who {
            "admin" => Some(admin.as_str()),
            "realm admin" => Some(ra.as_str()),
            "plain user" => Some(plain.as_str()),
            "granter" => Some(granter.as_str()),
            "client with user_read" => Some(svc.as_str()),
            "bare client" => Some(bare.as_str()),
            "garbage" => Some("not.a.token"),
            _ => None,
        };
        let mut req = match method {
            "GET" => test::TestRequest::get(),
            "POST" => test::TestRequest::post(),
            _ => test::TestRequest::delete(),
        }
        .uri(&path);
        if let Some(token) = token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        if let Some(body) = body {
            req = req.set_json(body);
        }
        let (status, headers, answer) = send(&app, req).await;
        assert_eq!(status, expected, "{who} {method} {path}: {answer}");
        if status == 401 {
            let challenge = headers.get("www-authenticate").unwrap().to_str().unwrap();
            assert!(challenge.starts_with("Bearer"), "{challenge}");
        }
    }

    // What a realm admin and a client see in lists is their realm only.
    for token in [&ra, &svc] {
        let (_, _, users) = call!(
            &app,
            seen,
            get,
            "/users?page[limit]=1000",
            Some(token.as_str())
        );
        let realms: std::collections::BTreeSet<&str> = users["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["realmId"].as_str().unwrap())
            .collect();
        assert_eq!(realms.len(), 1, "{users}");
    }
    let (_, _, realms) = call!(&app, seen, get, "/realms", Some(ra.as_str()));
    assert_eq!(realms["meta"]["total"], 1);
    assert_eq!(realms["data"][0]["name"], "alpha");
}

/// A path of the document with `{id}` replaced: a record of that resource in realm `fuzz` when
/// one exists (found through the collection), else the nil UUID.
async fn concrete<S, B>(app: &S, token: &str, path: &str) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let Some((collection, rest)) = path.split_once("/{id}") else {
        return path.to_owned();
    };
    let req = test::TestRequest::get()
        .uri(&format!("{collection}?page[limit]=1000"))
        .insert_header(("authorization", format!("Bearer {token}")));
    let (_, _, list) = send(app, req).await;
    let record = list["data"].as_array().and_then(|items| {
        items
            .iter()
            .rev()
            .find(|r| r["builtIn"] != true && r["name"] != "admin" && r["name"] != "master")
            .cloned()
    });
    let id = record
        .and_then(|r| r["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| uuid::Uuid::nil().to_string());
    format!("{collection}/{id}{rest}")
}

async fn fuzz_world<S, B>(app: &S, token: &str)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let seen = Seen::default();
    let t = Some(token);
    assert_eq!(
        call!(app, seen, post, "/realms", t, json!({"name": "fuzz"})).0,
        201
    );
    let user = id(&call!(
        app,
        seen,
        post,
        "/realms/fuzz/users",
        t,
        json!({"name": "u"})
    )
    .2);
    let client = id(&call!(
        app,
        seen,
        post,
        "/realms/fuzz/clients",
        t,
        json!({"name": "c"})
    )
    .2);
    let role = id(&call!(
        app,
        seen,
        post,
        "/realms/fuzz/roles",
        t,
        json!({"name": "r"})
    )
    .2);
    let scope = id(&call!(
        app,
        seen,
        post,
        "/realms/fuzz/scopes",
        t,
        json!({"name": "s"})
    )
    .2);
    let permission = id(&call!(
        app,
        seen,
        post,
        "/permissions",
        t,
        json!({"name": "fuzz_p"})
    )
    .2);
    for (path, body) in [
        ("/user-roles", json!({"userId": user, "roleId": role})),
        (
            "/role-permissions",
            json!({"roleId": role, "permissionId": permission}),
        ),
        (
            "/user-permissions",
            json!({"userId": user, "permissionId": permission}),
        ),
        (
            "/client-permissions",
            json!({"clientId": client, "permissionId": permission}),
        ),
        (
            "/client-scopes",
            json!({"clientId": client, "scopeId": scope}),
        ),
    ] {
        assert_eq!(call!(app, seen, post, path, t, body).0, 201, "{path}");
    }
    assert_eq!(
        call!(
            app,
            seen,
            post,
            "/realms/fuzz/keys",
            t,
            json!({"algorithm": "RS256"})
        )
        .0,
        201
    );
}

fn sample(schema: &Value) -> String {
    if let Some(values) = schema["enum"].as_array() {
        return values[0].as_str().unwrap().to_owned();
    }
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), Some("uuid")) => uuid::Uuid::nil().to_string(),
        (Some("boolean"), _) => "true".into(),
        (Some("integer"), _) => "1".into(),
        _ => "x".into(),
    }
}

#[actix_web::test]
async fn every_documented_route_answers_as_documented() {
    let fx = fixture().with_audit();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = password_token(&app, "master", "admin", "start123").await;
    fuzz_world(&app, &admin).await;
    let (status, _, doc) = send(&app, test::TestRequest::get().uri("/openapi.json")).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc,
        serde_json::from_str::<Value>(portcullis_server::admin::openapi::document()).unwrap(),
        "the served document is the one `portcullis openapi` prints"
    );
    let mut operations = 0;
    let mut list_variants = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let documented: Vec<u16> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.parse().unwrap())
                .collect();
            let uri = concrete(&app, &admin, path).await;
            let mut requests = Vec::new();
            match method.as_str() {
                "get" => {
                    requests.push(uri.clone());
                    for p in op["parameters"].as_array().into_iter().flatten() {
                        if p["in"] == "query" {
                            let name = p["name"].as_str().unwrap();
                            let values: Vec<String> = match p["schema"]["enum"].as_array() {
                                Some(all) => {
                                    all.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
                                }
                                None => vec![sample(&p["schema"])],
                            };
                            for value in values {
                                requests.push(format!("{uri}?{name}={value}"));
                                list_variants += 1;
                            }
                        }
                    }
                }
                _ => requests.push(uri.clone()),
            }
            for uri in requests {
                let mut req = match method.as_str() {
                    "get" => test::TestRequest::get(),
                    "post" => test::TestRequest::post().set_json(json!({})),
                    "delete" => test::TestRequest::delete(),
                    other => panic!("undocumented method {other}"),
                }
                .uri(&uri)
                .insert_header(("authorization", format!("Bearer {admin}")));
                if method == "delete" {
                    req = req.uri(&format!(
                        "{}/{}",
                        path.split("/{id}").next().unwrap(),
                        uuid::Uuid::nil()
                    ));
                }
                let (status, _, body) = send(&app, req).await;
                assert!(
                    documented.contains(&status),
                    "{method} {uri}: {status} is not documented ({documented:?}): {body}"
                );
                if method == "get"
                    && (!path.contains("{id}") || !uri.contains(&uuid::Uuid::nil().to_string()))
                {
                    assert_eq!(status, 200, "GET {uri}: {body}");
                }
            }
            // Without a token every operation answers the documented 401.
            let anonymous = match method.as_str() {
                "get" => test::TestRequest::get(),
                "post" => test::TestRequest::post().set_json(json!({})),
                _ => test::TestRequest::delete(),
            }
            .uri(&uri);
            assert_eq!(send(&app, anonymous).await.0, 401, "{method} {uri}");
        }
    }
    assert!(operations >= 60, "{operations} operations");
    assert!(list_variants >= 100, "{list_variants} list variants");
    let (status, headers, _) = send(&app, test::TestRequest::get().uri("/docs")).await;
    assert_eq!(status, 200);
    assert!(headers.get("content-security-policy").is_some());
    let html = test::read_body(
        test::call_service(&app, test::TestRequest::get().uri("/docs").to_request()).await,
    )
    .await;
    let html = String::from_utf8(html.to_vec()).unwrap();
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(
            html.contains(&path.replace('/', "&#x2f;")),
            "/docs lacks {path}"
        );
    }
}

/// Random JSON: any shape, with the field names the endpoints know mixed in.
fn arbitrary_json(keys: Vec<String>) -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        Just(json!("x".repeat(5000))),
        Just(json!(uuid::Uuid::nil())),
        Just(json!("https://app.test/cb")),
        Just(json!("ES256")),
        Just(json!("'; DROP TABLE users; --")),
        Just(json!("{{ 7*7 }}")),
    ];
    let key = prop_oneof![proptest::sample::select(keys), "[a-zA-Z]{1,8}",];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[actix_web::test]
async fn random_bodies_on_every_write_endpoint_get_2xx_or_4xx() {
    use proptest::strategy::{Strategy, ValueTree};
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = password_token(&app, "master", "admin", "start123").await;
    fuzz_world(&app, &admin).await;
    let doc: Value = serde_json::from_str(portcullis_server::admin::openapi::document()).unwrap();
    let keys: Vec<String> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|s| {
            s["properties"]
                .as_object()
                .into_iter()
                .flat_map(|p| p.keys().cloned())
        })
        .collect();
    let strategy = arbitrary_json(keys).prop_map(|v| match v {
        Value::Object(_) => v,
        other => json!({ "name": other }),
    });
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut sent = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("post").is_none() {
            continue;
        }
        let uri = concrete(&app, &admin, path).await;
        for _ in 0..40 {
            let body = strategy.new_tree(&mut runner).unwrap().current();
            let req = test::TestRequest::post()
                .uri(&uri)
                .insert_header(("authorization", format!("Bearer {admin}")))
                .set_json(&body);
            let (status, _, answer) = send(&app, req).await;
            assert!(
                (200..500).contains(&status),
                "POST {uri} {body}: {status} {answer}"
            );
            sent += 1;
        }
    }
    assert!(sent >= 600, "{sent} bodies sent");
    let (status, _, _) = send(&app, test::TestRequest::get().uri("/health/ready")).await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn protocol_events_are_audited() {
    let fx = fixture().with_audit();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = password_token(&app, "master", "admin", "start123").await;
    let bad = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "wrong"),
    ]);
    assert_eq!(send(&app, bad).await.0, 400);
    let (client_id, secret) = fx.client(
        "master",
        oauth_core::provision::NewClient {
            name: "svc".into(),
            ..Default::default()
        },
    );
    assert_eq!(
        client_token(&app, "master", &client_id, secret.as_deref().unwrap())
            .await
            .0,
        200
    );
    let login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    let (_, _, tokens) = send(&app, login).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let rotate = || {
        form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
        ])
    };
    assert_eq!(send(&app, rotate()).await.0, 200);
    assert_eq!(send(&app, rotate()).await.0, 400, "replay");

    let expected = [
        ("login", true, 2),
        ("login", false, 1),
        ("token_issued", true, 4), // repeats within a write batch fold into one counted record
        ("refresh_reuse", false, 1),
    ];
    let mut events = Value::Null;
    for _ in 0..100 {
        let req = test::TestRequest::get()
            .uri("/events?page[limit]=100&sort=createdAt")
            .insert_header(("authorization", format!("Bearer {admin}")));
        events = send(&app, req).await.2;
        let counted: u64 = events["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["count"].as_u64().unwrap_or(0))
            .sum();
        if counted >= 8 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let all = events["data"].as_array().unwrap();
    for (name, success, count) in expected {
        let found: u64 = all
            .iter()
            .filter(|e| e["name"] == name && e["success"] == success)
            .map(|e| e["count"].as_u64().unwrap())
            .sum();
        assert_eq!(found, count, "{name} {success}: {events}");
    }
    let failed = all
        .iter()
        .find(|e| e["name"] == "login" && e["success"] == false)
        .unwrap();
    assert_eq!(failed["actorId"], "admin", "the name given is recorded");
    let mut issued: Vec<&str> = all
        .iter()
        .filter(|e| e["name"] == "token_issued")
        .flat_map(|e| {
            let n = e["count"].as_u64().unwrap() as usize;
            std::iter::repeat_n(e["detail"].as_str().unwrap(), n)
        })
        .collect();
    issued.sort_unstable();
    assert_eq!(
        issued,
        [
            "client_credentials",
            "password",
            "password",
            "refresh_token"
        ]
    );
    let cc = all
        .iter()
        .find(|e| e["detail"] == "client_credentials")
        .unwrap();
    assert_eq!(
        (cc["actorType"].as_str(), cc["actorId"].as_str()),
        (Some("client"), Some(client_id.as_str()))
    );
    assert!(!events.to_string().contains("wrong") && !events.to_string().contains("start123"));
}
