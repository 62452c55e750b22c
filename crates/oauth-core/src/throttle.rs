//! Brute-force throttling of password attempts (RFC 6819 §5.1.4.2.3, RFC 9700 §4.15), in the
//! database so every node sees it. Abuse controls never lock out the innocent (DESIGN §4).
//!
//! Per account (realm + username, case-insensitive):
//! - every attempt is counted atomically *before* the password is hashed
//!   (`ThrottleStore::take_login_attempt`), so concurrent guesses cannot pass more than the policy;
//! - the first [`FREE_FAILURES`] attempts in a window cost nothing; after that each further
//!   attempt must wait `2^(n - FREE_FAILURES)` seconds after the last counted one, doubling up to
//!   [`MAX_DELAY`] (15 minutes), answered with `429` and `Retry-After`. A refused attempt is not
//!   counted, so waiting the announced time is always enough;
//! - a window ends [`WINDOW`] (1 hour) after its first attempt; a successful login clears it.
//!
//! Per address, only spraying: the distinct accounts that failed from one address in a window are
//! counted (a first failure of an (address, account) pair counts once). Below the threshold
//! ([`DEFAULT_SPRAY_THRESHOLD`], 100 an hour, configurable) the address is not slowed at all, so
//! an office's typos never block a colleague. At or past it, attempts from that address on
//! *unknown* accounts or on accounts with uncleared failures are slowed on their own counter
//! (1 s doubling to 15 minutes, counted atomically too); a known account without failures still
//! gets in with its right password.

use crate::model::UnixTime;

/// Attempts allowed per account before any delay.
pub const FREE_FAILURES: u32 = 5;
/// The longest delay between two attempts, seconds.
pub const MAX_DELAY: i64 = 15 * 60;
/// How long a window of attempts lasts, seconds.
pub const WINDOW: i64 = 3600;
/// Distinct failed accounts from one address per window that make it a spraying address.
pub const DEFAULT_SPRAY_THRESHOLD: u32 = 100;

/// The counter of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// How many attempts (account keys) or distinct failed accounts (address keys), in the
    /// current window.
    pub count: u32,
    /// When the window began.
    pub window_start: UnixTime,
    /// The last one counted.
    pub last: UnixTime,
}

/// `2^(count - free)` seconds once `count` reaches `free`, capped at [`MAX_DELAY`].
fn backoff(count: u32, free: u32) -> i64 {
    if count < free {
        return 0;
    }
    let exponent = (count - free).min(20);
    (1i64 << exponent).min(MAX_DELAY)
}

/// The delay an account owes after `count` attempts, seconds.
pub fn delay(count: u32) -> i64 {
    backoff(count, FREE_FAILURES)
}

fn wait(failures: Option<Failures>, now: UnixTime, free: u32) -> i64 {
    match failures {
        Some(f) if now - f.window_start < WINDOW => {
            let allowed = (f.last + backoff(f.count, free)).min(f.window_start + WINDOW);
            (allowed - now).max(0)
        }
        _ => 0,
    }
}

/// Seconds an account's next attempt must wait (0: go ahead).
pub fn retry_after(failures: Option<Failures>, now: UnixTime) -> i64 {
    wait(failures, now, FREE_FAILURES)
}

/// Seconds a slowed attempt from a spraying address must wait (0: go ahead): the first is free,
/// then 1 s doubling.
pub fn spray_retry_after(slowed: Option<Failures>, now: UnixTime) -> i64 {
    wait(slowed, now, 1)
}

/// Whether an address's count of distinct failed accounts makes it a spraying address.
pub fn is_spraying(address: Option<Failures>, threshold: u32, now: UnixTime) -> bool {
    address.is_some_and(|f| now - f.window_start < WINDOW && f.count >= threshold)
}

/// The throttle key of an account.
pub fn account_key(realm: &str, username: &str) -> String {
    format!("user:{realm}:{}", username.to_lowercase())
}

/// The key counting the distinct accounts that failed from a client address.
pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// The key marking that an account failed from an address (so it counts once).
pub fn pair_key(ip: &str, realm: &str, username: &str) -> String {
    format!("pair:{ip}:{realm}:{}", username.to_lowercase())
}

/// The key counting the slowed attempts of a spraying address.
pub fn spray_key(ip: &str) -> String {
    format!("spray:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_are_capped() {
        let table = [
            (0, 0),
            (4, 0),
            (5, 1),
            (6, 2),
            (9, 16),
            (14, 512),
            (15, 900),
            (40, 900),
        ];
        for (count, expected) in table {
            assert_eq!(delay(count), expected, "{count}");
        }
    }

    #[test]
    fn retry_after_counts_from_the_last_failure_within_the_window() {
        let f = |count, window_start, last| {
            Some(Failures {
                count,
                window_start,
                last,
            })
        };
        assert_eq!(retry_after(None, 100), 0);
        assert_eq!(retry_after(f(4, 0, 50), 50), 0);
        assert_eq!(retry_after(f(7, 0, 50), 50), 4);
        assert_eq!(retry_after(f(7, 0, 50), 53), 1);
        assert_eq!(retry_after(f(7, 0, 50), 54), 0);
        assert_eq!(
            retry_after(f(30, 0, 3000), 3000),
            600,
            "capped by the window's end"
        );
        assert_eq!(
            retry_after(f(30, 0, 3000), WINDOW),
            0,
            "a new window starts clean"
        );
    }

    #[test]
    fn spraying_starts_at_the_threshold_and_slows_from_one_second() {
        let f = |count, window_start, last| {
            Some(Failures {
                count,
                window_start,
                last,
            })
        };
        assert!(!is_spraying(None, 100, 0));
        assert!(!is_spraying(f(99, 0, 10), 100, 10));
        assert!(is_spraying(f(100, 0, 10), 100, 10));
        assert!(!is_spraying(f(500, 0, 10), 100, WINDOW), "a new window");
        assert_eq!(spray_retry_after(None, 5), 0);
        assert_eq!(spray_retry_after(f(0, 5, 5), 5), 0, "the first is free");
        assert_eq!(spray_retry_after(f(1, 5, 5), 5), 1);
        assert_eq!(spray_retry_after(f(4, 5, 5), 5), 8);
        assert_eq!(spray_retry_after(f(40, 0, 100), 100), MAX_DELAY);
    }

    #[test]
    fn keys_ignore_username_case() {
        assert_eq!(account_key("r", "Alice"), account_key("r", "alice"));
        assert_ne!(account_key("r", "alice"), address_key("alice"));
        assert_ne!(pair_key("1.2.3.4", "r", "a"), spray_key("1.2.3.4"));
        assert_eq!(pair_key("ip", "r", "Alice"), pair_key("ip", "r", "alice"));
    }
}
