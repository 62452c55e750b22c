//! Creating realms, clients and users, and the one-time bootstrap of an empty database.
//!
//! Used by the `bootstrap`, `client create` and `user create` commands and the admin API.
//! [`bootstrap`] runs once and records that it did (`BootstrapRecord`); every later run only
//! hands new built-in permissions to the built-in roles, and never re-creates or re-grants
//! anything by name.

use crate::model::RolePermissionColumn;
use uuid::Uuid;

use crate::error::{Error, OAuthError, StoreError};
use crate::grant::MASTER_REALM;
use crate::hash::TokenHash;
use crate::keys::{current_key, generate_signing_key};
use crate::model::{
    Client, KeyStatus, Permission, Realm, RealmBundle, Role, RolePermission, ScopeRecord,
    SigningAlgorithm, UnixTime, User,
};
use crate::password::PasswordHasher;
use crate::random::{Entropy, random_token, random_uuid};
use crate::scope::{BUILT_IN_SCOPES, Scope};
use crate::secret::{ClientSecret, Password};
use crate::store::Store;
use crate::store::records::{ListQuery, Records, list_all};

mod bootstrap;
pub use bootstrap::{BootstrapReport, bootstrap};

/// Default access token lifetime: one hour.
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: i64 = 3600;
/// The longest access token lifetime a realm may set: one day.
pub const MAX_ACCESS_TOKEN_LIFETIME: i64 = 86_400;
/// Default refresh token lifetime: three days.
pub const DEFAULT_REFRESH_TOKEN_LIFETIME: i64 = 3 * 24 * 3600;
/// The role that holds every permission.
pub const ADMIN_ROLE: &str = "admin";
/// The role created with every realm, holding every permission inside that realm.
pub const REALM_ADMIN_ROLE: &str = "realm_admin";

/// The entities of the admin API; each has `_create`, `_read`, `_update`, `_delete` permissions.
pub const PERMISSION_ENTITIES: [&str; 15] = [
    "realm",
    "user",
    "client",
    "role",
    "permission",
    "scope",
    "client_scope",
    "user_role",
    "role_permission",
    "user_permission",
    "client_permission",
    "key",
    "session",
    "consent",
    "event",
];

/// Every built-in permission name, sorted.
pub fn built_in_permissions() -> Vec<String> {
    let mut names: Vec<String> = PERMISSION_ENTITIES
        .iter()
        .flat_map(|e| {
            ["create", "read", "update", "delete"]
                .iter()
                .map(move |a| format!("{e}_{a}"))
        })
        .collect();
    names.push("token_introspect".to_owned());
    names.sort();
    names
}

