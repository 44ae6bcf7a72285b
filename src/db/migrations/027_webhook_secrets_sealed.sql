-- Webhook secrets at rest (issue 15, item 7; docs/security.md, "Secrets at rest"). Signing secrets are sealed
-- with the server key in place (`secret`); a callback URL keeps in clear only what the listing shows (its
-- password masked), the whole URL is sealed in `callback_sealed` when it carries a password, and
-- `callback_key`, a keyed HMAC of the whole URL, replaces the URL in the uniqueness of a registration.
-- SQL cannot seal: rows stored before this migration have no key until the next start seals them in JS
-- (src/webhooks/secrets.ts, `sealStoredWebhooks`); until then they are read as given.
ALTER TABLE webhooks ADD COLUMN callback_sealed text, ADD COLUMN callback_key text;
ALTER TABLE webhooks DROP CONSTRAINT webhooks_tenant_id_callback_url_event_types_key;
CREATE UNIQUE INDEX webhooks_callback ON webhooks (tenant_id, callback_key, event_types);
