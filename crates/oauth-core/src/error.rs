//! Errors of the protocol core.
//!
//! Policy: every failure a client can cause is an [`OAuthError`] carrying an RFC 6749 §5.2 code
//! ([`ErrorCode`]) and a description safe to show the client (it never holds a secret or a
//! backend message). Failures the client cannot cause (the database is down, a stored key does not
//! parse) are [`Error::Store`] or [`Error::Internal`]; the server logs them and answers a generic
//! `server_error`. Store crates map their backend errors into [`StoreError`], so no diesel type
//! ever reaches the core.

use std::borrow::Cow;
use std::fmt;

/// The error codes of RFC 6749 §5.2 and §4.1.2.1, as sent in the `error` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is missing a parameter, repeats one, or is otherwise malformed.
    InvalidRequest,
    /// Client authentication failed (unknown client, wrong secret, no authentication given).
    InvalidClient,
    /// The grant (password, refresh token, code) is invalid, expired, revoked or mismatched.
    InvalidGrant,
    /// The client may not use this grant type.
    UnauthorizedClient,
    /// The grant type is not supported by the server.
    UnsupportedGrantType,
    /// The requested scope is invalid, unknown or exceeds what was granted.
    InvalidScope,
    /// The resource owner or the server denied the request.
    AccessDenied,
    /// The server met an unexpected condition.
    ServerError,
    /// The server is overloaded or the caller is throttled.
    TemporarilyUnavailable,
    /// The authorization server does not support this `response_type`.
    UnsupportedResponseType,
    /// `prompt=none`, but the user must sign in (OpenID Connect Core §3.1.2.6).
    LoginRequired,
    /// `prompt=none`, but the user must consent.
    ConsentRequired,
}

impl ErrorCode {
    /// The code as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a request was refused, when the server acts on it beyond the answer (audit, metrics):
/// matched as a type, never as the description's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// An unknown username or a wrong password: a failed login.
    BadCredentials,
    /// A consumed refresh token was presented again: its family is revoked (RFC 9700 §4.14.2).
    RefreshReuse,
}

/// An error the client caused, with a description that is safe to send back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// The RFC 6749 error code.
    pub code: ErrorCode,
    /// A human-readable explanation; never contains a secret.
    pub description: Cow<'static, str>,
    /// Why, for the server's own bookkeeping (not sent).
    pub reason: Option<Reason>,
}

impl OAuthError {
    /// Builds an error from a code and a description.
    pub fn new(code: ErrorCode, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            description: description.into(),
            reason: None,
        }
    }

    /// The same error, tagged with why it happened.
    pub fn because(mut self, reason: Reason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// `invalid_request` with a description.
    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    /// `invalid_client` with a description.
    pub fn invalid_client(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidClient, description)
    }

    /// `invalid_grant` with a description.
    pub fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    /// `invalid_scope` with a description.
    pub fn invalid_scope(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorCode::InvalidScope, description)
    }
}

/// What a store reports. Backends map their own errors into these variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record addressed does not exist.
    #[error("record not found")]
    NotFound,
    /// A uniqueness constraint was violated (the text names the record, never a secret).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Any other backend failure: connection, pool, query or data corruption.
    #[error("store backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps any backend error.
    pub fn backend(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Backend(err.into())
    }
}

/// Everything a core operation can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client's request was refused; send it back as an RFC 6749 error.
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// The store failed; the client sees only `server_error`.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Too many failed password attempts: the caller must wait (`429` with `Retry-After`).
    #[error("too many failed attempts; retry after {retry_after} s")]
    Throttled {
        /// Seconds to wait.
        retry_after: i64,
    },
    /// A stored record or key could not be used (corrupt key, bad hash string, ...).
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An internal error with a message for the log (never sent to the client).
    pub fn internal(message: impl fmt::Display) -> Self {
        Self::Internal(message.to_string())
    }
}

impl From<josekit::JoseError> for Error {
    fn from(err: josekit::JoseError) -> Self {
        Self::Internal(format!("jose: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_rfc_strings() {
        let table = [
            (ErrorCode::InvalidRequest, "invalid_request"),
            (ErrorCode::InvalidClient, "invalid_client"),
            (ErrorCode::InvalidGrant, "invalid_grant"),
            (ErrorCode::UnauthorizedClient, "unauthorized_client"),
            (ErrorCode::UnsupportedGrantType, "unsupported_grant_type"),
            (ErrorCode::InvalidScope, "invalid_scope"),
            (ErrorCode::ServerError, "server_error"),
        ];
        for (code, text) in table {
            assert_eq!(code.as_str(), text);
            assert_eq!(code.to_string(), text);
        }
    }
}
