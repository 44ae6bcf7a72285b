/**
 * The server key: signs mluvii access tokens and seals the client secrets that Kore's HS256 tokens need.
 *
 * It comes from `SWITCHBOARD_SECRET_KEY` when set (recommended in production: then a copy of the database
 * alone can neither forge tokens nor read secrets), else from the `server_keys` table, where the first start
 * writes a random one so that every instance sharing the database agrees on it. Each use derives its own
 * sub-key with HKDF, so one purpose's key never serves another.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/store.js';

export interface Keyring {
  /** A 32-byte key for one purpose, e.g. 'mluvii-token'. */
  derive(purpose: string): Buffer;
  /** AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  seal(plain: string): string;
  unseal(sealed: string): string;
}

export async function loadKeyring(
  db: Queryable,
  fromEnv = process.env.SWITCHBOARD_SECRET_KEY,
): Promise<Keyring> {
  let master: Buffer;
  if (fromEnv && fromEnv.length > 0) {
    if (fromEnv.length < 32) throw new Error('SWITCHBOARD_SECRET_KEY must be at least 32 characters');
    master = Buffer.from(fromEnv, 'utf8');
  } else {
    await db.query(
      `INSERT INTO server_keys (name, value) VALUES ('master', $1) ON CONFLICT (name) DO NOTHING`,
      [randomBytes(32).toString('base64url')],
    );
    const row = (await db.query<{ value: string }>(`SELECT value FROM server_keys WHERE name = 'master'`))
      .rows[0];
    master = Buffer.from(row.value, 'base64url');
  }
  return keyring(master);
}

export function keyring(master: Buffer): Keyring {
  const derived = new Map<string, Buffer>();
  const derive = (purpose: string) => {
    let key = derived.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `switchboard:${purpose}`, 32));
      derived.set(purpose, key);
    }
    return key;
  };
  return {
    derive,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', derive('seal'), iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), body]
        .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
        .join('.');
    },
    unseal(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
      const decipher = createDecipheriv('aes-256-gcm', derive('seal'), Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
  };
}
