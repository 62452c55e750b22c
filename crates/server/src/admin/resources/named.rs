//! `/roles` and `/scopes`: records of a realm with a unique name, a description and a built-in
//! flag, written once as a macro. Built-in records (the `admin` and `realm_admin` roles, the five
//! built-in scopes) cannot be deleted or renamed.

use oauth_core::Store;
use oauth_core::model::{
    ClientScope, ClientScopeColumn, Permission, Role, RoleColumn, RolePermission,
    RolePermissionColumn, ScopeColumn, ScopeRecord,
};
use oauth_core::random::random_uuid;
use oauth_core::scope::Scope;
use oauth_core::store::records::{ListQuery, Records, list_all};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::validate;
use crate::admin::{ColumnOf, Ctx, Ops, Resource, Saved};
use crate::error::ApiError;

fn role_name(name: &str) -> Result<(), ApiError> {
    validate::name("name", name)
}

fn scope_name(name: &str) -> Result<(), ApiError> {
    validate::name("name", name)?;
    match Scope::parse(name) {
        Ok(scope) if scope.iter().count() == 1 => Ok(()),
        _ => Err(ApiError::invalid(
            "name",
            "must be one scope token (RFC 6749 §3.3)",
        )),
    }
}

fn find_role(store: &dyn Store, realm_id: Uuid, name: &str) -> Result<Option<Role>, ApiError> {
    store
        .find_role_by_name(realm_id, name)
        .map_err(ApiError::admin_store)
}

fn find_scope(
    store: &dyn Store,
    realm_id: Uuid,
    name: &str,
) -> Result<Option<ScopeRecord>, ApiError> {
    let scopes = store.list_scopes(realm_id).map_err(ApiError::admin_store)?;
    Ok(scopes.into_iter().find(|s| s.name == name))
}

macro_rules! named_resource {
    ($resource:ident, $model:ident, $column:ident, $path:literal, $entity:literal, $view:ident, $create:ident,
     $update:ident, $check:ident, $find:ident, $what:literal) => {
        #[doc = concat!("A ", $what, ".")]
        #[derive(Debug, Serialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $view {
            id: Uuid,
            name: String,
            description: Option<String>,
            realm_id: Uuid,
            built_in: bool,
        }

        #[doc = concat!("A ", $what, " to create.")]
        #[derive(Debug, Deserialize, ToSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $create {
            name: String,
            description: Option<String>,
            realm_id: Option<Uuid>,
        }

        #[doc = concat!("Changes to a ", $what, ".")]
        #[derive(Debug, Deserialize, ToSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $update {
            name: Option<String>,
            #[serde(default, deserialize_with = "validate::nullable")]
            #[schema(value_type = Option<String>)]
            description: Option<Option<String>>,
        }

        #[doc = concat!("The `/", $path, "` resource.")]
        pub struct $resource;

        impl Resource for $resource {
            type Model = $model;
            type View = $view;
            type Create = $create;
            type Update = $update;
            const PATH: &'static str = $path;
            const ENTITY: &'static str = $entity;
            const REALM_COLUMN: Option<ColumnOf<Self>> = Some(<$column>::RealmId);
            const OPS: Ops = Ops {
                create: true,
                update: true,
                delete: true,
            };

            fn records(store: &dyn Store) -> &dyn Records<$model> {
                store
            }
            fn realm_of(model: &$model) -> Option<Uuid> {
                Some(model.realm_id)
            }
            fn view(r: &$model) -> $view {
                $view {
                    id: r.id,
                    name: r.name.clone(),
                    description: r.description.clone(),
                    realm_id: r.realm_id,
                    built_in: r.built_in,
                }
            }
            fn by_name(
                store: &dyn Store,
                realm_id: Uuid,
                name: &str,
            ) -> Result<Option<$model>, ApiError> {
                $find(store, realm_id, name)
            }

            fn create(ctx: &mut Ctx<'_>, body: $create) -> Result<Saved<$model>, ApiError> {
                let realm = ctx.target_realm(body.realm_id, Self::ENTITY)?;
                $check(&body.name)?;
                validate::text(
                    "description",
                    body.description.as_deref(),
                    validate::MAX_TEXT_CHARS,
                )?;
                let record = $model {
                    id: random_uuid(&mut ctx.rng),
                    realm_id: realm.id,
                    name: body.name,
                    description: body.description,
                    built_in: false,
                };
                Self::records(ctx.store)
                    .insert_record(&record)
                    .map_err(ApiError::admin_store)?;
                Ok(Saved::plain(record))
            }

            fn update(
                ctx: &mut Ctx<'_>,
                mut record: $model,
                body: $update,
            ) -> Result<Saved<$model>, ApiError> {
                if let Some(name) = body.name {
                    $check(&name)?;
                    if record.built_in && name != record.name {
                        return Err(ApiError::invalid(
                            "name",
                            "a built-in record cannot be renamed",
                        ));
                    }
                    record.name = name;
                }
                if let Some(Some(description)) = &body.description {
                    validate::text("description", Some(description), validate::MAX_TEXT_CHARS)?;
                }
                validate::apply(&mut record.description, body.description);
                let holders = <$model as Holders>::holders(ctx.store, record.id)?;
                Self::records(ctx.store)
                    .update_record(&record)
                    .map_err(ApiError::admin_store)?;
                <$model as Holders>::resync(ctx.store, &holders)?;
                Ok(Saved::plain(record))
            }

            fn delete(ctx: &mut Ctx<'_>, record: &$model) -> Result<(), ApiError> {
                if record.built_in {
                    return Err(ApiError::invalid(
                        "id",
                        "a built-in record cannot be deleted",
                    ));
                }
                <$model as Holders>::before_delete(ctx, record.id)?;
                let holders = <$model as Holders>::holders(ctx.store, record.id)?;
                Self::records(ctx.store)
                    .delete_record(record.id)
                    .map_err(ApiError::admin_store)?;
                <$model as Holders>::resync(ctx.store, &holders)?;
                Ok(())
            }
        }
    };
}

