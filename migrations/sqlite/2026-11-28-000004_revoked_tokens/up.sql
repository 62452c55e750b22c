-- Revoked access tokens (by jti) and grants (by family id), kept until the tokens they cover have
-- expired (SQLite). Same names as migrations/postgres.
CREATE TABLE revoked_tokens (
    id text PRIMARY KEY,
    expires_at timestamp NOT NULL
);
