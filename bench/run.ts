/**
 * `npm run bench -- --scale N [--store postgres|embedded] [--database-url URL] [--only list,reads,…]`
 *
 * Loads (once, then reuses) N simulated sessions through the real intake into a database of the bench's own,
 * starts the real server (`switchboard serve`) on it and measures every call of issue 10's table from a
 * load-generator process, beside the baselines the goals name; prints a table of goals with PASS/FAIL and
 * writes it into BENCHMARKS.md. See docs/performance.md.
 */
import { analyticsVsRows, rollupCost } from './analytics.js';
import { exportBench } from './export.js';
import { liveBench, LIVE_TENANT_PREFIX } from './live.js';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Db } from '../src/db/store.js';
import { getById, prepareCalls, type Call, type Window } from './calls.js';
import { prepareDataset, type Dataset } from './dataset.js';
import { dropTenants, adminTenant, intakeVsRaw } from './intake.js';
import { measureCall, readVsStatic, responsiveness, type Settings } from './measure.js';
import { capturePlans, writePlans } from './plans.js';
import { profiled } from './profile.js';
import { startLoadgen, startServer, type Loadgen, type RunningServer } from './procs.js';
import type { HttpRequest } from './loadgen.js';
import { goalRows, markdown, writeBenchmarks, type Results, type Storage } from './report.js';

const PARTS = ['list', 'reads', 'intake', 'storage', 'responsive', 'analytics', 'live', 'export'] as const;
type Part = (typeof PARTS)[number];

const integer = (name: string, min: number) => (value: string) => {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < min)
    throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
  return n;
};

const program = new Command('bench')
  .description('Measure every call of issue 10 against its goal on a dataset of N simulated sessions')
  .option('--scale <n>', 'sessions in the dataset', integer('--scale', 100), 20_000)
  .addOption(
    new Option('--store <store>', 'where the dataset lives')
      .choices(['postgres', 'embedded'])
      .default('postgres'),
  )
  .option(
    '--database-url <url>',
    'PostgreSQL server for the bench database switchboard_bench_<N> (env BENCH_DATABASE_URL)',
    process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  )
  .option('--only <parts>', `comma-separated subset of ${PARTS.join(', ')}`, (value: string) => {
    const parts = value.split(',').map((p) => p.trim());
    const bad = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
    if (bad.length > 0)
      throw new InvalidArgumentError(`unknown part(s) ${bad.join(', ')}; use ${PARTS.join(', ')}`);
    return parts as Part[];
  })
  .option('--plans', 'write EXPLAIN (ANALYZE, BUFFERS) of every list call into docs/performance.md')
  .option('--profile', 'CPU-profile the server during a read burst and an intake burst')
  .option('--quick', 'short measurements (the CI smoke run)')
  .option('--duration <seconds>', 'seconds per measurement (default 5, --quick 0.5)', Number)
  .option(
    '--intake-sessions <n>',
    'sessions posted by the intake measurement (default 2000, --quick 200)',
    integer('--intake-sessions', 1),
  )
  .option('--reload', 'drop the dataset and load it again')
  .addOption(
    new Option(
      '--load-via <how>',
      'how the dataset is loaded (projection: sessions and rollups without their events, for --only analytics)',
    )
      .choices(['ingest', 'http', 'projection'])
      .default('ingest'),
  )
  .option('--concurrency <n>', 'batches in flight while loading', integer('--concurrency', 1), 2)
  .option('--seed <n>', 'simulator seed', integer('--seed', 0), 2026)
  .option(
    '--days <n>',
    'days of history the sessions arrive over (from 2026-01-01)',
    integer('--days', 7),
    30,
  )
  .option('--ephemeral', 'use a throw-away dataset and drop it at the end (CI)')
  .option('--no-report', 'print only; leave BENCHMARKS.md as it is')
  .option('--check', 'exit with status 3 when a goal is not met');

interface Flags {
  scale: number;
  store: 'postgres' | 'embedded';
  databaseUrl: string;
  only?: Part[];
  plans?: boolean;
  profile?: boolean;
  quick?: boolean;
  duration?: number;
  intakeSessions?: number;
  reload?: boolean;
  loadVia: 'ingest' | 'http' | 'projection';
  concurrency: number;
  seed: number;
  days: number;
  ephemeral?: boolean;
  report: boolean;
  check?: boolean;
}

