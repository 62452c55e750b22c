//! `GET /jwks` (every realm's published keys, as Authup) and `GET /realms/{realm}/jwks`; one key
//! as a bare JWK at `GET /jwks/{kid}` and `GET /realms/{realm}/jwks/{kid}` (Authup's `getJwk`,
//! which its token verifier calls with the `kid` of a token's header). On these paths the realm
//! is named by its name or its id.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use oauth_core::model::{Realm, SigningKey};
use oauth_core::store::{KeyStore as _, RealmStore as _, StoreResult};
use uuid::Uuid;

use crate::blocking::run_blocking;
use crate::cache::CachedStore;
use crate::error::ApiError;
use crate::state::AppState;

fn cacheable(response: &mut actix_web::HttpResponseBuilder) -> &mut actix_web::HttpResponseBuilder {
    response.insert_header((
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    ))
}

fn render(keys: &[SigningKey]) -> Result<HttpResponse, ApiError> {
    let set = oauth_core::keys::jwks(keys)?;
    Ok(cacheable(&mut HttpResponse::Ok())
        .content_type("application/jwk-set+json")
        .json(set))
}

fn render_one(keys: &[SigningKey], kid: &str) -> Result<HttpResponse, ApiError> {
    match oauth_core::keys::jwk(keys, kid)? {
        Some(jwk) => Ok(cacheable(&mut HttpResponse::Ok())
            .content_type("application/jwk+json")
            .json(jwk)),
        None => Err(ApiError::UnknownKey(kid.to_owned())),
    }
}

/// A realm by id (a UUID) or name.
fn find_realm(
    store: &CachedStore<dyn oauth_core::Store>,
    segment: &str,
) -> StoreResult<Option<Realm>> {
    match Uuid::parse_str(segment) {
        Ok(id) => store.find_realm(id),
        Err(_) => store.find_realm_by_name(segment),
    }
}

/// The published keys of every realm (`None`) or of the named realm; `None` for an unknown realm.
async fn keys_of(
    state: &AppState,
    realm: Option<String>,
) -> Result<Option<Vec<SigningKey>>, ApiError> {
    // Served from memory when the realm and its keys are cached: no thread hop, no database.
    let cached_realm = match realm.as_deref() {
        None => Some(None),
        Some(segment) => match Uuid::parse_str(segment) {
            Ok(id) => state.store.cached_realm(id),
            Err(_) => state.store.cached_realm_by_name(segment),
        }
        .flatten()
        .map(|r| Some(r.id)),
    };
    if let Some(realm_id) = cached_realm
        && let Some(keys) = state.store.cached_signing_keys(realm_id)
    {
        return Ok(Some(keys));
    }
    let store = state.store.clone();
    run_blocking(move || match realm {
        None => Ok(Some(store.list_signing_keys(None)?)),
        Some(segment) => match find_realm(&store, &segment)? {
            Some(realm) => Ok(Some(store.list_signing_keys(Some(realm.id))?)),
            None => Ok(None),
        },
    })
    .await
}

pub(super) async fn all(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = keys_of(&state, None).await?.unwrap_or_default();
    render(&keys)
}

pub(super) async fn realm(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    match keys_of(&state, Some(path.into_inner())).await? {
        Some(keys) => render(&keys),
        None => Err(ApiError::NotFound("no such realm")),
    }
}

pub(super) async fn one(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kid = path.into_inner();
    let keys = keys_of(&state, None).await?.unwrap_or_default();
    render_one(&keys, &kid)
}

pub(super) async fn realm_one(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (realm, kid) = path.into_inner();
    match keys_of(&state, Some(realm)).await? {
        Some(keys) => render_one(&keys, &kid),
        None => Err(ApiError::NotFound("no such realm")),
    }
}
