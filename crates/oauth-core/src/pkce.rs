//! Proof Key for Code Exchange (RFC 7636).
//!
//! `S256` is the method: the challenge is `BASE64URL(SHA256(code_verifier))`. `plain` exists only
//! for servers that enable it by configuration (RFC 9700 §2.1.1 says not to). Verifiers must be 43
//! to 128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"` (RFC 7636 §4.1).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::OAuthError;
use crate::hash::constant_time_eq;

/// A `code_challenge_method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeChallengeMethod {
    /// SHA-256 of the verifier, base64url.
    S256,
    /// The verifier itself (only when enabled by configuration).
    Plain,
}

impl CodeChallengeMethod {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::S256 => "S256",
            Self::Plain => "plain",
        }
    }

    /// Parses a wire name; `allow_plain` is the server's configuration.
    pub fn parse(method: &str, allow_plain: bool) -> Result<Self, OAuthError> {
        match method {
            "S256" => Ok(Self::S256),
            "plain" if allow_plain => Ok(Self::Plain),
            "plain" => Err(OAuthError::invalid_request(
                "code_challenge_method 'plain' is not allowed; use S256",
            )),
            _ => Err(OAuthError::invalid_request(
                "code_challenge_method must be S256",
            )),
        }
    }
}

fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Checks the syntax of a `code_challenge` (same alphabet and length as a verifier).
pub fn check_challenge(challenge: &str) -> Result<(), OAuthError> {
    if is_pkce_string(challenge) {
        Ok(())
    } else {
        Err(OAuthError::invalid_request(
            "code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
        ))
    }
}

/// The S256 challenge of a verifier.
pub fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `verifier` answers `challenge` under `method`, compared in constant time. A verifier of
/// the wrong syntax never does.
pub fn verify(verifier: &str, challenge: &str, method: CodeChallengeMethod) -> bool {
    if !is_pkce_string(verifier) {
        return false;
    }
    let computed = match method {
        CodeChallengeMethod::S256 => s256_challenge(verifier),
        CodeChallengeMethod::Plain => verifier.to_owned(),
    };
    constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(s256_challenge(VERIFIER), CHALLENGE);
        assert!(verify(VERIFIER, CHALLENGE, CodeChallengeMethod::S256));
    }

    #[test]
    fn verify_table() {
        use CodeChallengeMethod::*;
        let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
        let cases = [
            (VERIFIER, CHALLENGE, S256, true),
            (other, CHALLENGE, S256, false),
            (VERIFIER, VERIFIER, Plain, true),
            (VERIFIER, CHALLENGE, Plain, false),
            ("short", &s256_challenge("short"), S256, false),
            (
                &"a".repeat(129),
                &s256_challenge(&"a".repeat(129)),
                S256,
                false,
            ),
            (
                "dBjftJeZ4CVP+mB92K27uhbUJU1p1r/wW1gFWFOEjXk",
                CHALLENGE,
                S256,
                false,
            ),
        ];
        for (verifier, challenge, method, expected) in cases {
            assert_eq!(verify(verifier, challenge, method), expected, "{verifier}");
        }
    }

    #[test]
    fn methods_and_challenges() {
        assert_eq!(
            CodeChallengeMethod::parse("S256", false).unwrap(),
            CodeChallengeMethod::S256
        );
        assert!(CodeChallengeMethod::parse("plain", false).is_err());
        assert_eq!(
            CodeChallengeMethod::parse("plain", true).unwrap(),
            CodeChallengeMethod::Plain
        );
        assert!(CodeChallengeMethod::parse("s256", true).is_err());
        assert!(check_challenge(CHALLENGE).is_ok());
        assert!(check_challenge("too-short").is_err());
        assert!(check_challenge(&format!("{CHALLENGE}=")).is_err());
    }
}
