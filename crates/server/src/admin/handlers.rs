//! The generic handlers every resource shares (list, read, create, update, delete), and
//! [`register`], which routes a resource at the root and, for realm-scoped ones, under
//! `/realms/{realm}`.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::ApiError;
use crate::params::read_body;
use crate::state::AppState;

use super::*;

async fn list<R: Resource>(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let call = Call::of(&state, &req)?;
    let raw_query = req.query_string().to_owned();
    let body = blocking(move || {
        let ctx = call.ctx()?;
        let mut query: ListQuery<ColumnOf<R>> = query::parse(&raw_query)?;
        let permission = format!("{}_read", R::ENTITY);
        let held = ctx.principal.permissions.contains(&permission);
        let owner = R::OWNER_COLUMN.filter(|_| ctx.principal.kind == PrincipalKind::User);
        if let (false, Some(column)) = (held, owner) {
            // Without the permission, a user lists only their own records.
            query = query.and(column, ctx.principal.id);
        } else if !held {
            return Err(ApiError::Forbidden(format!(
                "permission {permission} is required"
            )));
        } else if let Some(column) = R::REALM_COLUMN {
            if let Some(path) = &ctx.path_realm {
                ctx.principal.require(&permission, Some(path.id))?;
                query = query.and(column, path.id);
            } else if !ctx.principal.is_global() {
                query = query.and(column, ctx.principal.realm.id);
            }
        }
        let page = R::records(ctx.store)
            .list_records(&query)
            .map_err(ApiError::admin_store)?;
        let data: Vec<R::View> = page.items.iter().map(R::view).collect();
        Ok(serde_json::json!({
            "data": data,
            "meta": { "limit": query.capped_limit(), "offset": query.offset, "total": page.total },
        }))
    })
    .await?;
    Ok(no_store(HttpResponse::Ok().json(body)))
}

async fn read<R: Resource>(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let call = Call::of(&state, &req)?;
    let body = blocking(move || {
        let ctx = call.ctx()?;
        let model = resolve::<R>(&ctx, call.id.as_deref().unwrap_or_default())?;
        authorize::<R>(&ctx, "read", &model)?;
        view_json::<R>(&Saved::plain(model))
    })
    .await?;
    Ok(no_store(
        HttpResponse::Ok().json(serde_json::json!({ "data": body })),
    ))
}

async fn create<R: Resource>(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let call = Call::of(&state, &req)?;
    let bytes = read_body(&req, payload, state.body_limit).await?;
    let permit = hashing_permit::<R>(&state).await?;
    let body = blocking(move || {
        let mut ctx = call.ctx()?;
        let input: R::Create = parse_body(&bytes)?;
        let saved = R::create(&mut ctx, input)?;
        drop(permit);
        call.audit::<R>(&ctx, "create", &saved.model);
        view_json::<R>(&saved)
    })
    .await?;
    Ok(no_store(
        HttpResponse::Created().json(serde_json::json!({ "data": body })),
    ))
}

async fn update<R: Resource>(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let call = Call::of(&state, &req)?;
    let bytes = read_body(&req, payload, state.body_limit).await?;
    let permit = hashing_permit::<R>(&state).await?;
    let body = blocking(move || {
        let mut ctx = call.ctx()?;
        let current = resolve::<R>(&ctx, call.id.as_deref().unwrap_or_default())?;
        authorize::<R>(&ctx, "update", &current)?;
        let input: R::Update = parse_body(&bytes)?;
        let saved = R::update(&mut ctx, current, input)?;
        drop(permit);
        call.audit::<R>(&ctx, "update", &saved.model);
        view_json::<R>(&saved)
    })
    .await?;
    Ok(no_store(
        HttpResponse::Accepted().json(serde_json::json!({ "data": body })),
    ))
}

async fn delete<R: Resource>(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let call = Call::of(&state, &req)?;
    let body = blocking(move || {
        let mut ctx = call.ctx()?;
        let current = resolve::<R>(&ctx, call.id.as_deref().unwrap_or_default())?;
        authorize::<R>(&ctx, "delete", &current)?;
        R::delete(&mut ctx, &current)?;
        call.audit::<R>(&ctx, "delete", &current);
        view_json::<R>(&Saved::plain(current))
    })
    .await?;
    Ok(no_store(
        HttpResponse::Accepted().json(serde_json::json!({ "data": body })),
    ))
}

fn allow(ops: Ops, item: bool) -> &'static str {
    match (item, ops.create, ops.update, ops.delete) {
        (false, true, _, _) => "GET, POST",
        (false, false, _, _) => "GET",
        (true, _, true, true) => "GET, POST, DELETE",
        (true, _, true, false) => "GET, POST",
        (true, _, false, true) => "GET, DELETE",
        (true, _, false, false) => "GET",
    }
}

/// Registers one resource's routes (and its `/realms/{realm}/...` aliases).
pub fn register<R: Resource>(cfg: &mut web::ServiceConfig) {
    let mut prefixes = vec![String::new()];
    if R::REALM_COLUMN.map(Column::name) == Some("realm_id") {
        prefixes.push("/realms/{realm}".to_owned());
    }
    for prefix in prefixes {
        let collection_allow = allow(R::OPS, false);
        let mut collection = web::resource(format!("{prefix}/{}", R::PATH))
            .route(web::get().to(list::<R>))
            .default_service(web::to(move || async move {
                Err::<HttpResponse, _>(ApiError::MethodNotAllowed(collection_allow))
            }));
        if R::OPS.create {
            collection = collection.route(web::post().to(create::<R>));
        }
        let item_allow = allow(R::OPS, true);
        let mut item = web::resource(format!("{prefix}/{}/{{id}}", R::PATH))
            .route(web::get().to(read::<R>))
            .default_service(web::to(move || async move {
                Err::<HttpResponse, _>(ApiError::MethodNotAllowed(item_allow))
            }));
        if R::OPS.update {
            item = item.route(web::post().to(update::<R>));
        }
        if R::OPS.delete {
            item = item.route(web::delete().to(delete::<R>));
        }
        cfg.service(crate::cors::admin(collection))
            .service(crate::cors::admin(item));
    }
}
