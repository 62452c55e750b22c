//! Secret hygiene across the whole suite. Every real server the tests start (`support::Server`)
//! is reached through a [`Tap`], a TCP relay that keeps every byte of every request and response;
//! every in-process response goes through `support::send`. From what the tests sent (passwords,
//! client secrets, refresh tokens in forms, JSON and Basic headers), what the server answered
//! (refresh tokens, client secrets) and the signing keys in the database, a [`Ledger`] learns the
//! secrets in play, then checks:
//!
//! - no password, client secret, refresh token or private key appears in any log line;
//! - no password or private key appears in any response;
//! - a refresh token or client secret appears in one response at most: the one that issued it.
//!
//! A violation fails the test that produced it, naming the kind of secret and where it was seen
//! (never the secret itself).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// What a secret is, which decides where it may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Password,
    ClientSecret,
    RefreshToken,
    PrivateKey,
}

/// Secrets learnt, how many responses each appeared in, and what broke the rules.
#[derive(Default, Clone)]
pub(crate) struct Ledger {
    secrets: BTreeMap<String, (Kind, usize, Forms)>,
    responses: usize,
    logs: usize,
    violations: Vec<String>,
}

/// Shortest value taken for a secret (shorter ones would match by chance).
const MIN_SECRET: usize = 8;

/// A secret's percent-encoded and JSON-escaped forms, computed once when it is learnt (the
/// ledger checks every response of the binary against every secret).
#[derive(Clone)]
pub(crate) struct Forms {
    encoded: String,
    escaped: String,
}

impl Forms {
    fn of(secret: &str) -> Self {
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let escaped = serde_json::to_string(secret).unwrap_or_default();
        Self {
            encoded,
            escaped: escaped.trim_matches('"').to_owned(),
        }
    }
}

/// Whether `text` holds `secret` as is, percent-encoded or JSON-escaped.
fn holds(text: &str, secret: &str, forms: &Forms) -> bool {
    text.contains(secret) || text.contains(&forms.encoded) || text.contains(&forms.escaped)
}

impl Ledger {
    pub(crate) fn learn(&mut self, kind: Kind, value: &str) {
        if value.len() >= MIN_SECRET {
            self.secrets
                .entry(value.to_owned())
                .or_insert_with(|| (kind, 0, Forms::of(value)));
        }
    }

    /// Learns the secrets a request carries: form and JSON fields, Basic credentials.
    pub(crate) fn learn_request(&mut self, raw: &str) {
        for (field, kind) in [
            ("password", Kind::Password),
            ("client_secret", Kind::ClientSecret),
            ("refresh_token", Kind::RefreshToken),
        ] {
            for value in form_values(raw, field)
                .into_iter()
                .chain(json_values(raw, field))
            {
                self.learn(kind, &value);
            }
        }
        for line in raw.lines() {
            let lower = line.to_ascii_lowercase();
            if let Some(rest) = lower.strip_prefix("authorization: basic ") {
                let encoded = &line[line.len() - rest.len()..];
                if let Ok(decoded) = STANDARD.decode(encoded.trim())
                    && let Ok(text) = String::from_utf8(decoded)
                    && let Some((_, secret)) = text.split_once(':')
                {
                    self.learn(Kind::ClientSecret, &form_decode(secret));
                }
            }
        }
    }

    /// Checks one response and learns the secrets it issues: a refresh token or client secret
    /// may be in the response that issued it, never in a second one; a password or private key
    /// never.
    pub(crate) fn learn_response(&mut self, raw: &str) {
        for value in json_values(raw, "refresh_token") {
            self.learn(Kind::RefreshToken, &value);
        }
        for value in json_values(raw, "secret") {
            self.learn(Kind::ClientSecret, &value);
        }
        self.responses += 1;
        for (secret, (kind, seen, forms)) in &mut self.secrets {
            let hits = usize::from(holds(raw, secret, forms));
            *seen += hits;
            let allowed = match kind {
                Kind::Password | Kind::PrivateKey => 0,
                Kind::ClientSecret | Kind::RefreshToken => 1,
            };
            if hits > 0 && *seen > allowed {
                self.violations.push(format!(
                    "{kind:?} in {seen} responses (at most {allowed} allowed)"
                ));
            }
        }
    }

