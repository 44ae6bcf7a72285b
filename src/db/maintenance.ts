/**
 * PGlite has no autovacuum and no background checkpointer, so the server runs ANALYZE, VACUUM and CHECKPOINT
 * itself on the embedded store. A PostgreSQL server does this on its own.
 */
import { unbounded, type Db } from './store.js';

/** Runs without the statement bound: VACUUM of a big store may rightly take longer than a request. */
export async function runMaintenance(db: Db): Promise<void> {
  await unbounded(async () => {
    await db.query('VACUUM (ANALYZE)');
    await db.query('CHECKPOINT');
  });
}

/** Starts periodic maintenance on an embedded store; returns the stopper. */
export function scheduleMaintenance(
  db: Db,
  intervalMs: number,
  onError: (error: unknown) => void,
): () => void {
  if (db.kind !== 'embedded') return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    runMaintenance(db)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
