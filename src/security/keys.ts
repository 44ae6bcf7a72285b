/**
 * The server key: signs mluvii access tokens and seals the client secrets that Kore's HS256 tokens need.
 *
 * A server and the command line find it with `resolveServerKey` (docs/security.md, "Secrets at rest"): from
 * `SWITCHBOARD_SECRET_KEY`, else from a key file (`<data>/secret.key`, mode 0600), never from the database
 * unless an installation from before this rule still keeps it there. Each use derives its own sub-key with
 * HKDF, so one purpose's key never serves another.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Queryable } from '../db/store.js';

/** The key this process resolved at start (`resolveServerKey`); every `loadKeyring` then answers it. */
let configured: Buffer | null = null;

/** Where the key came from, for the start-up line (never the key itself). */
export interface ServerKeySource {
  source: 'environment' | 'file' | 'database';
  /** The key file read or written. */
  path?: string;
  /** What the operator should know: a key generated, moved out of the database, or still in it. */
  notice?: string;
}

export class ServerKeyError extends Error {}

const keyFromEnv = (value: string): Buffer => {
  if (value.length < 32) throw new ServerKeyError('SWITCHBOARD_SECRET_KEY must be at least 32 characters');
  return Buffer.from(value, 'utf8');
};

/** A key file holds the key as base64url text (as `server_keys` did): 32 random bytes. */
function readKeyFile(path: string): Buffer {
  const text = readFileSync(path, 'utf8').trim();
  const key = Buffer.from(text, 'base64url');
  if (key.length < 32) throw new ServerKeyError(`${path} does not hold a key (32 bytes, base64url)`);
  return key;
}

function writeKeyFile(path: string, key: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  // `wx`: never overwrite a key another process just wrote.
  writeFileSync(path, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
}

/**
 * Finds the server key and makes it this process's (every later `loadKeyring` answers it), in this order:
 * 1. `SWITCHBOARD_SECRET_KEY` (at least 32 characters);
 * 2. the key file, when it exists;
 * 3. a key an older installation kept in `server_keys`: on the embedded store it is moved into the key file
 *    and deleted from the database; on PostgreSQL it keeps working, with a notice saying how to move it
 *    (other servers on the database may still read it there);
 * 4. none: the embedded store writes a new random key file; PostgreSQL refuses to start unless `generate`
 *    (`SWITCHBOARD_SECRET_KEY_GENERATE=true`) lets it write one, because servers sharing a database must
 *    share the key and a key generated silently on one of them would not be.
 */
export async function resolveServerKey(
  db: Queryable,
  options: { env: string | undefined; keyFile: string; store: 'embedded' | 'postgres'; generate: boolean },
): Promise<ServerKeySource> {
  if (options.env) {
    configured = keyFromEnv(options.env);
    return { source: 'environment' };
  }
  if (exists(options.keyFile)) {
    configured = readKeyFile(options.keyFile);
    const mode = statSync(options.keyFile).mode & 0o777;
    return {
      source: 'file',
      path: options.keyFile,
      ...(mode & 0o077
        ? { notice: `${options.keyFile} is readable by others (mode ${mode.toString(8)}); chmod 600 it` }
        : {}),
    };
  }
  const legacy = (await db.query<{ value: string }>(`SELECT value FROM server_keys WHERE name = 'master'`))
    .rows[0];
  if (legacy) {
    const key = Buffer.from(legacy.value, 'base64url');
    if (options.store === 'embedded' || options.generate) {
      writeKeyFile(options.keyFile, key);
      await db.query(`DELETE FROM server_keys WHERE name = 'master'`);
      configured = key;
      return {
        source: 'file',
        path: options.keyFile,
        notice: `the server key was moved out of the database into ${options.keyFile}`,
      };
    }
    configured = key;
    return {
      source: 'database',
      notice:
        'the server key is still in the database (server_keys), so a copy of the database can read client secrets and mint tokens; move it out: docs/security.md, "Secrets at rest"',
    };
  }
  if (options.store === 'postgres' && !options.generate) {
    throw new ServerKeyError(
      `no server key: on PostgreSQL set SWITCHBOARD_SECRET_KEY (at least 32 characters), or put a key in ${options.keyFile} (SWITCHBOARD_SECRET_KEY_FILE), or set SWITCHBOARD_SECRET_KEY_GENERATE=true to write a new one there; every server on this database needs the same key`,
    );
  }
  const key = randomBytes(32);
  writeKeyFile(options.keyFile, key);
  configured = key;
  return {
    source: 'file',
    path: options.keyFile,
    notice: `a new server key was written to ${options.keyFile}`,
  };
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Forgets the resolved key (tests that resolve more than one). */
export function forgetServerKey(): void {
  configured = null;
}

export interface Keyring {
  /** A 32-byte key for one purpose, e.g. 'mluvii-token'. */
  derive(purpose: string): Buffer;
  /** AES-256-GCM: `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  seal(plain: string): string;
  unseal(sealed: string): string;
}

/**
 * The keyring of this process: the key `resolveServerKey` found; without one (tests, embedding the app),
 * `SWITCHBOARD_SECRET_KEY`, else a key kept in the database (generated there on first use) so that apps
 * sharing a test database agree.
 */
export async function loadKeyring(
  db: Queryable,
  fromEnv = process.env.SWITCHBOARD_SECRET_KEY,
): Promise<Keyring> {
  if (configured) return keyring(configured);
  let master: Buffer;
  if (fromEnv && fromEnv.length > 0) {
    master = keyFromEnv(fromEnv);
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
