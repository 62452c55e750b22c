//! What each subcommand does. Every failure is one line for the operator; `main` prints it and
//! exits non-zero.

use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::HttpServer;
use oauth_core::Store;
use oauth_core::grant::Settings;
use oauth_core::keys::sealing::KeyEncryption;
use oauth_core::model::SigningKey;
use oauth_core::password::PasswordHasher;
use oauth_core::provision;
use oauth_core::secret::Password;
use oauth_core::store::records::Records;

use crate::cli::{ClientCreateArgs, HealthcheckArgs, RealmCreateArgs, UserCreateArgs};
use crate::config::{Config, DEFAULT_ADMIN_PASSWORD};
use crate::state::{AppState, DatabaseUrl, OsEntropy, PoolGauge, now, open_pooled};

/// A command's failure, as one line.
pub type CommandResult = Result<(), String>;

/// Opens the configured store and applies migrations. With a key-encryption key configured, checks
/// that it opens every stored private key and, only if some are still stored in the clear, seals
/// them (no writes at a normal start).
pub fn open(config: &Config) -> Result<Arc<dyn Store>, String> {
    open_with_gauge(config).map(|(store, _)| store)
}

/// [`open`], with the gauge of the database pool (for `/metrics`).
fn open_with_gauge(config: &Config) -> Result<(Arc<dyn Store>, PoolGauge), String> {
    let sealing = Arc::new(match config.keys.encryption_key().map_err(|e| e.0)? {
        Some(kek) => KeyEncryption::with_kek(kek),
        None => KeyEncryption::none(),
    });
    let url = DatabaseUrl::parse(&config.database.url)?;
    let opened = open_pooled(&url, config.database.pool_size, Arc::clone(&sealing))
        .map_err(|e| format!("database ({}): {e}", url.describe()))?;
    let (store, gauge, applied) = (opened.store, opened.pool, opened.applied);
    tracing::info!(database = %url.describe(), migrations_applied = applied.len(), "database ready");
    let keys = store.list_signing_keys(None).map_err(|e| e.to_string())?;
    if sealing.clear_keys_read() {
        for key in &keys {
            let sealed = sealing.seal_key(key).map_err(|e| e.to_string())?;
            Records::<SigningKey>::update_record(store.as_ref(), &sealed)
                .map_err(|e| format!("cannot seal signing key {}: {e}", key.id))?;
        }
    }
    Ok((store, gauge))
}

fn hasher(config: &Config) -> Result<PasswordHasher, String> {
    PasswordHasher::new(config.argon2.params(), &mut OsEntropy).map_err(|e| format!("argon2: {e}"))
}

fn run_bootstrap(config: &Config, store: &dyn Store, hasher: &PasswordHasher) -> CommandResult {
    let password = config.bootstrap.password().map_err(|e| e.to_string())?;
    let report = provision::bootstrap(
        store,
        hasher,
        &config.bootstrap.admin_username,
        &password,
        now(),
        &mut OsEntropy,
    )
    .map_err(|e| format!("bootstrap: {e}"))?;
    for (name, moved_to) in &report.moved_permissions {
        tracing::warn!(
            permission = %name,
            moved_to = %moved_to,
            "a custom permission had the name of a new built-in permission; it was renamed (its \
             holders keep it) and the name now means the built-in permission"
        );
    }
    if report.record.admin_user_id.is_none() && report.record.admin_role_id.is_some() {
        tracing::info!("no bootstrap admin is recorded (none held the built-in admin role)");
    }
    if report.admin_created {
        if password.secret() == DEFAULT_ADMIN_PASSWORD {
            tracing::warn!(
                user = %config.bootstrap.admin_username,
                "created the admin user with the default password; change it, or set \
                 bootstrap.admin_password (PORTCULLIS_BOOTSTRAP__ADMIN_PASSWORD) before the first start"
            );
        } else {
            tracing::info!(user = %config.bootstrap.admin_username, "created the admin user");
        }
    }
    Ok(())
}

/// Fails while the bootstrap admin (found by id) still has the default password: a server
/// reachable from other machines (`exposure` says why it is) must not open with `start123`.
fn refuse_default_password(
    store: &dyn Store,
    hasher: &PasswordHasher,
    exposure: &str,
) -> CommandResult {
    let record = store
        .bootstrap_record()
        .map_err(|e| format!("bootstrap: {e}"))?;
    let Some(id) = record.and_then(|r| r.admin_user_id) else {
        return Ok(());
    };
    let admin = store.find_user(id).map_err(|e| format!("bootstrap: {e}"))?;
    let default = Password::new(DEFAULT_ADMIN_PASSWORD);
    if admin.is_some_and(|u| hasher.verify_or_dummy(&default, u.password_hash.as_ref())) {
        return Err(format!(
            "the bootstrap admin still has the default password and {exposure}: change the \
             password (or set bootstrap.admin_password before the first start), or set \
             bootstrap.allow_default_password = true"
        ));
    }
    Ok(())
}

