/**
 * Administration of tenants and API clients (docs/operations.md#tenants-clients-and-roles).
 * `/v1/tenants` (create, list) and `DELETE /v1/tenants/{id}` need the server's `SWITCHBOARD_ADMIN_TOKEN`; a
 * tenant's own record and clients (`/v1/tenants/{id}…`) take that token or an admin client of that tenant,
 * which may also name it `me`. Another tenant's id answers 404, as everywhere.
 */
import { Type } from '@sinclair/typebox';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { AppError, ErrorBody, tenantSecurity } from '../http/errors.js';
import { createTenant } from './repository.js';
import {
  createClient,
  deleteTenant,
  getTenant,
  listClients,
  listTenants,
  revokeClient,
  rotateClient,
  updateTenant,
  type TenantChange,
} from './admin.js';

const bearer = (request: FastifyRequest) => /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];

function isAdminToken(token: string | undefined, adminToken: string | undefined): boolean {
  if (!token || !adminToken) return false;
  const given = createHash('sha256').update(token).digest();
  const expected = createHash('sha256').update(adminToken).digest();
  return timingSafeEqual(given, expected);
}

function checkAdmin(request: FastifyRequest, adminToken: string | undefined): void {
  if (!adminToken)
    throw new AppError('forbidden', 'administration is disabled: set SWITCHBOARD_ADMIN_TOKEN to enable it');
  const token = bearer(request);
  if (!token)
    throw new AppError('unauthorized', 'missing admin token: Authorization: Bearer $SWITCHBOARD_ADMIN_TOKEN');
  if (!isAdminToken(token, adminToken)) throw new AppError('unauthorized', 'invalid admin token');
}

const Credentials = Type.Object({ clientId: Type.String(), clientSecret: Type.String() });

export const CreatedTenant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  departmentId: Type.Integer(),
  credentials: Credentials,
});

