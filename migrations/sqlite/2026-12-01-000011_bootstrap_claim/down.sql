CREATE TABLE bootstrap_complete (
    id integer PRIMARY KEY CHECK (id = 1),
    admin_role_id text REFERENCES roles (id) ON DELETE SET NULL,
    admin_user_id text REFERENCES users (id) ON DELETE SET NULL,
    completed_at timestamp NOT NULL
);
INSERT INTO bootstrap_complete (id, admin_role_id, admin_user_id, completed_at)
    SELECT id, admin_role_id, admin_user_id, completed_at FROM bootstrap
    WHERE completed_at IS NOT NULL;
DROP TABLE bootstrap;
ALTER TABLE bootstrap_complete RENAME TO bootstrap;
