/**
 * The queue, operator and bot reports: rollup rows added up into the requested intervals, zero-filled for every
 * queue (operator, bot), in DESIGN.md's row shape. The queue report reads each queue's totals over its channels
 * (`queue_totals`), or with a channel filter the per-channel rows (`queue_rollups`). Rows of fine intervals (at
 * most four 15-minute buckets each on average) are read as they are and summed here; coarser ones are summed by PostgreSQL
 * (`width_bucket` puts each bucket in its interval). Parameters are checked here, each error naming its
 * parameter.
 */
import type { Queryable } from '../db/store.js';
import { LoopTurns } from '../loop-turns.js';
import { AppError } from '../http/errors.js';
import { parseInstant } from '../domain/events.js';
import { BUCKET_MS, COUNTERS, MAXES } from './contribution.js';
import { stateMetrics, stateSums, type StateMetrics } from '../operators/report.js';
import {
  boundaries as zoneBoundaries,
  formatLocal,
  instantOf,
  INTERVALS,
  isIanaZone,
  offsetsOver,
  OffGridZone,
  type Interval,
} from './intervals.js';

/** More rows than this in one answer is a 400 asking for a larger interval or a shorter range. */
export const MAX_ROWS = 200_000;

export interface ReportParams {
  from: number;
  to: number;
  timeZone: string;
  interval: Interval;
  /** Queue (group) ids to report; empty: every queue. */
  groups: number[];
  channels: string[];
  /** Business hours: only the quarter hours that start inside this local window count (queue report). */
  window?: BusinessWindow | null;
}

/** Local time of day [from, to) in minutes (on the 15-minute grid) and ISO weekdays (Monday 1 … Sunday 7). */
export interface BusinessWindow {
  from: number;
  to: number;
  weekdays: number[];
}

const bad = (field: string, message: string) =>
  new AppError('validation_failed', `${field}: ${message}`, [{ field, message }]);

/** A date (`YYYY-MM-DD`, midnight in the zone) or an RFC 3339 instant on a 15-minute boundary. */
function boundary(field: string, text: string, timeZone: string): number {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const check = new Date(Date.UTC(2000, m - 1, d));
    check.setUTCFullYear(y);
    if (y < 1 || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d)
      throw bad(field, `'${text}' is not a calendar date`);
    return instantOf(y, m, d, 0, 0, timeZone);
  }
  const ms = parseInstant(text);
  if (ms === null) throw bad(field, `'${text}' is neither a date (YYYY-MM-DD) nor an RFC 3339 instant`);
  if (ms % BUCKET_MS !== 0) throw bad(field, 'must fall on a 15-minute boundary (the rollups’ resolution)');
  return ms;
}

