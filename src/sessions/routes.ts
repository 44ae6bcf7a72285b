/** Native session reads: `GET /v1/sessions`, `GET /v1/sessions/{sessionId}`. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { AppError, commonErrors, tenantSecurity } from '../http/errors.js';
import { ListQuery, NativeSession, SessionPage, SessionParams } from './schemas.js';
import { listSessions, sessionDoc } from './repository.js';
import { toNativeSession, toSummary } from './map.js';

export function sessionRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const preHandler = async (request: Parameters<AppDeps['authenticate']>[0]) => {
    await deps.authenticate(request);
  };

  app.get(
    '/v1/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'List sessions, newest first',
        description:
          'Filters combine with AND. Ranges are half-open: `createdFrom` ≤ created < `createdTo`. Keyset pagination: pass the returned `nextCursor` as `cursor`.',
        security: tenantSecurity,
        querystring: ListQuery,
        response: { 200: SessionPage, ...commonErrors },
      },
      preHandler,
    },
    async (request) => {
      const page = await listSessions(deps.db, request.principal!.tenant.id, request.query as ListQuery);
      const now = deps.now();
      return { items: page.docs.map((doc) => toSummary(doc, now)), nextCursor: page.nextCursor };
    },
  );

  // The full session schema is too deep for the type provider's inference: typed by hand here.
  fastify.get<{ Params: { sessionId: string } }>(
    '/v1/sessions/:sessionId',
    {
      schema: {
        tags: ['sessions'],
        summary: 'One session with its durations, operators, routing timeline and activities',
        security: tenantSecurity,
        params: SessionParams,
        response: { 200: NativeSession, ...commonErrors },
      },
      preHandler,
    },
    async (request, reply) => {
      const tenantId = request.principal!.tenant.id;
      const { sessionId } = request.params;
      const links = deps.links(request);
      const body = await deps.readCache.get(
        tenantId,
        sessionId,
        `native ${deps.baseUrl(request)}`,
        async () => {
          const doc = await sessionDoc(deps.db, tenantId, sessionId);
          // The route's response schema serialises (to a string: no custom serializer is set).
          return (
            doc && { sessionId, render: (now) => reply.serialize(toNativeSession(doc, now, links)) as string }
          );
        },
        deps.now(),
      );
      if (body === null) throw new AppError('not_found', `session '${sessionId}' not found`);
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
}
