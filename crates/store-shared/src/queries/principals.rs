//! `UserStore` and `ClientStore`: users and clients, by id and by name within a realm.

use super::prelude::*;

impl UserStore for DbStore {
    fn create_user(&self, user: &User) -> StoreResult<()> {
        let row = UserRow::from_model(user)?;
        diesel::insert_into(schema::users::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn find_user(&self, id: Uuid) -> StoreResult<Option<User>> {
        schema::users::table
            .find(conv::id(id))
            .select(UserRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(UserRow::into_model)
            .transpose()
    }
    fn find_user_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<User>> {
        use schema::users::dsl;
        dsl::users
            .filter(dsl::realm_id.eq(conv::id(realm_id)))
            .filter(dsl::name.eq(name))
            .select(UserRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(UserRow::into_model)
            .transpose()
    }
    fn replace_password_hash(
        &self,
        user_id: Uuid,
        old: &PasswordHash,
        new: &PasswordHash,
    ) -> StoreResult<bool> {
        use schema::users::dsl;
        let updated = diesel::update(
            dsl::users
                .filter(dsl::id.eq(conv::id(user_id)))
                .filter(dsl::password_hash.eq(old.secret())),
        )
        .set(dsl::password_hash.eq(new.secret()))
        .execute(&mut *self.conn()?)
        .map_err(map_error)?;
        Ok(updated == 1)
    }
}

impl ClientStore for DbStore {
    fn create_client(&self, client: &Client) -> StoreResult<()> {
        let row = ClientRow::from_model(client)?;
        diesel::insert_into(schema::clients::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn find_client(&self, id: Uuid) -> StoreResult<Option<Client>> {
        schema::clients::table
            .find(conv::id(id))
            .select(ClientRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(ClientRow::into_model)
            .transpose()
    }
    fn find_client_by_name(&self, realm_id: Uuid, name: &str) -> StoreResult<Option<Client>> {
        use schema::clients::dsl;
        dsl::clients
            .filter(dsl::realm_id.eq(conv::id(realm_id)))
            .filter(dsl::name.eq(name))
            .select(ClientRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(ClientRow::into_model)
            .transpose()
    }
}
