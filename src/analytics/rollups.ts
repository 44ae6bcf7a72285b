/**
 * Keeps `queue_rollups` equal to the sum of the sessions' contributions, in the ingest transaction: a session
 * re-projected takes back its old contribution (stored beside it in `sessions.contribution`, or `analytics` in a row
 * written before migration 030) and adds its new one.
 */
import type { Queryable } from '../db/store.js';
import { canonicalJson } from '../domain/canonical.js';
import type { Session } from '../domain/session.js';
import { decodeContribution } from './codec.js';
import { mergeNames, operatorNames, type OperatorNames } from '../operators/model.js';
import { COUNTERS, MAXES, type Contribution, withSlCounted } from './contribution.js';

/** A session's stored contribution and the `created` it was stored with. */
export interface StoredContribution {
  contribution: Contribution | null;
  created: number;
}

/** One session's change: what it added before (null: nothing) and what it adds now (null: nothing). */
export interface ContributionChange {
  sessionId: string;
  before: StoredContribution | null;
  after: { contribution: Contribution | null; created: number } | null;
}

/** The columns a session's stored contribution is in: its bytes, or (a row written before migration 030) jsonb. */
export interface StoredContributionColumns {
  contribution: Uint8Array | null;
  analytics: Contribution | null;
}

/** A session's stored contribution: the bytes when present, else the legacy jsonb, else none. */
export function storedContribution(row: StoredContributionColumns): Contribution | null {
  return row.contribution !== null ? decodeContribution(row.contribution) : row.analytics;
}

/** The stored contributions of sessions that already have a row. */
export async function storedContributions(
  q: Queryable,
  tenantId: string,
  sessionIds: string[],
): Promise<Map<string, StoredContribution>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await q.query<{ session_id: string; created: Date } & StoredContributionColumns>(
    'SELECT session_id, created, contribution, analytics FROM sessions WHERE tenant_id = $1 AND session_id = ANY($2::text[])',
    [tenantId, sessionIds],
  );
  return new Map(
    rows.rows.map((r) => [
      r.session_id,
      { contribution: storedContribution(r), created: r.created.getTime() },
    ]),
  );
}

type Maxima = (number | null)[];

const maxInto = (into: Maxima, values: Maxima) =>
  values.forEach((x, i) => {
    if (x !== null) into[i] = into[i] === null ? x : Math.max(into[i], x);
  });

/**
 * What a batch changes in one rollup row: the counters' difference, the largest value added and taken away per
 * maximum, and the range of `created` of the sessions added.
 */
interface RowDelta<K> {
  key: K;
  v: number[];
  added: Maxima;
  removed: Maxima;
  createdMin: number | null;
  createdMax: number | null;
}

class RowDeltas<K extends { c: string; b: number }> {
  readonly rows = new Map<string, RowDelta<K>>();
  constructor(private readonly id: (key: K) => string) {}

  add(key: K, v: number[], m: Maxima, sign: 1 | -1, created: number): void {
    const id = this.id(key);
    let d = this.rows.get(id);
    if (!d) {
      const none = m.map(() => null);
      d = {
        key,
        v: v.map(() => 0),
        added: [...none],
        removed: [...none],
        createdMin: null,
        createdMax: null,
      };
      this.rows.set(id, d);
    }
    v.forEach((x, i) => (d.v[i] += sign * x));
    maxInto(sign === 1 ? d.added : d.removed, m);
    if (sign === 1) {
      d.createdMin = Math.min(d.createdMin ?? created, created);
      d.createdMax = Math.max(d.createdMax ?? created, created);
    }
  }

  /** Rows with anything to write. */
  changed(): RowDelta<K>[] {
    return [...this.rows.values()].filter((d) => d.v.some((x) => x !== 0) || d.added.some((x) => x !== null));
  }
}

/**
 * A row whose maximum may have been taken away: a value removed from it is above what was added and not below
 * what the row holds now, so the row's maximum may now belong to no session.
 */
const lostMaximum = (d: RowDelta<unknown>, stored: Maxima) =>
  d.removed.some(
    (r, i) => r !== null && (d.added[i] === null || r > d.added[i]) && r >= (stored[i] ?? -Infinity),
  );

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

