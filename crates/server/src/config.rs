//! Configuration: built-in defaults < `portcullis.toml` (or `--config FILE`) < `PORTCULLIS_*`
//! environment variables (nested keys split on `__`) < command-line flags.
//!
//! Everything is validated at start; a bad value fails with one line naming the key. Unknown keys
//! inside a section are errors (a typo must not silently fall back to a default); unknown
//! top-level `PORTCULLIS_*` variables only warn, since test harnesses set their own.

use std::net::SocketAddr;
use std::path::PathBuf;

use oauth_core::password::Argon2Params;
use oauth_core::secret::Password;
use serde::{Deserialize, Serialize};

mod authup;
mod cors;
pub use authup::{AuthupConfig, Compat, TokenAlgorithm};
pub use cors::CorsConfig;

/// The file read when `--config` is not given (if it exists).
pub const DEFAULT_CONFIG_FILE: &str = "portcullis.toml";
/// The admin password created on an empty database unless configured otherwise (Authup's).
pub const DEFAULT_ADMIN_PASSWORD: &str = "start123";

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// HTTP listener.
    pub http: HttpConfig,
    /// Base URL clients reach the server at; realms' issuers are `{public_url}/realms/{name}`.
    pub public_url: String,
    /// Persistence.
    pub database: DatabaseConfig,
    /// Logging.
    pub log: LogConfig,
    /// What an empty database is given.
    pub bootstrap: BootstrapConfig,
    /// Password hashing cost and concurrency.
    pub argon2: Argon2Config,
    /// Token policy.
    pub tokens: TokenConfig,
    /// In-memory caching of realms, clients, scopes and keys.
    pub cache: CacheConfig,
    /// The brute-force throttle of password attempts.
    pub throttle: ThrottleConfig,
    /// The admin API.
    pub admin: AdminConfig,
    /// The audit event log.
    pub events: EventsConfig,
    /// Signing key rotation.
    pub keys: KeysConfig,
    /// Rate limits on the protocol endpoints.
    pub rate_limit: RateLimitConfig,
    /// Which browser origins may read the answers (CORS).
    pub cors: CorsConfig,
    /// Which Authup generation the admin API answers as.
    pub authup: AuthupConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http: HttpConfig::default(),
            public_url: "http://localhost:3001".to_owned(),
            database: DatabaseConfig::default(),
            log: LogConfig::default(),
            bootstrap: BootstrapConfig::default(),
            argon2: Argon2Config::default(),
            tokens: TokenConfig::default(),
            cache: CacheConfig::default(),
            throttle: ThrottleConfig::default(),
            admin: AdminConfig::default(),
            events: EventsConfig::default(),
            keys: KeysConfig::default(),
            rate_limit: RateLimitConfig::default(),
            cors: CorsConfig::default(),
            authup: AuthupConfig::default(),
        }
    }
}

/// `[http]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Listen address, `host:port`.
    pub address: String,
    /// Worker threads (default: one per core).
    pub workers: Option<usize>,
    /// Largest request body accepted on protocol endpoints, bytes.
    pub body_limit: usize,
    /// On `SIGTERM`/`SIGINT`: how long in-flight requests may take to finish, seconds.
    pub shutdown_timeout: u32,
    /// Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` gives the client address.
    pub trusted_proxies: Vec<String>,
    /// Seconds a client has to send a request's head (line and headers) once it starts, and on
    /// a new connection; slower connections are answered `408` and closed.
    pub request_timeout: u32,
    /// Seconds an idle keep-alive connection stays open (0: no keep-alive).
    pub keep_alive: u32,
    /// Seconds a client has to send a request's whole body once its head arrived (`408`).
    pub body_timeout: u32,
    /// Most connections each worker holds open; more wait in the listen backlog.
    pub max_connections: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            address: "127.0.0.1:3001".to_owned(),
            workers: None,
            body_limit: 64 * 1024,
            shutdown_timeout: 30,
            trusted_proxies: Vec::new(),
            request_timeout: 5,
            keep_alive: 5,
            body_timeout: 10,
            max_connections: 10_000,
        }
    }
}

