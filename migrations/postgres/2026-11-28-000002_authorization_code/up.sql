-- Authorization codes, login sessions and consents (PostgreSQL). Same names as migrations/sqlite.
CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE authorization_codes (
    id uuid PRIMARY KEY,
    code_hash text NOT NULL UNIQUE,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id uuid REFERENCES sessions (id) ON DELETE SET NULL,
    redirect_uri text NOT NULL,
    scope text NOT NULL,
    code_challenge text,
    code_challenge_method text,
    nonce text,
    auth_time timestamptz NOT NULL,
    family_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz
);

CREATE TABLE consents (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