interface QueueKey {
  q: number;
  c: string;
  b: number;
}
interface DimensionKey {
  d: 'operator' | 'bot';
  k: string;
  c: string;
  b: number;
}
const queueId = (k: QueueKey) => `${k.q}\u0000${k.c}\u0000${k.b}`;
const dimensionId = (k: DimensionKey) => `${k.d}\u0000${k.k}\u0000${k.c}\u0000${k.b}`;

/** A stored row after the batch's upsert: its maxima, kept maxima and `created` range. */
interface UpsertedRow {
  maxima: Maxima;
  kept: Maxima | null;
  createdMin: number | null;
  createdMax: number | null;
}

/**
 * Applies the difference of each change to the rollups (one statement per table for the whole batch), then
 * recomputes the maxima of the rows that may have lost theirs (docs/metrics.md#maxima); then the same for the
 * queues' totals over their channels (`queue_totals`).
 */
export async function applyContributionChanges(
  q: Queryable,
  tenantId: string,
  changes: ContributionChange[],
): Promise<void> {
  const queues = new RowDeltas<QueueKey>(queueId);
  // A queue's total over its channels: the same key with the channel left empty.
  const totals = new RowDeltas<QueueKey>(queueId);
  const dimensions = new RowDeltas<DimensionKey>(dimensionId);
  const applied: ContributionChange[] = [];
  for (const change of changes) {
    const { before, after } = change;
    if (
      before?.created === after?.created &&
      canonicalJson(before?.contribution ?? null) === canonicalJson(after?.contribution ?? null)
    )
      continue;
    applied.push(change);
    for (const [side, sign] of [
      [before, -1],
      [after, 1],
    ] as const) {
      if (!side?.contribution) continue;
      const { queue, dimensions: dims } = side.contribution;
      if (queue) {
        const c = withSlCounted(queue);
        queues.add({ q: c.q, c: c.c, b: c.b }, c.v, c.m, sign, side.created);
        totals.add({ q: c.q, c: '', b: c.b }, c.v, c.m, sign, side.created);
      }
      for (const c of dims) dimensions.add({ d: c.d, k: c.k, c: c.c, b: c.b }, c.v, c.m, sign, side.created);
    }
  }
  const queueDeltas = queues.changed();
  const dimensionDeltas = dimensions.changed();
  const queueRows = await upsertQueueRows(q, tenantId, queueDeltas);
  const dimensionRows = await upsertDimensionRows(q, tenantId, dimensionDeltas);
  const lostQueues = queueDeltas.filter((d) => lostMaximum(d, queueRows.get(queueId(d.key))!.maxima));
  const lostDimensions = dimensionDeltas.filter(
    (d) => d.key.d === 'operator' && lostMaximum(d, dimensionRows.get(dimensionId(d.key))!.maxima),
  );
  if (lostQueues.length > 0 || lostDimensions.length > 0) {
    await recomputeMaxima(
      q,
      tenantId,
      applied,
      lostQueues.map((d) => ({ key: d.key, row: queueRows.get(queueId(d.key))! })),
      lostDimensions.map((d) => ({ key: d.key, row: dimensionRows.get(dimensionId(d.key))! })),
    );
  }
  await applyTotals(q, tenantId, totals.changed());
}

/**
 * Adds the batch's difference to the queues' totals over their channels, after the per-channel rows: every
 * batch locks its per-channel rows before its totals, so no two wait on each other in a cycle. A total that may
 * have lost a maximum takes the largest of its channels' rows, which are exact by now. A concurrent batch that
 * changed another channel of the same total and has not committed is waiting for this total's lock; it then
 * adds its values with GREATEST and, if it took the maximum away, recomputes the total again from its own rows.
 */
