/**
 * Operator state time for `/v1/analytics/operators` (docs/metrics.md, "Operator state"): the state rollups
 * summed into the report's intervals, plus each operator's open segment (their current state, from its last
 * event up to the request's clock), so the report for today equals what the live route shows.
 */
import type { Queryable } from '../db/store.js';
import {
  HANDLING_STATES,
  LOGGED_IN_STATES,
  OPERATOR_STATES,
  rollupKind,
  type OperatorState,
} from './model.js';
import { liveRows } from './repository.js';

export interface StateMetrics {
  /** Milliseconds in each OperatorStateKind (a paid and an unpaid break are both `BREAK`). */
  stateMs: Record<OperatorState, number>;
  /** Every state but UNKNOWN, OFFLINE and DISCONNECTED. */
  loggedInMs: number;
  /** ONLINE: logged in and waiting for a contact. */
  availableMs: number;
  awayMs: number;
  breakMs: number;
  breakPaidMs: number;
  breakUnpaidMs: number;
  /** BEFORE_CALL + ON_CALL + AFTER_CALL. */
  handlingMs: number;
  /** handlingMs / (handlingMs + availableMs); null when both are 0. */
  occupancy: number | null;
}

/** `kind → ms` (rollup kinds) into the report's metrics. */
export function stateMetrics(kinds: ReadonlyMap<string, number> | undefined): StateMetrics {
  const ms = (kind: string) => kinds?.get(kind) ?? 0;
  const stateMs = Object.fromEntries(OPERATOR_STATES.map((s) => [s, ms(s)])) as Record<OperatorState, number>;
  const breakPaidMs = ms('BREAK:paid');
  stateMs.BREAK += breakPaidMs;
  const sum = (states: readonly OperatorState[]) => states.reduce((t, s) => t + stateMs[s], 0);
  const handlingMs = sum(HANDLING_STATES);
  const availableMs = stateMs.ONLINE;
  return {
    stateMs,
    loggedInMs: sum(LOGGED_IN_STATES),
    availableMs,
    awayMs: stateMs.AWAY,
    breakMs: stateMs.BREAK,
    breakPaidMs,
    breakUnpaidMs: stateMs.BREAK - breakPaidMs,
    handlingMs,
    occupancy: handlingMs + availableMs > 0 ? handlingMs / (handlingMs + availableMs) : null,
  };
}

/**
 * Per operator and interval slot (1-based, `${operatorId}\0${slot}` keys), milliseconds by rollup kind over
 * [edges[0], edges.at(-1)), the open segments measured up to `now`.
 */
export async function stateSums(
  q: Queryable,
  tenantId: string,
  edges: number[],
  now: number,
): Promise<Map<string, Map<string, number>>> {
  const from = edges[0];
  const to = edges.at(-1)!;
  const rows = await q.query<{ operator_id: string; slot: number; kind: string; ms: string }>(
    `SELECT operator_id, width_bucket(extract(epoch FROM bucket)::float8, $4::float8[]) AS slot, kind,
            sum(ms)::bigint AS ms
       FROM operator_state_rollups
      WHERE tenant_id = $1 AND bucket >= $2 AND bucket < $3
      GROUP BY 1, 2, 3`,
    [tenantId, new Date(from), new Date(to), edges.map((e) => e / 1000)],
  );
  const out = new Map<string, Map<string, number>>();
  const add = (operatorId: string, slot: number, kind: string, ms: number) => {
    const key = `${operatorId}\u0000${slot}`;
    let kinds = out.get(key);
    if (!kinds) out.set(key, (kinds = new Map<string, number>()));
    kinds.set(kind, (kinds.get(kind) ?? 0) + ms);
  };
  for (const r of rows.rows) add(r.operator_id, Number(r.slot), r.kind, Number(r.ms));
  for (const live of (await liveRows(q, tenantId)).values()) {
    const start = Math.max(live.lastAt, from);
    const end = Math.min(now, to);
    if (end <= start) continue;
    const kind = rollupKind(live.state, live.paid);
    for (let i = 0; i + 1 < edges.length; i++) {
      const overlap = Math.min(end, edges[i + 1]) - Math.max(start, edges[i]);
      if (overlap > 0) add(live.operatorId, i + 1, kind, overlap);
    }
  }
  return out;
}
