//! `cargo xtask bench`: builds the release binary, starts it on a fresh database, prepares
//! clients, users and tokens, drives load from this process over loopback, and prints one table
//! (also written as JSON to `target/bench/<unix time>.json`).
//!
//! Raw limits (single-thread ES256/RS256 signatures per second, Argon2id hashes per second) come
//! from `cargo bench -p oauth-core --bench hot_paths -- --json` in the same run, so every scenario
//! is also reported as a ratio of its limit: of one core and of the whole machine (the per-core
//! rate times the cores). The peer (`--peer node-oidc-provider`, the default when node is
//! installed) is measured by the same load generator in the same run, and each shared scenario is
//! reported as Portcullis's rate over the peer's. A scenario that sees an unexpected status fails
//! the run.

mod load;
mod peer;
mod server;

use std::path::Path;
use std::time::Duration;

use load::{Group, Outcome, Plan, Request, json_field, once};
use server::{Database, Db, Server, cli};

/// Options of one run.
struct Options {
    dbs: Vec<Db>,
    duration: Duration,
    connections: usize,
    scenario: Option<String>,
    /// `None`: node-oidc-provider when node is installed; `Some(false)`: no peer.
    peer: Option<bool>,
}

/// `cargo xtask bench --help`.
const HELP: &str = "\
cargo xtask bench [OPTIONS]

Builds the release binary, starts it on a fresh database, drives load over loopback and prints
one table (also target/bench/<unix time>.json): req/s, p50/p99, server CPU per request, peak RSS,
and each scenario as a ratio of the machine's raw limit (per core and for all cores).

  --db sqlite|postgres|both        databases to run on (default: both)
  --duration SECS                  seconds per scenario (default: 10)
  --connections N                  concurrent keep-alive connections (default: 64)
  --scenario NAME                  one scenario: health, jwks, discovery, client_credentials,
                                   client_credentials_rs256, refresh_token, password_wrong, password
  --abuse-controls on|off          the throttle and rate limits as deployed (default: off)
  --peer node-oidc-provider|none   the peer measured in the same run with the same load
                                   (default: node-oidc-provider when node is installed)
  --help                           this text
";

/// The pause between two latency probes while logins saturate the hashing pool.
const PROBE_PACE: Duration = Duration::from_millis(20);

const SCENARIOS: [&str; 8] = [
    "health",
    "jwks",
    "discovery",
    "client_credentials",
    "client_credentials_rs256",
    "refresh_token",
    "password_wrong",
    "password",
];

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        dbs: vec![Db::Sqlite, Db::Postgres],
        duration: Duration::from_secs(10),
        connections: 64,
        scenario: None,
        peer: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--db" => {
                options.dbs = match value()?.as_str() {
                    "sqlite" => vec![Db::Sqlite],
                    "postgres" => vec![Db::Postgres],
                    "both" => vec![Db::Sqlite, Db::Postgres],
                    other => {
                        return Err(format!("--db: {other:?} is not sqlite, postgres or both"));
                    }
                }
            }
            "--duration" => {
                let secs: f64 = value()?.parse().map_err(|_| "--duration takes seconds")?;
                options.duration = Duration::from_secs_f64(secs.max(0.5));
            }
            "--connections" => {
                options.connections = value()?
                    .parse()
                    .map_err(|_| "--connections takes a number")?;
            }
            "--abuse-controls" => {
                let on = match value()?.as_str() {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("--abuse-controls: {other:?} is not on or off")),
                };
                server::ABUSE_CONTROLS.store(on, std::sync::atomic::Ordering::Relaxed);
            }
            "--scenario" => {
                let name = value()?;
                if !SCENARIOS.contains(&name.as_str()) {
                    return Err(format!("--scenario: {name:?} is not one of {SCENARIOS:?}"));
                }
                options.scenario = Some(name);
            }
            "--peer" => {
                options.peer = match value()?.as_str() {
                    "node-oidc-provider" => Some(true),
                    "none" => Some(false),
                    other => {
                        return Err(format!(
                            "--peer: {other:?} is not node-oidc-provider or none"
                        ));
                    }
                }
            }
            other => return Err(format!("unknown bench option {other:?}\n\n{HELP}")),
        }
    }
    Ok(options)
}

/// The machine's raw limits, from the core's micro-benchmarks.
struct Limits {
    es256: f64,
    es256_openssl: f64,
    rs256: f64,
    argon2_total: f64,
    argon2_parallel: f64,
    cores: f64,
    json: serde_json::Value,
}

