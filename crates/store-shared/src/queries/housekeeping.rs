//! `RevocationStore`, `BootstrapStore`, `CleanupStore` and `EventStore`: revoked token ids, the
//! one-time bootstrap record, purging what can no longer be used, and the audit log.

use super::prelude::*;

impl RevocationStore for DbStore {
    fn revoke_token_id(&self, id: &str, expires_at: UnixTime) -> StoreResult<()> {
        use schema::revoked_tokens::dsl;
        diesel::insert_into(dsl::revoked_tokens)
            .values((dsl::id.eq(id), dsl::expires_at.eq(ts(expires_at)?)))
            .on_conflict_do_nothing()
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn any_revoked(&self, ids: &[&str]) -> StoreResult<bool> {
        use schema::revoked_tokens::dsl;
        let found: i64 = dsl::revoked_tokens
            .filter(dsl::id.eq_any(ids))
            .count()
            .get_result(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(found > 0)
    }
}

impl BootstrapStore for DbStore {
    fn bootstrap_record(&self) -> StoreResult<Option<BootstrapRecord>> {
        use schema::bootstrap::dsl;
        type Row = (Option<conv::Id>, Option<conv::Id>, Option<DateTime<Utc>>);
        let row: Option<Row> = dsl::bootstrap
            .find(1)
            .select((dsl::admin_role_id, dsl::admin_user_id, dsl::completed_at))
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?;
        row.map(|(role, user, at)| {
            Ok(BootstrapRecord {
                admin_role_id: role.map(conv::uuid).transpose()?,
                admin_user_id: user.map(conv::uuid).transpose()?,
                completed_at: at.map(unix),
            })
        })
        .transpose()
    }
    fn save_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
        use schema::bootstrap::dsl;
        diesel::insert_into(dsl::bootstrap)
            .values((
                dsl::id.eq(1),
                dsl::admin_role_id.eq(record.admin_role_id.map(conv::id)),
                dsl::admin_user_id.eq(record.admin_user_id.map(conv::id)),
                dsl::completed_at.eq(record.completed_at.map(ts).transpose()?),
            ))
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn complete_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
        use schema::bootstrap::dsl;
        let completed_at = record
            .completed_at
            .ok_or_else(|| StoreError::backend("a completed bootstrap needs its time"))?;
        diesel::update(dsl::bootstrap.find(1).filter(dsl::completed_at.is_null()))
            .set((
                dsl::admin_role_id.eq(record.admin_role_id.map(conv::id)),
                dsl::admin_user_id.eq(record.admin_user_id.map(conv::id)),
                dsl::completed_at.eq(Some(ts(completed_at)?)),
            ))
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
}

impl CleanupStore for DbStore {
    fn purge_expired(&self, now: UnixTime, window_cutoff: UnixTime) -> StoreResult<u64> {
        use schema::{
            authorization_codes, login_failures, refresh_tokens, revoked_tokens, sessions,
        };
        let (now, cutoff) = (ts(now)?, ts(window_cutoff)?);
        self.conn()?
            .write_transaction(|conn| {
                let mut count = diesel::delete(
                    refresh_tokens::table.filter(refresh_tokens::expires_at.lt(now)),
                )
                .execute(conn)?;
                count += diesel::delete(
                    authorization_codes::table.filter(authorization_codes::expires_at.lt(now)),
                )
                .execute(conn)?;
                count += diesel::delete(sessions::table.filter(sessions::expires_at.lt(now)))
                    .execute(conn)?;
                count += diesel::delete(
                    revoked_tokens::table.filter(revoked_tokens::expires_at.lt(now)),
                )
                .execute(conn)?;
                count += diesel::delete(
                    login_failures::table.filter(login_failures::window_start.lt(cutoff)),
                )
                .execute(conn)?;
                Ok::<_, diesel::result::Error>(count as u64)
            })
            .map_err(map_error)
    }
}

impl EventStore for DbStore {
    fn insert_events(&self, events: &[Event]) -> StoreResult<()> {
        let rows = events
            .iter()
            .map(EventRow::from_model)
            .collect::<StoreResult<Vec<_>>>()?;
        // One multi-row statement per 500 rows (well under both backends' parameter
        // limits at 12 columns a row).
        self.conn()?
            .write_transaction(|conn| {
                for chunk in rows.chunks(500) {
                    diesel::insert_into(schema::events::table)
                        .values(chunk)
                        .execute(conn)?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(map_error)
    }
    fn purge_events(&self, before: UnixTime) -> StoreResult<u64> {
        let count = diesel::delete(
            schema::events::table.filter(schema::events::created_at.lt(ts(before)?)),
        )
        .execute(&mut *self.conn()?)
        .map_err(map_error)?;
        Ok(count as u64)
    }
}
