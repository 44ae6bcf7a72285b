/**
 * Issue 11's report: 30 days of every queue at PT15M in Europe/Prague, from the rollups (what
 * `GET /v1/analytics/queues` runs) beside the same numbers computed from the session rows (every session of
 * the range read and its contribution computed, as a client without rollups would), back to back, on the
 * store itself (no HTTP on either side). A dataset loaded before analytics existed is rebuilt first.
 */
import type { Db } from '../src/db/store.js';
import { queueContribution, COUNTERS } from '../src/analytics/contribution.js';
import { rebuildAnalytics } from '../src/analytics/rebuild.js';
import { boundaries } from '../src/analytics/intervals.js';
import { queueReport, type ReportParams } from '../src/analytics/report.js';
import type { Session } from '../src/domain/session.js';
import { latency, type Latency } from './stats.js';
import { ingest } from '../src/events/service.js';
import { createTenant } from '../src/tenants/repository.js';
import { dropTenants } from './intake.js';
import { batches, type Workload } from './workload.js';

export interface AnalyticsTiming {
  days: number;
  queues: number;
  rows: number;
  sessions: number;
  rollups: Latency;
  fromRows: Latency;
}

const PAGE = 5_000;
const DAY = 86_400_000;

async function timed(runs: number, fn: () => Promise<unknown>): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return latency(samples);
}

export async function analyticsVsRows(
  db: Db,
  tenantId: string,
  window: { start: number; end: number },
  runs: { rollups: number; rows: number },
  log: (line: string) => void,
): Promise<AnalyticsTiming> {
  const stale = await db.query<{ n: number }>(
    'SELECT count(*) AS n FROM sessions WHERE tenant_id = $1 AND contribution IS NULL AND analytics IS NULL',
    [tenantId],
  );
  if (Number(stale.rows[0].n) > 0) {
    log(
      `  ${Number(stale.rows[0].n).toLocaleString('en-US')} sessions predate analytics: rebuilding the rollups`,
    );
    await rebuildAnalytics(db, { fix: true });
  }
  const to = Math.floor(window.end / DAY) * DAY;
  const params: ReportParams = {
    from: to - 30 * DAY,
    to,
    timeZone: 'Europe/Prague',
    interval: 'PT15M',
    groups: [],
    channels: [],
  };
  const report = await queueReport(db, tenantId, params);
  const rollups = await timed(runs.rollups, () => queueReport(db, tenantId, params));
  const edges = boundaries(params.from, params.to, params.interval, params.timeZone);
  let sessions = 0;
  const fromRows = await timed(runs.rows, async () => {
    // Sessions enter a queue after they are created: a day of margin before the range. Read in pages by
    // (created, id), so a million documents never sit in memory at once.
    sessions = 0;
    const sums = new Map<string, number[]>();
    let after: { created: Date; id: string } | null = null;
    for (;;) {
      const page: { rows: { id: string; created: Date; doc: Session }[] } = await db.query(
        `SELECT id, created, doc FROM sessions
          WHERE tenant_id = $1 AND created >= $2 AND created < $3
            AND ($4::timestamptz IS NULL OR (created, id) > ($4, $5::bigint))
          ORDER BY created, id LIMIT ${PAGE}`,
        [
          tenantId,
          new Date(params.from - DAY),
          new Date(params.to),
          after?.created ?? null,
          after?.id ?? null,
        ],
      );
      sessions += page.rows.length;
      for (const { doc } of page.rows) {
        const c = queueContribution(doc);
        if (!c || c.b < params.from || c.b >= params.to) continue;
        let lo = 0;
        while (lo + 1 < edges.length && edges[lo + 1] <= c.b) lo++;
        const key = `${c.q}:${lo}`;
        const sum = sums.get(key) ?? COUNTERS.map(() => 0);
        c.v.forEach((x, i) => (sum[i] += x));
        sums.set(key, sum);
      }
      if (page.rows.length < PAGE) break;
      const last = page.rows[page.rows.length - 1];
      after = { created: last.created, id: last.id };
    }
    return sums;
  });
  const queues = new Set(report.rows.map((r) => r.queue.id)).size;
  log(
    `  30 days × ${queues} queues at PT15M (${report.rows.length.toLocaleString('en-US')} rows): rollups p95 ${rollups.p95.toFixed(1)} ms, from ${sessions.toLocaleString('en-US')} session rows p95 ${fromRows.p95.toFixed(0)} ms`,
  );
  return { days: 30, queues, rows: report.rows.length, sessions, rollups, fromRows };
}

export interface RollupCost {
  events: number;
  withRate: number;
  withoutRate: number;
}

/**
 * What keeping the rollups costs intake (issue 11: ≤ 10 %): the same batches ingested in-process into two fresh
 * tenants, one with the rollups kept and one without (`rollups: false`), chunk by chunk, the two sides
 * alternating which goes first so that neither always meets the warmer cache. The tenants are dropped after.
 */
export async function rollupCost(
  db: Db,
  workload: Workload,
  log: (line: string) => void,
): Promise<RollupCost> {
  const all = [...batches(workload)];
  const sides = [
    { rollups: true, tenant: await db.tx((q) => createTenant(q, { name: 'bench-rollups-on' })), ms: 0 },
    { rollups: false, tenant: await db.tx((q) => createTenant(q, { name: 'bench-rollups-off' })), ms: 0 },
  ];
  try {
    const chunk = Math.max(1, Math.ceil(all.length / 8));
    let events = 0;
    for (let i = 0, round = 0; i < all.length; i += chunk, round++) {
      const part = all.slice(i, i + chunk);
      events += part.reduce((n, b) => n + b.events.length, 0);
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const started = performance.now();
        for (const b of part) await ingest(db, side.tenant.id, b.events, undefined, { rollups: side.rollups });
        side.ms += performance.now() - started;
      }
    }
    const [on, off] = sides.map((s) => (events / s.ms) * 1000);
    log(
      `  intake ${events.toLocaleString('en-US')} events in-process: with rollups ${Math.round(on).toLocaleString('en-US')}/s, without ${Math.round(off).toLocaleString('en-US')}/s (${((on / off) * 100).toFixed(0)} %)`,
    );
    return { events, withRate: on, withoutRate: off };
  } finally {
    await dropTenants(
      db,
      sides.map((s) => s.tenant.id),
    );
  }
}
