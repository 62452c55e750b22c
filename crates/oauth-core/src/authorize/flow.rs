//! The authorization flow as one state machine: [`advance`] takes what the person just did (the
//! request itself with the browser's session, the login form, the consent form) and answers what
//! to show next, the session cookie to set, and what happened (for the audit log).
//!
//! The request travels through the forms and is validated again on every step. Sign-in, single
//! sign-on, `prompt` (`none`, `login`, `consent`), `max_age` and consent are decided here, on the
//! store alone; the server decodes, renders pages and sets cookies.

use uuid::Uuid;

use super::{
    AuthorizationRequest, AuthorizeError, Next, ValidRequest, decide, issue_code, new_session,
    redirect_with, session_usable, validate,
};
use crate::error::{Error, ErrorCode, OAuthError};
use crate::grant::{Context, authenticate_user};
use crate::hash::TokenHash;
use crate::model::{Consent, Realm, Session};
use crate::random::random_uuid;
use crate::scope::Scope;
use crate::secret::Password;

/// What the person just did.
#[derive(Debug)]
pub enum Input<'a> {
    /// Sent the authorization request, with the browser's session cookie if it has one.
    Start {
        /// The session cookie's value.
        session_cookie: Option<&'a str>,
    },
    /// Submitted the login form.
    Login {
        /// The username typed.
        username: &'a str,
        /// The password typed.
        password: &'a Password,
    },
    /// Answered the consent page, with the browser's session cookie.
    Consent {
        /// The session cookie's value.
        session_cookie: Option<&'a str>,
        /// Whether access was allowed.
        allow: bool,
    },
}

/// Why the login page is shown again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginProblem {
    /// An unknown username or a wrong password.
    WrongCredentials,
    /// Too many failed attempts: wait this many seconds.
    Throttled(i64),
}

/// What to show next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// An error page; nothing is redirected (the client or its redirect URI cannot be trusted).
    Page(String),
    /// Send the browser back to the client: with a code, or with an error.
    Redirect(String),
    /// The login page.
    Login {
        /// The client's name to show.
        client: String,
        /// The username to prefill.
        username: String,
        /// Why it is shown again, after a failed attempt.
        problem: Option<LoginProblem>,
    },
    /// The consent page.
    Consent {
        /// The client's name to show.
        client: String,
        /// The signed-in user's name to show.
        user: String,
        /// Each requested scope with its description.
        scopes: Vec<(String, String)>,
    },
}

/// What happened on the way, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Happened {
    /// A user signed in on the login page.
    LoggedIn {
        /// The user.
        user: Uuid,
    },
    /// A login on the login page failed (`throttled`: refused before the password was checked).
    LoginFailed {
        /// The username given.
        username: String,
        /// Whether the throttle refused it.
        throttled: bool,
    },
    /// A code was issued for this client and scope.
    Authorized {
        /// The user.
        user: Uuid,
        /// The client.
        client: Uuid,
        /// The granted scope.
        scope: String,
    },
    /// The user denied access (on the consent page, or the request asked for what is denied).
    Denied {
        /// The user.
        user: Uuid,
        /// The client.
        client: Uuid,
        /// Where.
        on_consent_page: bool,
    },
}

/// The step's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advanced {
    /// The realm the flow runs in, once known.
    pub realm: Option<Uuid>,
    /// What to show.
    pub outcome: Outcome,
    /// A new session cookie value to set (after a login).
    pub set_session: Option<String>,
    /// What happened.
    pub happened: Vec<Happened>,
}

