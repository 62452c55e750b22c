//! Logging: tracing with a human-readable or JSON formatter, and a request-id middleware.
//!
//! Every request runs inside a `request` span carrying its id, method and path (never the query
//! string, which may hold codes or secrets), so every line logged while serving it carries the
//! id, and the completion line also the route pattern, the realm of the path and, on the token
//! endpoints, the `client_id` (never a secret). The id is also sent back in `X-Request-Id`. One line is logged per request at completion
//! with status and latency, and the request is counted in [`crate::metrics`] under its route
//! pattern.

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::config::{LogConfig, LogFormat};

/// Installs the global subscriber. `RUST_LOG`, when set, overrides `log.level`.
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    // A second init (tests) is harmless: the first subscriber stays.
    let _ = match config.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}

/// A fresh request id: 16 hex digits of OS randomness.
fn request_id() -> String {
    let mut bytes = [0u8; 8];
    crate::state::fill_random(&mut bytes);
    format!("{:016x}", u64::from_le_bytes(bytes))
}

/// Middleware: a span per request, a completion line, and `X-Request-Id` on the response.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        route = tracing::field::Empty,
        realm = tracing::field::Empty,
        client_id = tracing::field::Empty,
    );
    let started = Instant::now();
    let mut response = next.call(req).instrument(span.clone()).await?;
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    crate::metrics::METRICS.request(&route, status, started.elapsed());
    span.record("route", route.as_str());
    if let Some(realm) = response.request().match_info().get("realm") {
        span.record("realm", realm);
    }
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request completed"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}
