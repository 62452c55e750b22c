//! `POST /clients/{id}/secret` (and its realm alias): a new secret for a confidential client,
//! ending what the old one obtained.

use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::authority::Subject;
use oauth_core::hash::TokenHash;
use oauth_core::random::random_token;
use oauth_core::revocation;

use crate::admin::openapi::Document;
use crate::admin::{Call, Resource, Saved, authorize, blocking, no_store, resolve, view_json};
use crate::error::ApiError;
use crate::state::AppState;

use super::client::{Clients, end_grants, revoke_secret_grant};

/// `POST /clients/{id}/secret`: a new secret for a confidential client (the old one stops
/// working at once); needs `client_update`.
async fn regenerate_secret(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let call = Call::of(&state, &req)?;
    let body = blocking(move || {
        let mut ctx = call.ctx()?;
        let mut client = resolve::<Clients>(&ctx, call.id.as_deref().unwrap_or_default())?;
        authorize::<Clients>(&ctx, "update", &client)?;
        ctx.principal
            .contain(ctx.store, Subject::Client(client.id))?;
        if !client.is_confidential() {
            return Err(ApiError::invalid(
                "authMethod",
                "a public client has no secret",
            ));
        }
        let old_grant = revocation::client_grant_id(&client);
        let value = random_token(&mut ctx.rng);
        client.secret_hash = Some(TokenHash::of(&value));
        client.updated_at = ctx.now;
        revoke_secret_grant(&ctx, old_grant)?;
        Clients::records(ctx.store)
            .update_record(&client)
            .map_err(ApiError::admin_store)?;
        end_grants(&ctx, &client)?;
        call.audit::<Clients>(&ctx, "update", &client);
        view_json::<Clients>(&Saved {
            model: client,
            secret: Some(value),
        })
    })
    .await?;
    Ok(no_store(
        HttpResponse::Accepted().json(crate::admin::wire::single(state.compat, body)),
    ))
}

/// Registers `POST /clients/{id}/secret` (and its realm alias).
pub fn register_secret_route(cfg: &mut web::ServiceConfig) {
    for path in [
        "/clients/{id}/secret",
        "/realms/{realm}/clients/{id}/secret",
    ] {
        cfg.service(crate::cors::admin(
            web::resource(path)
                .route(web::post().to(regenerate_secret))
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(ApiError::MethodNotAllowed("POST"))
                })),
        ));
    }
}

/// Documents `POST /clients/{id}/secret`.
pub fn document_secret_route(doc: &mut Document) {
    doc.action::<Clients>(
        "/clients/{id}/secret",
        "Replace a confidential client's secret; the new one is in this response only",
    );
}
