-- Dashboard sign-in sessions (issue 13, docs/dashboard.md). A row per signed-in browser; only the SHA-256 of the
-- session id is kept, so a copy of this table cannot be replayed. A table rather than memory: several servers on
-- one PostgreSQL share the sessions, and a sign-out on one ends the session on all of them.
CREATE TABLE dashboard_sessions (
  id_hash             text PRIMARY KEY,
  tenant_id           text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  client_id           text NOT NULL REFERENCES api_clients (client_id) ON DELETE CASCADE,
  created_at          timestamptz NOT NULL,
  -- Idle expiry, pushed forward as the session is used; never past absolute_expires_at.
  expires_at          timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);
CREATE INDEX dashboard_sessions_client ON dashboard_sessions (client_id);
