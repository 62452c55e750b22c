//! The fuzz targets' bodies (`fuzz/fuzz_targets/*.rs` call these; so does the regression test that
//! replays the kept corpus, `tests/it/fuzz_corpus.rs`). Each takes arbitrary bytes, runs one
//! parser that sees untrusted input, and panics only when a property the protocol relies on breaks:
//! whatever the input, the parser answers (never panics) and what it accepts is sound.
//!
//! Compiled only with the `fuzzing` feature (the fuzz crate and the test suite turn it on), so
//! none of it, nor its panics, is in the shipped binary.

// Panicking is how a fuzz target reports a broken property or a harness that cannot start.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::{Arc, OnceLock};

use actix_web::http::header::HeaderValue;
use oauth_core::grant::Settings;
use oauth_core::keys::{self, Signer};
use oauth_core::memory::MemoryStore;
use oauth_core::model::SigningAlgorithm;
use oauth_core::password::{Argon2Params, PasswordHasher};
use oauth_core::random::SeededEntropy;
use oauth_core::request::MAX_PARAM_BYTES;
use oauth_core::request::{Params, TokenRequest};
use oauth_core::scope::Scope;
use oauth_core::secret::Password;
use oauth_core::store::KeyStore;
use oauth_core::text::{Strictness, has_control};
use oauth_core::{bearer, provision, redirect, token};

use crate::params;
use crate::state::now;

/// Issuer base of the in-memory fixtures.
const PUBLIC_URL: &str = "http://localhost:3001";

/// `application/x-www-form-urlencoded` and JSON bodies of the token endpoint, through
/// [`Params`] to a [`TokenRequest`]. A body that decodes never holds a duplicated parameter; one
/// is refused only for a duplicate, an overlong value or a control character.
pub fn token_form(data: &[u8]) {
    let pairs = if data.first() == Some(&b'{') {
        params::parse_json(data)
    } else {
        params::parse_form(data)
    };
    let Ok(pairs) = pairs else { return };
    let mut names: Vec<&str> = pairs.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    let duplicated = names.windows(2).any(|w| w[0] == w[1]);
    match Params::from_pairs(pairs.clone()) {
        Ok(params) => {
            assert!(!duplicated, "a duplicated parameter was accepted");
            let _ = TokenRequest::parse(&params, None, Some("master".to_owned()));
        }
        Err(_) => assert!(
            duplicated
                || pairs.iter().any(|(n, v)| {
                    v.len() > MAX_PARAM_BYTES
                        || has_control(n, Strictness::Token)
                        || has_control(v, Strictness::Token)
                })
        ),
    }
}

/// An `Authorization` header value as Basic client credentials: what decodes has a non-empty
/// client id.
pub fn basic_header(data: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    if let Ok((id, _secret)) = params::basic_header(&value) {
        assert!(!id.is_empty(), "an empty client id was accepted");
    }
}

/// Scope parsing: a parsed scope prints to a string that parses to the same scope, made of
/// RFC 6749 §3.3 characters only.
pub fn scope(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scope) = Scope::parse(text) else {
        return;
    };
    let printed = scope.to_string();
    assert_eq!(Scope::parse(&printed).ok(), Some(scope.clone()), "{text:?}");
    for token in scope.iter() {
        assert!(
            token
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b)),
            "{token:?}"
        );
    }
}

/// Redirect URIs: the bytes are a registered URI and a requested one, split at the first newline.
/// A match is exact, string for string, except the port of a loopback IP literal (RFC 8252 §7.3);
/// a URI matches itself once it validates.
pub fn redirect_uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (registered, requested) = text.split_once('\n').unwrap_or((text, text));
    if let Ok(valid) = redirect::validate(registered) {
        assert!(
            redirect::matches(&valid, &valid),
            "{valid:?} does not match itself"
        );
    }
    if redirect::matches(registered, requested) && registered != requested {
        // Only a loopback IP literal's port may differ: both parse as `http` on a loopback IP,
        // and the strings are equal once the `:digits` ending the authority is cut from each.
        let loopback = |uri: &str| {
            url::Url::parse(uri).is_ok_and(|u| {
                u.scheme() == "http"
                    && match u.host() {
                        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                        _ => false,
                    }
            })
        };
        let portless = |uri: &str| {
            let authority_at = uri.find("://").map_or(0, |i| i + 3);
            let rest = &uri[authority_at..];
            let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..authority_len];
            let digits = authority.trim_end_matches(|c: char| c.is_ascii_digit());
            let host = digits.strip_suffix(':').unwrap_or(authority);
            format!("{}{host}{}", &uri[..authority_at], &rest[authority_len..])
        };
        assert!(
            loopback(registered) && loopback(requested),
            "{registered:?} matched {requested:?}"
        );
        assert_eq!(portless(registered), portless(requested));
    }
    let list = format!("{registered},{requested}");
    if let Some(found) = redirect::find_match(Some(&list), requested) {
        assert!(redirect::matches(found, requested));
    }
}

