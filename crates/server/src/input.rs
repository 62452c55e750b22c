//! Middleware: control characters in the path or the query string are `400` before any handler
//! runs (DESIGN §4, `oauth_core::text`).
//!
//! Bodies are checked by their parsers (`params.rs` for the protocol endpoints, `admin::parse_body`
//! for the admin API), which know their fields; this layer covers what every route shares, so a
//! NUL in `/realms/{realm}/...`, `/users/{id}`, `/authorize?client_id=` or `filter[name]` never
//! reaches a store, whatever the store.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use oauth_core::text::{Strictness, has_control};
use percent_encoding::percent_decode_str;

use crate::error::ApiError;

/// The first part of a request target that holds a control character: `path`, or the name of
/// the query parameter.
pub fn refused_field(path: &str, query: &str) -> Option<String> {
    if has_control(
        &percent_decode_str(path).decode_utf8_lossy(),
        Strictness::Token,
    ) {
        return Some("path".to_owned());
    }
    url::form_urlencoded::parse(query.as_bytes()).find_map(|(name, value)| {
        (has_control(&name, Strictness::Token) || has_control(&value, Strictness::Token)).then(
            || {
                name.chars()
                    .take(64)
                    .flat_map(char::escape_default)
                    .collect()
            },
        )
    })
}

/// Middleware: answers `400` naming the path or the query parameter that holds a control
/// character.
pub async fn refuse_control_characters(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if let Some(field) = refused_field(req.path(), req.query_string()) {
        let error = ApiError::invalid(field, "must not contain control characters");
        return Ok(req
            .into_response(error.error_response())
            .map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_paths_and_queries_are_named() {
        let cases = [
            ("/token", "", None),
            ("/realms/a%00b/token", "", Some("path")),
            ("/users/%01", "", Some("path")),
            ("/authorize", "client_id=%00", Some("client_id")),
            ("/users", "filter%5Bname%5D=a%00b", Some("filter[name]")),
            ("/users", "filter[name]=tab%09", Some("filter[name]")),
            ("/authorize", "a=1&b=%7F", Some("b")),
            ("/authorize", "state=%C3%A9+%E2%80%AE&x=%ZZ", None),
        ];
        for (path, query, expected) in cases {
            assert_eq!(
                refused_field(path, query).as_deref(),
                expected,
                "{path}?{query}"
            );
        }
    }
}
