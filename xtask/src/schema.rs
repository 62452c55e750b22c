//! `cargo xtask schema [--write]`: each store crate's `src/schema.rs` is what `diesel print-schema`
//! prints for its migrations.
//!
//! For each backend it migrates a fresh database (a new SQLite file under `target/schema-check/`; a
//! new PostgreSQL database beside `PORTCULLIS_TEST_DATABASE_URL`'s, dropped afterwards) with
//! `diesel migration run`, runs `diesel print-schema` with the crate's `diesel.toml` (and, on
//! SQLite, its `schema.patch`), and fails with a unified diff when the output differs from the
//! committed file. `--write` replaces the committed files instead. diesel_cli must be installed
//! (`.ci/run` installs the pinned version, [`DIESEL_CLI_VERSION`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{check_postgres, root};

/// The diesel_cli release CI installs (`.ci/run`); the same minor as the `diesel` crate.
pub(crate) const DIESEL_CLI_VERSION: &str = "2.3.14";

/// One store crate's schema: where its settings and its migrations are.
struct Backend {
    name: &'static str,
    crate_dir: &'static str,
    migrations: &'static str,
}

const SQLITE: Backend = Backend {
    name: "sqlite",
    crate_dir: "crates/store-sqlite",
    migrations: "migrations/sqlite",
};

const POSTGRES: Backend = Backend {
    name: "postgres",
    crate_dir: "crates/store-postgres",
    migrations: "migrations/postgres",
};

