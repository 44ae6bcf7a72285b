/**
 * Kore.ai's `auth` header: a JWT signed HS256 with the client's secret. The client is named by the `appId`
 * claim (Kore's API documentation), else by `iss` (the token shape of Kore's Web SDK and of clients built on
 * it: `{ iss: clientId, sub, aud, iat, exp }`); `appId` wins when both are present, and `aud` is not checked.
 * `exp`, `nbf` and `iat` are honoured when present; a token with a `jti` must expire at most one hour ahead,
 * and each `jti` is accepted once (a replay is refused). Only HS256 is accepted.
 */
import { decodeJwt, decodeProtectedHeader, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../../db/store.js';
import type { Keyring } from '../../security/keys.js';
import { sealedSecret, type Principal } from '../../tenants/repository.js';
import { KoreError } from './errors.js';
import { admit } from '../../http/access.js';

const MAX_JTI_LIFETIME_S = 3600;

const refuse = (why: string) => new KoreError(401, `error verifying the jwt: ${why}`);

/** Which claim names the client: `appId` if present, else `iss`. Throws when neither is usable. */
export function clientClaim(payload: JWTPayload): { claim: 'appId' | 'iss'; clientId: string } {
  const { appId, iss } = payload;
  if (appId !== undefined) {
    // A present but unusable appId is an error rather than a silent fall-back to iss: it would otherwise
    // let a token name one client in appId and be checked against another.
    if (typeof appId !== 'string' || appId === '') throw refuse('the appId claim must be a non-empty string');
    return { claim: 'appId', clientId: appId };
  }
  if (typeof iss === 'string' && iss !== '') return { claim: 'iss', clientId: iss };
  throw refuse('an appId (or iss) claim naming the client is required');
}

/** jose's verification failures in words a Kore client's user can act on. */
function verificationFailure(error: unknown): KoreError {
  if (error instanceof joseErrors.JWTExpired) return refuse('token expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf' && error.reason === 'check_failed') return refuse('token not yet valid (nbf)');
    return refuse(`invalid ${error.claim} claim`);
  }
  return refuse('invalid signature');
}

export function koreAuthenticator(db: Db, keys: Keyring, now: () => number) {
  return async (request: FastifyRequest): Promise<Principal> => {
    const header = request.headers.auth ?? request.headers.authorization?.replace(/^bearer\s+/i, '');
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) throw new KoreError(401, 'auth header with a JWT is required');
    let claims: JWTPayload;
    try {
      if (decodeProtectedHeader(token).alg !== 'HS256') throw refuse('only HS256 is accepted');
      claims = decodeJwt(token);
    } catch (error) {
      if (error instanceof KoreError) throw error;
      throw refuse('malformed token');
    }
    const { claim, clientId } = clientClaim(claims);
    const client = await sealedSecret(db, clientId);
    if (!client) throw refuse(`unknown ${claim}`);
    if (!client.sealed) {
      throw new KoreError(
        401,
        'this client was created before Kore support; create a new client for the Kore API',
      );
    }
    const at = Math.floor(now() / 1000);
    const verify = async (sealed: string) =>
      (
        await jwtVerify(token, new TextEncoder().encode(keys.unseal(sealed)), {
          algorithms: ['HS256'],
          currentDate: new Date(now()),
        })
      ).payload;
    let payload: JWTPayload;
    try {
      payload = await verify(client.sealed);
    } catch (error) {
      // Within a rotation's grace period a token signed with the replaced secret is still good.
      const badSignature = error instanceof joseErrors.JWSSignatureVerificationFailed;
      if (!badSignature || !client.previous) throw verificationFailure(error);
      payload = await verify(client.previous).catch((again: unknown) => {
        throw verificationFailure(again);
      });
    }
    if (payload.jti !== undefined) {
      if (typeof payload.exp !== 'number' || payload.exp - at > MAX_JTI_LIFETIME_S) {
        throw refuse('a token with jti must expire within one hour');
      }
      await db.query('DELETE FROM kore_jti WHERE client_id = $1 AND expires_at < $2', [
        clientId,
        new Date(now()).toISOString(),
      ]);
      const fresh = await db.query(
        'INSERT INTO kore_jti (client_id, jti, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING jti',
        [clientId, String(payload.jti), new Date(payload.exp * 1000).toISOString()],
      );
      if (fresh.rows.length === 0) throw refuse('possibly a replay');
    }
    return admit(request, client.principal);
  };
}
