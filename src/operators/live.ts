/**
 * `GET /v1/live/operators` and the operator counts of `GET /v1/live/queues`: every operator's current state,
 * kept at ingest in `operator_live` (never a scan of their events), and the sessions each is serving now
 * (the open sessions, found through the status index).
 */
import type { Queryable } from '../db/store.js';
import { todaySoFar } from '../analytics/intervals.js';
import { operatorReport } from '../analytics/report.js';
import type { OperatorState } from './model.js';
import { liveRows } from './repository.js';
import { liveOperator, type LiveOperator } from './service.js';

/** An operator's day so far: the figures `/v1/analytics/operators` gives for today (docs/metrics.md). */
export interface OperatorToday {
  handled: number;
  talkMs: number;
  acwMs: number;
  breakMs: number;
  handlingMs: number;
  loggedInMs: number;
  occupancy: number | null;
}

export interface LiveOperatorRow extends LiveOperator {
  /** Sessions this operator serves now: joined (or accepted) and not yet concluded. */
  sessions: string[];
  today: OperatorToday;
}

const NOTHING_YET: OperatorToday = {
  handled: 0,
  talkMs: 0,
  acwMs: 0,
  breakMs: 0,
  handlingMs: 0,
  loggedInMs: 0,
  occupancy: null,
};

/** Statuses of sessions an operator may be serving. */
const SERVING = '{BCW,ACTIVE,ACW}';

export async function liveOperators(
  q: Queryable,
  tenantId: string,
  now: number,
  timeZone = 'UTC',
): Promise<{ asOf: string; timeZone: string; operators: LiveOperatorRow[] }> {
  const rows = await liveRows(q, tenantId);
  // Today so far: the operator report from local midnight (rollups and state spans, never the sessions).
  const report = await operatorReport(
    q,
    tenantId,
    {
      ...todaySoFar(now, timeZone),
      timeZone,
      interval: 'ALL',
      groups: [],
      channels: [],
    },
    now,
  );
  const today = new Map(
    report.rows.map((r) => [
      r.operator.id,
      {
        handled: r.handled,
        talkMs: r.talkMs.sum,
        acwMs: r.acwMs.sum,
        breakMs: r.breakMs,
        handlingMs: r.handlingMs,
        loggedInMs: r.loggedInMs,
        occupancy: r.occupancy,
      },
    ]),
  );
  const identities = await q.query<{ operator_id: string; user_id: number; name: string | null }>(
    'SELECT operator_id, user_id, name FROM analytics_operators WHERE tenant_id = $1 AND operator_id = ANY($2::text[])',
    [tenantId, [...rows.keys()]],
  );
  const byId = new Map(
    identities.rows.map((r) => [
      r.operator_id,
      { id: r.operator_id, userId: Number(r.user_id), name: r.name },
    ]),
  );
  const serving = await q.query<{ session_id: string; operator_id: string }>(
    `SELECT s.session_id, o ->> 'id' AS operator_id
       FROM sessions s, jsonb_array_elements(s.doc -> 'operators') AS o
      WHERE s.tenant_id = $1 AND s.status = ANY($2::text[]) AND cardinality(s.operator_ids) > 0
        AND (o ->> 'concluded') IS NULL
      ORDER BY s.created, s.session_id`,
    [tenantId, SERVING],
  );
  const sessions = new Map<string, string[]>();
  for (const r of serving.rows) {
    const list = sessions.get(r.operator_id);
    if (list) {
      if (!list.includes(r.session_id)) list.push(r.session_id);
    } else sessions.set(r.operator_id, [r.session_id]);
  }
  return {
    asOf: new Date(now).toISOString(),
    timeZone,
    operators: [...rows.values()].map((row) => ({
      ...liveOperator(row, byId.get(row.operatorId)),
      sessions: sessions.get(row.operatorId) ?? [],
      today: today.get(row.operatorId) ?? NOTHING_YET,
    })),
  };
}

/** Per queue, how many of the operators serving it are in each state now. */
export async function operatorsByQueue(
  q: Queryable,
  tenantId: string,
): Promise<Map<number, Partial<Record<OperatorState, number>>>> {
  const result = await q.query<{ queue_id: number; state: OperatorState; n: string }>(
    `SELECT oq.queue_id, l.state, count(*) AS n
       FROM operator_queues oq JOIN operator_live l ON l.tenant_id = oq.tenant_id AND l.operator_id = oq.operator_id
      WHERE oq.tenant_id = $1 GROUP BY oq.queue_id, l.state`,
    [tenantId],
  );
  const out = new Map<number, Partial<Record<OperatorState, number>>>();
  for (const r of result.rows) {
    const counts = out.get(Number(r.queue_id)) ?? {};
    counts[r.state] = Number(r.n);
    out.set(Number(r.queue_id), counts);
  }
  return out;
}
