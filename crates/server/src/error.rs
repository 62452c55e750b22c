//! HTTP rendering of errors. The only `ResponseError` implementation in the workspace.
//!
//! Protocol errors become RFC 6749 §5.2 bodies `{"error","error_description"}` with the status the
//! RFC asks for (`401` + `WWW-Authenticate` for `invalid_client`, `400` otherwise). Every JSON
//! error body of the server is an [`ErrorBody`]: beside the RFC members it carries Authup's
//! `statusCode`, `code` (the same code as `error`) and `message` (the description), which
//! Authup's clients display, always as `application/json`. Failures the
//! client did not cause are logged here, with their cause, and answered with a generic
//! `server_error`: nothing internal reaches the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use oauth_core::authority::Refusal;
use oauth_core::{Error, ErrorCode, OAuthError};
use serde::Serialize;

/// An error a handler answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A protocol error with an RFC code.
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// The request body exceeds the configured limit.
    #[error("request body larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// The request body did not arrive within `http.body_timeout` (`408`).
    #[error("request body timed out")]
    BodyTimeout,
    /// Too many failed login attempts (the brute-force throttle): `429` with `Retry-After`.
    #[error("throttled for {0} s")]
    Throttled(i64),
    /// Over a request rate limit: `429` with `Retry-After`.
    #[error("rate limited for {0} s")]
    RateLimited(u64),
    /// A resource that does not exist.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// No published signing key has this `kid` (`404`).
    #[error("no published key has kid {0}")]
    UnknownKey(String),
    /// Admin API: a record that does not exist.
    #[error("no such record: {0}")]
    NoRecord(String),
    /// Admin API: a body field is invalid (`400` naming it).
    #[error("invalid field {field}: {message}")]
    Invalid {
        /// The JSON field (camelCase), or `body`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// Admin API: no valid bearer token (`401` + `WWW-Authenticate: Bearer`).
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// Admin API: the caller lacks a permission (`403`).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The bearer token's scope lacks `global` (`403` `insufficient_scope`, RFC 6750 §3.1).
    #[error("insufficient scope")]
    InsufficientScope,
    /// Admin API: a record with that unique name exists (`409`).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A CORS preflight from an origin that may not read this endpoint's answers (`403`).
    #[error("origin not allowed: {0}")]
    OriginNotAllowed(String),
    /// A method the resource does not serve (`405`).
    #[error("method not allowed")]
    MethodNotAllowed(&'static str),
    /// The server failed; already logged.
    #[error("internal error")]
    Internal,
    /// A dependency (the database, the blocking pool) is unavailable; already logged.
    #[error("service unavailable")]
    Unavailable,
}

impl ApiError {
    /// A `400` naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An admin-API error from a core error: conflicts are `409`, dangling references `404`,
    /// protocol errors (validation in the core) `400`.
    pub fn admin(err: Error) -> Self {
        match err {
            Error::Store(oauth_core::StoreError::Conflict(what)) => {
                Self::Conflict(format!("a record with that unique name exists ({what})"))
            }
            Error::Store(oauth_core::StoreError::NotFound) => {
                Self::NoRecord("a referenced record does not exist".to_owned())
            }
            Error::OAuth(e) => Self::invalid("body", e.description.into_owned()),
            other => Self::from(other),
        }
    }
}

impl ApiError {
    /// [`admin`](Self::admin) for a store error.
    pub fn admin_store(err: oauth_core::StoreError) -> Self {
        Self::admin(Error::Store(err))
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::InsufficientScope => Self::InsufficientScope,
            Refusal::CurrentPasswordRequired | Refusal::CurrentPasswordWrong => {
                Self::invalid("currentPassword", refusal.to_string())
            }
            other => Self::Forbidden(other.to_string()),
        }
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::OAuth(e) => Self::OAuth(e),
            Error::Throttled { retry_after } => Self::Throttled(retry_after),
            Error::Store(e) => {
                tracing::error!(error = %e, "store failure");
                Self::Unavailable
            }
            other => {
                tracing::error!(error = %other, "internal failure");
                Self::Internal
            }
        }
    }
}

