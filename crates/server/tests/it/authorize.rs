//! The authorization endpoint through actix's test service: the whole flow with a cookie jar,
//! and every error path (untrusted client or redirect URI, errors sent back, CSRF, wrong password,
//! wrong verifier, replayed and expired codes).

use std::collections::HashMap;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use oauth_core::pkce::s256_challenge;
use oauth_core::provision::NewClient;

use crate::support::{
    Fixture, PUBLIC_URL, basic, fixture, fixture_with, form, hidden_inputs, send,
};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "https://app.example/cb";

/// The cookies a browser would hold.
#[derive(Default)]
struct Jar(HashMap<String, String>);

struct Page {
    status: u16,
    headers: actix_web::http::header::HeaderMap,
    body: String,
    cookies: Vec<Cookie<'static>>,
}

impl Page {
    fn location(&self) -> String {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The value of a hidden or text input.
    fn input(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no input {name} in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end]
            .replace("&#x2f;", "/")
            .replace("&amp;", "&")
    }
}

async fn call<S, B>(app: &S, jar: &mut Jar, req: test::TestRequest) -> Page
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut req = req;
    for (name, value) in &jar.0 {
        req = req.cookie(Cookie::new(name.clone(), value.clone()));
    }
    let response = test::call_service(app, req.to_request()).await;
    let cookies: Vec<Cookie<'static>> = response
        .response()
        .cookies()
        .map(|c| c.into_owned())
        .collect();
    for c in &cookies {
        jar.0.insert(c.name().to_owned(), c.value().to_owned());
    }
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = String::from_utf8(test::read_body(response).await.to_vec()).unwrap_or_default();
    crate::support::observe(body.as_bytes());
    Page {
        status,
        headers,
        body,
        cookies,
    }
}

fn authorize(query: &[(&str, &str)]) -> test::TestRequest {
    let q: Vec<String> = query
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::support::urlencode(v)))
        .collect();
    test::TestRequest::get().uri(&format!("/authorize?{}", q.join("&")))
}

fn post(path: &str, pairs: &[(String, String)]) -> test::TestRequest {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::support::urlencode(v)))
        .collect();
    test::TestRequest::post()
        .uri(path)
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body.join("&"))
}

/// The hidden fields of a page's form plus `extra`.
fn resubmit(page: &Page, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs = hidden_inputs(&page.body);
    pairs.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    pairs
}

