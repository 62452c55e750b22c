//! The resource owner password credentials grant (RFC 6749 §4.3).
//!
//! The password is verified with Argon2id even when the user does not exist (against a dummy hash)
//! and before the user's state is looked at, so timing tells nothing about which usernames exist.

use super::{Context, issue, resolve_scope};
use crate::client_auth::AuthenticatedClient;
use crate::error::{Error, OAuthError};
use crate::model::{Realm, User};
use crate::password::PasswordHasher;
use crate::random::random_uuid;
use crate::scope::Scope;
use crate::secret::Password;
use crate::store::Store;
use crate::token::TokenResponse;

/// Checks a username and password in `realm` (for the password grant and the login page); runs
/// `after_hash` as soon as the hash is done. Every failure is the same `invalid_grant`, except an
/// inactive user with the right password.
pub fn authenticate_user(
    store: &dyn Store,
    hasher: &PasswordHasher,
    realm: &Realm,
    username: &str,
    password: &Password,
    after_hash: Option<Box<dyn FnOnce() + Send + '_>>,
) -> Result<User, Error> {
    let user = store.find_user_by_name(realm.id, username)?;
    let hash = user.as_ref().and_then(|u| u.password_hash.as_ref());
    let verified = hasher.verify_or_dummy(password, hash);
    if let Some(release) = after_hash {
        release();
    }
    let user = match user {
        Some(user) if verified => user,
        _ => return Err(OAuthError::invalid_grant("invalid username or password").into()),
    };
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
        &ctx.settings.hasher,
        realm,
        username,
        password,
        release,
    )?;
    let scope = resolve_scope(ctx.store, realm, client.client(), scope)?;
    let family_id = random_uuid(ctx.rng);
    let (value, record) =
        issue::mint_refresh_token(ctx, realm, user.id, client.client(), &scope, family_id);
    ctx.store.create_refresh_token(&record)?;
    issue::user_response(ctx, realm, user.id, client.client(), &scope, value)
}
