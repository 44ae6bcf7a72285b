/**
 * Kore request parameters, checked and defaulted as the seed says. Pure: `now` is passed in. Every bad value
 * is a 400 whose message names the field.
 */
import { CONTAINMENT_TYPES } from '../../domain/events.js';
import { KoreError } from './errors.js';

const DAY = 86_400_000;
export const WINDOW_MS = 7 * DAY;
export const MAX_SESSION_IDS = 50;
export const MAX_SESSIONS_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;
export const MAX_MESSAGES_LIMIT = { v1: 100, v2: 10_000 } as const;

export type Params = Record<string, unknown>;

const bad = (field: string, message: string) => new KoreError(400, `${field}: ${message}`);

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/;

/** `yyyy-mm-dd` (midnight GMT) or `yyyy-mm-ddThh:mm:ss.msZ`. */
export function parseKoreDate(field: string, value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !(DATE_ONLY.test(value) || DATE_TIME.test(value))) {
    throw bad(field, `${JSON.stringify(value)} is not a date (yyyy-mm-dd or yyyy-mm-ddThh:mm:ss.msZ)`);
  }
  const ms = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (Number.isNaN(ms) || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw bad(field, `'${value}' is not a calendar date`);
  }
  return ms;
}

/**
 * The window: a missing dateFrom is dateTo − 7 days, a missing dateTo is dateFrom + 7 days, or now when both
 * are missing. Given both, the span must be less than 7 days. Both ends are inclusive.
 */
export function dateWindow(params: Params, now: number): { from: number; to: number } {
  const from = parseKoreDate('dateFrom', params.dateFrom);
  const to = parseKoreDate('dateTo', params.dateTo);
  if (from !== undefined && to !== undefined) {
    if (from > to) throw bad('dateFrom', 'must not be after dateTo');
    if (to - from >= WINDOW_MS)
      throw bad('dateTo', 'the span between dateFrom and dateTo must be less than 7 days');
    return { from, to };
  }
  if (from !== undefined) return { from, to: from + WINDOW_MS };
  const end = to ?? now;
  return { from: end - WINDOW_MS, to: end };
}

function integer(field: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw bad(field, `must be an integer from ${min} to ${max}`);
  }
  return n;
}

export function paging(params: Params, maxLimit: number): { skip: number; limit: number } {
  const skipValue = params.skip ?? params.offset;
  const skip = integer(
    params.skip !== undefined ? 'skip' : 'offset',
    skipValue,
    0,
    Number.MAX_SAFE_INTEGER,
    0,
  );
  const limit = integer('limit', params.limit, 1, maxLimit, Math.min(DEFAULT_LIMIT, maxLimit));
  return { skip, limit };
}

/** sessionId: an array of at most 50 strings (duplicates count toward the 50); undefined when absent. */
export function sessionIds(params: Params): string[] | undefined {
  const value = params.sessionId;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw bad('sessionId', 'must be an array of session ids');
  if (value.length > MAX_SESSION_IDS)
    throw bad('sessionId', `at most ${MAX_SESSION_IDS} session ids (got ${value.length})`);
  if (value.some((v) => typeof v !== 'string' || v.length === 0 || v.length > 128)) {
    throw bad('sessionId', 'every session id must be a non-empty string');
  }
  return [...new Set(value as string[])];
}

export type TagFilter = { scope: 'user' | 'session'; name: string; values: string[] | null };

/**
 * `tags`: `{ "userTags": [{ "name", "value" | "values" }], "sessionTags": [...] }`; every entry must match
 * (AND); an entry without values matches any value of that tag.
 */
export function tagFilters(params: Params): TagFilter[] {
  const tags = params.tags;
  if (tags === undefined || tags === null) return [];
  if (typeof tags !== 'object' || Array.isArray(tags))
    throw bad('tags', 'must be an object with userTags and/or sessionTags');
  const out: TagFilter[] = [];
  for (const [key, scope] of [
    ['userTags', 'user'],
    ['sessionTags', 'session'],
  ] as const) {
    const list = (tags as Record<string, unknown>)[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw bad(`tags.${key}`, 'must be an array of { name, value }');
    for (const entry of list) {
      const e = entry as { name?: unknown; value?: unknown; values?: unknown };
      if (!e || typeof e.name !== 'string') throw bad(`tags.${key}`, 'every entry needs a name');
      const values =
        e.values !== undefined
          ? Array.isArray(e.values) && e.values.every((v) => typeof v === 'string')
            ? e.values
            : (() => {
                throw bad(`tags.${key}.values`, 'must be an array of strings');
              })()
          : typeof e.value === 'string'
            ? [e.value]
            : null;
      out.push({ scope, name: e.name, values });
    }
  }
  return out;
}

export function sessionType(params: Params): 'interactive' | 'non-interactive' | undefined {
  const value = params.sessionType;
  if (value === undefined || value === null || value === '') return undefined;
  if (value !== 'interactive' && value !== 'non-interactive') {
    throw bad('sessionType', "must be 'interactive' or 'non-interactive'");
  }
  return value;
}

export function containmentType(value: unknown): (typeof CONTAINMENT_TYPES)[number] | undefined {
  if (value === undefined || value === '') return undefined;
  const match = CONTAINMENT_TYPES.find((c) => c === value);
  if (!match) throw bad('containmentType', `must be one of ${CONTAINMENT_TYPES.join(', ')}`);
  return match;
}

export function userIdOf(params: Params): string | undefined {
  const value = params.userId;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw bad('userId', 'must be a string');
  return value;
}