fn query_of(location: &str) -> HashMap<String, String> {
    url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn web_client(fx: &Fixture, first_party: bool) -> (String, String) {
    let new = NewClient {
        name: "web".into(),
        redirect_uri: Some(REDIRECT.into()),
        first_party,
        ..NewClient::default()
    };
    let (id, secret) = fx.client("master", new);
    (id, secret.unwrap())
}

fn pkce_query<'a>(state: &'a str, challenge: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("response_type", "code"),
        ("client_id", "web"),
        ("redirect_uri", REDIRECT),
        ("state", state),
        ("nonce", "n-0S6"),
        ("scope", "openid email"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
}

crate::support::both_backends!(login_consent_code_and_single_sign_on);

async fn login_consent_code_and_single_sign_on(fx: crate::support::Fixture) {
    let (id, secret) = web_client(&fx, false);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let challenge = s256_challenge(VERIFIER);

    let login = call(&app, &mut jar, authorize(&pkce_query("st-1", &challenge))).await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert!(
        login.body.contains("<form method=\"post\"") && login.body.contains("name=\"username\"")
    );
    assert!(
        login
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(login.headers.get("x-frame-options").unwrap(), "DENY");
    let csrf = login
        .cookies
        .iter()
        .find(|c| c.name() == "portcullis_csrf")
        .expect("CSRF cookie");
    assert_eq!(csrf.http_only(), Some(true));

    let consent = call(
        &app,
        &mut jar,
        post(
            "/authorize/login",
            &resubmit(&login, &[("username", "admin"), ("password", "start123")]),
        ),
    )
    .await;
    assert_eq!(consent.status, 200, "{}", consent.body);
    assert!(consent.body.contains("name=\"decision\" value=\"allow\""));
    assert!(
        consent
            .body
            .contains("<li><strong>email</strong>: The user&#x27;s e-mail address</li>"),
        "{}",
        consent.body
    );
    assert!(
        consent.body.contains("<li><strong>openid</strong>") && consent.body.contains("(admin)")
    );
    let session = consent
        .cookies
        .iter()
        .find(|c| c.name() == "portcullis_session")
        .expect("session cookie");
    assert_eq!(
        (session.http_only(), session.same_site()),
        (Some(true), Some(SameSite::Lax))
    );
    assert!(
        !session.secure().unwrap_or(false),
        "no Secure flag on a plain-http deployment"
    );

    let back = call(
        &app,
        &mut jar,
        post(
            "/authorize/consent",
            &resubmit(&consent, &[("decision", "allow")]),
        ),
    )
    .await;
    assert_eq!(back.status, 303);
    let location = back.location();
    assert!(location.starts_with(REDIRECT), "{location}");
    let q = query_of(&location);
    assert_eq!(q["state"], "st-1");
    assert_eq!(q["iss"], format!("{PUBLIC_URL}/realms/master"));
    assert_eq!(q["code"].len(), 43);

    let redeem = form(&[
        ("grant_type", "authorization_code"),
        ("code", &q["code"]),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ])
    .insert_header(("authorization", basic(&id, &secret)));
    let (status, _, tokens) = send(&app, redeem).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["scope"], "email openid");
    assert!(tokens["refresh_token"].is_string());
    // The ID token (OpenID Connect Core 3.1.3.6), verified against the realm's JWKS.
    let (_, _, jwks) = send(&app, test::TestRequest::get().uri("/realms/master/jwks")).await;
    let (header, claims) = crate::support::verify(tokens["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(
        (header["alg"].as_str(), header["typ"].as_str()),
        (Some("RS256"), Some("JWT"))
    );
    assert_eq!(claims["iss"], format!("{PUBLIC_URL}/realms/master"));
    assert_eq!(
        (claims["aud"].as_str(), claims["azp"].as_str()),
        (Some(id.as_str()), Some(id.as_str()))
    );
    assert_eq!(claims["nonce"], "n-0S6");
    assert_eq!(
        claims["at_hash"],
        oauth_core::oidc::at_hash(tokens["access_token"].as_str().unwrap())
    );
    assert!(claims["sid"].is_string() && claims["auth_time"].is_i64());
    assert!(claims.get("email").is_none(), "admin has no e-mail address");
    assert!(
        claims.get("preferred_username").is_none(),
        "identity was not granted"
    );

    // Single sign-on: the session and the remembered consent skip both pages.
    let again = call(&app, &mut jar, authorize(&pkce_query("st-2", &challenge))).await;
    assert_eq!(again.status, 302, "{}", again.body);
    assert_eq!(query_of(&again.location())["state"], "st-2");

    // prompt=login shows the login page despite the session; prompt=none answers silently.
    let mut forced = pkce_query("st-3", &challenge);
    forced.push(("prompt", "login"));
    assert_eq!(call(&app, &mut jar, authorize(&forced)).await.status, 200);
    let mut silent = pkce_query("st-4", &challenge);
    silent.push(("prompt", "none"));
    let silent = call(&app, &mut jar, authorize(&silent)).await;
    assert!(query_of(&silent.location()).contains_key("code"));
    let mut hinted = pkce_query("st-5", &challenge);
    hinted.extend([("prompt", "login"), ("login_hint", "alice")]);
    assert_eq!(
        call(&app, &mut jar, authorize(&hinted))
            .await
            .input("username"),
        "alice"
    );
}

#[actix_web::test]
async fn untrusted_requests_show_a_page_and_never_redirect() {
    let fx = fixture();
    web_client(&fx, false);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let cases: [&[(&str, &str)]; 4] = [
        &[
            ("response_type", "code"),
            ("client_id", "nobody"),
            ("redirect_uri", REDIRECT),
        ],
        &[
            ("response_type", "code"),
            ("client_id", "web"),
            ("redirect_uri", "https://evil.example/cb"),
        ],
        &[("response_type", "code"), ("redirect_uri", REDIRECT)],
        &[
            ("response_type", "code"),
            ("client_id", "web"),
            ("client_id", "web"),
        ],
    ];
    for query in cases {
        let page = call(&app, &mut jar, authorize(query)).await;
        assert_eq!(page.status, 400, "{query:?}");
        assert!(
            page.headers.get("location").is_none(),
            "{query:?} must not redirect"
        );
        assert!(page.body.contains("Cannot continue"));
    }
}

#[actix_web::test]
async fn errors_after_the_redirect_check_go_back_with_state_and_iss() {
    let fx = fixture();
    web_client(&fx, false);
    let spa = NewClient {
        name: "spa".into(),
        public: true,
        redirect_uri: Some("http://127.0.0.1/cb".into()),
        ..NewClient::default()
    };
    fx.client("master", spa);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("response_type", "code"),
                ("client_id", "spa"),
                ("redirect_uri", "http://127.0.0.1:5555/cb"),
                ("state", "s"),
            ],
            "invalid_request",
        ),
        (
            &[
                ("response_type", "token"),
                ("client_id", "web"),
                ("redirect_uri", REDIRECT),
                ("state", "s"),
            ],
            "unsupported_response_type",
        ),
        (
            &[
                ("response_type", "code"),
                ("client_id", "web"),
                ("redirect_uri", REDIRECT),
                ("state", "s"),
                ("prompt", "none"),
            ],
            "login_required",
        ),
        (
            &[
                ("response_type", "code"),
                ("client_id", "web"),
                ("redirect_uri", REDIRECT),
                ("state", "s"),
                ("scope", "nope"),
            ],
            "invalid_scope",
        ),
    ];
    for (query, error) in cases {
        let page = call(&app, &mut jar, authorize(query)).await;
        assert_eq!(page.status, 302, "{query:?}: {}", page.body);
        let q = query_of(&page.location());
        assert_eq!(q["error"], error, "{query:?}");
        assert_eq!(q["state"], "s");
        assert_eq!(q["iss"], format!("{PUBLIC_URL}/realms/master"));
        assert!(!q["error_description"].is_empty());
    }
}

