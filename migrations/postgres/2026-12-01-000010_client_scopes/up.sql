-- A client's allowed scopes become its client_scopes assignments, the one source of truth
-- (PostgreSQL; same names as migrations/sqlite). clients.scope stays as the derived list of the
-- assigned names. A client that allowed every scope of its realm (NULL) is assigned every scope
-- the realm has now; names its realm does not define are dropped. Assignments the old list did not
-- name had no effect; they are removed rather than turned into rights.
DELETE FROM client_scopes a
USING clients c, scopes s
WHERE a.client_id = c.id AND s.id = a.scope_id AND c.scope IS NOT NULL
  AND NOT (s.name = ANY (string_to_array(c.scope, ' ')));

INSERT INTO client_scopes (id, realm_id, client_id, scope_id)
SELECT gen_random_uuid(), c.realm_id, c.id, s.id
FROM clients c
JOIN scopes s ON s.realm_id = c.realm_id
WHERE c.scope IS NULL OR s.name = ANY (string_to_array(c.scope, ' '))
ON CONFLICT DO NOTHING;

UPDATE clients c
SET scope = COALESCE(
    (SELECT string_agg(s.name, ' ' ORDER BY s.name)
     FROM client_scopes a JOIN scopes s ON s.id = a.scope_id
     WHERE a.client_id = c.id),
    '');
