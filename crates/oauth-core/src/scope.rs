//! Scopes (RFC 6749 §3.3): space-delimited, case-sensitive tokens, compared as sets.

use std::collections::BTreeSet;

use crate::error::OAuthError;

/// The scope granted when a client asks for none, as Authup's tokens carry.
pub const DEFAULT_SCOPE: &str = "global";

/// The scopes every realm is created with.
pub const BUILT_IN_SCOPES: [(&str, &str); 5] = [
    ("global", "Access to everything the user may do"),
    ("openid", "OpenID Connect sign-in"),
    ("email", "The user's e-mail address"),
    ("roles", "The user's roles"),
    ("identity", "The user's profile"),
];

/// A set of scope tokens, printed in sorted order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope(BTreeSet<String>);

impl Scope {
    /// Parses a `scope` parameter. Each token must be `%x21 / %x23-5B / %x5D-7E` (RFC 6749 §3.3);
    /// tokens are separated by single spaces, but extra spaces are tolerated.
    pub fn parse(text: &str) -> Result<Self, OAuthError> {
        let mut set = BTreeSet::new();
        for token in text.split(' ').filter(|t| !t.is_empty()) {
            let valid = token
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
            if !valid {
                return Err(OAuthError::invalid_scope(format!(
                    "scope token contains a character RFC 6749 section 3.3 forbids: {}",
                    token.escape_default()
                )));
            }
            set.insert(token.to_owned());
        }
        Ok(Self(set))
    }

    /// Whether no token is present.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `token` is in the set.
    pub fn contains(&self, token: &str) -> bool {
        self.0.contains(token)
    }

    /// Whether every token of `self` is in `other`.
    pub fn is_subset(&self, other: &Scope) -> bool {
        self.0.is_subset(&other.0)
    }

    /// Tokens of `self` that are missing from `other`, space-separated.
    pub fn missing_from(&self, other: &Scope) -> String {
        self.0
            .difference(&other.0)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The tokens, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for token in &self.0 {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(token)?;
            first = false;
        }
        Ok(())
    }
}

impl FromIterator<String> for Scope {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, ()>) {
        let parsed = Scope::parse(input).map(|s| s.to_string()).map_err(|_| ());
        assert_eq!(
            parsed.as_deref(),
            expected.as_ref().map(|s| *s),
            "{input:?}"
        );
    }

    #[test]
    fn parse_table() {
        check("", Ok(""));
        check("openid", Ok("openid"));
        check("email openid", Ok("email openid"));
        check("openid email openid", Ok("email openid"));
        check("  openid   email ", Ok("email openid"));
        check("a:b/c", Ok("a:b/c"));
        check("open\"id", Err(()));
        check("open\\id", Err(()));
        check("openid\temail", Err(()));
        check("é", Err(()));
    }

    #[test]
    fn subset_and_missing() {
        let granted = Scope::parse("openid email global").unwrap();
        let narrow = Scope::parse("email").unwrap();
        let wide = Scope::parse("email roles").unwrap();
        assert!(narrow.is_subset(&granted));
        assert!(!wide.is_subset(&granted));
        assert_eq!(wide.missing_from(&granted), "roles");
    }
}
