//! `SessionStore` and `ConsentStore`: login sessions and the consents users gave clients.

use super::prelude::*;

impl SessionStore for DbStore {
    fn create_session(&self, session: &Session) -> StoreResult<()> {
        let row = SessionRow::from_model(session)?;
        diesel::insert_into(schema::sessions::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn find_session(&self, hash: &TokenHash) -> StoreResult<Option<Session>> {
        use schema::sessions::dsl;
        dsl::sessions
            .filter(dsl::token_hash.eq(hash.as_str()))
            .select(SessionRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(SessionRow::into_model)
            .transpose()
    }
    fn revoke_session(&self, id: Uuid, now: UnixTime) -> StoreResult<bool> {
        use schema::sessions::dsl;
        let count = diesel::update(
            dsl::sessions
                .filter(dsl::id.eq(conv::id(id)))
                .filter(dsl::revoked_at.is_null()),
        )
        .set(dsl::revoked_at.eq(ts(now)?))
        .execute(&mut *self.conn()?)
        .map_err(map_error)?;
        Ok(count == 1)
    }
}

impl ConsentStore for DbStore {
    fn save_consent(&self, consent: &Consent) -> StoreResult<()> {
        use schema::consents::dsl;
        let row = ConsentRow::from_model(consent)?;
        diesel::insert_into(dsl::consents)
            .values(&row)
            .on_conflict((dsl::user_id, dsl::client_id))
            .do_update()
            .set((
                dsl::scope.eq(&row.scope),
                dsl::created_at.eq(row.created_at),
            ))
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn find_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<Option<Consent>> {
        use schema::consents::dsl;
        let row: Option<ConsentRow> = dsl::consents
            .filter(dsl::user_id.eq(conv::id(user_id)))
            .filter(dsl::client_id.eq(conv::id(client_id)))
            .select(ConsentRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?;
        row.map(ConsentRow::into_model).transpose()
    }
    fn list_consents(&self, user_id: Uuid) -> StoreResult<Vec<Consent>> {
        use schema::consents::dsl;
        let rows: Vec<ConsentRow> = dsl::consents
            .filter(dsl::user_id.eq(conv::id(user_id)))
            .order((dsl::created_at, dsl::client_id))
            .select(ConsentRow::as_select())
            .load(&mut *self.conn()?)
            .map_err(map_error)?;
        rows.into_iter().map(ConsentRow::into_model).collect()
    }
    fn delete_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<bool> {
        use schema::consents::dsl;
        let count = diesel::delete(
            dsl::consents
                .filter(dsl::user_id.eq(conv::id(user_id)))
                .filter(dsl::client_id.eq(conv::id(client_id))),
        )
        .execute(&mut *self.conn()?)
        .map_err(map_error)?;
        Ok(count == 1)
    }
}
