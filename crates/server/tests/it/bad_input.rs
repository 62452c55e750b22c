//! Control characters (NUL and U+0001) in every text input of every endpoint: each is `400`
//! naming the field, on SQLite and on PostgreSQL (which refuses NUL in text and used to answer
//! `503`), and the server keeps serving. The attacker holds nothing but an HTTP client (and, for
//! the admin API, an admin's token); they must not make the database fail.

use actix_web::test;
use base64::Engine;

use crate::support::{Fixture, form, send, urlencode};

/// The two hostile characters tried in every field.
const BAD: [&str; 2] = ["a\u{0}b", "\u{1}"];

fn form_to(uri: &str, pairs: &[(&str, &str)]) -> test::TestRequest {
    form(pairs).uri(uri)
}

fn query(uri: &str, pairs: &[(&str, &str)]) -> test::TestRequest {
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    test::TestRequest::get().uri(&format!("{uri}?{}", q.join("&")))
}

/// `pairs` with `name` set to `value` (replaced or added).
fn with(
    pairs: &[(&'static str, &'static str)],
    name: &'static str,
    value: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| *k != name)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.push((name.to_owned(), value.to_owned()));
    out
}

fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// (endpoint, base parameters, the parameters to poison, sent as a form body or a query).
type Endpoint = (
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
    bool,
);

const ENDPOINTS: [Endpoint; 9] = [
    (
        "/token",
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ],
        &[
            "grant_type",
            "username",
            "password",
            "scope",
            "client_id",
            "client_secret",
            "realm_id",
            "realm_name",
        ],
        true,
    ),
    (
        "/realms/master/token",
        &[("grant_type", "client_credentials")],
        &["client_id", "client_secret", "scope"],
        true,
    ),
    (
        "/token",
        &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        &["refresh_token"],
        true,
    ),
    (
        "/token",
        &[
            ("grant_type", "authorization_code"),
            ("code", "c"),
            ("redirect_uri", "https://a/cb"),
            ("client_id", "x"),
        ],
        &["code", "redirect_uri", "code_verifier"],
        true,
    ),
    (
        "/token/introspect",
        &[("token", "t")],
        &["token", "token_type_hint", "client_id", "client_secret"],
        true,
    ),
    (
        "/token/revoke",
        &[("token", "t"), ("client_id", "x")],
        &["token", "token_type_hint", "client_id"],
        true,
    ),
    (
        "/authorize",
        &[
            ("response_type", "code"),
            ("client_id", "x"),
            ("redirect_uri", "https://a/cb"),
        ],
        &[
            "response_type",
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "nonce",
            "code_challenge",
            "code_challenge_method",
            "prompt",
            "login_hint",
            "max_age",
        ],
        false,
    ),
    ("/userinfo", &[], &["access_token"], false),
    (
        "/logout",
        &[],
        &[
            "id_token_hint",
            "post_logout_redirect_uri",
            "state",
            "client_id",
        ],
        false,
    ),
];

async fn admin_token<S, B>(app: &S) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    let (status, _, body) = send(app, login).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// Every case: (label, request, the field the answer must name).
fn cases(admin: &str) -> Vec<(String, test::TestRequest, String)> {
    let mut out = Vec::new();
    for bad in BAD {
        for (uri, base, poisoned, as_form) in ENDPOINTS {
            for name in poisoned {
                let pairs = with(base, name, bad);
                let pairs = borrowed(&pairs);
                let req = if as_form {
                    form_to(uri, &pairs)
                } else {
                    query(uri, &pairs)
                };
                out.push((format!("{uri} {name}={bad:?}"), req, name.to_string()));
                if as_form {
                    let json: serde_json::Map<String, serde_json::Value> = pairs
                        .iter()
                        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
                        .collect();
                    let req = test::TestRequest::post()
                        .uri(uri)
                        .insert_header(("content-type", "application/json"))
                        .set_payload(serde_json::Value::Object(json).to_string());
                    out.push((format!("{uri} json {name}={bad:?}"), req, name.to_string()));
                }
            }
        }
        let enc = urlencode(bad);
        // The login form, posted.
        for name in ["username", "password", "csrf_token", "client_id"] {
            let pairs = with(
                &[
                    ("username", "admin"),
                    ("password", "x"),
                    ("csrf_token", "c"),
                    ("client_id", "x"),
                    ("response_type", "code"),
                ],
                name,
                bad,
            );
            out.push((
                format!("login {name}={bad:?}"),
                form_to("/authorize/login", &borrowed(&pairs)),
                name.to_owned(),
            ));
        }
        // Basic credentials, percent-encoded and raw inside the base64.
        for credentials in [
            format!("{enc}:secret"),
            format!("id:{enc}"),
            format!("{bad}:secret"),
        ] {
            let header = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(credentials)
            );
            let req = form(&[("grant_type", "client_credentials")])
                .insert_header(("authorization", header));
            out.push((format!("basic {bad:?}"), req, "Basic".to_owned()));
        }
        // Path segments.
        for path in [
            format!("/realms/{enc}/token"),
            format!("/realms/{enc}/jwks"),
            format!("/realms/{enc}/.well-known/openid-configuration"),
            format!("/realms/{enc}/authorize?response_type=code"),
            format!("/users/{enc}"),
            format!("/clients/{enc}"),
            format!("/realms/{enc}/users"),
        ] {
            let req = test::TestRequest::get()
                .uri(&path)
                .insert_header(("authorization", format!("Bearer {admin}")));
            out.push((format!("path {path}"), req, "path".to_owned()));
        }
        // Admin filters and JSON bodies.
        for resource in [
            "users",
            "clients",
            "realms",
            "roles",
            "permissions",
            "scopes",
        ] {
            let req = test::TestRequest::get()
                .uri(&format!("/{resource}?filter%5Bname%5D={enc}"))
                .insert_header(("authorization", format!("Bearer {admin}")));
            out.push((
                format!("filter {resource} {bad:?}"),
                req,
                "filter[name]".to_owned(),
            ));
            for field in ["name", "displayName", "description"] {
                let body = serde_json::json!({ "name": "fine", field: format!("x{bad}"), "password": "correct horse battery" });
                let req = test::TestRequest::post()
                    .uri(&format!("/{resource}"))
                    .insert_header(("authorization", format!("Bearer {admin}")))
                    .insert_header(("content-type", "application/json"))
                    .set_payload(body.to_string());
                out.push((
                    format!("POST /{resource} {field}={bad:?}"),
                    req,
                    field.to_owned(),
                ));
            }
        }
    }
    out
}

async fn control_characters_are_400_naming_the_field(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = admin_token(&app).await;
    let cases = cases(&admin);
    let total = cases.len();
    let mut wrong = Vec::new();
    let mut server_errors = 0;
    for (label, req, field) in cases {
        let (status, _, body) = send(&app, req).await;
        server_errors += usize::from(status >= 500);
        let named = body.is_null()
            || body["field"].as_str() == Some(field.as_str())
            || body["error_description"]
                .as_str()
                .is_some_and(|d| d.contains(&field));
        if status != 400 || !named {
            wrong.push(format!("{label}: {status} {body}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {total} wrong ({server_errors} 5xx), e.g.:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(12)].join("\n")
    );
    eprintln!("{total} requests with control characters, all 400");
    let (ready, _, _) = send(&app, test::TestRequest::get().uri("/health/ready")).await;
    assert_eq!(ready, 200);
    let ok = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    assert_eq!(send(&app, ok).await.0, 200);
}

crate::support::both_backends!(control_characters_are_400_naming_the_field);
