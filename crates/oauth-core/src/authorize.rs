//! The authorization endpoint's decisions (RFC 6749 §4.1.1–4.1.2, RFC 7636, RFC 8252, RFC 9207,
//! OpenID Connect Core §3.1.2).
//!
//! [`validate`] checks a request in the order the RFCs require: first the client and its redirect
//! URI (a failure there is shown to the person and never redirected, RFC 6749 §4.1.2.1), then
//! everything else (a failure there goes back to the client's redirect URI). [`decide`] says
//! whether the person must sign in, must consent, or can be sent back with a code;
//! [`issue_code`] mints the code. The server renders pages and sets cookies; nothing here does I/O
//! beyond the store.

use uuid::Uuid;

use crate::client_auth::find_client;
use crate::error::{Error, ErrorCode, OAuthError};
use crate::grant::{Settings, resolve_scope};
use crate::hash::TokenHash;
use crate::model::{AuthorizationCode, Client, Consent, Realm, Session, UnixTime};
use crate::pkce::{self, CodeChallengeMethod};
use crate::random::{Entropy, random_token, random_uuid};
use crate::redirect;
use crate::request::Params;
use crate::scope::Scope;
use crate::store::Store;

/// The parameters of an authorization request, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// `client_id`.
    pub client_id: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
    /// `response_type`.
    pub response_type: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `state`, returned unchanged.
    pub state: Option<String>,
    /// `nonce` (OpenID Connect), bound to the code.
    pub nonce: Option<String>,
    /// `code_challenge` (RFC 7636).
    pub code_challenge: Option<String>,
    /// `code_challenge_method`.
    pub code_challenge_method: Option<String>,
    /// `prompt`: `none`, `login`, `consent`.
    pub prompt: Option<String>,
    /// `max_age`, seconds.
    pub max_age: Option<String>,
    /// `login_hint`: prefills the username.
    pub login_hint: Option<String>,
}

/// The parameter names of an authorization request, for carrying it through forms.
pub const PARAMETERS: [&str; 11] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "login_hint",
];

impl AuthorizationRequest {
    /// Reads the request from decoded, duplicate-free parameters.
    pub fn from_params(params: &Params) -> Self {
        let get = |name: &str| params.get(name).map(str::to_owned);
        Self {
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            response_type: get("response_type"),
            scope: get("scope"),
            state: get("state"),
            nonce: get("nonce"),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
            prompt: get("prompt"),
            max_age: get("max_age"),
            login_hint: get("login_hint"),
        }
    }

    /// The parameters as name/value pairs (present ones only), in [`PARAMETERS`] order.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        let values = [
            &self.client_id,
            &self.redirect_uri,
            &self.response_type,
            &self.scope,
            &self.state,
            &self.nonce,
            &self.code_challenge,
            &self.code_challenge_method,
            &self.prompt,
            &self.max_age,
            &self.login_hint,
        ];
        PARAMETERS
            .iter()
            .zip(values)
            .filter_map(|(name, value)| value.as_deref().map(|v| (*name, v)))
            .collect()
    }
}

/// What `prompt` asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    /// `none`: never show a page.
    pub none: bool,
    /// `login`: sign in again even with a session.
    pub login: bool,
    /// `consent`: ask for consent even if it was given.
    pub consent: bool,
}

/// A request that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    /// The client.
    pub client: Client,
    /// The redirect URI to answer to (as requested, or the only registered one).
    pub redirect_uri: String,
    /// Granted scope.
    pub scope: Scope,
    /// `state`.
    pub state: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// PKCE challenge and method.
    pub challenge: Option<(String, CodeChallengeMethod)>,
    /// `prompt`.
    pub prompt: Prompt,
    /// `max_age`.
    pub max_age: Option<i64>,
    /// `login_hint`.
    pub login_hint: Option<String>,
}

/// Why a request was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthorizeError {
    /// The client or redirect URI cannot be trusted: show this to the person, never redirect.
    Page(String),
    /// Send the error back to the client's (verified) redirect URI.
    Redirect {
        /// Where to send it.
        redirect_uri: String,
        /// The error.
        error: OAuthError,
        /// The request's `state`.
        state: Option<String>,
    },
    /// A store or internal failure.
    Internal(Error),
}

