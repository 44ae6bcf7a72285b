-- mluvii lists sessions in id order: walk one tenant's ids, not every tenant's (issue 10).
CREATE INDEX sessions_tenant_id_order ON sessions (tenant_id, id);
