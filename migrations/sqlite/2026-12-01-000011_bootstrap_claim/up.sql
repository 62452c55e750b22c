-- The bootstrap record becomes a claim first (SQLite; same names as migrations/postgres): a first
-- bootstrap inserts its row with completed_at NULL before it creates anything, so a node that
-- finds the master realm can tell a bootstrap in progress (or interrupted: finish it) from a
-- database an older version bootstrapped (adopt it, create nothing).
CREATE TABLE bootstrap_claim (
    id integer PRIMARY KEY CHECK (id = 1),
    admin_role_id text REFERENCES roles (id) ON DELETE SET NULL,
    admin_user_id text REFERENCES users (id) ON DELETE SET NULL,
    completed_at timestamp
);
INSERT INTO bootstrap_claim (id, admin_role_id, admin_user_id, completed_at)
    SELECT id, admin_role_id, admin_user_id, completed_at FROM bootstrap;
DROP TABLE bootstrap;
ALTER TABLE bootstrap_claim RENAME TO bootstrap;
