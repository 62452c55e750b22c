DELETE FROM bootstrap WHERE completed_at IS NULL;
ALTER TABLE bootstrap ALTER COLUMN completed_at SET NOT NULL;
