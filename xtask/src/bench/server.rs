//! The server under test: the release `portcullis` binary on a fresh database, its readiness time,
//! and its CPU time and peak memory read from `/proc`.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::load::{Request, once};

/// Which database backs a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

impl Db {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A fresh database for one run; a PostgreSQL database is dropped afterwards.
pub struct Database {
    pub url: String,
    pg_name: Option<String>,
}

const PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn psql(sql: &str) -> Result<(), String> {
    let admin =
        std::env::var("PORTCULLIS_TEST_DATABASE_URL").unwrap_or_else(|_| PG_ADMIN.to_owned());
    let status = Command::new("psql")
        .args([admin.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("psql: {e} (the PostgreSQL client is needed for --db postgres)"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("psql failed: {sql}"))
    }
}

impl Database {
    pub fn create(db: Db, dir: &Path) -> Result<Self, String> {
        match db {
            Db::Sqlite => Ok(Self {
                url: dir.join("bench.db").display().to_string(),
                pg_name: None,
            }),
            Db::Postgres => {
                let name = format!("portcullis_bench_{}", std::process::id());
                psql(&format!("DROP DATABASE IF EXISTS {name}"))?;
                psql(&format!("CREATE DATABASE {name}"))?;
                let admin = std::env::var("PORTCULLIS_TEST_DATABASE_URL")
                    .unwrap_or_else(|_| PG_ADMIN.to_owned());
                let prefix = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(p, _)| p)
                    .to_owned();
                Ok(Self {
                    url: format!("{prefix}/{name}"),
                    pg_name: Some(name),
                })
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            let _ = psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// A running server.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub ready_ms: f64,
}

pub fn binary(root: &Path) -> PathBuf {
    root.join("target/release/portcullis")
}

/// Whether the server runs with its default abuse controls (throttle and rate limits) on
/// (`--abuse-controls on`); off by default, for the scenarios that would trip them.
pub static ABUSE_CONTROLS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn command(root: &Path, dir: &Path, db: &Database) -> Command {
    let mut cmd = Command::new(binary(root));
    cmd.current_dir(dir)
        .env("PORTCULLIS_DATABASE__URL", &db.url)
        .env("PORTCULLIS_LOG__LEVEL", "warn")
        .env_remove("RUST_LOG");
    if !ABUSE_CONTROLS.load(std::sync::atomic::Ordering::Relaxed) {
        // The wrong-password scenario measures the hashing path, which the brute-force throttle
        // would (rightly) cut short after five attempts.
        cmd.env("PORTCULLIS_THROTTLE__ENABLED", "false")
            .env("PORTCULLIS_RATE_LIMIT__ENABLED", "false");
    }
    cmd
}

/// Runs a CLI subcommand of the binary; answers stdout.
pub fn cli(root: &Path, dir: &Path, db: &Database, args: &[&str]) -> Result<String, String> {
    let out = command(root, dir, db)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "portcullis {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

impl Server {
    /// Starts the server and waits until `/health/ready` answers 200; records the time it took.
    pub fn start(root: &Path, dir: &Path, db: &Database) -> Result<Self, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().map_err(|_| "address")?;
        let log = std::fs::File::create(dir.join(format!("server-{port}.log")))
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let child = command(root, dir, db)
            .env("PORTCULLIS_HTTP__ADDRESS", addr.to_string())
            .env("PORTCULLIS_PUBLIC_URL", format!("http://{addr}"))
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary(root).display()))?;
        let mut server = Self {
            child,
            addr,
            ready_ms: 0.0,
        };
        let health = Request::get("/health/ready");
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "portcullis exited early with {status}; see {}",
                    dir.display()
                ));
            }
            if matches!(once(addr, &health), Ok((200, _))) {
                server.ready_ms = started.elapsed().as_secs_f64() * 1000.0;
                return Ok(server);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Err("portcullis was not ready within 60 s".into())
    }

    /// User plus system CPU time of the server process so far, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(self.child.id())
    }

    /// Peak resident set size of the server so far (VmHWM), in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        peak_rss_mib(self.child.id())
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User plus system CPU time of process `pid` so far, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat; after the ')' the state is index 0.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident set size of process `pid` so far (VmHWM), in MiB.
pub fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
