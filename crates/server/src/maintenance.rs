//! Work every node does in the background, on a thread of its own so it never touches a request
//! thread: purging expired refresh tokens, codes, sessions, revocation records and login-failure
//! counters (`CleanupStore`), and signing key rotation (see `oauth_core::keys::rotation`).
//! Every node runs it; the rotation steps are idempotent and conflict-safe, so N nodes do the same
//! as one.

use std::sync::Arc;
use std::time::Duration;

use oauth_core::Store;
use oauth_core::keys::rotation::{KeyChange, RotationPolicy, rotate_realm};
use oauth_core::model::RealmColumn;
use oauth_core::model::{Realm, SigningAlgorithm, UnixTime};
use oauth_core::store::records::{ListQuery, list_all};

use crate::config::KeysConfig;
use crate::state::now;

/// The policy for `realm` under `config`.
pub fn policy(config: &KeysConfig, realm: &Realm) -> RotationPolicy {
    RotationPolicy {
        rotate_after: (config.rotation_days > 0).then(|| i64::from(config.rotation_days) * 86_400),
        prepublish: i64::from(config.prepublish_seconds),
        token_lifetime: realm.access_token_lifetime,
    }
}

/// Every realm, page by page.
fn realms(store: &dyn Store) -> Result<Vec<Realm>, oauth_core::Error> {
    Ok(list_all(store, &ListQuery::<RealmColumn>::default())?)
}

/// One pass over every realm at `now`; `rotate_now` starts rotations (of one algorithm, or all).
/// Answers the changes made, by realm name.
pub fn run_once(
    store: &dyn Store,
    config: &KeysConfig,
    now: UnixTime,
    rotate_now: Option<Option<SigningAlgorithm>>,
    only_realm: Option<&str>,
) -> Result<Vec<(String, KeyChange)>, oauth_core::Error> {
    let mut done = Vec::new();
    for realm in realms(store)? {
        if only_realm.is_some_and(|name| name != realm.name) {
            continue;
        }
        let changes = rotate_realm(store, realm.id, &policy(config, &realm), now, rotate_now)?;
        done.extend(changes.into_iter().map(|c| (realm.name.clone(), c)));
    }
    Ok(done)
}

/// Starts the background thread.
pub fn start(store: Arc<dyn Store>, config: KeysConfig) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("maintenance".into())
        .spawn(move || {
            let every = Duration::from_secs(u64::from(config.check_interval_seconds));
            loop {
                let at = now();
                match store.purge_expired(at, at - oauth_core::throttle::WINDOW) {
                    Ok(0) => {}
                    Ok(rows) => tracing::debug!(rows, "expired rows purged"),
                    Err(e) => tracing::warn!(error = %e, "purging expired rows failed"),
                }
                match run_once(store.as_ref(), &config, now(), None, None) {
                    Ok(changes) => {
                        for (realm, change) in changes {
                            tracing::info!(%realm, ?change, "signing key rotation");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "key rotation check failed"),
                }
                std::thread::sleep(every);
            }
        })
        .map(drop)
}
