/**
 * Report intervals in an IANA time zone, DST-true: a day is local midnight to local midnight (23 or 25 hours
 * on the change days), a sub-day interval steps through real time (so a 23-hour day has 23 hourly
 * intervals, labelled by local wall time). Every boundary of every real zone today falls on a 15-minute UTC
 * boundary, which is what makes the 15-minute UTC rollups compose exactly. Pure; Intl only.
 */

export const INTERVALS = ['PT15M', 'PT30M', 'PT1H', 'P1D', 'P1W', 'P1M', 'ALL'] as const;
export type Interval = (typeof INTERVALS)[number];

const STEP_MS: Partial<Record<Interval, number>> = { PT15M: 900_000, PT30M: 1_800_000, PT1H: 3_600_000 };

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `name` is an IANA zone name (offsets such as `+02:00` or `GMT+2` are not). */
export function isIanaZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name) || /^(GMT|UTC|Etc\/GMT)[+-]/i.test(name)) {
    return false;
  }
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

interface Local {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** Offset from UTC in minutes. */
  offset: number;
}

/** The wall-clock time and UTC offset in `timeZone` at instant `ms`. */
export function local(ms: number, timeZone: string): Local {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  // Seconds too: a zone's local mean time before it took a standard offset has them (Monrovia −00:44:30).
  const m = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(parts.timeZoneName ?? 'GMT');
  const offset =
    m && m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]) + Number(m[4] ?? 0) / 60) : 0;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    offset,
  };
}

/** The instant of local wall time y-m-d h:mi in `timeZone` (the earlier one when a fall-back repeats it). */
export function instantOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  timeZone: string,
) {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset; the candidates around a change are tried, the earliest that matches wins.
  const candidates = new Set<number>();
  for (const probe of [asUtc - 14 * 3_600_000, asUtc, asUtc + 14 * 3_600_000]) {
    const first = asUtc - local(probe, timeZone).offset * 60_000;
    candidates.add(first);
    candidates.add(asUtc - local(first, timeZone).offset * 60_000);
  }
  const matching = [...candidates]
    .filter((c) => {
      const l = local(c, timeZone);
      return l.year === year && l.month === month && l.day === day && l.hour === hour && l.minute === minute;
    })
    .sort((a, b) => a - b);
  // A wall time inside a spring-forward gap does not exist: the instant the gap ends.
  return matching[0] ?? Math.min(...candidates);
}

const QUARTER_MS = 900_000;

/**
 * "Today so far" for the live routes: from local midnight in `timeZone` to the end of the quarter hour that
 * holds `now` (the rollups' finest step), so a report over it counts everything up to now.
 */
export function todaySoFar(now: number, timeZone: string): { from: number; to: number } {
  const l = local(now, timeZone);
  return {
    from: instantOf(l.year, l.month, l.day, 0, 0, timeZone),
    to: Math.floor(now / QUARTER_MS) * QUARTER_MS + QUARTER_MS,
  };
}

/**
 * The zone's UTC offset (minutes) at any instant of [from, to], from a handful of Intl calls: the offset is
 * sampled every 6 hours and each change is narrowed down to its 15-minute step (zones change offset on the
 * quarter hour), so a 30-day report of 2,880 intervals needs about 130 lookups instead of 5,760.
 */
export function offsetsOver(from: number, to: number, timeZone: string): (ms: number) => number {
  const STEP = 6 * 3_600_000;
  const at = (ms: number) => local(ms, timeZone).offset;
  const changes: { since: number; offset: number }[] = [{ since: -Infinity, offset: at(from) }];
  let previous = from;
  for (let t = Math.min(from + STEP, to); ; t = Math.min(t + STEP, to)) {
    const offset = at(t);
    if (offset !== changes.at(-1)!.offset) {
      // The first quarter hour in (previous, t] with the new offset.
      let lo = Math.floor(previous / 900_000);
      let hi = Math.ceil(t / 900_000);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (at(mid * 900_000) === offset) hi = mid;
        else lo = mid;
      }
      changes.push({ since: hi * 900_000, offset });
    }
    previous = t;
    if (t >= to) break;
  }
  return (ms) => {
    let offset = changes[0].offset;
    for (const c of changes) if (ms >= c.since) offset = c.offset;
    return offset;
  };
}

/** RFC 3339 with the zone's offset at that instant: `2026-03-29T03:00:00+02:00`. */
export function formatLocal(ms: number, timeZone: string, offsetAt?: (ms: number) => number): string {
  const offset = offsetAt ? offsetAt(ms) : local(ms, timeZone).offset;
  const wall = new Date(ms + offset * 60_000);
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const sign = offset < 0 ? '-' : '+';
  return `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:00${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

/**
 * Thrown by `boundaries` when the zone's offset at `at` is not a whole number of quarter hours (a local mean
 * time before the zone took a standard offset, such as Monrovia's −00:44:30 until 1972): its local intervals
 * cannot be cut from 15-minute buckets.
 */
export class OffGridZone extends Error {
  constructor(
    readonly at: number,
    readonly offsetMinutes: number,
  ) {
    super(`the zone's offset at ${new Date(at).toISOString()} is not a whole number of quarter hours`);
  }
}

/**
 * Interval boundaries covering [from, to): start, the next starts…, and `to` (the last end). Every boundary
 * is on the 15-minute grid, or `OffGridZone` is thrown.
 */
export function boundaries(from: number, to: number, interval: Interval, timeZone: string): number[] {
  if (interval === 'ALL') return [from, to];
  const out: number[] = [];
  const step = STEP_MS[interval];
  const offsetAt = (t: number) => {
    const offset = local(t, timeZone).offset;
    if (offset % 15 !== 0) throw new OffGridZone(t, offset);
    return offset;
  };
  if (step) {
    // Align `from` down to the interval's local boundary (on the 15-minute grid), then step through real time;
    // with the offset on the grid too, a boundary is at most `step` away. (Odd offsets come only before a
    // zone's first standard one, so the range's start tells.)
    const isBoundary = (t: number) => (((t + offsetAt(t) * 60_000) % step) + step) % step === 0;
    let t = Math.floor(from / 900_000) * 900_000;
    while (!isBoundary(t)) t -= 900_000;
    for (; t < to; t += step) out.push(t);
  } else {
    const l = local(from, timeZone);
    let y = l.year;
    let m = l.month;
    let d = l.day;
    if (interval === 'P1M') d = 1;
    if (interval === 'P1W') {
      const weekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday = 0
      const monday = new Date(Date.UTC(y, m - 1, d - weekday));
      [y, m, d] = [monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate()];
    }
    for (;;) {
      const t = instantOf(y, m, d, 0, 0, timeZone);
      if (t >= to) break;
      if (t % 900_000 !== 0) throw new OffGridZone(t, local(t, timeZone).offset);
      out.push(t);
      const next = new Date(
        Date.UTC(
          y,
          m - 1 + (interval === 'P1M' ? 1 : 0),
          d + (interval === 'P1D' ? 1 : interval === 'P1W' ? 7 : 0),
        ),
      );
      [y, m, d] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
    }
  }
  out.push(to);
  return out;
}