/// `portcullis serve`.
pub fn serve(config: &Config) -> CommandResult {
    let started = Instant::now();
    let addr = config.socket_addr().map_err(|e| e.to_string())?;
    let (store, gauge) = open_with_gauge(config)?;
    let hasher = hasher(config)?;
    if config.bootstrap.enabled {
        run_bootstrap(config, store.as_ref(), &hasher)?;
    }
    if let Some(exposure) = config.public_exposure()
        && !config.bootstrap.allow_default_password
    {
        refuse_default_password(store.as_ref(), &hasher, &exposure)?;
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let settings = Settings {
        refresh_grace_period: i64::from(config.tokens.refresh_grace_period),
        authorization_code_lifetime: i64::from(config.tokens.authorization_code_lifetime),
        allow_plain_pkce: config.tokens.allow_plain_pkce,
        session_lifetime: i64::from(config.tokens.session_lifetime),
        login_throttle: config.throttle.enabled,
        spray_threshold: config.throttle.spray_accounts_per_hour,
        ..Settings::new(config.public_url.trim_end_matches('/'), hasher)
    };
    let permits = config.argon2.max_concurrent.unwrap_or(cores);
    let cache_ttl = Duration::from_secs(u64::from(config.cache.ttl_seconds));
    let mut state = AppState::new(
        store.clone(),
        settings,
        permits,
        config.http.body_limit,
        cache_ttl,
    );
    state.password_min_length = config.admin.password_min_length;
    state.pool = Some(gauge);
    state.client_secret_min_length = config.admin.client_secret_min_length;
    state.body_timeout = Duration::from_secs(u64::from(config.http.body_timeout));
    state.cors = std::sync::Arc::new(crate::cors::CorsSettings {
        policy: config.cors.policy().map_err(|e| e.to_string())?,
    });
    let limit = &config.rate_limit;
    state.limits = std::sync::Arc::new(crate::ratelimit::RateLimits {
        per_address: limit
            .enabled
            .then(|| crate::ratelimit::Limiter::new(limit.address_per_second, limit.address_burst)),
        per_client: limit
            .enabled
            .then(|| crate::ratelimit::Limiter::new(limit.client_per_second, limit.client_burst)),
        per_principal: limit
            .enabled
            .then(|| crate::ratelimit::Limiter::new(limit.admin_per_second, limit.admin_burst)),
        trusted_proxies: config.trusted_proxies().map_err(|e| e.to_string())?,
    });
    let (audit, writer) =
        crate::audit::Audit::start_with_writer(store, config.events.retention_days)
            .map_err(|e| format!("cannot start the audit writer: {e}"))?;
    state.audit = audit;
    crate::maintenance::start(state.store.clone(), config.keys.clone())
        .map_err(|e| format!("cannot start the maintenance thread: {e}"))?;
    let shutdown_timeout = u64::from(config.http.shutdown_timeout);
    let request_timeout = Duration::from_secs(u64::from(config.http.request_timeout));
    let keep_alive = match config.http.keep_alive {
        0 => actix_web::http::KeepAlive::Disabled,
        seconds => actix_web::http::KeepAlive::Timeout(Duration::from_secs(u64::from(seconds))),
    };
    let workers = config.http.workers.unwrap_or(cores);
    // Blocking work is bounded by the database pool and the hashing permits; more threads than
    // that would only wait, each with its own stack and allocator arena.
    let blocking_threads = (config.database.pool_size as usize + permits).div_ceil(workers) + 1;
    // SIGTERM and SIGINT stop the listener at once and give in-flight requests up to
    // `http.shutdown_timeout` seconds; then the audit queue is flushed and the pool closed.
    let outcome = actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || crate::app(state.clone()))
            .workers(workers)
            .shutdown_timeout(shutdown_timeout)
            .client_request_timeout(request_timeout)
            .keep_alive(keep_alive)
            .max_connections(config.http.max_connections)
            .worker_max_blocking_threads(blocking_threads)
            .bind(addr)
            .map_err(|e| format!("http.address: cannot listen on {addr}: {e}"))?;
        tracing::info!(
            %addr,
            public_url = %config.public_url,
            ready_ms = started.elapsed().as_millis() as u64,
            "portcullis is listening"
        );
        server.run().await.map_err(|e| format!("server: {e}"))
    });
    if !writer.finish(Duration::from_secs(5)) {
        tracing::warn!("the audit writer did not finish in 5 s; queued events may be lost");
    }
    tracing::info!("portcullis stopped");
    outcome
}

/// `portcullis migrate`.
pub fn migrate(config: &Config) -> CommandResult {
    open(config).map(drop)
}

/// `portcullis bootstrap`.
pub fn bootstrap(config: &Config) -> CommandResult {
    let store = open(config)?;
    run_bootstrap(config, store.as_ref(), &hasher(config)?)
}

