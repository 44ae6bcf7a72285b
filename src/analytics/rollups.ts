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
import {
  COUNTERS,
  MAXES,
  type Contribution,
  type DimensionContribution,
  type QueueContribution,
  withSlCounted,
} from './contribution.js';

export interface ContributionChange {
  before: Contribution | null;
  after: Contribution | null;
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
): Promise<Map<string, Contribution | null>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await q.query<{ session_id: string } & StoredContributionColumns>(
    'SELECT session_id, contribution, analytics FROM sessions WHERE tenant_id = $1 AND session_id = ANY($2::text[])',
    [tenantId, sessionIds],
  );
  return new Map(rows.rows.map((r) => [r.session_id, storedContribution(r)]));
}

const keyOf = (c: QueueContribution) => `${c.q}\u0000${c.c}\u0000${c.b}`;

/** Applies the difference of each change to the rollups (one statement for the whole batch). */
export async function applyContributionChanges(
  q: Queryable,
  tenantId: string,
  changes: ContributionChange[],
): Promise<void> {
  const deltas = new Map<string, { q: number; c: string; b: number; v: number[]; m: (number | null)[] }>();
  const add = (stored: QueueContribution, sign: 1 | -1) => {
    const c = withSlCounted(stored);
    const key = keyOf(c);
    let d = deltas.get(key);
    if (!d) {
      d = { q: c.q, c: c.c, b: c.b, v: COUNTERS.map(() => 0), m: MAXES.map(() => null) };
      deltas.set(key, d);
    }
    c.v.forEach((x, i) => (d.v[i] += sign * x));
    if (sign === 1)
      c.m.forEach((x, i) => {
        if (x !== null) d.m[i] = d.m[i] === null ? x : Math.max(d.m[i], x);
      });
  };
  const dimensionChanges: { before: DimensionContribution[]; after: DimensionContribution[] }[] = [];
  for (const change of changes) {
    if (canonicalJson(change.before) === canonicalJson(change.after)) continue;
    if (change.before?.queue) add(change.before.queue, -1);
    if (change.after?.queue) add(change.after.queue, 1);
    dimensionChanges.push({ before: change.before?.dimensions ?? [], after: change.after?.dimensions ?? [] });
  }
  await applyDimensionChanges(q, tenantId, dimensionChanges);
  const rows = [...deltas.values()].filter((d) => d.v.some((x) => x !== 0) || d.m.some((x) => x !== null));
  if (rows.length === 0) return;
  const records = rows.map((d) => ({
    queue_id: d.q,
    channel: d.c,
    bucket: new Date(d.b).toISOString(),
    ...Object.fromEntries(COUNTERS.map((name, i) => [name, d.v[i]])),
    ...Object.fromEntries(MAXES.map((name, i) => [name, d.m[i]])),
  }));
  const columns = [...COUNTERS, ...MAXES];
  await q.query(
    `INSERT INTO queue_rollups (tenant_id, queue_id, channel, bucket, ${columns.join(', ')})
     SELECT $1, r.queue_id, r.channel, r.bucket, ${columns.map((c) => `r.${c}`).join(', ')}
       FROM jsonb_to_recordset($2::jsonb) AS r(queue_id integer, channel text, bucket timestamptz,
            ${columns.map((c) => `${c} bigint`).join(', ')})
      -- One order for every transaction's row locks: concurrent batches never wait on each other in a cycle.
      ORDER BY r.queue_id, r.channel, r.bucket
     ON CONFLICT (tenant_id, queue_id, channel, bucket) DO UPDATE SET
       ${COUNTERS.map((c) => `${c} = queue_rollups.${c} + EXCLUDED.${c}`).join(', ')},
       ${MAXES.map((c) => `${c} = GREATEST(queue_rollups.${c}, EXCLUDED.${c})`).join(', ')}`,
    [tenantId, JSON.stringify(records)],
  );
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

/** The operator and bot part: the same difference, into `dimension_rollups` (counters and maxima arrays). */
async function applyDimensionChanges(
  q: Queryable,
  tenantId: string,
  changes: { before: DimensionContribution[]; after: DimensionContribution[] }[],
): Promise<void> {
  const deltas = new Map<string, DimensionContribution>();
  const add = (c: DimensionContribution, sign: 1 | -1) => {
    const key = `${c.d}\u0000${c.k}\u0000${c.c}\u0000${c.b}`;
    let d = deltas.get(key);
    if (!d) {
      d = { ...c, v: c.v.map(() => 0), m: c.m.map(() => null) };
      deltas.set(key, d);
    }
    c.v.forEach((x, i) => (d.v[i] += sign * x));
    if (sign === 1)
      c.m.forEach((x, i) => {
        if (x !== null) d.m[i] = d.m[i] == null ? x : Math.max(d.m[i], x);
      });
  };
  for (const change of changes) {
    for (const c of change.before) add(c, -1);
    for (const c of change.after) add(c, 1);
  }
  const rows = [...deltas.values()].filter((d) => d.v.some((x) => x !== 0) || d.m.some((x) => x !== null));
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO dimension_rollups (tenant_id, dimension, key, channel, bucket, counters, maxima)
     SELECT $1, r.d, r.k, r.c, to_timestamp(r.b / 1000.0),
            ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(r.v) WITH ORDINALITY AS e(x, i) ORDER BY i),
            ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(r.m) WITH ORDINALITY AS e(x, i) ORDER BY i)
       FROM jsonb_to_recordset($2::jsonb) AS r(d text, k text, c text, b bigint, v jsonb, m jsonb)
      ORDER BY r.d, r.k, r.c, r.b
     ON CONFLICT (tenant_id, dimension, key, channel, bucket) DO UPDATE SET
       counters = ARRAY(SELECT a + b FROM unnest(dimension_rollups.counters, EXCLUDED.counters) AS u(a, b)),
       maxima = ARRAY(SELECT GREATEST(a, b) FROM unnest(dimension_rollups.maxima, EXCLUDED.maxima) AS u(a, b))`,
    [tenantId, JSON.stringify(rows)],
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
