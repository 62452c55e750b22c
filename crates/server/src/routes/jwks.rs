//! `GET /jwks` (every realm's published keys, as Authup) and `GET /realms/{realm}/jwks`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};

use oauth_core::store::{KeyStore as _, RealmStore as _};

use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::state::AppState;

fn render(keys: &[oauth_core::model::SigningKey]) -> Result<HttpResponse, ApiError> {
    let set = oauth_core::keys::jwks(keys)?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        ))
        .content_type("application/jwk-set+json")
        .json(set))
}

pub(super) async fn all(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(keys) = state.store.cached_signing_keys(None) {
        return render(&keys);
    }
    let store = state.store.clone();
    let keys = run_blocking(move || Ok(store.list_signing_keys(None)?)).await?;
    render(&keys)
}

pub(super) async fn realm(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner();
    // Served from memory when the realm and its keys are cached: no thread hop, no database.
    if let Some(Some(realm)) = state.store.cached_realm_by_name(&name)
        && let Some(keys) = state.store.cached_signing_keys(Some(realm.id))
    {
        return render(&keys);
    }
    let store = state.store.clone();
    let keys = run_blocking(move || match store.find_realm_by_name(&name)? {
        Some(realm) => Ok(Some(store.list_signing_keys(Some(realm.id))?)),
        None => Ok(None),
    })
    .await?;
    match keys {
        Some(keys) => render(&keys),
        None => Err(ApiError::NotFound("no such realm")),
    }
}
