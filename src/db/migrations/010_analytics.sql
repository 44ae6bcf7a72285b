-- Analytics rollups (docs/metrics.md): per tenant, queue, channel and 15-minute UTC bucket, the counts and
-- sums every queue metric is derived from. Kept in the ingest transaction: each session's contribution is
-- stored beside it (`sessions.analytics`), so a re-projection subtracts exactly what it added before.
ALTER TABLE sessions ADD COLUMN analytics jsonb;

CREATE TABLE queue_rollups (
  tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  queue_id           integer NOT NULL,
  channel            text NOT NULL,
  bucket             timestamptz NOT NULL,
  offered            bigint NOT NULL DEFAULT 0,
  answered           bigint NOT NULL DEFAULT 0,
  abandoned          bigint NOT NULL DEFAULT 0,
  short_abandoned    bigint NOT NULL DEFAULT 0,
  answered_within_sl bigint NOT NULL DEFAULT 0,
  wait_sum           bigint NOT NULL DEFAULT 0,
  wait_count         bigint NOT NULL DEFAULT 0,
  wait_max           bigint,
  talk_sum           bigint NOT NULL DEFAULT 0,
  talk_count         bigint NOT NULL DEFAULT 0,
  talk_max           bigint,
  hold_sum           bigint NOT NULL DEFAULT 0,
  hold_count         bigint NOT NULL DEFAULT 0,
  hold_max           bigint,
  acw_sum            bigint NOT NULL DEFAULT 0,
  acw_count          bigint NOT NULL DEFAULT 0,
  acw_max            bigint,
  handle_sum         bigint NOT NULL DEFAULT 0,
  handle_count       bigint NOT NULL DEFAULT 0,
  handle_max         bigint,
  transferred        bigint NOT NULL DEFAULT 0,
  operator_timeouts  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, queue_id, channel, bucket)
);
CREATE INDEX queue_rollups_bucket ON queue_rollups (tenant_id, bucket);

-- The latest name each queue (group) was seen with.
CREATE TABLE analytics_queues (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  queue_id  integer NOT NULL,
  name      text,
  PRIMARY KEY (tenant_id, queue_id)
);