fn limits(root: &Path) -> Result<Limits, String> {
    eprintln!("==> raw limits: cargo bench -p oauth-core --bench hot_paths -- --json");
    let out = std::process::Command::new("cargo")
        .args([
            "bench",
            "--quiet",
            "-p",
            "oauth-core",
            "--bench",
            "hot_paths",
            "--",
            "--json",
        ])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cargo bench: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo bench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or("no JSON from hot_paths")?;
    let json: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let get = |k: &str| json[k].as_f64().unwrap_or(0.0);
    Ok(Limits {
        es256: get("es256_sign_per_s"),
        es256_openssl: get("es256_openssl_sign_per_s"),
        rs256: get("rs256_sign_per_s"),
        argon2_total: get("argon2_hash_per_s") * get("cores"),
        argon2_parallel: get("argon2_all_cores_parallel_per_s"),
        cores: get("cores").max(1.0),
        json,
    })
}

/// The raw limit a scenario is compared with: what it counts, the rate of one core (when the
/// limit is per core) and of the whole machine.
#[derive(Clone, Copy)]
struct LimitSpec {
    name: &'static str,
    one_core: Option<f64>,
    machine: f64,
}

type Limit = Option<LimitSpec>;

/// One row of the table: a system (a database of Portcullis, or the peer) and a scenario.
struct Row {
    system: &'static str,
    scenario: String,
    outcome: Outcome,
    cpu_per_request_us: f64,
    peak_rss_mib: f64,
    limit: Limit,
}

impl Row {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "db": self.system,
            "scenario": self.scenario,
            "requests": self.outcome.count,
            "req_per_s": round(self.outcome.rate()),
            "p50_ms": round(self.outcome.percentile_ms(0.50)),
            "p99_ms": round(self.outcome.percentile_ms(0.99)),
            "errors": self.outcome.errors,
            "first_error": self.outcome.first_error,
            "server_cpu_per_request_us": round(self.cpu_per_request_us),
            "server_peak_rss_mib": round(self.peak_rss_mib),
            "limit": self.limit.map(|l| serde_json::json!({
                "name": l.name,
                "one_core_per_s": l.one_core.map(round),
                "one_core_ratio": l.one_core.map(|v| round(self.outcome.rate() / v)),
                "machine_per_s": round(l.machine),
                "machine_ratio": round(self.outcome.rate() / l.machine),
            })),
        })
    }
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn basic(id: &str, secret: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{id}:{secret}").into_bytes();
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

fn client(
    root: &Path,
    dir: &Path,
    db: &Database,
    args: &[&str],
) -> Result<(String, String), String> {
    let out = cli(root, dir, db, args)?;
    let json: serde_json::Value = serde_json::from_str(out.trim()).map_err(|e| e.to_string())?;
    Ok((
        json["id"].as_str().unwrap_or_default().to_owned(),
        json["secret"].as_str().unwrap_or_default().to_owned(),
    ))
}

fn password_request() -> Request {
    Request::form(
        "/token",
        form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ]),
    )
}

