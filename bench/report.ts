/**
 * The bench's report: one table of goals with PASS/FAIL, the latency detail of every call and the CPU
 * profiles' hot functions, printed and (unless --no-report) written into BENCHMARKS.md — the store's
 * "latest" section replaced, one line added to the history.
 */
import type { LiveTiming } from './live.js';
import type { AnalyticsTiming, RollupCost } from './analytics.js';
import type { ExportTiming } from './export.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallTiming, ReadRatio, Responsiveness } from './measure.js';
import type { IntakeRatio } from './intake.js';
import type { ProfileSummary } from './profile.js';
import { int, ms } from './stats.js';
import { ROOT } from './procs.js';

export type Store = 'postgres' | 'embedded';

export interface Storage {
  eventsBytes: number;
  sessionsBytes: number;
  sessions: number;
}

export interface Results {
  store: Store;
  /** `analytics`: a run of the analytics part alone on a dataset loaded by projection (events not stored). */
  kind: 'full' | 'analytics';
  scale: number;
  date: string;
  machine: string;
  /** The machine's 1-minute load average when the run started: other work competes for its cores. */
  loadAverage: number;
  dataset: string;
  flags: string;
  /** Clients of the concurrent measurement. */
  concurrency: number;
  lists: CallTiming[];
  gets: CallTiming[];
  read: ReadRatio | null;
  intake: IntakeRatio | null;
  storage: Storage | null;
  responsive: Responsiveness | null;
  analytics: AnalyticsTiming | null;
  rollupCost: RollupCost | null;
  live: LiveTiming | null;
  export: ExportTiming | null;
  profiles: ProfileSummary[];
}

interface GoalRow {
  what: string;
  measured: string;
  goal: string;
  pass: boolean | null;
}

/** The goals; `null` where a store has none. */
export const GOALS = {
  postgres: {
    scale: 1_000_000,
    /** Issue 11 sets its report goals at 10 million sessions on PostgreSQL, 1 million embedded. */
    analyticsScale: 10_000_000,
    listP95: 100,
    readShare: 0.5,
    readP99: 20,
    intakeShare: 0.5,
    bytesPerSession: 6 * 1024,
    maxWait: null,
    analyticsP95: 100,
    analyticsSpeedup: 50,
    rollupShare: 0.9,
    liveQueuesP95: 10,
    streamP99: 50,
    intakeWithSubscribers: 0.9,
    exportPerSecond: 20_000,
  },
  embedded: {
    scale: 200_000,
    analyticsScale: 1_000_000,
    listP95: 300,
    readShare: 0.3,
    readP99: null,
    intakeShare: 0.5,
    bytesPerSession: null,
    maxWait: 100,
    analyticsP95: 300,
    analyticsSpeedup: null,
    rollupShare: 0.9,
    liveQueuesP95: 10,
    streamP99: 50,
    intakeWithSubscribers: 0.9,
    exportPerSecond: 20_000,
  },
} as const;

const verdict = (pass: boolean | null) => (pass === null ? '–' : pass ? 'PASS' : 'FAIL');
const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