/// Records whose name others carry in a derived field: a scope's name is in the `scope` field of
/// every client assigned it (`oauth_core::client_scopes`), re-derived when it is renamed or deleted.
trait Holders {
    /// The clients assigned this record.
    fn holders(_store: &dyn Store, _id: Uuid) -> Result<Vec<Uuid>, ApiError> {
        Ok(Vec::new())
    }
    /// Refuses a deletion the caller may not make.
    fn before_delete(_ctx: &Ctx<'_>, _id: Uuid) -> Result<(), ApiError> {
        Ok(())
    }
    /// Re-derives their fields.
    fn resync(store: &dyn Store, holders: &[Uuid]) -> Result<(), ApiError> {
        for client in holders {
            oauth_core::client_scopes::sync(store, *client).map_err(ApiError::admin)?;
        }
        Ok(())
    }
}

impl Holders for Role {
    /// Deleting a role takes its permissions from everyone holding it: the caller must hold them.
    fn before_delete(ctx: &Ctx<'_>, id: Uuid) -> Result<(), ApiError> {
        let query = ListQuery::by(RolePermissionColumn::RoleId, id);
        let grants: Vec<RolePermission> =
            list_all(ctx.store, &query).map_err(ApiError::admin_store)?;
        for grant in grants {
            let permission = Records::<Permission>::get_record(ctx.store, grant.permission_id)
                .map_err(ApiError::admin_store)?;
            if let Some(p) = permission
                && ctx.principal.kind != crate::admin::PrincipalKind::Operator
                && !ctx.principal.permissions.contains(&p.name)
            {
                return Err(ApiError::Forbidden(format!(
                    "cannot delete a role carrying permission {}, which the caller does not hold",
                    p.name
                )));
            }
        }
        Ok(())
    }
}

impl Holders for ScopeRecord {
    fn holders(store: &dyn Store, id: Uuid) -> Result<Vec<Uuid>, ApiError> {
        let query = ListQuery::by(ClientScopeColumn::ScopeId, id);
        let assigned: Vec<ClientScope> = list_all(store, &query).map_err(ApiError::admin_store)?;
        Ok(assigned.into_iter().map(|a| a.client_id).collect())
    }
}

named_resource!(
    Roles, Role, RoleColumn, "roles", "role", RoleView, RoleCreate, RoleUpdate, role_name,
    find_role, "role"
);
named_resource!(
    Scopes,
    ScopeRecord,
    ScopeColumn,
    "scopes",
    "scope",
    ScopeView,
    ScopeCreate,
    ScopeUpdate,
    scope_name,
    find_scope,
    "scope"
);
