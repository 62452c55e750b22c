//! Configuration layering and validation. Environment variables are process-global, so these
//! tests use figment's `Jail`, which serialises them and restores the environment.

#![allow(clippy::result_large_err, clippy::type_complexity)]

use super::*;

fn load(
    jail_env: &[(&str, &str)],
    toml: Option<&str>,
    overrides: Overrides,
) -> Result<Config, String> {
    let mut out = Err(String::new());
    figment::Jail::expect_with(|jail| {
        for (k, v) in jail_env {
            jail.set_env(k, v);
        }
        if let Some(toml) = toml {
            jail.create_file(DEFAULT_CONFIG_FILE, toml)?;
        }
        out = Config::load(None, &overrides)
            .map(|(c, _)| c)
            .map_err(|e| e.to_string());
        Ok(())
    });
    out
}

#[test]
fn defaults_match_the_design() {
    let c = load(&[], None, Overrides::default()).unwrap();
    assert_eq!(c.http.address, "127.0.0.1:3001");
    assert_eq!(c.public_url, "http://localhost:3001");
    assert_eq!(c.database.url, "./data/portcullis.db");
    assert_eq!(c.http.body_limit, 65536);
    assert_eq!(c.tokens.refresh_grace_period, 0);
}

#[test]
fn layers_override_in_order() {
    let toml = "public_url = \"https://toml.example\"\n[http]\naddress = \"0.0.0.0:1\"\n[database]\nurl = \"toml.db\"\n";
    let env = [
        ("PORTCULLIS_HTTP__ADDRESS", "0.0.0.0:2"),
        ("PORTCULLIS_DATABASE__URL", "postgres://env/db"),
    ];
    let flags = Overrides {
        address: Some("0.0.0.0:3".into()),
        ..Overrides::default()
    };
    let c = load(&env, Some(toml), flags).unwrap();
    assert_eq!(c.http.address, "0.0.0.0:3", "flag beats env");
    assert_eq!(c.database.url, "postgres://env/db", "env beats file");
    assert_eq!(c.public_url, "https://toml.example", "file beats default");
    assert!(c.is_https());
}

#[test]
fn bad_values_fail_with_the_key_named() {
    let cases: [(&[(&str, &str)], Option<&str>, &str); 7] = [
        (
            &[("PORTCULLIS_HTTP__ADDRESS", "nowhere")],
            None,
            "http.address",
        ),
        (&[("PORTCULLIS_PUBLIC_URL", "ftp://x")], None, "public_url"),
        (
            &[("PORTCULLIS_DATABASE__POOL_SIZE", "0")],
            None,
            "database.pool_size",
        ),
        (
            &[("PORTCULLIS_DATABASE__POOL_SIZE", "many")],
            None,
            "database.pool_size",
        ),
        (&[("PORTCULLIS_HTTP__ADRESS", "x")], None, "adress"),
        (&[], Some("[log]\nformat = \"xml\"\n"), "log.format"),
        (&[("PORTCULLIS_ARGON2__PARALLELISM", "0")], None, "argon2"),
    ];
    for (env, toml, key) in cases {
        let err = load(env, toml, Overrides::default()).unwrap_err();
        assert!(err.contains(key), "{err:?} should name {key}");
        assert!(!err.contains('\n'), "one line: {err:?}");
    }
}

