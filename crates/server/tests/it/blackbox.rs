//! Black-box tests: the real `portcullis` binary on a free port with a fresh database (a SQLite
//! file, or a PostgreSQL database created for the test), set up through its own CLI and driven by
//! the `oauth2` crate, as a real client would.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, ClientId, ClientSecret, RequestTokenError, ResourceOwnerPassword,
    ResourceOwnerUsername, Scope, TokenResponse, TokenUrl,
};

use crate::support::{BIN, Db, Server, cli, http, jwks, portcullis, verify};

fn expect_error<T: std::fmt::Debug, RE: std::error::Error + 'static>(
    outcome: Result<
        T,
        RequestTokenError<RE, oauth2::StandardErrorResponse<BasicErrorResponseType>>,
    >,
    expected: BasicErrorResponseType,
) {
    match outcome {
        Err(RequestTokenError::ServerResponse(e)) => assert_eq!(e.error(), &expected),
        other => panic!("expected {expected:?}, got {other:?}"),
    }
}

fn three_grants(db: Db, dir: tempfile::TempDir) {
    let dir = dir.path();
    let server = Server::start(&db, dir);
    let base = server.base.clone();

    // Set up through the CLI, as an operator would.
    let created = cli(
        &db,
        dir,
        &["client", "create", "--name", "blackbox", "--first-party"],
        None,
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert!(secret.len() >= 43, "at least 256 bits");
    let user = cli(
        &db,
        dir,
        &[
            "user",
            "create",
            "--name",
            "alice",
            "--email",
            "alice@example.com",
            "--password-stdin",
        ],
        Some("wonderland-2026\n"),
    );
    assert_eq!(user["name"], "alice");
    assert!(user.get("password").is_none() && user["realmId"].is_string());
    let rotated = cli(&db, dir, &["keys", "rotate", "--alg", "ES256"], None);
    assert_eq!(rotated.as_array().unwrap().len(), 1, "{rotated}");
    assert_eq!(
        (
            rotated[0]["realm"].as_str(),
            rotated[0]["algorithm"].as_str()
        ),
        (Some("master"), Some("ES256"))
    );
    let again = cli(&db, dir, &["keys", "rotate", "--alg", "ES256"], None);
    assert_eq!(
        again,
        serde_json::json!([]),
        "a pending rotation is not started twice"
    );
    // The CLI runs the admin API's validation: a short password is refused, naming the field.
    let mut short = portcullis(&db, dir)
        .args(["user", "create", "--name", "bob", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    short.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = short.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("password: must be at least 10"),
        "{stderr}"
    );

    let http = http();
    let client = BasicClient::new(ClientId::new(id.clone()))
        .set_client_secret(ClientSecret::new(secret.clone()))
        .set_token_uri(TokenUrl::new(format!("{base}/token")).unwrap());

    // client_credentials (client_secret_basic).
    let cc = client.exchange_client_credentials().request(&http).unwrap();
    assert_eq!(cc.expires_in(), Some(Duration::from_secs(3600)));
    assert!(cc.refresh_token().is_none());
    let keys = jwks(&base);
    let (header, claims) = verify(cc.access_token().secret(), &keys);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(claims["iss"], format!("{base}/realms/master"));
    assert_eq!(claims["sub"], id.as_str());

    // client_secret_post.
    let post = client.clone().set_auth_type(AuthType::RequestBody);
    post.exchange_client_credentials()
        .add_scope(Scope::new("global".into()))
        .request(&http)
        .unwrap();

    // password, then refresh with rotation, then a replay.
    let alice = client
        .exchange_password(
            &ResourceOwnerUsername::new("alice".into()),
            &ResourceOwnerPassword::new("wonderland-2026".into()),
        )
        .request(&http)
        .unwrap();
    assert_eq!(
        alice.scopes().map(|s| s[0].to_string()),
        Some("global".to_owned())
    );
    let (_, claims) = verify(alice.access_token().secret(), &keys);
    assert_eq!(
        (claims["sub"].as_str(), claims["sub_kind"].as_str()),
        (user["id"].as_str(), Some("user"))
    );
    let first = alice.refresh_token().unwrap().clone();
    let rotated = client
        .exchange_refresh_token(&first)
        .request(&http)
        .unwrap();
    let second = rotated.refresh_token().unwrap().clone();
    assert_ne!(first.secret(), second.secret());
    expect_error(
        client.exchange_refresh_token(&first).request(&http),
        BasicErrorResponseType::InvalidGrant,
    );
    expect_error(
        client.exchange_refresh_token(&second).request(&http),
        BasicErrorResponseType::InvalidGrant,
    );

    let wrong = client
        .exchange_password(
            &ResourceOwnerUsername::new("alice".into()),
            &ResourceOwnerPassword::new("wrong".into()),
        )
        .request(&http);
    expect_error(wrong, BasicErrorResponseType::InvalidGrant);

    // Authup's documented requests, verbatim (no client at all).
    let admin: serde_json::Value = http
        .post(format!("{base}/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=password&username=admin&password=start123")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(admin["scope"], "global");
    let refresh = admin["refresh_token"].as_str().unwrap();
    let refreshed = http
        .post(format!("{base}/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let realm_path = http
        .post(format!("{base}/realms/master/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .unwrap();
    assert_eq!(realm_path.status(), 200);

    let logs = server.logs();
    for secret in [
        secret.as_str(),
        "wonderland-2026",
        "start123",
        first.secret().as_str(),
    ] {
        assert!(!logs.contains(secret), "a secret reached the log");
    }
    assert!(
        logs.contains("request_id"),
        "log lines carry the request id"
    );
}

crate::support::both_backends!(process: three_grants);

#[test]
fn restart_keeps_everything_and_bootstraps_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let mut server = Server::start(&db, dir.path());
    let before = jwks(&server.base);
    let admin: serde_json::Value = http()
        .post(format!("{}/token", server.base))
        .form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        server.logs().contains("default password"),
        "the default password is warned about"
    );
    server.stop();

    let server = Server::start(&db, dir.path());
    assert_eq!(
        jwks(&server.base),
        before,
        "same keys after a restart: nothing was bootstrapped twice"
    );
    assert!(
        !server.logs().contains("default password"),
        "the admin user is not created again"
    );
    let refreshed = http()
        .post(format!("{}/token", server.base))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", admin["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .unwrap();
    assert_eq!(
        refreshed.status(),
        200,
        "a refresh token survives the restart"
    );
}

#[test]
fn bad_configuration_fails_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .env("PORTCULLIS_HTTP__ADDRESS", "not-an-address")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("http.address"), "{stderr}");
}

#[test]
fn help_documents_every_subcommand_and_flag() {
    let help = |args: &[&str]| {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let top = help(&["--help"]);
    for word in [
        "serve",
        "migrate",
        "bootstrap",
        "client",
        "user",
        "healthcheck",
        "--config",
        "--database-url",
    ] {
        assert!(top.contains(word), "--help lacks {word}");
    }
    let client = help(&["client", "create", "--help"]);
    for flag in [
        "--name",
        "--realm",
        "--grant-types",
        "--scope",
        "--public",
        "--redirect-uri",
    ] {
        assert!(client.contains(flag), "client create --help lacks {flag}");
    }
    let user = help(&["user", "create", "--help"]);
    for flag in ["--name", "--realm", "--email", "--password-stdin"] {
        assert!(user.contains(flag), "user create --help lacks {flag}");
    }
}

#[test]
fn migrate_and_healthcheck_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let status = portcullis(&db, dir.path()).arg("migrate").status().unwrap();
    assert!(status.success());
    assert!(dir.path().join("data/portcullis.db").exists());
    let down = portcullis(&db, dir.path())
        .args(["healthcheck", "--address", "127.0.0.1:9"])
        .status()
        .unwrap();
    assert!(!down.success(), "healthcheck fails when nothing listens");
    let server = Server::start(&db, dir.path());
    let address = server.base.trim_start_matches("http://").to_owned();
    let up = portcullis(&db, dir.path())
        .args(["healthcheck", "--address", &address])
        .status()
        .unwrap();
    assert!(up.success());
}

#[test]
fn json_logs_carry_the_request_id_and_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let server = Server::start_with(&db, dir.path(), &[("PORTCULLIS_LOG__FORMAT", "json")]);
    let response = http()
        .post(format!("{}/realms/master/token", server.base))
        .form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
            ("client_id", "some-client"),
        ])
        .send()
        .unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.status(), 401);
    let completed = |l: &str| l.contains("request completed") && l.contains(&request_id);
    let logs = server.logs_with(completed);
    let line = logs
        .lines()
        .find(|l| completed(l))
        .unwrap_or_else(|| panic!("no completion line for {request_id} in:\n{logs}"));
    let event: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
    assert_eq!(event["span"]["request_id"], request_id.as_str());
    assert_eq!(event["span"]["path"], "/realms/master/token");
    assert_eq!(event["span"]["route"], "/realms/{realm}/token");
    assert_eq!(event["span"]["realm"], "master");
    assert_eq!(event["span"]["client_id"], "some-client");
    assert_eq!(
        event["status"], 401,
        "an unknown client_id is refused: {event}"
    );
    assert!(!logs.contains("start123"));
}

