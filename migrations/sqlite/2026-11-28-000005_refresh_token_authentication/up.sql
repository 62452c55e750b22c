-- Refresh tokens remember when and in which session the user authenticated (ID tokens on refresh,
-- logout). SQLite; same names as migrations/postgres.
ALTER TABLE refresh_tokens ADD COLUMN auth_time timestamp;
ALTER TABLE refresh_tokens ADD COLUMN session_id text;
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
