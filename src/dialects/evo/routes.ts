/**
 * Evo Voice's sessions API (seed 003): ServiceStack auth, SessionInfo reads and lists in JSON, XML and CSV,
 * and the call operations, each recorded as a native event. Errors in ServiceStack's `responseStatus` shape
 * (XML when XML was asked for).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import type { AppDeps } from '../../app.js';
import type { Session } from '../../domain/session.js';
import { serverEvent } from '../../sessions/operations.js';
import { evoAuth } from './auth.js';
import { EvoError, evoErrorBody } from './errors.js';
import {
  errorXml,
  listCsv,
  listXml,
  requestedFormat,
  sessionInfoXml,
  splitSuffix,
  type Format,
  type ListPage,
} from './format.js';
import { CALL_STATES, HOLD_REASONS, QUEUE_STATES, sessionInfo, type SessionInfo } from './map.js';

const MAX_PER_PAGE = 1000;
const MAX_ALL = 10_000;
const SORT_FIELDS: Record<string, string> = {
  datecreated: 's.created',
  datelastmodified: "(s.doc ->> 'lastEventAt')::bigint",
  datecompleted: 's.ended',
  id: 's.session_id',
};

const bad = (field: string, message: string) =>
  new EvoError(400, 'ArgumentException', `${field}: ${message}`, field);

/** Query and body names bind case-insensitively; list values come comma-joined or repeated. */
function bind(source: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!source || typeof source !== 'object') return out;
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    const values = (Array.isArray(value) ? value : [value])
      .filter((v) => v !== undefined && v !== null)
      .map(String);
    out.set(key.toLowerCase(), [...(out.get(key.toLowerCase()) ?? []), ...values]);
  }
  return out;
}

const list = (q: Map<string, string[]>, name: string) =>
  (q.get(name)?.flatMap((v) => v.split(',')) ?? []).map((v) => v.trim()).filter((v) => v !== '');
const one = (q: Map<string, string[]>, name: string) => q.get(name)?.at(-1);

