/**
 * Every filter of mluvii's SessionGetParams as SQL over the sessions table. Each matches what the
 * SessionModel of a session shows (or, for fields the model lacks, the data named in docs/mluvii.md).
 * Indexed columns serve the common filters (ids, dates, status, channel, source, operators); the rare ones
 * read the session document. Values always travel as parameters; the SQL text holds only constants.
 */
import type { Json } from '../../http/openapi.js';
import { parseDate, parseDuration } from './format.js';
import {
  enumName,
  FEEDBACK_SCALE,
  GUEST_BROWSER_TYPE,
  GUEST_LEFT_SESSION_IN_STATE,
  GUEST_OS_TYPE,
  guestBrowserSql,
  guestOsSql,
  SESSION_CHANNEL,
  SESSION_SOURCE,
  SESSION_STATUS,
  SESSION_TERMINATION_REASON,
} from './enums.js';

/** What a filter may do while the query is parsed. */
export interface FilterContext {
  tenant: { id: string; departmentId: number };
  /** The clock of running durations (epoch ms). */
  now: number;
  /** Adds a parameter; answers its placeholder (`$3`). */
  param(value: unknown): string;
  where(clause: string): void;
  fail(field: string, message: string): void;
  /** The non-empty values of a parameter (any case of its name). */
  values(name: string): string[];
  /** The one value of a scalar parameter; null when absent or empty. */
  single(name: string): string | null;
}

/** A query parameter a filter reads, as /docs lists it (src/dialects/mluvii/docs.ts). */
export interface FilterParam {
  /** As documented (`Created.Min`); matched case-insensitively. */
  name: string;
  /** Its OpenAPI schema: a set is an array, sent as repeated keys. */
  schema: Json;
  description: string;
}

export interface SessionFilter {
  /** The query parameters it reads. */
  params: FilterParam[];
  apply(ctx: FilterContext, name: string): void;
}

/** The names of a filter's parameters. */
export const filterNames = (filter: SessionFilter): string[] => filter.params.map((p) => p.name);

type Item<T> = { parse(text: string): T | null; expected: string; schema: Json };

const int32: Item<number> = {
  parse: (t) => (/^-?\d{1,10}$/.test(t) && Math.abs(Number(t)) <= 2_147_483_647 ? Number(t) : null),
  expected: 'an integer',
  schema: { type: 'integer', format: 'int32' },
};
/** A long, kept as its decimal text: JavaScript numbers cannot hold every long. */
const int64: Item<string> = {
  parse: (t) => {
    if (!/^-?\d{1,19}$/.test(t)) return null;
    const n = BigInt(t);
    return n >= -(2n ** 63n) && n < 2n ** 63n ? n.toString() : null;
  },
  expected: 'an integer',
  schema: { type: 'integer', format: 'int64' },
};
const text: Item<string> = { parse: (t) => t, expected: 'text', schema: { type: 'string' } };
const enumOf = (names: readonly string[]): Item<string> => ({
  parse: (t) => enumName(names, t),
  expected: `one of ${names.join(', ')} (or its number)`,
  schema: { type: 'string', enum: [...names] },
});

/**
 * A set filter: repeated keys; numbers and enum names may also be comma-joined. Strings are taken whole,
 * since a comma may be part of one.
 */
function set<T>(
  name: string,
  item: Item<T>,
  clause: (ctx: FilterContext, items: T[]) => string,
): SessionFilter {
  // Strings are taken whole: a comma may be part of one.
  const split = item !== text;
  const names = item.schema.enum ? " (names in any case, or their numbers in mluvii's enum)" : '';
  return {
    params: [
      {
        name,
        schema: { type: 'array', items: item.schema },
        description: `Any of these${names}: repeat the key${split ? ' or join them with commas' : ''}.`,
      },
    ],
    apply(ctx) {
      const raw = ctx.values(name).flatMap((v) => (split ? v.split(',') : [v]));
      const items: T[] = [];
      for (const value of raw.map((v) => (split ? v.trim() : v)).filter((v) => v !== '')) {
        const parsed = item.parse(value);
        if (parsed === null) ctx.fail(name, `'${value}' is not ${item.expected}`);
        else items.push(parsed);
      }
      if (items.length > 0) ctx.where(clause(ctx, items));
    },
  };
}

