//! The one way handlers reach the store or hash a password: the blocking thread pool.
//!
//! [`run_blocking`] moves a closure onto actix's blocking pool (never an actix worker thread),
//! keeps the caller's tracing span so its log lines carry the request id, and turns a panic in
//! the closure or a pool failure into one logged `503`.

use actix_web::web;

use crate::error::ApiError;

/// Runs `f` on the blocking pool inside the current span.
pub async fn run_blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, oauth_core::Error> + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    crate::metrics::METRICS.blocking(1);
    let outcome = web::block(move || span.in_scope(f)).await;
    crate::metrics::METRICS.blocking(-1);
    match outcome {
        Ok(result) => result.map_err(ApiError::from),
        Err(e) => {
            tracing::error!(error = %e, "blocking task failed");
            Err(ApiError::Unavailable)
        }
    }
}
