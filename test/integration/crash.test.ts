/**
 * Crash safety (issue 15, "Tests that must exist"): the real server, a child process on the store TEST_STORE
 * names, takes concurrent intake over HTTP and is killed with SIGKILL at a seeded moment while batches are in
 * flight, two or three times. After each restart on the same data: every acknowledged batch is there
 * (re-posted, all of it answers as duplicates), no batch is torn (one never acknowledged is wholly stored or
 * wholly absent), and re-posting everything answers 200. At the end every session equals what a clean re-ingest
 * of the same events into a fresh store gives; the analytics reports and rollups do too, maxima included
 * (concurrent batches re-project sessions out of order: docs/metrics.md#maxima); and a rebuild finds every
 * session's stored contribution current and no rollup row differing.
 *
 * The seed (CRASH_SEED, default 15) fixes the events, the batches and the moment of each kill counted in
 * acknowledgements; where exactly the kill lands inside the server is up to the machine, which is the point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSchemaUrl, harness, STORE } from './harness.js';
import { rng, simulate } from '../../src/simulator/simulate.js';
import type { SessionEvent } from '../../src/domain/events.js';
import { openConfiguredStore } from '../../src/server.js';
import { rebuildAnalytics } from '../../src/analytics/rebuild.js';
import { MAXES } from '../../src/analytics/contribution.js';
import type { Db } from '../../src/db/store.js';

const BIN = new URL('../../../bin/switchboard.js', import.meta.url).pathname;
const ADMIN = 'admin-token-for-the-crash-test';
const SEED = Number(process.env.CRASH_SEED ?? 15);
// Three kills on PostgreSQL; two on the embedded store, whose every start opens PGlite (seconds on a 2-core
// machine), to stay within a minute.
const CYCLES = STORE === 'postgres' ? 3 : 2;
const SESSIONS = 150;
const BATCH = 40;
const CONCURRENCY = 4;
// One simulated day; the reports below cover it and the day after, where the last sessions end.
const START = Date.parse('2026-03-02T00:00:00Z');
const REPORT_RANGE = 'from=2026-03-02&to=2026-03-04&timeZone=UTC&interval=PT1H';

interface Batch {
  index: number;
  events: SessionEvent[];
  body: string;
}

/**
 * The simulation as a live feed: every session's events in time order, interleaved, cut into batches. A session
 * spans several batches, so concurrent batches contend for its lock and re-project it out of order.
 */
function feed(): { batches: Batch[]; sessionIds: string[] } {
  const sessions = [...simulate({ seed: SEED, sessions: SESSIONS, start: START, end: START + 86_400_000 })];
  const events = sessions.flat().sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const batches: Batch[] = [];
  for (let i = 0; i < events.length; i += BATCH) {
    const slice = events.slice(i, i + BATCH);
    batches.push({ index: batches.length, events: slice, body: JSON.stringify(slice) });
  }
  return { batches, sessionIds: sessions.map((s) => s[0].sessionId) };
}

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

/** Starts `switchboard serve` on a free port; resolves once it listens. */
function serve(storeArgs: string[], children: Set<ChildProcess>): Promise<Server> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...storeArgs], {
    env: {
      ...process.env,
      SWITCHBOARD_ADMIN_TOKEN: ADMIN,
      SWITCHBOARD_LOG_LEVEL: 'warn',
      // On PostgreSQL a server needs a server key (docs/security.md, "Secrets at rest").
      ...(STORE === 'postgres' ? { SWITCHBOARD_SECRET_KEY: 'crash-test-server-key-0123456789abcdef' } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      children.delete(child);
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    // The pipes are read to the end (a full pipe would stall the server); the tail is kept for a failure.
    let out = '';
    const keep = (chunk: Buffer) => (out = (out + chunk.toString()).slice(-8_000));
    child.stdout.on('data', (chunk: Buffer) => {
      keep(chunk);
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1], exited });
    });
    child.stderr.on('data', keep);
    child.once('exit', (code, signal) =>
      reject(new Error(`server exited (${String(code ?? signal)}): ${out}`)),
    );
  });
}

/** Where the server stores: a data folder, and on PostgreSQL a fresh schema of the test server too. */
async function storeFor(data: string): Promise<{
  args: string[];
  databaseUrl: string | undefined;
  cleanup: () => Promise<void>;
}> {
  if (STORE === 'embedded')
    return { args: ['--data', data], databaseUrl: undefined, cleanup: () => Promise.resolve() };
  const schema = await freshSchemaUrl('crash');
  return {
    args: ['--data', data, '--database-url', schema.url],
    databaseUrl: schema.url,
    cleanup: schema.drop,
  };
}

const post = (url: string, secret: string, body: string) =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body,
  });

/**
 * Posts `batches`, CONCURRENCY at a time, and SIGKILLs the server `delayMs` after the `killAt`-th
 * acknowledgement. A batch is acknowledged when its answer's status line says 200: the server only sends it
 * after the commit. Requests the kill cuts off are simply not acknowledged.
 */
