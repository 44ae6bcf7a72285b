/**
 * Webhook secrets at rest (issue 15, item 7; docs/security.md, "Secrets at rest"): after a webhook is
 * registered, neither its signing secret nor its callback URL's password is in any column of any row in
 * clear; deliveries are still signed with the secret the API gave and carry the URL's Basic credentials;
 * rotation still works; and rows stored as given before migration 027 are sealed at start (once, even with
 * two servers starting together) and still deliver. Receivers listen on 127.0.0.1 only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';
import { openStore, type Db, type Queryable } from '../../src/db/store.js';
import { fileBlobStore } from '../../src/files/blobs.js';
import { forgetServerKey, loadKeyring } from '../../src/security/keys.js';
import { openConfiguredStore } from '../../src/server.js';
import { createTenant, type CreatedTenant } from '../../src/tenants/repository.js';
import { startDispatcher, type Dispatcher } from '../../src/webhooks/dispatcher.js';
import { findWebhook } from '../../src/webhooks/repository.js';
import { openCallbackUrl, openSecret, sealStoredWebhooks } from '../../src/webhooks/secrets.js';
import { harness, openTestStore, STORE, type Harness } from './harness.js';

const LOCAL = '127.0.0.1';
/** The first migration that seals webhook secrets: stores opened below it are "before the upgrade". */
const SEALING_MIGRATION = 27;

