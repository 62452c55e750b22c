//! A read-through cache in front of the store, for the records the hot paths read on every request.
//!
//! Realms, clients, a realm's scopes, signing keys and the CORS origins of public clients are
//! cached for a short, configurable time (`cache.ttl_seconds`, default 10 s; 0 turns caching off). Every write through this store clears
//! the matching cache, so a change made on this node is seen at once; a change made on another node
//! is seen within the TTL. Users, refresh tokens, codes, sessions and consents are never cached:
//! their state must be exact.
//! Unknown clients are not cached either (a client created on another node must work at once), and
//! each map holds at most [`MAX_ENTRIES`] records, so hostile ids cannot grow memory.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use oauth_core::Store;
use oauth_core::cors::RealmOrigins;
use oauth_core::hash::TokenHash;
use oauth_core::model::{
    AuthorizationCode, BootstrapRecord, Client, Consent, Event, Failures, KeyStatus, Permission,
    Realm, RealmBundle, RefreshToken, Role, ScopeRecord, Session, SigningKey, UnixTime, User,
};
use oauth_core::store::records::{ListQuery, Page, Record, Records};
use oauth_core::store::{
    AuthorizationCodeStore, BootstrapStore, CleanupStore, ClientStore, ConsentStore, EventStore,
    GrantHolder, KeyStore, RealmStore, RefreshTokenStore, RevocationStore, RoleStore, ScopeStore,
    SessionStore, StoreResult, ThrottleStore, UserStore,
};
use uuid::Uuid;

/// Most records one cache map holds; past it the map is cleared.
pub const MAX_ENTRIES: usize = 10_000;

/// A map whose entries expire. Each `clear` starts a new generation; a value loaded during an
/// older generation is not cached (it may predate the write that cleared the map).
struct TtlMap<K, V> {
    ttl: Duration,
    entries: RwLock<HashMap<K, (Instant, V)>>,
    generation: std::sync::atomic::AtomicU64,
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.read().ok()?;
        let (at, value) = entries.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    fn put(&self, key: K, value: V, generation: u64) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.write() {
            // Checked under the lock `clear` takes: no clear can slip in between.
            if self.generation.load(std::sync::atomic::Ordering::SeqCst) != generation {
                return;
            }
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), value));
        }
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.write() {
            self.generation
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            entries.clear();
        }
    }

    /// Answers the cached value, or loads it and caches it when `keep` says so.
    fn get_or_load(
        &self,
        key: K,
        load: impl FnOnce() -> StoreResult<V>,
        keep: impl FnOnce(&V) -> bool,
    ) -> StoreResult<V> {
        if let Some(hit) = self.get(&key) {
            return Ok(hit);
        }
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let value = load()?;
        if keep(&value) {
            self.put(key, value.clone(), generation);
        }
        Ok(value)
    }
}

/// The caching decorator.
pub struct CachedStore<S: ?Sized> {
    realms_by_id: TtlMap<Uuid, Option<Realm>>,
    realms_by_name: TtlMap<String, Option<Realm>>,
    clients_by_id: TtlMap<Uuid, Option<Client>>,
    clients_by_name: TtlMap<(Uuid, String), Option<Client>>,
    scopes: TtlMap<Uuid, Vec<ScopeRecord>>,
    keys: TtlMap<Option<Uuid>, Vec<SigningKey>>,
    realm_origins: TtlMap<(), Arc<RealmOrigins>>,
    inner: Arc<S>,
}

impl<S: Store + ?Sized> CachedStore<S> {
    /// Wraps `inner`, caching for `ttl`.
    pub fn new(inner: Arc<S>, ttl: Duration) -> Self {
        Self {
            realms_by_id: TtlMap::new(ttl),
            realms_by_name: TtlMap::new(ttl),
            clients_by_id: TtlMap::new(ttl),
            clients_by_name: TtlMap::new(ttl),
            scopes: TtlMap::new(ttl),
            keys: TtlMap::new(ttl),
            realm_origins: TtlMap::new(ttl),
            inner,
        }
    }

