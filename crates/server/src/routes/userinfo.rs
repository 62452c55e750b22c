//! `GET` and `POST /userinfo` (OpenID Connect Core §5.3) with RFC 6750 bearer tokens.
//!
//! The token comes in `Authorization: Bearer` or, on POST, as the form parameter `access_token`
//! (not both). A missing token is `401` with a bare `WWW-Authenticate: Bearer`; a bad, expired or
//! foreign token is `401` with `error="invalid_token"`; a token with neither `openid` nor Authup's
//! `global` is `403` `insufficient_scope` (`global` answers every claim, as Authup does).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::bearer;
use oauth_core::store::UserStore as _;

use crate::blocking::run_blocking;
use crate::error::{ApiError, ErrorBody};
use crate::params::{parse_params, read_body};
use crate::state::AppState;

/// A refusal in RFC 6750 §3's shape.
fn refuse(status: StatusCode, error: Option<&str>, description: &str) -> HttpResponse {
    let challenge = match error {
        Some(error) => crate::bearer::challenge(Some(error), Some(description), None),
        None => crate::bearer::challenge(None, None, None),
    };
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::WWW_AUTHENTICATE, challenge))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    match error {
        Some(error) => response.json(ErrorBody::new(status, error, description)),
        None => response.finish(),
    }
}

/// The bearer token of the request: header or (POST) form body, never both. The error is the
/// `invalid_request` description.
fn bearer_token(
    req: &HttpRequest,
    body_token: Option<String>,
) -> Result<Option<String>, &'static str> {
    let header = crate::bearer::from_header(req)?;
    match (header, body_token) {
        (Some(_), Some(_)) => Err("the token was sent twice"),
        (header, body) => Ok(header.or(body)),
    }
}

pub(super) async fn userinfo(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> HttpResponse {
    let body_token = if req.method() == actix_web::http::Method::POST {
        let parsed = match read_body(&req, payload, state.body_limit).await {
            Ok(body) => parse_params(&req, &body).map_err(ApiError::from),
            Err(e) => Err(e),
        };
        match parsed {
            Ok(params) => params.get("access_token").map(str::to_owned),
            Err(e) => return actix_web::ResponseError::error_response(&e),
        }
    } else {
        None
    };
    let token = match bearer_token(&req, body_token) {
        Ok(Some(token)) => token,
        Ok(None) => return refuse(StatusCode::UNAUTHORIZED, None, ""),
        Err(why) => return refuse(StatusCode::BAD_REQUEST, Some("invalid_request"), why),
    };
    let realm_name = path.map(web::Path::into_inner);
    let shared = state.into_inner();
    let now = shared.clock.now();
    let outcome = run_blocking(move || {
        let verified = match bearer::verify(shared.store.as_ref(), &shared.settings, &token, now)? {
            Ok(verified) => verified,
            Err(invalid) => return Ok(Err((StatusCode::UNAUTHORIZED, "invalid_token", invalid.0))),
        };
        if realm_name
            .as_deref()
            .is_some_and(|name| name != verified.realm.name)
        {
            return Ok(Err((
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the token belongs to another realm",
            )));
        }
        let Some(user_id) = verified.subject.user() else {
            return Ok(Err((
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the token was not issued for a user",
            )));
        };
        if !oauth_core::oidc::userinfo_allowed(&verified.scope) {
            return Ok(Err((
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                "the token lacks the openid (or global) scope",
            )));
        }
        let user = shared.store.find_user(user_id)?;
        match user.filter(|u| u.active) {
            Some(user) => Ok(Ok(oauth_core::oidc::userinfo(&user, &verified.scope))),
            None => Ok(Err((
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the token's user is inactive or was deleted",
            ))),
        }
    })
    .await;
    match outcome {
        Ok(Ok(claims)) => {
            crate::ratelimit::mark_authenticated(&req);
            HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
                .json(claims)
        }
        Ok(Err((status, error, description))) => refuse(status, Some(error), description),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}
