//! Rate limits on the protocol endpoints, and the client address behind trusted proxies.
//!
//! Each node keeps token buckets in memory (a limit per node: with N nodes behind a balancer a
//! client gets up to N times the rate), in bounded memory (`limiter.rs`):
//!
//! - **per address**, on `/token`, `/authorize`, `/userinfo`, `/logout` and introspection /
//!   revocation (root and per realm), decided on the route actually served (the decoded path, so
//!   `/%74oken` is `/token`). It counts what an attacker does, not what a client is served:
//!   failed requests (any status from 400) and unauthenticated ones are charged after they are
//!   answered; a request the server answered successfully on proof of a credential (any issued
//!   token: a verified client secret, a user's password, a live refresh token or an unredeemed
//!   code; a valid bearer token; marked with [`mark_authenticated`]) is not, so a
//!   deployment behind one address (a load balancer without `trusted_proxies`, a busy backend)
//!   keeps its throughput. An address with no token left is refused before its request runs.
//!   IPv6 addresses count per /64.
//! - **per confidential client** (id and a hash of the secret presented, so requests with a wrong
//!   secret cannot spend the real client's allowance), on the token, introspection and
//!   revocation endpoints, taken before the request runs.
//! - **per principal** on the admin API, once its bearer token is verified (a stolen or
//!   runaway admin token cannot hammer the database or the hashing pool).
//!
//! A refused request is answered `429` with `Retry-After` and the error text
//! `rate limit exceeded`, logged (with its request id: the middleware runs inside the request
//! span) and counted in `portcullis_rate_limited_total`.

mod address;
mod limiter;

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, ResponseError, web};
use ipnet::IpNet;
use oauth_core::hash::TokenHash;
use oauth_core::request::ClientCredentials;

pub use address::{client_ip, forwarded_hops, is_private, limit_key};
pub use limiter::{Limiter, MAX_KEYS};

use crate::error::ApiError;
use crate::metrics::METRICS;
use crate::state::AppState;

/// The limits of a server (both `None`: off).
#[derive(Debug, Default)]
pub struct RateLimits {
    /// Per client address on the protocol endpoints.
    pub per_address: Option<Limiter>,
    /// Per `client_id` on the token endpoints.
    pub per_client: Option<Limiter>,
    /// Per principal (user or client) on the admin API.
    pub per_principal: Option<Limiter>,
    /// Proxies whose `Forwarded` / `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

/// Marks a request that was served for an authenticated client (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct Authenticated;

/// Marks `req` as served for an authenticated client: a success is then not charged to its
/// address.
pub fn mark_authenticated(req: &HttpRequest) {
    req.extensions_mut().insert(Authenticated);
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
        limiter.check(&key, Instant::now()).map_err(|seconds| {
            METRICS.rate_limited(true);
            tracing::warn!(client_id = id, seconds, "rate limit exceeded: one client");
            ApiError::RateLimited(seconds)
        })
    }

    /// Counts an admin API request of an authenticated principal; `429` when over its limit.
    pub fn check_principal(&self, kind: &str, id: uuid::Uuid) -> Result<(), ApiError> {
        let Some(limiter) = &self.per_principal else {
            return Ok(());
        };
        limiter
            .check(&format!("{kind}:{id}"), Instant::now())
            .map_err(|seconds| {
                METRICS.rate_limited(true);
                tracing::warn!(principal = %id, seconds, "rate limit exceeded: one admin principal");
                ApiError::RateLimited(seconds)
            })
    }

    /// The client's address: the peer, or behind trusted proxies the first untrusted hop of
    /// `Forwarded` or `X-Forwarded-For` counted from the right.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        Some(address::client_ip(
            peer,
            req.headers(),
            &self.trusted_proxies,
        ))
    }
}

/// Whether `path` (decoded) is a protocol endpoint (root or `/realms/{realm}/...`).
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

/// Whether a response is charged to its address: anything but a success for an authenticated
/// client.
fn charged<B>(response: &ServiceResponse<B>) -> bool {
    !(response.status().is_success() && response.request().extensions().contains::<Authenticated>())
}

/// Middleware: the per-address limit on the protocol endpoints.
pub async fn per_address(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // The path the router matches: percent-decoded, so `/%74oken` is `/token`.
    let key = state
        .as_ref()
        .filter(|s| s.limits.per_address.is_some() && limited(req.match_info().as_str()))
        .and_then(|s| s.limits.client_ip(req.request()))
        .map(limit_key);
    let limiter = state.as_ref().and_then(|s| s.limits.per_address.as_ref());
    let (Some(limiter), Some(key)) = (limiter, key) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if let Err(seconds) = limiter.peek(&key, Instant::now()) {
        METRICS.rate_limited(false);
        tracing::warn!(
            address = %key,
            seconds,
            "rate limit exceeded: too many failed or unauthenticated requests from one address"
        );
        let refusal = ApiError::RateLimited(seconds).error_response();
        return Ok(req.into_response(refusal).map_into_right_body());
    }
    let response = next.call(req).await?;
    if charged(&response) {
        limiter.charge(&key, Instant::now());
    }
    Ok(response.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_path_decided_on_is_the_decoded_one() {
        for (uri, served) in [
            ("/%74oken", "/token"),
            ("/%61uthorize/login", "/authorize/login"),
            ("/%75serinfo", "/userinfo"),
            ("/realms/master/%74oken", "/realms/master/token"),
        ] {
            let req = actix_web::test::TestRequest::post()
                .uri(uri)
                .to_srv_request();
            assert_eq!(req.match_info().as_str(), served, "{uri}");
            assert!(limited(req.match_info().as_str()), "{uri}");
        }
    }
}
