/**
 * The store under a heavy query (issue 15, item 9): a statement over the bound is stopped and answered 503
 * in the dialect's shape (PostgreSQL's statement_timeout; the embedded store replaces its worker, since
 * PGlite cannot be interrupted), the store keeps working and keeps its data, `/healthz` answers without
 * queueing behind the store, and mluvii's ActivityTextsContain can use its trigram index.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { openStore, unbounded, type Db } from '../../src/db/store.js';
import { migrate } from '../../src/db/migrate.js';
import { fileBlobStore } from '../../src/files/blobs.js';
import { createTenant } from '../../src/tenants/repository.js';
import { STORE } from './harness.js';
import type { FastifyInstance } from 'fastify';

const BOUND_MS = 2_000;
let db: Db;
let app: FastifyInstance;
let cleanup: () => Promise<void>;
let secret: string;
let mluviiAuth: { authorization: string };

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bounds-'));
  if (STORE === 'embedded') {
    // On disk: the bound replaces the worker, which an in-memory store would not survive.
    db = await openStore({ dataDir: join(dir, 'pglite'), statementTimeoutMs: BOUND_MS });
    cleanup = () => Promise.resolve();
  } else {
    const url = process.env.TEST_DATABASE_URL!;
    const schema = `t_${randomBytes(6).toString('hex')}`;
    db = await openStore({ databaseUrl: url, schema, statementTimeoutMs: BOUND_MS });
    cleanup = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    };
  }
  await migrate(db);
  app = await buildApp({ db, blobs: fileBlobStore(join(dir, 'blobs')), healthPingMs: 100 });
  // A route that holds the store for 5 s, standing for any statement a request makes too heavy.
  app.get('/v1/test/heavy', { config: { access: 'public' } }, async () => {
    await db.query('SELECT pg_sleep(5)');
    return { ok: true };
  });
  const tenant = await db.tx((q) => createTenant(q, { name: 'bounds' }));
  secret = tenant.credentials.clientSecret;
  const token = await app.inject({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${tenant.credentials.clientId}&client_secret=${secret}`,
  });
  mluviiAuth = { authorization: `Bearer ${token.json<{ access_token: string }>().access_token}` };
  const cleanupStore = cleanup;
  cleanup = async () => {
    await app.close();
    await db.close();
    await cleanupStore();
    rmSync(dir, { recursive: true, force: true });
  };
});
after(() => cleanup());

const events = (n: number) =>
  Array.from({ length: n }, (_, i) => [
    {
      id: `c${i}`,
      sessionId: `s${i}`,
      type: 'session.created',
      at: '2026-03-02T09:00:00Z',
      channel: 'chat',
    },
    {
      id: `m${i}`,
      sessionId: `s${i}`,
      type: 'message',
      at: '2026-03-02T09:00:05Z',
      from: 'guest',
      text: i % 50 === 0 ? `please call me back about order ${i}` : `hello number ${i}`,
    },
  ]).flat();

test('a statement over the bound is a 503 in the dialect shape; the store keeps working and its data', async () => {
  // Stored without the bound: on a busy machine the batch's own statements could pass 2 s.
  const stored = await unbounded(() =>
    app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${secret}` },
      payload: events(500),
    }),
  );
  assert.equal(stored.statusCode, 200, stored.body);
  const started = Date.now();
  const heavy = await app.inject({ method: 'GET', url: '/v1/test/heavy' });
  const ms = Date.now() - started;
  assert.equal(heavy.statusCode, 503, heavy.body);
  assert.equal(heavy.json<{ error: { code: string } }>().error.code, 'unavailable');
  assert.ok(ms < BOUND_MS + 2_500, `answered after ${ms} ms`);
  // Every session is still there, and the store answers at once.
  const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
  assert.equal(count.rows[0].n, 500);
  const list = await app.inject({
    method: 'GET',
    url: '/api/v1/Sessions?ActivityTextsContain=call%20me%20back&limit=100',
    headers: mluviiAuth,
  });
  assert.equal(list.statusCode, 200, list.body);
  assert.equal(list.json<unknown[]>().length, 10);
});

test('/healthz answers at once while the store is busy', async () => {
  // The heavy route holds the store (the embedded one has one connection) until its bound.
  const heavy = Promise.all([1, 2].map(() => app.inject({ method: 'GET', url: '/v1/test/heavy' })));
  const searches = Promise.all(
    [1, 2, 3, 4].map(() =>
      app.inject({
        method: 'GET',
        url: '/api/v1/Sessions?ActivityTextsContain=order&limit=100',
        headers: mluviiAuth,
      }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    times.push(performance.now() - started);
    assert.equal(health.statusCode, 200, health.body);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  times.sort((a, b) => a - b);
  const median = times[10];
  console.log(`# /healthz under load: median ${median.toFixed(1)} ms, max ${times[19].toFixed(1)} ms`);
  assert.ok(median < 50, `median ${median} ms`);
  for (const r of await heavy) assert.equal(r.statusCode, 503, r.body);
  for (const r of await searches) assert.equal(r.statusCode, 200, r.body);
});

test('ActivityTextsContain can use the trigram index', async () => {
  const plan = await db.tx(async (q) => {
    await q.query('SET LOCAL enable_seqscan = off');
    const explained = await q.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT id FROM sessions WHERE session_activity_text(doc) ILIKE '%call me back%'`,
    );
    return explained.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
  assert.match(plan, /sessions_activity_text_trgm/, plan);
});
