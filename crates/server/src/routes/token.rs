//! `POST /token` and `POST /realms/{realm}/token` (RFC 6749 §3.2).

use std::borrow::Cow;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::grant::{self, Context};
use oauth_core::request::{Grant, TokenRequest};

use crate::audit::{Audit, AuditEvent};
use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::params::{basic_credentials, parse_params, read_body};
use crate::state::{AppState, OsEntropy, now};

/// Audits a token request: `token_issued` (with the token's realm, subject and client), a failed
/// password `login` (with the name given), or a detected refresh token reuse.
fn record(
    audit: &Audit,
    grant_type: &'static str,
    username: Option<String>,
    ip: Option<String>,
    now: i64,
    outcome: &Result<oauth_core::token::TokenResponse, ApiError>,
) {
    let metrics = &crate::metrics::METRICS;
    match outcome {
        Ok(response) => {
            let Some(payload) = payload_of(&response.access_token) else {
                return;
            };
            let Ok(claims) = serde_json::from_slice::<Issued<'_>>(&payload) else {
                return;
            };
            metrics.token_issued(grant_type, &claims.realm_id);
            if !audit.is_enabled() {
                return;
            }
            let realm = uuid::Uuid::parse_str(&claims.realm_id).ok();
            let kind = if claims.sub_kind == "client" {
                "client"
            } else {
                "user"
            };
            let mut event = AuditEvent::new("token_issued", realm, true, now)
                .actor(kind, claims.sub.as_ref())
                .ip(ip)
                .detail(grant_type);
            if let Some(client) = claims.client_id {
                event = event.target("client", client.as_ref());
            }
            if grant_type == "password" {
                let mut login = AuditEvent::new("login", realm, true, now)
                    .actor("user", claims.sub.as_ref())
                    .detail("password grant");
                login.ip.clone_from(&event.ip);
                audit.record(login);
            }
            audit.record(event);
        }
        Err(ApiError::OAuth(e))
            if grant_type == "password" && e.code == oauth_core::ErrorCode::InvalidGrant =>
        {
            metrics.failed_login();
            let mut event = AuditEvent::new("login", None, false, now)
                .ip(ip)
                .detail("password grant");
            if let Some(name) = username {
                event = event.actor("user", name);
            }
            audit.record(event);
        }
        Err(ApiError::Throttled(_)) if grant_type == "password" => {
            metrics.failed_login();
            let mut event = AuditEvent::new("login", None, false, now)
                .ip(ip)
                .detail("throttled");
            if let Some(name) = username {
                event = event.actor("user", name);
            }
            audit.record(event);
        }
        Err(ApiError::OAuth(e)) if e.description == oauth_core::grant::REUSE_DETECTED => {
            metrics.refresh_reuse();
            audit.record(AuditEvent::new("refresh_reuse", None, false, now).ip(ip));
        }
        Err(_) => {}
    }
}

/// The claims of an access token this server just signed that an audit event names.
#[derive(serde::Deserialize)]
struct Issued<'a> {
    #[serde(borrow)]
    sub: Cow<'a, str>,
    #[serde(borrow, default)]
    sub_kind: Cow<'a, str>,
    #[serde(borrow, default)]
    realm_id: Cow<'a, str>,
    #[serde(borrow)]
    client_id: Option<Cow<'a, str>>,
}

/// The decoded payload of a JWT this server just signed (no verification needed).
fn payload_of(jwt: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
}

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
    state.limits.check_client(&request.client)?;
    if let Some(client_id) = &request.client.client_id {
        tracing::Span::current().record("client_id", client_id.as_str());
    }
    let grant_type = request.grant.grant_type();
    tracing::debug!(grant_type, "token request");
    let username = match &request.grant {
        Grant::Password { username, .. } => Some(username.clone()),
        _ => None,
    };
    let now = now();
    let client_ip = state.limits.client_ip(&req).map(|ip| ip.to_string());
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
    let audit = shared.audit.clone();
    let ip = client_ip.clone();
    let outcome = run_blocking(move || {
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
    .await;
    record(&audit, grant_type, username, ip, now, &outcome);
    let response = outcome?;
    // A grant succeeds only on proof: a verified client secret, a user's password, a live
    // refresh token or an unredeemed code.
    crate::ratelimit::mark_authenticated(&req);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(response))
}
