//! Hostile and malformed requests to `/token`: each gets a 4xx with an RFC 6749 error body, none a
//! 5xx, and the server keeps answering normally afterwards; on SQLite and on PostgreSQL.

use actix_web::test;

use crate::support::{Fixture, form, send};

fn raw(content_type: Option<&str>, body: Vec<u8>) -> test::TestRequest {
    let req = test::TestRequest::post().uri("/token").set_payload(body);
    match content_type {
        Some(ct) => req.insert_header(("content-type", ct)),
        None => req,
    }
}

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

crate::support::both_backends!(malformed_requests_get_precise_4xx_errors);

async fn malformed_requests_get_precise_4xx_errors(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let huge = format!(
        "grant_type=password&username=admin&password={}",
        "x".repeat(70 * 1024)
    );
    let cases: Vec<(&str, test::TestRequest, u16, &str)> = vec![
        ("empty body", raw(FORM, vec![]), 400, "invalid_request"),
        (
            "no grant_type",
            raw(FORM, b"username=admin".to_vec()),
            400,
            "invalid_request",
        ),
        (
            "duplicate grant_type",
            raw(
                FORM,
                b"grant_type=password&grant_type=password&username=a&password=b".to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            "duplicate password",
            raw(
                FORM,
                b"grant_type=password&username=a&password=b&password=c".to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            "unknown grant",
            raw(FORM, b"grant_type=urn:evil".to_vec()),
            400,
            "unsupported_grant_type",
        ),
        (
            "implicit",
            raw(FORM, b"grant_type=implicit".to_vec()),
            400,
            "unsupported_grant_type",
        ),
        (
            "missing username",
            raw(FORM, b"grant_type=password&password=x".to_vec()),
            400,
            "invalid_request",
        ),
        (
            "missing refresh_token",
            raw(FORM, b"grant_type=refresh_token".to_vec()),
            400,
            "invalid_request",
        ),
        (
            "invalid utf-8",
            raw(
                FORM,
                b"grant_type=password&username=\xff\xfe&password=x".to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            "invalid percent utf-8",
            raw(
                FORM,
                b"grant_type=password&username=%C3%28&password=x".to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            "bad scope characters",
            raw(
                FORM,
                b"grant_type=password&username=a&password=b&scope=%22".to_vec(),
            ),
            400,
            "invalid_scope",
        ),
        (
            "oversized body",
            raw(FORM, huge.into_bytes()),
            413,
            "invalid_request",
        ),
        (
            "text/plain",
            raw(Some("text/plain"), b"grant_type=password".to_vec()),
            400,
            "invalid_request",
        ),
        (
            "no content type",
            raw(None, b"grant_type=password".to_vec()),
            400,
            "invalid_request",
        ),
        (
            "multipart",
            raw(Some("multipart/form-data; boundary=x"), b"--x--".to_vec()),
            400,
            "invalid_request",
        ),
        (
            "broken json",
            raw(Some("application/json"), b"{\"grant_type\":".to_vec()),
            400,
            "invalid_request",
        ),
        (
            "json array",
            raw(Some("application/json"), b"[]".to_vec()),
            400,
            "invalid_request",
        ),
        (
            "json nested",
            raw(
                Some("application/json"),
                br#"{"grant_type":{"a":1}}"#.to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            "bad basic base64",
            form(&[("grant_type", "client_credentials")])
                .insert_header(("authorization", "Basic %%%")),
            400,
            "invalid_request",
        ),
        (
            "basic without colon",
            form(&[("grant_type", "client_credentials")])
                .insert_header(("authorization", "Basic aWQ=")),
            400,
            "invalid_request",
        ),
        (
            "basic empty id",
            form(&[("grant_type", "client_credentials")])
                .insert_header(("authorization", "Basic OnNlY3JldA==")),
            400,
            "invalid_request",
        ),
        (
            "bearer scheme",
            form(&[("grant_type", "client_credentials")])
                .insert_header(("authorization", "Bearer abc")),
            400,
            "invalid_request",
        ),
        (
            "unknown client",
            form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", "x"),
            ]),
            401,
            "invalid_client",
        ),
        (
            "unknown refresh token",
            form(&[("grant_type", "refresh_token"), ("refresh_token", "nope")]),
            400,
            "invalid_grant",
        ),
        (
            "bad realm_id",
            form(&[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
                ("realm_id", "zzz"),
            ]),
            400,
            "invalid_request",
        ),
        (
            "NUL in username",
            raw(
                FORM,
                b"grant_type=password&username=a%00b&password=x".to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            "NUL in client_id",
            raw(
                FORM,
                b"grant_type=client_credentials&client_id=%00&client_secret=x".to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            "NUL in json realm_name",
            raw(
                Some("application/json"),
                br#"{"grant_type":"password","username":"a","password":"b","realm_name":"\u0000"}"#
                    .to_vec(),
            ),
            400,
            "invalid_request",
        ),
        (
            "overlong username",
            form(&[
                ("grant_type", "password"),
                ("username", &"u".repeat(300)),
                ("password", "b"),
            ]),
            400,
            "invalid_request",
        ),
        (
            "overlong password",
            form(&[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", &"p".repeat(2000)),
            ]),
            400,
            "invalid_request",
        ),
    ];
    for (name, req, status, error) in cases {
        let (got, headers, body) = send(&app, req).await;
        assert_eq!(got, status, "{name}: {body}");
        assert_eq!(body["error"], error, "{name}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name}"
        );
        assert_eq!(headers.get("cache-control").unwrap(), "no-store", "{name}");
    }
    let get = test::TestRequest::get().uri("/token");
    let (status, _, body) = send(&app, get).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (405, Some("invalid_request"))
    );

    // The server is unharmed.
    let ok = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    assert_eq!(send(&app, ok).await.0, 200);
}
