/**
 * `GET /v1/stream` (Server-Sent Events, better-sse) and `POST /v1/stream/token` (a short-lived token for
 * browsers' EventSource, which cannot send headers). docs/live.md.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createSession } from 'better-sse';
import { SignJWT, jwtVerify } from 'jose';
import type { AppDeps } from '../app.js';
import { SESSION_ID_PATTERN } from '../domain/events.js';
import { AppError, commonErrors, tenantSecurity } from '../http/errors.js';
import { clientById } from '../tenants/repository.js';
import { admit } from '../http/access.js';
import { tenantChangesAfter, type Change } from './changes.js';
import type { LiveHub } from './hub.js';
import { IN_PROGRESS, liveQueues } from './queues.js';
import { queueFeed } from './queue-feed.js';
import { liveOperators } from '../operators/live.js';
import { OPERATOR_STATES } from '../operators/model.js';
import { literals } from '../domain/events.js';
import { isIanaZone } from '../analytics/intervals.js';

const TOKEN_LIFETIME_S = 300;
const AUDIENCE = 'switchboard-stream';
/** A subscriber whose socket holds more than this unsent is too slow: it is disconnected and may resume. */
const MAX_UNSENT_BYTES = 1024 * 1024;
/** Live changes held while a resuming subscriber replays; more and it is disconnected (it may resume). */
const MAX_HELD = 10_000;
const REPLAY_PAGE = 1000;

const StreamQuery = Type.Object(
  {
    sessionId: Type.Optional(Type.String({ pattern: SESSION_ID_PATTERN, description: 'only this session' })),
    queue: Type.Optional(Type.Integer({ minimum: 0, description: 'only sessions routed to this group id' })),
    operator: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'only this operator' })),
    lastEventId: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,18}$',
        description: 'resume after this id (as the Last-Event-ID header)',
      }),
    ),
    access_token: Type.Optional(
      Type.String({ maxLength: 2000, description: 'a token of POST /v1/stream/token' }),
    ),
    timeZone: Type.Optional(
      Type.String({ maxLength: 64, description: 'IANA zone of "today" in `queue` events (default UTC)' }),
    ),
  },
  { additionalProperties: false },
);
type StreamQuery = Static<typeof StreamQuery>;

/**
 * A change's event data as JSON text, made once however many subscribers it goes to (the hub hands every
 * subscriber the same change object): `operator` carries the operator's state, `session` the summary,
 * `removed` the session id.
 */
const serialized = new WeakMap<Change, string>();
function dataOf(change: Change): string {
  let text = serialized.get(change);
  if (text === undefined) {
    text = JSON.stringify(change.operator ?? change.summary ?? { sessionId: change.sessionId });
    serialized.set(change, text);
  }
  return text;
}

