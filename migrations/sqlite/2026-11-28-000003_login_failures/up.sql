-- Failed-login counters of the brute-force throttle (SQLite). Same names as migrations/postgres.
CREATE TABLE login_failures (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    window_start timestamp NOT NULL,
    last_failure timestamp NOT NULL
);
