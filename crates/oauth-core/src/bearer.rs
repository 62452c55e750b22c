//! Access tokens presented as bearer tokens (RFC 6750, RFC 9068 §4): verification for the
//! resource endpoints this server hosts (userinfo, and later the admin API and introspection).
//!
//! A token is accepted only if its header says `typ: at+jwt`, its `kid` names a published
//! (active or passive) key, the signature verifies with that key's algorithm, `iss` is the key's
//! realm's issuer, `exp` is in the future, and neither its `jti` nor its grant (`fid`) was revoked. Every failure is the same kind of error, with a
//! description safe to return in `WWW-Authenticate`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use josekit::jws::{ES256, RS256};
use uuid::Uuid;

use crate::error::Error;
use crate::grant::Settings;
use crate::model::{KeyStatus, Realm, SigningAlgorithm, UnixTime};
use crate::scope::Scope;
use crate::store::Store;
use crate::token::{ACCESS_TOKEN_TYP, Subject};

/// A verified access token.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessToken {
    /// The realm whose key signed it.
    pub realm: Realm,
    /// `sub` and `sub_kind`.
    pub subject: Subject,
    /// `client_id`, if any.
    pub client_id: Option<String>,
    /// Granted scope.
    pub scope: Scope,
    /// Expiry.
    pub expires_at: UnixTime,
    /// All claims.
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// Why a bearer token was refused (RFC 6750 §3.1 `invalid_token`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid_token: {0}")]
pub struct InvalidToken(pub &'static str);

/// A JWS's claims and the realm of the key that signed it.
pub type SignedToken = (serde_json::Map<String, serde_json::Value>, Realm);

/// Checks a JWS signed by one of this server's published keys with header `typ`; answers its
/// claims and the realm of the key. `Ok(Err(_))` is a refused token, `Err(_)` a store failure.
pub fn verify_signed(
    store: &dyn Store,
    token: &str,
    typ: &str,
) -> Result<Result<SignedToken, InvalidToken>, Error> {
    let Some(header) = token
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
    else {
        return Ok(Err(InvalidToken("the token is not a JWT")));
    };
    if header["typ"].as_str() != Some(typ) {
        return Ok(Err(InvalidToken("the token is not of the expected type")));
    }
    let Some(kid) = header["kid"].as_str().and_then(|k| Uuid::parse_str(k).ok()) else {
        return Ok(Err(InvalidToken("the token names no known key")));
    };
    let keys = store.list_signing_keys(None)?;
    let Some(key) = keys
        .iter()
        .find(|k| k.id == kid && k.status != KeyStatus::Disabled)
    else {
        return Ok(Err(InvalidToken("the token names no known key")));
    };
    if header["alg"].as_str() != Some(key.algorithm.as_str()) {
        return Ok(Err(InvalidToken(
            "the token's algorithm does not match its key",
        )));
    }
    let jwk = Jwk::from_bytes(key.public_jwk.as_bytes())
        .map_err(|e| Error::internal(format!("key {} has a corrupt JWK: {e}", key.id)))?;
    let decoded = match key.algorithm {
        SigningAlgorithm::Es256 => {
            josekit::jwt::decode_with_verifier(token, &ES256.verifier_from_jwk(&jwk)?)
        }
        SigningAlgorithm::Rs256 => {
            josekit::jwt::decode_with_verifier(token, &RS256.verifier_from_jwk(&jwk)?)
        }
    };
    let Ok((payload, _)) = decoded else {
        return Ok(Err(InvalidToken("the token's signature does not verify")));
    };
    let Some(realm) = store.find_realm(key.realm_id)? else {
        return Ok(Err(InvalidToken("the token's realm no longer exists")));
    };
    Ok(Ok((payload.claims_set().clone(), realm)))
}

/// Verifies an access token; `Ok(Err(_))` is a refused token, `Err(_)` a store failure.
pub fn verify(
    store: &dyn Store,
    settings: &Settings,
    token: &str,
    now: UnixTime,
) -> Result<Result<AccessToken, InvalidToken>, Error> {
    let (claims, realm) = match verify_signed(store, token, ACCESS_TOKEN_TYP)? {
        Ok(verified) => verified,
        Err(InvalidToken("the token is not of the expected type")) => {
            return Ok(Err(InvalidToken("the token is not an access token")));
        }
        Err(invalid) => return Ok(Err(invalid)),
    };
    if claims.get("iss").and_then(|v| v.as_str()) != Some(settings.issuer(&realm).as_str()) {
        return Ok(Err(InvalidToken("the token was issued by another issuer")));
    }
    let Some(expires_at) = claims.get("exp").and_then(serde_json::Value::as_i64) else {
        return Ok(Err(InvalidToken("the token has no expiry")));
    };
    if expires_at <= now {
        return Ok(Err(InvalidToken("the token has expired")));
    }
    let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let mut ids: Vec<String> = Vec::with_capacity(2);
    ids.extend(text("jti"));
    ids.extend(text("fid"));
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    if store.any_revoked(&ids)? {
        return Ok(Err(InvalidToken("the token was revoked")));
    }
    let subject = match (text("sub"), text("sub_kind")) {
        (Some(sub), Some(kind)) => Subject::parse(&sub, &kind),
        _ => None,
    };
    let Some(subject) = subject else {
        return Ok(Err(InvalidToken("the token has no subject")));
    };
    // A client's own token dies with the client: deleted or deactivated.
    if let Subject::Client(id) = subject
        && !store.find_client(id)?.is_some_and(|c| c.active)
    {
        return Ok(Err(InvalidToken("the token's client is gone or inactive")));
    }
    let Ok(scope) = Scope::parse(&text("scope").unwrap_or_default()) else {
        return Ok(Err(InvalidToken("the token's scope is malformed")));
    };
    Ok(Ok(AccessToken {
        subject,
        client_id: text("client_id"),
        scope,
        expires_at,
        claims,
        realm,
    }))
}

#[cfg(test)]
mod tests;
