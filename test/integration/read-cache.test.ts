/**
 * The read cache of single-session responses (src/sessions/read-cache.ts): a closed session is served from
 * memory until it changes; a change, a removal or another server's write is seen at once; an open session's
 * running durations are never frozen; a tenant never gets another's body.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { openStore } from '../../src/db/store.js';
import { fileBlobStore } from '../../src/files/blobs.js';
import { purgeSessions } from '../../src/retention/purge.js';
import { ev, inboundChat, sales } from '../unit/builders.js';
import { ADMIN_TOKEN, STORE, harness, type Harness } from './harness.js';

let clock = Date.parse('2026-03-02T12:00:00Z');
let h: Harness;

const chat = (sessionId: string) =>
  inboundChat().map((e) => ({ ...e, id: `${sessionId}-${e.id}`, sessionId }));
const get = (sessionId: string, headers = h.auth()) =>
  h.request({ method: 'GET', url: `/v1/sessions/${sessionId}`, headers });
const stats = () => h.app.switchboard.readCache.stats();

before(async () => {
  h = await harness({ now: () => clock });
});
after(() => h.close());

test('a closed session is served from memory until it changes, and the change shows at once', async () => {
  await h.ingest(chat('rc-closed'));
  const first = await get('rc-closed');
  assert.equal(first.statusCode, 200);
  assert.match(String(first.headers['content-type']), /^application\/json/);
  const hits = stats().hits;
  const second = await get('rc-closed');
  assert.equal(second.body, first.body);
  assert.equal(stats().hits, hits + 1, 'the second read is a hit');

  await h.ingest([
    {
      id: 'rc-closed-late',
      sessionId: 'rc-closed',
      type: 'session.log',
      at: '2026-03-02T09:10:00Z',
      message: 'late',
    },
  ]);
  const third = await get('rc-closed');
  assert.equal(third.json().eventCount, first.json().eventCount + 1, 'the late event is in the next read');
});

test('an open session is rendered afresh: its durations run with the clock', async () => {
  await h.ingest(
    [
      ev('session.created', 0, { channel: 'chat', source: 'Default' }, 'rc-open'),
      ev('routing.requested', 1, { group: sales }, 'rc-open'),
      ev('routing.queued', 1, { group: sales }, 'rc-open'),
    ].map((e) => ({ ...e, id: `rc-open-${e.id}` })),
  );
  const before = (await get('rc-open')).json();
  clock += 5_000;
  const later = (await get('rc-open')).json();
  assert.equal(later.durations.inQueue - before.durations.inQueue, 5_000);
});

test('another tenant never gets the cached body', async () => {
  await get('rc-closed');
  await get('rc-closed');
  const response = await get('rc-closed', h.auth(h.other));
  assert.equal(response.statusCode, 404);
});

test('a removed session is gone from the next read', async () => {
  await h.ingest(chat('rc-removed'));
  assert.equal((await get('rc-removed')).statusCode, 200);
  assert.equal((await get('rc-removed')).statusCode, 200);
  await h.db.tx((q) => purgeSessions(q, h.tenant.id, ['rc-removed'], 'keep'));
  assert.equal((await get('rc-removed')).statusCode, 404);
});

test(
  'two servers on one database: a write through one is seen by the other',
  { skip: STORE !== 'postgres' },
  async () => {
    const schema = (await h.db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0].s;
    const db2 = await openStore({ databaseUrl: process.env.TEST_DATABASE_URL, schema });
    const blobs = mkdtempSync(join(tmpdir(), 'switchboard-blobs-'));
    const app2 = await buildApp({
      db: db2,
      blobs: fileBlobStore(blobs),
      adminToken: ADMIN_TOKEN,
      now: () => clock,
    });
    try {
      await h.ingest(chat('rc-shared'));
      const read = () => app2.inject({ method: 'GET', url: '/v1/sessions/rc-shared', headers: h.auth() });
      const first = (await read()).json();
      const hits = app2.switchboard.readCache.stats().hits;
      assert.deepEqual((await read()).json(), first);
      assert.equal(app2.switchboard.readCache.stats().hits, hits + 1);

      await h.ingest([
        {
          id: 'rc-shared-late',
          sessionId: 'rc-shared',
          type: 'session.log',
          at: '2026-03-02T09:10:00Z',
          message: 'late',
        },
      ]);
      const deadline = Date.now() + 5_000;
      let seen = first.eventCount;
      while (seen === first.eventCount && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = (await read()).json().eventCount;
      }
      assert.equal(seen, first.eventCount + 1, 'the other server dropped its cached body');
    } finally {
      await app2.close();
      await db2.close();
      rmSync(blobs, { recursive: true, force: true });
    }
  },
);
