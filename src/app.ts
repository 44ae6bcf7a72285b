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
import { AppError, toAppError } from './http/errors.js';
import { loadKeyring, type Keyring } from './security/keys.js';
import { ingest, type IngestObserver, type IngestResult } from './events/service.js';
import { webhookObserver } from './webhooks/observer.js';
import { mluviiProblem, mluviiRoutes } from './dialects/mluvii/routes.js';
import { mluviiIntakeRoutes } from './dialects/mluvii/intake.js';
import { koreRoutes } from './dialects/kore/routes.js';
import { evoRoutes } from './dialects/evo/routes.js';
import { sendKoreError } from './dialects/kore/errors.js';
import { nativeAuthenticator, type Authenticator } from './http/auth.js';
import type { BlobStore } from './files/blobs.js';
import type { Links } from './sessions/map.js';
import { tenantRoutes } from './tenants/routes.js';
import { eventRoutes } from './events/routes.js';
import { sessionRoutes } from './sessions/routes.js';
import { fileRoutes } from './files/routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's dependencies, for the server's own background work (demo, dispatcher). */
    switchboard: AppDeps;
  }
}

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
  /** The server key (token signing, sealed secrets). */
  keys: Keyring;
  /** Sees every batch's session changes in its transaction (queues webhook deliveries). */
  observer: IngestObserver;
  /** Stores a batch of native events for a tenant, with the observer. */
  ingest(tenantId: string, raw: readonly unknown[]): Promise<IngestResult>;
  /** Absolute base URL of this server as the request reached it (or the configured public URL). */
  baseUrl(request: FastifyRequest): string;
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
  /** Told when webhook deliveries were queued (the dispatcher's kick). */
  onWebhooksQueued?: () => void;
}

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ? { level: 'info' } : false,
    routerOptions: { caseSensitive: false },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
    return503OnClosing: true,
  });
  const baseUrl = (request: FastifyRequest) =>
    options.publicUrl?.replace(/\/$/, '') ?? `${request.protocol}://${request.host}`;
  const observer = webhookObserver({
    now: options.now ?? Date.now,
    baseUrl: () => options.publicUrl ?? lastBase,
    onQueued: options.onWebhooksQueued,
  });
  let lastBase = 'http://localhost';
  const deps: AppDeps = {
    keys: await loadKeyring(options.db),
    observer,
    ingest: (tenantId, raw) => ingest(options.db, tenantId, raw, observer),
    baseUrl,
    db: options.db,
    blobs: options.blobs,
    authenticate: nativeAuthenticator(options.db),
    now: options.now ?? Date.now,
    adminToken: options.adminToken,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    onSessionsChanged: options.onSessionsChanged,
    links: (request) => {
      const base = baseUrl(request);
      return {
        file: (sessionId, fileId) =>
          `${base}/v1/sessions/${encodeURIComponent(sessionId)}/files/${encodeURIComponent(fileId)}`,
      };
    },
  };

  app.decorate('switchboard', deps);

  // Payloads queued outside a request (webhooks) link to the address this server was last reached at.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!options.publicUrl) lastBase = baseUrl(request);
    done();
  });

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
    if (request.url.toLowerCase().startsWith('/api/public/')) {
      return sendKoreError(
        reply,
        new AppError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
      );
    }
    if (request.url.toLowerCase().startsWith('/api/v1/')) {
      return mluviiProblem(
        reply,
        new AppError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
      );
    }
    return reply.code(404).send({
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
          mluviiBearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'token from POST /login/connect/token',
          },
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
  mluviiIntakeRoutes(app, deps);
  await app.register(mluviiRoutes(deps));
  await app.register(koreRoutes(deps));
  await app.register(evoRoutes(deps));
  return app;
}
