-- Server-wide secrets (the key that signs access tokens and seals client secrets), created at first start
-- unless SWITCHBOARD_SECRET_KEY is set.
CREATE TABLE server_keys (
  name       text PRIMARY KEY,
  value      text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- mluvii reads sessions in id order (limit/offset paging) and filters on operator user ids.
CREATE INDEX sessions_tenant_id ON sessions (tenant_id, id);
ALTER TABLE sessions ADD COLUMN operator_user_ids integer[] NOT NULL DEFAULT '{}';
UPDATE sessions SET operator_user_ids =
  ARRAY(SELECT (o ->> 'userId')::integer FROM jsonb_array_elements(doc -> 'operators') AS o);
CREATE INDEX sessions_operator_users ON sessions USING gin (operator_user_ids);

-- The tag catalogue of a tenant: every tag name seen in its sessions or attached through the API.
CREATE TABLE tags (
  tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id         serial,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, name)
);
INSERT INTO tags (tenant_id, name)
  SELECT DISTINCT s.tenant_id, t ->> 'name' FROM sessions s, jsonb_array_elements(s.doc -> 'tags') AS t
  ON CONFLICT DO NOTHING;

-- Outgoing webhooks and their durable delivery queue.
CREATE TABLE webhooks (
  id           bigserial PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  event_types  text[] NOT NULL,
  callback_url text NOT NULL,
  secret       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, callback_url, event_types)
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id);

CREATE TABLE webhook_deliveries (
  id              bigserial PRIMARY KEY,
  delivery_id     text NOT NULL UNIQUE,
  webhook_id      bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  tenant_id       text NOT NULL,
  session_id      text NOT NULL,
  event_type      text NOT NULL,
  body            text NOT NULL,
  status          text NOT NULL DEFAULT 'pending',
  attempts        integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  last_attempt_at timestamptz,
  last_status     integer,
  last_error      text,
  delivered_at    timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_line ON webhook_deliveries (webhook_id, session_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id DESC);

CREATE TABLE webhook_attempts (
  delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt     integer NOT NULL,
  at          timestamptz NOT NULL,
  status      integer,
  error       text,
  duration_ms integer NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
