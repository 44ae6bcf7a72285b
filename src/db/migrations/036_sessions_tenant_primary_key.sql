-- The sessions' primary key is (tenant_id, id), the index every tenant's read by id and mluvii's id-ordered
-- lists already use, instead of a second index on id alone (22 bytes a session at a million sessions,
-- docs/performance.md). `id` still comes from one sequence; every query that finds a session by id names its
-- tenant.
CREATE UNIQUE INDEX sessions_tenant_key ON sessions (tenant_id, id);
ALTER TABLE sessions DROP CONSTRAINT sessions_pkey;
ALTER TABLE sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY USING INDEX sessions_tenant_key;
DROP INDEX sessions_tenant_id;