async function applyTotals(q: Queryable, tenantId: string, deltas: RowDelta<QueueKey>[]): Promise<void> {
  if (deltas.length === 0) return;
  const result = await q.query<Record<string, unknown>>(
    `INSERT INTO queue_totals (tenant_id, queue_id, bucket, ${[...COUNTERS, ...MAXES].join(', ')})
     SELECT $1, r.q, to_timestamp(r.b / 1000.0), ${COUNTERS.map((_, i) => `r.v[${i + 1}]`).join(', ')},
            ${MAXES.map((_, i) => `r.m[${i + 1}]`).join(', ')}
       FROM jsonb_to_recordset($2::jsonb) AS r(q integer, b bigint, v bigint[], m bigint[])
      ORDER BY r.q, r.b
     ON CONFLICT (tenant_id, bucket, queue_id) DO UPDATE SET
       ${COUNTERS.map((c) => `${c} = queue_totals.${c} + EXCLUDED.${c}`).join(', ')},
       ${MAXES.map((c) => `${c} = GREATEST(queue_totals.${c}, EXCLUDED.${c})`).join(', ')}
     RETURNING queue_id, bucket, ${MAXES.join(', ')}`,
    [tenantId, JSON.stringify(deltas.map((d) => ({ q: d.key.q, b: d.key.b, v: d.v, m: d.added })))],
  );
  const stored = new Map(
    result.rows.map((r) => [
      queueId({ q: Number(r.queue_id), c: '', b: (r.bucket as Date).getTime() }),
      numbers(MAXES.map((c) => r[c] as string | null)),
    ]),
  );
  const lost = deltas.filter((d) => lostMaximum(d, stored.get(queueId(d.key))!));
  if (lost.length === 0) return;
  // Found through the rollups' (tenant_id, bucket) index: the rows of one bucket, a few per queue.
  await q.query(
    `UPDATE queue_totals t SET ${MAXES.map((c) => `${c} = m.${c}`).join(', ')}
       FROM (SELECT r.queue_id, r.bucket, ${MAXES.map((c) => `max(r.${c}) AS ${c}`).join(', ')}
               FROM unnest($2::integer[], $3::timestamptz[]) AS k(q, b)
               JOIN queue_rollups r ON r.tenant_id = $1 AND r.bucket = k.b AND r.queue_id = k.q
              GROUP BY r.queue_id, r.bucket) AS m
      WHERE t.tenant_id = $1 AND t.bucket = m.bucket AND t.queue_id = m.queue_id`,
    [tenantId, lost.map((d) => d.key.q), lost.map((d) => iso(d.key.b))],
  );
}

async function upsertQueueRows(
  q: Queryable,
  tenantId: string,
  rows: RowDelta<QueueKey>[],
): Promise<Map<string, UpsertedRow>> {
  if (rows.length === 0) return new Map();
  const records = rows.map((d) => ({
    queue_id: d.key.q,
    channel: d.key.c,
    bucket: new Date(d.key.b).toISOString(),
    ...Object.fromEntries(COUNTERS.map((name, i) => [name, d.v[i]])),
    ...Object.fromEntries(MAXES.map((name, i) => [name, d.added[i]])),
    created_min: iso(d.createdMin),
    created_max: iso(d.createdMax),
  }));
  const columns = [...COUNTERS, ...MAXES];
  const result = await q.query<Record<string, unknown>>(
    `INSERT INTO queue_rollups (tenant_id, queue_id, channel, bucket, ${columns.join(', ')}, created_min, created_max)
     SELECT $1, r.queue_id, r.channel, r.bucket, ${columns.map((c) => `r.${c}`).join(', ')}, r.created_min, r.created_max
       FROM jsonb_to_recordset($2::jsonb) AS r(queue_id integer, channel text, bucket timestamptz,
            ${columns.map((c) => `${c} bigint`).join(', ')}, created_min timestamptz, created_max timestamptz)
      -- One order for every transaction's row locks: concurrent batches never wait on each other in a cycle.
      ORDER BY r.queue_id, r.channel, r.bucket
     ON CONFLICT (tenant_id, queue_id, channel, bucket) DO UPDATE SET
       ${COUNTERS.map((c) => `${c} = queue_rollups.${c} + EXCLUDED.${c}`).join(', ')},
       ${MAXES.map((c) => `${c} = GREATEST(queue_rollups.${c}, EXCLUDED.${c})`).join(', ')},
       created_min = LEAST(queue_rollups.created_min, EXCLUDED.created_min),
       created_max = GREATEST(queue_rollups.created_max, EXCLUDED.created_max)
     RETURNING queue_id, channel, bucket, ${MAXES.join(', ')}, kept_maxima, created_min, created_max`,
    [tenantId, JSON.stringify(records)],
  );
  return new Map(
    result.rows.map((r) => [
      queueId({ q: Number(r.queue_id), c: String(r.channel), b: (r.bucket as Date).getTime() }),
      upserted(
        MAXES.map((c) => r[c] as string | null),
        r.kept_maxima as (string | null)[] | null,
        r.created_min as Date | null,
        r.created_max as Date | null,
      ),
    ]),
  );
}

