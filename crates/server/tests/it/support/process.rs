//! The real `portcullis` binary as a test harness: a fresh database for one test ([`Db`]: a SQLite
//! file, a PostgreSQL database created and dropped, or one someone else owns), the server on a free
//! port behind the hygiene tap ([`Server`]), its CLI ([`cli`]), and a plain HTTP client.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use portcullis_server::state::{DatabaseUrl, open_store};

use crate::hygiene::{Kind, Ledger, Tap};

/// The `portcullis` binary this test build belongs to.
pub const BIN: &str = env!("CARGO_BIN_EXE_portcullis");

/// A database for one test.
pub enum Db {
    Sqlite(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// A database someone else owns (a test's own cluster).
    External(String),
}

impl Db {
    pub fn sqlite(dir: &Path) -> Self {
        Self::Sqlite(dir.join("data/portcullis.db"))
    }

    pub fn postgres() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin_url = std::env::var("PORTCULLIS_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!(
            "portcullis_bb_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
            panic!("PostgreSQL is required (PORTCULLIS_TEST_DATABASE_URL): {e}")
        });
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        Self::Postgres { admin_url, name }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::External(url) => url.clone(),
            Self::Postgres { admin_url, name } => {
                let (prefix, _) = admin_url.rsplit_once('/').unwrap();
                format!("{prefix}/{name}")
            }
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self
            && let Ok(mut conn) = PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A running `portcullis serve`, reached through a [`Tap`] that keeps every request and
/// response; when it stops, its log, its responses and the signing keys in its database are
/// checked for leaked secrets (`hygiene.rs`).
pub struct Server {
    pub child: Child,
    pub base: String,
    log: PathBuf,
    tap: Option<Tap>,
    db_url: String,
}

impl Server {
    pub fn start(db: &Db, dir: &Path) -> Self {
        Self::start_with(db, dir, &[])
    }

    pub fn start_with(db: &Db, dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::launch(db, dir, env, true)
    }

    /// Without the tap, for tests that watch the listening socket itself (its log is still
    /// checked).
    pub fn start_untapped(db: &Db, dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::launch(db, dir, env, false)
    }

    fn launch(db: &Db, dir: &Path, env: &[(&str, &str)], tapped: bool) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let tap = tapped.then(|| Tap::start(port));
        let base = format!("http://127.0.0.1:{}", tap.as_ref().map_or(port, |t| t.port));
        let log = dir.join(format!("server-{port}.log"));
        let child = portcullis(db, dir)
            .env("PORTCULLIS_HTTP__ADDRESS", format!("127.0.0.1:{port}"))
            .env("PORTCULLIS_PUBLIC_URL", &base)
            .envs(env.iter().copied())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut server = Self {
            child,
            base,
            log,
            tap,
            db_url: db.url(),
        };
        server.wait_ready();
        server
    }

    /// Checks what this server logged and answered against the secrets in play.
    fn check_hygiene(&self) {
        let mut ledger = Ledger::default();
        ledger.learn(Kind::Password, "start123");
        if let Ok(url) = DatabaseUrl::parse(&self.db_url)
            && let Ok((store, _)) = open_store(&url, 1)
            && let Ok(keys) = store.list_signing_keys(None)
        {
            for key in keys {
                ledger.learn_private_key(key.private_key.secret());
            }
        }
        if let Some(tap) = &self.tap {
            tap.drain_into(&mut ledger);
        }
        ledger.check_log("the server log", &self.logs());
        ledger.assert_clean(&self.base);
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        let http = reqwest::blocking::Client::new();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "portcullis exited with {status}:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if http
                .get(format!("{}/health/ready", self.base))
                .send()
                .is_ok_and(|r| r.status() == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("portcullis was not ready within 60 s");
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The log once it has a line for which `wanted` holds: another process writes it, so this
    /// polls (every 20 ms, for 10 s at most) and answers the log as it is then.
    pub fn logs_with(&self, wanted: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let logs = self.logs();
            if logs.lines().any(&wanted) || started.elapsed() > Duration::from_secs(10) {
                return logs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        if !std::thread::panicking() {
            self.check_hygiene();
        }
    }
}

/// The binary with its database and working directory set, to add arguments to.
pub fn portcullis(db: &Db, dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env("PORTCULLIS_DATABASE__URL", db.url())
        .env("RUST_LOG", "info");
    cmd
}

/// Runs a CLI command; answers its stdout as JSON.
pub fn cli(db: &Db, dir: &Path, args: &[&str], stdin: Option<&str>) -> serde_json::Value {
    let mut child = portcullis(db, dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "portcullis {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The key ids of a JWKS document.
pub fn kids(jwks: &serde_json::Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

pub fn jwks(base: &str) -> serde_json::Value {
    http()
        .get(format!("{base}/jwks"))
        .send()
        .unwrap()
        .json()
        .unwrap()
}
