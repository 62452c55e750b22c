//! Field checks shared by the admin resources; each error names the JSON field.

use uuid::Uuid;

use crate::error::ApiError;

/// Longest free text (descriptions).
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longest name-like field.
pub const MAX_NAME_CHARS: usize = 128;

/// Longest client secret accepted when one is supplied.
pub const MAX_SECRET_CHARS: usize = 1024;

/// A supplied client secret: `min` to [`MAX_SECRET_CHARS`] characters, no control characters.
/// The message never repeats the secret.
pub fn secret(field: &str, value: &str, min: usize) -> Result<(), ApiError> {
    if value.chars().count() < min {
        return Err(ApiError::invalid(
            field,
            format!("must be at least {min} characters (omit it to have one generated)"),
        ));
    }
    text(field, Some(value), MAX_SECRET_CHARS)
}

/// A name: 1 to 128 characters, no control characters, not a UUID (names and ids share paths).
pub fn name(field: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    if Uuid::parse_str(value).is_ok() || value.starts_with('@') {
        return Err(ApiError::invalid(
            field,
            "must not be a UUID or start with '@'",
        ));
    }
    Ok(())
}

/// Optional free text of at most `max` characters without control characters (newlines allowed).
pub fn text(field: &str, value: Option<&str>, max: usize) -> Result<(), ApiError> {
    let Some(value) = value else { return Ok(()) };
    if value.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// An e-mail address: one `@` with text on both sides, no spaces, at most 254 characters.
pub fn email(field: &str, value: Option<&str>) -> Result<(), ApiError> {
    let Some(value) = value else { return Ok(()) };
    let ok = value.len() <= 254
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(field, "is not an e-mail address"))
    }
}

/// A permission-like name: lowercase ASCII letters, digits and `_`, 1 to 128 characters.
pub fn identifier(field: &str, value: &str) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_NAME_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            "must be 1 to 128 lowercase letters, digits or '_'",
        ))
    }
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

/// Applies a nullable update to `target`.
pub fn apply<T>(target: &mut Option<T>, update: Option<Option<T>>) {
    if let Some(value) = update {
        *target = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_emails() {
        assert!(name("name", "alice").is_ok());
        for bad in [
            "",
            "  ",
            "a\u{0}b",
            "@me",
            "6f1c1f0e-7d2b-4c43-9d71-3a0c4c1f9a11",
        ] {
            assert!(name("name", bad).is_err(), "{bad:?}");
        }
        assert!(name("name", &"x".repeat(129)).is_err());
        assert!(email("email", Some("a@b.example")).is_ok());
        for bad in ["a", "@b", "a@", "a b@c", "a@b@c"] {
            assert!(email("email", Some(bad)).is_err(), "{bad:?}");
        }
        assert!(identifier("name", "doc_read2").is_ok());
        assert!(identifier("name", "Doc-Read").is_err());
    }
}
