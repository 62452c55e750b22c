//! The token endpoint's logic: realm and client resolution, then one module per grant.
//!
//! [`exchange`] takes a typed [`TokenRequest`] and a [`Context`] (store, keys, settings, the
//! current time and a random source) and answers what it [`Issued`] or an [`Error`]. It does no
//! I/O of its own beyond the store calls; the server runs it on its blocking pool.

mod authorization_code;
mod client_credentials;
mod issue;
mod password;

pub use password::authenticate_user;
mod refresh_token;

pub use issue::Issued;

use uuid::Uuid;

use crate::authority;
use crate::client_auth::{AuthenticatedClient, authenticate_client};
use crate::error::{Error, ErrorCode, OAuthError};
use crate::keys::KeySource;
use crate::model::{Client, Realm, UnixTime};
use crate::password::PasswordHasher;
use crate::random::Entropy;
use crate::request::{ClientCredentials, Grant, RealmSelector, TokenRequest};
use crate::scope::{DEFAULT_SCOPE, Scope};
use crate::store::Store;

/// The realm every server has, addressed by the root paths.
pub const MASTER_REALM: &str = "master";

/// Server-wide settings the grants need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base URL; a realm's issuer is `{public_url}/realms/{name}`.
    pub public_url: String,
    /// How long a consumed refresh token may still be exchanged (for a lost response), seconds.
    pub refresh_grace_period: i64,
    /// Password hashing.
    pub hasher: PasswordHasher,
    /// Lifetime of authorization codes, seconds (RFC 6749 §4.1.2 recommends at most 10 minutes).
    pub authorization_code_lifetime: i64,
    /// Accept PKCE `plain` (off by default, RFC 9700 §2.1.1).
    pub allow_plain_pkce: bool,
    /// Lifetime of login sessions (single sign-on), seconds.
    pub session_lifetime: i64,
    /// Throttle failed password attempts (see `throttle`); only benchmarks turn it off.
    pub login_throttle: bool,
    /// Distinct failed accounts per hour that make an address a spraying one (see `throttle`).
    pub spray_threshold: u32,
}

impl Settings {
    /// Settings with the defaults: no refresh grace period, 60 s codes, PKCE `S256` only.
    pub fn new(public_url: impl Into<String>, hasher: PasswordHasher) -> Self {
        Self {
            public_url: public_url.into(),
            refresh_grace_period: 0,
            hasher,
            authorization_code_lifetime: DEFAULT_CODE_LIFETIME,
            allow_plain_pkce: false,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            login_throttle: true,
            spray_threshold: crate::throttle::DEFAULT_SPRAY_THRESHOLD,
        }
    }
}

/// Default lifetime of login sessions: 8 hours.
pub const DEFAULT_SESSION_LIFETIME: i64 = 8 * 3600;

/// Default lifetime of authorization codes: 60 s.
pub const DEFAULT_CODE_LIFETIME: i64 = 60;

impl Settings {
    /// The issuer of a realm.
    pub fn issuer(&self, realm: &Realm) -> String {
        format!(
            "{}/realms/{}",
            self.public_url.trim_end_matches('/'),
            realm.name
        )
    }
}

/// What a grant runs with: the store, the keys, the settings, the time and randomness.
pub struct Context<'a> {
    /// Persistence.
    pub store: &'a dyn Store,
    /// Signing keys.
    pub keys: &'a dyn KeySource,
    /// Settings.
    pub settings: &'a Settings,
    /// The current time, read once by the caller.
    pub now: UnixTime,
    /// Randomness for ids and tokens.
    pub rng: &'a mut dyn Entropy,
    /// Called once, right after the password grant's Argon2 verification, so the caller can
    /// release what it reserved for hashing (the server's hashing permit) before the database
    /// work that follows.
    pub after_password_hash: Option<Box<dyn FnOnce() + Send + 'a>>,
    /// The client's IP address, for the brute-force throttle.
    pub client_ip: Option<String>,
}

/// Runs a token request to what it issued (the response, and to whom).
pub fn exchange(ctx: &mut Context<'_>, request: TokenRequest) -> Result<Issued, Error> {
    let realm = resolve_realm(ctx.store, &request.realm, &request.client)?;
    let client = authenticate_client(ctx.store, &realm, &request.client)?;
    if let Some(c) = client.client() {
        let grant_type = request.grant.grant_type();
        if !c.allows_grant_type(grant_type) {
            return Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                format!("the client may not use grant type '{grant_type}'"),
            )
            .into());
        }
    }
    match request.grant {
        Grant::Password {
            username,
            password,
            scope,
        } => password::grant(ctx, &realm, &client, &username, &password, scope),
        Grant::ClientCredentials { scope } => {
            client_credentials::grant(ctx, &realm, &client, scope)
        }
        Grant::RefreshToken {
            refresh_token,
            scope,
        } => refresh_token::grant(ctx, &realm, &client, &refresh_token, scope),
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => authorization_code::grant(
            ctx,
            &realm,
            &client,
            &code,
            &redirect_uri,
            code_verifier.as_ref(),
        ),
    }
}