/// `portcullis realm create`: prints `{"id","name"}` as JSON.
pub fn realm_create(config: &Config, args: RealmCreateArgs) -> CommandResult {
    let store = open(config)?;
    let algorithm = oauth_core::model::SigningAlgorithm::parse(&args.access_token_algorithm)
        .ok_or_else(|| {
            format!(
                "--access-token-algorithm: {:?} is not ES256 or RS256",
                args.access_token_algorithm
            )
        })?;
    let realm = provision::create_realm(
        store.as_ref(),
        provision::NewRealm::named(&args.name, algorithm),
        now(),
        &mut OsEntropy,
    )
    .map_err(|e| format!("realm create: {e}"))?;
    println!(
        "{}",
        serde_json::json!({ "id": realm.id, "name": realm.name })
    );
    Ok(())
}

/// Creates a record through the admin API's code, as the operator; prints its JSON view.
fn create_record<R: crate::admin::Resource>(
    config: &Config,
    realm: &str,
    body: &serde_json::Value,
    hasher: PasswordHasher,
) -> CommandResult {
    let store = open(config)?;
    let settings = Settings::new(config.public_url.trim_end_matches('/'), hasher);
    let view = crate::admin::create_as_operator::<R>(
        store.as_ref(),
        &settings,
        &config.admin,
        realm,
        body,
    )
    .map_err(|e| match e {
        crate::error::ApiError::Invalid { field, message } => format!("{field}: {message}"),
        other => other.to_string(),
    })?;
    println!("{view}");
    Ok(())
}

/// `portcullis client create`: the admin API's client creation; prints the client as JSON (with
/// `secret` for a confidential client, shown only here).
pub fn client_create(config: &Config, args: ClientCreateArgs) -> CommandResult {
    let grant_types = args.grant_types.map(|g| {
        g.replace(',', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let body = serde_json::json!({
        "name": args.name,
        "authMethod": if args.public { "none" } else { "secret" },
        "grantTypes": grant_types,
        "scope": args.scope,
        "redirectUri": (!args.redirect_uris.is_empty()).then(|| args.redirect_uris.join(",")),
        "postLogoutRedirectUri": (!args.post_logout_redirect_uris.is_empty())
            .then(|| args.post_logout_redirect_uris.join(",")),
        "firstParty": args.first_party,
        "idTokenSignedResponseAlg": args.id_token_alg,
    });
    create_record::<crate::admin::Clients>(config, &args.realm, &body, hasher(config)?)
}

/// `portcullis user create`: the admin API's user creation (same validation, including the
/// minimum password length); prints the user as JSON.
pub fn user_create(config: &Config, args: UserCreateArgs) -> CommandResult {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("--password-stdin: {e}"))?;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Err("--password-stdin: standard input held no password".to_owned());
        }
        Some(line.to_owned())
    } else {
        None
    };
    let body = serde_json::json!({
        "name": args.name,
        "email": args.email,
        "password": password,
    });
    create_record::<crate::admin::Users>(config, &args.realm, &body, hasher(config)?)
}

/// `portcullis keys rotate`: adds successor keys now; prints the changes as JSON.
pub fn keys_rotate(config: &Config, args: crate::cli::KeysRotateArgs) -> CommandResult {
    let store = open(config)?;
    let alg = args
        .alg
        .as_deref()
        .and_then(oauth_core::model::SigningAlgorithm::parse);
    let changes = crate::maintenance::run_once(
        store.as_ref(),
        &config.keys,
        now(),
        Some(alg),
        args.realm.as_deref(),
    )
    .map_err(|e| format!("keys rotate: {e}"))?;
    let out: Vec<serde_json::Value> = changes
        .into_iter()
        .map(|(realm, change)| match change {
            oauth_core::keys::rotation::KeyChange::AddSuccessor {
                predecessor,
                algorithm,
            } => serde_json::json!({
                "realm": realm,
                "added": oauth_core::keys::rotation::successor_id(predecessor),
                "replaces": predecessor,
                "algorithm": algorithm.as_str(),
                "signsAfterSeconds": config.keys.prepublish_seconds,
            }),
            oauth_core::keys::rotation::KeyChange::SetStatus { key, status } => {
                serde_json::json!({ "realm": realm, "key": key, "status": status.as_str() })
            }
        })
        .collect();
    println!("{}", serde_json::Value::Array(out));
    Ok(())
}

/// `portcullis healthcheck`.
pub fn healthcheck(config: &Config, args: HealthcheckArgs) -> CommandResult {
    let text = args.address.unwrap_or_else(|| config.http.address.clone());
    let mut addr: SocketAddr = text
        .parse()
        .map_err(|_| format!("--address: {text:?} is not host:port"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let timeout = Duration::from_secs(3);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET /health/ready HTTP/1.0\r\nHost: {addr}\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    stream
        .read_exact(&mut head)
        .map_err(|e| format!("{addr}: {e}"))?;
    if head.starts_with(b"HTTP/1.") && &head[9..12] == b"200" {
        Ok(())
    } else {
        Err(format!(
            "{addr}: not ready ({})",
            String::from_utf8_lossy(&head)
        ))
    }
}
