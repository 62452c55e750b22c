//! `POST /token` and `POST /realms/{realm}/token` (RFC 6749 §3.2).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::error::Reason;
use oauth_core::grant::{self, Context, Issued};
use oauth_core::request::{Grant, TokenRequest};

use crate::audit::{Audit, AuditEvent};
use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::params::{basic_credentials, parse_params, read_body};
use crate::state::{AppState, OsEntropy};

/// Audits and counts a token request from what the core answered: `token_issued` (with the
/// realm, subject and client it names), a failed password `login` (with the name given), or a
/// refresh token reuse.
fn record(
    audit: &Audit,
    grant_type: &'static str,
    username: Option<String>,
    ip: Option<String>,
    now: i64,
    outcome: &Result<Issued, ApiError>,
) {
    let metrics = &crate::metrics::METRICS;
    match outcome {
        Ok(issued) => {
            let mut buffer = uuid::Uuid::encode_buffer();
            let realm_label = issued.realm_id.hyphenated().encode_lower(&mut buffer);
            metrics.token_issued(grant_type, realm_label);
            if !audit.is_enabled() {
                return;
            }
            let realm = Some(issued.realm_id);
            let (kind, sub) = (
                issued.subject.kind().as_str(),
                issued.subject.id().to_string(),
            );
            let mut event = AuditEvent::new("token_issued", realm, true, now)
                .actor(kind, sub.clone())
                .ip(ip)
                .detail(grant_type);
            if let Some(client) = issued.client_id {
                event = event.target("client", client.to_string());
            }
            if grant_type == "password" {
                let mut login = AuditEvent::new("login", realm, true, now)
                    .actor("user", sub)
                    .detail("password grant");
                login.ip.clone_from(&event.ip);
                audit.record(login);
            }
            audit.record(event);
        }
        Err(ApiError::OAuth(e)) if e.reason == Some(Reason::BadCredentials) => {
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
        Err(ApiError::OAuth(e)) if e.reason == Some(Reason::RefreshReuse) => {
            metrics.refresh_reuse();
            audit.record(AuditEvent::new("refresh_reuse", None, false, now).ip(ip));
        }
        Err(_) => {}
    }
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
    let now = state.clock.now();
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
    let response = outcome?.response;
    // A grant succeeds only on proof: a verified client secret, a user's password, a live
    // refresh token or an unredeemed code.
    crate::ratelimit::mark_authenticated(&req);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(response))
}
