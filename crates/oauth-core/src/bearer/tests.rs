//! Bearer token verification: what is accepted and each reason for a refusal, with a fixed clock.

use super::*;
use crate::grant::{Context, exchange};
use crate::keys::StoreKeySource;
use crate::memory::MemoryStore;
use crate::password::{Argon2Params, PasswordHasher};
use crate::provision::{self, NewClient};
use crate::random::SeededEntropy;
use crate::request::{Params, TokenRequest};
use crate::secret::{ClientSecret, Password};
use crate::testing::NOW;

fn setup() -> (MemoryStore, Settings, String, String) {
    let store = MemoryStore::new();
    let mut rng = SeededEntropy::new(21);
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let settings = Settings::new(
        "http://localhost:3001",
        PasswordHasher::new(cheap, &mut rng).unwrap(),
    );
    provision::bootstrap(
        &store,
        &settings.hasher,
        "admin",
        &Password::new("pw"),
        NOW,
        &mut rng,
    )
    .unwrap();
    let realm = crate::store::RealmStore::find_realm_by_name(&store, "master")
        .unwrap()
        .unwrap();
    let (client, secret) = provision::create_client(
        &store,
        &realm,
        NewClient {
            name: "app".into(),
            ..NewClient::default()
        },
        NOW,
        &mut rng,
    )
    .unwrap();
    let params = Params::from_pairs(
        [
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "pw"),
            ("scope", "openid"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string())),
    )
    .unwrap();
    let basic = Some((
        client.id.to_string(),
        ClientSecret::new(secret.unwrap().into_secret()),
    ));
    let response = {
        let mut ctx = Context {
            store: &store,
            keys: &StoreKeySource,
            settings: &settings,
            now: NOW,
            rng: &mut rng,
            after_password_hash: None,
            client_ip: None,
        };
        exchange(&mut ctx, TokenRequest::parse(&params, basic, None).unwrap())
            .unwrap()
            .response
    };
    let id_token = response.id_token.unwrap();
    (store, settings, response.access_token, id_token)
}

fn refusal(
    store: &MemoryStore,
    settings: &Settings,
    token: &str,
    now: i64,
) -> Option<&'static str> {
    verify(store, settings, token, now)
        .unwrap()
        .err()
        .map(|e| e.0)
}

#[test]
fn valid_tokens_verify_and_carry_their_claims() {
    let (store, settings, access, _) = setup();
    let token = verify(&store, &settings, &access, NOW + 10)
        .unwrap()
        .unwrap();
    assert_eq!(token.realm.name, "master");
    assert!(matches!(token.subject, crate::token::Subject::User(_)));
    assert!(token.scope.contains("openid"));
    assert_eq!(token.expires_at, NOW + 3600);
}

#[test]
fn refusals() {
    let (store, settings, access, id_token) = setup();
    let at = access.rfind('.').unwrap() + 10;
    let mut bytes = access.clone().into_bytes();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let elsewhere = Settings {
        public_url: "https://other.example".into(),
        ..settings.clone()
    };
    assert_eq!(
        refusal(&store, &settings, "not.a.jwt", NOW),
        Some("the token is not a JWT")
    );
    assert_eq!(
        refusal(&store, &settings, &id_token, NOW),
        Some("the token is not an access token")
    );
    assert_eq!(
        refusal(&store, &settings, &tampered, NOW),
        Some("the token's signature does not verify")
    );
    assert_eq!(
        refusal(&store, &settings, &access, NOW + 3600),
        Some("the token has expired")
    );
    assert_eq!(
        refusal(&store, &elsewhere, &access, NOW),
        Some("the token was issued by another issuer")
    );
    assert_eq!(refusal(&store, &settings, &access, NOW), None);
}

/// The token with its header replaced (payload and signature kept).
fn with_header(token: &str, header: serde_json::Value) -> String {
    let rest = token.split_once('.').unwrap().1;
    format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header.to_string()))
}

#[test]
fn algorithm_confusion_is_refused() {
    let (store, settings, access, _) = setup();
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(access.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    let kid = header["kid"].clone();
    let (_, payload_and_signature) = access.split_once('.').unwrap();
    let payload = payload_and_signature.split('.').next().unwrap();
    let cases = [
        // alg none with no signature, naming a real key.
        (
            format!(
                "{}.{payload}.",
                URL_SAFE_NO_PAD.encode(
                    serde_json::json!({"alg": "none", "typ": "at+jwt", "kid": kid}).to_string()
                )
            ),
            "the token's algorithm does not match its key",
        ),
        // HS256 "signed" with the public key, naming a real key.
        (
            with_header(
                &access,
                serde_json::json!({"alg": "HS256", "typ": "at+jwt", "kid": kid}),
            ),
            "the token's algorithm does not match its key",
        ),
        // RS256 claimed for an ES256 key.
        (
            with_header(
                &access,
                serde_json::json!({"alg": "RS256", "typ": "at+jwt", "kid": kid}),
            ),
            "the token's algorithm does not match its key",
        ),
        // No kid at all.
        (
            with_header(
                &access,
                serde_json::json!({"alg": "ES256", "typ": "at+jwt"}),
            ),
            "the token names no known key",
        ),
    ];
    for (token, why) in cases {
        assert_eq!(
            refusal(&store, &settings, &token, NOW),
            Some(why),
            "{token}"
        );
    }
}
