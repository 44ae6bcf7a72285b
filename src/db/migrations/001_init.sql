-- Tenants: a mluvii department, an Evo account and a Kore account at once.
CREATE TABLE tenants (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  department_id integer NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- API clients; the secret is kept only as its SHA-256 (secrets are 256-bit random, so no slow hash is needed).
CREATE TABLE api_clients (
  client_id   text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  secret_hash text NOT NULL UNIQUE,
  role        text NOT NULL DEFAULT 'manager',
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);
CREATE INDEX api_clients_tenant ON api_clients (tenant_id);

-- The append-only event log.
CREATE TABLE events (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id           text NOT NULL,
  session_id   text NOT NULL,
  type         text NOT NULL,
  at           timestamptz NOT NULL,
  body         jsonb NOT NULL,
  content_hash text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX events_session ON events (tenant_id, session_id);

-- One row per session: the projection, with its durations as columns so analytics never read events.
CREATE TABLE sessions (
  id           bigserial PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  session_id   text NOT NULL,
  channel      text,
  source       text NOT NULL,
  direction    text NOT NULL,
  status       text NOT NULL,
  created      timestamptz NOT NULL,
  started      timestamptz,
  guest_joined timestamptz,
  ended        timestamptz,
  d_created    bigint,
  d_in_queue   bigint,
  d_waiting    bigint,
  d_bcw        bigint,
  d_active     bigint,
  d_acw        bigint,
  d_ring       bigint,
  d_waited     bigint,
  operator_ids text[] NOT NULL DEFAULT '{}',
  group_ids    integer[] NOT NULL DEFAULT '{}',
  bot_ids      text[] NOT NULL DEFAULT '{}',
  containment  text,
  event_count  integer NOT NULL,
  doc          jsonb NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, session_id)
);
CREATE INDEX sessions_created ON sessions (tenant_id, created DESC, id DESC);
CREATE INDEX sessions_ended ON sessions (tenant_id, ended DESC) WHERE ended IS NOT NULL;
CREATE INDEX sessions_status ON sessions (tenant_id, status, created DESC);
CREATE INDEX sessions_operators ON sessions USING gin (operator_ids);
CREATE INDEX sessions_groups ON sessions USING gin (group_ids);
CREATE INDEX sessions_bots ON sessions USING gin (bot_ids);

-- Bytes of shared files and recordings live in the blob directory; this table says where.
CREATE TABLE files (
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  session_id   text NOT NULL,
  file_id      text NOT NULL,
  size         bigint NOT NULL,
  content_type text NOT NULL,
  sha256       text NOT NULL,
  storage_key  text NOT NULL,
  uploaded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, session_id, file_id)
);
