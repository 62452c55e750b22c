-- A client's allowed scopes become its client_scopes assignments, the one source of truth
-- (SQLite; same names as migrations/postgres). clients.scope stays as the derived list of the
-- assigned names. A client that allowed every scope of its realm (NULL) is assigned every scope
-- the realm has now; names its realm does not define are dropped. Assignments the old list did not
-- name had no effect; they are removed rather than turned into rights.
DELETE FROM client_scopes
WHERE id IN (
    SELECT a.id
    FROM client_scopes a
    JOIN clients c ON c.id = a.client_id
    JOIN scopes s ON s.id = a.scope_id
    WHERE c.scope IS NOT NULL AND instr(' ' || c.scope || ' ', ' ' || s.name || ' ') = 0
);

INSERT OR IGNORE INTO client_scopes (id, realm_id, client_id, scope_id)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
             || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
       c.realm_id, c.id, s.id
FROM clients c
JOIN scopes s ON s.realm_id = c.realm_id
WHERE c.scope IS NULL OR instr(' ' || c.scope || ' ', ' ' || s.name || ' ') > 0;

UPDATE clients
SET scope = COALESCE(
    (SELECT group_concat(name, ' ')
     FROM (SELECT s.name AS name
           FROM client_scopes a JOIN scopes s ON s.id = a.scope_id
           WHERE a.client_id = clients.id
           ORDER BY s.name)),
    '');
