//! OpenID Connect discovery (`/realms/{realm}/.well-known/openid-configuration`) and RFC 8414
//! metadata (`/.well-known/oauth-authorization-server/realms/{realm}`, path insertion); the root
//! `/.well-known/openid-configuration` redirects to the master realm's document.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use oauth_core::grant::MASTER_REALM;
use oauth_core::store::{RealmStore as _, ScopeStore as _};

use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::state::AppState;

pub(super) async fn realm(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let shared = state.into_inner();
    let name = path.into_inner();
    // Served from memory when the realm and its scopes are cached: no thread hop, no database.
    if let Some(Some(realm)) = shared.store.cached_realm_by_name(&name)
        && let Some(scopes) = shared.store.cached_scopes(realm.id)
    {
        let names: Vec<String> = scopes.into_iter().map(|s| s.name).collect();
        return Ok(render(oauth_core::oidc::discovery(
            &shared.settings,
            &realm,
            &names,
        )));
    }
    let document = run_blocking(move || {
        let Some(realm) = shared.store.find_realm_by_name(&name)? else {
            return Ok(None);
        };
        let scopes: Vec<String> = shared
            .store
            .list_scopes(realm.id)?
            .into_iter()
            .map(|s| s.name)
            .collect();
        Ok(Some(oauth_core::oidc::discovery(
            &shared.settings,
            &realm,
            &scopes,
        )))
    })
    .await?;
    document
        .map(render)
        .ok_or(ApiError::NotFound("no such realm"))
}

fn render(document: oauth_core::oidc::ProviderMetadata) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        .json(document)
}

pub(super) async fn root(state: web::Data<AppState>) -> HttpResponse {
    let location = format!(
        "{}/realms/{MASTER_REALM}/.well-known/openid-configuration",
        state.settings.public_url.trim_end_matches('/')
    );
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish()
}
