//! The resource owner password credentials grant (RFC 6749 §4.3).
//!
//! The password is verified with Argon2id even when the user does not exist (against a dummy hash)
//! and before the user's state is looked at, so timing tells nothing about which usernames exist.

use super::{Context, issue, resolve_scope};
use crate::client_auth::AuthenticatedClient;
use crate::error::{Error, OAuthError};
use crate::model::Realm;
use crate::random::random_uuid;
use crate::scope::Scope;
use crate::secret::Password;
use crate::token::TokenResponse;

pub(super) fn grant(
    ctx: &mut Context<'_>,
    realm: &Realm,
    client: &AuthenticatedClient,
    username: &str,
    password: &Password,
    scope: Option<Scope>,
) -> Result<TokenResponse, Error> {
    let user = ctx.store.find_user_by_name(realm.id, username)?;
    let hash = user.as_ref().and_then(|u| u.password_hash.as_ref());
    let verified = ctx.settings.hasher.verify_or_dummy(password, hash);
    if let Some(release) = ctx.after_password_hash.take() {
        release();
    }
    let user = match user {
        Some(user) if verified => user,
        _ => return Err(OAuthError::invalid_grant("invalid username or password").into()),
    };
    if !user.active {
        return Err(OAuthError::invalid_grant("the user is inactive").into());
    }
    let scope = resolve_scope(ctx.store, realm, client.client(), scope)?;
    let family_id = random_uuid(ctx.rng);
    let (value, record) =
        issue::mint_refresh_token(ctx, realm, user.id, client.client(), &scope, family_id);
    ctx.store.create_refresh_token(&record)?;
    issue::user_response(ctx, realm, user.id, client.client(), &scope, value)
}
