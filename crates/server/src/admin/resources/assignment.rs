//! The assignment resources: `/user-roles`, `/role-permissions`, `/user-permissions`,
//! `/client-permissions` and `/client-scopes`, written once as a macro. An assignment belongs to
//! the realm of its first party; its second party must be in the same realm (permissions are of
//! no realm). Nobody can hand out or take away a permission they do not hold themselves: granting
//! or revoking a role or a permission checks that the caller holds every permission it carries.
//! Assignments are created and deleted, never updated.

use oauth_core::Store;
use oauth_core::model::{
    Client, ClientPermission, ClientPermissionColumn, ClientScope, ClientScopeColumn, Permission,
    Role, RolePermission, RolePermissionColumn, ScopeRecord, User, UserPermission,
    UserPermissionColumn, UserRole, UserRoleColumn,
};
use oauth_core::random::random_uuid;
use oauth_core::store::records::{ListQuery, Records, list_all};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::admin::{ColumnOf, Ctx, Ops, Principal, Resource, Saved};
use crate::error::ApiError;

/// The permission names a grant of `T` carries, which the granting caller must hold.
trait Carries {
    fn carried(store: &dyn Store, record: &Self) -> Result<Vec<String>, ApiError>;
}

impl Carries for Role {
    fn carried(store: &dyn Store, role: &Role) -> Result<Vec<String>, ApiError> {
        let query = ListQuery::by(RolePermissionColumn::RoleId, role.id);
        let grants: Vec<RolePermission> = list_all(store, &query).map_err(ApiError::admin_store)?;
        let mut names = Vec::new();
        for grant in grants {
            if let Some(p) = Records::<Permission>::get_record(store, grant.permission_id)
                .map_err(ApiError::admin_store)?
            {
                names.push(p.name);
            }
        }
        Ok(names)
    }
}

impl Carries for Permission {
    fn carried(_store: &dyn Store, permission: &Permission) -> Result<Vec<String>, ApiError> {
        Ok(vec![permission.name.clone()])
    }
}

impl Carries for ScopeRecord {
    fn carried(_store: &dyn Store, _scope: &ScopeRecord) -> Result<Vec<String>, ApiError> {
        Ok(Vec::new())
    }
}

fn check_carried(principal: &Principal, names: &[String]) -> Result<(), ApiError> {
    match names.iter().find(|n| !principal.permissions.contains(*n)) {
        Some(missing) => Err(ApiError::Forbidden(format!(
            "cannot grant permission {missing}, which the caller does not hold"
        ))),
        None => Ok(()),
    }
}

/// Assignments something else is derived from: a client's `scope` field from its
/// `client_scopes` (`oauth_core::client_scopes`).
trait Derives {
    fn after_write(_store: &dyn Store, _record: &Self) -> Result<(), ApiError> {
        Ok(())
    }
    /// Refuses a removal that must not happen.
    fn before_delete(_store: &dyn Store, _record: &Self) -> Result<(), ApiError> {
        Ok(())
    }
    /// Refuses an assignment that must not be made by this caller.
    fn before_insert(_ctx: &Ctx<'_>, _record: &Self) -> Result<(), ApiError> {
        Ok(())
    }
}

impl Derives for UserRole {}
impl Derives for RolePermission {
    /// A built-in role (`admin`, `realm_admin`) keeps every permission: nobody strips the
    /// administrators' role piecemeal, even of permissions they hold themselves.
    fn before_delete(store: &dyn Store, record: &RolePermission) -> Result<(), ApiError> {
        let role =
            Records::<Role>::get_record(store, record.role_id).map_err(ApiError::admin_store)?;
        if role.is_some_and(|r| r.built_in) {
            return Err(ApiError::invalid(
                "roleId",
                "a built-in role keeps every permission",
            ));
        }
        Ok(())
    }
}
impl Derives for UserPermission {}
impl Derives for ClientPermission {}
impl Derives for ClientScope {
    fn after_write(store: &dyn Store, record: &ClientScope) -> Result<(), ApiError> {
        oauth_core::client_scopes::sync(store, record.client_id).map_err(ApiError::admin)
    }
    fn before_insert(ctx: &Ctx<'_>, record: &ClientScope) -> Result<(), ApiError> {
        let client = Records::<Client>::get_record(ctx.store, record.client_id)
            .map_err(ApiError::admin_store)?;
        let scope = Records::<ScopeRecord>::get_record(ctx.store, record.scope_id)
            .map_err(ApiError::admin_store)?;
        match (client, scope) {
            (Some(client), Some(scope)) => check_client_scope(ctx, &client, &scope),
            _ => Ok(()),
        }
    }
}

/// Giving a first-party client `global` lets it carry any signed-in user's power: only a full
/// administrator may.
fn check_client_scope(ctx: &Ctx<'_>, client: &Client, scope: &ScopeRecord) -> Result<(), ApiError> {
    if client.first_party && scope.name == oauth_core::authority::ADMIN_SCOPE {
        ctx.principal
            .require_full_administrator("giving a first-party client the scope global")?;
    }
    Ok(())
}

