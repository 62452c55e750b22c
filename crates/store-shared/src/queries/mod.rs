//! The diesel store, written once for both backends as ordinary Rust: `store-sqlite` and
//! `store-postgres` each compile this directory as their module `queries` (a `#[path]` module),
//! with their own `crate::schema` (the diesel tables), `crate::conv` (how a UUID is stored),
//! `crate::DbStore` (the store type, with `conn()` and `sealing()`, the
//! `oauth_core::keys::sealing::KeyEncryption` its `KeyStore` seals private keys with), `crate::Backend` (the
//! diesel backend) and `crate::WriteTransaction` (how a write transaction starts). It is not
//! part of the `store-shared` crate's own module tree.
//!
//! One file per aggregate of `oauth_core::store`; the row types and their conversions are in
//! `rows_directory.rs` and `rows_grants.rs`.

mod housekeeping;
mod keys;
mod principals;
mod realms;
mod records;
mod roles;
mod rows_directory;
mod rows_grants;
mod sessions;
mod throttle;
mod tokens;

/// What every file of the directory uses.
mod prelude {
    pub(super) use crate::{Backend, DbStore, WriteTransaction, conv, schema};
    pub(super) use ::uuid::Uuid;
    pub(super) use store_shared::__chrono::{DateTime, Utc};
    pub(super) use store_shared::__diesel::prelude::*;
    pub(super) use store_shared::__oauth_core::StoreError;
    pub(super) use store_shared::__oauth_core::hash::TokenHash;
    pub(super) use store_shared::__oauth_core::model::{
        AuthorizationCode, BootstrapRecord, Client, ClientPermission, ClientScope, Consent, Event,
        Failures, KeyStatus, Permission, Realm, RealmBundle, RefreshToken, Role, RolePermission,
        ScopeRecord, Session, SigningKey, UnixTime, User, UserPermission, UserRole,
    };
    pub(super) use store_shared::__oauth_core::model::{
        ClientColumn, ClientPermissionColumn, ClientScopeColumn, ConsentColumn, EventColumn,
        KeyColumn, PermissionColumn, RealmColumn, RoleColumn, RolePermissionColumn, ScopeColumn,
        SessionColumn, UserColumn, UserPermissionColumn, UserRoleColumn,
    };
    pub(super) use store_shared::__oauth_core::secret::{PasswordHash, PrivateKeyDer};
    pub(super) use store_shared::__oauth_core::store::records::{
        FieldValue, ListQuery, Page, Records,
    };
    pub(super) use store_shared::__oauth_core::store::{
        AuthorizationCodeStore, BootstrapStore, CleanupStore, ClientStore, ConsentStore,
        EventStore, GrantHolder, KeyStore, RealmStore, RefreshTokenStore, RevocationStore,
        RoleStore, ScopeStore, SessionStore, Store, StoreResult, ThrottleStore, UserStore,
    };
    pub(super) use store_shared::{from_timestamp as unix, map_error, to_timestamp as ts};

    pub(super) use super::records::RolePermissionRow;
    pub(super) use super::rows_directory::*;
    pub(super) use super::rows_grants::*;
}

use prelude::*;

impl Store for DbStore {
    fn ping(&self) -> StoreResult<()> {
        diesel::sql_query("SELECT 1")
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
}
