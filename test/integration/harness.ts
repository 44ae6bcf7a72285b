/**
 * Integration harness: a real store (in-memory PGlite, or a fresh schema on the PostgreSQL server named by
 * TEST_DATABASE_URL when TEST_STORE=postgres), migrations applied, the real app, two tenants.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app.js';
import { openStore, type Db } from '../../src/db/store.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { fileBlobStore } from '../../src/files/blobs.js';
import { createTenant, type CreatedTenant } from '../../src/tenants/repository.js';

export const STORE = process.env.TEST_STORE === 'postgres' ? 'postgres' : 'embedded';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface Harness {
  app: FastifyInstance;
  db: Db;
  tenant: CreatedTenant;
  other: CreatedTenant;
  blobDir: string;
  /** Bearer header of a tenant (default: the first). */
  auth(tenant?: CreatedTenant): { authorization: string };
  request(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** POSTs events as the tenant and asserts a 200. */
  ingest(events: unknown[], tenant?: CreatedTenant): Promise<{ accepted: number; duplicates: number }>;
  close(): Promise<void>;
}

/** A fresh store with the migrations applied (those numbered below `below` only, when it is given). */
export async function openTestStore(below = Infinity): Promise<{ db: Db; drop: () => Promise<void> }> {
  const migrations = loadMigrations().filter((m) => m.version < below);
  if (STORE === 'embedded') {
    const db = await openStore({});
    await migrate(db, migrations);
    return { db, drop: () => db.close() };
  }
  const url = process.env.TEST_DATABASE_URL;
  assert.ok(url, 'TEST_DATABASE_URL must be set for TEST_STORE=postgres');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openStore({ databaseUrl: url, schema });
  await migrate(db, migrations);
  return {
    db,
    drop: async () => {
      await db.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

/**
 * A fresh, empty schema on the test PostgreSQL server, for tests that start the server or the command line as
 * a child process: the database URL that selects it, and `drop` to remove it.
 */
export async function freshSchemaUrl(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  assert.ok(base, 'TEST_DATABASE_URL must be set for TEST_STORE=postgres');
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

export async function harness(options: Partial<AppOptions> = {}): Promise<Harness> {
  const { db, drop } = await openTestStore();
  const blobDir = mkdtempSync(join(tmpdir(), 'switchboard-blobs-'));
  let app: FastifyInstance;
  try {
    app = await buildApp({ db, blobs: fileBlobStore(blobDir), adminToken: ADMIN_TOKEN, ...options });
  } catch (error) {
    // A failing start must not leave the store open (the test run would hang on it).
    await drop();
    throw error;
  }
  const tenant = await db.tx((q) => createTenant(q, { name: 'acme' }));
  const other = await db.tx((q) => createTenant(q, { name: 'globex' }));
  const auth = (t = tenant) => ({ authorization: `Bearer ${t.credentials.clientSecret}` });
  return {
    app,
    db,
    tenant,
    other,
    blobDir,
    auth,
    request: (opts) => app.inject(opts),
    async ingest(events, t = tenant) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: auth(t),
        payload: events,
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    },
    async close() {
      await app.close();
      await drop();
      rmSync(blobDir, { recursive: true, force: true });
    },
  };
}

/**
 * A mluvii access token for a client (default: the harness's tenant) from `POST /login/connect/token`, the
 * client-credentials form every mluvii client sends; asserts the 200.
 */
export async function mluviiToken(
  h: Harness,
  client: { clientId: string; clientSecret: string } = h.tenant.credentials,
): Promise<string> {
  const response = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}`,
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ access_token: string }>().access_token;
}

/** Asserts a native error envelope with the given status and code. */
export function assertError(
  response: { statusCode: number; json(): unknown; body: string },
  status: number,
  code?: string,
): { code: string; message: string; details?: unknown } {
  assert.equal(response.statusCode, status, response.body);
  const body = response.json() as { error: { code: string; message: string; details?: unknown } };
  assert.equal(typeof body.error?.message, 'string', response.body);
  if (code) assert.equal(body.error.code, code);
  return body.error;
}

/**
 * The security tests every tenant route gets (STYLE.md §11): no credentials, malformed and wrong
 * credentials answer 401; for routes naming a resource, another tenant's credentials answer 404.
 */
export async function commonRouteTests(
  h: Harness,
  route: { method: InjectOptions['method']; url: string; payload?: unknown; ownedResource?: boolean },
): Promise<void> {
  const base = {
    method: route.method,
    url: route.url,
    ...(route.payload !== undefined ? { payload: route.payload as string } : {}),
  };
  const label = `${String(route.method)} ${route.url}`;
  const none = await h.request(base);
  assert.equal(none.statusCode, 401, `${label} without credentials: ${none.body}`);
  for (const authorization of [
    'Bearer sbs_not-a-real-secret',
    'Basic ' + Buffer.from(`${h.tenant.credentials.clientId}:wrong`).toString('base64'),
    'Basic !!!',
    'Token abc',
  ]) {
    const bad = await h.request({ ...base, headers: { authorization } });
    assert.equal(bad.statusCode, 401, `${label} with '${authorization}': ${bad.body}`);
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'unauthorized');
  }
  if (route.ownedResource) {
    const foreign = await h.request({ ...base, headers: h.auth(h.other) });
    assert.equal(foreign.statusCode, 404, `${label} as another tenant: ${foreign.body}`);
  }
}
