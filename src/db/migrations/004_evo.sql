-- Evo Voice (ServiceStack) authentication sessions behind the ss-id / ss-pid cookies.
CREATE TABLE evo_auth_sessions (
  id          text PRIMARY KEY,
  client_id   text NOT NULL REFERENCES api_clients (client_id) ON DELETE CASCADE,
  permanent   boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX evo_auth_sessions_client ON evo_auth_sessions (client_id);
