import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openTestStore, STORE } from './harness.js';
import { openStore } from '../../src/db/store.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { runMaintenance, scheduleMaintenance } from '../../src/db/maintenance.js';
import type { Db } from '../../src/db/store.js';

let db: Db;
let drop: () => Promise<void>;
before(async () => {
  ({ db, drop } = await openTestStore());
});
after(() => drop());

test('migrations are recorded once; concurrent re-runs apply nothing', async () => {
  const results = await Promise.all([migrate(db), migrate(db), migrate(db)]);
  assert.deepEqual(results, [[], [], []]);
  const recorded = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version');
  assert.deepEqual(
    recorded.rows.map((r) => r.name),
    loadMigrations().map((m) => m.name),
  );
});

test('servers starting at once on a new database: each migration applied once, no start fails', async () => {
  // Separate connections, as separate server processes have (PostgreSQL; the embedded store has one).
  const url = process.env.TEST_DATABASE_URL;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const stores: Db[] = [];
  for (let i = 0; i < (STORE === 'postgres' ? 3 : 1); i++)
    stores.push(await openStore(STORE === 'postgres' ? { databaseUrl: url!, schema } : {}));
  try {
    for (let round = 0; round < (STORE === 'postgres' ? 5 : 1); round++) {
      if (round > 0) await stores[0].query('DROP TABLE schema_migrations');
      const results = await Promise.all(
        stores.map((db) => migrate(db, [{ version: 1, name: '001_x.sql', sql: 'SELECT 1' }])),
      );
      assert.equal(results.flat().length, 1, 'applied by exactly one of them');
    }
  } finally {
    for (const db of stores) await db.close();
    if (STORE === 'postgres') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
  }
});

test('a failing migration rolls back alone and names itself', async () => {
  await assert.rejects(
    migrate(db, [
      {
        version: 9999,
        name: '9999_broken.sql',
        sql: 'CREATE TABLE half_done (id int); SELECT no_such_column FROM tenants',
      },
    ]),
    /9999_broken\.sql failed/,
  );
  const leftover = await db.query("SELECT to_regclass('half_done') AS t");
  assert.equal(leftover.rows[0].t, null);
  const recorded = await db.query('SELECT 1 FROM schema_migrations WHERE version = 9999');
  assert.equal(recorded.rowCount, 0);
});

test('maintenance (VACUUM, ANALYZE, CHECKPOINT) runs on the store and leaves data intact', async () => {
  await db.query("INSERT INTO tenants (id, name, department_id) VALUES ('m1', 'maint', 777001)");
  await runMaintenance(db);
  const row = await db.query('SELECT name FROM tenants WHERE id = $1', ['m1']);
  assert.equal(row.rows[0].name, 'maint');
  // Scheduled only on the embedded store; a PostgreSQL server vacuums itself.
  const errors: unknown[] = [];
  const stop = scheduleMaintenance(db, 1_000, (e) => errors.push(e));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  stop();
  assert.deepEqual(errors, []);
});
