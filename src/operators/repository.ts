/** SQL of operator state: the `operator.state` log, its rollups, the current state and the operators' queues. */
import type { Queryable } from '../db/store.js';
import { advisoryKey } from '../events/repository.js';
import type { OperatorStateEvent, OperatorState, StatePoint } from './model.js';

export interface StoredOperatorEvent {
  event: OperatorStateEvent;
  /** SHA-256 (hex) of the event's canonical JSON. */
  hash: string;
}

/** Takes the operators' transaction locks, in one sorted order (no deadlock between batches). */
export async function lockOperators(q: Queryable, tenantId: string, operatorIds: Iterable<string>) {
  const keys = [...new Set(operatorIds)]
    .map((id) => advisoryKey(tenantId, 'operator', id))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map(String);
  if (keys.length === 0) return;
  await q.query('SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k', [keys]);
}

/** Inserts events, skipping ids already stored; answers the ids actually inserted. */
export async function insertOperatorEvents(
  q: Queryable,
  tenantId: string,
  events: StoredOperatorEvent[],
): Promise<Set<string>> {
  const rows = events.map((e) => ({
    id: e.event.id,
    operator_id: e.event.operator.id,
    at: e.event.at,
    state: e.event.state,
    reason: e.event.reason ?? null,
    paid: e.event.paid ?? null,
    hash: e.hash,
    body: e.event,
  }));
  const result = await q.query<{ id: string }>(
    `INSERT INTO operator_events (tenant_id, id, operator_id, at, state, reason, paid, body, content_hash)
     SELECT $1, e.id, e.operator_id, e.at, e.state, e.reason, e.paid, e.body, e.hash
       FROM jsonb_to_recordset($2::jsonb) AS e(id text, operator_id text, at timestamptz, state text,
            reason text, paid boolean, hash text, body jsonb)
     ON CONFLICT (tenant_id, id) DO NOTHING
     RETURNING id`,
    [tenantId, JSON.stringify(rows)],
  );
  return new Set(result.rows.map((r) => r.id));
}

export async function storedOperatorHashes(
  q: Queryable,
  tenantId: string,
  ids: string[],
): Promise<Map<string, string>> {
  const result = await q.query<{ id: string; content_hash: string }>(
    'SELECT id, content_hash FROM operator_events WHERE tenant_id = $1 AND id = ANY($2::text[])',
    [tenantId, ids],
  );
  return new Map(result.rows.map((r) => [r.id, r.content_hash]));
}

interface PointRow {
  operator_id: string;
  id: string;
  at: Date;
  state: OperatorState;
  reason: string | null;
  paid: boolean | null;
}

const toPoint = (r: PointRow): StatePoint => ({
  id: r.id,
  at: r.at.getTime(),
  state: r.state,
  reason: r.reason,
  paid: r.paid,
});

/**
 * For each operator and the earliest of its new events (`from`), every stored point from the one just
 * before `from` onwards: the part of the timeline the new events can change. One statement for the batch.
 */
export async function timelineTails(
  q: Queryable,
  tenantId: string,
  from: { operatorId: string; at: string; id: string }[],
): Promise<Map<string, StatePoint[]>> {
  const result = await q.query<PointRow>(
    `WITH m AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS m(op text, at timestamptz, id text)),
          p AS (SELECT m.op, prev.at, prev.id FROM m LEFT JOIN LATERAL (
                  SELECT e.at, e.id FROM operator_events e
                   WHERE e.tenant_id = $1 AND e.operator_id = m.op
                     AND (e.at, e.id COLLATE "C") < (m.at, m.id COLLATE "C")
                   ORDER BY e.at DESC, e.id COLLATE "C" DESC LIMIT 1) AS prev ON true)
     SELECT e.operator_id, e.id, e.at, e.state, e.reason, e.paid
       FROM p JOIN operator_events e ON e.tenant_id = $1 AND e.operator_id = p.op
      WHERE p.at IS NULL OR (e.at, e.id COLLATE "C") >= (p.at, p.id COLLATE "C")
      ORDER BY e.operator_id, e.at, e.id COLLATE "C"`,
    [tenantId, JSON.stringify(from.map((f) => ({ op: f.operatorId, at: f.at, id: f.id })))],
  );
  const out = new Map<string, StatePoint[]>();
  for (const r of result.rows) {
    const list = out.get(r.operator_id);
    if (list) list.push(toPoint(r));
    else out.set(r.operator_id, [toPoint(r)]);
  }
  return out;
}

