/** `POST /v1/tenants`: administration, behind `SWITCHBOARD_ADMIN_TOKEN`. */
import { Type } from '@sinclair/typebox';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { AppError, ErrorBody } from '../http/errors.js';
import { createTenant } from './repository.js';

function checkAdmin(request: FastifyRequest, adminToken: string | undefined): void {
  if (!adminToken)
    throw new AppError('forbidden', 'administration is disabled: set SWITCHBOARD_ADMIN_TOKEN to enable it');
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match)
    throw new AppError('unauthorized', 'missing admin token: Authorization: Bearer $SWITCHBOARD_ADMIN_TOKEN');
  const given = createHash('sha256').update(match[1]).digest();
  const expected = createHash('sha256').update(adminToken).digest();
  if (!timingSafeEqual(given, expected)) throw new AppError('unauthorized', 'invalid admin token');
}

export const CreatedTenant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  departmentId: Type.Integer(),
  credentials: Type.Object({ clientId: Type.String(), clientSecret: Type.String() }),
});

export function tenantRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/v1/tenants',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a tenant and its first API client',
        description: 'The client secret is shown only in this answer; the server keeps its hash.',
        security: [{ admin: [] }],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            departmentId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedTenant, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody },
      },
      preHandler: (request, _reply, done) => {
        try {
          checkAdmin(request, deps.adminToken);
          done();
        } catch (error) {
          done(error as Error);
        }
      },
    },
    async (request, reply) => {
      const tenant = await deps.db.tx((q) => createTenant(q, request.body));
      reply.code(201);
      return tenant;
    },
  );
}