    /// The signing keys of a realm (or all realms) if they are cached, without touching the store.
    pub fn cached_signing_keys(&self, realm_id: Option<Uuid>) -> Option<Vec<SigningKey>> {
        self.keys.get(&realm_id)
    }

    /// A realm's scopes if they are cached, without touching the store.
    pub fn cached_scopes(&self, realm_id: Uuid) -> Option<Vec<ScopeRecord>> {
        self.scopes.get(&realm_id)
    }

    /// The realms' ids, names and public-client origins (CORS) if they are cached, without
    /// touching the store.
    pub fn cached_realm_origins(&self) -> Option<Arc<RealmOrigins>> {
        self.realm_origins.get(&())
    }

    /// The realms' ids, names and public-client origins (CORS), read through the cache: every
    /// realm and client is read once per TTL, and again after any write through this store.
    pub fn realm_origins(&self) -> StoreResult<Arc<RealmOrigins>> {
        self.realm_origins.get_or_load(
            (),
            || RealmOrigins::load(&*self.inner).map(Arc::new),
            always,
        )
    }

    /// A realm by id if it is cached, without touching the store.
    pub fn cached_realm(&self, id: Uuid) -> Option<Option<Realm>> {
        self.realms_by_id.get(&id)
    }

    /// A realm by name if it is cached, without touching the store.
    pub fn cached_realm_by_name(&self, name: &str) -> Option<Option<Realm>> {
        self.realms_by_name.get(&name.to_owned())
    }
}

impl<S: ?Sized> CachedStore<S> {
    /// Forgets everything cached.
    pub fn clear_all(&self) {
        self.realms_by_id.clear();
        self.realms_by_name.clear();
        self.clients_by_id.clear();
        self.clients_by_name.clear();
        self.scopes.clear();
        self.keys.clear();
        self.realm_origins.clear();
    }
}

impl<S: ?Sized> std::fmt::Debug for CachedStore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedStore").finish_non_exhaustive()
    }
}

fn always<V>(_: &V) -> bool {
    true
}

fn found<V>(value: &Option<V>) -> bool {
    value.is_some()
}

impl<S: Store + ?Sized> RealmStore for CachedStore<S> {
    fn create_realm(&self, realm: &Realm) -> StoreResult<()> {
        let result = self.inner.create_realm(realm);
        self.realms_by_id.clear();
        self.realms_by_name.clear();
        self.realm_origins.clear();
        result
    }
    fn find_realm(&self, id: Uuid) -> StoreResult<Option<Realm>> {
        self.realms_by_id
            .get_or_load(id, || self.inner.find_realm(id), found)
    }
    fn find_realm_by_name(&self, name: &str) -> StoreResult<Option<Realm>> {
        self.realms_by_name.get_or_load(
            name.to_owned(),
            || self.inner.find_realm_by_name(name),
            found,
        )
    }
    fn create_realm_bundle(&self, bundle: &RealmBundle) -> StoreResult<()> {
        let result = self.inner.create_realm_bundle(bundle);
        self.clear_all();
        result
    }
}

impl<S: Store + ?Sized> ClientStore for CachedStore<S> {
    fn create_client(&self, client: &Client) -> StoreResult<()> {
        let result = self.inner.create_client(client);
        self.clients_by_id.clear();
        self.clients_by_name.clear();
        self.realm_origins.clear();
        result
    }
    fn find_client(&self, id: Uuid) -> StoreResult<Option<Client>> {
        self.clients_by_id
            .get_or_load(id, || self.inner.find_client(id), found)
    }
    fn find_client_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Client>> {
        self.clients_by_name.get_or_load(
            (realm_id, name.to_owned()),
            || self.inner.find_client_by_name(realm_id, name),
            found,
        )
    }
}