/// A realm with keys in a memory store, and a signer of its current key.
struct Tokens {
    store: Arc<MemoryStore>,
    settings: Settings,
    signer: Signer,
    kid: String,
    alg: &'static str,
}

fn tokens() -> &'static Tokens {
    static TOKENS: OnceLock<Tokens> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let store = Arc::new(MemoryStore::new());
        let mut rng = SeededEntropy::new(7);
        let cheap = Argon2Params {
            memory_kib: 256,
            iterations: 1,
            parallelism: 1,
        };
        let hasher = PasswordHasher::new(cheap, &mut rng).expect("hasher");
        let admin = Password::new("fuzzing-admin");
        provision::bootstrap(store.as_ref(), &hasher, "admin", &admin, now(), &mut rng)
            .expect("bootstrap");
        let keys = store.list_signing_keys(None).expect("keys");
        let key = keys::current_key(&keys, SigningAlgorithm::Es256)
            .or_else(|| keys::current_key(&keys, SigningAlgorithm::Rs256))
            .expect("a signing key");
        Tokens {
            signer: Signer::from_key(key).expect("signer"),
            kid: key.id.to_string(),
            alg: key.algorithm.as_str(),
            settings: Settings::new(PUBLIC_URL, hasher),
            store,
        }
    })
}

/// Bearer JWTs as introspection and the admin API verify them. The first byte picks the shape:
/// `0`: the rest is the token itself; `1`: the rest is a JSON claims set, signed with the realm's
/// real key (so the claims checks run); `2`: the rest is a JOSE header, with a real payload and
/// signature. A token is accepted only if its issuer, expiry and signature hold.
pub fn bearer_jwt(data: &[u8]) {
    let t = tokens();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let token = match mode % 3 {
        0 => text.to_owned(),
        1 => {
            let Ok(claims) = serde_json::from_str::<serde_json::Value>(text) else {
                return;
            };
            let Ok(jwt) = token::sign_jwt(&t.signer, token::ACCESS_TOKEN_TYP, &claims) else {
                return;
            };
            jwt
        }
        _ => {
            use base64::Engine;
            use base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let claims = serde_json::json!({
                "iss": format!("{PUBLIC_URL}/realms/master"), "exp": now() + 60, "sub": "x",
            });
            let Ok(jwt) = token::sign_jwt(&t.signer, token::ACCESS_TOKEN_TYP, &claims) else {
                return;
            };
            let mut parts = jwt.splitn(2, '.');
            parts.next();
            format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(text),
                parts.next().unwrap_or_default()
            )
        }
    };
    let now = now();
    if let Ok(Ok(verified)) = bearer::verify(t.store.as_ref(), &t.settings, &token, now) {
        let header: Option<serde_json::Value> = token.split('.').next().and_then(|h| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
        });
        let header = header.expect("an accepted token has a JSON header");
        assert_eq!(header["kid"].as_str(), Some(t.kid.as_str()));
        assert_eq!(header["alg"].as_str(), Some(t.alg));
        assert_eq!(verified.realm.name, "master");
    }
}

/// Collections of the admin API whose `POST` creates a record.
pub const ADMIN_COLLECTIONS: [&str; 12] = [
    "realms",
    "users",
    "clients",
    "roles",
    "permissions",
    "scopes",
    "client-scopes",
    "user-roles",
    "role-permissions",
    "user-permissions",
    "client-permissions",
    "keys",
];