interface Received {
  path: string;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

let rx: { server: Server; port: number; received: Received[] };
let h: Harness;
let dispatcher: Dispatcher;

before(async () => {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        headers: request.headers,
      });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
  rx = { server, port: (server.address() as { port: number }).port, received };
  let kick = () => undefined as void;
  h = await harness({ onWebhooksQueued: () => kick(), webhookAllow: LOCAL });
  dispatcher = startDispatcher({ db: h.db, allow: LOCAL, pollMs: 25, baseBackoffMs: 30, maxBackoffMs: 200 });
  kick = () => dispatcher.kick();
});
after(async () => {
  await dispatcher.stop();
  await h.close();
  await new Promise((resolve) => rx.server.close(resolve));
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every row of every table of the store as text, with the tables each needle was found in. */
async function foundInRows(db: Queryable, needles: string[]): Promise<Map<string, string[]>> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  assert.ok(tables.rows.length > 20, `${tables.rows.length} tables`);
  const found = new Map<string, string[]>();
  for (const { table_name } of tables.rows) {
    const rows = await db.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    for (const { row } of rows.rows)
      for (const needle of needles)
        if (row.includes(needle)) found.set(needle, [...(found.get(needle) ?? []), table_name]);
  }
  return found;
}

/** Asserts the scan sees the webhook (`visible`) and none of `secrets`. */
async function assertNothingInClear(db: Queryable, visible: string, secrets: string[]) {
  const found = await foundInRows(db, [visible, ...secrets]);
  assert.ok(found.get(visible)?.includes('webhooks'), `the scan reads the webhooks table (${visible})`);
  for (const secret of secrets) assert.equal(found.get(secret), undefined, `${secret} is stored in clear`);
}

async function mluviiToken(app: FastifyInstance, tenant: CreatedTenant) {
  const response = await app.inject({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${tenant.credentials.clientId}&client_secret=${tenant.credentials.clientSecret}`,
  });
  return { authorization: `Bearer ${response.json().access_token}` };
}

let sessionNo = 0;
/** Ingests a new session's `session.created` as the tenant: one SessionCreated delivery per webhook. */
async function newSession(app: FastifyInstance, tenant: CreatedTenant) {
  const sessionId = `seal-${++sessionNo}`;
  const response = await app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { authorization: `Bearer ${tenant.credentials.clientSecret}` },
    payload: [
      {
        id: `${sessionId}-1`,
        sessionId,
        type: 'session.created',
        at: '2026-03-09T10:00:00Z',
        channel: 'chat',
      },
    ],
  });
  assert.equal(response.statusCode, 200, response.body);
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const signed = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Waits for `count` deliveries to `path` and checks each one's signature and Basic credentials. */
async function assertDelivered(path: string, count: number, secret: string, authorization: string) {
  const mine = () => rx.received.filter((r) => r.path === path);
  await until(() => mine().length >= count, `${count} deliveries to ${path}`);
  for (const r of mine().slice(count - 1)) {
    assert.equal(r.headers['x-switchboard-signature'], signed(secret, r.body), 'signed with the secret');
    assert.equal(r.headers.authorization, authorization);
  }
}

test('a secret and a callback password are in no row in clear; deliveries are signed and authorized; rotation works', async () => {
  const password = `pw-${randomBytes(9).toString('hex')}`;
  const path = `/in-${randomBytes(4).toString('hex')}`;
  const callbackUrl = `http://hook%20user:${password}@${LOCAL}:${rx.port}${path}`;
  const headers = await mluviiToken(h.app, h.tenant);
  const created = await h.request({
    method: 'POST',
    url: '/api/v1/Webhooks',
    headers,
    payload: { eventTypes: ['SessionCreated'], callbackUrl },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json<number>();
  const secret = String(created.headers['x-switchboard-webhook-secret']);
  assert.match(secret, /^whsec_/);
  await assertNothingInClear(h.db, path, [secret, password]);
  const row = (
    await h.db.query<{ secret: string; callback_url: string; callback_sealed: string; callback_key: string }>(
      'SELECT secret, callback_url, callback_sealed, callback_key FROM webhooks WHERE id = $1',
      [id],
    )
  ).rows[0];
  assert.match(row.secret, /^v1\./);
  assert.equal(row.callback_url, `http://hook%20user:***@${LOCAL}:${rx.port}${path}`, 'the listing’s form');
  assert.match(row.callback_sealed, /^v1\./);
  assert.ok(row.callback_key.length >= 43);

  await newSession(h.app, h.tenant);
  await assertDelivered(path, 1, secret, basic('hook user', password));
  const api = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    h.request({ method, url, headers, ...(payload ? { payload } : {}) });
  assert.deepEqual((await api('GET', `/api/v1/Webhooks/${id}/secret`)).json(), { secret });

  // The same registration again is still a 409 with its id; another password is another registration.
  const again = await api('POST', '/api/v1/Webhooks', { eventTypes: ['SessionCreated'], callbackUrl });
  assert.deepEqual([again.statusCode, again.body], [409, String(id)]);
  const otherUrl = callbackUrl.replace(password, `${password}x`);
  const other = await api('POST', '/api/v1/Webhooks', {
    eventTypes: ['SessionCreated'],
    callbackUrl: otherUrl,
  });
  assert.equal(other.statusCode, 201, other.body);
  const clash = await api('PUT', `/api/v1/Webhooks/${id}`, { eventTypes: [2], callbackUrl: otherUrl });
  assert.deepEqual([clash.statusCode, clash.body], [409, other.body]);
  await h.request({ method: 'DELETE', url: `/api/v1/Webhooks/${other.body}`, headers });

  // Rotation: the new secret signs what is sent next, and neither secret is stored in clear.
  const rotated = await api('POST', `/api/v1/Webhooks/${id}/secret`);
  assert.equal(rotated.statusCode, 200, rotated.body);
  const newSecret = rotated.json<{ secret: string }>().secret;
  assert.notEqual(newSecret, secret);
  await newSession(h.app, h.tenant);
  await assertDelivered(path, 2, newSecret, basic('hook user', password));

  // Written back as GET shows it (password masked), the URL keeps its password.
  const shown = (await api('GET', `/api/v1/Webhooks/${id}`)).json<{ callbackUrl: string }>();
  assert.ok(!shown.callbackUrl.includes(password));
  const put = await api('PUT', `/api/v1/Webhooks/${id}`, {
    eventTypes: ['SessionCreated', 'SessionEnded'],
    callbackUrl: shown.callbackUrl,
  });
  assert.equal(put.statusCode, 204, put.body);
  await newSession(h.app, h.tenant);
  await assertDelivered(path, 3, newSecret, basic('hook user', password));
  await assertNothingInClear(h.db, path, [secret, newSecret, password]);
  await h.request({ method: 'DELETE', url: `/api/v1/Webhooks/${id}`, headers });
});

/** A webhook as versions before migration 027 stored it: secret and URL as given. */
async function insertPlain(db: Queryable, tenantId: string, eventTypes: string[], callbackUrl: string) {
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const row = await db.query<{ id: string }>(
    'INSERT INTO webhooks (tenant_id, event_types, callback_url, secret) VALUES ($1, $2, $3, $4) RETURNING id',
    [tenantId, eventTypes, callbackUrl, secret],
  );
  return { id: Number(row.rows[0].id), secret, callbackUrl };
}

/** The same store through a second handle, as a second server has it (PostgreSQL); the embedded one has one. */
async function secondHandle(db: Db): Promise<Db | null> {
  if (STORE === 'embedded') return null;
  const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0].s;
  return openStore({ databaseUrl: process.env.TEST_DATABASE_URL, schema });
}

test('rows stored as given before migration 027 are sealed at start, once with two servers, and still deliver', async () => {
  const { db, drop } = await openTestStore(SEALING_MIGRATION);
  const blobDir = mkdtempSync(join(tmpdir(), 'switchboard-blobs-'));
  let second: Db | null = null;
  let app: FastifyInstance | null = null;
  let local: Dispatcher | null = null;
  try {
    const tenant = await db.tx((q) => createTenant(q, { name: 'legacy' }));
    const password = `pw-${randomBytes(9).toString('hex')}`;
    const path = `/legacy-${randomBytes(4).toString('hex')}`;
    const hook = await insertPlain(
      db,
      tenant.id,
      ['SessionCreated'],
      `http://old:${password}@${LOCAL}:${rx.port}${path}`,
    );
    // More rows than a batch: they subscribe to an event type that never fires, so nothing is sent to them.
    const rest: { secret: string }[] = [];
    for (let i = 0; i < 6; i++)
      rest.push(await insertPlain(db, tenant.id, ['StatRealTime'], `https://u:p${i}@legacy-${i}.example/`));

    await migrate(db);
    const keys = await loadKeyring(db);
    // Until a start seals them, they are read as given.
    const unsealed = (await findWebhook(db, tenant.id, hook.id))!.stored;
    assert.deepEqual(
      [openCallbackUrl(keys, unsealed), openSecret(keys, unsealed)],
      [hook.callbackUrl, hook.secret],
    );
    second = await secondHandle(db);
    const counts = await Promise.all([
      sealStoredWebhooks(db, keys, 3),
      sealStoredWebhooks(second ?? db, keys, 2),
    ]);
    assert.equal(counts[0] + counts[1], 7, `each row sealed once (${counts.join(' + ')})`);
    assert.equal(await sealStoredWebhooks(db, keys), 0, 'nothing left to seal');
    const rows = await db.query<{ id: string; secret: string; callback_url: string; callback_key: string }>(
      'SELECT id, secret, callback_url, callback_key FROM webhooks ORDER BY id',
    );
    for (const row of rows.rows) {
      assert.match(row.secret, /^v1\./, `webhook ${row.id}`);
      assert.match(row.callback_url, /:\*\*\*@/, `webhook ${row.id}`);
      assert.ok(row.callback_key, `webhook ${row.id}`);
    }
    await assertNothingInClear(db, path, [
      hook.secret,
      password,
      ...rest.flatMap((r, i) => [r.secret, `u:p${i}@`]),
    ]);

    // The upgraded server: the API answers the secret as it was, and deliveries are signed with it.
    app = await buildApp({ db, blobs: fileBlobStore(blobDir), webhookAllow: LOCAL });
    local = startDispatcher({ db, keys, allow: LOCAL, pollMs: 25 });
    const headers = await mluviiToken(app, tenant);
    const read = await app.inject({ method: 'GET', url: `/api/v1/Webhooks/${hook.id}/secret`, headers });
    assert.deepEqual(read.json(), { secret: hook.secret });
    const listed = await app.inject({ method: 'GET', url: '/api/v1/Webhooks', headers });
    assert.ok(!listed.body.includes(password), listed.body);
    assert.ok(listed.body.includes(`http://old:***@${LOCAL}:${rx.port}${path}`), listed.body);
    const duplicate = await app.inject({
      method: 'POST',
      url: '/api/v1/Webhooks',
      headers,
      payload: { eventTypes: ['SessionCreated'], callbackUrl: hook.callbackUrl },
    });
    assert.deepEqual([duplicate.statusCode, duplicate.body], [409, String(hook.id)]);
    await newSession(app, tenant);
    await assertDelivered(path, 1, hook.secret, basic('old', password));
  } finally {
    await local?.stop();
    await app?.close();
    await second?.close();
    await drop();
    rmSync(blobDir, { recursive: true, force: true });
  }
});

test('a server start seals what an older version stored (embedded data directory)', async (t) => {
  if (STORE !== 'embedded') {
    t.skip('the start path through a data directory is the embedded store’s');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-seal-start-'));
  try {
    const old = await openStore({ dataDir: join(dir, 'pglite') });
    await migrate(
      old,
      loadMigrations().filter((m) => m.version < SEALING_MIGRATION),
    );
    const tenant = await old.tx((q) => createTenant(q, { name: 'before' }));
    const hook = await insertPlain(old, tenant.id, ['StatRealTime'], 'https://a:plain-pw@before.example/');
    await old.close();

    const lines: string[] = [];
    const { db, release } = await openConfiguredStore(
      { dataDir: dir, databaseUrl: undefined, secretKeyFile: join(dir, 'secret.key') },
      (line) => lines.push(line),
    );
    try {
      assert.ok(
        lines.some((l) => /sealed the stored secrets of 1 webhook/.test(l)),
        lines.join('\n'),
      );
      const row = (
        await db.query<{ secret: string; callback_url: string }>('SELECT secret, callback_url FROM webhooks')
      ).rows[0];
      assert.match(row.secret, /^v1\./);
      assert.equal(row.callback_url, 'https://a:***@before.example/');
      const keys = await loadKeyring(db);
      assert.equal(keys.unseal(row.secret), hook.secret);
    } finally {
      await db.close();
      release();
    }
  } finally {
    forgetServerKey();
    rmSync(dir, { recursive: true, force: true });
  }
});