#[actix_web::test]
async fn forms_need_the_csrf_token_and_the_right_password() {
    let fx = fixture().with_audit();
    web_client(&fx, false);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let challenge = s256_challenge(VERIFIER);
    let login = call(&app, &mut jar, authorize(&pkce_query("s", &challenge))).await;

    let mut forged = resubmit(&login, &[("username", "admin"), ("password", "start123")]);
    forged.retain(|(k, _)| k != "csrf_token");
    let page = call(&app, &mut jar, post("/authorize/login", &forged)).await;
    assert_eq!(page.status, 400);
    assert!(!jar.0.contains_key("portcullis_session"));
    forged.push(("csrf_token".to_owned(), "A".repeat(43)));
    assert_eq!(
        call(&app, &mut jar, post("/authorize/login", &forged))
            .await
            .status,
        400
    );

    let wrong = call(
        &app,
        &mut jar,
        post(
            "/authorize/login",
            &resubmit(&login, &[("username", "admin"), ("password", "nope")]),
        ),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Wrong username or password."));
    assert_eq!(wrong.input("username"), "admin", "the username is kept");
    assert!(!jar.0.contains_key("portcullis_session"));
    let long = "p".repeat(oauth_core::password::MAX_PASSWORD_BYTES + 1);
    let refused = call(
        &app,
        &mut jar,
        post(
            "/authorize/login",
            &resubmit(&wrong, &[("username", "admin"), ("password", &long)]),
        ),
    )
    .await;
    assert_eq!(
        refused.status, 400,
        "an overlong password is refused before any hashing"
    );

    let consent = call(
        &app,
        &mut jar,
        post(
            "/authorize/login",
            &resubmit(&wrong, &[("username", "admin"), ("password", "start123")]),
        ),
    )
    .await;
    let denied = call(
        &app,
        &mut jar,
        post(
            "/authorize/consent",
            &resubmit(&consent, &[("decision", "deny")]),
        ),
    )
    .await;
    assert_eq!(query_of(&denied.location())["error"], "access_denied");

    // The login page's failure and success and the denial are audited.
    let wanted = [("login", false), ("login", true), ("authorization", false)];
    let mut names = Vec::new();
    for _ in 0..100 {
        let page: oauth_core::store::records::Page<oauth_core::model::Event> = fx
            .store
            .list_records(&oauth_core::store::records::ListQuery::default())
            .unwrap();
        names = page
            .items
            .iter()
            .map(|e| (e.name.clone(), e.success))
            .collect();
        if wanted
            .iter()
            .all(|(n, ok)| names.contains(&((*n).to_owned(), *ok)))
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for (name, success) in wanted {
        assert!(
            names.contains(&(name.to_owned(), success)),
            "{name} {success}: {names:?}"
        );
    }
}

/// Runs the flow for the first-party client `web`; answers a fresh code.
async fn code_for<S, B>(app: &S, jar: &mut Jar, challenge: &str) -> String
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let first = call(app, jar, authorize(&pkce_query("s", challenge))).await;
    let done = if first.status == 200 {
        call(
            app,
            jar,
            post(
                "/authorize/login",
                &resubmit(&first, &[("username", "admin"), ("password", "start123")]),
            ),
        )
        .await
    } else {
        first
    };
    query_of(&done.location())["code"].clone()
}

#[actix_web::test]
async fn codes_need_the_verifier_and_die_after_use_or_expiry() {
    let fx = fixture();
    let (id, secret) = web_client(&fx, true);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let challenge = s256_challenge(VERIFIER);
    let redeem = |code: &str, verifier: Option<&str>, redirect: &str| {
        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
        ];
        if let Some(v) = verifier {
            pairs.push(("code_verifier", v));
        }
        form(&pairs).insert_header(("authorization", basic(&id, &secret)))
    };

    let code = code_for(&app, &mut jar, &challenge).await;
    let other = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl";
    for (verifier, redirect) in [
        (Some(other), REDIRECT),
        (None, REDIRECT),
        (Some(VERIFIER), "https://app.example/other"),
    ] {
        let (status, _, body) = send(&app, redeem(&code, verifier, redirect)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{verifier:?} {redirect}"
        );
    }
    let (status, _, tokens) = send(&app, redeem(&code, Some(VERIFIER), REDIRECT)).await;
    assert_eq!(status, 200, "{tokens}");
    let (status, _, body) = send(&app, redeem(&code, Some(VERIFIER), REDIRECT)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "a replay is refused"
    );
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, _, _) = send(
        &app,
        form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .insert_header(("authorization", basic(&id, &secret))),
    )
    .await;
    assert_eq!(
        status, 400,
        "the replay revoked the tokens issued from the code"
    );

    let late = code_for(&app, &mut jar, &challenge).await;
    // Time moves past the code's lifetime (the request path's clock, no sleeping).
    fx.state
        .clock
        .advance(fx.state.settings.authorization_code_lifetime + 1);
    let (status, _, body) = send(&app, redeem(&late, Some(VERIFIER), REDIRECT)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "an expired code is refused"
    );
}

