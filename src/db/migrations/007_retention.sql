-- Retention and GDPR (docs/retention.md): per-tenant policies, the erasure audit, a lease so that one server
-- at a time runs retention, and the indexes that let both find their sessions without scanning a tenant.

CREATE TABLE retention_policies (
  tenant_id            text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  delete_after_days    integer CHECK (delete_after_days BETWEEN 1 AND 36500),
  anonymize_after_days integer CHECK (anonymize_after_days BETWEEN 1 AND 36500),
  webhook_log_days     integer CHECK (webhook_log_days BETWEEN 1 AND 36500),
  -- Sessions created before this instant were anonymised by the policy (it walks forward from here).
  anonymized_through   timestamptz,
  updated_at           timestamptz NOT NULL
);

-- What an erasure did, without the data it erased: which key kind matched, which sessions, when, by whom.
CREATE TABLE erasures (
  id            bigserial PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  at            timestamptz NOT NULL,
  requested_by  text NOT NULL,
  matched_by    text NOT NULL,
  session_ids   text[] NOT NULL,
  deliveries    integer NOT NULL
);
CREATE INDEX erasures_tenant ON erasures (tenant_id, id DESC);

-- One holder at a time for jobs that servers sharing a database must not run twice at once.
CREATE TABLE job_leases (
  name   text PRIMARY KEY,
  holder text NOT NULL,
  until  timestamptz NOT NULL
);

-- The guest's personal keys of a session (identity, phone numbers, e-mail), normalised and tagged by kind,
-- for erasure by guest. Anonymised sessions have none, so the index holds only what may still be erased.
CREATE FUNCTION session_personal_keys(doc jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_remove(ARRAY[
    'i:' || (doc -> 'guest' ->> 'identity'),
    'i:' || (doc -> 'bot' ->> 'userId'),
    'p:' || regexp_replace(doc -> 'guest' ->> 'phone', '[^0-9+]', '', 'g'),
    'p:' || regexp_replace(doc ->> 'phoneCallbackNumber', '[^0-9+]', '', 'g'),
    'p:' || regexp_replace(doc -> 'telephony' ->> 'from', '[^0-9+]', '', 'g'),
    'p:' || regexp_replace(doc -> 'telephony' ->> 'callbackNumber', '[^0-9+]', '', 'g'),
    'e:' || lower(doc -> 'guest' ->> 'email')
  ], NULL)
$$;
CREATE INDEX sessions_personal ON sessions USING gin (session_personal_keys(doc));

-- Webhook payloads by session (erasure, retention) and finished deliveries by age (log pruning).
CREATE INDEX webhook_deliveries_session ON webhook_deliveries (tenant_id, session_id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (tenant_id, created_at) WHERE status <> 'pending';
