-- The bootstrap record becomes a claim first (PostgreSQL; same names as migrations/sqlite): a
-- first bootstrap inserts its row with completed_at NULL before it creates anything, so a node
-- that finds the master realm can tell a bootstrap in progress (or interrupted: finish it) from a
-- database an older version bootstrapped (adopt it, create nothing).
ALTER TABLE bootstrap ALTER COLUMN completed_at DROP NOT NULL;
