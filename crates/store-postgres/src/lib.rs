//! Portcullis persistence on PostgreSQL: production, and many nodes on one database.
//!
//! diesel with an r2d2 pool; native `uuid` and `timestamptz` columns. Migrations run under a
//! PostgreSQL advisory lock, so nodes starting together do not race. The queries themselves are
//! shared with `store-sqlite` through `store_shared`.

use std::sync::Arc;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::{QueryableByName, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use oauth_core::StoreError;
use oauth_core::keys::sealing::KeyEncryption;
use oauth_core::store::StoreResult;

/// The SQL migrations of `migrations/postgres`, embedded at build time.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The advisory lock key held while migrating ("portcull" in ASCII).
const MIGRATION_LOCK: i64 = 0x706f_7274_6375_6c6c;

/// The diesel tables: `diesel print-schema` of `migrations/postgres` (settings in `diesel.toml`),
/// checked against the migrations by `cargo xtask schema`.
mod schema;

mod conv {
    use oauth_core::store::StoreResult;
    use uuid::Uuid;

    pub type Id = Uuid;

    pub fn id(id: Uuid) -> Id {
        id
    }

    pub fn uuid(id: Id) -> StoreResult<Uuid> {
        Ok(id)
    }
}

/// A store on a PostgreSQL database.
pub struct PgStore {
    sealing: Arc<KeyEncryption>,
    pool: Pool<ConnectionManager<PgConnection>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("pool", &self.pool.state())
            .finish()
    }
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

impl PgStore {
    /// Connects a pool to `url` (a libpq connection URL). The URL is never echoed in errors,
    /// since it may carry a password.
    pub fn connect(url: &str, pool_size: u32) -> StoreResult<Self> {
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            // While the database is down a request waits this long for a connection before it
            // is answered 503: short, so clients retry rather than pile up.
            .connection_timeout(std::time::Duration::from_secs(3))
            .build(ConnectionManager::new(url))
            .map_err(|e| StoreError::backend(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Self {
            sealing: Arc::default(),
            pool,
        })
    }

    /// Runs the pending migrations under an advisory lock; answers the versions applied.
    pub fn migrate(&self) -> StoreResult<Vec<String>> {
        let mut conn = self.conn()?;
        let lock = |conn: &mut PgConnection, sql: &str| {
            diesel::sql_query(sql)
                .bind::<diesel::sql_types::BigInt, _>(MIGRATION_LOCK)
                .get_result::<Locked>(conn)
                .map_err(store_shared::map_error)
        };
        lock(
            &mut conn,
            "SELECT pg_advisory_lock($1) IS NOT NULL AS locked",
        )?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|v| v.iter().map(ToString::to_string).collect())
            .map_err(|e| StoreError::backend(format!("migration failed: {e}")));
        let unlocked = lock(&mut conn, "SELECT pg_advisory_unlock($1) AS locked");
        let applied = applied?;
        if !unlocked?.locked {
            return Err(StoreError::backend("the migration lock was not held"));
        }
        Ok(applied)
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

    fn conn(&self) -> StoreResult<PooledConnection<ConnectionManager<PgConnection>>> {
        self.pool.get().map_err(StoreError::backend)
    }
}

#[allow(unused_imports)]
use RunQueryDsl as _;

/// The queries shared with `store-sqlite`, compiled for PostgreSQL.
#[path = "../../store-shared/src/queries/mod.rs"]
mod queries;

/// The store type the shared queries implement `oauth_core::store` for.
type DbStore = PgStore;

/// The diesel backend of the shared queries.
type Backend = diesel::pg::Pg;

/// How the shared queries open a write transaction.
trait WriteTransaction: Sized {
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>;
}

impl WriteTransaction for PgConnection {
    /// A plain `BEGIN` (row locks and unique constraints serialise writers).
    fn write_transaction<T, E, F>(&mut self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut Self) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        diesel::Connection::transaction(self, f)
    }
}
