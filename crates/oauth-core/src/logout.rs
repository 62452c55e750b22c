//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0).
//!
//! The relying party sends the browser with `id_token_hint`, `client_id`,
//! `post_logout_redirect_uri` and `state`. A `post_logout_redirect_uri` is honoured only when it is
//! registered on the client (named by `client_id` or by the hint's audience); anything else is shown
//! on a page, never redirected to. Without a valid hint that names the browser's session (its
//! `sub`, and its `sid` when present) the person is asked to confirm: a forged link, or a link
//! carrying somebody else's ID token, must not sign anyone out silently. Logging out ends the
//! browser's own session, never another one the hint names, and revokes every grant issued in it:
//! refresh tokens and their access tokens.

use uuid::Uuid;

use crate::bearer::verify_signed;
use crate::client_auth::find_client;
use crate::error::Error;
use crate::model::{Realm, Session, UnixTime};
use crate::redirect;
use crate::request::Params;
use crate::revocation::revoke_family;
use crate::store::{GrantHolder, Store};

/// The parameters of a logout request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogoutRequest {
    /// A previously issued ID token.
    pub id_token_hint: Option<String>,
    /// The relying party.
    pub client_id: Option<String>,
    /// Where to send the browser afterwards.
    pub post_logout_redirect_uri: Option<String>,
    /// Returned unchanged with the redirect.
    pub state: Option<String>,
}

impl LogoutRequest {
    /// Reads the request from decoded parameters.
    pub fn from_params(params: &Params) -> Self {
        let get = |name: &str| params.get(name).map(str::to_owned);
        Self {
            id_token_hint: get("id_token_hint"),
            client_id: get("client_id"),
            post_logout_redirect_uri: get("post_logout_redirect_uri"),
            state: get("state"),
        }
    }

    /// The parameters as pairs, for carrying through the confirmation form.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("id_token_hint", &self.id_token_hint),
            ("client_id", &self.client_id),
            ("post_logout_redirect_uri", &self.post_logout_redirect_uri),
            ("state", &self.state),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
        .collect()
    }
}

/// What to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoutOutcome {
    /// The request cannot be honoured as asked: show this message, redirect nowhere.
    Page(String),
    /// Ask the person to confirm.
    Confirm,
    /// Signed out; redirect here, or show the signed-out page.
    Done(Option<String>),
}

/// Runs a logout for `realm`: `session` is the browser's (from its cookie); `confirmed` is true
/// when the person pressed the confirmation button.
pub fn logout(
    store: &dyn Store,
    realm: &Realm,
    request: &LogoutRequest,
    session: Option<&Session>,
    confirmed: bool,
    now: UnixTime,
) -> Result<LogoutOutcome, Error> {
    let page = |why: &str| Ok(LogoutOutcome::Page(why.to_owned()));
    // The hint may have expired; it must be ours, for this realm.
    let hint = match request.id_token_hint.as_deref() {
        None => None,
        Some(token) => match verify_signed(store, token, "JWT")? {
            Ok((claims, key_realm)) if key_realm.id == realm.id => Some(claims),
            _ => {
                return page("The sign-out request carries an ID token this server did not issue.");
            }
        },
    };
    let audience = hint
        .as_ref()
        .and_then(|c| c.get("aud"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    if let (Some(client_id), Some(aud)) = (&request.client_id, &audience) {
        let named = find_client(store, realm, client_id)?.map(|c| c.id.to_string());
        if named.as_deref() != Some(aud.as_str()) {
            return page("The sign-out request names another application than its ID token.");
        }
    }
    let client = match request.client_id.as_deref().or(audience.as_deref()) {
        Some(id) => find_client(store, realm, id)?,
        None => None,
    };
    let target = match &request.post_logout_redirect_uri {
        None => None,
        Some(uri) => match &client {
            Some(c)
                if redirect::registered(c.post_logout_redirect_uri.as_deref())
                    .any(|r| r == uri) =>
            {
                Some(uri.clone())
            }
            _ => {
                return page(
                    "The application asked to send you to an address it has not registered.",
                );
            }
        },
    };
    let browser = session.filter(|s| s.realm_id == realm.id && s.revoked_at.is_none());
    let claim = |name: &str| {
        hint.as_ref()
            .and_then(|c| c.get(name))
            .and_then(|v| v.as_str())
    };
    let hint_sid = claim("sid").and_then(|v| Uuid::parse_str(v).ok());
    // A hint speaks for the browser's session only if it names that session's user (and, when it
    // carries one, that session): anyone's valid ID token must not sign another person out.
    let hint_matches = |s: &Session| {
        claim("sub") == Some(s.user_id.to_string().as_str())
            && hint_sid.is_none_or(|sid| sid == s.id)
    };
    // Only the session of the browser at hand ever ends here: an ID token is a hint, not a
    // credential (it travels to relying parties and into their logs), so the session its `sid`
    // names is never ended on the token's word alone. Without a session the person confirms, and
    // the confirmation (posted from our own page) carries the browser's cookie.
    let silent = hint.is_some() && browser.is_some_and(hint_matches);
    if !silent && !confirmed {
        return Ok(LogoutOutcome::Confirm);
    }
    if let Some(session) = browser {
        store.revoke_session(session.id, now)?;
        for family in store.refresh_families_of(GrantHolder::Session(session.id))? {
            revoke_family(store, realm, family, now)?;
        }
    }
    let redirect = match target {
        Some(uri) => {
            let state: Vec<(&str, &str)> = request
                .state
                .iter()
                .map(|s| ("state", s.as_str()))
                .collect();
            Some(crate::authorize::redirect_with(&uri, &state)?)
        }
        None => None,
    };
    Ok(LogoutOutcome::Done(redirect))
}
