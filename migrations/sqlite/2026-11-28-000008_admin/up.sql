-- Admin API (SQLite; same names as migrations/postgres): assignments get an id and the realm of
-- their first party (Authup's shape), three more assignment kinds, and the audit event log.
CREATE TABLE user_roles_new (
    id text PRIMARY KEY,
    realm_id text NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    UNIQUE (user_id, role_id)
);
INSERT INTO user_roles_new (id, realm_id, user_id, role_id)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
             || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
       users.realm_id, user_roles.user_id, user_roles.role_id
FROM user_roles JOIN users ON users.id = user_roles.user_id;
DROP TABLE user_roles;
ALTER TABLE user_roles_new RENAME TO user_roles;
CREATE INDEX user_roles_realm ON user_roles (realm_id);
CREATE INDEX user_roles_role ON user_roles (role_id);

CREATE TABLE role_permissions_new (
    id text PRIMARY KEY,
    realm_id text NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    role_id text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id text NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    UNIQUE (role_id, permission_id)
);
INSERT INTO role_permissions_new (id, realm_id, role_id, permission_id)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
             || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
       roles.realm_id, role_permissions.role_id, role_permissions.permission_id
FROM role_permissions JOIN roles ON roles.id = role_permissions.role_id;
DROP TABLE role_permissions;
ALTER TABLE role_permissions_new RENAME TO role_permissions;
CREATE INDEX role_permissions_realm ON role_permissions (realm_id);
CREATE INDEX role_permissions_permission ON role_permissions (permission_id);

CREATE TABLE user_permissions (
    id text PRIMARY KEY,
    realm_id text NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    permission_id text NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    UNIQUE (user_id, permission_id)
);
CREATE INDEX user_permissions_realm ON user_permissions (realm_id);
CREATE INDEX user_permissions_permission ON user_permissions (permission_id);

CREATE TABLE client_permissions (
    id text PRIMARY KEY,
    realm_id text NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    permission_id text NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    UNIQUE (client_id, permission_id)
);
CREATE INDEX client_permissions_realm ON client_permissions (realm_id);
CREATE INDEX client_permissions_permission ON client_permissions (permission_id);

CREATE TABLE client_scopes (
    id text PRIMARY KEY,
    realm_id text NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope_id text NOT NULL REFERENCES scopes (id) ON DELETE CASCADE,
    UNIQUE (client_id, scope_id)
);
CREATE INDEX client_scopes_realm ON client_scopes (realm_id);
CREATE INDEX client_scopes_scope ON client_scopes (scope_id);

-- Audit events outlive what they name: no foreign keys.
CREATE TABLE events (
    id text PRIMARY KEY,
    realm_id text,
    name text NOT NULL,
    success boolean NOT NULL,
    actor_type text,
    actor_id text,
    target_type text,
    target_id text,
    ip text,
    detail text,
    count bigint NOT NULL DEFAULT 1,
    created_at timestamp NOT NULL
);
CREATE INDEX events_created_at ON events (created_at);
CREATE INDEX events_realm_created_at ON events (realm_id, created_at);

CREATE TABLE consents_new (
    id text PRIMARY KEY,
    realm_id text NOT NULL REFERENCES realms (id) ON DELETE CASCADE,
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope text NOT NULL,
    created_at timestamp NOT NULL,
    UNIQUE (user_id, client_id)
);
INSERT INTO consents_new (id, realm_id, user_id, client_id, scope, created_at)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
             || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
       users.realm_id, consents.user_id, consents.client_id, consents.scope, consents.created_at
FROM consents JOIN users ON users.id = consents.user_id;
DROP TABLE consents;
ALTER TABLE consents_new RENAME TO consents;
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
