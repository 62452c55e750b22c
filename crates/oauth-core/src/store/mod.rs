//! Persistence traits, one per aggregate, and the [`Store`] supertrait.
//!
//! They are synchronous (diesel is); the server calls them on its blocking pool. Every method
//! answers [`StoreError`]: `NotFound` and `Conflict` are domain outcomes, everything else is an
//! opaque `Backend` error. `create_*` methods answer `Conflict` on a duplicate unique name.
//! Implementations: `oauth_core::memory` (in process), `store-sqlite`, `store-postgres`; all of them
//! pass the conformance suite in `oauth_core::testing`.

pub mod records;

use uuid::Uuid;

use crate::error::StoreError;
use crate::hash::TokenHash;
use crate::model::{
    AuthorizationCode, BootstrapRecord, Client, ClientPermission, ClientScope, Consent, Event,
    Failures, KeyStatus, Permission, Realm, RealmBundle, RefreshToken, Role, RolePermission,
    ScopeRecord, Session, SigningKey, UnixTime, User, UserPermission, UserRole,
};
use records::Records;

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// Realms.
pub trait RealmStore {
    /// Inserts a realm.
    fn create_realm(&self, realm: &Realm) -> StoreResult<()>;
    /// Finds a realm by id.
    fn find_realm(&self, id: Uuid) -> StoreResult<Option<Realm>>;
    /// Finds a realm by its unique name.
    fn find_realm_by_name(&self, name: &str) -> StoreResult<Option<Realm>>;
    /// Inserts a realm with its scopes, keys, roles and role permissions, all or nothing.
    fn create_realm_bundle(&self, bundle: &RealmBundle) -> StoreResult<()>;
}

/// Users.
pub trait UserStore {
    /// Inserts a user.
    fn create_user(&self, user: &User) -> StoreResult<()>;
    /// Finds a user by id.
    fn find_user(&self, id: Uuid) -> StoreResult<Option<User>>;
    /// Finds a user by name within a realm.
    fn find_user_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<User>>;
    /// Replaces a user's password hash with `new` only if it is still `old` (a rehash with new
    /// parameters must never undo a password change made meanwhile); answers whether it did.
    fn replace_password_hash(
        &self,
        user_id: Uuid,
        old: &crate::secret::PasswordHash,
        new: &crate::secret::PasswordHash,
    ) -> StoreResult<bool>;
}

/// OAuth clients.
pub trait ClientStore {
    /// Inserts a client.
    fn create_client(&self, client: &Client) -> StoreResult<()>;
    /// Finds a client by id.
    fn find_client(&self, id: Uuid) -> StoreResult<Option<Client>>;
    /// Finds a client by name within a realm.
    fn find_client_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Client>>;
}

/// Scopes defined in realms.
pub trait ScopeStore {
    /// Inserts a scope.
    fn create_scope(&self, scope: &ScopeRecord) -> StoreResult<()>;
    /// Every scope of a realm, by name.
    fn list_scopes(&self, realm_id: Uuid) -> StoreResult<Vec<ScopeRecord>>;
}

/// Roles, permissions and their assignments.
pub trait RoleStore {
    /// Inserts a role.
    fn create_role(&self, role: &Role) -> StoreResult<()>;
    /// Finds a role by name within a realm.
    fn find_role_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Role>>;
    /// Inserts a permission.
    fn create_permission(&self, permission: &Permission) -> StoreResult<()>;
    /// Every permission, by name.
    fn list_permissions(&self) -> StoreResult<Vec<Permission>>;
    /// Names of the permissions a user holds through their roles or directly, sorted.
    fn user_permission_names(&self, user_id: Uuid) -> StoreResult<Vec<String>>;
    /// Names of the permissions granted to a client, sorted.
    fn client_permission_names(&self, client_id: Uuid) -> StoreResult<Vec<String>>;
}

