-- Refresh tokens remember when and in which session the user authenticated (ID tokens on refresh,
-- logout). PostgreSQL; same names as migrations/sqlite.
ALTER TABLE refresh_tokens ADD COLUMN auth_time timestamptz;
ALTER TABLE refresh_tokens ADD COLUMN session_id uuid;
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
