//! The authorization endpoint (RFC 6749 §4.1) with its login and consent pages.
//!
//! `GET /authorize` (and `/realms/{realm}/authorize`) validates the request, then signs the person
//! in (login page, `POST .../authorize/login`), asks for consent for third-party clients (consent
//! page, `POST .../authorize/consent`), and sends the browser back to the client with `code`,
//! `state` and `iss` (RFC 9207). The request's parameters travel through the forms as hidden
//! fields and are validated again on every step. Every decision is `oauth_core::authorize::advance`'s;
//! this module decodes forms, checks their CSRF token, runs the step on the blocking pool, audits
//! what happened, renders pages and sets the session cookie.

use std::sync::Arc;

use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::authorize::{
    Advanced, AuthorizationRequest, Happened, Input, LoginProblem, Outcome, advance,
};
use oauth_core::grant::{Context, MASTER_REALM};
use oauth_core::request::Params;
use oauth_core::secret::Password;

use crate::audit::AuditEvent;
use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::pages::{self, SESSION_COOKIE};
use crate::params::{parse_form, read_body};
use crate::state::{AppState, OsEntropy};

/// What the person did, owned so it can move to the blocking pool.
enum Action {
    Start(Option<String>),
    Login(String, Password),
    Consent(Option<String>, bool),
}

fn realm_label(realm: &Option<String>) -> String {
    realm.clone().unwrap_or_else(|| MASTER_REALM.to_owned())
}

fn prefix(realm: &Option<String>) -> String {
    match realm {
        Some(name) => format!("/realms/{name}"),
        None => String::new(),
    }
}

/// Runs one step of the flow (`oauth_core::authorize::advance`) on the blocking pool, audits what
/// happened and renders the outcome. `permit`: the hashing permit a login holds until its
/// password is checked.
async fn run(
    req: &HttpRequest,
    state: web::Data<AppState>,
    realm: Option<String>,
    request: AuthorizationRequest,
    action: Action,
    permit: Option<tokio::sync::OwnedSemaphorePermit>,
) -> HttpResponse {
    let shared: Arc<AppState> = state.into_inner();
    let (s, name, q) = (shared.clone(), realm_label(&realm), request.clone());
    let ip = shared.limits.client_ip(req).map(|ip| ip.to_string());
    let client_ip = ip.clone();
    let now = shared.clock.now();
    let outcome = run_blocking(move || {
        let mut rng = OsEntropy;
        let mut ctx = Context {
            store: s.store.as_ref(),
            keys: s.keys.as_ref(),
            settings: &s.settings,
            now,
            rng: &mut rng,
            after_password_hash: permit
                .map(|p| Box::new(move || drop(p)) as Box<dyn FnOnce() + Send>),
            client_ip,
        };
        let input = match &action {
            Action::Start(cookie) => Input::Start {
                session_cookie: cookie.as_deref(),
            },
            Action::Login(username, password) => Input::Login { username, password },
            Action::Consent(cookie, allow) => Input::Consent {
                session_cookie: cookie.as_deref(),
                allow: *allow,
            },
        };
        advance(&mut ctx, &name, &q, input)
    })
    .await;
    match outcome {
        Ok(step) => {
            audit(&shared, &step, ip, now);
            respond(req, &shared, &realm, &request, step)
        }
        Err(e) => failed(&realm, e),
    }
}

/// Records what happened in a step.
fn audit(state: &AppState, step: &Advanced, ip: Option<String>, now: i64) {
    for happened in &step.happened {
        let event = match happened {
            Happened::LoggedIn { user } => AuditEvent::new("login", step.realm, true, now)
                .actor("user", user.to_string())
                .ip(ip.clone())
                .detail("login page"),
            Happened::LoginFailed {
                username,
                throttled,
            } => {
                if *throttled {
                    tracing::warn!("login throttled on the login page");
                } else {
                    tracing::info!("failed login on the login page");
                    crate::metrics::METRICS.failed_login();
                }
                AuditEvent::new("login", step.realm, false, now)
                    .actor("user", username.clone())
                    .ip(ip.clone())
                    .detail(if *throttled {
                        "throttled"
                    } else {
                        "login page"
                    })
            }
            Happened::Authorized {
                user,
                client,
                scope,
            } => AuditEvent::new("authorization", step.realm, true, now)
                .actor("user", user.to_string())
                .target("client", client.to_string())
                .detail(scope.clone()),
            Happened::Denied {
                user,
                client,
                on_consent_page,
            } => AuditEvent::new("authorization", step.realm, false, now)
                .actor("user", user.to_string())
                .target("client", client.to_string())
                .detail(if *on_consent_page {
                    "denied on the consent page"
                } else {
                    "denied"
                }),
            _ => continue,
        };
        state.audit.record(event);
    }
}