macro_rules! assignment_resource {
    ($resource:ident, $model:ident, $column:ident, $path:literal, $entity:literal, $view:ident, $create:ident,
     $left:ident: $left_model:ident, $left_json:literal,
     $right:ident: $right_model:ident, $right_json:literal, $right_in_realm:expr) => {
        #[doc = concat!("A `", $path, "` assignment.")]
        #[derive(Debug, Serialize, ToSchema)]
        #[serde(rename_all = "camelCase")]
        pub struct $view {
            id: Uuid,
            realm_id: Uuid,
            $left: Uuid,
            $right: Uuid,
        }

        #[doc = concat!("A `", $path, "` assignment to create.")]
        #[derive(Debug, Deserialize, ToSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $create {
            $left: Uuid,
            $right: Uuid,
        }

        #[doc = concat!("The `/", $path, "` resource.")]
        pub struct $resource;

        impl Resource for $resource {
            type Model = $model;
            type View = $view;
            type Create = $create;
            type Update = $create;
            const PATH: &'static str = $path;
            const ENTITY: &'static str = $entity;
            const REALM_COLUMN: Option<ColumnOf<Self>> = Some(<$column>::RealmId);
            const OPS: Ops = Ops {
                create: true,
                update: false,
                delete: true,
            };

            fn records(store: &dyn Store) -> &dyn Records<$model> {
                store
            }
            fn realm_of(model: &$model) -> Option<Uuid> {
                Some(model.realm_id)
            }
            fn view(a: &$model) -> $view {
                $view {
                    id: a.id,
                    realm_id: a.realm_id,
                    $left: a.$left,
                    $right: a.$right,
                }
            }

            fn create(ctx: &mut Ctx<'_>, body: $create) -> Result<Saved<$model>, ApiError> {
                let left_records: &dyn Records<$left_model> = ctx.store;
                let left = ctx.referenced(
                    left_records,
                    $left_json,
                    body.$left,
                    ctx.path_realm.as_ref().map(|r| r.id),
                )?;
                ctx.principal
                    .require(concat!($entity, "_create"), Some(left.realm_id))?;
                let right_records: &dyn Records<$right_model> = ctx.store;
                let right_realm = if $right_in_realm {
                    Some(left.realm_id)
                } else {
                    None
                };
                let right = ctx.referenced(right_records, $right_json, body.$right, right_realm)?;
                check_carried(
                    &ctx.principal,
                    &<$right_model as Carries>::carried(ctx.store, &right)?,
                )?;
                let record = $model {
                    id: random_uuid(&mut ctx.rng),
                    realm_id: left.realm_id,
                    $left: left.id,
                    $right: right.id,
                };
                <$model as Derives>::before_insert(ctx, &record)?;
                Self::records(ctx.store)
                    .insert_record(&record)
                    .map_err(ApiError::admin_store)?;
                <$model as Derives>::after_write(ctx.store, &record)?;
                Ok(Saved::plain(record))
            }

            fn delete(ctx: &mut Ctx<'_>, record: &$model) -> Result<(), ApiError> {
                <$model as Derives>::before_delete(ctx.store, record)?;
                // Taking a grant away needs what giving it needs: holding what it carries.
                let right_records: &dyn Records<$right_model> = ctx.store;
                if let Some(right) = right_records
                    .get_record(record.$right)
                    .map_err(ApiError::admin_store)?
                {
                    check_carried(
                        &ctx.principal,
                        &<$right_model as Carries>::carried(ctx.store, &right)?,
                    )?;
                }
                Self::records(ctx.store)
                    .delete_record(record.id)
                    .map_err(ApiError::admin_store)?;
                <$model as Derives>::after_write(ctx.store, record)?;
                Ok(())
            }
        }
    };
}

assignment_resource!(
    UserRoles, UserRole, UserRoleColumn, "user-roles", "user_role", UserRoleView, UserRoleCreate,
    user_id: User, "userId", role_id: Role, "roleId", true
);
assignment_resource!(
    RolePermissions, RolePermission, RolePermissionColumn, "role-permissions", "role_permission", RolePermissionView,
    RolePermissionCreate, role_id: Role, "roleId", permission_id: Permission, "permissionId", false
);
assignment_resource!(
    UserPermissions, UserPermission, UserPermissionColumn, "user-permissions", "user_permission", UserPermissionView,
    UserPermissionCreate, user_id: User, "userId", permission_id: Permission, "permissionId", false
);
assignment_resource!(
    ClientPermissions, ClientPermission, ClientPermissionColumn, "client-permissions", "client_permission",
    ClientPermissionView, ClientPermissionCreate, client_id: Client, "clientId",
    permission_id: Permission, "permissionId", false
);
assignment_resource!(
    ClientScopes, ClientScope, ClientScopeColumn, "client-scopes", "client_scope", ClientScopeView,
    ClientScopeCreate, client_id: Client, "clientId", scope_id: ScopeRecord, "scopeId", true
);
