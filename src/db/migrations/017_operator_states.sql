-- Operator (agent) state (docs/metrics.md "Operator state", docs/decisions.md): `operator.state` events in a
-- log of their own (they belong to an operator, not a session), the time in each state per operator and
-- 15-minute UTC bucket (kept in the ingest transaction, split exactly at bucket boundaries), and each
-- operator's current state for the live routes.
CREATE TABLE operator_events (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           text NOT NULL,
  operator_id  text NOT NULL,
  at           timestamptz NOT NULL,
  state        text NOT NULL,
  reason       text,
  paid         boolean,
  body         jsonb NOT NULL,
  content_hash text NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
-- The timeline order: at, then id in byte order (COLLATE "C", the same on every server and locale).
CREATE INDEX operator_events_timeline ON operator_events (tenant_id, operator_id, at, id COLLATE "C");

-- Milliseconds each operator spent in each state (`kind`: the OperatorStateKind name, `BREAK:paid` for a
-- paid break) within each 15-minute UTC bucket, from closed segments only (the open one is measured at read).
CREATE TABLE operator_state_rollups (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  operator_id text NOT NULL,
  bucket      timestamptz NOT NULL,
  kind        text NOT NULL,
  ms          bigint NOT NULL,
  PRIMARY KEY (tenant_id, operator_id, bucket, kind)
);
CREATE INDEX operator_state_rollups_bucket ON operator_state_rollups (tenant_id, bucket);

-- Each operator's latest state event (the open segment) and since when they have been in that state.
CREATE TABLE operator_live (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  operator_id text NOT NULL,
  state       text NOT NULL,
  since       timestamptz NOT NULL,
  reason      text,
  paid        boolean,
  last_at     timestamptz NOT NULL,
  last_id     text NOT NULL,
  PRIMARY KEY (tenant_id, operator_id)
);

-- The queues (groups) an operator serves: every queue of a session they were offered or accepted.
CREATE TABLE operator_queues (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  operator_id text NOT NULL,
  queue_id    integer NOT NULL,
  PRIMARY KEY (tenant_id, queue_id, operator_id)
);
