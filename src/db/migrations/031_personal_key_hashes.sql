-- Erasure by guest (src/retention/erasure.ts) finds its sessions through a 64-bit hash of each personal-data
-- key instead of the key's text: 8 bytes an entry instead of ~25 (`i:contact-61`, `e:guest61@example.org`), a
-- third of the index's size (issue 10, storage at 1M sessions). A hash can collide, so erasure keeps only the
-- candidates whose keys (`session_personal_keys`, migration 023, unchanged) hold the exact text: a collision
-- costs a row read, never the wrong guest's data (docs/decisions.md).
--
-- Two functions nested in the index expression rather than one calling the other: an index expression is
-- bound to its functions when it is created, whereas a name inside a function body is looked up on each call,
-- and PostgreSQL 17 and later (PGlite) build and analyse indexes with only pg_catalog on the search path.
-- hashtextextended is what hash partitioning uses, so it is stable across platforms and releases.
CREATE FUNCTION personal_key_hashes(keys text[]) RETURNS bigint[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY(SELECT hashtextextended(k, 0) FROM unnest(keys) AS k)
$$;
DROP INDEX sessions_personal;
CREATE INDEX sessions_personal ON sessions USING gin (personal_key_hashes(session_personal_keys(doc)));
