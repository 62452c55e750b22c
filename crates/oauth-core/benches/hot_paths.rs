//! Micro-benchmarks of the core's hot paths, and the machine's raw limits for `cargo xtask bench`.
//!
//! `cargo bench -p oauth-core --bench hot_paths` prints a table; with `-- --json` it prints one
//! JSON object (operations per second, single thread) for the harness to read. Plain timing loops
//! (no Criterion): each case runs for a fixed wall-clock budget after a warm-up.

// A benchmark measures time: the core's clock ban does not apply here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::disallowed_methods,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use oauth_core::client_auth::authenticate_client;
use oauth_core::keys::{Signer, generate_signing_key};
use oauth_core::memory::MemoryStore;
use oauth_core::model::{KeyStatus, SigningAlgorithm};
use oauth_core::password::{Argon2Params, PasswordHasher};
use oauth_core::provision::{self, NewClient};
use oauth_core::random::SeededEntropy;
use oauth_core::request::{Params, TokenRequest};
use oauth_core::scope::Scope;
use oauth_core::secret::{ClientSecret, Password};
use oauth_core::token::{ACCESS_TOKEN_TYP, AccessTokenClaims, SubjectKind, sign_jwt};

/// Runs `f` repeatedly for `budget` (after a short warm-up); answers operations per second.
fn measure(budget: Duration, mut f: impl FnMut()) -> f64 {
    let warm = Instant::now();
    while warm.elapsed() < budget / 10 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        f();
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: "http://localhost:3001/realms/master".into(),
        sub: "6f1c3f1e-8b7a-4d55-9b55-2f1f5c1a7a10".into(),
        aud: "6f1c3f1e-8b7a-4d55-9b55-2f1f5c1a7a10".into(),
        exp: 1_700_003_600,
        iat: 1_700_000_000,
        jti: "0b8f9a8e-2a53-4a43-8d0c-4c4b2e5f4a11".into(),
        client_id: Some("6f1c3f1e-8b7a-4d55-9b55-2f1f5c1a7a10".into()),
        scope: "global".into(),
        sub_kind: SubjectKind::Client,
        realm_id: "c3ecf576-44b1-402c-8021-31a9e0af4a78".into(),
        realm_name: "master".into(),
        kind: oauth_core::token::ACCESS_TOKEN_KIND,
        kid: "6a1f0e0c-2d1e-4f6b-9c1a-0b8f9a8e2a53".into(),
        fid: None,
    }
}

fn sign_rate(alg: SigningAlgorithm, budget: Duration) -> f64 {
    let mut rng = SeededEntropy::new(1);
    let key = generate_signing_key(uuid::Uuid::nil(), alg, KeyStatus::Active, 0, &mut rng).unwrap();
    let signer = Signer::from_key(&key).unwrap();
    let claims = claims();
    measure(budget, || {
        black_box(sign_jwt(&signer, ACCESS_TOKEN_TYP, &claims).unwrap());
    })
}