impl From<Error> for AuthorizeError {
    fn from(err: Error) -> Self {
        Self::Internal(err)
    }
}

/// Validates an authorization request for `realm`.
pub fn validate(
    store: &dyn Store,
    settings: &Settings,
    realm: &Realm,
    request: &AuthorizationRequest,
) -> Result<ValidRequest, AuthorizeError> {
    let page = |why: &str| AuthorizeError::Page(why.to_owned());
    let client_id = request
        .client_id
        .as_deref()
        .ok_or_else(|| page("The request names no application (client_id is missing)."))?;
    let client = find_client(store, realm, client_id)?
        .filter(|c| c.active)
        .ok_or_else(|| page("The application that sent you here is not registered here."))?;
    let redirect_uri = match request.redirect_uri.as_deref() {
        Some(requested) => redirect::find_match(client.redirect_uri.as_deref(), requested)
            .map(|_| requested.to_owned())
            .ok_or_else(|| {
                page("The application asked to return you to an address it has not registered.")
            })?,
        None => {
            let mut registered = redirect::registered(client.redirect_uri.as_deref());
            match (registered.next(), registered.next()) {
                (Some(only), None) => only.to_owned(),
                _ => {
                    return Err(page(
                        "The request does not say where to return you (redirect_uri is missing).",
                    ));
                }
            }
        }
    };
    let state = request.state.clone();
    let fail = |code: ErrorCode, why: &str| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        error: OAuthError::new(code, why.to_owned()),
        state: state.clone(),
    };
    match request.response_type.as_deref() {
        Some("code") => {}
        None => return Err(fail(ErrorCode::InvalidRequest, "response_type is missing")),
        Some(_) => {
            return Err(fail(
                ErrorCode::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
    }
    if !client.allows_grant_type("authorization_code") {
        return Err(fail(
            ErrorCode::UnauthorizedClient,
            "the client may not use the authorization code flow",
        ));
    }
    let requested = request
        .scope
        .as_deref()
        .map(Scope::parse)
        .transpose()
        .map_err(|e| fail(e.code, &e.description))?;
    let scope = match resolve_scope(store, realm, Some(&client), requested) {
        Ok(scope) => scope,
        Err(Error::OAuth(e)) => return Err(fail(e.code, &e.description)),
        Err(other) => return Err(other.into()),
    };
    let challenge = match (&request.code_challenge, &request.code_challenge_method) {
        (Some(challenge), method) => {
            pkce::check_challenge(challenge).map_err(|e| fail(e.code, &e.description))?;
            let method = CodeChallengeMethod::parse(
                method.as_deref().unwrap_or("plain"),
                settings.allow_plain_pkce,
            )
            .map_err(|e| fail(e.code, &e.description))?;
            Some((challenge.clone(), method))
        }
        (None, Some(_)) => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "code_challenge_method without code_challenge",
            ));
        }
        (None, None) if !client.is_confidential() => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            ));
        }
        (None, None) => None,
    };
    let mut prompt = Prompt::default();
    for value in request
        .prompt
        .as_deref()
        .unwrap_or_default()
        .split(' ')
        .filter(|v| !v.is_empty())
    {
        match value {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => {}
            _ => {
                return Err(fail(
                    ErrorCode::InvalidRequest,
                    "prompt holds an unknown value",
                ));
            }
        }
    }
    if prompt.none && (prompt.login || prompt.consent) {
        return Err(fail(
            ErrorCode::InvalidRequest,
            "prompt=none cannot be combined with other values",
        ));
    }
    let max_age = match request.max_age.as_deref() {
        None => None,
        Some(text) => match text.parse::<i64>() {
            Ok(seconds) if seconds >= 0 => Some(seconds),
            _ => {
                return Err(fail(
                    ErrorCode::InvalidRequest,
                    "max_age must be a non-negative integer",
                ));
            }
        },
    };
    Ok(ValidRequest {
        client,
        redirect_uri,
        scope,
        state: request.state.clone(),
        nonce: request.nonce.clone(),
        challenge,
        prompt,
        max_age,
        login_hint: request.login_hint.clone(),
    })
}

