-- Storage at scale (issue 10).
--
-- 1. The list-order indexes ascend. Sessions arrive in time order, and a B-tree that grows at its right-hand
--    end splits its pages 90/10, one that grows at its left-hand end 50/50: the descending versions were half
--    empty (136 against 88 bytes a session for (tenant_id, created, id), measured). PostgreSQL reads an index
--    backwards as fast as forwards, so every ORDER BY … DESC the lists use is served as before; the ended index
--    is ASC NULLS FIRST so that read backwards it is the lists' `ended DESC NULLS LAST`.
DROP INDEX sessions_created;
CREATE INDEX sessions_created ON sessions (tenant_id, created, id);
DROP INDEX sessions_ended_order;
CREATE INDEX sessions_ended_order ON sessions (tenant_id, ended NULLS FIRST, id);
DROP INDEX sessions_modified_order;
CREATE INDEX sessions_modified_order ON sessions (tenant_id, last_event_at, id);
DROP INDEX sessions_channel_order;
CREATE INDEX sessions_channel_order ON sessions (tenant_id, channel, created, id);
DROP INDEX sessions_source_order;
CREATE INDEX sessions_source_order ON sessions (tenant_id, source, created, id);
DROP INDEX sessions_status_order;
CREATE INDEX sessions_status_order ON sessions (tenant_id, status, created, id);
DROP INDEX sessions_containment_order;
CREATE INDEX sessions_containment_order ON sessions (tenant_id, containment, created, id)
  WHERE containment IS NOT NULL;
DROP INDEX sessions_bot_order;
CREATE INDEX sessions_bot_order ON sessions (tenant_id, created, id) WHERE bot_ids <> '{}';

-- 2. The tenant-wide duplicate check as a function that cannot fall back to a sequential scan. The planner
--    has no useful statistics for `bigint[] && bigint[]` over unique keys (it guesses that a thousand keys
--    match most rows), so on its own it read every chunk of the table and parsed none of them usefully: 700 ms
--    for a 1,000-event batch at 10,000 sessions instead of a few milliseconds through the GIN index.
CREATE FUNCTION stored_event_sessions(p_tenant text, p_keys bigint[], p_ids text[])
  RETURNS TABLE (id text, session_id text)
  LANGUAGE sql STABLE PARALLEL SAFE
  SET enable_seqscan = off
  AS $$
    SELECT e.body ->> 'id', a.session_id
      FROM session_events a, json_array_elements(a.events) AS e(body)
     WHERE a.tenant_id = p_tenant AND a.id_keys && p_keys AND e.body ->> 'id' = ANY (p_ids)
  $$;

-- 3. The id-key index takes its entries at once (no pending list). With GIN's default fast update, new keys
--    wait in an unsorted list that every search reads whole, and a batch asks for a thousand keys at a time:
--    the check of one batch took 290 ms against 32,000 pending keys (measured), and grew with them until a
--    VACUUM. Inserting straight into the tree costs a little more per chunk written and keeps every search at
--    the index's depth.
ALTER INDEX session_events_ids SET (fastupdate = off);
SELECT gin_clean_pending_list('session_events_ids'::regclass);

-- 4. The personal-data keys (erasure by guest, migration 007) read the stored document once instead of seven
--    times: each `doc -> …` of the old function decompressed the whole document again, which made this one
--    index cost more to maintain than all the others on the table together (75 → 24 µs a row, measured; the
--    keys are the same, checked over 10,000 sessions).
DROP INDEX sessions_personal;
CREATE OR REPLACE FUNCTION session_personal_keys(doc jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_remove(ARRAY[
    'i:' || (d.guest ->> 'identity'),
    'i:' || (d.bot ->> 'userId'),
    'p:' || regexp_replace(d.guest ->> 'phone', '[^0-9+]', '', 'g'),
    'p:' || regexp_replace(d."phoneCallbackNumber", '[^0-9+]', '', 'g'),
    'p:' || regexp_replace(d.telephony ->> 'from', '[^0-9+]', '', 'g'),
    'p:' || regexp_replace(d.telephony ->> 'callbackNumber', '[^0-9+]', '', 'g'),
    'e:' || lower(d.guest ->> 'email')
  ], NULL)
  FROM jsonb_to_record(doc) AS d(guest jsonb, bot jsonb, telephony jsonb, "phoneCallbackNumber" text)
$$;
CREATE INDEX sessions_personal ON sessions USING gin (session_personal_keys(doc));
