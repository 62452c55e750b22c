//! The peer measured beside Portcullis in the same run: node-oidc-provider, pinned in
//! `xtask/bench-peer/` (`package.json`, `package-lock.json`, `server.mjs`), installed with `npm ci`
//! into `target/bench-peer/` and started with one confidential client and ES256-signed JWT access
//! tokens (RFC 9068), so its client_credentials, JWKS and discovery answers do the same work as
//! Portcullis's.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::load::{Request, once};
use super::server::{cpu_seconds, peak_rss_mib};

/// The peer's name in reports.
pub const NAME: &str = "node-oidc-provider";

/// The client the peer is started with.
pub const CLIENT_ID: &str = "bench";
/// Its secret.
pub const CLIENT_SECRET: &str = "bench-secret-bench-secret";

/// The node binary's version, if node is installed.
pub fn node_version() -> Option<String> {
    let out = Command::new("node").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Copies the pinned peer into `target/bench-peer/` and installs it there (`npm ci`, only when
/// the lockfile changed or nothing is installed yet); answers the directory.
pub fn install(root: &Path) -> Result<PathBuf, String> {
    let source = root.join("xtask/bench-peer");
    let dir = root.join("target/bench-peer");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let lock = std::fs::read(source.join("package-lock.json")).map_err(|e| e.to_string())?;
    let installed_lock = std::fs::read(dir.join("package-lock.json")).ok();
    for file in ["package.json", "package-lock.json", "server.mjs"] {
        std::fs::copy(source.join(file), dir.join(file))
            .map_err(|e| format!("cannot copy {file}: {e}"))?;
    }
    let present = dir.join("node_modules/oidc-provider/package.json").exists();
    if !present || installed_lock.as_deref() != Some(lock.as_slice()) {
        eprintln!("==> installing {NAME} (npm ci in {})", dir.display());
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .map_err(|e| format!("npm: {e}"))?;
        if !status.success() {
            return Err(format!("npm ci failed in {}", dir.display()));
        }
    }
    Ok(dir)
}

/// The running peer.
pub struct Peer {
    child: Child,
    pub addr: SocketAddr,
    pub ready_ms: f64,
}

impl Peer {
    /// Starts `server.mjs` from `dir` and waits until its JWKS answers.
    pub fn start(dir: &Path) -> Result<Self, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().map_err(|_| "address")?;
        let started = Instant::now();
        let child = Command::new("node")
            .arg("server.mjs")
            .current_dir(dir)
            .env("PORT", port.to_string())
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("NODE_ENV", "production")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start node: {e}"))?;
        let mut peer = Self {
            child,
            addr,
            ready_ms: 0.0,
        };
        let probe = Request::get("/jwks");
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(status)) = peer.child.try_wait() {
                return Err(format!("{NAME} exited early with {status}"));
            }
            if matches!(once(addr, &probe), Ok((200, _))) {
                peer.ready_ms = started.elapsed().as_secs_f64() * 1000.0;
                return Ok(peer);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(format!("{NAME} was not ready within 30 s"))
    }

    /// User plus system CPU time so far, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds(self.child.id())
    }

    /// Peak resident set size so far, in MiB.
    pub fn peak_rss_mib(&self) -> f64 {
        peak_rss_mib(self.child.id())
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
