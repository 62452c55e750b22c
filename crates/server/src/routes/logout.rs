//! `GET` and `POST /logout` (OpenID Connect RP-Initiated Logout 1.0), root and per realm.
//!
//! The decision is `oauth_core::logout`'s; this module decodes the query or form, asks for
//! confirmation with a CSRF-protected form when there is no valid `id_token_hint`, removes the
//! session cookie, and redirects or shows the signed-out page.

use std::sync::Arc;

use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::grant::MASTER_REALM;
use oauth_core::hash::TokenHash;
use oauth_core::logout::{LogoutOutcome, LogoutRequest, logout};
use oauth_core::request::Params;
use oauth_core::store::{RealmStore as _, SessionStore as _};

use crate::audit::AuditEvent;
use crate::blocking::run_blocking;
use crate::pages::{self, SESSION_COOKIE};
use crate::params::{parse_form, read_body};
use crate::state::AppState;

async fn handle(
    req: HttpRequest,
    payload: Option<web::Payload>,
    state: web::Data<AppState>,
    realm: Option<String>,
) -> HttpResponse {
    let label = realm.clone().unwrap_or_else(|| MASTER_REALM.to_owned());
    let posted = payload.is_some();
    let params = match payload {
        None => parse_form(req.query_string().as_bytes())
            .and_then(Params::from_pairs)
            .map_err(|e| e.description.into_owned()),
        Some(payload) => match read_body(&req, payload, state.body_limit).await {
            Ok(body) => parse_form(&body)
                .and_then(Params::from_pairs)
                .map_err(|e| e.description.into_owned()),
            Err(e) => Err(e.to_string()),
        },
    };
    let params = match params {
        Ok(params) => params,
        Err(e) => return pages::error(&label, &format!("The sign-out request is malformed: {e}.")),
    };
    // Only a posted confirmation form counts as the person's own decision.
    let confirmed = posted && params.get("confirm") == Some("yes");
    if confirmed && !pages::csrf_ok(&req, params.get("csrf_token")) {
        return pages::error(
            &label,
            "The form expired or was sent from another site. Reload the page and try again.",
        );
    }
    let request = LogoutRequest::from_params(&params);
    let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let shared: Arc<AppState> = state.into_inner();
    let (s, r, q) = (shared.clone(), realm.clone(), request.clone());
    let now = shared.clock.now();
    let outcome = run_blocking(move || {
        let store = s.store.as_ref();
        let Some(found) = store.find_realm_by_name(r.as_deref().unwrap_or(MASTER_REALM))? else {
            return Ok(LogoutOutcome::Page("This realm does not exist.".to_owned()));
        };
        let session = match cookie {
            Some(value) => store.find_session(&TokenHash::of(&value))?,
            None => None,
        };
        let outcome = logout(store, &found, &q, session.as_ref(), confirmed, now)?;
        if let (LogoutOutcome::Done(_), Some(session)) = (&outcome, &session) {
            s.audit.record(
                AuditEvent::new("logout", Some(found.id), true, now)
                    .actor("user", session.user_id.to_string())
                    .target("session", session.id.to_string()),
            );
        }
        Ok(outcome)
    })
    .await;
    let secure = shared.https;
    match outcome {
        Ok(LogoutOutcome::Page(message)) => pages::error(&label, &message),
        Ok(LogoutOutcome::Confirm) => {
            let (builder, csrf) = pages::form_page(&req, StatusCode::OK, secure);
            let action = match &realm {
                Some(name) => format!("/realms/{name}/logout"),
                None => "/logout".to_owned(),
            };
            let context = minijinja::context! {
                realm => label,
                client => request.client_id.clone(),
                csrf_token => csrf,
                action,
                hidden => request.pairs(),
            };
            pages::render(builder, "logout.html", context)
        }
        Ok(LogoutOutcome::Done(redirect)) => {
            let mut response = match redirect {
                Some(location) => {
                    let status = if posted {
                        StatusCode::SEE_OTHER
                    } else {
                        StatusCode::FOUND
                    };
                    pages::redirect(status, &location)
                }
                None => pages::render(
                    pages::page(StatusCode::OK),
                    "logged_out.html",
                    minijinja::context! { realm => label },
                ),
            };
            let expired = pages::cookie(
                SESSION_COOKIE,
                String::new(),
                SameSite::Lax,
                secure,
                Some(0),
            );
            if let Err(e) = response.add_cookie(&expired) {
                tracing::error!(error = %e, "cannot clear the session cookie");
            }
            response
        }
        Err(e) => {
            tracing::warn!(error = %e, "logout failed");
            let mut response = pages::error(
                &label,
                "The server could not sign you out. Try again in a moment.",
            );
            *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            response
        }
    }
}

pub(super) async fn logout_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> HttpResponse {
    handle(req, None, state, path.map(web::Path::into_inner)).await
}

pub(super) async fn logout_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> HttpResponse {
    handle(req, Some(payload), state, path.map(web::Path::into_inner)).await
}
