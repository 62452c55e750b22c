//! Access tokens (RFC 9068 JWTs) and the token endpoint's success response (RFC 6749 §5.1).

use josekit::jws::JwsHeader;
use josekit::jwt::{self, JwtPayload};
use serde::Serialize;
use uuid::Uuid;

use crate::error::Error;
use crate::keys::Signer;

/// The `typ` header of access tokens (RFC 9068 §2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// Who an access token was issued for (Authup's `sub_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    /// A user, through the password, refresh or code grant.
    User,
    /// A client acting for itself (client_credentials).
    Client,
}

impl SubjectKind {
    /// As written in `sub_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Client => "client",
        }
    }
}

/// A token's subject, or whose grants or powers an act concerns: `sub` and `sub_kind` together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A user, by id.
    User(Uuid),
    /// A client, by id.
    Client(Uuid),
}

impl Subject {
    /// Reads `sub` and `sub_kind`; `None` unless both are well formed.
    pub fn parse(sub: &str, sub_kind: &str) -> Option<Self> {
        let id = Uuid::parse_str(sub).ok()?;
        match sub_kind {
            "user" => Some(Self::User(id)),
            "client" => Some(Self::Client(id)),
            _ => None,
        }
    }

    /// The record id.
    pub fn id(self) -> Uuid {
        match self {
            Self::User(id) | Self::Client(id) => id,
        }
    }

    /// Which kind of record.
    pub fn kind(self) -> SubjectKind {
        match self {
            Self::User(_) => SubjectKind::User,
            Self::Client(_) => SubjectKind::Client,
        }
    }

    /// The user's id, for a user.
    pub fn user(self) -> Option<Uuid> {
        match self {
            Self::User(id) => Some(id),
            Self::Client(_) => None,
        }
    }
}

/// Authup's `kind` claim of an access token.
pub const ACCESS_TOKEN_KIND: &str = "access_token";

/// The claims of an access token: RFC 9068 §2.2 plus Authup's `sub_kind`, `realm_id`,
/// `realm_name`, `kind` and `kid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessTokenClaims {
    /// Issuer: `{public_url}/realms/{realm}`.
    pub iss: String,
    /// Subject: the user's or the client's id.
    pub sub: String,
    /// Audience.
    pub aud: String,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Issue time (Unix seconds).
    pub iat: i64,
    /// Unique token id.
    pub jti: String,
    /// The client the token was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Granted scope, space-separated.
    pub scope: String,
    /// Kind of subject.
    pub sub_kind: SubjectKind,
    /// Realm id.
    pub realm_id: String,
    /// Realm name.
    pub realm_name: String,
    /// Authup's token kind, [`ACCESS_TOKEN_KIND`].
    pub kind: &'static str,
    /// The signing key's id, also in the header: Authup's verifier reads it from the payload.
    pub kid: String,
    /// The grant (refresh token family) the token was issued from; revoking the grant revokes
    /// the token (a private claim).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fid: Option<String>,
}

/// Signs `claims` as a compact JWS with `typ` and the signer's `kid` in the header.
pub fn sign_jwt(signer: &Signer, typ: &str, claims: &impl Serialize) -> Result<String, Error> {
    let map = match serde_json::to_value(claims) {
        Ok(serde_json::Value::Object(map)) => map,
        Ok(_) => return Err(Error::internal("JWT claims must serialize to an object")),
        Err(e) => return Err(Error::internal(format!("JWT claims: {e}"))),
    };
    let payload = JwtPayload::from_map(map)?;
    let mut header = JwsHeader::new();
    header.set_token_type(typ);
    header.set_key_id(signer.kid.clone());
    Ok(jwt::encode_with_signer(
        &payload,
        &header,
        signer.jws_signer(),
    )?)
}

/// The token endpoint's success body (RFC 6749 §5.1), in Authup's shape.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct TokenResponse {
    /// The access token (a JWT).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Access token lifetime in seconds.
    pub expires_in: i64,
    /// Granted scope.
    pub scope: String,
    /// The refresh token, for grants that issue one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Refresh token lifetime in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_in: Option<i64>,
    /// The OpenID Connect ID token, when `openid` was granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_signing_key;
    use crate::model::{KeyStatus, SigningAlgorithm};
    use crate::random::SeededEntropy;

    #[test]
    fn signed_token_has_rfc9068_header_and_verifies() {
        let mut rng = SeededEntropy::new(5);
        let key = generate_signing_key(
            uuid::Uuid::nil(),
            SigningAlgorithm::Es256,
            KeyStatus::Active,
            0,
            &mut rng,
        )
        .unwrap();
        let signer = Signer::from_key(&key).unwrap();
        let claims = AccessTokenClaims {
            iss: "http://localhost:3001/realms/master".into(),
            sub: "user".into(),
            aud: "client".into(),
            exp: 4_000_000_000,
            iat: 1_000,
            jti: "j".into(),
            client_id: None,
            scope: "global".into(),
            sub_kind: SubjectKind::User,
            realm_id: "r".into(),
            realm_name: "master".into(),
            kind: ACCESS_TOKEN_KIND,
            kid: signer.kid.clone(),
            fid: None,
        };
        let jwt = sign_jwt(&signer, ACCESS_TOKEN_TYP, &claims).unwrap();
        let jwk = josekit::jwk::Jwk::from_bytes(key.public_jwk.as_bytes()).unwrap();
        let verifier = josekit::jws::ES256.verifier_from_jwk(&jwk).unwrap();
        let (payload, header) = josekit::jwt::decode_with_verifier(&jwt, &verifier).unwrap();
        assert_eq!(header.token_type(), Some("at+jwt"));
        assert_eq!(header.key_id(), Some(key.id.to_string().as_str()));
        assert_eq!(payload.claim("sub_kind"), Some(&serde_json::json!("user")));
        assert_eq!(
            payload.claim("kind"),
            Some(&serde_json::json!("access_token"))
        );
        assert_eq!(
            payload.claim("kid"),
            Some(&serde_json::json!(key.id.to_string()))
        );
        assert!(payload.claim("client_id").is_none());
    }

    #[test]
    fn debug_of_a_response_hides_tokens() {
        let response = TokenResponse {
            access_token: "eyJsecret".into(),
            token_type: "Bearer",
            expires_in: 3600,
            scope: "global".into(),
            refresh_token: Some("refreshsecret".into()),
            refresh_token_expires_in: Some(10),
            id_token: None,
        };
        let printed = format!("{response:?}");
        assert!(!printed.contains("eyJsecret") && !printed.contains("refreshsecret"));
    }
}
