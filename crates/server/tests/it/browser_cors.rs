//! CORS in a real browser (headless Chromium over WebDriver, `browser.rs`): a single-page app
//! served from its own origin (a listener of this test on another port) signs a person in with
//! the authorization code flow and PKCE, then redeems the code at `/token` and calls `/userinfo`
//! with `fetch`, through Chromium's CORS checks. The same calls from a page on an origin nobody
//! registered are blocked by the browser.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use serde_json::{Value, json};

use crate::browser::Driver;
use crate::support::{Db, Server, cli};

/// A web server for the app's page: answers every request with the same small HTML page.
fn page_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let page = "<!doctype html><title>spa</title><p>single-page app</p>";
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut stream = &stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    port
}

/// What the app runs: redeem the code, then call userinfo with the access token. Answers
/// `{token, userinfo}` or `{blocked, step}` (what `fetch` threw: a CORS block is a `TypeError`).
const REDEEM: &str = r#"
const [base, form, done] = arguments;
(async () => {
  let step = "token";
  try {
    const t = await fetch(base + "/token", { method: "POST", body: new URLSearchParams(form) });
    const token = await t.json();
    step = "userinfo";
    const u = await fetch(base + "/userinfo", {
      headers: { Authorization: "Bearer " + token.access_token },
    });
    done({ token, userinfo: await u.json() });
  } catch (e) {
    done({ blocked: String(e), step });
  }
})();
"#;

/// A bearer-carrying call alone (preflighted), for the page nobody registered.
const USERINFO: &str = r#"
const [base, done] = arguments;
fetch(base + "/userinfo", { headers: { Authorization: "Bearer x" } })
  .then((r) => done({ status: r.status }))
  .catch((e) => done({ blocked: String(e) }));
"#;

#[test]
fn a_single_page_app_on_another_origin_redeems_its_code_through_cors() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::sqlite(dir.path());
    let server = Server::start(&db, dir.path());
    let base = server.base.clone();
    let app_port = page_server();
    let redirect = format!("http://127.0.0.1:{app_port}/callback");
    let created = cli(
        &db,
        dir.path(),
        &[
            "client",
            "create",
            "--name",
            "spa",
            "--public",
            "--first-party",
            "--redirect-uri",
            &redirect,
        ],
        None,
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(created["secret"].is_null(), "a public client: {created}");

    let verifier = "cors-browser-verifier-0123456789-abcdefghijklmnopq";
    let challenge = oauth_core::pkce::s256_challenge(verifier);
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    driver.open(&format!(
        "{base}/authorize?response_type=code&client_id={id}&redirect_uri={}&scope=openid%20email&state=s1&code_challenge={challenge}&code_challenge_method=S256",
        crate::support::urlencode(&redirect)
    ));
    driver.wait_for_title("Sign in");
    driver.type_into("#username", "admin");
    driver.type_into("#password", "start123");
    driver.click("button[type=submit]");
    driver.wait_for_title("spa");
    let landed = url::Url::parse(&driver.url()).unwrap();
    assert_eq!(
        landed.origin().ascii_serialization(),
        format!("http://127.0.0.1:{app_port}")
    );
    let code = landed
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code on the redirect");

    let form = json!({
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect,
        "client_id": id,
        "code_verifier": verifier,
    });
    let answer = driver.execute_async(REDEEM, json!([base, form]));
    assert!(answer.get("blocked").is_none(), "{answer}");
    assert_eq!(answer["token"]["token_type"], "Bearer", "{answer}");
    assert!(answer["token"]["access_token"].is_string());
    assert!(answer["userinfo"]["sub"].is_string(), "{answer}");

    // The same calls from a page on an origin nobody registered: the browser blocks both.
    let other = page_server();
    driver.open(&format!("http://127.0.0.1:{other}/"));
    driver.wait_for_title("spa");
    let form = json!({
        "grant_type": "authorization_code",
        "code": "stolen-or-guessed",
        "redirect_uri": redirect,
        "client_id": id,
        "code_verifier": verifier,
    });
    let blocked = driver.execute_async(REDEEM, json!([base, form]));
    assert!(
        blocked["blocked"]
            .as_str()
            .unwrap_or_default()
            .contains("TypeError"),
        "{blocked}"
    );
    let blocked: Value = driver.execute_async(USERINFO, json!([base]));
    assert!(
        blocked["blocked"]
            .as_str()
            .unwrap_or_default()
            .contains("TypeError"),
        "{blocked}"
    );
}
