//! `ScopeStore` and `RoleStore`: scopes, roles, permissions and the permission names a user or a
//! client effectively holds.

use super::prelude::*;

impl ScopeStore for DbStore {
    fn create_scope(&self, scope: &ScopeRecord) -> StoreResult<()> {
        let row = ScopeRow::from_model(scope)?;
        diesel::insert_into(schema::scopes::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn list_scopes(&self, realm_id: Uuid) -> StoreResult<Vec<ScopeRecord>> {
        use schema::scopes::dsl;
        let rows: Vec<ScopeRow> = dsl::scopes
            .filter(dsl::realm_id.eq(conv::id(realm_id)))
            .order(dsl::name)
            .select(ScopeRow::as_select())
            .load(&mut *self.conn()?)
            .map_err(map_error)?;
        rows.into_iter().map(ScopeRow::into_model).collect()
    }
}

impl RoleStore for DbStore {
    fn create_role(&self, role: &Role) -> StoreResult<()> {
        let row = RoleRow::from_model(role)?;
        diesel::insert_into(schema::roles::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn find_role_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Role>> {
        use schema::roles::dsl;
        let row: Option<RoleRow> = dsl::roles
            .filter(dsl::realm_id.eq(conv::id(realm_id)))
            .filter(dsl::name.eq(name))
            .select(RoleRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?;
        row.map(RoleRow::into_model).transpose()
    }
    fn create_permission(&self, permission: &Permission) -> StoreResult<()> {
        let row = PermissionRow::from_model(permission)?;
        diesel::insert_into(schema::permissions::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn list_permissions(&self) -> StoreResult<Vec<Permission>> {
        use schema::permissions::dsl;
        let rows: Vec<PermissionRow> = dsl::permissions
            .order(dsl::name)
            .select(PermissionRow::as_select())
            .load(&mut *self.conn()?)
            .map_err(map_error)?;
        rows.into_iter().map(PermissionRow::into_model).collect()
    }
    fn user_permission_names(&self, user_id: Uuid) -> StoreResult<Vec<String>> {
        use schema::{permissions, role_permissions, user_permissions, user_roles};
        let roles = user_roles::table
            .filter(user_roles::user_id.eq(conv::id(user_id)))
            .select(user_roles::role_id);
        let through_roles = role_permissions::table
            .filter(role_permissions::role_id.eq_any(roles))
            .select(role_permissions::permission_id);
        let direct = user_permissions::table
            .filter(user_permissions::user_id.eq(conv::id(user_id)))
            .select(user_permissions::permission_id);
        permissions::table
            .filter(
                permissions::id
                    .eq_any(through_roles)
                    .or(permissions::id.eq_any(direct)),
            )
            .order(permissions::name)
            .select(permissions::name)
            .load(&mut *self.conn()?)
            .map_err(map_error)
    }
    fn client_permission_names(&self, client_id: Uuid) -> StoreResult<Vec<String>> {
        use schema::{client_permissions, permissions};
        let granted = client_permissions::table
            .filter(client_permissions::client_id.eq(conv::id(client_id)))
            .select(client_permissions::permission_id);
        permissions::table
            .filter(permissions::id.eq_any(granted))
            .order(permissions::name)
            .select(permissions::name)
            .load(&mut *self.conn()?)
            .map_err(map_error)
    }
}
