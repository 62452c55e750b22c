//! The admin resources, one file each, and the list that registers them (and documents them in
//! the OpenAPI document).

mod assignment;
pub(crate) mod client;
mod client_secret;
mod consent;
mod event;
pub(crate) mod include;
mod key;
mod named;
mod permission;
mod realm;
mod session;
pub(crate) mod user;
mod validate;

use actix_web::web;

use super::openapi::Document;
use super::register;

/// Calls `$m!(Resource)` for every resource, in documentation order.
macro_rules! each_resource {
    ($m:ident) => {
        $m!(realm::Realms);
        $m!(user::Users);
        $m!(client::Clients);
        $m!(named::Roles);
        $m!(permission::Permissions);
        $m!(named::Scopes);
        $m!(assignment::ClientScopes);
        $m!(assignment::UserRoles);
        $m!(assignment::RolePermissions);
        $m!(assignment::UserPermissions);
        $m!(assignment::ClientPermissions);
        $m!(key::Keys);
        $m!(session::Sessions);
        $m!(consent::Consents);
        $m!(event::Events);
    };
}

/// Registers every admin route.
pub fn register_all(cfg: &mut web::ServiceConfig) {
    client_secret::register_secret_route(cfg);
    user::register_revoke_route(cfg);
    macro_rules! reg {
        ($r:ty) => {
            register::<$r>(cfg)
        };
    }
    each_resource!(reg);
}

/// Adds every resource to the OpenAPI document.
pub fn document_all(doc: &mut Document) {
    macro_rules! doc {
        ($r:ty) => {
            doc.resource::<$r>()
        };
    }
    each_resource!(doc);
    client_secret::document_secret_route(doc);
    user::document_revoke_route(doc);
}
