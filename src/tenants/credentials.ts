/** Client credentials: 256-bit random secrets, stored only as their SHA-256. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newClientId(): string {
  return `sbc_${randomBytes(12).toString('base64url')}`;
}

export function newClientSecret(): string {
  return `sbs_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
