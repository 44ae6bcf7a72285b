/**
 * Download links behind a TLS-terminating proxy: X-Forwarded-Proto/-Host are believed only when the operator
 * says the proxy is trusted (SWITCHBOARD_TRUST_PROXY / --trust-proxy); an explicit public URL still wins.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app.js';
import { fileBlobStore } from '../../src/files/blobs.js';
import { ConfigError, parseServerConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { harness, ADMIN_TOKEN, type Harness } from './harness.js';

const SESSION = 'proxied-1';
const FILE_PATH = `/v1/sessions/${SESSION}/files/doc-1`;
const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'proxy.example' };
let h: Harness;
let mluviiId: number;
const apps: FastifyInstance[] = [];

const events = [
  {
    id: 'p-1',
    type: 'session.created',
    at: '2026-03-01T10:00:00.000Z',
    channel: 'chat',
    guest: { name: 'Ada' },
  },
  {
    id: 'p-2',
    type: 'file.shared',
    at: '2026-03-01T10:01:00.000Z',
    from: 'guest',
    file: { id: 'doc-1', name: 'doc.pdf', contentType: 'application/pdf', size: 3 },
  },
].map((e) => ({ sessionId: SESSION, ...e }));

before(async () => {
  h = await harness();
  await h.ingest(events);
  const row = await h.db.query<{ id: string }>(
    'SELECT id FROM sessions WHERE tenant_id = $1 AND session_id = $2',
    [h.tenant.id, SESSION],
  );
  mluviiId = Number(row.rows[0].id);
});
after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await h.close();
});

/** Another app over the same store, configured as the server would be. */
async function app(options: Partial<AppOptions>): Promise<FastifyInstance> {
  const built = await buildApp({ db: h.db, blobs: fileBlobStore(h.blobDir), ...options });
  apps.push(built);
  return built;
}

/** The file's download URL in the native session and in the mluvii SessionModel's file activity. */
async function links(target: FastifyInstance, request: Partial<InjectOptions> = {}) {
  const headers = { host: 'switchboard.internal:8080', ...(request.headers ?? {}) };
  const native = await target.inject({
    ...request,
    method: 'GET',
    url: `/v1/sessions/${SESSION}`,
    headers: { ...headers, ...h.auth() },
  });
  assert.equal(native.statusCode, 200, native.body);
  const token = await target.inject({
    ...request,
    method: 'POST',
    url: '/login/connect/token',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
  });
  const mluvii = await target.inject({
    ...request,
    method: 'GET',
    url: `/api/v1/Sessions/${mluviiId}`,
    headers: { ...headers, authorization: `Bearer ${token.json().access_token}` },
  });
  assert.equal(mluvii.statusCode, 200, mluvii.body);
  return {
    native: native.json().files[0].downloadUrl as string,
    mluvii: (mluvii.json().activities as { file: { downloadUrl: string } | null }[]).find((a) => a.file)!
      .file!.downloadUrl,
  };
}

const MLUVII_PATH = () => `/api/v1/Sessions/${mluviiId}/files/doc-1`;

test('default (no trust): forwarded headers are ignored, links use the Host the server saw', async () => {
  for (const headers of [{}, FORWARDED]) {
    const urls = await links(h.app, { headers });
    assert.equal(urls.native, `http://switchboard.internal:8080${FILE_PATH}`);
    assert.equal(urls.mluvii, `http://switchboard.internal:8080${MLUVII_PATH()}`);
  }
});

test('trusted proxy: https://proxy.example/… from X-Forwarded-Proto/-Host', async () => {
  for (const trustProxy of [true, 1, ['127.0.0.1'], ['127.0.0.0/8', '10.0.0.0/8'], ['loopback']]) {
    const urls = await links(await app({ trustProxy }), { headers: FORWARDED });
    assert.equal(urls.native, `https://proxy.example${FILE_PATH}`, JSON.stringify(trustProxy));
    assert.equal(urls.mluvii, `https://proxy.example${MLUVII_PATH()}`, JSON.stringify(trustProxy));
    // Without forwarded headers nothing changes.
    assert.equal(
      (await links(await app({ trustProxy }))).native,
      `http://switchboard.internal:8080${FILE_PATH}`,
    );
  }
});

