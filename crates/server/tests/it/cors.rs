//! CORS (DESIGN §4): which browser origins may read which answers, on SQLite and PostgreSQL.
//! The attacker runs a page on an origin nobody registered and wants a visitor's browser to read
//! the server's answers; the registered single-page app must be able to.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use oauth_core::cors::CorsPolicy;
use oauth_core::provision::NewClient;
use portcullis_server::cors::CorsSettings;

use crate::support::{Fixture, send};

crate::support::both_backends!(
    a_public_spas_origin_reads_its_realms_protocol_endpoints,
    an_unregistered_origin_reads_nothing,
    a_confidential_clients_redirect_origin_gains_nothing,
    the_admin_api_answers_no_origin_unless_configured,
    configured_origins_apply_where_configured,
);

const SPA: &str = "https://spa.example.com";
const EVIL: &str = "https://evil.example.net";

/// Realm `shop` with a public SPA (redirect on [`SPA`]) and a confidential backend.
fn shop(fx: &Fixture) {
    fx.realm("shop");
    for (name, public, uri) in [
        ("spa", true, format!("{SPA}/callback")),
        (
            "backend",
            false,
            "https://backend.example.com/cb".to_owned(),
        ),
    ] {
        fx.client(
            "shop",
            NewClient {
                name: name.into(),
                public,
                redirect_uri: Some(uri),
                ..NewClient::default()
            },
        );
    }
}

/// A browser's preflight; `headers` are the non-safelisted request headers (may be empty).
fn preflight(path: &str, origin: &str, headers: &str) -> TestRequest {
    let req = TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri(path)
        .insert_header(("origin", origin))
        .insert_header(("access-control-request-method", "POST"));
    match headers {
        "" => req,
        headers => req.insert_header(("access-control-request-headers", headers)),
    }
}

fn token_post(path: &str, origin: &str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("origin", origin))
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(
            "grant_type=authorization_code&code=nope&client_id=spa&code_verifier=x&redirect_uri=x",
        )
}

fn allow_origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

fn varies_by_origin(headers: &HeaderMap) -> bool {
    headers
        .get_all("vary")
        .any(|v| v.to_str().unwrap().contains("Origin"))
}

