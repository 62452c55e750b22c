-- Admin API (PostgreSQL; same names as migrations/sqlite): assignments get an id and the realm of
-- their first party (Authup's shape), three more assignment kinds, and the audit event log.
ALTER TABLE user_roles ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE user_roles ADD COLUMN realm_id uuid REFERENCES realms (id) ON DELETE CASCADE;
UPDATE user_roles SET realm_id = users.realm_id FROM users WHERE users.id = user_roles.user_id;
ALTER TABLE user_roles ALTER COLUMN realm_id SET NOT NULL, ALTER COLUMN id DROP DEFAULT;
ALTER TABLE user_roles DROP CONSTRAINT user_roles_pkey;
ALTER TABLE user_roles ADD PRIMARY KEY (id);
ALTER TABLE user_roles ADD CONSTRAINT user_roles_user_id_role_id_key UNIQUE (user_id, role_id);
CREATE INDEX user_roles_realm ON user_roles (realm_id);
CREATE INDEX user_roles_role ON user_roles (role_id);

ALTER TABLE role_permissions ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE role_permissions ADD COLUMN realm_id uuid REFERENCES realms (id) ON DELETE CASCADE;
UPDATE role_permissions SET realm_id = roles.realm_id FROM roles WHERE roles.id = role_permissions.role_id;
ALTER TABLE role_permissions ALTER COLUMN realm_id SET NOT NULL, ALTER COLUMN id DROP DEFAULT;
ALTER TABLE role_permissions DROP CONSTRAINT role_permissions_pkey;
ALTER TABLE role_permissions ADD PRIMARY KEY (id);
ALTER TABLE role_permissions
    ADD CONSTRAINT role_permissions_role_id_permission_id_key UNIQUE (role_id, permission_id);
CREATE INDEX role_permissions_realm ON role_permissions (realm_id);
CREATE INDEX role_permissions_permission ON role_permissions (permission_id);

CREATE TABLE user_permissions (
    id uuid PRIMARY KEY,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission_id uuid NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    UNIQUE (user_id, permission_id)
);
CREATE INDEX user_permissions_realm ON user_permissions (realm_id);
CREATE INDEX user_permissions_permission ON user_permissions (permission_id);

CREATE TABLE client_permissions (
    id uuid PRIMARY KEY,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    permission_id uuid NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    UNIQUE (client_id, permission_id)
);
CREATE INDEX client_permissions_realm ON client_permissions (realm_id);
CREATE INDEX client_permissions_permission ON client_permissions (permission_id);

CREATE TABLE client_scopes (
    id uuid PRIMARY KEY,
    realm_id uuid NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id uuid NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope_id uuid NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
    UNIQUE (client_id, scope_id)
);
CREATE INDEX client_scopes_realm ON client_scopes (realm_id);
CREATE INDEX client_scopes_scope ON client_scopes (scope_id);

-- Audit events outlive what they name: no foreign keys.
CREATE TABLE events (
    id uuid PRIMARY KEY,
    realm_id uuid,
    name text NOT NULL,
    success boolean NOT NULL,
    actor_type text,
    actor_id text,
    target_type text,
    target_id text,
    ip text,
    detail text,
    count bigint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL
);
CREATE INDEX events_created_at ON events (created_at);
CREATE INDEX events_realm_created_at ON events (realm_id, created_at);

ALTER TABLE consents ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE consents ADD COLUMN realm_id uuid REFERENCES realms (id) ON DELETE CASCADE;
UPDATE consents SET realm_id = users.realm_id FROM users WHERE users.id = consents.user_id;
ALTER TABLE consents ALTER COLUMN realm_id SET NOT NULL, ALTER COLUMN id DROP DEFAULT;
ALTER TABLE consents DROP CONSTRAINT consents_pkey;
ALTER TABLE consents ADD PRIMARY KEY (id);
ALTER TABLE consents ADD CONSTRAINT consents_user_id_client_id_key UNIQUE (user_id, client_id);
CREATE INDEX consents_realm ON consents (realm_id);
CREATE INDEX consents_client ON consents (client_id);

CREATE INDEX sessions_realm ON sessions (realm_id);
CREATE INDEX sessions_user ON sessions (user_id);

-- Expired rows are purged every minute by every node: index what the purge filters on.
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
CREATE INDEX login_failures_window_start ON login_failures (window_start);
