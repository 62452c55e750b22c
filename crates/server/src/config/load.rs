//! Loading the layers (defaults, file, environment, flags) and validating the result: one line
//! naming the key for anything wrong.

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};

use super::*;

const TOP_LEVEL_KEYS: [&str; 15] = [
    "http",
    "public_url",
    "database",
    "log",
    "bootstrap",
    "argon2",
    "tokens",
    "cache",
    "throttle",
    "admin",
    "events",
    "keys",
    "rate_limit",
    "cors",
    "authup",
];

impl Config {
    /// Loads and validates the layers. `file` is `--config`; without it `portcullis.toml` is read
    /// if present. Answers the configuration and warnings to log once logging is up.
    pub fn load(
        file: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<(Self, Vec<String>), ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "--config: file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
            }
            None => {}
        }
        let known = |key: &figment::value::UncasedStr| {
            let top = key.as_str().split("__").next().unwrap_or_default();
            TOP_LEVEL_KEYS.iter().any(|k| top.eq_ignore_ascii_case(k))
        };
        figment = figment.merge(Env::prefixed("PORTCULLIS_").filter(known).split("__"));
        let warnings: Vec<String> = std::env::vars_os()
            .filter_map(|(k, _)| k.into_string().ok())
            .filter_map(|k| k.strip_prefix("PORTCULLIS_").map(str::to_owned))
            .filter(|k| {
                let top = k.split("__").next().unwrap_or_default();
                !TOP_LEVEL_KEYS.iter().any(|t| top.eq_ignore_ascii_case(t))
                    && !k.starts_with("TEST_")
            })
            .map(|k| format!("ignoring unknown environment variable PORTCULLIS_{k}"))
            .collect();
        if let Some(v) = &overrides.address {
            figment = figment.merge(Serialized::default("http.address", v));
        }
        if let Some(v) = &overrides.database_url {
            figment = figment.merge(Serialized::default("database.url", v));
        }
        if let Some(v) = &overrides.public_url {
            figment = figment.merge(Serialized::default("public_url", v));
        }
        let config: Config = figment.extract().map_err(|e| ConfigError(describe(&e)))?;
        config.validate()?;
        Ok((config, warnings))
    }

    /// The listen address.
    pub fn socket_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.http.address.parse().map_err(|_| {
            ConfigError(format!(
                "http.address: {:?} is not a host:port socket address",
                self.http.address
            ))
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: String| Err(ConfigError(format!("{key}: {why}")));
        self.socket_addr()?;
        let url = self.public_url.trim_end_matches('/');
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => {}
            _ => {
                return bad(
                    "public_url",
                    format!(
                        "{:?} must be an absolute http(s) URL without query or fragment",
                        self.public_url
                    ),
                );
            }
        }
        if self.database.url.trim().is_empty() {
            return bad("database.url", "must not be empty".to_owned());
        }
        if self.database.pool_size == 0 {
            return bad("database.pool_size", "must be at least 1".to_owned());
        }
        if self.http.body_limit < 1024 {
            return bad("http.body_limit", "must be at least 1024 bytes".to_owned());
        }
        if self.http.workers == Some(0) {
            return bad("http.workers", "must be at least 1".to_owned());
        }
        if !(1..=600).contains(&self.tokens.authorization_code_lifetime) {
            return bad(
                "tokens.authorization_code_lifetime",
                "must be 1 to 600 seconds".to_owned(),
            );
        }
        if self.tokens.session_lifetime < 60 {
            return bad(
                "tokens.session_lifetime",
                "must be at least 60 seconds".to_owned(),
            );
        }
        if !(1..=1024).contains(&self.admin.password_min_length) {
            return bad(
                "admin.password_min_length",
                "must be 1 to 1024 characters".to_owned(),
            );
        }
        if !(crate::state::DEFAULT_CLIENT_SECRET_MIN_LENGTH..=1024)
            .contains(&self.admin.client_secret_min_length)
        {
            return bad(
                "admin.client_secret_min_length",
                format!(
                    "must be {} to 1024 characters",
                    crate::state::DEFAULT_CLIENT_SECRET_MIN_LENGTH
                ),
            );
        }
        self.trusted_proxies()?;
        self.cors.policy()?;
        self.keys.encryption_key()?;
        if self.keys.check_interval_seconds == 0 {
            return bad(
                "keys.check_interval_seconds",
                "must be at least 1".to_owned(),
            );
        }
        if self.events.retention_days == 0 {
            return bad("events.retention_days", "must be at least 1".to_owned());
        }
        if !(1..=300).contains(&self.http.request_timeout) {
            return bad(
                "http.request_timeout",
                "must be 1 to 300 seconds".to_owned(),
            );
        }
        if self.http.keep_alive > 3600 {
            return bad("http.keep_alive", "must be 0 to 3600 seconds".to_owned());
        }
        if !(1..=600).contains(&self.http.body_timeout) {
            return bad("http.body_timeout", "must be 1 to 600 seconds".to_owned());
        }
        if self.http.max_connections == 0 {
            return bad("http.max_connections", "must be at least 1".to_owned());
        }
        if self.throttle.spray_accounts_per_hour == 0 {
            return bad(
                "throttle.spray_accounts_per_hour",
                "must be at least 1".to_owned(),
            );
        }
        if self.argon2.max_concurrent == Some(0) {
            return bad("argon2.max_concurrent", "must be at least 1".to_owned());
        }
        if argon2_check(&self.argon2).is_err() {
            return bad(
                "argon2",
                format!(
                    "memory_kib={}, iterations={}, parallelism={} are not valid Argon2 parameters \
                     (memory_kib >= 8 * parallelism, iterations >= 1, parallelism >= 1)",
                    self.argon2.memory_kib, self.argon2.iterations, self.argon2.parallelism
                ),
            );
        }
        if self.bootstrap.enabled && self.bootstrap.admin_username.trim().is_empty() {
            return bad("bootstrap.admin_username", "must not be empty".to_owned());
        }
        Ok(())
    }

    /// Whether `public_url` is https (cookies get `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn argon2_check(c: &Argon2Config) -> Result<(), ()> {
    let ok = c.iterations >= 1 && c.parallelism >= 1 && c.memory_kib >= 8 * c.parallelism;
    if ok { Ok(()) } else { Err(()) }
}

/// One line for a figment error: the key, what is wrong, and where the value came from.
fn describe(err: &figment::Error) -> String {
    let key = if err.path.is_empty() {
        "(root)".to_owned()
    } else {
        err.path.join(".")
    };
    let source = err
        .metadata
        .as_ref()
        .map(|m| match &m.source {
            Some(source) => format!(" (from {} {source})", m.name),
            None => format!(" (from {})", m.name),
        })
        .unwrap_or_default();
    format!("{key}: {}{source}", err.kind)
}
