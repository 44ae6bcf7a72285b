/**
 * Recomputes every tenant's rollups from the session rows and reports where the stored ones differ; with
 * `fix`, replaces them (and each session's stored contribution). A maintenance command, not a request: it
 * reads every session, in id order, a batch at a time. Run it while intake is stopped, or run it again after:
 * a change committed during the run is not reflected. Sessions that retention deleted show up as differences
 * (their counts are kept on purpose); `fix` would drop them. `fix` also rewrites, as bytes, the contributions
 * still stored as jsonb by a version before migration 030 (docs/decisions.md).
 */
import type { Db } from '../db/store.js';
import { canonicalJson } from '../domain/canonical.js';
import { botIdsOf, type Session } from '../domain/session.js';
import { encodeContribution } from './codec.js';
import { contributionOf, COUNTERS, MAXES, withSlCounted, type Contribution } from './contribution.js';
import { storedContribution, type StoredContributionColumns } from './rollups.js';
import { loadSlLookup } from './sl-settings.js';
import { rebuildOperatorStates } from '../operators/rebuild.js';

/** Sessions whose stored contribution is rewritten by one statement. */
const REWRITE_SLICE = 5_000;

export interface RebuildReport {
  tenantId: string;
  sessions: number;
  /** Sessions whose stored contribution was missing or stale. */
  staleSessions: number;
  /** Sessions whose contribution is still stored as jsonb (written before migration 030); `fix` rewrites them. */
  legacySessions: number;
  /**
   * Rollup rows (queue, queue total, operator and bot; operator state time and current state) whose stored values differ
   * from the recomputed ones.
   */
  differingRows: number;
  fixed: boolean;
}

interface Row {
  counters: number[];
  maxima: (number | null)[];
  /** The range of `created` of the row's sessions (the search range of its maxima: migration 033). */
  createdMin: number | null;
  createdMax: number | null;
}

const addInto = (map: Map<string, Row>, key: string, v: number[], m: (number | null)[], created: number) => {
  let row = map.get(key);
  if (!row) {
    row = { counters: v.map(() => 0), maxima: m.map(() => null), createdMin: created, createdMax: created };
    map.set(key, row);
  }
  v.forEach((x, i) => (row.counters[i] += x));
  m.forEach((x, i) => {
    if (x !== null) row.maxima[i] = row.maxima[i] === null ? x : Math.max(row.maxima[i], x);
  });
  row.createdMin = Math.min(row.createdMin!, created);
  row.createdMax = Math.max(row.createdMax!, created);
};
/** Same counters and maxima, and a stored range that covers the sessions' (wider is right: it only widens). */
const same = (want: Row | undefined, got: Row | undefined) => {
  const zero = (r: Row | undefined) =>
    !r || (r.counters.every((x) => x === 0) && r.maxima.every((x) => x === null));
  if (zero(want) && zero(got)) return true;
  if (!want || !got) return false;
  const covered =
    got.createdMin !== null &&
    got.createdMax !== null &&
    got.createdMin <= want.createdMin! &&
    got.createdMax >= want.createdMax!;
  return (
    covered && JSON.stringify([want.counters, want.maxima]) === JSON.stringify([got.counters, got.maxima])
  );
};
const time = (d: unknown) => (d === null ? null : (d as Date).getTime());

