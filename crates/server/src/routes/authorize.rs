//! The authorization endpoint (RFC 6749 §4.1) with its login and consent pages.
//!
//! `GET /authorize` (and `/realms/{realm}/authorize`) validates the request, then signs the person
//! in (login page, `POST .../authorize/login`), asks for consent for third-party clients (consent
//! page, `POST .../authorize/consent`), and sends the browser back to the client with `code`,
//! `state` and `iss` (RFC 9207). The request's parameters travel through the forms as hidden
//! fields and are validated again on every step. All decisions are `oauth_core::authorize`'s; this
//! module decodes, runs them on the blocking pool, renders pages and sets cookies.

use std::sync::Arc;

use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::authorize::{
    self, AuthorizationRequest, AuthorizeError, Next, ValidRequest, decide, issue_code,
    new_session, redirect_with, session_usable,
};
use oauth_core::grant::{MASTER_REALM, authenticate_user};
use oauth_core::hash::TokenHash;
use oauth_core::model::{Consent, Realm, Session};
use oauth_core::request::Params;
use oauth_core::scope::Scope;
use oauth_core::secret::Password;
use oauth_core::{Error, OAuthError};

use oauth_core::store::{
    ConsentStore as _, RealmStore as _, ScopeStore as _, SessionStore as _, UserStore as _,
};

use crate::audit::AuditEvent;
use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::pages::{self, SESSION_COOKIE};
use crate::params::{parse_form, read_body};
use crate::state::{AppState, OsEntropy, now};

/// What the person sees next.
enum Step {
    /// An error page; nothing is redirected.
    Page(String),
    /// Back to the client (code or error).
    Redirect(String),
    /// The login page, with an error after a failed attempt (and a wait when throttled).
    Login {
        client: String,
        error: Option<String>,
        username: String,
        retry_after: Option<i64>,
    },
    /// The consent page: the client, the user, and each scope with its description.
    Consent {
        client: String,
        user: String,
        scopes: Vec<(String, String)>,
    },
}

