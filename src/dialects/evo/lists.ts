/**
 * The reading operations over many sessions: ListSessions (filters, paging, sorting), the live-session
 * lists (GetActiveSessions, GetMySessions, the CLI's active calls) and a session's chat transcript.
 */
import type { FastifyRequest } from 'fastify';
import { sessionCount } from '../../sessions/repository.js';
import { SESSION_STATUSES, type Session } from '../../domain/session.js';
import { bad, bool, day, instant, integer, like, list, one, required, type Fields } from './bind.js';
import { customerIdOf, statusesMatching, transcriptOf } from './map.js';
import type { EvoResult } from './render.js';
import { listResult, sessionsResult, type EvoBase, type EvoCall } from './service.js';

const MAX_PER_PAGE = 1000;
const MAX_ALL = 10_000;
/** The live lists answer at most this many sessions, newest first. */
export const MAX_LIVE = 1000;
const DAY_MS = 86_400_000;
/** Sessions Evo keeps out of the archive; a Log search without StartDate or SearchArchive reaches back so far. */
export const UNARCHIVED_MS = 15 * DAY_MS;
/** A transcript's history: by default the 30 days before the session, at most 90, at most 20 sessions. */
const HISTORY_DEFAULT_MS = 30 * DAY_MS;
const HISTORY_MAX_MS = 90 * DAY_MS;
const HISTORY_SESSIONS = 20;

/**
 * Sort orders, each the order of an index (migrations 001 and 006) so that a page is read off the index
 * instead of sorting the account's sessions: `created` and `last_event_at` are never null; `ended` is, and
 * open sessions come last either way; session ids are unique within an account, so they need no tie-break.
 */
const SORT_FIELDS: Record<string, { asc: string; desc: string }> = {
  datecreated: { asc: 's.created ASC, s.id ASC', desc: 's.created DESC, s.id DESC' },
  datelastmodified: { asc: 's.last_event_at ASC, s.id ASC', desc: 's.last_event_at DESC, s.id DESC' },
  datecompleted: { asc: 's.ended ASC NULLS LAST, s.id ASC', desc: 's.ended DESC NULLS LAST, s.id DESC' },
  id: { asc: 's.session_id ASC', desc: 's.session_id DESC' },
};
/** Statuses a session can be in before it ended; listing them lets the status index find live sessions. */
const LIVE_STATUSES = SESSION_STATUSES.filter((s) => s !== 'ACW' && s !== 'CLOSED');
/** The customer key of SessionInfo (`customerIdOf`), in SQL. */
const CUSTOMER_SQL =
  "COALESCE(NULLIF(s.doc -> 'telephony' ->> 'customerId', ''), NULLIF(s.doc -> 'guest' ->> 'identity', ''))";

/** A WHERE clause under construction: `add` binds one parameter and appends its condition. */
function conditions(tenantId: string) {
  const where = ['s.tenant_id = $1'];
  const params: unknown[] = [tenantId];
  /** Binds a parameter and answers its placeholder. */
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  return {
    where,
    params,
    param,
    add(sql: (p: string) => string, value: unknown) {
      where.push(sql(param(value)));
    },
    sql: () => where.join(' AND '),
  };
}

/** `accountIds` / `accountId` naming only other accounts match nothing. */
function otherAccount(q: Fields, tenantId: string): boolean {
  const accounts = [...list(q, 'accountids'), ...list(q, 'accountid')];
  return accounts.length > 0 && !accounts.includes(tenantId);
}

