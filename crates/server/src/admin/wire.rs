//! The admin API's wire dialect (DESIGN §3.4 "Wire details"): what a record's JSON view becomes
//! on the way out, and what a body becomes on the way in.
//!
//! Out: timestamps (every `...At` field and `authTime`, Unix seconds in the views) become ISO-8601 UTC strings
//! with milliseconds (`2026-11-30T12:00:00.000Z`); with `authup.compat = beta26` every key is
//! snake_case and a single record is answered bare, else (`current`) keys stay camelCase and a
//! single record comes in `{"data": ...}`.
//! In: snake_case keys are accepted in both profiles (renamed to camelCase before the strict
//! parse), ISO-8601 strings are accepted where a timestamp is input, and the Authup fields
//! Portcullis does not model ([`IGNORED`]) are dropped; any other unknown field stays a `400`.

use serde_json::{Map, Value};

use crate::config::Compat;
use crate::error::ApiError;

/// Authup fields (camelCase; snake_case arrives renamed) accepted and ignored on every resource,
/// because no resource here models them and dropping them grants nothing. Each resource adds its
/// own (`Resource::AUTHUP_IGNORED`); all are documented in `docs/authup-wire.md`.
pub const IGNORED: &[&str] = &["builtIn"];

/// Authup fields accepted only when `null`: ignoring a value would grant more than asked for (a
/// permission bound under a policy would be bound unconditionally).
pub const NULL_ONLY: &[&str] = &["policyId"];

/// `createdAt` → `created_at`.
pub fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `created_at` → `createdAt`.
pub fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Unix seconds as `2026-11-30T12:00:00.000Z`.
pub fn iso8601(seconds: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(seconds, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// An ISO-8601 / RFC 3339 timestamp as Unix seconds.
pub fn parse_iso8601(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// Whether a view field holds a timestamp: `createdAt`, `expiresAt`, ..., and `authTime`.
pub(crate) fn is_timestamp_key(key: &str) -> bool {
    (key.ends_with("At") && key.len() > 2) || key == "authTime"
}

/// A record's (or a list item's) JSON view as the profile answers it.
pub fn render(compat: Compat, value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, item) in map {
                let item = match item {
                    Value::Number(n) if is_timestamp_key(&key) => n
                        .as_i64()
                        .and_then(iso8601)
                        .map_or(Value::Number(n), Value::String),
                    other => render(compat, other),
                };
                let key = match compat {
                    Compat::Beta26 => snake(&key),
                    Compat::Current => key,
                };
                out.insert(key, item);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|i| render(compat, i)).collect()),
        other => other,
    }
}

/// A single record's answer: bare in `beta26`, in `{"data": ...}` otherwise.
pub fn single(compat: Compat, view: Value) -> Value {
    let view = render(compat, view);
    match compat {
        Compat::Beta26 => view,
        Compat::Current => serde_json::json!({ "data": view }),
    }
}

/// A body as the strict parser expects it: top-level snake_case keys renamed to camelCase (a key
/// given in both spellings is a `400` naming it), ISO-8601 timestamps to Unix seconds,
/// [`IGNORED`] fields and the resource's own `ignored` ones dropped, [`NULL_ONLY`] fields dropped when `null`, and Authup's
/// `isConfidential` read as `authMethod` (`secret` or `none`) unless that is given. Anything that
/// is not a JSON object is passed on unchanged (the parser refuses it).
pub fn normalize_body(bytes: &[u8], ignored: &[&str]) -> Result<Vec<u8>, ApiError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return Ok(bytes.to_vec());
    };
    let mut out = Map::with_capacity(map.len());
    let mut confidential = None;
    for (key, value) in map {
        let key = camel(&key);
        if IGNORED.contains(&key.as_str())
            || ignored.contains(&key.as_str())
            || (NULL_ONLY.contains(&key.as_str()) && value.is_null())
        {
            continue;
        }
        if key == "isConfidential" {
            match value {
                Value::Bool(b) => confidential = Some(b),
                Value::Null => {}
                _ => return Err(ApiError::invalid(key, "must be a boolean")),
            }
            continue;
        }
        let value = match value {
            Value::String(text) if is_timestamp_key(&key) => match parse_iso8601(&text) {
                Some(seconds) => Value::from(seconds),
                None => Value::String(text),
            },
            other => other,
        };
        if out.insert(key.clone(), value).is_some() {
            return Err(ApiError::invalid(
                key,
                "given twice (in camelCase and snake_case)",
            ));
        }
    }
    if let Some(confidential) = confidential
        && !out.contains_key("authMethod")
    {
        let method = if confidential { "secret" } else { "none" };
        out.insert("authMethod".to_owned(), Value::from(method));
    }
    serde_json::to_vec(&Value::Object(out))
        .map_err(|e| ApiError::from(oauth_core::Error::internal(e.to_string())))
}

#[cfg(test)]
mod tests;
