/** mluvii wire formats: timestamps with an explicit offset, ISO 8601 durations, and their parsers. */

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: from there `toISOString` writes six-digit years. */
const FOUR_DIGIT_YEARS_END = 253_402_300_800_000;
let memoDay = -1;
let memoDate = '';
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * `2024-05-02T14:05:24.454+00:00`: ISO 8601 with an explicit offset (Switchboard keeps UTC). The date part of
 * the last day asked for is kept: a page of sessions asks for tens of thousands of instants, most of them on
 * the same few days, and `toISOString` was a tenth of a 1,000-session page's CPU. Anything but a whole
 * millisecond in years 1970–9999 takes `toISOString`'s own path (it throws for an invalid time, as before).
 */
export function isoOffset(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms < FOUR_DIGIT_YEARS_END))
    return new Date(ms).toISOString().replace('Z', '+00:00');
  const day = Math.floor(ms / DAY_MS);
  if (day !== memoDay) {
    memoDate = new Date(day * DAY_MS).toISOString().slice(0, 11);
    memoDay = day;
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const pad3 = millis < 10 ? '00' : millis < 100 ? '0' : '';
  return `${memoDate}${two(hours)}:${two(minutes)}:${two(seconds)}.${pad3}${millis}+00:00`;
}

export const isoOffsetOrNull = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : isoOffset(ms);

/** ISO 8601 duration of milliseconds, as .NET writes a TimeSpan: `PT1M12.5S`, `P1DT2H`, `PT0S`. */
export function isoDuration(ms: number | null): string | null {
  if (ms === null) return null;
  const negative = ms < 0;
  let rest = Math.abs(Math.round(ms));
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  let time = '';
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds || (!days && !hours && !minutes)) time += `${seconds}S`;
  return `${negative ? '-' : ''}P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

const ISO_DURATION =
  /^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const TIMESPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/;

/**
 * Parses a duration as ASP.NET binds a TimeSpan (`[-][d.]hh:mm[:ss[.fffffff]]`) or as ISO 8601
 * (`PT1M30S`); answers milliseconds, or null when it is neither.
 */
export function parseDuration(text: string): number | null {
  const iso = ISO_DURATION.exec(text);
  if (iso && text !== 'P' && !/T$/i.test(text)) {
    const [, sign, d, h, m, s] = iso;
    const ms =
      Number(d ?? 0) * 86_400_000 +
      Number(h ?? 0) * 3_600_000 +
      Number(m ?? 0) * 60_000 +
      Number(s ?? 0) * 1000;
    return Math.round(sign ? -ms : ms);
  }
  const span = TIMESPAN.exec(text);
  if (span) {
    const [, sign, d, h, m, s, f] = span;
    if (Number(h) > 23 || Number(m) > 59 || Number(s ?? 0) > 59) return null;
    const ms =
      Number(d ?? 0) * 86_400_000 +
      Number(h) * 3_600_000 +
      Number(m) * 60_000 +
      Number(s ?? 0) * 1000 +
      Math.round(Number(`0.${f ?? '0'}`) * 1000);
    return sign ? -ms : ms;
  }
  return null;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * Parses a date as mluvii's clients send it: `yyyy-MM-dd` (midnight UTC at the start of that day, as
 * ASP.NET binds it) or `yyyy-MM-ddTHH:mm:ss[.fff][Z|±hh:mm]` (no offset means UTC). Null when invalid.
 */
export function parseDate(text: string): number | null {
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const ms = Date.UTC(Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3]));
    return new Date(ms).toISOString().startsWith(text) ? ms : null;
  }
  if (!DATE_TIME.test(text)) return null;
  const withZone = /(Z|[+-]\d{2}:\d{2})$/i.test(text) ? text : `${text}Z`;
  const ms = Date.parse(withZone.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) return null;
  // Reject impossible calendar dates that Date.parse would roll over (2026-02-30).
  const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, mo - 1, d));
  return check.getUTCMonth() === mo - 1 && check.getUTCDate() === d ? ms : null;
}
