//! HTTP routes. Handlers are thin: decode, read the clock, run the core on the blocking pool,
//! render.

mod authorize;
mod discovery;
mod health;
mod jwks;
mod logout;
mod revocation;
mod status;
mod token;
mod userinfo;

use actix_web::web;

use crate::cors;
use crate::error::ApiError;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // The protocol endpoints, written once: at the root (the master realm, Authup's paths) and
    // under `/realms/{realm}`.
    for prefix in ["", "/realms/{realm}"] {
        // Called from browsers on other origins too (a single-page app, Authup's console):
        // CORS as `cors.rs` decides.
        cfg.service(cors::protocol(post_only(
            format!("{prefix}/token"),
            token::token,
        )))
        .service(cors::protocol(post_only(
            format!("{prefix}/token/introspect"),
            revocation::introspect,
        )))
        .service(cors::protocol(post_only(
            format!("{prefix}/token/revoke"),
            revocation::revoke,
        )))
        .service(cors::protocol(
            web::resource(format!("{prefix}/userinfo"))
                .route(web::get().to(userinfo::userinfo))
                .route(web::post().to(userinfo::userinfo)),
        ))
        // Browser navigations carrying the session cookie: never CORS.
        .service(
            web::resource(format!("{prefix}/authorize"))
                .route(web::get().to(authorize::authorize_get))
                .route(web::post().to(authorize::authorize_post)),
        )
        .service(post_only(
            format!("{prefix}/authorize/login"),
            authorize::login_post,
        ))
        .service(post_only(
            format!("{prefix}/authorize/consent"),
            authorize::consent_post,
        ))
        .service(
            web::resource(format!("{prefix}/logout"))
                .route(web::get().to(logout::logout_get))
                .route(web::post().to(logout::logout_post)),
        );
    }
    cfg.service(cors::protocol(
        web::resource("/.well-known/openid-configuration").route(web::get().to(discovery::root)),
    ))
    .service(cors::protocol(
        web::resource("/realms/{realm}/.well-known/openid-configuration")
            .route(web::get().to(discovery::realm)),
    ))
    .service(cors::protocol(
        web::resource("/.well-known/oauth-authorization-server/realms/{realm}")
            .route(web::get().to(discovery::realm)),
    ))
    .service(cors::protocol(
        web::resource("/jwks").route(web::get().to(jwks::all)),
    ))
    .service(cors::protocol(
        web::resource("/realms/{realm}/jwks").route(web::get().to(jwks::realm)),
    ))
    .service(cors::protocol(
        web::resource("/jwks/{kid}").route(web::get().to(jwks::one)),
    ))
    .service(cors::protocol(
        web::resource("/realms/{realm}/jwks/{kid}").route(web::get().to(jwks::realm_one)),
    ))
    .route("/", web::get().to(status::status))
    .route("/health/live", web::get().to(health::live))
    .route("/health/ready", web::get().to(health::ready))
    .route("/metrics", web::get().to(health::metrics))
    .route(
        "/openapi.json",
        web::get().to(crate::admin::openapi::openapi_json),
    )
    .route("/docs", web::get().to(crate::admin::openapi::docs))
    .configure(crate::admin::register_all)
    .default_service(web::to(not_found));
}

/// A resource that answers POST with `handler` and any other method with `405`.
fn post_only<F, Args>(path: String, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::post().to(handler))
        .default_service(web::to(method_not_allowed))
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such endpoint"))
}

async fn method_not_allowed() -> actix_web::HttpResponse {
    let status = actix_web::http::StatusCode::METHOD_NOT_ALLOWED;
    actix_web::HttpResponse::build(status)
        .insert_header((actix_web::http::header::ALLOW, "POST"))
        .json(crate::error::ErrorBody::new(
            status,
            "invalid_request",
            "this endpoint accepts POST only",
        ))
}