impl<S: Store + ?Sized> ScopeStore for CachedStore<S> {
    fn create_scope(&self, scope: &ScopeRecord) -> StoreResult<()> {
        let result = self.inner.create_scope(scope);
        self.scopes.clear();
        result
    }
    fn list_scopes(&self, realm_id: Uuid) -> StoreResult<Vec<ScopeRecord>> {
        self.scopes
            .get_or_load(realm_id, || self.inner.list_scopes(realm_id), always)
    }
}

impl<S: Store + ?Sized> KeyStore for CachedStore<S> {
    fn create_signing_key(&self, key: &SigningKey) -> StoreResult<()> {
        let result = self.inner.create_signing_key(key);
        self.keys.clear();
        result
    }
    fn list_signing_keys(&self, realm_id: Option<Uuid>) -> StoreResult<Vec<SigningKey>> {
        self.keys
            .get_or_load(realm_id, || self.inner.list_signing_keys(realm_id), always)
    }
    fn set_key_status(&self, id: Uuid, from: KeyStatus, to: KeyStatus) -> StoreResult<bool> {
        let result = self.inner.set_key_status(id, from, to);
        self.keys.clear();
        result
    }
}

impl<S: Store + ?Sized> UserStore for CachedStore<S> {
    fn create_user(&self, user: &User) -> StoreResult<()> {
        self.inner.create_user(user)
    }
    fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
        self.inner.find_user(id)
    }
    fn find_user_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<User>> {
        self.inner.find_user_by_name(realm_id, name)
    }
    fn replace_password_hash(
        &self,
        user_id: Uuid,
        old: &oauth_core::secret::PasswordHash,
        new: &oauth_core::secret::PasswordHash,
    ) -> StoreResult<bool> {
        self.inner.replace_password_hash(user_id, old, new)
    }
}

impl<S: Store + ?Sized> RoleStore for CachedStore<S> {
    fn create_role(&self, role: &Role) -> StoreResult<()> {
        self.inner.create_role(role)
    }
    fn find_role_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Role>> {
        self.inner.find_role_by_name(realm_id, name)
    }
    fn create_permission(&self, permission: &Permission) -> StoreResult<()> {
        self.inner.create_permission(permission)
    }
    fn list_permissions(&self) -> StoreResult<Vec<Permission>> {
        self.inner.list_permissions()
    }
    fn client_permission_names(&self, client_id: Uuid) -> StoreResult<Vec<String>> {
        self.inner.client_permission_names(client_id)
    }
    fn user_permission_names(&self, user_id: Uuid) -> StoreResult<Vec<String>> {
        self.inner.user_permission_names(user_id)
    }
}

impl<S: Store + ?Sized> RefreshTokenStore for CachedStore<S> {
    fn create_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        self.inner.create_refresh_token(token)
    }
    fn find_refresh_token(&self, hash: &TokenHash) -> StoreResult<Option<RefreshToken>> {
        self.inner.find_refresh_token(hash)
    }
    fn rotate_refresh_token(
        &self,
        consumed_id: Uuid,
        successor: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool> {
        self.inner.rotate_refresh_token(consumed_id, successor, now)
    }
    fn refresh_families_of(&self, holder: GrantHolder) -> StoreResult<Vec<Uuid>> {
        self.inner.refresh_families_of(holder)
    }
    fn revoke_refresh_family(&self, family_id: Uuid, now: UnixTime) -> StoreResult<u64> {
        self.inner.revoke_refresh_family(family_id, now)
    }
}

impl<S: Store + ?Sized> AuthorizationCodeStore for CachedStore<S> {
    fn create_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        self.inner.create_authorization_code(code)
    }
    fn find_authorization_code(&self, hash: &TokenHash) -> StoreResult<Option<AuthorizationCode>> {
        self.inner.find_authorization_code(hash)
    }
    fn redeem_authorization_code(
        &self,
        id: Uuid,
        refresh_token: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool> {
        self.inner.redeem_authorization_code(id, refresh_token, now)
    }
}

