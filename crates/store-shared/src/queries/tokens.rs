//! `RefreshTokenStore` and `AuthorizationCodeStore`: rotation and redemption as atomic
//! compare-and-set, families found by holder.

use super::prelude::*;

impl RefreshTokenStore for DbStore {
    fn create_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        let row = RefreshRow::from_model(token)?;
        diesel::insert_into(schema::refresh_tokens::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn find_refresh_token(&self, hash: &TokenHash) -> StoreResult<Option<RefreshToken>> {
        use schema::refresh_tokens::dsl;
        dsl::refresh_tokens
            .filter(dsl::token_hash.eq(hash.as_str()))
            .select(RefreshRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(RefreshRow::into_model)
            .transpose()
    }
    fn rotate_refresh_token(
        &self,
        consumed_id: Uuid,
        successor: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool> {
        use schema::refresh_tokens::dsl;
        let row = RefreshRow::from_model(successor)?;
        let now = ts(now)?;
        self.conn()?
            .write_transaction(|conn| {
                let consumed = diesel::update(
                    dsl::refresh_tokens
                        .filter(dsl::id.eq(conv::id(consumed_id)))
                        .filter(dsl::consumed_at.is_null())
                        .filter(dsl::revoked_at.is_null()),
                )
                .set(dsl::consumed_at.eq(now))
                .execute(conn)?;
                if consumed == 0 {
                    return Ok(false);
                }
                diesel::insert_into(dsl::refresh_tokens)
                    .values(&row)
                    .execute(conn)?;
                Ok(true)
            })
            .map_err(map_error)
    }
    fn refresh_families_of(&self, holder: GrantHolder) -> StoreResult<Vec<Uuid>> {
        use schema::refresh_tokens::dsl;
        let query = dsl::refresh_tokens
            .filter(dsl::revoked_at.is_null())
            .into_boxed::<Backend>();
        let query = match holder {
            GrantHolder::Session(id) => query.filter(dsl::session_id.eq(conv::id(id))),
            GrantHolder::User(id) => query.filter(dsl::user_id.eq(conv::id(id))),
            GrantHolder::Client(id) => query.filter(dsl::client_id.eq(conv::id(id))),
        };
        let families: Vec<conv::Id> = query
            .select(dsl::family_id)
            .distinct()
            .load(&mut *self.conn()?)
            .map_err(map_error)?;
        families.into_iter().map(conv::uuid).collect()
    }
    fn revoke_refresh_family(&self, family_id: Uuid, now: UnixTime) -> StoreResult<u64> {
        use schema::refresh_tokens::dsl;
        let count = diesel::update(
            dsl::refresh_tokens
                .filter(dsl::family_id.eq(conv::id(family_id)))
                .filter(dsl::revoked_at.is_null()),
        )
        .set(dsl::revoked_at.eq(ts(now)?))
        .execute(&mut *self.conn()?)
        .map_err(map_error)?;
        Ok(count as u64)
    }
}

impl AuthorizationCodeStore for DbStore {
    fn create_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        let row = CodeRow::from_model(code)?;
        diesel::insert_into(schema::authorization_codes::table)
            .values(&row)
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
    fn find_authorization_code(&self, hash: &TokenHash) -> StoreResult<Option<AuthorizationCode>> {
        use schema::authorization_codes::dsl;
        dsl::authorization_codes
            .filter(dsl::code_hash.eq(hash.as_str()))
            .select(CodeRow::as_select())
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?
            .map(CodeRow::into_model)
            .transpose()
    }
    fn redeem_authorization_code(
        &self,
        id: Uuid,
        refresh_token: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool> {
        use schema::authorization_codes::dsl;
        let row = RefreshRow::from_model(refresh_token)?;
        let now = ts(now)?;
        self.conn()?
            .write_transaction(|conn| {
                let redeemed = diesel::update(
                    dsl::authorization_codes
                        .filter(dsl::id.eq(conv::id(id)))
                        .filter(dsl::consumed_at.is_null()),
                )
                .set(dsl::consumed_at.eq(now))
                .execute(conn)?;
                if redeemed == 0 {
                    return Ok(false);
                }
                diesel::insert_into(schema::refresh_tokens::table)
                    .values(&row)
                    .execute(conn)?;
                Ok(true)
            })
            .map_err(map_error)
    }
}