/// Records the admin target updates (`POST /{collection}/{id}`), made at start.
const ADMIN_RECORDS: [(&str, &str); 6] = [
    ("realms", r#"{"name":"fuzz"}"#),
    (
        "users",
        r#"{"name":"fuzz-user","password":"fuzzing-password"}"#,
    ),
    ("clients", r#"{"name":"fuzz-client"}"#),
    ("roles", r#"{"name":"fuzz-role"}"#),
    ("scopes", r#"{"name":"fuzz-scope"}"#),
    ("permissions", r#"{"name":"fuzz_permission"}"#),
];

type AdminCall = (String, Vec<u8>);
type AdminAnswer = (u16, Vec<u8>);

/// A thread that owns an actix system and the whole app over a memory store, answering admin
/// requests made with an administrator's token.
fn admin_api() -> &'static std::sync::Mutex<(
    std::sync::mpsc::Sender<AdminCall>,
    std::sync::mpsc::Receiver<AdminAnswer>,
)> {
    use std::sync::Mutex;
    use std::sync::mpsc::channel;
    static API: OnceLock<
        Mutex<(
            std::sync::mpsc::Sender<AdminCall>,
            std::sync::mpsc::Receiver<AdminAnswer>,
        )>,
    > = OnceLock::new();
    API.get_or_init(|| {
        let (call_tx, call_rx) = channel::<AdminCall>();
        let (answer_tx, answer_rx) = channel::<AdminAnswer>();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(serve_admin(call_rx, answer_tx));
        });
        Mutex::new((call_tx, answer_rx))
    })
}

async fn serve_admin(
    calls: std::sync::mpsc::Receiver<AdminCall>,
    answers: std::sync::mpsc::Sender<AdminAnswer>,
) {
    use actix_web::test;
    let t = tokens();
    let state = crate::state::AppState::new(
        t.store.clone(),
        t.settings.clone(),
        2,
        64 * 1024,
        std::time::Duration::ZERO,
    );
    let app = test::init_service(crate::app(state)).await;
    let login = test::TestRequest::post()
        .uri("/realms/master/token")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload("grant_type=password&username=admin&password=fuzzing-admin")
        .to_request();
    let tokens: serde_json::Value = test::call_and_read_body_json(&app, login).await;
    let bearer = format!(
        "Bearer {}",
        tokens["access_token"].as_str().unwrap_or_default()
    );
    let send = |uri: String, body: Vec<u8>| {
        test::TestRequest::post()
            .uri(&uri)
            .insert_header(("authorization", bearer.clone()))
            .insert_header(("content-type", "application/json"))
            .set_payload(body)
            .to_request()
    };
    let mut items = Vec::new();
    for (collection, body) in ADMIN_RECORDS {
        let made: serde_json::Value =
            test::call_and_read_body_json(&app, send(format!("/{collection}"), body.into())).await;
        let id = made["id"].as_str().unwrap_or("missing").to_owned();
        items.push(format!("/{collection}/{id}"));
    }
    while let Ok((uri, body)) = calls.recv() {
        let uri = match uri.parse::<usize>() {
            Ok(i) if i < ADMIN_COLLECTIONS.len() => format!("/{}", ADMIN_COLLECTIONS[i]),
            Ok(i) => items[(i - ADMIN_COLLECTIONS.len()) % items.len()].clone(),
            Err(_) => uri,
        };
        let response = test::call_service(&app, send(uri, body)).await;
        let status = response.status().as_u16();
        let body = test::read_body(response).await.to_vec();
        if answers.send((status, body)).is_err() {
            break;
        }
    }
}

/// Admin API JSON bodies: the first byte picks a create (`POST /{collection}`) or an update
/// (`POST /{collection}/{id}`), the rest is the body, sent with an administrator's token through
/// the whole app. The answer is never a 5xx, and a 4xx names its error in JSON.
pub fn admin_json(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let routes = ADMIN_COLLECTIONS.len() + ADMIN_RECORDS.len();
    let api = admin_api().lock().unwrap_or_else(|e| e.into_inner());
    api.0
        .send(((pick as usize % routes).to_string(), body.to_vec()))
        .expect("the admin thread runs");
    let (status, answer) = api.1.recv().expect("the admin thread answers");
    assert!(
        status < 500,
        "{status}: {}",
        String::from_utf8_lossy(&answer)
    );
    if status >= 400 {
        let error: serde_json::Value =
            serde_json::from_slice(&answer).expect("an error body is JSON");
        assert!(error["error"].is_string(), "{error}");
    }
}
