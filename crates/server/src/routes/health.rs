//! `GET /health/live` (the process serves), `GET /health/ready` (and its database answers) and
//! `GET /metrics` (Prometheus text).

use actix_web::{HttpResponse, web};

use oauth_core::Store as _;

use crate::blocking::run_blocking;
use crate::state::AppState;

pub(super) async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

pub(super) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let store = state.store.clone();
    match run_blocking(move || Ok(store.ping()?)).await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": "ok" })),
        Err(_) => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": "unreachable" })),
    }
}

/// `GET /metrics`: Prometheus text. Reads only in-process counters and the pool's state (no
/// database call). It names realm ids and routes: expose it to the monitoring network only.
pub(super) async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.as_ref().map(|gauge| gauge());
    let body = crate::metrics::METRICS.render(pool, state.audit.dropped());
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}
