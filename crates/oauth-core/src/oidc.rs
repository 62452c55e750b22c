//! OpenID Connect: ID tokens (Core §2, §3.1.3.6) and the discovery document (Discovery §3,
//! RFC 8414).
//!
//! An ID token is issued with the tokens of the authorization code, password and refresh grants
//! when the granted scope holds `openid` and a client is known (its id is the audience); on refresh
//! it keeps the grant's `auth_time` and `sid` but not the `nonce` (Core §12.2). It is signed with
//! the realm's RS256 key (ES256 when the client registered it), carries `auth_time`, the request's `nonce`, the session id `sid`, and
//! `at_hash` binding it to the access token; `profile`-like claims follow the `identity` scope and
//! e-mail claims the `email` scope.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::Error;
use crate::grant::{Context, Settings};
use crate::model::{Client, Realm, SigningAlgorithm, UnixTime, User};
use crate::scope::Scope;
use crate::token::sign_jwt;

/// How and when the user authenticated, for the ID token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Authentication {
    /// When the user authenticated.
    pub auth_time: UnixTime,
    /// The authorization request's `nonce`.
    pub nonce: Option<String>,
    /// The login session.
    pub session_id: Option<Uuid>,
}

/// The claims of an ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdTokenClaims {
    /// Issuer.
    pub iss: String,
    /// The user's id.
    pub sub: String,
    /// The client's id.
    pub aud: String,
    /// Authorized party: the client.
    pub azp: String,
    /// Expiry.
    pub exp: i64,
    /// Issue time.
    pub iat: i64,
    /// When the user authenticated.
    pub auth_time: i64,
    /// The request's nonce.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Left half of SHA-256 of the access token, base64url (Core §3.1.3.6).
    pub at_hash: String,
    /// Session id (Front-/Back-Channel Logout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Authentication methods: a password.
    pub amr: Vec<&'static str>,
    /// The user's claims the scope allows.
    #[serde(flatten)]
    pub profile: ProfileClaims,
}

/// The claims about a user that a scope allows, in ID tokens and UserInfo alike: the profile with
/// `identity` (Authup's) or `profile`, the e-mail address with `email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileClaims {
    /// Login name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Display name, else the login name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Given name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the e-mail address is verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

/// Whether `scope` allows the profile claims. Authup's `global` allows every claim.
fn allows_profile(scope: &Scope) -> bool {
    scope.contains("identity") || scope.contains("profile") || scope.contains("global")
}

/// Whether `scope` allows the e-mail claims.
fn allows_email(scope: &Scope) -> bool {
    scope.contains("email") || scope.contains("global")
}

/// Whether a token of `scope` may read UserInfo: `openid` (OpenID Connect Core §5.3), or
/// Authup's `global`, whose `userInfo.get()` reads the user with the token of a password login.
pub fn userinfo_allowed(scope: &Scope) -> bool {
    scope.contains("openid") || scope.contains("global")
}

impl ProfileClaims {
    /// The claims of `user` that `scope` allows.
    pub fn of(user: &User, scope: &Scope) -> Self {
        let profile = allows_profile(scope);
        let email = user.email.clone().filter(|_| allows_email(scope));
        Self {
            preferred_username: profile.then(|| user.name.clone()),
            name: profile.then(|| {
                user.display_name
                    .clone()
                    .unwrap_or_else(|| user.name.clone())
            }),
            given_name: user.first_name.clone().filter(|_| profile),
            family_name: user.last_name.clone().filter(|_| profile),
            email_verified: email.as_ref().map(|_| user.email_verified),
            email,
        }
    }
}

/// `at_hash` of an access token signed with a SHA-256 algorithm (RS256, ES256).
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Signs the ID token for `user` and `client`, if `scope` holds `openid`.
pub fn id_token(
    ctx: &mut Context<'_>,
    realm: &Realm,
    user: &User,
    client: &Client,
    scope: &Scope,
    access_token: &str,
    authentication: &Authentication,
) -> Result<Option<String>, Error> {
    if !scope.contains("openid") {
        return Ok(None);
    }
    let claims = IdTokenClaims {
        iss: ctx.settings.issuer(realm),
        sub: user.id.to_string(),
        aud: client.id.to_string(),
        azp: client.id.to_string(),
        exp: ctx.now + realm.access_token_lifetime,
        iat: ctx.now,
        auth_time: authentication.auth_time,
        nonce: authentication.nonce.clone(),
        at_hash: at_hash(access_token),
        sid: authentication.session_id.map(|s| s.to_string()),
        amr: vec!["pwd"],
        profile: ProfileClaims::of(user, scope),
    };
    let algorithm = client
        .id_token_signed_response_alg
        .unwrap_or(SigningAlgorithm::Rs256);
    let signer = ctx.keys.signer(ctx.store, realm.id, algorithm)?;
    sign_jwt(&signer, "JWT", &claims).map(Some)
}

