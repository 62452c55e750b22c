//! The admin REST API: Authup's management resources over HTTP (DESIGN §3.4).
//!
//! Every resource is one [`Resource`] implementation in `resources/`; the handlers here are
//! written once, generic over it: list (`GET /x`), read (`GET /x/{id}`), create (`POST /x`,
//! `201`), update (`POST /x/{id}`, `202`), delete (`DELETE /x/{id}`, `202`), each also under
//! `/realms/{realm}/x` for realm-scoped resources. Each request authenticates its bearer token,
//! checks `<entity>_<action>` (see [`principal`]), runs on the blocking pool, and records an audit
//! event for every change. Bodies are strict JSON (unknown fields are `400` naming the field);
//! secrets and password hashes have no field in any view.

mod body;
mod handlers;
pub mod openapi;
mod principal;
mod query;
mod resources;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::Store;
use oauth_core::grant::Settings;
use oauth_core::model::{Realm, UnixTime};
use oauth_core::store::records::{Column, FieldValue, ListQuery, Record, Records};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use body::parse_body;
pub use handlers::register;
pub use principal::{Kind as PrincipalKind, Principal};
pub use resources::client::Clients;
pub use resources::register_all;
pub use resources::user::Users;

use crate::audit::AuditEvent;
use crate::blocking::run_blocking;
use crate::error::ApiError;
use crate::state::{AppState, OsEntropy, now};

/// Which writes a resource serves.
#[derive(Debug, Clone, Copy)]
pub struct Ops {
    /// `POST /x`.
    pub create: bool,
    /// `POST /x/{id}`.
    pub update: bool,
    /// `DELETE /x/{id}`.
    pub delete: bool,
}

/// Everything an operation sees.
pub struct Ctx<'a> {
    /// The store (behind the cache, so writes clear it).
    pub store: &'a dyn Store,
    /// Grant settings (the password hasher, the public URL).
    pub settings: &'a Settings,
    /// Shortest password accepted.
    pub password_min_length: usize,
    /// Shortest client secret accepted on create.
    pub client_secret_min_length: usize,
    /// The caller.
    pub principal: Principal,
    /// The realm of a `/realms/{realm}/...` path.
    pub path_realm: Option<Realm>,
    /// Now.
    pub now: UnixTime,
    /// Randomness for ids and secrets.
    pub rng: OsEntropy,
}

impl Ctx<'_> {
    /// The realm a new record goes into (`realmId` of the body, else the path's, else the
    /// caller's), after checking the caller may create `entity` records there.
    pub fn target_realm(&self, body_realm: Option<Uuid>, entity: &str) -> Result<Realm, ApiError> {
        let realm = match (body_realm, &self.path_realm) {
            (Some(id), Some(path)) if id != path.id => {
                return Err(ApiError::invalid(
                    "realmId",
                    "differs from the realm of the path",
                ));
            }
            (Some(id), _) => self
                .store
                .find_realm(id)
                .map_err(ApiError::admin_store)?
                .ok_or_else(|| ApiError::invalid("realmId", "no such realm"))?,
            (None, Some(path)) => path.clone(),
            (None, None) => self.principal.realm.clone(),
        };
        self.principal
            .require(&format!("{entity}_create"), Some(realm.id))?;
        Ok(realm)
    }

    /// A record referenced by a body field, which must exist in `realm_id` (when given).
    pub fn referenced<T: Record>(
        &self,
        records: &dyn Records<T>,
        json_field: &str,
        id: Uuid,
        realm_id: Option<Uuid>,
    ) -> Result<T, ApiError> {
        let found = records.get_record(id).map_err(ApiError::admin_store)?;
        match found {
            Some(record)
                if realm_id.is_none()
                    || realm_column::<T>()
                        .is_none_or(|c| record.value(c) == realm_id.map(FieldValue::Id)) =>
            {
                Ok(record)
            }
            Some(_) => Err(ApiError::invalid(json_field, "belongs to another realm")),
            None => Err(ApiError::invalid(json_field, "no such record")),
        }
    }
}

/// What a create or update produced: the record, and a secret to show once.
pub struct Saved<M> {
    /// The record.
    pub model: M,
    /// A generated client secret, returned in this response only.
    pub secret: Option<String>,
}

impl<M> Saved<M> {
    /// A record without a secret.
    pub fn plain(model: M) -> Self {
        Self {
            model,
            secret: None,
        }
    }
}

/// The column type of resource `R`'s records.
pub type ColumnOf<R> = <<R as Resource>::Model as Record>::Column;

/// The `realm_id` column of `T`, if it has one.
fn realm_column<T: Record>() -> Option<T::Column> {
    T::Column::ALL
        .iter()
        .copied()
        .find(|c| c.name() == "realm_id")
}