/// Renders a step: a page, a redirect (303 after a form), the login or consent page; sets the
/// session cookie of a login.
fn respond(
    req: &HttpRequest,
    state: &AppState,
    realm: &Option<String>,
    request: &AuthorizationRequest,
    step: Advanced,
) -> HttpResponse {
    let label = realm_label(realm);
    let secure = state.https;
    let mut response = match step.outcome {
        Outcome::Page(message) => pages::error(&label, &message),
        Outcome::Redirect(location) => {
            let status = if req.method() == actix_web::http::Method::POST {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FOUND
            };
            pages::redirect(status, &location)
        }
        Outcome::Login {
            client,
            username,
            problem,
        } => {
            let (status, error, retry_after) = match problem {
                None => (StatusCode::OK, None, None),
                Some(LoginProblem::WrongCredentials) => (
                    StatusCode::UNAUTHORIZED,
                    Some("Wrong username or password.".to_owned()),
                    None,
                ),
                Some(LoginProblem::Throttled(seconds)) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    Some(format!(
                        "Too many failed attempts. Wait {seconds} seconds, then try again."
                    )),
                    Some(seconds),
                ),
            };
            let (mut builder, csrf) = pages::form_page(req, status, secure);
            if let Some(seconds) = retry_after {
                builder.insert_header((actix_web::http::header::RETRY_AFTER, seconds.to_string()));
            }
            let context = minijinja::context! {
                realm => label,
                client,
                error,
                username,
                csrf_token => csrf,
                action => format!("{}/authorize/login", prefix(realm)),
                hidden => request.pairs(),
            };
            pages::render(builder, "login.html", context)
        }
        Outcome::Consent {
            client,
            user,
            scopes,
        } => {
            let (builder, csrf) = pages::form_page(req, StatusCode::OK, secure);
            let context = minijinja::context! {
                realm => label,
                client,
                user,
                scopes,
                csrf_token => csrf,
                action => format!("{}/authorize/consent", prefix(realm)),
                hidden => request.pairs(),
            };
            pages::render(builder, "consent.html", context)
        }
    };
    if let Some(value) = step.set_session {
        let cookie = pages::cookie(
            SESSION_COOKIE,
            value,
            SameSite::Lax,
            secure,
            Some(state.settings.session_lifetime),
        );
        if let Err(e) = response.add_cookie(&cookie) {
            tracing::error!(error = %e, "cannot set the session cookie");
        }
    }
    response
}

fn failed(realm: &Option<String>, err: ApiError) -> HttpResponse {
    tracing::warn!(error = %err, "authorization step failed");
    let mut response = pages::error(
        &realm_label(realm),
        "The server could not handle the request. Try again in a moment.",
    );
    *response.status_mut() = match err {
        ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    response
}

/// Decodes a posted form (a form step, or a posted authorization request).
async fn posted_form(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Params, String> {
    let body = read_body(req, payload, limit)
        .await
        .map_err(|e| e.to_string())?;
    parse_form(&body)
        .and_then(Params::from_pairs)
        .map_err(|e| e.description.into_owned())
}

/// A form step's fields after its CSRF check; `Err` is the error page to show.
async fn checked_form(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    label: &str,
) -> Result<Params, HttpResponse> {
    let form = posted_form(req, payload, state.body_limit)
        .await
        .map_err(|e| pages::error(label, &format!("The form is malformed: {e}.")))?;
    if !pages::csrf_ok(req, form.get("csrf_token")) {
        return Err(pages::error(
            label,
            "The form expired or was sent from another site. Go back, reload the page and try again.",
        ));
    }
    Ok(form)
}

/// The authorization request: from the query (GET) or the form body (POST, OpenID Connect Core
/// §3.1.2.1).
async fn start(
    req: HttpRequest,
    payload: Option<web::Payload>,
    state: web::Data<AppState>,
    realm: Option<String>,
) -> HttpResponse {
    let parsed = match payload {
        None => parse_form(req.query_string().as_bytes())
            .and_then(Params::from_pairs)
            .map_err(|e| e.description.into_owned()),
        Some(payload) => posted_form(&req, payload, state.body_limit).await,
    };
    let params = match parsed {
        Ok(params) => params,
        Err(e) => {
            let message = format!("The request is malformed: {e}.");
            return pages::error(&realm_label(&realm), &message);
        }
    };
    let request = AuthorizationRequest::from_params(&params);
    let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    run(&req, state, realm, request, Action::Start(cookie), None).await
}

async fn login(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    realm: Option<String>,
) -> HttpResponse {
    let label = realm_label(&realm);
    let form = match checked_form(&req, payload, &state, &label).await {
        Ok(form) => form,
        Err(page) => return page,
    };
    let username = form.get("username").unwrap_or_default().to_owned();
    let password = form.get("password").unwrap_or_default();
    if password.len() > oauth_core::password::MAX_PASSWORD_BYTES
        || username.len() > oauth_core::request::MAX_USERNAME_BYTES
    {
        let message = "The username or password is longer than this server accepts.";
        return pages::error(&label, message);
    }
    let action = Action::Login(username, Password::new(password));
    let Ok(permit) = state.hashing.clone().acquire_owned().await else {
        return failed(&realm, ApiError::Unavailable);
    };
    let request = AuthorizationRequest::from_params(&form);
    run(&req, state, realm, request, action, Some(permit)).await
}

async fn consent(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    realm: Option<String>,
) -> HttpResponse {
    let label = realm_label(&realm);
    let form = match checked_form(&req, payload, &state, &label).await {
        Ok(form) => form,
        Err(page) => return page,
    };
    let allow = match form.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return pages::error(&label, "The form carries no decision."),
    };
    let request = AuthorizationRequest::from_params(&form);
    let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    run(
        &req,
        state,
        realm,
        request,
        Action::Consent(cookie, allow),
        None,
    )
    .await
}

/// The realm named by the path (`/realms/{realm}/...`), or none on the root paths.
fn realm_of(path: Option<web::Path<String>>) -> Option<String> {
    path.map(web::Path::into_inner)
}

pub(super) async fn authorize_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> HttpResponse {
    start(req, None, state, realm_of(path)).await
}

pub(super) async fn authorize_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> HttpResponse {
    start(req, Some(payload), state, realm_of(path)).await
}

pub(super) async fn login_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> HttpResponse {
    login(req, payload, state, realm_of(path)).await
}

pub(super) async fn consent_post(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    path: Option<web::Path<String>>,
) -> HttpResponse {
    consent(req, payload, state, realm_of(path)).await
}
