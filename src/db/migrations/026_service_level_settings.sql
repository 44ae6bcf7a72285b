-- Service-level settings per queue, versioned (docs/metrics.md#service-level-settings). A row holds the
-- settings of one queue (queue_id 0: the tenant's default) from valid_from, a 15-minute UTC bucket start, until
-- the next row of that queue: every bucket has exactly one setting, and a past bucket keeps the one it had.
CREATE TABLE sl_settings (
  tenant_id        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  queue_id         integer NOT NULL,
  valid_from       timestamptz NOT NULL,
  threshold_ms     integer NOT NULL,
  short_abandon_ms integer NOT NULL,
  abandons_count   boolean NOT NULL,
  goal             real NOT NULL,
  changed_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, queue_id, valid_from)
);

-- The service level's denominator, counted per session at ingest with the settings of its bucket: answered,
-- plus abandoned beyond the short-abandon cutoff where abandons count. Until now every bucket used the
-- defaults, under which it is exactly this.
ALTER TABLE queue_rollups ADD COLUMN sl_counted bigint NOT NULL DEFAULT 0;
UPDATE queue_rollups SET sl_counted = answered + abandoned - short_abandoned;
