-- Portcullis initial schema (PostgreSQL). Keep table and column names identical to migrations/sqlite.
CREATE TABLE realms (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    display_name text,
    access_token_lifetime bigint NOT NULL,
    refresh_token_lifetime bigint NOT NULL,
    access_token_algorithm text NOT NULL,
    built_in boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL
);

CREATE TABLE users (
    id uuid PRIMARY KEY,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    name text NOT NULL,
    display_name text,
    first_name text,
    last_name text,
    email text,
    email_verified boolean NOT NULL DEFAULT false,
    password_hash text,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (realm_id, name)
);

CREATE TABLE clients (
    id uuid PRIMARY KEY,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    name text NOT NULL,
    display_name text,
    description text,
    active boolean NOT NULL DEFAULT true,
    secret_hash text,
    grant_types text,
    scope text,
    redirect_uri text,
    first_party boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (realm_id, name)
);

CREATE TABLE scopes (
    id uuid PRIMARY KEY,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text,
    built_in boolean NOT NULL DEFAULT false,
    UNIQUE (realm_id, name)
);

CREATE TABLE roles (
    id uuid PRIMARY KEY,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    name text NOT NULL,
    description text,
    built_in boolean NOT NULL DEFAULT false,
    UNIQUE (realm_id, name)
);

CREATE TABLE permissions (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE,
    description text,
    built_in boolean NOT NULL DEFAULT false
);

CREATE TABLE role_permissions (
    role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id uuid NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id)
);

CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);

CREATE TABLE signing_keys (
    id uuid PRIMARY KEY,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    algorithm text NOT NULL,
    status text NOT NULL,
    private_key text NOT NULL,
    public_jwk text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX signing_keys_realm ON signing_keys (realm_id);

CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    family_id uuid NOT NULL,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id uuid REFERENCES clients (id) ON DELETE CASCADE,
    user_id uuid REFERENCES users (id) ON DELETE CASCADE,
    scope text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