export function parseReportParams(query: Record<string, string | undefined>): ReportParams {
  const timeZone = query.timeZone;
  if (!timeZone) throw bad('timeZone', 'is required: an IANA zone name such as Europe/Prague');
  if (!isIanaZone(timeZone))
    throw bad('timeZone', `'${timeZone}' is not an IANA zone name (offsets are refused: they ignore DST)`);
  const interval = (query.interval ?? 'PT1H') as Interval;
  if (!INTERVALS.includes(interval)) throw bad('interval', `must be one of ${INTERVALS.join(', ')}`);
  if (!query.from) throw bad('from', 'is required');
  if (!query.to) throw bad('to', 'is required');
  const from = boundary('from', query.from, timeZone);
  const to = boundary('to', query.to, timeZone);
  if (to <= from) throw bad('to', 'must be after from');
  const list = (name: string) =>
    (query[name] ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  const groups = list('groups').map((g) => {
    if (!/^-?\d{1,10}$/.test(g) || Math.abs(Number(g)) > 2147483647)
      throw bad('groups', `'${g}' is not a group id`);
    return Number(g);
  });
  const channels = list('channels');
  for (const c of channels) {
    if (!['chat', 'av', 'phone', 'fax'].includes(c))
      throw bad('channels', `'${c}' is not chat, av, phone or fax`);
  }
  return { from, to, timeZone, interval, groups, channels, window: businessWindow(query) };
}

/** `hours=HH:MM-HH:MM` (local, end exclusive, up to 24:00) and `weekdays=1,…,7`; neither: no window. */
function businessWindow(query: Record<string, string | undefined>): BusinessWindow | null {
  if (query.hours === undefined && query.weekdays === undefined) return null;
  let from = 0;
  let to = 24 * 60;
  if (query.hours !== undefined) {
    const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(query.hours);
    const minutes = (h: string, mi: string) => Number(h) * 60 + Number(mi);
    if (!m) throw bad('hours', `'${query.hours}' is not HH:MM-HH:MM (local time, end exclusive)`);
    [from, to] = [minutes(m[1], m[2]), minutes(m[3], m[4])];
    if (Number(m[2]) >= 60 || Number(m[4]) >= 60 || from % 15 !== 0 || to % 15 !== 0 || to > 24 * 60)
      throw bad('hours', 'times must be on the 15-minute grid, 00:00 to 24:00 (the rollups’ resolution)');
    if (from >= to)
      throw bad('hours', 'the start must be before the end (a window past midnight is two reports)');
  }
  const weekdays = (query.weekdays ?? '1,2,3,4,5,6,7').split(',').map((d) => d.trim());
  if (weekdays.some((d) => !/^[1-7]$/.test(d)))
    throw bad('weekdays', `'${query.weekdays}' is not a list of ISO weekdays 1 (Monday) to 7 (Sunday)`);
  return { from, to, weekdays: [...new Set(weekdays.map(Number))].sort() };
}

const DAY_MS = 86_400_000;
/** The longest range a business-hours window is computed over (350,000 quarter hours, each looked at). */
const MAX_WINDOW_DAYS = 3_653;

/**
 * The window's UTC ranges over [from, to) as a `tstzmultirange` literal: each quarter hour whose local start
 * (at the zone's offset at that instant) falls in the window's time of day and weekdays, consecutive ones
 * merged. On a day the clocks go back the repeated local hour counts twice if it is in the window, and an hour
 * skipped in spring not at all: the quarter hours that really happened.
 */
async function windowRanges(from: number, to: number, timeZone: string, w: BusinessWindow): Promise<string> {
  if (to - from > MAX_WINDOW_DAYS * DAY_MS)
    throw bad(
      'hours',
      `business hours cover at most ${MAX_WINDOW_DAYS} days (ten years): choose a shorter range`,
    );
  const offsetAt = offsetsOver(from, to, timeZone);
  const turns = new LoopTurns();
  const ranges: [number, number][] = [];
  for (let t = from; t < to; t += BUCKET_MS) {
    if (turns.due()) await turns.next();
    const wall = t + offsetAt(t) * 60_000;
    const minute = (((wall % DAY_MS) + DAY_MS) % DAY_MS) / 60_000;
    const weekday = ((((Math.floor(wall / DAY_MS) + 3) % 7) + 7) % 7) + 1; // 1970-01-01 was a Thursday (4)
    if (minute < w.from || minute >= w.to || !w.weekdays.includes(weekday)) continue;
    const last = ranges.at(-1);
    if (last && last[1] === t) last[1] = t + BUCKET_MS;
    else ranges.push([t, t + BUCKET_MS]);
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  return `{${ranges.map(([lo, hi]) => `[${iso(lo)},${iso(hi)})`).join(',')}}`;
}

/** The report's interval boundaries; a zone whose offset in the range is off the 15-minute grid is a 400. */
function boundaries(from: number, to: number, interval: Interval, timeZone: string): number[] {
  try {
    return zoneBoundaries(from, to, interval, timeZone);
  } catch (error) {
    if (!(error instanceof OffGridZone)) throw error;
    const sign = error.offsetMinutes < 0 ? '−' : '+';
    const abs = Math.abs(error.offsetMinutes);
    const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(Math.floor(abs % 60)).padStart(2, '0')}:${String(Math.round((abs % 1) * 60)).padStart(2, '0')}`;
    throw bad(
      'timeZone',
      `${timeZone} was at ${offset} on ${new Date(error.at).toISOString().slice(0, 10)}, not a whole number of quarter hours: the 15-minute rollups cannot be cut at its local boundaries; choose a later range or another zone`,
    );
  }
}

interface Metric {
  sum: number;
  count: number;
  max: number | null;
}

export interface QueueRow {
  start: string;
  end: string;
  queue: { id: number; name: string | null };
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  answeredWithinSl: number;
  /** The service level's denominator under each bucket's settings (docs/metrics.md). */
  slCounted: number;
  serviceLevel: number | null;
  waitMs: Metric;
  talkMs: Metric;
  holdMs: Metric;
  acwMs: Metric;
  handleMs: Metric;
  transferred: number;
  operatorTimeouts: number;
}

/**
 * The summed columns (the contribution's counters, named as `queue_rollups` names them), then the maxed ones:
 * the order of a `Sums` array.
 */
const SUMMED = COUNTERS;
const MAXED = MAXES;
const COLUMNS = [...SUMMED, ...MAXED];
const col = Object.fromEntries(COLUMNS.map((c, i) => [c, i])) as Record<(typeof COLUMNS)[number], number>;

/** Where each duration's sum, count and maximum sit in a `Sums` array. */
const METRIC = Object.fromEntries(
  (['wait', 'talk', 'hold', 'acw', 'handle'] as const).map((m) => [
    m,
    [col[`${m}_sum`], col[`${m}_count`], col[`${m}_max`]] as const,
  ]),
) as Record<'wait' | 'talk' | 'hold' | 'acw' | 'handle', readonly [number, number, number]>;

/** One queue's counters over one interval, in `COLUMNS` order; a maximum is null where nothing was measured. */
type Sums = (number | null)[];
/** Per queue, its intervals' sums by slot (0-based); a slot without rollups is absent. */
type SumsByQueue = Map<number, Sums[]>;

/** Past this a float8 sum may no longer be an exact integer. */
const EXACT_FLOAT = 2 ** 53;
/**
 * The rollup rows are read as they are and summed here when an interval holds at most this many 15-minute
 * buckets on average; otherwise PostgreSQL sums them. Summing costs PostgreSQL more than reading does (23
 * aggregates a group), and at PT15M a group holds one row (or one per channel filtered), so reading the rows as
 * they are is the cheaper way (30 days × 3 queues at 1M sessions: 16 against 33 ms of SQL); for P1D the
 * aggregate shrinks the answer ninety-six times and is cheaper.
 */
const SUM_HERE_UP_TO = 4;
/**
 * …and when the range holds at most this many buckets × queues: the rows read grow with the channels too, and
 * a large answer is better summed where it lies than sent here (at most 4 channels: 200,000 rows).
 */
const SUM_HERE_CELLS = 50_000;

/**
 * A row's values joined into one text (`queue id, slot or time, COLUMNS…`; an absent maximum is empty), and
 * the rows' texts into one (`;` between them): the driver reads one value instead of thousands of rows of 25
 * columns, and `parseRows` reads it in one pass without a string per field (splitting 8,640 rows into 216,000
 * strings and collecting them again took more time than the query: docs/metrics.md).
 */
const joined = (head: string, values: string[]) =>
  `concat_ws(',', ${head}, ${values.map((v, i) => (i < SUMMED.length ? v : `coalesce((${v})::text, '')`)).join(', ')}) AS v`;
const aggregated = (select: string) => `SELECT string_agg(r.v, ';') AS v FROM (${select}) AS r`;

const COMMA = 44;
const SEMICOLON = 59;
const MINUS = 45;

/** One field of `text` (`start` to `end`): empty is null; up to 15 digits are added up here, anything else by `Number`. */
function fieldValue(text: string, start: number, end: number): number | null {
  if (start === end) return null;
  let i = start;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  if (end - i > 15) return Number(text.slice(start, end));
  let x = 0;
  for (; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    // `1e+16` or `2.5` (a float8 sum, an epoch with a fraction): the general parser.
    if (digit < 0 || digit > 9) return Number(text.slice(start, end));
    x = x * 10 + digit;
  }
  return negative ? -x : x;
}

/**
 * Each row of an `aggregated` text: its queue id, its second field (a slot or a time) and its COLUMNS; the event
 * loop gets its turns in between (a 50,000-cell range of four channels is 30 MB of text).
 */
async function parseRows(
  text: string | null,
  row: (key: number, at: number, sums: Sums) => void,
): Promise<void> {
  if (!text) return;
  const turns = new LoopTurns();
  const width = COLUMNS.length + 2;
  let values = new Array<number | null>(width);
  let field = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? SEMICOLON : text.charCodeAt(i);
    if (c !== COMMA && c !== SEMICOLON) continue;
    values[field++] = fieldValue(text, start, i);
    start = i + 1;
    if (c === SEMICOLON) {
      row(values[0]!, values[1]!, values.slice(2));
      values = new Array<number | null>(width);
      field = 0;
      if (turns.due()) await turns.next();
    }
  }
}

/**
 * The queue rollups of a range summed per queue and interval. Sums are added up as doubles (in float8 by
 * PostgreSQL, or here): exact for integers while every partial sum stays below 2^53 (about 285,000 years of
 * milliseconds). Rollup rows are never negative, so a total below 2^53 means every partial sum was; a larger
 * total is summed again exactly by PostgreSQL (docs/metrics.md).
 */
async function queueSums(
  q: Queryable,
  tenantId: string,
  p: ReportParams,
  edges: number[],
  queueCount: number,
): Promise<SumsByQueue> {
  const slots = edges.length - 1;
  const buckets = (p.to - p.from) / BUCKET_MS;
  // Without a channel filter, each queue's totals over its channels: one row a queue and bucket.
  const [table, where] =
    p.channels.length === 0
      ? [
          'queue_totals',
          `tenant_id = $1 AND bucket >= $2 AND bucket < $3
          AND (cardinality($4::integer[]) = 0 OR queue_id = ANY($4::integer[]))`,
        ]
      : [
          'queue_rollups',
          `tenant_id = $1 AND bucket >= $2 AND bucket < $3
          AND (cardinality($4::integer[]) = 0 OR queue_id = ANY($4::integer[])) AND channel = ANY($5::text[])`,
        ];
  const params: unknown[] = [tenantId, new Date(p.from), new Date(p.to), p.groups];
  if (p.channels.length > 0) params.push(p.channels);
  let filter = where;
  if (p.window) {
    params.push(await windowRanges(p.from, p.to, p.timeZone, p.window));
    filter = `${where} AND bucket <@ $${params.length}::tstzmultirange`;
  }
  const edgesParam = `$${params.length + 1}::float8[]`;
  const exact = (byQueue: SumsByQueue) =>
    [...byQueue.values()].every((list) =>
      list.every((sums) => sums.every((x, i) => i >= SUMMED.length || (x as number) < EXACT_FLOAT)),
    );

  if (buckets / slots <= SUM_HERE_UP_TO && buckets * Math.max(1, queueCount) <= SUM_HERE_CELLS) {
    const { rows } = await q.query<{ v: string | null }>(
      aggregated(
        `SELECT ${joined(`queue_id, date_part('epoch', bucket)`, COLUMNS)} FROM ${table} WHERE ${filter}`,
      ),
      params,
    );
    const byQueue: SumsByQueue = new Map();
    let slot = 0;
    await parseRows(rows[0]?.v ?? null, (key, seconds, row) => {
      // The interval holding the bucket: rows come in no order, so search the edges.
      const at = seconds * 1000;
      if (!(edges[slot] <= at && at < edges[slot + 1])) {
        let lo = 0;
        let hi = slots - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (edges[mid] <= at) lo = mid;
          else hi = mid - 1;
        }
        slot = lo;
      }
      const list = byQueue.get(key) ?? new Array<Sums>(slots);
      byQueue.set(key, list);
      const sums = list[slot];
      if (!sums) list[slot] = row;
      else {
        for (let i = 0; i < SUMMED.length; i++) (sums[i] as number) += row[i]!;
        for (let i = SUMMED.length; i < COLUMNS.length; i++) {
          const x = row[i];
          if (x !== null && (sums[i] === null || x > sums[i]!)) sums[i] = x;
        }
      }
    });
    if (exact(byQueue)) return byQueue;
  }

  const run = async (sum: (c: string) => string) => {
    const { rows } = await q.query<{ v: string | null }>(
      aggregated(
        `SELECT ${joined(`queue_id, width_bucket(date_part('epoch', bucket), ${edgesParam})`, [
          ...SUMMED.map(sum),
          ...MAXED.map((c) => `max(${c})`),
        ])}
           FROM ${table} WHERE ${filter}
          GROUP BY queue_id, width_bucket(date_part('epoch', bucket), ${edgesParam})`,
      ),
      [...params, edges.map((e) => e / 1000)],
    );
    const byQueue: SumsByQueue = new Map();
    await parseRows(rows[0]?.v ?? null, (key, at, sums) => {
      const list = byQueue.get(key) ?? new Array<Sums>(slots);
      byQueue.set(key, list);
      list[at - 1] = sums;
    });
    return byQueue;
  };
  const fast = await run((c) => `sum(${c}::float8)`);
  return exact(fast) ? fast : run((c) => `sum(${c})::bigint`);
}

export async function queueReport(
  q: Queryable,
  tenantId: string,
  p: ReportParams,
): Promise<{ timeZone: string; interval: Interval; rows: QueueRow[] }> {
  const edges = boundaries(p.from, p.to, p.interval, p.timeZone);
  const offsetAt = offsetsOver(edges[0], edges.at(-1)!, p.timeZone);
  // The queues: every named one, and every one with rollups in the range (from the sums themselves).
  const named = await q.query<{ queue_id: number; name: string | null }>(
    `SELECT queue_id, name FROM analytics_queues
      WHERE tenant_id = $1 AND (cardinality($2::integer[]) = 0 OR queue_id = ANY($2::integer[]))`,
    [tenantId, p.groups],
  );
  const slots = edges.length - 1;
  const tooMany = (queueCount: number) => {
    if (slots * Math.max(1, queueCount) > MAX_ROWS) {
      throw bad(
        'interval',
        `${slots} intervals × ${queueCount} queues is too many rows: choose a larger interval or a shorter range`,
      );
    }
  };
  tooMany(named.rows.length);
  const byQueue = await queueSums(q, tenantId, p, edges, named.rows.length);
  const names = new Map(named.rows.map((r) => [r.queue_id, r.name]));
  for (const id of byQueue.keys()) if (!names.has(id)) names.set(id, null);
  tooMany(names.size);
  const queues = [...names]
    .sort((a, b) => a[0] - b[0])
    .map(([id, name]) => ({ id, name, slots: byQueue.get(id) ?? [] }));
  const none: Sums = COLUMNS.map((_, i) => (i < SUMMED.length ? 0 : null));
  const metric = (v: Sums, [sum, count, max]: readonly [number, number, number]): Metric => ({
    sum: v[sum]!,
    count: v[count]!,
    max: v[max],
  });
  const rows: QueueRow[] = [];
  let start = formatLocal(edges[0], p.timeZone, offsetAt);
  for (let i = 0; i < slots; i++) {
    const end = formatLocal(edges[i + 1], p.timeZone, offsetAt);
    for (const queue of queues) {
      const v = queue.slots[i] ?? none;
      const counted = v[col.sl_counted]!;
      rows.push({
        start,
        end,
        queue: { id: queue.id, name: queue.name },
        offered: v[col.offered]!,
        answered: v[col.answered]!,
        abandoned: v[col.abandoned]!,
        shortAbandoned: v[col.short_abandoned]!,
        answeredWithinSl: v[col.answered_within_sl]!,
        slCounted: counted,
        serviceLevel: counted > 0 ? v[col.answered_within_sl]! / counted : null,
        waitMs: metric(v, METRIC.wait),
        talkMs: metric(v, METRIC.talk),
        holdMs: metric(v, METRIC.hold),
        acwMs: metric(v, METRIC.acw),
        handleMs: metric(v, METRIC.handle),
        transferred: v[col.transferred]!,
        operatorTimeouts: v[col.operator_timeouts]!,
      });
    }
    start = end;
  }
  return { timeZone: p.timeZone, interval: p.interval, rows };
}

export interface OperatorRow extends StateMetrics {
  start: string;
  end: string;
  operator: { id: string; userId: number | null; name: string | null };
  handled: number;
  talkMs: Metric;
  acwMs: Metric;
  handleMs: Metric;
  /** Offers that timed out (operatorTimeouts of this operator). */
  missedOffers: number;
}

export interface BotRow {
  start: string;
  end: string;
  bot: { botId: string };
  sessions: number;
  selfService: number;
  dropOff: number;
  agent: number;
}

/** Summed counters and maxima of one dimension, per key and interval slot (1-based, as width_bucket). */
async function dimensionSums(
  q: Queryable,
  tenantId: string,
  dimension: 'operator' | 'bot',
  p: ReportParams,
  edges: number[],
): Promise<Map<string, { v: number[]; m: (number | null)[] }>> {
  const args = [
    tenantId,
    dimension,
    new Date(p.from),
    new Date(p.to),
    edges.map((e) => e / 1000),
    p.channels,
  ];
  const where = `tenant_id = $1 AND dimension = $2 AND bucket >= $3 AND bucket < $4
        AND (cardinality($6::text[]) = 0 OR channel = ANY($6::text[]))`;
  const slot = 'width_bucket(extract(epoch FROM bucket)::float8, $5::float8[])';
  const [counters, maxima] = await Promise.all([
    q.query<{ key: string; slot: number; i: number; x: number }>(
      `SELECT key, ${slot} AS slot, u.i, sum(u.x)::bigint AS x
         FROM dimension_rollups, unnest(counters) WITH ORDINALITY AS u(x, i)
        WHERE ${where} GROUP BY key, slot, u.i`,
      args,
    ),
    q.query<{ key: string; slot: number; i: number; x: number | null }>(
      `SELECT key, ${slot} AS slot, u.i, max(u.x) AS x
         FROM dimension_rollups, unnest(maxima) WITH ORDINALITY AS u(x, i)
        WHERE ${where} GROUP BY key, slot, u.i`,
      args,
    ),
  ]);
  const out = new Map<string, { v: number[]; m: (number | null)[] }>();
  const entry = (key: string, s: number) => {
    const k = `${key}\u0000${s}`;
    let e = out.get(k);
    if (!e) out.set(k, (e = { v: [], m: [] }));
    return e;
  };
  for (const r of counters.rows) entry(r.key, Number(r.slot)).v[Number(r.i) - 1] = Number(r.x);
  for (const r of maxima.rows)
    entry(r.key, Number(r.slot)).m[Number(r.i) - 1] = r.x === null ? null : Number(r.x);
  return out;
}

function checkDimensionParams(p: ReportParams, edges: number[], keys: number): void {
  if (p.groups.length > 0) throw bad('groups', 'filters the queue report only');
  if (p.window) throw bad('hours', 'business hours (hours, weekdays) filter the queue report only');
  if ((edges.length - 1) * Math.max(1, keys) > MAX_ROWS) {
    throw bad('interval', 'too many rows: choose a larger interval or a shorter range');
  }
}

/** `now` ends each operator's current (open) state segment. */
export async function operatorReport(q: Queryable, tenantId: string, p: ReportParams, now = Date.now()) {
  const edges = boundaries(p.from, p.to, p.interval, p.timeZone);
  const offsetAt = offsetsOver(edges[0], edges.at(-1)!, p.timeZone);
  const keys = await q.query<{ key: string; user_id: number | null; name: string | null }>(
    `SELECT k.key, o.user_id, o.name FROM (
       SELECT operator_id AS key FROM analytics_operators WHERE tenant_id = $1
       UNION SELECT key FROM dimension_rollups WHERE tenant_id = $1 AND dimension = 'operator' AND bucket >= $2 AND bucket < $3
     ) AS k LEFT JOIN analytics_operators o ON o.tenant_id = $1 AND o.operator_id = k.key ORDER BY k.key`,
    [tenantId, new Date(p.from), new Date(p.to)],
  );
  checkDimensionParams(p, edges, keys.rows.length);
  const sums = await dimensionSums(q, tenantId, 'operator', p, edges);
  const states = await stateSums(q, tenantId, edges, now);
  const rows: OperatorRow[] = [];
  for (let i = 0; i < edges.length - 1; i++) {
    const start = formatLocal(edges[i], p.timeZone, offsetAt);
    const end = formatLocal(edges[i + 1], p.timeZone, offsetAt);
    for (const k of keys.rows) {
      const s = sums.get(`${k.key}\u0000${i + 1}`);
      const v = (j: number) => s?.v[j] ?? 0;
      const m = (j: number) => s?.m[j] ?? null;
      rows.push({
        start,
        end,
        operator: { id: k.key, userId: k.user_id, name: k.name },
        handled: v(0),
        talkMs: { sum: v(1), count: v(2), max: m(0) },
        acwMs: { sum: v(3), count: v(4), max: m(1) },
        handleMs: { sum: v(5), count: v(6), max: m(2) },
        missedOffers: v(7),
        ...stateMetrics(states.get(`${k.key}\u0000${i + 1}`)),
      });
    }
  }
  return { timeZone: p.timeZone, interval: p.interval, rows };
}

export async function botReport(q: Queryable, tenantId: string, p: ReportParams) {
  const edges = boundaries(p.from, p.to, p.interval, p.timeZone);
  const offsetAt = offsetsOver(edges[0], edges.at(-1)!, p.timeZone);
  const keys = await q.query<{ key: string }>(
    `SELECT DISTINCT key FROM dimension_rollups
      WHERE tenant_id = $1 AND dimension = 'bot' AND bucket >= $2 AND bucket < $3 ORDER BY key`,
    [tenantId, new Date(p.from), new Date(p.to)],
  );
  checkDimensionParams(p, edges, keys.rows.length);
  const sums = await dimensionSums(q, tenantId, 'bot', p, edges);
  const rows: BotRow[] = [];
  for (let i = 0; i < edges.length - 1; i++) {
    const start = formatLocal(edges[i], p.timeZone, offsetAt);
    const end = formatLocal(edges[i + 1], p.timeZone, offsetAt);
    for (const k of keys.rows) {
      const s = sums.get(`${k.key}\u0000${i + 1}`);
      const v = (j: number) => s?.v[j] ?? 0;
      rows.push({
        start,
        end,
        bot: { botId: k.key },
        sessions: v(0),
        selfService: v(1),
        dropOff: v(2),
        agent: v(3),
      });
    }
  }
  return { timeZone: p.timeZone, interval: p.interval, rows };
}
