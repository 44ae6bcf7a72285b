-- Operator and bot rollups (docs/metrics.md): per tenant, dimension ('operator' or 'bot'), key, channel and
-- 15-minute UTC bucket, counters and maxima as arrays in the order src/analytics/contribution.ts names them.
CREATE TABLE dimension_rollups (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  dimension text NOT NULL,
  key       text NOT NULL,
  channel   text NOT NULL,
  bucket    timestamptz NOT NULL,
  counters  bigint[] NOT NULL,
  maxima    bigint[] NOT NULL,
  PRIMARY KEY (tenant_id, dimension, key, channel, bucket)
);
CREATE INDEX dimension_rollups_bucket ON dimension_rollups (tenant_id, dimension, bucket);

-- The latest name and userId each operator was seen with.
CREATE TABLE analytics_operators (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  operator_id text NOT NULL,
  user_id     integer NOT NULL,
  name        text,
  PRIMARY KEY (tenant_id, operator_id)
);
