-- Operator state changes enter the live change feed in the same id order as session changes, so one
-- Last-Event-ID resumes both: a row with `operator` set is an operator change (session_id is '').
ALTER TABLE session_changes ADD COLUMN operator jsonb;
