//! `RealmStore::import_realm`: one realm of an import file, inserted in one write transaction.

use super::prelude::*;
use super::records::{ClientPermissionRow, ClientScopeRow, UserPermissionRow, UserRoleRow};

/// Converts every record of a list to its row (before the transaction: sealing a key and
/// converting a time can fail, and nothing is written then).
fn rows<M, R>(models: &[M], convert: fn(&M) -> StoreResult<R>) -> StoreResult<Vec<R>> {
    models.iter().map(convert).collect()
}

/// Inserts every row of a list into a table.
macro_rules! insert_all {
    ($conn:expr, $table:ident, $rows:expr) => {
        for row in &$rows {
            diesel::insert_into(schema::$table::table)
                .values(row)
                .execute($conn)?;
        }
    };
}

impl DbStore {
    pub(super) fn import_batch(&self, batch: &ImportBatch) -> StoreResult<()> {
        let realm = batch.realm.as_ref().map(RealmRow::from_model).transpose()?;
        let permissions = rows(&batch.permissions, PermissionRow::from_model)?;
        let scopes = rows(&batch.scopes, ScopeRow::from_model)?;
        let roles = rows(&batch.roles, RoleRow::from_model)?;
        let users = rows(&batch.users, UserRow::from_model)?;
        let clients = rows(&batch.clients, ClientRow::from_model)?;
        let keys = batch
            .keys
            .iter()
            .map(|k| KeyRow::from_model(&self.sealing().seal_key(k)?))
            .collect::<StoreResult<Vec<_>>>()?;
        let user_roles = rows(&batch.user_roles, UserRoleRow::from_model)?;
        let role_permissions = rows(&batch.role_permissions, RolePermissionRow::from_model)?;
        let user_permissions = rows(&batch.user_permissions, UserPermissionRow::from_model)?;
        let client_permissions = rows(&batch.client_permissions, ClientPermissionRow::from_model)?;
        let client_scopes = rows(&batch.client_scopes, ClientScopeRow::from_model)?;
        let bootstrap = match &batch.bootstrap {
            Some(record) => Some((
                record.admin_role_id.map(conv::id),
                record.admin_user_id.map(conv::id),
                record.completed_at.map(ts).transpose()?,
            )),
            None => None,
        };
        self.conn()?
            .write_transaction(|conn| {
                if let Some(realm) = &realm {
                    diesel::insert_into(schema::realms::table)
                        .values(realm)
                        .execute(conn)?;
                }
                insert_all!(conn, permissions, permissions);
                insert_all!(conn, scopes, scopes);
                insert_all!(conn, roles, roles);
                insert_all!(conn, users, users);
                insert_all!(conn, clients, clients);
                insert_all!(conn, signing_keys, keys);
                insert_all!(conn, user_roles, user_roles);
                insert_all!(conn, role_permissions, role_permissions);
                insert_all!(conn, user_permissions, user_permissions);
                insert_all!(conn, client_permissions, client_permissions);
                insert_all!(conn, client_scopes, client_scopes);
                if let Some((role, user, completed_at)) = bootstrap {
                    use schema::bootstrap::dsl;
                    diesel::insert_into(dsl::bootstrap)
                        .values((
                            dsl::id.eq(1),
                            dsl::admin_role_id.eq(role),
                            dsl::admin_user_id.eq(user),
                            dsl::completed_at.eq(completed_at),
                        ))
                        .execute(conn)?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(map_error)
    }
}
