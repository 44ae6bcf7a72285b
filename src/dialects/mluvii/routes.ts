/**
 * mluvii's Public API: `POST /login/connect/token` and `/api/v1/…` (sessions, routing history, call
 * parameters, tags, anonymization, forwarding, files and downloads, webhooks). Paths and query names match
 * case-insensitively, as ASP.NET's do. Errors are RFC 7807 problem details as ASP.NET Core writes them;
 * the token endpoint answers OAuth2 errors.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../app.js';
import type { Queryable } from '../../db/store.js';
import type { Session } from '../../domain/session.js';
import { stableIntId } from '../../domain/projector.js';
import { AppError, toAppError } from '../../http/errors.js';
import { SECURITY } from '../../http/openapi.js';
import { sendFileBytes } from '../../files/routes.js';
import { anonymizeSession, deleteFileBytes, serverEvent } from '../../sessions/operations.js';
import { mluviiTokens, OAuthError } from './auth.js';
import {
  ADD_TAG_DOCS,
  ANONYMIZE_DOCS,
  CALL_PARAMS_DOCS,
  DELETE_FILES_DOCS,
  FILE_DOCS,
  FORWARD_DOCS,
  ROUTING_DOCS,
  SESSION_DOCS,
  SESSION_TAG_DOCS,
  SESSIONS_DOCS,
  SET_CALL_PARAMS_DOCS,
  TAGS_DOCS,
  TOKEN_DOCS,
} from './docs.js';
import { callParamsModel, routingTimeLine, sessionModel, tagModel } from './map.js';
import { invalid, normalizeQuery, parseSessionQuery, type RawQuery } from './query.js';
import { mluviiUserRoutes } from './user-routes.js';
import { mluviiWebhookRoutes } from './webhook-routes.js';

const TITLES: Record<number, string> = {
  400: 'One or more validation errors occurred.',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  500: 'An error occurred while processing your request.',
  503: 'Service Unavailable',
};

/**
 * Renders an error as ASP.NET Core does: a ValidationProblemDetails (`errors` by parameter name) for a 400
 * with field details, a ProblemDetails otherwise. A 401 also carries `WWW-Authenticate: Bearer`.
 */
