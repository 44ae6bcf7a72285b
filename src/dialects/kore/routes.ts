/**
 * Kore.ai's Sessions History API (`getSessions`) and conversation history (`getMessages`,
 * `getMessagesV2`) under `/api/public`. Authenticated by the `auth` JWT; rate limited per bot; errors in
 * Kore's `{ errors: [{ msg, code }] }` shape.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { Queryable } from '../../db/store.js';
import { botIdsOf, type Session } from '../../domain/session.js';
import type { SessionEvent } from '../../domain/events.js';
import { koreAuthenticator } from './auth.js';
import { getMessagesDocs, getSessionsDocs } from './docs.js';
import { KoreError, sendKoreError } from './errors.js';
import { RateLimited, takeRateLimit } from './rate-limit.js';
import { koreChannelSql, koreMessage, koreSession, koreUserIdSql, type MessageRow } from './map.js';
import { GetMessagesResponse, GetSessionsResponse, KORE_CHANNELS, KoreErrorResponse } from './schemas.js';
import {
  MAX_MESSAGES_LIMIT,
  MAX_SESSIONS_LIMIT,
  containmentType,
  dateWindow,
  paging,
  sessionIds,
  sessionType,
  tagFilters,
  userIdOf,
  type Params,
  type TagFilter,
} from './request.js';

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The number of a bot's sessions (any bot's, without `botId`) created in [from, to]: whole UTC days from the
 * per-bot day counters (migration 028), only the window's partial first and last days from rows.
 */
async function botSessionCount(
  q: Queryable,
  tenantId: string,
  botId: string | undefined,
  from: number,
  to: number,
): Promise<number> {
  const firstMidnight = Math.ceil(from / DAY_MS) * DAY_MS;
  const lastMidnight = Math.floor(to / DAY_MS) * DAY_MS;
  const rows = (where: string, params: unknown[]) =>
    q.query<{ n: string }>(
      `SELECT count(*) AS n FROM sessions s
        WHERE s.tenant_id = $1 AND s.bot_ids <> '{}' AND ($2::text IS NULL OR s.bot_ids @> ARRAY[$2::text])
          AND (${where})`,
      [tenantId, botId ?? null, ...params],
    );
  if (firstMidnight >= lastMidnight) {
    const n = await rows('s.created >= $3::timestamptz AND s.created <= $4::timestamptz', [
      new Date(from),
      new Date(to),
    ]);
    return Number(n.rows[0].n);
  }
  const [days, edges] = await Promise.all([
    q.query<{ n: string | null }>(
      `SELECT sum(n) AS n FROM session_bot_day_counts
        WHERE tenant_id = $1 AND bot_id = $2 AND day >= $3::date AND day < $4::date`,
      [tenantId, botId ?? '*', utcDay(firstMidnight), utcDay(lastMidnight)],
    ),
    rows(
      `(s.created >= $3::timestamptz AND s.created < $4::timestamptz)
        OR (s.created >= $5::timestamptz AND s.created <= $6::timestamptz)`,
      [new Date(from), new Date(firstMidnight), new Date(lastMidnight), new Date(to)],
    ),
  ]);
  return Number(days.rows[0]?.n ?? 0) + Number(edges.rows[0].n);
}

/** SQL conditions shared by sessions and messages. */
class Where {
  readonly clauses: string[] = ['s.tenant_id = $1'];
  readonly params: unknown[];
  constructor(tenantId: string) {
    this.params = [tenantId];
  }
  add(sql: (p: string) => string, value: unknown): this {
    this.params.push(value);
    this.clauses.push(sql(`$${this.params.length}`));
    return this;
  }
  bot(botId: string | undefined): this {
    // Always the partial index's predicate, so that the (bot sessions, created) index serves every list.
    this.clauses.push("s.bot_ids <> '{}'");
    if (botId !== undefined) this.add((p) => `s.bot_ids @> ARRAY[${p}::text]`, botId);
    return this;
  }
  tags(filters: TagFilter[]): this {
    for (const f of filters) {
      this.params.push(f.scope, f.name, f.values);
      const [scope, name, values] = [this.params.length - 2, this.params.length - 1, this.params.length];
      this.clauses.push(
        `EXISTS (SELECT 1 FROM jsonb_array_elements(s.doc -> 'tags') AS t WHERE t ->> 'scope' = $${scope}
           AND t ->> 'name' = $${name} AND ($${values}::text[] IS NULL OR t ->> 'value' = ANY($${values}::text[])))`,
      );
    }
    return this;
  }
  user(userId: string | undefined): this {
    if (userId !== undefined) this.add((p) => `${koreUserIdSql} = ${p}`, userId);
    return this;
  }
  channel(channelType: string): this {
    this.params.push([...KORE_CHANNELS]);
    return this.add((p) => `${koreChannelSql(`$${this.params.length - 1}`)} = ${p}`, channelType);
  }
  get sql(): string {
    return this.clauses.join(' AND ');
  }
}

