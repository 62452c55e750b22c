//! The kept fuzz corpora of the two targets that reach a store, replayed through the whole app on
//! PostgreSQL (the fuzz targets themselves run over the memory store, which accepts any text):
//! token request bodies to `/token`, admin JSON bodies to every collection with an
//! administrator's token. None may get a 5xx.

use std::path::Path;

use actix_web::test;
use portcullis_server::fuzzing::ADMIN_COLLECTIONS;

use crate::support::{fixture_postgres, form, send};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut found = Vec::new();
    for kind in ["corpus", "regressions"] {
        let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        for entry in dir {
            found.push(std::fs::read(entry.unwrap().path()).unwrap());
        }
    }
    found
}

#[actix_web::test]
async fn the_fuzz_corpora_get_no_5xx_on_postgres() {
    let fx = fixture_postgres();
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    let (_, _, tokens) = send(&app, login).await;
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let mut sent = 0;
    for data in corpus("token_form") {
        let content_type = if data.first() == Some(&b'{') {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let req = test::TestRequest::post()
            .uri("/token")
            .insert_header(("content-type", content_type))
            .set_payload(data.clone());
        let (status, _, body) = send(&app, req).await;
        assert!(
            status < 500,
            "token_form {:?}: {status} {body}",
            String::from_utf8_lossy(&data)
        );
        sent += 1;
    }
    for data in corpus("admin_json") {
        let Some((&pick, body)) = data.split_first() else {
            continue;
        };
        let collection = ADMIN_COLLECTIONS[pick as usize % ADMIN_COLLECTIONS.len()];
        let req = test::TestRequest::post()
            .uri(&format!("/{collection}"))
            .insert_header(("authorization", bearer.clone()))
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_vec());
        let (status, _, answer) = send(&app, req).await;
        assert!(
            status < 500,
            "admin_json /{collection} {:?}: {status} {answer}",
            String::from_utf8_lossy(body)
        );
        sent += 1;
    }
    eprintln!("{sent} corpus inputs replayed on PostgreSQL, no 5xx");
    assert!(sent > 1000);
}
