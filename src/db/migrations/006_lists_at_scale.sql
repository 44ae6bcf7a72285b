-- Lists at a million sessions (issue 10): every list is served by an index in its own order, and totals are
-- exact without counting rows. docs/performance.md shows each list query's plan.

-- Evo sorts by last modification: a column instead of an expression on the document.
ALTER TABLE sessions ADD COLUMN last_event_at timestamptz;
UPDATE sessions SET last_event_at = to_timestamp((doc ->> 'lastEventAt')::double precision / 1000);
ALTER TABLE sessions ALTER COLUMN last_event_at SET NOT NULL;

-- Sorted lists, newest (or last) first, with the filters that narrow them most as a prefix. An ORDER BY …
-- NULLS LAST needs an index in exactly that order.
CREATE INDEX sessions_ended_order ON sessions (tenant_id, ended DESC NULLS LAST, id DESC);
DROP INDEX sessions_ended;
CREATE INDEX sessions_modified_order ON sessions (tenant_id, last_event_at DESC, id DESC);
CREATE INDEX sessions_channel_order ON sessions (tenant_id, channel, created DESC, id DESC);
CREATE INDEX sessions_source_order ON sessions (tenant_id, source, created DESC, id DESC);
CREATE INDEX sessions_status_order ON sessions (tenant_id, status, created DESC, id DESC);
DROP INDEX sessions_status;
CREATE INDEX sessions_containment_order ON sessions (tenant_id, containment, created DESC, id DESC)
  WHERE containment IS NOT NULL;
-- Kore reads bot sessions only.
CREATE INDEX sessions_bot_order ON sessions (tenant_id, created DESC, id DESC) WHERE bot_ids <> '{}';

-- Sessions per tenant and UTC day, kept exact by triggers on every insert, delete and change of `created`,
-- whatever statement makes it (intake, bulk delete, retention, tenant deletion). Each backend adds to its
-- own shard of a day so that concurrent intake never waits on one counter row; a reader sums the shards.
CREATE TABLE session_day_counts (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  day       date NOT NULL,
  shard     smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (tenant_id, day, shard)
);
INSERT INTO session_day_counts (tenant_id, day, shard, n)
  SELECT tenant_id, (created AT TIME ZONE 'UTC')::date, 0, count(*) FROM sessions GROUP BY 1, 2;

CREATE FUNCTION session_day_counts_add(delta_rows jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO session_day_counts (tenant_id, day, shard, n)
    SELECT d.tenant_id, d.day, (pg_backend_pid() % 8)::smallint, sum(d.n)
      FROM jsonb_to_recordset(delta_rows) AS d(tenant_id text, day date, n bigint)
     -- A tenant being deleted takes its counts with it.
     WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = d.tenant_id)
     GROUP BY d.tenant_id, d.day
    HAVING sum(d.n) <> 0
  ON CONFLICT (tenant_id, day, shard) DO UPDATE SET n = session_day_counts.n + EXCLUDED.n
$$;

CREATE FUNCTION sessions_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM session_day_counts_add(jsonb_agg(jsonb_build_object(
    'tenant_id', tenant_id, 'day', (created AT TIME ZONE 'UTC')::date, 'n', 1)))
    FROM new_rows;
  RETURN NULL;
END $$;

CREATE FUNCTION sessions_counted_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM session_day_counts_add(jsonb_agg(jsonb_build_object(
    'tenant_id', tenant_id, 'day', (created AT TIME ZONE 'UTC')::date, 'n', -1)))
    FROM old_rows;
  RETURN NULL;
END $$;

CREATE FUNCTION sessions_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM session_day_counts_add(jsonb_agg(d))
    FROM (
      SELECT jsonb_build_object('tenant_id', o.tenant_id, 'day', (o.created AT TIME ZONE 'UTC')::date, 'n', -1) AS d
        FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.created AT TIME ZONE 'UTC')::date <> (n.created AT TIME ZONE 'UTC')::date
      UNION ALL
      SELECT jsonb_build_object('tenant_id', n.tenant_id, 'day', (n.created AT TIME ZONE 'UTC')::date, 'n', 1)
        FROM old_rows o JOIN new_rows n ON n.id = o.id
       WHERE (o.created AT TIME ZONE 'UTC')::date <> (n.created AT TIME ZONE 'UTC')::date
    ) AS changes;
  RETURN NULL;
END $$;

CREATE TRIGGER sessions_counted_insert AFTER INSERT ON sessions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sessions_counted_insert();
CREATE TRIGGER sessions_counted_delete AFTER DELETE ON sessions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sessions_counted_delete();
CREATE TRIGGER sessions_counted_update AFTER UPDATE ON sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION sessions_counted_update();

-- Combinations of the low-cardinality columns are far from independent (no AV session is a bot's
-- self-service): multivariate statistics keep the planner from walking a whole ordered index for a filter
-- pair that matches nothing.
CREATE STATISTICS sessions_dimensions (mcv, dependencies) ON channel, source, status, containment FROM sessions;
