/**
 * The bench's dataset: N simulated sessions loaded through the real intake into a database of its own, kept
 * between runs. PostgreSQL: database `switchboard_bench_<N>` on the given server; embedded: the data folder
 * `bench/.data/embedded-<N>` (what `switchboard serve --data` opens). A table `bench_meta` in it records what
 * was loaded (scale, seed, window, the simulator's source hash) and the tenants' credentials; a dataset whose
 * record matches is reused, any other is dropped and loaded again. The record is written last, so an
 * interrupted load is never mistaken for a complete one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Db } from '../src/db/store.js';
import { openConfiguredStore } from '../src/server.js';
import { runMaintenance } from '../src/db/maintenance.js';
import { ingest, writeSessions } from '../src/events/service.js';
import { project } from '../src/domain/projector.js';
import type { SessionEvent } from '../src/domain/events.js';
import { LoopTurns } from '../src/loop-turns.js';
import { ROOT, cli, startServer, type ServerTarget } from './procs.js';
import { batches, ndjson, pool, type Batch, type Workload } from './workload.js';

/** Bump when the way the bench loads changes what a dataset holds. */
const FORMAT = 1;
/** The second tenant: small, for "another tenant's requests while one tenant runs heavy queries". */
const OTHER_SESSIONS = 300;
const SAMPLE_IDS = 2000;
const BATCH_EVENTS = 1000;

export interface DatasetOptions {
  store: 'postgres' | 'embedded';
  scale: number;
  seed: number;
  /** Arrival window: `days` days from `start` (epoch ms). */
  start: number;
  days: number;
  /** PostgreSQL server to create the bench database on. */
  serverUrl: string;
  /** A throw-away dataset (CI): its own name, dropped by `drop()`. */
  ephemeral: boolean;
  reload: boolean;
  /**
   * `projection`: the sessions are projected and stored with their rollups by the intake's own code, but
   * their events are not stored (issue 11's 10-million-session analytics dataset, whose events would not fit
   * the disk); such a dataset serves the analytics part only and lives apart from a full one.
   */
  loadVia: 'http' | 'ingest' | 'projection';
  /** Batches in flight while loading. */
  concurrency: number;
  log: (line: string) => void;
}

export interface Credentials {
  id: string;
  name: string;
  departmentId: number;
  clientId: string;
  clientSecret: string;
}

export interface Meta {
  fingerprint: {
    format: number;
    scale: number;
    seed: number;
    start: string;
    days: number;
    simulator: string;
  };
  /** Hashes of the code that wrote the data; a difference means migrations or projection changed since. */
  code: { migrations: string; intake: string };
  loadedAt: string;
  loadSeconds: number;
  loadVia: DatasetOptions['loadVia'];
  events: number;
  sessions: number;
  tenant: Credentials;
  other: Credentials;
  /** Session ids spread evenly over the main tenant's sessions; the other tenant's likewise. */
  sampleIds: string[];
  otherIds: string[];
}

export interface Dataset {
  target: ServerTarget;
  /** Where it lives, for the report: a database name or a folder. */
  where: string;
  meta: Meta;
  /** Whether this run loaded it. */
  loaded: boolean;
  /** Opens the store in this process (embedded: only while no server holds it). */
  open(): Promise<{ db: Db; close(): Promise<void> }>;
  /** Removes it (ephemeral datasets). */
  drop(): Promise<void>;
}

