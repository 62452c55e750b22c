//! Token requests: from decoded parameters to a typed [`TokenRequest`] (RFC 6749 §3.2, §4).
//!
//! The server decodes the body (form or JSON) and the `Authorization` header; this module applies
//! the protocol's rules: no parameter twice, `grant_type` required and known, client credentials
//! in the header or the body but never both, length limits on every value.

use std::collections::BTreeMap;

use crate::error::{ErrorCode, OAuthError};
use crate::password::MAX_PASSWORD_BYTES;
use crate::scope::Scope;
use crate::secret::{
    AuthorizationCodeSecret, ClientSecret, Password, PkceVerifier, RefreshTokenSecret,
};
use crate::text::{Strictness, has_control};

/// Longest parameter value accepted, in bytes.
pub const MAX_PARAM_BYTES: usize = 4096;
/// Longest username accepted, in bytes.
pub const MAX_USERNAME_BYTES: usize = 255;

/// Request parameters with unique names.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, String>);

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be secrets: print names only.
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Params {
    /// Collects decoded pairs; a name given twice is `invalid_request` (RFC 6749 §3.2), and so is
    /// a name or value holding a control character (`text`), before anything reaches a store.
    pub fn from_pairs<I>(pairs: I) -> Result<Self, OAuthError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut map = BTreeMap::new();
        for (name, value) in pairs {
            if value.len() > MAX_PARAM_BYTES {
                return Err(OAuthError::invalid_request(format!(
                    "parameter '{}' is longer than {MAX_PARAM_BYTES} bytes",
                    printable(&name)
                )));
            }
            if has_control(&name, Strictness::Token) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter name '{}' contains a control character",
                    printable(&name)
                )));
            }
            if has_control(&value, Strictness::Token) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter '{}' contains a control character",
                    printable(&name)
                )));
            }
            if map.contains_key(&name) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter '{}' is given more than once",
                    printable(&name)
                )));
            }
            map.insert(name, value);
        }
        Ok(Self(map))
    }

    /// The value of `name`; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn required(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| {
            OAuthError::invalid_request(format!("missing required parameter '{name}'"))
        })
    }
}

/// A parameter name as safe to echo: at most 64 printable ASCII characters.
fn printable(name: &str) -> String {
    name.chars()
        .take(64)
        .flat_map(char::escape_default)
        .collect()
}

/// Which realm a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RealmSelector {
    /// `/realms/{name}/...`.
    Named(String),
    /// A root path: the `realm_id` or `realm_name` parameter, else the client's realm, else master.
    Default {
        /// The `realm_id` parameter.
        realm_id: Option<String>,
        /// The `realm_name` parameter.
        realm_name: Option<String>,
    },
}

/// How the client presented its credentials (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// HTTP Basic in the `Authorization` header.
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the body.
    ClientSecretPost,
    /// A `client_id` alone (public client), or no client at all.
    None,
}

/// The client's identity and secret, as presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// `client_id`: a client's UUID or its name in the realm.
    pub client_id: Option<String>,
    /// `client_secret`.
    pub secret: Option<ClientSecret>,
    /// Where they came from.
    pub method: AuthMethod,
}

/// A grant and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Resource owner password credentials (RFC 6749 §4.3).
    Password {
        /// Login name.
        username: String,
        /// Password.
        password: Password,
        /// Requested scope.
        scope: Option<Scope>,
    },
    /// Client credentials (RFC 6749 §4.4).
    ClientCredentials {
        /// Requested scope.
        scope: Option<Scope>,
    },
    /// Authorization code redemption (RFC 6749 §4.1.3, RFC 7636 §4.5).
    AuthorizationCode {
        /// The code.
        code: AuthorizationCodeSecret,
        /// The redirect URI of the authorization request.
        redirect_uri: String,
        /// The PKCE verifier.
        code_verifier: Option<PkceVerifier>,
    },
    /// Refresh (RFC 6749 §6).
    RefreshToken {
        /// The refresh token presented.
        refresh_token: RefreshTokenSecret,
        /// Requested (narrower) scope.
        scope: Option<Scope>,
    },
}

