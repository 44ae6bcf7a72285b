/**
 * mluvii's `SessionGetParams` turned into one parameterised SQL query. Names match case-insensitively (as
 * ASP.NET binds them); sets come as repeated keys (also `Name[0]`, `Name[]`); an empty value is no filter
 * (ASP.NET binds it to null). Unlike ASP.NET, a name that is not a filter is a 400: a misspelt filter that
 * silently returned every session would turn a filtered export into a full one (docs/decisions.md). Every
 * problem is reported at once, by parameter name. What each filter means: docs/mluvii.md.
 */
import { AppError } from '../../http/errors.js';
import { SESSION_FILTERS, type FilterContext } from './filters.js';

export const MAX_LIMIT = 10_000;
export const DEFAULT_LIMIT = 100;

export type RawQuery = Record<string, string | string[] | undefined>;

/** The query with lower-cased keys and every value as a list. */
export function normalizeQuery(query: RawQuery): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    const list = out.get(lower) ?? [];
    list.push(...(Array.isArray(value) ? value : [value]));
    out.set(lower, list);
  }
  return out;
}

export function invalid(name: string, message: string): AppError {
  return new AppError('validation_failed', `${name}: ${message}`, [{ field: name, message }]);
}

export interface SessionQuery {
  where: string[];
  params: unknown[];
  limit: number;
  offset: number;
}

/** Every parameter name the list accepts, by its lower-cased form. */
const KNOWN = new Map<string, string>(
  [...SESSION_FILTERS.flatMap((f) => f.names), 'limit', 'offset'].map((n) => [n.toLowerCase(), n]),
);
const BY_NAME = new Map(SESSION_FILTERS.flatMap((f) => f.names.map((n) => [n.toLowerCase(), f] as const)));

/** Levenshtein distance, for "did you mean" on a misspelt filter. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

function unknownName(key: string): string {
  let best: string | null = null;
  let bestDistance = 3;
  for (const [lower, name] of KNOWN) {
    const d = distance(key, lower);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return `is not a SessionGetParams filter${best ? ` (did you mean ${best}?)` : ''}; see docs/mluvii.md`;
}

/**
 * Parses the list query. `now` is the clock the running durations of open sessions are measured with (the
 * same as the SessionModel's `waited` and `length`).
 */
export function parseSessionQuery(
  raw: RawQuery,
  tenant: { id: string; departmentId: number },
  now: number,
): SessionQuery {
  // `SessionId[0]=1&SessionId[1]=2` and `SessionId[]=1` are sets too, as ASP.NET binds lists.
  const q = new Map<string, string[]>();
  for (const [key, values] of normalizeQuery(raw)) {
    const name = key.replace(/\[\d*\]$/, '');
    q.set(name, [...(q.get(name) ?? []), ...values]);
  }
  const errors: { field: string; message: string }[] = [];
  const where = ['tenant_id = $1'];
  const params: unknown[] = [tenant.id];
  const ctx: FilterContext = {
    tenant,
    now,
    param(value) {
      params.push(value);
      return `$${params.length}`;
    },
    where: (clause) => where.push(clause),
    fail: (field, message) => errors.push({ field, message }),
    values(name) {
      return (q.get(name.toLowerCase()) ?? []).filter((v) => v.trim() !== '');
    },
    single(name) {
      const distinct = [...new Set(ctx.values(name))];
      if (distinct.length > 1) ctx.fail(name, `was given more than once with different values`);
      return distinct.length === 1 ? distinct[0] : null;
    },
  };

  for (const key of q.keys()) {
    const canonical = KNOWN.get(key);
    if (canonical === undefined) ctx.fail(key, unknownName(key));
    else BY_NAME.get(key)?.apply(ctx, canonical);
  }

  let limit = DEFAULT_LIMIT;
  const limitText = ctx.single('limit');
  if (limitText !== null) {
    limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : -1;
    if (limit < 1 || limit > MAX_LIMIT) ctx.fail('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  let offset = 0;
  const offsetText = ctx.single('offset');
  if (offsetText !== null) {
    offset = /^\d{1,15}$/.test(offsetText) ? Number(offsetText) : -1;
    if (offset < 0) ctx.fail('offset', 'must be a non-negative integer');
  }

  if (errors.length > 0) {
    // A value read by two filters (`X.Text` with `X.Exact`) may be reported twice.
    const unique = [...new Map(errors.map((e) => [`${e.field}\u0000${e.message}`, e])).values()];
    throw new AppError('validation_failed', unique.map((e) => `${e.field}: ${e.message}`).join('; '), unique);
  }
  return { where, params, limit, offset };
}
