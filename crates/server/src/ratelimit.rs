//! Rate limits on the protocol endpoints, and the client address behind trusted proxies.
//!
//! Each node keeps token buckets in memory (a limit per node: with N nodes behind a balancer a
//! client gets up to N times the rate): one per client address on `/token`, `/authorize`,
//! `/userinfo`, `/logout` and introspection/revocation (root and per realm), and one per
//! confidential client (id and secret) on the token endpoints. A request over the limit is answered `429` with
//! `Retry-After`. The maps are bounded: past [`MAX_KEYS`] the idle buckets are dropped.
//!
//! The client address is the TCP peer, unless the peer is a configured trusted proxy: then it is
//! the right-most address of `X-Forwarded-For` that is not itself a trusted proxy.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::HttpRequest;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use ipnet::IpNet;
use oauth_core::hash::TokenHash;
use oauth_core::request::ClientCredentials;

use crate::error::ApiError;
use crate::state::AppState;

/// Most buckets one limiter keeps.
pub const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets: `rate` requests per second, bursts of `burst`.
#[derive(Debug)]
pub struct Limiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// A limiter of `rate` per second with bursts of `burst`.
    pub fn new(rate: u32, burst: u32) -> Self {
        Self {
            rate: f64::from(rate.max(1)),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key` at `now`; `Err(seconds)` to wait when there is none.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), u64> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(()); // a poisoned limiter limits nothing rather than everything
        };
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
            if buckets.len() >= MAX_KEYS {
                buckets.clear();
            }
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refilled = bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * self.rate;
        bucket.tokens = refilled.min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / self.rate).ceil();
            Err((wait as u64).max(1))
        }
    }
}

/// The limits of a server (both `None`: off).
#[derive(Debug, Default)]
pub struct RateLimits {
    /// Per client address on the protocol endpoints.
    pub per_address: Option<Limiter>,
    /// Per `client_id` on the token endpoints.
    pub per_client: Option<Limiter>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

impl RateLimits {
    /// Counts a request of a confidential client; `429` when over the limit. The bucket is keyed
    /// by the client id and a hash of the secret presented, so requests with a wrong secret
    /// (checked later) cannot spend the real client's allowance; requests without a secret are
    /// left to the per-address limit.
    pub fn check_client(&self, credentials: &ClientCredentials) -> Result<(), ApiError> {
        let (Some(limiter), Some(id), Some(secret)) = (
            &self.per_client,
            credentials.client_id.as_deref(),
            credentials.secret.as_ref(),
        ) else {
            return Ok(());
        };
        let hash = TokenHash::of(secret.secret());
        let key = format!("{id}:{}", hash.as_str().get(..16).unwrap_or_default());
        limiter
            .check(&key, Instant::now())
            .map_err(|s| ApiError::Throttled(i64::try_from(s).unwrap_or(i64::MAX)))
    }

    /// The client's address: the peer, or behind trusted proxies the first untrusted hop of
    /// `X-Forwarded-For` counted from the right.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        let trusted = |ip: &IpAddr| self.trusted_proxies.iter().any(|net| net.contains(ip));
        if !trusted(&peer) {
            return Some(peer);
        }
        let mut hops = Vec::new();
        for value in req.headers().get_all("x-forwarded-for") {
            let Ok(text) = value.to_str() else {
                return Some(peer);
            };
            for hop in text.split(',') {
                match hop.trim().parse::<IpAddr>() {
                    Ok(ip) => hops.push(ip),
                    Err(_) => return Some(peer), // a malformed chain is not believed
                }
            }
        }
        Some(
            hops.iter()
                .rev()
                .find(|ip| !trusted(ip))
                .or(hops.first())
                .copied()
                .unwrap_or(peer),
        )
    }
}

/// Whether `path` is a protocol endpoint (root or `/realms/{realm}/...`).
fn limited(path: &str) -> bool {
    let rest = match path.strip_prefix("/realms/") {
        Some(rest) => rest.split_once('/').map_or("", |(_, r)| r),
        None => path.trim_start_matches('/'),
    };
    ["token", "authorize", "userinfo", "logout"]
        .iter()
        .any(|p| {
            rest.strip_prefix(p)
                .is_some_and(|after| after.is_empty() || after.starts_with('/'))
        })
}

/// Middleware: the per-address limit on the protocol endpoints.
pub async fn per_address(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if limited(req.path())
        && let Some(state) = req.app_data::<web::Data<AppState>>()
        && let Some(limiter) = &state.limits.per_address
        && let Some(ip) = state.limits.client_ip(req.request())
        && let Err(seconds) = limiter.check(&ip.to_string(), Instant::now())
    {
        tracing::warn!(%ip, seconds, "rate limit: too many requests from one address");
        return Err(ApiError::Throttled(i64::try_from(seconds).unwrap_or(i64::MAX)).into());
    }
    next.call(req).await
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
    fn protocol_paths_are_limited_and_others_not() {
        for path in [
            "/token",
            "/token/introspect",
            "/realms/x/token",
            "/authorize/login",
            "/realms/a/userinfo",
            "/logout",
        ] {
            assert!(limited(path), "{path}");
        }
        for path in [
            "/health/ready",
            "/jwks",
            "/users",
            "/realms/x",
            "/realms/x/users",
            "/tokenx",
            "/metrics",
        ] {
            assert!(!limited(path), "{path}");
        }
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let limits = RateLimits {
            trusted_proxies: vec!["10.0.0.0/8".parse().unwrap()],
            ..RateLimits::default()
        };
        let request = |peer: &str, xff: Option<&str>| {
            let mut r = actix_web::test::TestRequest::default()
                .peer_addr(format!("{peer}:1234").parse().unwrap());
            if let Some(v) = xff {
                r = r.insert_header(("x-forwarded-for", v));
            }
            r.to_http_request()
        };
        let ip = |peer, xff| limits.client_ip(&request(peer, xff)).unwrap().to_string();
        assert_eq!(
            ip("203.0.113.9", Some("1.2.3.4")),
            "203.0.113.9",
            "untrusted peer"
        );
        assert_eq!(ip("10.0.0.2", Some("1.2.3.4")), "1.2.3.4");
        assert_eq!(
            ip("10.0.0.2", Some("6.6.6.6, 1.2.3.4, 10.0.0.7")),
            "1.2.3.4",
            "right-most untrusted"
        );
        assert_eq!(
            ip("10.0.0.2", Some("bogus, 1.2.3.4")),
            "10.0.0.2",
            "malformed chain"
        );
        assert_eq!(ip("10.0.0.2", None), "10.0.0.2");
    }
}
