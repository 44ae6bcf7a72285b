-- Every queue with rollups has a row in analytics_queues (its name may be unknown): the queue report lists the
-- named queues and those its sums find, and with a channel filter the sums no longer find a queue whose
-- rollups are all in other channels. Intake always wrote the row; `analytics rebuild --fix` did not, for
-- sessions projected before the names were kept. It does now; this fills in what it left.
INSERT INTO analytics_queues (tenant_id, queue_id, name)
SELECT DISTINCT tenant_id, queue_id, NULL::text FROM queue_rollups
ON CONFLICT (tenant_id, queue_id) DO NOTHING;
