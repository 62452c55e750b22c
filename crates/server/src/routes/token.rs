//! `POST /token` and `POST /realms/{realm}/token` (RFC 6749 §3.2).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::grant::{self, Context};
use oauth_core::request::{Grant, TokenRequest};

use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::params::{basic_credentials, parse_params, read_body};
use crate::state::{AppState, OsEntropy, now};

/// `POST /token` and `POST /realms/{realm}/token`.
pub(super) async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> Result<HttpResponse, ApiError> {
    exchange(req, payload, state, path.map(web::Path::into_inner)).await
}

async fn exchange(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    realm: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(&req, payload, state.body_limit).await?;
    let params = parse_params(&req, &body)?;
    let request = TokenRequest::parse(&params, basic_credentials(&req)?, realm)?;
    tracing::debug!(grant_type = request.grant.grant_type(), "token request");
    let now = now();
    let client_ip = req.peer_addr().map(|a| a.ip().to_string());
    // Only the password grant hashes; it waits for a hashing permit so other requests never queue
    // behind a login storm on the blocking pool. The permit is released as soon as the hash is
    // done, not after the grant's database writes.
    let permit = match request.grant {
        Grant::Password { .. } => Some(
            state
                .hashing
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| ApiError::Unavailable)?,
        ),
        _ => None,
    };
    let shared = state.into_inner();
    let response = run_blocking(move || {
        let mut rng = OsEntropy;
        let mut ctx = Context {
            store: shared.store.as_ref(),
            keys: shared.keys.as_ref(),
            settings: &shared.settings,
            now,
            rng: &mut rng,
            after_password_hash: permit
                .map(|p| Box::new(move || drop(p)) as Box<dyn FnOnce() + Send>),
            client_ip,
        };
        grant::exchange(&mut ctx, request)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(response))
}
