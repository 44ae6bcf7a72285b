/**
 * Intake of `operator.state` events, inside the batch's transaction (src/events/service.ts hands them over
 * before its session path): the same idempotency rules as session events, in a log of their own; the state
 * rollups changed by exactly the segments the new events split or add; the current state kept for the live
 * routes and the change feed.
 */
import type { Queryable } from '../db/store.js';
import { canonicalJson, contentHash } from '../domain/canonical.js';
import { parseInstant } from '../domain/events.js';
import { userIdOf } from '../domain/projector.js';
import { AppError } from '../http/errors.js';
import {
  comparePoints,
  mergeNames,
  operatorNames,
  rollupDelta,
  type OperatorNames,
  type OperatorState,
  type OperatorStateEvent,
  type StatePoint,
} from './model.js';
import {
  applyStateDeltas,
  insertOperatorEvents,
  liveRows,
  lockOperators,
  operatorIdentities,
  storedOperatorHashes,
  timelineTails,
  upsertLive,
  type LiveRow,
  type StoredOperatorEvent,
} from './repository.js';

/** An operator's current state as the live route and the stream show it. */
export interface LiveOperator {
  operator: { id: string; userId: number | null; name: string | null };
  state: OperatorState;
  /** When the operator entered this state (RFC 3339). */
  since: string;
  reason: string | null;
  paid: boolean | null;
}

export interface PreparedOperatorEvents {
  events: StoredOperatorEvent[];
  /** Copies within the batch itself. */
  duplicates: number;
}

export interface OperatorIntakeResult {
  accepted: number;
  duplicates: number;
  /** Operators whose current state changed. */
  changes: LiveOperator[];
  /**
   * The batch's operators' userId and name, for the caller to remember with the sessions' operators in one
   * statement (`rememberOperators`): two statements writing the same rows in different orders could deadlock
   * concurrent batches.
   */
  names: Map<string, OperatorNames>;
}

function conflict(ids: string[]): AppError {
  return new AppError('conflict', `event ids reused with different content: ${ids.slice(0, 20).join(', ')}`, {
    ids,
  });
}

/** De-duplicates a batch's operator events within itself (same rules as session events). */
export function prepareOperatorEvents(
  events: readonly OperatorStateEvent[],
  idsFromContent: boolean,
): PreparedOperatorEvents {
  const unique = new Map<string, StoredOperatorEvent>();
  const clashes: string[] = [];
  let duplicates = 0;
  for (const event of events) {
    const stored = { event, hash: contentHash(event) };
    const seen = unique.get(event.id);
    if (!seen) unique.set(event.id, stored);
    else if (seen.hash === stored.hash || idsFromContent) duplicates++;
    else clashes.push(event.id);
  }
  if (clashes.length > 0) throw conflict([...new Set(clashes)]);
  return { events: [...unique.values()], duplicates };
}

const pointOf = (e: OperatorStateEvent): StatePoint => ({
  id: e.id,
  at: parseInstant(e.at)!,
  state: e.state,
  reason: e.reason ?? null,
  paid: e.paid ?? null,
});

const sameState = (a: StatePoint, b: StatePoint) =>
  a.state === b.state && a.reason === b.reason && a.paid === b.paid;

