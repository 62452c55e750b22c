//! JWKS publication and the claims of access tokens (RFC 9068, DESIGN §3.2), verified with
//! josekit against the published keys.

use actix_web::test;
use oauth_core::provision::NewClient;

use crate::support::{PUBLIC_URL, basic, fixture, form, now, send, verify};

#[actix_web::test]
async fn access_tokens_verify_against_the_jwks_and_carry_the_claims() {
    let fx = fixture();
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: "svc".into(),
            first_party: true,
            ..NewClient::default()
        },
    );
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (status, headers, jwks) = send(&app, test::TestRequest::get().uri("/jwks")).await;
    assert_eq!(status, 200);
    assert!(
        headers
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let mut algs: Vec<_> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    algs.sort();
    assert_eq!(algs, ["ES256", "RS256"]);
    assert!(
        keys.iter()
            .all(|k| k.get("d").is_none() && k.get("p").is_none()),
        "no private parts"
    );

    let req = form(&[("grant_type", "client_credentials")])
        .insert_header(("authorization", basic(&id, &secret.unwrap())));
    let (_, _, body) = send(&app, req).await;
    let (header, claims) = verify(body["access_token"].as_str().unwrap(), &jwks);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(claims["iss"], format!("{PUBLIC_URL}/realms/master"));
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["aud"], id);
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["sub_kind"], "client");
    assert_eq!(claims["realm_name"], "master");
    assert_eq!(claims["scope"], "global");
    let iat = claims["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() < 5);
    assert_eq!(claims["exp"].as_i64().unwrap() - iat, 3600);
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    assert!(uuid::Uuid::parse_str(claims["realm_id"].as_str().unwrap()).is_ok());

    let login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    let (_, _, body) = send(&app, login).await;
    let (_, claims) = verify(body["access_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["sub_kind"], "user");
    assert!(uuid::Uuid::parse_str(claims["sub"].as_str().unwrap()).is_ok());
}

#[actix_web::test]
async fn realm_jwks_holds_only_that_realms_keys() {
    let fx = fixture();
    fx.realm("acme");
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (_, _, all) = send(&app, test::TestRequest::get().uri("/jwks")).await;
    let (status, _, acme) = send(&app, test::TestRequest::get().uri("/realms/acme/jwks")).await;
    assert_eq!(status, 200);
    assert_eq!(all["keys"].as_array().unwrap().len(), 4);
    assert_eq!(acme["keys"].as_array().unwrap().len(), 2);
    let (status, _, _) = send(&app, test::TestRequest::get().uri("/realms/nowhere/jwks")).await;
    assert_eq!(status, 404);
}

/// Verifies a JWT with `jsonwebtoken` (an implementation independent of the josekit that signs),
/// checking signature, `iss` and `aud`; answers the claims.
fn verify_independently(
    token: &str,
    jwks: &serde_json::Value,
    iss: &str,
    aud: &str,
) -> serde_json::Value {
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header, jwk::JwkSet};
    let set: JwkSet = serde_json::from_value(jwks.clone()).expect("the JWKS parses");
    let header = decode_header(token).unwrap();
    let jwk = set
        .find(header.kid.as_deref().unwrap())
        .expect("the kid is published");
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[iss]);
    validation.set_audience(&[aud]);
    decode::<serde_json::Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .expect("the token verifies")
        .claims
}

#[actix_web::test]
async fn an_independent_jose_library_accepts_access_and_id_tokens() {
    let fx = fixture();
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: "svc".into(),
            ..NewClient::default()
        },
    );
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (_, _, jwks) = send(&app, test::TestRequest::get().uri("/realms/master/jwks")).await;
    let login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
        ("scope", "openid"),
    ])
    .insert_header(("authorization", basic(&id, &secret.unwrap())));
    let (_, _, tokens) = send(&app, login).await;
    let iss = format!("{PUBLIC_URL}/realms/master");
    let access = verify_independently(tokens["access_token"].as_str().unwrap(), &jwks, &iss, &id);
    assert_eq!(access["sub_kind"], "user");
    let id_token = verify_independently(tokens["id_token"].as_str().unwrap(), &jwks, &iss, &id);
    assert_eq!(id_token["sub"], access["sub"]);
    // A tampered token is refused by it too.
    let tampered = crate::support::tamper(tokens["access_token"].as_str().unwrap());
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks.clone()).unwrap();
    let header = jsonwebtoken::decode_header(&tampered).unwrap();
    let key =
        jsonwebtoken::DecodingKey::from_jwk(set.find(header.kid.as_deref().unwrap()).unwrap())
            .unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[&id]);
    assert!(jsonwebtoken::decode::<serde_json::Value>(&tampered, &key, &validation).is_err());
}

async fn one_key_is_served_bare_by_its_kid(fx: crate::support::Fixture) {
    fx.realm("acme");
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let acme = fx.store.find_realm_by_name("acme").unwrap().unwrap();
    let (_, _, acme_set) = send(&app, test::TestRequest::get().uri("/realms/acme/jwks")).await;
    let (_, _, master_set) = send(&app, test::TestRequest::get().uri("/realms/master/jwks")).await;
    let acme_kid = acme_set["keys"][0]["kid"].as_str().unwrap().to_owned();
    let master_kid = master_set["keys"][0]["kid"].as_str().unwrap().to_owned();
    let table = [
        (format!("/jwks/{acme_kid}"), 200),
        (format!("/jwks/{master_kid}"), 200),
        (format!("/realms/acme/jwks/{acme_kid}"), 200),
        (format!("/realms/{}/jwks/{acme_kid}", acme.id), 200),
        (format!("/realms/master/jwks/{acme_kid}"), 404),
        (format!("/jwks/{}", uuid::Uuid::nil()), 404),
        ("/jwks/undefined".to_owned(), 404),
        (format!("/realms/nowhere/jwks/{acme_kid}"), 404),
    ];
    for (path, expected) in table {
        let (status, headers, body) = send(&app, test::TestRequest::get().uri(&path)).await;
        assert_eq!(status, expected, "{path}: {body}");
        if expected == 200 {
            let kid = path.rsplit('/').next().unwrap();
            let published = [&acme_set, &master_set]
                .into_iter()
                .flat_map(|set| set["keys"].as_array().unwrap())
                .find(|k| k["kid"] == kid)
                .unwrap();
            assert_eq!(&body, published, "{path}: the bare JWK as in the set");
            assert!(body["alg"].is_string() && body["use"] == "sig");
            assert_eq!(headers.get("content-type").unwrap(), "application/jwk+json");
        } else {
            assert_eq!(body["error"], "not_found", "{path}: {body}");
            let description = body["error_description"].as_str().unwrap();
            assert!(
                description.contains("kid") || description.contains("realm"),
                "{path}: {description}"
            );
        }
    }
    let (status, _, body) = send(&app, test::TestRequest::get().uri("/jwks/undefined")).await;
    assert_eq!(status, 404);
    assert_eq!(
        body["error_description"],
        "no published signing key has kid \"undefined\""
    );
    // The realm's set by id too.
    let (status, _, by_id) = send(
        &app,
        test::TestRequest::get().uri(&format!("/realms/{}/jwks", acme.id)),
    )
    .await;
    assert_eq!((status, &by_id), (200, &acme_set));
}

crate::support::both_backends!(one_key_is_served_bare_by_its_kid);
