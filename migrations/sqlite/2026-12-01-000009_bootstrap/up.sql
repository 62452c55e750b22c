-- The one-time bootstrap's record (SQLite; same names as migrations/postgres): while no row
-- exists the server may bootstrap; once one does, nothing is ever re-created or re-granted by
-- name. It names the built-in admin role and the bootstrap admin by id.
CREATE TABLE bootstrap (
    id integer PRIMARY KEY CHECK (id = 1),
    admin_role_id text REFERENCES roles (id) ON DELETE SET NULL,
    admin_user_id text REFERENCES users (id) ON DELETE SET NULL,
    completed_at timestamp NOT NULL
);
