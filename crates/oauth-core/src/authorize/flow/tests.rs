//! The authorization flow's matrix (sign-in, single sign-on, `prompt`, `max_age`, consent),
//! table-driven through [`advance`] on the in-memory store with a fixed clock.

use super::*;
use crate::authorize::new_session;
use crate::grant::Context;
use crate::grant::Settings;
use crate::keys::StoreKeySource;
use crate::memory::MemoryStore;
use crate::model::Realm;
use crate::password::{Argon2Params, PasswordHasher};
use crate::provision::{self, NewClient, NewUser};
use crate::random::SeededEntropy;
use crate::request::Params;
use crate::secret::Password;
use crate::store::{ClientStore, ConsentStore, SessionStore};
use crate::testing::NOW;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

struct World {
    store: MemoryStore,
    settings: Settings,
    realm: Realm,
    alice: Uuid,
}

fn world() -> World {
    let store = MemoryStore::new();
    let mut rng = SeededEntropy::new(1);
    let realm = provision::ensure_realm(&store, "master", NOW, &mut rng).unwrap();
    let cheap = Argon2Params {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let settings = Settings::new(
        "http://localhost:3001",
        PasswordHasher::new(cheap, &mut rng).unwrap(),
    );
    for (name, first_party) in [("web", false), ("spa", true)] {
        let new = NewClient {
            name: name.into(),
            public: true,
            first_party,
            redirect_uri: Some(format!("https://{name}.example/cb")),
            ..NewClient::default()
        };
        provision::create_client(&store, &realm, new, NOW, &mut rng).unwrap();
    }
    let alice = NewUser {
        name: "alice".into(),
        email: None,
        password: Some(Password::new("alice-password")),
    };
    let alice = provision::create_user(&store, &settings.hasher, &realm, alice, NOW, &mut rng)
        .unwrap()
        .id;
    World {
        store,
        settings,
        realm,
        alice,
    }
}

/// The browser's session before the step.
#[derive(Clone, Copy)]
enum Browser {
    None,
    /// Signed in this many seconds ago.
    SignedIn(i64),
    Revoked,
    Expired,
}

/// Earlier consent of alice to `web`.
#[derive(Clone, Copy)]
enum Given {
    Nothing,
    Email,
}

/// What the person does.
#[derive(Clone, Copy)]
enum Act {
    Start,
    Allow,
    Deny,
    Login(&'static str),
}

/// One step in a fresh world; answers the outcome as a word (`+session` when a session cookie
/// is set).
fn run(client: &str, extra: &[(&str, &str)], browser: Browser, given: Given, act: Act) -> String {
    let w = world();
    let mut rng = SeededEntropy::new(9);
    let cookie = match browser {
        Browser::None => None,
        Browser::SignedIn(_) | Browser::Revoked | Browser::Expired => {
            let age = if let Browser::SignedIn(age) = browser {
                age
            } else {
                10
            };
            let (value, mut session) = new_session(&w.realm, w.alice, 3600, NOW - age, &mut rng);
            if matches!(browser, Browser::Expired) {
                session.expires_at = NOW - 1;
            }
            w.store.create_session(&session).unwrap();
            if matches!(browser, Browser::Revoked) {
                w.store.revoke_session(session.id, NOW - 1).unwrap();
            }
            Some(value)
        }
    };
    if let Given::Email = given {
        let web = w
            .store
            .find_client_by_name(w.realm.id, "web")
            .unwrap()
            .unwrap();
        let consent = Consent {
            id: Uuid::from_u128(7),
            realm_id: w.realm.id,
            user_id: w.alice,
            client_id: web.id,
            scope: "email".into(),
            created_at: NOW - 5,
        };
        w.store.save_consent(&consent).unwrap();
    }
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("state", "s1"),
    ];
    pairs.extend_from_slice(extra);
    if !extra.iter().any(|(k, _)| *k == "scope") {
        pairs.push(("scope", "email"));
    }
    let params =
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string()))).unwrap();
    let request = AuthorizationRequest::from_params(&params);
    let password;
    let input = match act {
        Act::Start => Input::Start {
            session_cookie: cookie.as_deref(),
        },
        Act::Allow | Act::Deny => Input::Consent {
            session_cookie: cookie.as_deref(),
            allow: matches!(act, Act::Allow),
        },
        Act::Login(typed) => {
            password = Password::new(typed);
            Input::Login {
                username: "alice",
                password: &password,
            }
        }
    };
    let mut ctx = Context {
        store: &w.store,
        keys: &StoreKeySource,
        settings: &w.settings,
        now: NOW,
        rng: &mut rng,
        after_password_hash: None,
        client_ip: None,
    };
    let step = advance(&mut ctx, "master", &request, input).unwrap();
    let word = match &step.outcome {
        Outcome::Page(_) => "page".to_owned(),
        Outcome::Login { problem: None, .. } => "login".to_owned(),
        Outcome::Login {
            problem: Some(LoginProblem::WrongCredentials),
            ..
        } => "login:wrong".to_owned(),
        Outcome::Login {
            problem: Some(LoginProblem::Throttled(_)),
            ..
        } => "login:throttled".to_owned(),
        Outcome::Consent { .. } => "consent".to_owned(),
        Outcome::Redirect(location) => {
            let url = url::Url::parse(location).unwrap();
            let query: std::collections::HashMap<String, String> =
                url.query_pairs().into_owned().collect();
            assert_eq!(query.get("state").map(String::as_str), Some("s1"));
            assert_eq!(
                query.get("iss").map(String::as_str),
                Some("http://localhost:3001/realms/master"),
                "RFC 9207"
            );
            match (query.get("code"), query.get("error")) {
                (Some(_), None) => "code".to_owned(),
                (None, Some(error)) => format!("error:{error}"),
                other => panic!("{other:?}"),
            }
        }
    };
    if step.set_session.is_some() {
        format!("{word}+session")
    } else {
        word
    }
}

