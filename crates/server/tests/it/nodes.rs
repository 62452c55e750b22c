//! Two `portcullis` processes on one fresh PostgreSQL database, behind one public URL (as behind a
//! load balancer): a code issued on A is redeemed on B; a refresh token issued on A rotates on B
//! and replaying it on A revokes the family; a token revoked on B is inactive on A; a key added
//! through A's admin API is in B's JWKS within the cache TTL, and tokens of either node verify
//! against either's JWKS.

use std::time::{Duration, Instant};

use crate::support::{Cluster, Db, Server, cli, hidden_inputs, http, jwks, verify};

fn post_form(
    base: &str,
    path: &str,
    auth: (&str, &str),
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = http()
        .post(format!("{base}{path}"))
        .basic_auth(auth.0, Some(auth.1))
        .form(form)
        .send()
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(serde_json::Value::Null))
}

#[test]
fn two_nodes_share_everything_through_postgres() {
    let db = Db::postgres();
    let dir = tempfile::tempdir().unwrap();
    let a = Server::start_with(&db, dir.path(), &[("PORTCULLIS_CACHE__TTL_SECONDS", "1")]);
    let public = a.base.clone();
    let b = Server::start_with(
        &db,
        dir.path(),
        &[
            ("PORTCULLIS_CACHE__TTL_SECONDS", "1"),
            ("PORTCULLIS_PUBLIC_URL", public.as_str()),
        ],
    );
    let (na, nb) = (a.base.clone(), b.base.clone());
    let created = cli(
        &db,
        dir.path(),
        &[
            "client",
            "create",
            "--name",
            "web",
            "--first-party",
            "--redirect-uri",
            "http://127.0.0.1/cb",
        ],
        None,
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let auth = (id.as_str(), secret.as_str());

    // A code issued on A is redeemed on B.
    let verifier = "v".repeat(50);
    let challenge = oauth_core::pkce::s256_challenge(&verifier);
    let browser = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = browser
        .get(format!("{na}/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", id.as_str()),
            ("redirect_uri", "http://127.0.0.1/cb"),
            ("scope", "openid"),
            ("state", "s1"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .unwrap();
    assert_eq!(login.status(), 200);
    let mut fields = hidden_inputs(&login.text().unwrap());
    fields.extend([
        ("username".to_owned(), "admin".to_owned()),
        ("password".to_owned(), "start123".to_owned()),
    ]);
    let back = browser
        .post(format!("{na}/authorize/login"))
        .form(&fields)
        .send()
        .unwrap();
    assert_eq!(back.status(), 303);
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let (status, tokens) = post_form(
        &nb,
        "/token",
        auth,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1/cb"),
            ("code_verifier", verifier.as_str()),
        ],
    );
    assert_eq!(status, 200, "{tokens}");

    // A refresh token issued on A rotates on B; replaying it on A revokes the family.
    let (_, from_a) = post_form(
        &na,
        "/token",
        auth,
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ],
    );
    let old = from_a["refresh_token"].as_str().unwrap().to_owned();
    let (status, rotated) = post_form(
        &nb,
        "/token",
        auth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", old.as_str()),
        ],
    );
    assert_eq!(status, 200, "{rotated}");
    let (status, replay) = post_form(
        &na,
        "/token",
        auth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", old.as_str()),
        ],
    );
    assert_eq!(
        (status, replay["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let newer = rotated["refresh_token"].as_str().unwrap();
    let (status, _) = post_form(
        &nb,
        "/token",
        auth,
        &[("grant_type", "refresh_token"), ("refresh_token", newer)],
    );
    assert_eq!(status, 400, "the family is revoked on every node");

    // A token revoked on B is inactive on A.
    let (_, cc) = post_form(&na, "/token", auth, &[("grant_type", "client_credentials")]);
    let access = cc["access_token"].as_str().unwrap();
    let (_, live) = post_form(&na, "/token/introspect", auth, &[("token", access)]);
    assert_eq!(live["active"], true);
    assert_eq!(
        post_form(&nb, "/token/revoke", auth, &[("token", access)]).0,
        200
    );
    let (_, dead) = post_form(&na, "/token/introspect", auth, &[("token", access)]);
    assert_eq!(dead, serde_json::json!({"active": false}));

    // A key added through A's admin API reaches B's JWKS within the cache TTL.
    let (_, admin) = post_form(
        &na,
        "/token",
        auth,
        &[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "start123"),
        ],
    );
    let admin = admin["access_token"].as_str().unwrap();
    let key: serde_json::Value = http()
        .post(format!("{na}/keys"))
        .bearer_auth(admin)
        .json(&serde_json::json!({"algorithm": "ES256"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let kid = key["data"]["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    loop {
        let keys = jwks(&nb);
        if keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == kid.as_str())
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "B never published the key"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, t_a) = post_form(&na, "/token", auth, &[("grant_type", "client_credentials")]);
    let (_, t_b) = post_form(&nb, "/token", auth, &[("grant_type", "client_credentials")]);
    for token in [&t_a, &t_b] {
        for node in [&na, &nb] {
            verify(token["access_token"].as_str().unwrap(), &jwks(node));
        }
    }
    drop(b);
}

#[test]
fn a_database_outage_answers_503_and_heals_without_a_restart() {
    let cluster = Cluster::new();
    let db = Db::External(cluster.url());
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        &db,
        dir.path(),
        &[("PORTCULLIS_THROTTLE__ENABLED", "false")],
    );
    let base = server.base.clone();
    let login = || {
        http()
            .post(format!("{base}/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", "start123"),
            ])
            .send()
            .unwrap()
    };
    assert_eq!(login().status(), 200);

    cluster.stop();
    let down = login();
    assert_eq!(down.status(), 503);
    assert!(down.headers().get("retry-after").is_some());
    let body: serde_json::Value = down.json().unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(
        http()
            .get(format!("{base}/health/ready"))
            .send()
            .unwrap()
            .status(),
        503
    );
    assert_eq!(
        http()
            .get(format!("{base}/health/live"))
            .send()
            .unwrap()
            .status(),
        200
    );

    cluster.start();
    let started = Instant::now();
    while http()
        .get(format!("{base}/health/ready"))
        .send()
        .unwrap()
        .status()
        != 200
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never ready again"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(login().status(), 200, "serves again without a restart");
    let logs = server.logs();
    assert!(!logs.contains("panicked"), "{logs}");
}
