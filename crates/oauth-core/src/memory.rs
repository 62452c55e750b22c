//! An in-memory [`Store`], for the core's tests, examples and integrators who embed the core.
//!
//! One mutex guards everything, so every method is atomic; nothing survives the process.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use uuid::Uuid;

use crate::error::StoreError;
use crate::keys::sealing::KeyEncryption;
use crate::model::{
    AuthorizationCode, BootstrapRecord, Client, ClientPermission, ClientScope, Consent, Event,
    Failures, KeyStatus, Permission, Realm, RealmBundle, RefreshToken, Role, RolePermission,
    ScopeRecord, Session, SigningKey, UnixTime, User, UserPermission, UserRole,
};
use crate::store::{
    ClientStore, KeyStore, RealmStore, RoleStore, ScopeStore, Store, StoreResult, UserStore,
};

mod grants;
mod records;

#[derive(Default)]
struct Inner {
    realms: Vec<Realm>,
    users: Vec<User>,
    clients: Vec<Client>,
    scopes: Vec<ScopeRecord>,
    roles: Vec<Role>,
    permissions: Vec<Permission>,
    role_permissions: Vec<RolePermission>,
    user_roles: Vec<UserRole>,
    user_permissions: Vec<UserPermission>,
    client_permissions: Vec<ClientPermission>,
    client_scopes: Vec<ClientScope>,
    events: Vec<Event>,
    /// Private keys in stored form (sealed when the store has a KEK).
    keys: Vec<SigningKey>,
    refresh_tokens: HashMap<Uuid, RefreshToken>,
    codes: HashMap<Uuid, AuthorizationCode>,
    sessions: Vec<Session>,
    consents: Vec<Consent>,
    failures: HashMap<String, Failures>,
    revoked: HashMap<String, UnixTime>,
    bootstrap: Option<BootstrapRecord>,
}

/// A store that keeps everything in process memory.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    writes: AtomicU64,
    sealing: Arc<KeyEncryption>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryStore")
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// This store, sealing private keys with `sealing` (see [`KeyEncryption`]).
    pub fn with_key_encryption(mut self, sealing: Arc<KeyEncryption>) -> Self {
        self.sealing = sealing;
        self
    }

    /// How many write operations (create, rotate, revoke, assign) this store has served; lets a
    /// test show that a path writes nothing.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::SeqCst)
    }

    fn write(&self) -> StoreResult<MutexGuard<'_, Inner>> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.lock()
    }

    fn lock(&self) -> StoreResult<MutexGuard<'_, Inner>> {
        self.inner
            .lock()
            .map_err(|_| StoreError::backend("memory store mutex poisoned"))
    }
}

fn insert_unique<T: Clone>(
    list: &mut Vec<T>,
    item: &T,
    same: impl Fn(&T) -> bool,
    what: &str,
) -> StoreResult<()> {
    if list.iter().any(same) {
        return Err(StoreError::Conflict(what.to_owned()));
    }
    list.push(item.clone());
    Ok(())
}

impl RealmStore for MemoryStore {
    fn create_realm(&self, realm: &Realm) -> StoreResult<()> {
        let mut inner = self.write()?;
        let same = |r: &Realm| r.id == realm.id || r.name == realm.name;
        insert_unique(&mut inner.realms, realm, same, "realm")
    }
    fn find_realm(&self, id: Uuid) -> StoreResult<Option<Realm>> {
        Ok(self.lock()?.realms.iter().find(|r| r.id == id).cloned())
    }
    fn find_realm_by_name(&self, name: &str) -> StoreResult<Option<Realm>> {
        Ok(self.lock()?.realms.iter().find(|r| r.name == name).cloned())
    }
    fn create_realm_bundle(&self, bundle: &RealmBundle) -> StoreResult<()> {
        let keys = bundle
            .keys
            .iter()
            .map(|k| self.sealing.seal_key(k))
            .collect::<StoreResult<Vec<_>>>()?;
        let mut inner = self.write()?;
        let realm = &bundle.realm;
        let same = |r: &Realm| r.id == realm.id || r.name == realm.name;
        insert_unique(&mut inner.realms, realm, same, "realm")?;
        inner.scopes.extend_from_slice(&bundle.scopes);
        inner.keys.extend(keys);
        inner.roles.extend_from_slice(&bundle.roles);
        inner
            .role_permissions
            .extend_from_slice(&bundle.role_permissions);
        Ok(())
    }
}

impl UserStore for MemoryStore {
    fn create_user(&self, user: &User) -> StoreResult<()> {
        let mut inner = self.write()?;
        let same =
            |u: &User| u.id == user.id || (u.realm_id == user.realm_id && u.name == user.name);
        insert_unique(&mut inner.users, user, same, "user")
    }
    fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
        Ok(self.lock()?.users.iter().find(|u| u.id == id).cloned())
    }
    fn find_user_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<User>> {
        let inner = self.lock()?;
        let found = inner
            .users
            .iter()
            .find(|u| u.realm_id == realm_id && u.name == name);
        Ok(found.cloned())
    }
    fn replace_password_hash(
        &self,
        user_id: Uuid,
        old: &crate::secret::PasswordHash,
        new: &crate::secret::PasswordHash,
    ) -> StoreResult<bool> {
        let mut inner = self.write()?;
        let found = inner.users.iter_mut().find(|u| {
            u.id == user_id
                && u.password_hash
                    .as_ref()
                    .is_some_and(|h| h.secret() == old.secret())
        });
        Ok(found.map(|u| u.password_hash = Some(new.clone())).is_some())
    }
}

