//! rapiq's `include=` relations: the record a `...Id` field of a view names, embedded beside it
//! (`include=realm` adds `realm` next to `realmId`), if the caller may read it (else `null`).

use serde_json::Value;
use uuid::Uuid;

use super::client::Clients;
use super::named::{Roles, Scopes};
use super::permission::Permissions;
use super::realm::Realms;
use super::user::Users;
use crate::admin::{Ctx, Resource, Saved, authorize, view_json};
use crate::error::ApiError;

/// The relations `include=` may name.
pub const RELATIONS: &[&str] = &["realm", "user", "client", "role", "scope", "permission"];

fn fetch<R: Resource>(ctx: &Ctx<'_>, id: Uuid) -> Result<Value, ApiError> {
    let found = R::records(ctx.store)
        .get_record(id)
        .map_err(ApiError::admin_store)?;
    match found {
        Some(model) if authorize::<R>(ctx, "read", &model).is_ok() => {
            view_json::<R>(&Saved::plain(model))
        }
        _ => Ok(Value::Null),
    }
}

/// The view of the `relation` record with `id`, or `null` when absent or unreadable.
pub fn related(ctx: &Ctx<'_>, relation: &str, id: Uuid) -> Result<Value, ApiError> {
    match relation {
        "realm" => fetch::<Realms>(ctx, id),
        "user" => fetch::<Users>(ctx, id),
        "client" => fetch::<Clients>(ctx, id),
        "role" => fetch::<Roles>(ctx, id),
        "scope" => fetch::<Scopes>(ctx, id),
        "permission" => fetch::<Permissions>(ctx, id),
        _ => Err(ApiError::invalid(
            "include",
            format!(
                "cannot include {relation:?}; allowed: {}",
                RELATIONS.join(", ")
            ),
        )),
    }
}
