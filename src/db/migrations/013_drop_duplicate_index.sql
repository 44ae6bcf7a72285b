-- 009 created sessions_tenant_id_order on (tenant_id, id), which 002's sessions_tenant_id already was: one
-- index fewer to write on every session upsert, 70 bytes a session fewer to keep.
DROP INDEX IF EXISTS sessions_tenant_id_order;