export async function rebuildAnalytics(
  db: Db,
  options: { fix?: boolean; batch?: number } = {},
): Promise<RebuildReport[]> {
  const batch = options.batch ?? 1000;
  const tenants = await db.query<{ id: string }>('SELECT id FROM tenants ORDER BY id');
  const reports: RebuildReport[] = [];
  for (const { id: tenantId } of tenants.rows) {
    const queues = new Map<string, Row>();
    const dimensions = new Map<string, Row>();
    // Rows to rewrite: a stale or missing contribution, or one still stored as jsonb.
    const rewrite: { sessionId: string; contribution: Contribution }[] = [];
    let stale = 0;
    let legacy = 0;
    let sessions = 0;
    const sl = await loadSlLookup(db, tenantId);
    for (let after = 0; ;) {
      const page = await db.query<
        { id: string; session_id: string; created: Date; doc: Session } & StoredContributionColumns
      >(
        `SELECT id, session_id, created, doc, contribution, analytics FROM sessions
          WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [tenantId, after, batch],
      );
      for (const row of page.rows) {
        const c = contributionOf(row.doc, botIdsOf(row.doc), sl);
        const found = storedContribution(row);
        // A contribution stored before sl_counted existed counts as its normalised form (migration 026).
        const stored = found?.queue ? { ...found, queue: withSlCounted(found.queue) } : found;
        const differs = canonicalJson(c) !== canonicalJson(stored);
        const isLegacy = row.contribution === null && row.analytics !== null;
        if (differs) stale++;
        if (isLegacy) legacy++;
        if (differs || isLegacy) rewrite.push({ sessionId: row.session_id, contribution: c });
        const created = row.created.getTime();
        if (c.queue) addInto(queues, `${c.queue.q}|${c.queue.c}|${c.queue.b}`, c.queue.v, c.queue.m, created);
        for (const d of c.dimensions) addInto(dimensions, `${d.d}|${d.k}|${d.c}|${d.b}`, d.v, d.m, created);
      }
      sessions += page.rows.length;
      if (page.rows.length < batch) break;
      after = Number(page.rows.at(-1)!.id);
    }
    const storedQueues = new Map<string, Row>();
    for (const r of (
      await db.query<Record<string, unknown>>('SELECT * FROM queue_rollups WHERE tenant_id = $1', [tenantId])
    ).rows) {
      storedQueues.set(`${String(r.queue_id)}|${String(r.channel)}|${(r.bucket as Date).getTime()}`, {
        counters: COUNTERS.map((c) => Number(r[c])),
        maxima: MAXES.map((c) => (r[c] === null ? null : Number(r[c]))),
        createdMin: time(r.created_min),
        createdMax: time(r.created_max),
      });
    }
    const storedDimensions = new Map<string, Row>();
    for (const r of (
      await db.query<{
        dimension: string;
        key: string;
        channel: string;
        bucket: Date;
        counters: string[];
        maxima: (string | null)[];
        created_min: Date | null;
        created_max: Date | null;
      }>(
        `SELECT dimension, key, channel, bucket, counters, maxima, created_min, created_max
           FROM dimension_rollups WHERE tenant_id = $1`,
        [tenantId],
      )
    ).rows) {
      storedDimensions.set(`${r.dimension}|${r.key}|${r.channel}|${r.bucket.getTime()}`, {
        counters: r.counters.map(Number),
        maxima: r.maxima.map((x) => (x === null ? null : Number(x))),
        createdMin: time(r.created_min),
        createdMax: time(r.created_max),
      });
    }
    // The queues' totals over their channels: the recomputed per-channel rows added up, against the stored.
    const totals = new Map<string, Row>();
    for (const [key, row] of queues) {
      const [queue, , bucket] = key.split('|');
      addInto(totals, `${queue}|${bucket}`, row.counters, row.maxima, 0);
    }
    const storedTotals = new Map<string, Row>();
    for (const r of (
      await db.query<Record<string, unknown>>('SELECT * FROM queue_totals WHERE tenant_id = $1', [tenantId])
    ).rows) {
      storedTotals.set(`${String(r.queue_id)}|${(r.bucket as Date).getTime()}`, {
        counters: COUNTERS.map((c) => Number(r[c])),
        maxima: MAXES.map((c) => (r[c] === null ? null : Number(r[c]))),
        createdMin: 0,
        createdMax: 0,
      });
    }
    let differing = 0;
    for (const [expected, stored] of [
      [queues, storedQueues],
      [totals, storedTotals],
      [dimensions, storedDimensions],
    ] as const) {
      for (const key of new Set([...expected.keys(), ...stored.keys()])) {
        if (!same(expected.get(key), stored.get(key))) differing++;
      }
    }
    const fix = options.fix === true && (differing > 0 || rewrite.length > 0);
    if (fix) await replace(db, tenantId, queues, dimensions, rewrite);
    // Every queue with rollups is listed by the reports through its name row (its name may be unknown): a
    // store whose sessions were projected before the names were kept may lack some.
    if (options.fix === true) {
      await db.query(
        `INSERT INTO analytics_queues (tenant_id, queue_id, name)
         SELECT DISTINCT $1, queue_id, NULL::text FROM queue_rollups WHERE tenant_id = $1 ORDER BY 2
         ON CONFLICT (tenant_id, queue_id) DO NOTHING`,
        [tenantId],
      );
    }
    // Operator state rollups and current states, from the operator.state log (src/operators).
    const stateRows = await rebuildOperatorStates(db, tenantId, options.fix === true);
    differing += stateRows;
    reports.push({
      tenantId,
      sessions,
      staleSessions: stale,
      legacySessions: legacy,
      differingRows: differing,
      fixed: fix || (options.fix === true && stateRows > 0),
    });
  }
  return reports;
}

async function replace(
  db: Db,
  tenantId: string,
  queues: Map<string, Row>,
  dimensions: Map<string, Row>,
  rewrite: { sessionId: string; contribution: Contribution }[],
): Promise<void> {
  await db.tx(async (q) => {
    // In intake's order (per-channel rows, operators and bots, totals): never waiting on it in a cycle.
    await q.query('DELETE FROM queue_rollups WHERE tenant_id = $1', [tenantId]);
    await q.query('DELETE FROM dimension_rollups WHERE tenant_id = $1', [tenantId]);
    await q.query('DELETE FROM queue_totals WHERE tenant_id = $1', [tenantId]);
    const columns = [...COUNTERS, ...MAXES];
    const queueRecords = [...queues].map(([key, row]) => {
      const [queue, channel, bucket] = key.split('|');
      return {
        queue_id: Number(queue),
        channel,
        bucket: new Date(Number(bucket)).toISOString(),
        ...Object.fromEntries(
          columns.map((c, i) => [c, i < COUNTERS.length ? row.counters[i] : row.maxima[i - COUNTERS.length]]),
        ),
        created_min: new Date(row.createdMin!).toISOString(),
        created_max: new Date(row.createdMax!).toISOString(),
      };
    });
    await q.query(
      `INSERT INTO queue_rollups (tenant_id, queue_id, channel, bucket, ${columns.join(', ')}, created_min, created_max)
       SELECT $1, r.queue_id, r.channel, r.bucket, ${columns.map((c) => `r.${c}`).join(', ')}, r.created_min, r.created_max
         FROM jsonb_to_recordset($2::jsonb) AS r(queue_id integer, channel text, bucket timestamptz,
              ${columns.map((c) => `${c} bigint`).join(', ')}, created_min timestamptz, created_max timestamptz)`,
      [tenantId, JSON.stringify(queueRecords)],
    );
    await q.query(
      `INSERT INTO queue_totals (tenant_id, queue_id, bucket, ${columns.join(', ')})
       SELECT tenant_id, queue_id, bucket, ${[...COUNTERS.map((c) => `sum(${c})::bigint`), ...MAXES.map((c) => `max(${c})`)].join(', ')}
         FROM queue_rollups WHERE tenant_id = $1 GROUP BY tenant_id, queue_id, bucket`,
      [tenantId],
    );
    const dimensionRecords = [...dimensions].map(([key, row]) => {
      const [d, k, c, b] = key.split('|');
      const range = {
        lo: new Date(row.createdMin!).toISOString(),
        hi: new Date(row.createdMax!).toISOString(),
      };
      return { d, k, c, b: Number(b), v: row.counters, m: row.maxima, ...range };
    });
    await q.query(
      `INSERT INTO dimension_rollups (tenant_id, dimension, key, channel, bucket, counters, maxima, created_min, created_max)
       SELECT $1, r.d, r.k, r.c, to_timestamp(r.b / 1000.0),
              ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(r.v) WITH ORDINALITY AS e(x, i) ORDER BY i),
              ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(r.m) WITH ORDINALITY AS e(x, i) ORDER BY i),
              r.lo, r.hi
         FROM jsonb_to_recordset($2::jsonb) AS r(d text, k text, c text, b bigint, v jsonb, m jsonb,
              lo timestamptz, hi timestamptz)`,
      [tenantId, JSON.stringify(dimensionRecords)],
    );
    // In slices: an upgraded store may have a million rows to rewrite, one statement each slice.
    for (let i = 0; i < rewrite.length; i += REWRITE_SLICE) {
      const slice = rewrite.slice(i, i + REWRITE_SLICE);
      await q.query(
        `UPDATE sessions SET contribution = decode(s.c, 'base64'), queue_id = s.q, analytics = NULL
           FROM unnest($2::text[], $3::text[], $4::integer[]) AS s(id, c, q)
          WHERE sessions.tenant_id = $1 AND sessions.session_id = s.id`,
        [
          tenantId,
          slice.map((s) => s.sessionId),
          slice.map((s) => encodeContribution(s.contribution).toString('base64')),
          slice.map((s) => s.contribution.queue?.q ?? null),
        ],
      );
    }
  });
}
