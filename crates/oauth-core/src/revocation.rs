//! Token revocation (RFC 7009) and introspection (RFC 7662).
//!
//! Refresh tokens are revoked by family: every refresh token of the grant, and (through the grant's
//! id, recorded in `RevocationStore` and carried by access tokens as the private claim `fid`) every
//! access token issued from it. A single access token is revoked by its `jti`. Revocation records
//! live until the tokens they cover have expired, in the database, so every node agrees.

use crate::model::SessionColumn;
use uuid::Uuid;

use crate::authority::{self, Refusal};
use crate::bearer;
use crate::client_auth::AuthenticatedClient;
use crate::error::Error;
use crate::grant::Settings;
use crate::hash::TokenHash;
use crate::model::{Client, Realm, Session, UnixTime};
use crate::store::records::{ListQuery, list_all};
use crate::store::{GrantHolder, Store};
use crate::token::Subject;

/// Revokes a grant: its refresh tokens, and the access tokens issued from it. Those were issued
/// with the realm's access token lifetime *at the time*, which may since have been lowered, so the
/// record is kept for the longest lifetime a realm may have (or the realm's, if longer).
pub fn revoke_family(
    store: &dyn Store,
    realm: &Realm,
    family_id: Uuid,
    now: UnixTime,
) -> Result<(), Error> {
    store.revoke_refresh_family(family_id, now)?;
    let longest = realm
        .access_token_lifetime
        .max(crate::provision::MAX_ACCESS_TOKEN_LIFETIME);
    store.revoke_token_id(&family_id.to_string(), now + longest)?;
    Ok(())
}

/// The grant id (`fid`) of a confidential client's own tokens (client_credentials): derived from
/// the client and its current secret, so revoking it after a new secret is set ends every token
/// the old secret obtained, and tokens of the new secret carry another id.
pub fn client_grant_id(client: &Client) -> Option<Uuid> {
    let secret = client.secret_hash.as_ref()?;
    let digest = crate::hash::TokenHash::of(&format!("{}:{}", client.id, secret.as_str()));
    let raw = hex::decode(digest.as_str()).ok()?;
    Uuid::from_slice(raw.get(..16)?).ok()
}

/// Ends every grant of `holder`: its refresh-token families and (through `fid`) their access
/// tokens, and for a user also their login sessions. Run when a user's password changes, a user
/// is deactivated or deleted, or a client is deactivated, deleted or given a new secret; answers
/// how many families were revoked.
pub fn revoke_grants(
    store: &dyn Store,
    realm: &Realm,
    holder: GrantHolder,
    now: UnixTime,
) -> Result<usize, Error> {
    let families = store.refresh_families_of(holder)?;
    for family in &families {
        revoke_family(store, realm, *family, now)?;
    }
    if let GrantHolder::User(user_id) = holder {
        let query = ListQuery::by(SessionColumn::UserId, user_id);
        let sessions: Vec<Session> = list_all(store, &query)?;
        for session in sessions.iter().filter(|s| s.revoked_at.is_none()) {
            store.revoke_session(session.id, now)?;
        }
    }
    Ok(families.len())
}

/// `POST /token/revoke`: revokes `token` if it belongs to `client`'s realm and was issued to that
/// client. Unknown tokens, and tokens of other clients, change nothing (RFC 7009 §2.2: the answer
/// is the same, so it tells nothing).
pub fn revoke(
    store: &dyn Store,
    settings: &Settings,
    realm: &Realm,
    client: &AuthenticatedClient,
    token: &str,
    now: UnixTime,
) -> Result<(), Error> {
    let client_id = client.client().map(|c| c.id);
    if let Some(refresh) = store.find_refresh_token(&TokenHash::of(token))? {
        if refresh.realm_id == realm.id && refresh.client_id == client_id {
            revoke_family(store, realm, refresh.family_id, now)?;
        }
        return Ok(());
    }
    if let Ok(access) = bearer::verify(store, settings, token, now)?
        && access.realm.id == realm.id
        && access.client_id == client_id.map(|c| c.to_string())
        && let Some(jti) = access.claims.get("jti").and_then(|v| v.as_str())
    {
        store.revoke_token_id(jti, access.expires_at)?;
    }
    Ok(())
}

/// The permission that lets a caller introspect every token of its realm.
pub const INTROSPECT_PERMISSION: &str = "token_introspect";

/// Which tokens an introspecting caller may learn about (RFC 7662 §4: a resource server should
/// learn only about tokens meant for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every token of the realm: the caller holds [`INTROSPECT_PERMISSION`].
    Realm,
    /// Only tokens issued to this client or naming it in `aud`.
    Client(Uuid),
}

/// What an authenticated confidential client may introspect: every token of its realm if it
/// holds [`INTROSPECT_PERMISSION`], else only its own.
pub fn client_audience(store: &dyn Store, client: &Client) -> Result<Audience, Error> {
    let names = store.client_permission_names(client.id)?;
    Ok(if names.iter().any(|p| p == INTROSPECT_PERMISSION) {
        Audience::Realm
    } else {
        Audience::Client(client.id)
    })
}