/** `.Null`: whether the value is missing. */
const nullParam = (name: string, what: string): FilterParam => ({
  name: `${name}.Null`,
  schema: { type: 'boolean' },
  description: `\`true\`: without ${what}; \`false\`: with one.`,
});

/** `expr = ANY($n::type[])`. */
const anyOf =
  <T>(expr: string, type: string) =>
  (ctx: FilterContext, items: T[]) =>
    `${expr} = ANY(${ctx.param(items)}::${type}[])`;

function bool(ctx: FilterContext, name: string): boolean | null {
  const value = ctx.single(name);
  if (value === null) return null;
  if (/^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  ctx.fail(name, `'${value}' is not true or false`);
  return null;
}

/**
 * A range filter: `X.Min` and `X.Max` (both inclusive) and, for a value that may be missing, `X.Null`.
 * Also used by mluvii's other lists (a user's operator states: `Changed.*`).
 */
export function range(
  name: string,
  kind: 'date' | 'span',
  expr: (ctx: FilterContext) => string,
  nullable = true,
): SessionFilter {
  const format =
    kind === 'date'
      ? '`yyyy-MM-dd` (midnight UTC) or `yyyy-MM-ddTHH:mm:ss[.fff][Z|±hh:mm]`'
      : '`hh:mm:ss` or ISO 8601 (`PT5M`)';
  const bound = (suffix: string, which: string): FilterParam => ({
    name: `${name}.${suffix}`,
    schema: { type: 'string' },
    description: `${which} (inclusive): ${format}.`,
  });
  return {
    params: [
      bound('Min', kind === 'date' ? 'At or after' : 'At least'),
      bound('Max', kind === 'date' ? 'At or before' : 'At most'),
      ...(nullable ? [nullParam(name, 'a value')] : []),
    ],
    apply(ctx, full) {
      if (full.endsWith('.Null')) {
        const isNull = bool(ctx, full);
        if (isNull !== null) ctx.where(`${expr(ctx)} IS ${isNull ? '' : 'NOT '}NULL`);
        return;
      }
      const value = ctx.single(full);
      if (value === null) return;
      const op = full.endsWith('.Min') ? '>=' : '<=';
      if (kind === 'date') {
        const ms = parseDate(value);
        if (ms === null) ctx.fail(full, `'${value}' is not a date (yyyy-MM-dd or yyyy-MM-ddTHH:mm:ssZ)`);
        else ctx.where(`${expr(ctx)} ${op} ${ctx.param(new Date(ms).toISOString())}::timestamptz`);
      } else {
        const ms = parseDuration(value);
        if (ms === null || ms < 0) {
          ctx.fail(full, `'${value}' is not a duration (hh:mm:ss or ISO 8601 such as PT1M30S)`);
        } else ctx.where(`${expr(ctx)} ${op} ${ctx.param(ms)}::bigint`);
      }
    },
  };
}

/** Escapes LIKE wildcards so user text matches literally. */
const likeText = (t: string) => `%${t.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * A text filter: `.Text` a case-insensitive substring, or the whole value with `.Exact=true`; `.Null=true`
 * for no value (missing or empty), `.Null=false` for any value.
 */
function textFilter(name: string, expr: string): SessionFilter {
  return {
    params: [
      {
        name: `${name}.Text`,
        schema: { type: 'string' },
        description: 'A case-insensitive substring (`%` and `_` match themselves).',
      },
      {
        name: `${name}.Exact`,
        schema: { type: 'boolean' },
        description: `\`true\`: the whole value must equal ${name}.Text (case-insensitively); needs ${name}.Text.`,
      },
      nullParam(name, 'a value (missing or empty)'),
    ],
    apply(ctx, full) {
      if (full.endsWith('.Null')) {
        const isNull = bool(ctx, full);
        if (isNull !== null) ctx.where(`COALESCE(${expr}, '') ${isNull ? '=' : '<>'} ''`);
      } else if (full.endsWith('.Exact')) {
        // Read together with .Text; alone it would change nothing, which must not pass unnoticed.
        if (bool(ctx, full) !== null && ctx.single(`${name}.Text`) === null) {
          ctx.fail(full, `needs ${name}.Text`);
        }
      } else {
        const value = ctx.single(full);
        if (value === null) return;
        // A bad .Exact is reported by its own entry.
        const exact = ctx.values(`${name}.Exact`).some((v) => v.trim().toLowerCase() === 'true');
        ctx.where(
          exact
            ? `lower(${expr}) = lower(${ctx.param(value)})`
            : `${expr} ILIKE ${ctx.param(likeText(value))}`,
        );
      }
    },
  };
}

