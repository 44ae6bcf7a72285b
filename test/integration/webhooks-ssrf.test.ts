/**
 * Webhooks cannot probe the internal network: deliveries to loopback, link-local, private and unique-local
 * targets fail as blocked without a connection (a local listener that counts connections gets none), unless
 * the operator's allow list names them; a host name resolving to loopback is refused where it is resolved;
 * and what a receiver answers never shows in the delivery log. Nothing here connects beyond 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createWebhook } from '../../src/webhooks/repository.js';
import { startDispatcher } from '../../src/webhooks/dispatcher.js';
import { callbackRefusal, targetPolicy, urlRefusal } from '../../src/webhooks/targets.js';
import { harness, type Harness } from './harness.js';

let h: Harness;
let listener: Server;
let port: number;
let connections = 0;
let received: string[] = [];

before(async () => {
  h = await harness();
  listener = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received.push(request.url ?? '');
      // What an internal service might answer: it must never reach the tenant.
      const status = request.url?.startsWith('/fail') ? 500 : 200;
      response.writeHead(status, { 'content-type': 'text/plain' }).end('SECRET-INTERNAL-ANSWER');
    });
  });
  listener.on('connection', () => connections++);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});
after(async () => {
  await new Promise((resolve) => listener.close(resolve));
  await h.close();
});

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let sessionNo = 0;
/** Registers webhooks straight in the store (as a webhook saved before a rule, or a name that moved). */
async function deliverTo(urls: string[], options: { allow?: string; retryWindowMs?: number } = {}) {
  const ids: number[] = [];
  for (const callbackUrl of urls) {
    const made = await createWebhook(h.db, h.app.switchboard.keys, h.tenant.id, {
      eventTypes: ['SessionCreated'],
      callbackUrl,
    });
    assert.ok('created' in made, callbackUrl);
    ids.push(made.created.id);
  }
  const dispatcher = startDispatcher({
    db: h.db,
    pollMs: 20,
    baseBackoffMs: 20,
    maxBackoffMs: 40,
    ...options,
  });
  try {
    const sessionId = `ssrf-${++sessionNo}`;
    await h.ingest([
      {
        id: `${sessionId}-1`,
        sessionId,
        type: 'session.created',
        at: '2026-03-09T10:00:00Z',
        channel: 'chat',
      },
    ]);
    const log = async () =>
      (
        await h.db.query<{ webhook_id: string; status: string; last_error: string | null; attempts: number }>(
          'SELECT webhook_id, status, last_error, attempts FROM webhook_deliveries WHERE webhook_id = ANY($1::bigint[])',
          [ids],
        )
      ).rows;
    await until(
      async () => (await log()).filter((r) => r.status !== 'pending').length === ids.length,
      'every delivery to settle',
    );
    const rows = await log();
    // Everything stored about these deliveries and their attempts, as text.
    const stored = await h.db.query(
      `SELECT d.*, a.* FROM webhook_deliveries d LEFT JOIN webhook_attempts a ON a.delivery_id = d.id
        WHERE d.webhook_id = ANY($1::bigint[])`,
      [ids],
    );
    return {
      results: urls.map((url, i) => ({ url, ...rows.find((r) => Number(r.webhook_id) === ids[i])! })),
      stored: JSON.stringify(stored.rows),
    };
  } finally {
    await dispatcher.stop();
    for (const id of ids) await h.db.query('DELETE FROM webhooks WHERE id = $1', [id]);
  }
}