/// Whether a bearer may introspect: its scope includes `global` and its user (or client) holds
/// [`INTROSPECT_PERMISSION`].
pub fn bearer_audience(
    store: &dyn Store,
    caller: &bearer::AccessToken,
) -> Result<Result<Audience, Refusal>, Error> {
    if let Err(refusal) = authority::admin_access(&caller.scope) {
        return Ok(Err(refusal));
    }
    let names = match caller.subject {
        Subject::User(id) => store.user_permission_names(id)?,
        Subject::Client(id) => store.client_permission_names(id)?,
    };
    Ok(if names.iter().any(|p| p == INTROSPECT_PERMISSION) {
        Ok(Audience::Realm)
    } else {
        Err(Refusal::MissingPermission(INTROSPECT_PERMISSION))
    })
}

fn names_client(claims: &serde_json::Map<String, serde_json::Value>, client: Uuid) -> bool {
    let id = client.to_string();
    let is = |v: &serde_json::Value| v.as_str() == Some(id.as_str());
    claims.get("client_id").is_some_and(is)
        || match claims.get("aud") {
            Some(serde_json::Value::Array(list)) => list.iter().any(is),
            Some(one) => is(one),
            None => false,
        }
}

/// Whether the subject of a token is still an active user (client tokens: always).
fn user_is_active(store: &dyn Store, user: Option<Uuid>) -> Result<bool, Error> {
    Ok(match user {
        Some(id) => store.find_user(id)?.is_some_and(|u| u.active),
        None => true,
    })
}

/// An introspection answer (RFC 7662 §2.2): `{"active": false}`, or the token's metadata with
/// Authup's `sub_kind`, `realm_id` and `realm_name`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Introspection {
    /// Whether the token is live and meant for the caller.
    pub active: bool,
    /// The metadata of an active token.
    #[serde(flatten)]
    pub token: Option<ActiveToken>,
}

impl Introspection {
    /// The answer for anything not recognised as live.
    pub fn inactive() -> Self {
        Self {
            active: false,
            token: None,
        }
    }
}

/// The metadata of an active token.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ActiveToken {
    /// `Bearer` (an access token) or `refresh_token`.
    pub token_type: &'static str,
    /// Granted scope.
    pub scope: String,
    /// The client it was issued to (`null`: Authup's client-less password grant).
    pub client_id: Option<String>,
    /// The user's name, for a user's token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Expiry, Unix seconds.
    pub exp: UnixTime,
    /// Issue time, Unix seconds.
    pub iat: Option<UnixTime>,
    /// The user's or client's id.
    pub sub: Option<Uuid>,
    /// An access token's audience.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<serde_json::Value>,
    /// The issuer.
    pub iss: String,
    /// An access token's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// `user` or `client`.
    pub sub_kind: crate::token::SubjectKind,
    /// The realm's id.
    pub realm_id: Uuid,
    /// The realm's name.
    pub realm_name: String,
}

/// `POST /token/introspect` by a caller of `realm` allowed to see `audience`: the token's
/// metadata if it is active in that realm, meant for the caller, and its user is still active;
/// else exactly `{"active": false}`.
pub fn introspect(
    store: &dyn Store,
    settings: &Settings,
    realm: &Realm,
    audience: Audience,
    token: &str,
    now: UnixTime,
) -> Result<Introspection, Error> {
    let inactive = Introspection::inactive();
    if let Ok(access) = bearer::verify(store, settings, token, now)? {
        let user = access.subject.user();
        let visible = match audience {
            Audience::Realm => true,
            Audience::Client(id) => names_client(&access.claims, id),
        };
        if access.realm.id != realm.id || !visible || !user_is_active(store, user)? {
            return Ok(inactive);
        }
        let username = match user {
            Some(id) => store.find_user(id)?.map(|u| u.name),
            None => None,
        };
        let text = |name: &str| {
            access
                .claims
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let token = ActiveToken {
            token_type: "Bearer",
            scope: access.scope.to_string(),
            client_id: text("client_id"),
            username,
            exp: access.expires_at,
            iat: access.claims.get("iat").and_then(serde_json::Value::as_i64),
            sub: Some(access.subject.id()),
            aud: access.claims.get("aud").cloned(),
            iss: settings.issuer(&access.realm),
            jti: text("jti"),
            sub_kind: access.subject.kind(),
            realm_id: access.realm.id,
            realm_name: access.realm.name.clone(),
        };
        return Ok(Introspection {
            active: true,
            token: Some(token),
        });
    }
    let Some(refresh) = store.find_refresh_token(&TokenHash::of(token))? else {
        return Ok(inactive);
    };
    let visible = match audience {
        Audience::Realm => true,
        Audience::Client(id) => refresh.client_id == Some(id),
    };
    let live = refresh.realm_id == realm.id
        && visible
        && refresh.revoked_at.is_none()
        && refresh.consumed_at.is_none()
        && refresh.expires_at > now
        && user_is_active(store, refresh.user_id)?;
    if !live {
        return Ok(inactive);
    }
    let username = match refresh.user_id {
        Some(id) => store.find_user(id)?.map(|u| u.name),
        None => None,
    };
    let token = ActiveToken {
        token_type: "refresh_token",
        scope: refresh.scope,
        client_id: refresh.client_id.map(|c| c.to_string()),
        username,
        exp: refresh.expires_at,
        iat: Some(refresh.created_at),
        sub: refresh.user_id,
        aud: None,
        iss: settings.issuer(realm),
        jti: None,
        sub_kind: crate::token::SubjectKind::User,
        realm_id: realm.id,
        realm_name: realm.name.clone(),
    };
    Ok(Introspection {
        active: true,
        token: Some(token),
    })
}
