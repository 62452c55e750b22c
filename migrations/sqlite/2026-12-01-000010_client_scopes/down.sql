-- The assignments stay; the derived column already holds the same list.
SELECT 1;
