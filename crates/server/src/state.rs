//! Process-wide state shared by the handlers, the clock, the entropy source, and store selection.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use oauth_core::Store;
use oauth_core::StoreError;
use oauth_core::grant::Settings;
use oauth_core::keys::KeySource;
use oauth_core::keys::sealing::KeyEncryption;
use oauth_core::random::Entropy;
use store_postgres::PgStore;
use store_sqlite::SqliteStore;
use tokio::sync::Semaphore;

use crate::audit::Audit;
use crate::cache::CachedStore;
use crate::ratelimit::RateLimits;

/// Shortest password the admin API accepts unless configured (Authup's).
pub const DEFAULT_PASSWORD_MIN_LENGTH: usize = 10;
/// Shortest client secret the admin API accepts on create unless configured (and at least).
pub const DEFAULT_CLIENT_SECRET_MIN_LENGTH: usize = 16;
use crate::keys::CachedKeySource;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// Persistence behind its read-through cache; only ever called on the blocking pool (a
    /// handler may read what is already cached, which touches no database).
    pub store: Arc<CachedStore<dyn Store>>,
    /// Grant settings (public URL, grace period, password hasher).
    pub settings: Arc<Settings>,
    /// Where signers come from.
    pub keys: Arc<dyn KeySource>,
    /// Bounds concurrent Argon2 work so a login storm cannot starve other requests.
    pub hashing: Arc<Semaphore>,
    /// Largest body accepted on protocol endpoints.
    pub body_limit: usize,
    /// Whether the public URL is https (cookies get `Secure`).
    pub https: bool,
    /// Audit event queue (disabled until [`Audit::start`] replaces it).
    pub audit: Audit,
    /// Shortest password the admin API accepts.
    pub password_min_length: usize,
    /// Shortest client secret the admin API accepts on create.
    pub client_secret_min_length: usize,
    /// Rate limits and trusted proxies (off unless configured).
    pub limits: Arc<RateLimits>,
    /// How long a request's body may take to arrive (`params::read_body`).
    pub body_timeout: Duration,
    /// The request path's clock (the system's; tests move it forward).
    pub clock: Arc<Clock>,
    /// The database pool's gauge, when the store pools connections.
    pub pool: Option<PoolGauge>,
    /// Which browser origins may read the answers (`cors.rs`).
    pub cors: Arc<crate::cors::CorsSettings>,
}

impl AppState {
    /// State over a store, with `hash_permits` concurrent password hashes. The store is wrapped in
    /// a [`CachedStore`] with `cache_ttl` (zero: no caching) and signers are kept parsed.
    pub fn new(
        store: Arc<dyn Store>,
        settings: Settings,
        hash_permits: usize,
        body_limit: usize,
        cache_ttl: Duration,
    ) -> Self {
        let https = settings.public_url.starts_with("https://");
        Self {
            store: Arc::new(CachedStore::new(store, cache_ttl)),
            settings: Arc::new(settings),
            keys: Arc::new(CachedKeySource::default()),
            https,
            hashing: Arc::new(Semaphore::new(hash_permits.max(1))),
            body_limit,
            audit: Audit::default(),
            password_min_length: DEFAULT_PASSWORD_MIN_LENGTH,
            client_secret_min_length: DEFAULT_CLIENT_SECRET_MIN_LENGTH,
            limits: Arc::default(),
            body_timeout: DEFAULT_BODY_TIMEOUT,
            clock: Arc::default(),
            pool: None,
            cors: Arc::default(),
        }
    }
}

/// How long a request's body may take to arrive unless configured (`http.body_timeout`).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The clock requests read their time from: the system's, plus an offset that only tests set
/// (so expiry is tested by moving time forward, not by sleeping).
#[derive(Debug, Default)]
pub struct Clock {
    offset: std::sync::atomic::AtomicI64,
}

