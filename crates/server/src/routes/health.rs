//! `GET /health/live` (the process serves) and `GET /health/ready` (and its database answers).

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
