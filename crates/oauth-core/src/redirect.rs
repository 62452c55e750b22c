//! Redirect URI registration and matching (RFC 6749 §3.1.2, RFC 8252 §7.3, RFC 9700 §2.1).
//!
//! A requested redirect URI must equal one of the client's registered URIs, character for
//! character. The one exception is RFC 8252's loopback rule: when the registered URI is
//! `http://127.0.0.1/...` or `http://[::1]/...`, any port matches (native apps bind an ephemeral
//! port), everything else must still be equal. Registered URIs are absolute, without fragment.

use url::{Host, Url};

use crate::error::OAuthError;

/// The registered URIs of a client (Authup stores them comma-separated).
pub fn registered(list: Option<&str>) -> impl Iterator<Item = &str> {
    list.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
}

/// Checks a URI for registration: absolute, without fragment or comma, not a script or data scheme
/// (custom schemes of native apps are fine). Answers it unchanged, since matching is exact.
pub fn validate(uri: &str) -> Result<String, OAuthError> {
    let bad = |why: &str| OAuthError::invalid_request(format!("redirect URI {uri:?} {why}"));
    let parsed = Url::parse(uri).map_err(|_| bad("is not an absolute URI"))?;
    if parsed.fragment().is_some() {
        return Err(bad("must not contain a fragment"));
    }
    if uri.contains(',') {
        return Err(bad("must not contain a comma"));
    }
    if matches!(parsed.scheme(), "javascript" | "data" | "file" | "vbscript") {
        return Err(bad("uses a forbidden scheme"));
    }
    Ok(uri.to_owned())
}

fn is_loopback_ip(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            _ => false,
        }
}

/// Whether `requested` matches `registered`: the same string, or, for a loopback IP literal, the
/// same string once the port is taken out of both. The comparison is on the strings as sent, never
/// on parsed URLs, which would also equate a different case of the scheme, `127.1` with
/// `127.0.0.1` or `/a/../cb` with `/cb`.
pub fn matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(reg), Ok(req)) = (Url::parse(registered), Url::parse(requested)) else {
        return false;
    };
    if !is_loopback_ip(&reg) || !is_loopback_ip(&req) || req.fragment().is_some() {
        return false;
    }
    match (without_port(registered), without_port(requested)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `uri` without the port of its authority: `http://127.0.0.1:8080/cb` is `http://127.0.0.1/cb`.
fn without_port(uri: &str) -> Option<String> {
    let start = uri.find("://")? + 3;
    let end = uri[start..]
        .find(['/', '?', '#'])
        .map_or(uri.len(), |i| start + i);
    let authority = &uri[start..end];
    let host_end = match authority.rfind(':') {
        Some(i) if authority[i + 1..].bytes().all(|b| b.is_ascii_digit()) => i,
        _ => authority.len(),
    };
    Some(format!("{}{}", &uri[..start + host_end], &uri[end..]))
}

/// The registered URI that `requested` matches, if any.
pub fn find_match<'a>(list: Option<&'a str>, requested: &str) -> Option<&'a str> {
    registered(list).find(|r| matches(r, requested))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_table() {
        let cases = [
            ("https://app.example/cb", "https://app.example/cb", true),
            ("https://app.example/cb", "https://app.example/cb/", false),
            (
                "https://app.example/cb",
                "https://app.example/cb?x=1",
                false,
            ),
            ("https://app.example/cb", "https://APP.example/cb", false),
            (
                "https://app.example/cb",
                "https://app.example:8443/cb",
                false,
            ),
            ("https://app.example/cb", "http://app.example/cb", false),
            ("http://127.0.0.1/cb", "http://127.0.0.1:53121/cb", true),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb", true),
            ("http://[::1]/cb", "http://[::1]:4000/cb", true),
            ("http://127.0.0.1/cb", "http://127.0.0.1:53121/other", false),
            ("http://127.0.0.1/cb", "http://[::1]:53121/cb", false),
            ("http://127.0.0.1/cb", "http://127.0.0.1:1/cb#frag", false),
            ("http://127.0.0.1/cb", "http://evil@127.0.0.1:1/cb", false),
            ("http://localhost/cb", "http://localhost:3000/cb", false),
            // Found by fuzzing: parsed URLs would equate these; the strings differ beyond the port.
            ("htTp://[::1]:1/cb", "http://[::1]:9/cb", false),
            ("http://127.0.0.1/cb", "http://127.1:9/cb", false),
            ("http://127.0.0.1/cb", "http://127.0.0.1:9/x/../cb", false),
            ("http://127.0.0.1/a%41", "http://127.0.0.1:9/aA", false),
            ("http://127.0.0.1:/cb", "http://127.0.0.1:9/cb", true),
            (
                "com.example.app:/callback",
                "com.example.app:/callback",
                true,
            ),
        ];
        for (registered, requested, expected) in cases {
            assert_eq!(
                matches(registered, requested),
                expected,
                "{registered} vs {requested}"
            );
        }
    }

    #[test]
    fn lists_and_validation() {
        let list = Some("https://a.example/cb, http://127.0.0.1/cb");
        assert_eq!(
            find_match(list, "http://127.0.0.1:5/cb"),
            Some("http://127.0.0.1/cb")
        );
        assert_eq!(find_match(list, "https://b.example/cb"), None);
        assert_eq!(find_match(None, "https://a.example/cb"), None);
        assert!(validate("https://a.example/cb").is_ok());
        assert!(validate("com.example.app:/callback").is_ok());
        assert!(validate("/relative").is_err());
        assert!(validate("https://a.example/cb#x").is_err());
        assert!(validate("javascript:alert(1)").is_err());
    }
}
