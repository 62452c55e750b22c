//! The store conformance suite (`oauth_core::testing`): what every
//! [`Store`](crate::store::Store) must do, written once, one file per aggregate. Test support
//! only: compiled for tests and behind the `testing` feature, never on a request path.
//!
//! Each case is a public function taking a fresh, migrated, empty store. A backend runs them all
//! with [`store_conformance_tests!`], which expands to one `#[test]` per case; a new backend can
//! start with [`protocol_conformance_tests!`] (what the protocol paths need) and add
//! [`admin_conformance_tests!`] (the admin API's generic records) later:
//!
//! ```ignore
//! oauth_core::store_conformance_tests!(|| Box::new(my_backend::connect_to_a_fresh_database()));
//! ```
//!
//! The cases use real Argon2 with small parameters and real key generation, and two of them hammer
//! one refresh token from many threads to prove the store's compare-and-set is atomic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod authority;
mod bootstrap;
mod codes;
mod directory;
mod grants;
mod passwords;
mod records;
mod refresh;
mod sealing;
mod throttle;

pub use authority::*;
pub use bootstrap::*;
pub use codes::*;
pub use directory::*;
pub use grants::*;
pub use passwords::*;
pub use records::*;
pub use refresh::*;
pub use sealing::*;
pub use throttle::*;

use crate::grant::Settings;
use crate::password::{Argon2Params, PasswordHasher};
use crate::random::SeededEntropy;

/// A fixed instant for the suite.
pub const NOW: i64 = 1_700_000_000;

/// Expands to one `#[test]` per protocol case: what the token, authorization, revocation and
/// bootstrap paths need of a store. `$make` builds a fresh empty store behind any `Deref` (a
/// `Box`, or a fixture that also owns the temporary database). A new backend can start here.
#[macro_export]
macro_rules! protocol_conformance_tests {
    ($make:expr) => {
        $crate::conformance_cases!($make;
            realms_roundtrip_and_unique_names,
            users_are_found_by_id_and_by_name_within_their_realm,
            clients_roundtrip_with_hashed_secret,
            scopes_are_listed_per_realm,
            roles_and_permissions_assign_idempotently,
            assignments_to_unknown_records_are_not_found,
            signing_keys_list_per_realm_and_all,
            refresh_token_is_consumed_once,
            revoking_a_family_revokes_only_that_family,
            concurrent_consumption_has_one_winner,
            bootstrap_is_idempotent,
            bootstrap_runs_once_and_never_grants_by_name,
            an_older_database_without_users_gets_no_default_admin,
            an_interrupted_first_bootstrap_is_finished_not_adopted,
            concurrent_first_bootstraps_agree_on_one_admin,
            a_custom_permission_squatting_a_new_built_in_name_gains_nothing,
            ending_a_users_grants_reaches_every_session,
            grants_of_a_user_or_client_are_found_and_ended,
            password_and_client_credentials_grants,
            refresh_rotates_and_reuse_revokes_the_family,
            concurrent_refreshes_of_one_token_have_one_winner,
            sessions_and_consents_roundtrip,
            authorization_codes_are_redeemed_once,
            code_grant_with_pkce_and_replay_revocation,
            login_failures_count_atomically_and_windows_restart,
            one_accounts_failures_never_block_anothers_right_password,
            spraying_past_the_threshold_is_slowed,
            concurrent_guesses_cannot_exceed_the_policy,
            password_hashes_follow_the_configured_parameters,
            revocations_are_recorded_and_found,
            refresh_families_are_found_by_session,
            expired_rows_are_purged_and_live_ones_kept,
        );
    };
}

/// Expands to one `#[test]` per case of the admin API's generic record access (`Records<T>`:
/// filters, sort, paging, updates, cascades, whole realms, the audit log).
#[macro_export]
macro_rules! admin_conformance_tests {
    ($make:expr) => {
        $crate::conformance_cases!($make;
            records_list_with_filters_sort_and_paging,
            records_filter_conditions_agree_on_every_store,
            records_update_and_delete,
            assignments_are_unique_and_cascade,
            realm_bundle_is_created_whole_and_deleted_whole,
            events_are_batched_listed_and_purged,
        );
    };
}

/// Every conformance case: [`protocol_conformance_tests!`] and [`admin_conformance_tests!`].
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::protocol_conformance_tests!($make);
        $crate::admin_conformance_tests!($make);
    };
}

/// Expands to one `#[test]` per case of a store given a key-encryption key: `$make` builds a fresh
/// empty store from an `Arc<KeyEncryption>` (with [`TEST_KEK`]), as the server gives one at open.
/// Every backend runs these too: a backend that ignores the sealer stores keys in the clear.
#[macro_export]
macro_rules! sealing_conformance_tests {
    ($make:expr) => {
        $crate::sealing_cases!($make;
            private_keys_are_stored_sealed_under_a_kek,
            a_sealed_key_copied_to_another_key_does_not_open,
            a_key_stored_in_the_clear_is_read_and_reported,
        );
    };
}

/// One `#[test]` per named sealing case.
#[doc(hidden)]
#[macro_export]
macro_rules! sealing_cases {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let sealing = ::std::sync::Arc::new(
                    $crate::keys::sealing::KeyEncryption::with_kek($crate::testing::TEST_KEK),
                );
                let fixture = ($make)(::std::sync::Arc::clone(&sealing));
                $crate::testing::$case(&*fixture, &sealing);
            }
        )*
    };
}

/// One `#[test]` per named case.
#[doc(hidden)]
#[macro_export]
macro_rules! conformance_cases {
    ($make:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let fixture = ($make)();
                $crate::testing::$case(&*fixture);
            }
        )*
    };
}

fn hasher() -> PasswordHasher {
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    PasswordHasher::new(cheap, &mut SeededEntropy::new(99)).unwrap()
}

fn settings() -> Settings {
    Settings::new("http://localhost:3001", hasher())
}

fn rng(seed: u64) -> SeededEntropy {
    SeededEntropy::new(seed)
}

#[cfg(test)]
mod tests {
    /// Every public case of the suite is listed in exactly one macro, and every listed name is a
    /// case: a case cannot be written and forgotten.
    #[test]
    fn every_case_is_listed_once_and_every_listed_name_is_a_case() {
        let sources = [
            include_str!("authority.rs"),
            include_str!("bootstrap.rs"),
            include_str!("codes.rs"),
            include_str!("directory.rs"),
            include_str!("grants.rs"),
            include_str!("passwords.rs"),
            include_str!("records.rs"),
            include_str!("refresh.rs"),
            include_str!("sealing.rs"),
            include_str!("throttle.rs"),
        ];
        let mut cases: Vec<&str> = sources
            .iter()
            .flat_map(|s| s.lines())
            .filter_map(|l| l.strip_prefix("pub fn "))
            .filter(|l| l.contains("(store: &dyn Store"))
            .filter_map(|l| l.split('(').next())
            .collect();
        // The macros, not this test (which names the marker too).
        let this = include_str!("mod.rs")
            .split("#[cfg(test)]")
            .next()
            .unwrap_or("");
        let mut listed: Vec<&str> = [
            "$crate::conformance_cases!($make;",
            "$crate::sealing_cases!($make;",
        ]
        .iter()
        .flat_map(|marker| this.split(marker).skip(1))
        .flat_map(|block| block.split(");").next().unwrap_or("").split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
        cases.sort_unstable();
        listed.sort_unstable();
        assert_eq!(listed, cases);
    }
}
