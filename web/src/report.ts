/** Shared by the report views: the range form's state and sums over report rows. */
import type { Metric, QueueRow } from './api.js';

/** A report row's counters and sums without its interval and queue: what `totals` adds up. */
export type Totals = Omit<QueueRow, 'start' | 'end' | 'queue'>;

const addMetric = (a: Metric, b: Metric): Metric => ({
  sum: a.sum + b.sum,
  count: a.count + b.count,
  max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max),
});
const zero = (): Metric => ({ sum: 0, count: 0, max: null });

/** Sums rows exactly as docs/metrics.md says: counts and sums add, ratios are derived from the sums. */
export function totals(rows: QueueRow[]): Totals {
  const t: Totals = {
    offered: 0,
    answered: 0,
    abandoned: 0,
    shortAbandoned: 0,
    answeredWithinSl: 0,
    slCounted: 0,
    serviceLevel: null,
    waitMs: zero(),
    talkMs: zero(),
    holdMs: zero(),
    acwMs: zero(),
    handleMs: zero(),
    transferred: 0,
    operatorTimeouts: 0,
  };
  for (const r of rows) {
    t.offered += r.offered;
    t.answered += r.answered;
    t.abandoned += r.abandoned;
    t.shortAbandoned += r.shortAbandoned;
    t.answeredWithinSl += r.answeredWithinSl;
    t.slCounted += r.slCounted;
    t.waitMs = addMetric(t.waitMs, r.waitMs);
    t.talkMs = addMetric(t.talkMs, r.talkMs);
    t.holdMs = addMetric(t.holdMs, r.holdMs);
    t.acwMs = addMetric(t.acwMs, r.acwMs);
    t.handleMs = addMetric(t.handleMs, r.handleMs);
    t.transferred += r.transferred;
    t.operatorTimeouts += r.operatorTimeouts;
  }
  t.serviceLevel = t.slCounted > 0 ? t.answeredWithinSl / t.slCounted : null;
  return t;
}

/** Rows grouped by interval start, in order. */
export function byStart<R extends { start: string }>(rows: R[]): { start: string; rows: R[] }[] {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    const list = groups.get(r.start);
    if (list) list.push(r);
    else groups.set(r.start, [r]);
  }
  return [...groups].map(([start, list]) => ({ start, rows: list }));
}

export const INTERVALS = ['PT15M', 'PT30M', 'PT1H', 'P1D', 'P1W', 'P1M', 'ALL'] as const;

/** A few zones to pick from, plus the browser's own (any IANA name may be typed). */
export const ZONES = [
  'UTC',
  'Europe/Prague',
  'Europe/London',
  'America/New_York',
  'Asia/Kathmandu',
  'Australia/Sydney',
];
