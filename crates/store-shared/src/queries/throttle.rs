//! `ThrottleStore`: login failure windows, counted atomically before any hashing.

use super::prelude::*;

impl ThrottleStore for DbStore {
    fn login_failures(&self, key: &str) -> StoreResult<Option<Failures>> {
        use schema::login_failures::dsl;
        let row: Option<(i32, DateTime<Utc>, DateTime<Utc>)> = dsl::login_failures
            .find(key)
            .select((dsl::failures, dsl::window_start, dsl::last_failure))
            .first(&mut *self.conn()?)
            .optional()
            .map_err(map_error)?;
        Ok(row.map(|(count, start, last)| Failures {
            count: u32::try_from(count).unwrap_or(0),
            window_start: unix(start),
            last: unix(last),
        }))
    }
    fn take_login_attempt(
        &self,
        key: &str,
        now: UnixTime,
        window_cutoff: UnixTime,
        wait: &dyn Fn(&Failures) -> i64,
    ) -> StoreResult<Result<Failures, i64>> {
        use schema::login_failures::dsl;
        let (now_ts, cutoff) = (ts(now)?, ts(window_cutoff)?);
        self.conn()?
            .write_transaction(|conn| {
                // An expired window starts over.
                diesel::delete(
                    dsl::login_failures
                        .find(key)
                        .filter(dsl::window_start.lt(cutoff)),
                )
                .execute(conn)?;
                // Creates the counter, or locks it until the transaction ends (SQLite's
                // immediate transaction already holds the write lock).
                diesel::insert_into(dsl::login_failures)
                    .values((
                        dsl::key.eq(key),
                        dsl::failures.eq(0),
                        dsl::window_start.eq(now_ts),
                        dsl::last_failure.eq(now_ts),
                    ))
                    .on_conflict(dsl::key)
                    .do_update()
                    .set(dsl::failures.eq(dsl::failures))
                    .execute(conn)?;
                let (count, start, last): (i32, DateTime<Utc>, DateTime<Utc>) = dsl::login_failures
                    .find(key)
                    .select((dsl::failures, dsl::window_start, dsl::last_failure))
                    .first(conn)?;
                let current = Failures {
                    count: u32::try_from(count).unwrap_or(0),
                    window_start: unix(start),
                    last: unix(last),
                };
                let seconds = wait(&current);
                if seconds > 0 {
                    return Ok(Err(seconds));
                }
                diesel::update(dsl::login_failures.find(key))
                    .set((
                        dsl::failures.eq(dsl::failures + 1),
                        dsl::last_failure.eq(now_ts),
                    ))
                    .execute(conn)?;
                Ok(Ok(Failures {
                    count: current.count + 1,
                    last: now,
                    ..current
                }))
            })
            .map_err(map_error)
    }
    fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        use schema::login_failures::dsl;
        diesel::delete(dsl::login_failures.find(key))
            .execute(&mut *self.conn()?)
            .map_err(map_error)?;
        Ok(())
    }
}