/** Every point of one operator, in timeline order (rebuild, tests). */
export async function allPoints(q: Queryable, tenantId: string, operatorId: string): Promise<StatePoint[]> {
  const result = await q.query<PointRow>(
    `SELECT operator_id, id, at, state, reason, paid FROM operator_events
      WHERE tenant_id = $1 AND operator_id = $2 ORDER BY at, id COLLATE "C"`,
    [tenantId, operatorId],
  );
  return result.rows.map(toPoint);
}

/** Adds `bucket|kind → ms` deltas to an operator's state rollups (rows reaching 0 are removed). */
export async function applyStateDeltas(
  q: Queryable,
  tenantId: string,
  deltas: { operatorId: string; bucket: number; kind: string; ms: number }[],
): Promise<void> {
  if (deltas.length === 0) return;
  const rows = deltas.map((d) => ({ o: d.operatorId, b: d.bucket, k: d.kind, ms: d.ms }));
  await q.query(
    `INSERT INTO operator_state_rollups (tenant_id, operator_id, bucket, kind, ms)
     SELECT $1, r.o, to_timestamp(r.b / 1000.0), r.k, r.ms
       FROM jsonb_to_recordset($2::jsonb) AS r(o text, b bigint, k text, ms bigint)
      ORDER BY r.o, r.b, r.k
     ON CONFLICT (tenant_id, operator_id, bucket, kind) DO UPDATE SET ms = operator_state_rollups.ms + EXCLUDED.ms`,
    [tenantId, JSON.stringify(rows)],
  );
  await q.query(
    `DELETE FROM operator_state_rollups r USING jsonb_to_recordset($2::jsonb) AS d(o text, b bigint, k text)
      WHERE r.tenant_id = $1 AND r.operator_id = d.o AND r.bucket = to_timestamp(d.b / 1000.0) AND r.kind = d.k
        AND r.ms = 0`,
    [tenantId, JSON.stringify(rows)],
  );
}

export interface LiveRow {
  operatorId: string;
  state: OperatorState;
  since: number;
  reason: string | null;
  paid: boolean | null;
  lastAt: number;
  lastId: string;
}

export async function liveRows(
  q: Queryable,
  tenantId: string,
  operatorIds?: string[],
): Promise<Map<string, LiveRow>> {
  const result = await q.query<{
    operator_id: string;
    state: OperatorState;
    since: Date;
    reason: string | null;
    paid: boolean | null;
    last_at: Date;
    last_id: string;
  }>(
    `SELECT operator_id, state, since, reason, paid, last_at, last_id FROM operator_live
      WHERE tenant_id = $1 AND ($2::text[] IS NULL OR operator_id = ANY($2::text[])) ORDER BY operator_id`,
    [tenantId, operatorIds ?? null],
  );
  return new Map(
    result.rows.map((r) => [
      r.operator_id,
      {
        operatorId: r.operator_id,
        state: r.state,
        since: r.since.getTime(),
        reason: r.reason,
        paid: r.paid,
        lastAt: r.last_at.getTime(),
        lastId: r.last_id,
      },
    ]),
  );
}

export async function upsertLive(q: Queryable, tenantId: string, rows: LiveRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO operator_live (tenant_id, operator_id, state, since, reason, paid, last_at, last_id)
     SELECT $1, r.o, r.state, to_timestamp(r.since / 1000.0), r.reason, r.paid, to_timestamp(r.last_at / 1000.0), r.last_id
       FROM jsonb_to_recordset($2::jsonb) AS r(o text, state text, since bigint, reason text, paid boolean,
            last_at bigint, last_id text)
      ORDER BY r.o
     ON CONFLICT (tenant_id, operator_id) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since,
       reason = EXCLUDED.reason, paid = EXCLUDED.paid, last_at = EXCLUDED.last_at, last_id = EXCLUDED.last_id`,
    [
      tenantId,
      JSON.stringify(
        rows.map((r) => ({
          o: r.operatorId,
          state: r.state,
          since: r.since,
          reason: r.reason,
          paid: r.paid,
          last_at: r.lastAt,
          last_id: r.lastId,
        })),
      ),
    ],
  );
}

/** The identity of operators: `{ id, userId, name }` (userId and name null when never seen with one). */
export async function operatorIdentities(
  q: Queryable,
  tenantId: string,
  operatorIds: string[],
): Promise<Map<string, { id: string; userId: number | null; name: string | null }>> {
  const result = await q.query<{ operator_id: string; user_id: number; name: string | null }>(
    `SELECT operator_id, user_id, name FROM analytics_operators WHERE tenant_id = $1 AND operator_id = ANY($2::text[])`,
    [tenantId, operatorIds],
  );
  return new Map(
    result.rows.map((r) => [r.operator_id, { id: r.operator_id, userId: Number(r.user_id), name: r.name }]),
  );
}
