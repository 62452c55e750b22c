//! Minting what the grants hand out: signed access tokens and refresh tokens.

use uuid::Uuid;

use super::Context;
use crate::error::Error;
use crate::hash::TokenHash;
use crate::model::{Client, Realm, RefreshToken, User};
use crate::oidc::{self, Authentication};
use crate::random::{random_token, random_uuid};
use crate::scope::Scope;
use crate::token::{
    ACCESS_TOKEN_KIND, ACCESS_TOKEN_TYP, AccessTokenClaims, Subject, TokenResponse, sign_jwt,
};

/// What a grant issued, and to whom: the response for the client, and the facts the server
/// audits and counts (never read back out of the signed token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The token response to send.
    pub response: TokenResponse,
    /// The realm the tokens belong to.
    pub realm_id: Uuid,
    /// Whom the access token is for.
    pub subject: Subject,
    /// The client it was issued to (`None`: Authup's client-less password grant).
    pub client_id: Option<Uuid>,
}

/// Signs an access token for `subject`; answers the JWT.
pub(super) fn access_token(
    ctx: &mut Context<'_>,
    realm: &Realm,
    subject: &Subject,
    client: Option<&Client>,
    scope: &Scope,
    family: Option<Uuid>,
) -> Result<String, Error> {
    let issuer = ctx.settings.issuer(realm);
    let signer = ctx
        .keys
        .signer(ctx.store, realm.id, realm.access_token_algorithm)?;
    let claims = AccessTokenClaims {
        sub: subject.id().to_string(),
        aud: client.map_or_else(|| issuer.clone(), |c| c.id.to_string()),
        iss: issuer,
        exp: ctx.now + realm.access_token_lifetime,
        iat: ctx.now,
        jti: random_uuid(ctx.rng).to_string(),
        client_id: client.map(|c| c.id.to_string()),
        scope: scope.to_string(),
        sub_kind: subject.kind(),
        realm_id: realm.id.to_string(),
        realm_name: realm.name.clone(),
        kind: ACCESS_TOKEN_KIND,
        kid: signer.kid.clone(),
        fid: family.map(|f| f.to_string()),
    };
    sign_jwt(&signer, ACCESS_TOKEN_TYP, &claims)
}

/// A fresh refresh token of `family_id`: its value (for the client) and its record (for the store).
pub(super) fn mint_refresh_token(
    ctx: &mut Context<'_>,
    realm: &Realm,
    user_id: Uuid,
    client: Option<&Client>,
    scope: &Scope,
    family_id: Uuid,
    authentication: Option<&Authentication>,
) -> (String, RefreshToken) {
    let value = random_token(ctx.rng);
    let record = RefreshToken {
        id: random_uuid(ctx.rng),
        token_hash: TokenHash::of(&value),
        family_id,
        realm_id: realm.id,
        client_id: client.map(|c| c.id),
        user_id: Some(user_id),
        scope: scope.to_string(),
        created_at: ctx.now,
        expires_at: ctx.now + realm.refresh_token_lifetime,
        consumed_at: None,
        revoked_at: None,
        auth_time: authentication.map(|a| a.auth_time),
        session_id: authentication.and_then(|a| a.session_id),
    };
    (value, record)
}

/// Signs the access token (and, with `openid`, a client and an `authentication`, the ID token)
/// for a user and assembles the response around a stored refresh token.
pub(super) fn user_response(
    ctx: &mut Context<'_>,
    realm: &Realm,
    user: &User,
    client: Option<&Client>,
    scope: &Scope,
    refresh_token: (String, Uuid),
    authentication: Option<&Authentication>,
) -> Result<Issued, Error> {
    let (refresh_token, family) = refresh_token;
    let subject = Subject::User(user.id);
    let access_token = access_token(ctx, realm, &subject, client, scope, Some(family))?;
    let id_token = match (client, authentication) {
        (Some(client), Some(auth)) => {
            oidc::id_token(ctx, realm, user, client, scope, &access_token, auth)?
        }
        _ => None,
    };
    let response = TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: realm.access_token_lifetime,
        scope: scope.to_string(),
        refresh_token: Some(refresh_token),
        refresh_token_expires_in: Some(realm.refresh_token_lifetime),
        id_token,
    };
    Ok(Issued {
        response,
        realm_id: realm.id,
        subject,
        client_id: client.map(|c| c.id),
    })
}
