//! The authorization code grant's token request (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6).
//!
//! A code is bound to its client, redirect URI, PKCE challenge and realm; it is single use (an
//! atomic compare-and-set in the store) and short-lived. A code presented twice is an attack or a
//! bug: the second redemption answers `invalid_grant` and revokes every refresh token issued from
//! the first (RFC 6749 §4.1.2, RFC 9700 §4.5).

use super::{Context, issue};
use crate::client_auth::AuthenticatedClient;
use crate::error::{Error, OAuthError};
use crate::hash::TokenHash;
use crate::model::{Client, Realm};
use crate::oidc::Authentication;
use crate::pkce::{self, CodeChallengeMethod};
use crate::revocation::revoke_family;
use crate::scope::Scope;
use crate::secret::{AuthorizationCodeSecret, PkceVerifier};

fn invalid(why: &'static str) -> Error {
    OAuthError::invalid_grant(why).into()
}

pub(super) fn grant(
    ctx: &mut Context<'_>,
    realm: &Realm,
    client: &AuthenticatedClient,
    presented: &AuthorizationCodeSecret,
    redirect_uri: &str,
    verifier: Option<&PkceVerifier>,
) -> Result<super::Issued, Error> {
    let client: &Client = match client {
        AuthenticatedClient::Anonymous => {
            return Err(OAuthError::invalid_request(
                "client_id is required to redeem an authorization code",
            )
            .into());
        }
        AuthenticatedClient::Public(c) | AuthenticatedClient::Confidential(c) => c,
    };
    let code = ctx
        .store
        .find_authorization_code(&TokenHash::of(presented.secret()))?
        .filter(|c| c.realm_id == realm.id)
        .ok_or_else(|| invalid("the authorization code is invalid"))?;
    if code.client_id != client.id {
        return Err(invalid(
            "the authorization code was issued to another client",
        ));
    }
    if code.consumed_at.is_some() {
        revoke_family(ctx.store, realm, code.family_id, ctx.now)?;
        return Err(invalid(
            "the authorization code was already used; the tokens issued from it are revoked",
        ));
    }
    if code.expires_at <= ctx.now {
        return Err(invalid("the authorization code has expired"));
    }
    if code.redirect_uri != redirect_uri {
        return Err(invalid(
            "redirect_uri differs from the one of the authorization request",
        ));
    }
    match (&code.code_challenge, verifier) {
        (Some(challenge), Some(verifier)) => {
            let method = match code.code_challenge_method.as_deref() {
                Some("plain") => CodeChallengeMethod::Plain,
                _ => CodeChallengeMethod::S256,
            };
            if !pkce::verify(verifier.secret(), challenge, method) {
                return Err(invalid("code_verifier does not match the code_challenge"));
            }
        }
        (Some(_), None) => return Err(invalid("code_verifier is required")),
        (None, Some(_)) => {
            return Err(invalid(
                "code_verifier was sent but the authorization request had no code_challenge",
            ));
        }
        (None, None) if !client.is_confidential() => {
            return Err(invalid("public clients must use PKCE"));
        }
        (None, None) => {}
    }
    let user = match ctx.store.find_user(code.user_id)? {
        Some(user) if user.active => user,
        _ => return Err(invalid("the user is inactive or was deleted")),
    };
    let scope = Scope::parse(&code.scope)?;
    let authentication = Authentication {
        auth_time: code.auth_time,
        nonce: code.nonce.clone(),
        session_id: code.session_id,
    };
    let (value, record) = issue::mint_refresh_token(
        ctx,
        realm,
        code.user_id,
        Some(client),
        &scope,
        code.family_id,
        Some(&authentication),
    );
    if !ctx
        .store
        .redeem_authorization_code(code.id, &record, ctx.now)?
    {
        revoke_family(ctx.store, realm, code.family_id, ctx.now)?;
        return Err(invalid(
            "the authorization code was already used; the tokens issued from it are revoked",
        ));
    }
    issue::user_response(
        ctx,
        realm,
        &user,
        Some(client),
        &scope,
        (value, code.family_id),
        Some(&authentication),
    )
}