#[test]
fn the_prompt_consent_and_single_sign_on_matrix() {
    use Act::*;
    use Browser::{Expired, Revoked, SignedIn};
    use Given::*;
    let none = Browser::None;
    type Case<'a> = (
        &'a str,
        &'a [(&'a str, &'a str)],
        Browser,
        Given,
        Act,
        &'a str,
    );
    let cases: &[Case<'_>] = &[
        // Signing in.
        ("web", &[], none, Nothing, Start, "login"),
        (
            "web",
            &[("prompt", "none")],
            none,
            Nothing,
            Start,
            "error:login_required",
        ),
        ("web", &[], Revoked, Nothing, Start, "login"),
        ("web", &[], Expired, Nothing, Start, "login"),
        ("web", &[], none, Nothing, Login("wrong"), "login:wrong"),
        (
            "web",
            &[],
            none,
            Nothing,
            Login("alice-password"),
            "consent+session",
        ),
        (
            "spa",
            &[],
            none,
            Nothing,
            Login("alice-password"),
            "code+session",
        ),
        (
            "web",
            &[],
            none,
            Email,
            Login("alice-password"),
            "code+session",
        ),
        // Single sign-on and consent.
        ("web", &[], SignedIn(10), Nothing, Start, "consent"),
        ("web", &[], SignedIn(10), Email, Start, "code"),
        ("spa", &[], SignedIn(10), Nothing, Start, "code"),
        (
            "web",
            &[("scope", "email openid")],
            SignedIn(10),
            Email,
            Start,
            "consent",
        ),
        (
            "web",
            &[("prompt", "none")],
            SignedIn(10),
            Nothing,
            Start,
            "error:consent_required",
        ),
        (
            "web",
            &[("prompt", "none")],
            SignedIn(10),
            Email,
            Start,
            "code",
        ),
        (
            "web",
            &[("prompt", "consent")],
            SignedIn(10),
            Email,
            Start,
            "consent",
        ),
        // prompt=login and max_age force a new sign-in, which then counts.
        (
            "web",
            &[("prompt", "login")],
            SignedIn(10),
            Email,
            Start,
            "login",
        ),
        (
            "web",
            &[("prompt", "login")],
            none,
            Email,
            Login("alice-password"),
            "code+session",
        ),
        (
            "web",
            &[("max_age", "60")],
            SignedIn(10),
            Email,
            Start,
            "code",
        ),
        (
            "web",
            &[("max_age", "60")],
            SignedIn(600),
            Email,
            Start,
            "login",
        ),
        (
            "web",
            &[("max_age", "60"), ("prompt", "none")],
            SignedIn(600),
            Email,
            Start,
            "error:login_required",
        ),
        // The consent page's answers.
        ("web", &[], SignedIn(10), Nothing, Allow, "code"),
        (
            "web",
            &[],
            SignedIn(10),
            Nothing,
            Deny,
            "error:access_denied",
        ),
        ("web", &[], none, Nothing, Allow, "login"),
        // Untrusted requests never redirect.
        ("nobody", &[], SignedIn(10), Nothing, Start, "page"),
        (
            "web",
            &[("redirect_uri", "https://evil.example/cb")],
            SignedIn(10),
            Email,
            Start,
            "page",
        ),
    ];
    for (client, extra, browser, given, act, expected) in cases {
        assert_eq!(
            run(client, extra, *browser, *given, *act),
            *expected,
            "{client} {extra:?}"
        );
    }
}

#[test]
fn consent_given_once_is_remembered_and_audited() {
    let w = world();
    let mut rng = SeededEntropy::new(4);
    let (cookie, session) = new_session(&w.realm, w.alice, 3600, NOW - 5, &mut rng);
    w.store.create_session(&session).unwrap();
    let params = Params::from_pairs(
        [
            ("response_type", "code"),
            ("client_id", "web"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("scope", "email"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string())),
    )
    .unwrap();
    let request = AuthorizationRequest::from_params(&params);
    let mut step = |input: Input<'_>| {
        let mut ctx = Context {
            store: &w.store,
            keys: &StoreKeySource,
            settings: &w.settings,
            now: NOW,
            rng: &mut rng,
            after_password_hash: None,
            client_ip: None,
        };
        advance(&mut ctx, "master", &request, input).unwrap()
    };
    let allowed = step(Input::Consent {
        session_cookie: Some(&cookie),
        allow: true,
    });
    assert_eq!(allowed.realm, Some(w.realm.id));
    assert!(matches!(
        allowed.happened.as_slice(),
        [Happened::Authorized { user, scope, .. }] if *user == w.alice && scope == "email"
    ));
    let again = step(Input::Start {
        session_cookie: Some(&cookie),
    });
    assert!(
        matches!(again.outcome, Outcome::Redirect(_)),
        "no second consent page"
    );
    let unknown = {
        let mut ctx = Context {
            store: &w.store,
            keys: &StoreKeySource,
            settings: &w.settings,
            now: NOW,
            rng: &mut rng,
            after_password_hash: None,
            client_ip: None,
        };
        advance(
            &mut ctx,
            "nowhere",
            &request,
            Input::Start {
                session_cookie: None,
            },
        )
        .unwrap()
    };
    assert_eq!(unknown.realm, None);
    assert!(matches!(unknown.outcome, Outcome::Page(_)));
}
