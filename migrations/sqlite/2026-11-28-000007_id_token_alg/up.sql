-- A client may ask for ES256 ID tokens (RFC 7591 id_token_signed_response_alg; RS256 when null).
-- SQLite; same names as migrations/postgres.
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg text;
