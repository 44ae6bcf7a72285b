/** `POST /v1/events`: JSON array or NDJSON, atomic, idempotent. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { EVENT_TYPES, eventSchema } from '../domain/events.js';
import { AppError, ErrorBody, tenantSecurity } from '../http/errors.js';
import { MAX_BATCH } from './service.js';
import { operatorStateSchema } from '../operators/model.js';
import { validateBatchSliced } from '../domain/validate.js';

/** Bodies up to this size are read; a 10,000-event batch of realistic events fits comfortably. */
const BODY_LIMIT = 64 * 1024 * 1024;

function parseNdjson(text: string): unknown[] {
  const events: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      events.push(JSON.parse(line));
    } catch (error) {
      throw new AppError(
        'bad_request',
        `line ${i + 1} of the NDJSON body is not valid JSON: ${(error as Error).message}`,
        {
          line: i + 1,
        },
      );
    }
  }
  return events;
}

/**
 * One chat from creation to end: the example /docs offers (Swagger UI would otherwise build one from the
 * first member of each union, which the service refuses). The OpenAPI test posts it and expects a 200.
 */
const EXAMPLE_BATCH = (() => {
  const session = { sessionId: 'chat-2026-03-30-7f3a9c' };
  const group = { id: 12, name: 'Support' };
  const operator = { id: 'op-petra', firstName: 'Petra', lastName: 'Svobodová' };
  return [
    {
      type: 'session.created',
      at: '2026-03-30T09:14:02.120Z',
      channel: 'chat',
      source: 'Default',
      guest: { identity: 'cust-20931', name: 'Jana Nováková', email: 'jana@example.com', language: 'cs' },
    },
    { type: 'routing.requested', at: '2026-03-30T09:14:02.480Z', group },
    { type: 'routing.queued', at: '2026-03-30T09:14:02.510Z', group },
    { type: 'routing.accepted', at: '2026-03-30T09:14:41.007Z', operator },
    { type: 'operator.joined', at: '2026-03-30T09:14:41.300Z', operator },
    {
      type: 'message',
      at: '2026-03-30T09:14:55.000Z',
      from: 'guest',
      text: 'Hello, my last invoice is wrong.',
      lang: 'en',
    },
    {
      type: 'message',
      at: '2026-03-30T09:15:20.000Z',
      from: 'operator',
      operator,
      text: 'Let me check it for you.',
      lang: 'en',
    },
    { type: 'session.ended', at: '2026-03-30T09:21:07.250Z', reason: 'GuestLeft' },
  ].map((event, index) => ({ id: `evt-7f3a9c-${index + 1}`, ...session, ...event }));
})();

export function eventRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.addContentTypeParser(
    ['application/x-ndjson', 'application/ndjson'],
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_req, body, done) => {
      try {
        done(null, parseNdjson(body as string));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  app.post(
    '/v1/events',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['events'],
        summary: 'Ingest session events',
        description: `A JSON array of events, or NDJSON (Content-Type: application/x-ndjson). At most ${MAX_BATCH} events per batch. The batch is atomic: if any event is invalid nothing is stored and the answer lists every bad event by index and field. An id seen before with identical content is a duplicate (no-op); the same id with different content is a 409.`,
        security: tenantSecurity,
        body: Type.Array(Type.Union([...EVENT_TYPES.map(eventSchema), operatorStateSchema]), {
          description: 'Events (validated per type by the service)',
          examples: [EXAMPLE_BATCH],
        }),
        response: {
          200: Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer() }),
          400: ErrorBody,
          401: ErrorBody,
          409: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
        },
      },
      // The service validates events itself to report every bad one by index and field.
      validatorCompiler: () => () => true,
      // Credentials before the body is read: an anonymous 60 MB batch is refused without being buffered.
      onRequest: async (request) => {
        await deps.authenticate(request);
      },
    },
    async (request) => {
      const body = request.body;
      if (!Array.isArray(body)) {
        throw new AppError(
          'bad_request',
          'the body must be a JSON array of events (or NDJSON with Content-Type: application/x-ndjson)',
        );
      }
      // Validated in slices first (the loop keeps serving other requests); the service reuses the result.
      if (body.length > 0 && body.length <= MAX_BATCH) await validateBatchSliced(body);
      const result = await deps.ingest(request.principal!.tenant.id, body);
      deps.onSessionsChanged?.(request.principal!.tenant.id, result.sessions);
      return { accepted: result.accepted, duplicates: result.duplicates };
    },
  );
}
