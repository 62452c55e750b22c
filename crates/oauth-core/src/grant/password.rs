//! The resource owner password credentials grant (RFC 6749 §4.3).
//!
//! The password is verified with Argon2id even when the user does not exist (against a dummy hash)
//! and before the user's state is looked at, so timing tells nothing about which usernames exist.

use super::{Context, Settings, issue, resolve_scope};
use crate::client_auth::AuthenticatedClient;
use crate::error::{Error, OAuthError};
use crate::model::{Realm, UnixTime, User};
use crate::oidc::Authentication;
use crate::random::random_uuid;
use crate::scope::Scope;
use crate::secret::Password;
use crate::store::Store;
use crate::throttle;
use crate::token::TokenResponse;

/// Checks a username and password in `realm` (for the password grant and the login page), under
/// the brute-force throttle (`throttle`): a caller who must wait gets [`Error::Throttled`] before
/// any hashing; a failure is counted for the account and for `client_ip`; a success clears the
/// account's count. `after_hash` runs as soon as no more hashing will happen. Every wrong
/// username or password is the same `invalid_grant`.
#[allow(clippy::too_many_arguments)]
pub fn authenticate_user(
    store: &dyn Store,
    settings: &Settings,
    realm: &Realm,
    username: &str,
    password: &Password,
    client_ip: Option<&str>,
    now: UnixTime,
    after_hash: Option<Box<dyn FnOnce() + Send + '_>>,
) -> Result<User, Error> {
    let mut keys = Vec::new();
    if settings.login_throttle {
        keys.push(throttle::account_key(&realm.id.to_string(), username));
        if let Some(ip) = client_ip {
            keys.push(throttle::address_key(ip));
        }
    }
    let mut wait = 0;
    let mut account_has_failures = false;
    for (i, key) in keys.iter().enumerate() {
        let failures = store.login_failures(key)?;
        account_has_failures |= i == 0 && failures.is_some();
        wait = wait.max(throttle::retry_after(failures, now));
    }
    if wait > 0 {
        if let Some(release) = after_hash {
            release();
        }
        return Err(Error::Throttled { retry_after: wait });
    }
    let user = store.find_user_by_name(realm.id, username)?;
    let hash = user.as_ref().and_then(|u| u.password_hash.as_ref());
    let verified = settings.hasher.verify_or_dummy(password, hash);
    if let Some(release) = after_hash {
        release();
    }
    let user = match user {
        Some(user) if verified => user,
        _ => {
            for key in &keys {
                store.record_login_failure(key, now, now - throttle::WINDOW)?;
            }
            return Err(OAuthError::invalid_grant("invalid username or password").into());
        }
    };
    if let Some(account) = keys.first().filter(|_| account_has_failures) {
        store.clear_login_failures(account)?;
    }
    if !user.active {
        return Err(OAuthError::invalid_grant("the user is inactive").into());
    }
    Ok(user)
}

pub(super) fn grant(
    ctx: &mut Context<'_>,
    realm: &Realm,
    client: &AuthenticatedClient,
    username: &str,
    password: &Password,
    scope: Option<Scope>,
) -> Result<TokenResponse, Error> {
    let release = ctx.after_password_hash.take();
    let user = authenticate_user(
        ctx.store,
        ctx.settings,
        realm,
        username,
        password,
        ctx.client_ip.as_deref(),
        ctx.now,
        release,
    )?;
    let scope = resolve_scope(ctx.store, realm, client.client(), scope)?;
    let family_id = random_uuid(ctx.rng);
    let authentication = Authentication {
        auth_time: ctx.now,
        nonce: None,
        session_id: None,
    };
    let (value, record) = issue::mint_refresh_token(
        ctx,
        realm,
        user.id,
        client.client(),
        &scope,
        family_id,
        Some(&authentication),
    );
    ctx.store.create_refresh_token(&record)?;
    issue::user_response(
        ctx,
        realm,
        &user,
        client.client(),
        &scope,
        (value, family_id),
        Some(&authentication),
    )
}