const began = performance.now();
const log = (line: string) =>
  console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const START = Date.parse('2026-01-01T00:00:00Z');

async function storage(db: Db, sessions: number): Promise<Storage> {
  const row = (
    await db.query<{ events: string; sessions: string }>(
      `SELECT pg_total_relation_size('session_events') AS events, pg_total_relation_size('sessions') AS sessions`,
    )
  ).rows[0];
  return { eventsBytes: Number(row.events), sessionsBytes: Number(row.sessions), sessions };
}

/** Per run: fresh statistics, no leftovers of an interrupted run, Kore limits out of the measurement's way. */
async function prepareRun(db: Db, dataset: Dataset): Promise<string> {
  const leftovers = await db.query(
    `DELETE FROM tenants WHERE name IN ('bench-intake', 'bench-raw', 'bench-profile') OR name LIKE '${LIVE_TENANT_PREFIX}-%'`,
  );
  if (leftovers.rowCount) await dropTenants(db, []);
  await db.query('DELETE FROM kore_rate_hits');
  await db.query(
    'UPDATE tenants SET kore_per_minute = 1000000000, kore_per_hour = 1000000000 WHERE id = ANY($1::text[])',
    [[dataset.meta.tenant.id, dataset.meta.other.id]],
  );
  await db.query('ANALYZE');
  return (await db.query<{ version: string }>('SELECT version()')).rows[0].version
    .split(' on ')[0]
    .split(',')[0];
}

interface Context {
  flags: Flags;
  parts: Set<Part>;
  quick: boolean;
  settings: Settings;
  intakeSessions: number;
  window: Window;
  adminToken: string;
  dataset: Dataset;
  results: Results;
}

/** Before any server: statistics, machine, storage and (--plans) the plans, with the store open here. */
async function offline(c: Context): Promise<void> {
  const store = await c.dataset.open();
  try {
    const version = await prepareRun(store.db, c.dataset);
    const cpu = cpus();
    c.results.loadAverage = loadavg()[0];
    c.results.machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${version}; load average ${c.results.loadAverage.toFixed(1)} at the start`;
    log(`machine: ${c.results.machine}`);
    if (c.parts.has('storage')) c.results.storage = await storage(store.db, c.dataset.meta.sessions);
    if (c.parts.has('analytics')) {
      log('analytics: 30-day PT15M report from the rollups vs from the session rows');
      c.results.analytics = await analyticsVsRows(
        store.db,
        c.dataset.meta.tenant.id,
        c.window,
        // From the rows at a million sessions one run takes minutes: one is enough to compare.
        c.quick ? { rollups: 3, rows: 1 } : { rollups: 20, rows: c.flags.scale >= 500_000 ? 1 : 3 },
        log,
      );
      log('analytics: intake with and without keeping the rollups');
      // The sessions arrive as densely as the dataset's did (the same number of sessions per hour), so that
      // a batch meets the rollup rows a live contact center's batch would (a few quarter hours), not one row
      // per session as when a handful of sessions is spread over the whole month.
      // Three times intake's sample (at least 6,000 sessions, ~100,000 events): the two sides differ by a few
      // per cent, and with 2,000 sessions the ratio moved between 83 and 92 % from run to run.
      const sessions = c.quick ? c.intakeSessions : Math.max(3 * c.intakeSessions, 6000);
      const span = ((c.window.end - c.window.start) * sessions) / c.dataset.meta.sessions;
      c.results.rollupCost = await rollupCost(
        store.db,
        {
          seed: c.flags.seed + 300,
          sessions,
          start: c.window.start,
          end: c.window.start + Math.max(span, 3_600_000),
          batchEvents: 1000,
        },
        log,
      );
    }
    if (c.flags.plans) {
      log('plans: EXPLAIN (ANALYZE, BUFFERS) of every list call');
      const plans = await capturePlans(store.db, c.dataset.meta, c.window);
      const heading = `Plans at ${c.flags.scale.toLocaleString('en-US')} sessions on ${version}, ${c.results.date}, captured by \`npm run bench -- --plans\`.`;
      log(`  written to ${writePlans(plans, c.flags.store, heading)}`);
    }
  } finally {
    await store.close();
  }
}

