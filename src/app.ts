/**
 * The app factory: `buildApp(deps)` returns the Fastify instance; `server.ts` only listens and shuts down.
 * Tests drive `app.inject()` and real sockets through this same factory.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { Db } from './db/store.js';
import type { Session } from './domain/session.js';
import { toAppError } from './http/errors.js';
import { nativeAuthenticator, type Authenticator } from './http/auth.js';
import type { BlobStore } from './files/blobs.js';
import type { Links } from './sessions/map.js';
import { tenantRoutes } from './tenants/routes.js';
import { eventRoutes } from './events/routes.js';
import { sessionRoutes } from './sessions/routes.js';
import { fileRoutes } from './files/routes.js';

export interface AppDeps {
  db: Db;
  blobs: BlobStore;
  authenticate: Authenticator;
  /** The clock; tests pass a fixed one. */
  now: () => number;
  links: (request: FastifyRequest) => Links;
  adminToken: string | undefined;
  /** Largest accepted upload, in bytes. */
  maxFileBytes: number;
  onSessionsChanged?: ((tenantId: string, sessions: Session[]) => void) | undefined;
}

export interface AppOptions {
  db: Db;
  blobs: BlobStore;
  adminToken?: string | undefined;
  /** Base URL used in download links; default: from the request's Host. */
  publicUrl?: string | undefined;
  now?: () => number;
  maxFileBytes?: number;
  logger?: boolean;
  onSessionsChanged?: AppDeps['onSessionsChanged'];
}

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ? { level: 'info' } : false,
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
    return503OnClosing: true,
  });
  const deps: AppDeps = {
    db: options.db,
    blobs: options.blobs,
    authenticate: nativeAuthenticator(options.db),
    now: options.now ?? Date.now,
    adminToken: options.adminToken,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    onSessionsChanged: options.onSessionsChanged,
    links: (request) => {
      const base = options.publicUrl?.replace(/\/$/, '') ?? `${request.protocol}://${request.host}`;
      return {
        file: (sessionId, fileId) =>
          `${base}/v1/sessions/${encodeURIComponent(sessionId)}/files/${encodeURIComponent(fileId)}`,
      };
    },
  };

  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.code === 'internal') request.log.error({ err: error }, 'unhandled error');
    void reply.code(appError.status).send({
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details !== undefined ? { details: appError.details } : {}),
      },
    });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    });
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Switchboard',
        version: '0.1.0',
        description: 'Contact-center session engine: native API.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'the client secret' },
          basic: { type: 'http', scheme: 'basic', description: 'clientId:clientSecret' },
          admin: { type: 'http', scheme: 'bearer', description: 'SWITCHBOARD_ADMIN_TOKEN' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: 200 once migrations ran and the store is open',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), store: Type.String() }),
          503: Type.Object({ status: Type.String(), store: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await options.db.query('SELECT 1');
        return { status: 'ok' as const, store: options.db.kind };
      } catch {
        return reply.code(503).send({ status: 'unavailable', store: options.db.kind });
      }
    },
  );

  tenantRoutes(app, deps);
  eventRoutes(app, deps);
  sessionRoutes(app, deps);
  fileRoutes(app, deps);
  return app;
}