fn unknown_realm() -> Error {
    OAuthError::invalid_request("the realm does not exist").into()
}

/// The realm a request addresses (DESIGN §3: path, then parameters, then the client's realm, then
/// master).
pub fn resolve_realm(
    store: &dyn Store,
    selector: &RealmSelector,
    client: &ClientCredentials,
) -> Result<Realm, Error> {
    let found = match selector {
        RealmSelector::Named(name) => store.find_realm_by_name(name)?,
        RealmSelector::Default {
            realm_id: Some(id), ..
        } => match Uuid::parse_str(id) {
            Ok(id) => store.find_realm(id)?,
            // Authup's clients send the realm's name as `realm_id` too (names are never UUIDs).
            Err(_) => store.find_realm_by_name(id)?,
        },
        RealmSelector::Default {
            realm_name: Some(name),
            ..
        } => store.find_realm_by_name(name)?,
        RealmSelector::Default { .. } => {
            let by_client = match client.client_id.as_deref().map(Uuid::parse_str) {
                Some(Ok(id)) => store.find_client(id)?.map(|c| c.realm_id),
                _ => None,
            };
            match by_client {
                Some(realm_id) => store.find_realm(realm_id)?,
                None => store.find_realm_by_name(MASTER_REALM)?,
            }
        }
    };
    found.ok_or_else(unknown_realm)
}

/// The scope to grant: the requested scope, checked against the realm's scopes and the client's
/// allowed scopes; `global` (Authup's default) when none is asked for. Only the client-less
/// password grant and first-party clients listing it may get `global` (`authority`).
pub fn resolve_scope(
    store: &dyn Store,
    realm: &Realm,
    client: Option<&Client>,
    requested: Option<Scope>,
) -> Result<Scope, Error> {
    let allowed_by_client = client
        .and_then(|c| c.scope.as_deref())
        .map(Scope::parse)
        .transpose()?;
    let may_admin = authority::may_receive_admin_scope(client);
    let requested = match requested.filter(|s| !s.is_empty()) {
        Some(scope) => scope,
        None => match &allowed_by_client {
            Some(allowed) if !allowed.contains(DEFAULT_SCOPE) => allowed.clone(),
            _ if may_admin => Scope::parse(DEFAULT_SCOPE)?,
            // A client that may not hold `global` gets its other allowed scopes, or none.
            Some(allowed) => allowed
                .iter()
                .filter(|t| *t != authority::ADMIN_SCOPE)
                .map(str::to_owned)
                .collect(),
            None => Scope::parse("")?,
        },
    };
    if !may_admin && requested.contains(authority::ADMIN_SCOPE) {
        return Err(OAuthError::invalid_scope(
            "scope not allowed for this client: global (the admin scope is only for first-party \
             clients that list it)",
        )
        .into());
    }
    let realm_scopes: Scope = store
        .list_scopes(realm.id)?
        .into_iter()
        .map(|s| s.name)
        .collect();
    if !requested.is_subset(&realm_scopes) {
        return Err(OAuthError::invalid_scope(format!(
            "unknown scope: {}",
            requested.missing_from(&realm_scopes)
        ))
        .into());
    }
    if let Some(allowed) = allowed_by_client
        && !requested.is_subset(&allowed)
    {
        return Err(OAuthError::invalid_scope(format!(
            "scope not allowed for this client: {}",
            requested.missing_from(&allowed)
        ))
        .into());
    }
    Ok(requested)
}

impl AuthenticatedClient {
    /// Fails unless the client was authenticated with a secret.
    fn require_confidential(&self) -> Result<&Client, Error> {
        match self {
            Self::Confidential(c) => Ok(c),
            Self::Public(_) => Err(OAuthError::new(
                ErrorCode::UnauthorizedClient,
                "a public client may not use this grant",
            )
            .into()),
            Self::Anonymous => {
                Err(OAuthError::invalid_client("client authentication is required").into())
            }
        }
    }
}

#[cfg(test)]
mod tests;