const numbers = (values: (string | number | null)[]) => values.map((x) => (x === null ? null : Number(x)));
const upserted = (
  maxima: (string | null)[],
  kept: (string | null)[] | null,
  createdMin: Date | null,
  createdMax: Date | null,
): UpsertedRow => ({
  maxima: numbers(maxima),
  kept: kept === null ? null : numbers(kept),
  createdMin: createdMin?.getTime() ?? null,
  createdMax: createdMax?.getTime() ?? null,
});

/** The operator and bot part: the same difference, into `dimension_rollups` (counters and maxima arrays). */
async function upsertDimensionRows(
  q: Queryable,
  tenantId: string,
  rows: RowDelta<DimensionKey>[],
): Promise<Map<string, UpsertedRow>> {
  if (rows.length === 0) return new Map();
  const records = rows.map((d) => ({
    ...d.key,
    v: d.v,
    m: d.added,
    lo: iso(d.createdMin),
    hi: iso(d.createdMax),
  }));
  const result = await q.query<{
    dimension: 'operator' | 'bot';
    key: string;
    channel: string;
    bucket: Date;
    maxima: (string | null)[];
    kept_maxima: (string | null)[] | null;
    created_min: Date | null;
    created_max: Date | null;
  }>(
    `INSERT INTO dimension_rollups (tenant_id, dimension, key, channel, bucket, counters, maxima, created_min, created_max)
     SELECT $1, r.d, r.k, r.c, to_timestamp(r.b / 1000.0), r.v, r.m, r.lo, r.hi
       FROM jsonb_to_recordset($2::jsonb) AS r(d text, k text, c text, b bigint, v bigint[], m bigint[],
            lo timestamptz, hi timestamptz)
      ORDER BY r.d, r.k, r.c, r.b
     ON CONFLICT (tenant_id, dimension, key, channel, bucket) DO UPDATE SET
       counters = ARRAY(SELECT a + b FROM unnest(dimension_rollups.counters, EXCLUDED.counters)
                          WITH ORDINALITY AS u(a, b, i) ORDER BY i),
       maxima = ARRAY(SELECT GREATEST(a, b) FROM unnest(dimension_rollups.maxima, EXCLUDED.maxima)
                        WITH ORDINALITY AS u(a, b, i) ORDER BY i),
       created_min = LEAST(dimension_rollups.created_min, EXCLUDED.created_min),
       created_max = GREATEST(dimension_rollups.created_max, EXCLUDED.created_max)
     RETURNING dimension, key, channel, bucket, maxima, kept_maxima, created_min, created_max`,
    [tenantId, JSON.stringify(records)],
  );
  return new Map(
    result.rows.map((r) => [
      dimensionId({ d: r.dimension, k: r.key, c: r.channel, b: r.bucket.getTime() }),
      upserted(r.maxima, r.kept_maxima, r.created_min, r.created_max),
    ]),
  );
}

/**
 * Sets the maxima of rows that may have lost theirs to the largest value among the sessions that count there
 * now: those stored (found by channel within the row's `created` range, which covers every session ever added),
 * the batch's own new contributions (its stored rows are left out: this transaction may not have written them
 * yet), and the sessions retention deleted (`kept_maxima`).
 *
 * Concurrent batches stay exact: the upsert above holds these rows' locks until commit, so every batch that
 * changed them before has committed and this statement's snapshot sees its sessions; a batch that changes a
 * session here later takes back that session's old value under the same rule.
 */
