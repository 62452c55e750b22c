//! `RealmStore`: realms, and a realm created or deleted whole with its scopes, keys and roles.

use super::prelude::*;

impl RealmStore for DbStore {
    fn create_realm(&self, realm: &Realm) -> StoreResult<()> {
        let row = RealmRow::from_model(realm)?;
        diesel::insert_into(schema::realms::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn find_realm(&self, id: Uuid) -> StoreResult<Option<Realm>> {
        schema::realms::table
            .find(conv::id(id))
            .select(RealmRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(RealmRow::into_model)
            .transpose()
    }
    fn find_realm_by_name(&self, name: &str) -> StoreResult<Option<Realm>> {
        schema::realms::table
            .filter(schema::realms::name.eq(name))
            .select(RealmRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(RealmRow::into_model)
            .transpose()
    }
    fn create_realm_bundle(&self, bundle: &RealmBundle) -> StoreResult<()> {
        let realm = RealmRow::from_model(&bundle.realm)?;
        let scopes = bundle
            .scopes
            .iter()
            .map(ScopeRow::from_model)
            .collect::<StoreResult<Vec<_>>>()?;
        let keys = bundle
            .keys
            .iter()
            .map(|k| KeyRow::from_model(&self.sealing().seal_key(k)?))
            .collect::<StoreResult<Vec<_>>>()?;
        let roles = bundle
            .roles
            .iter()
            .map(RoleRow::from_model)
            .collect::<StoreResult<Vec<_>>>()?;
        let grants = bundle
            .role_permissions
            .iter()
            .map(RolePermissionRow::from_model)
            .collect::<StoreResult<Vec<_>>>()?;
        self.conn()?
            .write_transaction(|conn| {
                diesel::insert_into(schema::realms::table)
                    .values(&realm)
                    .execute(conn)?;
                for scope in &scopes {
                    diesel::insert_into(schema::scopes::table)
                        .values(scope)
                        .execute(conn)?;
                }
                for key in &keys {
                    diesel::insert_into(schema::signing_keys::table)
                        .values(key)
                        .execute(conn)?;
                }
                for role in &roles {
                    diesel::insert_into(schema::roles::table)
                        .values(role)
                        .execute(conn)?;
                }
                for grant in &grants {
                    diesel::insert_into(schema::role_permissions::table)
                        .values(grant)
                        .execute(conn)?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(map_error)
    }
}