async function intakeUntilKilled(
  server: Server,
  secret: string,
  batches: Batch[],
  killAt: number,
  delayMs: number,
): Promise<{ acked: Set<number>; sent: Set<number>; inFlightAtKill: number }> {
  const acked = new Set<number>();
  const sent = new Set<number>();
  let next = 0;
  let inFlight = 0;
  let inFlightAtKill = 0;
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    inFlightAtKill = inFlight;
    server.child.kill('SIGKILL');
  };
  const worker = async () => {
    while (!killed && next < batches.length) {
      const batch = batches[next++];
      sent.add(batch.index);
      inFlight++;
      try {
        const response = await post(server.url, secret, batch.body);
        if (response.status === 200) {
          acked.add(batch.index);
          if (acked.size === killAt) setTimeout(kill, delayMs);
        }
        const text = await response.text();
        if (response.status !== 200 && !killed)
          assert.fail(`batch ${batch.index}: ${response.status} ${text}`);
      } catch (error) {
        if (!killed) throw error;
      } finally {
        inFlight--;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  kill(); // every batch answered before the moment came: the assertion on inFlightAtKill reports it
  await server.exited;
  return { acked, sent, inFlightAtKill };
}

/** Posts every batch again, CONCURRENCY at a time; each must answer 200. */
async function repost(url: string, secret: string, batches: Batch[]) {
  const results = new Map<number, { accepted: number; duplicates: number }>();
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const response = await post(url, secret, batch.body);
      const text = await response.text();
      assert.equal(response.status, 200, `re-posting batch ${batch.index}: ${text}`);
      results.set(batch.index, JSON.parse(text) as { accepted: number; duplicates: number });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

/** Every session id the server lists, through the keyset pages. */
async function listedSessionIds(url: string, secret: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor: string | null = ''; cursor !== null;) {
    const response: Response = await fetch(
      `${url}/v1/sessions?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { headers: { authorization: `Bearer ${secret}` } },
    );
    assert.equal(response.status, 200);
    const page = (await response.json()) as { items: { sessionId: string }[]; nextCursor: string | null };
    ids.push(...page.items.map((s) => s.sessionId));
    cursor = page.nextCursor;
  }
  return ids;
}

const KEYS = ['queue_id', 'dimension', 'key', 'channel', 'bucket'];
const MAX_COLUMNS = new Set<string>([...MAXES, 'maxima']);
/** Where a row's maxima are searched for: it only widens, so it depends on the arrival order by design. */
const SEARCH_RANGE = new Set(['created_min', 'created_max', 'kept_maxima']);

/** A tenant's rollup rows by key, without the tenant: counters and sums, and maxima. */
async function rollups(db: Db, tenantId: string) {
  const exact = new Map<string, number[]>();
  const maxima = new Map<string, (number | null)[]>();
  for (const table of ['queue_rollups', 'queue_totals', 'dimension_rollups']) {
    const rows = await db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE tenant_id = $1`, [
      tenantId,
    ]);
    for (const row of rows.rows) {
      const key = `${table} ${JSON.stringify(KEYS.map((k) => row[k]))}`;
      const values = Object.entries(row).filter(
        ([c]) => c !== 'tenant_id' && !KEYS.includes(c) && !SEARCH_RANGE.has(c),
      );
      const counters = values.filter(([c]) => !MAX_COLUMNS.has(c)).flatMap(([, v]) => v as number | number[]);
      // A row that adds up to nothing is the same as no row.
      if (counters.some((v) => Number(v) !== 0)) exact.set(key, counters.map(Number));
      maxima.set(
        key,
        values
          .filter(([c]) => MAX_COLUMNS.has(c))
          .flatMap(([, v]) => v as number | number[])
          .map((v) => (v === null ? null : Number(v))),
      );
    }
  }
  return { exact, maxima };
}

test(
  `kill -9 during concurrent intake, ${CYCLES} times: nothing acknowledged lost, nothing torn, projections and rollups as a clean re-ingest`,
  { timeout: 180_000 },
  async (t) => {
    const started = Date.now();
    const data = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
    const store = await storeFor(data);
    const children = new Set<ChildProcess>();
    const { batches, sessionIds } = feed();
    // The reference: the same events taken in once, as one batch, by a fresh store of the same kind (made
    // while the first server starts).
    const opened = harness();
    const reference = opened.then(async (h) => {
      await h.ingest(batches.flatMap((b) => b.events));
      return h;
    });
    reference.catch(() => undefined); // reported where it is awaited

    // On failure too: no server outlives the test, then the stores and the folder go.
    t.after(async () => {
      const exits = [...children].map((child) => new Promise((resolve) => child.once('exit', resolve)));
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(exits);
      await (await opened.catch(() => undefined))?.close();
      await store.cleanup();
      rmSync(data, { recursive: true, force: true });
    });

    const r = rng(SEED ^ 0x5eed);
    const parts = Array.from({ length: CYCLES }, (_, k) =>
      batches.slice(
        Math.floor((k * batches.length) / CYCLES),
        Math.floor(((k + 1) * batches.length) / CYCLES),
      ),
    );

    // Where the time goes, for the closing diagnostic: starting servers dominates.
    let startingMs = 0;
    const start = async () => {
      const from = Date.now();
      const started = await serve(store.args, children);
      startingMs += Date.now() - from;
      return started;
    };
    let server = await start();
    const clean = await reference;
    const created = await fetch(`${server.url}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: '{"name":"crash"}',
    });
    assert.equal(created.status, 201, await created.clone().text());
    const tenant = (await created.json()) as { id: string; credentials: { clientSecret: string } };
    const secret = tenant.credentials.clientSecret;

    const acked = new Set<number>();
    for (let k = 0; k < CYCLES; k++) {
      const part = parts[k];
      // The moment: after 20–60 % of this cycle's batches are acknowledged, plus up to 25 ms.
      const killAt = Math.max(1, Math.floor(part.length * (0.2 + 0.4 * r())));
      const delayMs = Math.floor(r() * 25);
      const cycle = await intakeUntilKilled(server, secret, part, killAt, delayMs);
      assert.ok(cycle.inFlightAtKill > 0, `cycle ${k}: the kill must land while batches are in flight`);
      cycle.acked.forEach((i) => acked.add(i));

      server = await start();
      // Everything posted so far, and the rest of this cycle's part, again: the answers tell what survived.
      const upTo = batches.slice(0, parts[k].at(-1)!.index + 1);
      const results = await repost(server.url, secret, upTo);
      let committedUnacked = 0;
      for (const batch of upTo) {
        const { accepted, duplicates } = results.get(batch.index)!;
        const n = batch.events.length;
        assert.equal(accepted + duplicates, n, `batch ${batch.index}: every event is counted once`);
        if (acked.has(batch.index)) {
          assert.equal(
            duplicates,
            n,
            `cycle ${k}: acknowledged batch ${batch.index} lost ${accepted} of ${n} events`,
          );
        } else if (cycle.sent.has(batch.index)) {
          assert.ok(
            duplicates === 0 || duplicates === n,
            `cycle ${k}: batch ${batch.index} is torn: ${duplicates} of ${n} stored`,
          );
          if (duplicates === n) committedUnacked++;
        } else {
          assert.equal(duplicates, 0, `cycle ${k}: batch ${batch.index} was never sent`);
        }
        acked.add(batch.index);
      }
      t.diagnostic(
        `cycle ${k}: killed ${delayMs} ms after ack ${killAt} of ${part.length} with ${cycle.inFlightAtKill} in flight; ` +
          `${cycle.acked.size} acknowledged, ${[...cycle.sent].filter((i) => !cycle.acked.has(i)).length} cut off (${committedUnacked} of them committed)`,
      );
    }

    // The server's links carry its host; the in-process app is asked under the same one.
    const host = new URL(server.url).host;

    assert.deepEqual((await listedSessionIds(server.url, secret)).sort(), [...sessionIds].sort());
    for (const sessionId of sessionIds) {
      const crashed = await fetch(`${server.url}/v1/sessions/${sessionId}`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      assert.equal(crashed.status, 200);
      const fresh = await clean.request({
        method: 'GET',
        url: `/v1/sessions/${sessionId}`,
        headers: { ...clean.auth(), host },
      });
      assert.equal(fresh.statusCode, 200, fresh.body);
      assert.deepEqual(await crashed.json(), fresh.json(), `session ${sessionId}`);
    }
    for (const kind of ['queues', 'operators', 'bots']) {
      const url = `/v1/analytics/${kind}?${REPORT_RANGE}`;
      const crashed = await fetch(server.url + url, { headers: { authorization: `Bearer ${secret}` } });
      assert.equal(crashed.status, 200);
      const fresh = await clean.request({ method: 'GET', url, headers: clean.auth() });
      assert.deepEqual(await crashed.json(), fresh.json(), kind);
    }

    // The rollups, read with intake stopped (as a rebuild must be): counters, sums and maxima equal the
    // reference's, which equals its own rebuild exactly; so does the crashed store's.
    server.child.kill('SIGTERM');
    await server.exited;
    const [exact] = (await rebuildAnalytics(clean.db)).filter((x) => x.tenantId === clean.tenant.id);
    assert.deepEqual([exact.staleSessions, exact.differingRows], [0, 0]);
    const { db, release } = await openConfiguredStore({ dataDir: data, databaseUrl: store.databaseUrl });
    try {
      const [got, want] = [await rollups(db, tenant.id), await rollups(clean.db, clean.tenant.id)];
      assert.deepEqual(got.exact, want.exact);
      // A row every session left has no maxima (the reference has no such row).
      for (const [key, maxima] of got.maxima) {
        assert.deepEqual(maxima, want.maxima.get(key) ?? maxima.map(() => null), `${key}: maxima`);
      }
      const [report] = (await rebuildAnalytics(db)).filter((x) => x.tenantId === tenant.id);
      assert.equal(report.sessions, SESSIONS);
      assert.equal(report.staleSessions, 0);
      assert.equal(report.differingRows, 0);
    } finally {
      await db.close();
      release();
    }
    t.diagnostic(
      `${STORE}: ${batches.length} batches, ${CYCLES} kills; ` +
        `${Date.now() - started} ms (${startingMs} ms starting servers)`,
    );
  },
);