impl<S: Store + ?Sized> SessionStore for CachedStore<S> {
    fn create_session(&self, session: &Session) -> StoreResult<()> {
        self.inner.create_session(session)
    }
    fn find_session(&self, hash: &TokenHash) -> StoreResult<Option<Session>> {
        self.inner.find_session(hash)
    }
    fn revoke_session(&self, id: Uuid, now: UnixTime) -> StoreResult<bool> {
        self.inner.revoke_session(id, now)
    }
}

impl<S: Store + ?Sized> ConsentStore for CachedStore<S> {
    fn save_consent(&self, consent: &Consent) -> StoreResult<()> {
        self.inner.save_consent(consent)
    }
    fn find_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<Option<Consent>> {
        self.inner.find_consent(user_id, client_id)
    }
    fn list_consents(&self, user_id: Uuid) -> StoreResult<Vec<Consent>> {
        self.inner.list_consents(user_id)
    }
    fn delete_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<bool> {
        self.inner.delete_consent(user_id, client_id)
    }
}

impl<S: Store + ?Sized> ThrottleStore for CachedStore<S> {
    fn login_failures(&self, key: &str) -> StoreResult<Option<Failures>> {
        self.inner.login_failures(key)
    }
    fn take_login_attempt(
        &self,
        key: &str,
        now: UnixTime,
        window_cutoff: UnixTime,
        wait: &dyn Fn(&Failures) -> i64,
    ) -> StoreResult<Result<Failures, i64>> {
        self.inner.take_login_attempt(key, now, window_cutoff, wait)
    }
    fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        self.inner.clear_login_failures(key)
    }
}

impl<S: Store + ?Sized> RevocationStore for CachedStore<S> {
    fn revoke_token_id(&self, id: &str, expires_at: UnixTime) -> StoreResult<()> {
        self.inner.revoke_token_id(id, expires_at)
    }
    fn any_revoked(&self, ids: &[&str]) -> StoreResult<bool> {
        self.inner.any_revoked(ids)
    }
}

impl<S: Store + ?Sized> CleanupStore for CachedStore<S> {
    fn purge_expired(&self, now: UnixTime, window_cutoff: UnixTime) -> StoreResult<u64> {
        self.inner.purge_expired(now, window_cutoff)
    }
}

impl<S: Store + ?Sized> BootstrapStore for CachedStore<S> {
    fn bootstrap_record(&self) -> StoreResult<Option<BootstrapRecord>> {
        self.inner.bootstrap_record()
    }
    fn save_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
        self.inner.save_bootstrap_record(record)
    }
    fn complete_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
        self.inner.complete_bootstrap_record(record)
    }
}

impl<S: Store + ?Sized> EventStore for CachedStore<S> {
    fn insert_events(&self, events: &[Event]) -> StoreResult<()> {
        self.inner.insert_events(events)
    }
    fn purge_events(&self, before: UnixTime) -> StoreResult<u64> {
        self.inner.purge_events(before)
    }
}

/// Admin reads go to the store; every admin write clears every cache, so this node sees it at once.
impl<T: Record, S: Records<T> + ?Sized> Records<T> for CachedStore<S> {
    fn list_records(&self, query: &ListQuery<T::Column>) -> StoreResult<Page<T>> {
        self.inner.list_records(query)
    }
    fn get_record(&self, id: Uuid) -> StoreResult<Option<T>> {
        self.inner.get_record(id)
    }
    fn insert_record(&self, record: &T) -> StoreResult<()> {
        let result = self.inner.insert_record(record);
        self.clear_all();
        result
    }
    fn update_record(&self, record: &T) -> StoreResult<bool> {
        let result = self.inner.update_record(record);
        self.clear_all();
        result
    }
    fn delete_record(&self, id: Uuid) -> StoreResult<bool> {
        let result = self.inner.delete_record(id);
        self.clear_all();
        result
    }
}

impl<S: Store + ?Sized> Store for CachedStore<S> {
    fn ping(&self) -> StoreResult<()> {
        self.inner.ping()
    }
}

#[cfg(test)]
mod tests;