export function goalRows(r: Results): GoalRow[] {
  const g = GOALS[r.store];
  const rows: GoalRow[] = [];
  for (const t of r.lists) {
    rows.push({
      what: `${t.call.name} — ${t.call.page}: p95, 1 client`,
      measured: `${ms(t.single.latency.p95)} ms`,
      goal: `≤ ${g.listP95} ms`,
      pass: t.single.latency.p95 <= g.listP95,
    });
  }
  if (r.read) {
    const share = r.read.app.rps / r.read.fixed.rps;
    rows.push({
      what: 'GET /v1/sessions/{id} vs Fastify serving the same bytes statically, 32 connections',
      measured: `${pct(share)} (${int(r.read.app.rps)} vs ${int(r.read.fixed.rps)} req/s)`,
      goal: `≥ ${pct(g.readShare)}`,
      pass: share >= g.readShare,
    });
    rows.push({
      what: 'GET /v1/sessions/{id}: p99, 32 connections',
      measured: `${ms(r.read.app.latency.p99)} ms (static: ${ms(r.read.fixed.latency.p99)} ms)`,
      goal: g.readP99 === null ? '–' : `≤ ${g.readP99} ms`,
      pass: g.readP99 === null ? null : r.read.app.latency.p99 <= g.readP99,
    });
  }
  if (r.intake) {
    const share = r.intake.intakeRate / r.intake.rawRate;
    rows.push({
      what: 'intake (POST /v1/events, 1 client) vs raw batched INSERT of the same rows',
      measured: `${pct(share)} (${int(r.intake.intakeRate)} vs ${int(r.intake.rawRate)} events/s)`,
      goal: `≥ ${pct(g.intakeShare)}`,
      pass: share >= g.intakeShare,
    });
  }
  if (r.storage) {
    const per = (r.storage.eventsBytes + r.storage.sessionsBytes) / r.storage.sessions;
    rows.push({
      what: 'storage per session (events + sessions, with indexes and TOAST)',
      measured: `${int(per)} B (events ${int(r.storage.eventsBytes / r.storage.sessions)} + sessions ${int(r.storage.sessionsBytes / r.storage.sessions)})`,
      goal: g.bytesPerSession === null ? '–' : `≤ ${int(g.bytesPerSession)} B (6 KB)`,
      pass: g.bytesPerSession === null ? null : per <= g.bytesPerSession,
    });
  }
  if (r.responsive) {
    for (const [label, result] of [
      ['/healthz', r.responsive.healthz],
      ["another tenant's GET /v1/sessions/{id}", r.responsive.otherTenant],
    ] as const) {
      rows.push({
        what: `${label} while a tenant runs heavy queries: longest wait`,
        measured: `${ms(result.latency.max)} ms (p99 ${ms(result.latency.p99)}, n ${result.latency.n})`,
        goal: g.maxWait === null ? '–' : `≤ ${g.maxWait} ms`,
        pass: g.maxWait === null ? null : result.latency.max <= g.maxWait,
      });
    }
  }
  if (r.live) {
    const l = r.live;
    rows.push({
      what: 'GET /v1/live/queues: p95, 1 client',
      measured: `${ms(l.queues.p95)} ms`,
      goal: `≤ ${g.liveQueuesP95} ms`,
      pass: l.queues.p95 <= g.liveQueuesP95,
    });
    rows.push({
      what: `stream: POST /v1/events answered → delivered to ${l.subscribers} SSE subscribers (${int(l.stream.batches)} batches, 20/s): p99`,
      measured: `${ms(l.stream.latency.p99)} ms (p50 ${ms(l.stream.latency.p50)}, p95 ${ms(l.stream.latency.p95)}; ${l.stream.missing} missing)`,
      goal: `≤ ${g.streamP99} ms, none missing`,
      pass: l.stream.latency.p99 <= g.streamP99 && l.stream.missing === 0,
    });
    const share = l.intakeWith / l.intakeAlone;
    rows.push({
      what: `intake with ${l.subscribers} SSE subscribers vs with none`,
      measured: `${pct(share)} (${int(l.intakeWith)} vs ${int(l.intakeAlone)} events/s)`,
      goal: `≥ ${pct(g.intakeWithSubscribers)}`,
      pass: share >= g.intakeWithSubscribers,
    });
  }
  if (r.analytics) {
    const a = r.analytics;
    rows.push({
      what: `analytics: 30 days × ${a.queues} queues at PT15M in Europe/Prague (${int(a.rows)} rows) from the rollups: p95`,
      measured: `${ms(a.rollups.p95)} ms`,
      goal: `≤ ${g.analyticsP95} ms`,
      pass: a.rollups.p95 <= g.analyticsP95,
    });
    const speedup = a.fromRows.p50 / a.rollups.p50;
    rows.push({
      what: `analytics: the same numbers from ${int(a.sessions)} session rows (p50 ${ms(a.fromRows.p50)} ms) vs from the rollups`,
      measured: `${speedup.toFixed(0)}× faster`,
      goal: g.analyticsSpeedup === null ? '–' : `≥ ${g.analyticsSpeedup}×`,
      pass: g.analyticsSpeedup === null ? null : speedup >= g.analyticsSpeedup,
    });
  }
  if (r.rollupCost) {
    const c = r.rollupCost;
    const share = c.withRate / c.withoutRate;
    rows.push({
      what: `analytics: intake keeping the rollups vs without them (${int(c.events)} events, in-process, alternating)`,
      measured: `${pct(share)} (${int(c.withRate)} vs ${int(c.withoutRate)} events/s)`,
      goal: `≥ ${pct(g.rollupShare)} (costs ≤ 10 %)`,
      pass: share >= g.rollupShare,
    });
  }
  if (r.export) {
    const e = r.export;
    rows.push({
      what: `export: every session (${int(e.sessions)}, ${(e.bytes / 2 ** 20).toFixed(0)} MiB NDJSON) streamed to a file`,
      measured:
        `${int(e.perSecond)} sessions/s` +
        (e.baseline
          ? ` (${pct(e.perSecond / e.baseline.perSecond)} of the database's own \\copy: ${int(e.baseline.perSecond)}/s)`
          : ''),
      goal: `≥ ${int(g.exportPerSecond)}/s`,
      pass: e.perSecond >= g.exportPerSecond,
    });
    rows.push({
      what: 'export: server resident memory during it, start → max',
      measured: `${e.rssStartMb.toFixed(0)} → ${e.rssMaxMb.toFixed(0)} MiB`,
      goal: 'flat (max ≤ start + 100 MiB)',
      pass: e.rssMaxMb <= e.rssStartMb + 100,
    });
  }
  return rows;
}