impl ClientStore for MemoryStore {
    fn create_client(&self, client: &Client) -> StoreResult<()> {
        let mut inner = self.write()?;
        let same = |c: &Client| {
            c.id == client.id || (c.realm_id == client.realm_id && c.name == client.name)
        };
        insert_unique(&mut inner.clients, client, same, "client")
    }
    fn find_client(&self, id: Uuid) -> StoreResult<Option<Client>> {
        Ok(self.lock()?.clients.iter().find(|c| c.id == id).cloned())
    }
    fn find_client_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Client>> {
        let inner = self.lock()?;
        let found = inner
            .clients
            .iter()
            .find(|c| c.realm_id == realm_id && c.name == name);
        Ok(found.cloned())
    }
}

impl ScopeStore for MemoryStore {
    fn create_scope(&self, scope: &ScopeRecord) -> StoreResult<()> {
        let mut inner = self.write()?;
        let same = |s: &ScopeRecord| {
            s.id == scope.id || (s.realm_id == scope.realm_id && s.name == scope.name)
        };
        insert_unique(&mut inner.scopes, scope, same, "scope")
    }
    fn list_scopes(&self, realm_id: Uuid) -> StoreResult<Vec<ScopeRecord>> {
        let inner = self.lock()?;
        let mut found: Vec<_> = inner
            .scopes
            .iter()
            .filter(|s| s.realm_id == realm_id)
            .cloned()
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }
}

impl RoleStore for MemoryStore {
    fn create_role(&self, role: &Role) -> StoreResult<()> {
        let mut inner = self.write()?;
        let same =
            |r: &Role| r.id == role.id || (r.realm_id == role.realm_id && r.name == role.name);
        insert_unique(&mut inner.roles, role, same, "role")
    }
    fn find_role_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Role>> {
        let inner = self.lock()?;
        let found = inner
            .roles
            .iter()
            .find(|r| r.realm_id == realm_id && r.name == name);
        Ok(found.cloned())
    }
    fn create_permission(&self, permission: &Permission) -> StoreResult<()> {
        let mut inner = self.write()?;
        let same = |p: &Permission| p.id == permission.id || p.name == permission.name;
        insert_unique(&mut inner.permissions, permission, same, "permission")
    }
    fn list_permissions(&self) -> StoreResult<Vec<Permission>> {
        let mut found = self.lock()?.permissions.clone();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }
    fn user_permission_names(&self, user_id: Uuid) -> StoreResult<Vec<String>> {
        let inner = self.lock()?;
        let roles: BTreeSet<Uuid> = inner
            .user_roles
            .iter()
            .filter(|a| a.user_id == user_id)
            .map(|a| a.role_id)
            .collect();
        let ids: BTreeSet<Uuid> = inner
            .role_permissions
            .iter()
            .filter(|a| roles.contains(&a.role_id))
            .map(|a| a.permission_id)
            .chain(
                inner
                    .user_permissions
                    .iter()
                    .filter(|a| a.user_id == user_id)
                    .map(|a| a.permission_id),
            )
            .collect();
        Ok(permission_names(&inner, &ids))
    }
    fn client_permission_names(&self, client_id: Uuid) -> StoreResult<Vec<String>> {
        let inner = self.lock()?;
        let ids: BTreeSet<Uuid> = inner
            .client_permissions
            .iter()
            .filter(|a| a.client_id == client_id)
            .map(|a| a.permission_id)
            .collect();
        Ok(permission_names(&inner, &ids))
    }
}

fn permission_names(inner: &Inner, ids: &BTreeSet<Uuid>) -> Vec<String> {
    let names: BTreeSet<String> = inner
        .permissions
        .iter()
        .filter(|p| ids.contains(&p.id))
        .map(|p| p.name.clone())
        .collect();
    names.into_iter().collect()
}

impl KeyStore for MemoryStore {
    fn create_signing_key(&self, key: &SigningKey) -> StoreResult<()> {
        let stored = self.sealing.seal_key(key)?;
        let mut inner = self.write()?;
        insert_unique(&mut inner.keys, &stored, |k| k.id == key.id, "signing key")
    }
    fn list_signing_keys(&self, realm_id: Option<Uuid>) -> StoreResult<Vec<SigningKey>> {
        let inner = self.lock()?;
        let mut found: Vec<_> = inner
            .keys
            .iter()
            .filter(|k| realm_id.is_none_or(|r| k.realm_id == r))
            .map(|k| self.sealing.open_key(k.clone()))
            .collect::<StoreResult<_>>()?;
        found.sort_by_key(|k| (k.created_at, k.id));
        Ok(found)
    }
    fn set_key_status(&self, id: Uuid, from: KeyStatus, to: KeyStatus) -> StoreResult<bool> {
        let mut inner = self.write()?;
        match inner
            .keys
            .iter_mut()
            .find(|k| k.id == id && k.status == from)
        {
            Some(key) => {
                key.status = to;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

impl Store for MemoryStore {
    fn ping(&self) -> StoreResult<()> {
        self.lock().map(|_| ())
    }
}