export function listOperations(base: EvoBase) {
  const { deps, tenantOf, infoOf } = base;

  async function ListSessions({ request, fields: q }: EvoCall): Promise<EvoResult> {
    const c = conditions(tenantOf(request).id);
    if (otherAccount(q, tenantOf(request).id)) c.where.push('false');
    const customers = list(q, 'customerids');
    if (customers.length > 0) c.add((p) => `${CUSTOMER_SQL} = ANY(${p}::text[])`, customers);
    const endpoints = list(q, 'endpointids');
    if (endpoints.length > 0)
      c.add((p) => `s.doc -> 'telephony' ->> 'endpointId' = ANY(${p}::text[])`, endpoints);
    const start = day(q, 'startdate', 'StartDate');
    const end = day(q, 'enddate', 'EndDate');
    if (start !== null && end !== null && start > end) throw bad('StartDate', 'must not be after EndDate');
    if (start !== null) c.add((p) => `s.created >= ${p}::timestamptz`, new Date(start).toISOString());
    if (end !== null) c.add((p) => `s.created < ${p}::timestamptz`, new Date(end + DAY_MS).toISOString());
    const from = one(q, 'from');
    if (from) {
      c.add(
        (p) =>
          `COALESCE(s.doc -> 'telephony' ->> 'from', s.doc -> 'guest' ->> 'phone', s.doc -> 'guest' ->> 'email') ILIKE ${p}`,
        like(from),
      );
    }
    const to = one(q, 'to');
    if (to) c.add((p) => `s.doc -> 'telephony' ->> 'to' ILIKE ${p}`, like(to));
    const log = one(q, 'log');
    if (log) {
      // The log is `session.log` lines plus one generated line per state change (map.ts): the text is
      // searched in the former, and the states whose generated line contains it are looked up in the latter.
      const statuses = statusesMatching(log);
      const lines = `EXISTS (SELECT 1 FROM jsonb_array_elements(s.doc -> 'log') AS l
        WHERE l ->> 'message' ILIKE ${c.param(like(log))})`;
      const states =
        statuses.length === 0
          ? ''
          : ` OR EXISTS (SELECT 1 FROM jsonb_array_elements(s.doc -> 'statusHistory') AS h
              WHERE h ->> 'status' = ANY(${c.param(statuses)}::text[]))`;
      c.where.push(`(${lines}${states})`);
      // Reading every document's log is a scan: like Evo, which only searches its archive when asked, a
      // Log search without StartDate or SearchArchive covers the 15 days up to EndDate (or now).
      if (start === null && !bool(q, 'searcharchive')) {
        const until = end !== null ? end + DAY_MS : deps.now();
        c.add((p) => `s.created >= ${p}::timestamptz`, new Date(until - UNARCHIVED_MS).toISOString());
      }
    }
    // Switchboard sessions have no parent: a ParentSessionId matches none.
    if (one(q, 'parentsessionid')) c.where.push('false');
    const specific = list(q, 'specificids');
    if (specific.length > 0) c.add((p) => `s.session_id = ANY(${p}::text[])`, specific);

    const page = integer(q, 'page', 'Page', 0, 1_000_000, 0);
    const perPage = integer(q, 'countperpage', 'CountPerPage', 1, MAX_PER_PAGE, 25);
    const all = bool(q, 'all');
    const simplified = bool(q, 'simplifiedpaging');
    const sortColumn = SORT_FIELDS[(one(q, 'sortfield') ?? 'DateCreated').toLowerCase()];
    if (!sortColumn)
      throw bad(
        'SortField',
        `'${one(q, 'sortfield')}' is not sortable; use DateCreated, DateLastModified, DateCompleted or Id`,
      );
    const orderName = (one(q, 'sortorder') ?? 'Descend').toLowerCase();
    if (orderName !== 'ascend' && orderName !== 'descend')
      throw bad('SortOrder', 'must be Ascend or Descend');
    const orderBy = orderName === 'ascend' ? sortColumn.asc : sortColumn.desc;
    const limit = all ? MAX_ALL : perPage;
    const offset = all ? 0 : page * perPage;
    // The page's ids off the index first, then only their documents (a deep page skips ids, not documents).
    const rows = await deps.db.query<{ doc: Session }>(
      `SELECT s.doc FROM (
         SELECT s.id FROM sessions s WHERE ${c.sql()} ORDER BY ${orderBy} LIMIT ${limit + 1} OFFSET ${offset}
       ) AS page JOIN sessions s ON s.tenant_id = $1 AND s.id = page.id
       ORDER BY ${orderBy}`,
      c.params,
    );
    const items = rows.rows.slice(0, limit).map((r) => infoOf(request, r.doc));
    let totalCount: number | null = null;
    if (!simplified) {
      // Only an account and whole days: the per-day counters (exact: migrations 006, 038) answer it.
      const daysOnly = c.where.length === 1 + (start === null ? 0 : 1) + (end === null ? 0 : 1);
      totalCount = daysOnly
        ? await sessionCount(deps.db, tenantOf(request).id, {
            fromDay: start === null ? undefined : new Date(start).toISOString().slice(0, 10),
            toDay: end === null ? undefined : new Date(end + DAY_MS).toISOString().slice(0, 10),
          })
        : Number(
            (
              await deps.db.query<{ n: string }>(
                `SELECT count(*) AS n FROM sessions s WHERE ${c.sql()}`,
                c.params,
              )
            ).rows[0].n,
          );
    }
    return listResult({
      items,
      totalCount,
      totalPages: totalCount === null ? null : all ? 1 : Math.ceil(totalCount / perPage),
      hasMorePages: rows.rows.length > limit,
    });
  }

  /** The account's live sessions, newest first; `channels` narrows them (null: every channel). */
  async function live(request: FastifyRequest, q: Fields, channels: string[] | null) {
    const c = conditions(tenantOf(request).id);
    if (otherAccount(q, tenantOf(request).id)) return [];
    c.add((p) => `s.status = ANY(${p}::text[])`, LIVE_STATUSES);
    c.where.push('s.ended IS NULL');
    if (channels) c.add((p) => `s.channel = ANY(${p}::text[])`, channels);
    const rows = await deps.db.query<{ doc: Session }>(
      `SELECT s.doc FROM sessions s WHERE ${c.sql()} ORDER BY s.created DESC, s.id DESC LIMIT ${MAX_LIVE}`,
      c.params,
    );
    return rows.rows.map((r) => infoOf(request, r.doc));
  }

  return {
    ListSessions,

    GetActiveSessions: async ({ request, fields }: EvoCall): Promise<EvoResult> => {
      return sessionsResult('GetActiveSessionsResponse', 'sessions', await live(request, fields, null));
    },

    GetMySessions: async ({ request, fields }: EvoCall): Promise<EvoResult> => {
      return sessionsResult('GetMySessionsResponse', 'sessions', await live(request, fields, null));
    },

    /** The CLI's `GET /calls/active?accountId=`: live voice calls (inferred shape `{ calls }`). */
    GetActiveCalls: async ({ request, fields }: EvoCall): Promise<EvoResult> => {
      return sessionsResult('GetActiveCallsResponse', 'calls', await live(request, fields, ['phone', 'av']));
    },

    /**
     * The CLI's `GET /sessions/{id}/transcript`: the chat messages, oldest first; with `includeHistorical`
     * also those of the customer's earlier sessions since `historicalCutOffDate` (inferred shape).
     */
    GetSessionTranscript: async ({ request, fields: q }: EvoCall): Promise<EvoResult> => {
      const session = await base.loadSession(request, required(q, 'sessionid', 'SessionId'));
      const cutoff = instant(q, 'historicalcutoffdate', 'HistoricalCutOffDate');
      const sessions = [session];
      const customer = customerIdOf(session);
      if (bool(q, 'includehistorical') && customer) {
        // Bounded so that history never reads more than 90 days of the tenant's sessions.
        const from = Math.max(
          cutoff ?? session.created - HISTORY_DEFAULT_MS,
          session.created - HISTORY_MAX_MS,
        );
        const rows = await deps.db.query<{ doc: Session }>(
          `SELECT s.doc FROM sessions s
            WHERE s.tenant_id = $1 AND s.created >= $2 AND s.created <= $3 AND s.session_id <> $4
              AND ${CUSTOMER_SQL} = $5
            ORDER BY s.created DESC, s.id DESC LIMIT ${HISTORY_SESSIONS}`,
          [
            tenantOf(request).id,
            new Date(from).toISOString(),
            new Date(session.created).toISOString(),
            session.sessionId,
            customer,
          ],
        );
        sessions.unshift(...rows.rows.map((r) => r.doc).reverse());
      }
      const messages = sessions
        .flatMap(transcriptOf)
        .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
      return {
        name: 'GetSessionTranscriptResponse',
        body: { sessionId: session.sessionId, messages },
        rows: messages,
        itemNames: { messages: 'TranscriptMessage' },
      };
    },
  };
}