function hashFiles(...dirs: [string, RegExp][]): string {
  const hash = createHash('sha256');
  for (const [dir, pattern] of dirs) {
    const path = join(ROOT, dir);
    for (const file of readdirSync(path)
      .filter((f) => pattern.test(f))
      .sort()) {
      hash
        .update(`${dir}/${file}\u0000`)
        .update(readFileSync(join(path, file)))
        .update('\u0000');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

export const codeHashes = () => ({
  simulator: hashFiles(['src/simulator', /\.ts$/]),
  migrations: hashFiles(['src/db/migrations', /\.sql$/]),
  intake: hashFiles(['src/domain', /\.ts$/], ['src/events', /\.ts$/]),
});

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function readMeta(db: Db): Promise<Meta | null> {
  await db.query('CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)');
  const row = (await db.query<{ value: Meta }>(`SELECT value FROM bench_meta WHERE key = 'dataset'`)).rows[0];
  return row?.value ?? null;
}

/** Field by field: `jsonb` keeps keys in an order of its own. */
const sameFingerprint = (a: Meta['fingerprint'], b: Meta['fingerprint']) =>
  Object.keys(a).length === Object.keys(b).length &&
  (Object.keys(b) as (keyof Meta['fingerprint'])[]).every((key) => a[key] === b[key]);

export async function prepareDataset(options: DatasetOptions): Promise<Dataset> {
  const projected = options.loadVia === 'projection' ? '_projected' : '';
  const suffix = `${projected}${options.ephemeral ? `_tmp_${process.pid}` : ''}`;
  const name = `switchboard_bench_${options.scale}${suffix}`;
  const dataDir = options.ephemeral
    ? join(tmpdir(), `switchboard-bench-${options.scale}${projected}-${process.pid}`)
    : join(ROOT, 'bench', '.data', `embedded-${options.scale}${projected}`);
  const target: ServerTarget =
    options.store === 'postgres' ? { databaseUrl: databaseUrl(options.serverUrl, name) } : { dataDir };
  const config = { dataDir, databaseUrl: target.databaseUrl };
  const open = async () => {
    const { db, release } = await openConfiguredStore(config);
    return {
      db,
      close: async () => {
        await db.close();
        release();
      },
    };
  };
  const exists = async () =>
    options.store === 'postgres'
      ? onServer(options.serverUrl, async (c) =>
          Boolean((await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount),
        )
      : existsSync(join(dataDir, 'pglite'));
  const create = async () => {
    if (options.store === 'postgres')
      await onServer(options.serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    else mkdirSync(dataDir, { recursive: true });
  };
  const drop = async () => {
    if (options.store === 'postgres')
      await onServer(options.serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    else rmSync(dataDir, { recursive: true, force: true });
  };

  const hashes = codeHashes();
  const fingerprint: Meta['fingerprint'] = {
    format: FORMAT,
    scale: options.scale,
    seed: options.seed,
    start: new Date(options.start).toISOString(),
    days: options.days,
    simulator: hashes.simulator,
  };
  const where = options.store === 'postgres' ? `database ${name}` : dataDir.replace(ROOT, '');

  if (await exists()) {
    const store = await open();
    const meta = await readMeta(store.db).finally(() => store.close());
    if (meta && sameFingerprint(meta.fingerprint, fingerprint) && !options.reload) {
      options.log(
        `dataset: reusing ${where} (${meta.sessions} sessions, ${meta.events} events, loaded ${meta.loadedAt})`,
      );
      if (meta.code.migrations !== hashes.migrations || meta.code.intake !== hashes.intake)
        options.log(
          'dataset: WARNING the migrations or the projection changed since it was loaded (new migrations are applied on top); pass --reload if stored rows must be rebuilt',
        );
      return { target, where, meta, loaded: false, open, drop };
    }
    options.log(
      `dataset: ${where} ${options.reload ? 'is reloaded (--reload)' : meta ? 'was loaded with other settings or another simulator' : 'is incomplete'}: dropping it`,
    );
    await drop();
  }
  await create();
  try {
    return await loadDataset(options, { target, where, open, drop, fingerprint, hashes });
  } catch (error) {
    // A throw-away dataset never outlives its run; a kept one is reloaded next time (it has no record).
    if (options.ephemeral) await drop().catch(() => undefined);
    throw error;
  }
}

/** Creates the tenants, loads both through the intake, vacuums, and writes the record last. */
async function loadDataset(
  options: DatasetOptions,
  d: Omit<Dataset, 'meta' | 'loaded'> & {
    fingerprint: Meta['fingerprint'];
    hashes: ReturnType<typeof codeHashes>;
  },
): Promise<Dataset> {
  const { target, where, open, drop, fingerprint, hashes } = d;

  const tenant = await createTenant(target, 'bench');
  const other = await createTenant(target, 'bench-other');
  const window = { start: options.start, end: options.start + options.days * 86_400_000 };
  const main: Workload = {
    seed: options.seed,
    sessions: options.scale,
    ...window,
    batchEvents: BATCH_EVENTS,
  };
  const small: Workload = {
    seed: options.seed + 1,
    sessions: OTHER_SESSIONS,
    ...window,
    batchEvents: BATCH_EVENTS,
  };
  const started = performance.now();
  const loaded = await loadParts(options, target, open, [
    { tenant, workload: main, every: Math.ceil(options.scale / SAMPLE_IDS) },
    { tenant: other, workload: small, every: 3 },
  ]);
  const loadSeconds = (performance.now() - started) / 1000;
  options.log(
    `dataset: loaded ${loaded.events} events of ${options.scale + OTHER_SESSIONS} sessions in ${loadSeconds.toFixed(1)} s (${Math.round(loaded.events / loadSeconds)} events/s, ${Math.round((options.scale + OTHER_SESSIONS) / loadSeconds)} sessions/s) via ${options.loadVia}`,
  );

  const store = await open();
  try {
    // Statistics and the visibility map as autovacuum would leave them (it is off on the bench machine).
    const t = performance.now();
    if (store.db.kind === 'embedded') await runMaintenance(store.db);
    else await store.db.query('VACUUM (ANALYZE)');
    options.log(`dataset: VACUUM (ANALYZE) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const meta: Meta = {
      fingerprint,
      code: { migrations: hashes.migrations, intake: hashes.intake },
      loadedAt: new Date().toISOString(),
      loadSeconds,
      loadVia: options.loadVia,
      events: loaded.events,
      sessions: options.scale + OTHER_SESSIONS,
      tenant,
      other,
      sampleIds: loaded.samples[0],
      otherIds: loaded.samples[1],
    };
    await readMeta(store.db);
    await store.db.query(`INSERT INTO bench_meta (key, value) VALUES ('dataset', $1)`, [
      JSON.stringify(meta),
    ]);
    return { target, where, meta, loaded: true, open, drop };
  } finally {
    await store.close();
  }
}

/** Creates a tenant with the CLI, as an operator would. */
async function createTenant(target: ServerTarget, name: string): Promise<Credentials> {
  const out = await cli([
    'tenant',
    'create',
    name,
    '--json',
    ...(target.databaseUrl ? ['--database-url', target.databaseUrl] : ['--data', target.dataDir!]),
  ]);
  const created = JSON.parse(out) as {
    id: string;
    name: string;
    departmentId: number;
    credentials: { clientId: string; clientSecret: string };
  };
  return { id: created.id, name: created.name, departmentId: created.departmentId, ...created.credentials };
}

interface Part {
  tenant: Credentials;
  workload: Workload;
  /** Keep every n-th session id as a sample. */
  every: number;
}

/**
 * Loads each part through the intake: `ingest()` in this process, `POST /v1/events` to a real server, or (for
 * `projection`) the intake's projection and session writing without the events.
 */
async function loadParts(
  options: DatasetOptions,
  target: ServerTarget,
  open: Dataset['open'],
  parts: Part[],
): Promise<{ events: number; samples: string[][] }> {
  let events = 0;
  let sessions = 0;
  const total = parts.reduce((n, p) => n + p.workload.sessions, 0);
  let shown = performance.now();
  const progress = (batchSessions: number, batchEvents: number) => {
    events += batchEvents;
    sessions += batchSessions;
    if (performance.now() - shown > 10_000) {
      shown = performance.now();
      options.log(`dataset: ${sessions} / ${total} sessions, ${events} events`);
    }
  };
  const samples: string[][] = [];
  let post: (tenant: Credentials, batch: Batch) => Promise<void>;
  /** `loaded`: every batch went in (a failed load is not worth rebuilding indexes for). */
  let finish: (loaded: boolean) => Promise<void>;
  if (options.loadVia === 'projection') {
    // Issue 11's analytics dataset: the real projection and rollup code, without storing the events.
    const store = await open();
    const restore = await deferIndexes(store.db, options.log);
    post = async (tenant, batch) => {
      const bySession = new Map<string, SessionEvent[]>();
      for (const e of batch.events) {
        const list = bySession.get(e.sessionId);
        if (list) list.push(e);
        else bySession.set(e.sessionId, [e]);
      }
      const sessions = [...bySession.values()].map((events) => project(events)!);
      await store.db.tx((q) =>
        writeSessions(q, tenant.id, sessions, { known: [], rollups: true, turns: new LoopTurns() }),
      );
    };
    finish = async (loaded) => {
      try {
        if (loaded) await restore();
      } finally {
        await store.close();
      }
    };
  } else if (options.loadVia === 'ingest') {
    const store = await open();
    post = async (tenant, batch) => {
      const result = await ingest(store.db, tenant.id, batch.events);
      if (result.accepted !== batch.events.length)
        throw new Error(`ingest accepted ${result.accepted} of ${batch.events.length}`);
    };
    finish = () => store.close();
  } else {
    const server = await startServer(target, { adminToken: randomBytes(24).toString('hex') });
    post = async (tenant, batch) => {
      const response = await fetch(new URL('/v1/events', server.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${tenant.clientSecret}`, 'content-type': 'application/x-ndjson' },
        body: ndjson(batch.events),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`POST /v1/events answered ${response.status}: ${text}`);
    };
    finish = () => server.stop();
  }
  let loaded = false;
  try {
    for (const part of parts) {
      const ids: string[] = [];
      let index = 0;
      await pool(batches(part.workload), options.concurrency, async (batch) => {
        for (const id of batch.sessionIds) if (index++ % part.every === 0) ids.push(id);
        await post(part.tenant, batch);
        progress(batch.sessionIds.length, batch.events.length);
      });
      samples.push(ids);
    }
    loaded = true;
  } finally {
    await finish(loaded);
  }
  return { events, samples };
}

/**
 * A bulk load's usual move (as pg_restore does): the sessions' indexes other than the unique ones (which the
 * upsert needs) are dropped for the load and built again after it, each in one pass. PostgreSQL only; an
 * interrupted load leaves no record, so the dataset is dropped and loaded again next time.
 */
async function deferIndexes(db: Db, log: (line: string) => void): Promise<() => Promise<void>> {
  if (db.kind !== 'postgres') return () => Promise.resolve();
  const { rows } = await db.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = 'sessions' AND indexdef NOT LIKE 'CREATE UNIQUE %'`,
  );
  for (const { name } of rows) await db.query(`DROP INDEX ${name}`);
  return async () => {
    const started = performance.now();
    await db.tx(async (q) => {
      await q.query(`SET LOCAL maintenance_work_mem = '1GB'`);
      for (const { definition } of rows) await q.query(definition);
    });
    log(
      `dataset: built ${rows.length} session indexes in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  };
}
