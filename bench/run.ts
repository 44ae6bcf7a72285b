/**
 * `npm run bench`: intake and read throughput on the embedded store and on PostgreSQL, each beside its
 * baseline (a raw batched INSERT … SELECT unnest(…) of the same rows; Fastify answering a static JSON of the
 * same size). Results are appended to BENCHMARKS.md.
 *
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; "skip" to leave it out),
 * BENCH_SESSIONS (default 5000), BENCH_SECONDS (default 10).
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import autocannon from 'autocannon';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { openStore, type Db } from '../src/db/store.js';
import { migrate } from '../src/db/migrate.js';
import { fileBlobStore } from '../src/files/blobs.js';
import { createTenant } from '../src/tenants/repository.js';
import { simulate } from '../src/simulator/simulate.js';
import type { SessionEvent } from '../src/domain/events.js';
import { storedEvent } from '../src/events/service.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = 1000;

interface Result {
  store: string;
  events: number;
  intakePerSec: number;
  rawPerSec: number;
  readRps: number;
  readP99: number;
  staticRps: number;
  staticP99: number;
  bodyBytes: number;
}

function workload(): { batches: SessionEvent[][]; sessionIds: string[] } {
  const all: SessionEvent[] = [];
  const sessionIds: string[] = [];
  const now = Date.now();
  for (const events of simulate({ seed: 2026, sessions: SESSIONS, start: now - 7 * 86_400_000, end: now })) {
    all.push(...events);
    sessionIds.push(events[0].sessionId);
  }
  const batches: SessionEvent[][] = [];
  for (let i = 0; i < all.length; i += BATCH) batches.push(all.slice(i, i + BATCH));
  return { batches, sessionIds };
}

async function rawInsertRate(db: Db, batches: SessionEvent[][]): Promise<number> {
  await db.query(`CREATE TABLE bench_raw (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES)`);
  const tenant = 'raw';
  const started = performance.now();
  let rows = 0;
  for (const batch of batches) {
    await db.tx((q) =>
      q.query(
        `INSERT INTO bench_raw (tenant_id, id, session_id, type, at, body, content_hash)
         SELECT $1, e.id, e.session_id, e.type, e.at, e.body::jsonb, e.hash
           FROM unnest($2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[]) AS e(id, session_id, type, at, body, hash)`,
        [
          tenant,
          batch.map((e) => e.id),
          batch.map((e) => e.sessionId),
          batch.map((e) => e.type),
          batch.map((e) => e.at),
          batch.map((e) => JSON.stringify(e)),
          batch.map((e) => storedEvent(e).hash),
        ],
      ),
    );
    rows += batch.length;
  }
  const rate = rows / ((performance.now() - started) / 1000);
  await db.query('DROP TABLE bench_raw');
  return rate;
}

async function load(
  url: string,
  paths: string[],
  headers: Record<string, string>,
): Promise<{ rps: number; p99: number }> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: 32,
    duration: SECONDS,
    headers,
    requests: [{ setupRequest: (request) => ({ ...request, path: paths[i++ % paths.length] }) }],
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`load test saw ${result.non2xx} non-2xx and ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

async function benchStore(label: string, db: Db): Promise<Result> {
  await migrate(db);
  const blobDir = mkdtempSync(join(tmpdir(), 'bench-blobs-'));
  const app = await buildApp({ db, blobs: fileBlobStore(blobDir) });
  const tenant = await db.tx((q) => createTenant(q, { name: `bench-${randomBytes(3).toString('hex')}` }));
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const auth = { authorization: `Bearer ${tenant.credentials.clientSecret}` };
  const { batches, sessionIds } = workload();
  const events = batches.reduce((n, b) => n + b.length, 0);
  console.log(`[${label}] ${events} events of ${SESSIONS} sessions in ${batches.length} batches`);

  const started = performance.now();
  for (const batch of batches) {
    const response = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(batch),
    });
    if (response.status !== 200)
      throw new Error(`intake answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  }
  const intakePerSec = events / ((performance.now() - started) / 1000);
  console.log(`[${label}] intake ${intakePerSec.toFixed(0)} events/s`);
  const rawPerSec = await rawInsertRate(db, batches);
  console.log(`[${label}] raw insert ${rawPerSec.toFixed(0)} rows/s`);
  if (db.kind === 'embedded') await db.query('VACUUM (ANALYZE)');
  else await db.query('ANALYZE');

  const paths = sessionIds.slice(0, 2000).map((id) => `/v1/sessions/${id}`);
  const sample = await (await fetch(base + paths[0], { headers: auth })).text();
  const read = await load(base, paths, auth);
  console.log(`[${label}] GET session ${read.rps.toFixed(0)} req/s, p99 ${read.p99} ms`);
  await app.close();

  const staticApp = Fastify();
  const body = Buffer.from(sample);
  staticApp.get('/v1/sessions/:id', (_request, reply) =>
    reply.header('content-type', 'application/json').send(body),
  );
  const staticBase = await staticApp.listen({ port: 0, host: '127.0.0.1' });
  const fixed = await load(staticBase, paths, auth);
  console.log(`[${label}] static JSON ${fixed.rps.toFixed(0)} req/s, p99 ${fixed.p99} ms`);
  await staticApp.close();
  rmSync(blobDir, { recursive: true, force: true });
  return {
    store: label,
    events,
    intakePerSec,
    rawPerSec,
    readRps: read.rps,
    readP99: read.p99,
    staticRps: fixed.rps,
    staticP99: fixed.p99,
    bodyBytes: body.length,
  };
}

async function main(): Promise<void> {
  const results: Result[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-pglite-'));
  const embedded = await openStore({ dataDir });
  try {
    results.push(await benchStore('embedded (PGlite, on disk)', embedded));
  } finally {
    await embedded.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (PG_URL !== 'skip') {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const db = await openStore({ databaseUrl: PG_URL, schema, poolSize: 16 });
    try {
      results.push(await benchStore('PostgreSQL 127.0.0.1', db));
    } finally {
      await db.close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    }
  }
  const cpu = cpus();
  const lines = [
    '',
    `## ${new Date().toISOString().slice(0, 10)} — ${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    `${SESSIONS} simulated sessions; intake in ${BATCH}-event batches over HTTP; reads: 32 connections for ${SECONDS} s over 2,000 session ids.`,
    '',
    '| store | events | intake events/s | raw INSERT rows/s | intake / raw | GET session req/s (p99 ms) | static JSON req/s (p99 ms) | read / static | body bytes |',
    '|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.store} | ${r.events} | ${r.intakePerSec.toFixed(0)} | ${r.rawPerSec.toFixed(0)} | ${((100 * r.intakePerSec) / r.rawPerSec).toFixed(0)} % | ${r.readRps.toFixed(0)} (${r.readP99}) | ${r.staticRps.toFixed(0)} (${r.staticP99}) | ${((100 * r.readRps) / r.staticRps).toFixed(0)} % | ${r.bodyBytes} |`,
    ),
  ];
  appendFileSync(new URL('../../BENCHMARKS.md', import.meta.url), lines.join('\n') + '\n');
  console.log(lines.join('\n'));
}

await main();
