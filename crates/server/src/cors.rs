//! CORS with `actix-cors` on the protocol endpoints and, when configured, the admin API
//! (`oauth_core::cors` decides which origins).
//!
//! Each CORS resource gets two layers, always together ([`protocol`], [`admin`]):
//! - the gate (outer) decides whether the request's `Origin` may read the answer. A refused
//!   origin's preflight is answered `403` here; any other request from a refused origin goes on
//!   with its `Origin` header removed, so it is answered as a same-origin request would be: no
//!   `Access-Control-Allow-Origin`, and the browser keeps the answer from the page (server-side
//!   callers that happen to send `Origin` are served as before);
//! - `actix-cors` (inner) answers allowed preflights and adds the CORS headers to allowed
//!   answers: the one origin echoed (never `*`), never `Access-Control-Allow-Credentials`, and
//!   `Vary: Origin` on every answer, so a shared cache never hands one origin's answer to another.
//!
//! A request without `Origin` (every server-side client) costs a header lookup. The public
//! clients' origins come from `CachedStore::realm_origins`: read once per cache TTL (and after a
//! write through this node), never per request.

use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{HttpServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Next, from_fn};
use actix_web::{ResponseError, web};
use oauth_core::cors::{CorsPolicy, Surface};

use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::state::AppState;

/// How long a browser may reuse a preflight answer, seconds.
pub const PREFLIGHT_MAX_AGE: usize = 600;

/// The configured policy (`[cors]`).
#[derive(Debug, Clone)]
pub struct CorsSettings {
    /// Which origins, where.
    pub policy: CorsPolicy,
}

impl Default for CorsSettings {
    /// No configured origins; public clients' origins on their realm's protocol endpoints.
    fn default() -> Self {
        Self {
            policy: CorsPolicy {
                public_clients: true,
                ..CorsPolicy::default()
            },
        }
    }
}

/// A protocol endpoint (token, introspection, revocation, userinfo, JWKS, discovery) with CORS.
pub fn protocol(resource: actix_web::Resource) -> impl HttpServiceFactory {
    resource
        .wrap(headers(&[Method::GET, Method::POST]))
        .wrap(from_fn(gate_protocol))
}

/// An admin API resource with CORS (only for `cors.admin_origins`).
pub fn admin(resource: actix_web::Resource) -> impl HttpServiceFactory {
    resource
        .wrap(headers(&[
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
        ]))
        .wrap(from_fn(gate_admin))
}

/// `actix-cors` for origins the gate let through.
fn headers(methods: &[Method]) -> Cors {
    Cors::default()
        // Every origin that reaches this layer was allowed by the gate; the others arrive
        // without `Origin`. Echoes the origin (never `*`); credentials stay off.
        .allow_any_origin()
        .allowed_methods(methods.iter().cloned())
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
        .expose_headers([
            header::WWW_AUTHENTICATE,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(PREFLIGHT_MAX_AGE)
        .block_on_origin_mismatch(false)
}

#[derive(Clone, Copy)]
enum Kind {
    Protocol,
    Admin,
}

async fn gate_protocol(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    gate(Kind::Protocol, req, next).await
}

async fn gate_admin(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    gate(Kind::Admin, req, next).await
}

async fn gate<B: MessageBody + 'static>(
    kind: Kind,
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let origin = origin.to_str().unwrap_or_default().to_owned();
    if !allowed(&req, kind, &origin).await? {
        if is_preflight(&req) {
            tracing::debug!(origin, "CORS preflight refused");
            let response = ApiError::OriginNotAllowed(origin).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
        req.headers_mut().remove(header::ORIGIN);
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn is_preflight(req: &ServiceRequest) -> bool {
    req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

async fn allowed(req: &ServiceRequest, kind: Kind, origin: &str) -> Result<bool, ApiError> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(false);
    };
    let realm = req.match_info().get("realm").map(str::to_owned);
    let surface = match (kind, realm.as_deref()) {
        (Kind::Admin, _) => Surface::Admin,
        (Kind::Protocol, Some(realm)) => Surface::Realm(realm),
        (Kind::Protocol, None) => Surface::Root,
    };
    let policy = &state.cors.policy;
    if !policy.needs_realms(surface) {
        return Ok(policy.allows(surface, origin, None));
    }
    let realms = match state.store.cached_realm_origins() {
        Some(realms) => realms,
        None => {
            let store = state.store.clone();
            run_blocking(move || Ok(store.realm_origins()?)).await?
        }
    };
    Ok(policy.allows(surface, origin, Some(&realms)))
}
