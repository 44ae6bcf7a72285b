/**
 * The app factory: `buildApp(deps)` returns the Fastify instance; `server.ts` only listens and shuts down.
 * Tests drive `app.inject()` and real sockets through this same factory.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { Db } from './db/store.js';
import type { Session } from './domain/session.js';
import { AppError, toAppError } from './http/errors.js';
import { loadKeyring, type Keyring } from './security/keys.js';
import { ingest, type BatchOptions, type IngestObserver, type IngestResult } from './events/service.js';
import { webhookObserver } from './webhooks/observer.js';
import { mluviiProblem, mluviiRoutes } from './dialects/mluvii/routes.js';
import { mluviiIntakeRoutes } from './dialects/mluvii/intake.js';
import { koreRoutes } from './dialects/kore/routes.js';
import { evoRoutes } from './dialects/evo/routes.js';
import { isEvoPath, sendEvoNotFound } from './dialects/evo/notfound.js';
import { evoErrorBody } from './dialects/evo/errors.js';
import { sendKoreError } from './dialects/kore/errors.js';
import { nativeAuthenticator, type Authenticator } from './http/auth.js';
import type { BlobStore } from './files/blobs.js';
import { targetPolicy, type TargetPolicy } from './webhooks/targets.js';
import type { Links } from './sessions/map.js';
import { tenantRoutes } from './tenants/routes.js';
import { eventRoutes } from './events/routes.js';
import { exportRoutes } from './exports/routes.js';
import { refuseHostileInput, refuseHostileInputSliced } from './http/guard.js';
import { bodyTimeout, DEFAULT_TIMEOUTS, serverTimeoutOptions, type Timeouts } from './http/timeouts.js';
import { retentionRoutes } from './retention/routes.js';
import { slRoutes } from './analytics/sl-routes.js';
import { declareAccess } from './http/access.js';
import {
  GETTING_STARTED,
  SECURITY_SCHEMES,
  openapiTransform,
  openapiTransformObject,
} from './http/openapi.js';
import { liveHub, type LiveHub } from './live/hub.js';
import { readCache, type ReadCache } from './sessions/read-cache.js';
import { liveRoutes } from './live/routes.js';
import { operatorRoutes } from './operators/routes.js';
import { analyticsRoutes, dimensionRoutes } from './analytics/routes.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { pendingMigrations } from './db/migrate.js';
import { sessionRoutes } from './sessions/routes.js';
import { fileRoutes } from './files/routes.js';
import { dashboardRoutes } from './dashboard/routes.js';

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
  ingest(tenantId: string, raw: readonly unknown[], options?: BatchOptions): Promise<IngestResult>;
  /** Absolute base URL of this server as the request reached it (or the configured public URL). */
  baseUrl(request: FastifyRequest): string;
  /** Which non-public webhook targets the operator allows (for checks at registration). */
  webhookTargets: TargetPolicy;
  /** Prometheus metrics of this app (`GET /metrics`). */
  metrics: Metrics;
  /** This server's fan-out of the change feed to stream subscribers. */
  hub: LiveHub;
  /** Rendered single-session responses that no longer change, dropped as the change feed says. */
  readCache: ReadCache;
  /** Every route registered (method and URL pattern), for tests that must cover each one. */
  routes: { method: string; url: string }[];
}

export interface AppOptions {
  db: Db;
  blobs: BlobStore;
  adminToken?: string | undefined;
  /** Base URL used in download links; default: from the request's Host. */
  publicUrl?: string | undefined;
  /**
   * Fastify's `trustProxy`: which proxies' X-Forwarded-Proto/-Host/-For to believe (`true`, a hop count, or
   * addresses/CIDR ranges). Default false: those headers are ignored.
   */
  trustProxy?: boolean | number | string[] | undefined;
  now?: () => number;
  maxFileBytes?: number;
  /**
   * Structured logging: one JSON line per request (method, route, status, duration, tenant, request id —
   * never a secret or a body) at `info`, every 5xx at `error`. Default: off (tests); the server turns it on.
   */
  logger?: false | { level: string; stream?: NodeJS.WritableStream };
  onSessionsChanged?: AppDeps['onSessionsChanged'];
  /** Told when webhook deliveries were queued (the dispatcher's kick). */
  onWebhooksQueued?: () => void;
  /** `SWITCHBOARD_WEBHOOK_ALLOW`: non-public webhook targets allowed anyway (default none). */
  webhookAllow?: string | undefined;
  /** How often `/healthz`'s state is refreshed by pinging the store, in ms (default 1000). */
  healthPingMs?: number | undefined;
  /** How long clients may take to send requests (default `DEFAULT_TIMEOUTS`). */
  timeouts?: Partial<Timeouts> | undefined;
}

