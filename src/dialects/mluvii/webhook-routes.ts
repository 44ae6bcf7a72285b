/**
 * mluvii's webhook registration (`/api/v1/Webhooks`) with the statuses and bodies of mluvii's swagger 2.30,
 * plus Switchboard's additions on routes of their own (signing secret, delivery log, redelivery), so that
 * no mluvii shape changes. Registered inside the mluvii scope: its error handler renders the problems.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../app.js';
import { AppError } from '../../http/errors.js';
import { SECURITY } from '../../http/openapi.js';
import {
  createWebhook,
  deleteAllWebhooks,
  deleteWebhook,
  deliveryLog,
  findWebhook,
  listWebhooks,
  redeliver,
  rotateWebhookSecret,
  updateWebhook,
  type Webhook,
} from '../../webhooks/repository.js';
import { openCallbackUrl, openSecret } from '../../webhooks/secrets.js';
import { callbackRefusal } from '../../webhooks/targets.js';
import { invalid, normalizeQuery, type RawQuery } from './query.js';
import {
  bindWebhookModel,
  maskCallbackUrl,
  WebhookAddEditModel,
  webhookModel,
  WebhookModel,
  type WebhookInput,
} from './webhook-model.js';

/** The response header that carries a new webhook's signing secret (Switchboard extension). */
export const SECRET_HEADER = 'x-switchboard-webhook-secret';

const tags = ['mluvii webhooks'];
const security = SECURITY.mluvii;
const IdParams = Type.Object({ id: Type.String() });
const WebhookId = Type.Integer({ format: 'int32', description: 'the webhook id, a bare JSON integer' });
const Secret = Type.Object({
  secret: Type.String({ description: 'HMAC-SHA256 key of X-Switchboard-Signature' }),
});
const MAX_INT32 = 2_147_483_647;

/** WebhookModel of a stored webhook: its URL as stored in clear, masked (also in a row not yet sealed). */
const model = (webhook: Webhook) =>
  webhookModel({ id: webhook.id, eventTypes: webhook.eventTypes, callbackUrl: webhook.stored.callbackUrl });

/** A webhook id from the path: an int32, else no such webhook (404, as for an unknown id). */
function webhookId(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_INT32) {
    throw new AppError('not_found', `webhook '${text}' not found`);
  }
  return Number(text);
}

export interface WebhookRouteDeps {
  deps: AppDeps;
  /** Authenticates the mluvii Bearer token and sets `request.principal`. */
  authenticate: (request: FastifyRequest) => Promise<void>;
}

