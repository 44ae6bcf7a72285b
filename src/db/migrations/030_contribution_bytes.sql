-- Each session's analytics contribution as bytes (src/analytics/codec.ts): about 75 bytes a session instead of
-- the ~530 of the same value as jsonb, which was half of every session row (issue 10, storage at 1M sessions).
--
-- Rows written from now on hold `contribution` and `queue_id` and leave `analytics` NULL. Rows written before
-- keep their jsonb `analytics` (a migration is SQL only and cannot write the binary form): every reader takes
-- `contribution` when present, else `analytics`, so nothing is recounted; a row's next re-projection rewrites
-- it, and `switchboard analytics rebuild --fix` rewrites all that are left (docs/decisions.md).
ALTER TABLE sessions ADD COLUMN contribution bytea;

-- The queue a session counts in (its contribution's `q`; NULL: in no queue). The live view counts the
-- sessions in progress per queue by it (src/live/queues.ts IN_PROGRESS); those are the only rows it reads, so
-- only they are filled in here.
ALTER TABLE sessions ADD COLUMN queue_id integer;
UPDATE sessions SET queue_id = (analytics -> 'queue' ->> 'q')::integer
 WHERE status = ANY ('{CREATED,IN_QUEUE,WAITING,BCW,ACTIVE,ACW}'::text[])
   AND analytics -> 'queue' IS NOT NULL AND analytics -> 'queue' <> 'null'::jsonb;
