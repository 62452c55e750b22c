//! Which text may reach a store: no control characters (DESIGN §4).
//!
//! PostgreSQL refuses a NUL byte in any text value (SQLite stores it, and a later comparison
//! silently truncates), and no protocol parameter, name or identifier has a use for control
//! characters, so every parser refuses them before any store call, naming the field: `400`, never a
//! `503` from the database.
//!
//! - [`Strictness::Token`]: protocol parameters, path segments, query strings, credentials and JSON
//!   object keys refuse every control character (C0, DEL and C1, `char::is_control`), tab and
//!   line breaks included.
//! - [`Strictness::Prose`]: admin JSON string values (descriptions) may hold tab, line feed and
//!   carriage return, and nothing else of the kind.

/// How strict a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Identifiers, names, secrets, protocol parameters: no control character at all.
    Token,
    /// Free text: tab, LF and CR allowed; every other control character refused.
    Prose,
}

/// Whether `value` holds a character `strictness` refuses.
pub fn has_control(value: &str, strictness: Strictness) -> bool {
    value.chars().any(|c| {
        c.is_control() && !(strictness == Strictness::Prose && matches!(c, '\t' | '\n' | '\r'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_table() {
        let cases = [
            ("plain", false, false),
            ("", false, false),
            ("a\0b", true, true),
            ("\u{1}", true, true),
            ("\u{7f}", true, true),
            ("\u{85}", true, true),
            ("\u{9f}", true, true),
            ("tab\there", true, false),
            ("two\r\nlines", true, false),
            ("é ü \u{202e} \u{ffff}", false, false),
        ];
        for (value, token, prose) in cases {
            assert_eq!(has_control(value, Strictness::Token), token, "{value:?}");
            assert_eq!(has_control(value, Strictness::Prose), prose, "{value:?}");
        }
    }
}
