//! Conformance cases for sessions, consents and authorization codes, and the code grant with
//! PKCE and replay revocation.

use super::grants::{code_of, request, run};
use uuid::Uuid;

use super::{NOW, hasher, rng, settings};
use crate::error::{ErrorCode, StoreError};
use crate::hash::TokenHash;
use crate::model::RefreshToken;
use crate::provision::{self, NewClient, NewUser};
use crate::random::{SeededEntropy, random_uuid};
use crate::secret::Password;
use crate::store::Store;

/// A realm `r`, a user `alice` and a client `web` with a redirect URI.
pub(super) fn code_world(
    store: &dyn Store,
) -> (
    crate::model::Realm,
    crate::model::User,
    crate::model::Client,
    String,
) {
    let mut r = rng(40);
    let realm = provision::ensure_realm(store, "r", NOW, &mut r).unwrap();
    let new = NewUser {
        name: "alice".into(),
        password: Some(Password::new("pw")),
        ..NewUser::default()
    };
    let user = provision::create_user(store, &hasher(), &realm, new, NOW, &mut r).unwrap();
    let web = NewClient {
        name: "web".into(),
        redirect_uri: Some("https://app.example/cb".into()),
        ..NewClient::default()
    };
    let (client, secret) = provision::create_client(store, &realm, web, NOW, &mut r).unwrap();
    (realm, user, client, secret.unwrap().into_secret())
}

pub fn sessions_and_consents_roundtrip(store: &dyn Store) {
    use crate::model::Consent;
    let (realm, user, client, _) = code_world(store);
    let (value, session) = crate::authorize::new_session(&realm, user.id, 600, NOW, &mut rng(41));
    store.create_session(&session).unwrap();
    assert_eq!(
        store.find_session(&TokenHash::of(&value)).unwrap(),
        Some(session.clone())
    );
    assert_eq!(store.find_session(&TokenHash::of("other")).unwrap(), None);
    assert!(store.revoke_session(session.id, NOW + 1).unwrap());
    assert!(!store.revoke_session(session.id, NOW + 2).unwrap());
    assert_eq!(
        store
            .find_session(&session.token_hash)
            .unwrap()
            .unwrap()
            .revoked_at,
        Some(NOW + 1)
    );

    assert_eq!(store.find_consent(user.id, client.id).unwrap(), None);
    let consent = Consent {
        id: Uuid::from_u128(41),
        realm_id: user.realm_id,
        user_id: user.id,
        client_id: client.id,
        scope: "global".into(),
        created_at: NOW,
    };
    store.save_consent(&consent).unwrap();
    let wider = Consent {
        id: Uuid::from_u128(42),
        scope: "email global".into(),
        created_at: NOW + 5,
        ..consent.clone()
    };
    store.save_consent(&wider).unwrap();
    // Widening replaces the scope of the one consent, which keeps its id.
    let wider = Consent {
        id: consent.id,
        ..wider
    };
    assert_eq!(
        store.find_consent(user.id, client.id).unwrap(),
        Some(wider.clone())
    );
    assert_eq!(store.list_consents(user.id).unwrap(), vec![wider]);
    assert!(store.list_consents(Uuid::nil()).unwrap().is_empty());
    assert!(store.delete_consent(user.id, client.id).unwrap());
    assert!(!store.delete_consent(user.id, client.id).unwrap());
    let orphan = Consent {
        client_id: Uuid::nil(),
        ..consent
    };
    assert!(matches!(
        store.save_consent(&orphan),
        Err(StoreError::NotFound)
    ));
}

pub(super) fn code_record(
    store: &dyn Store,
    value: &str,
    r: &mut SeededEntropy,
) -> (crate::model::AuthorizationCode, RefreshToken) {
    let (realm, user, client, _) = code_world(store);
    let code = crate::model::AuthorizationCode {
        id: random_uuid(r),
        code_hash: TokenHash::of(value),
        realm_id: realm.id,
        client_id: client.id,
        user_id: user.id,
        session_id: None,
        redirect_uri: "https://app.example/cb".into(),
        scope: "global".into(),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        code_challenge_method: Some("S256".into()),
        nonce: Some("n-0S6_WzA2Mj".into()),
        auth_time: NOW,
        family_id: random_uuid(r),
        created_at: NOW,
        expires_at: NOW + 60,
        consumed_at: None,
    };
    store.create_authorization_code(&code).unwrap();
    let first = RefreshToken {
        id: random_uuid(r),
        token_hash: TokenHash::of(&format!("{value}-refresh")),
        family_id: code.family_id,
        realm_id: realm.id,
        client_id: Some(client.id),
        user_id: Some(user.id),
        scope: "global".into(),
        created_at: NOW,
        expires_at: NOW + 600,
        consumed_at: None,
        revoked_at: None,
        auth_time: Some(NOW),
        session_id: None,
    };
    (code, first)
}

