//! Every JSON error body carries Authup's `statusCode`, `code` and `message` beside RFC 6749's
//! `error` and `error_description` (DESIGN §3.4 "Wire details"), as `application/json`: one
//! error of each kind the server answers, on SQLite and PostgreSQL.

use actix_web::test::{self, TestRequest};
use serde_json::json;

use crate::support::{Fixture, form, send};

async fn every_error_carries_authups_fields(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    let (_, _, tokens) = send(&app, login).await;
    let admin = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let cases: Vec<(&str, TestRequest, u16, &str)> = vec![
        (
            "token, wrong password",
            form(&[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", "wrong-password"),
            ]),
            400,
            "invalid_grant",
        ),
        (
            "token, unknown client",
            form(&[("grant_type", "client_credentials")])
                .insert_header(("authorization", "Basic bm9ib2R5Om5vdGhpbmc=")),
            401,
            "invalid_client",
        ),
        (
            "token, GET",
            TestRequest::get().uri("/token"),
            405,
            "invalid_request",
        ),
        (
            "unknown endpoint",
            TestRequest::get().uri("/nowhere"),
            404,
            "not_found",
        ),
        (
            "unknown kid",
            TestRequest::get().uri("/jwks/nope"),
            404,
            "not_found",
        ),
        (
            "admin, no token",
            TestRequest::get().uri("/users"),
            401,
            "invalid_token",
        ),
        (
            "admin, bad field",
            TestRequest::post()
                .uri("/realms")
                .insert_header(("authorization", admin.as_str()))
                .set_json(json!({"name": "a/b"})),
            400,
            "invalid_request",
        ),
        (
            "introspection, bad bearer",
            TestRequest::post()
                .uri("/token/introspect")
                .insert_header(("authorization", "Bearer not-a-token"))
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload("token=x"),
            401,
            "invalid_token",
        ),
        (
            "userinfo, bad bearer",
            TestRequest::get()
                .uri("/userinfo")
                .insert_header(("authorization", "Bearer not-a-token")),
            401,
            "invalid_token",
        ),
        (
            "CORS preflight, unregistered origin",
            TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri("/token")
                .insert_header(("origin", "https://evil.example.net"))
                .insert_header(("access-control-request-method", "POST")),
            403,
            "origin_not_allowed",
        ),
    ];
    for (what, req, status, code) in cases {
        let (got, headers, body) = send(&app, req).await;
        assert_eq!(got, status, "{what}: {body}");
        let content_type = headers.get("content-type").unwrap().to_str().unwrap();
        assert!(
            content_type.starts_with("application/json"),
            "{what}: {content_type}"
        );
        assert_eq!(body["error"], code, "{what}: {body}");
        assert_eq!(body["statusCode"], status, "{what}: {body}");
        assert_eq!(body["code"], body["error"], "{what}: {body}");
        assert_eq!(body["message"], body["error_description"], "{what}: {body}");
        assert!(
            !body["message"].as_str().unwrap().is_empty(),
            "{what}: {body}"
        );
    }
}

crate::support::both_backends!(every_error_carries_authups_fields);
