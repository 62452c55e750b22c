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
