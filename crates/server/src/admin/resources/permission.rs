//! `/permissions`: named `<entity>_<action>`, global (of no realm). Anyone holding
//! `permission_read` may read them; only global principals may create, change or delete them, and
//! built-in permissions cannot be deleted or renamed. A new permission is granted to the master
//! realm's `admin` role, which holds them all.

use oauth_core::Store;
use oauth_core::grant::MASTER_REALM;
use oauth_core::model::{Permission, RolePermission};
use oauth_core::provision::{self, ADMIN_ROLE};
use oauth_core::random::random_uuid;
use oauth_core::store::records::Records;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::validate;
use crate::admin::{Ctx, Ops, Resource, Saved};
use crate::error::ApiError;
use oauth_core::model::PermissionColumn;

/// A permission.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionView {
    id: Uuid,
    name: String,
    description: Option<String>,
    built_in: bool,
}

/// A permission to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermissionCreate {
    /// Lowercase letters, digits and `_`.
    name: String,
    description: Option<String>,
}

/// Changes to a permission.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PermissionUpdate {
    name: Option<String>,
    #[serde(default, deserialize_with = "validate::nullable")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
}

/// The `/permissions` resource.
pub struct Permissions;

impl Resource for Permissions {
    type Model = Permission;
    type View = PermissionView;
    type Create = PermissionCreate;
    type Update = PermissionUpdate;
    const PATH: &'static str = "permissions";
    const ENTITY: &'static str = "permission";
    const REALM_COLUMN: Option<PermissionColumn> = None;
    const OPS: Ops = Ops {
        create: true,
        update: true,
        delete: true,
    };

    fn records(store: &dyn Store) -> &dyn Records<Permission> {
        store
    }
    fn realm_of(_model: &Permission) -> Option<Uuid> {
        None
    }
    fn view(p: &Permission) -> PermissionView {
        PermissionView {
            id: p.id,
            name: p.name.clone(),
            description: p.description.clone(),
            built_in: p.built_in,
        }
    }
    fn by_name(
        store: &dyn Store,
        _realm_id: Uuid,
        name: &str,
    ) -> Result<Option<Permission>, ApiError> {
        let all = store.list_permissions().map_err(ApiError::admin_store)?;
        Ok(all.into_iter().find(|p| p.name == name))
    }

    fn create(ctx: &mut Ctx<'_>, body: PermissionCreate) -> Result<Saved<Permission>, ApiError> {
        ctx.principal.require("permission_create", None)?;
        validate::identifier("name", &body.name)?;
        validate::text(
            "description",
            body.description.as_deref(),
            validate::MAX_TEXT_CHARS,
        )?;
        let permission = Permission {
            id: random_uuid(&mut ctx.rng),
            name: body.name,
            description: body.description,
            built_in: false,
        };
        Self::records(ctx.store)
            .insert_record(&permission)
            .map_err(ApiError::admin_store)?;
        // The master realm's admin role holds every permission, new ones included.
        let master = ctx
            .store
            .find_realm_by_name(MASTER_REALM)
            .map_err(ApiError::admin_store)?;
        if let Some(master) = master
            && let Some(admin) = ctx
                .store
                .find_role_by_name(master.id, ADMIN_ROLE)
                .map_err(ApiError::admin_store)?
        {
            let grant = RolePermission {
                id: random_uuid(&mut ctx.rng),
                realm_id: master.id,
                role_id: admin.id,
                permission_id: permission.id,
            };
            provision::assign(ctx.store, &grant).map_err(ApiError::admin)?;
        }
        Ok(Saved::plain(permission))
    }

    fn update(
        ctx: &mut Ctx<'_>,
        mut permission: Permission,
        body: PermissionUpdate,
    ) -> Result<Saved<Permission>, ApiError> {
        if let Some(name) = body.name {
            validate::identifier("name", &name)?;
            if permission.built_in && name != permission.name {
                return Err(ApiError::invalid(
                    "name",
                    "a built-in permission cannot be renamed",
                ));
            }
            permission.name = name;
        }
        if let Some(Some(description)) = &body.description {
            validate::text("description", Some(description), validate::MAX_TEXT_CHARS)?;
        }
        validate::apply(&mut permission.description, body.description);
        Self::records(ctx.store)
            .update_record(&permission)
            .map_err(ApiError::admin_store)?;
        Ok(Saved::plain(permission))
    }

    fn delete(ctx: &mut Ctx<'_>, permission: &Permission) -> Result<(), ApiError> {
        if permission.built_in {
            return Err(ApiError::invalid(
                "id",
                "a built-in permission cannot be deleted",
            ));
        }
        // Deleting a permission takes it from everyone holding it: only its holders may.
        if ctx.principal.kind != crate::admin::PrincipalKind::Operator
            && !ctx.principal.permissions.contains(&permission.name)
        {
            return Err(ApiError::Forbidden(format!(
                "cannot delete permission {}, which the caller does not hold",
                permission.name
            )));
        }
        Self::records(ctx.store)
            .delete_record(permission.id)
            .map_err(ApiError::admin_store)?;
        Ok(())
    }
}
