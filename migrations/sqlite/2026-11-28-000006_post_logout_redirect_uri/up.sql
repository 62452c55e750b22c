-- Where a client may send the browser after logout (comma-separated, Authup's shape). SQLite;
-- same names as migrations/postgres.
ALTER TABLE clients ADD COLUMN post_logout_redirect_uri text;
