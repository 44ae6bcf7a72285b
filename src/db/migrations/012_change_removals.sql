-- A removed session (retention, a bulk delete) enters the change feed too, with no summary: stream clients
-- drop it, and every server drops what it cached of it.
ALTER TABLE session_changes ALTER COLUMN summary DROP NOT NULL;
