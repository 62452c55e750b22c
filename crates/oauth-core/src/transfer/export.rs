//! Reading realms out of a store ([`export`]), and the one place the transfer reads lists of a
//! realm's records ([`in_realm`]).

use uuid::Uuid;

use super::{Contents, RealmRecords};
use crate::error::StoreError;
use crate::grant::MASTER_REALM;
use crate::model::Client;
use crate::model::{
    ClientColumn, ClientPermission, ClientPermissionColumn, ClientScope, ClientScopeColumn,
    Permission, Realm, RealmColumn, Role, RoleColumn, RolePermission, RolePermissionColumn,
    ScopeColumn, ScopeRecord, User, UserColumn, UserPermission, UserPermissionColumn, UserRole,
    UserRoleColumn,
};
use crate::store::records::{FieldValue, ListQuery, Record, Records, list_all};
use crate::store::{Store, StoreResult};

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// `--realm` names no realm.
    #[error("there is no realm named {0:?}")]
    UnknownRealm(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A record type that belongs to a realm: its realm column.
pub trait InRealm: Record {
    /// The column holding the realm's id.
    const REALM_ID: Self::Column;
}

macro_rules! in_realm {
    ($($model:ty => $column:ident),* $(,)?) => {
        $(impl InRealm for $model {
            const REALM_ID: $column = $column::RealmId;
        })*
    };
}

in_realm!(
    ScopeRecord => ScopeColumn,
    Role => RoleColumn,
    User => UserColumn,
    Client => ClientColumn,
    UserRole => UserRoleColumn,
    RolePermission => RolePermissionColumn,
    UserPermission => UserPermissionColumn,
    ClientPermission => ClientPermissionColumn,
    ClientScope => ClientScopeColumn,
);

/// Every record of type `T` in realm `realm_id`, in id order.
pub fn in_realm<T: InRealm, S: Records<T> + ?Sized>(
    store: &S,
    realm_id: Uuid,
) -> StoreResult<Vec<T>> {
    list_all(store, &ListQuery::by(T::REALM_ID, FieldValue::Id(realm_id)))
}

/// Everything of one realm.
pub fn realm_records(store: &dyn Store, realm: Realm) -> StoreResult<RealmRecords> {
    let id = realm.id;
    Ok(RealmRecords {
        realm,
        scopes: in_realm(store, id)?,
        roles: in_realm(store, id)?,
        users: in_realm(store, id)?,
        clients: in_realm(store, id)?,
        // Opened: the records API carries private keys as stored (sealed under a KEK).
        keys: store.list_signing_keys(Some(id))?,
        user_roles: in_realm(store, id)?,
        role_permissions: in_realm(store, id)?,
        user_permissions: in_realm(store, id)?,
        client_permissions: in_realm(store, id)?,
        client_scopes: in_realm(store, id)?,
    })
}

/// The contents of an export: every realm, or only the realm named `only`. Permissions are of no
/// realm: a whole export carries all of them, a one-realm export those its assignments name.
/// The bootstrap record comes with the master realm (once bootstrap completed).
pub fn export(store: &dyn Store, only: Option<&str>) -> Result<Contents, ExportError> {
    let realms: Vec<Realm> = match only {
        Some(name) => vec![
            store
                .find_realm_by_name(name)?
                .ok_or_else(|| ExportError::UnknownRealm(name.to_owned()))?,
        ],
        None => list_all(store, &ListQuery::<RealmColumn>::default())?,
    };
    let realms = realms
        .into_iter()
        .map(|realm| realm_records(store, realm))
        .collect::<StoreResult<Vec<_>>>()?;
    let mut permissions: Vec<Permission> = store.list_permissions()?;
    if only.is_some() {
        let named: std::collections::HashSet<Uuid> = realms
            .iter()
            .flat_map(|r| {
                let roles = r.role_permissions.iter().map(|a| a.permission_id);
                let users = r.user_permissions.iter().map(|a| a.permission_id);
                let clients = r.client_permissions.iter().map(|a| a.permission_id);
                roles.chain(users).chain(clients).collect::<Vec<_>>()
            })
            .collect();
        permissions.retain(|p| named.contains(&p.id));
    }
    let bootstrap = if realms.iter().any(|r| r.realm.name == MASTER_REALM) {
        store
            .bootstrap_record()?
            .filter(|record| record.completed_at.is_some())
    } else {
        None
    };
    Ok(Contents {
        bootstrap,
        permissions,
        realms,
    })
}
