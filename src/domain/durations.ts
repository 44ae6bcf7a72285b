/**
 * State durations, exactly as the mluvii Public API FAQ defines them (seeds 000–002, DESIGN.md).
 *
 * Every value is in milliseconds and is null when an input is missing or the result would be negative —
 * never a made-up 0. When `now` is given and the session is still in the phase a duration measures, the
 * duration runs against that clock (DESIGN.md: "a running duration is computed against the clock at read
 * time"); without `now` only finished phases have a value, which is what the stored columns hold.
 */
import type { OperatorState, Session } from './session.js';

export interface Durations {
  /** CREATED: first RoutingRequestCreated − created. */
  created: number | null;
  /** IN_QUEUE: first AssignedToOperator − first RoutingRequestCreated. */
  inQueue: number | null;
  /** WAITING: first AcceptedByOperator − first AssignedToOperator. */
  waiting: number | null;
  /** BCW: guestJoined − started, only if positive. */
  bcw: number | null;
  /** ACTIVE (mluvii `length`): ended − max(started, guestJoined). */
  active: number | null;
  /** ACW: max(concluded) − max(left), once every operator who joined has concluded. */
  acw: number | null;
  /** Ring time: guestJoined − created; not applicable to preview campaigns. */
  ring: number | null;
  /** mluvii `waited`: min(started, guest left the queue) − created. */
  waited: number | null;
}

export interface OperatorDurations {
  /** Time in this operator's queue: first AcceptedByOperator (at or after it) − first AssignedToOperator to X. */
  queue: number | null;
  /** This operator's ACW: concluded − left. */
  acw: number | null;
}

export const DURATION_NAMES = [
  'created',
  'inQueue',
  'waiting',
  'bcw',
  'active',
  'acw',
  'ring',
  'waited',
] as const;

/** b − a when both are known and the result is not negative, else null. */
function span(from: number | null | undefined, to: number | null | undefined): number | null {
  if (from === null || from === undefined || to === null || to === undefined) return null;
  const d = to - from;
  return d < 0 ? null : d;
}

function first(session: Session, type: string, operatorId?: string, notBefore = -Infinity): number | null {
  for (const item of session.routing) {
    if (item.activityType !== type || item.timestamp < notBefore) continue;
    if (operatorId !== undefined && item.operator?.id !== operatorId) continue;
    return item.timestamp;
  }
  return null;
}

function maxOf(values: (number | null)[]): number | null {
  let max: number | null = null;
  for (const v of values) if (v !== null && (max === null || v > max)) max = v;
  return max;
}

/** The session's state durations; pass `now` (epoch ms) for running values of an open session. */
export function sessionDurations(session: Session, now?: number): Durations {
  const open = session.ended === null;
  const clock = (reached: number | null, stillRunning: boolean): number | null =>
    reached ?? (stillRunning && now !== undefined ? now : null);

  const requested = first(session, 'RoutingRequestCreated');
  const assigned = first(session, 'AssignedToOperator');
  const accepted = first(session, 'AcceptedByOperator');
  const { created, started, guestJoined, ended } = session;

  const bcwEnd = clock(guestJoined, open && started !== null);
  const bcw = span(started, bcwEnd);

  const talkStart = started !== null && guestJoined !== null ? Math.max(started, guestJoined) : null;

  const operators = session.operators;
  const allConcluded = operators.length > 0 && operators.every((op) => op.concluded !== null);
  const lastLeft = maxOf(operators.map((op) => op.left));
  const acwEnd = allConcluded
    ? maxOf(operators.map((op) => op.concluded))
    : clock(null, ended !== null && operators.length > 0 && lastLeft !== null);

  // An operator who creates a session (outbound call, callback, preview campaign) starts it at once: it has
  // no CREATED, IN_QUEUE or WAITING phase, and routing after that (a forward) is not one (docs/outbound.md).
  const operatorCreated = session.createdBy !== null;
  return {
    created: operatorCreated ? null : span(created, clock(requested, open && session.routing.length === 0)),
    inQueue:
      operatorCreated || requested === null
        ? null
        : span(requested, clock(assigned, open && accepted === null)),
    waiting: operatorCreated || assigned === null ? null : span(assigned, clock(accepted, open)),
    bcw: bcw === 0 ? null : bcw,
    active: talkStart === null ? null : span(talkStart, clock(ended, true)),
    acw: span(lastLeft, acwEnd),
    ring: session.campaign?.mode === 'preview' ? null : span(created, clock(guestJoined, open)),
    waited: waited(session, requested, now),
  };
}

/**
 * mluvii `waited`: min(started, the guest left the queue) − created. Nobody waited in an outbound session
 * whose guest never answered, nor in one that was never queued for an operator (a bot-only chat); while a
 * queued session is open and unanswered the value runs against the clock.
 */
function waited(session: Session, requested: number | null, now: number | undefined): number | null {
  if (session.direction === 'outbound' && session.guestJoined === null) return null;
  const end = earliest(session.started, session.guestLeftQueue);
  if (end !== null) return span(session.created, end);
  const queued = requested !== null || session.createdBy !== null;
  return queued && session.ended === null && now !== undefined ? span(session.created, now) : null;
}

/** The earlier of two instants, either of which may be unknown. */
function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** One operator's durations within the session. */
export function operatorDurations(
  session: Session,
  operator: OperatorState,
  now?: number,
): OperatorDurations {
  const assigned = first(session, 'AssignedToOperator', operator.id);
  const accepted = assigned === null ? null : first(session, 'AcceptedByOperator', undefined, assigned);
  const queueEnd = accepted ?? (session.ended === null && now !== undefined ? now : null);
  const acwEnd = operator.concluded ?? (operator.left !== null && now !== undefined ? now : null);
  return { queue: span(assigned, queueEnd), acw: span(operator.left, acwEnd) };
}