    /// Checks a log (every line) against every secret learnt so far.
    pub(crate) fn check_log(&mut self, whose: &str, text: &str) {
        for (i, line) in text.lines().enumerate() {
            self.logs += 1;
            for (secret, (kind, _, forms)) in &self.secrets {
                if holds(line, secret, forms) {
                    self.violations.push(format!(
                        "{kind:?} in {whose} line {}: {}",
                        i + 1,
                        redact(line, secret)
                    ));
                }
            }
        }
    }

    /// Learns a signing key's private parts: the stored base64 DER, its PEM lines and its JWK
    /// private parameters.
    pub(crate) fn learn_private_key(&mut self, der_base64: &str) {
        self.learn(Kind::PrivateKey, der_base64);
        for line in der_base64.as_bytes().chunks(64) {
            self.learn(
                Kind::PrivateKey,
                std::str::from_utf8(line).unwrap_or_default(),
            );
        }
        let Ok(der) = STANDARD.decode(der_base64) else {
            return;
        };
        let jwk = josekit::jwk::alg::ec::EcKeyPair::from_der(
            &der,
            Some(josekit::jwk::alg::ec::EcCurve::P256),
        )
        .map(|k| k.to_jwk_private_key())
        .or_else(|_| {
            josekit::jwk::alg::rsa::RsaKeyPair::from_der(&der).map(|k| k.to_jwk_private_key())
        });
        if let Ok(jwk) = jwk {
            for name in ["d", "p", "q", "dp", "dq", "qi"] {
                if let Some(value) = jwk.parameter(name).and_then(|v| v.as_str()) {
                    self.learn(Kind::PrivateKey, value);
                }
            }
        }
    }

    pub(crate) fn violation_count(&self) -> usize {
        self.violations.len()
    }

    /// The violations found since there were `before`, if any.
    pub(crate) fn violations_since(&self, before: usize) -> Option<String> {
        let new = &self.violations[before..];
        (!new.is_empty()).then(|| new.join("\n"))
    }

    /// How many secrets of each kind, responses and log lines were checked.
    pub(crate) fn summary(&self) -> String {
        let mut kinds: BTreeMap<Kind, usize> = BTreeMap::new();
        for (kind, _, _) in self.secrets.values() {
            *kinds.entry(*kind).or_default() += 1;
        }
        format!(
            "{kinds:?} secrets; {} responses, {} log lines",
            self.responses, self.logs
        )
    }

    /// Panics naming each violation (never the secret itself).
    pub(crate) fn assert_clean(&self, whose: &str) {
        assert!(
            self.violations.is_empty(),
            "secret hygiene ({whose}; {}):\n{}",
            self.summary(),
            self.violations.join("\n")
        );
    }
}

fn redact(line: &str, secret: &str) -> String {
    line.replace(secret, "[SECRET]").chars().take(300).collect()
}

