-- Revoked access tokens (by jti) and grants (by family id), kept until the tokens they cover have
-- expired (PostgreSQL). Same names as migrations/sqlite.
CREATE TABLE revoked_tokens (
    id text PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
