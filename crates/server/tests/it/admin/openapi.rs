//! The OpenAPI document against the routes: every documented operation answers only documented
//! statuses (with every list parameter), `/docs` lists every path, and random JSON bodies on every
//! write endpoint get a 2xx or a 4xx, never a 5xx.

use actix_web::test;
use serde_json::{Value, json};

use crate::support::{Api, App, Response, fixture};

/// A path of the document with `{id}` replaced: a record of that resource in realm `fuzz` when
/// one exists (found through the collection), else the nil UUID.
async fn concrete(api: &Api<impl App>, path: &str) -> String {
    let Some((collection, rest)) = path.split_once("/{id}") else {
        return path.to_owned();
    };
    let list = api.get(format!("{collection}?page[limit]=1000")).await;
    let record = list.json["data"].as_array().and_then(|items| {
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

/// Creates `body` at `path`; answers its id.
async fn create(api: &Api<impl App>, path: &str, body: Value) -> String {
    let created = api.post_json(path, &body).await;
    assert_eq!(created.status, 201, "{path}: {}", created.json);
    created.id()
}

/// Realm `fuzz` with one record of every resource and every assignment kind.
async fn fuzz_world(api: &Api<impl App>) {
    create(api, "/realms", json!({"name": "fuzz"})).await;
    let user = create(api, "/realms/fuzz/users", json!({"name": "u"})).await;
    let client = create(api, "/realms/fuzz/clients", json!({"name": "c"})).await;
    let role = create(api, "/realms/fuzz/roles", json!({"name": "r"})).await;
    let scope = create(api, "/realms/fuzz/scopes", json!({"name": "s"})).await;
    let permission = create(api, "/permissions", json!({"name": "fuzz_p"})).await;
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
        create(api, path, body).await;
    }
    create(api, "/realms/fuzz/keys", json!({"algorithm": "RS256"})).await;
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
    let api = fx.api().await.admin().await;
    fuzz_world(&api).await;
    let answer = api.anonymous().get("/openapi.json").await;
    assert_eq!(answer.status, 200);
    let doc = answer.json;
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
            let uri = concrete(&api, path).await;
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
                    "put" => test::TestRequest::put().set_json(json!({})),
                    "delete" => test::TestRequest::delete(),
                    other => panic!("undocumented method {other}"),
                }
                .uri(&uri);
                if method == "delete" {
                    req = req.uri(&format!(
                        "{}/{}",
                        path.split("/{id}").next().unwrap(),
                        uuid::Uuid::nil()
                    ));
                }
                let Response {
                    status, json: body, ..
                } = api.request(req).await;
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
                "put" => test::TestRequest::put().set_json(json!({})),
                _ => test::TestRequest::delete(),
            }
            .uri(&uri);
            let status = api.anonymous().request(anonymous).await.status;
            assert_eq!(status, 401, "{method} {uri}");
        }
    }
    assert!(operations >= 60, "{operations} operations");
    assert!(list_variants >= 100, "{list_variants} list variants");
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let docs = test::call_service(&app, test::TestRequest::get().uri("/docs").to_request()).await;
    assert_eq!(docs.status(), 200);
    assert!(docs.headers().get("content-security-policy").is_some());
    let html = test::read_body(docs).await;
    crate::support::observe(&html);
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
    let api = fx.api().await.admin().await;
    fuzz_world(&api).await;
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
        let uri = concrete(&api, path).await;
        for _ in 0..40 {
            let body = strategy.new_tree(&mut runner).unwrap().current();
            let answer = api.post_json(&uri, &body).await;
            assert!(
                (200..500).contains(&answer.status),
                "POST {uri} {body}: {} {}",
                answer.status,
                answer.json
            );
            sent += 1;
        }
    }
    assert!(sent >= 600, "{sent} bodies sent");
    assert_eq!(api.anonymous().get("/health/ready").await.status, 200);
}