#[actix_web::test]
async fn cookies_are_secure_behind_an_https_public_url() {
    let fx = fixture_with(|s| s.public_url = "https://auth.example".into());
    web_client(&fx, true);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let challenge = s256_challenge(VERIFIER);
    let login = call(&app, &mut jar, authorize(&pkce_query("s", &challenge))).await;
    let csrf = login
        .cookies
        .iter()
        .find(|c| c.name() == "portcullis_csrf")
        .unwrap();
    assert_eq!(
        (csrf.secure(), csrf.same_site()),
        (Some(true), Some(SameSite::Strict))
    );
    let done = call(
        &app,
        &mut jar,
        post(
            "/authorize/login",
            &resubmit(&login, &[("username", "admin"), ("password", "start123")]),
        ),
    )
    .await;
    let session = done
        .cookies
        .iter()
        .find(|c| c.name() == "portcullis_session")
        .unwrap();
    assert_eq!(session.secure(), Some(true));
    assert_eq!(
        query_of(&done.location())["iss"],
        "https://auth.example/realms/master"
    );
}

#[actix_web::test]
async fn the_login_page_counts_toward_the_same_throttle() {
    let fx = fixture();
    web_client(&fx, true);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let challenge = s256_challenge(VERIFIER);
    let login = call(&app, &mut jar, authorize(&pkce_query("s", &challenge))).await;
    let mut last = None;
    for _ in 0..(oauth_core::throttle::FREE_FAILURES + 4) {
        let page = call(
            &app,
            &mut jar,
            post(
                "/authorize/login",
                &resubmit(&login, &[("username", "admin"), ("password", "guess")]),
            ),
        )
        .await;
        if page.status == 429 {
            last = Some(page);
            break;
        }
        assert_eq!(page.status, 401);
    }
    let page = last.expect("the login page throttles too");
    assert!(
        page.body.contains("Too many failed attempts"),
        "{}",
        page.body
    );
    assert!(page.headers.get("retry-after").is_some());
    // The password grant sees the same count: it is refused within two tries (an unshared
    // count would allow five).
    let mut refused = false;
    for _ in 0..2 {
        let guess = form(&[
            ("grant_type", "password"),
            ("username", "admin"),
            ("password", "guess"),
        ]);
        if send(&app, guess).await.0 == 429 {
            refused = true;
            break;
        }
    }
    assert!(refused);
}