/** Rate-limit hits of the Kore tenant, cleared between measurements (PostgreSQL only: see docs). */
async function clearKoreHits(c: Context): Promise<void> {
  if (c.flags.store !== 'postgres') return; // the embedded store admits one process: the server's
  const s = await c.dataset.open();
  await s.db.query('DELETE FROM kore_rate_hits').finally(() => s.close());
}

/** Every measurement against one server process; the intake measurement ends by stopping it. */
async function online(c: Context, loadgen: Loadgen): Promise<void> {
  const { meta } = c.dataset;
  const server = await startServer(c.dataset.target, { adminToken: c.adminToken });
  try {
    let calls: Call[] = [];
    let preparedAt = -Infinity;
    // mluvii tokens last an hour: the calls are prepared again (fresh credentials) after 45 minutes.
    const prepare = async () => {
      if (performance.now() - preparedAt < 45 * 60_000) return;
      calls = await prepareCalls(server.url, meta, c.window);
      preparedAt = performance.now();
    };
    const fresh = async (key: string) => {
      await prepare();
      return calls.find((call) => call.key === key);
    };
    await prepare();
    const keys = calls.map((call) => call.key);
    if (c.parts.has('list')) {
      log('list calls:');
      for (const key of keys) {
        const call = (await fresh(key))!;
        if (call.kind !== 'list') continue;
        if (call.dialect === 'Kore') await clearKoreHits(c);
        c.results.lists.push(await measureCall(loadgen, server.url, call, c.settings));
      }
    }
    if (c.parts.has('reads')) {
      log('reads:');
      const get = (await fresh('native-get'))!;
      c.results.gets.push(await measureCall(loadgen, server.url, get, c.settings));
      c.results.read = await readVsStatic(loadgen, server.url, get, c.quick ? 1 : 10, log);
    }
    if (c.parts.has('responsive')) {
      log('responsiveness:');
      await clearKoreHits(c);
      const heavy = [];
      for (const key of ['evo-deep', 'kore-deep', 'mluvii-deep']) {
        const call = await fresh(key);
        if (call) heavy.push(call);
      }
      if (heavy.length === 0) heavy.push((await fresh('evo-first'))!);
      const other = getById(meta.other, meta.otherIds).requests;
      c.results.responsive = await responsiveness(server.url, heavy, other, c.quick ? 1 : 5, log);
    }
    if (c.parts.has('live')) {
      log('live:');
      c.results.live = await liveBench({
        server,
        adminToken: c.adminToken,
        loadgen,
        secret: meta.tenant.clientSecret,
        window: c.window,
        seed: c.flags.seed,
        quick: c.quick,
        log,
      });
    }
    if (c.parts.has('export')) {
      log('export:');
      c.results.export = await exportBench({
        server,
        secret: meta.tenant.clientSecret,
        tenantId: meta.tenant.id,
        databaseUrl: c.dataset.target.databaseUrl,
        log,
      });
    }
    if (c.parts.has('intake')) {
      log('intake:');
      c.results.intake = await intakeVsRaw({
        server,
        adminToken: c.adminToken,
        loadgen,
        dataset: c.dataset,
        workload: { seed: c.flags.seed + 100, sessions: c.intakeSessions, ...c.window, batchEvents: 1000 },
        log,
      });
    }
  } finally {
    await server.stop();
  }
}

