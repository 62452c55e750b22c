//! [`Api`], the in-process test client (crates.io's `TestApp` is the model): one app per test,
//! requests written as `api.get(path)` or `api.post_json(path, &body)`, a bearer token carried by
//! the client (`api.with_token(..)`, `api.admin()`), and every answer a [`Response`] with named
//! fields. Requests go through [`send`](super::send), so every body is checked for leaked secrets;
//! the client also keeps every body it saw, for a test's own checks ([`Api::seen`]).

use std::cell::RefCell;
use std::rc::Rc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use serde_json::Value;

use super::{Fixture, basic, form, send};

/// One answer of the server.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body as JSON; `Null` when it is not JSON.
    pub json: Value,
}

impl Response {
    /// `data.id` of the record an admin endpoint answered with.
    pub fn id(&self) -> String {
        self.json["data"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no data.id in {}: {}", self.status, self.json))
            .to_owned()
    }

    /// The `field` an error body names.
    pub fn field(&self) -> Option<&str> {
        self.json["field"].as_str()
    }

    /// `meta.total` of a list.
    pub fn total(&self) -> u64 {
        self.json["meta"]["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no meta.total in {}: {}", self.status, self.json))
    }

    /// The `name`s of a list's records, in order.
    pub fn names(&self) -> Vec<String> {
        self.json["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["name"].as_str().map(str::to_owned))
            .collect()
    }
}

/// An in-process app: anything actix's test service can call (so helpers can take
/// `&Api<impl App>` without spelling out actix's service bounds).
pub trait App {
    /// Sends `req` through [`send`].
    fn send(&self, req: TestRequest) -> impl Future<Output = (u16, HeaderMap, Value)>;
}

impl<S, B> App for S
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    async fn send(&self, req: TestRequest) -> (u16, HeaderMap, Value) {
        send(self, req).await
    }
}

/// The in-process app of a [`Fixture`], with the bearer token its requests carry.
pub struct Api<S> {
    app: Rc<S>,
    token: Option<String>,
    seen: Rc<RefCell<Vec<String>>>,
}

impl Fixture {
    /// A client of a fresh app over this fixture's state, carrying no token.
    pub async fn api(&self) -> Api<impl App> {
        let app = test::init_service(portcullis_server::app(self.state.clone())).await;
        Api {
            app: Rc::new(app),
            token: None,
            seen: Rc::default(),
        }
    }
}

impl<S: App> Api<S> {
    /// The same app, its requests carrying `Authorization: Bearer <token>`.
    pub fn with_token(&self, token: &str) -> Self {
        Self {
            app: self.app.clone(),
            token: Some(token.to_owned()),
            seen: self.seen.clone(),
        }
    }

    /// The same app, its requests carrying no token.
    pub fn anonymous(&self) -> Self {
        Self {
            app: self.app.clone(),
            token: None,
            seen: self.seen.clone(),
        }
    }

    /// The same app as the bootstrap admin of realm `master`.
    pub async fn admin(&self) -> Self {
        let token = self.login("master", "admin", "start123").await;
        self.with_token(&token)
    }

    /// Every response body this client (and those made from it) has seen.
    pub fn seen(&self) -> Vec<String> {
        self.seen.borrow().clone()
    }

    /// Sends `req`, with this client's token unless it already carries one.
    pub async fn request(&self, mut req: TestRequest) -> Response {
        if let Some(token) = &self.token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        let (status, headers, json) = self.app.send(req).await;
        self.seen.borrow_mut().push(json.to_string());
        Response {
            status,
            headers,
            json,
        }
    }

    pub async fn get(&self, path: impl AsRef<str>) -> Response {
        self.request(TestRequest::get().uri(path.as_ref())).await
    }

    /// A POST without a body.
    pub async fn post(&self, path: impl AsRef<str>) -> Response {
        self.request(TestRequest::post().uri(path.as_ref())).await
    }

    pub async fn post_json(&self, path: impl AsRef<str>, body: &impl serde::Serialize) -> Response {
        self.request(TestRequest::post().uri(path.as_ref()).set_json(body))
            .await
    }

    pub async fn delete(&self, path: impl AsRef<str>) -> Response {
        self.request(TestRequest::delete().uri(path.as_ref())).await
    }

    /// A token request to realm `realm`'s token endpoint (form-encoded, no client authentication
    /// unless `pairs` carries it).
    pub async fn token(&self, realm: &str, pairs: &[(&str, &str)]) -> Response {
        let req = form(pairs).uri(&format!("/realms/{realm}/token"));
        self.anonymous().request(req).await
    }

    /// The password grant for `user` of `realm`; answers the access token (and fails the test
    /// unless it is granted).
    pub async fn login(&self, realm: &str, user: &str, password: &str) -> String {
        let answer = self
            .token(
                realm,
                &[
                    ("grant_type", "password"),
                    ("username", user),
                    ("password", password),
                ],
            )
            .await;
        assert_eq!(answer.status, 200, "login {user}@{realm}: {}", answer.json);
        answer.json["access_token"].as_str().unwrap().to_owned()
    }

    /// The client credentials grant for client `id` of `realm`, authenticated with HTTP Basic.
    pub async fn client_token(&self, realm: &str, id: &str, secret: &str) -> Response {
        let req = form(&[("grant_type", "client_credentials")])
            .uri(&format!("/realms/{realm}/token"))
            .insert_header(("authorization", basic(id, secret)));
        self.anonymous().request(req).await
    }
}
