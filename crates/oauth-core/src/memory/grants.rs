//! The memory store's grants and housekeeping: refresh tokens, authorization codes, sessions,
//! consents, the login throttle, revocations, the bootstrap record, cleanup and the audit log.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::MemoryStore;
use crate::error::StoreError;
use crate::hash::TokenHash;
use crate::model::{
    AuthorizationCode, BootstrapRecord, Consent, Event, Failures, RefreshToken, Session, UnixTime,
};
use crate::store::{
    AuthorizationCodeStore, BootstrapStore, CleanupStore, ConsentStore, EventStore, GrantHolder,
    RefreshTokenStore, RevocationStore, SessionStore, StoreResult, ThrottleStore,
};

impl RefreshTokenStore for MemoryStore {
    fn create_refresh_token(&self, token: &RefreshToken) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner
            .refresh_tokens
            .values()
            .any(|t| t.id == token.id || t.token_hash == token.token_hash)
        {
            return Err(StoreError::Conflict("refresh token".to_owned()));
        }
        inner.refresh_tokens.insert(token.id, token.clone());
        Ok(())
    }
    fn find_refresh_token(&self, hash: &TokenHash) -> StoreResult<Option<RefreshToken>> {
        let inner = self.lock()?;
        Ok(inner
            .refresh_tokens
            .values()
            .find(|t| &t.token_hash == hash)
            .cloned())
    }
    fn rotate_refresh_token(
        &self,
        consumed_id: Uuid,
        successor: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool> {
        let mut inner = self.write()?;
        match inner.refresh_tokens.get_mut(&consumed_id) {
            Some(t) if t.consumed_at.is_none() && t.revoked_at.is_none() => {
                t.consumed_at = Some(now);
            }
            _ => return Ok(false),
        }
        inner.refresh_tokens.insert(successor.id, successor.clone());
        Ok(true)
    }
    fn refresh_families_of(&self, holder: GrantHolder) -> StoreResult<Vec<Uuid>> {
        let inner = self.lock()?;
        let held = |t: &RefreshToken| match holder {
            GrantHolder::Session(id) => t.session_id == Some(id),
            GrantHolder::User(id) => t.user_id == Some(id),
            GrantHolder::Client(id) => t.client_id == Some(id),
        };
        let families: BTreeSet<Uuid> = inner
            .refresh_tokens
            .values()
            .filter(|t| held(t) && t.revoked_at.is_none())
            .map(|t| t.family_id)
            .collect();
        Ok(families.into_iter().collect())
    }
    fn revoke_refresh_family(&self, family_id: Uuid, now: UnixTime) -> StoreResult<u64> {
        let mut inner = self.write()?;
        let mut count = 0;
        for t in inner.refresh_tokens.values_mut() {
            if t.family_id == family_id && t.revoked_at.is_none() {
                t.revoked_at = Some(now);
                count += 1;
            }
        }
        Ok(count)
    }
}

impl AuthorizationCodeStore for MemoryStore {
    fn create_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner
            .codes
            .values()
            .any(|c| c.id == code.id || c.code_hash == code.code_hash)
        {
            return Err(StoreError::Conflict("authorization code".to_owned()));
        }
        if !inner.clients.iter().any(|c| c.id == code.client_id)
            || !inner.users.iter().any(|u| u.id == code.user_id)
        {
            return Err(StoreError::NotFound);
        }
        inner.codes.insert(code.id, code.clone());
        Ok(())
    }
    fn find_authorization_code(&self, hash: &TokenHash) -> StoreResult<Option<AuthorizationCode>> {
        let inner = self.lock()?;
        Ok(inner.codes.values().find(|c| &c.code_hash == hash).cloned())
    }
    fn redeem_authorization_code(
        &self,
        id: Uuid,
        refresh_token: &RefreshToken,
        now: UnixTime,
    ) -> StoreResult<bool> {
        let mut inner = self.write()?;
        match inner.codes.get_mut(&id) {
            Some(code) if code.consumed_at.is_none() => code.consumed_at = Some(now),
            _ => return Ok(false),
        }
        inner
            .refresh_tokens
            .insert(refresh_token.id, refresh_token.clone());
        Ok(true)
    }
}

