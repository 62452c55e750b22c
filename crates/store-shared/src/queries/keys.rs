//! `KeyStore`: signing keys per realm, private keys sealed at rest with the store's
//! `oauth_core::keys::sealing::KeyEncryption` (`DbStore::sealing`).

use super::prelude::*;

impl KeyStore for DbStore {
    fn create_signing_key(&self, key: &SigningKey) -> StoreResult<()> {
        let row = KeyRow::from_model(&self.sealing().seal_key(key)?)?;
        diesel::insert_into(schema::signing_keys::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn list_signing_keys(&self, realm_id: Option<Uuid>) -> StoreResult<Vec<SigningKey>> {
        use schema::signing_keys::dsl;
        let conn = &mut *self.conn()?;
        let order = (dsl::created_at, dsl::id);
        let rows: Vec<KeyRow> = match realm_id {
            Some(realm_id) => dsl::signing_keys
                .filter(dsl::realm_id.eq(conv::id(realm_id)))
                .order(order)
                .select(KeyRow::as_select())
                .load(conn),
            None => dsl::signing_keys
                .order(order)
                .select(KeyRow::as_select())
                .load(conn),
        }
        .map_err(map_error)?;
        rows.into_iter()
            .map(|row| self.sealing().open_key(row.into_model()?))
            .collect()
    }
    fn set_key_status(&self, id: Uuid, from: KeyStatus, to: KeyStatus) -> StoreResult<bool> {
        use schema::signing_keys::dsl;
        let changed = diesel::update(
            dsl::signing_keys
                .find(conv::id(id))
                .filter(dsl::status.eq(from.as_str())),
        )
        .set(dsl::status.eq(to.as_str()))
        .execute(&mut *self.conn()?)
        .map_err(map_error)?;
        Ok(changed > 0)
    }
}