fn run_db(
    root: &Path,
    db: Db,
    options: &Options,
    limits: Option<&Limits>,
    rows: &mut Vec<Row>,
) -> Result<serde_json::Value, String> {
    let dir = std::env::temp_dir().join(format!(
        "portcullis-bench-{}-{}",
        db.name(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let database = Database::create(db, &dir)?;
    eprintln!("==> {}: starting portcullis on a fresh database", db.name());
    let first = Server::start(root, &dir, &database)?;
    let fresh_ready_ms = first.ready_ms;
    first.stop();
    cli(
        root,
        &dir,
        &database,
        &[
            "realm",
            "create",
            "--name",
            "rs",
            "--access-token-algorithm",
            "RS256",
        ],
    )?;
    let es = client(
        root,
        &dir,
        &database,
        &["client", "create", "--name", "bench"],
    )?;
    let rs = client(
        root,
        &dir,
        &database,
        &["client", "create", "--name", "bench-rs", "--realm", "rs"],
    )?;
    let server = Server::start(root, &dir, &database)?;
    eprintln!(
        "    ready in {fresh_ready_ms:.0} ms on a fresh database, {:.0} ms on an existing one",
        server.ready_ms
    );

    let wanted = |name: &str| options.scenario.as_deref().is_none_or(|s| s == name);
    let cc = |(id, secret): &(String, String), path: &str| Plan::Fixed {
        request: Request {
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("Authorization".into(), basic(id, secret)),
            ],
            ..Request::form(path, "grant_type=client_credentials".into())
        },
        status: 200,
    };
    let fixed = |request: Request, status: u16| Plan::Fixed { request, status };
    let n = options.connections;
    let mut measure = |name: &str, groups: Vec<(String, Group, Limit)>| {
        eprintln!("    {name} ...");
        let cpu_before = server.cpu_seconds();
        let (labels, groups): (Vec<_>, Vec<_>) =
            groups.into_iter().map(|(l, g, lim)| ((l, lim), g)).unzip();
        let outcomes = load::run(server.addr, groups, options.duration);
        let cpu = server.cpu_seconds() - cpu_before;
        let total: u64 = outcomes.iter().map(|o| o.count).sum();
        for ((label, limit), outcome) in labels.into_iter().zip(outcomes) {
            rows.push(Row {
                system: db.name(),
                scenario: label,
                cpu_per_request_us: if total > 0 {
                    cpu * 1e6 / total as f64
                } else {
                    0.0
                },
                peak_rss_mib: server.peak_rss_mib(),
                outcome,
                limit,
            });
        }
    };
    let es_limit = limits.map(es256_limit);
    let rs_limit = limits.map(|l| LimitSpec {
        name: "RS256 signatures/s",
        one_core: Some(l.rs256),
        machine: l.rs256 * l.cores,
    });
    let argon_limit = limits.map(|l| LimitSpec {
        name: "Argon2id hashes/s",
        one_core: None,
        machine: l.argon2_total,
    });
    if wanted("health") {
        measure(
            "health",
            vec![(
                "health".into(),
                Group {
                    plan: fixed(Request::get("/health/ready"), 200),
                    connections: n,
                    pace: None,
                },
                None,
            )],
        );
    }
    if wanted("jwks") {
        measure(
            "jwks",
            vec![(
                "jwks".into(),
                Group {
                    plan: fixed(Request::get("/jwks"), 200),
                    connections: n,
                    pace: None,
                },
                None,
            )],
        );
    }
    if wanted("discovery") {
        let document = Request::get("/realms/master/.well-known/openid-configuration");
        measure(
            "discovery",
            vec![(
                "discovery".into(),
                Group {
                    plan: fixed(document, 200),
                    connections: n,
                    pace: None,
                },
                None,
            )],
        );
    }
    if wanted("client_credentials") {
        measure(
            "client_credentials",
            vec![(
                "client_credentials ES256".into(),
                Group {
                    plan: cc(&es, "/token"),
                    connections: n,
                    pace: None,
                },
                es_limit,
            )],
        );
    }
    if wanted("client_credentials_rs256") {
        measure(
            "client_credentials_rs256",
            vec![(
                "client_credentials RS256".into(),
                Group {
                    plan: cc(&rs, "/realms/rs/token"),
                    connections: n,
                    pace: None,
                },
                rs_limit,
            )],
        );
    }
    if wanted("refresh_token") {
        let mut tokens = Vec::new();
        for _ in 0..n {
            let (status, body) = once(server.addr, &password_request())?;
            if status != 200 {
                return Err(format!("setup login failed: {status}"));
            }
            tokens.push(json_field(&body, "refresh_token").ok_or("no refresh token")?);
        }
        measure(
            "refresh_token",
            vec![(
                "refresh_token".into(),
                Group {
                    plan: Plan::Refresh {
                        path: "/token".into(),
                        tokens,
                    },
                    connections: n,
                    pace: None,
                },
                None,
            )],
        );
    }
    if wanted("password_wrong") {
        let wrong = Request::form(
            "/token",
            form(&[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", "wrong"),
            ]),
        );
        measure(
            "password_wrong",
            vec![(
                "password_wrong".into(),
                Group {
                    plan: fixed(wrong, 400),
                    connections: n,
                    pace: None,
                },
                argon_limit,
            )],
        );
    }
    if wanted("password") {
        measure(
            "password (with jwks and health probes)",
            vec![
                (
                    "password".into(),
                    Group {
                        plan: fixed(password_request(), 200),
                        connections: n,
                        pace: None,
                    },
                    argon_limit,
                ),
                (
                    "jwks during password".into(),
                    Group {
                        plan: fixed(Request::get("/jwks"), 200),
                        connections: 1,
                        pace: Some(PROBE_PACE),
                    },
                    None,
                ),
                (
                    "health during password".into(),
                    Group {
                        plan: fixed(Request::get("/health/ready"), 200),
                        connections: 1,
                        pace: Some(PROBE_PACE),
                    },
                    None,
                ),
            ],
        );
    }
    let peak = server.peak_rss_mib();
    let existing_ready_ms = server.ready_ms;
    server.stop();
    drop(database);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(serde_json::json!({
        "db": db.name(),
        "ready_ms_fresh_database": round(fresh_ready_ms),
        "ready_ms_existing_database": round(existing_ready_ms),
        "peak_rss_mib": round(peak),
    }))
}

/// The ES256 signing limit: one core's rate, and that times the cores.
fn es256_limit(l: &Limits) -> LimitSpec {
    LimitSpec {
        name: "ES256 signatures/s",
        one_core: Some(l.es256),
        machine: l.es256 * l.cores,
    }
}

/// The peer's run: client_credentials (ES256 JWT), JWKS and discovery, with the same load.
fn run_peer(
    root: &Path,
    options: &Options,
    limits: Option<&Limits>,
    rows: &mut Vec<Row>,
) -> Result<serde_json::Value, String> {
    let dir = peer::install(root)?;
    eprintln!("==> {}: starting", peer::NAME);
    let peer = peer::Peer::start(&dir)?;
    eprintln!("    ready in {:.0} ms", peer.ready_ms);
    let wanted = |name: &str| options.scenario.as_deref().is_none_or(|s| s == name);
    let n = options.connections;
    let token = Request {
        headers: vec![
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            (
                "Authorization".into(),
                basic(peer::CLIENT_ID, peer::CLIENT_SECRET),
            ),
        ],
        ..Request::form("/token", "grant_type=client_credentials".into())
    };
    let scenarios = [
        ("jwks", "jwks", Request::get("/jwks"), None),
        (
            "discovery",
            "discovery",
            Request::get("/.well-known/openid-configuration"),
            None,
        ),
        (
            "client_credentials",
            "client_credentials ES256",
            token,
            limits.map(es256_limit),
        ),
    ];
    for (name, label, request, limit) in scenarios {
        if !wanted(name) {
            continue;
        }
        eprintln!("    {name} ...");
        let cpu_before = peer.cpu_seconds();
        let group = Group {
            plan: Plan::Fixed {
                request,
                status: 200,
            },
            connections: n,
            pace: None,
        };
        let outcome = load::run(peer.addr, vec![group], options.duration)
            .into_iter()
            .next()
            .ok_or("no outcome")?;
        let cpu = peer.cpu_seconds() - cpu_before;
        rows.push(Row {
            system: peer::NAME,
            scenario: label.to_owned(),
            cpu_per_request_us: if outcome.count > 0 {
                cpu * 1e6 / outcome.count as f64
            } else {
                0.0
            },
            peak_rss_mib: peer.peak_rss_mib(),
            outcome,
            limit,
        });
    }
    Ok(serde_json::json!({
        "db": peer::NAME,
        "ready_ms_fresh_database": round(peer.ready_ms),
        "ready_ms_existing_database": round(peer.ready_ms),
        "peak_rss_mib": round(peer.peak_rss_mib()),
    }))
}

/// Entry point of `cargo xtask bench`.
pub fn bench(root: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{HELP}");
        return Ok(());
    }
    let options = parse(args)?;
    crate::run(
        "release build",
        "cargo",
        &[
            "build",
            "--release",
            "--locked",
            "-p",
            "server",
            "--bin",
            "portcullis",
        ],
    )?;
    let needs_limits = options
        .scenario
        .as_deref()
        .is_none_or(|s| !matches!(s, "health" | "jwks" | "discovery" | "refresh_token"));
    let limits = if needs_limits {
        Some(limits(root)?)
    } else {
        None
    };
    let mut rows = Vec::new();
    let mut runs = Vec::new();
    for &db in &options.dbs {
        runs.push(run_db(root, db, &options, limits.as_ref(), &mut rows)?);
    }
    let shares_a_scenario = options
        .scenario
        .as_deref()
        .is_none_or(|s| matches!(s, "jwks" | "discovery" | "client_credentials"));
    match (options.peer, peer::node_version()) {
        (Some(false), _) => {}
        _ if !shares_a_scenario => {}
        (_, Some(version)) => {
            eprintln!("==> peer: {} on node {version}", peer::NAME);
            runs.push(run_peer(root, &options, limits.as_ref(), &mut rows)?);
        }
        (Some(true), None) => return Err(format!("--peer {}: node is not installed", peer::NAME)),
        (None, None) => eprintln!(
            "==> peer: node is not installed; {} is not measured (apt-get install nodejs npm)",
            peer::NAME
        ),
    }
    print_table(&rows, limits.as_ref(), &runs);
    print_peer_comparison(&rows);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let out_dir = root.join("target/bench");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    let path = out_dir.join(format!("{stamp}.json"));
    let report = serde_json::json!({
        "unix_time": stamp,
        "build": "release",
        "machine": machine(),
        "duration_s": options.duration.as_secs_f64(),
        "connections": options.connections,
        "limits": limits.as_ref().map(|l| l.json.clone()),
        "runs": runs,
        "rows": rows.iter().map(Row::json).collect::<Vec<_>>(),
    });
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )
    .map_err(|e| e.to_string())?;
    eprintln!("wrote {}", path.display());
    let failed: Vec<String> = rows
        .iter()
        .filter(|r| r.outcome.errors > 0 || r.outcome.count == 0)
        .map(|r| {
            format!(
                "{} {}: {} errors of {} ({})",
                r.system,
                r.scenario,
                r.outcome.errors,
                r.outcome.count,
                r.outcome
                    .first_error
                    .as_deref()
                    .unwrap_or("no requests completed")
            )
        })
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("unexpected answers: {}", failed.join("; ")))
    }
}