impl SessionStore for MemoryStore {
    fn create_session(&self, session: &Session) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner
            .sessions
            .iter()
            .any(|s| s.id == session.id || s.token_hash == session.token_hash)
        {
            return Err(StoreError::Conflict("session".to_owned()));
        }
        if !inner.users.iter().any(|u| u.id == session.user_id) {
            return Err(StoreError::NotFound);
        }
        inner.sessions.push(session.clone());
        Ok(())
    }
    fn find_session(&self, hash: &TokenHash) -> StoreResult<Option<Session>> {
        let inner = self.lock()?;
        Ok(inner
            .sessions
            .iter()
            .find(|s| &s.token_hash == hash)
            .cloned())
    }
    fn revoke_session(&self, id: Uuid, now: UnixTime) -> StoreResult<bool> {
        let mut inner = self.write()?;
        match inner.sessions.iter_mut().find(|s| s.id == id) {
            Some(session) if session.revoked_at.is_none() => {
                session.revoked_at = Some(now);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

impl ConsentStore for MemoryStore {
    fn save_consent(&self, consent: &Consent) -> StoreResult<()> {
        let mut inner = self.write()?;
        if !inner.clients.iter().any(|c| c.id == consent.client_id)
            || !inner.users.iter().any(|u| u.id == consent.user_id)
        {
            return Err(StoreError::NotFound);
        }
        let same =
            |c: &&mut Consent| c.user_id == consent.user_id && c.client_id == consent.client_id;
        match inner.consents.iter_mut().find(same) {
            // Widening keeps the consent's id, as the SQL upsert does.
            Some(existing) => {
                existing.scope.clone_from(&consent.scope);
                existing.created_at = consent.created_at;
            }
            None => inner.consents.push(consent.clone()),
        }
        Ok(())
    }
    fn find_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<Option<Consent>> {
        let inner = self.lock()?;
        let found = inner
            .consents
            .iter()
            .find(|c| c.user_id == user_id && c.client_id == client_id);
        Ok(found.cloned())
    }
    fn list_consents(&self, user_id: Uuid) -> StoreResult<Vec<Consent>> {
        let inner = self.lock()?;
        let mut found: Vec<Consent> = inner
            .consents
            .iter()
            .filter(|c| c.user_id == user_id)
            .cloned()
            .collect();
        found.sort_by_key(|c| (c.created_at, c.client_id));
        Ok(found)
    }
    fn delete_consent(&self, user_id: Uuid, client_id: Uuid) -> StoreResult<bool> {
        let mut inner = self.write()?;
        let before = inner.consents.len();
        inner
            .consents
            .retain(|c| !(c.user_id == user_id && c.client_id == client_id));
        Ok(inner.consents.len() != before)
    }
}

impl ThrottleStore for MemoryStore {
    fn login_failures(&self, key: &str) -> StoreResult<Option<Failures>> {
        Ok(self.lock()?.failures.get(key).copied())
    }
    fn take_login_attempt(
        &self,
        key: &str,
        now: UnixTime,
        window_cutoff: UnixTime,
        wait: &dyn Fn(&Failures) -> i64,
    ) -> StoreResult<Result<Failures, i64>> {
        let mut inner = self.write()?;
        let fresh = Failures {
            count: 0,
            window_start: now,
            last: now,
        };
        let entry = inner.failures.entry(key.to_owned()).or_insert(fresh);
        if entry.window_start < window_cutoff {
            *entry = fresh;
        }
        let seconds = wait(entry);
        if seconds > 0 {
            return Ok(Err(seconds));
        }
        entry.count += 1;
        entry.last = now;
        Ok(Ok(*entry))
    }
    fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        self.write()?.failures.remove(key);
        Ok(())
    }
}

impl RevocationStore for MemoryStore {
    fn revoke_token_id(&self, id: &str, expires_at: UnixTime) -> StoreResult<()> {
        self.write()?
            .revoked
            .entry(id.to_owned())
            .or_insert(expires_at);
        Ok(())
    }
    fn any_revoked(&self, ids: &[&str]) -> StoreResult<bool> {
        let inner = self.lock()?;
        Ok(ids.iter().any(|id| inner.revoked.contains_key(*id)))
    }
}

impl BootstrapStore for MemoryStore {
    fn bootstrap_record(&self) -> StoreResult<Option<BootstrapRecord>> {
        Ok(self.lock()?.bootstrap.clone())
    }
    fn save_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner.bootstrap.is_some() {
            return Err(StoreError::Conflict(
                "the database is bootstrapped already".into(),
            ));
        }
        inner.bootstrap = Some(record.clone());
        Ok(())
    }
    fn complete_bootstrap_record(&self, record: &BootstrapRecord) -> StoreResult<()> {
        let mut inner = self.write()?;
        if inner
            .bootstrap
            .as_ref()
            .is_none_or(|r| r.completed_at.is_none())
        {
            inner.bootstrap = Some(record.clone());
        }
        Ok(())
    }
}

impl CleanupStore for MemoryStore {
    fn purge_expired(&self, now: UnixTime, window_cutoff: UnixTime) -> StoreResult<u64> {
        let mut inner = self.write()?;
        let before = inner.refresh_tokens.len()
            + inner.codes.len()
            + inner.sessions.len()
            + inner.revoked.len()
            + inner.failures.len();
        inner.refresh_tokens.retain(|_, t| t.expires_at >= now);
        inner.codes.retain(|_, c| c.expires_at >= now);
        inner.sessions.retain(|s| s.expires_at >= now);
        inner.revoked.retain(|_, expires_at| *expires_at >= now);
        inner
            .failures
            .retain(|_, f| f.window_start >= window_cutoff);
        let after = inner.refresh_tokens.len()
            + inner.codes.len()
            + inner.sessions.len()
            + inner.revoked.len()
            + inner.failures.len();
        Ok((before - after) as u64)
    }
}

impl EventStore for MemoryStore {
    fn insert_events(&self, events: &[Event]) -> StoreResult<()> {
        self.write()?.events.extend_from_slice(events);
        Ok(())
    }
    fn purge_events(&self, before: UnixTime) -> StoreResult<u64> {
        let mut inner = self.write()?;
        let count = inner.events.len();
        inner.events.retain(|e| e.created_at >= before);
        Ok((count - inner.events.len()) as u64)
    }
}
