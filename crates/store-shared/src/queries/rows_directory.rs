//! Row types of the directory tables (realms, users, clients, scopes, roles, permissions,
//! events) and their conversions to and from the core's records.

use super::prelude::*;

pub(super) fn opt_ts(t: Option<UnixTime>) -> StoreResult<Option<DateTime<Utc>>> {
    t.map(ts).transpose()
}

pub(super) fn opt_uuid(id: Option<conv::Id>) -> StoreResult<Option<Uuid>> {
    id.map(conv::uuid).transpose()
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::realms, treat_none_as_null = true)]
pub(super) struct RealmRow {
    pub(super) id: conv::Id,
    pub(super) name: String,
    pub(super) display_name: Option<String>,
    pub(super) access_token_lifetime: i64,
    pub(super) refresh_token_lifetime: i64,
    pub(super) access_token_algorithm: String,
    pub(super) built_in: bool,
    pub(super) created_at: DateTime<Utc>,
}

impl RealmRow {
    pub(super) fn from_model(r: &Realm) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(r.id),
            name: r.name.clone(),
            display_name: r.display_name.clone(),
            access_token_lifetime: r.access_token_lifetime,
            refresh_token_lifetime: r.refresh_token_lifetime,
            access_token_algorithm: r.access_token_algorithm.as_str().to_owned(),
            built_in: r.built_in,
            created_at: ts(r.created_at)?,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<Realm> {
        Ok(Realm {
            id: conv::uuid(self.id)?,
            name: self.name,
            display_name: self.display_name,
            access_token_lifetime: self.access_token_lifetime,
            refresh_token_lifetime: self.refresh_token_lifetime,
            access_token_algorithm: store_shared::parse_algorithm(&self.access_token_algorithm)?,
            built_in: self.built_in,
            created_at: unix(self.created_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::users, treat_none_as_null = true)]
pub(super) struct UserRow {
    pub(super) id: conv::Id,
    pub(super) realm_id: conv::Id,
    pub(super) name: String,
    pub(super) display_name: Option<String>,
    pub(super) first_name: Option<String>,
    pub(super) last_name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) email_verified: bool,
    pub(super) password_hash: Option<String>,
    pub(super) active: bool,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl UserRow {
    pub(super) fn from_model(u: &User) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(u.id),
            realm_id: conv::id(u.realm_id),
            name: u.name.clone(),
            display_name: u.display_name.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            password_hash: u.password_hash.as_ref().map(|h| h.secret().to_owned()),
            active: u.active,
            created_at: ts(u.created_at)?,
            updated_at: ts(u.updated_at)?,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<User> {
        Ok(User {
            id: conv::uuid(self.id)?,
            realm_id: conv::uuid(self.realm_id)?,
            name: self.name,
            display_name: self.display_name,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            email_verified: self.email_verified,
            password_hash: self.password_hash.map(PasswordHash::new),
            active: self.active,
            created_at: unix(self.created_at),
            updated_at: unix(self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::clients, treat_none_as_null = true)]
pub(super) struct ClientRow {
    pub(super) id: conv::Id,
    pub(super) realm_id: conv::Id,
    pub(super) name: String,
    pub(super) display_name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) active: bool,
    pub(super) secret_hash: Option<String>,
    pub(super) grant_types: Option<String>,
    pub(super) scope: Option<String>,
    pub(super) redirect_uri: Option<String>,
    pub(super) first_party: bool,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) post_logout_redirect_uri: Option<String>,
    pub(super) id_token_signed_response_alg: Option<String>,
}

impl ClientRow {
    pub(super) fn from_model(c: &Client) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(c.id),
            realm_id: conv::id(c.realm_id),
            name: c.name.clone(),
            display_name: c.display_name.clone(),
            description: c.description.clone(),
            active: c.active,
            secret_hash: c.secret_hash.as_ref().map(|h| h.as_str().to_owned()),
            grant_types: c.grant_types.clone(),
            scope: c.scope.clone(),
            redirect_uri: c.redirect_uri.clone(),
            first_party: c.first_party,
            created_at: ts(c.created_at)?,
            updated_at: ts(c.updated_at)?,
            post_logout_redirect_uri: c.post_logout_redirect_uri.clone(),
            id_token_signed_response_alg: c
                .id_token_signed_response_alg
                .map(|a| a.as_str().to_owned()),
        })
    }
    pub(super) fn into_model(self) -> StoreResult<Client> {
        Ok(Client {
            id: conv::uuid(self.id)?,
            realm_id: conv::uuid(self.realm_id)?,
            name: self.name,
            display_name: self.display_name,
            description: self.description,
            active: self.active,
            secret_hash: self.secret_hash.map(TokenHash::from_stored),
            grant_types: self.grant_types,
            scope: self.scope,
            redirect_uri: self.redirect_uri,
            first_party: self.first_party,
            post_logout_redirect_uri: self.post_logout_redirect_uri,
            id_token_signed_response_alg: self
                .id_token_signed_response_alg
                .as_deref()
                .map(store_shared::parse_algorithm)
                .transpose()?,
            created_at: unix(self.created_at),
            updated_at: unix(self.updated_at),
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::scopes, treat_none_as_null = true)]
pub(super) struct ScopeRow {
    pub(super) id: conv::Id,
    pub(super) realm_id: conv::Id,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) built_in: bool,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::roles, treat_none_as_null = true)]
pub(super) struct RoleRow {
    pub(super) id: conv::Id,
    pub(super) realm_id: conv::Id,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) built_in: bool,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::permissions, treat_none_as_null = true)]
