-- A list filtered by containment and channel together (issue 10: `?channel=av&containment=selfService` took
-- 293 ms at a million sessions, 1.4 s with a cold cache). Each filter alone is common, the pair rare or empty
-- (bots answer chats, not calls), so walking either order index rejects tens of thousands of rows, each read
-- from the heap. Only sessions a bot contained are in this index (a fifth of them in the benchmark: 19–26 bytes
-- a session); the pair is then one range of it, in list order (measured: 1,438 → 0.3 ms for the empty pair,
-- 2.7 ms for a first page of chat self-service sessions).
CREATE INDEX sessions_containment_channel_order ON sessions (tenant_id, containment, channel, created, id)
  WHERE containment IS NOT NULL;