/// Signing keys. A store given a [`KeyEncryption`](crate::keys::sealing::KeyEncryption) at open
/// seals private keys here (writes, including `create_realm_bundle`'s keys) and opens them on
/// read; `Records<SigningKey>` carries them as stored.
pub trait KeyStore {
    /// Inserts a key.
    fn create_signing_key(&self, key: &SigningKey) -> StoreResult<()>;
    /// Keys of one realm, or of every realm with `None`, oldest first.
    fn list_signing_keys(&self, realm_id: Option<Uuid>) -> StoreResult<Vec<SigningKey>>;
    /// Sets key `id`'s status to `to` if it is `from` (compare-and-set: of two nodes rotating at
    /// once only one moves a key, and the private key is never rewritten); answers whether it did.
    fn set_key_status(&self, id: Uuid, from: KeyStatus, to: KeyStatus) -> StoreResult<bool>;
}

/// Refresh tokens and their families.
pub trait RefreshTokenStore {
    /// Inserts a refresh token.
    fn create_refresh_token(&self, token: &RefreshToken) -> StoreResult<()>;
    /// Finds a refresh token by the hash of its value.
    fn find_refresh_token(&self, hash: &TokenHash) -> StoreResult<Option<RefreshToken>>;
    /// In one transaction: marks token `consumed_id` consumed if it is neither consumed nor revoked,
    /// and if so inserts `successor`. Answers whether this call did it (`false` inserts nothing).
    /// Of many concurrent calls on one token exactly one answers `true`, and by the time a loser
    /// answers `false` the winner's successor is visible, so a family revocation catches it.
    fn rotate_refresh_token(
        &self,
        consumed_id: Uuid,
        successor: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool>;
    /// Revokes every not yet revoked token of a family; answers how many were revoked.
    fn revoke_refresh_family(&self, family_id: Uuid, now: UnixTime) -> StoreResult<u64>;
    /// The families that still hold an unrevoked token of `holder` (a session for logout; a user
    /// or a client when its credentials change).
    fn refresh_families_of(&self, holder: GrantHolder) -> StoreResult<Vec<Uuid>>;
}

/// Whose refresh-token families to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantHolder {
    /// Issued in a login session.
    Session(Uuid),
    /// Issued to a user (through any client or none).
    User(Uuid),
    /// Issued to a client.
    Client(Uuid),
}