/// The UserInfo response (Core §5.3): `sub`, and the claims the token's scope allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    /// The user's id.
    pub sub: Uuid,
    /// The profile and e-mail claims.
    #[serde(flatten)]
    pub profile: ProfileClaims,
    /// Last change of the user, Unix seconds (with the profile claims).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<UnixTime>,
}

/// The UserInfo claims of `user` for a token of `scope`.
pub fn userinfo(user: &User, scope: &Scope) -> UserInfo {
    UserInfo {
        sub: user.id,
        profile: ProfileClaims::of(user, scope),
        updated_at: allows_profile(scope).then_some(user.updated_at),
    }
}

/// A realm's OpenID Connect discovery document (also served as RFC 8414 metadata).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderMetadata {
    /// The realm's issuer.
    pub issuer: String,
    /// `{issuer}/authorize`.
    pub authorization_endpoint: String,
    /// `{issuer}/token`.
    pub token_endpoint: String,
    /// `{issuer}/jwks`.
    pub jwks_uri: String,
    /// `{issuer}/userinfo`.
    pub userinfo_endpoint: String,
    /// `{issuer}/token/introspect`.
    pub introspection_endpoint: String,
    /// `{issuer}/token/revoke`.
    pub revocation_endpoint: String,
    /// `{issuer}/logout`.
    pub end_session_endpoint: String,
    /// The realm's scopes.
    pub scopes_supported: Vec<String>,
    /// `code`.
    pub response_types_supported: &'static [&'static str],
    /// `query`.
    pub response_modes_supported: &'static [&'static str],
    /// The four grants.
    pub grant_types_supported: &'static [&'static str],
    /// `public`.
    pub subject_types_supported: &'static [&'static str],
    /// RS256 and ES256.
    pub id_token_signing_alg_values_supported: &'static [&'static str],
    /// Basic, post and none.
    pub token_endpoint_auth_methods_supported: &'static [&'static str],
    /// `S256`, and `plain` when enabled.
    pub code_challenge_methods_supported: Vec<&'static str>,
    /// `none`, `login`, `consent`.
    pub prompt_values_supported: &'static [&'static str],
    /// The claims of ID tokens and UserInfo.
    pub claims_supported: &'static [&'static str],
    /// RFC 9207: `iss` comes back with every authorization response.
    pub authorization_response_iss_parameter_supported: bool,
}

/// The discovery document of `realm`, whose scopes are `scopes`.
pub fn discovery(settings: &Settings, realm: &Realm, scopes: &[String]) -> ProviderMetadata {
    let issuer = settings.issuer(realm);
    let mut pkce = vec!["S256"];
    if settings.allow_plain_pkce {
        pkce.push("plain");
    }
    ProviderMetadata {
        authorization_endpoint: format!("{issuer}/authorize"),
        token_endpoint: format!("{issuer}/token"),
        jwks_uri: format!("{issuer}/jwks"),
        userinfo_endpoint: format!("{issuer}/userinfo"),
        introspection_endpoint: format!("{issuer}/token/introspect"),
        revocation_endpoint: format!("{issuer}/token/revoke"),
        end_session_endpoint: format!("{issuer}/logout"),
        issuer,
        scopes_supported: scopes.to_vec(),
        response_types_supported: &["code"],
        response_modes_supported: &["query"],
        grant_types_supported: &[
            "authorization_code",
            "client_credentials",
            "password",
            "refresh_token",
        ],
        subject_types_supported: &["public"],
        id_token_signing_alg_values_supported: &["RS256", "ES256"],
        token_endpoint_auth_methods_supported: &[
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        code_challenge_methods_supported: pkce,
        prompt_values_supported: &["none", "login", "consent"],
        claims_supported: &[
            "iss",
            "sub",
            "aud",
            "azp",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "sid",
            "amr",
            "preferred_username",
            "name",
            "given_name",
            "family_name",
            "email",
            "email_verified",
        ],
        authorization_response_iss_parameter_supported: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_openid_example() {
        // OpenID Connect Core, appendix A.3's access token and at_hash.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
