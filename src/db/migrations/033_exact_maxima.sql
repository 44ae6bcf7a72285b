-- Exact maxima in the rollups (issue 11, docs/metrics.md#maxima). A maximum cannot be taken back by
-- subtraction: when a re-projection or a bulk delete takes away the value a row's maximum came from, the row's
-- maximum is recomputed from the sessions that still count there. To find them without an index of their own,
-- each row keeps the range of `created` of every session ever added to it (it only widens, so it always covers
-- the ones that count now; sessions_channel_order serves the search), and the maxima of sessions that retention
-- deleted while their counts stay (`kept_maxima`, in the order of the row's maxima).
ALTER TABLE queue_rollups
  ADD COLUMN created_min timestamptz,
  ADD COLUMN created_max timestamptz,
  ADD COLUMN kept_maxima bigint[];
ALTER TABLE dimension_rollups
  ADD COLUMN created_min timestamptz,
  ADD COLUMN created_max timestamptz,
  ADD COLUMN kept_maxima bigint[];

-- Rows written before this migration have no range: their maxima so far are kept as they are (an upper bound,
-- as they always were) until `switchboard analytics rebuild --fix` recomputes them from the sessions.
UPDATE queue_rollups SET kept_maxima = ARRAY[wait_max, talk_max, hold_max, acw_max, handle_max];
UPDATE dimension_rollups SET kept_maxima = maxima WHERE cardinality(maxima) > 0;