pub fn authorization_codes_are_redeemed_once(store: &dyn Store) {
    let mut r = rng(42);
    let (code, first) = code_record(store, "code-1", &mut r);
    assert_eq!(
        store
            .find_authorization_code(&TokenHash::of("code-1"))
            .unwrap(),
        Some(code.clone())
    );
    assert_eq!(
        store
            .find_authorization_code(&TokenHash::of("code-2"))
            .unwrap(),
        None
    );
    let tokens: Vec<RefreshToken> = (0..12)
        .map(|i| RefreshToken {
            id: random_uuid(&mut r),
            token_hash: TokenHash::of(&format!("t{i}")),
            ..first.clone()
        })
        .collect();
    let wins: usize = std::thread::scope(|s| {
        let handles: Vec<_> = tokens
            .iter()
            .map(|t| {
                s.spawn(|| {
                    store
                        .redeem_authorization_code(code.id, t, NOW + 1)
                        .unwrap()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum()
    });
    assert_eq!(wins, 1, "exactly one concurrent redemption wins");
    let stored = tokens
        .iter()
        .filter(|t| store.find_refresh_token(&t.token_hash).unwrap().is_some())
        .count();
    assert_eq!(stored, 1, "only the winner's refresh token exists");
    let redeemed = store
        .find_authorization_code(&code.code_hash)
        .unwrap()
        .unwrap();
    assert_eq!(redeemed.consumed_at, Some(NOW + 1));
}

pub fn code_grant_with_pkce_and_replay_revocation(store: &dyn Store) {
    use crate::authorize::{self, AuthorizationRequest};
    let settings = settings();
    let (realm, user, client, secret) = code_world(store);
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let authorization = AuthorizationRequest {
        client_id: Some("web".into()),
        redirect_uri: Some("https://app.example/cb".into()),
        response_type: Some("code".into()),
        scope: Some("openid email".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        code_challenge_method: Some("S256".into()),
        ..AuthorizationRequest::default()
    };
    let valid = authorize::validate(store, &settings, &realm, &authorization).unwrap();
    let (_, session) = authorize::new_session(&realm, user.id, 600, NOW, &mut rng(43));
    store.create_session(&session).unwrap();
    let mint = |seed| {
        authorize::issue_code(
            store,
            &settings,
            &realm,
            &valid,
            &session,
            NOW,
            &mut rng(seed),
        )
        .unwrap()
    };
    let id = client.id.to_string();
    let redeem = |code: &str, redirect: &str, verifier: Option<&str>, now: i64, seed: u64| {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
        ];
        if let Some(v) = verifier {
            pairs.push(("code_verifier", v));
        }
        run(
            store,
            &settings,
            request(&pairs, Some((&id, &secret))),
            now,
            seed,
        )
    };

    let code = mint(50);
    let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
    assert_eq!(
        code_of(redeem(
            &code,
            "https://app.example/cb",
            Some(wrong),
            NOW + 1,
            51
        )),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code_of(redeem(&code, "https://app.example/cb", None, NOW + 1, 52)),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code_of(redeem(
            &code,
            "https://app.example/other",
            Some(verifier),
            NOW + 1,
            53
        )),
        ErrorCode::InvalidGrant
    );
    let tokens = redeem(&code, "https://app.example/cb", Some(verifier), NOW + 1, 54).unwrap();
    let refresh = tokens.refresh_token.clone().unwrap();
    assert_eq!(tokens.scope, "email openid");
    // Replay: refused, and the refresh token issued from the code dies.
    assert_eq!(
        code_of(redeem(
            &code,
            "https://app.example/cb",
            Some(verifier),
            NOW + 2,
            55
        )),
        ErrorCode::InvalidGrant
    );
    let stored = store
        .find_refresh_token(&TokenHash::of(&refresh))
        .unwrap()
        .unwrap();
    assert!(
        stored.revoked_at.is_some(),
        "a replayed code revokes the tokens issued from it"
    );

    let late = mint(56);
    let expired = redeem(
        &late,
        "https://app.example/cb",
        Some(verifier),
        NOW + settings.authorization_code_lifetime,
        57,
    );
    assert_eq!(code_of(expired), ErrorCode::InvalidGrant);
    assert_eq!(
        code_of(redeem(
            "no-such-code",
            "https://app.example/cb",
            Some(verifier),
            NOW,
            58
        )),
        ErrorCode::InvalidGrant
    );
}
