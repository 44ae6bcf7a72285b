-- Each queue's rollups summed over its channels, per 15-minute UTC bucket: what a queue report without a channel
-- filter reads. At a busy contact center every queue has rows in every channel of every quarter hour, and a
-- 30-day PT15M report read three or four rows a cell (25,900 at 10 million sessions over 90 days, against the
-- 8,640 cells it answers); it reads one now, at any density. Kept in the same ingest transaction as the
-- per-channel rows, after them (src/analytics/rollups.ts); a total's maxima are the largest of its channels'.
-- Keyed by bucket first: a report reads a range of buckets, the upsert one row of it.
CREATE TABLE queue_totals (
  tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  queue_id           integer NOT NULL,
  bucket             timestamptz NOT NULL,
  offered            bigint NOT NULL DEFAULT 0,
  answered           bigint NOT NULL DEFAULT 0,
  abandoned          bigint NOT NULL DEFAULT 0,
  short_abandoned    bigint NOT NULL DEFAULT 0,
  answered_within_sl bigint NOT NULL DEFAULT 0,
  wait_sum           bigint NOT NULL DEFAULT 0,
  wait_count         bigint NOT NULL DEFAULT 0,
  talk_sum           bigint NOT NULL DEFAULT 0,
  talk_count         bigint NOT NULL DEFAULT 0,
  hold_sum           bigint NOT NULL DEFAULT 0,
  hold_count         bigint NOT NULL DEFAULT 0,
  acw_sum            bigint NOT NULL DEFAULT 0,
  acw_count          bigint NOT NULL DEFAULT 0,
  handle_sum         bigint NOT NULL DEFAULT 0,
  handle_count       bigint NOT NULL DEFAULT 0,
  transferred        bigint NOT NULL DEFAULT 0,
  operator_timeouts  bigint NOT NULL DEFAULT 0,
  sl_counted         bigint NOT NULL DEFAULT 0,
  wait_max           bigint,
  talk_max           bigint,
  hold_max           bigint,
  acw_max            bigint,
  handle_max         bigint,
  PRIMARY KEY (tenant_id, bucket, queue_id)
);

INSERT INTO queue_totals (tenant_id, queue_id, bucket, offered, answered, abandoned, short_abandoned, answered_within_sl, wait_sum, wait_count, talk_sum, talk_count, hold_sum, hold_count, acw_sum, acw_count, handle_sum, handle_count, transferred, operator_timeouts, sl_counted, wait_max, talk_max, hold_max, acw_max, handle_max)
SELECT tenant_id, queue_id, bucket,
       sum(offered)::bigint,
       sum(answered)::bigint,
       sum(abandoned)::bigint,
       sum(short_abandoned)::bigint,
       sum(answered_within_sl)::bigint,
       sum(wait_sum)::bigint,
       sum(wait_count)::bigint,
       sum(talk_sum)::bigint,
       sum(talk_count)::bigint,
       sum(hold_sum)::bigint,
       sum(hold_count)::bigint,
       sum(acw_sum)::bigint,
       sum(acw_count)::bigint,
       sum(handle_sum)::bigint,
       sum(handle_count)::bigint,
       sum(transferred)::bigint,
       sum(operator_timeouts)::bigint,
       sum(sl_counted)::bigint,
       max(wait_max),
       max(talk_max),
       max(hold_max),
       max(acw_max),
       max(handle_max)
  FROM queue_rollups
 GROUP BY tenant_id, queue_id, bucket;