fn form_decode(value: &str) -> String {
    let spaced = value.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Values of `field=` in form-encoded text (bodies and query strings).
fn form_values(raw: &str, field: &str) -> Vec<String> {
    let pattern = format!("{field}=");
    raw.match_indices(&pattern)
        .filter_map(|(at, _)| {
            let before = raw[..at].chars().last();
            if !matches!(before, None | Some('&' | '?' | '\n' | '\r')) {
                return None;
            }
            let rest = &raw[at + pattern.len()..];
            let end = rest.find(['&', ' ', '\r', '\n']).unwrap_or(rest.len());
            Some(form_decode(&rest[..end]))
        })
        .collect()
}

/// String values of `"field":` in JSON text.
fn json_values(raw: &str, field: &str) -> Vec<String> {
    let pattern = format!("\"{field}\":");
    raw.match_indices(&pattern)
        .filter_map(|(at, _)| {
            let rest = raw[at + pattern.len()..].trim_start();
            let mut de = serde_json::Deserializer::from_str(rest).into_iter::<serde_json::Value>();
            match de.next() {
                Some(Ok(serde_json::Value::String(s))) => Some(s),
                _ => None,
            }
        })
        .collect()
}

/// Most bytes a tap keeps per direction of one connection.
const TAP_LIMIT: usize = 16 << 20;

type Stream = Arc<Mutex<Vec<u8>>>;

/// A TCP relay in front of a server that keeps what passes, connection by connection.
pub(crate) struct Tap {
    pub(crate) port: u16,
    connections: Arc<Mutex<Vec<(Stream, Stream)>>>,
    stop: Arc<AtomicBool>,
}

impl Tap {
    pub(crate) fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections: Arc<Mutex<Vec<(Stream, Stream)>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (list, stopping) = (connections.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (requests, responses): (Stream, Stream) = Default::default();
                list.lock()
                    .unwrap()
                    .push((requests.clone(), responses.clone()));
                relay(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    requests,
                );
                relay(server, client, responses);
            }
        });
        Self {
            port,
            connections,
            stop,
        }
    }

    /// Feeds everything relayed so far to `ledger`.
    pub(crate) fn drain_into(&self, ledger: &mut Ledger) {
        let connections = self.connections.lock().unwrap();
        for (requests, _) in connections.iter() {
            ledger.learn_request(&String::from_utf8_lossy(&requests.lock().unwrap()));
        }
        for (_, responses) in connections.iter() {
            let stream = String::from_utf8_lossy(&responses.lock().unwrap()).into_owned();
            // One response per status line (keep-alive puts one right after the other's body).
            let starts: Vec<usize> = stream
                .match_indices("HTTP/1.1 ")
                .map(|(at, _)| at)
                .filter(|&at| {
                    let code = stream.as_bytes().get(at + 9..at + 13).unwrap_or_default();
                    code.len() == 4 && code[..3].iter().all(u8::is_ascii_digit) && code[3] == b' '
                })
                .chain([stream.len()])
                .collect();
            for pair in starts.windows(2) {
                ledger.learn_response(&stream[pair[0]..pair[1]]);
            }
        }
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn relay(mut from: TcpStream, mut to: TcpStream, keep: Stream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    {
                        let mut kept = keep.lock().unwrap();
                        if kept.len() + n <= TAP_LIMIT {
                            kept.extend_from_slice(&buf[..n]);
                        }
                    }
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// The ledger of the in-process tests of this test process (`support::send` feeds it).
pub(crate) fn in_process() -> &'static Mutex<Ledger> {
    static LEDGER: std::sync::OnceLock<Mutex<Ledger>> = std::sync::OnceLock::new();
    LEDGER.get_or_init(|| {
        let mut ledger = Ledger::default();
        ledger.learn(Kind::Password, "start123");
        Mutex::new(ledger)
    })
}

#[test]
fn the_ledger_finds_each_kind_of_leak() {
    let mut ledger = Ledger::default();
    ledger.learn_request(
        "POST /token HTTP/1.1\r\nauthorization: Basic Y2xpZW50OnMzY3JldC12YWx1ZQ==\r\n\r\n\
         grant_type=password&username=alice&password=correct+horse%21",
    );
    ledger.learn_response(r#"{"access_token":"a.b.c","refresh_token":"rt-0123456789abcdef"}"#);
    ledger.check_log("log", "INFO request done status=200");
    ledger.assert_clean("a clean exchange");
    assert_eq!(
        ledger.secrets.len(),
        3,
        "password, Basic secret and refresh token learnt"
    );

    fn leaks(ledger: &Ledger, text: &str, log: bool) -> usize {
        let mut copy = ledger.clone();
        if log {
            copy.check_log("log", text);
        } else {
            copy.learn_response(text);
        }
        copy.violations.len()
    }
    assert_eq!(
        leaks(&ledger, "user=alice password=correct horse!", true),
        1
    );
    assert_eq!(leaks(&ledger, "secret=s3cret-value", true), 1);
    assert_eq!(leaks(&ledger, "refresh rt-0123456789abcdef", true), 1);
    assert_eq!(
        leaks(&ledger, r#"{"error":"correct%20horse%21"}"#, false),
        1
    );
    assert_eq!(
        leaks(&ledger, r#"{"again":"rt-0123456789abcdef"}"#, false),
        1
    );
    assert_eq!(leaks(&ledger, r#"{"fine":"nothing here"}"#, false), 0);

    let der = STANDARD.encode(
        josekit::jws::ES256
            .generate_key_pair()
            .unwrap()
            .to_der_private_key(),
    );
    ledger.learn_private_key(&der);
    let d = ledger
        .secrets
        .iter()
        .find(|(s, (k, _, _))| *k == Kind::PrivateKey && s.len() == 43)
        .map(|(s, _)| s.clone())
        .expect("the JWK d of a P-256 key");
    assert_eq!(leaks(&ledger, &format!("key {{\"d\":\"{d}\"}}"), true), 1);
    assert_eq!(leaks(&ledger, &format!("{{\"d\":\"{d}\"}}"), false), 1);
}