/// `[database]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://...` for PostgreSQL; a path or `sqlite://path` for SQLite.
    pub url: String,
    /// Connections in the pool (8 by default: enough for two cores; raise it with the cores and
    /// for PostgreSQL with many concurrent refreshes).
    pub pool_size: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "./data/portcullis.db".to_owned(),
            pool_size: 8,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: LogFormat,
    /// A tracing filter (`info`, `portcullis_server=debug,info`); `RUST_LOG` overrides it.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".to_owned(),
        }
    }
}

/// `[bootstrap]`.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BootstrapConfig {
    /// Create what is missing (realm `master`, scopes, role and user `admin`, keys) at start.
    pub enabled: bool,
    /// Name of the admin user.
    pub admin_username: String,
    /// Password of the admin user, set only when the user is created.
    pub admin_password: String,
    /// Read the admin password from this file instead (trailing newline stripped).
    pub admin_password_file: Option<PathBuf>,
    /// Let a listener on a non-loopback address start while the bootstrap admin still has the
    /// default password (off: the server refuses to start).
    pub allow_default_password: bool,
    /// What the master realm signs access tokens with when bootstrap creates it (`RS256` for
    /// Authup's `TokenVerifier.verifyLocal`); later, the realm's own setting decides.
    pub access_token_algorithm: TokenAlgorithm,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            admin_username: "admin".to_owned(),
            admin_password: DEFAULT_ADMIN_PASSWORD.to_owned(),
            admin_password_file: None,
            allow_default_password: false,
            access_token_algorithm: TokenAlgorithm::Es256,
        }
    }
}

impl std::fmt::Debug for BootstrapConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapConfig")
            .field("enabled", &self.enabled)
            .field("admin_username", &self.admin_username)
            .field("admin_password", &"[redacted]")
            .field("admin_password_file", &self.admin_password_file)
            .field("allow_default_password", &self.allow_default_password)
            .field("access_token_algorithm", &self.access_token_algorithm)
            .finish()
    }
}

impl BootstrapConfig {
    /// The admin password, from the file when one is configured.
    pub fn password(&self) -> Result<Password, ConfigError> {
        match &self.admin_password_file {
            Some(path) => std::fs::read_to_string(path)
                .map(|s| Password::new(s.trim_end_matches(['\r', '\n'])))
                .map_err(|e| {
                    ConfigError(format!(
                        "bootstrap.admin_password_file: cannot read {}: {e}",
                        path.display()
                    ))
                }),
            None => Ok(Password::new(self.admin_password.clone())),
        }
    }
}

/// `[argon2]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Argon2Config {
    /// Memory cost, KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// Hashes running at once (default: one per core).
    pub max_concurrent: Option<usize>,
}

impl Default for Argon2Config {
    fn default() -> Self {
        let p = Argon2Params::default();
        Self {
            memory_kib: p.memory_kib,
            iterations: p.iterations,
            parallelism: p.parallelism,
            max_concurrent: None,
        }
    }
}

impl Argon2Config {
    /// The core's parameter type.
    pub fn params(&self) -> Argon2Params {
        Argon2Params {
            memory_kib: self.memory_kib,
            iterations: self.iterations,
            parallelism: self.parallelism,
        }
    }
}

/// `[tokens]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    /// Seconds during which a just-consumed refresh token may be exchanged again (0: never).
    pub refresh_grace_period: u32,
    /// Lifetime of authorization codes, seconds.
    pub authorization_code_lifetime: u32,
    /// Accept PKCE `plain` challenges (RFC 9700 says not to; off by default).
    pub allow_plain_pkce: bool,
    /// Lifetime of a login session (single sign-on), seconds.
    pub session_lifetime: u32,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            refresh_grace_period: 0,
            authorization_code_lifetime: 60,
            allow_plain_pkce: false,
            session_lifetime: 8 * 3600,
        }
    }
}