test('deliveries to non-public targets are blocked without a connection', async () => {
  const urls = [
    `http://127.0.0.1:${port}/loopback`,
    `http://[::1]:${port}/v6-loopback`,
    'http://169.254.169.254/latest/meta-data/',
    'http://10.20.30.40/private',
    'http://192.168.1.1/router',
    'http://[fc00::1]/ula',
    'http://[fd12:3456::1]/ula',
    `http://[::ffff:127.0.0.1]:${port}/mapped`,
    `http://2130706433:${port}/decimal`,
    `http://0.0.0.0:${port}/unspecified`,
  ];
  // The pure check first: a regression fails here, before any connection is tried.
  const none = targetPolicy(undefined);
  for (const url of urls) assert.ok(urlRefusal(none, new URL(url)), url);

  connections = 0;
  const { results } = await deliverTo([...urls, `http://localhost:${port}/by-name`]);
  for (const r of results) {
    assert.equal(r.status, 'failed', r.url);
    assert.equal(r.attempts, 1, `${r.url}: a blocked target is not retried`);
    assert.match(r.last_error ?? '', /^blocked: .+ (is|resolves to) .*address/, r.url);
    assert.match(r.last_error ?? '', /SWITCHBOARD_WEBHOOK_ALLOW/, r.url);
  }
  assert.match(
    results.at(-1)!.last_error!,
    /^blocked: localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
  );
  assert.equal(connections, 0, 'the listener saw no connection');
  assert.deepEqual(received, []);

  // The tenant sees the reason in its delivery log, through the API.
  const token = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
  });
  const made = await createWebhook(h.db, h.app.switchboard.keys, h.tenant.id, {
    eventTypes: ['SessionEnded'],
    callbackUrl: `http://127.0.0.1:${port}/api-log`,
  });
  assert.ok('created' in made);
  const id = made.created.id;
  const dispatcher = startDispatcher({ db: h.db, pollMs: 20 });
  try {
    await h.ingest([
      { id: 'ssrf-end', sessionId: 'ssrf-1', type: 'session.ended', at: '2026-03-09T10:05:00Z' },
    ]);
    let entries: { status: string; lastError: string; lastStatus: number | null }[] = [];
    await until(async () => {
      const response = await h.request({
        method: 'GET',
        url: `/api/v1/Webhooks/${id}/deliveries`,
        headers: { authorization: `Bearer ${token.json().access_token}` },
      });
      entries = response.json();
      return entries.length === 1 && entries[0].status === 'failed';
    }, 'the blocked delivery in the log');
    assert.equal(entries[0].lastStatus, null);
    assert.match(entries[0].lastError, /^blocked: 127\.0\.0\.1 is a loopback address/);
  } finally {
    await dispatcher.stop();
    await h.db.query('DELETE FROM webhooks WHERE id = $1', [id]);
  }
  assert.equal(connections, 0);
});

test('the allow list lets deliveries through, by address or by a name resolving to it', async () => {
  connections = 0;
  received = [];
  const { results } = await deliverTo(
    [
      `http://127.0.0.1:${port}/allowed`,
      `http://localhost:${port}/allowed-by-name`,
      'http://10.1.1.1/still-blocked',
    ],
    { allow: '127.0.0.1' },
  );
  assert.equal(results[0].status, 'delivered', JSON.stringify(results[0]));
  // localhost may also resolve to ::1; only its allowed address, 127.0.0.1, is connected to.
  assert.equal(results[1].status, 'delivered', JSON.stringify(results[1]));
  assert.equal(results[2].status, 'failed');
  assert.match(results[2].last_error!, /^blocked: 10\.1\.1\.1 is a private address/);
  assert.deepEqual(received.sort(), ['/allowed', '/allowed-by-name']);
});

test("another host's answer never reaches the delivery log", async () => {
  received = [];
  const { results, stored } = await deliverTo([`http://127.0.0.1:${port}/fail`], {
    allow: '127.0.0.0/8',
    retryWindowMs: 100,
  });
  assert.ok(received.length >= 1);
  assert.equal(results[0].status, 'failed');
  assert.equal(results[0].last_error, 'HTTP 500');
  assert.match(stored, /HTTP 500/);
  assert.doesNotMatch(stored, /SECRET-INTERNAL-ANSWER/);
});

test('registration-time check: literal addresses and names resolving only to refused ones', async () => {
  const none = targetPolicy(undefined);
  assert.match((await callbackRefusal(none, 'http://127.0.0.1:9/x'))!, /127\.0\.0\.1 is a loopback address/);
  assert.match((await callbackRefusal(none, 'http://localhost:9/x'))!, /^localhost resolves to .*loopback/);
  assert.match((await callbackRefusal(none, 'gopher://example.com/'))!, /not delivered/);
  assert.equal(await callbackRefusal(targetPolicy('127.0.0.1,::1'), 'http://localhost:9/x'), null);
  assert.equal(await callbackRefusal(targetPolicy('localhost'), 'http://localhost:9/x'), null);
  assert.equal(await callbackRefusal(none, 'https://203.0.113.9/x'), null);
});
