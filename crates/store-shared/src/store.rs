//! [`impl_store!`]: row types, conversions and every `oauth_core::store` trait, for one backend.

/// Expands to the row types and the store trait implementations for `$store` on diesel backend
/// `$backend`.
///
/// `$tx` names the connection method that opens a write transaction (`transaction` on
/// PostgreSQL, `immediate_transaction` on SQLite so concurrent writers queue on `busy_timeout`
/// instead of failing when a read lock would have to be upgraded).
#[macro_export]
macro_rules! impl_store {
    ($store:ty, $backend:ty, $tx:ident) => {
        use ::uuid::Uuid;
        use $crate::__chrono::{DateTime, Utc};
        use $crate::__diesel::prelude::*;
        use $crate::__oauth_core::StoreError;
        use $crate::__oauth_core::hash::TokenHash;
        use $crate::__oauth_core::model::{
            AuthorizationCode, BootstrapRecord, Client, ClientPermission, ClientScope, Consent,
            Event, Failures, Permission, Realm, RealmBundle, RefreshToken, Role, RolePermission,
            ScopeRecord, Session, SigningKey, UnixTime, User, UserPermission, UserRole,
        };
        use $crate::__oauth_core::secret::{PasswordHash, PrivateKeyDer};
        use $crate::__oauth_core::store::records::{FieldValue, ListQuery, Page, Records};
        use $crate::__oauth_core::store::{
            AuthorizationCodeStore, BootstrapStore, CleanupStore, ClientStore, ConsentStore,
            EventStore, GrantHolder, KeyStore, RealmStore, RefreshTokenStore, RevocationStore,
            RoleStore, ScopeStore, SessionStore, Store, StoreResult, ThrottleStore, UserStore,
        };
        use $crate::{from_timestamp as unix, map_error, to_timestamp as ts};

        fn opt_ts(t: Option<UnixTime>) -> StoreResult<Option<DateTime<Utc>>> {
            t.map(ts).transpose()
        }

        fn opt_uuid(id: Option<conv::Id>) -> StoreResult<Option<Uuid>> {
            id.map(conv::uuid).transpose()
        }

        #[derive(Queryable, Selectable, Insertable, AsChangeset)]
        #[diesel(table_name = schema::realms, treat_none_as_null = true)]
        struct RealmRow {
            id: conv::Id,
            name: String,
            display_name: Option<String>,
            access_token_lifetime: i64,
            refresh_token_lifetime: i64,
            access_token_algorithm: String,
            built_in: bool,
            created_at: DateTime<Utc>,
        }

        impl RealmRow {
            fn from_model(r: &Realm) -> StoreResult<Self> {
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
            fn into_model(self) -> StoreResult<Realm> {
                Ok(Realm {
                    id: conv::uuid(self.id)?,
                    name: self.name,
                    display_name: self.display_name,
                    access_token_lifetime: self.access_token_lifetime,
                    refresh_token_lifetime: self.refresh_token_lifetime,
                    access_token_algorithm: $crate::parse_algorithm(&self.access_token_algorithm)?,
                    built_in: self.built_in,
                    created_at: unix(self.created_at),
                })
            }
        }

        #[derive(Queryable, Selectable, Insertable, AsChangeset)]
        #[diesel(table_name = schema::users, treat_none_as_null = true)]
        struct UserRow {
            id: conv::Id,
            realm_id: conv::Id,
            name: String,
            display_name: Option<String>,
            first_name: Option<String>,
            last_name: Option<String>,
            email: Option<String>,
            email_verified: bool,
            password_hash: Option<String>,
            active: bool,
            created_at: DateTime<Utc>,
            updated_at: DateTime<Utc>,
        }

        impl UserRow {
            fn from_model(u: &User) -> StoreResult<Self> {
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
            fn into_model(self) -> StoreResult<User> {
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
        struct ClientRow {
            id: conv::Id,
            realm_id: conv::Id,
            name: String,
            display_name: Option<String>,
            description: Option<String>,
            active: bool,
            secret_hash: Option<String>,
            grant_types: Option<String>,
            scope: Option<String>,
            redirect_uri: Option<String>,
            first_party: bool,
            created_at: DateTime<Utc>,
            updated_at: DateTime<Utc>,
            post_logout_redirect_uri: Option<String>,
            id_token_signed_response_alg: Option<String>,
        }

        impl ClientRow {
            fn from_model(c: &Client) -> StoreResult<Self> {
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
            fn into_model(self) -> StoreResult<Client> {
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
                        .map($crate::parse_algorithm)
                        .transpose()?,
                    created_at: unix(self.created_at),
                    updated_at: unix(self.updated_at),
                })
            }
        }

        #[derive(Queryable, Selectable, Insertable, AsChangeset)]
        #[diesel(table_name = schema::scopes, treat_none_as_null = true)]
        struct ScopeRow {
            id: conv::Id,
            realm_id: conv::Id,
            name: String,
            description: Option<String>,
            built_in: bool,
        }

        #[derive(Queryable, Selectable, Insertable, AsChangeset)]
        #[diesel(table_name = schema::roles, treat_none_as_null = true)]
        struct RoleRow {
            id: conv::Id,
            realm_id: conv::Id,
            name: String,
            description: Option<String>,
            built_in: bool,
        }

        #[derive(Queryable, Selectable, Insertable, AsChangeset)]
        #[diesel(table_name = schema::permissions, treat_none_as_null = true)]
        struct PermissionRow {
            id: conv::Id,
            name: String,
            description: Option<String>,
            built_in: bool,
        }

        impl ScopeRow {
            fn from_model(s: &ScopeRecord) -> StoreResult<Self> {
                Ok(Self {
                    id: conv::id(s.id),
                    realm_id: conv::id(s.realm_id),
                    name: s.name.clone(),
                    description: s.description.clone(),
                    built_in: s.built_in,
                })
            }
            fn into_model(self) -> StoreResult<ScopeRecord> {
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
            fn from_model(r: &Role) -> StoreResult<Self> {
                Ok(Self {
                    id: conv::id(r.id),
                    realm_id: conv::id(r.realm_id),
                    name: r.name.clone(),
                    description: r.description.clone(),
                    built_in: r.built_in,
                })
            }
            fn into_model(self) -> StoreResult<Role> {
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
            fn from_model(p: &Permission) -> StoreResult<Self> {
                Ok(Self {
                    id: conv::id(p.id),
                    name: p.name.clone(),
                    description: p.description.clone(),
                    built_in: p.built_in,
                })
            }
            fn into_model(self) -> StoreResult<Permission> {
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
        struct EventRow {
            id: conv::Id,
            realm_id: Option<conv::Id>,
            name: String,
            success: bool,
            actor_type: Option<String>,
            actor_id: Option<String>,
            target_type: Option<String>,
            target_id: Option<String>,
            ip: Option<String>,
            detail: Option<String>,
            count: i64,
            created_at: DateTime<Utc>,
        }

        impl EventRow {
            fn from_model(e: &Event) -> StoreResult<Self> {
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
            fn into_model(self) -> StoreResult<Event> {
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

        #[derive(Queryable, Selectable, Insertable, AsChangeset)]
        #[diesel(table_name = schema::signing_keys, treat_none_as_null = true)]
        struct KeyRow {
            id: conv::Id,
            realm_id: conv::Id,
            algorithm: String,
            status: String,
            private_key: String,
            public_jwk: String,
            created_at: DateTime<Utc>,
        }

        impl KeyRow {
            fn from_model(k: &SigningKey) -> StoreResult<Self> {
                Ok(Self {
                    id: conv::id(k.id),
                    realm_id: conv::id(k.realm_id),
                    algorithm: k.algorithm.as_str().to_owned(),
                    status: k.status.as_str().to_owned(),
                    private_key: $crate::sealing::seal(k.id.as_bytes(), k.private_key.secret())?,
                    public_jwk: k.public_jwk.clone(),
                    created_at: ts(k.created_at)?,
                })
            }
            fn into_model(self) -> StoreResult<SigningKey> {
                let id = conv::uuid(self.id)?;
                Ok(SigningKey {
                    private_key: PrivateKeyDer::new($crate::sealing::open(
                        id.as_bytes(),
                        self.private_key,
                    )?),
                    id,
                    realm_id: conv::uuid(self.realm_id)?,
                    algorithm: $crate::parse_algorithm(&self.algorithm)?,
                    status: $crate::parse_status(&self.status)?,
                    public_jwk: self.public_jwk,
                    created_at: unix(self.created_at),
                })
            }
        }

        #[derive(Queryable, Selectable, Insertable)]
        #[diesel(table_name = schema::refresh_tokens)]
        struct RefreshRow {
            id: conv::Id,
            token_hash: String,
            family_id: conv::Id,
            realm_id: conv::Id,
            client_id: Option<conv::Id>,
            user_id: Option<conv::Id>,
            scope: String,
            created_at: DateTime<Utc>,
            expires_at: DateTime<Utc>,
            consumed_at: Option<DateTime<Utc>>,
            revoked_at: Option<DateTime<Utc>>,
            auth_time: Option<DateTime<Utc>>,
            session_id: Option<conv::Id>,
        }

        impl RefreshRow {
            fn from_model(t: &RefreshToken) -> StoreResult<Self> {
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
            fn into_model(self) -> StoreResult<RefreshToken> {
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
        struct SessionRow {
            id: conv::Id,
            token_hash: String,
            realm_id: conv::Id,
            user_id: conv::Id,
            auth_time: DateTime<Utc>,
            created_at: DateTime<Utc>,
            expires_at: DateTime<Utc>,
            revoked_at: Option<DateTime<Utc>>,
        }

        impl SessionRow {
            fn from_model(s: &Session) -> StoreResult<Self> {
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
            fn into_model(self) -> StoreResult<Session> {
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
        struct CodeRow {
            id: conv::Id,
            code_hash: String,
            realm_id: conv::Id,
            client_id: conv::Id,
            user_id: conv::Id,
            session_id: Option<conv::Id>,
            redirect_uri: String,
            scope: String,
            code_challenge: Option<String>,
            code_challenge_method: Option<String>,
            nonce: Option<String>,
            auth_time: DateTime<Utc>,
            family_id: conv::Id,
            created_at: DateTime<Utc>,
            expires_at: DateTime<Utc>,
            consumed_at: Option<DateTime<Utc>>,
        }

        impl CodeRow {
            fn from_model(c: &AuthorizationCode) -> StoreResult<Self> {
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
            fn into_model(self) -> StoreResult<AuthorizationCode> {
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
        struct ConsentRow {
            id: conv::Id,
            realm_id: conv::Id,
            user_id: conv::Id,
            client_id: conv::Id,
            scope: String,
            created_at: DateTime<Utc>,
        }

        impl ConsentRow {
            fn from_model(c: &Consent) -> StoreResult<Self> {
                Ok(Self {
                    id: conv::id(c.id),
                    realm_id: conv::id(c.realm_id),
                    user_id: conv::id(c.user_id),
                    client_id: conv::id(c.client_id),
                    scope: c.scope.clone(),
                    created_at: ts(c.created_at)?,
                })
            }
            fn into_model(self) -> StoreResult<Consent> {
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

        impl RealmStore for $store {
            fn create_realm(&self, realm: &Realm) -> StoreResult<()> {
                let row = RealmRow::from_model(realm)?;
                diesel::insert_into(schema::realms::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn find_realm(&self, id: Uuid) -> StoreResult<Option<Realm>> {
                schema::realms::table
                    .find(conv::id(id))
                    .select(RealmRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(RealmRow::into_model)
                    .transpose()
            }
            fn find_realm_by_name(&self, name: &str) -> StoreResult<Option<Realm>> {
                schema::realms::table
                    .filter(schema::realms::name.eq(name))
                    .select(RealmRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(RealmRow::into_model)
                    .transpose()
            }
            fn create_realm_bundle(&self, bundle: &RealmBundle) -> StoreResult<()> {
                let realm = RealmRow::from_model(&bundle.realm)?;
                let scopes = bundle
                    .scopes
                    .iter()
                    .map(ScopeRow::from_model)
                    .collect::<StoreResult<Vec<_>>>()?;
                let keys = bundle
                    .keys
                    .iter()
                    .map(KeyRow::from_model)
                    .collect::<StoreResult<Vec<_>>>()?;
                let roles = bundle
                    .roles
                    .iter()
                    .map(RoleRow::from_model)
                    .collect::<StoreResult<Vec<_>>>()?;
                let grants = bundle
                    .role_permissions
                    .iter()
                    .map(RolePermissionRow::from_model)
                    .collect::<StoreResult<Vec<_>>>()?;
                self.conn()?
                    .$tx(|conn| {
                        diesel::insert_into(schema::realms::table)
                            .values(&realm)
                            .execute(conn)?;
                        for scope in &scopes {
                            diesel::insert_into(schema::scopes::table)
                                .values(scope)
                                .execute(conn)?;
                        }
                        for key in &keys {
                            diesel::insert_into(schema::signing_keys::table)
                                .values(key)
                                .execute(conn)?;
                        }
                        for role in &roles {
                            diesel::insert_into(schema::roles::table)
                                .values(role)
                                .execute(conn)?;
                        }
                        for grant in &grants {
                            diesel::insert_into(schema::role_permissions::table)
                                .values(grant)
                                .execute(conn)?;
                        }
                        Ok::<_, diesel::result::Error>(())
                    })
                    .map_err(map_error)
            }
        }

        impl UserStore for $store {
            fn create_user(&self, user: &User) -> StoreResult<()> {
                let row = UserRow::from_model(user)?;
                diesel::insert_into(schema::users::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
                schema::users::table
                    .find(conv::id(id))
                    .select(UserRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(UserRow::into_model)
                    .transpose()
            }
            fn find_user_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<User>> {
                use schema::users::dsl;
                dsl::users
                    .filter(dsl::realm_id.eq(conv::id(realm_id)))
                    .filter(dsl::name.eq(name))
                    .select(UserRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(UserRow::into_model)
                    .transpose()
            }
            fn replace_password_hash(
                &self,
                user_id: Uuid,
                old: &PasswordHash,
                new: &PasswordHash,
            ) -> StoreResult<bool> {
                use schema::users::dsl;
                let updated = diesel::update(
                    dsl::users
                        .filter(dsl::id.eq(conv::id(user_id)))
                        .filter(dsl::password_hash.eq(old.secret())),
                )
                .set(dsl::password_hash.eq(new.secret()))
                .execute(&mut *self.conn()?)
                .map_err(map_error)?;
                Ok(updated == 1)
            }
        }

        impl ClientStore for $store {
            fn create_client(&self, client: &Client) -> StoreResult<()> {
                let row = ClientRow::from_model(client)?;
                diesel::insert_into(schema::clients::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn find_client(&self, id: Uuid) -> StoreResult<Option<Client>> {
                schema::clients::table
                    .find(conv::id(id))
                    .select(ClientRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(ClientRow::into_model)
                    .transpose()
            }
            fn find_client_by_name(
                &self,
                realm_id: Uuid,
                name: &str,
            ) -> StoreResult<Option<Client>> {
                use schema::clients::dsl;
                dsl::clients
                    .filter(dsl::realm_id.eq(conv::id(realm_id)))
                    .filter(dsl::name.eq(name))
                    .select(ClientRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(ClientRow::into_model)
                    .transpose()
            }
        }

        impl ScopeStore for $store {
            fn create_scope(&self, scope: &ScopeRecord) -> StoreResult<()> {
                let row = ScopeRow::from_model(scope)?;
                diesel::insert_into(schema::scopes::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn list_scopes(&self, realm_id: Uuid) -> StoreResult<Vec<ScopeRecord>> {
                use schema::scopes::dsl;
                let rows: Vec<ScopeRow> = dsl::scopes
                    .filter(dsl::realm_id.eq(conv::id(realm_id)))
                    .order(dsl::name)
                    .select(ScopeRow::as_select())
                    .load(&mut *self.conn()?)
                    .map_err(map_error)?;
                rows.into_iter().map(ScopeRow::into_model).collect()
            }
        }

        impl RoleStore for $store {
            fn create_role(&self, role: &Role) -> StoreResult<()> {
                let row = RoleRow::from_model(role)?;
                diesel::insert_into(schema::roles::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn find_role_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Role>> {
                use schema::roles::dsl;
                let row: Option<RoleRow> = dsl::roles
                    .filter(dsl::realm_id.eq(conv::id(realm_id)))
                    .filter(dsl::name.eq(name))
                    .select(RoleRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?;
                row.map(RoleRow::into_model).transpose()
            }
            fn create_permission(&self, permission: &Permission) -> StoreResult<()> {
                let row = PermissionRow::from_model(permission)?;
                diesel::insert_into(schema::permissions::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn list_permissions(&self) -> StoreResult<Vec<Permission>> {
                use schema::permissions::dsl;
                let rows: Vec<PermissionRow> = dsl::permissions
                    .order(dsl::name)
                    .select(PermissionRow::as_select())
                    .load(&mut *self.conn()?)
                    .map_err(map_error)?;
                rows.into_iter().map(PermissionRow::into_model).collect()
            }
            fn user_permission_names(&self, user_id: Uuid) -> StoreResult<Vec<String>> {
                use schema::{permissions, role_permissions, user_permissions, user_roles};
                let roles = user_roles::table
                    .filter(user_roles::user_id.eq(conv::id(user_id)))
                    .select(user_roles::role_id);
                let through_roles = role_permissions::table
                    .filter(role_permissions::role_id.eq_any(roles))
                    .select(role_permissions::permission_id);
                let direct = user_permissions::table
                    .filter(user_permissions::user_id.eq(conv::id(user_id)))
                    .select(user_permissions::permission_id);
                permissions::table
                    .filter(
                        permissions::id
                            .eq_any(through_roles)
                            .or(permissions::id.eq_any(direct)),
                    )
                    .order(permissions::name)
                    .select(permissions::name)
                    .load(&mut *self.conn()?)
                    .map_err(map_error)
            }
            fn client_permission_names(&self, client_id: Uuid) -> StoreResult<Vec<String>> {
                use schema::{client_permissions, permissions};
                let granted = client_permissions::table
                    .filter(client_permissions::client_id.eq(conv::id(client_id)))
                    .select(client_permissions::permission_id);
                permissions::table
                    .filter(permissions::id.eq_any(granted))
                    .order(permissions::name)
                    .select(permissions::name)
                    .load(&mut *self.conn()?)
                    .map_err(map_error)
            }
        }

        impl KeyStore for $store {
            fn create_signing_key(&self, key: &SigningKey) -> StoreResult<()> {
                let row = KeyRow::from_model(key)?;
                diesel::insert_into(schema::signing_keys::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn list_signing_keys(&self, realm_id: Option<Uuid>) -> StoreResult<Vec<SigningKey>> {
                use schema::signing_keys::dsl;
                let conn = &mut *self.conn()?;
                let order = (dsl::created_at, dsl::id);
                let rows: Vec<KeyRow> = match realm_id {
                    Some(realm_id) => dsl::signing_keys
                        .filter(dsl::realm_id.eq(conv::id(realm_id)))
                        .order(order)
                        .select(KeyRow::as_select())
                        .load(conn),
                    None => dsl::signing_keys
                        .order(order)
                        .select(KeyRow::as_select())
                        .load(conn),
                }
                .map_err(map_error)?;
                rows.into_iter().map(KeyRow::into_model).collect()
            }
        }

        impl RefreshTokenStore for $store {
            fn create_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
                let row = RefreshRow::from_model(token)?;
                diesel::insert_into(schema::refresh_tokens::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn find_refresh_token(&self, hash: &TokenHash) -> StoreResult<Option<RefreshToken>> {
                use schema::refresh_tokens::dsl;
                dsl::refresh_tokens
                    .filter(dsl::token_hash.eq(hash.as_str()))
                    .select(RefreshRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(RefreshRow::into_model)
                    .transpose()
            }
            fn rotate_refresh_token(
                &self,
                consumed_id: Uuid,
                successor: &RefreshToken,
                now: UnixTime,
            ) -> StoreResult<bool> {
                use schema::refresh_tokens::dsl;
                let row = RefreshRow::from_model(successor)?;
                let now = ts(now)?;
                self.conn()?
                    .$tx(|conn| {
                        let consumed = diesel::update(
                            dsl::refresh_tokens
                                .filter(dsl::id.eq(conv::id(consumed_id)))
                                .filter(dsl::consumed_at.is_null())
                                .filter(dsl::revoked_at.is_null()),
                        )
                        .set(dsl::consumed_at.eq(now))
                        .execute(conn)?;
                        if consumed == 0 {
                            return Ok(false);
                        }
                        diesel::insert_into(dsl::refresh_tokens)
                            .values(&row)
                            .execute(conn)?;
                        Ok(true)
                    })
                    .map_err(map_error)
            }
            fn refresh_families_of(&self, holder: GrantHolder) -> StoreResult<Vec<Uuid>> {
                use schema::refresh_tokens::dsl;
                let query = dsl::refresh_tokens
                    .filter(dsl::revoked_at.is_null())
                    .into_boxed::<$backend>();
                let query = match holder {
                    GrantHolder::Session(id) => query.filter(dsl::session_id.eq(conv::id(id))),
                    GrantHolder::User(id) => query.filter(dsl::user_id.eq(conv::id(id))),
                    GrantHolder::Client(id) => query.filter(dsl::client_id.eq(conv::id(id))),
                };
                let families: Vec<conv::Id> = query
                    .select(dsl::family_id)
                    .distinct()
                    .load(&mut *self.conn()?)
                    .map_err(map_error)?;
                families.into_iter().map(conv::uuid).collect()
            }
            fn revoke_refresh_family(&self, family_id: Uuid, now: UnixTime) -> StoreResult<u64> {
                use schema::refresh_tokens::dsl;
                let count = diesel::update(
                    dsl::refresh_tokens
                        .filter(dsl::family_id.eq(conv::id(family_id)))
                        .filter(dsl::revoked_at.is_null()),
                )
                .set(dsl::revoked_at.eq(ts(now)?))
                .execute(&mut *self.conn()?)
                .map_err(map_error)?;
                Ok(count as u64)
            }
        }

        impl AuthorizationCodeStore for $store {
            fn create_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
                let row = CodeRow::from_model(code)?;
                diesel::insert_into(schema::authorization_codes::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn find_authorization_code(
                &self,
                hash: &TokenHash,
            ) -> StoreResult<Option<AuthorizationCode>> {
                use schema::authorization_codes::dsl;
                dsl::authorization_codes
                    .filter(dsl::code_hash.eq(hash.as_str()))
                    .select(CodeRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(CodeRow::into_model)
                    .transpose()
            }
            fn redeem_authorization_code(
                &self,
                id: Uuid,
                refresh_token: &RefreshToken,
                now: UnixTime,
            ) -> StoreResult<bool> {
                use schema::authorization_codes::dsl;
                let row = RefreshRow::from_model(refresh_token)?;
                let now = ts(now)?;
                self.conn()?
                    .$tx(|conn| {
                        let redeemed = diesel::update(
                            dsl::authorization_codes
                                .filter(dsl::id.eq(conv::id(id)))
                                .filter(dsl::consumed_at.is_null()),
                        )
                        .set(dsl::consumed_at.eq(now))
                        .execute(conn)?;
                        if redeemed == 0 {
                            return Ok(false);
                        }
                        diesel::insert_into(schema::refresh_tokens::table)
                            .values(&row)
                            .execute(conn)?;
                        Ok(true)
                    })
                    .map_err(map_error)
            }
        }

        impl SessionStore for $store {
            fn create_session(&self, session: &Session) -> StoreResult<()> {
                let row = SessionRow::from_model(session)?;
                diesel::insert_into(schema::sessions::table)
                    .values(&row)
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn find_session(&self, hash: &TokenHash) -> StoreResult<Option<Session>> {
                use schema::sessions::dsl;
                dsl::sessions
                    .filter(dsl::token_hash.eq(hash.as_str()))
                    .select(SessionRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?
                    .map(SessionRow::into_model)
                    .transpose()
            }
            fn revoke_session(&self, id: Uuid, now: UnixTime) -> StoreResult<bool> {
                use schema::sessions::dsl;
                let count = diesel::update(
                    dsl::sessions
                        .filter(dsl::id.eq(conv::id(id)))
                        .filter(dsl::revoked_at.is_null()),
                )
                .set(dsl::revoked_at.eq(ts(now)?))
                .execute(&mut *self.conn()?)
                .map_err(map_error)?;
                Ok(count == 1)
            }
        }

        impl ConsentStore for $store {
            fn save_consent(&self, consent: &Consent) -> StoreResult<()> {
                use schema::consents::dsl;
                let row = ConsentRow::from_model(consent)?;
                diesel::insert_into(dsl::consents)
                    .values(&row)
                    .on_conflict((dsl::user_id, dsl::client_id))
                    .do_update()
                    .set((
                        dsl::scope.eq(&row.scope),
                        dsl::created_at.eq(row.created_at),
                    ))
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn find_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<Option<Consent>> {
                use schema::consents::dsl;
                let row: Option<ConsentRow> = dsl::consents
                    .filter(dsl::user_id.eq(conv::id(user_id)))
                    .filter(dsl::client_id.eq(conv::id(client_id)))
                    .select(ConsentRow::as_select())
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?;
                row.map(ConsentRow::into_model).transpose()
            }
            fn list_consents(&self, user_id: Uuid) -> StoreResult<Vec<Consent>> {
                use schema::consents::dsl;
                let rows: Vec<ConsentRow> = dsl::consents
                    .filter(dsl::user_id.eq(conv::id(user_id)))
                    .order((dsl::created_at, dsl::client_id))
                    .select(ConsentRow::as_select())
                    .load(&mut *self.conn()?)
                    .map_err(map_error)?;
                rows.into_iter().map(ConsentRow::into_model).collect()
            }
            fn delete_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<bool> {
                use schema::consents::dsl;
                let count = diesel::delete(
                    dsl::consents
                        .filter(dsl::user_id.eq(conv::id(user_id)))
                        .filter(dsl::client_id.eq(conv::id(client_id))),
                )
                .execute(&mut *self.conn()?)
                .map_err(map_error)?;
                Ok(count == 1)
            }
        }

        impl ThrottleStore for $store {
            fn login_failures(&self, key: &str) -> StoreResult<Option<Failures>> {
                use schema::login_failures::dsl;
                let row: Option<(i32, DateTime<Utc>, DateTime<Utc>)> = dsl::login_failures
                    .find(key)
                    .select((dsl::failures, dsl::window_start, dsl::last_failure))
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?;
                Ok(row.map(|(count, start, last)| Failures {
                    count: u32::try_from(count).unwrap_or(0),
                    window_start: unix(start),
                    last: unix(last),
                }))
            }
            fn take_login_attempt(
                &self,
                key: &str,
                now: UnixTime,
                window_cutoff: UnixTime,
                wait: &dyn Fn(&Failures) -> i64,
            ) -> StoreResult<Result<Failures, i64>> {
                use schema::login_failures::dsl;
                let (now_ts, cutoff) = (ts(now)?, ts(window_cutoff)?);
                self.conn()?
                    .$tx(|conn| {
                        // An expired window starts over.
                        diesel::delete(
                            dsl::login_failures
                                .find(key)
                                .filter(dsl::window_start.lt(cutoff)),
                        )
                        .execute(conn)?;
                        // Creates the counter, or locks it until the transaction ends (SQLite's
                        // immediate transaction already holds the write lock).
                        diesel::insert_into(dsl::login_failures)
                            .values((
                                dsl::key.eq(key),
                                dsl::failures.eq(0),
                                dsl::window_start.eq(now_ts),
                                dsl::last_failure.eq(now_ts),
                            ))
                            .on_conflict(dsl::key)
                            .do_update()
                            .set(dsl::failures.eq(dsl::failures))
                            .execute(conn)?;
                        let (count, start, last): (i32, DateTime<Utc>, DateTime<Utc>) =
                            dsl::login_failures
                                .find(key)
                                .select((dsl::failures, dsl::window_start, dsl::last_failure))
                                .first(conn)?;
                        let current = Failures {
                            count: u32::try_from(count).unwrap_or(0),
                            window_start: unix(start),
                            last: unix(last),
                        };
                        let seconds = wait(&current);
                        if seconds > 0 {
                            return Ok(Err(seconds));
                        }
                        diesel::update(dsl::login_failures.find(key))
                            .set((
                                dsl::failures.eq(dsl::failures + 1),
                                dsl::last_failure.eq(now_ts),
                            ))
                            .execute(conn)?;
                        Ok(Ok(Failures {
                            count: current.count + 1,
                            last: now,
                            ..current
                        }))
                    })
                    .map_err(map_error)
            }
            fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
                use schema::login_failures::dsl;
                diesel::delete(dsl::login_failures.find(key))
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
        }

        impl RevocationStore for $store {
            fn revoke_token_id(&self, id: &str, expires_at: UnixTime) -> StoreResult<()> {
                use schema::revoked_tokens::dsl;
                diesel::insert_into(dsl::revoked_tokens)
                    .values((dsl::id.eq(id), dsl::expires_at.eq(ts(expires_at)?)))
                    .on_conflict_do_nothing()
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn any_revoked(&self, ids: &[&str]) -> StoreResult<bool> {
                use schema::revoked_tokens::dsl;
                let found: i64 = dsl::revoked_tokens
                    .filter(dsl::id.eq_any(ids))
                    .count()
                    .get_result(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(found > 0)
            }
        }

        impl BootstrapStore for $store {
            fn bootstrap_record(&self) -> StoreResult<Option<BootstrapRecord>> {
                use schema::bootstrap::dsl;
                type Row = (Option<conv::Id>, Option<conv::Id>, Option<DateTime<Utc>>);
                let row: Option<Row> = dsl::bootstrap
                    .find(1)
                    .select((dsl::admin_role_id, dsl::admin_user_id, dsl::completed_at))
                    .first(&mut *self.conn()?)
                    .optional()
                    .map_err(map_error)?;
                row.map(|(role, user, at)| {
                    Ok(BootstrapRecord {
                        admin_role_id: role.map(conv::uuid).transpose()?,
                        admin_user_id: user.map(conv::uuid).transpose()?,
                        completed_at: at.map(unix),
                    })
                })
                .transpose()
            }
            fn save_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
                use schema::bootstrap::dsl;
                diesel::insert_into(dsl::bootstrap)
                    .values((
                        dsl::id.eq(1),
                        dsl::admin_role_id.eq(record.admin_role_id.map(conv::id)),
                        dsl::admin_user_id.eq(record.admin_user_id.map(conv::id)),
                        dsl::completed_at.eq(record.completed_at.map(ts).transpose()?),
                    ))
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn complete_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
                use schema::bootstrap::dsl;
                let completed_at = record
                    .completed_at
                    .ok_or_else(|| StoreError::backend("a completed bootstrap needs its time"))?;
                diesel::update(dsl::bootstrap.find(1).filter(dsl::completed_at.is_null()))
                    .set((
                        dsl::admin_role_id.eq(record.admin_role_id.map(conv::id)),
                        dsl::admin_user_id.eq(record.admin_user_id.map(conv::id)),
                        dsl::completed_at.eq(Some(ts(completed_at)?)),
                    ))
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
        }

        impl CleanupStore for $store {
            fn purge_expired(&self, now: UnixTime, window_cutoff: UnixTime) -> StoreResult<u64> {
                use schema::{
                    authorization_codes, login_failures, refresh_tokens, revoked_tokens, sessions,
                };
                let (now, cutoff) = (ts(now)?, ts(window_cutoff)?);
                self.conn()?
                    .$tx(|conn| {
                        let mut count = diesel::delete(
                            refresh_tokens::table.filter(refresh_tokens::expires_at.lt(now)),
                        )
                        .execute(conn)?;
                        count += diesel::delete(
                            authorization_codes::table
                                .filter(authorization_codes::expires_at.lt(now)),
                        )
                        .execute(conn)?;
                        count +=
                            diesel::delete(sessions::table.filter(sessions::expires_at.lt(now)))
                                .execute(conn)?;
                        count += diesel::delete(
                            revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now)),
                        )
                        .execute(conn)?;
                        count += diesel::delete(
                            login_failures::table.filter(login_failures::window_start.lt(cutoff)),
                        )
                        .execute(conn)?;
                        Ok::<_, diesel::result::Error>(count as u64)
                    })
                    .map_err(map_error)
            }
        }

        impl EventStore for $store {
            fn insert_events(&self, events: &[Event]) -> StoreResult<()> {
                let rows = events
                    .iter()
                    .map(EventRow::from_model)
                    .collect::<StoreResult<Vec<_>>>()?;
                // One multi-row statement per 500 rows (well under both backends' parameter
                // limits at 12 columns a row).
                self.conn()?
                    .$tx(|conn| {
                        for chunk in rows.chunks(500) {
                            diesel::insert_into(schema::events::table)
                                .values(chunk)
                                .execute(conn)?;
                        }
                        Ok::<_, diesel::result::Error>(())
                    })
                    .map_err(map_error)
            }
            fn purge_events(&self, before: UnixTime) -> StoreResult<u64> {
                let count = diesel::delete(
                    schema::events::table.filter(schema::events::created_at.lt(ts(before)?)),
                )
                .execute(&mut *self.conn()?)
                .map_err(map_error)?;
                Ok(count as u64)
            }
        }

        $crate::__records!(
            $store,
            $backend,
            Realm,
            RealmRow,
            realms,
            filter {
                id: Id,
                name: Text,
                built_in: Bool
            },
            sort { name, created_at }
        );
        $crate::__records!(
            $store,
            $backend,
            User,
            UserRow,
            users,
            filter {
                id: Id,
                realm_id: Id,
                name: Text,
                email: Text,
                active: Bool
            },
            sort {
                name,
                created_at,
                updated_at
            }
        );
        $crate::__records!(
            $store,
            $backend,
            Client,
            ClientRow,
            clients,
            filter {
                id: Id,
                realm_id: Id,
                name: Text,
                active: Bool
            },
            sort {
                name,
                created_at,
                updated_at
            }
        );
        $crate::__records!(
            $store,
            $backend,
            ScopeRecord,
            ScopeRow,
            scopes,
            filter {
                id: Id,
                realm_id: Id,
                name: Text,
                built_in: Bool
            },
            sort { name }
        );
        $crate::__records!(
            $store,
            $backend,
            Role,
            RoleRow,
            roles,
            filter {
                id: Id,
                realm_id: Id,
                name: Text,
                built_in: Bool
            },
            sort { name }
        );
        $crate::__records!(
            $store,
            $backend,
            Permission,
            PermissionRow,
            permissions,
            filter {
                id: Id,
                name: Text,
                built_in: Bool
            },
            sort { name }
        );
        $crate::__records!(
            $store,
            $backend,
            SigningKey,
            KeyRow,
            signing_keys,
            filter {
                id: Id,
                realm_id: Id,
                algorithm: Text,
                status: Text
            },
            sort { created_at }
        );
        $crate::__records!(
            $store,
            $backend,
            Session,
            SessionRow,
            sessions,
            filter {
                id: Id,
                realm_id: Id,
                user_id: Id
            },
            sort {
                created_at,
                expires_at
            }
        );
        $crate::__records!(
            $store,
            $backend,
            Consent,
            ConsentRow,
            consents,
            filter {
                id: Id,
                realm_id: Id,
                user_id: Id,
                client_id: Id
            },
            sort { created_at }
        );
        $crate::__records!(
            $store,
            $backend,
            Event,
            EventRow,
            events,
            filter {
                id: Id,
                realm_id: Id,
                name: Text,
                success: Bool,
                actor_id: Text,
                target_id: Text
            },
            sort { created_at }
        );
        $crate::__assignment!(
            $store,
            $backend,
            UserRole,
            UserRoleRow,
            user_roles,
            user_id,
            role_id
        );
        $crate::__assignment!(
            $store,
            $backend,
            RolePermission,
            RolePermissionRow,
            role_permissions,
            role_id,
            permission_id
        );
        $crate::__assignment!(
            $store,
            $backend,
            UserPermission,
            UserPermissionRow,
            user_permissions,
            user_id,
            permission_id
        );
        $crate::__assignment!(
            $store,
            $backend,
            ClientPermission,
            ClientPermissionRow,
            client_permissions,
            client_id,
            permission_id
        );
        $crate::__assignment!(
            $store,
            $backend,
            ClientScope,
            ClientScopeRow,
            client_scopes,
            client_id,
            scope_id
        );

        impl Store for $store {
            fn ping(&self) -> StoreResult<()> {
                diesel::sql_query("SELECT 1")
                    .execute(&mut *self.conn()?)
                    .map_err(map_error)?;
                Ok(())
            }
            fn pool_state(&self) -> Option<(u32, u32)> {
                Some(self.pool_counts())
            }
        }
    };
}
