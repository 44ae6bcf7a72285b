/**
 * ServiceStack authentication as Evo Voice uses it: `POST /auth/credentials` (userName = clientId,
 * password = clientSecret) opens a server-side session named by the `ss-id` cookie (and `ss-pid` when
 * `rememberMe`); HTTP Basic works on every call too. Sessions expire (12 h, or 14 days when remembered) and
 * are revoked by `/auth/logout`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import type { Db } from '../../db/store.js';
import { clientByCredentials, clientById, type Principal } from '../../tenants/repository.js';
import { parseBasic } from '../../http/auth.js';
import { EvoError } from './errors.js';

export const SESSION_MS = 12 * 3_600_000;
export const PERMANENT_MS = 14 * 86_400_000;

/** ServiceStack roles: an admin client is Evo's Manager, every other role a User. */
export const evoRoles = (role: string): string[] => [role === 'admin' ? 'Manager' : 'User'];

/** ServiceStack's AuthenticateResponse for a client and its session. */
export function authenticateResponse(principal: Principal, sessionId: string | null) {
  return {
    userId: principal.clientId,
    sessionId,
    userName: principal.clientId,
    displayName: principal.tenant.name,
    referrerUrl: null,
    bearerToken: null,
    roles: evoRoles(principal.role),
    permissions: [] as string[],
  };
}

export type EvoAuth = ReturnType<typeof evoAuth>;

/**
 * What `evo_auth_sessions.id` holds for a cookie: its SHA-256 (hex), so a copy of the database holds no
 * cookie that could be replayed. The ids are 120 random bits: a fast hash is enough (migration 021).
 */
export function cookieHash(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

async function byCredentials(db: Db, userName: unknown, password: unknown): Promise<Principal | null> {
  if (typeof userName !== 'string' || typeof password !== 'string') return null;
  return clientByCredentials(db, userName, password);
}

export function evoAuth(db: Db, now: () => number) {
  async function fromCookie(request: FastifyRequest): Promise<Principal | null> {
    const ids = [request.cookies['ss-id'], request.cookies['ss-pid']]
      .filter((v): v is string => !!v)
      .map(cookieHash);
    if (ids.length === 0) return null;
    const row = (
      await db.query<{ client_id: string }>(
        `SELECT client_id FROM evo_auth_sessions
          WHERE id = ANY($1::text[]) AND revoked_at IS NULL AND expires_at > $2 LIMIT 1`,
        [ids, new Date(now()).toISOString()],
      )
    ).rows[0];
    if (!row) return null;
    const client = await clientById(db, row.client_id);
    return client ? { tenant: client.tenant, clientId: client.clientId, role: client.role } : null;
  }

  return {
    /** Cookie session or HTTP Basic; 401 otherwise. */
    async authenticate(request: FastifyRequest): Promise<Principal> {
      const header = request.headers.authorization;
      if (header && /^basic\s/i.test(header)) {
        const basic = parseBasic(header);
        const principal = basic ? await clientByCredentials(db, basic.user, basic.password) : null;
        if (!principal) throw new EvoError(401, 'Unauthorized', 'Invalid UserName or Password');
        return (request.principal = principal);
      }
      const principal = await fromCookie(request);
      if (!principal) throw new EvoError(401, 'Unauthorized', 'Not Authenticated');
      return (request.principal = principal);
    },

    /** Checks the credentials, opens a session and sets its cookies. */
    async login(
      request: FastifyRequest,
      reply: FastifyReply,
      credentials: { userName: string | undefined; password: string | undefined; remember: boolean },
    ) {
      const principal = await byCredentials(db, credentials.userName, credentials.password);
      if (!principal) throw new EvoError(401, 'Unauthorized', 'Invalid UserName or Password');
      const remember = credentials.remember;
      const id = randomBytes(15).toString('base64url');
      const at = now();
      await db.query(
        'INSERT INTO evo_auth_sessions (id, client_id, permanent, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
        [
          cookieHash(id),
          principal.clientId,
          remember,
          new Date(at).toISOString(),
          new Date(at + (remember ? PERMANENT_MS : SESSION_MS)).toISOString(),
        ],
      );
      const cookie = {
        path: '/',
        httpOnly: true,
        sameSite: 'lax' as const,
        secure: request.protocol === 'https',
      };
      reply.setCookie('ss-id', id, cookie);
      if (remember) {
        reply.setCookie('ss-pid', id, { ...cookie, maxAge: PERMANENT_MS / 1000 });
        reply.setCookie('ss-opt', 'perm', { ...cookie, maxAge: PERMANENT_MS / 1000 });
      }
      return authenticateResponse(principal, id);
    },

    /** The cookie session a request came with (null for HTTP Basic). */
    sessionIdOf(request: FastifyRequest): string | null {
      return request.cookies['ss-id'] ?? request.cookies['ss-pid'] ?? null;
    },

    async logout(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const ids = [request.cookies['ss-id'], request.cookies['ss-pid']]
        .filter((v): v is string => !!v)
        .map(cookieHash);
      if (ids.length > 0) {
        await db.query(
          'UPDATE evo_auth_sessions SET revoked_at = $2 WHERE id = ANY($1::text[]) AND revoked_at IS NULL',
          [ids, new Date(now()).toISOString()],
        );
      }
      for (const name of ['ss-id', 'ss-pid', 'ss-opt']) reply.clearCookie(name, { path: '/' });
    },
  };
}
