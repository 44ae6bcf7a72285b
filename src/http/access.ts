/**
 * Roles and what each route needs (docs/roles.md). Every route of every dialect is listed in `ROUTE_ACCESS`
 * by method and pattern; the app refuses to start with a route the table does not name, so a new route
 * cannot ship without a decision. Each dialect's authenticator ends with `admit`, which answers 403 in that
 * dialect's shape when the client's role does not grant what the route needs.
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from './errors.js';
import type { Principal } from '../tenants/repository.js';

/**
 * - `public`: no client needed (sign-in, token endpoints, health, docs, the dashboard's files);
 * - `any`: any signed-in client (who am I, sign out);
 * - `read`: sessions, analytics, live state, exports;
 * - `ingest`: posting events and the bytes of the files they announce;
 * - `operate`: vendor operations on a session (tags, call parameters, hold, transfer, hang up);
 * - `manage`: the tenant's configuration and destructive operations (webhooks, retention, erasure,
 *   deletion, anonymisation, API clients);
 * - `operator`: the server's operator, by `SWITCHBOARD_ADMIN_TOKEN` (creating, listing, deleting tenants);
 * - `per-operation`: Evo's predefined routes, which carry every operation; the operation decides.
 */
export type Access =
  'public' | 'any' | 'read' | 'ingest' | 'operate' | 'manage' | 'operator' | 'per-operation';