/// `[cache]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// How long realms, clients, scopes and signing keys read from the database are reused,
    /// seconds; a change made on another node is seen within this time. 0 disables caching.
    pub ttl_seconds: u32,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self { ttl_seconds: 10 }
    }
}

/// `[throttle]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThrottleConfig {
    /// Slow down repeated failed logins per account, and spraying addresses (on by default; turn
    /// it off only to benchmark the password path).
    pub enabled: bool,
    /// Distinct accounts failing from one address within an hour that make it a spraying
    /// address, whose attempts on unknown or failing accounts are then slowed.
    pub spray_accounts_per_hour: u32,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            spray_accounts_per_hour: oauth_core::throttle::DEFAULT_SPRAY_THRESHOLD,
        }
    }
}

/// `[admin]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminConfig {
    /// Shortest password the admin API accepts for a user (Authup's default is 10).
    pub password_min_length: usize,
    /// Shortest client secret the admin API accepts when one is supplied on create (moving in
    /// from Authup); generated secrets are 256 bits.
    pub client_secret_min_length: usize,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self {
            password_min_length: crate::state::DEFAULT_PASSWORD_MIN_LENGTH,
            client_secret_min_length: crate::state::DEFAULT_CLIENT_SECRET_MIN_LENGTH,
        }
    }
}

/// `[events]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// Audit events older than this many days are deleted (checked hourly).
    pub retention_days: u32,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self { retention_days: 90 }
    }
}

/// `[rate_limit]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Limit requests per client address and per client on the protocol endpoints.
    pub enabled: bool,
    /// Requests per second from one client address (per node).
    pub address_per_second: u32,
    /// Burst allowed from one client address.
    pub address_burst: u32,
    /// Requests per second of one `client_id` on the token endpoints (per node).
    pub client_per_second: u32,
    /// Burst allowed for one `client_id`.
    pub client_burst: u32,
    /// Admin API requests per second of one principal (user or client; per node).
    pub admin_per_second: u32,
    /// Burst allowed for one principal on the admin API.
    pub admin_burst: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            address_per_second: 100,
            address_burst: 200,
            client_per_second: 20_000,
            client_burst: 40_000,
            admin_per_second: 20,
            admin_burst: 100,
        }
    }
}

impl Config {
    /// Why other machines can reach this server, if they can: a listen address that is not a
    /// loopback address, a proxy in front (`http.trusted_proxies`), or a `public_url` whose host
    /// is not a loopback name or address. `None`: only this machine reaches it.
    pub fn public_exposure(&self) -> Option<String> {
        if let Ok(addr) = self.socket_addr()
            && !addr.ip().is_loopback()
        {
            return Some(format!("http.address {addr} is not a loopback address"));
        }
        if !self.http.trusted_proxies.is_empty() {
            return Some("http.trusted_proxies names a proxy in front of it".to_owned());
        }
        let host = url::Url::parse(&self.public_url)
            .ok()
            .and_then(|u| u.host().map(|h| h.to_owned()));
        let loopback = match &host {
            Some(url::Host::Domain(name)) => {
                name.eq_ignore_ascii_case("localhost") || name.ends_with(".localhost")
            }
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => true,
        };
        (!loopback).then(|| format!("public_url {} is not a loopback address", self.public_url))
    }

    /// `http.trusted_proxies` parsed (an address alone is a single-address range).
    pub fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, ConfigError> {
        self.http
            .trusted_proxies
            .iter()
            .map(|text| {
                text.parse::<ipnet::IpNet>()
                    .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| {
                        ConfigError(format!(
                            "http.trusted_proxies: {text:?} is not an IP address or CIDR range"
                        ))
                    })
            })
            .collect()
    }
}

mod keys;
pub use keys::KeysConfig;

/// A configuration error: one line, naming the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

/// Flags that override every other layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--address`.
    pub address: Option<String>,
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--public-url`.
    pub public_url: Option<String>,
}

mod load;

#[cfg(test)]
mod tests;
