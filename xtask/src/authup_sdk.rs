//! `cargo xtask authup-sdk [--allow-npm-install]`: Authup's published SDK
//! (`tests/authup-sdk`, `@authup/core-http-kit` and `@authup/server-adapter-kit` 1.0.0-beta.26,
//! pinned in its `package-lock.json`) against the real `portcullis` binary, once per
//! `authup.compat` profile (`current`, `beta26`), each on a fresh SQLite database with the master
//! realm signing RS256 (`bootstrap.access_token_algorithm`, what `TokenVerifier.verifyLocal`
//! accepts).
//!
//! It fails loudly when node or npm is missing. The checks that cannot pass by design are listed,
//! with the reason, in `tests/authup-sdk/known-failures-<profile>.txt`; the run fails when any
//! other check fails (a regression) or a listed one passes (the list is stale). Not yet a step of
//! `ci`: `npm ci` refuses the pinned lockfile with npm 11 (optional platform packages of
//! `@node-rs/*` missing from the lock); `--allow-npm-install` then installs with
//! `npm install --no-save` from the same lockfile.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PROFILES: [&str; 2] = ["current", "beta26"];

fn tool_present(program: &str) -> Result<(), String> {
    match Command::new(program).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(format!(
            "{program} is not installed: the Authup SDK driver needs node and npm (apt-get install nodejs npm)"
        )),
    }
}

fn install(dir: &Path, allow_install: bool) -> Result<(), String> {
    let ci = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .map_err(|e| format!("npm: {e}"))?;
    if ci.success() {
        return Ok(());
    }
    if !allow_install {
        return Err(format!(
            "npm ci failed in {} (rerun with --allow-npm-install to install from the lockfile with npm install)",
            dir.display()
        ));
    }
    eprintln!("==> npm ci refused the lockfile; npm install --no-save from it");
    let status = Command::new("npm")
        .args([
            "install",
            "--no-save",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
        ])
        .current_dir(dir)
        .status()
        .map_err(|e| format!("npm: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm install failed in {}", dir.display()))
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// Kills the server when the run ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(root: &Path, profile: &str, port: u16, db: &Path) -> Result<Server, String> {
    let address = format!("127.0.0.1:{port}");
    let child = Command::new(root.join("target/debug/portcullis"))
        .arg("serve")
        .env("PORTCULLIS_HTTP__ADDRESS", &address)
        .env("PORTCULLIS_PUBLIC_URL", format!("http://{address}"))
        .env("PORTCULLIS_DATABASE__URL", db)
        .env("PORTCULLIS_AUTHUP__COMPAT", profile)
        .env("PORTCULLIS_BOOTSTRAP__ACCESS_TOKEN_ALGORITHM", "RS256")
        .env("PORTCULLIS_LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start portcullis: {e}"))?;
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(&address).is_ok() {
            return Ok(server);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "portcullis ({profile}) did not listen on {address} in 20 s"
    ))
}

fn known_failures(dir: &Path, profile: &str) -> Result<BTreeSet<String>, String> {
    let path = dir.join(format!("known-failures-{profile}.txt"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split(" | ").next().unwrap_or_default().trim().to_owned())
        .collect())
}

/// Runs the driver in both profiles.
pub fn authup_sdk(root: &Path, args: &[String]) -> Result<(), String> {
    let allow_install = args.iter().any(|a| a == "--allow-npm-install");
    tool_present("node")?;
    tool_present("npm")?;
    let dir = root.join("tests/authup-sdk");
    install(&dir, allow_install)?;
    crate::run("build", "cargo", &["build", "--bin", "portcullis"])?;
    let mut problems = Vec::new();
    for profile in PROFILES {
        let tmp = std::env::temp_dir().join(format!(
            "portcullis-authup-sdk-{}-{profile}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        let port = free_port()?;
        let server = start(root, profile, port, &tmp.join("portcullis.db"))?;
        let started = Instant::now();
        let out = Command::new("node")
            .arg("driver.mjs")
            .env("BASE_URL", format!("http://127.0.0.1:{port}"))
            .current_dir(&dir)
            .output()
            .map_err(|e| format!("node: {e}"))?;
        let took = started.elapsed();
        drop(server);
        let _ = std::fs::remove_dir_all(&tmp);
        let text = String::from_utf8_lossy(&out.stdout);
        let failed: BTreeSet<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("FAIL "))
            .map(|l| l.split(": ").next().unwrap_or_default().to_owned())
            .collect();
        let passed = text.lines().filter(|l| l.starts_with("PASS ")).count();
        let known = known_failures(&dir, profile)?;
        eprintln!(
            "==> authup-sdk {profile}: {passed} of {} checks pass in {:.1} s ({} known failures)",
            passed + failed.len(),
            took.as_secs_f64(),
            known.len()
        );
        for name in failed.difference(&known) {
            problems.push(format!("{profile}: FAIL {name} (not a known failure)"));
        }
        for name in known.difference(&failed) {
            problems.push(format!(
                "{profile}: {name} passes; remove it from known-failures-{profile}.txt"
            ));
        }
        if passed == 0 {
            problems.push(format!(
                "{profile}: the driver ran no check:\n{text}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
