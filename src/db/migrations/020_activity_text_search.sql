-- mluvii's ActivityTextsContain through a trigram index (issue 15, item 9): the filter scanned every
-- session's activities, and on the embedded store (one connection) such a scan stalled every tenant.
-- The text of a session's activities, one line each: what the index covers. The filter still checks each
-- activity on its own (so a pattern can never match across two of them); the index only narrows the rows.
CREATE OR REPLACE FUNCTION session_activity_text(doc jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT string_agg(a ->> 'text', E'\n')
  FROM jsonb_array_elements(
    CASE WHEN jsonb_typeof(doc -> 'activities') = 'array' THEN doc -> 'activities' ELSE '[]'::jsonb END
  ) AS a
$$;

-- pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it. Where it cannot be
-- created the filter keeps working, without the index. It goes into `public` so that every schema of one
-- database (tests give each run its own) shares one copy; the operator class is named with its schema.
DO $$
DECLARE
  trgm_schema text;
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
  EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported OR invalid_schema_name THEN
    RAISE NOTICE 'pg_trgm is not available (%): ActivityTextsContain reads without an index', SQLERRM;
    RETURN;
  END;
  SELECT n.nspname INTO trgm_schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname = 'pg_trgm';
  EXECUTE format(
    'CREATE INDEX IF NOT EXISTS sessions_activity_text_trgm ON sessions USING gin (session_activity_text(doc) %I.gin_trgm_ops)',
    trgm_schema
  );
END
$$;
