//! [`Records<T>`] for the memory store, written once over the [`Table`] trait: filters and sort
//! keys evaluate [`Record::value`]s; deletes cascade like the SQL schema's foreign keys.

use std::cmp::Ordering;

use uuid::Uuid;

use super::{Inner, MemoryStore};
use crate::error::StoreError;
use crate::model::{
    Client, ClientPermission, ClientScope, Consent, Event, Permission, Realm, Role, RolePermission,
    ScopeRecord, Session, SigningKey, User, UserPermission, UserRole,
};
use crate::store::StoreResult;
use crate::store::records::{FieldValue, ListQuery, Page, Record, Records};

/// A record type kept in one `Vec` of the memory store.
pub(super) trait Table: Record {
    /// Its rows.
    fn rows(inner: &mut Inner) -> &mut Vec<Self>;
    /// Whether every record it references exists (foreign keys).
    fn references_exist(&self, _inner: &Inner) -> bool {
        true
    }
    /// Removes what depends on the record `id` (ON DELETE CASCADE).
    fn cascade(_inner: &mut Inner, _id: Uuid) {}
}

fn compare(a: Option<FieldValue>, b: Option<FieldValue>) -> Ordering {
    match (a, b) {
        (Some(FieldValue::Id(a)), Some(FieldValue::Id(b))) => a.cmp(&b),
        (Some(FieldValue::Text(a)), Some(FieldValue::Text(b))) => a.cmp(&b),
        (Some(FieldValue::Bool(a)), Some(FieldValue::Bool(b))) => a.cmp(&b),
        (Some(FieldValue::Time(a)), Some(FieldValue::Time(b))) => a.cmp(&b),
        (None, Some(_)) => Ordering::Greater, // NULLs last, as PostgreSQL sorts ascending
        (Some(_), None) => Ordering::Less,
        _ => Ordering::Equal,
    }
}

impl<T: Table> Records<T> for MemoryStore {
    fn list_records(&self, query: &ListQuery<T::Column>) -> StoreResult<Page<T>> {
        if let Some(f) = query.filters.iter().find(|f| f.mistyped()) {
            return Err(StoreError::backend(format!("mistyped filter {f:?}")));
        }
        let mut inner = self.lock()?;
        let mut found: Vec<T> = T::rows(&mut inner)
            .iter()
            .filter(|r| query.filters.iter().all(|f| f.matches(r)))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            query
                .sort
                .iter()
                .map(|(column, desc)| {
                    let o = compare(a.value(*column), b.value(*column));
                    if *desc { o.reverse() } else { o }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.id().cmp(&b.id()))
        });
        let total = found.len() as u64;
        let items = found
            .into_iter()
            .skip(query.offset as usize)
            .take(query.capped_limit() as usize)
            .collect();
        Ok(Page { items, total })
    }

    fn get_record(&self, id: Uuid) -> StoreResult<Option<T>> {
        let mut inner = self.lock()?;
        Ok(T::rows(&mut inner).iter().find(|r| r.id() == id).cloned())
    }

    fn insert_record(&self, record: &T) -> StoreResult<()> {
        let mut inner = self.write()?;
        if !record.references_exist(&inner) {
            return Err(StoreError::NotFound);
        }
        let key = record.unique_key();
        let rows = T::rows(&mut inner);
        if rows
            .iter()
            .any(|r| r.id() == record.id() || (key.is_some() && r.unique_key() == key))
        {
            return Err(StoreError::Conflict(std::any::type_name::<T>().to_owned()));
        }
        rows.push(record.clone());
        Ok(())
    }

    fn update_record(&self, record: &T) -> StoreResult<bool> {
        let mut inner = self.write()?;
        let key = record.unique_key();
        let rows = T::rows(&mut inner);
        if rows
            .iter()
            .any(|r| r.id() != record.id() && key.is_some() && r.unique_key() == key)
        {
            return Err(StoreError::Conflict(std::any::type_name::<T>().to_owned()));
        }
        match rows.iter_mut().find(|r| r.id() == record.id()) {
            Some(row) => {
                *row = record.clone();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn delete_record(&self, id: Uuid) -> StoreResult<bool> {
        let mut inner = self.write()?;
        let rows = T::rows(&mut inner);
        let before = rows.len();
        rows.retain(|r| r.id() != id);
        let deleted = rows.len() != before;
        if deleted {
            T::cascade(&mut inner, id);
        }
        Ok(deleted)
    }
}

impl Table for Realm {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.realms
    }
    fn cascade(inner: &mut Inner, id: Uuid) {
        let users: Vec<Uuid> = inner
            .users
            .iter()
            .filter(|u| u.realm_id == id)
            .map(|u| u.id)
            .collect();
        let clients: Vec<Uuid> = inner
            .clients
            .iter()
            .filter(|c| c.realm_id == id)
            .map(|c| c.id)
            .collect();
        let roles: Vec<Uuid> = inner
            .roles
            .iter()
            .filter(|r| r.realm_id == id)
            .map(|r| r.id)
            .collect();
        let scopes: Vec<Uuid> = inner
            .scopes
            .iter()
            .filter(|s| s.realm_id == id)
            .map(|s| s.id)
            .collect();
        for user in users {
            inner.users.retain(|u| u.id != user);
            User::cascade(inner, user);
        }
        for client in clients {
            inner.clients.retain(|c| c.id != client);
            Client::cascade(inner, client);
        }
        for role in roles {
            inner.roles.retain(|r| r.id != role);
            Role::cascade(inner, role);
        }
        for scope in scopes {
            inner.scopes.retain(|s| s.id != scope);
            ScopeRecord::cascade(inner, scope);
        }
        inner.keys.retain(|k| k.realm_id != id);
        inner.sessions.retain(|s| s.realm_id != id);
        inner.refresh_tokens.retain(|_, t| t.realm_id != id);
        inner.codes.retain(|_, c| c.realm_id != id);
    }
}

impl Table for User {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.users
    }
    fn references_exist(&self, inner: &Inner) -> bool {
        inner.realms.iter().any(|r| r.id == self.realm_id)
    }
    fn cascade(inner: &mut Inner, id: Uuid) {
        inner.user_roles.retain(|a| a.user_id != id);
        inner.user_permissions.retain(|a| a.user_id != id);
        inner.sessions.retain(|s| s.user_id != id);
        inner.consents.retain(|c| c.user_id != id);
        inner.refresh_tokens.retain(|_, t| t.user_id != Some(id));
        inner.codes.retain(|_, c| c.user_id != id);
        if let Some(b) = inner
            .bootstrap
            .as_mut()
            .filter(|b| b.admin_user_id == Some(id))
        {
            b.admin_user_id = None;
        }
    }
}

