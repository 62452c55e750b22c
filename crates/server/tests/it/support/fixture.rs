//! The in-process fixture: the server's `AppState` over a fresh, bootstrapped store (a SQLite file
//! or a PostgreSQL database made for the test), with helpers to make realms, clients and requests.
//! Every response body read through [`send`] is checked for leaked secrets (`hygiene.rs`).

use std::sync::Arc;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use base64::Engine;
use oauth_core::Store;
use oauth_core::grant::Settings;
use oauth_core::password::{Argon2Params, PasswordHasher};
use oauth_core::provision::{self, NewClient};
use oauth_core::random::SeededEntropy;
use oauth_core::secret::Password;
use portcullis_server::state::{AppState, DatabaseUrl, open_pooled};

use crate::hygiene::{Kind, Ledger};

pub const PUBLIC_URL: &str = "http://localhost:3001";

pub struct Fixture {
    pub store: Arc<dyn Store>,
    pub state: AppState,
    _dir: tempfile::TempDir,
    _postgres: Option<crate::support::Db>,
}

pub fn fixture() -> Fixture {
    fixture_with(|_| {})
}

/// A fixture on a fresh PostgreSQL database (dropped afterwards).
pub fn fixture_postgres() -> Fixture {
    build(|_| {}, true)
}

/// A fixture whose grant settings `tweak` adjusts first.
pub fn fixture_with(tweak: impl FnOnce(&mut Settings)) -> Fixture {
    build(tweak, false)
}

fn build(tweak: impl FnOnce(&mut Settings), postgres: bool) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let pg = postgres.then(crate::support::Db::postgres);
    let url = match &pg {
        Some(db) => DatabaseUrl::Postgres(db.url()),
        None => DatabaseUrl::Sqlite(dir.path().join("portcullis.db")),
    };
    let opened = open_pooled(&url, 4, Default::default()).unwrap();
    let store = opened.store;
    let mut rng = SeededEntropy::new(42);
    let cheap = Argon2Params {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    };
    let hasher = PasswordHasher::new(cheap, &mut rng).unwrap();
    provision::bootstrap(
        store.as_ref(),
        &hasher,
        "admin",
        &Password::new("start123"),
        now(),
        &mut rng,
    )
    .unwrap();
    for key in store.list_signing_keys(None).unwrap() {
        ledger().learn_private_key(key.private_key.secret());
    }
    let mut settings = Settings::new(PUBLIC_URL, hasher);
    tweak(&mut settings);
    let mut state = AppState::new(
        store.clone(),
        settings,
        2,
        64 * 1024,
        std::time::Duration::from_secs(10),
    );
    state.pool = Some(opened.pool);
    Fixture {
        store,
        state,
        _dir: dir,
        _postgres: pg,
    }
}

/// A different seed for every call, so fixtures made in the same second differ.
fn next_seed() -> u64 {
    static SEEDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    (now() as u64) ^ (SEEDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) << 40)
}

/// Serialises the tests that allocate a lot or measure the process's memory (`hostile`,
/// `monotonicity`): held for the whole test.
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    HEAVY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl Fixture {
    /// Starts the audit writer, so `/events` fills.
    pub fn with_audit(mut self) -> Self {
        self.state.audit = portcullis_server::audit::Audit::start(self.store.clone(), 90).unwrap();
        self
    }

    /// Registers a client in `realm`; answers (id, secret).
    pub fn client(&self, realm: &str, new: NewClient) -> (String, Option<String>) {
        let realm = self.store.find_realm_by_name(realm).unwrap().unwrap();
        let (client, secret) = provision::create_client(
            self.store.as_ref(),
            &realm,
            new,
            now(),
            &mut SeededEntropy::new(next_seed()),
        )
        .unwrap();
        let secret = secret.map(|s| s.into_secret());
        if let Some(secret) = &secret {
            ledger().learn(Kind::ClientSecret, secret);
        }
        (client.id.to_string(), secret)
    }

    pub fn realm(&self, name: &str) {
        provision::ensure_realm(self.store.as_ref(), name, now(), &mut SeededEntropy::new(7))
            .unwrap();
    }
}

pub fn basic(id: &str, secret: &str) -> String {
    ledger().learn(Kind::ClientSecret, secret);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

/// The in-process tests' secret ledger (`hygiene.rs`).
fn ledger() -> std::sync::MutexGuard<'static, Ledger> {
    crate::hygiene::in_process()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Checks an in-process response body for leaked secrets (`hygiene.rs`); panics on one.
pub fn observe(body: &[u8]) {
    let mut ledger = ledger();
    let before = ledger.violation_count();
    ledger.learn_response(&String::from_utf8_lossy(body));
    if let Some(new) = ledger.violations_since(before) {
        panic!("secret hygiene, in-process response: {new}");
    }
}

/// Sends a request; answers status, headers and the JSON body (Null when not JSON). The body is
/// checked for leaked secrets (`hygiene.rs`).
pub async fn send<S, B>(
    app: &S,
    req: test::TestRequest,
) -> (u16, actix_web::http::header::HeaderMap, serde_json::Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(app, req.to_request()).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = test::read_body(response).await;
    observe(&body);
    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    (status, headers, json)
}

pub fn form(pairs: &[(&str, &str)]) -> test::TestRequest {
    let body: String = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    ledger().learn_request(&body);
    test::TestRequest::post()
        .uri("/token")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body)
}

pub fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
