//! RFC 6750 on the server's side: the one reader of `Authorization: Bearer` and the one writer of
//! the `WWW-Authenticate: Bearer` challenge, for the admin API, introspection and userinfo.

use actix_web::HttpRequest;
use actix_web::http::header;

/// The bearer token of the `Authorization` header: `Ok(None)` when there is no such header,
/// `Err` (the `invalid_request`/`invalid_token` description) when it holds anything other than a
/// non-empty bearer token.
pub fn from_header(req: &HttpRequest) -> Result<Option<String>, &'static str> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let not_bearer = "the Authorization header is not a Bearer token";
    let value = value.to_str().map_err(|_| not_bearer)?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() {
                Err(not_bearer)
            } else {
                Ok(Some(token.to_owned()))
            }
        }
        _ => Err(not_bearer),
    }
}

/// A `WWW-Authenticate: Bearer` challenge (RFC 6750 §3): the realm, then `error`,
/// `error_description` and `scope` when given. Values are quoted; a `"` or `\` in them (which
/// RFC 6750's grammar does not allow) becomes `'`.
pub fn challenge(error: Option<&str>, description: Option<&str>, scope: Option<&str>) -> String {
    let mut out = String::from("Bearer realm=\"portcullis\"");
    for (name, value) in [
        ("error", error),
        ("error_description", description),
        ("scope", scope),
    ] {
        if let Some(value) = value {
            out.push_str(", ");
            out.push_str(name);
            out.push_str("=\"");
            out.extend(
                value
                    .chars()
                    .map(|c| if c == '"' || c == '\\' { '\'' } else { c }),
            );
            out.push('"');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::{challenge, from_header};

    #[test]
    fn only_a_non_empty_bearer_token_is_read() {
        let with = |value: &str| {
            let req = TestRequest::default()
                .insert_header(("authorization", value))
                .to_http_request();
            from_header(&req)
        };
        assert_eq!(
            from_header(&TestRequest::default().to_http_request()),
            Ok(None)
        );
        assert_eq!(with("Bearer abc"), Ok(Some("abc".to_owned())));
        assert_eq!(with("bearer  abc "), Ok(Some("abc".to_owned())));
        assert!(with("Basic YTpi").is_err());
        assert!(with("Bearer ").is_err());
        assert!(with("Bearer").is_err());
    }

    #[test]
    fn challenges_quote_their_values_safely() {
        assert_eq!(challenge(None, None, None), "Bearer realm=\"portcullis\"");
        assert_eq!(
            challenge(Some("invalid_token"), Some("say \"hi\" \\ bye"), None),
            "Bearer realm=\"portcullis\", error=\"invalid_token\", error_description=\"say 'hi' ' bye\""
        );
        assert_eq!(
            challenge(Some("insufficient_scope"), None, Some("global")),
            "Bearer realm=\"portcullis\", error=\"insufficient_scope\", scope=\"global\""
        );
    }
}