pub(super) struct PermissionRow {
    pub(super) id: conv::Id,
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) built_in: bool,
}

impl ScopeRow {
    pub(super) fn from_model(s: &ScopeRecord) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(s.id),
            realm_id: conv::id(s.realm_id),
            name: s.name.clone(),
            description: s.description.clone(),
            built_in: s.built_in,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<ScopeRecord> {
        Ok(ScopeRecord {
            id: conv::uuid(self.id)?,
            realm_id: conv::uuid(self.realm_id)?,
            name: self.name,
            description: self.description,
            built_in: self.built_in,
        })
    }
}

impl RoleRow {
    pub(super) fn from_model(r: &Role) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(r.id),
            realm_id: conv::id(r.realm_id),
            name: r.name.clone(),
            description: r.description.clone(),
            built_in: r.built_in,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<Role> {
        Ok(Role {
            id: conv::uuid(self.id)?,
            realm_id: conv::uuid(self.realm_id)?,
            name: self.name,
            description: self.description,
            built_in: self.built_in,
        })
    }
}

impl PermissionRow {
    pub(super) fn from_model(p: &Permission) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(p.id),
            name: p.name.clone(),
            description: p.description.clone(),
            built_in: p.built_in,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<Permission> {
        Ok(Permission {
            id: conv::uuid(self.id)?,
            name: self.name,
            description: self.description,
            built_in: self.built_in,
        })
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = schema::events, treat_none_as_null = true)]
pub(super) struct EventRow {
    pub(super) id: conv::Id,
    pub(super) realm_id: Option<conv::Id>,
    pub(super) name: String,
    pub(super) success: bool,
    pub(super) actor_type: Option<String>,
    pub(super) actor_id: Option<String>,
    pub(super) target_type: Option<String>,
    pub(super) target_id: Option<String>,
    pub(super) ip: Option<String>,
    pub(super) detail: Option<String>,
    pub(super) count: i64,
    pub(super) created_at: DateTime<Utc>,
}

impl EventRow {
    pub(super) fn from_model(e: &Event) -> StoreResult<Self> {
        Ok(Self {
            id: conv::id(e.id),
            realm_id: e.realm_id.map(conv::id),
            name: e.name.clone(),
            success: e.success,
            actor_type: e.actor_type.clone(),
            actor_id: e.actor_id.clone(),
            target_type: e.target_type.clone(),
            target_id: e.target_id.clone(),
            ip: e.ip.clone(),
            detail: e.detail.clone(),
            count: e.count,
            created_at: ts(e.created_at)?,
        })
    }
    pub(super) fn into_model(self) -> StoreResult<Event> {
        Ok(Event {
            id: conv::uuid(self.id)?,
            realm_id: opt_uuid(self.realm_id)?,
            name: self.name,
            success: self.success,
            actor_type: self.actor_type,
            actor_id: self.actor_id,
            target_type: self.target_type,
            target_id: self.target_id,
            ip: self.ip,
            detail: self.detail,
            count: self.count,
            created_at: unix(self.created_at),
        })
    }
}