/// One admin resource.
pub trait Resource: 'static {
    /// The stored record.
    type Model: Record;
    /// Its JSON view (never a secret).
    type View: Serialize + utoipa::ToSchema;
    /// Body of `POST /x`.
    type Create: DeserializeOwned + utoipa::ToSchema + Send + 'static;
    /// Body of `POST /x/{id}`.
    type Update: DeserializeOwned + utoipa::ToSchema + Send + 'static;
    /// Path segment (`users`).
    const PATH: &'static str;
    /// Permission entity (`user` → `user_read`, ...).
    const ENTITY: &'static str;
    /// The column holding the realm of a record (`realm_id`; `id` for realms), if any. Lists
    /// filter and sort by the columns the record type declares filterable and sortable
    /// (`oauth_core::model::*Column`).
    const REALM_COLUMN: Option<ColumnOf<Self>>;
    /// Writes served.
    const OPS: Ops;
    /// The column naming a record's owning user, for resources a user may list (only their own
    /// records) without the read permission.
    const OWNER_COLUMN: Option<ColumnOf<Self>> = None;

    /// The store's records of this type.
    fn records(store: &dyn Store) -> &dyn Records<Self::Model>;
    /// The realm of a record (`None`: a record of no realm).
    fn realm_of(model: &Self::Model) -> Option<Uuid>;
    /// The JSON view.
    fn view(model: &Self::Model) -> Self::View;
    /// Finds a record by its unique name in `realm_id`, for resources addressable by name.
    fn by_name(
        _store: &dyn Store,
        _realm_id: Uuid,
        _name: &str,
    ) -> Result<Option<Self::Model>, ApiError> {
        Ok(None)
    }
    /// Creates a record (the caller's permission is checked here, where the realm is known).
    fn create(_ctx: &mut Ctx<'_>, _body: Self::Create) -> Result<Saved<Self::Model>, ApiError> {
        Err(ApiError::MethodNotAllowed("GET"))
    }
    /// Updates a record (the caller may update it: checked before).
    fn update(
        _ctx: &mut Ctx<'_>,
        _current: Self::Model,
        _body: Self::Update,
    ) -> Result<Saved<Self::Model>, ApiError> {
        Err(ApiError::MethodNotAllowed("GET"))
    }
    /// Deletes a record (the caller may delete it: checked before). Built-in records refuse.
    fn delete(ctx: &mut Ctx<'_>, current: &Self::Model) -> Result<(), ApiError> {
        Self::records(ctx.store)
            .delete_record(current.id())
            .map_err(ApiError::admin_store)?;
        Ok(())
    }
    /// Whether the caller may read and update this record without a permission (`/users/@me`).
    fn is_self(_principal: &Principal, _model: &Self::Model) -> bool {
        false
    }
    /// Whether the caller may also delete records [`is_self`](Self::is_self) accepts.
    const SELF_DELETE: bool = false;
    /// Whether writes may hash with Argon2: each then waits for a hashing permit, like a login,
    /// so admin calls cannot exhaust the cores or memory.
    const HASHES: bool = false;
}

/// A hashing permit for a write of `R` that may hash, held until the write is done.
async fn hashing_permit<R: Resource>(
    state: &AppState,
) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, ApiError> {
    if !R::HASHES {
        return Ok(None);
    }
    let permit = state.hashing.clone().acquire_owned().await;
    permit.map(Some).map_err(|_| ApiError::Unavailable)
}

/// Creates a record as the command-line operator, through the same validation and code as
/// `POST /realms/{realm}/x`; answers the JSON view (with a generated secret, if any).
pub fn create_as_operator<R: Resource>(
    store: &dyn Store,
    settings: &Settings,
    limits: &crate::config::AdminConfig,
    realm: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    let path_realm = store
        .find_realm_by_name(realm)
        .map_err(ApiError::admin_store)?
        .ok_or_else(|| ApiError::NoRecord(format!("realm {realm:?} does not exist")))?;
    let mut ctx = Ctx {
        store,
        settings,
        password_min_length: limits.password_min_length,
        client_secret_min_length: limits.client_secret_min_length,
        principal: principal::operator(store)?,
        path_realm: Some(path_realm),
        now: now(),
        rng: OsEntropy,
    };
    let input: R::Create = parse_body(body.to_string().as_bytes())?;
    let saved = R::create(&mut ctx, input)?;
    view_json::<R>(&saved)
}

/// Runs an admin operation on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    run_blocking(move || Ok(f())).await?
}

/// The request's parts an operation needs, taken before going to the blocking pool.
struct Call {
    state: AppState,
    token: String,
    path_realm: Option<String>,
    id: Option<String>,
    ip: Option<String>,
}

