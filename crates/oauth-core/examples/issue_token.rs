//! Issue a client_credentials token with the core alone, on the in-memory store: what the server's
//! token endpoint does for `POST /token`, without HTTP or a database. Run it with
//! `cargo run -p oauth-core --example issue_token`.
//!
//! The steps: provision a realm (its signing keys and default scopes come with it) and a client
//! (its secret is shown once), parse the request as the endpoint would, then `grant::exchange`.

use oauth_core::grant::{self, Context, Settings};
use oauth_core::keys::StoreKeySource;
use oauth_core::memory::MemoryStore;
use oauth_core::password::{Argon2Params, PasswordHasher};
use oauth_core::provision::{self, NewClient};
use oauth_core::random::SeededEntropy;
use oauth_core::request::{Params, TokenRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The core reads no clock and no random source: the caller passes both. A server reads the
    // system clock once per request and uses the operating system's random source.
    let now = 1_750_000_000;
    let mut rng = SeededEntropy::new(7);
    let store = MemoryStore::new();

    // A realm and a confidential client in it.
    let realm = provision::ensure_realm(&store, "master", now, &mut rng)?;
    let new = NewClient {
        name: "billing-service".into(),
        ..NewClient::default()
    };
    let (client, secret) = provision::create_client(&store, &realm, new, now, &mut rng)?;
    let secret = secret.ok_or("a confidential client gets a secret")?;

    // The request, as `POST /token` with HTTP Basic client authentication would carry it.
    let params = Params::from_pairs([("grant_type".to_owned(), "client_credentials".to_owned())])?;
    let request = TokenRequest::parse(&params, Some((client.id.to_string(), secret)), None)?;

    // Password hashing is configured even though this grant hashes no password.
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let settings = Settings::new(
        "http://localhost:3001",
        PasswordHasher::new(cheap, &mut rng)?,
    );
    let mut ctx = Context {
        store: &store,
        keys: &StoreKeySource,
        settings: &settings,
        now,
        rng: &mut rng,
        after_password_hash: None,
        client_ip: None,
    };
    let issued = grant::exchange(&mut ctx, request)?;

    // `Issued` says to whom (subject, realm, client) and carries the response the endpoint sends.
    let response = &issued.response;
    println!("subject: {:?}", issued.subject);
    println!(
        "token_type: {}, expires_in: {} s",
        response.token_type, response.expires_in
    );
    println!("scope: {}", response.scope);
    println!("access_token: {}...", &response.access_token[..24]);
    assert!(
        response.refresh_token.is_none(),
        "client_credentials issues no refresh token"
    );
    Ok(())
}