/// What happens next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Show the login page.
    Login,
    /// Show the consent page.
    Consent,
    /// Redirect with a code.
    IssueCode,
}

/// Whether a session can be used for this request: live, of this realm, recent enough for
/// `max_age`, and not overridden by `prompt=login` (unless the login just happened).
pub fn session_usable(
    request: &ValidRequest,
    realm: &Realm,
    session: Option<&Session>,
    just_logged_in: bool,
    now: UnixTime,
) -> bool {
    let Some(session) = session else {
        return false;
    };
    let live =
        session.revoked_at.is_none() && session.expires_at > now && session.realm_id == realm.id;
    let fresh = request
        .max_age
        .is_none_or(|max| now - session.auth_time <= max);
    live && fresh && (just_logged_in || !request.prompt.login)
}

/// Decides the next step; with `prompt=none` a needed page becomes `login_required` or
/// `consent_required`.
pub fn decide(
    request: &ValidRequest,
    session_ok: bool,
    consent: Option<&Consent>,
    just_consented: bool,
) -> Result<Next, OAuthError> {
    if !session_ok {
        return if request.prompt.none {
            Err(OAuthError::new(
                ErrorCode::LoginRequired,
                "the user is not signed in",
            ))
        } else {
            Ok(Next::Login)
        };
    }
    let consented = just_consented
        || request.client.first_party
        || (!request.prompt.consent
            && consent
                .and_then(|c| Scope::parse(&c.scope).ok())
                .is_some_and(|given| request.scope.is_subset(&given)));
    if consented {
        Ok(Next::IssueCode)
    } else if request.prompt.none {
        Err(OAuthError::new(
            ErrorCode::ConsentRequired,
            "the user has not consented to this client",
        ))
    } else {
        Ok(Next::Consent)
    }
}

/// Mints and stores an authorization code for `session`; answers its value.
pub fn issue_code(
    store: &dyn Store,
    settings: &Settings,
    realm: &Realm,
    request: &ValidRequest,
    session: &Session,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> Result<String, Error> {
    let value = random_token(rng);
    let code = AuthorizationCode {
        id: random_uuid(rng),
        code_hash: TokenHash::of(&value),
        realm_id: realm.id,
        client_id: request.client.id,
        user_id: session.user_id,
        session_id: Some(session.id),
        redirect_uri: request.redirect_uri.clone(),
        scope: request.scope.to_string(),
        code_challenge: request.challenge.as_ref().map(|(c, _)| c.clone()),
        code_challenge_method: request
            .challenge
            .as_ref()
            .map(|(_, m)| m.as_str().to_owned()),
        nonce: request.nonce.clone(),
        auth_time: session.auth_time,
        family_id: random_uuid(rng),
        created_at: now,
        expires_at: now + settings.authorization_code_lifetime,
        consumed_at: None,
    };
    store.create_authorization_code(&code)?;
    Ok(value)
}

/// `redirect_uri` with `pairs` added to its query (RFC 6749 §4.1.2: existing query kept).
pub fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Result<String, Error> {
    let mut url = url::Url::parse(redirect_uri)
        .map_err(|e| Error::internal(format!("registered redirect URI does not parse: {e}")))?;
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
    }
    Ok(url.to_string())
}

/// A new login session for `user_id`; answers the cookie value and the record (not yet stored).
pub fn new_session(
    realm: &Realm,
    user_id: Uuid,
    lifetime: i64,
    now: UnixTime,
    rng: &mut dyn Entropy,
) -> (String, Session) {
    let value = random_token(rng);
    let session = Session {
        id: random_uuid(rng),
        token_hash: TokenHash::of(&value),
        realm_id: realm.id,
        user_id,
        auth_time: now,
        created_at: now,
        expires_at: now + lifetime,
        revoked_at: None,
    };
    (value, session)
}

mod flow;
pub use flow::{Advanced, Happened, Input, LoginProblem, Outcome, advance};

#[cfg(test)]
mod tests;
