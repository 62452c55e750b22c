//! `[authup]`: which generation of Authup's wire the admin API speaks, and the JOSE algorithm a
//! new master realm signs access tokens with (`[bootstrap] access_token_algorithm`).

use oauth_core::model::SigningAlgorithm;
use serde::{Deserialize, Serialize};

/// Which Authup generation's admin API shape to answer in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compat {
    /// Authup's main line: camelCase fields, single records in `{"data": ...}`.
    #[default]
    Current,
    /// The published Authup 1.0.0-beta.26 and its SDK: snake_case fields, bare single records.
    Beta26,
}

impl Compat {
    /// As written in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Beta26 => "beta26",
        }
    }
}

/// `[authup]`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthupConfig {
    /// `current` (default) or `beta26` (`PORTCULLIS_AUTHUP__COMPAT`).
    pub compat: Compat,
}

/// An access-token algorithm as written in the configuration (`ES256` or `RS256`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum TokenAlgorithm {
    /// ECDSA P-256 (the default).
    #[default]
    #[serde(rename = "ES256")]
    Es256,
    /// RSASSA-PKCS1-v1_5: what Authup's `TokenVerifier.verifyLocal` accepts.
    #[serde(rename = "RS256")]
    Rs256,
}

impl From<TokenAlgorithm> for SigningAlgorithm {
    fn from(alg: TokenAlgorithm) -> Self {
        match alg {
            TokenAlgorithm::Es256 => Self::Es256,
            TokenAlgorithm::Rs256 => Self::Rs256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (compat, name) in [(Compat::Current, "current"), (Compat::Beta26, "beta26")] {
            assert_eq!(compat.as_str(), name);
            let parsed: Compat = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(parsed, compat);
        }
        let rs: TokenAlgorithm = serde_json::from_value(serde_json::json!("RS256")).unwrap();
        assert_eq!(SigningAlgorithm::from(rs), SigningAlgorithm::Rs256);
        assert!(serde_json::from_value::<Compat>(serde_json::json!("beta27")).is_err());
        assert!(serde_json::from_value::<TokenAlgorithm>(serde_json::json!("HS256")).is_err());
    }
}
