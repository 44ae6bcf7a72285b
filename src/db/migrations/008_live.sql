-- The live change feed (docs/live.md): one row per session change, written in the ingest transaction, read
-- by every server's stream hub (LISTEN/NOTIFY wakes them) and by clients resuming with Last-Event-ID.
-- Rows are kept 24 hours (the resume window), then pruned.
CREATE TABLE session_changes (
  id         bigserial PRIMARY KEY,
  tenant_id  text NOT NULL,
  session_id text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  summary    jsonb NOT NULL
);
CREATE INDEX session_changes_tenant ON session_changes (tenant_id, id);
CREATE INDEX session_changes_at ON session_changes (at);
