//! Server-rendered HTML pages (login, consent, error) and what every page is sent with.
//!
//! Templates are minijinja files under `templates/`, compiled into the binary and auto-escaped.
//! Pages work without JavaScript. Every page carries a strict Content-Security-Policy (no scripts
//! at all), `X-Frame-Options: DENY` and `frame-ancestors 'none'` against clickjacking,
//! `Referrer-Policy: no-referrer`, and `Cache-Control: no-store`.
//!
//! Forms are protected from cross-site submission by a double-submit token: a random value in an
//! `HttpOnly`, `SameSite=Strict` cookie that must equal the form's hidden `csrf_token`.

use std::sync::LazyLock;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use minijinja::Environment;
use oauth_core::hash::constant_time_eq;

use crate::state::fill_random;

/// The cookie holding the login session.
pub const SESSION_COOKIE: &str = "portcullis_session";
/// The cookie holding the CSRF token.
pub const CSRF_COOKIE: &str = "portcullis_csrf";

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                   frame-ancestors 'none'; base-uri 'none'";

static TEMPLATES: LazyLock<Result<Environment<'static>, minijinja::Error>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.add_template("layout.html", include_str!("../templates/layout.html"))?;
    env.add_template("login.html", include_str!("../templates/login.html"))?;
    env.add_template("consent.html", include_str!("../templates/consent.html"))?;
    env.add_template("error.html", include_str!("../templates/error.html"))?;
    env.add_template("logout.html", include_str!("../templates/logout.html"))?;
    env.add_template("docs.html", include_str!("../templates/docs.html"))?;
    env.add_template(
        "logged_out.html",
        include_str!("../templates/logged_out.html"),
    )?;
    Ok(env)
});

/// A response builder with the security headers of every page.
pub fn page(status: StatusCode) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .insert_header((
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    builder
}

/// Renders a template, or a plain error page if rendering fails (already logged).
pub fn render(
    mut builder: HttpResponseBuilder,
    name: &str,
    context: minijinja::Value,
) -> HttpResponse {
    let html = TEMPLATES
        .as_ref()
        .map_err(|e| e.to_string())
        .and_then(|env| {
            env.get_template(name)
                .and_then(|t| t.render(context))
                .map_err(|e| e.to_string())
        });
    match html {
        Ok(html) => builder.content_type("text/html; charset=utf-8").body(html),
        Err(e) => {
            tracing::error!(template = name, error = %e, "page rendering failed");
            page(StatusCode::INTERNAL_SERVER_ERROR)
                .content_type("text/plain; charset=utf-8")
                .body("The page could not be shown.")
        }
    }
}

/// The error page: the request cannot be trusted, so nothing is redirected.
pub fn error(realm: &str, message: &str) -> HttpResponse {
    render(
        page(StatusCode::BAD_REQUEST),
        "error.html",
        minijinja::context! { realm, message },
    )
}

/// A redirect that leaves the server (to the client's redirect URI).
pub fn redirect(status: StatusCode, location: &str) -> HttpResponse {
    page(status)
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}

/// 32 random bytes, base64url: CSRF tokens.
pub fn random_value() -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A cookie with the attributes Portcullis uses: `HttpOnly`, path `/`, `Secure` on https.
pub fn cookie(
    name: &'static str,
    value: String,
    same_site: SameSite,
    secure: bool,
    max_age: Option<i64>,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(secure)
        .finish();
    if let Some(seconds) = max_age {
        cookie.set_max_age(actix_web::cookie::time::Duration::seconds(seconds));
    }
    cookie
}

/// The request's CSRF token, or a new one (which the response must set).
pub fn csrf_token(req: &HttpRequest) -> (String, bool) {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if c.value().len() == 43 => (c.value().to_owned(), false),
        _ => (random_value(), true),
    }
}

/// A page that carries a form: the builder (setting the CSRF cookie when the browser has none)
/// and the token to put in the form's `csrf_token` field.
pub fn form_page(
    req: &HttpRequest,
    status: StatusCode,
    secure: bool,
) -> (HttpResponseBuilder, String) {
    let (csrf, fresh) = csrf_token(req);
    let mut builder = page(status);
    if fresh {
        builder.cookie(cookie(
            CSRF_COOKIE,
            csrf.clone(),
            SameSite::Strict,
            secure,
            None,
        ));
    }
    (builder, csrf)
}

/// Whether a submitted form's `csrf_token` equals the CSRF cookie.
pub fn csrf_ok(req: &HttpRequest, submitted: Option<&str>) -> bool {
    match (req.cookie(CSRF_COOKIE), submitted) {
        (Some(cookie), Some(form)) => {
            !form.is_empty() && constant_time_eq(cookie.value().as_bytes(), form.as_bytes())
        }
        _ => false,
    }
}