/// What brought us here.
enum Event {
    /// The authorization request itself.
    Start,
    /// The person just signed in with this session.
    LoggedIn(Session),
    /// The person answered the consent page.
    Consented(bool),
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

fn find_realm(state: &AppState, name: &Option<String>) -> Result<Option<Realm>, Error> {
    Ok(state
        .store
        .find_realm_by_name(name.as_deref().unwrap_or(MASTER_REALM))?)
}

fn back_with_error(
    state: &AppState,
    realm: &Realm,
    redirect_uri: &str,
    error: &OAuthError,
    request_state: Option<&str>,
) -> Result<Step, Error> {
    let issuer = state.settings.issuer(realm);
    let mut pairs = vec![
        ("error", error.code.as_str()),
        ("error_description", error.description.as_ref()),
    ];
    if let Some(s) = request_state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", &issuer));
    Ok(Step::Redirect(redirect_with(redirect_uri, &pairs)?))
}

/// Validates the request; `Err` is the step to show instead.
fn validated(
    state: &AppState,
    realm: &Realm,
    request: &AuthorizationRequest,
) -> Result<Result<ValidRequest, Step>, Error> {
    match authorize::validate(state.store.as_ref(), &state.settings, realm, request) {
        Ok(valid) => Ok(Ok(valid)),
        Err(AuthorizeError::Page(message)) => Ok(Err(Step::Page(message))),
        Err(AuthorizeError::Redirect {
            redirect_uri,
            error,
            state: s,
        }) => back_with_error(state, realm, &redirect_uri, &error, s.as_deref()).map(Err),
        Err(AuthorizeError::Internal(e)) => Err(e),
        Err(_) => Err(Error::internal("unexpected authorization error")),
    }
}

fn client_name(valid: &ValidRequest) -> String {
    valid
        .client
        .display_name
        .clone()
        .unwrap_or_else(|| valid.client.name.clone())
}

/// One step of the flow, on the blocking pool.
fn step(
    state: &AppState,
    realm_name: &Option<String>,
    request: &AuthorizationRequest,
    session_cookie: Option<&str>,
    event: Event,
    now: i64,
) -> Result<Step, Error> {
    let Some(realm) = find_realm(state, realm_name)? else {
        return Ok(Step::Page("This realm does not exist.".to_owned()));
    };
    let valid = match validated(state, &realm, request)? {
        Ok(valid) => valid,
        Err(step) => return Ok(step),
    };
    let store = state.store.as_ref();
    let (session, just_logged_in) = match event {
        Event::LoggedIn(ref session) => (Some(session.clone()), true),
        _ => match session_cookie {
            Some(value) => (store.find_session(&TokenHash::of(value))?, false),
            None => (None, false),
        },
    };
    let session_ok = session_usable(&valid, &realm, session.as_ref(), just_logged_in, now);
    let login_step = || Step::Login {
        client: client_name(&valid),
        error: None,
        username: valid.login_hint.clone().unwrap_or_default(),
        retry_after: None,
    };
    let session = match session.filter(|_| session_ok) {
        Some(session) => session,
        None if valid.prompt.none => {
            let error = OAuthError::new(
                oauth_core::ErrorCode::LoginRequired,
                "the user is not signed in",
            );
            return back_with_error(
                state,
                &realm,
                &valid.redirect_uri,
                &error,
                valid.state.as_deref(),
            );
        }
        None => return Ok(login_step()),
    };
    let mut just_consented = false;
    if let Event::Consented(allow) = event {
        if !allow {
            state.audit.record(
                AuditEvent::new("authorization", Some(realm.id), false, now)
                    .actor("user", session.user_id.to_string())
                    .target("client", valid.client.id.to_string())
                    .detail("denied on the consent page"),
            );
            let error = OAuthError::new(
                oauth_core::ErrorCode::AccessDenied,
                "the user denied access",
            );
            return back_with_error(
                state,
                &realm,
                &valid.redirect_uri,
                &error,
                valid.state.as_deref(),
            );
        }
        let previous = store.find_consent(session.user_id, valid.client.id)?;
        let mut scope: Vec<String> = valid.scope.iter().map(str::to_owned).collect();
        if let Some(previous) = previous.and_then(|c| Scope::parse(&c.scope).ok()) {
            scope.extend(previous.iter().map(str::to_owned));
        }
        let consent = Consent {
            id: oauth_core::random::random_uuid(&mut OsEntropy),
            realm_id: realm.id,
            user_id: session.user_id,
            client_id: valid.client.id,
            scope: scope.into_iter().collect::<Scope>().to_string(),
            created_at: now,
        };
        store.save_consent(&consent)?;
        just_consented = true;
    }
    let consent = store.find_consent(session.user_id, valid.client.id)?;
    match decide(&valid, true, consent.as_ref(), just_consented) {
        Ok(Next::Login) => Ok(login_step()),
        Ok(Next::Consent) => {
            let described = store.list_scopes(realm.id)?;
            let scopes = valid
                .scope
                .iter()
                .map(|name| {
                    let description = described
                        .iter()
                        .find(|s| s.name == name)
                        .and_then(|s| s.description.clone())
                        .unwrap_or_default();
                    (name.to_owned(), description)
                })
                .collect();
            let user = store
                .find_user(session.user_id)?
                .map(|u| u.display_name.unwrap_or(u.name))
                .unwrap_or_default();
            Ok(Step::Consent {
                client: client_name(&valid),
                user,
                scopes,
            })
        }
        Ok(Next::IssueCode) => {
            state.audit.record(
                AuditEvent::new("authorization", Some(realm.id), true, now)
                    .actor("user", session.user_id.to_string())
                    .target("client", valid.client.id.to_string())
                    .detail(valid.scope.to_string()),
            );
            let code = issue_code(
                store,
                &state.settings,
                &realm,
                &valid,
                &session,
                now,
                &mut OsEntropy,
            )?;
            let issuer = state.settings.issuer(&realm);
            let mut pairs = vec![("code", code.as_str())];
            if let Some(s) = valid.state.as_deref() {
                pairs.push(("state", s));
            }
            pairs.push(("iss", &issuer));
            Ok(Step::Redirect(redirect_with(&valid.redirect_uri, &pairs)?))
        }
        Err(error) => {
            if error.code == oauth_core::ErrorCode::AccessDenied {
                state.audit.record(
                    AuditEvent::new("authorization", Some(realm.id), false, now)
                        .actor("user", session.user_id.to_string())
                        .target("client", valid.client.id.to_string())
                        .detail("denied"),
                );
            }
            back_with_error(
                state,
                &realm,
                &valid.redirect_uri,
                &error,
                valid.state.as_deref(),
            )
        }
    }
}

/// Renders a step; `method_post` picks 303 over 302 for redirects.
fn respond(
    req: &HttpRequest,
    state: &AppState,
    realm: &Option<String>,
    request: &AuthorizationRequest,
    step: Step,
    set_session: Option<String>,
    method_post: bool,
) -> HttpResponse {
    let label = realm_label(realm);
    let secure = state.https;
    let mut response = match step {
        Step::Page(message) => pages::error(&label, &message),
        Step::Redirect(location) => {
            let status = if method_post {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FOUND
            };
            pages::redirect(status, &location)
        }
        Step::Login {
            client,
            error,
            username,
            retry_after,
        } => {
            let status = match (&error, retry_after) {
                (_, Some(_)) => StatusCode::TOO_MANY_REQUESTS,
                (Some(_), None) => StatusCode::UNAUTHORIZED,
                (None, None) => StatusCode::OK,
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
        Step::Consent {
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
    if let Some(value) = set_session {
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
            return pages::error(
                &realm_label(&realm),
                &format!("The request is malformed: {e}."),
            );
        }
    };
    let request = AuthorizationRequest::from_params(&params);
    let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let shared: Arc<AppState> = state.into_inner();
    let (s, r, q) = (shared.clone(), realm.clone(), request.clone());
    let now = now();
    match run_blocking(move || step(&s, &r, &q, cookie.as_deref(), Event::Start, now)).await {
        Ok(step) => respond(&req, &shared, &realm, &request, step, None, false),
        Err(e) => failed(&realm, e),
    }
}

/// Decodes a posted form: its own fields, and the authorization request it carries.
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

async fn login(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    realm: Option<String>,
) -> HttpResponse {
    let label = realm_label(&realm);
    let form = match posted_form(&req, payload, state.body_limit).await {
        Ok(form) => form,
        Err(e) => return pages::error(&label, &format!("The form is malformed: {e}.")),
    };
    if !pages::csrf_ok(&req, form.get("csrf_token")) {
        return pages::error(
            &label,
            "The form expired or was sent from another site. Go back, reload the page and sign in again.",
        );
    }
    let request = AuthorizationRequest::from_params(&form);
    let username = form.get("username").unwrap_or_default().to_owned();
    let password = form.get("password").unwrap_or_default();
    if password.len() > oauth_core::password::MAX_PASSWORD_BYTES
        || username.len() > oauth_core::request::MAX_USERNAME_BYTES
    {
        return pages::error(
            &label,
            "The username or password is longer than this server accepts.",
        );
    }
    let password = Password::new(password);
    let permit = match state.hashing.clone().acquire_owned().await {
        Ok(permit) => permit,
        Err(_) => return failed(&realm, ApiError::Unavailable),
    };
    let shared: Arc<AppState> = state.into_inner();
    let (s, r, q, name) = (
        shared.clone(),
        realm.clone(),
        request.clone(),
        username.clone(),
    );
    let ip = shared.limits.client_ip(&req).map(|ip| ip.to_string());
    let now = now();
    let outcome = run_blocking(move || {
        let Some(found) = find_realm(&s, &r)? else {
            return Ok((Step::Page("This realm does not exist.".to_owned()), None));
        };
        let valid = match validated(&s, &found, &q)? {
            Ok(valid) => valid,
            Err(step) => return Ok((step, None)),
        };
        let release: Box<dyn FnOnce() + Send> = Box::new(move || drop(permit));
        match authenticate_user(
            s.store.as_ref(),
            &s.settings,
            &found,
            &name,
            &password,
            ip.as_deref(),
            now,
            &mut OsEntropy,
            Some(release),
        ) {
            Ok(user) => {
                s.audit.record(
                    AuditEvent::new("login", Some(found.id), true, now)
                        .actor("user", user.id.to_string())
                        .ip(ip.clone())
                        .detail("login page"),
                );
                let (value, session) = new_session(
                    &found,
                    user.id,
                    s.settings.session_lifetime,
                    now,
                    &mut OsEntropy,
                );
                s.store.create_session(&session)?;
                let next = step(&s, &r, &q, None, Event::LoggedIn(session), now)?;
                Ok((next, Some(value)))
            }
            Err(Error::OAuth(_)) => {
                tracing::info!(realm = %found.name, "failed login on the login page");
                crate::metrics::METRICS.failed_login();
                s.audit.record(
                    AuditEvent::new("login", Some(found.id), false, now)
                        .actor("user", name.clone())
                        .ip(ip.clone())
                        .detail("login page"),
                );
                let step = Step::Login {
                    client: client_name(&valid),
                    error: Some("Wrong username or password.".to_owned()),
                    username: name,
                    retry_after: None,
                };
                Ok((step, None))
            }
            Err(Error::Throttled { retry_after }) => {
                tracing::warn!(realm = %found.name, retry_after, "login throttled on the login page");
                s.audit.record(
                    AuditEvent::new("login", Some(found.id), false, now)
                        .actor("user", name.clone())
                        .ip(ip.clone())
                        .detail("throttled"),
                );
                let step = Step::Login {
                    client: client_name(&valid),
                    error: Some(format!(
                        "Too many failed attempts. Wait {retry_after} seconds, then try again."
                    )),
                    username: name,
                    retry_after: Some(retry_after),
                };
                Ok((step, None))
            }
            Err(other) => Err(other),
        }
    })
    .await;
    match outcome {
        Ok((step, session)) => respond(&req, &shared, &realm, &request, step, session, true),
        Err(e) => failed(&realm, e),
    }
}

async fn consent(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    realm: Option<String>,
) -> HttpResponse {
    let label = realm_label(&realm);
    let form = match posted_form(&req, payload, state.body_limit).await {
        Ok(form) => form,
        Err(e) => return pages::error(&label, &format!("The form is malformed: {e}.")),
    };
    if !pages::csrf_ok(&req, form.get("csrf_token")) {
        return pages::error(
            &label,
            "The form expired or was sent from another site. Go back, reload the page and try again.",
        );
    }
    let allow = match form.get("decision") {
        Some("allow") => true,
        Some("deny") => false,
        _ => return pages::error(&label, "The form carries no decision."),
    };
    let request = AuthorizationRequest::from_params(&form);
    let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
    let shared: Arc<AppState> = state.into_inner();
    let (s, r, q) = (shared.clone(), realm.clone(), request.clone());
    let now = now();
    match run_blocking(move || step(&s, &r, &q, cookie.as_deref(), Event::Consented(allow), now))
        .await
    {
        Ok(step) => respond(&req, &shared, &realm, &request, step, None, true),
        Err(e) => failed(&realm, e),
    }
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
