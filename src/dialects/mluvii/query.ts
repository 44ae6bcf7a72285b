/**
 * mluvii's list queries — `SessionGetParams`, and a user's operator states — turned into parameterised SQL
 * WHERE clauses and a page. Names match case-insensitively (as ASP.NET binds them); sets come as repeated
 * keys (also `Name[0]`, `Name[]`); an empty value is no filter (ASP.NET binds it to null). Unlike ASP.NET, a
 * name that is not a parameter is a 400: a misspelt filter that silently returned every session would turn
 * a filtered export into a full one (docs/decisions.md). Every problem is reported at once, by parameter
 * name. What each filter means: docs/mluvii.md.
 */
import { AppError } from '../../http/errors.js';
import { filterNames, SESSION_FILTERS, type FilterContext, type SessionFilter } from './filters.js';

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

/** A list query as SQL: the WHERE clauses and their parameters, and the page asked for. */
export interface ListQuery {
  where: string[];
  params: unknown[];
  limit: number;
  /** Rows to skip: the `offset` asked for, or (page − 1) × limit. */
  offset: number;
  /** The 1-based page asked for (lists paged by `page`; 1 for lists paged by `offset`). */
  page: number;
}
export type SessionQuery = ListQuery;

/** What one mluvii list accepts besides its filters. */
export interface ListSpec {
  filters: readonly SessionFilter[];
  /** What a name that is not a parameter is not: `a SessionGetParams filter`. */
  noun: string;
  /** The paging parameter beside `limit`: `offset` (rows to skip) or `page` (1-based). */
  paging: 'offset' | 'page';
}

/** `GET /api/v1/Sessions`: every SessionGetParams filter, `limit` and `offset` (/docs lists them from here). */
export const SESSION_LIST: ListSpec = {
  filters: SESSION_FILTERS,
  noun: 'a SessionGetParams filter',
  paging: 'offset',
};

/** Every parameter name a list accepts, as documented: its filters', `limit` and its paging parameter. */
export function listParameterNames(spec: ListSpec): string[] {
  return [...spec.filters.flatMap(filterNames), 'limit', spec.paging];
}
export const MAX_PAGE = 1_000_000;

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

function unknownName(key: string, known: ReadonlyMap<string, string>, noun: string): string {
  let best: string | null = null;
  let bestDistance = 3;
  for (const [lower, name] of known) {
    const d = distance(key, lower);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return `is not ${noun}${best ? ` (did you mean ${best}?)` : ''}; see docs/mluvii.md`;
}

/**
 * Parses the Sessions list query. `now` is the clock the running durations of open sessions are measured
 * with (the same as the SessionModel's `waited` and `length`).
 */
export function parseSessionQuery(
  raw: RawQuery,
  tenant: { id: string; departmentId: number },
  now: number,
): SessionQuery {
  return parseListQuery(raw, SESSION_LIST, tenant, now, { where: ['tenant_id = $1'], params: [tenant.id] });
}

/**
 * Parses a mluvii list query against `spec`: its filters, `limit` (1–10000, default 100) and `offset` or
 * `page`. `base` holds the list's own clauses (the tenant's, at least), which the filters' parameters follow.
 * Every problem is reported at once, by parameter name, as one 400.
 */
export function parseListQuery(
  raw: RawQuery,
  spec: ListSpec,
  tenant: { id: string; departmentId: number },
  now: number,
  base: { where: string[]; params: unknown[] },
): ListQuery {
  const known = new Map<string, string>(listParameterNames(spec).map((n) => [n.toLowerCase(), n]));
  const byName = new Map(
    spec.filters.flatMap((f) => filterNames(f).map((n) => [n.toLowerCase(), f] as const)),
  );
  // `SessionId[0]=1&SessionId[1]=2` and `SessionId[]=1` are sets too, as ASP.NET binds lists.
  const q = new Map<string, string[]>();
  for (const [key, values] of normalizeQuery(raw)) {
    const name = key.replace(/\[\d*\]$/, '');
    q.set(name, [...(q.get(name) ?? []), ...values]);
  }
  const errors: { field: string; message: string }[] = [];
  const where = [...base.where];
  const params = [...base.params];
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
    const canonical = known.get(key);
    if (canonical === undefined) ctx.fail(key, unknownName(key, known, spec.noun));
    else byName.get(key)?.apply(ctx, canonical);
  }

  let limit = DEFAULT_LIMIT;
  const limitText = ctx.single('limit');
  if (limitText !== null) {
    limit = /^\d{1,6}$/.test(limitText) ? Number(limitText) : -1;
    if (limit < 1 || limit > MAX_LIMIT) ctx.fail('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  }
  let offset = 0;
  let page = 1;
  if (spec.paging === 'offset') {
    const offsetText = ctx.single('offset');
    if (offsetText !== null) {
      offset = /^\d{1,15}$/.test(offsetText) ? Number(offsetText) : -1;
      if (offset < 0) ctx.fail('offset', 'must be a non-negative integer');
    }
  } else {
    const pageText = ctx.single('page');
    if (pageText !== null) {
      page = /^\d{1,7}$/.test(pageText) ? Number(pageText) : 0;
      if (page < 1 || page > MAX_PAGE)
        ctx.fail('page', `must be an integer from 1 (the first page) to ${MAX_PAGE}`);
    }
    offset = (Math.max(page, 1) - 1) * Math.max(limit, 1);
  }

  if (errors.length > 0) {
    // A value read by two filters (`X.Text` with `X.Exact`) may be reported twice.
    const unique = [...new Map(errors.map((e) => [`${e.field}\u0000${e.message}`, e])).values()];
    throw new AppError('validation_failed', unique.map((e) => `${e.field}: ${e.message}`).join('; '), unique);
  }
  return { where, params, limit, offset, page };
}
