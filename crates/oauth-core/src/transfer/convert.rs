//! The export file's entries to and from the records of [`crate::model`].

use uuid::Uuid;

use super::format::{
    BootstrapEntry, ClientEntry, ClientPermissionEntry, ClientScopeEntry, ExportFile, FORMAT,
    FileSecret, KeyEntry, NamedEntry, PermissionEntry, RealmEntry, RolePermissionEntry, UserEntry,
    UserPermissionEntry, UserRoleEntry, VERSION,
};
use crate::hash::TokenHash;
use crate::model::{
    BootstrapRecord, Client, ClientPermission, ClientScope, Permission, Realm, Role,
    RolePermission, ScopeRecord, SigningKey, UnixTime, User, UserPermission, UserRole,
};
use crate::secret::{PasswordHash, PrivateKeyDer};

/// Everything of one realm, as records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RealmRecords {
    pub realm: Realm,
    pub scopes: Vec<ScopeRecord>,
    pub roles: Vec<Role>,
    pub users: Vec<User>,
    pub clients: Vec<Client>,
    pub keys: Vec<SigningKey>,
    pub user_roles: Vec<UserRole>,
    pub role_permissions: Vec<RolePermission>,
    pub user_permissions: Vec<UserPermission>,
    pub client_permissions: Vec<ClientPermission>,
    pub client_scopes: Vec<ClientScope>,
}

/// A whole file's content, as records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// The bootstrap record, if the master realm is in the file.
    pub bootstrap: Option<BootstrapRecord>,
    /// Permissions.
    pub permissions: Vec<Permission>,
    /// Realms.
    pub realms: Vec<RealmRecords>,
}

impl ExportFile {
    /// The file for `contents`, written at `now`.
    pub fn new(contents: &Contents, now: UnixTime) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            exported_at: now,
            bootstrap: contents.bootstrap.as_ref().map(|b| BootstrapEntry {
                admin_role_id: b.admin_role_id,
                admin_user_id: b.admin_user_id,
                completed_at: b.completed_at.unwrap_or(now),
            }),
            permissions: contents
                .permissions
                .iter()
                .map(|p| PermissionEntry {
                    id: p.id,
                    name: p.name.clone(),
                    description: p.description.clone(),
                    built_in: p.built_in,
                })
                .collect(),
            realms: contents
                .realms
                .iter()
                .map(RealmEntry::from_records)
                .collect(),
        }
    }

    /// The records the file holds (not yet checked: see `transfer::check`).
    pub fn contents(&self) -> Contents {
        Contents {
            bootstrap: self.bootstrap.as_ref().map(|b| BootstrapRecord {
                admin_role_id: b.admin_role_id,
                admin_user_id: b.admin_user_id,
                completed_at: Some(b.completed_at),
            }),
            permissions: self
                .permissions
                .iter()
                .map(|p| Permission {
                    id: p.id,
                    name: p.name.clone(),
                    description: p.description.clone(),
                    built_in: p.built_in,
                })
                .collect(),
            realms: self.realms.iter().map(RealmEntry::to_records).collect(),
        }
    }
}

impl RealmEntry {
    pub(super) fn from_records(r: &RealmRecords) -> Self {
        let named = |id, name: &str, description: &Option<String>, built_in| NamedEntry {
            id,
            name: name.to_owned(),
            description: description.clone(),
            built_in,
        };
        Self {
            id: r.realm.id,
            name: r.realm.name.clone(),
            display_name: r.realm.display_name.clone(),
            access_token_lifetime: r.realm.access_token_lifetime,
            refresh_token_lifetime: r.realm.refresh_token_lifetime,
            access_token_algorithm: r.realm.access_token_algorithm,
            built_in: r.realm.built_in,
            created_at: r.realm.created_at,
            scopes: r
                .scopes
                .iter()
                .map(|s| named(s.id, &s.name, &s.description, s.built_in))
                .collect(),
            roles: r
                .roles
                .iter()
                .map(|s| named(s.id, &s.name, &s.description, s.built_in))
                .collect(),
            users: r.users.iter().map(UserEntry::from_model).collect(),
            clients: r.clients.iter().map(ClientEntry::from_model).collect(),
            keys: r
                .keys
                .iter()
                .map(|k| KeyEntry {
                    id: k.id,
                    algorithm: k.algorithm,
                    status: k.status,
                    private_key: FileSecret::new(k.private_key.secret()),
                    public_jwk: k.public_jwk.clone(),
                    created_at: k.created_at,
                })
                .collect(),
            user_roles: r.user_roles.iter().map(UserRoleEntry::from_model).collect(),
            role_permissions: r
                .role_permissions
                .iter()
                .map(RolePermissionEntry::from_model)
                .collect(),
            user_permissions: r
                .user_permissions
                .iter()
                .map(UserPermissionEntry::from_model)
                .collect(),
            client_permissions: r
                .client_permissions
                .iter()
                .map(ClientPermissionEntry::from_model)
                .collect(),
            client_scopes: r
                .client_scopes
                .iter()
                .map(ClientScopeEntry::from_model)
                .collect(),
        }
    }