function boolFilter(name: string, clause: (value: boolean) => string): SessionFilter {
  return {
    params: [{ name, schema: { type: 'boolean' }, description: '`true` or `false`.' }],
    apply(ctx) {
      const value = bool(ctx, name);
      if (value !== null) ctx.where(clause(value));
    },
  };
}

const guest = (field: string) => `doc -> 'guest' ->> '${field}'`;
/** An instant of the session document (epoch ms) as a bigint. */
const docMs = (field: string) => `(doc ->> '${field}')::bigint`;

/**
 * stableIntId (domain/projector.ts) in SQL: the id itself when it is all digits and fits an int32, else
 * FNV-1a over its UTF-16 code units, folded into [1e9, 2e9). It gives a bot without an integer chatbotId the
 * number its SessionModel shows.
 */
export function stableIntIdSql(expr: string): string {
  return `(CASE WHEN ${expr} ~ '^[0-9]{1,9}$' OR (${expr} ~ '^[0-9]{10}$' AND ${expr} COLLATE "C" <= '2147483647')
    THEN (${expr})::bigint ELSE (
    WITH RECURSIVE
      units AS (
        SELECT row_number() OVER (ORDER BY c.n, k.k) AS n,
               (CASE WHEN c.cp < 65536 THEN c.cp
                     WHEN k.k = 1 THEN 55296 + ((c.cp - 65536) >> 10)
                     ELSE 56320 + ((c.cp - 65536) & 1023) END)::bigint AS unit
          FROM (SELECT i AS n, ascii(substr(${expr}, i, 1)) AS cp FROM generate_series(1, length(${expr})) AS i) AS c,
               generate_series(1, CASE WHEN c.cp < 65536 THEN 1 ELSE 2 END) AS k(k)),
      fnv(n, h) AS (
        SELECT 0::bigint, 2166136261::bigint
        UNION ALL
        SELECT fnv.n + 1, ((fnv.h # units.unit) * 16777619) % 4294967296
          FROM fnv JOIN units ON units.n = fnv.n + 1)
    SELECT 1000000000 + h % 1000000000 FROM fnv ORDER BY n DESC LIMIT 1) END)`;
}

/** GuestLeftSession as the SessionModel derives it (map.ts): the state sent, else what the times imply. */
const GUEST_LEFT_SQL = `(CASE
    WHEN doc -> 'guestLeft' ->> 'state' IS NOT NULL THEN doc -> 'guestLeft' ->> 'state'
    WHEN jsonb_typeof(doc -> 'guestLeft') = 'object' THEN
      CASE WHEN started IS NULL THEN 'LeftQueue'
           WHEN ended IS NOT NULL AND (doc -> 'guestLeft' ->> 'at')::bigint >= ${docMs('ended')} THEN 'LeftAfterSession'
           ELSE 'LeftSession' END
    WHEN ended IS NULL THEN 'StillConnected'
    ELSE 'UNKNOWN' END)`;

