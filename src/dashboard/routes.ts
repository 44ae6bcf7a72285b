/**
 * The dashboard (docs/dashboard.md): the built web UI at `/` and `/ui/…`, and its sign-in —
 * `POST /v1/dashboard/session` (client id + secret → a session cookie), `GET` (who is signed in),
 * `DELETE` (sign out). Everything else the UI shows it reads from the public `/v1` API with that cookie.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { admit } from '../http/access.js';
import { AppError, ErrorBody } from '../http/errors.js';
import { packageRoot } from '../paths.js';
import { clientByCredentials, type Principal } from '../tenants/repository.js';
import {
  ABSOLUTE_MS,
  SESSION_COOKIE,
  UI_HEADER,
  closeSession,
  openSession,
  sessionCookie,
} from './sessions.js';

/** Where `npm run build` puts the UI (scripts/build-web.js). */
export const WEB_DIR = join(packageRoot, 'dist', 'web');

const SignIn = Type.Object(
  {
    clientId: Type.String({ minLength: 1, maxLength: 200 }),
    clientSecret: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);
const Me = Type.Object({
  tenant: Type.Object({ id: Type.String(), name: Type.String(), departmentId: Type.Integer() }),
  clientId: Type.String(),
  role: Type.String(),
});
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody };

/**
 * The page's policy: scripts and styles from this origin only (the bundle sets styles through the DOM, which
 * CSP allows), media from this origin (recordings), never framed.
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Switchboard</title>
<p>The dashboard is not built. Run <code>npm run build</code> (or <code>npm install</code>) and restart.</p>`;

const me = (p: Principal) => ({ tenant: p.tenant, clientId: p.clientId, role: p.role });

/** The dashboard's routes, as a plugin (registered once from the app factory). */
export function dashboardRoutes(deps: AppDeps) {
  return async (fastify: FastifyInstance) => {
    await fastify.register(cookie);
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    const requireUiHeader = (
      request: FastifyRequest,
      _reply: FastifyReply,
      done: (error?: Error) => void,
    ) => {
      done(
        request.headers[UI_HEADER] === '1'
          ? undefined
          : new AppError('forbidden', `the dashboard's own requests carry the header ${UI_HEADER}: 1`),
      );
    };
    const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeS: number) =>
      reply.setCookie(SESSION_COOKIE, value, {
        httpOnly: true,
        sameSite: 'strict',
        // Secure whenever the page is served over https (directly or behind a trusted proxy); plain http on
        // localhost (npm start) could not keep a Secure cookie.
        secure: request.protocol === 'https',
        path: '/',
        maxAge: maxAgeS,
      });

    app.post(
      '/v1/dashboard/session',
      {
        bodyLimit: 4096,
        schema: {
          tags: ['dashboard'],
          summary: 'Sign in to the dashboard with a client id and secret: sets the session cookie',
          description: `Needs the header \`${UI_HEADER}: 1\`. The cookie is HttpOnly, SameSite=Strict, Secure over https; the session lasts 12 hours from its last use, at most 7 days.`,
          body: SignIn,
          response: { 200: Me, ...errors },
        },
        preHandler: requireUiHeader,
      },
      async (request, reply) => {
        const principal = await clientByCredentials(
          deps.db,
          request.body.clientId,
          request.body.clientSecret,
        );
        if (!principal) throw new AppError('unauthorized', 'unknown client id or wrong secret');
        // Every view reads; a client that may not (a producer) would meet a 403 on every one of them.
        admit(request, principal, 'read');
        const session = await openSession(deps.db, principal, deps.now());
        setCookie(request, reply, session.id, ABSOLUTE_MS / 1000);
        return me(principal);
      },
    );

    app.get(
      '/v1/dashboard/session',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'Who is signed in (by the dashboard cookie or API credentials)',
          response: { 200: Me, ...errors },
        },
        preValidation: async (request) => {
          await deps.authenticate(request);
        },
      },
      (request) => me(request.principal!),
    );

    app.delete(
      '/v1/dashboard/session',
      {
        schema: {
          tags: ['dashboard'],
          summary: 'Sign out: ends the session on every server and clears the cookie',
          description: `Needs the header \`${UI_HEADER}: 1\`. Answers 204 also when no session was open.`,
          response: { 204: Type.Null(), ...errors },
        },
        preHandler: requireUiHeader,
      },
      async (request, reply) => {
        const id = sessionCookie(request);
        if (id) await closeSession(deps.db, id);
        setCookie(request, reply, '', 0);
        return reply.code(204).send(null);
      },
    );

    const index = join(WEB_DIR, 'index.html');
    const page = existsSync(index) ? readFileSync(index, 'utf8') : NOT_BUILT;
    fastify.get('/', { schema: { hide: true } }, (_request, reply) =>
      reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(page),
    );
    if (existsSync(join(WEB_DIR, 'ui'))) {
      // Bundle files carry a content hash in their names: cached for a year, never revalidated.
      await fastify.register(fastifyStatic, {
        root: join(WEB_DIR, 'ui'),
        prefix: '/ui/',
        wildcard: false,
        index: false,
        maxAge: '365d',
        immutable: true,
        schemaHide: true,
        setHeaders: (reply) => void reply.header('x-content-type-options', 'nosniff'),
      });
    }
  };
}