impl Grant {
    /// The `grant_type` value.
    pub fn grant_type(&self) -> &'static str {
        match self {
            Self::Password { .. } => "password",
            Self::ClientCredentials { .. } => "client_credentials",
            Self::AuthorizationCode { .. } => "authorization_code",
            Self::RefreshToken { .. } => "refresh_token",
        }
    }
}

/// A parsed token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// Realm addressed.
    pub realm: RealmSelector,
    /// Client credentials presented.
    pub client: ClientCredentials,
    /// The grant.
    pub grant: Grant,
}

impl TokenRequest {
    /// Builds a request from body parameters, the Basic credentials of the `Authorization` header
    /// (already form-decoded, RFC 6749 §2.3.1) and the realm named by the path, if any.
    pub fn parse(
        params: &Params,
        basic: Option<(String, ClientSecret)>,
        path_realm: Option<String>,
    ) -> Result<Self, OAuthError> {
        let grant_type = params.required("grant_type")?;
        let client = client_credentials(params, basic)?;
        let realm = match path_realm {
            Some(name) => RealmSelector::Named(name),
            None => RealmSelector::Default {
                realm_id: params.get("realm_id").map(str::to_owned),
                realm_name: params.get("realm_name").map(str::to_owned),
            },
        };
        let scope = params.get("scope").map(Scope::parse).transpose()?;
        let grant = match grant_type {
            "password" => {
                let username = params.required("username")?;
                let password = params.required("password")?;
                if username.len() > MAX_USERNAME_BYTES {
                    return Err(OAuthError::invalid_request("username is too long"));
                }
                if password.len() > MAX_PASSWORD_BYTES {
                    return Err(OAuthError::invalid_request("password is too long"));
                }
                Grant::Password {
                    username: username.to_owned(),
                    password: Password::new(password),
                    scope,
                }
            }
            "client_credentials" => Grant::ClientCredentials { scope },
            "refresh_token" => Grant::RefreshToken {
                refresh_token: RefreshTokenSecret::new(params.required("refresh_token")?),
                scope,
            },
            "authorization_code" => Grant::AuthorizationCode {
                code: AuthorizationCodeSecret::new(params.required("code")?),
                redirect_uri: params.required("redirect_uri")?.to_owned(),
                code_verifier: params.get("code_verifier").map(PkceVerifier::new),
            },
            other => {
                return Err(OAuthError::new(
                    ErrorCode::UnsupportedGrantType,
                    format!("grant type '{}' is not supported", printable(other)),
                ));
            }
        };
        Ok(Self {
            realm,
            client,
            grant,
        })
    }
}

