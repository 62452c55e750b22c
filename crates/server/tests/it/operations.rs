//! Operations: `/metrics` counts what was served, `SIGTERM` under load answers every request the
//! server accepted before it exits 0, key rotation (phase by phase, and under load on the real
//! binary), rate limits behind a trusted proxy, and private keys sealed at rest.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::test;

use crate::support::{Db, Server, fixture, form, send};

#[actix_web::test]
async fn metrics_count_requests_tokens_and_failures() {
    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let ok = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    assert_eq!(send(&app, ok).await.0, 200);
    let bad = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "nope"),
    ]);
    assert_eq!(send(&app, bad).await.0, 400);
    let resp =
        test::call_service(&app, test::TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    let value = |prefix: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
    };
    assert!(value("portcullis_http_requests_total{route=\"/token\",status=\"200\"}") >= 1.0);
    assert!(value("portcullis_http_requests_total{route=\"/token\",status=\"400\"}") >= 1.0);
    assert!(value("portcullis_http_request_duration_seconds_count{route=\"/token\"}") >= 2.0);
    assert!(value("portcullis_tokens_issued_total{grant_type=\"password\"") >= 1.0);
    assert!(value("portcullis_logins_failed_total") >= 1.0);
    assert!(value("portcullis_db_pool_connections{state=\"idle\"}") >= 0.0);
    assert!(value("portcullis_blocking_tasks_in_flight") >= 0.0);
    assert!(text.contains("portcullis_build_info{version="));
    assert!(!text.contains("start123") && !text.contains("nope"));
}