impl Table for Client {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.clients
    }
    fn references_exist(&self, inner: &Inner) -> bool {
        inner.realms.iter().any(|r| r.id == self.realm_id)
    }
    fn cascade(inner: &mut Inner, id: Uuid) {
        inner.client_permissions.retain(|a| a.client_id != id);
        inner.client_scopes.retain(|a| a.client_id != id);
        inner.consents.retain(|c| c.client_id != id);
        inner.refresh_tokens.retain(|_, t| t.client_id != Some(id));
        inner.codes.retain(|_, c| c.client_id != id);
    }
}

impl Table for Role {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.roles
    }
    fn references_exist(&self, inner: &Inner) -> bool {
        inner.realms.iter().any(|r| r.id == self.realm_id)
    }
    fn cascade(inner: &mut Inner, id: Uuid) {
        inner.user_roles.retain(|a| a.role_id != id);
        inner.role_permissions.retain(|a| a.role_id != id);
        if let Some(b) = inner
            .bootstrap
            .as_mut()
            .filter(|b| b.admin_role_id == Some(id))
        {
            b.admin_role_id = None;
        }
    }
}

impl Table for ScopeRecord {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.scopes
    }
    fn references_exist(&self, inner: &Inner) -> bool {
        inner.realms.iter().any(|r| r.id == self.realm_id)
    }
    fn cascade(inner: &mut Inner, id: Uuid) {
        inner.client_scopes.retain(|a| a.scope_id != id);
    }
}

impl Table for Permission {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.permissions
    }
    fn cascade(inner: &mut Inner, id: Uuid) {
        inner.role_permissions.retain(|a| a.permission_id != id);
        inner.user_permissions.retain(|a| a.permission_id != id);
        inner.client_permissions.retain(|a| a.permission_id != id);
    }
}

impl Table for SigningKey {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.keys
    }
    fn references_exist(&self, inner: &Inner) -> bool {
        inner.realms.iter().any(|r| r.id == self.realm_id)
    }
}

impl Table for Session {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.sessions
    }
    fn references_exist(&self, inner: &Inner) -> bool {
        inner.users.iter().any(|u| u.id == self.user_id)
    }
}

impl Table for Consent {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.consents
    }
    fn references_exist(&self, inner: &Inner) -> bool {
        inner.users.iter().any(|u| u.id == self.user_id)
            && inner.clients.iter().any(|c| c.id == self.client_id)
    }
}

impl Table for Event {
    fn rows(inner: &mut Inner) -> &mut Vec<Self> {
        &mut inner.events
    }
}

macro_rules! assignment_table {
    ($t:ty, $field:ident, $left:ident in $lt:ident, $right:ident in $rt:ident) => {
        impl Table for $t {
            fn rows(inner: &mut Inner) -> &mut Vec<Self> {
                &mut inner.$field
            }
            fn references_exist(&self, inner: &Inner) -> bool {
                inner.$lt.iter().any(|r| r.id == self.$left)
                    && inner.$rt.iter().any(|r| r.id == self.$right)
            }
        }
    };
}

assignment_table!(UserRole, user_roles, user_id in users, role_id in roles);
assignment_table!(RolePermission, role_permissions, role_id in roles, permission_id in permissions);
assignment_table!(UserPermission, user_permissions, user_id in users, permission_id in permissions);
assignment_table!(ClientPermission, client_permissions, client_id in clients, permission_id in permissions);
assignment_table!(ClientScope, client_scopes, client_id in clients, scope_id in scopes);
