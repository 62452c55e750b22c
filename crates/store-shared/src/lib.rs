//! The diesel store implementation shared by `store-sqlite` and `store-postgres`, written once.
//!
//! The two backends differ only in how a UUID is stored (`uuid` on PostgreSQL, `text` on SQLite),
//! in the SQL type of timestamps, in the connection type and in how a write transaction starts.
//! Everything else lives here once:
//!
//! - `src/queries/` (not a module of this crate): the row types and every `oauth_core::store`
//!   trait implementation as ordinary Rust, one file per aggregate. Each store crate compiles the
//!   directory as its own module (`#[path = "../../store-shared/src/queries/mod.rs"] mod
//!   queries;`) next to its `schema`, `conv` (`type Id`, `fn id(Uuid) -> Id`,
//!   `fn uuid(Id) -> StoreResult<Uuid>`), `DbStore` (with `conn()`),
//!   `Backend` and `WriteTransaction`;
//! - [`define_schema!`] expands to the diesel `table!` definitions, given the SQL type of ids and
//!   of timestamps;
//! - two small helper macros that write `Records<T>` for a table (`records.rs`);
//! - the plain functions below (error mapping, time conversion, enum parsing).

mod records;
mod schema;
pub mod sealing;

use chrono::{DateTime, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use oauth_core::StoreError;
use oauth_core::model::{KeyStatus, SigningAlgorithm, UnixTime};

#[doc(hidden)]
pub use chrono as __chrono;
#[doc(hidden)]
pub use diesel as __diesel;
#[doc(hidden)]
pub use oauth_core as __oauth_core;
#[doc(hidden)]
pub use records::{__lower, __mistyped};

/// Maps a diesel error to the core's store error: unique violations are `Conflict`, foreign-key
/// violations and missing rows are `NotFound`, everything else is `Backend`.
pub fn map_error(err: DieselError) -> StoreError {
    match err {
        DieselError::NotFound => StoreError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            StoreError::Conflict(info.table_name().unwrap_or("record").to_owned())
        }
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
            StoreError::NotFound
        }
        other => StoreError::backend(other),
    }
}

/// Unix seconds to a UTC timestamp.
pub fn to_timestamp(t: UnixTime) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(t, 0)
        .ok_or_else(|| StoreError::backend(format!("time {t} is out of range")))
}

/// A UTC timestamp to Unix seconds.
pub fn from_timestamp(t: DateTime<Utc>) -> UnixTime {
    t.timestamp()
}

/// Parses a stored algorithm name.
pub fn parse_algorithm(alg: &str) -> Result<SigningAlgorithm, StoreError> {
    SigningAlgorithm::parse(alg)
        .ok_or_else(|| StoreError::backend(format!("unknown stored signing algorithm {alg:?}")))
}

/// Parses a stored key status.
pub fn parse_status(status: &str) -> Result<KeyStatus, StoreError> {
    KeyStatus::parse(status)
        .ok_or_else(|| StoreError::backend(format!("unknown stored key status {status:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        for t in [0, 1_700_000_000, 4_102_444_800] {
            assert_eq!(from_timestamp(to_timestamp(t).unwrap()), t);
        }
        assert!(to_timestamp(i64::MAX).is_err());
    }

    #[test]
    fn stored_enums_parse_or_fail_loudly() {
        assert_eq!(parse_algorithm("ES256").unwrap(), SigningAlgorithm::Es256);
        assert!(parse_algorithm("HS256").is_err());
        assert_eq!(parse_status("passive").unwrap(), KeyStatus::Passive);
        assert!(parse_status("gone").is_err());
    }

    #[test]
    fn diesel_errors_map_to_domain_variants() {
        assert!(matches!(
            map_error(DieselError::NotFound),
            StoreError::NotFound
        ));
        assert!(matches!(
            map_error(DieselError::RollbackTransaction),
            StoreError::Backend(_)
        ));
    }
}
