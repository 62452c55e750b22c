//! Row types of the grant tables (signing keys, refresh tokens, sessions, authorization codes,
//! consents) and their conversions to and from the core's records.

use super::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::signing_keys, treat_none_as_null = true)]
pub(super) struct KeyRow {
    pub(super) id: conv::Id,
    pub(super) realm_id: conv::Id,
    pub(super) algorithm: String,
    pub(super) status: String,
    pub(super) private_key: String,
    pub(super) public_jwk: String,
    pub(super) created_at: DateTime<Utc>,
}

/// A signing key's row carries the private key as stored: `KeyStore` seals it before
/// `from_model` and opens it after `into_model` (with `DbStore::sealing`); the admin records of
/// keys (`Records<SigningKey>`) keep the stored form.
impl KeyRow {
    pub(super) fn from_model(k: &SigningKey) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(k.id),
            realm_id: conv::id(k.realm_id),
            algorithm: k.algorithm.as_str().to_owned(),
            status: k.status.as_str().to_owned(),
            private_key: k.private_key.secret().to_owned(),
            public_jwk: k.public_jwk.clone(),
            created_at: ts(k.created_at)?,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<SigningKey> {
        Ok(SigningKey {
            private_key: PrivateKeyDer::new(self.private_key),
            id: conv::uuid(self.id)?,
            realm_id: conv::uuid(self.realm_id)?,
            algorithm: store_shared::parse_algorithm(&self.algorithm)?,
            status: store_shared::parse_status(&self.status)?,
            public_jwk: self.public_jwk,
            created_at: unix(self.created_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::refresh_tokens)]
pub(super) struct RefreshRow {
    pub(super) id: conv::Id,
    pub(super) token_hash: String,
    pub(super) family_id: conv::Id,
    pub(super) realm_id: conv::Id,
    pub(super) client_id: Option<conv::Id>,
    pub(super) user_id: Option<conv::Id>,
    pub(super) scope: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) expires_at: DateTime<Utc>,
    pub(super) consumed_at: Option<DateTime<Utc>>,
    pub(super) revoked_at: Option<DateTime<Utc>>,
    pub(super) auth_time: Option<DateTime<Utc>>,
    pub(super) session_id: Option<conv::Id>,
}

impl RefreshRow {
    pub(super) fn from_model(t: &RefreshToken) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(t.id),
            token_hash: t.token_hash.as_str().to_owned(),
            family_id: conv::id(t.family_id),
            realm_id: conv::id(t.realm_id),
            client_id: t.client_id.map(conv::id),
            user_id: t.user_id.map(conv::id),
            scope: t.scope.clone(),
            created_at: ts(t.created_at)?,
            expires_at: ts(t.expires_at)?,
            consumed_at: opt_ts(t.consumed_at)?,
            revoked_at: opt_ts(t.revoked_at)?,
            auth_time: opt_ts(t.auth_time)?,
            session_id: t.session_id.map(conv::id),
        })
    }
    pub(super) fn into_model(self) -> StoreResult<RefreshToken> {
        Ok(RefreshToken {
            id: conv::uuid(self.id)?,
            token_hash: TokenHash::from_stored(self.token_hash),
            family_id: conv::uuid(self.family_id)?,
            realm_id: conv::uuid(self.realm_id)?,
            client_id: opt_uuid(self.client_id)?,
            user_id: opt_uuid(self.user_id)?,
            scope: self.scope,
            created_at: unix(self.created_at),
            expires_at: unix(self.expires_at),
            consumed_at: self.consumed_at.map(unix),
            revoked_at: self.revoked_at.map(unix),
            auth_time: self.auth_time.map(unix),
            session_id: opt_uuid(self.session_id)?,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::sessions, treat_none_as_null = true)]
pub(super) struct SessionRow {
    pub(super) id: conv::Id,
    pub(super) token_hash: String,
    pub(super) realm_id: conv::Id,
    pub(super) user_id: conv::Id,
    pub(super) auth_time: DateTime<Utc>,
    pub(super) created_at: DateTime<Utc>,
    pub(super) expires_at: DateTime<Utc>,
    pub(super) revoked_at: Option<DateTime<Utc>>,
}

impl SessionRow {
    pub(super) fn from_model(s: &Session) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(s.id),
            token_hash: s.token_hash.as_str().to_owned(),
            realm_id: conv::id(s.realm_id),
            user_id: conv::id(s.user_id),
            auth_time: ts(s.auth_time)?,
            created_at: ts(s.created_at)?,
            expires_at: ts(s.expires_at)?,
            revoked_at: opt_ts(s.revoked_at)?,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<Session> {
        Ok(Session {
            id: conv::uuid(self.id)?,
            token_hash: TokenHash::from_stored(self.token_hash),
            realm_id: conv::uuid(self.realm_id)?,
            user_id: conv::uuid(self.user_id)?,
            auth_time: unix(self.auth_time),
            created_at: unix(self.created_at),
            expires_at: unix(self.expires_at),
            revoked_at: self.revoked_at.map(unix),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = schema::authorization_codes)]
pub(super) struct CodeRow {
    pub(super) id: conv::Id,
    pub(super) code_hash: String,
    pub(super) realm_id: conv::Id,
    pub(super) client_id: conv::Id,
    pub(super) user_id: conv::Id,
    pub(super) session_id: Option<conv::Id>,
    pub(super) redirect_uri: String,
    pub(super) scope: String,
    pub(super) code_challenge: Option<String>,
    pub(super) code_challenge_method: Option<String>,
    pub(super) nonce: Option<String>,
    pub(super) auth_time: DateTime<Utc>,
    pub(super) family_id: conv::Id,
    pub(super) created_at: DateTime<Utc>,
    pub(super) expires_at: DateTime<Utc>,
    pub(super) consumed_at: Option<DateTime<Utc>>,
}

impl CodeRow {
    pub(super) fn from_model(c: &AuthorizationCode) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(c.id),
            code_hash: c.code_hash.as_str().to_owned(),
            realm_id: conv::id(c.realm_id),
            client_id: conv::id(c.client_id),
            user_id: conv::id(c.user_id),
            session_id: c.session_id.map(conv::id),
            redirect_uri: c.redirect_uri.clone(),
            scope: c.scope.clone(),
            code_challenge: c.code_challenge.clone(),
            code_challenge_method: c.code_challenge_method.clone(),
            nonce: c.nonce.clone(),
            auth_time: ts(c.auth_time)?,
            family_id: conv::id(c.family_id),
            created_at: ts(c.created_at)?,
            expires_at: ts(c.expires_at)?,
            consumed_at: opt_ts(c.consumed_at)?,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<AuthorizationCode> {
        Ok(AuthorizationCode {
            id: conv::uuid(self.id)?,
            code_hash: TokenHash::from_stored(self.code_hash),
            realm_id: conv::uuid(self.realm_id)?,
            client_id: conv::uuid(self.client_id)?,
            user_id: conv::uuid(self.user_id)?,
            session_id: opt_uuid(self.session_id)?,
            redirect_uri: self.redirect_uri,
            scope: self.scope,
            code_challenge: self.code_challenge,
            code_challenge_method: self.code_challenge_method,
            nonce: self.nonce,
            auth_time: unix(self.auth_time),
            family_id: conv::uuid(self.family_id)?,
            created_at: unix(self.created_at),
            expires_at: unix(self.expires_at),
            consumed_at: self.consumed_at.map(unix),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::consents)]
pub(super) struct ConsentRow {
    pub(super) id: conv::Id,
    pub(super) realm_id: conv::Id,
    pub(super) user_id: conv::Id,
    pub(super) client_id: conv::Id,
    pub(super) scope: String,
    pub(super) created_at: DateTime<Utc>,
}

impl ConsentRow {
    pub(super) fn from_model(c: &Consent) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(c.id),
            realm_id: conv::id(c.realm_id),
            user_id: conv::id(c.user_id),
            client_id: conv::id(c.client_id),
            scope: c.scope.clone(),
            created_at: ts(c.created_at)?,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<Consent> {
        Ok(Consent {
            id: conv::uuid(self.id)?,
            realm_id: conv::uuid(self.realm_id)?,
            user_id: conv::uuid(self.user_id)?,
            client_id: conv::uuid(self.client_id)?,
            scope: self.scope,
            created_at: unix(self.created_at),
        })
    }
}
