-- Failed-login counters of the brute-force throttle (PostgreSQL). Same names as migrations/sqlite.
CREATE TABLE login_failures (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    window_start timestamptz NOT NULL,
    last_failure timestamptz NOT NULL
);
