//! Sessions, consents and events through the admin API: sessions are listed and ended, consents
//! listed and withdrawn, and the admin's writes are audited.

use oauth_core::model::{Consent, Session};

use super::{acme, admin, assert_nothing_secret, backend, user};
use crate::support::{Api, App, Fixture, both_backends, now};

both_backends!(
    a_realms_sessions_are_listed,
    an_ended_session_shows_when_it_was_revoked,
    a_users_consents_are_listed,
    a_withdrawn_consent_is_gone,
);
both_backends!(audited: user_creations_are_audited_with_actor_and_target);

/// Realm `acme`, user alice signed in (a session) and consenting to client backend's `global`.
async fn signed_in(fx: &Fixture, api: &Api<impl App>) -> (String, Session, Consent) {
    let realm_id = acme(api).await;
    let alice_id = user(api, &realm_id, "alice").await;
    let (client_id, _) = backend(api).await;
    let alice = uuid::Uuid::parse_str(&alice_id).unwrap();
    let acme = uuid::Uuid::parse_str(&realm_id).unwrap();
    let session = Session {
        id: uuid::Uuid::from_u128(0x5e55_1010),
        token_hash: oauth_core::hash::TokenHash::of("a cookie"),
        realm_id: acme,
        user_id: alice,
        auth_time: now(),
        created_at: now(),
        expires_at: now() + 600,
        revoked_at: None,
    };
    fx.store.create_session(&session).unwrap();
    let consent = Consent {
        id: uuid::Uuid::from_u128(0xc0_25e27),
        realm_id: acme,
        user_id: alice,
        client_id: uuid::Uuid::parse_str(&client_id).unwrap(),
        scope: "global".into(),
        created_at: now(),
    };
    fx.store.save_consent(&consent).unwrap();
    (alice_id, session, consent)
}

async fn a_realms_sessions_are_listed(fx: Fixture) {
    let api = admin(&fx).await;
    signed_in(&fx, &api).await;
    let sessions = api.get("/realms/acme/sessions").await;
    assert_eq!(
        (sessions.status, sessions.json["meta"]["total"].as_u64()),
        (200, Some(1)),
        "{}",
        sessions.json
    );
}

async fn an_ended_session_shows_when_it_was_revoked(fx: Fixture) {
    let api = admin(&fx).await;
    let (_, session, _) = signed_in(&fx, &api).await;
    let ended = api.delete(format!("/sessions/{}", session.id)).await;
    assert_eq!(ended.status, 202);
    let read = api.get(format!("/sessions/{}", session.id)).await;
    assert!(
        read.json["data"]["revokedAt"]
            .as_str()
            .is_some_and(|t| t.ends_with(".000Z")),
        "{}",
        read.json
    );
}

async fn a_users_consents_are_listed(fx: Fixture) {
    let api = admin(&fx).await;
    let (alice, _, _) = signed_in(&fx, &api).await;
    let consents = api.get(format!("/consents?filter[userId]={alice}")).await;
    assert_eq!(
        (consents.status, consents.json["data"][0]["scope"].as_str()),
        (200, Some("global")),
        "{}",
        consents.json
    );
    api.get("/realms/acme/sessions").await;
    assert_nothing_secret(&api, &[]);
}

async fn a_withdrawn_consent_is_gone(fx: Fixture) {
    let api = admin(&fx).await;
    let (_, _, consent) = signed_in(&fx, &api).await;
    let withdrawn = api.delete(format!("/consents/{}", consent.id)).await;
    assert_eq!(withdrawn.status, 202);
    let left = fx
        .store
        .find_consent(consent.user_id, consent.client_id)
        .unwrap();
    assert!(left.is_none());
}

async fn user_creations_are_audited_with_actor_and_target(fx: Fixture) {
    let api = admin(&fx).await;
    let realm_id = acme(&api).await;
    for name in ["carol", "alice", "bob"] {
        user(&api, &realm_id, name).await;
    }
    // The audit writer is a background thread: poll (bounded) until its batch is written.
    let mut events = api
        .get("/events?filter[name]=user_create&sort=-createdAt")
        .await;
    for _ in 0..50 {
        if events.json["meta"]["total"].as_u64() >= Some(3) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        events = api
            .get("/events?filter[name]=user_create&sort=-createdAt")
            .await;
    }
    assert_eq!(events.total(), 3, "{}", events.json);
    assert_eq!(events.json["data"][0]["actorType"], "user");
    assert_eq!(events.json["data"][0]["targetType"], "user");
    assert_nothing_secret(&api, &[]);
}
