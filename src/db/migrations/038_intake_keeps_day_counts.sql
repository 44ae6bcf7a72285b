-- The per-day session counts (migrations 006 and 028) of inserted and updated rows are kept by intake, the one
-- statement that writes session rows (src/events/repository.ts: it reads the stored day and bots of the
-- sessions it writes, under their locks, and adds the difference). The statement-level triggers it replaces
-- copied every written row, the whole document included, into transition tables: about 0.2 ms a session of
-- the 0.93 ms `INSERT INTO sessions` took (docs/performance.md). Deletes keep their triggers: retention, the
-- bulk delete and tenant deletion delete rows in many ways, and seldom.
DROP TRIGGER sessions_counted_insert ON sessions;
DROP TRIGGER sessions_counted_update ON sessions;
DROP TRIGGER sessions_bot_counted_insert ON sessions;
DROP TRIGGER sessions_bot_counted_update ON sessions;
DROP FUNCTION sessions_counted_insert();
DROP FUNCTION sessions_counted_update();
DROP FUNCTION sessions_bot_counted_insert();
DROP FUNCTION sessions_bot_counted_update();