async function recomputeMaxima(
  q: Queryable,
  tenantId: string,
  changes: ContributionChange[],
  queueRows: { key: QueueKey; row: UpsertedRow }[],
  dimensionRows: { key: DimensionKey; row: UpsertedRow }[],
): Promise<void> {
  // Rows from before migration 033 have no range: their kept maxima stand in for the sessions before it.
  const windows = [...queueRows, ...dimensionRows].filter(
    (r) => r.row.createdMin !== null && r.row.createdMax !== null,
  );
  const found =
    windows.length === 0
      ? []
      : (
          await q.query<StoredContributionColumns>(
            `SELECT s.contribution, s.analytics
               FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS w(channel, lo, hi)
               JOIN sessions s ON s.tenant_id = $1 AND s.channel = w.channel AND s.created BETWEEN w.lo AND w.hi
              WHERE s.session_id <> ALL ($5::text[])`,
            [
              tenantId,
              windows.map((w) => w.key.c),
              windows.map((w) => iso(w.row.createdMin)),
              windows.map((w) => iso(w.row.createdMax)),
              changes.map((c) => c.sessionId),
            ],
          )
        ).rows;
  const exact = new Map<string, Maxima>();
  for (const { key, row } of queueRows)
    exact.set(queueId(key), row.kept ? [...row.kept] : MAXES.map(() => null));
  for (const { key, row } of dimensionRows) {
    exact.set(dimensionId(key), row.kept ? [...row.kept] : row.maxima.map(() => null));
  }
  const count = (c: Contribution | null) => {
    if (c?.queue) {
      const into = exact.get(queueId(c.queue));
      if (into) maxInto(into, c.queue.m);
    }
    for (const d of c?.dimensions ?? []) {
      const into = exact.get(dimensionId(d));
      if (into) maxInto(into, d.m);
    }
  };
  // A session found in several rows' windows counts once per row it belongs to (its keys say which).
  for (const r of found) count(storedContribution(r));
  for (const change of changes) count(change.after?.contribution ?? null);
  await updateQueueRows(
    q,
    tenantId,
    MAXES.map((c, i) => `${c} = r.m[${i + 1}]`).join(', '),
    queueRows.map(({ key }) => ({ key, m: exact.get(queueId(key))! })),
  );
  await updateDimensionRows(
    q,
    tenantId,
    'maxima = r.m',
    dimensionRows.map(({ key }) => ({ key, m: exact.get(dimensionId(key))! })),
  );
}

/** Sets `set` — assignments that read `r.m`, the row's array — on each of the queue rows. */
async function updateQueueRows(
  q: Queryable,
  tenantId: string,
  set: string,
  rows: { key: QueueKey; m: Maxima }[],
) {
  if (rows.length === 0) return;
  await q.query(
    `UPDATE queue_rollups t SET ${set}
       FROM jsonb_to_recordset($2::jsonb) AS r(q integer, c text, b timestamptz, m bigint[])
      WHERE t.tenant_id = $1 AND t.queue_id = r.q AND t.channel = r.c AND t.bucket = r.b`,
    [tenantId, JSON.stringify(rows.map(({ key, m }) => ({ q: key.q, c: key.c, b: iso(key.b), m })))],
  );
}

/** Sets `set` — assignments that read `r.m`, the row's array — on each of the dimension rows. */
async function updateDimensionRows(
  q: Queryable,
  tenantId: string,
  set: string,
  rows: { key: DimensionKey; m: Maxima }[],
) {
  if (rows.length === 0) return;
  await q.query(
    `UPDATE dimension_rollups t SET ${set}
       FROM jsonb_to_recordset($2::jsonb) AS r(d text, k text, c text, b timestamptz, m bigint[])
      WHERE t.tenant_id = $1 AND t.dimension = r.d AND t.key = r.k AND t.channel = r.c AND t.bucket = r.b`,
    [
      tenantId,
      JSON.stringify(rows.map(({ key, m }) => ({ d: key.d, k: key.k, c: key.c, b: iso(key.b), m }))),
    ],
  );
}

/**
 * Retention deletes sessions but keeps their counts: their maxima are kept too (`kept_maxima`), so that a
 * later recomputation of a row's maximum still counts them.
 */
export async function keepMaxima(
  q: Queryable,
  tenantId: string,
  stored: StoredContribution[],
): Promise<void> {
  const queues = new RowDeltas<QueueKey>(queueId);
  const dimensions = new RowDeltas<DimensionKey>(dimensionId);
  for (const { contribution, created } of stored) {
    if (contribution?.queue) queues.add(contribution.queue, [], contribution.queue.m, 1, created);
    for (const d of contribution?.dimensions ?? []) {
      if (d.m.some((x) => x !== null)) dimensions.add(d, [], d.m, 1, created);
    }
  }
  const merged = `kept_maxima = ARRAY(SELECT GREATEST(a, b) FROM unnest(t.kept_maxima, r.m) WITH ORDINALITY AS u(a, b, i) ORDER BY i)`;
  const rowsOf = <K extends { c: string; b: number }>(deltas: RowDeltas<K>) =>
    [...deltas.rows.values()]
      .filter((d) => d.added.some((x) => x !== null))
      .map(({ key, added }) => ({ key, m: added }));
  await updateQueueRows(q, tenantId, merged, rowsOf(queues));
  await updateDimensionRows(q, tenantId, merged, rowsOf(dimensions));
}