impl Call {
    fn of(state: &web::Data<AppState>, req: &HttpRequest) -> Result<Self, ApiError> {
        Ok(Self {
            state: state.get_ref().clone(),
            token: principal::bearer_of(req)?,
            path_realm: req.match_info().get("realm").map(str::to_owned),
            id: req.match_info().get("id").map(str::to_owned),
            ip: state.limits.client_ip(req).map(|ip| ip.to_string()),
        })
    }

    fn ctx(&self) -> Result<Ctx<'_>, ApiError> {
        let store: &dyn Store = &*self.state.store;
        let now = self.state.clock.now();
        let principal = principal::authenticate(store, &self.state.settings, &self.token, now)?;
        self.state
            .limits
            .check_principal(principal.kind.as_str(), principal.id)?;
        let path_realm = match &self.path_realm {
            None => None,
            Some(raw) => {
                let realm = match Uuid::parse_str(raw) {
                    Ok(id) => store.find_realm(id),
                    Err(_) => store.find_realm_by_name(raw),
                }
                .map_err(ApiError::admin_store)?
                .ok_or_else(|| ApiError::NoRecord(format!("realm {raw:?} does not exist")))?;
                Some(realm)
            }
        };
        Ok(Ctx {
            store,
            settings: &self.state.settings,
            password_min_length: self.state.password_min_length,
            client_secret_min_length: self.state.client_secret_min_length,
            principal,
            path_realm,
            now,
            rng: OsEntropy,
        })
    }

    fn audit<R: Resource>(&self, ctx: &Ctx<'_>, action: &str, model: &R::Model) {
        self.state.audit.record(AuditEvent {
            realm_id: R::realm_of(model).or(Some(ctx.principal.realm.id)),
            name: format!("{}_{action}", R::ENTITY),
            success: true,
            actor_type: Some(ctx.principal.kind.as_str()),
            actor_id: Some(ctx.principal.id.to_string()),
            target_type: Some(R::ENTITY),
            target_id: Some(model.id().to_string()),
            ip: self.ip.clone(),
            detail: None,
            at: ctx.now,
        });
    }
}

/// The record named in the path: a UUID, `@me` on users, or a unique name in the path's (or the
/// caller's) realm.
fn resolve<R: Resource>(ctx: &Ctx<'_>, raw: &str) -> Result<R::Model, ApiError> {
    let records = R::records(ctx.store);
    let found = if raw == "@me" && R::PATH == "users" {
        if ctx.principal.kind != PrincipalKind::User {
            return Err(ApiError::NoRecord(
                "@me names a user; this token is a client's".into(),
            ));
        }
        records.get_record(ctx.principal.id)
    } else if let Ok(id) = Uuid::parse_str(raw) {
        records.get_record(id)
    } else {
        let realm = ctx.path_realm.as_ref().unwrap_or(&ctx.principal.realm);
        return R::by_name(ctx.store, realm.id, raw)?
            .ok_or_else(|| ApiError::NoRecord(format!("no {} named {raw:?}", R::ENTITY)));
    }
    .map_err(ApiError::admin_store)?;
    let model =
        found.ok_or_else(|| ApiError::NoRecord(format!("no {} with id {raw}", R::ENTITY)))?;
    if let (Some(path), Some(realm)) = (&ctx.path_realm, R::realm_of(&model))
        && path.id != realm
    {
        return Err(ApiError::NoRecord(format!(
            "no {} {raw} in realm {}",
            R::ENTITY,
            path.name
        )));
    }
    Ok(model)
}

/// Checks `<entity>_<action>` on a record; reading a record of no realm needs only the permission.
fn authorize<R: Resource>(ctx: &Ctx<'_>, action: &str, model: &R::Model) -> Result<(), ApiError> {
    let own = matches!(action, "read" | "update") || (action == "delete" && R::SELF_DELETE);
    if own && R::is_self(&ctx.principal, model) {
        return Ok(());
    }
    let permission = format!("{}_{action}", R::ENTITY);
    let realm = R::realm_of(model);
    if action == "read" && realm.is_none() && ctx.principal.permissions.contains(&permission) {
        return Ok(());
    }
    ctx.principal.require(&permission, realm)
}

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn view_json<R: Resource>(saved: &Saved<R::Model>) -> Result<serde_json::Value, ApiError> {
    let mut value = serde_json::to_value(R::view(&saved.model))
        .map_err(|e| ApiError::from(oauth_core::Error::internal(e.to_string())))?;
    if let (Some(secret), Some(object)) = (&saved.secret, value.as_object_mut()) {
        object.insert("secret".to_owned(), secret.clone().into());
    }
    Ok(value)
}
