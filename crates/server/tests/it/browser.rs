//! A real browser: headless Chromium driven over the W3C WebDriver protocol (chromedriver) against
//! the real binary. It fills the login form, approves consent, lands on the client's redirect URI
//! (a listener of this test), and the code is redeemed with its PKCE verifier. A screenshot of the
//! login page is saved as `target/tmp/login-page.png`.
//!
//! Needs `chromium` and `chromium-driver` (Debian; `.ci/run` installs them). Without them the test
//! fails and says so: it never skips.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::support::{Db, Server, cli};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub(crate) struct Driver {
    process: Child,
    base: String,
    session: String,
    http: reqwest::blocking::Client,
}

impl Driver {
    pub(crate) fn start(profile: &std::path::Path) -> Self {
        let binary =
            std::env::var("PORTCULLIS_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {binary} (apt-get install chromium chromium-driver): {e}")
            });
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let started = Instant::now();
        while http.get(format!("{base}/status")).send().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let chromium =
            std::env::var("PORTCULLIS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1000,800",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut driver = Self {
            process,
            base,
            session: String::new(),
            http,
        };
        let created = driver.call("POST", "/session", capabilities);
        driver.session = created["sessionId"]
            .as_str()
            .expect("a WebDriver session")
            .to_owned();
        driver
    }

    pub(crate) fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let answer: Value = request.send().unwrap().json().unwrap();
        assert!(
            answer["value"].get("error").is_none(),
            "WebDriver {method} {path}: {answer}"
        );
        answer["value"].clone()
    }

    pub(crate) fn open(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url }));
    }

    pub(crate) fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    pub(crate) fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        );
    }

    pub(crate) fn click(&self, css: &str) {
        let element = self.find(css);
        self.call("POST", &format!("/element/{element}/click"), json!({}));
    }

    pub(crate) fn title(&self) -> String {
        self.call("GET", "/title", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Waits until the page's title starts with `prefix` (a form submission navigates after the
    /// click returns); answers the title.
    pub(crate) fn wait_for_title(&self, prefix: &str) -> String {
        let started = Instant::now();
        loop {
            let title = self.title();
            if title.starts_with(prefix) {
                return title;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "waited for {prefix:?}, the page is {title:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `script` in the page as an async function (its last argument is the callback) and
    /// answers what it passed to the callback.
    pub(crate) fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": args }),
        )
    }

    /// The address of the current page.
    pub(crate) fn url(&self) -> String {
        self.call("GET", "/url", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub(crate) fn screenshot(&self, path: &std::path::Path) {
        let png = self.call("GET", "/screenshot", Value::Null);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .http
                .delete(format!("{}/session/{}", self.base, self.session))
                .send();
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// The client's redirect URI: answers one request and reports its path and query.
fn callback_listener() -> (u16, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut line = String::new();
            let mut reader = BufReader::new(&stream);
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
            let mut stream = &stream;
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 25\r\nConnection: close\r\n\r\n<title>callback</title>ok");
            if target.starts_with("/callback") {
                let _ = tx.send(target);
            }
        }
    });
    (port, rx)
}

#[test]
fn a_person_signs_in_and_consents_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let server = Server::start(&db, dir.path());
    let base = server.base.clone();
    let (port, callbacks) = callback_listener();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let created = cli(
        &db,
        dir.path(),
        &[
            "client",
            "create",
            "--name",
            "Photo Album",
            "--redirect-uri",
            &redirect,
        ],
        None,
    );
    let (id, secret) = (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    );

    let verifier = "browser-test-verifier-0123456789-abcdefghijklmnop";
    let challenge = oauth_core::pkce::s256_challenge(verifier);
    let url = format!(
        "{base}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid%20email&state=browser-state&code_challenge={challenge}&code_challenge_method=S256",
        crate::support::urlencode(&redirect)
    );
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    driver.open(&url);
    driver.wait_for_title("Sign in");
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("login-page.png");
    driver.screenshot(&shot);
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);
    driver.type_into("#username", "admin");
    driver.type_into("#password", "start123");
    driver.click("button[type=submit]");
    driver.wait_for_title("Allow access");
    driver.screenshot(&std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("consent-page.png"));
    driver.click("button[value=allow]");

    let target = callbacks
        .recv_timeout(Duration::from_secs(20))
        .expect("the browser reached the redirect URI");
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&format!("http://x{target}"))
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
    assert_eq!(query["state"], "browser-state");
    assert_eq!(query["iss"], format!("{base}/realms/master"));
    let tokens: Value = reqwest::blocking::Client::new()
        .post(format!("{base}/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", query["code"].as_str()),
            ("redirect_uri", redirect.as_str()),
            ("code_verifier", verifier),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(tokens["token_type"], "Bearer", "{tokens}");
    assert_eq!(tokens["scope"], "email openid");
}