export function mluviiProblem(reply: FastifyReply, error: AppError): FastifyReply {
  const status = error.status;
  const body: Record<string, unknown> = {
    type: `https://httpstatuses.io/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: error.message,
  };
  if (status === 400) {
    const errors: Record<string, string[]> = {};
    const details = Array.isArray(error.details)
      ? (error.details as { field?: string; message?: string }[])
      : [];
    for (const d of details) (errors[d.field || '$'] ??= []).push(d.message ?? 'is invalid');
    if (details.length === 0) errors.$ = [error.message];
    body.errors = errors;
  }
  if (status === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"');
  return reply.code(status).type('application/problem+json; charset=utf-8').send(body);
}

// `examples` are annotations (never validated); /docs shows them as the bodies' examples.
const ForwardBody = Type.Object(
  {
    operatorGroupId: Type.Optional(Type.Integer()),
    userId: Type.Optional(Type.Integer()),
    chatbotId: Type.Optional(Type.Integer()),
    phoneNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    note: Type.Optional(Type.String({ maxLength: 10000 })),
  },
  { examples: [{ operatorGroupId: 2, note: 'Billing question, needs a specialist' }] },
);

const CallParamsBody = Type.Object(
  {
    callParams: Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ maxLength: 10000 })),
  },
  { examples: [{ callParams: { orderId: 'A-10042', priority: 'high' } }] },
);

const FilesBody = Type.Object(
  { fileIds: Type.Array(Type.Integer(), { minItems: 1, maxItems: 1000 }) },
  { examples: [{ fileIds: [1000000001] }] },
);

const TagBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }) },
  { examples: [{ name: 'complaint' }] },
);

const IdParams = Type.Object({ id: Type.String() });
/** The token from the client-credentials flow, fetched by Swagger UI itself or pasted. */
const security = SECURITY.mluvii;

/** A path id: digits only, else the resource does not exist (404, as for an unknown id). */
function pathId(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new AppError('not_found', `${what} '${text}' not found`);
  return Number(text);
}

interface SessionRow {
  id: number;
  doc: Session;
}

async function uploadedFiles(q: Queryable, tenantId: string, sessionIds: string[]): Promise<Set<string>> {
  if (sessionIds.length === 0) return new Set();
  const result = await q.query<{ session_id: string; file_id: string }>(
    'SELECT session_id, file_id FROM files WHERE tenant_id = $1 AND session_id = ANY($2::text[])',
    [tenantId, sessionIds],
  );
  return new Set(result.rows.map((r) => `${r.session_id}\u0000${r.file_id}`));
}

export function mluviiRoutes(deps: AppDeps) {
  return async function mluvii(scope: FastifyInstance): Promise<void> {
    const tokens = mluviiTokens(deps.db, deps.keys, deps.now);
    await scope.register(formbody);
    const app = scope.withTypeProvider<TypeBoxTypeProvider>();

    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof OAuthError) {
        return reply.code(error.status).send({ error: error.error, error_description: error.description });
      }
      const appError = toAppError(error);
      if (appError.code === 'internal') request.log.error({ err: error }, 'unhandled error');
      // The token endpoint speaks OAuth 2.0 (RFC 6749 §5.2), whatever went wrong with the request.
      if (request.url.toLowerCase().startsWith('/login/') && appError.status < 500) {
        return reply
          .code(appError.status)
          .send({ error: 'invalid_request', error_description: appError.message });
      }
      return mluviiProblem(reply, appError);
    });

    app.post(
      '/login/connect/token',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'OAuth2 client credentials → one-hour Bearer token',
          description:
            'Form-urlencoded `grant_type=client_credentials&client_id=…&client_secret=…` (optional `scope=mluviiPublicApi`); HTTP Basic client authentication is accepted too.',
        },
        // The form is parsed and checked by the token issuer, which answers OAuth2 errors: documentation only.
        config: { openapi: TOKEN_DOCS },
      },
      async (request) => {
        const form = request.body;
        if (form === null || typeof form !== 'object') {
          throw new OAuthError('invalid_request', 'send a form-urlencoded body');
        }
        return tokens.issue(form as Record<string, unknown>, request.headers.authorization);
      },
    );

    // Before the body is read or validated, as mluvii's own API does: a 401 or 403 comes first.
    const onRequest = async (request: FastifyRequest) => {
      await tokens.authenticate(request);
    };
    const tenantOf = (request: FastifyRequest) => request.principal!.tenant;
    const downloadUrl = (request: FastifyRequest, id: number) => (fileId: string) =>
      `${deps.baseUrl(request)}/api/v1/Sessions/${id}/files/${encodeURIComponent(fileId)}`;

    async function loadSession(request: FastifyRequest, idText: string): Promise<SessionRow> {
      const id = pathId(idText, 'session');
      const row = (
        await deps.db.query<{ id: string; doc: Session }>(
          'SELECT id, doc FROM sessions WHERE tenant_id = $1 AND id = $2',
          [tenantOf(request).id, id],
        )
      ).rows[0];
      if (!row) throw new AppError('not_found', `session ${id} not found`);
      return { id: Number(row.id), doc: row.doc };
    }

    function models(request: FastifyRequest, rows: SessionRow[], uploaded: Set<string>) {
      const now = deps.now();
      return rows.map((row) =>
        sessionModel(row.doc, {
          id: row.id,
          departmentId: tenantOf(request).departmentId,
          now,
          downloadUrl: downloadUrl(request, row.id),
          uploaded: (fileId) => uploaded.has(`${row.doc.sessionId}\u0000${fileId}`),
        }),
      );
    }

    async function record(
      request: FastifyRequest,
      session: SessionRow,
      type: string,
      fields: Record<string, unknown>,
    ) {
      await deps.ingest(tenantOf(request).id, [serverEvent(session.doc.sessionId, type, deps.now(), fields)]);
    }

    app.get(
      '/api/v1/Sessions',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'Sessions (SessionGetParams filters), ordered by id; a bare array',
          description:
            'Every SessionGetParams filter is listed below; they combine with AND, the values of a set with OR. Sets as repeated keys (`Channel=Chat&Channel=AV`); ranges `X.Min`/`X.Max` (inclusive) and `X.Null`; text `X.Text`/`X.Exact`/`X.Null`; `limit` 1–10000 (default 100) and `offset`. Names match in any case; a name that is not a filter, or a value that does not parse, is a 400 naming it. What each filter matches: docs/mluvii.md. Page until a page is shorter than `limit`.',
          security,
        },
        config: { openapi: SESSIONS_DOCS },
        onRequest,
      },
      async (request) => {
        const query = parseSessionQuery(request.query as RawQuery, tenantOf(request), deps.now());
        const params = [...query.params, query.limit, query.offset];
        // Ids grow with creation time, so walking the id index to a past Created range would pass every
        // newer session first: with a Created bound the page's ids come from the (tenant, created) index and
        // are sorted (`id + 0` keeps the planner off the id walk). Only the page's documents are read.
        const keys = normalizeQuery(request.query as RawQuery);
        const order = keys.has('created.min') || keys.has('created.max') ? 's.id + 0' : 's.id';
        const result = await deps.db.query<{ id: string; doc: Session }>(
          `SELECT d.id, d.doc FROM (
             SELECT s.id FROM sessions s WHERE ${query.where.join(' AND ')}
              ORDER BY ${order} LIMIT $${params.length - 1} OFFSET $${params.length}) AS page
           JOIN sessions d ON d.tenant_id = $1 AND d.id = page.id
          ORDER BY d.id`,
          params,
        );
        const rows = result.rows.map((r) => ({ id: Number(r.id), doc: r.doc }));
        const uploaded = await uploadedFiles(
          deps.db,
          tenantOf(request).id,
          rows.filter((r) => r.doc.files.length + r.doc.recordings.length > 0).map((r) => r.doc.sessionId),
        );
        return models(request, rows, uploaded);
      },
    );

    app.get(
      '/api/v1/Sessions/:id',
      {
        schema: { tags: ['mluvii'], summary: 'One SessionModel', params: IdParams, security },
        config: { openapi: SESSION_DOCS },
        onRequest,
      },
      async (request) => {
        const row = await loadSession(request, request.params.id);
        return models(
          request,
          [row],
          await uploadedFiles(deps.db, tenantOf(request).id, [row.doc.sessionId]),
        )[0];
      },
    );

    app.get(
      '/api/v1/Sessions/:id/routingHistory',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'RoutingTimeLine items, oldest first',
          params: IdParams,
          security,
        },
        config: { openapi: ROUTING_DOCS },
        onRequest,
      },
      async (request) => routingTimeLine((await loadSession(request, request.params.id)).doc.routing),
    );

    app.get(
      '/api/v1/Sessions/:id/callparams',
      {
        schema: { tags: ['mluvii'], summary: 'Call parameters', params: IdParams, security },
        config: { openapi: CALL_PARAMS_DOCS },
        onRequest,
      },
      async (request) => {
        return callParamsModel((await loadSession(request, request.params.id)).doc);
      },
    );

    app.put(
      '/api/v1/Sessions/:id/callparams',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'Set call parameters (recorded as callparams.updated)',
          params: IdParams,
          body: CallParamsBody,
          security,
        },
        config: { openapi: SET_CALL_PARAMS_DOCS },
        onRequest,
      },
      async (request, reply) => {
        const session = await loadSession(request, request.params.id);
        if (Object.keys(request.body.callParams).length > 0) {
          await record(request, session, 'callparams.updated', { params: request.body.callParams });
        }
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/v1/Tags',
      {
        schema: { tags: ['mluvii'], summary: "The tenant's tag catalogue", security },
        config: { openapi: TAGS_DOCS },
        onRequest,
      },
      async (request) => {
        const tenant = tenantOf(request);
        const result = await deps.db.query<{ id: number; name: string }>(
          'SELECT id, name FROM tags WHERE tenant_id = $1 ORDER BY id',
          [tenant.id],
        );
        return result.rows.map((tag) => tagModel(tag, tenant.departmentId));
      },
    );

    app.post(
      '/api/v1/Tags',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'Add a tag to the catalogue (Switchboard extension); 409 with the id when it exists',
          body: TagBody,
          security,
        },
        config: { openapi: ADD_TAG_DOCS },
        onRequest,
      },
      async (request, reply) => {
        const { id: tenantId, departmentId } = tenantOf(request);
        const inserted = await deps.db.query<{ id: number; name: string }>(
          'INSERT INTO tags (tenant_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id, name',
          [tenantId, request.body.name],
        );
        if (inserted.rows[0]) return reply.code(201).send(tagModel(inserted.rows[0], departmentId));
        const existing = await deps.db.query<{ id: number }>(
          'SELECT id FROM tags WHERE tenant_id = $1 AND name = $2',
          [tenantId, request.body.name],
        );
        return reply.code(409).type('application/json').send(JSON.stringify(existing.rows[0].id));
      },
    );

    for (const method of ['PUT', 'DELETE'] as const) {
      app.route({
        method,
        url: '/api/v1/Sessions/:id/tags/:tagId',
        schema: {
          tags: ['mluvii'],
          summary: method === 'PUT' ? 'Attach a tag (tags.added)' : 'Detach a tag (tags.removed)',
          params: Type.Object({ id: Type.String(), tagId: Type.String() }),
          security,
        },
        config: { openapi: SESSION_TAG_DOCS },
        onRequest,
        handler: async (request, reply) => {
          const session = await loadSession(request, request.params.id);
          const tagId = pathId(request.params.tagId, 'tag');
          const tag = (
            await deps.db.query<{ name: string }>('SELECT name FROM tags WHERE tenant_id = $1 AND id = $2', [
              tenantOf(request).id,
              tagId,
            ])
          ).rows[0];
          if (!tag) throw new AppError('not_found', `tag ${tagId} not found`);
          const attached = session.doc.tags.some((t) => t.name === tag.name && t.scope === 'session');
          if (method === 'PUT' ? !attached : attached) {
            await record(request, session, method === 'PUT' ? 'tags.added' : 'tags.removed', {
              tags: [{ name: tag.name, scope: 'session' }],
            });
          }
          return reply.code(204).send();
        },
      });
    }

    app.post(
      '/api/v1/Sessions/:id/anonymize',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'GDPR: remove the guest’s personal data and message texts for good (durations stay)',
          params: IdParams,
          security,
        },
        config: { openapi: ANONYMIZE_DOCS },
        onRequest,
      },
      async (request, reply) => {
        const session = await loadSession(request, request.params.id);
        await anonymizeSession(
          deps.db,
          tenantOf(request).id,
          session.doc.sessionId,
          deps.now(),
          deps.observer,
        );
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/v1/Sessions/:id/forward',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'Forward to a group, an operator, a chatbot or a phone number (one of them)',
          params: IdParams,
          body: ForwardBody,
          security,
        },
        config: { openapi: FORWARD_DOCS },
        onRequest,
      },
      async (request, reply) => {
        const session = await loadSession(request, request.params.id);
        const body = request.body;
        const targets = [body.operatorGroupId, body.userId, body.chatbotId, body.phoneNumber].filter(
          (t) => t !== undefined,
        );
        if (targets.length !== 1) {
          throw invalid('$', 'give exactly one of operatorGroupId, userId, chatbotId, phoneNumber');
        }
        if (session.doc.ended !== null) throw new AppError('conflict', `session ${session.id} has ended`);
        if (body.chatbotId !== undefined) {
          await record(request, session, 'bot.joined', {
            bot: { botId: String(body.chatbotId), chatbotId: body.chatbotId },
          });
        } else {
          await record(request, session, 'routing.forwarded', {
            ...(body.operatorGroupId !== undefined ? { group: { id: body.operatorGroupId } } : {}),
            ...(body.userId !== undefined ? { operator: { id: String(body.userId) } } : {}),
            ...(body.phoneNumber !== undefined ? { phoneNumber: body.phoneNumber } : {}),
          });
        }
        if (body.note)
          await record(request, session, 'session.log', { message: `Forward note: ${body.note}` });
        return reply.code(204).send();
      },
    );

    app.delete(
      '/api/v1/Sessions/:id/files',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'Delete the bytes of files and recordings: REMOVED, ALREADY_REMOVED or INACCESSIBLE each',
          params: IdParams,
          body: FilesBody,
          security,
        },
        config: { openapi: DELETE_FILES_DOCS },
        onRequest,
      },
      async (request) => {
        const session = await loadSession(request, request.params.id);
        const items = [...session.doc.files, ...session.doc.recordings];
        const results: { fileId: number; state: string }[] = [];
        for (const fileId of request.body.fileIds) {
          const item = items.find((f) => stableIntId(f.id) === fileId);
          if (!item) results.push({ fileId, state: 'INACCESSIBLE' });
          else if ((item.deleted ?? null) !== null) results.push({ fileId, state: 'ALREADY_REMOVED' });
          else {
            await deleteFileBytes(
              deps.db,
              deps.blobs,
              tenantOf(request).id,
              session.doc.sessionId,
              item.id,
              deps.now(),
              deps.observer,
            );
            item.deleted = deps.now();
            results.push({ fileId, state: 'REMOVED' });
          }
        }
        return results;
      },
    );

    app.get(
      '/api/v1/Sessions/:id/files/:fileId',
      {
        schema: {
          tags: ['mluvii'],
          summary: 'Download a file or recording (the downloadUrl of SessionModel); honours Range',
          params: Type.Object({ id: Type.String(), fileId: Type.String() }),
          security,
        },
        config: { openapi: FILE_DOCS },
        onRequest,
      },
      async (request, reply) => {
        const session = await loadSession(request, request.params.id);
        const fileId = request.params.fileId;
        const item = [...session.doc.files, ...session.doc.recordings].find((f) => f.id === fileId);
        if (!item || (item.deleted ?? null) !== null) {
          throw new AppError('not_found', `session ${session.id} has no file '${fileId}'`);
        }
        return sendFileBytes(deps, request, reply, tenantOf(request).id, session.doc.sessionId, fileId);
      },
    );

    mluviiUserRoutes(scope, { deps, authenticate: onRequest });
    mluviiWebhookRoutes(scope, { deps, authenticate: onRequest });
  };
}