export function mluviiWebhookRoutes(scope: FastifyInstance, { deps, authenticate }: WebhookRouteDeps): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.principal!.tenant.id;
  // Authentication comes first, so an anonymous caller learns nothing from body validation.
  const bind = (request: FastifyRequest, _reply: unknown, done: (error?: Error) => void) => {
    try {
      request.body = bindWebhookModel(request.body);
      done();
    } catch (error) {
      done(error as Error);
    }
  };

  /** A callback URL that points into the server's own network is refused when registered (and on delivery). */
  async function refuseTarget(callbackUrl: string): Promise<void> {
    const refusal = await callbackRefusal(deps.webhookTargets, callbackUrl);
    if (refusal) throw invalid('callbackUrl', refusal);
  }

  async function own(request: FastifyRequest, idText: string): Promise<Webhook> {
    const id = webhookId(idText);
    const webhook = await findWebhook(deps.db, tenantOf(request), id);
    if (!webhook) throw new AppError('not_found', `webhook ${id} not found`);
    return webhook;
  }

  app.get(
    '/api/v1/Webhooks',
    {
      schema: {
        tags,
        summary: 'Registered webhooks (WebhookModel; a password in a callback URL shows as ***)',
        response: { 200: Type.Array(WebhookModel) },
        security,
      },
      onRequest: authenticate,
    },
    async (request) => (await listWebhooks(deps.db, tenantOf(request))).map(model),
  );

  app.post(
    '/api/v1/Webhooks',
    {
      schema: {
        tags,
        summary: 'Register a webhook → 201 with its id as a bare integer; 409 with the existing id',
        description: `The same callbackUrl and set of event types registered again answers 409 with the existing id. The signing secret comes in the \`X-Switchboard-Webhook-Secret\` header of the 201 (and from GET /api/v1/Webhooks/{id}/secret).`,
        body: WebhookAddEditModel,
        response: { 201: WebhookId, 409: WebhookId },
        security,
      },
      onRequest: authenticate,
      preValidation: bind,
    },
    async (request, reply) => {
      const input = request.body as WebhookInput;
      await refuseTarget(input.callbackUrl);
      const result = await createWebhook(deps.db, deps.keys, tenantOf(request), input);
      if ('existing' in result) return reply.code(409).send(result.existing);
      const { id, secret } = result.created;
      return reply
        .code(201)
        .header('location', `${deps.baseUrl(request)}/api/v1/Webhooks/${id}`)
        .header(SECRET_HEADER, secret)
        .send(id);
    },
  );

  app.delete(
    '/api/v1/Webhooks',
    {
      schema: {
        tags,
        summary: "Delete all of the tenant's webhooks and their queued deliveries → 204",
        response: { 204: Type.Null() },
        security,
      },
      onRequest: authenticate,
    },
    async (request, reply) => {
      await deleteAllWebhooks(deps.db, tenantOf(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/Webhooks/:id',
    {
      schema: {
        tags,
        summary: 'One WebhookModel',
        params: IdParams,
        response: { 200: WebhookModel },
        security,
      },
      onRequest: authenticate,
    },
    async (request) => model(await own(request, request.params.id)),
  );

  app.put(
    '/api/v1/Webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Replace a webhook’s event types and callback URL → 204',
        description:
          'A callbackUrl equal to the masked one GET shows keeps the stored password. A clash with another registration answers 409 with its id.',
        params: IdParams,
        body: WebhookAddEditModel,
        response: { 204: Type.Null(), 409: WebhookId },
        security,
      },
      onRequest: authenticate,
      preValidation: bind,
    },
    async (request, reply) => {
      const stored = await own(request, request.params.id);
      const input = request.body as WebhookInput;
      // A client that read the webhook, changed its event types and wrote it back sends the masked URL.
      const callbackUrl =
        input.callbackUrl === maskCallbackUrl(stored.stored.callbackUrl)
          ? openCallbackUrl(deps.keys, stored.stored)
          : input.callbackUrl;
      await refuseTarget(callbackUrl);
      const result = await updateWebhook(deps.db, deps.keys, tenantOf(request), stored.id, {
        ...input,
        callbackUrl,
      });
      if (result === null) throw new AppError('not_found', `webhook ${stored.id} not found`);
      if ('existing' in result) return reply.code(409).send(result.existing);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/api/v1/Webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook and its queued deliveries → 204',
        params: IdParams,
        response: { 204: Type.Null() },
        security,
      },
      onRequest: authenticate,
    },
    async (request, reply) => {
      const id = webhookId(request.params.id);
      if (!(await deleteWebhook(deps.db, tenantOf(request), id))) {
        throw new AppError('not_found', `webhook ${id} not found`);
      }
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/Webhooks/:id/secret',
    {
      schema: {
        tags,
        summary: 'The signing secret of a webhook (Switchboard extension)',
        params: IdParams,
        response: { 200: Secret },
        security,
      },
      onRequest: authenticate,
    },
    async (request) => ({ secret: openSecret(deps.keys, (await own(request, request.params.id)).stored) }),
  );

  app.post(
    '/api/v1/Webhooks/:id/secret',
    {
      schema: {
        tags,
        summary:
          'Replace the signing secret; deliveries not yet sent are signed with the new one (Switchboard extension)',
        params: IdParams,
        response: { 200: Secret },
        security,
      },
      onRequest: authenticate,
    },
    async (request) => {
      const webhook = await own(request, request.params.id);
      const secret = await rotateWebhookSecret(deps.db, deps.keys, tenantOf(request), webhook.id);
      if (secret === null) throw new AppError('not_found', `webhook ${webhook.id} not found`);
      return { secret };
    },
  );

  app.get(
    '/api/v1/Webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'Delivery log, newest first (Switchboard extension)',
        description: '`status` pending|delivered|failed, `limit` 1–1000 (default 100), `offset`.',
        params: IdParams,
        security,
      },
      onRequest: authenticate,
    },
    async (request) => {
      const webhook = await own(request, request.params.id);
      const q = normalizeQuery(request.query as RawQuery);
      const last = (name: string) => q.get(name)?.at(-1);
      const limit = last('limit') === undefined ? 100 : Number(last('limit'));
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw invalid('limit', 'must be between 1 and 1000');
      const offset = last('offset') === undefined ? 0 : Number(last('offset'));
      if (!Number.isInteger(offset) || offset < 0) throw invalid('offset', 'must be a non-negative integer');
      const status = last('status');
      if (status !== undefined && !['pending', 'delivered', 'failed'].includes(status)) {
        throw invalid('status', 'must be pending, delivered or failed');
      }
      return deliveryLog(deps.db, webhook.id, { limit, offset, status });
    },
  );

  app.post(
    '/api/v1/Webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      schema: {
        tags,
        summary: 'Send a delivery again, with the same delivery id (Switchboard extension)',
        params: Type.Object({ id: Type.String(), deliveryId: Type.String() }),
        security,
      },
      onRequest: authenticate,
    },
    async (request, reply) => {
      const webhook = await own(request, request.params.id);
      if (!(await redeliver(deps.db, webhook.id, request.params.deliveryId, deps.now()))) {
        throw new AppError(
          'not_found',
          `webhook ${webhook.id} has no delivery '${request.params.deliveryId}'`,
        );
      }
      return reply.code(202).send({ id: request.params.deliveryId, status: 'pending' });
    },
  );
}
