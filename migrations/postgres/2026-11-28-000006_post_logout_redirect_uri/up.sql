-- Where a client may send the browser after logout (comma-separated, Authup's shape). PostgreSQL;
-- same names as migrations/sqlite.
ALTER TABLE clients ADD COLUMN post_logout_redirect_uri text;
