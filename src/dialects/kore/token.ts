/** Makes a Kore.ai `auth` token as a client would: HS256 with the client secret, `appId` = the client id. */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

export async function koreToken(options: {
  clientId: string;
  clientSecret: string;
  /** Seconds until `exp`; 0 leaves `exp` out. */
  expiresIn?: number;
  jti?: boolean;
  sub?: string;
  now?: number;
}): Promise<string> {
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000);
  const jwt = new SignJWT({ appId: options.clientId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? 'switchboard-cli')
    .setIssuedAt(issuedAt);
  const expiresIn = options.expiresIn ?? 3600;
  if (expiresIn > 0) jwt.setExpirationTime(issuedAt + expiresIn);
  if (options.jti) jwt.setJti(randomUUID());
  return jwt.sign(new TextEncoder().encode(options.clientSecret));
}
