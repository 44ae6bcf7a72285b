/**
 * `GET|PUT /v1/settings/retention` (the caller's tenant's policy) and `POST|GET /v1/erasures` (erasure by
 * guest and its audit). docs/retention.md.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { AppError, commonErrors, tenantSecurity } from '../http/errors.js';
import { getPolicy, RetentionPolicy, setPolicy } from './policy.js';
import { eraseGuest, listErasures, type ErasureKey } from './erasure.js';

const Key = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 200, description }));
const ErasureRequest = Type.Object(
  {
    identity: Key("the guest's identity (guest.identity, or a bot's userId)"),
    phone: Key('a phone number (guest phone, callback number, caller number); spaces and dashes ignored'),
    email: Key("the guest's e-mail (case ignored)"),
  },
  { additionalProperties: false, description: 'exactly one of identity, phone, email' },
);
const ErasureOut = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  requestedBy: Type.String({ description: 'the API client that asked' }),
  matchedBy: Type.Union([Type.Literal('identity'), Type.Literal('phone'), Type.Literal('email')]),
  sessionIds: Type.Array(Type.String()),
  webhookDeliveriesDropped: Type.Integer(),
});

export function retentionRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const preHandler = async (request: Parameters<AppDeps['authenticate']>[0]) => {
    await deps.authenticate(request);
  };
  const tags = ['retention and GDPR'];

  app.get(
    '/v1/settings/retention',
    {
      schema: {
        tags,
        summary: "The tenant's retention policy (all null: keep everything)",
        security: tenantSecurity,
        response: { 200: RetentionPolicy, ...commonErrors },
      },
      preValidation: preHandler,
    },
    async (request) => getPolicy(deps.db, request.principal!.tenant.id),
  );

  app.put(
    '/v1/settings/retention',
    {
      schema: {
        tags,
        summary: "Set the tenant's retention policy; the next retention run applies it",
        description:
          'Every field is required; null turns that part off. Sessions are deleted or anonymised by their `created` time; deletion keeps analytics counts.',
        security: tenantSecurity,
        body: RetentionPolicy,
        response: { 200: RetentionPolicy, ...commonErrors },
      },
      preValidation: preHandler,
    },
    async (request) =>
      setPolicy(deps.db, request.principal!.tenant.id, request.body as RetentionPolicy, deps.now()),
  );

  app.post(
    '/v1/erasures',
    {
      schema: {
        tags,
        summary: 'Erase a guest: anonymise every session with this identity, phone or e-mail',
        description:
          "Rewrites the sessions' events without the guest's personal data and message texts, deletes their file and recording bytes and drops their webhook payloads; answers the audit record (which never holds the erased value).",
        security: tenantSecurity,
        body: ErasureRequest,
        response: { 201: ErasureOut, ...commonErrors },
      },
      preValidation: preHandler,
    },
    async (request, reply) => {
      const given = Object.entries(request.body).filter(([, v]) => v !== undefined);
      if (given.length !== 1) {
        throw new AppError('validation_failed', 'give exactly one of identity, phone, email', [
          { field: 'body', message: `${given.length} keys given` },
        ]);
      }
      const [kind, value] = given[0];
      if (kind === 'phone' && value.replace(/[^0-9+]/g, '') === '') {
        throw new AppError('validation_failed', 'phone has no digits', [
          { field: 'phone', message: 'no digits' },
        ]);
      }
      const erasure = await eraseGuest(
        deps.db,
        deps.blobs,
        request.principal!.tenant.id,
        { [kind]: value } as ErasureKey,
        request.principal!.clientId,
        deps.now(),
      );
      return reply.code(201).send(erasure);
    },
  );

  app.get(
    '/v1/erasures',
    {
      schema: {
        tags,
        summary: "The tenant's erasure audit, newest first (the last 100)",
        security: tenantSecurity,
        response: { 200: Type.Object({ items: Type.Array(ErasureOut) }), ...commonErrors },
      },
      preValidation: preHandler,
    },
    async (request) => ({ items: await listErasures(deps.db, request.principal!.tenant.id) }),
  );
}
