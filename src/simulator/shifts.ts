/**
 * Simulated operator state (`operator.state` events) for the demo: each operator logs in ONLINE at the start
 * of their shift, takes a paid coffee break, an unpaid lunch break and a short AWAY, and logs out OFFLINE at
 * its end; while serving a session they are ON_CALL (joined → left) and then AFTER_CALL (left → concluded),
 * which wins over whatever the shift says. Pure and deterministic: the state at an instant is a function of
 * the model and the sessions' events.
 */
import type { SessionEvent } from '../domain/events.js';
import type { OperatorState } from '../operators/model.js';
import type { CenterModel, SimOperator } from './model.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Pauses within a shift: [offset from its start, length, state, reason, paid]. */
const PAUSES: [number, number, OperatorState, string | null, boolean | null][] = [
  [2 * HOUR, 15 * 60_000, 'BREAK', 'Coffee', true],
  [4 * HOUR, 30 * 60_000, 'BREAK', 'Lunch', false],
  [6 * HOUR, 10 * 60_000, 'AWAY', null, null],
];

export interface SimState {
  state: OperatorState;
  reason: string | null;
  paid: boolean | null;
}

/** The shift start (UTC ms) covering `at`, or null when the operator is off shift. */
function shiftStart(op: SimOperator, at: number): number | null {
  const [from, to] = op.shift;
  const length = ((to - from + 24) % 24) * HOUR;
  const day = Math.floor(at / DAY) * DAY;
  for (const start of [day + from * HOUR, day - DAY + from * HOUR]) {
    if (at >= start && at < start + length) return start;
  }
  return null;
}

/** What the shift alone says at `at`. */
function shiftState(op: SimOperator, at: number): SimState {
  const start = shiftStart(op, at);
  if (start === null) return { state: 'OFFLINE', reason: null, paid: null };
  for (const [offset, length, state, reason, paid] of PAUSES) {
    if (at >= start + offset && at < start + offset + length) return { state, reason, paid };
  }
  return { state: 'ONLINE', reason: null, paid: null };
}

/** An operator's time in one session: talk [joined, left), after-call work [left, concluded). */
export interface Busy {
  operatorId: string;
  joined: number;
  left: number | null;
  concluded: number | null;
}

/** The operators' busy spans of one session's events. */
export function busySpans(events: readonly SessionEvent[]): Busy[] {
  const spans = new Map<string, Busy>();
  for (const e of events) {
    if (e.type !== 'operator.joined' && e.type !== 'operator.left' && e.type !== 'operator.concluded')
      continue;
    const at = Date.parse(e.at);
    const span = spans.get(e.operator.id) ?? {
      operatorId: e.operator.id,
      joined: at,
      left: null,
      concluded: null,
    };
    if (e.type === 'operator.joined') span.joined = Math.min(span.joined, at);
    if (e.type === 'operator.left') span.left = at;
    if (e.type === 'operator.concluded') span.concluded = at;
    spans.set(e.operator.id, span);
  }
  return [...spans.values()];
}

/** The state of `op` at `at`, given their busy spans: ON_CALL over AFTER_CALL over the shift. */
export function stateAt(op: SimOperator, busy: readonly Busy[], at: number): SimState {
  let acw = false;
  for (const b of busy) {
    if (b.operatorId !== op.id || at < b.joined) continue;
    if (b.left === null || at < b.left) return { state: 'ON_CALL', reason: null, paid: null };
    if (b.concluded === null || at < b.concluded) acw = true;
  }
  return acw ? { state: 'AFTER_CALL', reason: null, paid: null } : shiftState(op, at);
}

const same = (a: SimState, b: SimState) => a.state === b.state && a.reason === b.reason && a.paid === b.paid;

/** An `operator.state` event (ids are unique per operator and millisecond). */
export function stateEvent(op: SimOperator, at: number, s: SimState) {
  return {
    id: `opstate-${op.id}-${at}`,
    type: 'operator.state' as const,
    at: new Date(at).toISOString(),
    operator: { id: op.id, firstName: op.firstName!, lastName: op.lastName!, userName: op.userName! },
    state: s.state,
    ...(s.reason !== null ? { reason: s.reason } : {}),
    ...(s.paid !== null ? { paid: s.paid } : {}),
  };
}

/**
 * Every state change of every operator in [from, to): an event at `from` with each operator's state then
 * (unless `last` already says so), and one at each instant their state changes. `last` (operator id → the
 * state last emitted) is read and updated, so consecutive windows chain without repeats.
 */
export function operatorStateEvents(
  model: CenterModel,
  busy: readonly Busy[],
  from: number,
  to: number,
  lastEmitted: Map<string, SimState> = new Map(),
): ReturnType<typeof stateEvent>[] {
  const out: ReturnType<typeof stateEvent>[] = [];
  for (const op of model.operators) {
    const mine = busy.filter((b) => b.operatorId === op.id);
    const edges = new Set<number>([from]);
    for (let day = Math.floor(from / DAY) * DAY - DAY; day < to; day += DAY) {
      const start = day + op.shift[0] * HOUR;
      edges.add(start).add(start + ((op.shift[1] - op.shift[0] + 24) % 24) * HOUR);
      for (const [offset, length] of PAUSES) edges.add(start + offset).add(start + offset + length);
    }
    for (const b of mine) for (const t of [b.joined, b.left, b.concluded]) if (t !== null) edges.add(t);
    let last = lastEmitted.get(op.id) ?? null;
    for (const t of [...edges].filter((t) => t >= from && t < to).sort((a, b) => a - b)) {
      const s = stateAt(op, mine, t);
      if (last && same(last, s)) continue;
      out.push(stateEvent(op, t, s));
      last = s;
    }
    if (last) lastEmitted.set(op.id, last);
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
}
