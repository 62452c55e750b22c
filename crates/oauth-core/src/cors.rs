//! Which web origins may read the server's answers from a browser (CORS, the Fetch standard).
//!
//! Cross-origin reads are allowed only to origins someone registered:
//! - on the protocol endpoints (token, introspection, revocation, userinfo, JWKS, discovery):
//!   the configured lists (every realm, or one realm) and the origins of the redirect URIs of a
//!   realm's active *public* clients (a single-page app doing PKCE redeems its code at `/token`
//!   from the origin it was redirected to);
//! - on the admin API: only the configured admin list (empty by default).
//!
//! A `/realms/{realm}/...` path allows that realm's origins; the root paths serve every realm
//! (Authup's paths: the realm comes from a parameter or the client), so they allow the origins of
//! every realm. Never `*`, never the opaque origin `null` (sandboxed frames, `file:`), never
//! credentials: these endpoints take bearer tokens and client credentials, never cookies, so an
//! allowed origin reaches nothing a server-side caller could not; the list keeps other sites from
//! reading answers through a visitor's browser and its network position.
//!
//! Origins are compared as browsers send them: the ASCII serialization of a tuple origin,
//! `scheme://host[:port]`, lowercase host, default port omitted. RFC 8252's any-port rule for
//! loopback redirect URIs is not carried over: a browser app's origin includes its port.

use crate::model::{ClientColumn, RealmColumn};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use url::Url;

use crate::model::{Client, Realm};
use crate::redirect;
use crate::store::StoreResult;
use crate::store::records::{self, ListQuery, Records};

/// The origin of an `http` or `https` URI, as a browser serializes it; `None` for other schemes
/// (a native app's custom scheme has no origin a browser would send).
pub fn origin_of(uri: &str) -> Option<String> {
    let url = Url::parse(uri).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// Checks a configured origin: `scheme://host[:port]` over http(s), nothing else (no path,
/// query, user or wildcard). Answers it as browsers send it (lowercase host, no default port).
pub fn parse_origin(text: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("{text:?} {why}"));
    if text == "*" || text.eq_ignore_ascii_case("null") {
        return bad("is not allowed: list each origin (scheme://host[:port])");
    }
    let Ok(url) = Url::parse(text) else {
        return bad("is not an origin (scheme://host[:port])");
    };
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return bad("is not an http(s) origin");
    }
    let rest = text.split_once("://").map_or("", |(_, rest)| rest);
    if rest.contains(['/', '?', '#', '@']) {
        return bad("must be scheme://host[:port], without path, query or user");
    }
    Ok(url.origin().ascii_serialization())
}

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface<'a> {
    /// A protocol endpoint at the root (every realm).
    Root,
    /// A protocol endpoint under `/realms/{realm}` (the path segment: the realm's name or id).
    Realm(&'a str),
    /// The admin API.
    Admin,
}

/// The configured part of the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsPolicy {
    /// Allowed on every realm's protocol endpoints.
    pub everywhere: BTreeSet<String>,
    /// Allowed on one realm's protocol endpoints, by realm name.
    pub realms: BTreeMap<String, BTreeSet<String>>,
    /// Allowed on the admin API.
    pub admin: BTreeSet<String>,
    /// Whether the origins of public clients' redirect URIs are allowed on the protocol
    /// endpoints of their realm.
    pub public_clients: bool,
}

/// What the policy needs from the store: realm ids and names, and the origins of each realm's
/// public clients. Built from the records, cached by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RealmOrigins {
    /// Realm id (as text) to name, so a path naming a realm by id finds its name.
    names: HashMap<String, String>,
    /// Realm name to the origins of its active public clients' redirect URIs.
    public: HashMap<String, BTreeSet<String>>,
}

impl RealmOrigins {
    /// From the realms and clients.
    pub fn from_records(realms: &[Realm], clients: &[Client]) -> Self {
        let names: HashMap<String, String> = realms
            .iter()
            .map(|r| (r.id.to_string(), r.name.clone()))
            .collect();
        let mut public: HashMap<String, BTreeSet<String>> = HashMap::new();
        for client in clients.iter().filter(|c| c.active && !c.is_confidential()) {
            let Some(realm) = names.get(&client.realm_id.to_string()) else {
                continue;
            };
            let origins =
                redirect::registered(client.redirect_uri.as_deref()).filter_map(origin_of);
            public.entry(realm.clone()).or_default().extend(origins);
        }
        Self { names, public }
    }

    /// Reads every realm and client (page by page).
    pub fn load<S>(store: &S) -> StoreResult<Self>
    where
        S: Records<Realm> + Records<Client> + ?Sized,
    {
        let realms: Vec<Realm> = records::list_all(store, &ListQuery::<RealmColumn>::default())?;
        let clients: Vec<Client> = records::list_all(store, &ListQuery::<ClientColumn>::default())?;
        Ok(Self::from_records(&realms, &clients))
    }

    fn realm_name<'a>(&'a self, segment: &'a str) -> &'a str {
        self.names.get(segment).map_or(segment, String::as_str)
    }
}

impl CorsPolicy {
    /// Whether deciding for `surface` needs the store's [`RealmOrigins`].
    pub fn needs_realms(&self, surface: Surface<'_>) -> bool {
        surface != Surface::Admin && (self.public_clients || !self.realms.is_empty())
    }

    /// Whether a browser on `origin` may read the answers of `surface`. `realms` is needed when
    /// [`needs_realms`](Self::needs_realms) says so (without it, only the configured lists count).
    pub fn allows(
        &self,
        surface: Surface<'_>,
        origin: &str,
        realms: Option<&RealmOrigins>,
    ) -> bool {
        let public = |name: &str| {
            self.public_clients
                && realms
                    .and_then(|r| r.public.get(name))
                    .is_some_and(|set| set.contains(origin))
        };
        match surface {
            Surface::Admin => self.admin.contains(origin),
            Surface::Realm(segment) => {
                let name = realms.map_or(segment, |r| r.realm_name(segment));
                self.everywhere.contains(origin)
                    || self
                        .realms
                        .get(name)
                        .is_some_and(|set| set.contains(origin))
                    || public(name)
            }
            Surface::Root => {
                self.everywhere.contains(origin)
                    || self.realms.values().any(|set| set.contains(origin))
                    || (self.public_clients
                        && realms.is_some_and(|r| r.public.values().any(|s| s.contains(origin))))
            }
        }
    }
}

#[cfg(test)]
mod tests;