const LIGHT_DOC = "s.doc - 'activities' - 'log' - 'statusHistory' - 'routing'";

export function koreRoutes(deps: AppDeps) {
  return function kore(scope: FastifyInstance, _options: unknown, registered: () => void): void {
    const authenticate = koreAuthenticator(deps.db, deps.keys, deps.now);
    // The body is optional and may be empty even with Content-Type: application/json.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = String(body).trim();
      if (text === '') return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch {
        done(new KoreError(400, 'the body is not valid JSON'), undefined);
      }
    });
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof RateLimited) reply.header('retry-after', String(error.retryAfterSeconds));
      else if (!(error instanceof KoreError) && (error as { statusCode?: number }).statusCode === undefined) {
        request.log.error({ err: error }, 'unhandled error');
      }
      return sendKoreError(reply, error);
    });

    const params = (request: FastifyRequest): Params => {
      const body = request.body;
      if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
        throw new KoreError(400, 'the body must be a JSON object');
      }
      return { ...(request.query as Params), ...((body as Params | undefined) ?? {}) };
    };

    async function guard(request: FastifyRequest, botId: string | undefined) {
      const principal = await authenticate(request);
      await takeRateLimit(deps.db, principal.tenant.id, botId ?? '*', deps.now());
      return principal.tenant.id;
    }

    async function getSessions(request: FastifyRequest, reply: FastifyReply, botId: string | undefined) {
      const tenantId = await guard(request, botId);
      const p = params(request);
      const ids = sessionIds(p);
      if (ids !== undefined) {
        // With sessionId every other filter is ignored.
        const where = new Where(tenantId).bot(botId).add((x) => `s.session_id = ANY(${x}::text[])`, ids);
        const rows = await deps.db.query<{ doc: Session }>(
          `SELECT ${LIGHT_DOC} AS doc FROM sessions s WHERE ${where.sql} ORDER BY s.created DESC, s.id DESC`,
          where.params,
        );
        const found = new Set(rows.rows.map((r) => r.doc.sessionId));
        return reply.send({
          total: rows.rows.length,
          moreAvailable: false,
          sessions: rows.rows.map((r) => koreSession(r.doc, botId)),
          invalidSessions: ids.filter((id) => !found.has(id)),
        });
      }
      const containment = containmentType((request.query as Params).containmentType ?? p.containmentType);
      const { from, to } = dateWindow(p, deps.now());
      const { skip, limit } = paging(p, MAX_SESSIONS_LIMIT);
      const type = sessionType(p);
      const where = new Where(tenantId)
        .bot(botId)
        .add((x) => `s.created >= ${x}::timestamptz`, new Date(from).toISOString())
        .add((x) => `s.created <= ${x}::timestamptz`, new Date(to).toISOString())
        .user(userIdOf(p))
        .tags(tagFilters(p));
      if (containment) where.add((x) => `s.containment = ${x}`, containment);
      if (type)
        where.clauses.push(
          `(s.doc -> 'stats' ->> 'guestMessages')::int ${type === 'interactive' ? '>' : '='} 0`,
        );
      const onlyWindow = !containment && !type && userIdOf(p) === undefined && tagFilters(p).length === 0;
      const total = onlyWindow
        ? await botSessionCount(deps.db, tenantId, botId, from, to)
        : Number(
            (
              await deps.db.query<{ n: string }>(
                `SELECT count(*) AS n FROM sessions s WHERE ${where.sql}`,
                where.params,
              )
            ).rows[0].n,
          );
      // The page's ids off the (bot sessions, created) index first, then only their documents: skipped
      // sessions are never read.
      const page = await deps.db.query<{ doc: Session }>(
        `SELECT ${LIGHT_DOC} AS doc FROM (
           SELECT s.id FROM sessions s WHERE ${where.sql}
            ORDER BY s.created DESC, s.id DESC LIMIT ${limit} OFFSET ${skip}
         ) AS page JOIN sessions s ON s.tenant_id = $1 AND s.id = page.id
         ORDER BY s.created DESC, s.id DESC`,
        where.params,
      );
      return reply.send({
        total,
        moreAvailable: skip + page.rows.length < total,
        sessions: page.rows.map((r) => koreSession(r.doc, botId)),
      });
    }

    /** Messages of one bot, or of every bot of the tenant (`botId` undefined: the Bot Admin Console call). */
    async function getMessages(
      request: FastifyRequest,
      reply: FastifyReply,
      botId: string | undefined,
      max: number,
    ) {
      const tenantId = await guard(request, botId);
      const p = params(request);
      const { from, to } = dateWindow(p, deps.now());
      const { skip, limit } = paging(p, max);
      const rawIds = typeof p.sessionId === 'string' ? p.sessionId.split(',') : p.sessionId;
      const ids = sessionIds({ sessionId: rawIds });
      const fromIso = new Date(from).toISOString();
      const toIso = new Date(to).toISOString();
      const where = new Where(tenantId)
        .bot(botId)
        .add((x) => `s.created <= ${x}::timestamptz`, toIso)
        .add((x) => `(s.ended IS NULL OR s.ended >= ${x}::timestamptz)`, fromIso)
        .add((x) => `e.at >= ${x}::timestamptz`, fromIso)
        .add((x) => `e.at <= ${x}::timestamptz`, toIso)
        .user(userIdOf(p))
        .tags(tagFilters(p));
      if (ids !== undefined) where.add((x) => `s.session_id = ANY(${x}::text[])`, ids);
      if (typeof p.channelType === 'string' && p.channelType !== '') where.channel(p.channelType);
      const forward = p.forward === true || p.forward === 'true';
      const rows = await deps.db.query<{
        body: SessionEvent;
        session: MessageRow['session'];
        total: string;
      }>(
        `SELECT e.body, jsonb_build_object('sessionId', s.session_id, 'bot', s.doc -> 'bot', 'guest', s.doc -> 'guest',
                  'channel', s.channel, 'tags', s.doc -> 'tags', 'chatbots', s.doc -> 'chatbots',
                  'languages', s.doc -> 'stats' -> 'languages') AS session,
                count(*) OVER () AS total
           FROM sessions s JOIN events e ON e.tenant_id = s.tenant_id AND e.session_id = s.session_id
          WHERE e.type = 'message' AND ${where.sql}
          ORDER BY e.at ${forward ? 'ASC' : 'DESC'}, e.id ${forward ? 'ASC' : 'DESC'}
          LIMIT ${limit} OFFSET ${skip}`,
        where.params,
      );
      let total = Number(rows.rows[0]?.total ?? 0);
      if (rows.rows.length === 0 && skip > 0) {
        const counted = await deps.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM sessions s JOIN events e ON e.tenant_id = s.tenant_id AND e.session_id = s.session_id
            WHERE e.type = 'message' AND ${where.sql}`,
          where.params,
        );
        total = Number(counted.rows[0].n);
      }
      return reply.send({
        total,
        moreAvailable: skip + rows.rows.length < total,
        messages: rows.rows.map((r) =>
          koreMessage(
            { event: r.body as MessageRow['event'], session: r.session },
            botId ?? botIdsOf(r.session)[0],
          ),
        ),
      });
    }

    // Parameters and bodies are documented in `config.openapi` (./docs.ts), never in `schema`: Fastify would
    // validate them, and Kore's parsing and error messages are the route's own.
    const errors = { 400: KoreErrorResponse, 401: KoreErrorResponse, 429: KoreErrorResponse };
    scope.post<{ Params: { botId: string } }>(
      '/api/public/bot/:botId/getSessions',
      {
        schema: {
          tags: ['kore'],
          summary: 'Sessions of one bot, newest first',
          response: { 200: GetSessionsResponse, ...errors },
        },
        config: { openapi: getSessionsDocs(true) },
      },
      (request, reply) => getSessions(request, reply, request.params.botId),
    );
    scope.post(
      '/api/public/getSessions',
      {
        schema: {
          tags: ['kore'],
          summary: 'Sessions of every bot of the account, newest first',
          response: { 200: GetSessionsResponse, ...errors },
        },
        config: { openapi: getSessionsDocs(false) },
      },
      (request, reply) => getSessions(request, reply, undefined),
    );
    for (const [name, max] of [
      ['getMessages', MAX_MESSAGES_LIMIT.v1],
      ['getMessagesV2', MAX_MESSAGES_LIMIT.v2],
    ] as const) {
      scope.route<{ Params: { botId: string } }>({
        method: ['GET', 'POST'],
        url: `/api/public/bot/:botId/${name}`,
        schema: {
          tags: ['kore'],
          summary: `Conversation history of one bot (at most ${max} per call)`,
          response: { 200: GetMessagesResponse, ...errors },
        },
        config: { openapi: getMessagesDocs(true, max) },
        handler: (request, reply) => getMessages(request, reply, request.params.botId, max),
      });
    }
    scope.post(
      '/api/public/getMessages',
      {
        schema: {
          tags: ['kore'],
          summary: `Conversation history of every bot of the account (at most ${MAX_MESSAGES_LIMIT.v1} per call)`,
          response: { 200: GetMessagesResponse, ...errors },
        },
        config: { openapi: getMessagesDocs(false, MAX_MESSAGES_LIMIT.v1) },
      },
      (request, reply) => getMessages(request, reply, undefined, MAX_MESSAGES_LIMIT.v1),
    );
    registered();
  };
}