#[test]
fn every_section_is_reachable_from_the_environment() {
    let env = [
        ("PORTCULLIS_CACHE__TTL_SECONDS", "3"),
        ("PORTCULLIS_THROTTLE__ENABLED", "false"),
        ("PORTCULLIS_TOKENS__SESSION_LIFETIME", "600"),
        ("PORTCULLIS_ARGON2__MEMORY_KIB", "1024"),
        ("PORTCULLIS_LOG__FORMAT", "json"),
        ("PORTCULLIS_BOOTSTRAP__ADMIN_USERNAME", "root"),
        ("PORTCULLIS_ADMIN__PASSWORD_MIN_LENGTH", "12"),
        ("PORTCULLIS_EVENTS__RETENTION_DAYS", "7"),
        ("PORTCULLIS_KEYS__PREPUBLISH_SECONDS", "5"),
        ("PORTCULLIS_RATE_LIMIT__ADDRESS_BURST", "7"),
    ];
    let c = load(&env, None, Overrides::default()).unwrap();
    assert_eq!(c.cache.ttl_seconds, 3);
    assert!(!c.throttle.enabled);
    assert_eq!(c.tokens.session_lifetime, 600);
    assert_eq!(c.argon2.memory_kib, 1024);
    assert_eq!(c.log.format, LogFormat::Json);
    assert_eq!(c.bootstrap.admin_username, "root");
    assert_eq!(c.admin.password_min_length, 12);
    assert_eq!(c.events.retention_days, 7);
    assert_eq!(c.keys.prepublish_seconds, 5);
    assert_eq!(c.rate_limit.address_burst, 7);
}

#[test]
fn unknown_top_level_variables_only_warn() {
    figment::Jail::expect_with(|jail| {
        jail.set_env("PORTCULLIS_SOMETHING", "1");
        jail.set_env("PORTCULLIS_TEST_DATABASE_URL", "postgres://x");
        let (_, warnings) = Config::load(None, &Overrides::default()).unwrap();
        assert_eq!(
            warnings,
            ["ignoring unknown environment variable PORTCULLIS_SOMETHING"]
        );
        Ok(())
    });
}

#[test]
fn debug_hides_the_admin_password() {
    let c = Config::default();
    assert!(!format!("{c:?}").contains(DEFAULT_ADMIN_PASSWORD));
}

#[test]
fn the_operations_guide_lists_every_key() {
    let guide = include_str!("../../../../docs/operations.md");
    let defaults = serde_json::to_value(Config::default()).unwrap();
    let mut keys = Vec::new();
    for (section, value) in defaults.as_object().unwrap() {
        match value.as_object() {
            Some(fields) => keys.extend(fields.keys().map(|k| format!("{section}.{k}"))),
            None => keys.push(section.clone()),
        }
    }
    assert!(keys.len() > 30, "{keys:?}");
    for key in keys {
        let env = format!("PORTCULLIS_{}", key.replace('.', "__").to_uppercase());
        assert!(
            guide.contains(&format!("`{key}`")),
            "docs/operations.md lacks {key}"
        );
        assert!(guide.contains(&env), "docs/operations.md lacks {env}");
    }
}

#[test]
fn timeouts_and_the_connection_cap_are_validated() {
    let c = load(&[], None, Overrides::default()).unwrap();
    assert_eq!(
        (
            c.http.request_timeout,
            c.http.keep_alive,
            c.http.body_timeout,
            c.http.max_connections
        ),
        (5, 5, 10, 10_000)
    );
    for (var, value, key) in [
        (
            "PORTCULLIS_HTTP__REQUEST_TIMEOUT",
            "0",
            "http.request_timeout",
        ),
        ("PORTCULLIS_HTTP__KEEP_ALIVE", "99999", "http.keep_alive"),
        ("PORTCULLIS_HTTP__BODY_TIMEOUT", "0", "http.body_timeout"),
        (
            "PORTCULLIS_HTTP__MAX_CONNECTIONS",
            "0",
            "http.max_connections",
        ),
        (
            "PORTCULLIS_THROTTLE__SPRAY_ACCOUNTS_PER_HOUR",
            "0",
            "throttle.spray_accounts_per_hour",
        ),
    ] {
        let err = load(&[(var, value)], None, Overrides::default()).unwrap_err();
        assert!(err.contains(key), "{var}={value}: {err}");
    }
    let off = load(
        &[("PORTCULLIS_HTTP__KEEP_ALIVE", "0")],
        None,
        Overrides::default(),
    )
    .unwrap();
    assert_eq!(off.http.keep_alive, 0, "0 turns keep-alive off");
}
