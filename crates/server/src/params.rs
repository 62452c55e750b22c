//! Strict request decoding for the protocol endpoints.
//!
//! - The body is read up to the configured limit (64 KiB by default); more is `413`, and a body
//!   slower than `http.body_timeout` (10 s by default) is `408`.
//! - `application/x-www-form-urlencoded` is decoded pair by pair with `percent-encoding`; a value
//!   that is not UTF-8 after decoding is `invalid_request`, never replaced silently.
//! - `application/json` (as Authup accepts) must be an object of strings (numbers and booleans
//!   are taken as their text, `null` as absent).
//! - A parameter given twice is `invalid_request` (checked by `oauth_core::request::Params`).
//! - `Authorization: Basic` credentials are base64, then each half form-decoded (RFC 6749 §2.3.1).
//! - A control character in any name, value or credential is `invalid_request` naming it
//!   (`oauth_core::text`); `input::refuse_control_characters` does the same for every path and
//!   query string.

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::BytesMut;
use futures_util::StreamExt;
use oauth_core::OAuthError;
use oauth_core::request::Params;
use oauth_core::secret::ClientSecret;
use oauth_core::text::{Strictness, has_control};
use percent_encoding::percent_decode;

use crate::error::ApiError;
use crate::state::{AppState, DEFAULT_BODY_TIMEOUT};

/// Reads the whole body, refusing more than `limit` bytes, and a body that has not arrived within
/// the app's `body_timeout` (`408`: a slow sender cannot hold a handler forever).
pub async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let deadline = req
        .app_data::<web::Data<AppState>>()
        .map_or(DEFAULT_BODY_TIMEOUT, |state| state.body_timeout);
    let read = async {
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk
                .map_err(|_| OAuthError::invalid_request("the request body could not be read"))?;
            if body.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    tokio::time::timeout(deadline, read)
        .await
        .map_err(|_| ApiError::BodyTimeout)?
}

/// Decodes the body's parameters according to its `Content-Type`.
pub fn parse_params(req: &HttpRequest, body: &[u8]) -> Result<Params, OAuthError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or_default())
        .unwrap_or_default();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" => Params::from_pairs(parse_form(body)?),
        "application/json" => Params::from_pairs(parse_json(body)?),
        "" if body.is_empty() => Params::from_pairs([]),
        _ => Err(OAuthError::invalid_request(
            "Content-Type must be application/x-www-form-urlencoded or application/json",
        )),
    }
}

fn decode_component(raw: &[u8]) -> Result<String, OAuthError> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&spaced)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| OAuthError::invalid_request("a parameter is not valid UTF-8"))
}

/// Decodes `application/x-www-form-urlencoded` into pairs, strictly.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            Ok((decode_component(name)?, decode_component(value)?))
        })
        .collect()
}

/// Decodes a JSON object of strings (numbers and booleans as their text, `null` as absent) into pairs.
pub fn parse_json(body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| OAuthError::invalid_request("the body is not valid JSON"))?;
    let serde_json::Value::Object(map) = value else {
        return Err(OAuthError::invalid_request(
            "the JSON body must be an object",
        ));
    };
    let mut pairs = Vec::with_capacity(map.len());
    for (name, value) in map {
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            serde_json::Value::Null => continue,
            _ => {
                return Err(OAuthError::invalid_request(format!(
                    "parameter '{}' must be a string",
                    name.chars().take(64).collect::<String>()
                )));
            }
        };
        pairs.push((name, text));
    }
    Ok(pairs)
}

/// The client credentials of an `Authorization: Basic` header, if there is one.
pub fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, ClientSecret)>, OAuthError> {
    req.headers()
        .get(header::AUTHORIZATION)
        .map(basic_header)
        .transpose()
}

