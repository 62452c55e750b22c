//! OpenID Connect discovery and RFC 8414 metadata, and ID tokens from the password grant.

use actix_web::test;
use oauth_core::provision::NewClient;

use crate::support::{PUBLIC_URL, basic, fixture, form, send, verify};

#[actix_web::test]
async fn discovery_documents_name_every_endpoint_of_the_realm() {
    let fx = fixture();
    fx.realm("acme");
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (status, headers, doc) = send(
        &app,
        test::TestRequest::get().uri("/realms/acme/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        headers
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let issuer = format!("{PUBLIC_URL}/realms/acme");
    assert_eq!(doc["issuer"], issuer.as_str());
    for (field, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("jwks_uri", "/jwks"),
        ("userinfo_endpoint", "/userinfo"),
        ("introspection_endpoint", "/token/introspect"),
        ("revocation_endpoint", "/token/revoke"),
        ("end_session_endpoint", "/logout"),
    ] {
        assert_eq!(doc[field], format!("{issuer}{path}"), "{field}");
        // Every advertised endpoint exists under the issuer.
        let local = format!("/realms/acme{path}");
        let (status, _, _) = send(&app, test::TestRequest::get().uri(&local)).await;
        assert_ne!(status, 404, "{local}");
    }
    assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(doc["id_token_signing_alg_values_supported"][0], "RS256");
    assert_eq!(
        doc["subject_types_supported"],
        serde_json::json!(["public"])
    );
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    let scopes: Vec<&str> = doc["scopes_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(scopes.contains(&"openid") && scopes.contains(&"global"));

    let (status, _, rfc8414) = send(
        &app,
        test::TestRequest::get().uri("/.well-known/oauth-authorization-server/realms/acme"),
    )
    .await;
    assert_eq!((status, &rfc8414), (200, &doc));
    let (status, headers, _) = send(
        &app,
        test::TestRequest::get().uri("/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(status, 302);
    assert_eq!(
        headers.get("location").unwrap(),
        &format!("{PUBLIC_URL}/realms/master/.well-known/openid-configuration")
    );
    let (status, _, _) = send(
        &app,
        test::TestRequest::get().uri("/realms/nowhere/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn the_password_grant_issues_an_id_token_for_openid() {
    let fx = fixture();
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: "app".into(),
            ..NewClient::default()
        },
    );
    let secret = secret.unwrap();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let login = |scope: &str| {
        form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
            ("scope", scope),
        ])
        .insert_header(("authorization", basic(&id, &secret)))
    };
    let (status, _, tokens) = send(&app, login("openid identity")).await;
    assert_eq!(status, 200, "{tokens}");
    let (_, _, jwks) = send(&app, test::TestRequest::get().uri("/jwks")).await;
    let (_, claims) = verify(tokens["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["aud"], id.as_str());
    assert_eq!(claims["preferred_username"], "admin");
    assert!(claims.get("nonce").is_none() && claims.get("sid").is_none());
    // On refresh: a new ID token, same auth_time.
    let refresh = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
    ])
    .insert_header(("authorization", basic(&id, &secret)));
    let (status, _, refreshed) = send(&app, refresh).await;
    assert_eq!(status, 200, "{refreshed}");
    let (_, again) = verify(refreshed["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(again["auth_time"], claims["auth_time"]);
    assert_eq!(
        again["at_hash"],
        oauth_core::oidc::at_hash(refreshed["access_token"].as_str().unwrap())
    );
    let (_, _, plain) = send(&app, login("global")).await;
    // A client that registered ES256 gets ES256 ID tokens.
    let es = NewClient {
        name: "es".into(),
        id_token_signed_response_alg: Some(oauth_core::model::SigningAlgorithm::Es256),
        ..NewClient::default()
    };
    let (es_id, es_secret) = fx.client("master", es);
    let es_login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
        ("scope", "openid"),
    ])
    .insert_header(("authorization", basic(&es_id, &es_secret.unwrap())));
    let (status, _, es_tokens) = send(&app, es_login).await;
    assert_eq!(status, 200, "{es_tokens}");
    let (header, es_claims) = verify(es_tokens["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(
        (header["alg"].as_str(), es_claims["aud"].as_str()),
        (Some("ES256"), Some(es_id.as_str()))
    );
    assert!(plain.get("id_token").is_none(), "no openid, no ID token");
}

#[actix_web::test]
async fn the_root_answers_authups_status_document() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (status, headers, doc) = send(&app, test::TestRequest::get().uri("/")).await;
    assert_eq!(status, 200);
    assert!(
        headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
    let millis = doc["timestamp"].as_i64().unwrap();
    assert!((millis / 1000 - crate::support::now()).abs() < 5, "{doc}");
    let date = doc["date"].as_str().unwrap();
    assert!(date.ends_with('Z') && date.len() == 24, "{date}");
    assert_eq!(
        doc.as_object().unwrap().len(),
        3,
        "only what is true: {doc}"
    );
}
