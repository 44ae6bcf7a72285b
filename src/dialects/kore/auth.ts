/**
 * Kore.ai's `auth` header: a JWT signed HS256 with the client's secret, whose `appId` claim names the client.
 * `exp`, `nbf` and `iat` are honoured when present; a token with a `jti` must expire at most one hour ahead,
 * and each `jti` is accepted once (a replay is refused). Only HS256 is accepted.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, errors as joseErrors } from 'jose';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/store.js';
import type { Keyring } from '../../security/keys.js';
import { sealedSecret, type Principal } from '../../tenants/repository.js';
import { KoreError } from './errors.js';

const MAX_JTI_LIFETIME_S = 3600;

export function koreAuthenticator(db: Db, keys: Keyring, now: () => number) {
  return async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.auth ?? request.headers.authorization?.replace(/^bearer\s+/i, '');
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) throw new KoreError(401, 'auth header with a JWT is required');
    let appId: unknown;
    try {
      const protectedHeader = decodeProtectedHeader(token);
      if (protectedHeader.alg !== 'HS256')
        throw new KoreError(401, 'error verifying the jwt: only HS256 is accepted');
      appId = decodeJwt(token).appId;
    } catch (error) {
      if (error instanceof KoreError) throw error;
      throw new KoreError(401, 'error verifying the jwt: malformed token');
    }
    if (typeof appId !== 'string' || appId === '')
      throw new KoreError(401, 'error verifying the jwt: appId claim is required');
    const client = await sealedSecret(db, appId);
    if (!client) throw new KoreError(401, 'error verifying the jwt: unknown appId');
    if (!client.sealed) {
      throw new KoreError(
        401,
        'this client was created before Kore support; create a new client for the Kore API',
      );
    }
    const secret = new TextEncoder().encode(keys.unseal(client.sealed));
    const at = Math.floor(now() / 1000);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], currentDate: new Date(now()) }));
    } catch (error) {
      const expired = error instanceof joseErrors.JWTExpired;
      throw new KoreError(
        401,
        expired ? 'error verifying the jwt: token expired' : 'error verifying the jwt: invalid signature',
      );
    }
    if (payload.jti !== undefined) {
      if (typeof payload.exp !== 'number' || payload.exp - at > MAX_JTI_LIFETIME_S) {
        throw new KoreError(401, 'error verifying the jwt: a token with jti must expire within one hour');
      }
      await db.query('DELETE FROM kore_jti WHERE client_id = $1 AND expires_at < $2', [
        appId,
        new Date(now()).toISOString(),
      ]);
      const fresh = await db.query(
        'INSERT INTO kore_jti (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING jti',
        [appId, String(payload.jti), new Date(payload.exp * 1000).toISOString()],
      );
      if (fresh.rows.length === 0) throw new KoreError(401, 'error verifying the jwt: possibly a replay');
    }
    return (request.principal = client.principal);
  };
}
