//! An in-memory [`Store`], for the core's tests, examples and integrators who embed the core.
//!
//! One mutex guards everything, so every method is atomic; nothing survives the process.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use uuid::Uuid;

use crate::error::StoreError;
use crate::hash::TokenHash;
use crate::model::{
    AuthorizationCode, BootstrapRecord, Client, ClientPermission, ClientScope, Consent, Event,
    Failures, Permission, Realm, RealmBundle, RefreshToken, Role, RolePermission, ScopeRecord,
    Session, SigningKey, UnixTime, User, UserPermission, UserRole,
};
use crate::store::{
    AuthorizationCodeStore, BootstrapStore, CleanupStore, ClientStore, ConsentStore, EventStore,
    GrantHolder, KeyStore, RealmStore, RefreshTokenStore, RevocationStore, RoleStore, ScopeStore,
    SessionStore, Store, StoreResult, ThrottleStore, UserStore,
};

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
        let mut inner = self.write()?;
        let realm = &bundle.realm;
        let same = |r: &Realm| r.id == realm.id || r.name == realm.name;
        insert_unique(&mut inner.realms, realm, same, "realm")?;
        inner.scopes.extend_from_slice(&bundle.scopes);
        inner.keys.extend_from_slice(&bundle.keys);
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
        let mut inner = self.write()?;
        insert_unique(&mut inner.keys, key, |k| k.id == key.id, "signing key")
    }
    fn list_signing_keys(&self, realm_id: Option<Uuid>) -> StoreResult<Vec<SigningKey>> {
        let inner = self.lock()?;
        let mut found: Vec<_> = inner
            .keys
            .iter()
            .filter(|k| realm_id.is_none_or(|r| k.realm_id == r))
            .cloned()
            .collect();
        found.sort_by_key(|k| (k.created_at, k.id));
        Ok(found)
    }
}

impl RefreshTokenStore for MemoryStore {
    fn create_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner
            .refresh_tokens
            .values()
            .any(|t| t.id == token.id || t.token_hash == token.token_hash)
        {
            return Err(StoreError::Conflict("refresh token".to_owned()));
        }
        inner.refresh_tokens.insert(token.id, token.clone());
        Ok(())
    }
    fn find_refresh_token(&self, hash: &TokenHash) -> StoreResult<Option<RefreshToken>> {
        let inner = self.lock()?;
        Ok(inner
            .refresh_tokens
            .values()
            .find(|t| &t.token_hash == hash)
            .cloned())
    }
    fn rotate_refresh_token(
        &self,
        consumed_id: Uuid,
        successor: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool> {
        let mut inner = self.write()?;
        match inner.refresh_tokens.get_mut(&consumed_id) {
            Some(t) if t.consumed_at.is_none() && t.revoked_at.is_none() => {
                t.consumed_at = Some(now);
            }
            _ => return Ok(false),
        }
        inner.refresh_tokens.insert(successor.id, successor.clone());
        Ok(true)
    }
    fn refresh_families_of(&self, holder: GrantHolder) -> StoreResult<Vec<Uuid>> {
        let inner = self.lock()?;
        let held = |t: &RefreshToken| match holder {
            GrantHolder::Session(id) => t.session_id == Some(id),
            GrantHolder::User(id) => t.user_id == Some(id),
            GrantHolder::Client(id) => t.client_id == Some(id),
        };
        let families: BTreeSet<Uuid> = inner
            .refresh_tokens
            .values()
            .filter(|t| held(t) && t.revoked_at.is_none())
            .map(|t| t.family_id)
            .collect();
        Ok(families.into_iter().collect())
    }
    fn revoke_refresh_family(&self, family_id: Uuid, now: UnixTime) -> StoreResult<u64> {
        let mut inner = self.write()?;
        let mut count = 0;
        for t in inner.refresh_tokens.values_mut() {
            if t.family_id == family_id && t.revoked_at.is_none() {
                t.revoked_at = Some(now);
                count += 1;
            }
        }
        Ok(count)
    }
}

impl AuthorizationCodeStore for MemoryStore {
    fn create_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner
            .codes
            .values()
            .any(|c| c.id == code.id || c.code_hash == code.code_hash)
        {
            return Err(StoreError::Conflict("authorization code".to_owned()));
        }
        if !inner.clients.iter().any(|c| c.id == code.client_id)
            || !inner.users.iter().any(|u| u.id == code.user_id)
        {
            return Err(StoreError::NotFound);
        }
        inner.codes.insert(code.id, code.clone());
        Ok(())
    }
    fn find_authorization_code(&self, hash: &TokenHash) -> StoreResult<Option<AuthorizationCode>> {
        let inner = self.lock()?;
        Ok(inner.codes.values().find(|c| &c.code_hash == hash).cloned())
    }
    fn redeem_authorization_code(
        &self,
        id: Uuid,
        refresh_token: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool> {
        let mut inner = self.write()?;
        match inner.codes.get_mut(&id) {
            Some(code) if code.consumed_at.is_none() => code.consumed_at = Some(now),
            _ => return Ok(false),
        }
        inner
            .refresh_tokens
            .insert(refresh_token.id, refresh_token.clone());
        Ok(true)
    }
}

