//! Brute-force throttling of password attempts (RFC 6819 §5.1.4.2.3, RFC 9700 §4.15).
//!
//! Failed attempts are counted per account (realm + username, case-insensitive) and per client IP,
//! in the database so every node sees them. The policy:
//!
//! - the first [`FREE_FAILURES`] failures in a window cost nothing;
//! - after that each further attempt must wait `2^(n - FREE_FAILURES)` seconds after the last
//!   failure, doubling up to [`MAX_DELAY`] (15 minutes), answered with `429` and `Retry-After`;
//! - a window ends [`WINDOW`] (1 hour) after its first failure, and a successful login clears the
//!   account's count.
//!
//! So an attacker spraying one account from many addresses slows that account's logins to one try
//! per 15 minutes at worst, and never locks the real user out for longer than that after the attack
//! stops; one address trying many accounts is slowed by its own count.

use crate::model::UnixTime;

/// Failures allowed before any delay.
pub const FREE_FAILURES: u32 = 5;
/// The longest delay between two attempts, seconds.
pub const MAX_DELAY: i64 = 15 * 60;
/// How long a window of failures lasts, seconds.
pub const WINDOW: i64 = 3600;

/// The failures recorded for one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    /// How many, in the current window.
    pub count: u32,
    /// When the window began.
    pub window_start: UnixTime,
    /// The last one.
    pub last: UnixTime,
}

/// The delay owed after `count` failures, seconds.
pub fn delay(count: u32) -> i64 {
    if count < FREE_FAILURES {
        return 0;
    }
    let exponent = (count - FREE_FAILURES).min(20);
    (1i64 << exponent).min(MAX_DELAY)
}

/// Seconds to wait before the next attempt is allowed (0: go ahead).
pub fn retry_after(failures: Option<Failures>, now: UnixTime) -> i64 {
    match failures {
        Some(f) if now - f.window_start < WINDOW => {
            let allowed = (f.last + delay(f.count)).min(f.window_start + WINDOW);
            (allowed - now).max(0)
        }
        _ => 0,
    }
}

/// The throttle key of an account.
pub fn account_key(realm: &str, username: &str) -> String {
    format!("user:{realm}:{}", username.to_lowercase())
}

/// The throttle key of a client address.
pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
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
    fn keys_ignore_username_case() {
        assert_eq!(account_key("r", "Alice"), account_key("r", "alice"));
        assert_ne!(account_key("r", "alice"), address_key("alice"));
    }
}
