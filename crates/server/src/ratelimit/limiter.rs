//! Token buckets keyed by text, in bounded memory without a cliff.
//!
//! Buckets live in two generations: a key is looked up in the current one, then in the previous
//! one (and moved forward); when the current generation holds half of [`MAX_KEYS`], it becomes the
//! previous one and the oldest generation is dropped. So at most `MAX_KEYS` buckets exist, a key
//! in use within the last generation keeps its state, and no flood of new keys ever resets
//! everyone's bucket at once (an evicted bucket belonged to a key idle for a whole generation).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Most buckets one limiter keeps.
pub const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug, Default)]
struct Generations {
    current: HashMap<String, Bucket>,
    previous: HashMap<String, Bucket>,
}

/// Token buckets: `rate` requests per second, bursts of `burst`.
#[derive(Debug)]
pub struct Limiter {
    rate: f64,
    burst: f64,
    max_keys: usize,
    buckets: Mutex<Generations>,
}

impl Limiter {
    /// A limiter of `rate` per second with bursts of `burst`, keeping at most [`MAX_KEYS`] keys.
    pub fn new(rate: u32, burst: u32) -> Self {
        Self::with_capacity(rate, burst, MAX_KEYS)
    }

    /// A limiter keeping at most `max_keys` keys.
    pub fn with_capacity(rate: u32, burst: u32, max_keys: usize) -> Self {
        Self {
            rate: f64::from(rate.max(1)),
            burst: f64::from(burst.max(1)),
            max_keys: max_keys.max(2),
            buckets: Mutex::new(Generations::default()),
        }
    }

    /// Runs `f` on the refilled bucket of `key` (created full when `create`; without it an
    /// unknown key answers `None`).
    fn with_bucket<T>(
        &self,
        key: &str,
        now: Instant,
        create: bool,
        f: impl FnOnce(&mut Bucket) -> T,
    ) -> Option<T> {
        let Ok(mut generations) = self.buckets.lock() else {
            return None; // a poisoned limiter limits nothing rather than everything
        };
        let generations = &mut *generations;
        if !generations.current.contains_key(key) {
            let moved = generations.previous.remove(key);
            let bucket = match (moved, create) {
                (Some(bucket), _) => bucket,
                (None, true) => Bucket {
                    tokens: self.burst,
                    at: now,
                },
                (None, false) => return None,
            };
            if generations.current.len() >= self.max_keys / 2 {
                generations.previous = std::mem::take(&mut generations.current);
            }
            generations.current.insert(key.to_owned(), bucket);
        }
        let bucket = generations.current.get_mut(key)?;
        let refilled =
            bucket.tokens + now.saturating_duration_since(bucket.at).as_secs_f64() * self.rate;
        bucket.tokens = refilled.min(self.burst);
        bucket.at = now;
        Some(f(bucket))
    }

    fn wait(&self, tokens: f64) -> u64 {
        let wait = ((1.0 - tokens) / self.rate).ceil();
        (wait as u64).max(1)
    }

    /// Takes one token for `key` at `now`; `Err(seconds)` to wait when there is none.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        self.with_bucket(key, now, true, |bucket| {
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                Ok(())
            } else {
                Err(self.wait(bucket.tokens))
            }
        })
        .unwrap_or(Ok(()))
    }

    /// Whether `key` has a token left, without taking it; `Err(seconds)` to wait.
    pub fn peek(&self, key: &str, now: Instant) -> Result<(), u64> {
        self.with_bucket(key, now, false, |bucket| {
            if bucket.tokens >= 1.0 {
                Ok(())
            } else {
                Err(self.wait(bucket.tokens))
            }
        })
        .unwrap_or(Ok(()))
    }

    /// Spends one token of `key` after the fact, running into debt down to `-burst` (requests
    /// that were in flight together are all paid for).
    pub fn charge(&self, key: &str, now: Instant) {
        let floor = -self.burst;
        self.with_bucket(key, now, true, |bucket| {
            bucket.tokens = (bucket.tokens - 1.0).max(floor);
        });
    }

    /// How many keys are held (both generations).
    pub fn len(&self) -> usize {
        self.buckets
            .lock()
            .map_or(0, |g| g.current.len() + g.previous.len())
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_allow_bursts_then_the_rate() {
        let limiter = Limiter::new(2, 3);
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.check("a", t0).is_ok()));
        assert_eq!(limiter.check("a", t0), Err(1));
        assert!(limiter.check("b", t0).is_ok(), "keys are separate");
        assert!(limiter.check("a", t0 + Duration::from_millis(500)).is_ok());
        assert!(limiter.check("a", t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn charges_after_the_fact_run_into_debt_and_peeks_take_nothing() {
        let limiter = Limiter::new(1, 2);
        let t0 = Instant::now();
        assert_eq!(limiter.peek("a", t0), Ok(()));
        assert!(limiter.is_empty(), "a peek creates no bucket");
        for _ in 0..5 {
            limiter.charge("a", t0);
        }
        assert_eq!(
            limiter.peek("a", t0),
            Err(3),
            "two in debt: three seconds to one token"
        );
        assert_eq!(limiter.peek("a", t0), Err(3), "peeking takes nothing");
        assert_eq!(limiter.peek("a", t0 + Duration::from_secs(3)), Ok(()));
    }

    #[test]
    fn a_flood_of_new_keys_never_resets_a_key_in_use() {
        let limiter = Limiter::with_capacity(1, 2, 100);
        let t0 = Instant::now();
        limiter.charge("victim-of-nothing", t0);
        limiter.charge("attacker", t0);
        limiter.charge("attacker", t0);
        assert!(limiter.peek("attacker", t0).is_err());
        for i in 0..1000 {
            limiter.charge(&format!("spoof{i}"), t0);
            // The attacker keeps using its own key, so it stays in a live generation.
            assert!(limiter.peek("attacker", t0).is_err(), "after {i} new keys");
            limiter.charge("attacker", t0);
            assert!(limiter.len() <= 100, "bounded: {}", limiter.len());
        }
    }
}