impl SessionStore for MemoryStore {
    fn create_session(&self, session: &Session) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner
            .sessions
            .iter()
            .any(|s| s.id == session.id || s.token_hash == session.token_hash)
        {
            return Err(StoreError::Conflict("session".to_owned()));
        }
        if !inner.users.iter().any(|u| u.id == session.user_id) {
            return Err(StoreError::NotFound);
        }
        inner.sessions.push(session.clone());
        Ok(())
    }
    fn find_session(&self, hash: &TokenHash) -> StoreResult<Option<Session>> {
        let inner = self.lock()?;
        Ok(inner
            .sessions
            .iter()
            .find(|s| &s.token_hash == hash)
            .cloned())
    }
    fn revoke_session(&self, id: Uuid, now: UnixTime) -> StoreResult<bool> {
        let mut inner = self.write()?;
        match inner.sessions.iter_mut().find(|s| s.id == id) {
            Some(session) if session.revoked_at.is_none() => {
                session.revoked_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

impl ConsentStore for MemoryStore {
    fn save_consent(&self, consent: &Consent) -> StoreResult<()> {
        let mut inner = self.write()?;
        if !inner.clients.iter().any(|c| c.id == consent.client_id)
            || !inner.users.iter().any(|u| u.id == consent.user_id)
        {
            return Err(StoreError::NotFound);
        }
        let same =
            |c: &&mut Consent| c.user_id == consent.user_id && c.client_id == consent.client_id;
        match inner.consents.iter_mut().find(same) {
            // Widening keeps the consent's id, as the SQL upsert does.
            Some(existing) => {
                existing.scope.clone_from(&consent.scope);
                existing.created_at = consent.created_at;
            }
            None => inner.consents.push(consent.clone()),
        }
        Ok(())
    }
    fn find_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<Option<Consent>> {
        let inner = self.lock()?;
        let found = inner
            .consents
            .iter()
            .find(|c| c.user_id == user_id && c.client_id == client_id);
        Ok(found.cloned())
    }
    fn list_consents(&self, user_id: Uuid) -> StoreResult<Vec<Consent>> {
        let inner = self.lock()?;
        let mut found: Vec<Consent> = inner
            .consents
            .iter()
            .filter(|c| c.user_id == user_id)
            .cloned()
            .collect();
        found.sort_by_key(|c| (c.created_at, c.client_id));
        Ok(found)
    }
    fn delete_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<bool> {
        let mut inner = self.write()?;
        let before = inner.consents.len();
        inner
            .consents
            .retain(|c| !(c.user_id == user_id && c.client_id == client_id));
        Ok(inner.consents.len() != before)
    }
}

impl ThrottleStore for MemoryStore {
    fn login_failures(&self, key: &str) -> StoreResult<Option<Failures>> {
        Ok(self.lock()?.failures.get(key).copied())
    }
    fn take_login_attempt(
        &self,
        key: &str,
        now: UnixTime,
        window_cutoff: UnixTime,
        wait: &dyn Fn(&Failures) -> i64,
    ) -> StoreResult<Result<Failures, i64>> {
        let mut inner = self.write()?;
        let fresh = Failures {
            count: 0,
            window_start: now,
            last: now,
        };
        let entry = inner.failures.entry(key.to_owned()).or_insert(fresh);
        if entry.window_start < window_cutoff {
            *entry = fresh;
        }
        let seconds = wait(entry);
        if seconds > 0 {
            return Ok(Err(seconds));
        }
        entry.count += 1;
        entry.last = now;
        Ok(Ok(*entry))
    }
    fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        self.write()?.failures.remove(key);
        Ok(())
    }
}

impl RevocationStore for MemoryStore {
    fn revoke_token_id(&self, id: &str, expires_at: UnixTime) -> StoreResult<()> {
        self.write()?
            .revoked
            .entry(id.to_owned())
            .or_insert(expires_at);
        Ok(())
    }
    fn any_revoked(&self, ids: &[&str]) -> StoreResult<bool> {
        let inner = self.lock()?;
        Ok(ids.iter().any(|id| inner.revoked.contains_key(*id)))
    }
}

impl BootstrapStore for MemoryStore {
    fn bootstrap_record(&self) -> StoreResult<Option<BootstrapRecord>> {
        Ok(self.lock()?.bootstrap.clone())
    }
    fn save_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner.bootstrap.is_some() {
            return Err(StoreError::Conflict(
                "the database is bootstrapped already".into(),
            ));
        }
        inner.bootstrap = Some(record.clone());
        Ok(())
    }
    fn complete_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner
            .bootstrap
            .as_ref()
            .is_none_or(|r| r.completed_at.is_none())
        {
            inner.bootstrap = Some(record.clone());
        }
        Ok(())
    }
}

impl CleanupStore for MemoryStore {
    fn purge_expired(&self, now: UnixTime, window_cutoff: UnixTime) -> StoreResult<u64> {
        let mut inner = self.write()?;
        let before = inner.refresh_tokens.len()
            + inner.codes.len()
            + inner.sessions.len()
            + inner.revoked.len()
            + inner.failures.len();
        inner.refresh_tokens.retain(|_, t| t.expires_at >= now);
        inner.codes.retain(|_, c| c.expires_at >= now);
        inner.sessions.retain(|s| s.expires_at >= now);
        inner.revoked.retain(|_, expires_at| *expires_at >= now);
        inner
            .failures
            .retain(|_, f| f.window_start >= window_cutoff);
        let after = inner.refresh_tokens.len()
            + inner.codes.len()
            + inner.sessions.len()
            + inner.revoked.len()
            + inner.failures.len();
        Ok((before - after) as u64)
    }
}

impl EventStore for MemoryStore {
    fn insert_events(&self, events: &[Event]) -> StoreResult<()> {
        self.write()?.events.extend_from_slice(events);
        Ok(())
    }
    fn purge_events(&self, before: UnixTime) -> StoreResult<u64> {
        let mut inner = self.write()?;
        let count = inner.events.len();
        inner.events.retain(|e| e.created_at >= before);
        Ok((count - inner.events.len()) as u64)
    }
}

impl Store for MemoryStore {
    fn ping(&self) -> StoreResult<()> {
        self.lock().map(|_| ())
    }
}
