//! Property tests of the parsers that see untrusted input: scopes, redirect URIs, token request
//! parameters and bearer JWTs. Whatever the input, they answer (never panic), and what they
//! accept has the properties the protocol relies on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oauth_core::request::{Params, TokenRequest};
use oauth_core::scope::Scope;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// A parsed scope prints back to a string that parses to the same scope, and holds only
    /// RFC 6749 §3.3 characters.
    #[test]
    fn scopes_round_trip(text in ".{0,80}") {
        if let Ok(scope) = Scope::parse(&text) {
            let printed = scope.to_string();
            prop_assert_eq!(Scope::parse(&printed).unwrap(), scope.clone());
            for token in scope.iter() {
                prop_assert!(token.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b)));
            }
        }
    }

    /// A redirect URI matches a registered one only if it is the same (loopback: any port), never
    /// by prefix or case games.
    #[test]
    fn redirect_uris_match_exactly(registered in "https://[a-z]{1,8}\\.example(/[a-z]{0,6}){0,2}", suffix in ".{0,12}") {
        let requested = format!("{registered}{suffix}");
        let ok = oauth_core::redirect::matches(&registered, &requested);
        prop_assert_eq!(ok, suffix.is_empty(), "{} vs {}", registered, requested);
        let _ = oauth_core::redirect::validate(&requested);
    }

    /// Any parameters: a token request parses or is refused with an error, and duplicates are
    /// always refused.
    #[test]
    fn token_requests_parse_or_refuse(pairs in proptest::collection::vec((prop_oneof![
        Just("grant_type".to_owned()), Just("username".to_owned()), Just("password".to_owned()),
        Just("scope".to_owned()), Just("client_id".to_owned()), Just("refresh_token".to_owned()),
        Just("code".to_owned()), Just("redirect_uri".to_owned()), "[a-z_]{1,12}"
    ], ".{0,40}"), 0..8)) {
        let duplicated = {
            let mut names: Vec<&String> = pairs.iter().map(|(k, _)| k).collect();
            names.sort();
            names.windows(2).any(|w| w[0] == w[1])
        };
        if let Ok(params) = Params::from_pairs(pairs.clone()) {
            prop_assert!(!duplicated);
            let _ = TokenRequest::parse(&params, None, None);
        }
    }
}
