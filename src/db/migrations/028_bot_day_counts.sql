-- Kore's getSessions answers `total` for a bot over a window of up to 7 days. Counting the rows took most of
-- the call at 1M sessions (the bot filter needs every row of the window: 109 ms for 20,902 sessions of 6
-- days, 44 ms on an idle machine). These counters keep the number of sessions per tenant, bot and UTC day
-- exactly, as `session_day_counts` does per tenant (migration 006): whole days are summed from here and only
-- the window's partial first and last days are counted from rows. Bot '*' counts sessions with any bot (the
-- bot-less getSessions route). Sharded by backend, so concurrent intake never waits on one counter row.
CREATE TABLE session_bot_day_counts (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  bot_id    text NOT NULL,
  day       date NOT NULL,
  shard     smallint NOT NULL,
  n         bigint NOT NULL,
  PRIMARY KEY (tenant_id, bot_id, day, shard)
);

-- The keys one session row adds: one per bot, and '*' when it has any.
CREATE FUNCTION session_bot_keys(bot_ids text[]) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN cardinality(bot_ids) = 0 THEN '{}'::text[]
              ELSE ARRAY(SELECT DISTINCT b FROM unnest(bot_ids || '*'::text) AS b) END
$$;

INSERT INTO session_bot_day_counts (tenant_id, bot_id, day, shard, n)
  SELECT tenant_id, b, (created AT TIME ZONE 'UTC')::date, 0, count(*)
    FROM sessions, unnest(session_bot_keys(bot_ids)) AS b
   WHERE bot_ids <> '{}'
   GROUP BY 1, 2, 3;

CREATE FUNCTION session_bot_day_counts_add(delta_rows jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO session_bot_day_counts (tenant_id, bot_id, day, shard, n)
    SELECT d.tenant_id, d.bot_id, d.day, (pg_backend_pid() % 8)::smallint, sum(d.n)
      FROM jsonb_to_recordset(delta_rows) AS d(tenant_id text, bot_id text, day date, n bigint)
     -- A tenant being deleted takes its counts with it.
     WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.id = d.tenant_id)
     GROUP BY d.tenant_id, d.bot_id, d.day
    HAVING sum(d.n) <> 0
     -- One order for every transaction's row locks, as the rollups (concurrent batches never deadlock).
     ORDER BY d.tenant_id, d.bot_id, d.day
  ON CONFLICT (tenant_id, bot_id, day, shard) DO UPDATE SET n = session_bot_day_counts.n + EXCLUDED.n
$$;

CREATE FUNCTION sessions_bot_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM session_bot_day_counts_add(jsonb_agg(jsonb_build_object(
    'tenant_id', r.tenant_id, 'bot_id', b, 'day', (r.created AT TIME ZONE 'UTC')::date, 'n', 1)))
    FROM new_rows r, unnest(session_bot_keys(r.bot_ids)) AS b;
  RETURN NULL;
END $$;

CREATE FUNCTION sessions_bot_counted_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM session_bot_day_counts_add(jsonb_agg(jsonb_build_object(
    'tenant_id', r.tenant_id, 'bot_id', b, 'day', (r.created AT TIME ZONE 'UTC')::date, 'n', -1)))
    FROM old_rows r, unnest(session_bot_keys(r.bot_ids)) AS b;
  RETURN NULL;
END $$;

-- Only rows whose day or bots changed move counts (intake rewrites every touched session).
CREATE FUNCTION sessions_bot_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM session_bot_day_counts_add(jsonb_agg(d))
    FROM (
      SELECT jsonb_build_object('tenant_id', o.tenant_id, 'bot_id', b,
                                'day', (o.created AT TIME ZONE 'UTC')::date, 'n', -1) AS d
        FROM old_rows o JOIN new_rows n ON n.id = o.id, unnest(session_bot_keys(o.bot_ids)) AS b
       WHERE o.bot_ids IS DISTINCT FROM n.bot_ids
          OR (o.created AT TIME ZONE 'UTC')::date <> (n.created AT TIME ZONE 'UTC')::date
      UNION ALL
      SELECT jsonb_build_object('tenant_id', n.tenant_id, 'bot_id', b,
                                'day', (n.created AT TIME ZONE 'UTC')::date, 'n', 1) AS d
        FROM old_rows o JOIN new_rows n ON n.id = o.id, unnest(session_bot_keys(n.bot_ids)) AS b
       WHERE o.bot_ids IS DISTINCT FROM n.bot_ids
          OR (o.created AT TIME ZONE 'UTC')::date <> (n.created AT TIME ZONE 'UTC')::date
    ) AS changes;
  RETURN NULL;
END $$;

CREATE TRIGGER sessions_bot_counted_insert AFTER INSERT ON sessions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sessions_bot_counted_insert();
CREATE TRIGGER sessions_bot_counted_delete AFTER DELETE ON sessions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sessions_bot_counted_delete();
CREATE TRIGGER sessions_bot_counted_update AFTER UPDATE ON sessions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION sessions_bot_counted_update();