    pub(super) fn to_records(&self) -> RealmRecords {
        let realm_id = self.id;
        RealmRecords {
            realm: Realm {
                id: self.id,
                name: self.name.clone(),
                display_name: self.display_name.clone(),
                access_token_lifetime: self.access_token_lifetime,
                refresh_token_lifetime: self.refresh_token_lifetime,
                access_token_algorithm: self.access_token_algorithm,
                built_in: self.built_in,
                created_at: self.created_at,
            },
            scopes: self
                .scopes
                .iter()
                .map(|s| ScopeRecord {
                    id: s.id,
                    realm_id,
                    name: s.name.clone(),
                    description: s.description.clone(),
                    built_in: s.built_in,
                })
                .collect(),
            roles: self
                .roles
                .iter()
                .map(|s| Role {
                    id: s.id,
                    realm_id,
                    name: s.name.clone(),
                    description: s.description.clone(),
                    built_in: s.built_in,
                })
                .collect(),
            users: self.users.iter().map(|u| u.to_model(realm_id)).collect(),
            clients: self.clients.iter().map(|c| c.to_model(realm_id)).collect(),
            keys: self
                .keys
                .iter()
                .map(|k| SigningKey {
                    id: k.id,
                    realm_id,
                    algorithm: k.algorithm,
                    status: k.status,
                    private_key: PrivateKeyDer::new(k.private_key.secret()),
                    public_jwk: k.public_jwk.clone(),
                    created_at: k.created_at,
                })
                .collect(),
            user_roles: self
                .user_roles
                .iter()
                .map(|a| a.to_model(realm_id))
                .collect(),
            role_permissions: self
                .role_permissions
                .iter()
                .map(|a| a.to_model(realm_id))
                .collect(),
            user_permissions: self
                .user_permissions
                .iter()
                .map(|a| a.to_model(realm_id))
                .collect(),
            client_permissions: self
                .client_permissions
                .iter()
                .map(|a| a.to_model(realm_id))
                .collect(),
            client_scopes: self
                .client_scopes
                .iter()
                .map(|a| a.to_model(realm_id))
                .collect(),
        }
    }
}

impl UserEntry {
    fn from_model(u: &User) -> Self {
        Self {
            id: u.id,
            name: u.name.clone(),
            display_name: u.display_name.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            email_verified: u.email_verified,
            password_hash: u
                .password_hash
                .as_ref()
                .map(|h| FileSecret::new(h.secret())),
            active: u.active,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }

    fn to_model(&self, realm_id: Uuid) -> User {
        User {
            id: self.id,
            realm_id,
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified,
            password_hash: self
                .password_hash
                .as_ref()
                .map(|h| PasswordHash::new(h.secret())),
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl ClientEntry {
    fn from_model(c: &Client) -> Self {
        Self {
            id: c.id,
            name: c.name.clone(),
            display_name: c.display_name.clone(),
            description: c.description.clone(),
            active: c.active,
            secret_hash: c.secret_hash.as_ref().map(|h| FileSecret::new(h.as_str())),
            grant_types: c.grant_types.clone(),
            scope: c.scope.clone(),
            redirect_uri: c.redirect_uri.clone(),
            post_logout_redirect_uri: c.post_logout_redirect_uri.clone(),
            id_token_signed_response_alg: c.id_token_signed_response_alg,
            first_party: c.first_party,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }

    fn to_model(&self, realm_id: Uuid) -> Client {
        Client {
            id: self.id,
            realm_id,
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            description: self.description.clone(),
            active: self.active,
            secret_hash: self
                .secret_hash
                .as_ref()
                .map(|h| TokenHash::from_stored(h.secret().to_owned())),
            grant_types: self.grant_types.clone(),
            scope: self.scope.clone(),
            redirect_uri: self.redirect_uri.clone(),
            post_logout_redirect_uri: self.post_logout_redirect_uri.clone(),
            id_token_signed_response_alg: self.id_token_signed_response_alg,
            first_party: self.first_party,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}
