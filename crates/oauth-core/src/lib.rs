//! Portcullis protocol core: OAuth 2.0 grants, tokens, keys, scopes, errors and persistence traits.
//!
//! The core does no I/O: it reads no clock and no ambient randomness (both are passed in through
//! [`grant::Context`]; the exceptions are nonces inside cryptographic primitives, ECDSA signing and
//! key sealing, which must never be predictable), opens no socket and knows nothing of HTTP or SQL. Persistence goes through
//! the small synchronous traits of [`store`]; [`memory::MemoryStore`] implements them in process,
//! and the `testing` feature exposes the conformance suite every backend runs.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use oauth_core::{grant, keys::StoreKeySource, memory::MemoryStore, password, provision};
//! use oauth_core::random::SeededEntropy;
//! use oauth_core::request::{Params, TokenRequest};
//! use oauth_core::secret::Password;
//!
//! let store = MemoryStore::new();
//! let mut rng = SeededEntropy::new(1);
//! let cheap = password::Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 };
//! let hasher = password::PasswordHasher::new(cheap, &mut rng)?;
//! let now = 1_700_000_000;
//! provision::bootstrap(&store, &hasher, "admin", &Password::new("start123"), now, &mut rng)?;
//! let settings = grant::Settings::new("http://localhost:3001", hasher);
//! let params = Params::from_pairs([
//!     ("grant_type".to_owned(), "password".to_owned()),
//!     ("username".to_owned(), "admin".to_owned()),
//!     ("password".to_owned(), "start123".to_owned()),
//! ])?;
//! let request = TokenRequest::parse(&params, None, None)?;
//! let mut ctx = grant::Context {
//!     store: &store, keys: &StoreKeySource, settings: &settings, now, rng: &mut rng,
//!     after_password_hash: None, client_ip: None,
//! };
//! let response = grant::exchange(&mut ctx, request)?.response;
//! assert_eq!(response.scope, "global");
//! assert!(response.refresh_token.is_some());
//! # Ok(())
//! # }
//! ```

pub mod authority;
pub mod authorize;
pub mod bearer;
pub mod client_auth;
pub mod client_scopes;
pub mod cors;
pub mod error;
pub mod grant;
pub mod hash;
pub mod keys;
pub mod logout;
pub mod memory;
pub mod model;
pub mod oidc;
pub mod password;
pub mod pkce;
pub mod provision;
pub mod random;
pub mod redirect;
pub mod request;
pub mod revocation;
pub mod scope;
pub mod secret;
pub mod store;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;
pub mod throttle;
pub mod token;

pub use error::{Error, ErrorCode, OAuthError, StoreError};
pub use store::Store;
