-- Authorization codes, login sessions and consents (SQLite). Same names as migrations/postgres.
CREATE TABLE sessions (
    id text PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    realm_id text NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time timestamp NOT NULL,
    created_at timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    revoked_at timestamp
);

CREATE TABLE authorization_codes (
    id text PRIMARY KEY,
    code_hash text NOT NULL UNIQUE,
    realm_id text NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id text REFERENCES sessions (id) ON DELETE SET NULL,
    redirect_uri text NOT NULL,
    scope text NOT NULL,
    code_challenge text,
    code_challenge_method text,
    nonce text,
    auth_time timestamp NOT NULL,
    family_id text NOT NULL,
    created_at timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    consumed_at timestamp
);

CREATE TABLE consents (
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope text NOT NULL,
    created_at timestamp NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
