//! `[cors]`: which browser origins may read the protocol endpoints and the admin API
//! (`oauth_core::cors` has the rules).

use std::collections::{BTreeMap, BTreeSet};

use oauth_core::cors::{CorsPolicy, parse_origin};
use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[cors]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorsConfig {
    /// Origins (`scheme://host[:port]`) allowed on every realm's protocol endpoints.
    pub allowed_origins: Vec<String>,
    /// Origins allowed on one realm's protocol endpoints (and the root ones), by realm name.
    pub realms: BTreeMap<String, Vec<String>>,
    /// Origins allowed on the admin API (none by default: no browser app on another origin).
    pub admin_origins: Vec<String>,
    /// Allow the origins of the redirect URIs of each realm's active public clients on that
    /// realm's protocol endpoints (a single-page app doing PKCE).
    pub public_clients: bool,
}

impl Default for CorsConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            realms: BTreeMap::new(),
            admin_origins: Vec::new(),
            public_clients: true,
        }
    }
}

impl CorsConfig {
    /// The core's policy; an error names the key and the bad origin.
    pub fn policy(&self) -> Result<CorsPolicy, ConfigError> {
        let parse = |key: &str, list: &[String]| -> Result<BTreeSet<String>, ConfigError> {
            list.iter()
                .map(|o| parse_origin(o).map_err(|why| ConfigError(format!("{key}: {why}"))))
                .collect()
        };
        let mut realms = BTreeMap::new();
        for (name, list) in &self.realms {
            realms.insert(name.clone(), parse(&format!("cors.realms.{name}"), list)?);
        }
        Ok(CorsPolicy {
            everywhere: parse("cors.allowed_origins", &self.allowed_origins)?,
            realms,
            admin: parse("cors.admin_origins", &self.admin_origins)?,
            public_clients: self.public_clients,
        })
    }
}
