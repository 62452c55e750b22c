//! `GET`/`POST /userinfo` with bearer tokens (OpenID Connect Core §5.3, RFC 6750).

use actix_web::test;
use oauth_core::provision::NewClient;

use crate::support::{basic, form, send};

crate::support::both_backends!(userinfo_answers_the_claims_of_the_tokens_scope);

async fn userinfo_answers_the_claims_of_the_tokens_scope(fx: crate::support::Fixture) {
    fx.realm("acme");
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: "app".into(),
            ..NewClient::default()
        },
    );
    let secret = secret.unwrap();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let token_for = |scope: &str| {
        form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
            ("scope", scope),
        ])
        .insert_header(("authorization", basic(&id, &secret)))
    };
    let (_, _, full) = send(&app, token_for("openid identity")).await;
    let access = full["access_token"].as_str().unwrap().to_owned();
    let bearer = |req: test::TestRequest, token: &str| {
        req.insert_header(("authorization", format!("Bearer {token}")))
    };

    let (status, headers, claims) = send(
        &app,
        bearer(test::TestRequest::get().uri("/userinfo"), &access),
    )
    .await;
    assert_eq!(status, 200, "{claims}");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert_eq!(claims["preferred_username"], "admin");
    assert!(uuid::Uuid::parse_str(claims["sub"].as_str().unwrap()).is_ok());
    assert!(claims.get("email").is_none(), "email was not granted");

    let posted = test::TestRequest::post()
        .uri("/realms/master/userinfo")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(format!("access_token={access}"));
    let (status, _, same) = send(&app, posted).await;
    assert_eq!((status, &same), (200, &claims));

    let (_, _, narrow) = send(&app, token_for("identity")).await;
    let (_, _, client_only) = send(
        &app,
        form(&[("grant_type", "client_credentials")])
            .insert_header(("authorization", basic(&id, &secret))),
    )
    .await;
    let tampered = crate::support::tamper(&access);
    let cases: Vec<(test::TestRequest, u16, Option<&str>)> = vec![
        (test::TestRequest::get().uri("/userinfo"), 401, None),
        (
            bearer(test::TestRequest::get().uri("/userinfo"), "garbage"),
            401,
            Some("invalid_token"),
        ),
        (
            bearer(test::TestRequest::get().uri("/userinfo"), &tampered),
            401,
            Some("invalid_token"),
        ),
        (
            bearer(
                test::TestRequest::get().uri("/userinfo"),
                full["refresh_token"].as_str().unwrap(),
            ),
            401,
            Some("invalid_token"),
        ),
        (
            bearer(
                test::TestRequest::get().uri("/userinfo"),
                narrow["access_token"].as_str().unwrap(),
            ),
            403,
            Some("insufficient_scope"),
        ),
        (
            bearer(
                test::TestRequest::get().uri("/userinfo"),
                client_only["access_token"].as_str().unwrap(),
            ),
            401,
            Some("invalid_token"),
        ),
        (
            bearer(
                test::TestRequest::get().uri("/realms/acme/userinfo"),
                &access,
            ),
            401,
            Some("invalid_token"),
        ),
        (
            test::TestRequest::get()
                .uri("/userinfo")
                .insert_header(("authorization", "Basic abc")),
            400,
            Some("invalid_request"),
        ),
        (
            bearer(test::TestRequest::post().uri("/userinfo"), &access)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(format!("access_token={access}")),
            400,
            Some("invalid_request"),
        ),
    ];
    for (i, (req, status, error)) in cases.into_iter().enumerate() {
        let response = test::call_service(&app, req.to_request()).await;
        assert_eq!(response.status().as_u16(), status, "case {i}");
        let challenge = response
            .headers()
            .get("www-authenticate")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with("Bearer realm=\"portcullis\""),
            "case {i}: {challenge}"
        );
        match error {
            Some(error) => assert!(
                challenge.contains(&format!("error=\"{error}\"")),
                "case {i}: {challenge}"
            ),
            None => assert!(
                !challenge.contains("error="),
                "case {i}: a missing token gets no error code"
            ),
        }
    }
}