impl Clock {
    /// The current Unix time in seconds, read once per request.
    pub fn now(&self) -> i64 {
        now().saturating_add(self.offset.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Moves this clock `seconds` forward.
    pub fn advance(&self, seconds: i64) {
        self.offset
            .fetch_add(seconds, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The system's Unix time in seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Fills `dest` from the operating system's CSPRNG. If the OS cannot provide randomness the
/// process stops: issuing predictable tokens would be worse than not serving.
pub fn fill_random(dest: &mut [u8]) {
    if let Err(e) = getrandom::fill(dest) {
        tracing::error!(error = %e, "the operating system's random source failed; stopping");
        std::process::abort();
    }
}

/// The operating system's CSPRNG as the core's [`Entropy`].
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        fill_random(dest);
    }
}

/// The configured database: which backend, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A PostgreSQL connection URL.
    Postgres(String),
    /// A SQLite file.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// `postgres://` or `postgresql://` selects PostgreSQL; `sqlite://path` or a plain path
    /// selects SQLite. In-memory SQLite is refused: every pooled connection would see its own
    /// empty database.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url.strip_prefix("sqlite://").unwrap_or(url);
        if path.is_empty() || path.contains(":memory:") || path.starts_with("file:") {
            return Err(format!(
                "database.url: {path:?} is not a SQLite file path (in-memory databases are not supported)"
            ));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    /// Where the data lives, safe to log (no credentials).
    pub fn describe(&self) -> String {
        match self {
            Self::Postgres(url) => {
                let host = url.rsplit('@').next().unwrap_or(url);
                let host = host.split("://").last().unwrap_or(host);
                format!("PostgreSQL at {}", host.split('?').next().unwrap_or(host))
            }
            Self::Sqlite(path) => format!("SQLite at {}", path.display()),
        }
    }
}

/// Opens the store (private keys stored as they are: no key-encryption key), runs the
/// migrations, and answers it with the versions applied.
pub fn open_store(
    url: &DatabaseUrl,
    pool_size: u32,
) -> Result<(Arc<dyn Store>, Vec<String>), StoreError> {
    open_pooled(url, pool_size, Arc::default()).map(|opened| (opened.store, opened.applied))
}

/// An opened, migrated store.
pub struct Opened {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Its connection pool's gauge.
    pub pool: PoolGauge,
    /// The migrations this start applied.
    pub applied: Vec<String>,
}

/// The database pool's `(connections, idle)`, read for `/metrics` (a server concern, not part of
/// the store contract).
pub type PoolGauge = Arc<dyn Fn() -> (u32, u32) + Send + Sync>;

/// [`open_store`] with the store sealing private keys with `sealing` (built from
/// `keys.encryption_key`), and the gauge of the store's connection pool.
pub fn open_pooled(
    url: &DatabaseUrl,
    pool_size: u32,
    sealing: Arc<KeyEncryption>,
) -> Result<Opened, StoreError> {
    match url {
        DatabaseUrl::Postgres(url) => {
            let store = Arc::new(PgStore::connect(url, pool_size)?.with_key_encryption(sealing));
            let applied = store.migrate()?;
            let gauge = store.clone();
            Ok(Opened {
                store,
                pool: Arc::new(move || gauge.pool_state()),
                applied,
            })
        }
        DatabaseUrl::Sqlite(path) => {
            let store = Arc::new(SqliteStore::open(path, pool_size)?.with_key_encryption(sealing));
            let applied = store.migrate()?;
            let gauge = store.clone();
            Ok(Opened {
                store,
                pool: Arc::new(move || gauge.pool_state()),
                applied,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_select_the_backend() {
        let table: [(&str, Result<DatabaseUrl, ()>); 6] = [
            (
                "postgres://u:p@h/db",
                Ok(DatabaseUrl::Postgres("postgres://u:p@h/db".into())),
            ),
            (
                "postgresql://h/db",
                Ok(DatabaseUrl::Postgres("postgresql://h/db".into())),
            ),
            (
                "./data/portcullis.db",
                Ok(DatabaseUrl::Sqlite("./data/portcullis.db".into())),
            ),
            (
                "sqlite:///var/lib/p.db",
                Ok(DatabaseUrl::Sqlite("/var/lib/p.db".into())),
            ),
            ("sqlite://:memory:", Err(())),
            ("", Err(())),
        ];
        for (input, expected) in table {
            assert_eq!(
                DatabaseUrl::parse(input).map_err(|_| ()),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn described_urls_hide_credentials() {
        let url =
            DatabaseUrl::parse("postgres://user:hunter2@db.internal:5432/auth?sslmode=require")
                .unwrap();
        let text = url.describe();
        assert!(
            !text.contains("hunter2") && !text.contains("user"),
            "{text}"
        );
        assert!(text.contains("db.internal:5432/auth"));
    }
}