/// Runs one step of the authorization flow in the realm named `realm_name`.
pub fn advance(
    ctx: &mut Context<'_>,
    realm_name: &str,
    request: &AuthorizationRequest,
    input: Input<'_>,
) -> Result<Advanced, Error> {
    let mut step = Advanced {
        realm: None,
        outcome: Outcome::Page(String::new()),
        set_session: None,
        happened: Vec::new(),
    };
    let Some(realm) = ctx.store.find_realm_by_name(realm_name)? else {
        step.outcome = Outcome::Page("This realm does not exist.".to_owned());
        return Ok(step);
    };
    step.realm = Some(realm.id);
    let valid = match validate(ctx.store, ctx.settings, &realm, request) {
        Ok(valid) => valid,
        Err(refused) => {
            step.outcome = refusal(ctx, &realm, refused)?;
            return Ok(step);
        }
    };
    let (session, just_logged_in, consented) = match input {
        Input::Start { session_cookie } => (find_session(ctx, session_cookie)?, false, None),
        Input::Consent {
            session_cookie,
            allow,
        } => (find_session(ctx, session_cookie)?, false, Some(allow)),
        Input::Login { username, password } => {
            match log_in(ctx, &realm, username, password, &mut step)? {
                Ok(session) => (Some(session), true, None),
                Err(problem) => {
                    step.outcome = login_page(&valid, username, Some(problem));
                    return Ok(step);
                }
            }
        }
    };
    step.outcome = after_sign_in(
        ctx,
        &realm,
        &valid,
        session,
        just_logged_in,
        consented,
        &mut step.happened,
    )?;
    Ok(step)
}

fn find_session(ctx: &Context<'_>, cookie: Option<&str>) -> Result<Option<Session>, Error> {
    match cookie {
        Some(value) => Ok(ctx.store.find_session(&TokenHash::of(value))?),
        None => Ok(None),
    }
}

/// Checks the login form; on success stores a new session, answers it and sets its cookie.
fn log_in(
    ctx: &mut Context<'_>,
    realm: &Realm,
    username: &str,
    password: &Password,
    step: &mut Advanced,
) -> Result<Result<Session, LoginProblem>, Error> {
    let release = ctx.after_password_hash.take();
    let outcome = authenticate_user(
        ctx.store,
        ctx.settings,
        realm,
        username,
        password,
        ctx.client_ip.as_deref(),
        ctx.now,
        ctx.rng,
        release,
    );
    match outcome {
        Ok(user) => {
            step.happened.push(Happened::LoggedIn { user: user.id });
            let (value, session) = new_session(
                realm,
                user.id,
                ctx.settings.session_lifetime,
                ctx.now,
                ctx.rng,
            );
            ctx.store.create_session(&session)?;
            step.set_session = Some(value);
            Ok(Ok(session))
        }
        Err(Error::OAuth(_)) => {
            step.happened.push(Happened::LoginFailed {
                username: username.to_owned(),
                throttled: false,
            });
            Ok(Err(LoginProblem::WrongCredentials))
        }
        Err(Error::Throttled { retry_after }) => {
            step.happened.push(Happened::LoginFailed {
                username: username.to_owned(),
                throttled: true,
            });
            Ok(Err(LoginProblem::Throttled(retry_after)))
        }
        Err(other) => Err(other),
    }
}

fn login_page(valid: &ValidRequest, username: &str, problem: Option<LoginProblem>) -> Outcome {
    Outcome::Login {
        client: client_name(valid),
        username: username.to_owned(),
        problem,
    }
}

fn client_name(valid: &ValidRequest) -> String {
    valid
        .client
        .display_name
        .clone()
        .unwrap_or_else(|| valid.client.name.clone())
}

/// A refused request: a page, or the error sent back to the client's verified redirect URI.
fn refusal(ctx: &Context<'_>, realm: &Realm, refused: AuthorizeError) -> Result<Outcome, Error> {
    match refused {
        AuthorizeError::Page(message) => Ok(Outcome::Page(message)),
        AuthorizeError::Redirect {
            redirect_uri,
            error,
            state,
        } => back_with_error(ctx, realm, &redirect_uri, &error, state.as_deref()),
        AuthorizeError::Internal(e) => Err(e),
    }
}

/// The error sent back to the client, with `state` and `iss` (RFC 9207).
fn back_with_error(
    ctx: &Context<'_>,
    realm: &Realm,
    redirect_uri: &str,
    error: &OAuthError,
    state: Option<&str>,
) -> Result<Outcome, Error> {
    let issuer = ctx.settings.issuer(realm);
    let mut pairs = vec![
        ("error", error.code.as_str()),
        ("error_description", error.description.as_ref()),
    ];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    pairs.push(("iss", &issuer));
    Ok(Outcome::Redirect(redirect_with(redirect_uri, &pairs)?))
}

