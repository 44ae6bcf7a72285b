/**
 * mluvii's `SessionGetParams` turned into one SQL query. Names are matched case-insensitively; sets come as
 * repeated keys; unknown names are ignored, as ASP.NET's binder ignores them; a bad value is a 400 naming
 * the parameter.
 */
import { GUEST_LEFT_STATES, SESSION_SOURCES, TERMINATION_REASONS } from '../../domain/events.js';
import { SESSION_STATUSES } from '../../domain/session.js';
import { AppError } from '../../http/errors.js';
import { parseDate, parseDuration } from './format.js';

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

/** Maps a value to one of the names, case-insensitively (ASP.NET binds enums that way). */
function enumValue(name: string, names: readonly string[], value: string): string {
  const match = names.find((n) => n.toLowerCase() === value.toLowerCase());
  if (!match) throw invalid(name, `'${value}' is not one of ${names.join(', ')}`);
  return match;
}

function integer(name: string, value: string, min = -2_147_483_648): number {
  if (!/^-?\d{1,18}$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw invalid(name, `'${value}' is not a${min >= 0 ? ' non-negative' : 'n'} integer`);
  }
  return Number(value);
}

/** Range filters: `<Name>.Min` / `<Name>.Max` on a column, dates or durations. */
const RANGES = [
  ['Created', 'created', 'date'],
  ['GuestJoined', 'guest_joined', 'date'],
  ['Accepted', 'started', 'date'],
  ['Ended', 'ended', 'date'],
  ['WaitingTime', 'd_waited', 'duration'],
  ['Duration', 'd_active', 'duration'],
] as const;

const RANGE_KINDS = {
  date: {
    parse: (text: string) => {
      const ms = parseDate(text);
      return ms === null ? null : new Date(ms).toISOString();
    },
    expected: 'a date (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ssZ)',
    cast: 'timestamptz',
  },
  duration: {
    parse: (text: string) => {
      const ms = parseDuration(text);
      return ms === null || ms < 0 ? null : ms;
    },
    expected: 'a duration (hh:mm:ss or ISO 8601 such as PT1M30S)',
    cast: 'bigint',
  },
} as const;

export interface SessionQuery {
  where: string[];
  params: unknown[];
  limit: number;
  offset: number;
}

const CHANNELS = ['Chat', 'AV', 'Phone'] as const;