export const DEFAULT_MAX_FILE_BYTES = 2 * 1024 ** 3;

/** A request id a client or proxy may choose (`X-Request-Id`); anything else gets a fresh UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const trust = options.trustProxy;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const app = Fastify({
    ...serverTimeoutOptions(timeouts),
    logger: options.logger
      ? {
          level: options.logger.level,
          ...(options.logger.stream ? { stream: options.logger.stream } : {}),
          // Fastify's own error lines carry the request; no credential may reach a log line.
          redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers.auth'],
        }
      : false,
    // Our own onResponse hook writes one line per request; Fastify's request lines stay off.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Session ids are up to 128 characters, %-encoded up to three times that: a longer parameter is still
    // routed, and the route's own validation answers it.
    routerOptions: { caseSensitive: false, maxParamLength: 512 },
    // The router's own refusals (bad %-encoding, an overlong parameter) in the shape of the dialect asked.
    frameworkErrors: (error, request, reply) => {
      void sendInDialect(request, reply, new AppError('bad_request', error.message));
    },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
    return503OnClosing: true,
    // Fastify takes a hop count at run time but its types do not list numbers, so a count becomes the
    // function Fastify itself makes of one: trust the first `trust` proxies counted from this server.
    trustProxy: typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : (trust ?? false),
  });
  // Behind a trusted proxy Fastify reads protocol and host from X-Forwarded-Proto/-Host; a forwarded
  // protocol other than http(s) is not a scheme a link can use.
  const baseUrl = (request: FastifyRequest) =>
    options.publicUrl?.replace(/\/$/, '') ??
    `${request.protocol === 'https' ? 'https' : 'http'}://${request.host}`;
  const observer = webhookObserver({
    now: options.now ?? Date.now,
    baseUrl: () => options.publicUrl ?? lastBase,
    onQueued: options.onWebhooksQueued,
  });
  let lastBase = 'http://localhost';
  const routes: AppDeps['routes'] = [];
  app.addHook('onRoute', (route) => {
    // Who may call it (src/http/access.ts): a route the access table does not name stops the start.
    declareAccess(route);
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  const metrics = createMetrics(options.db, options.now ?? Date.now);
  const hub = liveHub(options.db);
  const rendered = readCache(options.db, hub);
  app.addHook('onClose', (_instance, done) => {
    rendered.close();
    done();
  });
  const deps: AppDeps = {
    keys: await loadKeyring(options.db),
    observer,
    metrics,
    routes,
    async ingest(tenantId, raw, batchOptions) {
      const started = performance.now();
      const result = await ingest(options.db, tenantId, raw, observer, batchOptions);
      metrics.intake(result.accepted, result.duplicates, (performance.now() - started) / 1000);
      return result;
    },
    baseUrl,
    webhookTargets: targetPolicy(options.webhookAllow),
    db: options.db,
    blobs: options.blobs,
    authenticate: nativeAuthenticator(options.db, undefined, options.now ?? Date.now),
    now: options.now ?? Date.now,
    adminToken: options.adminToken,
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    onSessionsChanged: (tenantId, sessions) => {
      hub.wake();
      options.onSessionsChanged?.(tenantId, sessions);
    },
    hub,
    readCache: rendered,
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

  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  bodyTimeout(app, timeouts.bodyMs);
  // NUL bytes, lone surrogates and absurd nesting are refused before any handler (src/http/guard.ts); the
  // error reaches the route's dialect error handler, so it answers in that dialect's shape.
  app.addHook('preValidation', async (request) => {
    // Big bodies (intake batches) are walked in slices, so the loop keeps serving other requests.
    if (Array.isArray(request.body) && request.body.length > 100) await refuseHostileInputSliced(request);
    else refuseHostileInput(request);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const line = {
      reqId: request.id,
      method: request.method,
      // The route's pattern, never the raw URL (ids and query strings stay out of the logs).
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      tenant: request.principal?.tenant.id ?? null,
    };
    metrics.request(line.method, line.route, line.status, reply.elapsedTime / 1000);
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else request.log.info(line, 'request');
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
    if (isEvoPath(request.url)) return sendEvoNotFound(request, reply);
    return sendInDialect(
      request,
      reply,
      new AppError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
    );
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Switchboard', version: '0.1.0', description: GETTING_STARTED },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: openapiTransform,
    transformObject: openapiTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Liveness is answered from this process's state, never by queueing behind the store: the embedded store
  // has one connection, and one tenant's heavy query would otherwise delay every probe. A ping every second
  // keeps the state fresh; a ping still waiting (a busy store) is not a failure, one that failed is.
  const health = { failed: false };
  let pinging = false;
  const ping = () => {
    if (pinging) return;
    pinging = true;
    options.db
      .query('SELECT 1')
      .then(
        () => (health.failed = false),
        () => (health.failed = true),
      )
      .finally(() => (pinging = false));
  };
  const pinger = setInterval(ping, options.healthPingMs ?? 1_000);
  pinger.unref();
  app.addHook('onClose', (_instance, done) => {
    clearInterval(pinger);
    done();
  });
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary:
          'Liveness: 200 once migrations ran and the store is open; answered without a query (the store is pinged every second)',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), store: Type.String() }),
          503: Type.Object({ status: Type.String(), store: Type.String() }),
        },
      },
    },
    async (_request, reply) => {
      if (health.failed) return reply.code(503).send({ status: 'unavailable', store: options.db.kind });
      return { status: 'ok' as const, store: options.db.kind };
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 when the store answers and every migration of this build is applied',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), store: Type.String() }),
          503: Type.Object({
            status: Type.String(),
            store: Type.String(),
            pendingMigrations: Type.Optional(Type.Array(Type.String())),
          }),
        },
      },
    },
    async (request, reply) => {
      let pending: string[];
      try {
        pending = await pendingMigrations(options.db);
      } catch (error) {
        request.log.warn({ err: error }, 'readiness: store unreachable');
        return reply.code(503).send({ status: 'unavailable', store: options.db.kind });
      }
      if (pending.length > 0) {
        return reply
          .code(503)
          .send({ status: 'migrating', store: options.db.kind, pendingMigrations: pending });
      }
      return { status: 'ready' as const, store: options.db.kind };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format); unauthenticated, no tenant data',
        produces: ['text/plain; version=0.0.4'],
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );

  tenantRoutes(app, deps);
  eventRoutes(app, deps);
  sessionRoutes(app, deps);
  exportRoutes(app, deps);
  retentionRoutes(app, deps);
  slRoutes(app, deps);
  liveRoutes(app, deps, hub);
  analyticsRoutes(app, deps);
  dimensionRoutes(app, deps);
  operatorRoutes(app, deps);
  fileRoutes(app, deps);
  mluviiIntakeRoutes(app, deps);
  await app.register(mluviiRoutes(deps));
  await app.register(koreRoutes(deps));
  await app.register(evoRoutes(deps));
  await app.register(dashboardRoutes(deps));
  return app;
}

/** An error in the shape of the dialect whose URL space the request is in (before or without a route). */
function sendInDialect(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  const path = request.url.toLowerCase();
  if (path.startsWith('/api/public/')) return sendKoreError(reply, error);
  if (path.startsWith('/login/'))
    return reply.code(error.status).send({ error: 'invalid_request', error_description: error.message });
  if (path.startsWith('/api/v1/')) return mluviiProblem(reply, error);
  if (isEvoPath(request.url)) {
    const { status, body } = evoErrorBody(error);
    return reply.code(status).send(body);
  }
  return reply.code(error.status).send({ error: { code: error.code, message: error.message } });
}