#[core::prelude::v1::test]
fn sigterm_under_load_answers_every_accepted_request_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    // Untapped: the test watches the server's own socket refuse connections after the signal.
    let mut server = Server::start_untapped(
        &db,
        dir.path(),
        // Slower Argon2 (about a quarter second a login), so logins are surely in flight when
        // the signal comes.
        &[
            ("PORTCULLIS_THROTTLE__ENABLED", "false"),
            ("PORTCULLIS_ARGON2__ITERATIONS", "8"),
        ],
    );
    let base = server.base.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let spans = Arc::new(std::sync::Mutex::new(Vec::<(Instant, Instant)>::new()));
    let answered = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let (base, stop, answered) = (base.clone(), stop.clone(), answered.clone());
            let spans = spans.clone();
            std::thread::spawn(move || {
                // A fresh connection per request, so no request rides a connection that the
                // server is closing as idle.
                let http = reqwest::blocking::Client::builder()
                    .pool_max_idle_per_host(0)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                let mut failures = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    // Half the threads run password logins (Argon2: slow work in flight).
                    let request = if i % 2 == 0 {
                        http.post(format!("{base}/token")).form(&[
                            ("grant_type", "password"),
                            ("username", "admin"),
                            ("password", "start123"),
                        ])
                    } else {
                        http.get(format!("{base}/health/ready"))
                    };
                    let sent = Instant::now();
                    let outcome = request
                        .header("connection", "close")
                        .send()
                        .and_then(|r| r.error_for_status())
                        .and_then(|r| r.bytes());
                    match outcome {
                        Ok(_) => {
                            answered.fetch_add(1, Ordering::SeqCst);
                            spans.lock().unwrap().push((sent, Instant::now()));
                        }
                        Err(e) => {
                            failures.push((sent, e.to_string()));
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
                failures
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let before = answered.load(Ordering::SeqCst);
    let pid = server.child.id().to_string();
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(kill.unwrap().success());
    let status = server.child.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let failures: Vec<(Instant, String)> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let logs = server.logs();
    assert!(status.success(), "exit status {status}:\n{logs}");
    assert!(
        before > 10,
        "load ran before the signal ({before} answered)"
    );
    // A request sent well before the signal (150 ms: room for a busy machine to accept it) was
    // accepted, the listener being open: it must have been answered. Requests sent around or after the signal may be refused or reset.
    let lost: Vec<&String> = failures
        .iter()
        .filter(|(sent, _)| *sent + Duration::from_millis(150) < signalled)
        .map(|(_, e)| e)
        .collect();
    assert!(lost.is_empty(), "accepted but unanswered: {lost:?}");
    assert!(!failures.is_empty(), "requests after the stop were refused");
    let in_flight = spans
        .lock()
        .unwrap()
        .iter()
        .filter(|(sent, done)| *sent + Duration::from_millis(150) < signalled && *done > signalled)
        .count();
    assert!(
        in_flight > 0,
        "some requests were in flight at the signal and were answered"
    );
    assert!(logs.contains("portcullis stopped"), "{logs}");
    assert!(!logs.contains("panicked"), "{logs}");
}

#[actix_web::test]
async fn a_key_rotation_never_shows_a_client_a_signature_it_cannot_verify() {
    use oauth_core::provision::NewClient;
    use portcullis_server::config::KeysConfig;
    use portcullis_server::maintenance::run_once;

    let fx = fixture();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (id, secret) = fx.client(
        "master",
        NewClient {
            name: "svc".into(),
            ..Default::default()
        },
    );
    let secret = secret.unwrap();
    let config = KeysConfig {
        rotation_days: 0,
        prepublish_seconds: 100,
        check_interval_seconds: 60,
        ..KeysConfig::default()
    };
    // The store behind the app's cache, as the server's maintenance thread uses it.
    let store: std::sync::Arc<dyn oauth_core::Store> = fx.state.store.clone();
    let t0 = crate::support::now();

    let jwks = || async {
        let (status, _, body) = send(&app, test::TestRequest::get().uri("/jwks")).await;
        assert_eq!(status, 200);
        body
    };
    let token = || async {
        let req = form(&[("grant_type", "client_credentials")])
            .insert_header(("authorization", crate::support::basic(&id, &secret)));
        let (status, _, body) = send(&app, req).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    };
    let kid = |jwt: &str| crate::support::verify_header_kid(jwt);
    let kids = crate::support::kids;

    let jwks0 = jwks().await;
    let token0 = token().await;
    let old = kid(&token0);

    // Two nodes start the same rotation at once: one successor per algorithm.
    let (a, b) = std::thread::scope(|s| {
        let one = s.spawn(|| run_once(store.as_ref(), &config, t0, Some(None), None).unwrap());
        let two = s.spawn(|| run_once(store.as_ref(), &config, t0, Some(None), None).unwrap());
        (one.join().unwrap(), two.join().unwrap())
    });
    assert!(a.len() + b.len() >= 2, "{a:?} {b:?}");
    let jwks1 = jwks().await;
    assert_eq!(
        kids(&jwks1).len(),
        kids(&jwks0).len() + 2,
        "one successor per algorithm, published"
    );
    let token1 = token().await;
    assert_eq!(kid(&token1), old, "the successor does not sign yet");

    // After the pre-publication time the successor signs; a client still holding the JWKS from
    // before the switch verifies its tokens, and the old key stays published.
    assert!(
        run_once(store.as_ref(), &config, t0 + 99, None, None)
            .unwrap()
            .is_empty()
    );
    let switched = run_once(store.as_ref(), &config, t0 + 100, None, None).unwrap();
    assert_eq!(switched.len(), 4, "{switched:?}");
    let token2 = token().await;
    assert_ne!(kid(&token2), old);
    crate::support::verify(&token2, &jwks1);
    let jwks2 = jwks().await;
    crate::support::verify(&token0, &jwks2);
    crate::support::verify(&token1, &jwks2);

    // Once the old key's tokens have expired it leaves the JWKS.
    let lifetime = 3600;
    assert!(
        run_once(store.as_ref(), &config, t0 + 100 + lifetime, None, None)
            .unwrap()
            .is_empty()
    );
    let retired = run_once(
        store.as_ref(),
        &config,
        t0 + 100 + lifetime + 300,
        None,
        None,
    )
    .unwrap();
    assert_eq!(retired.len(), 2, "{retired:?}");
    let jwks3 = jwks().await;
    assert!(!kids(&jwks3).contains(&old));
    crate::support::verify(&token().await, &jwks3);
}

/// A client `svc` with its secret, created through the CLI.
fn service_client(db: &Db, dir: &std::path::Path) -> (String, String) {
    let created = crate::support::cli(db, dir, &["client", "create", "--name", "svc"], None);
    (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// The attacker holds no secret and sends failing requests from one address (behind a trusted
/// proxy, through `X-Forwarded-For` or RFC 7239 `Forwarded`, or with the path percent-encoded):
/// after the burst each is `429 rate limit exceeded` with `Retry-After` and `X-Request-Id`, logged
/// and counted. The real client, authenticated, is limited only by its own per-client limit.
#[core::prelude::v1::test]
fn rate_limits_per_address_and_per_client_behind_a_trusted_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let server = Server::start_with(
        &db,
        dir.path(),
        &[
            ("PORTCULLIS_RATE_LIMIT__ADDRESS_PER_SECOND", "1"),
            ("PORTCULLIS_RATE_LIMIT__ADDRESS_BURST", "3"),
            ("PORTCULLIS_RATE_LIMIT__CLIENT_PER_SECOND", "1"),
            ("PORTCULLIS_RATE_LIMIT__CLIENT_BURST", "5"),
            ("PORTCULLIS_HTTP__TRUSTED_PROXIES", "[127.0.0.1]"),
            ("PORTCULLIS_BOOTSTRAP__ALLOW_DEFAULT_PASSWORD", "true"),
            ("PORTCULLIS_LOG__FORMAT", "json"),
        ],
    );
    let (id, secret) = service_client(&db, dir.path());
    let http = reqwest::blocking::Client::new();
    let post = |path: &str, header: (&str, String), secret: &str| {
        http.post(format!("{}{path}", server.base))
            .basic_auth(&id, Some(secret))
            .header(header.0, header.1)
            .form(&[("grant_type", "client_credentials")])
            .send()
            .unwrap()
    };
    let xff = |from: &str| ("x-forwarded-for", from.to_owned());
    // The real client from one address: its successes are not charged to the address, only to
    // its own limit (burst 5).
    let statuses: Vec<u16> = (0..6)
        .map(|_| {
            post("/token", xff("198.51.100.1"), &secret)
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    // Failures from one address: a burst of 3, then refused before they run.
    let statuses: Vec<u16> = (0..4)
        .map(|_| {
            post("/token", xff("198.51.100.2"), "wrong")
                .status()
                .as_u16()
        })
        .collect();
    assert_eq!(statuses, [401, 401, 401, 429]);
    let limited = post("/token", xff("198.51.100.2"), "wrong");
    assert_eq!(limited.status(), 429);
    let request_id = limited.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(limited.headers().get("retry-after").is_some());
    let body: serde_json::Value = limited.json().unwrap();
    assert_eq!(body["error_description"], "rate limit exceeded", "{body}");
    // The percent-encoded path is the same route and the same bucket.
    let encoded = post("/%74oken", xff("198.51.100.2"), "wrong");
    assert_eq!(encoded.status(), 429, "/%74oken is limited like /token");
    for path in ["/%74oken", "/%74oken/introspect", "/realms/master/%74oken"] {
        let statuses: Vec<u16> = (0..4)
            .map(|_| post(path, xff("198.51.100.3"), "wrong").status().as_u16())
            .collect();
        assert_eq!(statuses.last(), Some(&429), "{path}: {statuses:?}");
        std::thread::sleep(std::time::Duration::from_secs(4));
    }
    // RFC 7239 Forwarded from the trusted proxy names the address too.
    let forwarded = |n: u8| {
        (
            "forwarded",
            format!("for=\"[2001:db8:7:7::{n}]:4711\";proto=https"),
        )
    };
    let statuses: Vec<u16> = (1..=4)
        .map(|n| post("/token", forwarded(n), "wrong").status().as_u16())
        .collect();
    assert_eq!(statuses, [401, 401, 401, 429], "one /64, one bucket");
    // Other endpoints are not limited.
    let ready = http
        .get(format!("{}/health/ready", server.base))
        .send()
        .unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = http
        .get(format!("{}/metrics", server.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let counted = |limit: &str| {
        metrics
            .lines()
            .find_map(|l| {
                l.strip_prefix(&format!(
                    "portcullis_rate_limited_total{{limit=\"{limit}\"}} "
                ))
            })
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    assert!(
        counted("address") >= 6 && counted("client") >= 1,
        "{metrics}"
    );
    let logs = server.logs();
    let line = logs
        .lines()
        .find(|l| l.contains("rate limit exceeded") && l.contains(&request_id))
        .unwrap_or_else(|| panic!("no log line of the 429 with its request id {request_id}"));
    assert!(line.contains("198.51.100.2"), "{line}");
    assert!(
        logs.lines().any(|l| l.contains("request completed")
            && l.contains(&request_id)
            && l.contains("429")),
        "the 429 has its completion line"
    );
}

/// Behind one address (a load balancer without `trusted_proxies`, or one busy backend), 500
/// concurrent valid client_credentials requests with the default configuration all get `200`:
/// an authenticated client is limited by its per-client limit only.
#[core::prelude::v1::test]
fn five_hundred_concurrent_valid_requests_from_one_address_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let server = Server::start(&db, dir.path());
    let (id, secret) = service_client(&db, dir.path());
    let start = std::sync::Barrier::new(500);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..500)
            .map(|_| {
                let (id, secret, base, start) = (&id, &secret, &server.base, &start);
                s.spawn(move || {
                    let http = reqwest::blocking::Client::new();
                    start.wait();
                    http.post(format!("{base}/token"))
                        .basic_auth(id, Some(secret))
                        .form(&[("grant_type", "client_credentials")])
                        .send()
                        .map_or(0, |r| r.status().as_u16())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let mut other: Vec<u16> = statuses.iter().copied().filter(|s| *s != 200).collect();
    other.sort_unstable();
    eprintln!("500 concurrent valid requests from one address: {ok} got 200, others {other:?}");
    assert_eq!(ok, 500, "others: {other:?}");
    // A private peer that is not a trusted proxy sends X-Forwarded-For: warned once.
    let http = reqwest::blocking::Client::new();
    for _ in 0..3 {
        http.get(format!("{}/userinfo", server.base))
            .header("x-forwarded-for", "203.0.113.5")
            .send()
            .unwrap();
    }
    let warnings = server.logs().matches("not in http.trusted_proxies").count();
    assert_eq!(warnings, 1, "{}", server.logs());
}

#[core::prelude::v1::test]
fn private_keys_are_sealed_at_rest_and_a_wrong_key_fails_at_start() {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Text)]
        private_key: String,
    }
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    // A server without a key-encryption key writes keys in the clear...
    let plain = Server::start(&db, dir.path());
    drop(plain);
    let stored = |path: &str| -> Vec<String> {
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        diesel::sql_query("SELECT private_key FROM signing_keys")
            .load::<Stored>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|s| s.private_key)
            .collect()
    };
    let path = db.url();
    let clear = stored(&path);
    assert!(!clear.is_empty() && clear.iter().all(|k| !k.starts_with("enc:")));
    // ...and with one configured, every key is sealed at start, and tokens still verify.
    let kek = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="; // 32 bytes, base64
    let sealed = Server::start_with(&db, dir.path(), &[("PORTCULLIS_KEYS__ENCRYPTION_KEY", kek)]);
    let http = reqwest::blocking::Client::new();
    let token: serde_json::Value = http
        .post(format!("{}/token", sealed.base))
        .form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let jwks: serde_json::Value = http
        .get(format!("{}/jwks", sealed.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    crate::support::verify(token["access_token"].as_str().unwrap(), &jwks);
    // A key the admin API generates is stored sealed too.
    let created = http
        .post(format!("{}/keys", sealed.base))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .json(&serde_json::json!({ "algorithm": "ES256" }))
        .send()
        .unwrap();
    assert_eq!(created.status(), 201);
    drop(sealed);
    let keys = stored(&path);
    assert_eq!(keys.len(), clear.len() + 1);
    assert!(keys.iter().all(|k| k.starts_with("enc:v1:")), "{keys:?}");
    assert!(
        keys.iter()
            .all(|k| clear.iter().all(|c| !k.contains(c.as_str()))),
        "no private key in the clear"
    );

    // The wrong key: the server refuses to start, with one clear line.
    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .current_dir(dir.path())
        .env("PORTCULLIS_DATABASE__URL", &path)
        .env(
            "PORTCULLIS_KEYS__ENCRYPTION_KEY",
            "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
        )
        .arg("migrate")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(!wrong.status.success());
    assert!(
        stderr.contains("keys.encryption_key does not decrypt"),
        "{stderr}"
    );
    assert!(!stderr.contains(kek));
    // No key at all is just as clear.
    let none = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .current_dir(dir.path())
        .env("PORTCULLIS_DATABASE__URL", &path)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&none.stderr).contains("no keys.encryption_key is configured"));
}

/// A key rotation under load, on the real binary: clients that refresh their JWKS once a second
/// (well inside the pre-publication time) verify every access token they get with the JWKS they
/// hold, before, during and after the switch, without fetching it again on an unknown `kid`.
#[core::prelude::v1::test]
fn a_key_rotation_under_load_never_shows_a_client_an_unverifiable_token() {
    use crate::support::{cli, http, jwks};
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let server = Server::start_with(
        &db,
        dir.path(),
        &[
            ("PORTCULLIS_RATE_LIMIT__ENABLED", "false"),
            ("PORTCULLIS_CACHE__TTL_SECONDS", "1"),
            ("PORTCULLIS_KEYS__PREPUBLISH_SECONDS", "3"),
            ("PORTCULLIS_KEYS__CHECK_INTERVAL_SECONDS", "1"),
        ],
    );
    let created = cli(
        &db,
        dir.path(),
        &["client", "create", "--name", "load"],
        None,
    );
    let (id, secret) = (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    );
    let base = server.base.clone();
    let stop = AtomicBool::new(false);
    let kid_of = crate::support::verify_header_kid;
    let before = crate::support::kids(&jwks(&base));

    let seen: Vec<(usize, std::collections::BTreeSet<String>)> = std::thread::scope(|s| {
        let clients: Vec<_> =
            (0..4)
                .map(|_| {
                    s.spawn(|| {
                    let http = http();
                    let mut held = jwks(&base);
                    let mut fetched = Instant::now();
                    let (mut verified, mut kids) = (0, std::collections::BTreeSet::new());
                    while !stop.load(Ordering::Relaxed) {
                        if fetched.elapsed() >= Duration::from_secs(1) {
                            held = jwks(&base);
                            fetched = Instant::now();
                        }
                        let body: serde_json::Value = http
                            .post(format!("{base}/token"))
                            .basic_auth(&id, Some(&secret))
                            .form(&[("grant_type", "client_credentials")])
                            .send()
                            .unwrap()
                            .json()
                            .unwrap();
                        let token = body["access_token"].as_str().expect("a token");
                        let kid = kid_of(token);
                        assert!(
                            held["keys"].as_array().unwrap().iter().any(|k| k["kid"] == kid),
                            "a token signed by {kid}, not in the JWKS the client holds ({} old)",
                            fetched.elapsed().as_millis()
                        );
                        crate::support::verify(token, &held);
                        verified += 1;
                        kids.insert(kid);
                    }
                    (verified, kids)
                })
                })
                .collect();
        std::thread::sleep(Duration::from_millis(1000));
        let rotated = cli(&db, dir.path(), &["keys", "rotate"], None);
        assert!(!rotated.as_array().unwrap().is_empty(), "{rotated}");
        std::thread::sleep(Duration::from_millis(7000));
        stop.store(true, Ordering::Relaxed);
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let verified: usize = seen.iter().map(|(n, _)| n).sum();
    let kids: std::collections::BTreeSet<&String> = seen.iter().flat_map(|(_, k)| k).collect();
    eprintln!("rotation under load: {verified} tokens verified, signed by {kids:?}");
    assert!(verified > 200, "the load ran ({verified} tokens)");
    assert!(
        kids.iter().any(|k| before.contains(k)),
        "tokens of the old key"
    );
    assert!(
        kids.iter().any(|k| !before.contains(k)),
        "tokens of the successor"
    );
    let after = jwks(&base);
    for kid in &before {
        assert!(
            after["keys"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| &k["kid"] == kid),
            "the old key stays published while its tokens live"
        );
    }
}

/// Runs `portcullis serve` on a fresh SQLite file listening on all interfaces; answers whether it
/// exited within five seconds (killing it otherwise) and its standard error.
fn serve_on_all_interfaces(env: &[(&str, &str)]) -> (Option<std::process::ExitStatus>, String) {
    serve_on("0.0.0.0", env)
}

/// Starts the binary on `host` (any free port) on a fresh database; answers how it exited within
/// five seconds (`None`: still running, then killed) and what it logged.
fn serve_on(host: &str, env: &[(&str, &str)]) -> (Option<std::process::ExitStatus>, String) {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"));
    command
        .current_dir(dir.path())
        .env("PORTCULLIS_DATABASE__URL", dir.path().join("p.db"))
        .env("PORTCULLIS_HTTP__ADDRESS", format!("{host}:{port}"))
        .env("PORTCULLIS_ARGON2__MEMORY_KIB", "256")
        .env("PORTCULLIS_ARGON2__ITERATIONS", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let exited = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (exited, stderr)
}

/// An operator who exposes the server without changing Authup's default password is stopped
/// at start with one clear line; a real password (or the explicit override) starts it.
#[core::prelude::v1::test]
fn a_public_listener_refuses_the_default_admin_password() {
    let (exited, stderr) = serve_on_all_interfaces(&[]);
    assert!(exited.is_some_and(|s| !s.success()), "{stderr}");
    assert!(
        stderr.contains("the bootstrap admin still has the default password"),
        "{stderr}"
    );
    let (exited, stderr) =
        serve_on_all_interfaces(&[("PORTCULLIS_BOOTSTRAP__ADMIN_PASSWORD", "a-real-password-1")]);
    assert!(
        exited.is_none(),
        "a real password starts the server: {stderr}"
    );
    let (exited, stderr) =
        serve_on_all_interfaces(&[("PORTCULLIS_BOOTSTRAP__ALLOW_DEFAULT_PASSWORD", "true")]);
    assert!(
        exited.is_none(),
        "the explicit override starts it: {stderr}"
    );
}

/// Attacker: anyone on the internet, against a server that listens on loopback only but is
/// published through a reverse proxy (its `public_url` or its trusted proxies say so) while the
/// admin still has `start123`. It refuses to start; on loopback alone, for a developer, it starts.
#[core::prelude::v1::test]
fn a_loopback_listener_behind_a_proxy_refuses_the_default_admin_password() {
    for env in [
        vec![("PORTCULLIS_PUBLIC_URL", "https://auth.example.com")],
        vec![("PORTCULLIS_HTTP__TRUSTED_PROXIES", "[10.0.0.0/8]")],
    ] {
        let (exited, stderr) = serve_on("127.0.0.1", &env);
        assert!(exited.is_some_and(|s| !s.success()), "{env:?}: {stderr}");
        assert!(
            stderr.contains("the bootstrap admin still has the default password"),
            "{stderr}"
        );
    }
    let (exited, stderr) = serve_on(
        "127.0.0.1",
        &[("PORTCULLIS_PUBLIC_URL", "http://localhost:3001")],
    );
    assert!(
        exited.is_none(),
        "a developer's loopback server starts: {stderr}"
    );
}

/// An attacker holds connections open: 300 idle ones, 30 that stall in the middle of a request's
/// head and 30 that stall in the middle of its body. Other clients are still answered promptly,
/// and once the timeouts pass every held connection was answered `408` or closed.
#[core::prelude::v1::test]
fn slow_and_idle_connections_neither_block_others_nor_stay_open() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let server = Server::start_untapped(
        &db,
        dir.path(),
        &[
            ("PORTCULLIS_HTTP__REQUEST_TIMEOUT", "2"),
            ("PORTCULLIS_HTTP__KEEP_ALIVE", "2"),
            ("PORTCULLIS_HTTP__BODY_TIMEOUT", "2"),
        ],
    );
    let addr = server.base.trim_start_matches("http://").to_owned();
    let connect = || TcpStream::connect(&addr).unwrap();
    let mut held = Vec::new();
    for _ in 0..300 {
        held.push(("idle", connect()));
    }
    for _ in 0..30 {
        let mut stream = connect();
        stream
            .write_all(b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Ty")
            .unwrap();
        held.push(("stalled head", stream));
    }
    for _ in 0..30 {
        let mut stream = connect();
        stream
            .write_all(
                b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type",
            )
            .unwrap();
        held.push(("stalled body", stream));
    }
    let http = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mut slowest = Duration::ZERO;
    for i in 0..20 {
        let started = Instant::now();
        let status = if i % 2 == 0 {
            http.get(format!("{}/health/ready", server.base)).send()
        } else {
            http.post(format!("{}/token", server.base))
                .form(&[("grant_type", "client_credentials")])
                .send()
        }
        .unwrap()
        .status()
        .as_u16();
        slowest = slowest.max(started.elapsed());
        assert!(status == 200 || status == 401, "{status}");
    }
    eprintln!("with 360 connections held, the slowest of 20 other requests took {slowest:?}");
    assert!(slowest < Duration::from_millis(1000), "{slowest:?}");
    std::thread::sleep(Duration::from_secs(5));
    for (kind, mut stream) in held {
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut answer = Vec::new();
        let outcome = stream.read_to_end(&mut answer);
        let head = String::from_utf8_lossy(&answer[..answer.len().min(12)]).into_owned();
        assert!(
            outcome.is_ok() && (answer.is_empty() || head.starts_with("HTTP/1.1 408")),
            "{kind}: still open or answered {head:?} ({outcome:?})"
        );
    }
}
