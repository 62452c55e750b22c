//! The generic handlers every resource shares (list, read, create, update, upsert, delete), and
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
    let compat = state.compat;
    let (shape, raw_query) = shape::split(req.query_string())?;
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
        let data = page
            .items
            .into_iter()
            .map(|model| shape.apply(&ctx, view_json::<R>(&Saved::plain(model))?))
            .collect::<Result<Vec<_>, _>>()?;
        let data = serde_json::Value::Array(data);
        Ok(serde_json::json!({
            "data": wire::render(compat, data),
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
    let (shape, rest) = shape::split(req.query_string())?;
    if let Some((key, _)) = url::form_urlencoded::parse(rest.as_bytes()).next() {
        return Err(ApiError::invalid(
            key,
            "unknown parameter; a single record takes fields and include",
        ));
    }
    let body = blocking(move || {
        let ctx = call.ctx()?;
        let model = resolve::<R>(&ctx, call.id.as_deref().unwrap_or_default())?;
        authorize::<R>(&ctx, "read", &model)?;
        shape.apply(&ctx, view_json::<R>(&Saved::plain(model))?)
    })
    .await?;
    Ok(no_store(
        HttpResponse::Ok().json(wire::single(state.compat, body)),
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
        let input: R::Create = parse_body(&bytes, R::AUTHUP_IGNORED)?;
        let saved = R::create(&mut ctx, input)?;
        drop(permit);
        call.audit::<R>(&ctx, "create", &saved.model);
        view_json::<R>(&saved)
    })
    .await?;
    Ok(no_store(
        HttpResponse::Created().json(wire::single(state.compat, body)),
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
        let input: R::Update = parse_body(&bytes, R::AUTHUP_IGNORED)?;
        let saved = R::update(&mut ctx, current, input)?;
        drop(permit);
        call.audit::<R>(&ctx, "update", &saved.model);
        view_json::<R>(&saved)
    })
    .await?;
    Ok(no_store(
        HttpResponse::Accepted().json(wire::single(state.compat, body)),
    ))
}

/// The record `PUT /x/{id}` addresses, if it exists: by id, or by name in the body's realm
/// (`realmId`), the path's, or the caller's. A record the caller may not see is "absent", and
/// a create never takes its id from the path, so an upsert cannot reach or shadow another
/// realm's record.
fn upsert_target<R: Resource>(
    ctx: &Ctx<'_>,
    raw: &str,
    bytes: &[u8],
) -> Result<Option<R::Model>, ApiError> {
    let body_realm = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| {
            let id = v.get("realmId").or_else(|| v.get("realm_id"))?.as_str()?;
            Uuid::parse_str(id).ok()
        });
    if let (Some(body), Some(path)) = (body_realm, &ctx.path_realm)
        && body != path.id
    {
        return Err(ApiError::invalid(
            "realmId",
            "differs from the realm of the path",
        ));
    }
    let found = match body_realm {
        Some(realm) if Uuid::parse_str(raw).is_err() && raw != "@me" => {
            R::by_name(ctx.store, realm, raw)?
        }
        _ => match resolve::<R>(ctx, raw) {
            Ok(model) => Some(model),
            Err(ApiError::NoRecord(_)) => None,
            Err(e) => return Err(e),
        },
    };
    Ok(found)
}

/// A `PUT` body for an existing record: Authup sends the create body, whose `realmId` an update
/// does not take; it must name the record's realm (else `400`) and is then dropped, as is a
/// `name` equal to the record's.
fn update_body<R: Resource>(bytes: &[u8], current: &R::Model) -> Result<Vec<u8>, ApiError> {
    let Ok(serde_json::Value::Object(mut map)) = serde_json::from_slice(bytes) else {
        return Ok(bytes.to_vec());
    };
    // The create body names the record; an update takes a name only to rename.
    if let Some(serde_json::Value::String(name)) = map.get("name")
        && column_named::<R::Model>("name").and_then(|c| current.value(c))
            == Some(FieldValue::Text(name.clone()))
    {
        map.remove("name");
    }
    for key in ["realmId", "realm_id"] {
        if let Some(given) = map.remove(key) {
            let same = given.as_str().and_then(|v| Uuid::parse_str(v).ok()) == R::realm_of(current);
            if !same {
                return Err(ApiError::invalid(key, "differs from the record's realm"));
            }
        }
    }
    serde_json::to_vec(&map).map_err(|e| ApiError::from(oauth_core::Error::internal(e.to_string())))
}

/// `PUT /x/{id or name}`: updates the record if it exists (`202`), else creates it from the body
/// (`201`), with exactly the checks of `POST /x/{id}` and `POST /x`.
async fn upsert<R: Resource>(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let call = Call::of(&state, &req)?;
    let bytes = read_body(&req, payload, state.body_limit).await?;
    let permit = hashing_permit::<R>(&state).await?;
    let (created, body) = blocking(move || {
        let mut ctx = call.ctx()?;
        let raw = call.id.as_deref().unwrap_or_default();
        let (created, saved) = match upsert_target::<R>(&ctx, raw, &bytes)? {
            Some(current) => {
                authorize::<R>(&ctx, "update", &current)?;
                let input: R::Update =
                    parse_body(&update_body::<R>(&bytes, &current)?, R::AUTHUP_IGNORED)?;
                (false, R::update(&mut ctx, current, input)?)
            }
            None => {
                let input: R::Create = parse_body(&bytes, R::AUTHUP_IGNORED)?;
                (true, R::create(&mut ctx, input)?)
            }
        };
        drop(permit);
        let action = if created { "create" } else { "update" };
        call.audit::<R>(&ctx, action, &saved.model);
        Ok((created, view_json::<R>(&saved)?))
    })
    .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Accepted()
    };
    Ok(no_store(response.json(wire::single(state.compat, body))))
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
        HttpResponse::Accepted().json(wire::single(state.compat, body)),
    ))
}

fn allow(ops: Ops, item: bool) -> &'static str {
    match (item, ops.create, ops.update, ops.delete) {
        (false, true, _, _) => "GET, POST",
        (false, false, _, _) => "GET",
        (true, true, true, true) => "GET, POST, PUT, DELETE",
        (true, true, true, false) => "GET, POST, PUT",
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
        if R::OPS.update && R::OPS.create {
            item = item.route(web::put().to(upsert::<R>));
        }
        if R::OPS.delete {
            item = item.route(web::delete().to(delete::<R>));
        }
        cfg.service(crate::cors::admin(collection))
            .service(crate::cors::admin(item));
    }
}
