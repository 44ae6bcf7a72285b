-- Export jobs (issue 14): a bulk export written to a file by the server, so that a client need not hold a
-- connection for the length of a large range. One row a job; the runner of any server claims a queued job
-- (or one whose runner stopped renewing its lease) with FOR UPDATE SKIP LOCKED.
CREATE TABLE export_jobs (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  -- The export's parameters: the session list's filters, format and rows.
  params       jsonb NOT NULL,
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  -- Lines written so far (sessions, or operator legs), and where in the range the export has got to.
  written      bigint NOT NULL DEFAULT 0,
  reached      timestamptz,
  bytes        bigint,
  sha256       text,
  storage_key  text,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz,
  expires_at   timestamptz,
  lease_until  timestamptz,
  attempts     integer NOT NULL DEFAULT 0
);
CREATE INDEX export_jobs_tenant ON export_jobs (tenant_id, created_at DESC);
CREATE INDEX export_jobs_pending ON export_jobs (created_at) WHERE status IN ('queued', 'running');
CREATE INDEX export_jobs_expiry ON export_jobs (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX export_jobs_storage ON export_jobs (storage_key) WHERE storage_key IS NOT NULL;
