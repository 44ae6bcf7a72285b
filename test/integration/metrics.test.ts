import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import { startDispatcher } from '../../src/webhooks/dispatcher.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
let h: Harness;

before(async () => {
  h = await harness({ now: () => NOW, webhookAllow: '127.0.0.1' });
});
after(() => h.close());

interface Sample {
  labels: Record<string, string>;
  value: number;
}
interface Family {
  type: string;
  samples: Map<string, Sample[]>;
}

/**
 * A strict reader of the Prometheus text exposition format (0.0.4): every line is a `# HELP`, a `# TYPE`, or
 * a sample `name{label="value",…} number`; anything else fails the test. Samples are grouped under the
 * family their `# TYPE` line declared (a histogram's `_bucket`, `_sum`, `_count` under the histogram).
 */
function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | null = null;
  let currentName = '';
  const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      currentName = type[1]!;
      current = { type: type[2].toUpperCase(), samples: new Map() };
      families.set(currentName, current);
      continue;
    }
    const match = sample.exec(line);
    assert.ok(match, `not a Prometheus exposition line: ${line}`);
    assert.ok(current && match[1].startsWith(currentName), `sample outside its family: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, val] of (match[2] ?? '').matchAll(label)) labels[key] = val!;
    const list = current.samples.get(match[1]) ?? [];
    list.push({ labels, value: Number(match[3]) });
    current.samples.set(match[1], list);
  }
  return families;
}

async function scrape(): Promise<Map<string, Family>> {
  const response = await h.request({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parseExposition(response.body);
}

/** The value of the sample `name` (default: the family's own) whose labels include `labels`; NaN if none. */
const value = (
  families: Map<string, Family>,
  family: string,
  labels: Record<string, string> = {},
  name = family,
) =>
  families
    .get(family)
    ?.samples.get(name)
    ?.find((m) => Object.entries(labels).every(([k, v]) => m.labels[k] === v))?.value ?? NaN;

test('/metrics: request histograms by route pattern and status, intake counters, pool and runtime', async () => {
  const before = await scrape();
  const acceptedBefore = value(before, 'switchboard_intake_events_total', { result: 'accepted' });
  const events = [...simulate({ seed: 5, sessions: 6, start: NOW - 3_600_000, end: NOW })].flat();
  const first = await h.ingest(events);
  const again = await h.ingest(events.slice(0, 4));
  assert.equal(again.duplicates, 4);
  const secretId = 'do-not-leak-this-session-id';
  assert.equal(
    (await h.request({ method: 'GET', url: `/v1/sessions/${secretId}`, headers: h.auth() })).statusCode,
    404,
  );
  assert.equal((await h.request({ method: 'GET', url: '/v1/sessions' })).statusCode, 401);

  const after = await scrape();
  assert.equal(after.get('switchboard_intake_events_total')?.type, 'COUNTER');
  const accepted = value(after, 'switchboard_intake_events_total', { result: 'accepted' });
  assert.equal(accepted - (Number.isNaN(acceptedBefore) ? 0 : acceptedBefore), first.accepted);
  assert.ok(value(after, 'switchboard_intake_events_total', { result: 'duplicate' }) >= 4);
  const batch = 'switchboard_intake_batch_duration_seconds';
  assert.equal(after.get(batch)?.type, 'HISTOGRAM');
  assert.ok(value(after, batch, {}, `${batch}_count`) >= 2);

  const http = 'switchboard_http_request_duration_seconds';
  assert.equal(after.get(http)?.type, 'HISTOGRAM');
  const count = (labels: Record<string, string>) => value(after, http, labels, `${http}_count`);
  assert.ok(count({ method: 'GET', route: '/v1/sessions/:sessionId', status: '404' }) >= 1);
  assert.ok(count({ method: 'GET', route: '/v1/sessions', status: '401' }) >= 1);
  assert.ok(count({ method: 'POST', route: '/v1/events', status: '200' }) >= 2);
  assert.equal(value(after, http, { route: '/v1/sessions', status: '401', le: '+Inf' }, `${http}_bucket`), 1);
  // Raw URLs, ids, tenants and credentials never become labels.
  const text = (await h.request({ method: 'GET', url: '/metrics' })).body;
  assert.ok(!text.includes(secretId));
  assert.ok(!text.includes(h.tenant.credentials.clientSecret));
  assert.ok(!text.includes(h.tenant.id));

  assert.ok(value(after, 'switchboard_db_pool_connections', { state: 'max' }) >= 1);
  assert.ok(value(after, 'switchboard_db_pool_connections', { state: 'open' }) >= 1);
  // Gauges are collected concurrently: the queue gauge's query may hold the embedded store's one connection.
  assert.ok(value(after, 'switchboard_db_pool_waiting_requests') >= 0);
  assert.ok(value(after, 'nodejs_eventloop_lag_seconds') >= 0);
  assert.ok(value(after, 'process_resident_memory_bytes') > 0);
});

test('/metrics: webhook queue depth and age, delivery outcomes', async () => {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(hits % 2 ? 500 : 200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const token = (
      await h.request({
        method: 'POST',
        url: '/login/connect/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
      })
    ).json().access_token;
    const created = await h.request({
      method: 'POST',
      url: '/api/v1/Webhooks',
      headers: { authorization: `Bearer ${token}` },
      payload: { eventTypes: ['SessionCreated'], callbackUrl: `http://127.0.0.1:${port}/hook` },
    });
    assert.equal(created.statusCode, 201, created.body);
    await h.ingest([...simulate({ seed: 6, sessions: 3, start: NOW - 3_600_000, end: NOW })].flat());
    const pending = await h.db.query<{ n: number; oldest: Date }>(
      "SELECT count(*) AS n, min(created_at) AS oldest FROM webhook_deliveries WHERE status = 'pending'",
    );
    const queued = await scrape();
    assert.equal(value(queued, 'switchboard_webhook_queue_depth'), pending.rows[0].n);
    assert.ok(pending.rows[0].n >= 3);
    const age = value(queued, 'switchboard_webhook_queue_oldest_age_seconds');
    assert.equal(age, Math.max(0, (NOW - pending.rows[0].oldest.getTime()) / 1000));

    // The server wires the dispatcher's attempts into the app's metrics the same way (src/server.ts).
    const t0 = Date.now();
    const dispatcher = startDispatcher({
      db: h.db,
      now: () => NOW + (Date.now() - t0),
      allow: '127.0.0.1',
      baseBackoffMs: 10,
      maxBackoffMs: 20,
      pollMs: 10,
      onAttempt: (result) => h.app.switchboard.metrics.delivery(result),
    });
    try {
      for (let i = 0; i < 200; i++) {
        const left = await h.db.query<{ n: number }>(
          "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'pending'",
        );
        if (left.rows[0].n === 0) break;
        dispatcher.kick();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await dispatcher.stop();
    }
    const done = await scrape();
    const outcomes = 'switchboard_webhook_deliveries_total';
    assert.equal(value(done, outcomes, { result: 'delivered' }), pending.rows[0].n);
    assert.ok(value(done, outcomes, { result: 'retry' }) >= 1);
    assert.equal(value(done, 'switchboard_webhook_queue_depth'), 0);
    assert.equal(value(done, 'switchboard_webhook_queue_oldest_age_seconds'), 0);
  } finally {
    server.close();
  }
});

test('/readyz: ready when the store answers and no migration is pending; 503 otherwise', async () => {
  const ready = await h.request({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready', store: h.db.kind });
  const last = await h.db.query<{ version: number; name: string }>(
    'SELECT version, name FROM schema_migrations ORDER BY version DESC LIMIT 1',
  );
  const { version, name } = last.rows[0];
  await h.db.query('DELETE FROM schema_migrations WHERE version = $1', [version]);
  try {
    const migrating = await h.request({ method: 'GET', url: '/readyz' });
    assert.equal(migrating.statusCode, 503);
    assert.deepEqual(migrating.json(), {
      status: 'migrating',
      store: h.db.kind,
      pendingMigrations: [name],
    });
  } finally {
    await h.db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, name]);
  }
  assert.equal((await h.request({ method: 'GET', url: '/readyz' })).statusCode, 200);
});