export const ROLES = ['admin', 'user', 'reader', 'producer'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do; `public` and `any` need no grant. */
export const GRANTS: Record<Role, readonly Access[]> = {
  admin: ['read', 'ingest', 'operate', 'manage'],
  user: ['read', 'ingest', 'operate'],
  reader: ['read'],
  producer: ['ingest'],
};

export const ROLE_SUMMARY: Record<Role, string> = {
  admin: 'everything in its tenant, including webhooks, retention, erasure and API clients',
  user: 'read, post events and run session operations; no configuration or deletion',
  reader: 'read only: sessions, analytics, live state, exports, the dashboard',
  producer: 'post events and upload their files only; reads nothing',
};

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

const EVO_FORMATS = ['json', 'xml', 'csv', 'jsonl', 'jsv'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const all = (url: string): string[] => METHODS.map((m) => `${m} ${url}`);
const suffixed = (url: string): string[] => ['', '.json', '.xml', '.csv'].map((s) => `GET ${url}${s}`);

function table(entries: Record<Access, string[]>): ReadonlyMap<string, Access> {
  const map = new Map<string, Access>();
  for (const [access, keys] of Object.entries(entries) as [Access, string[]][])
    for (const key of keys) {
      if (map.has(key)) throw new Error(`route access table names ${key} twice`);
      map.set(key, access);
    }
  return map;
}

/** Every route by `METHOD /pattern` (HEAD answers as its GET). */
export const ROUTE_ACCESS = table({
  public: [
    'GET /',
    'GET /healthz',
    'GET /readyz',
    'GET /metrics',
    'POST /login/connect/token',
    'POST /auth/credentials',
    'GET /auth',
    'POST /auth',
    'DELETE /auth',
    'GET /auth/logout',
    'POST /auth/logout',
    'POST /v1/dashboard/session',
  ],
  any: ['GET /auth/status', 'GET /v1/dashboard/session', 'DELETE /v1/dashboard/session'],
  'per-operation': [
    ...all('/api/:operation'),
    ...EVO_FORMATS.flatMap((format) => all(`/${format}/reply/:operation`)),
  ],
  read: [
    // Kore
    'GET /api/public/bot/:botId/getMessages',
    'POST /api/public/bot/:botId/getMessages',
    'GET /api/public/bot/:botId/getMessagesV2',
    'POST /api/public/bot/:botId/getMessagesV2',
    'POST /api/public/bot/:botId/getSessions',
    'POST /api/public/getMessages',
    'POST /api/public/getSessions',
    // mluvii
    'GET /api/v1/Sessions',
    'GET /api/v1/Sessions/:id',
    'GET /api/v1/Sessions/:id/callparams',
    'GET /api/v1/Sessions/:id/files/:fileId',
    'GET /api/v1/Sessions/:id/routingHistory',
    'GET /api/v1/Tags',
    'GET /api/v1/Users/:id',
    'GET /api/v1/Users/:userId/operatorStates',
    // Evo
    'GET /calls/active',
    ...suffixed('/sessions'),
    ...suffixed('/sessions/active'),
    ...suffixed('/sessions/my'),
    'GET /sessions/:sessionId',
    'GET /sessions/:sessionId/transcript',
    // native
    'GET /v1/sessions',
    'GET /v1/sessions/:sessionId',
    'GET /v1/sessions/:sessionId/files/:fileId',
    'GET /v1/analytics/queues',
    'GET /v1/analytics/operators',
    'GET /v1/analytics/bots',
    'GET /v1/operators/timeline',
    'GET /v1/live/queues',
    'GET /v1/live/operators',
    'GET /v1/stream',
    'POST /v1/stream/token',
    'GET /v1/exports/sessions',
    'GET /v1/exports',
    'POST /v1/exports',
    'GET /v1/exports/:id',
    'GET /v1/exports/:id/download',
    'DELETE /v1/exports/:id',
    'GET /v1/settings/retention',
    'GET /v1/settings/service-level',
  ],
  ingest: ['POST /v1/events', 'POST /v1/intake/mluvii', 'PUT /v1/sessions/:sessionId/files/:fileId'],
  operate: [
    'PUT /api/v1/Sessions/:id/callparams',
    'POST /api/v1/Sessions/:id/forward',
    'PUT /api/v1/Sessions/:id/tags/:tagId',
    'DELETE /api/v1/Sessions/:id/tags/:tagId',
    'PATCH /sessions/:sessionId',
    'DELETE /sessions/:sessionId',
    'POST /sessions/:sessionId/hold',
    'POST /sessions/:sessionId/redirect',
  ],
  manage: [
    'POST /api/v1/Sessions/:id/anonymize',
    'DELETE /api/v1/Sessions/:id/files',
    'POST /api/v1/Tags',
    'GET /api/v1/Webhooks',
    'POST /api/v1/Webhooks',
    'DELETE /api/v1/Webhooks',
    'GET /api/v1/Webhooks/:id',
    'PUT /api/v1/Webhooks/:id',
    'DELETE /api/v1/Webhooks/:id',
    'GET /api/v1/Webhooks/:id/deliveries',
    'POST /api/v1/Webhooks/:id/deliveries/:deliveryId/redeliver',
    'GET /api/v1/Webhooks/:id/secret',
    'POST /api/v1/Webhooks/:id/secret',
    'DELETE /sessions',
    'GET /v1/erasures',
    'POST /v1/erasures',
    'PUT /v1/settings/retention',
    'PUT /v1/settings/service-level',
    // A tenant's own record and clients: its admin clients, or the operator's token (src/tenants/routes.ts).
    'GET /v1/tenants/:tenantId',
    'PATCH /v1/tenants/:tenantId',
    'GET /v1/tenants/:tenantId/clients',
    'POST /v1/tenants/:tenantId/clients',
    'POST /v1/tenants/:tenantId/clients/:clientId/rotate',
    'DELETE /v1/tenants/:tenantId/clients/:clientId',
  ],
  operator: ['POST /v1/tenants', 'GET /v1/tenants', 'DELETE /v1/tenants/:tenantId'],
});

/** Files served under these prefixes (the dashboard's bundle, the API docs) are public. */
const PUBLIC_PREFIXES = ['/ui/', '/docs'];

/** The access a route needs; throws for a route the table does not name (at startup, from `onRoute`). */
export function accessOfRoute(method: string, url: string): Access {
  const key = `${method === 'HEAD' ? 'GET' : method} ${url}`;
  const access = ROUTE_ACCESS.get(key);
  if (access) return access;
  if (PUBLIC_PREFIXES.some((prefix) => url.startsWith(prefix))) return 'public';
  throw new Error(`route ${key} is not in the access table (src/http/access.ts): decide who may call it`);
}

/**
 * `onRoute`: every route carries its access in its config — from the table, unless the route declares its own
 * (`config: { access }`, as the tests' own probe routes do).
 */
export function declareAccess(route: RouteOptions): void {
  if (route.config?.access !== undefined) return;
  const methods = [route.method].flat();
  const accesses = new Set(methods.map((method) => accessOfRoute(method, route.url)));
  if (accesses.size !== 1)
    throw new Error(`route ${route.url} needs different access per method: register the methods apart`);
  route.config = { ...(route.config as object), access: [...accesses][0] };
}

export function grants(role: string, access: Access): boolean {
  if (access === 'public' || access === 'any') return true;
  return (GRANTS[role as Role] as readonly Access[] | undefined)?.includes(access) ?? false;
}

const DOES: Record<Access, string> = {
  public: 'call this route',
  any: 'call this route',
  read: 'read',
  ingest: 'post events',
  operate: 'operate on sessions',
  manage: "change the tenant's configuration",
  operator: 'administer the server',
  'per-operation': 'call this operation',
};

/**
 * Sets the request's principal once its role allows what the route (or, for Evo's predefined routes, the
 * operation) needs; otherwise a 403 naming the role and what it lacks.
 */
export function admit(request: FastifyRequest, principal: Principal, access?: Access): Principal {
  const needed = access ?? request.routeOptions.config.access;
  if (needed === undefined) throw new Error(`route ${request.routeOptions.url} has no access`);
  // Evo's predefined routes check the operation's access in their handler (src/dialects/evo/http.ts).
  if (needed !== 'per-operation' && !grants(principal.role, needed)) {
    throw new AppError(
      'forbidden',
      needed === 'operator'
        ? 'this route needs the server admin token (SWITCHBOARD_ADMIN_TOKEN), not an API client'
        : `this client's role (${principal.role}) may not ${DOES[needed]}; a client with role ${rolesFor(needed)} may`,
    );
  }
  request.principal = principal;
  return principal;
}

const rolesFor = (access: Access) =>
  ROLES.filter((role) => grants(role, access))
    .map((role) => `'${role}'`)
    .join(' or ');
