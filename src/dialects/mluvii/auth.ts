/**
 * mluvii's OAuth2 client-credentials flow: `POST /login/connect/token` trades a client id and secret for a
 * one-hour HS256 JWT, which every `/api/v1` call carries as `Authorization: Bearer`. The signing key is
 * derived from the server key (src/security/keys.ts); a revoked client's tokens stop working within the
 * client cache's lifetime (30 s).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/store.js';
import type { Keyring } from '../../security/keys.js';
import { AppError } from '../../http/errors.js';
import { clientByCredentials, clientById, type Principal } from '../../tenants/repository.js';
import { parseBasic } from '../../http/auth.js';
import { admit } from '../../http/access.js';
import { credentialsEpoch } from '../../tenants/admin.js';

export const TOKEN_LIFETIME_S = 3600;
const AUDIENCE = 'mluviiPublicApi';
const ISSUER = 'switchboard';

/** An OAuth2 error (RFC 6749 §5.2), answered as `{ error, error_description }`. */
export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope',
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export interface MluviiTokens {
  /** Checks client credentials from the form (or HTTP Basic) and issues a token. */
  issue(
    form: Record<string, unknown>,
    authorization: string | undefined,
  ): Promise<{ access_token: string; expires_in: number; token_type: 'Bearer'; scope: string }>;
  authenticate(request: FastifyRequest): Promise<Principal>;
}

export function mluviiTokens(db: Db, keys: Keyring, now: () => number): MluviiTokens {
  const key = keys.derive('mluvii-token');
  const cache = new Map<string, { principal: Principal | null; expires: number; epoch: number }>();
  const lookup = async (clientId: string) => {
    const hit = cache.get(clientId);
    if (hit && hit.expires > Date.now() && hit.epoch === credentialsEpoch()) return hit.principal;
    const client = await clientById(db, clientId);
    const principal = client ? { tenant: client.tenant, clientId: client.clientId, role: client.role } : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(clientId, { principal, expires: Date.now() + 30_000, epoch: credentialsEpoch() });
    return principal;
  };

  return {
    async issue(form, authorization) {
      const text = (name: string) => (typeof form[name] === 'string' ? form[name] : undefined);
      let clientId = text('client_id');
      let clientSecret = text('client_secret');
      // OAuth2 client_secret_basic: the parts are form-urlencoded (RFC 6749 §2.3.1).
      const basic = parseBasic(authorization);
      if (basic) {
        clientId = decodeURIComponent(basic.user);
        clientSecret = decodeURIComponent(basic.password);
      }
      const grantType = text('grant_type');
      if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
      if (grantType !== 'client_credentials') {
        throw new OAuthError(
          'unsupported_grant_type',
          `grant_type '${grantType}' is not supported; use client_credentials`,
        );
      }
      const scope = text('scope');
      if (scope !== undefined && scope.split(/\s+/).some((s) => s !== '' && s !== AUDIENCE)) {
        throw new OAuthError('invalid_scope', `the only scope is ${AUDIENCE}`);
      }
      if (!clientId || !clientSecret)
        throw new OAuthError('invalid_client', 'client_id and client_secret are required');
      const client = await clientByCredentials(db, clientId, clientSecret);
      if (!client) throw new OAuthError('invalid_client', 'unknown client or wrong secret');
      const issuedAt = Math.floor(now() / 1000);
      const token = await new SignJWT({ scope: AUDIENCE, tid: client.tenant.id })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(client.clientId)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(issuedAt + TOKEN_LIFETIME_S)
        .setJti(randomUUID())
        .sign(key);
      return { access_token: token, expires_in: TOKEN_LIFETIME_S, token_type: 'Bearer', scope: AUDIENCE };
    },

    async authenticate(request) {
      const header = request.headers.authorization;
      const match = header ? /^bearer\s+(\S+)$/i.exec(header) : null;
      if (!match)
        throw new AppError('unauthorized', 'a Bearer token from POST /login/connect/token is required');
      let subject: string | undefined;
      let tenantId: unknown;
      try {
        const { payload } = await jwtVerify(match[1], key, {
          algorithms: ['HS256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: new Date(now()),
        });
        subject = payload.sub;
        tenantId = payload.tid;
      } catch (error) {
        const expired = error instanceof joseErrors.JWTExpired;
        throw new AppError('unauthorized', expired ? 'the token has expired' : 'the token is not valid');
      }
      const principal = subject ? await lookup(subject) : null;
      if (!principal || principal.tenant.id !== tenantId) {
        throw new AppError('unauthorized', "the token's client no longer exists or was revoked");
      }
      return admit(request, principal);
    },
  };
}
