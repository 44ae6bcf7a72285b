-- Roles (src/http/access.ts): the old 'manager' is 'admin'; every other value is refused from now on.
UPDATE api_clients SET role = 'admin' WHERE role = 'manager';
UPDATE api_clients SET role = 'user' WHERE role NOT IN ('admin', 'user', 'reader', 'producer');
ALTER TABLE api_clients ALTER COLUMN role SET DEFAULT 'admin';
ALTER TABLE api_clients ADD CONSTRAINT api_clients_role CHECK (role IN ('admin', 'user', 'reader', 'producer'));

-- A label for people (which integration holds this client), and rotation with a grace period: the
-- previous secret keeps working until previous_expires_at.
ALTER TABLE api_clients ADD COLUMN name text;
ALTER TABLE api_clients ADD COLUMN rotated_at timestamptz;
ALTER TABLE api_clients ADD COLUMN previous_secret_hash text;
ALTER TABLE api_clients ADD COLUMN previous_secret_sealed text;
ALTER TABLE api_clients ADD COLUMN previous_expires_at timestamptz;
CREATE INDEX api_clients_previous_secret ON api_clients (previous_secret_hash)
  WHERE previous_secret_hash IS NOT NULL;

-- A tenant being deleted: its clients are revoked at once and its rows removed in batches; a deletion cut
-- short is finished by the next one (src/tenants/delete.ts).
ALTER TABLE tenants ADD COLUMN deleted_at timestamptz;
