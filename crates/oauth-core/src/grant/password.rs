//! The resource owner password credentials grant (RFC 6749 §4.3).
//!
//! The password is verified with Argon2id even when the user does not exist (against a dummy hash)
//! and before the user's state is looked at, so timing tells nothing about which usernames exist.

use super::{Context, Settings, issue, resolve_scope};
use crate::client_auth::AuthenticatedClient;
use crate::error::{Error, OAuthError, Reason};
use crate::model::{Realm, UnixTime, User};
use crate::oidc::Authentication;
use crate::random::{Entropy, random_uuid};
use crate::scope::Scope;
use crate::secret::Password;
use crate::store::Store;
use crate::throttle;

/// Checks a username and password in `realm` (for the password grant and the login page), under
/// the brute-force throttle (`throttle`): the attempt is counted for the account (and, from a
/// spraying address, for the address) before any hashing, and a caller who must wait gets
/// [`Error::Throttled`] instead; a failure from `client_ip` marks the account as failed from that
/// address; a success clears the account's count, and replaces a password hash made with other
/// Argon2 parameters than the configured ones (`PasswordHasher::needs_rehash`, drawing its salt
/// from `rng`). `after_hash` runs as soon as no more hashing will happen. Every wrong username
/// or password is the same `invalid_grant`.
#[allow(clippy::too_many_arguments)]
pub fn authenticate_user(
    store: &dyn Store,
    settings: &Settings,
    realm: &Realm,
    username: &str,
    password: &Password,
    client_ip: Option<&str>,
    now: UnixTime,
    rng: &mut dyn Entropy,
    after_hash: Option<Box<dyn FnOnce() + Send + '_>>,
) -> Result<User, Error> {
    let user = store.find_user_by_name(realm.id, username)?;
    let realm_id = realm.id.to_string();
    let account = throttle::account_key(&realm_id, username);
    if settings.login_throttle
        && let Err(retry_after) =
            take_attempt(store, settings, &account, user.is_none(), client_ip, now)?
    {
        if let Some(release) = after_hash {
            release();
        }
        return Err(Error::Throttled { retry_after });
    }
    let hash = user.as_ref().and_then(|u| u.password_hash.as_ref());
    let verified = settings.hasher.verify_or_dummy(password, hash);
    // A right password whose hash has other parameters than the configured ones is rehashed
    // now, still under the hashing permit.
    let rehash = match hash {
        Some(old) if verified && settings.hasher.needs_rehash(old) => {
            Some((old.clone(), settings.hasher.hash(password, rng)?))
        }
        _ => None,
    };
    if let Some(release) = after_hash {
        release();
    }
    let user = match user {
        Some(user) if verified => user,
        _ => {
            if settings.login_throttle
                && let Some(ip) = client_ip
            {
                record_failure_from(store, ip, &realm_id, username, now)?;
            }
            return Err(OAuthError::invalid_grant("invalid username or password")
                .because(Reason::BadCredentials)
                .into());
        }
    };
    if settings.login_throttle {
        store.clear_login_failures(&account)?;
    }
    if let Some((old, new)) = rehash {
        // `false`: the password was changed meanwhile, and the change wins.
        let _replaced = store.replace_password_hash(user.id, &old, &new)?;
    }
    if !user.active {
        return Err(OAuthError::invalid_grant("the user is inactive").into());
    }
    Ok(user)
}

/// Takes the attempt: from a spraying address on an unknown or failing account, one of the
/// address's slowed attempts first; then one of the account's. `Err(seconds)` to wait.
fn take_attempt(
    store: &dyn Store,
    settings: &Settings,
    account: &str,
    unknown: bool,
    client_ip: Option<&str>,
    now: UnixTime,
) -> Result<Result<(), i64>, Error> {
    let cutoff = now - throttle::WINDOW;
    if let Some(ip) = client_ip {
        let address = store.login_failures(&throttle::address_key(ip))?;
        if throttle::is_spraying(address, settings.spray_threshold, now) {
            let failing = store
                .login_failures(account)?
                .is_some_and(|f| now - f.window_start < throttle::WINDOW && f.count > 0);
            if unknown || failing {
                let slowed =
                    store.take_login_attempt(&throttle::spray_key(ip), now, cutoff, &|f| {
                        throttle::spray_retry_after(Some(*f), now)
                    })?;
                if let Err(seconds) = slowed {
                    return Ok(Err(seconds));
                }
            }
        }
    }
    let taken = store.take_login_attempt(account, now, cutoff, &|f| {
        throttle::retry_after(Some(*f), now)
    })?;
    Ok(taken.map(|_| ()))
}

/// Counts a failed account once per address and window toward the address's spraying count.
fn record_failure_from(
    store: &dyn Store,
    ip: &str,
    realm_id: &str,
    username: &str,
    now: UnixTime,
) -> Result<(), Error> {
    let cutoff = now - throttle::WINDOW;
    let pair = throttle::pair_key(ip, realm_id, username);
    if let Ok(first) = store.take_login_attempt(&pair, now, cutoff, &|_| 0)?
        && first.count == 1
    {
        // A wait that is always 0 always counts.
        let _counted = store.take_login_attempt(&throttle::address_key(ip), now, cutoff, &|_| 0)?;
    }
    Ok(())
}

pub(super) fn grant(
    ctx: &mut Context<'_>,
    realm: &Realm,
    client: &AuthenticatedClient,
    username: &str,
    password: &Password,
    scope: Option<Scope>,
) -> Result<super::Issued, Error> {
    let release = ctx.after_password_hash.take();
    let user = authenticate_user(
        ctx.store,
        ctx.settings,
        realm,
        username,
        password,
        ctx.client_ip.as_deref(),
        ctx.now,
        ctx.rng,
        release,
    )?;
    let scope = resolve_scope(ctx.store, realm, client.client(), scope)?;
    let family_id = random_uuid(ctx.rng);
    let authentication = Authentication {
        auth_time: ctx.now,
        nonce: None,
        session_id: None,
    };
    let (value, record) = issue::mint_refresh_token(
        ctx,
        realm,
        user.id,
        client.client(),
        &scope,
        family_id,
        Some(&authentication),
    );
    ctx.store.create_refresh_token(&record)?;
    issue::user_response(
        ctx,
        realm,
        &user,
        client.client(),
        &scope,
        (value, family_id),
        Some(&authentication),
    )
}