/// The client credentials of a request: Basic header or body, never both (RFC 6749 §2.3.1).
pub fn client_credentials(
    params: &Params,
    basic: Option<(String, ClientSecret)>,
) -> Result<ClientCredentials, OAuthError> {
    let body_id = params.get("client_id");
    let body_secret = params.get("client_secret");
    match basic {
        Some((id, secret)) => {
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "client credentials were given both in the Authorization header and in the body",
                ));
            }
            if body_id.is_some_and(|b| b != id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the one in the Authorization header",
                ));
            }
            Ok(ClientCredentials {
                client_id: Some(id),
                secret: Some(secret),
                method: AuthMethod::ClientSecretBasic,
            })
        }
        None => match (body_id, body_secret) {
            (None, Some(_)) => Err(OAuthError::invalid_request(
                "client_secret was given without client_id",
            )),
            (id, secret) => Ok(ClientCredentials {
                client_id: id.map(str::to_owned),
                secret: secret.map(ClientSecret::new),
                method: if secret.is_some() {
                    AuthMethod::ClientSecretPost
                } else {
                    AuthMethod::None
                },
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Result<Params, OAuthError> {
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    fn check(
        pairs: &[(&str, &str)],
        basic: Option<(&str, &str)>,
        expected: Result<&str, ErrorCode>,
    ) {
        let basic = basic.map(|(i, s)| (i.to_owned(), ClientSecret::new(s)));
        let outcome = params(pairs)
            .and_then(|p| TokenRequest::parse(&p, basic, None))
            .map(|r| r.grant.grant_type())
            .map_err(|e| e.code);
        assert_eq!(outcome, expected, "{pairs:?}");
    }

    #[test]
    fn parse_table() {
        use ErrorCode::*;
        let long = "x".repeat(MAX_PARAM_BYTES + 1);
        let long_name = "u".repeat(MAX_USERNAME_BYTES + 1);
        check(
            &[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ],
            None,
            Ok("password"),
        );
        check(
            &[("grant_type", "client_credentials")],
            None,
            Ok("client_credentials"),
        );
        check(
            &[("grant_type", "refresh_token"), ("refresh_token", "t")],
            None,
            Ok("refresh_token"),
        );
        check(&[], None, Err(InvalidRequest));
        check(&[("grant_type", "")], None, Err(InvalidRequest));
        check(
            &[("grant_type", "password"), ("username", "a")],
            None,
            Err(InvalidRequest),
        );
        check(
            &[("grant_type", "refresh_token")],
            None,
            Err(InvalidRequest),
        );
        check(
            &[("grant_type", "implicit")],
            None,
            Err(UnsupportedGrantType),
        );
        check(
            &[("grant_type", "authorization_code")],
            None,
            Err(InvalidRequest),
        );
        check(
            &[("grant_type", "authorization_code"), ("code", "c")],
            None,
            Err(InvalidRequest),
        );
        check(
            &[
                ("grant_type", "authorization_code"),
                ("code", "c"),
                ("redirect_uri", "r"),
            ],
            None,
            Ok("authorization_code"),
        );
        check(
            &[("grant_type", "password"), ("grant_type", "password")],
            None,
            Err(InvalidRequest),
        );
        check(
            &[("grant_type", "client_credentials"), ("scope", "a\"b")],
            None,
            Err(InvalidScope),
        );
        check(
            &[("grant_type", "client_credentials"), ("client_secret", "s")],
            None,
            Err(InvalidRequest),
        );
        check(
            &[("grant_type", "client_credentials"), ("client_secret", "s")],
            Some(("c", "s")),
            Err(InvalidRequest),
        );
        check(
            &[("grant_type", "client_credentials"), ("client_id", "d")],
            Some(("c", "s")),
            Err(InvalidRequest),
        );
        check(
            &[("grant_type", "client_credentials"), ("client_id", "c")],
            Some(("c", "s")),
            Ok("client_credentials"),
        );
        check(
            &[
                ("grant_type", "client_credentials"),
                ("scope", long.as_str()),
            ],
            None,
            Err(InvalidRequest),
        );
        check(
            &[
                ("grant_type", "password"),
                ("username", long_name.as_str()),
                ("password", "p"),
            ],
            None,
            Err(InvalidRequest),
        );
    }

    #[test]
    fn credentials_record_their_method() {
        let p = params(&[
            ("grant_type", "client_credentials"),
            ("client_id", "c"),
            ("client_secret", "s"),
        ])
        .unwrap();
        let r = TokenRequest::parse(&p, None, None).unwrap();
        assert_eq!(r.client.method, AuthMethod::ClientSecretPost);
        let p = params(&[("grant_type", "client_credentials")]).unwrap();
        let r = TokenRequest::parse(
            &p,
            Some(("c".into(), ClientSecret::new("s"))),
            Some("other".into()),
        )
        .unwrap();
        assert_eq!(r.client.method, AuthMethod::ClientSecretBasic);
        assert_eq!(r.realm, RealmSelector::Named("other".into()));
    }

    #[test]
    fn debug_of_params_hides_values() {
        let p = params(&[("password", "hunter2")]).unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