/** Remembers the latest name of every queue the sessions were routed to. */
export async function rememberQueueNames(q: Queryable, tenantId: string, sessions: Session[]): Promise<void> {
  const names = new Map<number, string | null>();
  for (const s of sessions) for (const g of s.groups) names.set(g.id, g.name ?? names.get(g.id) ?? null);
  if (names.size === 0) return;
  await q.query(
    `INSERT INTO analytics_queues (tenant_id, queue_id, name)
     SELECT $1, id, name FROM unnest($2::integer[], $3::text[]) AS n(id, name) ORDER BY id
     ON CONFLICT (tenant_id, queue_id) DO UPDATE SET name = COALESCE(EXCLUDED.name, analytics_queues.name)
       WHERE analytics_queues.name IS DISTINCT FROM COALESCE(EXCLUDED.name, analytics_queues.name)`,
    [tenantId, [...names.keys()], [...names.values()]],
  );
}

/**
 * Remembers the latest userId and names of every operator of the sessions, and of `others` (the batch's
 * operator.state events), in one statement. Each name part keeps its last known value when a newer
 * reference lacks it.
 */
export async function rememberOperators(
  q: Queryable,
  tenantId: string,
  sessions: Session[],
  others: ReadonlyMap<string, OperatorNames> = new Map(),
): Promise<void> {
  const seen = new Map(others);
  for (const s of sessions) {
    const refs = [...s.routing.flatMap((r) => (r.operator ? [r.operator] : [])), ...s.operators];
    for (const o of refs) seen.set(o.id, mergeNames(seen.get(o.id), operatorNames(o.userId, o)));
  }
  if (seen.size === 0) return;
  // The queues each operator serves (the live queue view counts their states): every group of a session
  // they were offered, accepted or joined.
  const pairs = new Set<string>();
  for (const s of sessions) {
    const ids = new Set([
      ...s.routing.flatMap((r) => (r.operator ? [r.operator.id] : [])),
      ...s.operators.map((o) => o.id),
    ]);
    for (const g of s.groups) for (const id of ids) pairs.add(`${g.id}\u0000${id}`);
  }
  if (pairs.size > 0) {
    const list = [...pairs].sort().map((p) => p.split('\u0000'));
    await q.query(
      `INSERT INTO operator_queues (tenant_id, queue_id, operator_id)
       SELECT $1, g, o FROM unnest($2::integer[], $3::text[]) AS p(g, o) ON CONFLICT DO NOTHING`,
      [tenantId, list.map((p) => Number(p[0])), list.map((p) => p[1])],
    );
  }
  const rows = [...seen.values()];
  await q.query(
    `INSERT INTO analytics_operators (tenant_id, operator_id, user_id, name, first_name, last_name, user_name)
     SELECT $1, id, uid, name, fn, ln, un
       FROM unnest($2::text[], $3::integer[], $4::text[], $5::text[], $6::text[], $7::text[])
            AS n(id, uid, name, fn, ln, un)
      ORDER BY id
     ON CONFLICT (tenant_id, operator_id) DO UPDATE SET
       name = COALESCE(EXCLUDED.name, analytics_operators.name),
       first_name = COALESCE(EXCLUDED.first_name, analytics_operators.first_name),
       last_name = COALESCE(EXCLUDED.last_name, analytics_operators.last_name),
       user_name = COALESCE(EXCLUDED.user_name, analytics_operators.user_name)
     WHERE (analytics_operators.name, analytics_operators.first_name, analytics_operators.last_name,
            analytics_operators.user_name)
           IS DISTINCT FROM
           (COALESCE(EXCLUDED.name, analytics_operators.name),
            COALESCE(EXCLUDED.first_name, analytics_operators.first_name),
            COALESCE(EXCLUDED.last_name, analytics_operators.last_name),
            COALESCE(EXCLUDED.user_name, analytics_operators.user_name))`,
    [
      tenantId,
      [...seen.keys()],
      rows.map((v) => v.userId),
      rows.map((v) => v.name),
      rows.map((v) => v.firstName),
      rows.map((v) => v.lastName),
      rows.map((v) => v.userName),
    ],
  );
}
