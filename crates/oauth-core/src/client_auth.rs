//! Client authentication (RFC 6749 §2.3): `client_secret_basic`, `client_secret_post`, `none`.
//!
//! A client is named by its UUID or, as Authup allows, by its name in the realm. Confidential
//! clients must present their secret, compared against its stored SHA-256 in constant time; public
//! clients must not present one. Every failure is `invalid_client` (the server answers 401).

use uuid::Uuid;

use crate::error::{Error, OAuthError};
use crate::model::{Client, Realm};
use crate::request::ClientCredentials;
use crate::store::Store;

/// The outcome of client authentication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthenticatedClient {
    /// No client was named (Authup's password and refresh grants allow this).
    Anonymous,
    /// A public client, identified by `client_id` alone.
    Public(Client),
    /// A confidential client whose secret was verified.
    Confidential(Client),
}

impl AuthenticatedClient {
    /// The client, if one was named.
    pub fn client(&self) -> Option<&Client> {
        match self {
            Self::Anonymous => None,
            Self::Public(c) | Self::Confidential(c) => Some(c),
        }
    }
}

/// Finds the client named by `client_id` in `realm` (by UUID or by name).
pub fn find_client(
    store: &dyn Store,
    realm: &Realm,
    client_id: &str,
) -> Result<Option<Client>, Error> {
    let found = match Uuid::parse_str(client_id) {
        Ok(id) => store.find_client(id)?,
        Err(_) => store.find_client_by_name(realm.id, client_id)?,
    };
    Ok(found.filter(|c| c.realm_id == realm.id))
}

/// Authenticates the client presented with a request.
pub fn authenticate_client(
    store: &dyn Store,
    realm: &Realm,
    credentials: &ClientCredentials,
) -> Result<AuthenticatedClient, Error> {
    let Some(client_id) = credentials.client_id.as_deref() else {
        return Ok(AuthenticatedClient::Anonymous);
    };
    let fail = |why: &'static str| -> Error { OAuthError::invalid_client(why).into() };
    let client = find_client(store, realm, client_id)?.ok_or_else(|| fail("unknown client"))?;
    if !client.active {
        return Err(fail("the client is inactive"));
    }
    match (&client.secret_hash, &credentials.secret) {
        (Some(hash), Some(secret)) if hash.matches(secret.secret()) => {
            Ok(AuthenticatedClient::Confidential(client))
        }
        (Some(_), Some(_)) => Err(fail("client authentication failed")),
        (Some(_), None) => Err(fail("client authentication is required")),
        (None, Some(_)) => Err(fail("a public client must not send a client secret")),
        (None, None) => Ok(AuthenticatedClient::Public(client)),
    }
}
