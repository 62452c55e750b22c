DROP INDEX refresh_tokens_session;
ALTER TABLE refresh_tokens DROP COLUMN session_id;
ALTER TABLE refresh_tokens DROP COLUMN auth_time;