#[actix_web::test]
async fn the_authorization_request_may_be_posted_and_realms_have_their_own_endpoint() {
    let fx = fixture();
    fx.realm("acme");
    let new = NewClient {
        name: "web".into(),
        redirect_uri: Some(REDIRECT.into()),
        ..NewClient::default()
    };
    fx.client("acme", new);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let challenge = s256_challenge(VERIFIER);
    let pairs: Vec<(String, String)> = pkce_query("p", &challenge)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let login = call(&app, &mut jar, post("/realms/acme/authorize", &pairs)).await;
    assert_eq!(login.status, 200, "{}", login.body);
    assert!(
        login
            .body
            .contains("action=\"&#x2f;realms&#x2f;acme&#x2f;authorize&#x2f;login\""),
        "{}",
        login.body
    );
    assert!(login.body.contains("acme"));
    // The master realm does not know acme's client.
    assert_eq!(
        call(&app, &mut jar, post("/authorize", &pairs))
            .await
            .status,
        400
    );
}

crate::support::both_backends!(audited: rp_initiated_logout_ends_the_session_and_its_grants);

async fn rp_initiated_logout_ends_the_session_and_its_grants(fx: crate::support::Fixture) {
    let new = NewClient {
        name: "web".into(),
        redirect_uri: Some(REDIRECT.into()),
        post_logout_redirect_uri: Some("https://app.example/bye".into()),
        first_party: true,
        ..NewClient::default()
    };
    let (id, secret) = fx.client("master", new);
    let auth = basic(&id, &secret.unwrap());
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut jar = Jar::default();
    let challenge = s256_challenge(VERIFIER);
    let code = code_for(&app, &mut jar, &challenge).await;
    let redeem = form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ])
    .insert_header(("authorization", auth.clone()));
    let (_, _, tokens) = send(&app, redeem).await;
    let id_token = tokens["id_token"]
        .as_str()
        .expect("openid was granted")
        .to_owned();
    let logout = |query: &[(&str, &str)]| {
        let q: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::support::urlencode(v)))
            .collect();
        test::TestRequest::get().uri(&format!("/logout?{}", q.join("&")))
    };

    // Refused before anything happens: an unregistered target, a forged hint.
    let page = call(
        &app,
        &mut jar,
        logout(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", "https://evil.example/"),
        ]),
    )
    .await;
    assert_eq!(page.status, 400);
    assert!(page.headers.get("location").is_none());
    let page = call(
        &app,
        &mut jar,
        logout(&[("id_token_hint", "forged.token.here")]),
    )
    .await;
    assert_eq!(page.status, 400);
    assert!(jar.0.contains_key("portcullis_session"));

    // Attacker: mallory, with her own valid ID token as the hint, lures the admin's browser to
    // the logout link. The admin is asked first; nothing ends silently.
    let master = fx.store.find_realm_by_name("master").unwrap().unwrap();
    oauth_core::provision::create_user(
        fx.store.as_ref(),
        &fx.state.settings.hasher,
        &master,
        oauth_core::provision::NewUser {
            name: "mallory".into(),
            email: None,
            password: Some(oauth_core::secret::Password::new("mallory-password")),
        },
        crate::support::now(),
        &mut oauth_core::random::SeededEntropy::new(11),
    )
    .unwrap();
    let (_, _, mallory) = send(
        &app,
        form(&[
            ("grant_type", "password"),
            ("username", "mallory"),
            ("password", "mallory-password"),
            ("scope", "openid"),
        ])
        .insert_header(("authorization", auth.clone())),
    )
    .await;
    let lure = call(
        &app,
        &mut jar,
        logout(&[("id_token_hint", mallory["id_token"].as_str().unwrap())]),
    )
    .await;
    assert_eq!(lure.status, 200, "a confirmation page");
    assert!(lure.body.contains("name=\"confirm\" value=\"yes\""));
    assert!(lure.headers.get("location").is_none());
    let still = call(&app, &mut jar, authorize(&pkce_query("s", &challenge))).await;
    assert_eq!(still.status, 302, "the admin is still signed in");

    // With a valid hint: signed out at once and sent to the registered URI with the state.
    let done = call(
        &app,
        &mut jar,
        logout(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", "https://app.example/bye"),
            ("state", "z"),
        ]),
    )
    .await;
    assert_eq!(done.status, 302);
    assert_eq!(done.location(), "https://app.example/bye?state=z");
    let cleared = done
        .cookies
        .iter()
        .find(|c| c.name() == "portcullis_session")
        .expect("the cookie is cleared");
    assert_eq!(
        cleared.max_age(),
        Some(actix_web::cookie::time::Duration::ZERO)
    );

    // The session and every grant issued in it are gone.
    let again = call(&app, &mut jar, authorize(&pkce_query("s", &challenge))).await;
    assert_eq!(again.status, 200, "the login page again");
    let refresh = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
    ])
    .insert_header(("authorization", auth.clone()));
    assert_eq!(send(&app, refresh).await.0, 400);
    let introspect = form(&[("token", tokens["access_token"].as_str().unwrap())])
        .uri("/token/introspect")
        .insert_header(("authorization", auth.clone()));
    assert_eq!(send(&app, introspect).await.2["active"], false);

    // Without a hint the person confirms first (a CSRF-protected form), then sees a signed-out page.
    code_for(&app, &mut jar, &challenge).await;
    let confirm = call(&app, &mut jar, logout(&[])).await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains("name=\"confirm\" value=\"yes\""));
    assert!(
        jar.0.contains_key("portcullis_session"),
        "nothing happened yet"
    );
    let mut fields = hidden_inputs(&confirm.body);
    fields.push(("confirm".into(), "yes".into()));
    let signed_out = call(&app, &mut jar, post("/logout", &fields)).await;
    assert_eq!(signed_out.status, 200);
    assert!(signed_out.body.contains("Signed out"));
    let mut logouts = 0;
    for _ in 0..100 {
        let query = oauth_core::store::records::ListQuery::by(
            oauth_core::model::EventColumn::Name,
            "logout",
        );
        let page: oauth_core::store::records::Page<oauth_core::model::Event> =
            fx.store.list_records(&query).unwrap();
        logouts = page.total;
        if logouts >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        logouts, 2,
        "both logouts (with a hint, then confirmed) are audited"
    );
    assert_eq!(
        call(&app, &mut jar, authorize(&pkce_query("s", &challenge)))
            .await
            .status,
        200
    );
}