/// Everything after the person is (or is not) signed in: single sign-on, consent, the code.
fn after_sign_in(
    ctx: &mut Context<'_>,
    realm: &Realm,
    valid: &ValidRequest,
    session: Option<Session>,
    just_logged_in: bool,
    consented: Option<bool>,
    happened: &mut Vec<Happened>,
) -> Result<Outcome, Error> {
    let usable = session_usable(valid, realm, session.as_ref(), just_logged_in, ctx.now);
    let session = session.filter(|_| usable);
    let back = |ctx: &Context<'_>, error: OAuthError| {
        back_with_error(
            ctx,
            realm,
            &valid.redirect_uri,
            &error,
            valid.state.as_deref(),
        )
    };
    let Some(session) = session else {
        return match decide(valid, false, None, false) {
            Ok(_) => Ok(login_page(
                valid,
                valid.login_hint.as_deref().unwrap_or_default(),
                None,
            )),
            Err(error) => back(ctx, error),
        };
    };
    let (user, client) = (session.user_id, valid.client.id);
    let just_consented = match consented {
        Some(false) => {
            happened.push(Happened::Denied {
                user,
                client,
                on_consent_page: true,
            });
            return back(
                ctx,
                OAuthError::new(ErrorCode::AccessDenied, "the user denied access"),
            );
        }
        Some(true) => {
            record_consent(ctx, realm, valid, user)?;
            true
        }
        None => false,
    };
    let consent = ctx.store.find_consent(user, client)?;
    match decide(valid, true, consent.as_ref(), just_consented) {
        Ok(Next::Login) => Ok(login_page(valid, "", None)),
        Ok(Next::Consent) => consent_page(ctx, realm, valid, user),
        Ok(Next::IssueCode) => {
            happened.push(Happened::Authorized {
                user,
                client,
                scope: valid.scope.to_string(),
            });
            let code = issue_code(
                ctx.store,
                ctx.settings,
                realm,
                valid,
                &session,
                ctx.now,
                ctx.rng,
            )?;
            let issuer = ctx.settings.issuer(realm);
            let mut pairs = vec![("code", code.as_str())];
            if let Some(s) = valid.state.as_deref() {
                pairs.push(("state", s));
            }
            pairs.push(("iss", &issuer));
            Ok(Outcome::Redirect(redirect_with(
                &valid.redirect_uri,
                &pairs,
            )?))
        }
        Err(error) => {
            if error.code == ErrorCode::AccessDenied {
                happened.push(Happened::Denied {
                    user,
                    client,
                    on_consent_page: false,
                });
            }
            back(ctx, error)
        }
    }
}

/// Stores the consent just given, widening any earlier one.
fn record_consent(
    ctx: &mut Context<'_>,
    realm: &Realm,
    valid: &ValidRequest,
    user: Uuid,
) -> Result<(), Error> {
    let previous = ctx.store.find_consent(user, valid.client.id)?;
    let mut scope: Vec<String> = valid.scope.iter().map(str::to_owned).collect();
    if let Some(previous) = previous.and_then(|c| Scope::parse(&c.scope).ok()) {
        scope.extend(previous.iter().map(str::to_owned));
    }
    let consent = Consent {
        id: random_uuid(ctx.rng),
        realm_id: realm.id,
        user_id: user,
        client_id: valid.client.id,
        scope: scope.into_iter().collect::<Scope>().to_string(),
        created_at: ctx.now,
    };
    ctx.store.save_consent(&consent)?;
    Ok(())
}

fn consent_page(
    ctx: &Context<'_>,
    realm: &Realm,
    valid: &ValidRequest,
    user: Uuid,
) -> Result<Outcome, Error> {
    let described = ctx.store.list_scopes(realm.id)?;
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
    let user = ctx
        .store
        .find_user(user)?
        .map(|u| u.display_name.unwrap_or(u.name))
        .unwrap_or_default();
    Ok(Outcome::Consent {
        client: client_name(valid),
        user,
        scopes,
    })
}

#[cfg(test)]
mod tests;
