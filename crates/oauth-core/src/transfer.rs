//! Export and import of whole realms (`portcullis export`, `portcullis import`): the file format,
//! its checks, and the import plan. The server reads and writes the file; everything decided
//! about it is here. docs/import-export.md is the operator's description.
//!
//! An import runs in three steps, and writes only in the last:
//! 1. [`format`]: the file is parsed whole and strictly (version first);
//! 2. [`check`]: its records are checked among themselves (ids, names, references, hashes, keys);
//! 3. [`import::plan`] compares them with the database and decides, record by record: new
//!    (insert), identical (nothing), or a conflict; [`import::apply`] then writes each realm's
//!    inserts with one [`RealmStore::import_realm`](crate::store::RealmStore::import_realm) call,
//!    one transaction per realm.
//!
//! An import never updates or deletes. A record whose id exists with other content is a
//! conflict ([`OnConflict`] says whether that refuses the import or keeps the database's
//! record); a record whose name is taken by another id, a realm whose name is taken by another
//! realm, an id that belongs to another realm, and a permission id that names another
//! permission are refused whatever the policy: an import never merges two realms or takes over
//! a record by name.

pub mod check;
pub mod convert;
pub mod export;
pub mod format;
pub mod import;
#[cfg(test)]
mod tests;

use uuid::Uuid;

pub use convert::{Contents, RealmRecords};
pub use format::{ExportFile, FORMAT, VERSION};
pub use import::{OnConflict, Plan, RealmOutcome};

/// Why a file is refused; one line for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// Not JSON, or not the format's shape: cut short, a value of the wrong type, a missing or
    /// unknown field (the parser's message, with line and column).
    #[error("the file cannot be read whole: {0}")]
    Unreadable(String),
    /// `format` is missing or is not [`FORMAT`].
    #[error(
        "this is not a Portcullis export (\"format\" is {}, expected \"{FORMAT}\")",
        .0.as_deref().map_or_else(|| "missing".to_owned(), |f| format!("{f:?}"))
    )]
    NotAnExport(Option<String>),
    /// `version` is missing or is not [`VERSION`].
    #[error(
        "export version {} is not supported (this build reads version {VERSION})",
        .0.map_or_else(|| "(none)".to_owned(), |v| v.to_string())
    )]
    UnknownVersion(Option<u64>),
    /// A record breaks a rule of the format.
    #[error("{at}: {problem}")]
    Invalid {
        /// Which record (`realm "acme", user "bob"`).
        at: String,
        /// What is wrong.
        problem: Problem,
    },
    /// The database could not be read while planning (nothing was written).
    #[error("{at}: the database could not be read: {error}")]
    Database {
        /// Which part of the file was being planned.
        at: String,
        /// The store's error.
        error: String,
    },
    /// A record cannot join what the database holds.
    #[error("{at}: {conflict}")]
    Conflict {
        /// Which record.
        at: String,
        /// What it meets.
        conflict: Conflict,
    },
}

/// What is wrong with a record of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// An id used by two records of the file.
    #[error("id {0} appears twice in the file")]
    DuplicateId(Uuid),
    /// A name used twice where it must be unique.
    #[error("the name is used twice")]
    DuplicateName,
    /// A name empty, too long, with control characters, or (for a realm) not URL-safe.
    #[error("{0}")]
    BadName(String),
    /// Text with control characters.
    #[error("field {0} holds control characters")]
    ControlCharacters(&'static str),
    /// A password hash that is neither Argon2 nor bcrypt (of an accepted cost).
    #[error("passwordHash is not an Argon2 or bcrypt hash this server can verify")]
    BadPasswordHash,
    /// A client secret hash that is not 64 lowercase hex digits.
    #[error("secretHash is not a SHA-256 hash (64 lowercase hex digits)")]
    BadSecretHash,
    /// A signing key whose private key does not load or whose public JWK does not name it.
    #[error("{0}")]
    BadKey(String),
    /// An assignment naming a record that is not in its realm in the file.
    #[error("{field} {id} is not in this realm in the file")]
    UnknownReference {
        /// The field (`userId`, `roleId`, ...).
        field: &'static str,
        /// The id it holds.
        id: Uuid,
    },
    /// An assignment listed twice.
    #[error("the same assignment is listed twice")]
    DuplicateAssignment,
    /// A bootstrap record without the master realm, or naming records master does not hold.
    #[error("{0}")]
    BadBootstrap(&'static str),
}

/// What a record of the file meets in the database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Conflict {
    /// A realm of this name exists with another id.
    #[error(
        "the database has a realm of this name with another id ({0}); an import never merges two \
         realms (import into a database that has only been migrated, or leave the realm out)"
    )]
    RealmNameTaken(Uuid),
    /// The id belongs to a record of another realm.
    #[error("the id belongs to a record of another realm in the database")]
    IdInAnotherRealm,
    /// The name is taken in the realm by a record with another id.
    #[error(
        "the database has a record of this name with another id ({0}); an import never takes \
         over a record by name"
    )]
    NameTaken(Uuid),
    /// The permission id names another permission in the database.
    #[error("the database has this permission id under another name ({0:?})")]
    PermissionRenamed(String),
    /// The id exists with other content (refused under [`OnConflict::Fail`]).
    #[error(
        "the database holds this id with other content (use --on-conflict skip to keep the \
         database's records)"
    )]
    Differs,
}

/// `realm "name"`, the start of a record's place in messages.
fn realm_at(realm: &str) -> String {
    format!("realm {realm:?}")
}

/// `realm "acme", user "bob"`.
fn record_at(realm: &str, kind: &str, name: &str) -> String {
    format!("realm {realm:?}, {kind} {name:?}")
}
