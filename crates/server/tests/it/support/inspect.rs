//! Reading what the server answered: JWTs verified against a JWKS, their headers, a tampered
//! copy, and the hidden inputs of an HTML form.

use base64::Engine;

/// Verifies a JWT against a JWKS document; answers (header, claims).
pub fn verify(jwt: &str, jwks: &serde_json::Value) -> (serde_json::Value, serde_json::Value) {
    let header_b64 = jwt.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header_b64)
            .unwrap(),
    )
    .unwrap();
    let kid = header["kid"].as_str().unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("kid in JWKS");
    let jwk = josekit::jwk::Jwk::from_bytes(key.to_string().as_bytes()).unwrap();
    let (payload, _) = match header["alg"].as_str().unwrap() {
        "ES256" => josekit::jwt::decode_with_verifier(
            jwt,
            &josekit::jws::ES256.verifier_from_jwk(&jwk).unwrap(),
        ),
        "RS256" => josekit::jwt::decode_with_verifier(
            jwt,
            &josekit::jws::RS256.verifier_from_jwk(&jwk).unwrap(),
        ),
        other => panic!("unexpected alg {other}"),
    }
    .expect("signature verifies");
    (
        header,
        serde_json::Value::Object(payload.claims_set().clone()),
    )
}

/// The hidden inputs of an HTML form, as (name, value), unescaped.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\"")
        .skip(1)
        .filter_map(|rest| {
            let attr = |name: &str| {
                let marker = format!("{name}=\"");
                let start = rest.find(&marker)? + marker.len();
                let end = rest[start..].find('"')? + start;
                Some(unescape(&rest[start..end]))
            };
            Some((attr("name")?, attr("value")?))
        })
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `token` with one character in the middle of its signature changed (a signature byte, never a
/// padding bit).
pub fn tamper(token: &str) -> String {
    let at = token.rfind('.').unwrap() + 10;
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// The `kid` of a JWT's header.
pub fn verify_header_kid(jwt: &str) -> String {
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}
