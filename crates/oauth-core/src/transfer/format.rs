//! The export file's JSON shape (version [`VERSION`]), and its conversion to and from the
//! records of [`crate::model`] (in `convert.rs`). docs/import-export.md describes every field.
//!
//! Parsing is strict: an unknown field, a missing required field or a value of the wrong type
//! refuses the whole file, so a file written by a newer version, or cut short, never imports in
//! part. Times are Unix seconds. Secrets (password hashes, client-secret hashes, private keys)
//! are [`FileSecret`]s: they print as `[redacted]`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::{
    ClientPermission, ClientScope, KeyStatus, RolePermission, SigningAlgorithm, UnixTime,
    UserPermission, UserRole,
};

/// The `format` every export file names.
pub const FORMAT: &str = "portcullis-export";

/// The version this build writes and the only one it reads.
pub const VERSION: u32 = 1;

/// A secret inside the export file: written as a JSON string, printed as `[redacted]`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FileSecret(String);

impl FileSecret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for FileSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileSecret([redacted])")
    }
}

/// The first two fields, read before the rest so that a file of another version is named as
/// such rather than as a field this version does not know.
#[derive(Debug, Deserialize)]
pub struct Header {
    /// Must be [`FORMAT`].
    pub format: Option<String>,
    /// Must be [`VERSION`].
    pub version: Option<u64>,
}

/// A whole export file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportFile {
    /// [`FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// When it was written.
    pub exported_at: UnixTime,
    /// The bootstrap record (only with the master realm).
    #[serde(default)]
    pub bootstrap: Option<BootstrapEntry>,
    /// The permissions the realms' assignments name (permissions belong to no realm).
    pub permissions: Vec<PermissionEntry>,
    /// The realms.
    pub realms: Vec<RealmEntry>,
}

/// The bootstrap record (`model::BootstrapRecord`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct BootstrapEntry {
    pub admin_role_id: Option<Uuid>,
    pub admin_user_id: Option<Uuid>,
    pub completed_at: UnixTime,
}

/// A permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct PermissionEntry {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub built_in: bool,
}

/// A realm and everything in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RealmEntry {
    pub id: Uuid,
    pub name: String,
    pub display_name: Option<String>,
    pub access_token_lifetime: i64,
    pub refresh_token_lifetime: i64,
    pub access_token_algorithm: SigningAlgorithm,
    pub built_in: bool,
    pub created_at: UnixTime,
    pub scopes: Vec<NamedEntry>,
    pub roles: Vec<NamedEntry>,
    pub users: Vec<UserEntry>,
    pub clients: Vec<ClientEntry>,
    pub keys: Vec<KeyEntry>,
    pub user_roles: Vec<UserRoleEntry>,
    pub role_permissions: Vec<RolePermissionEntry>,
    pub user_permissions: Vec<UserPermissionEntry>,
    pub client_permissions: Vec<ClientPermissionEntry>,
    pub client_scopes: Vec<ClientScopeEntry>,
}

/// A scope or a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct NamedEntry {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub built_in: bool,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct UserEntry {
    pub id: Uuid,
    pub name: String,
    pub display_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    /// Argon2id (PHC string) or bcrypt (`$2a$`, `$2b$`, `$2y$`).
    pub password_hash: Option<FileSecret>,
    pub active: bool,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

/// A client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ClientEntry {
    pub id: Uuid,
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    pub active: bool,
    /// SHA-256 of the secret, 64 hex digits; `None` for a public client.
    pub secret_hash: Option<FileSecret>,
    pub grant_types: Option<String>,
    pub scope: Option<String>,
    pub redirect_uri: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub id_token_signed_response_alg: Option<SigningAlgorithm>,
    pub first_party: bool,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

/// A signing key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct KeyEntry {
    pub id: Uuid,
    pub algorithm: SigningAlgorithm,
    pub status: KeyStatus,
    /// PKCS#8 DER as base64, or sealed (`enc:v1:...`, opened by the server before import).
    pub private_key: FileSecret,
    pub public_jwk: String,
    pub created_at: UnixTime,
}

macro_rules! assignment_entry {
    ($entry:ident, $model:ident, $left:ident, $right:ident) => {
        #[doc = concat!("`", stringify!($model), "` (its realm is the realm it is listed in).")]
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        #[allow(missing_docs)]
        pub struct $entry {
            pub id: Uuid,
            pub $left: Uuid,
            pub $right: Uuid,
        }

        impl $entry {
            pub(super) fn from_model(a: &$model) -> Self {
                Self {
                    id: a.id,
                    $left: a.$left,
                    $right: a.$right,
                }
            }
            pub(super) fn to_model(&self, realm_id: Uuid) -> $model {
                $model {
                    id: self.id,
                    realm_id,
                    $left: self.$left,
                    $right: self.$right,
                }
            }
        }
    };
}

assignment_entry!(UserRoleEntry, UserRole, user_id, role_id);
assignment_entry!(RolePermissionEntry, RolePermission, role_id, permission_id);
assignment_entry!(UserPermissionEntry, UserPermission, user_id, permission_id);
assignment_entry!(
    ClientPermissionEntry,
    ClientPermission,
    client_id,
    permission_id
);
assignment_entry!(ClientScopeEntry, ClientScope, client_id, scope_id);

impl Serialize for SigningAlgorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SigningAlgorithm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown algorithm {name:?} (ES256 or RS256)"))
        })
    }
}

impl Serialize for KeyStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KeyStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown key status {name:?} (active, passive or disabled)"
            ))
        })
    }
}