/**
 * `waited` as the SessionModel shows it: the stored value, or for an open session still waiting (not
 * started, guest not gone from the queue) the time since it was created.
 */
const waitedSql = (ctx: FilterContext) => {
  const now = `${ctx.param(ctx.now)}::bigint`;
  return `COALESCE(d_waited, CASE WHEN ended IS NULL AND started IS NULL AND doc ->> 'guestLeftQueue' IS NULL
    AND ${now} >= ${docMs('created')} THEN ${now} - ${docMs('created')} END)`;
};

/** `length` as the SessionModel shows it: the stored value, or for an open two-way session the time so far. */
const lengthSql = (ctx: FilterContext) => {
  const now = `${ctx.param(ctx.now)}::bigint`;
  const talk = `GREATEST(${docMs('started')}, ${docMs('guestJoined')})`;
  return `COALESCE(d_active, CASE WHEN ended IS NULL AND started IS NOT NULL AND guest_joined IS NOT NULL
    AND ${now} >= ${talk} THEN ${now} - ${talk} END)`;
};

/** Two operators in the session at once: their joined–left spans overlap (an open span runs on). */
const CONCURRENT_SQL = `(cardinality(operator_user_ids) > 1 AND EXISTS (
    SELECT 1 FROM jsonb_array_elements(doc -> 'operators') WITH ORDINALITY AS a(o, i),
                  jsonb_array_elements(doc -> 'operators') WITH ORDINALITY AS b(p, j)
     WHERE a.i < b.j AND (o ->> 'joined') IS NOT NULL AND (p ->> 'joined') IS NOT NULL
       AND (o ->> 'joined')::bigint < COALESCE((p ->> 'left')::bigint, 9223372036854775807)
       AND (p ->> 'joined')::bigint < COALESCE((o ->> 'left')::bigint, 9223372036854775807)))`;

/** The text of the guest's first chat message. */
const INITIAL_MESSAGE_SQL = `(SELECT a ->> 'text' FROM jsonb_array_elements(doc -> 'activities') WITH ORDINALITY AS x(a, n)
    WHERE a ->> 'type' = 'ChatMessage' AND a ->> 'client' = 'Guest' ORDER BY n LIMIT 1)`;

const MLUVII_CHANNELS: Record<string, string> = { Chat: 'chat', AV: 'av', Phone: 'phone' };