/** Escapes LIKE wildcards so user text matches literally. */
const likeText = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function parseSessionQuery(raw: RawQuery, tenant: { id: string; departmentId: number }): SessionQuery {
  const q = normalizeQuery(raw);
  const where = ['tenant_id = $1'];
  const params: unknown[] = [tenant.id];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  const set = (name: string) => {
    const values = q
      .get(name.toLowerCase())
      ?.flatMap((v) => v.split(','))
      .filter((v) => v !== '');
    return values && values.length > 0 ? values : null;
  };
  const single = (name: string) => {
    const values = q.get(name.toLowerCase());
    if (!values || values.length === 0 || values[values.length - 1] === '') return null;
    return values[values.length - 1];
  };

  let v: string[] | null;
  if ((v = set('SessionId')))
    add(
      (p) => `id = ANY(${p}::bigint[])`,
      v.map((x) => integer('SessionId', x, 0)),
    );
  if ((v = set('DepartmentId'))) {
    const departments = v.map((x) => integer('DepartmentId', x));
    if (!departments.includes(tenant.departmentId)) where.push('false');
  }
  if ((v = set('Status')))
    add(
      (p) => `status = ANY(${p}::text[])`,
      v.map((x) => enumValue('Status', SESSION_STATUSES, x)),
    );
  if ((v = set('Channel'))) {
    add(
      (p) => `channel = ANY(${p}::text[])`,
      v.map((x) => enumValue('Channel', CHANNELS, x).toLowerCase()),
    );
  }
  if ((v = set('Source')))
    add(
      (p) => `source = ANY(${p}::text[])`,
      v.map((x) => enumValue('Source', SESSION_SOURCES, x)),
    );
  if ((v = set('OperatorUserId'))) {
    add(
      (p) => `operator_user_ids && ${p}::integer[]`,
      v.map((x) => integer('OperatorUserId', x)),
    );
  }
  if ((v = set('ChatbotId'))) {
    add(
      (p) =>
        `EXISTS (SELECT 1 FROM jsonb_array_elements(doc -> 'chatbots') AS c WHERE (c ->> 'chatbotId')::bigint = ANY(${p}::bigint[]))`,
      v.map((x) => integer('ChatbotId', x)),
    );
  }
  if ((v = set('Widget'))) add((p) => `doc ->> 'widget' = ANY(${p}::text[])`, v);
  if ((v = set('Tags'))) {
    // A tag is named by its catalogue id (GET /api/v1/Tags) or by its name.
    const ids = v.filter((x) => /^\d{1,9}$/.test(x)).map(Number);
    add(
      (p) =>
        `EXISTS (SELECT 1 FROM jsonb_array_elements(doc -> 'tags') AS t WHERE t ->> 'name' = ANY(${p}::text[])
           OR t ->> 'name' IN (SELECT name FROM tags WHERE tags.tenant_id = $1 AND tags.id = ANY(${p}_ids)))`,
      v,
    );
    params.push(ids);
    where[where.length - 1] = where[where.length - 1].replace(
      `$${params.length - 1}_ids`,
      `$${params.length}::integer[]`,
    );
  }
  if ((v = set('GuestLeftSession'))) {
    add(
      (p) => `doc -> 'guestLeft' ->> 'state' = ANY(${p}::text[])`,
      v.map((x) => enumValue('GuestLeftSession', GUEST_LEFT_STATES, x)),
    );
  }
  if ((v = set('TerminationReason'))) {
    add(
      (p) => `doc -> 'termination' ->> 'reason' = ANY(${p}::text[])`,
      v.map((x) => enumValue('TerminationReason', TERMINATION_REASONS, x)),
    );
  }
  if ((v = set('Browser'))) add((p) => `doc -> 'guest' ->> 'browser' = ANY(${p}::text[])`, v);
  if ((v = set('OS'))) add((p) => `doc -> 'guest' ->> 'os' = ANY(${p}::text[])`, v);

  for (const [name, column, kind] of RANGES) {
    for (const [bound, op] of [
      ['Min', '>='],
      ['Max', '<='],
    ] as const) {
      const value = single(`${name}.${bound}`);
      if (value === null) continue;
      const { parse, expected, cast } = RANGE_KINDS[kind];
      const parsed = parse(value);
      if (parsed === null) throw invalid(`${name}.${bound}`, `'${value}' is not ${expected}`);
      add((p) => `${column} ${op} ${p}::${cast}`, parsed);
    }
  }
  let text: string | null;
  if ((text = single('PhoneCallbackNumber.Text')))
    add((p) => `doc ->> 'phoneCallbackNumber' ILIKE ${p}`, likeText(text));
  if ((text = single('Language.Text')))
    add((p) => `doc -> 'guest' ->> 'language' ILIKE ${p}`, likeText(text));
  if ((text = single('ActivityTextsContain'))) {
    add(
      (p) =>
        `EXISTS (SELECT 1 FROM jsonb_array_elements(doc -> 'activities') AS a WHERE a ->> 'text' ILIKE ${p})`,
      likeText(text),
    );
  }

  const limitText = single('limit');
  const limit = limitText === null ? DEFAULT_LIMIT : integer('limit', limitText);
  if (limit < 1 || limit > MAX_LIMIT) throw invalid('limit', `must be between 1 and ${MAX_LIMIT}`);
  const offsetText = single('offset');
  const offset = offsetText === null ? 0 : integer('offset', offsetText, 0);
  return { where, params, limit, offset };
}
