//! Admin request bodies: strict JSON objects (unknown fields are `400` naming the field), with no
//! control character in any key or string (tab and line breaks allowed in values). Authup's
//! spellings are normalized first (`wire::normalize_body`).

use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Parses a JSON body strictly, after dropping the Authup fields in `ignored` (camelCase) and
/// `wire::IGNORED`; an error names the field (`body` for the whole).
pub(crate) fn parse_body<T: DeserializeOwned>(
    bytes: &[u8],
    ignored: &[&str],
) -> Result<T, ApiError> {
    // Control characters never reach a store (`oauth_core::text`); checked on the raw document
    // so that fields the record type ignores (or Authup's that `wire` drops) are refused too.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = control_character_at(&value, "")
    {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    // Authup's spellings next (snake_case, ISO-8601, fields not modelled): `wire`.
    let normalized = super::wire::normalize_body(bytes, ignored)?;
    let bytes = normalized.as_slice();
    // serde would also read a struct from an array; the API takes objects only.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid("body", "the body must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            "the body is not valid JSON".to_owned()
        } else {
            // serde's message without the position suffix.
            inner
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        ApiError::invalid(field, message)
    })?;
    Ok(parsed)
}

/// The path of the first key or string in `value` holding a control character (keys: none at
/// all; string values: tab and line breaks allowed).
fn control_character_at(value: &serde_json::Value, path: &str) -> Option<String> {
    use oauth_core::text::{Strictness, has_control};
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(text) if has_control(text, Strictness::Prose) => {
            Some(if path.is_empty() {
                "body".to_owned()
            } else {
                path.to_owned()
            })
        }
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| control_character_at(item, &format!("{path}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(key, item)| {
            if has_control(key, Strictness::Token) {
                Some(join(&key.escape_default().to_string()))
            } else {
                control_character_at(item, &join(key))
            }
        }),
        _ => None,
    }
}