pub(crate) fn schema(args: &[String]) -> Result<(), String> {
    let write = match args {
        [] => false,
        [flag] if flag == "--write" => true,
        _ => return Err("usage: cargo xtask schema [--write]".to_owned()),
    };
    let version = Command::new("diesel").arg("--version").output();
    if !version.is_ok_and(|o| o.status.success()) {
        return Err(format!(
            "schema: diesel_cli is not installed; install it with `cargo install diesel_cli \
             --version {DIESEL_CLI_VERSION} --locked --no-default-features --features \
             sqlite,postgres` (.ci/run does)"
        ));
    }
    let work = root().join("target/schema-check");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    // Migrating with an empty configuration keeps `diesel migration run` from rewriting the
    // committed schema.rs (it does when the configuration names a file).
    let empty = work.join("empty.toml");
    std::fs::write(&empty, "").map_err(|e| format!("{}: {e}", empty.display()))?;

    let sqlite_db = work.join("schema.sqlite3");
    for stale in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{stale}", sqlite_db.display()));
    }
    let mut failures = Vec::new();
    let url = path_str(&sqlite_db)?;
    migrate(&SQLITE, &url, &empty)?;
    if let Err(e) = compare(&SQLITE, &url, &work, write) {
        failures.push(e);
    }

    let base = check_postgres()?;
    let name = format!("portcullis_schema_check_{}", std::process::id());
    let url = with_database(&base, &name);
    let drop = format!("DROP DATABASE IF EXISTS {name}");
    psql(&base, &drop)?;
    psql(&base, &format!("CREATE DATABASE {name}"))?;
    let outcome =
        migrate(&POSTGRES, &url, &empty).and_then(|()| compare(&POSTGRES, &url, &work, write));
    psql(&base, &drop)?;
    if let Err(e) = outcome {
        failures.push(e);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// Runs one SQL statement with `psql` on `url` (not echoed: the URL may hold a password).
fn psql(url: &str, sql: &str) -> Result<(), String> {
    eprintln!("==> schema: psql: {sql}");
    let output = Command::new("psql")
        .args([url, "-qAtc", sql])
        .output()
        .map_err(|e| format!("schema: cannot run psql: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "schema: psql `{sql}` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

fn path_str(path: &Path) -> Result<String, String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} is not UTF-8", path.display()))
}

/// Applies `backend`'s migrations to the database at `url`.
fn migrate(backend: &Backend, url: &str, empty: &Path) -> Result<(), String> {
    let dir = path_str(&root().join(backend.migrations))?;
    let config = path_str(empty)?;
    let output = Command::new("diesel")
        .args(["migration", "run", "--migration-dir", &dir])
        .args(["--database-url", url, "--config-file", &config])
        .current_dir(root())
        .output()
        .map_err(|e| format!("schema: cannot run diesel: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "schema: migrating a fresh {} database failed: {}",
            backend.name,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// Runs `diesel print-schema` on `url` with the configuration file `config`.
fn print_schema(backend: &Backend, url: &str, config: &str) -> Result<String, String> {
    let output = Command::new("diesel")
        .args([
            "print-schema",
            "--config-file",
            config,
            "--database-url",
            url,
        ])
        .current_dir(root())
        .output()
        .map_err(|e| format!("schema: cannot run diesel: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "schema: diesel print-schema ({}) failed: {}; after changing a migration run `cargo \
             xtask schema --write`",
            backend.name,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("schema: print-schema output: {e}"))
}

/// Compares (or, with `write`, replaces) `backend`'s committed schema.rs with print-schema's
/// output under the crate's `diesel.toml`. On SQLite the output must also be print-schema's plain
/// output with exactly the corrections of [`sqlite_corrections`] (so `schema.patch` can hide no
/// other difference); `--write` regenerates the patch from them.
fn compare(backend: &Backend, url: &str, work: &Path, write: bool) -> Result<(), String> {
    eprintln!(
        "==> schema: diesel print-schema of {} against {}/src/schema.rs",
        backend.migrations, backend.crate_dir
    );
    let crate_dir = root().join(backend.crate_dir);
    let config = path_str(&crate_dir.join("diesel.toml"))?;
    let committed: PathBuf = crate_dir.join("src/schema.rs");
    let expected = if backend.name == SQLITE.name {
        let plain = print_schema(backend, url, &path_str(&work.join("empty.toml"))?)?;
        let corrected = sqlite_corrections(&plain);
        if write {
            write_patch(&plain, &corrected, work, &crate_dir.join("schema.patch"))?;
        }
        Some(corrected)
    } else {
        None
    };
    let generated = print_schema(backend, url, &config)?;
    if let Some(expected) = &expected
        && *expected != generated
    {
        return Err(show_diff(
            backend,
            work,
            expected,
            &generated,
            "schema.patch does more or less than the corrections diesel.toml describes; run \
             `cargo xtask schema --write`",
        ));
    }
    if write {
        return std::fs::write(&committed, &generated)
            .map_err(|e| format!("{}: {e}", committed.display()));
    }
    let current =
        std::fs::read_to_string(&committed).map_err(|e| format!("{}: {e}", committed.display()))?;
    if current == generated {
        return Ok(());
    }
    Err(show_diff(
        backend,
        work,
        &current,
        &generated,
        &format!(
            "{}/src/schema.rs does not match {}; after changing a migration run `cargo xtask \
             schema --write`",
            backend.crate_dir, backend.migrations
        ),
    ))
}

/// Prints `diff -u` of `ours` against `theirs` (print-schema's) and answers the failure `what`.
fn show_diff(backend: &Backend, work: &Path, ours: &str, theirs: &str, what: &str) -> String {
    let a = work.join(format!("{}.expected.rs", backend.name));
    let b = work.join(format!("{}.print-schema.rs", backend.name));
    if std::fs::write(&a, ours).is_ok() && std::fs::write(&b, theirs).is_ok() {
        // For the reader; `diff` exits 1 when the files differ.
        let _ = Command::new("diff").arg("-u").args([&a, &b]).status();
    }
    format!("schema ({}): {what}", backend.name)
}

/// What print-schema cannot infer on SQLite (see `crates/store-sqlite/diesel.toml`): primary keys
/// are not null, and the migrations' `timestamp` columns hold `TimestamptzSqlite`.
fn sqlite_corrections(plain: &str) -> String {
    let mut out = String::with_capacity(plain.len() + 1024);
    let mut primary_key: Option<String> = None;
    for line in plain.split_inclusive('\n') {
        let mut line = line.replace("-> Timestamp,", "-> TimestamptzSqlite,");
        line = line.replace("Nullable<Timestamp>", "Nullable<TimestamptzSqlite>");
        if let Some(key) = primary_key.take() {
            let nullable = format!("{key} -> Nullable<");
            if let Some(start) = line.find(&nullable)
                && let Some(end) = line.rfind(">,")
            {
                let sql_type = &line[start + nullable.len()..end];
                line = format!("{}{key} -> {sql_type},\n", &line[..start]);
            }
        }
        // `    users (id) {` opens a table whose next line is its key column.
        let trimmed = line.trim_end();
        if let Some(head) = trimmed.strip_suffix(") {")
            && let Some((_, key)) = head.split_once(" (")
        {
            primary_key = Some(key.to_owned());
        }
        out.push_str(&line);
    }
    out
}

/// Writes `patch` as the unified diff (one line of context) from `plain` to `corrected`.
fn write_patch(plain: &str, corrected: &str, work: &Path, patch: &Path) -> Result<(), String> {
    let a = work.join("sqlite.plain.rs");
    let b = work.join("sqlite.corrected.rs");
    std::fs::write(&a, plain).map_err(|e| format!("{}: {e}", a.display()))?;
    std::fs::write(&b, corrected).map_err(|e| format!("{}: {e}", b.display()))?;
    let output = Command::new("diff")
        .args([
            "-U1",
            "--label",
            "src/schema.rs",
            "--label",
            "src/schema.rs",
        ])
        .args([&a, &b])
        .output()
        .map_err(|e| format!("schema: cannot run diff: {e}"))?;
    std::fs::write(patch, &output.stdout).map_err(|e| format!("{}: {e}", patch.display()))
}

/// `url` with its database name replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn sqlite_keys_become_not_null_and_timestamps_keep_their_offset() {
        let plain = "    users (id) {\n        id -> Nullable<Text>,\n        name -> Nullable<Text>,\n        \
                     created_at -> Timestamp,\n        gone -> Nullable<Timestamp>,\n";
        let expected = "    users (id) {\n        id -> Text,\n        name -> Nullable<Text>,\n        \
                        created_at -> TimestamptzSqlite,\n        gone -> Nullable<TimestamptzSqlite>,\n";
        assert_eq!(super::sqlite_corrections(plain), expected);
    }

    #[test]
    fn the_check_database_sits_beside_the_configured_one() {
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/x",
            ),
            (
                "postgres://u:p@h/db?sslmode=disable",
                "postgres://u:p@h/x?sslmode=disable",
            ),
            ("postgresql://h", "postgresql://h/x"),
        ];
        for (url, expected) in cases {
            assert_eq!(with_database(url, "x"), expected, "{url}");
        }
    }
}