fn machine() -> serde_json::Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_default();
    serde_json::json!({ "cpu": cpu, "cores": cores, "memory": mem })
}

fn print_table(rows: &[Row], limits: Option<&Limits>, runs: &[serde_json::Value]) {
    if let Some(l) = limits {
        println!(
            "raw limits: ES256 {:.0}/s (ring, the server's signer; {:.0}/s through josekit's OpenSSL \
             signer), RS256 {:.0}/s (one thread); {} cores; Argon2id {:.1}/s (one thread x cores), \
             {:.1}/s measured on all cores at once",
            l.es256, l.es256_openssl, l.rs256, l.cores, l.argon2_total, l.argon2_parallel
        );
    }
    for run in runs {
        println!(
            "{}: ready in {} ms (fresh database), {} ms (existing database); peak RSS {} MiB",
            run["db"].as_str().unwrap_or_default(),
            run["ready_ms_fresh_database"],
            run["ready_ms_existing_database"],
            run["peak_rss_mib"]
        );
    }
    println!(
        "| db | scenario | req/s | p50 ms | p99 ms | errors | server CPU/req (µs) | server peak RSS (MiB) | ratio to limit |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---|");
    for r in rows {
        let rate = r.outcome.rate();
        let ratio = r.limit.map_or(String::from("-"), |l| match l.one_core {
            Some(one) => format!(
                "{:.2} × one core, {:.2} × machine ({})",
                rate / one,
                rate / l.machine,
                l.name
            ),
            None => format!("{:.2} × machine ({})", rate / l.machine, l.name),
        });
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {:.1} | {} |",
            r.system,
            r.scenario,
            r.outcome.rate(),
            r.outcome.percentile_ms(0.50),
            r.outcome.percentile_ms(0.99),
            r.outcome.errors,
            r.cpu_per_request_us,
            r.peak_rss_mib,
            ratio
        );
    }
}

/// Portcullis (each database) over the peer, for every scenario both ran.
fn print_peer_comparison(rows: &[Row]) {
    let peer_rows: Vec<&Row> = rows.iter().filter(|r| r.system == peer::NAME).collect();
    if peer_rows.is_empty() {
        return;
    }
    println!();
    println!(
        "| scenario | system | req/s | p99 ms | × {} req/s |",
        peer::NAME
    );
    println!("|---|---|---:|---:|---:|");
    for theirs in peer_rows {
        for ours in rows
            .iter()
            .filter(|r| r.system != peer::NAME && r.scenario == theirs.scenario)
        {
            println!(
                "| {} | portcullis ({}) | {:.0} | {:.2} | {:.1} |",
                ours.scenario,
                ours.system,
                ours.outcome.rate(),
                ours.outcome.percentile_ms(0.99),
                ours.outcome.rate() / theirs.outcome.rate().max(f64::MIN_POSITIVE)
            );
        }
        println!(
            "| {} | {} | {:.0} | {:.2} | 1.0 |",
            theirs.scenario,
            peer::NAME,
            theirs.outcome.rate(),
            theirs.outcome.percentile_ms(0.99)
        );
    }
}