export const SESSION_FILTERS: readonly SessionFilter[] = [
  set('SessionId', int64, anyOf('id', 'bigint')),
  set('DepartmentId', int32, (ctx, ids) => (ids.includes(ctx.tenant.departmentId) ? 'true' : 'false')),
  set('ChannelIdentityId', int64, anyOf(guest('channelIdentity'), 'text')),
  set('Status', enumOf(SESSION_STATUS), anyOf('status', 'text')),
  set('Channel', enumOf(SESSION_CHANNEL), (ctx, names) => {
    const clause = `channel = ANY(${ctx.param(names.map((n) => MLUVII_CHANNELS[n] ?? null))}::text[])`;
    // UNKNOWN is what the SessionModel shows for a channel mluvii lacks (fax) or none yet.
    return names.includes('UNKNOWN')
      ? `(${clause} OR channel IS NULL OR channel NOT IN ('chat', 'av', 'phone'))`
      : clause;
  }),
  set('Source', enumOf(SESSION_SOURCE), anyOf('source', 'text')),
  set('OperatorUserId', int32, (ctx, ids) => `operator_user_ids && ${ctx.param(ids)}::integer[]`),
  set(
    'ChatbotId',
    int32,
    (ctx, ids) =>
      `EXISTS (SELECT 1 FROM jsonb_array_elements(doc -> 'chatbots') AS c
        WHERE COALESCE((c ->> 'chatbotId')::bigint, ${stableIntIdSql("(c ->> 'botId')")}) = ANY(${ctx.param(ids)}::bigint[]))`,
  ),
  set('Widget', text, anyOf(`doc ->> 'widget'`, 'text')),
  set('Result', text, anyOf(`doc -> 'termination' ->> 'outcome'`, 'text')),
  set('ClientStars', int32, anyOf(`(doc -> 'feedback' ->> 'stars')::integer`, 'integer')),
  set('ClientFeedbackScale', enumOf(FEEDBACK_SCALE), anyOf(`doc -> 'feedback' ->> 'scale'`, 'text')),
  set('ClientId', int64, anyOf(guest('identity'), 'text')),
  set('Tags', text, (ctx, names) => {
    // A tag is named by its name or by its catalogue id (GET /api/v1/Tags).
    const byName = ctx.param(names);
    const byId = ctx.param(names.filter((n) => /^\d{1,9}$/.test(n)).map(Number));
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(doc -> 'tags') AS t
      WHERE t ->> 'name' = ANY(${byName}::text[])
         OR t ->> 'name' IN (SELECT name FROM tags WHERE tags.tenant_id = $1 AND tags.id = ANY(${byId}::integer[])))`;
  }),
  set('GuestIdentifications', text, (ctx, values) => {
    const p = `${ctx.param(values.map((v) => v.toLowerCase()))}::text[]`;
    return `(lower(${guest('identity')}) = ANY(${p}) OR lower(${guest('email')}) = ANY(${p})
      OR lower(${guest('phone')}) = ANY(${p}))`;
  }),
  set('Browser', enumOf(GUEST_BROWSER_TYPE), anyOf(guestBrowserSql(guest('browser')), 'text')),
  set('OS', enumOf(GUEST_OS_TYPE), anyOf(guestOsSql(guest('os')), 'text')),
  set('GuestLeftSession', enumOf(GUEST_LEFT_SESSION_IN_STATE), anyOf(GUEST_LEFT_SQL, 'text')),
  set(
    'TerminationReason',
    enumOf(SESSION_TERMINATION_REASON),
    anyOf(`doc -> 'termination' ->> 'reason'`, 'text'),
  ),
  range('Created', 'date', () => 'created'),
  range('GuestJoined', 'date', () => 'guest_joined'),
  range('Accepted', 'date', () => 'started'),
  range('Ended', 'date', () => 'ended'),
  range('Anonymized', 'date', () => `to_timestamp((doc ->> 'anonymized')::double precision / 1000)`),
  range('WaitingTime', 'span', waitedSql),
  range('Duration', 'span', lengthSql),
  textFilter('LandingPage', `doc ->> 'url'`),
  textFilter('IPAddress', guest('ipAddress')),
  textFilter('PhoneCallbackNumber', `doc ->> 'phoneCallbackNumber'`),
  textFilter('InitialMessage', INITIAL_MESSAGE_SQL),
  textFilter('Language', guest('language')),
  textFilter('GDPRVersion', guest('gdprVersion')),
  // No event says a session was auto-accepted, so the SessionModel shows false for every session.
  boolFilter('AutoAccepted', (value) => (value ? 'false' : 'true')),
  boolFilter('HasConcurrentOperators', (value) => (value ? CONCURRENT_SQL : `NOT ${CONCURRENT_SQL}`)),
  {
    params: [
      {
        name: 'ActivityTextsContain',
        schema: { type: 'string' },
        description: 'Any activity text containing it, case-insensitively.',
      },
    ],
    apply(ctx, name) {
      const value = ctx.single(name);
      if (value === null) return;
      const pattern = ctx.param(likeText(value));
      // The first condition is what the trigram index of migration 020 answers; the second checks each
      // activity on its own (the indexed text joins them with newlines).
      ctx.where(
        `session_activity_text(doc) ILIKE ${pattern} AND EXISTS (SELECT 1 FROM jsonb_array_elements(doc -> 'activities') AS a WHERE a ->> 'text' ILIKE ${pattern})`,
      );
    },
  },
];
