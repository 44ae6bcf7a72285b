/**
 * Dashboard sign-in sessions: SQL and the cookie they travel in (docs/dashboard.md). The browser holds a
 * 256-bit random id in an HttpOnly, SameSite=Strict cookie; the table holds only its SHA-256, so a copy of the
 * table cannot be replayed. A session lives 12 hours from its last use (pushed forward at most once an hour,
 * so a busy wallboard does not write on every request) and never more than 7 days from sign-in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { fastifyCookie } from '@fastify/cookie';
import type { Queryable } from '../db/store.js';
import { AppError } from '../http/errors.js';
import type { Principal } from '../tenants/repository.js';
import type { Role } from '../http/access.js';

/** The cookie's name. */
export const SESSION_COOKIE = 'switchboard_session';
/** The header a state-changing request signed in by the cookie must carry (a cross-site form cannot send it). */
export const UI_HEADER = 'x-switchboard-ui';
/** Idle lifetime (default 12 hours: a shift and then some). */
export const IDLE_MS = 12 * 3_600_000;
/** Absolute lifetime from sign-in (7 days). */
export const ABSOLUTE_MS = 7 * 86_400_000;
/** The idle expiry is pushed forward only when it was last pushed more than this long ago. */
const REFRESH_MS = 3_600_000;

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** The session id the request's cookie carries, if any (the value is not checked here). */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  const value = fastifyCookie.parse(header)[SESSION_COOKIE];
  return value && /^[A-Za-z0-9_-]{43}$/.test(value) ? value : value ? '' : undefined;
}

/** Opens a session for an authenticated client; answers the id (for the cookie) and its absolute expiry. */
export async function openSession(
  q: Queryable,
  principal: Principal,
  now: number,
): Promise<{ id: string; absoluteExpires: number }> {
  const id = randomBytes(32).toString('base64url');
  const absoluteExpires = now + ABSOLUTE_MS;
  // Expired sessions go here (a sign-in is rare enough to carry the cleaning), through the expiry index.
  await q.query(
    `DELETE FROM dashboard_sessions WHERE id_hash IN
       (SELECT id_hash FROM dashboard_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT 1000)`,
    [new Date(now)],
  );
  await q.query(
    `INSERT INTO dashboard_sessions (id_hash, tenant_id, client_id, created_at, expires_at, absolute_expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      hashSessionId(id),
      principal.tenant.id,
      principal.clientId,
      new Date(now),
      new Date(Math.min(now + IDLE_MS, absoluteExpires)),
      new Date(absoluteExpires),
    ],
  );
  return { id, absoluteExpires };
}

interface SessionRow {
  id: string;
  name: string;
  department_id: number;
  client_id: string;
  role: Role;
  expires_at: Date;
  absolute_expires_at: Date;
}

/** The client a live session belongs to (null when unknown, expired or its client was revoked). */
export async function sessionPrincipal(q: Queryable, id: string, now: number): Promise<Principal | null> {
  const hash = hashSessionId(id);
  const row = (
    await q.query<SessionRow>(
      `SELECT t.id, t.name, t.department_id, c.client_id, c.role, s.expires_at, s.absolute_expires_at
         FROM dashboard_sessions s
         JOIN api_clients c ON c.client_id = s.client_id AND c.revoked_at IS NULL
         JOIN tenants t ON t.id = s.tenant_id AND t.deleted_at IS NULL
        WHERE s.id_hash = $1 AND s.expires_at > $2`,
      [hash, new Date(now)],
    )
  ).rows[0];
  if (!row) return null;
  const expires = new Date(row.expires_at).getTime();
  const absolute = new Date(row.absolute_expires_at).getTime();
  if (now + IDLE_MS - expires > REFRESH_MS && expires < absolute) {
    await q.query('UPDATE dashboard_sessions SET expires_at = $2 WHERE id_hash = $1', [
      hash,
      new Date(Math.min(now + IDLE_MS, absolute)),
    ]);
  }
  return {
    tenant: { id: row.id, name: row.name, departmentId: row.department_id },
    clientId: row.client_id,
    role: row.role,
  };
}

/** Ends a session (sign-out); answers whether there was one. */
export async function closeSession(q: Queryable, id: string): Promise<boolean> {
  const result = await q.query('DELETE FROM dashboard_sessions WHERE id_hash = $1', [hashSessionId(id)]);
  return (result.rowCount ?? 0) > 0;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The principal of a request signed in by the dashboard cookie (`id` as `sessionCookie` read it). A request
 * that changes something must also carry `X-Switchboard-UI: 1`: browsers send the cookie only same-site
 * (SameSite=Strict), and a custom header cannot be sent cross-origin without a CORS preflight this server
 * never grants — two independent guards against cross-site request forgery.
 */
export async function cookiePrincipal(
  q: Queryable,
  request: FastifyRequest,
  id: string,
  now: number,
): Promise<Principal> {
  const principal = id ? await sessionPrincipal(q, id, now) : null;
  if (!principal) throw new AppError('unauthorized', 'the dashboard session has ended: sign in again');
  if (!SAFE_METHODS.has(request.method) && request.headers[UI_HEADER] !== '1')
    throw new AppError(
      'forbidden',
      `a change signed in by the dashboard cookie needs the header ${UI_HEADER}: 1`,
    );
  return principal;
}