export function liveRoutes(fastify: FastifyInstance, deps: AppDeps, hub: LiveHub): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const queues = queueFeed(deps.db, hub, deps.now, (error) =>
    fastify.log.error({ err: error }, 'live queue snapshot failed'),
  );
  const key = deps.keys.derive('stream-token');
  const open = new Set<ServerResponse>();

  /** Header credentials, or the short-lived query token a browser's EventSource carries. */
  async function authenticate(request: FastifyRequest): Promise<void> {
    const token = (request.query as { access_token?: string }).access_token;
    if (token === undefined || request.headers.authorization) {
      await deps.authenticate(request);
      return;
    }
    let clientId: string | undefined;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        currentDate: new Date(deps.now()),
      });
      clientId = payload.sub;
    } catch {
      throw new AppError('unauthorized', 'access_token is not a valid, unexpired stream token');
    }
    const client = clientId ? await clientById(deps.db, clientId) : null;
    if (!client) throw new AppError('unauthorized', 'the client of this access_token was revoked');
    admit(request, { tenant: client.tenant, clientId: client.clientId, role: client.role });
  }

  app.post(
    '/v1/stream/token',
    {
      schema: {
        tags: ['live'],
        summary:
          'A 5-minute token for `GET /v1/stream?access_token=…` (browsers’ EventSource sends no headers)',
        security: tenantSecurity,
        response: {
          200: Type.Object({ token: Type.String(), expiresIn: Type.Integer({ description: 'seconds' }) }),
          ...commonErrors,
        },
      },
      preValidation: async (request) => {
        await deps.authenticate(request);
      },
    },
    async (request) => {
      const issuedAt = Math.floor(deps.now() / 1000);
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setAudience(AUDIENCE)
        .setSubject(request.principal!.clientId)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + TOKEN_LIFETIME_S)
        .sign(key);
      return { token, expiresIn: TOKEN_LIFETIME_S };
    },
  );

  app.get(
    '/v1/stream',
    {
      schema: {
        tags: ['live'],
        summary: 'Server-Sent Events: every session change of the tenant as it is committed',
        description:
          'Event `session`, data = the session summary of `GET /v1/sessions`, id = the change id; event `operator`, data = an operator whose state changed, as `GET /v1/live/operators` shows it (without `sessions`; `queue` and `sessionId` filters leave these out); event `removed`, data = `{ sessionId }`, when retention or a bulk delete removed a session; event `queue`, data = one queue as `GET /v1/live/queues` shows it (today in `timeZone`), for every queue on connecting and then whenever one changes (at most twice a second; not with the `sessionId` or `operator` filter). Reconnect with `Last-Event-ID` (EventSource does it) to get every change since, without loss or duplicates, within the 24-hour window; an older id gets a `reset` event first. A comment line every 15 s keeps proxies from closing the connection.',
        security: tenantSecurity,
        querystring: StreamQuery,
        response: {
          200: {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...commonErrors,
        },
      },
      preValidation: authenticate,
    },
    async (request, reply) => {
      const query = request.query;
      const tenantId = request.principal!.tenant.id;
      const header = request.headers['last-event-id'];
      const resumeText = query.lastEventId ?? (typeof header === 'string' ? header.trim() : undefined);
      if (resumeText !== undefined && !/^[0-9]{1,18}$/.test(resumeText)) {
        throw new AppError('validation_failed', 'Last-Event-ID must be an id this stream sent', [
          { field: 'Last-Event-ID', message: 'not a change id' },
        ]);
      }
      const timeZone = todayZone(query.timeZone);
      // Queue snapshots go to subscribers of the whole tenant or of one queue (not of a session or operator).
      const wantsQueues = query.sessionId === undefined && query.operator === undefined;
      // A removal has no summary left to filter on: it reaches every subscriber of the tenant that might
      // have shown the session.
      const matches = (change: Change) =>
        change.operator
          ? query.sessionId === undefined &&
            query.queue === undefined &&
            (query.operator === undefined || change.operator.operator.id === query.operator)
          : matchesSession(change);
      const matchesSession = (change: Change) =>
        (query.sessionId === undefined || change.sessionId === query.sessionId) &&
        (change.summary === null ||
          ((query.queue === undefined || change.summary.groups.some((g) => g.id === query.queue)) &&
            (query.operator === undefined || change.summary.operatorIds.includes(query.operator))));

      reply.hijack();
      const res = reply.raw;
      open.add(res);
      res.once('close', () => open.delete(res));
      // Subscribed before the headers go out, so that a change committed while they do is held, not lost (a
      // client may act on the open stream at once); what arrives before the replay and the session are ready
      // waits in `held`.
      let held: Change[] | null = [];
      let last = resumeText === undefined ? 0 : Number(resumeText);
      let session: Awaited<ReturnType<typeof createSession>> | null = null;
      const send = (change: Change) => {
        if (change.id <= last) return;
        last = change.id;
        if (!matches(change)) return;
        const event = change.operator ? 'operator' : change.summary ? 'session' : 'removed';
        session!.push(dataOf(change), event, String(change.id));
      };
      const drop = () => res.destroy();
      // The hub hands over a batch of changes in one go: the events of a tick leave in one write, not one
      // write (and system call) per event and subscriber.
      let corked = false;
      const corkForTick = () => {
        if (corked) return;
        corked = true;
        res.cork();
        process.nextTick(() => {
          corked = false;
          res.uncork();
        });
      };
      const { position, unsubscribe } = await hub.subscribe({
        tenantId,
        deliver(change) {
          if (res.writableLength > MAX_UNSENT_BYTES) {
            drop();
            return;
          }
          if (held) {
            held.push(change);
            if (held.length > MAX_HELD) drop();
          } else {
            corkForTick();
            send(change);
          }
        },
      });
      res.once('close', unsubscribe);
      try {
        session = await createSession(request.raw, res, {
          keepAlive: 15_000,
          retry: 2000,
          trustClientEventId: false,
          // Data is pushed as JSON text already (a change is serialised once for all its subscribers).
          serializer: (data) => data as string,
          headers: { 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
        });
        if (resumeText !== undefined) {
          const oldest = await deps.db.query<{ id: string | null }>(
            'SELECT min(id) AS id FROM session_changes',
          );
          const oldestKept = Number(oldest.rows[0]?.id ?? 0);
          if (oldestKept > last + 1) {
            // Its id is the resume point itself: an event without one would get a random id from
            // better-sse, which EventSource would send back as Last-Event-ID.
            session.push(
              JSON.stringify({ reason: 'the resume point is older than the 24-hour window', oldestKept }),
              'reset',
              String(last),
            );
          }
          for (;;) {
            const page = await tenantChangesAfter(deps.db, tenantId, last, REPLAY_PAGE);
            const upTo = page.filter((c) => c.id <= position);
            for (const change of upTo) send(change);
            if (page.length < REPLAY_PAGE || upTo.length < page.length || res.destroyed) break;
          }
        }
        for (const change of held) send(change);
        held = null;
        if (wantsQueues) {
          // A snapshot is not a change: its id is the resume point (every change up to it has been sent),
          // so a reconnect with it as Last-Event-ID loses and repeats nothing.
          const stop = queues.subscribe(tenantId, timeZone, (changed) => {
            if (res.destroyed || !session?.isConnected) return;
            if (res.writableLength > MAX_UNSENT_BYTES) {
              drop();
              return;
            }
            const at = String(Math.max(last, position));
            for (const { queue, json } of changed)
              if (query.queue === undefined || queue.queue.id === query.queue)
                session.push(json, 'queue', at);
          });
          res.once('close', stop);
          if (res.destroyed) stop();
        }
      } catch (error) {
        request.log.error({ err: error }, 'stream replay failed');
        drop();
      }
      return reply;
    },
  );

  app.get(
    '/v1/live/queues',
    {
      schema: {
        tags: ['live'],
        summary: 'Every queue now: waiting sessions, the longest current wait, today so far',
        description:
          "`today` counts from midnight in `timeZone` (default UTC) and equals `/v1/analytics/queues` for today. `operators` counts the operators serving the queue (offered or served one of its sessions) by their current state (operator.state events). `sl` is the queue's service-level settings in effect now (`/v1/settings/service-level`), its `goal` what the wallboard colours against.",
        security: tenantSecurity,
        querystring: Type.Object(
          { timeZone: Type.Optional(Type.String({ description: 'IANA zone of "today" (default UTC)' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            asOf: Type.String({ format: 'date-time' }),
            timeZone: Type.String(),
            queues: Type.Array(
              Type.Object({
                queue: Type.Object({ id: Type.Integer(), name: Type.Union([Type.String(), Type.Null()]) }),
                waiting: Type.Integer(),
                longestWaitMs: Type.Union([Type.Integer(), Type.Null()]),
                inProgress: Type.Object(
                  Object.fromEntries(IN_PROGRESS.map((status) => [status, Type.Integer()])),
                  { description: "the queue's sessions in progress now, by status" },
                ),
                operators: Type.Record(Type.String(), Type.Integer()),
                sl: Type.Object(
                  {
                    thresholdSeconds: Type.Number(),
                    shortAbandonSeconds: Type.Number(),
                    abandonsCount: Type.Boolean(),
                    goal: Type.Number({ description: '0–1' }),
                  },
                  { description: "the queue's service-level settings in effect now" },
                ),
                today: Type.Object({
                  offered: Type.Integer(),
                  answered: Type.Integer(),
                  abandoned: Type.Integer(),
                  serviceLevel: Type.Union([Type.Number(), Type.Null()], {
                    description: 'answeredWithinSl / slCounted',
                  }),
                  answeredWithinSl: Type.Integer(),
                  slCounted: Type.Integer(),
                }),
              }),
            ),
          }),
          ...commonErrors,
        },
      },
      preValidation: async (request) => {
        await deps.authenticate(request);
      },
    },
    async (request) => {
      const timeZone = todayZone(request.query.timeZone);
      return liveQueues(deps.db, request.principal!.tenant.id, deps.now(), timeZone);
    },
  );

  app.get(
    '/v1/live/operators',
    {
      schema: {
        tags: ['live'],
        summary: 'Every operator now: current state, since when, the sessions they serve',
        description:
          'From the state kept current at ingest (`operator.state` events; docs/live.md). `since` is when the operator entered the current state (a repeat of the same state does not move it); `sessions` are the open sessions they joined and have not concluded.',
        security: tenantSecurity,
        querystring: Type.Object(
          { timeZone: Type.Optional(Type.String({ description: 'IANA zone of "today" (default UTC)' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            asOf: Type.String({ format: 'date-time' }),
            timeZone: Type.String(),
            operators: Type.Array(
              Type.Object({
                operator: Type.Object({
                  id: Type.String(),
                  userId: Type.Union([Type.Integer(), Type.Null()]),
                  name: Type.Union([Type.String(), Type.Null()]),
                }),
                state: literals(OPERATOR_STATES),
                since: Type.String({ format: 'date-time' }),
                reason: Type.Union([Type.String(), Type.Null()]),
                paid: Type.Union([Type.Boolean(), Type.Null()]),
                sessions: Type.Array(Type.String()),
                today: Type.Object(
                  {
                    handled: Type.Integer(),
                    talkMs: Type.Integer(),
                    acwMs: Type.Integer(),
                    breakMs: Type.Integer(),
                    handlingMs: Type.Integer(),
                    loggedInMs: Type.Integer(),
                    occupancy: Type.Union([Type.Number(), Type.Null()]),
                  },
                  {
                    description: 'since midnight in `timeZone`: what /v1/analytics/operators gives for today',
                  },
                ),
              }),
            ),
          }),
          ...commonErrors,
        },
      },
      preValidation: async (request) => {
        await deps.authenticate(request);
      },
    },
    async (request) => {
      const timeZone = todayZone(request.query.timeZone);
      return liveOperators(deps.db, request.principal!.tenant.id, deps.now(), timeZone);
    },
  );

  // Streams never end on their own: close them before the server closes, or it would wait for them forever.
  fastify.addHook('preClose', async () => {
    for (const res of open) res.destroy();
    await hub.close();
  });
}

/** The zone whose midnight starts "today" (default UTC); anything but an IANA name is a 400. */
function todayZone(given: string | undefined): string {
  const timeZone = given ?? 'UTC';
  if (!isIanaZone(timeZone)) {
    throw new AppError('validation_failed', `timeZone: '${timeZone}' is not an IANA zone name`, [
      { field: 'timeZone', message: 'not an IANA zone name' },
    ]);
  }
  return timeZone;
}
