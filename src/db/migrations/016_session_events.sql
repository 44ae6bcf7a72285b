-- The event log, one row per session instead of one per event (issue 10: 9.9 KB of the 14.7 KB a session
-- took was the events table, most of it row headers, a repeated tenant id, a hex hash and two index entries
-- per event). A session's events are one JSON array, compressed as one value; the tenant-wide "was this id
-- seen before?" check goes through a GIN index of 64-bit keys of the ids (the first 8 bytes of
-- md5(tenant_id || ':' || id)); a key match is confirmed against the ids themselves, so a collision costs a
-- look, never a wrong answer. A session's events are kept in chunks of at most 64 (`chunk` 0, 1, …;
-- src/events/repository.ts CHUNK_EVENTS) so that
-- a long chat receiving one message at a time rewrites at most one chunk, never its whole history.
CREATE TABLE session_events (
  tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  session_id text NOT NULL,
  chunk      integer NOT NULL,
  id_keys    bigint[] NOT NULL,
  events     json NOT NULL,
  -- The content hashes of events rewritten by anonymisation (event id → hash of the original content), so
  -- that a producer re-sending an original event still gets a duplicate, not a conflict. NULL otherwise: the
  -- hash of a stored event is computed from the event when it is needed.
  kept_hashes jsonb,
  PRIMARY KEY (tenant_id, session_id, chunk)
);
CREATE INDEX session_events_ids ON session_events USING gin (id_keys);

INSERT INTO session_events (tenant_id, session_id, chunk, id_keys, events, kept_hashes)
  SELECT e.tenant_id, e.session_id, e.chunk,
         array_agg(('x' || left(md5(e.tenant_id || ':' || e.id), 16))::bit(64)::bigint ORDER BY e.id),
         json_agg(e.body ORDER BY e.id),
         -- Only anonymised sessions have bodies whose hash differs from the one stored.
         CASE WHEN bool_or(s.doc -> 'anonymized' IS NOT NULL AND jsonb_typeof(s.doc -> 'anonymized') <> 'null')
              THEN jsonb_object_agg(e.id, e.content_hash) END
    FROM (SELECT events.*, (row_number() OVER (PARTITION BY tenant_id, session_id ORDER BY id) - 1) / 64 AS chunk
            FROM events) AS e
    LEFT JOIN sessions s ON s.tenant_id = e.tenant_id AND s.session_id = e.session_id
   GROUP BY e.tenant_id, e.session_id, e.chunk;

DROP TABLE events;

-- The events one per row, for reading (reports, tests, an operator at the psql prompt): never written.
CREATE VIEW events AS
  SELECT a.tenant_id, e.body ->> 'id' AS id, a.session_id, e.body ->> 'type' AS type,
         (e.body ->> 'at')::timestamptz AS at, e.body
    FROM session_events a, json_array_elements(a.events) AS e(body);
