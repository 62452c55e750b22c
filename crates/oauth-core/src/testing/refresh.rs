//! Conformance cases for refresh token records: consumed once (atomically, under contention),
//! families revoked alone.

use uuid::Uuid;

use super::{NOW, rng};
use crate::hash::TokenHash;
use crate::model::RefreshToken;
use crate::provision::{self};
use crate::random::{SeededEntropy, random_uuid};
use crate::store::Store;

pub(super) fn refresh_record(
    store: &dyn Store,
    family: Uuid,
    value: &str,
    r: &mut SeededEntropy,
) -> RefreshToken {
    let realm = provision::ensure_realm(store, "r", NOW, r).unwrap();
    let token = RefreshToken {
        id: random_uuid(r),
        token_hash: TokenHash::of(value),
        family_id: family,
        realm_id: realm.id,
        client_id: None,
        user_id: None,
        scope: "global".into(),
        created_at: NOW,
        expires_at: NOW + 60,
        consumed_at: None,
        revoked_at: None,
        auth_time: Some(NOW),
        session_id: None,
    };
    store.create_refresh_token(&token).unwrap();
    token
}

fn successor_of(parent: &RefreshToken, value: &str, r: &mut SeededEntropy) -> RefreshToken {
    RefreshToken {
        id: random_uuid(r),
        token_hash: TokenHash::of(value),
        consumed_at: None,
        ..parent.clone()
    }
}

pub fn refresh_token_is_consumed_once(store: &dyn Store) {
    let mut r = rng(1);
    let token = refresh_record(store, random_uuid(&mut r), "value-1", &mut r);
    assert_eq!(
        store.find_refresh_token(&TokenHash::of("value-1")).unwrap(),
        Some(token.clone())
    );
    assert_eq!(
        store.find_refresh_token(&TokenHash::of("value-2")).unwrap(),
        None
    );
    let next = successor_of(&token, "value-2", &mut r);
    assert!(
        store
            .rotate_refresh_token(token.id, &next, NOW + 1)
            .unwrap()
    );
    assert_eq!(
        store.find_refresh_token(&TokenHash::of("value-2")).unwrap(),
        Some(next)
    );
    let again = successor_of(&token, "value-3", &mut r);
    assert!(
        !store
            .rotate_refresh_token(token.id, &again, NOW + 2)
            .unwrap()
    );
    assert_eq!(
        store.find_refresh_token(&TokenHash::of("value-3")).unwrap(),
        None,
        "a lost rotation inserts nothing"
    );
    let stored = store
        .find_refresh_token(&token.token_hash)
        .unwrap()
        .unwrap();
    assert_eq!(stored.consumed_at, Some(NOW + 1));
    assert!(
        !store
            .rotate_refresh_token(Uuid::nil(), &again, NOW)
            .unwrap()
    );
}

pub fn revoking_a_family_revokes_only_that_family(store: &dyn Store) {
    let mut r = rng(1);
    let (f1, f2) = (random_uuid(&mut r), random_uuid(&mut r));
    let a = refresh_record(store, f1, "a", &mut r);
    let b = refresh_record(store, f1, "b", &mut r);
    let c = refresh_record(store, f2, "c", &mut r);
    assert_eq!(store.revoke_refresh_family(f1, NOW + 3).unwrap(), 2);
    assert_eq!(store.revoke_refresh_family(f1, NOW + 4).unwrap(), 0);
    for (t, revoked) in [(a, true), (b.clone(), true), (c, false)] {
        let stored = store.find_refresh_token(&t.token_hash).unwrap().unwrap();
        assert_eq!(stored.revoked_at.is_some(), revoked);
    }
    let next = successor_of(&b, "d", &mut r);
    assert!(
        !store.rotate_refresh_token(b.id, &next, NOW + 5).unwrap(),
        "revoked tokens cannot be rotated"
    );
}

pub fn concurrent_consumption_has_one_winner(store: &dyn Store) {
    let mut r = rng(1);
    let token = refresh_record(store, random_uuid(&mut r), "contended", &mut r);
    let successors: Vec<_> = (0..16)
        .map(|i| successor_of(&token, &format!("s{i}"), &mut r))
        .collect();
    let wins: usize = std::thread::scope(|s| {
        let handles: Vec<_> = successors
            .iter()
            .map(|next| s.spawn(|| store.rotate_refresh_token(token.id, next, NOW + 1).unwrap()))
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum()
    });
    assert_eq!(wins, 1);
    let stored = successors
        .iter()
        .filter(|s| store.find_refresh_token(&s.token_hash).unwrap().is_some())
        .count();
    assert_eq!(stored, 1, "exactly the winner's successor is stored");
}
