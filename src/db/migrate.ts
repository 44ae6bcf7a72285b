/**
 * Numbered plain `.sql` migrations, applied at start in order, each once and in its own transaction.
 * An advisory lock makes concurrent starts against one PostgreSQL server safe.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unbounded, type Db } from './store.js';
import { packageRoot } from '../paths.js';

const MIGRATIONS_DIR = join(packageRoot, 'src', 'db', 'migrations');
const LOCK_KEY = 7_420_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d+_.+\.sql$/.test(file))
    .map((file) => ({
      version: Number(file.split('_')[0]),
      name: file,
      sql: readFileSync(join(dir, file), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
}

/** The migrations this build has that the store has not applied (empty when it is up to date). */
export async function pendingMigrations(db: Db, migrations = loadMigrations()): Promise<string[]> {
  const result = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
  const done = new Set(result.rows.map((r) => Number(r.version)));
  return migrations.filter((m) => !done.has(m.version)).map((m) => m.name);
}

/** Applies every migration not yet recorded; returns the names applied. */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<string[]> {
  // Under the same lock as the migrations: two servers starting at once on a new database would otherwise
  // both create the table, and IF NOT EXISTS does not stop the loser's catalog insert from failing
  // (duplicate key in pg_type_typname_nsp_index).
  await db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await q.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await unbounded(() =>
      db.tx(async (q) => {
        // A migration may rewrite a big table: no statement bound (SWITCHBOARD_STATEMENT_TIMEOUT_MS) applies.
        await q.query('SET LOCAL statement_timeout = 0');
        // The lock serialises concurrent starts; the re-check inside it makes the loser skip.
        await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
        const done = await q.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
        if (done.rowCount) return false;
        try {
          await q.query(migration.sql);
        } catch (error) {
          throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
        await q.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ]);
        return true;
      }),
    );
    if (ran) applied.push(migration.name);
  }
  return applied;
}
