//! `POST /token/revoke` (RFC 7009) and `POST /token/introspect` (RFC 7662), root and per realm.
//!
//! Both take the same strict form (or JSON) body and client authentication as `/token`.
//! Introspection needs an authenticated confidential client (`401` otherwise), which learns only
//! about its own tokens unless it holds `token_introspect`, or a bearer token with scope `global`
//! whose subject holds `token_introspect`; it answers `{"active": false}` for anything it does not
//! recognise as live (a deactivated user's tokens included). Revocation accepts public clients by
//! `client_id`, tokens issued without a client without any client, and answers `200` whether or
//! not the token was known.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::client_auth::{AuthenticatedClient, authenticate_client};
use oauth_core::grant::resolve_realm;
use oauth_core::model::Realm;
use oauth_core::request::{ClientCredentials, RealmSelector, client_credentials};
use oauth_core::{Error, OAuthError, Store, revocation};

use crate::blocking::run_blocking;
use crate::error::{ApiError, ErrorBody};
use crate::params::{basic_credentials, parse_params, read_body};
use crate::state::AppState;

/// The decoded request: its client credentials and the `token` (a `token_type_hint` is only a
/// hint; both token kinds are always tried, RFC 7009 §2.1, RFC 7662 §2.1). With `bearer` the
/// `Authorization` header is a bearer token, not client credentials.
async fn decode(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
    bearer: bool,
) -> Result<(ClientCredentials, String), ApiError> {
    let body = read_body(req, payload, limit).await?;
    let params = parse_params(req, &body)?;
    let basic = if bearer {
        None
    } else {
        basic_credentials(req)?
    };
    let credentials = client_credentials(&params, basic)?;
    let token = params
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("missing required parameter 'token'"))?
        .to_owned();
    Ok((credentials, token))
}

/// The realm of the request: the path's, else the client's (by UUID), else master.
fn realm_of(
    store: &dyn Store,
    path: Option<String>,
    credentials: &ClientCredentials,
) -> Result<Realm, Error> {
    let selector = match path {
        Some(name) => RealmSelector::Named(name),
        None => RealmSelector::Default {
            realm_id: None,
            realm_name: None,
        },
    };
    resolve_realm(store, &selector, credentials)
}

fn json(body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .json(body)
}

/// Why a bearer caller of introspection was refused.
enum Refusal {
    Token(&'static str),
    Authority(oauth_core::authority::Refusal),
}

pub(super) async fn introspect(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> Result<HttpResponse, ApiError> {
    // A bearer token, if that is how the caller authenticates (else Basic or form credentials).
    let bearer = crate::bearer::from_header(&req).ok().flatten();
    let (credentials, token) = decode(&req, payload, state.body_limit, bearer.is_some()).await?;
    state.limits.check_client(&credentials)?;
    let path = path.map(web::Path::into_inner);
    let shared = state.into_inner();
    let now = shared.clock.now();
    let body = run_blocking(move || {
        let store = shared.store.as_ref();
        let (realm, audience) = match bearer {
            // A bearer token with scope `global` whose subject holds `token_introspect`.
            Some(bearer) => {
                match oauth_core::bearer::verify(store, &shared.settings, &bearer, now)? {
                    Err(invalid) => return Ok(Err(Refusal::Token(invalid.0))),
                    Ok(caller) if path.as_deref().is_some_and(|p| p != caller.realm.name) => {
                        return Ok(Err(Refusal::Token("the token belongs to another realm")));
                    }
                    Ok(caller) => match revocation::bearer_audience(store, &caller)? {
                        Ok(audience) => (caller.realm, audience),
                        Err(refusal) => return Ok(Err(Refusal::Authority(refusal))),
                    },
                }
            }
            None => {
                let realm = realm_of(store, path, &credentials)?;
                match authenticate_client(store, &realm, &credentials)? {
                    AuthenticatedClient::Confidential(client) => {
                        let audience = revocation::client_audience(store, &client)?;
                        (realm, audience)
                    }
                    _ => {
                        return Err(OAuthError::invalid_client(
                            "introspection requires client authentication",
                        )
                        .into());
                    }
                }
            }
        };
        revocation::introspect(store, &shared.settings, &realm, audience, &token, now).map(Ok)
    })
    .await?;
    let challenge = |error: &str, description: &str| {
        crate::bearer::challenge(Some(error), Some(description), None)
    };
    match body {
        Ok(body) => {
            // Only an authenticated caller (client or bearer) gets an answer.
            crate::ratelimit::mark_authenticated(&req);
            Ok(json(body))
        }
        Err(Refusal::Token(why)) => Ok(HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, challenge("invalid_token", why)))
            .json(ErrorBody::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                why,
            ))),
        Err(Refusal::Authority(refusal)) => {
            let why = refusal.to_string();
            Ok(HttpResponse::Forbidden()
                .insert_header((
                    header::WWW_AUTHENTICATE,
                    challenge("insufficient_scope", &why),
                ))
                .json(ErrorBody::new(
                    StatusCode::FORBIDDEN,
                    "insufficient_scope",
                    &why,
                )))
        }
    }
}

pub(super) async fn revoke(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> Result<HttpResponse, ApiError> {
    let (credentials, token) = decode(&req, payload, state.body_limit, false).await?;
    state.limits.check_client(&credentials)?;
    let confidential = credentials.secret.is_some();
    let path = path.map(web::Path::into_inner);
    let shared = state.into_inner();
    let now = shared.clock.now();
    run_blocking(move || {
        let store = shared.store.as_ref();
        let realm = realm_of(store, path, &credentials)?;
        // Without client credentials only tokens issued without a client can be revoked: the
        // token itself is the credential (RFC 7009 §2.1 lets the server decide).
        let client = authenticate_client(store, &realm, &credentials)?;
        revocation::revoke(store, &shared.settings, &realm, &client, &token, now)
    })
    .await?;
    if confidential {
        // The client's secret was verified before anything was revoked.
        crate::ratelimit::mark_authenticated(&req);
    }
    Ok(json(serde_json::json!({})))
}