crate::support::both_backends!(a_stolen_id_token_cannot_end_its_owners_session);

/// Attacker: holds the admin's ID token (relying parties receive it and log it; it is no secret)
/// and opens the logout link with it as the hint from a browser of their own, without the admin's
/// session cookie. Nothing of the admin's ends: the session named by the token's `sid` stays
/// signed in and its refresh token keeps working. The admin's own browser still signs out.
async fn a_stolen_id_token_cannot_end_its_owners_session(fx: crate::support::Fixture) {
    let (id, secret) = web_client(&fx, true);
    let auth = basic(&id, &secret);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let mut victim = Jar::default();
    let challenge = s256_challenge(VERIFIER);
    let code = code_for(&app, &mut victim, &challenge).await;
    let redeem = form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ])
    .insert_header(("authorization", auth.clone()));
    let (_, _, tokens) = send(&app, redeem).await;
    let id_token = tokens["id_token"].as_str().unwrap().to_owned();

    let mut attacker = Jar::default();
    let uri = format!(
        "/logout?id_token_hint={}",
        crate::support::urlencode(&id_token)
    );
    let page = call(&app, &mut attacker, test::TestRequest::get().uri(&uri)).await;
    assert_eq!(page.status, 200, "asked to confirm, not signed out");
    assert!(page.body.contains("name=\"confirm\" value=\"yes\""));
    let mut fields = hidden_inputs(&page.body);
    fields.push(("confirm".into(), "yes".into()));
    let confirmed = call(&app, &mut attacker, post("/logout", &fields)).await;
    assert_eq!(
        confirmed.status, 200,
        "the attacker's own (empty) browser signs out"
    );

    let still = call(&app, &mut victim, authorize(&pkce_query("s", &challenge))).await;
    assert_eq!(still.status, 302, "the admin's session survives");
    let refresh = form(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
    ])
    .insert_header(("authorization", auth.clone()));
    let (status, _, body) = send(&app, refresh).await;
    assert_eq!(status, 200, "the session's grants survive: {body}");

    let done = call(&app, &mut victim, test::TestRequest::get().uri(&uri)).await;
    assert_eq!(done.status, 200);
    assert!(done.body.contains("Signed out"), "{}", done.body);
    let again = call(&app, &mut victim, authorize(&pkce_query("s", &challenge))).await;
    assert_eq!(again.status, 200, "the login page again");
}
