//! `[keys]`: rotation, pre-publication, the check interval and the key-encryption key for private
//! keys at rest.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// `[keys]`.
#[derive(Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// Rotate a realm's signing keys when the active one is this many days old (0: only with
    /// `portcullis keys rotate`).
    pub rotation_days: u32,
    /// How long a new key is published in the JWKS before it signs, seconds (longer than any
    /// client caches the JWKS).
    pub prepublish_seconds: u32,
    /// How often each node checks for due key changes, seconds.
    pub check_interval_seconds: u32,
    /// Key-encryption key for private keys at rest (AES-256-GCM): 32 bytes as base64 or 64 hex
    /// digits. Unset: private keys are stored unencrypted.
    pub encryption_key: Option<String>,
    /// Read the key-encryption key from this file instead.
    pub encryption_key_file: Option<PathBuf>,
}

impl std::fmt::Debug for KeysConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeysConfig")
            .field("rotation_days", &self.rotation_days)
            .field("prepublish_seconds", &self.prepublish_seconds)
            .field("check_interval_seconds", &self.check_interval_seconds)
            .field(
                "encryption_key",
                &self.encryption_key.as_ref().map(|_| "[redacted]"),
            )
            .field("encryption_key_file", &self.encryption_key_file)
            .finish()
    }
}

impl KeysConfig {
    /// The key-encryption key, if one is configured; an error names the key and what is wrong.
    pub fn encryption_key(&self) -> Result<Option<[u8; 32]>, ConfigError> {
        let (text, key) = match (&self.encryption_key, &self.encryption_key_file) {
            (Some(_), Some(_)) => {
                return Err(ConfigError(
                    "keys.encryption_key and keys.encryption_key_file are both set; keep one"
                        .into(),
                ));
            }
            (Some(text), None) => (text.trim().to_owned(), "keys.encryption_key"),
            (None, Some(path)) => (
                std::fs::read_to_string(path)
                    .map_err(|e| {
                        ConfigError(format!(
                            "keys.encryption_key_file: cannot read {}: {e}",
                            path.display()
                        ))
                    })?
                    .trim()
                    .to_owned(),
                "keys.encryption_key_file",
            ),
            (None, None) => return Ok(None),
        };
        use base64::Engine;
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .ok()
        } else {
            base64::engine::general_purpose::STANDARD.decode(&text).ok()
        };
        bytes
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(Some)
            .ok_or_else(|| {
                ConfigError(format!(
                    "{key}: must be 32 bytes, as base64 or 64 hex digits (e.g. `openssl rand -base64 32`)"
                ))
            })
    }
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            rotation_days: 90,
            prepublish_seconds: 3600,
            check_interval_seconds: 60,
            encryption_key: None,
            encryption_key_file: None,
        }
    }
}