/// Authorization codes.
pub trait AuthorizationCodeStore {
    /// Inserts a code.
    fn create_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()>;
    /// Finds a code by the hash of its value.
    fn find_authorization_code(&self, hash: &TokenHash) -> StoreResult<Option<AuthorizationCode>>;
    /// In one transaction: marks code `id` redeemed if it was not, and if so inserts the first
    /// refresh token issued from it. Answers whether this call did it (`false` inserts nothing). Of
    /// many concurrent calls exactly one answers `true`, and by the time a loser answers `false`
    /// the winner's refresh token is visible, so revoking the code's family catches it.
    fn redeem_authorization_code(
        &self,
        id: Uuid,
        refresh_token: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool>;
}

/// Login sessions.
pub trait SessionStore {
    /// Inserts a session.
    fn create_session(&self, session: &Session) -> StoreResult<()>;
    /// Finds a session by the hash of its cookie value.
    fn find_session(&self, hash: &TokenHash) -> StoreResult<Option<Session>>;
    /// Ends a session; answers whether it was live.
    fn revoke_session(&self, id: Uuid, now: UnixTime) -> StoreResult<bool>;
}

/// Consents of users to clients.
pub trait ConsentStore {
    /// Records a consent, replacing the previous one for the same user and client.
    fn save_consent(&self, consent: &Consent) -> StoreResult<()>;
    /// The consent a user gave a client, if any.
    fn find_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<Option<Consent>>;
    /// Every consent a user gave, oldest first.
    fn list_consents(&self, user_id: Uuid) -> StoreResult<Vec<Consent>>;
    /// Withdraws a consent; answers whether there was one.
    fn delete_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<bool>;
}

/// Counters of login attempts, shared by every node (see `throttle`).
pub trait ThrottleStore {
    /// The counter of `key`, if any.
    fn login_failures(&self, key: &str) -> StoreResult<Option<Failures>>;
    /// Takes one attempt for `key` at `now`, atomically: a window that began before
    /// `window_cutoff` is restarted; then `wait` is asked about the current counter (count 0 for
    /// a new one): `0` counts the attempt (count + 1, last = `now`) and answers `Ok` with the new
    /// counter; more answers `Err(seconds)` and counts nothing. Concurrent calls on one key are
    /// serialised, so no count is lost and no two callers see the same count.
    fn take_login_attempt(
        &self,
        key: &str,
        now: UnixTime,
        window_cutoff: UnixTime,
        wait: &dyn Fn(&Failures) -> i64,
    ) -> StoreResult<Result<Failures, i64>>;
    /// Forgets the counter of `key`.
    fn clear_login_failures(&self, key: &str) -> StoreResult<()>;
}

/// Revoked token ids: access tokens by `jti`, grants by family id (RFC 7009).
pub trait RevocationStore {
    /// Records that tokens carrying `id` are revoked until `expires_at`; recording twice is fine.
    fn revoke_token_id(&self, id: &str, expires_at: UnixTime) -> StoreResult<()>;
    /// Whether any of `ids` is revoked.
    fn any_revoked(&self, ids: &[&str]) -> StoreResult<bool>;
}

/// Audit events, written in batches.
pub trait EventStore {
    /// Inserts events in one transaction.
    fn insert_events(&self, events: &[Event]) -> StoreResult<()>;
    /// Deletes the events older than `before`; answers how many.
    fn purge_events(&self, before: UnixTime) -> StoreResult<u64>;
}

/// The record that the database was bootstrapped: a first bootstrap claims it before creating
/// anything and completes it at the end; once complete, bootstrap never runs again.
pub trait BootstrapStore {
    /// The record: complete, or a claim (`completed_at` is `None`) of a bootstrap under way.
    fn bootstrap_record(&self) -> StoreResult<Option<BootstrapRecord>>;
    /// Inserts the record (complete, or as a claim); `Conflict` when one exists (another node
    /// claimed or bootstrapped first).
    fn save_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()>;
    /// Completes a claim with `record` (which has `completed_at`); leaves a complete record as it
    /// is, so of two nodes finishing the same claim the first one's record stays.
    fn complete_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()>;
}

/// Removal of what can no longer be used.
pub trait CleanupStore {
    /// Deletes expired refresh tokens, authorization codes, sessions and revocation records, and
    /// login-failure counters whose window began before `window_cutoff`; answers how many rows.
    fn purge_expired(&self, now: UnixTime, window_cutoff: UnixTime) -> StoreResult<u64>;
}

/// Everything a Portcullis server needs from its persistence.
pub trait Store:
    RealmStore
    + UserStore
    + ClientStore
    + ScopeStore
    + RoleStore
    + KeyStore
    + RefreshTokenStore
    + AuthorizationCodeStore
    + SessionStore
    + ConsentStore
    + ThrottleStore
    + RevocationStore
    + EventStore
    + CleanupStore
    + BootstrapStore
    + Records<Realm>
    + Records<User>
    + Records<Client>
    + Records<ScopeRecord>
    + Records<Role>
    + Records<Permission>
    + Records<SigningKey>
    + Records<Session>
    + Records<Event>
    + Records<Consent>
    + Records<UserRole>
    + Records<RolePermission>
    + Records<UserPermission>
    + Records<ClientPermission>
    + Records<ClientScope>
    + Send
    + Sync
{
    /// Checks that the backend answers (readiness probe).
    fn ping(&self) -> StoreResult<()>;
}