/** Stores a batch's operator events inside the caller's transaction. */
export async function storeOperatorEvents(
  q: Queryable,
  tenantId: string,
  prepared: PreparedOperatorEvents,
  idsFromContent: boolean,
): Promise<OperatorIntakeResult> {
  const batch = prepared.events;
  if (batch.length === 0)
    return { accepted: 0, duplicates: prepared.duplicates, changes: [], names: new Map() };
  await lockOperators(
    q,
    tenantId,
    batch.map((e) => e.event.operator.id),
  );
  const inserted = await insertOperatorEvents(q, tenantId, batch);
  const skipped = batch.filter((e) => !inserted.has(e.event.id));
  if (skipped.length > 0 && !idsFromContent) {
    const stored = await storedOperatorHashes(
      q,
      tenantId,
      skipped.map((e) => e.event.id),
    );
    const differing = skipped.filter((e) => stored.get(e.event.id) !== e.hash).map((e) => e.event.id);
    if (differing.length > 0) throw conflict(differing);
  }
  const fresh = batch.filter((e) => inserted.has(e.event.id)).map((e) => e.event);
  const result = { accepted: inserted.size, duplicates: prepared.duplicates + skipped.length };
  if (fresh.length === 0) return { ...result, changes: [], names: new Map() };

  // The earliest new point of each operator: the timeline changes from the point just before it on.
  const earliest = new Map<string, StatePoint>();
  const names = new Map<string, OperatorNames>();
  for (const e of fresh) {
    const p = pointOf(e);
    const first = earliest.get(e.operator.id);
    if (!first || comparePoints(p, first) < 0) earliest.set(e.operator.id, p);
    names.set(
      e.operator.id,
      mergeNames(names.get(e.operator.id), operatorNames(userIdOf(e.operator.id), e.operator)),
    );
  }
  const tails = await timelineTails(
    q,
    tenantId,
    [...earliest].map(([operatorId, p]) => ({ operatorId, at: new Date(p.at).toISOString(), id: p.id })),
  );
  const live = await liveRows(q, tenantId, [...earliest.keys()]);
  const deltas: { operatorId: string; bucket: number; kind: string; ms: number }[] = [];
  const changed: LiveRow[] = [];
  const announced = new Set<string>();
  for (const operatorId of earliest.keys()) {
    const after = tails.get(operatorId) ?? [];
    const before = after.filter((p) => !inserted.has(p.id));
    for (const [key, ms] of rollupDelta(before, after)) {
      const [bucket, kind] = key.split('|');
      deltas.push({ operatorId, bucket: Number(bucket), kind, ms });
    }
    const last = after.at(-1)!;
    const current = live.get(operatorId);
    let i = after.length - 1;
    while (i > 0 && sameState(after[i - 1], last)) i--;
    // The run of this state reaches the first point of the tail: it may have begun earlier, as stored.
    const reachesOlder = i === 0 && !inserted.has(after[0].id) && current !== undefined;
    const since =
      reachesOlder && sameStateRow(current, last) ? Math.min(current.since, after[0].at) : after[i].at;
    const row: LiveRow = {
      operatorId,
      state: last.state,
      since,
      reason: last.reason,
      paid: last.paid,
      lastAt: last.at,
      lastId: last.id,
    };
    // A late event inside the timeline may leave the current state as it was: nothing to write or announce.
    if (!current || canonicalJson(current) !== canonicalJson(row)) changed.push(row);
    if (!current || !sameStateRow(current, last) || current.since !== since) announced.add(operatorId);
  }
  await applyStateDeltas(q, tenantId, deltas);
  await upsertLive(q, tenantId, changed);
  const identities = await operatorIdentities(
    q,
    tenantId,
    changed.map((c) => c.operatorId),
  );
  for (const [id, n] of names) {
    const known = identities.get(id);
    identities.set(id, { id, userId: n.userId, name: n.name ?? known?.name ?? null });
  }
  return {
    ...result,
    names,
    changes: changed
      .filter((c) => announced.has(c.operatorId))
      .map((c) => liveOperator(c, identities.get(c.operatorId))),
  };
}

const sameStateRow = (row: LiveRow, p: StatePoint) =>
  row.state === p.state && row.reason === p.reason && row.paid === p.paid;

export function liveOperator(
  row: LiveRow,
  identity: { id: string; userId: number | null; name: string | null } | undefined,
): LiveOperator {
  return {
    operator: identity ?? { id: row.operatorId, userId: userIdOf(row.operatorId), name: null },
    state: row.state,
    since: new Date(row.since).toISOString(),
    reason: row.reason,
    paid: row.paid,
  };
}
