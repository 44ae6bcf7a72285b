/**
 * Native authentication: `Authorization: Bearer <clientSecret>` or HTTP Basic `clientId:clientSecret`, or —
 * without an Authorization header — the dashboard's session cookie (src/dashboard/sessions.ts; not cached, so
 * a sign-out ends it at once on every server).
 * Answers are cached for a short time (default 30 s) so a hot read path does not pay a lookup per request;
 * a client revoked or rotated through another server is therefore refused at most that long after (at once on
 * the server that made the change). Every answer ends in `admit`:
 * the client's role must grant what the route needs (src/http/access.ts).
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/store.js';
import { AppError } from './errors.js';
import { clientByCredentials, principalBySecret, type Principal } from '../tenants/repository.js';
import { cookiePrincipal, sessionCookie } from '../dashboard/sessions.js';
import { admit } from './access.js';
import { credentialsEpoch } from '../tenants/admin.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface Authenticator {
  (request: FastifyRequest): Promise<Principal>;
}

const MAX_CACHED = 10_000;

export function nativeAuthenticator(db: Db, ttlMs = 30_000, now: () => number = Date.now): Authenticator {
  const cache = new Map<string, { principal: Principal; expires: number; epoch: number }>();
  return async (request) => {
    const header = request.headers.authorization;
    const session = header ? undefined : sessionCookie(request);
    if (session !== undefined) return admit(request, await cookiePrincipal(db, request, session, now()));
    if (!header)
      throw new AppError('unauthorized', 'missing Authorization header (Bearer <clientSecret> or Basic)');
    const key = createHash('sha256').update(header).digest('base64');
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now() && hit.epoch === credentialsEpoch())
      return admit(request, hit.principal);
    const principal = await resolve(db, header);
    if (!principal) throw new AppError('unauthorized', 'invalid credentials');
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, { principal, expires: Date.now() + ttlMs, epoch: credentialsEpoch() });
    return admit(request, principal);
  };
}

/** `Basic base64(user:password)` split into its parts; null when the header is not Basic or has no user. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const match = header ? /^basic\s+(\S+)$/i.exec(header.trim()) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 1 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function resolve(db: Db, header: string): Promise<Principal | null> {
  const [scheme, value] = header.split(/\s+/, 2) as [string, string | undefined];
  if (!value) return null;
  if (/^bearer$/i.test(scheme)) return principalBySecret(db, value);
  const basic = parseBasic(header);
  return basic ? clientByCredentials(db, basic.user, basic.password) : null;
}