/// ES256 through josekit's own OpenSSL signer (what the server used before ring's P-256): the
/// second ES256 limit BENCHMARKS.md reports.
fn openssl_es256_rate(budget: Duration) -> f64 {
    use base64::Engine;
    let mut rng = SeededEntropy::new(1);
    let key = generate_signing_key(
        uuid::Uuid::nil(),
        SigningAlgorithm::Es256,
        KeyStatus::Active,
        0,
        &mut rng,
    )
    .unwrap();
    let der = base64::engine::general_purpose::STANDARD
        .decode(key.private_key.secret())
        .unwrap();
    let signer = josekit::jws::ES256.signer_from_der(der).unwrap();
    let payload =
        josekit::jwt::JwtPayload::from_map(match serde_json::to_value(claims()).unwrap() {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        })
        .unwrap();
    let mut header = josekit::jws::JwsHeader::new();
    header.set_token_type(ACCESS_TOKEN_TYP);
    header.set_key_id(key.id.to_string());
    measure(budget, || {
        black_box(josekit::jwt::encode_with_signer(&payload, &header, &signer).unwrap());
    })
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let budget = Duration::from_millis(if json { 1500 } else { 1000 });
    let mut rng = SeededEntropy::new(2);

    let es256 = sign_rate(SigningAlgorithm::Es256, budget);
    let es256_openssl = openssl_es256_rate(budget);
    let rs256 = sign_rate(SigningAlgorithm::Rs256, budget);

    let params = Argon2Params::default();
    let hasher = PasswordHasher::new(params, &mut rng).unwrap();
    let hash = hasher.hash(&Password::new("start123"), &mut rng).unwrap();
    let argon2 = measure(budget * 2, || {
        black_box(hasher.verify_or_dummy(&Password::new("start123"), Some(&hash)));
    });
    // The same on every core at once: Argon2 is memory-bound, so cores that share caches and
    // memory bandwidth do less together than `cores x` one alone.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let argon2_parallel: f64 = std::thread::scope(|s| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                s.spawn(|| {
                    measure(budget * 2, || {
                        black_box(hasher.verify_or_dummy(&Password::new("start123"), Some(&hash)));
                    })
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });

    let pairs = [
        ("grant_type", "client_credentials"),
        ("client_id", "6f1c3f1e-8b7a-4d55-9b55-2f1f5c1a7a10"),
        (
            "client_secret",
            "x3RkZl9hY2Nlc3NfdG9rZW5fc2VjcmV0X3ZhbHVlX2Zvcg",
        ),
        ("scope", "global email"),
    ];
    let parse = measure(budget, || {
        let p = Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        black_box(TokenRequest::parse(&p.unwrap(), None, None).unwrap());
    });

    let store = MemoryStore::new();
    let realm = provision::ensure_realm(&store, "master", 0, &mut rng).unwrap();
    let (client, secret) = provision::create_client(
        &store,
        &realm,
        NewClient {
            name: "svc".into(),
            ..NewClient::default()
        },
        0,
        &mut rng,
    )
    .unwrap();
    let credentials = oauth_core::request::ClientCredentials {
        client_id: Some(client.id.to_string()),
        secret: Some(ClientSecret::new(secret.unwrap().into_secret())),
        method: oauth_core::request::AuthMethod::ClientSecretBasic,
    };
    let client_auth = measure(budget, || {
        black_box(authenticate_client(&store, &realm, &credentials).unwrap());
    });

    let granted = Scope::parse("global openid email roles identity").unwrap();
    let scope = measure(budget, || {
        let asked = Scope::parse(black_box("openid email")).unwrap();
        black_box(asked.is_subset(&granted));
    });

    if json {
        println!(
            "{{\"es256_sign_per_s\":{es256:.1},\"es256_openssl_sign_per_s\":{es256_openssl:.1},\"rs256_sign_per_s\":{rs256:.1},\"argon2_hash_per_s\":{argon2:.2},\
             \"argon2_all_cores_parallel_per_s\":{argon2_parallel:.2},\
             \"cores\":{cores},\"argon2_memory_kib\":{},\"argon2_iterations\":{},\"argon2_parallelism\":{},\
             \"token_request_parse_per_s\":{parse:.0},\"client_auth_per_s\":{client_auth:.0},\"scope_check_per_s\":{scope:.0}}}",
            params.memory_kib, params.iterations, params.parallelism
        );
    } else {
        println!("{:<40} {:>14}", "hot path (one thread)", "ops/s");
        for (name, rate) in [
            ("ES256 access token signature", es256),
            ("ES256 via josekit's OpenSSL signer", es256_openssl),
            ("RS256 access token signature", rs256),
            ("Argon2id verify (m=19456,t=2,p=1)", argon2),
            ("Argon2id verify, all cores at once", argon2_parallel),
            ("token request parse", parse),
            ("client authentication (memory store)", client_auth),
            ("scope parse + subset check", scope),
        ] {
            println!("{name:<40} {rate:>14.1}");
        }
        println!("cores: {cores}");
    }
}
