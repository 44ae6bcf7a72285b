-- Kore.ai's `auth` JWT is signed HS256 with the client secret itself, so the server must be able to read it:
-- the secret is also kept sealed (AES-256-GCM under the server key). Clients created before this migration
-- have none and must be replaced to use the Kore API.
ALTER TABLE api_clients ADD COLUMN secret_sealed text;

-- JWT ids already used (replay protection); kept until the token expires.
CREATE TABLE kore_jti (
  client_id  text NOT NULL REFERENCES api_clients (client_id) ON DELETE CASCADE,
  jti        text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);

-- Rolling-window rate limits of the analytics calls, per tenant and bot ('*' = all bots of the tenant).
CREATE TABLE kore_rate_hits (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  bot_id    text NOT NULL,
  at        timestamptz NOT NULL
);
CREATE INDEX kore_rate_hits_window ON kore_rate_hits (tenant_id, bot_id, at);

ALTER TABLE tenants ADD COLUMN kore_per_minute integer;
ALTER TABLE tenants ADD COLUMN kore_per_hour integer;