function integer(
  q: Map<string, string[]>,
  name: string,
  field: string,
  min: number,
  max: number,
  fallback: number,
) {
  const value = one(q, name);
  if (value === undefined || value === '') return fallback;
  if (!/^-?\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw bad(field, `must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

function bool(q: Map<string, string[]>, name: string): boolean {
  const value = one(q, name)?.toLowerCase();
  return value === 'true' || value === '1';
}

function day(q: Map<string, string[]>, name: string, field: string): number | null {
  const value = one(q, name);
  if (value === undefined || value === '') return null;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw bad(field, `'${value}' is not a date (YYYY-MM-DD)`);
  return ms;
}

function instant(q: Map<string, string[]>, name: string, field: string): number {
  const value = one(q, name);
  if (value === undefined || value === '') throw bad(field, 'is required');
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(value))
    throw bad(field, `'${value}' is not a date or date-time`);
  return ms;
}

const like = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function evoRoutes(deps: AppDeps) {
  return async function evo(scope: FastifyInstance): Promise<void> {
    await scope.register(cookie);
    const auth = evoAuth(deps.db, deps.now);
    const formats = new WeakMap<FastifyRequest, Format>();

    scope.setErrorHandler((error, request, reply) => {
      const { status, body } = evoErrorBody(error);
      if (status >= 500) request.log.error({ err: error }, 'unhandled error');
      if (formats.get(request) === 'xml')
        return reply.code(status).type('application/xml').send(errorXml(body));
      return reply.code(status).send(body);
    });

    const tenantOf = (request: FastifyRequest) => request.principal!.tenant;
    const infoOf = (request: FastifyRequest, doc: Session) =>
      sessionInfo(doc, { accountId: tenantOf(request).id, accountName: tenantOf(request).name });

    function negotiate(request: FastifyRequest, suffix: Format | null): Format {
      // The error handler speaks XML as soon as XML was asked for, even if the format itself is then refused.
      const accept = request.headers.accept ?? '';
      if (suffix === 'xml' || /xml/i.test(accept)) formats.set(request, 'xml');
      const format = requestedFormat(request, suffix);
      formats.set(request, format);
      return format;
    }

    async function loadSession(request: FastifyRequest, sessionId: string): Promise<Session> {
      const row = (
        await deps.db.query<{ doc: Session }>(
          'SELECT doc FROM sessions WHERE tenant_id = $1 AND session_id = $2',
          [tenantOf(request).id, sessionId],
        )
      ).rows[0];
      if (!row) throw new EvoError(404, 'NotFound', `Session '${sessionId}' not found`);
      return row.doc;
    }

    function sendInfo(reply: FastifyReply, format: Format, info: SessionInfo) {
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(listCsv([info]));
      if (format === 'xml') return reply.type('application/xml; charset=utf-8').send(sessionInfoXml(info));
      return reply.send(info);
    }

    function sendList(reply: FastifyReply, format: Format, page: ListPage) {
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(listCsv(page.items));
      if (format === 'xml') return reply.type('application/xml; charset=utf-8').send(listXml(page));
      return reply.send(page);
    }

    const guard = async (request: FastifyRequest) => {
      await auth.authenticate(request);
    };

    // Authentication.
    const login = async (request: FastifyRequest, reply: FastifyReply) => {
      negotiate(request, null);
      const body = {
        ...(request.query as Record<string, unknown>),
        ...((request.body as Record<string, unknown>) ?? {}),
      };
      const provider = typeof body.provider === 'string' ? body.provider.toLowerCase() : 'credentials';
      if (provider === 'logout') {
        await auth.logout(request, reply);
        return reply.send({});
      }
      if (provider !== 'credentials')
        throw bad('provider', `'${provider}' is not supported; use credentials`);
      return reply.send(await auth.login(request, reply, body));
    };
    scope.post(
      '/auth/credentials',
      { schema: { tags: ['evo'], summary: 'Log in: userName = clientId, password = clientSecret' } },
      login,
    );
    scope.post(
      '/auth',
      { schema: { tags: ['evo'], summary: 'Log in (provider: credentials) or out (provider: logout)' } },
      login,
    );
    for (const method of ['GET', 'POST'] as const) {
      scope.route({
        method,
        url: '/auth/logout',
        schema: { tags: ['evo'], summary: 'End the cookie session' },
        handler: async (request, reply) => {
          negotiate(request, null);
          await auth.logout(request, reply);
          return reply.send({});
        },
      });
    }
    scope.get(
      '/auth/status',
      { schema: { tags: ['evo'], summary: 'Who is logged in, and their account' }, preHandler: guard },
      (request) => {
        const p = request.principal!;
        return {
          id: p.clientId,
          isAuthenticated: true,
          firstName: p.tenant.name,
          lastName: '',
          name: p.tenant.name,
          emailAddress: null,
          roles: [p.role === 'manager' ? 'Manager' : 'User'],
          accountIds: [p.tenant.id],
          accountNames: [p.tenant.name],
          avatarUrl: null,
        };
      },
    );

    // Lists.
    async function listSessions(
      request: FastifyRequest,
      reply: FastifyReply,
      suffix: Format | null,
      live = false,
    ) {
      const format = negotiate(request, suffix);
      const q = bind(request.query);
      const where = ['s.tenant_id = $1'];
      const params: unknown[] = [tenantOf(request).id];
      const add = (sql: (p: string) => string, value: unknown) => {
        params.push(value);
        where.push(sql(`$${params.length}`));
      };
      const accounts = list(q, 'accountids');
      if (accounts.length > 0 && !accounts.includes(tenantOf(request).id)) where.push('false');
      const customers = list(q, 'customerids');
      if (customers.length > 0) {
        add(
          (p) =>
            `COALESCE(s.doc -> 'telephony' ->> 'customerId', s.doc -> 'guest' ->> 'identity') = ANY(${p}::text[])`,
          customers,
        );
      }
      const endpoints = list(q, 'endpointids');
      if (endpoints.length > 0)
        add((p) => `s.doc -> 'telephony' ->> 'endpointId' = ANY(${p}::text[])`, endpoints);
      const start = day(q, 'startdate', 'StartDate');
      const end = day(q, 'enddate', 'EndDate');
      if (start !== null && end !== null && start > end) throw bad('StartDate', 'must not be after EndDate');
      if (start !== null) add((p) => `s.created >= ${p}::timestamptz`, new Date(start).toISOString());
      if (end !== null) add((p) => `s.created < ${p}::timestamptz`, new Date(end + 86_400_000).toISOString());
      const from = one(q, 'from');
      if (from) {
        add(
          (p) =>
            `COALESCE(s.doc -> 'telephony' ->> 'from', s.doc -> 'guest' ->> 'phone', s.doc -> 'guest' ->> 'email') ILIKE ${p}`,
          like(from),
        );
      }
      const to = one(q, 'to');
      if (to) add((p) => `s.doc -> 'telephony' ->> 'to' ILIKE ${p}`, like(to));
      const log = one(q, 'log');
      if (log)
        add(
          (p) =>
            `EXISTS (SELECT 1 FROM jsonb_array_elements(s.doc -> 'log') AS l WHERE l ->> 'message' ILIKE ${p})`,
          like(log),
        );
      // Switchboard sessions have no parent: a ParentSessionId matches none.
      if (one(q, 'parentsessionid')) where.push('false');
      const specific = list(q, 'specificids');
      if (specific.length > 0) add((p) => `s.session_id = ANY(${p}::text[])`, specific);
      if (live) where.push('s.ended IS NULL');

      const page = integer(q, 'page', 'Page', 0, 1_000_000, 0);
      const perPage = integer(q, 'countperpage', 'CountPerPage', 1, MAX_PER_PAGE, 25);
      const all = bool(q, 'all');
      const simplified = bool(q, 'simplifiedpaging');
      const sortName = (one(q, 'sortfield') ?? 'DateCreated').toLowerCase();
      const sortColumn = SORT_FIELDS[sortName];
      if (!sortColumn)
        throw bad(
          'SortField',
          `'${one(q, 'sortfield')}' is not sortable; use DateCreated, DateLastModified, DateCompleted or Id`,
        );
      const orderName = (one(q, 'sortorder') ?? 'Descend').toLowerCase();
      if (orderName !== 'ascend' && orderName !== 'descend')
        throw bad('SortOrder', 'must be Ascend or Descend');
      const direction = orderName === 'ascend' ? 'ASC' : 'DESC';
      const limit = all ? MAX_ALL : perPage;
      const offset = all ? 0 : page * perPage;
      const rows = await deps.db.query<{ doc: Session }>(
        `SELECT s.doc FROM sessions s WHERE ${where.join(' AND ')}
          ORDER BY ${sortColumn} ${direction} NULLS LAST, s.id ${direction} LIMIT ${limit + 1} OFFSET ${offset}`,
        params,
      );
      const items = rows.rows.slice(0, limit).map((r) => infoOf(request, r.doc));
      let totalCount: number | null = null;
      if (!simplified) {
        totalCount = Number(
          (
            await deps.db.query<{ n: string }>(
              `SELECT count(*) AS n FROM sessions s WHERE ${where.join(' AND ')}`,
              params,
            )
          ).rows[0].n,
        );
      }
      return sendList(reply, format, {
        items,
        totalCount,
        totalPages: totalCount === null ? null : all ? 1 : Math.ceil(totalCount / perPage),
        hasMorePages: rows.rows.length > limit,
      });
    }

    for (const suffix of [null, 'json', 'xml', 'csv'] as const) {
      const ext = suffix ? `.${suffix}` : '';
      scope.get(
        `/sessions${ext}`,
        { schema: { tags: ['evo'], summary: 'ListSessions' }, preHandler: guard },
        (request, reply) => listSessions(request, reply, suffix),
      );
      scope.get(
        `/sessions/active${ext}`,
        { schema: { tags: ['evo'], summary: 'Live sessions of the account' }, preHandler: guard },
        (request, reply) => listSessions(request, reply, suffix, true),
      );
    }
    scope.get(
      '/sessions/my',
      { schema: { tags: ['evo'], summary: 'Live sessions of the caller: { sessions }' }, preHandler: guard },
      async (request, reply) => {
        const format = negotiate(request, null);
        const rows = await deps.db.query<{ doc: Session }>(
          'SELECT doc FROM sessions WHERE tenant_id = $1 AND ended IS NULL ORDER BY created DESC LIMIT 1000',
          [tenantOf(request).id],
        );
        const items = rows.rows.map((r) => infoOf(request, r.doc));
        if (format !== 'json')
          return sendList(reply, format, {
            items,
            totalCount: items.length,
            totalPages: 1,
            hasMorePages: false,
          });
        return { sessions: items };
      },
    );

    scope.get<{ Params: { sessionId: string } }>(
      '/sessions/:sessionId',
      {
        schema: { tags: ['evo'], summary: 'One SessionInfo (.json, .xml, .csv or ?format=)' },
        preHandler: guard,
      },
      async (request, reply) => {
        const { id, suffix } = splitSuffix(request.params.sessionId);
        const format = negotiate(request, suffix);
        return sendInfo(reply, format, infoOf(request, await loadSession(request, id)));
      },
    );

    // Operations: each a native event.
    async function record(
      request: FastifyRequest,
      session: Session,
      events: { type: string; fields?: Record<string, unknown> }[],
    ) {
      const base = deps.now();
      await deps.ingest(
        tenantOf(request).id,
        events.map((e, i) => serverEvent(session.sessionId, e.type, base + i, e.fields ?? {})),
      );
      return loadSession(request, session.sessionId);
    }

    const live = async (request: FastifyRequest, sessionId: string) => {
      const session = await loadSession(request, sessionId);
      if (session.ended !== null) throw new EvoError(409, 'Conflict', `Session '${sessionId}' has ended`);
      return session;
    };

    scope.patch<{ Params: { sessionId: string } }>(
      '/sessions/:sessionId',
      {
        schema: { tags: ['evo'], summary: 'Update consoleData, callState, holdReason, queueState' },
        preHandler: guard,
      },
      async (request, reply) => {
        const { id, suffix } = splitSuffix(request.params.sessionId);
        const format = negotiate(request, suffix);
        const body = bind(request.body);
        const pick = <T extends string>(
          name: string,
          field: string,
          allowed: readonly T[],
        ): T | undefined => {
          const value = one(body, name);
          if (value === undefined) return undefined;
          const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
          if (!match) throw bad(field, `'${value}' is not one of ${allowed.join(', ')}`);
          return match;
        };
        const callState = pick('callstate', 'CallState', CALL_STATES);
        const queueState = pick('queuestate', 'QueueState', QUEUE_STATES);
        const holdReason = pick('holdreason', 'HoldReason', HOLD_REASONS);
        const consoleData = one(body, 'consoledata');
        const session = await live(request, id);
        const events: { type: string; fields?: Record<string, unknown> }[] = [];
        if (consoleData !== undefined)
          events.push({ type: 'callparams.updated', fields: { params: { consoleData } } });
        for (const [field, state] of [
          ['CallState', callState],
          ['QueueState', queueState],
        ] as const) {
          if (state === undefined) continue;
          if (state === 'Hold') {
            if (!session.held)
              events.push({ type: 'session.held', fields: { reason: holdReason ?? 'None' } });
          } else if (state === 'Connected') {
            if (session.held) events.push({ type: 'session.resumed' });
            else if (session.started === null)
              throw bad(field, 'the session has not been answered; it cannot be set Connected');
          } else if (state === 'Disconnected')
            events.push({ type: 'session.ended', fields: { reason: 'SessionApiCall' } });
          else if (state === 'Queued' && field === 'QueueState') events.push({ type: 'routing.requested' });
          else throw bad(field, `a session cannot be set to ${state}`);
        }
        if (
          holdReason !== undefined &&
          callState === undefined &&
          queueState === undefined &&
          !session.held
        ) {
          throw bad('HoldReason', 'the session is not on hold');
        }
        const updated = events.length > 0 ? await record(request, session, dedupe(events)) : session;
        return sendInfo(reply, format, infoOf(request, updated));
      },
    );

    scope.post<{ Params: { sessionId: string } }>(
      '/sessions/:sessionId/hold',
      {
        schema: { tags: ['evo'], summary: 'Put the call on hold { callSid, sessionId, reason }' },
        preHandler: guard,
      },
      async (request, reply) => {
        const format = negotiate(request, null);
        const body = bind(request.body);
        const reasonText = one(body, 'reason') ?? 'None';
        const reason = HOLD_REASONS.find((r) => r.toLowerCase() === reasonText.toLowerCase());
        if (!reason) throw bad('Reason', `'${reasonText}' is not one of ${HOLD_REASONS.join(', ')}`);
        const session = await live(request, request.params.sessionId);
        const updated = session.held
          ? session
          : await record(request, session, [{ type: 'session.held', fields: { reason } }]);
        return sendInfo(reply, format, infoOf(request, updated));
      },
    );

    scope.post<{ Params: { sessionId: string } }>(
      '/sessions/:sessionId/redirect',
      {
        schema: { tags: ['evo'], summary: 'Transfer the call { destination, callerId }' },
        preHandler: guard,
      },
      async (request, reply) => {
        const format = negotiate(request, null);
        const body = bind(request.body);
        const destination = one(body, 'destination');
        if (!destination || destination.length > 64)
          throw bad('Destination', 'is required (at most 64 characters)');
        const session = await live(request, request.params.sessionId);
        const callerId = one(body, 'callerid');
        const updated = await record(request, session, [
          { type: 'routing.forwarded', fields: { phoneNumber: destination } },
          ...(callerId
            ? [{ type: 'session.log', fields: { message: `Redirected to ${destination} as ${callerId}` } }]
            : []),
        ]);
        return sendInfo(reply, format, infoOf(request, updated));
      },
    );

    scope.delete<{ Params: { sessionId: string } }>(
      '/sessions/:sessionId',
      { schema: { tags: ['evo'], summary: 'Hang up (ends the session)' }, preHandler: guard },
      async (request, reply) => {
        negotiate(request, null);
        const session = await live(request, request.params.sessionId);
        await record(request, session, [{ type: 'session.ended', fields: { reason: 'SessionApiCall' } }]);
        return reply.code(204).send();
      },
    );

    scope.delete(
      '/sessions',
      {
        schema: { tags: ['evo'], summary: 'Bulk delete sessions created in a time range (Manager role)' },
        preHandler: guard,
      },
      async (request) => {
        negotiate(request, null);
        if (request.principal!.role !== 'manager')
          throw new EvoError(403, 'Forbidden', 'Only a Manager can delete sessions');
        const q = bind(request.query);
        const accountId = one(q, 'accountid');
        const start = instant(q, 'startdatetime', 'StartDateTime');
        const end = instant(q, 'enddatetime', 'EndDateTime');
        if (start > end) throw bad('StartDateTime', 'must not be after EndDateTime');
        const tenantId = tenantOf(request).id;
        if (accountId !== undefined && accountId !== tenantId) return { deleted: 0 };
        const range = [tenantId, new Date(start).toISOString(), new Date(end).toISOString()];
        const removed = await deps.db.tx(async (tx) => {
          const ids = (
            await tx.query<{ session_id: string }>(
              'DELETE FROM sessions WHERE tenant_id = $1 AND created >= $2 AND created <= $3 RETURNING session_id',
              range,
            )
          ).rows.map((r) => r.session_id);
          if (ids.length > 0) {
            await tx.query('DELETE FROM events WHERE tenant_id = $1 AND session_id = ANY($2::text[])', [
              tenantId,
              ids,
            ]);
            const keys = await tx.query<{ storage_key: string }>(
              'DELETE FROM files WHERE tenant_id = $1 AND session_id = ANY($2::text[]) RETURNING storage_key',
              [tenantId, ids],
            );
            return { count: ids.length, keys: keys.rows.map((r) => r.storage_key) };
          }
          return { count: 0, keys: [] as string[] };
        });
        for (const key of removed.keys) await deps.blobs.remove(key);
        return { deleted: removed.count };
      },
    );
  };
}

/** One hold and one end at most per PATCH, whichever of callState / queueState asked for it. */
function dedupe(events: { type: string; fields?: Record<string, unknown> }[]) {
  const seen = new Set<string>();
  return events.filter((e) => {
    if (e.type === 'callparams.updated') return true;
    if (seen.has(e.type)) return false;
    seen.add(e.type);
    return true;
  });
}