test('only the listed proxies are believed; an explicit public URL still wins', async () => {
  const listed = await app({ trustProxy: ['10.0.0.0/8'] });
  const fromProxy = await links(listed, { headers: FORWARDED, remoteAddress: '10.1.2.3' });
  assert.equal(fromProxy.native, `https://proxy.example${FILE_PATH}`);
  const fromElsewhere = await links(listed, { headers: FORWARDED, remoteAddress: '192.0.2.7' });
  assert.equal(fromElsewhere.native, `http://switchboard.internal:8080${FILE_PATH}`);

  const pinned = await app({ trustProxy: true, publicUrl: 'https://sb.example.org/' });
  const urls = await links(pinned, { headers: FORWARDED });
  assert.equal(urls.native, `https://sb.example.org${FILE_PATH}`);
  assert.equal(urls.mluvii, `https://sb.example.org${MLUVII_PATH()}`);

  // A forwarded protocol that is not http(s) does not make a link scheme.
  const odd = await links(await app({ trustProxy: true }), {
    headers: { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'proxy.example' },
  });
  assert.equal(odd.native, `http://proxy.example${FILE_PATH}`);
});

test('config: parsed once, checked, failing fast; the setting reaches a real server', async () => {
  const parse = (value: string | boolean | undefined, env: NodeJS.ProcessEnv = {}) =>
    parseServerConfig(value === undefined ? {} : { trustProxy: value }, env).trustProxy;
  assert.equal(parse(undefined), false);
  assert.equal(parse(true), true, 'a bare --trust-proxy');
  assert.equal(parse('true'), true);
  assert.equal(parse('false'), false);
  assert.equal(parse('2'), 2);
  assert.deepEqual(parse('10.0.0.0/8, 192.168.1.1,fd00::/8 , loopback'), [
    '10.0.0.0/8',
    '192.168.1.1',
    'fd00::/8',
    'loopback',
  ]);
  assert.deepEqual(parse(undefined, { SWITCHBOARD_TRUST_PROXY: '172.16.0.0/12' }), ['172.16.0.0/12']);
  assert.equal(parse('false', { SWITCHBOARD_TRUST_PROXY: 'true' }), false, 'the flag wins');
  for (const bad of ['yes', '10.0.0.0/33', '10.0.0.0/255.0.255.0', 'proxy.example', ',', '-1']) {
    assert.throws(
      () => parse(bad),
      (error: Error) =>
        error instanceof ConfigError &&
        /--trust-proxy \/ SWITCHBOARD_TRUST_PROXY/.test(error.message) &&
        (bad === ',' || error.message.includes(bad)),
      bad,
    );
  }

  // The whole path: configuration → server → Fastify, over a real socket.
  const data = mkdtempSync(join(tmpdir(), 'switchboard-proxy-'));
  const config = parseServerConfig(
    { port: '0', data, trustProxy: 'loopback' },
    { SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN },
  );
  const server = await startServer(config, () => undefined);
  try {
    const created = await fetch(`${server.url}/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: '{"name":"proxied"}',
    });
    const { credentials } = (await created.json()) as { credentials: { clientSecret: string } };
    const auth = { authorization: `Bearer ${credentials.clientSecret}` };
    const ingested = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    assert.equal(ingested.status, 200, await ingested.text());
    const session = async (headers: Record<string, string>) =>
      (
        (await (
          await fetch(`${server.url}/v1/sessions/${SESSION}`, { headers: { ...auth, ...headers } })
        ).json()) as {
          files: { downloadUrl: string }[];
        }
      ).files[0].downloadUrl;
    assert.equal(await session(FORWARDED), `https://proxy.example${FILE_PATH}`);
    assert.equal(await session({}), `${server.url}${FILE_PATH}`);
  } finally {
    await server.stop();
    rmSync(data, { recursive: true, force: true });
  }
});
