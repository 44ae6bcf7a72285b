/**
 * What one session adds to the queue rollups (docs/metrics.md has every rule with a worked example). Pure.
 *
 * A session counts for the queue (group) it was first routed to, in the 15-minute UTC bucket of that moment
 * (its queue entry), and nowhere else: a session is never counted twice nor lost, however its later events
 * arrive. Sessions never routed to a group (bot-only, operator-placed without a queue) are in no queue.
 */
import type { Session } from '../domain/session.js';
import { sessionDurations } from '../domain/durations.js';

export const BUCKET_MS = 15 * 60_000;

/** Service-level settings of a queue (DESIGN.md defaults; versioned per queue: src/analytics/sl-settings.ts). */
export interface SlSettings {
  /** Answered within this many ms of entering the queue counts towards the service level (inclusive). */
  thresholdMs: number;
  /** An abandon within this many ms of entering the queue is a short abandon (exclusive). */
  shortAbandonMs: number;
  /** Whether abandons beyond the short-abandon cutoff count in the service level's denominator. */
  abandonsCount: boolean;
  /** The service level aimed at (0–1): shown beside it, never part of a count. */
  goal: number;
}
export const DEFAULT_SL: SlSettings = {
  thresholdMs: 20_000,
  shortAbandonMs: 5_000,
  abandonsCount: true,
  goal: 0.8,
};

/** The settings of a queue in effect at an instant (the queue entry of a session). */
export type SlLookup = (queueId: number, at: number) => SlSettings;
const defaults: SlLookup = () => DEFAULT_SL;

/** The counters of one rollup row, in this order everywhere (contribution, SQL columns, deltas). */
export const COUNTERS = [
  'offered',
  'answered',
  'abandoned',
  'short_abandoned',
  'answered_within_sl',
  'wait_sum',
  'wait_count',
  'talk_sum',
  'talk_count',
  'hold_sum',
  'hold_count',
  'acw_sum',
  'acw_count',
  'handle_sum',
  'handle_count',
  'transferred',
  'operator_timeouts',
  // Last, so that contributions stored before it existed are a prefix (see `withSlCounted`).
  'sl_counted',
] as const;
export const MAXES = ['wait_max', 'talk_max', 'hold_max', 'acw_max', 'handle_max'] as const;

export interface QueueContribution {
  /** Queue (group) id, channel, bucket start (UTC ms). */
  q: number;
  c: string;
  b: number;
  /** COUNTERS in order. */
  v: number[];
  /** MAXES in order (null: no value). */
  m: (number | null)[];
}

const FORWARDS = new Set(['ForwardedToGroup', 'ForwardedToUser', 'ForwardedToPhone']);

export function queueContribution(session: Session, settings: SlLookup = defaults): QueueContribution | null {
  const entry = session.routing.find(
    (r) =>
      r.group !== null &&
      (r.activityType === 'RoutingRequestCreated' || r.activityType === 'EnteredGroupQueue'),
  );
  if (!entry || entry.group === null || session.channel === null) return null;
  const queued = entry.timestamp;
  const sl = settings(entry.group.id, queued);
  const accepted = session.routing.find(
    (r) => r.activityType === 'AcceptedByOperator' && r.timestamp >= queued,
  );
  const answered = accepted !== undefined;
  const wait = answered ? accepted.timestamp - queued : null;
  const leftAt = session.guestLeftQueue ?? (answered ? null : (session.guestLeft?.at ?? null));
  const abandoned = !answered && leftAt !== null;
  const abandonAfter = abandoned ? Math.max(0, leftAt - queued) : null;
  const shortAbandoned = abandoned && abandonAfter! < sl.shortAbandonMs;

  // Handling: an answered session that ended. Talk excludes hold; handle = talk + hold + ACW exactly.
  let talk: number | null = null;
  let hold: number | null = null;
  let acw: number | null = null;
  if (answered && session.ended !== null) {
    const d = sessionDurations(session);
    if (d.active !== null) {
      hold = Math.min(session.holdMs, d.active);
      talk = d.active - hold;
      acw = d.acw ?? 0;
    }
  }
  const handle = talk === null ? null : talk + hold! + acw!;
  const present = (x: number | null) => (x === null ? 0 : 1);
  return {
    q: entry.group.id,
    c: session.channel,
    b: Math.floor(queued / BUCKET_MS) * BUCKET_MS,
    v: [
      1,
      answered ? 1 : 0,
      abandoned ? 1 : 0,
      shortAbandoned ? 1 : 0,
      answered && wait! <= sl.thresholdMs ? 1 : 0,
      wait ?? 0,
      present(wait),
      talk ?? 0,
      present(talk),
      hold ?? 0,
      present(hold),
      acw ?? 0,
      present(acw),
      handle ?? 0,
      present(handle),
      session.routing.some((r) => FORWARDS.has(r.activityType)) ? 1 : 0,
      session.routing.filter((r) => r.activityType === 'OperatorTimeoutExpired').length,
      answered || (abandoned && !shortAbandoned && sl.abandonsCount) ? 1 : 0,
    ],
    m: [wait, talk, hold, acw, handle],
  };
}