/// The authorization code flow with PKCE as a real client library runs it: `oauth2` builds the
/// authorization URL and redeems the code; a cookie-keeping HTTP client plays the browser.
fn code_flow(db: Db, dir: tempfile::TempDir) {
    use oauth2::{AuthUrl, AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl};
    let dir = dir.path();
    let server = Server::start(&db, dir);
    let base = server.base.clone();
    let created = cli(
        &db,
        dir,
        &[
            "client",
            "create",
            "--name",
            "webapp",
            "--redirect-uri",
            "http://127.0.0.1/callback",
        ],
        None,
    );
    let (id, secret) = (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    );
    let client = BasicClient::new(ClientId::new(id.clone()))
        .set_client_secret(ClientSecret::new(secret))
        .set_auth_uri(AuthUrl::new(format!("{base}/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(format!("{base}/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new("http://127.0.0.1:43210/callback".into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = browser.get(url.as_str()).send().unwrap();
    assert_eq!(login.status(), 200);
    let html = login.text().unwrap();
    let mut fields = crate::support::hidden_inputs(&html);
    fields.extend([
        ("username".to_owned(), "admin".to_owned()),
        ("password".to_owned(), "start123".to_owned()),
    ]);
    let consent = browser
        .post(format!("{base}/authorize/login"))
        .form(&fields)
        .send()
        .unwrap();
    assert_eq!(
        consent.status(),
        200,
        "a third-party client asks for consent"
    );
    let mut fields = crate::support::hidden_inputs(&consent.text().unwrap());
    fields.push(("decision".to_owned(), "allow".to_owned()));
    let back = browser
        .post(format!("{base}/authorize/consent"))
        .form(&fields)
        .send()
        .unwrap();
    assert_eq!(back.status(), 303);
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(
        location.port(),
        Some(43210),
        "loopback redirect URIs match any port (RFC 8252)"
    );
    let query: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(&query["state"], state.secret());
    assert_eq!(query["iss"], format!("{base}/realms/master"));

    let http = http();
    let tokens = client
        .exchange_code(AuthorizationCode::new(query["code"].clone()))
        .set_pkce_verifier(verifier)
        .request(&http)
        .unwrap();
    let (_, claims) = verify(tokens.access_token().secret(), &jwks(&base));
    assert_eq!(claims["client_id"], id.as_str());
    assert_eq!(claims["scope"], "openid");
    assert!(tokens.refresh_token().is_some());
    let replay = client
        .exchange_code(AuthorizationCode::new(query["code"].clone()))
        .set_pkce_verifier(oauth2::PkceCodeVerifier::new("x".repeat(43)))
        .request(&http);
    expect_error(replay, BasicErrorResponseType::InvalidGrant);

    // Single sign-on: a second authorization skips both pages.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _) = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("openid".into()))
        .set_pkce_challenge(challenge)
        .url();
    let again = browser.get(url.as_str()).send().unwrap();
    assert_eq!(again.status(), 302);
}

crate::support::both_backends!(process: code_flow);

/// A real relying party: the `openidconnect` crate discovers the issuer, runs the code flow with
/// PKCE and a nonce against the real binary, and validates the ID token strictly with its own JOSE
/// code (signature, `iss`, `aud`, `exp`, `nonce`, `at_hash`); userinfo's `sub` matches.
#[test]
fn an_openid_connect_relying_party_signs_in() {
    use openidconnect::core::{
        CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
    };
    use openidconnect::{
        AccessTokenHash, AuthorizationCode, ClientId as OidcClientId, ClientSecret as OidcSecret,
        CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl,
        Scope as OidcScope, TokenResponse as _,
    };
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let server = Server::start(&db, dir.path());
    let base = server.base.clone();
    let created = cli(
        &db,
        dir.path(),
        &[
            "client",
            "create",
            "--name",
            "rp",
            "--first-party",
            "--redirect-uri",
            "http://127.0.0.1/callback",
        ],
        None,
    );
    let (id, secret) = (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    );

    let http = http();
    let issuer = IssuerUrl::new(format!("{base}/realms/master")).unwrap();
    let metadata = CoreProviderMetadata::discover(&issuer, &http).expect("discovery validates");
    let client = CoreClient::from_provider_metadata(
        metadata,
        OidcClientId::new(id.clone()),
        Some(OidcSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new("http://127.0.0.1:40000/callback".into()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(OidcScope::new("email".into()))
        .add_scope(OidcScope::new("identity".into()))
        .set_pkce_challenge(challenge)
        .url();

    let browser = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = browser.get(url.as_str()).send().unwrap().text().unwrap();
    let mut fields = crate::support::hidden_inputs(&login);
    fields.extend([
        ("username".to_owned(), "admin".to_owned()),
        ("password".to_owned(), "start123".to_owned()),
    ]);
    let back = browser
        .post(format!("{base}/authorize/login"))
        .form(&fields)
        .send()
        .unwrap();
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    let query: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(&query["state"], state.secret());

    let tokens = client
        .exchange_code(AuthorizationCode::new(query["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request(&http)
        .expect("the token response parses");
    let id_token = tokens.id_token().expect("an ID token");
    let id_verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&id_verifier, &nonce)
        .expect("the ID token validates strictly");
    let expected = claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&id_verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected);
    assert_eq!(claims.issuer().as_str(), format!("{base}/realms/master"));
    assert_eq!(
        claims.preferred_username().map(|u| u.as_str()),
        Some("admin")
    );

    let userinfo: CoreUserInfoClaims = client
        .user_info(tokens.access_token().to_owned(), None)
        .unwrap()
        .request(&http)
        .expect("userinfo answers");
    assert_eq!(userinfo.subject(), claims.subject());
}
