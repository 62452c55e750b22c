//! HTTP routes. Handlers are thin: decode, read the clock, run the core on the blocking pool,
//! render.

mod authorize;
mod discovery;
mod health;
mod jwks;
mod logout;
mod revocation;
mod token;
mod userinfo;

use actix_web::web;

use crate::error::ApiError;

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/token")
            .route(web::post().to(token::token))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/realms/{realm}/token")
            .route(web::post().to(token::token))
            .default_service(web::to(method_not_allowed)),
    )
    .route("/authorize", web::get().to(authorize::authorize_get))
    .route("/authorize", web::post().to(authorize::authorize_post))
    .service(
        web::resource("/authorize/login")
            .route(web::post().to(authorize::login_post))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/authorize/consent")
            .route(web::post().to(authorize::consent_post))
            .default_service(web::to(method_not_allowed)),
    )
    .route(
        "/realms/{realm}/authorize",
        web::get().to(authorize::authorize_get),
    )
    .route(
        "/realms/{realm}/authorize",
        web::post().to(authorize::authorize_post),
    )
    .service(
        web::resource("/realms/{realm}/authorize/login")
            .route(web::post().to(authorize::login_post))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/realms/{realm}/authorize/consent")
            .route(web::post().to(authorize::consent_post))
            .default_service(web::to(method_not_allowed)),
    )
    .route(
        "/.well-known/openid-configuration",
        web::get().to(discovery::root),
    )
    .route(
        "/realms/{realm}/.well-known/openid-configuration",
        web::get().to(discovery::realm),
    )
    .route(
        "/.well-known/oauth-authorization-server/realms/{realm}",
        web::get().to(discovery::realm),
    )
    .service(
        web::resource("/token/introspect")
            .route(web::post().to(revocation::introspect))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/token/revoke")
            .route(web::post().to(revocation::revoke))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/realms/{realm}/token/introspect")
            .route(web::post().to(revocation::introspect))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/realms/{realm}/token/revoke")
            .route(web::post().to(revocation::revoke))
            .default_service(web::to(method_not_allowed)),
    )
    .route("/logout", web::get().to(logout::logout_get))
    .route("/logout", web::post().to(logout::logout_post))
    .route("/realms/{realm}/logout", web::get().to(logout::logout_get))
    .route(
        "/realms/{realm}/logout",
        web::post().to(logout::logout_post),
    )
    .route("/userinfo", web::get().to(userinfo::userinfo))
    .route("/userinfo", web::post().to(userinfo::userinfo))
    .route(
        "/realms/{realm}/userinfo",
        web::get().to(userinfo::userinfo),
    )
    .route(
        "/realms/{realm}/userinfo",
        web::post().to(userinfo::userinfo),
    )
    .route("/jwks", web::get().to(jwks::all))
    .route("/realms/{realm}/jwks", web::get().to(jwks::realm))
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

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such endpoint"))
}

async fn method_not_allowed() -> actix_web::HttpResponse {
    actix_web::HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, "POST"))
        .json(serde_json::json!({
            "error": "invalid_request",
            "error_description": "this endpoint accepts POST only",
        }))
}