/** Counters of an operator row: handled, talk, ACW, handle (sum and count), missed offers. */
export const OPERATOR_COUNTERS = [
  'handled',
  'talk_sum',
  'talk_count',
  'acw_sum',
  'acw_count',
  'handle_sum',
  'handle_count',
  'timeouts',
] as const;
export const OPERATOR_MAXES = ['talk_max', 'acw_max', 'handle_max'] as const;
/** Counters of a bot row: sessions, and each containment outcome. */
export const BOT_COUNTERS = ['sessions', 'self_service', 'drop_off', 'agent'] as const;

/** One row's worth of a session for an operator or a bot. */
export interface DimensionContribution {
  /** 'operator' or 'bot', its key, channel, bucket start (UTC ms), counters, maxima. */
  d: 'operator' | 'bot';
  k: string;
  c: string;
  b: number;
  v: number[];
  m: (number | null)[];
}

const bucketOf = (ms: number) => Math.floor(ms / BUCKET_MS) * BUCKET_MS;

/**
 * Each operator offered or serving the session: counted in the bucket they accepted it (else were first
 * offered it, else joined). Talk = left − joined, ACW = concluded − left, handle = talk + ACW; a timed-out
 * offer is a missed offer of that operator.
 */
export function operatorContributions(session: Session): DimensionContribution[] {
  if (session.channel === null) return [];
  const ids = new Set<string>([
    ...session.operators.map((o) => o.id),
    ...session.routing.flatMap((r) => (r.operator ? [r.operator.id] : [])),
  ]);
  const out: DimensionContribution[] = [];
  for (const id of ids) {
    const of = (type: string) =>
      session.routing.filter((r) => r.activityType === type && r.operator?.id === id);
    const accepted = of('AcceptedByOperator')[0]?.timestamp ?? null;
    const offered = of('AssignedToOperator')[0]?.timestamp ?? null;
    const state = session.operators.find((o) => o.id === id);
    const when = accepted ?? offered ?? state?.joined ?? null;
    if (when === null) continue;
    const talk = state?.joined != null && state.left != null ? Math.max(0, state.left - state.joined) : null;
    const acw =
      state?.left != null && state.concluded != null ? Math.max(0, state.concluded - state.left) : null;
    const handle = talk !== null && acw !== null ? talk + acw : null;
    const present = (x: number | null) => (x === null ? 0 : 1);
    out.push({
      d: 'operator',
      k: id,
      c: session.channel,
      b: bucketOf(when),
      v: [
        accepted !== null ? 1 : 0,
        talk ?? 0,
        present(talk),
        acw ?? 0,
        present(acw),
        handle ?? 0,
        present(handle),
        of('OperatorTimeoutExpired').length,
      ],
      m: [talk, acw, handle],
    });
  }
  return out;
}

/** Each bot of the session, in the bucket the session was created, with its containment outcome. */
export function botContributions(session: Session, botIds: string[]): DimensionContribution[] {
  if (session.channel === null) return [];
  return botIds.map((botId) => ({
    d: 'bot' as const,
    k: botId,
    c: session.channel!,
    b: bucketOf(session.created),
    v: [
      1,
      session.containment === 'selfService' ? 1 : 0,
      session.containment === 'dropOff' ? 1 : 0,
      session.containment === 'agent' ? 1 : 0,
    ],
    m: [],
  }));
}

/** Everything a session adds to the analytics; stored beside it as `sessions.analytics`. */
export interface Contribution {
  queue: QueueContribution | null;
  dimensions: DimensionContribution[];
}

export function contributionOf(session: Session, botIds: string[], sl: SlLookup = defaults): Contribution {
  return {
    queue: queueContribution(session, sl),
    dimensions: [...operatorContributions(session), ...botContributions(session, botIds)],
  };
}

/**
 * A queue contribution stored before `sl_counted` existed has one counter fewer; it was counted (by migration
 * 026) with the defaults, under which the denominator is answered + abandoned − short abandoned.
 */
export function withSlCounted(c: QueueContribution): QueueContribution {
  if (c.v.length === COUNTERS.length) return c;
  return { ...c, v: [...c.v, c.v[1] + c.v[2] - c.v[3]] };
}