const Role = Type.Union(
  [Type.Literal('admin'), Type.Literal('user'), Type.Literal('reader'), Type.Literal('producer')],
  { description: 'admin, user, reader or producer (docs/operations.md#roles)' },
);
// One schema with a type list, not a union: the validator's coercion would turn a 0 into the union's null.
const KoreLimit = Type.Unsafe<number | null>({
  type: ['integer', 'null'],
  minimum: 1,
  maximum: 1_000_000_000,
});
const TenantRecord = Type.Object({
  id: Type.String(),
  name: Type.String(),
  departmentId: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  settings: Type.Object({
    kore: Type.Object(
      { perMinute: KoreLimit, perHour: KoreLimit },
      { description: "Kore.ai analytics rate limits (null: Kore's defaults, 60 a minute and 1,800 an hour)" },
    ),
  }),
});
const ClientRecord = Type.Object({
  clientId: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  createdAt: Type.String({ format: 'date-time' }),
  rotatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  previousSecretExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
const ClientWithSecret = Type.Composite([ClientRecord, Type.Object({ clientSecret: Type.String() })]);

const TenantId = Type.String({ minLength: 1, maxLength: 64, description: "a tenant's id, or `me`" });
const ClientId = Type.String({ minLength: 1, maxLength: 64 });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const security = [{ admin: [] }, ...tenantSecurity];

export function tenantRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  /**
   * The operator's token, or an admin client of the tenant the path names (`me`: the client's own); checked
   * before the body is read.
   */
  async function caller(request: FastifyRequest) {
    const params = request.params as { tenantId: string };
    if (isAdminToken(bearer(request), deps.adminToken)) {
      if (params.tenantId === 'me')
        throw new AppError('bad_request', '`me` names the tenant of an API client; the admin token has none');
      callers.set(request, { tenantId: params.tenantId, operator: true });
      return;
    }
    const principal = await deps.authenticate(request);
    if (params.tenantId !== 'me' && params.tenantId !== principal.tenant.id)
      throw new AppError('not_found', `tenant ${params.tenantId} not found`);
    callers.set(request, { tenantId: principal.tenant.id, operator: false });
  }
  const callers = new WeakMap<FastifyRequest, { tenantId: string; operator: boolean }>();
  const tenantOf = (request: FastifyRequest) => callers.get(request)!;
  const tenantScoped = { onRequest: caller };
  const operatorOnly = {
    onRequest: (request: FastifyRequest, _reply: unknown, done: (error?: Error) => void) => {
      try {
        checkAdmin(request, deps.adminToken);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  };

  app.post(
    '/v1/tenants',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a tenant and its first API client (role admin)',
        description: 'The client secret is shown only in this answer; the server keeps its hash.',
        security: [{ admin: [] }],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            departmentId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedTenant, ...errors },
      },
      ...operatorOnly,
    },
    async (request, reply) => {
      const tenant = await deps.db.tx((q) => createTenant(q, request.body));
      reply.code(201);
      return tenant;
    },
  );

  app.get(
    '/v1/tenants',
    {
      schema: {
        tags: ['admin'],
        summary: 'List tenants, in id order, a page at a time',
        security: [{ admin: [] }],
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
            after: Type.Optional(Type.String({ maxLength: 64, description: '`next` of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            tenants: Type.Array(TenantRecord),
            next: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
      ...operatorOnly,
    },
    async (request) => listTenants(deps.db, request.query),
  );

  app.get(
    '/v1/tenants/:tenantId',
    {
      schema: {
        tags: ['admin'],
        summary: 'A tenant and its settings',
        security,
        params: Type.Object({ tenantId: TenantId }),
        response: { 200: TenantRecord, ...errors },
      },
      ...tenantScoped,
    },
    async (request) => getTenant(deps.db, tenantOf(request).tenantId),
  );

  app.patch(
    '/v1/tenants/:tenantId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename a tenant or change its settings (what is left out stays as it was)',
        security,
        params: Type.Object({ tenantId: TenantId }),
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            settings: Type.Optional(
              Type.Object(
                {
                  kore: Type.Optional(
                    Type.Object(
                      { perMinute: Type.Optional(KoreLimit), perHour: Type.Optional(KoreLimit) },
                      { additionalProperties: false },
                    ),
                  ),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false, examples: [{ settings: { kore: { perMinute: 120 } } }] },
        ),
        response: { 200: TenantRecord, ...errors },
      },
      ...tenantScoped,
    },
    async (request) => updateTenant(deps.db, tenantOf(request).tenantId, request.body as TenantChange),
  );

  app.delete(
    '/v1/tenants/:tenantId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete a tenant with all its sessions, events, files, analytics and clients',
        description:
          'Its clients stop working at once; the data goes in batches. An interrupted deletion is finished by deleting again.',
        security: [{ admin: [] }],
        params: Type.Object({ tenantId: TenantId }),
        response: {
          200: Type.Object({
            id: Type.String(),
            deleted: Type.Object({ sessions: Type.Integer(), files: Type.Integer() }),
          }),
          ...errors,
        },
      },
      ...operatorOnly,
    },
    async (request) => ({
      id: request.params.tenantId,
      deleted: await deleteTenant(deps.db, deps.blobs, request.params.tenantId),
    }),
  );

  app.get(
    '/v1/tenants/:tenantId/clients',
    {
      schema: {
        tags: ['admin'],
        summary: "A tenant's API clients, revoked ones included; never their secrets",
        security,
        params: Type.Object({ tenantId: TenantId }),
        response: { 200: Type.Object({ clients: Type.Array(ClientRecord) }), ...errors },
      },
      ...tenantScoped,
    },
    async (request) => ({ clients: await listClients(deps.db, tenantOf(request).tenantId) }),
  );

  app.post(
    '/v1/tenants/:tenantId/clients',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add an API client with a role; its secret is shown only in this answer',
        security,
        params: Type.Object({ tenantId: TenantId }),
        body: Type.Object(
          { role: Role, name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
          { additionalProperties: false, examples: [{ role: 'reader', name: 'wallboard' }] },
        ),
        response: { 201: ClientWithSecret, ...errors },
      },
      ...tenantScoped,
    },
    async (request, reply) => {
      const { tenantId } = tenantOf(request);
      const client = await deps.db.tx((q) => createClient(q, tenantId, request.body));
      reply.code(201);
      return client;
    },
  );

  app.post(
    '/v1/tenants/:tenantId/clients/:clientId/rotate',
    {
      schema: {
        tags: ['admin'],
        summary: 'Give a client a new secret; the old one keeps working for the grace period',
        security,
        params: Type.Object({ tenantId: TenantId, clientId: ClientId }),
        body: Type.Optional(
          Type.Object(
            {
              graceSeconds: Type.Integer({
                minimum: 0,
                maximum: 30 * 86_400,
                default: 86_400,
                description: 'how long the old secret keeps working (default one day, at most 30 days)',
              }),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 200: ClientWithSecret, ...errors },
      },
      ...tenantScoped,
    },
    async (request) => {
      const { tenantId } = tenantOf(request);
      const grace = request.body?.graceSeconds ?? 86_400;
      return rotateClient(deps.db, tenantId, request.params.clientId, grace, deps.now());
    },
  );

  app.delete(
    '/v1/tenants/:tenantId/clients/:clientId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke a client: every dialect refuses it from now on',
        description:
          "Its cookie sessions end. A tenant's last admin client can only be revoked with the admin token.",
        security,
        params: Type.Object({ tenantId: TenantId, clientId: ClientId }),
        response: { 204: Type.Null(), ...errors },
      },
      ...tenantScoped,
    },
    async (request, reply) => {
      const { tenantId, operator } = tenantOf(request);
      await revokeClient(deps.db, tenantId, request.params.clientId, {
        keepAnAdmin: !operator,
        now: deps.now(),
      });
      return reply.code(204).send(null);
    },
  );
}
