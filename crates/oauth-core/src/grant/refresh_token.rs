//! The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).
//!
//! Every exchange consumes the presented token and issues a successor in the same family. The
//! consumption is an atomic compare-and-set in the store, so of concurrent exchanges exactly one
//! wins. A consumed token presented again (outside the configured grace period) is reuse: the whole
//! family is revoked and the answer is `invalid_grant`.

use super::{Context, issue};
use crate::authority;
use crate::client_auth::AuthenticatedClient;
use crate::error::{Error, OAuthError, Reason};
use crate::hash::TokenHash;
use crate::model::{Client, Realm, RefreshToken};
use crate::oidc::Authentication;
use crate::revocation::revoke_family;

use crate::scope::Scope;
use crate::secret::RefreshTokenSecret;

fn invalid(why: &'static str) -> Error {
    OAuthError::invalid_grant(why).into()
}

pub(super) fn grant(
    ctx: &mut Context<'_>,
    realm: &Realm,
    client: &AuthenticatedClient,
    presented: &RefreshTokenSecret,
    scope: Option<Scope>,
) -> Result<super::Issued, Error> {
    let token = ctx
        .store
        .find_refresh_token(&TokenHash::of(presented.secret()))?
        .filter(|t| t.realm_id == realm.id)
        .ok_or_else(|| invalid("the refresh token is invalid"))?;
    check_client(ctx, &token, client)?;
    if token.revoked_at.is_some() {
        return Err(invalid("the refresh token was revoked"));
    }
    if token.expires_at <= ctx.now {
        return Err(invalid("the refresh token has expired"));
    }
    let granted = Scope::parse(&token.scope)?;
    let scope = match scope.filter(|s| !s.is_empty()) {
        None => granted,
        Some(asked) if asked.is_subset(&granted) => asked,
        Some(asked) => {
            return Err(OAuthError::invalid_scope(format!(
                "scope exceeds the original grant: {}",
                asked.missing_from(&granted)
            ))
            .into());
        }
    };
    // The client's rights may have narrowed since the grant (a scope unassigned, first-party
    // status withdrawn): a successor never carries more than the client may get now.
    let scope = narrow_to_client(scope, client.client())?;
    let user_id = token
        .user_id
        .ok_or_else(|| invalid("the refresh token has no subject"))?;
    let user = match ctx.store.find_user(user_id)? {
        Some(user) if user.active => user,
        _ => return Err(invalid("the user is inactive or was deleted")),
    };
    let client = client.client();
    // The grant's authentication carries over; the nonce belonged to the original request only
    // (OpenID Connect Core §12.2).
    let authentication = token.auth_time.map(|auth_time| Authentication {
        auth_time,
        nonce: None,
        session_id: token.session_id,
    });
    let (value, successor) = issue::mint_refresh_token(
        ctx,
        realm,
        user_id,
        client,
        &scope,
        token.family_id,
        authentication.as_ref(),
    );
    let in_grace = token
        .consumed_at
        .is_some_and(|at| ctx.now - at < ctx.settings.refresh_grace_period);
    if in_grace {
        ctx.store.create_refresh_token(&successor)?;
    } else if !ctx
        .store
        .rotate_refresh_token(token.id, &successor, ctx.now)?
    {
        revoke_family(ctx.store, realm, token.family_id, ctx.now)?;
        return Err(OAuthError::invalid_grant(
            "the refresh token was already used; every token of its grant is revoked",
        )
        .because(Reason::RefreshReuse)
        .into());
    }
    issue::user_response(
        ctx,
        realm,
        &user,
        client,
        &scope,
        (value, token.family_id),
        authentication.as_ref(),
    )
}

/// `scope` without what `client` may no longer get: tokens outside its allowed list, and
/// `global` unless it may still receive it.
fn narrow_to_client(scope: Scope, client: Option<&Client>) -> Result<Scope, Error> {
    let allowed = client
        .and_then(|c| c.scope.as_deref())
        .map(Scope::parse)
        .transpose()?;
    let admin = authority::may_receive_admin_scope(client);
    Ok(scope
        .iter()
        .filter(|t| allowed.as_ref().is_none_or(|a| a.contains(t)))
        .filter(|t| admin || *t != authority::ADMIN_SCOPE)
        .map(str::to_owned)
        .collect())
}

/// A token is bound to the client it was issued to, and only that client refreshes it: a public
/// client names itself with `client_id`, a confidential one authenticates (the exchange has
/// already checked that the client is active and allowed this grant type). A token issued
/// without a client is refreshed without one. So a successor always keeps its binding.
fn check_client(
    ctx: &Context<'_>,
    token: &RefreshToken,
    client: &AuthenticatedClient,
) -> Result<(), Error> {
    match (token.client_id, client.client()) {
        (None, None) => Ok(()),
        (Some(bound), Some(presented)) if bound == presented.id => Ok(()),
        (Some(bound), None) => match ctx.store.find_client(bound)? {
            Some(c) if c.is_confidential() => {
                Err(OAuthError::invalid_client("client authentication is required").into())
            }
            Some(_) => Err(invalid(
                "the refresh token was issued to a client: client_id is required",
            )),
            None => Err(invalid(
                "the client of the refresh token is inactive or was deleted",
            )),
        },
        _ => Err(invalid("the refresh token was issued to another client")),
    }
}