/// The one JSON error body: RFC 6749 §5.2's `error` and `error_description`, and Authup's
/// `statusCode`, `code` and `message` beside them; `field` names the offending input of a `400`.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
    #[serde(rename = "statusCode")]
    status_code: u16,
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl<'a> ErrorBody<'a> {
    /// The body of an error answered with `status`: `error` (an RFC code where one applies) and
    /// what went wrong.
    pub fn new(status: StatusCode, error: &'a str, description: &'a str) -> Self {
        Self {
            error,
            error_description: description,
            status_code: status.as_u16(),
            code: error,
            message: description,
            field: None,
        }
    }

    /// Names the offending body field or parameter.
    pub fn field(mut self, field: Option<&'a str>) -> Self {
        self.field = field;
        self
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::OAuth(e) => match e.code {
                ErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
                ErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::AccessDenied => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            },
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Throttled(_) | Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound(_) | Self::NoRecord(_) | Self::UnknownKey(_) => StatusCode::NOT_FOUND,
            Self::Invalid { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::InsufficientScope | Self::OriginNotAllowed(_) => {
                StatusCode::FORBIDDEN
            }
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let too_large;
        let throttled;
        let origin;
        let unknown_key;
        let (code, description) = match self {
            Self::OAuth(e) => (e.code.as_str(), e.description.as_ref()),
            Self::PayloadTooLarge(limit) => {
                too_large = format!("the request body exceeds {limit} bytes");
                ("invalid_request", too_large.as_str())
            }
            Self::Throttled(seconds) => {
                throttled = format!("too many failed attempts; retry after {seconds} seconds");
                ("temporarily_unavailable", throttled.as_str())
            }
            Self::RateLimited(_) => ("temporarily_unavailable", "rate limit exceeded"),
            Self::BodyTimeout => (
                "invalid_request",
                "the request body was not received in time",
            ),
            Self::NotFound(what) => ("not_found", *what),
            Self::NoRecord(what) => ("not_found", what.as_str()),
            Self::UnknownKey(kid) => {
                unknown_key = format!("no published signing key has kid {kid:?}");
                ("not_found", unknown_key.as_str())
            }
            Self::Invalid { message, .. } => ("invalid_request", message.as_str()),
            Self::Unauthorized(why) => ("invalid_token", *why),
            Self::Forbidden(why) => ("insufficient_permission", why.as_str()),
            Self::InsufficientScope => (
                "insufficient_scope",
                "the token's scope does not include global, which the admin API requires",
            ),
            Self::Conflict(why) => ("conflict", why.as_str()),
            Self::OriginNotAllowed(what) => {
                origin =
                    format!("the origin {what} may not call this endpoint from a browser (CORS)");
                ("origin_not_allowed", origin.as_str())
            }
            Self::MethodNotAllowed(_) => (
                "invalid_request",
                "this method is not allowed on this resource",
            ),
            Self::Internal => ("server_error", "the server failed to handle the request"),
            Self::Unavailable => (
                "temporarily_unavailable",
                "the service is temporarily unavailable; try again",
            ),
        };
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
        if matches!(self, Self::OAuth(e) if e.code == ErrorCode::InvalidClient) {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"portcullis\", charset=\"UTF-8\""),
            ));
        }
        match self {
            Self::Unauthorized(why) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    crate::bearer::challenge(Some("invalid_token"), Some(why), None),
                ));
            }
            Self::InsufficientScope => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    crate::bearer::challenge(
                        Some("insufficient_scope"),
                        None,
                        Some(oauth_core::authority::ADMIN_SCOPE),
                    ),
                ));
            }
            Self::MethodNotAllowed(allow) => {
                response.insert_header((header::ALLOW, *allow));
            }
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
            }
            Self::Throttled(seconds) => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            Self::RateLimited(seconds) => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            _ => {}
        }
        let field = match self {
            Self::Invalid { field, .. } => Some(field.as_str()),
            _ => None,
        };
        response.json(ErrorBody::new(self.status_code(), code, description).field(field))
    }
}