/** --profile: a server under `--cpu-prof` for a read burst, another for an intake burst. */
async function profiles(c: Context, loadgen: Loadgen): Promise<void> {
  log('profiles:');
  let server: RunningServer | null = null;
  const start = async (profileDir: string) =>
    (server = await startServer(c.dataset.target, { adminToken: c.adminToken, profileDir }));
  const url = () => server!.url;
  let mixed: HttpRequest[] = [];
  c.results.profiles.push(
    await profiled(
      'read burst (every call mixed, 16 clients)',
      start,
      async () => {
        const calls = await prepareCalls(url(), c.dataset.meta, c.window);
        mixed = calls.flatMap((call) => call.requests.slice(0, 200));
        await loadgen.cannon({ url: url(), connections: 16, amount: 2 * mixed.length, requests: mixed });
        await clearKoreHits(c);
      },
      async () => {
        await loadgen.cannon({
          url: url(),
          connections: 16,
          duration: c.settings.duration * 2,
          requests: mixed,
        });
      },
    ),
  );
  let tenant = { id: '', secret: '' };
  const post = (seed: number, sessions: number) =>
    loadgen.intake({
      url: url(),
      authorization: `Bearer ${tenant.secret}`,
      workload: { seed, sessions, ...c.window, batchEvents: 1000 },
    });
  try {
    c.results.profiles.push(
      await profiled(
        `intake burst (${c.intakeSessions} sessions posted by 1 client)`,
        start,
        async () => {
          tenant = await adminTenant(url(), c.adminToken, 'bench-profile');
          await post(c.flags.seed + 300, 50);
        },
        () => post(c.flags.seed + 200, c.intakeSessions).then(() => undefined),
      ),
    );
  } finally {
    if (tenant.id) {
      const s = await c.dataset.open();
      await dropTenants(s.db, [tenant.id]).finally(() => s.close());
    }
  }
}

const LOADED_VIA: Record<Flags['loadVia'], string> = {
  ingest: 'ingest()',
  http: 'POST /v1/events',
  projection: 'the intake’s projection and rollups, events not stored,',
};

async function main(flags: Flags): Promise<number> {
  const quick = flags.quick ?? false;
  const window: Window = { start: START, end: START + flags.days * 86_400_000 };
  const analyticsOnly = flags.loadVia === 'projection';
  if (
    analyticsOnly &&
    (flags.only?.length !== 1 || flags.only[0] !== 'analytics' || flags.plans || flags.profile)
  )
    throw new InvalidArgumentError(
      '--load-via projection stores no events: run it with --only analytics, without --plans or --profile',
    );
  const dataset = await prepareDataset({
    store: flags.store,
    scale: flags.scale,
    seed: flags.seed,
    start: START,
    days: flags.days,
    serverUrl: flags.databaseUrl,
    ephemeral: flags.ephemeral ?? false,
    reload: flags.reload ?? false,
    loadVia: flags.loadVia,
    concurrency: flags.concurrency,
    log,
  });
  const { meta } = dataset;
  const c: Context = {
    flags,
    parts: new Set<Part>(flags.only ?? PARTS),
    quick,
    settings: {
      duration: flags.duration ?? (quick ? 0.5 : 5),
      minSamples: quick ? 5 : 20,
      concurrency: 16,
      log,
    },
    intakeSessions: flags.intakeSessions ?? (quick ? 200 : 2000),
    window,
    adminToken: randomBytes(24).toString('hex'),
    dataset,
    results: {
      store: flags.store,
      kind: analyticsOnly ? 'analytics' : 'full',
      scale: flags.scale,
      date: new Date().toISOString().slice(0, 10),
      machine: '',
      loadAverage: 0,
      dataset: `${dataset.where}: ${meta.sessions.toLocaleString('en-US')} sessions (${meta.tenant.name} + ${meta.other.name}), ${meta.events.toLocaleString('en-US')} events over ${flags.days} days, seed ${flags.seed}; loaded ${meta.loadedAt.slice(0, 10)} via ${LOADED_VIA[meta.loadVia]} at ${Math.round(meta.events / meta.loadSeconds).toLocaleString('en-US')} events/s`,
      flags: process.argv.slice(2).join(' '),
      concurrency: 16,
      lists: [],
      gets: [],
      read: null,
      intake: null,
      storage: null,
      responsive: null,
      analytics: null,
      rollupCost: null,
      live: null,
      export: null,
      profiles: [],
    },
  };

  try {
    await offline(c);
    const loadgen = startLoadgen();
    try {
      await online(c, loadgen);
      if (flags.profile) await profiles(c, loadgen);
    } finally {
      await loadgen.close();
    }
  } finally {
    if (flags.ephemeral) await dataset.drop();
  }

  console.log(`\n${markdown(c.results)}\n`);
  if (flags.report) log(`written to ${writeBenchmarks(c.results)}`);
  const failed = goalRows(c.results).filter((row) => row.pass === false).length;
  return flags.check && failed > 0 ? 3 : 0;
}

program.parse();
main(program.opts<Flags>()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