async fn a_public_spas_origin_reads_its_realms_protocol_endpoints(fx: Fixture) {
    shop(&fx);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    for path in ["/realms/shop/token", "/token"] {
        let (status, headers, _) = send(&app, preflight(path, SPA, "content-type")).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(allow_origin(&headers), Some(SPA), "{path}");
        let methods = headers
            .get("access-control-allow-methods")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(methods.contains("POST"), "{methods}");
        assert!(headers.get("access-control-allow-credentials").is_none());
        assert!(headers.contains_key("access-control-max-age"));
        assert!(varies_by_origin(&headers));
    }
    // The token request itself: its error is readable too, so the app can show it.
    let (status, headers, body) = send(&app, token_post("/realms/shop/token", SPA)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(allow_origin(&headers), Some(SPA));
    assert!(headers.get("access-control-allow-credentials").is_none());
    assert!(varies_by_origin(&headers));
    // A bearer-carrying call is preflighted with `authorization`.
    let (status, headers, _) = send(
        &app,
        preflight("/realms/shop/userinfo", SPA, "authorization"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(allow_origin(&headers), Some(SPA));
    for path in [
        "/realms/shop/jwks",
        "/realms/shop/.well-known/openid-configuration",
        "/jwks",
    ] {
        let req = TestRequest::get().uri(path).insert_header(("origin", SPA));
        let (status, headers, _) = send(&app, req).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(allow_origin(&headers), Some(SPA), "{path}");
    }
}

async fn an_unregistered_origin_reads_nothing(fx: Fixture) {
    shop(&fx);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    for path in [
        "/token",
        "/realms/shop/token",
        "/token/introspect",
        "/userinfo",
    ] {
        let (status, headers, body) = send(&app, preflight(path, EVIL, "content-type")).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(body["error"], "origin_not_allowed", "{body}");
        assert!(
            headers
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(allow_origin(&headers), None, "{path}");
    }
    // A simple request is not preflighted: it is answered, but without CORS headers, so the
    // browser keeps the answer from the attacker's page.
    let (status, headers, _) = send(&app, token_post("/realms/shop/token", EVIL)).await;
    assert_eq!(status, 400);
    assert_eq!(allow_origin(&headers), None);
    assert!(varies_by_origin(&headers));
    // The SPA's origin belongs to realm shop, not master; the opaque origin to nobody.
    let (status, headers, _) = send(&app, preflight("/realms/master/token", SPA, "")).await;
    assert_eq!((status, allow_origin(&headers)), (403, None));
    let (status, headers, _) = send(&app, preflight("/token", "null", "")).await;
    assert_eq!((status, allow_origin(&headers)), (403, None));
    // Pages that carry the session cookie never answer CORS at all.
    let req = TestRequest::get()
        .uri("/authorize?client_id=spa")
        .insert_header(("origin", SPA));
    let (_, headers, _) = send(&app, req).await;
    assert_eq!(allow_origin(&headers), None);
}

async fn a_confidential_clients_redirect_origin_gains_nothing(fx: Fixture) {
    shop(&fx);
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let origin = "https://backend.example.com";
    let (status, headers, _) = send(&app, preflight("/realms/shop/token", origin, "")).await;
    assert_eq!((status, allow_origin(&headers)), (403, None));
}

async fn the_admin_api_answers_no_origin_unless_configured(mut fx: Fixture) {
    shop(&fx);
    let console = "https://console.example.com";
    {
        let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
        for origin in [SPA, console] {
            let (status, headers, _) =
                send(&app, preflight("/users", origin, "authorization")).await;
            assert_eq!((status, allow_origin(&headers)), (403, None), "{origin}");
        }
    }
    fx.state.cors = Arc::new(CorsSettings {
        policy: CorsPolicy {
            admin: BTreeSet::from([console.to_owned()]),
            public_clients: true,
            ..CorsPolicy::default()
        },
    });
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let (status, headers, _) = send(&app, preflight("/users", console, "authorization")).await;
    assert_eq!((status, allow_origin(&headers)), (200, Some(console)));
    let methods = headers
        .get("access-control-allow-methods")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        methods.contains("DELETE") && methods.contains("PUT"),
        "{methods}"
    );
    let req = TestRequest::get()
        .uri("/users")
        .insert_header(("origin", console));
    let (status, headers, _) = send(&app, req).await;
    assert_eq!((status, allow_origin(&headers)), (401, Some(console)));
    let exposed = headers
        .get("access-control-expose-headers")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(exposed.contains("www-authenticate"), "{exposed}");
    // The console's origin is not a protocol origin, nor is a SPA an admin origin.
    let (status, _, _) = send(&app, preflight("/token", console, "")).await;
    assert_eq!(status, 403);
    let (status, _, _) = send(&app, preflight("/realms/shop/users", SPA, "")).await;
    assert_eq!(status, 403);
}

async fn configured_origins_apply_where_configured(mut fx: Fixture) {
    shop(&fx);
    let portal = "https://portal.example.com";
    let shop_site = "https://shop.example.com";
    fx.state.cors = Arc::new(CorsSettings {
        policy: CorsPolicy {
            everywhere: BTreeSet::from([portal.to_owned()]),
            realms: [("shop".to_owned(), BTreeSet::from([shop_site.to_owned()]))].into(),
            public_clients: false,
            ..CorsPolicy::default()
        },
    });
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let table = [
        ("/realms/master/token", portal, 200),
        ("/realms/shop/token", portal, 200),
        ("/realms/shop/token", shop_site, 200),
        ("/token", shop_site, 200),
        ("/realms/master/token", shop_site, 403),
        // public_clients = false: the SPA's origin is no longer enough.
        ("/realms/shop/token", SPA, 403),
    ];
    for (path, origin, expected) in table {
        let (status, _, _) = send(&app, preflight(path, origin, "")).await;
        assert_eq!(status, expected, "{path} {origin}");
    }
}
