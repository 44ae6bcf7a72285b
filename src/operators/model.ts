/**
 * Operator (agent) state: the `operator.state` event (DESIGN.md), and the pure timeline rules every other
 * part of src/operators builds on. No I/O.
 *
 * An operator's timeline is the set of their `operator.state` events ordered by `at`, then by event id: each
 * event opens a segment that the next one closes. So the timeline is a function of the set of events alone,
 * whatever order they arrived in, and a late event only splits the segment it falls into.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Operator, RFC3339_PATTERN, SESSION_ID_PATTERN, literals } from '../domain/events.js';
import { BUCKET_MS } from '../analytics/contribution.js';

/** mluvii's OperatorStateKind names, in mluvii's order. */
export const OPERATOR_STATES = [
  'UNKNOWN',
  'OFFLINE',
  'DISCONNECTED',
  'ONLINE',
  'AWAY',
  'BREAK',
  'BEFORE_CALL',
  'ON_CALL',
  'AFTER_CALL',
] as const;
export type OperatorState = (typeof OPERATOR_STATES)[number];

/** States in which an operator is logged in (everything but UNKNOWN, OFFLINE and DISCONNECTED). */
export const LOGGED_IN_STATES: readonly OperatorState[] = [
  'ONLINE',
  'AWAY',
  'BREAK',
  'BEFORE_CALL',
  'ON_CALL',
  'AFTER_CALL',
];
/** States in which an operator is handling a contact (the numerator of occupancy). */
export const HANDLING_STATES: readonly OperatorState[] = ['BEFORE_CALL', 'ON_CALL', 'AFTER_CALL'];

export const OPERATOR_STATE_TYPE = 'operator.state';

/**
 * The whole `operator.state` event. `sessionId` is optional: the event belongs to an operator, not a
 * session; when a producer sends one (its envelope is shared) it must be well formed, is stored with the
 * event and has no effect.
 */
export const OperatorStateEvent = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200 }),
    sessionId: Type.Optional(Type.String({ pattern: SESSION_ID_PATTERN })),
    type: Type.Literal(OPERATOR_STATE_TYPE),
    at: Type.String({ pattern: RFC3339_PATTERN }),
    operator: Operator,
    state: literals(OPERATOR_STATES, { description: 'mluvii OperatorStateKind name' }),
    reason: Type.Optional(Type.String({ maxLength: 200, description: 'e.g. the break’s name' })),
    paid: Type.Optional(Type.Boolean({ description: 'whether a break is paid' })),
  },
  { title: OPERATOR_STATE_TYPE },
);
export type OperatorStateEvent = Static<typeof OperatorStateEvent>;
export const operatorStateSchema: TSchema = OperatorStateEvent;

/** One state event as the timeline needs it. */
export interface StatePoint {
  id: string;
  /** Epoch ms. */
  at: number;
  state: OperatorState;
  reason: string | null;
  paid: boolean | null;
}

/** The timeline order: `at`, then event id (UTF-16 code units, as SQL's `COLLATE "C"` for ASCII ids). */
export function comparePoints(a: { at: number; id: string }, b: { at: number; id: string }): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A closed stretch of one state: [from, to). */
export interface Segment {
  state: OperatorState;
  reason: string | null;
  paid: boolean | null;
  from: number;
  to: number;
}

/** The closed segments of an ordered run of points (the last point's segment is still open). */
export function segmentsOf(points: readonly StatePoint[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const p = points[i];
    out.push({ state: p.state, reason: p.reason, paid: p.paid, from: p.at, to: points[i + 1].at });
  }
  return out;
}

/**
 * The rollup key of a state: its name, except a paid break (`BREAK:paid`), so that paid and unpaid break
 * time are both exact. A break whose `paid` is absent counts as unpaid.
 */
export function rollupKind(state: OperatorState, paid: boolean | null): string {
  return state === 'BREAK' && paid === true ? 'BREAK:paid' : state;
}

/** Adds a segment's time to `into`, split exactly at 15-minute UTC bucket boundaries (`bucket|kind` keys). */
export function addSegment(into: Map<string, number>, segment: Segment, sign: 1 | -1 = 1): void {
  const kind = rollupKind(segment.state, segment.paid);
  for (let t = segment.from; t < segment.to;) {
    const bucket = Math.floor(t / BUCKET_MS) * BUCKET_MS;
    const end = Math.min(segment.to, bucket + BUCKET_MS);
    const key = `${bucket}|${kind}`;
    into.set(key, (into.get(key) ?? 0) + sign * (end - t));
    t = end;
  }
}

/**
 * The rollup change when an operator's tail of points `before` becomes `after` (both ordered; `after` holds
 * every point of `before` plus the new ones). Only the closed segments of each count: the open one is
 * measured at read time.
 */
export function rollupDelta(
  before: readonly StatePoint[],
  after: readonly StatePoint[],
): Map<string, number> {
  const delta = new Map<string, number>();
  for (const s of segmentsOf(before)) addSegment(delta, s, -1);
  for (const s of segmentsOf(after)) addSegment(delta, s, 1);
  for (const [key, ms] of delta) if (ms === 0) delta.delete(key);
  return delta;
}

/** Consecutive segments of the same state, reason and paid flag merged (what a timeline shows). */
export function mergeSegments(segments: readonly Segment[]): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const last = out.at(-1);
    if (
      last &&
      last.to === s.from &&
      last.state === s.state &&
      last.reason === s.reason &&
      last.paid === s.paid
    )
      last.to = s.to;
    else out.push({ ...s });
  }
  return out;
}

/** The operator's display name from an event's operator, or null. */
export function operatorName(o: {
  firstName?: string | null;
  lastName?: string | null;
  userName?: string | null;
}): string | null {
  return [o.firstName, o.lastName].filter(Boolean).join(' ') || o.userName || null;
}

/** What Switchboard remembers of an operator's identity (`analytics_operators`); empty text counts as absent. */
export interface OperatorNames {
  userId: number;
  /** The display name: "First Last", else the user name. */
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  userName: string | null;
}

/** The names an operator reference carries (an event's operator or a session's OperatorRef). */
export function operatorNames(
  userId: number,
  o: { firstName?: string | null; lastName?: string | null; userName?: string | null },
): OperatorNames {
  return {
    userId,
    name: operatorName(o),
    firstName: o.firstName || null,
    lastName: o.lastName || null,
    userName: o.userName || null,
  };
}

/** `newer`'s names, each part that `newer` lacks taken from `older` (the latest known value of each). */
export function mergeNames(older: OperatorNames | undefined, newer: OperatorNames): OperatorNames {
  if (!older) return newer;
  return {
    userId: newer.userId,
    name: newer.name ?? older.name,
    firstName: newer.firstName ?? older.firstName,
    lastName: newer.lastName ?? older.lastName,
    userName: newer.userName ?? older.userName,
  };
}
