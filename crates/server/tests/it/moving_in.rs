//! Moving in from Authup: a client keeps the secret it brings (long enough); a user whose stored
//! hash is Authup's bcrypt logs in with the password
//! grant, and the hash is Argon2id afterwards; a wrong password fails and changes nothing. On
//! SQLite and PostgreSQL.

use actix_web::test;
use oauth_core::model::User;
use oauth_core::secret::PasswordHash;

use crate::support::{Fixture, form, now, send};

/// A user `carol` in master whose hash is bcrypt (cost 4, as Authup stores `$2b$`/`$2y$`).
fn bcrypt_user(fx: &Fixture, password: &str) -> User {
    let realm = fx.store.find_realm_by_name("master").unwrap().unwrap();
    let user = User {
        id: uuid::Uuid::from_u128(0x6361_726f_6c00_4000_8000_0000_0000_0001),
        realm_id: realm.id,
        name: "carol".into(),
        display_name: None,
        first_name: None,
        last_name: None,
        email: None,
        email_verified: false,
        password_hash: Some(PasswordHash::new(bcrypt::hash(password, 4).unwrap())),
        active: true,
        created_at: now(),
        updated_at: now(),
    };
    fx.store.create_user(&user).unwrap();
    user
}

fn stored_hash(fx: &Fixture, user: &User) -> String {
    let found = fx.store.find_user(user.id).unwrap().unwrap();
    found.password_hash.unwrap().secret().to_owned()
}

async fn a_bcrypt_user_logs_in_and_is_rehashed_to_argon2id(fx: Fixture) {
    let user = bcrypt_user(&fx, "moving-in-from-authup");
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let login = |password: &str| {
        form(&[
            ("grant_type", "password"),
            ("username", "carol"),
            ("password", password),
        ])
    };
    let (status, _, body) = send(&app, login("not-the-password")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert!(
        stored_hash(&fx, &user).starts_with("$2b$"),
        "a failure changes nothing"
    );

    let (status, _, body) = send(&app, login("moving-in-from-authup")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string());
    let rehashed = stored_hash(&fx, &user);
    assert!(rehashed.starts_with("$argon2id$"), "{rehashed}");

    // The new hash verifies the same password, and only it.
    let (status, _, _) = send(&app, login("moving-in-from-authup")).await;
    assert_eq!(status, 200);
    let (status, _, _) = send(&app, login("not-the-password")).await;
    assert_eq!(status, 400);
}

crate::support::both_backends!(a_bcrypt_user_logs_in_and_is_rehashed_to_argon2id);

/// An admin's bearer header.
async fn admin_bearer<S, B>(app: &S) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let login = form(&[
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "start123"),
    ]);
    let (_, _, tokens) = send(app, login).await;
    format!("Bearer {}", tokens["access_token"].as_str().unwrap())
}

async fn a_client_keeps_the_secret_it_moves_in_with(fx: Fixture) {
    let app = test::init_service(portcullis_server::app(fx.state.clone())).await;
    let admin = admin_bearer(&app).await;
    let create = |body: serde_json::Value| {
        test::TestRequest::post()
            .uri("/clients")
            .insert_header(("authorization", admin.as_str()))
            .set_json(body)
    };
    let secret = "authup-secret-0123456789";
    let (status, _, body) = send(
        &app,
        create(serde_json::json!({"name": "mover", "secret": secret})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["data"]["secret"].is_null(), "never echoed: {body}");
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    let token = form(&[("grant_type", "client_credentials")])
        .insert_header(("authorization", crate::support::basic(&id, secret)));
    let (status, _, body) = send(&app, token).await;
    assert_eq!(status, 200, "{body}");
    let wrong = form(&[("grant_type", "client_credentials")]).insert_header((
        "authorization",
        crate::support::basic(&id, "authup-secret-0123456780"),
    ));
    assert_eq!(send(&app, wrong).await.0, 401);

    let table = [
        (
            serde_json::json!({"name": "short", "secret": "fifteen-chars!!"}),
            "must be at least 16 characters (omit it to have one generated)",
        ),
        (
            serde_json::json!({"name": "spa", "authMethod": "none", "secret": secret}),
            "a public client (authMethod none) has no secret",
        ),
    ];
    for (input, message) in table {
        let (status, _, body) = send(&app, create(input)).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["field"], "secret", "{body}");
        assert_eq!(body["error_description"], message, "{body}");
    }
}

crate::support::both_backends!(a_client_keeps_the_secret_it_moves_in_with);
