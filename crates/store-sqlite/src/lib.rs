//! Portcullis persistence on SQLite: the embedded default.
//!
//! A file database through diesel and an r2d2 pool. Every connection gets `foreign_keys=ON`,
//! `journal_mode=WAL`, `busy_timeout`, `synchronous=NORMAL` and a 512 KiB page cache on acquire; write transactions are
//! `BEGIN IMMEDIATE`, so concurrent writers queue instead of failing. UUIDs are stored as text.
//! The queries themselves are shared with `store-postgres` through `store_shared`.

use std::path::Path;
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use oauth_core::StoreError;
use oauth_core::keys::sealing::KeyEncryption;
use oauth_core::store::StoreResult;

/// The SQL migrations of `migrations/sqlite`, embedded at build time.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// How long a connection waits for another writer before failing, in milliseconds.
pub const BUSY_TIMEOUT_MS: u32 = 5_000;

/// Page cache per connection, KiB (SQLite's default is 2000). The operating system caches the
/// file too; a smaller private cache keeps the server's memory flat as tables grow.
pub const PAGE_CACHE_KIB: u32 = 512;

/// The diesel tables: `diesel print-schema` of `migrations/sqlite` (settings in `diesel.toml`),
/// checked against the migrations by `cargo xtask schema`.
mod schema;

mod conv {
    use oauth_core::StoreError;
    use oauth_core::store::StoreResult;
    use uuid::Uuid;

    pub type Id = String;

    pub fn id(id: Uuid) -> Id {
        id.to_string()
    }

    pub fn uuid(id: Id) -> StoreResult<Uuid> {
        Uuid::parse_str(&id).map_err(StoreError::backend)
    }
}

#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON; \
             PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA cache_size = -{PAGE_CACHE_KIB};"
        ))
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A store on one SQLite file.
pub struct SqliteStore {
    sealing: Arc<KeyEncryption>,
    pool: Pool<ConnectionManager<SqliteConnection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("pool", &self.pool.state())
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed, with its parent directory) the database file at `path`.
    pub fn open(path: &Path, pool_size: u32) -> StoreResult<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::backend(format!("cannot create directory {}: {e}", parent.display()))
            })?;
        }
        let url = path
            .to_str()
            .ok_or_else(|| StoreError::backend("the database path is not valid UTF-8"))?;
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            .connection_timeout(std::time::Duration::from_secs(10))
            .connection_customizer(Box::new(Pragmas))
            .build(ConnectionManager::new(url))
            .map_err(|e| StoreError::backend(format!("cannot open {url}: {e}")))?;
        Ok(Self {
            sealing: Arc::default(),
            pool,
        })
    }

    /// Runs the pending migrations; answers the versions applied.
    pub fn migrate(&self) -> StoreResult<Vec<String>> {
        let mut conn = self.conn()?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| StoreError::backend(format!("migration failed: {e}")))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    }

    /// This store, sealing private keys with `sealing` (see [`KeyEncryption`]); without it keys
    /// are stored as they are and a sealed key cannot be read.
    pub fn with_key_encryption(mut self, sealing: Arc<KeyEncryption>) -> Self {
        self.sealing = sealing;
        self
    }

    /// How this store seals private keys (used by the shared queries).
    fn sealing(&self) -> &KeyEncryption {
        &self.sealing
    }

    /// The connection pool's `(connections, idle)` (for metrics).
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    fn conn(&self) -> StoreResult<PooledConnection<ConnectionManager<SqliteConnection>>> {
        self.pool.get().map_err(StoreError::backend)
    }
}

/// The queries shared with `store-postgres`, compiled for SQLite.
#[path = "../../store-shared/src/queries/mod.rs"]
mod queries;

/// The store type the shared queries implement `oauth_core::store` for.
type DbStore = SqliteStore;

/// The diesel backend of the shared queries.
type Backend = diesel::sqlite::Sqlite;

/// How the shared queries open a write transaction.
trait WriteTransaction: Sized {
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>;
}

impl WriteTransaction for SqliteConnection {
    /// `BEGIN IMMEDIATE`: concurrent writers queue on `busy_timeout` instead of failing when a
    /// read lock would have to be upgraded.
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        self.immediate_transaction(f)
    }
}
