//! The client credentials grant (RFC 6749 §4.4): a confidential client acting for itself.
//!
//! No refresh token (RFC 6749 §4.4.3), no database write, no slow hash: the cost is the client
//! lookup and one JWS signature.

use super::issue::{Issued, access_token};
use super::{Context, resolve_scope};
use crate::client_auth::AuthenticatedClient;
use crate::error::Error;
use crate::model::Realm;
use crate::scope::Scope;
use crate::token::{Subject, TokenResponse};

pub(super) fn grant(
    ctx: &mut Context<'_>,
    realm: &Realm,
    client: &AuthenticatedClient,
    scope: Option<Scope>,
) -> Result<Issued, Error> {
    let client = client.require_confidential()?;
    let scope = resolve_scope(ctx.store, realm, Some(client), scope)?;
    let subject = Subject::Client(client.id);
    // The grant id ties the token to the secret that obtained it (revoked with a new secret).
    let grant = crate::revocation::client_grant_id(client);
    let access_token = access_token(ctx, realm, &subject, Some(client), &scope, grant)?;
    let response = TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: realm.access_token_lifetime,
        scope: scope.to_string(),
        refresh_token: None,
        refresh_token_expires_in: None,
        id_token: None,
    };
    Ok(Issued {
        response,
        realm_id: realm.id,
        subject,
        client_id: Some(client.id),
    })
}
