DROP INDEX login_failures_window_start;
DROP INDEX revoked_tokens_expires_at;
DROP INDEX sessions_expires_at;
DROP INDEX authorization_codes_expires_at;
DROP INDEX refresh_tokens_expires_at;
DROP INDEX sessions_user;
DROP INDEX sessions_realm;
CREATE TABLE consents_old (
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id text NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope text NOT NULL,
    created_at timestamp NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
INSERT INTO consents_old SELECT user_id, client_id, scope, created_at FROM consents;
DROP TABLE consents;
ALTER TABLE consents_old RENAME TO consents;
DROP TABLE events;
DROP TABLE client_scopes;
DROP TABLE client_permissions;
DROP TABLE user_permissions;
CREATE TABLE role_permissions_old (
    role_id text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id text NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id)
);
INSERT INTO role_permissions_old SELECT role_id, permission_id FROM role_permissions;
DROP TABLE role_permissions;
ALTER TABLE role_permissions_old RENAME TO role_permissions;
CREATE TABLE user_roles_old (
    user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id text NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, role_id)
);
INSERT INTO user_roles_old SELECT user_id, role_id FROM user_roles;
DROP TABLE user_roles;
ALTER TABLE user_roles_old RENAME TO user_roles;
