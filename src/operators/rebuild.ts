/**
 * `switchboard analytics rebuild` for operator state: recomputes every operator's state rollups and current
 * state from the `operator.state` log and reports (with `fix`, replaces) the rows that differ.
 */
import type { Db } from '../db/store.js';
import { addSegment, segmentsOf, type StatePoint } from './model.js';
import { allPoints, applyStateDeltas, liveRows, upsertLive, type LiveRow } from './repository.js';

const sameState = (a: StatePoint, b: StatePoint) =>
  a.state === b.state && a.reason === b.reason && a.paid === b.paid;

/** The current-state row a full timeline implies. */
export function liveRowOf(operatorId: string, points: readonly StatePoint[]): LiveRow | null {
  const last = points.at(-1);
  if (!last) return null;
  let i = points.length - 1;
  while (i > 0 && sameState(points[i - 1], last)) i--;
  return {
    operatorId,
    state: last.state,
    since: points[i].at,
    reason: last.reason,
    paid: last.paid,
    lastAt: last.at,
    lastId: last.id,
  };
}

/** Answers how many rollup and current-state rows of the tenant differ from the recomputed ones. */
export async function rebuildOperatorStates(db: Db, tenantId: string, fix: boolean): Promise<number> {
  const operators = await db.query<{ operator_id: string }>(
    'SELECT DISTINCT operator_id FROM operator_events WHERE tenant_id = $1 ORDER BY operator_id',
    [tenantId],
  );
  const expected = new Map<string, number>();
  const expectedLive: LiveRow[] = [];
  for (const { operator_id: operatorId } of operators.rows) {
    const points = await allPoints(db, tenantId, operatorId);
    const mine = new Map<string, number>();
    for (const s of segmentsOf(points)) addSegment(mine, s);
    for (const [key, ms] of mine) if (ms !== 0) expected.set(`${operatorId}\u0000${key}`, ms);
    const live = liveRowOf(operatorId, points);
    if (live) expectedLive.push(live);
  }
  const stored = new Map<string, number>();
  for (const r of (
    await db.query<{ operator_id: string; bucket: Date; kind: string; ms: string }>(
      'SELECT operator_id, bucket, kind, ms FROM operator_state_rollups WHERE tenant_id = $1',
      [tenantId],
    )
  ).rows) {
    if (Number(r.ms) !== 0) stored.set(`${r.operator_id}\u0000${r.bucket.getTime()}|${r.kind}`, Number(r.ms));
  }
  let differing = 0;
  for (const key of new Set([...expected.keys(), ...stored.keys()])) {
    if (expected.get(key) !== stored.get(key)) differing++;
  }
  const storedLive = await liveRows(db, tenantId);
  const liveDiffers = (row: LiveRow) =>
    JSON.stringify(storedLive.get(row.operatorId)) !== JSON.stringify(row);
  differing += expectedLive.filter(liveDiffers).length;
  differing += [...storedLive.keys()].filter((id) => !expectedLive.some((r) => r.operatorId === id)).length;
  if (fix && differing > 0) {
    await db.tx(async (q) => {
      await q.query('DELETE FROM operator_state_rollups WHERE tenant_id = $1', [tenantId]);
      await q.query('DELETE FROM operator_live WHERE tenant_id = $1', [tenantId]);
      await applyStateDeltas(
        q,
        tenantId,
        [...expected].map(([key, ms]) => {
          const cut = key.lastIndexOf('\u0000');
          const [bucket, kind] = key.slice(cut + 1).split('|');
          return { operatorId: key.slice(0, cut), bucket: Number(bucket), kind, ms };
        }),
      );
      await upsertLive(q, tenantId, expectedLive);
    });
  }
  return differing;
}