export function markdown(r: Results): string {
  const g = GOALS[r.store];
  const goalScale = r.kind === 'analytics' ? g.analyticsScale : g.scale;
  const rows = goalRows(r);
  const judged = rows.filter((row) => row.pass !== null);
  const lines = [
    `### ${r.store === 'postgres' ? 'PostgreSQL' : 'Embedded (PGlite)'}, ${r.kind === 'analytics' ? 'analytics at ' : ''}${int(r.scale)} sessions — ${r.date}`,
    '',
    `Machine: ${r.machine}.  `,
    `Dataset: ${r.dataset}.  `,
    `Run: \`npm run bench -- ${r.flags}\`.` +
      (r.scale === goalScale
        ? ''
        : ` The goals are set for ${int(goalScale)} sessions; at ${int(r.scale)} the verdicts are indicative.`),
    '',
    `**${judged.filter((row) => row.pass).length} of ${judged.length} goals met.**`,
    '',
    '| measure | measured | goal | verdict |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row.what} | ${row.measured} | ${row.goal} | ${verdict(row.pass)} |`),
  ];
  const timings = [...r.lists, ...r.gets];
  if (timings.length > 0) {
    lines.push(
      '',
      `Latency in ms, 1 client and ${r.concurrency} clients (n: requests measured with 1 client):`,
      '',
      `| call | page | 1 client p50 | p95 | p99 | n | ${r.concurrency} clients p50 | p95 | p99 | req/s |`,
      '|---|---|---|---|---|---|---|---|---|---|',
      ...timings.map(
        (t) =>
          `| ${t.call.name} | ${t.call.page} | ${ms(t.single.latency.p50)} | ${ms(t.single.latency.p95)} | ${ms(t.single.latency.p99)} | ${t.single.latency.n} | ${ms(t.concurrent.latency.p50)} | ${ms(t.concurrent.latency.p95)} | ${ms(t.concurrent.latency.p99)} | ${int(t.concurrent.rps)} |`,
      ),
    );
  }
  if (r.responsive) {
    lines.push(
      '',
      `Heavy queries for the responsiveness rows: ${r.responsive.heavyCalls.join(', ')} at 2 clients (p50 ${ms(r.responsive.heavy.latency.p50)} ms); probes at 20 requests/s each.`,
    );
  }
  for (const p of r.profiles) {
    lines.push(
      '',
      `CPU profile of the server, ${p.label} (${int(p.busyMs)} ms busy): top ${p.top.length} functions by self time`,
      '',
      '| function | where | self ms | share |',
      '|---|---|---|---|',
      ...p.top.map((f) => `| \`${f.name}\` | ${f.where || '–'} | ${int(f.selfMs)} | ${pct(f.share)} |`),
    );
  }
  return lines.join('\n');
}

/** One line of history: the date, the size and each goal's verdict in brief. */
function historyLine(r: Results): string {
  const rows = goalRows(r).filter((row) => row.pass !== null);
  const worst = [...r.lists].sort((a, b) => b.single.latency.p95 - a.single.latency.p95)[0];
  const parts = [
    `${rows.filter((row) => row.pass).length}/${rows.length} goals met`,
    ...(worst
      ? [`slowest list p95 ${ms(worst.single.latency.p95)} ms (${worst.call.dialect} ${worst.call.page})`]
      : []),
    ...(r.read ? [`GET by id ${pct(r.read.app.rps / r.read.fixed.rps)} of static`] : []),
    ...(r.intake ? [`intake ${pct(r.intake.intakeRate / r.intake.rawRate)} of raw`] : []),
    ...(r.storage
      ? [`${int((r.storage.eventsBytes + r.storage.sessionsBytes) / r.storage.sessions)} B/session`]
      : []),
    ...(r.analytics ? [`30-day PT15M report p95 ${ms(r.analytics.rollups.p95)} ms from the rollups`] : []),
  ];
  return `- ${r.date} — ${r.store}, ${r.kind === 'analytics' ? 'analytics at ' : ''}${int(r.scale)} sessions (load average ${r.loadAverage.toFixed(1)}): ${parts.join('; ')}.`;
}

/** Writes the store's latest section and a history line into BENCHMARKS.md. */
export function writeBenchmarks(r: Results): string {
  const path = join(ROOT, 'BENCHMARKS.md');
  let text = readFileSync(path, 'utf8');
  const key = r.kind === 'analytics' ? `${r.store}-analytics` : r.store;
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  const section = `${start}\n${markdown(r)}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) text = text.slice(0, from) + section + text.slice(to + end.length);
  else if (text.includes('<!-- bench:latest -->'))
    text = text.replace('<!-- bench:latest -->', `<!-- bench:latest -->\n\n${section}`);
  else text = `${text.trimEnd()}\n\n${section}\n`;
  if (text.includes('<!-- bench:history -->'))
    text = text.replace('<!-- bench:history -->', `<!-- bench:history -->\n${historyLine(r)}`);
  writeFileSync(path, text);
  return path;
}