/// Ignores a `Conflict`: another process created the same record first.
pub(crate) fn tolerate_conflict(result: Result<(), StoreError>) -> Result<(), Error> {
    match result {
        Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Makes sure a realm named `name` exists with its built-in scopes and one active ES256 and
/// RS256 key; answers the realm. A new realm signs access tokens with ES256.
pub fn ensure_realm(
    store: &dyn Store,
    name: &str,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<Realm, Error> {
    if store.find_realm_by_name(name)?.is_none() {
        let realm = new_realm(name, SigningAlgorithm::Es256, now, rng);
        tolerate_conflict(store.create_realm(&realm))?;
    }
    complete_realm(store, name, now, rng)
}

/// A realm to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRealm {
    /// Unique name (part of URLs).
    pub name: String,
    /// Name shown to people.
    pub display_name: Option<String>,
    /// Algorithm of access tokens.
    pub access_token_algorithm: SigningAlgorithm,
    /// Access token lifetime, seconds.
    pub access_token_lifetime: i64,
    /// Refresh token lifetime, seconds.
    pub refresh_token_lifetime: i64,
}

impl NewRealm {
    /// A realm with default lifetimes.
    pub fn named(name: impl Into<String>, access_token_algorithm: SigningAlgorithm) -> Self {
        Self {
            name: name.into(),
            display_name: None,
            access_token_algorithm,
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            refresh_token_lifetime: DEFAULT_REFRESH_TOKEN_LIFETIME,
        }
    }
}

/// Checks a realm name: 1 to 128 ASCII letters, digits, `-`, `_`, `.` (it is part of URLs).
pub fn validate_realm_name(name: &str) -> Result<(), Error> {
    validate_name("realm name", name)?;
    let valid = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(OAuthError::invalid_request(
            "realm name may hold only ASCII letters, digits, '-', '_' and '.' (it is part of URLs)",
        )
        .into());
    }
    Ok(())
}

/// Creates a realm with its built-in scopes, an ES256 and an RS256 key and its `realm_admin`
/// role holding every permission, in one transaction; a realm of that name existing already is
/// `Conflict`.
pub fn create_realm(
    store: &dyn Store,
    new: NewRealm,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<Realm, Error> {
    validate_realm_name(&new.name)?;
    let realm = Realm {
        display_name: new.display_name,
        access_token_lifetime: new.access_token_lifetime,
        refresh_token_lifetime: new.refresh_token_lifetime,
        ..new_realm(&new.name, new.access_token_algorithm, now, rng)
    };
    let scopes = BUILT_IN_SCOPES
        .iter()
        .map(|(scope, description)| built_in_scope(realm.id, scope, description, rng))
        .collect();
    let keys = [SigningAlgorithm::Es256, SigningAlgorithm::Rs256]
        .into_iter()
        .map(|alg| generate_signing_key(realm.id, alg, KeyStatus::Active, now, rng))
        .collect::<Result<Vec<_>, _>>()?;
    let role = Role {
        id: random_uuid(rng),
        realm_id: realm.id,
        name: REALM_ADMIN_ROLE.to_owned(),
        description: Some("Holds every permission inside its realm".to_owned()),
        built_in: true,
    };
    let role_permissions = store
        .list_permissions()?
        .into_iter()
        .map(|p| RolePermission {
            id: random_uuid(rng),
            realm_id: realm.id,
            role_id: role.id,
            permission_id: p.id,
        })
        .collect();
    store.create_realm_bundle(&RealmBundle {
        realm: realm.clone(),
        scopes,
        keys,
        roles: vec![role],
        role_permissions,
    })?;
    Ok(realm)
}

fn built_in_scope(
    realm_id: Uuid,
    scope: &str,
    description: &str,
    rng: &mut dyn Entropy,
) -> ScopeRecord {
    ScopeRecord {
        id: random_uuid(rng),
        realm_id,
        name: scope.to_owned(),
        description: Some(description.to_owned()),
        built_in: true,
    }
}

/// Gives `role` every permission of `permissions` it lacks.
pub(crate) fn grant_missing(
    store: &dyn Store,
    role: &Role,
    permissions: &[Permission],
    rng: &mut dyn Entropy,
) -> Result<(), Error> {
    let query = ListQuery::by(RolePermissionColumn::RoleId, role.id);
    let held: Vec<Uuid> = list_all(store, &query)?
        .into_iter()
        .map(|a| a.permission_id)
        .collect();
    for permission in permissions {
        if !held.contains(&permission.id) {
            let grant = RolePermission {
                id: random_uuid(rng),
                realm_id: role.realm_id,
                role_id: role.id,
                permission_id: permission.id,
            };
            assign(store, &grant)?;
        }
    }
    Ok(())
}

/// Inserts an assignment unless an equal one exists.
pub fn assign<T: crate::store::records::Record, S: Records<T> + ?Sized>(
    store: &S,
    record: &T,
) -> Result<(), Error> {
    tolerate_conflict(store.insert_record(record))
}

fn new_realm(
    name: &str,
    algorithm: SigningAlgorithm,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Realm {
    Realm {
        id: random_uuid(rng),
        name: name.to_owned(),
        display_name: None,
        access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
        refresh_token_lifetime: DEFAULT_REFRESH_TOKEN_LIFETIME,
        access_token_algorithm: algorithm,
        built_in: name == MASTER_REALM,
        created_at: now,
    }
}

/// Adds the built-in scopes and signing keys a realm lacks.
fn complete_realm(
    store: &dyn Store,
    name: &str,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<Realm, Error> {
    let realm = store
        .find_realm_by_name(name)?
        .ok_or_else(|| Error::internal(format!("realm {name} vanished during bootstrap")))?;
    let existing: Vec<String> = store
        .list_scopes(realm.id)?
        .into_iter()
        .map(|s| s.name)
        .collect();
    for (scope, description) in BUILT_IN_SCOPES {
        if !existing.iter().any(|e| e == scope) {
            let record = built_in_scope(realm.id, scope, description, rng);
            tolerate_conflict(store.create_scope(&record))?;
        }
    }
    let keys = store.list_signing_keys(Some(realm.id))?;
    for alg in [SigningAlgorithm::Es256, SigningAlgorithm::Rs256] {
        if current_key(&keys, alg).is_none() {
            let key = generate_signing_key(realm.id, alg, KeyStatus::Active, now, rng)?;
            store.create_signing_key(&key)?;
        }
    }
    Ok(realm)
}

/// A client to register.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewClient {
    /// Name, unique in the realm.
    pub name: String,
    /// A public client gets no secret.
    pub public: bool,
    /// Allowed grant types, space-separated (`None`: all).
    pub grant_types: Option<String>,
    /// Allowed scopes, space-separated (`None`: every scope the realm has now); they become the
    /// client's `client_scopes` assignments.
    pub scope: Option<String>,
    /// Redirect URIs, comma-separated.
    pub redirect_uri: Option<String>,
    /// Post-logout redirect URIs, comma-separated.
    pub post_logout_redirect_uri: Option<String>,
    /// Algorithm of the client's ID tokens (`None`: RS256).
    pub id_token_signed_response_alg: Option<SigningAlgorithm>,
    /// Skips the consent page.
    pub first_party: bool,
}

/// Registers a client with its `client_scopes` (the listed scopes, or every scope of the realm);
/// answers it and, for a confidential client, its secret (shown once: only its hash is stored).
pub fn create_client(
    store: &dyn Store,
    realm: &Realm,
    new: NewClient,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<(Client, Option<ClientSecret>), Error> {
    let wanted = new.scope.as_deref().map(Scope::parse).transpose()?;
    let scopes = crate::client_scopes::resolve(store, realm.id, wanted.as_ref())?;
    let (mut client, secret) = new_client(realm, new, now, rng)?;
    store.create_client(&client)?;
    crate::client_scopes::assign(store, &mut client, &scopes, rng)?;
    Ok((client, secret))
}

/// Validates and builds a client record (and its secret) without storing it, for callers that
/// set more fields before the one insert.
pub fn new_client(
    realm: &Realm,
    new: NewClient,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<(Client, Option<ClientSecret>), Error> {
    validate_name("client name", &new.name)?;
    if let Some(scope) = &new.scope {
        Scope::parse(scope)?;
    }
    for uri in crate::redirect::registered(new.redirect_uri.as_deref()).chain(
        crate::redirect::registered(new.post_logout_redirect_uri.as_deref()),
    ) {
        crate::redirect::validate(uri)?;
    }
    let secret = (!new.public).then(|| ClientSecret::new(random_token(rng)));
    let client = Client {
        id: random_uuid(rng),
        realm_id: realm.id,
        name: new.name,
        display_name: None,
        description: None,
        active: true,
        secret_hash: secret.as_ref().map(|s| TokenHash::of(s.secret())),
        grant_types: new.grant_types,
        scope: new.scope,
        redirect_uri: new.redirect_uri,
        post_logout_redirect_uri: new.post_logout_redirect_uri,
        id_token_signed_response_alg: new.id_token_signed_response_alg,
        first_party: new.first_party,
        created_at: now,
        updated_at: now,
    };
    Ok((client, secret))
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewUser {
    /// Login name, unique in the realm.
    pub name: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Password (`None`: cannot log in with a password).
    pub password: Option<Password>,
}

/// Creates a user, hashing the password with Argon2id.
pub fn create_user(
    store: &dyn Store,
    hasher: &PasswordHasher,
    realm: &Realm,
    new: NewUser,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<User, Error> {
    let user = new_user(hasher, realm, new, now, rng)?;
    store.create_user(&user)?;
    Ok(user)
}

/// Validates and builds a user record (hashing the password) without storing it, for callers
/// that set more fields before the one insert.
pub fn new_user(
    hasher: &PasswordHasher,
    realm: &Realm,
    new: NewUser,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<User, Error> {
    validate_name("user name", &new.name)?;
    let password_hash = new.password.map(|p| hasher.hash(&p, rng)).transpose()?;
    let user = User {
        id: random_uuid(rng),
        realm_id: realm.id,
        name: new.name,
        display_name: None,
        first_name: None,
        last_name: None,
        email: new.email,
        email_verified: false,
        password_hash,
        active: true,
        created_at: now,
        updated_at: now,
    };
    Ok(user)
}

/// Names: 1 to 128 characters, no control characters, not a UUID (ids and names share
/// `client_id`).
fn validate_name(what: &str, name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.chars().count() <= 128
        && !name.chars().any(char::is_control)
        && Uuid::parse_str(name).is_err();
    if ok {
        Ok(())
    } else {
        Err(OAuthError::invalid_request(format!(
            "{what} must be 1 to 128 characters, without control characters, and not a UUID"
        ))
        .into())
    }
}
