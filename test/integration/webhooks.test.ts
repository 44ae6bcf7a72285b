/**
 * Webhook delivery end to end: a real HTTP receiver on a local socket, the real dispatcher, the durable queue
 * on the real store, and a restart of the store with deliveries still pending.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { openStore, type Db } from '../../src/db/store.js';
import { migrate } from '../../src/db/migrate.js';
import { fileBlobStore } from '../../src/files/blobs.js';
import { createTenant } from '../../src/tenants/repository.js';
import { startDispatcher, type Dispatcher } from '../../src/webhooks/dispatcher.js';
import { harness, mluviiToken, STORE, type Harness } from './harness.js';

/** The receivers listen on loopback, which webhooks may reach only when the operator allows it. */
const LOCAL = '127.0.0.1';

interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

/** A local receiver that answers 500 to its first `failures` requests, then 200. */
async function receiver(
  failures: number,
): Promise<{ server: Server; url: string; received: Received[]; setFailures(n: number): void }> {
  const received: Received[] = [];
  let left = failures;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const status = left > 0 ? 500 : 200;
      if (left > 0) left--;
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}`, received, setFailures: (n) => (left = n) };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const T = (s: number) => new Date(Date.parse('2026-03-09T10:00:00Z') + s * 1000).toISOString();
const alice = { id: '101', firstName: 'Alice' };
function sessionEvents(sessionId: string) {
  return [
    { type: 'session.created', at: T(0), channel: 'chat' },
    { type: 'routing.requested', at: T(5), group: { id: 7 } },
    { type: 'routing.assigned', at: T(35), operator: alice },
    { type: 'routing.accepted', at: T(50), operator: alice },
    { type: 'operator.joined', at: T(50), operator: alice },
    { type: 'guest.joined', at: T(52) },
    { type: 'message', at: T(60), from: 'guest', text: 'hello' },
    { type: 'message', at: T(70), from: 'operator', text: 'hi there', operator: alice },
    { type: 'operator.left', at: T(352), operator: alice },
    { type: 'session.ended', at: T(352) },
    { type: 'operator.concluded', at: T(412), operator: alice },
  ].map((e, i) => ({ id: `${sessionId}-${i}`, sessionId, ...e }));
}

// Joined and Left activities have no WebhookEventType in mluvii, so they cannot be subscribed to.
const EXPECTED = [
  'SessionCreated',
  'SessionStarted',
  'SessionOperatorJoined',
  'SessionActivityChatMessage',
  'SessionActivityChatMessage',
  'SessionEnded',
  'SessionActivitySessionEnded',
  'SessionOperatorLeft',
  'SessionOperatorConcluded',
];

let h: Harness;
let dispatcher: Dispatcher;
before(async () => {
  let kick = () => undefined as void;
  h = await harness({ onWebhooksQueued: () => kick(), webhookAllow: LOCAL });
  dispatcher = startDispatcher({ db: h.db, allow: LOCAL, baseBackoffMs: 30, maxBackoffMs: 200, pollMs: 25 });
  kick = () => dispatcher.kick();
});
after(async () => {
  await dispatcher.stop();
  await h.close();
});

const token = async () => ({ authorization: `Bearer ${await mluviiToken(h)}` });

test('deliveries reach a failing receiver at least once, in order per session, signed, same id across retries', async () => {
  const rx = await receiver(3);
  try {
    const callbackUrl = `${rx.url.replace('http://', 'http://hook%20user:p%40ss@')}/mluvii`;
    const created = await h.request({
      method: 'POST',
      url: '/api/v1/Webhooks',
      headers: await token(),
      payload: { eventTypes: EXPECTED.filter((t, i) => EXPECTED.indexOf(t) === i), callbackUrl },
    });
    assert.equal(created.statusCode, 201, created.body);
    const webhookId = created.json<number>();
    const secret = String(created.headers['x-switchboard-webhook-secret']);

    // Two sessions, their events split over batches and out of order.
    const a = sessionEvents('wh-a');
    const b = sessionEvents('wh-b');
    await h.ingest([...a.slice(6), ...b.slice(0, 3)]);
    await h.ingest([...a.slice(0, 6), ...b.slice(3)]);
    await h.ingest(a); // duplicates: nothing new to send

    const delivered = () => rx.received.filter((r) => r.status === 200);
    await until(() => delivered().length >= 2 * EXPECTED.length, 'every delivery');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(delivered().length, 2 * EXPECTED.length, 'nothing lost, nothing sent twice after success');
    assert.equal(rx.received.length, 2 * EXPECTED.length + 3, 'three failed attempts were retried');

    for (const r of rx.received) {
      const expected = `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`;
      assert.equal(r.headers['x-switchboard-signature'], expected, 'signature verifies');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers.authorization, `Basic ${Buffer.from('hook user:p@ss').toString('base64')}`);
    }
    // Failed attempts and their successful retry carry the same delivery id.
    const failedIds = new Set(
      rx.received.filter((r) => r.status === 500).map((r) => r.headers['x-switchboard-delivery']),
    );
    for (const id of failedIds)
      assert.ok(delivered().some((r) => r.headers['x-switchboard-delivery'] === id));
    assert.equal(
      new Set(delivered().map((r) => r.headers['x-switchboard-delivery'])).size,
      delivered().length,
    );

    // Per session, the mluvii event order; payloads as the reference gives them.
    for (const sessionId of ['wh-a', 'wh-b']) {
      const row = await h.db.query<{ id: string }>('SELECT id FROM sessions WHERE session_id = $1', [
        sessionId,
      ]);
      const id = Number(row.rows[0].id);
      const mine = delivered()
        .map((r) => JSON.parse(r.body))
        .filter((p) => (p.data.id ?? p.data.sessionId) === id);
      assert.deepEqual(
        mine.map((p) => p.eventType),
        EXPECTED,
        sessionId,
      );
      assert.deepEqual(mine[0].data, {
        id,
        tenantId: h.tenant.departmentId,
        channel: 'Chat',
        source: 'Default',
      });
      assert.equal(mine[1].data.started, '2026-03-09T10:00:50.000+00:00');
      assert.deepEqual(Object.keys(mine[2].data).sort(), [
        'channel',
        'id',
        'source',
        'tenantId',
        'time',
        'userId',
      ]);
      assert.equal(mine[5].data.ended, '2026-03-09T10:05:52.000+00:00');
      assert.equal(mine[3].data.text, 'hello');
      assert.equal(mine[3].data.client, 'Guest');
    }

    // The delivery log, and a redelivery with the same id.
    const log = await h.request({
      method: 'GET',
      url: `/api/v1/Webhooks/${webhookId}/deliveries?limit=1000`,
      headers: await token(),
    });
    assert.equal(log.statusCode, 200);
    const entries = log.json();
    assert.equal(entries.length, 2 * EXPECTED.length);
    assert.ok(entries.every((e: any) => e.status === 'delivered'));
    const retried = entries.filter((e: any) => e.attempts > 1);
    assert.ok(retried.length >= 1 && retried.reduce((n: number, e: any) => n + e.attempts - 1, 0) === 3);
    const pick = entries[0];
    const again = await h.request({
      method: 'POST',
      url: `/api/v1/Webhooks/${webhookId}/deliveries/${pick.id}/redeliver`,
      headers: await token(),
    });
    assert.equal(again.statusCode, 202);
    await until(() => rx.received.length === 2 * EXPECTED.length + 4, 'the redelivery');
    assert.equal(rx.received.at(-1)!.headers['x-switchboard-delivery'], pick.id);
    assert.equal(
      (
        await h.request({
          method: 'POST',
          url: `/api/v1/Webhooks/${webhookId}/deliveries/nope/redeliver`,
          headers: await token(),
        })
      ).statusCode,
      404,
    );
    assert.equal(
      (
        await h.request({
          method: 'GET',
          url: `/api/v1/Webhooks/${webhookId}/deliveries?status=lost`,
          headers: await token(),
        })
      ).statusCode,
      400,
    );
    await h.request({ method: 'DELETE', url: `/api/v1/Webhooks/${webhookId}`, headers: await token() });
  } finally {
    rx.server.close();
  }
});

test('a delivery that keeps failing is marked failed when its retry window closes', async () => {
  const rx = await receiver(1_000_000);
  const local = startDispatcher({
    db: h.db,
    allow: LOCAL,
    baseBackoffMs: 20,
    maxBackoffMs: 40,
    pollMs: 20,
    retryWindowMs: 300,
  });
  await dispatcher.stop();
  try {
    const created = await h.request({
      method: 'POST',
      url: '/api/v1/Webhooks',
      headers: await token(),
      payload: { eventTypes: ['SessionCreated', 'SessionEnded'], callbackUrl: `${rx.url}/dead` },
    });
    const id = created.json<number>();
    await h.ingest(sessionEvents('wh-dead'));
    await until(async () => {
      const rows = await h.db.query<{ status: string }>(
        'SELECT status FROM webhook_deliveries WHERE webhook_id = $1',
        [id],
      );
      return rows.rows.length === 2 && rows.rows.every((r) => r.status === 'failed');
    }, 'both deliveries to fail');
    const log = (
      await h.request({ method: 'GET', url: `/api/v1/Webhooks/${id}/deliveries`, headers: await token() })
    ).json();
    assert.ok(
      log.every(
        (e: any) =>
          e.status === 'failed' && e.lastStatus === 500 && e.lastError === 'HTTP 500' && e.attempts >= 1,
      ),
    );
    assert.ok(
      log.some((e: any) => e.attempts >= 2),
      'retried before giving up',
    );
    await h.request({ method: 'DELETE', url: `/api/v1/Webhooks/${id}`, headers: await token() });
  } finally {
    await local.stop();
    dispatcher = startDispatcher({
      db: h.db,
      allow: LOCAL,
      baseBackoffMs: 30,
      maxBackoffMs: 200,
      pollMs: 25,
    });
    rx.server.close();
  }
});

/** A store that can be closed and opened again: a data directory (embedded) or a schema (PostgreSQL). */
function reopenableStore(): { open(): Promise<Db>; drop(): Promise<void> } {
  if (STORE === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
    return {
      async open() {
        const db = await openStore({ dataDir: dir });
        await migrate(db);
        return db;
      },
      drop() {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    async open() {
      const db = await openStore({ databaseUrl: url, schema });
      await migrate(db);
      return db;
    },
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

test('a restart with deliveries pending loses nothing and keeps the order', async () => {
  const store = reopenableStore();
  const blobDir = mkdtempSync(join(tmpdir(), 'switchboard-blobs-'));
  const rx = await receiver(1_000_000); // down: every attempt fails before the restart
  try {
    let db = await store.open();
    const tenant = await db.tx((q) => createTenant(q, { name: 'restart' }));
    let app = await buildApp({ db, blobs: fileBlobStore(blobDir), webhookAllow: LOCAL });
    const tokenResponse = await app.inject({
      method: 'POST',
      url: '/login/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${tenant.credentials.clientId}&client_secret=${tenant.credentials.clientSecret}`,
    });
    const authorization = `Bearer ${tokenResponse.json().access_token}`;
    const hook = await app.inject({
      method: 'POST',
      url: '/api/v1/Webhooks',
      headers: { authorization },
      payload: {
        eventTypes: ['SessionCreated', 'SessionStarted', 'SessionEnded'],
        callbackUrl: `${rx.url}/r`,
      },
    });
    assert.equal(hook.statusCode, 201, hook.body);
    const ingest = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${tenant.credentials.clientSecret}` },
      payload: [...sessionEvents('r-1'), ...sessionEvents('r-2')],
    });
    assert.equal(ingest.statusCode, 200, ingest.body);
    let dispatcherA = startDispatcher({ db, allow: LOCAL, baseBackoffMs: 20, maxBackoffMs: 40, pollMs: 20 });
    await until(() => rx.received.length >= 4, 'some failed attempts');
    await dispatcherA.stop();
    await app.close();
    await db.close();

    // The restart: a new store handle, a new app, a new dispatcher; the receiver is back up.
    rx.setFailures(0);
    db = await store.open();
    app = await buildApp({ db, blobs: fileBlobStore(blobDir), webhookAllow: LOCAL });
    dispatcherA = startDispatcher({ db, allow: LOCAL, baseBackoffMs: 20, maxBackoffMs: 40, pollMs: 20 });
    try {
      const ok = () => rx.received.filter((r) => r.status === 200);
      await until(() => ok().length >= 6, 'every delivery after the restart');
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(ok().length, 6);
      const ids = await db.query<{ session_id: string; id: string }>('SELECT session_id, id FROM sessions');
      for (const row of ids.rows) {
        const mine = ok()
          .map((r) => JSON.parse(r.body))
          .filter((p) => p.data.id === Number(row.id))
          .map((p) => p.eventType);
        assert.deepEqual(mine, ['SessionCreated', 'SessionStarted', 'SessionEnded'], row.session_id);
      }
    } finally {
      await dispatcherA.stop();
      await app.close();
      await db.close();
    }
  } finally {
    rx.server.close();
    await store.drop();
    rmSync(blobDir, { recursive: true, force: true });
  }
});