/// The client credentials of one `Authorization` header value, which must be `Basic`.
pub fn basic_header(value: &header::HeaderValue) -> Result<(String, ClientSecret), OAuthError> {
    let malformed = || OAuthError::invalid_request("malformed Authorization header");
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, encoded) = value.split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(OAuthError::invalid_request(
            "only the Basic authorization scheme is accepted here",
        ));
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let split = decoded
        .iter()
        .position(|&b| b == b':')
        .ok_or_else(malformed)?;
    let id = decode_component(&decoded[..split])?;
    let secret = decode_component(&decoded[split + 1..])?;
    if has_control(&id, Strictness::Token) || has_control(&secret, Strictness::Token) {
        return Err(OAuthError::invalid_request(
            "Basic credentials contain a control character",
        ));
    }
    if id.is_empty() {
        return Err(OAuthError::invalid_request(
            "empty client_id in Basic credentials",
        ));
    }
    Ok((id, ClientSecret::new(secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> Result<Vec<(String, String)>, ()> {
        parse_form(body.as_bytes()).map_err(|_| ())
    }

    fn pairs(list: &[(&str, &str)]) -> Result<Vec<(String, String)>, ()> {
        Ok(list
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect())
    }

    #[test]
    fn form_table() {
        assert_eq!(form("a=1&b=2"), pairs(&[("a", "1"), ("b", "2")]));
        assert_eq!(form("a=x+y%2Bz"), pairs(&[("a", "x y+z")]));
        assert_eq!(form("a&&b="), pairs(&[("a", ""), ("b", "")]));
        assert_eq!(form("a=b=c"), pairs(&[("a", "b=c")]));
        assert_eq!(form("n=%C3%A9"), pairs(&[("n", "é")]));
        assert_eq!(form("n=%FF"), Err(()));
        assert_eq!(form("%FF=1"), Err(()));
        assert_eq!(form(""), pairs(&[]));
    }

    #[test]
    fn invalid_utf8_bytes_are_refused() {
        assert!(parse_form(b"a=\xff\xfe").is_err());
    }

    #[test]
    fn json_table() {
        let ok = parse_json(br#"{"grant_type":"password","n":3,"b":true,"z":null}"#).unwrap();
        assert_eq!(ok.len(), 3);
        assert!(parse_json(b"[1]").is_err());
        assert!(parse_json(br#"{"a":{"b":1}}"#).is_err());
        assert!(parse_json(b"{").is_err());
    }

    fn basic(value: &str) -> Result<Option<(String, String)>, ()> {
        let req = actix_web::test::TestRequest::default()
            .insert_header((header::AUTHORIZATION, value))
            .to_http_request();
        basic_credentials(&req)
            .map(|o| o.map(|(i, s)| (i, s.secret().to_owned())))
            .map_err(|_| ())
    }

    #[test]
    fn basic_table() {
        let enc = |s: &str| format!("Basic {}", STANDARD.encode(s));
        assert_eq!(
            basic(&enc("id:secret")),
            Ok(Some(("id".into(), "secret".into())))
        );
        assert_eq!(
            basic(&enc("my%20id:s%3Acret")),
            Ok(Some(("my id".into(), "s:cret".into())))
        );
        assert_eq!(basic(&enc("id:")), Ok(Some(("id".into(), "".into()))));
        assert_eq!(basic(&enc(":secret")), Err(()));
        assert_eq!(basic(&enc("nocolon")), Err(()));
        assert_eq!(basic("Basic !!!"), Err(()));
        assert_eq!(basic("Bearer abc"), Err(()));
        assert_eq!(basic("Basic"), Err(()));
    }
}

#[cfg(test)]
mod properties {
    use base64::Engine;
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Any body: the form parser answers pairs or an error; what it accepts has no duplicate
        /// names.
        #[test]
        fn forms_parse_or_refuse(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(pairs) = parse_form(&body) {
                let mut names: Vec<&String> = pairs.iter().map(|(k, _)| k).collect();
                names.sort();
                names.dedup();
                prop_assert!(names.len() <= pairs.len());
            }
        }

        /// A Basic header of percent-encoded id and secret (without control characters, which
        /// are refused) decodes to exactly them (RFC 6749 §2.3.1); any other header value is
        /// refused or read, never a panic.
        #[test]
        fn basic_credentials_round_trip(id in "[^\\p{Cc}]{1,20}", secret in "[^\\p{Cc}]{0,20}", junk in ".{0,40}") {
            let encode = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
            let header = format!("Basic {}", STANDARD.encode(format!("{}:{}", encode(&id), encode(&secret))));
            let req = actix_web::test::TestRequest::default()
                .insert_header((header::AUTHORIZATION, header))
                .to_http_request();
            let (got_id, got_secret) = basic_credentials(&req).unwrap().unwrap();
            prop_assert_eq!(got_id, id);
            prop_assert_eq!(got_secret.secret(), secret.as_str());
            if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&junk) {
                let req = actix_web::test::TestRequest::default()
                    .insert_header((header::AUTHORIZATION, value))
                    .to_http_request();
                let _ = basic_credentials(&req);
            }
        }

        /// Bearer JWTs of any shape are refused (or verified), never a panic or a store error.
        #[test]
        fn arbitrary_jwts_are_refused(a in "[A-Za-z0-9_-]{0,60}", b in "[A-Za-z0-9_-]{0,60}", c in ".{0,40}") {
            let store = oauth_core::memory::MemoryStore::new();
            let token = format!("{a}.{b}.{c}");
            let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"typ\":\"at+jwt\",\"alg\":\"ES256\",\"kid\":\"{c}\"}}"));
            for t in [token, format!("{header}.{b}.{a}")] {
                let outcome = oauth_core::bearer::verify_signed(&store, &t, "at+jwt");
                prop_assert!(matches!(outcome, Ok(Err(_))), "{:?}", outcome);
            }
        }
    }
}
