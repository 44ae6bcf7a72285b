import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freshSchemaUrl, STORE } from './harness.js';
import { validateBatch } from '../../src/domain/validate.js';

const run = promisify(execFile);
// On PostgreSQL a server and the command line need a server key (docs/security.md, "Secrets at rest").
if (STORE === 'postgres') process.env.SWITCHBOARD_SECRET_KEY ??= 'cli-test-server-key-0123456789abcdef';
const BIN = new URL('../../../bin/switchboard.js', import.meta.url).pathname;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Where the CLI should store: a fresh data dir, or a fresh schema of the test PostgreSQL server. */
async function storeArgs(): Promise<{ args: string[]; cleanup: () => Promise<void> }> {
  if (STORE === 'embedded') return { args: ['--data', tempDir()], cleanup: () => Promise.resolve() };
  const schema = await freshSchemaUrl('cli');
  return { args: ['--database-url', schema.url], cleanup: schema.drop };
}

test('tenant create --json prints the tenant and its credentials', async () => {
  const store = await storeArgs();
  try {
    const { stdout } = await run(process.execPath, [
      BIN,
      'tenant',
      'create',
      'Acme',
      '--json',
      ...store.args,
    ]);
    const tenant = JSON.parse(stdout);
    assert.equal(tenant.name, 'Acme');
    assert.equal(typeof tenant.departmentId, 'number');
    assert.match(tenant.credentials.clientSecret, /^sbs_/);
    const second = JSON.parse(
      (await run(process.execPath, [BIN, 'tenant', 'create', 'Beta', '--json', ...store.args])).stdout,
    );
    assert.equal(second.departmentId, tenant.departmentId + 1);
  } finally {
    await store.cleanup();
  }
});

test('tenant and client commands: list, show, rename, add with a role, rotate, revoke, delete', async () => {
  const store = await storeArgs();
  const cli = async (...args: string[]) =>
    (await run(process.execPath, [BIN, ...args, ...store.args])).stdout;
  const json = async <T>(...args: string[]) => JSON.parse(await cli(...args, '--json')) as T;
  try {
    const acme = await json<{ id: string; credentials: { clientId: string } }>('tenant', 'create', 'Acme');
    await json('tenant', 'create', 'Beta');
    const tenants = await json<{ id: string; name: string }[]>('tenant', 'list');
    assert.deepEqual(tenants.map((t) => t.name).sort(), ['Acme', 'Beta']);
    assert.match(await cli('tenant', 'list'), /Acme/);

    const renamed = await json<{ name: string }>('tenant', 'rename', acme.id, 'Acme Europe');
    assert.equal(renamed.name, 'Acme Europe');
    const reader = await json<{ clientId: string; clientSecret: string; role: string }>(
      'client',
      'add',
      acme.id,
      '--role',
      'reader',
      '--name',
      'wallboard',
    );
    assert.equal(reader.role, 'reader');
    assert.match(reader.clientSecret, /^sbs_/);
    const rotated = await json<{ clientSecret: string; previousSecretExpiresAt: string }>(
      'client',
      'rotate',
      acme.id,
      reader.clientId,
      '--grace-seconds',
      '60',
    );
    assert.notEqual(rotated.clientSecret, reader.clientSecret);
    assert.ok(Date.parse(rotated.previousSecretExpiresAt) > Date.now());
    await cli('client', 'revoke', acme.id, reader.clientId);
    const shown = await json<{
      name: string;
      clients: { clientId: string; role: string; revokedAt: string | null }[];
    }>('tenant', 'show', acme.id);
    assert.equal(shown.name, 'Acme Europe');
    assert.deepEqual(
      shown.clients.map((c) => [c.clientId, c.role, c.revokedAt !== null]),
      [
        [acme.credentials.clientId, 'admin', false],
        [reader.clientId, 'reader', true],
      ],
    );
    assert.ok(!JSON.stringify(shown).includes(rotated.clientSecret), 'show never prints a secret');

    // Mistakes: a usage error exits 2, an unknown id 1, each with one line and no stack.
    const failure = (args: string[]) =>
      run(process.execPath, [BIN, ...args, ...store.args]).then(
        () => assert.fail(`${args.join(' ')} succeeded`),
        (error: { code: number; stderr: string }) => error,
      );
    const bad = await failure(['client', 'add', acme.id, '--role', 'root']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--role must be one of admin, user, reader, producer/);
    const noYes = await failure(['tenant', 'delete', acme.id]);
    assert.equal(noYes.code, 2);
    assert.match(noYes.stderr, /--yes/);
    const unknown = await failure(['tenant', 'show', 'no-such-tenant']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trim(), 'switchboard: tenant no-such-tenant not found');

    const deleted = await json<{ deleted: { sessions: number } }>('tenant', 'delete', acme.id, '--yes');
    assert.equal(deleted.deleted.sessions, 0);
    assert.deepEqual(
      (await json<{ name: string }[]>('tenant', 'list')).map((t) => t.name),
      ['Beta'],
    );
  } finally {
    await store.cleanup();
  }
});

test('simulate is deterministic and its output is valid native events', async () => {
  const args = [
    BIN,
    'simulate',
    '--sessions',
    '30',
    '--seed',
    '9',
    '--days',
    '2',
    '--start',
    '2026-03-01T00:00:00Z',
  ];
  const a = (await run(process.execPath, args, { maxBuffer: 64 << 20 })).stdout;
  const b = (await run(process.execPath, args, { maxBuffer: 64 << 20 })).stdout;
  assert.equal(a, b);
  const events = a
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { sessionId: string });
  assert.equal(new Set(events.map((e) => e.sessionId)).size, 30);
  assert.ok(validateBatch(events).ok);
  const bad = await run(process.execPath, [BIN, 'simulate', '--sessions', 'many']).catch(
    (e: { code: number; stderr: string }) => e,
  );
  assert.notEqual((bad as { code: number }).code, 0);
});

test('simulate into a pipe that closes early ends quietly: exit 0, nothing on stderr', async () => {
  // Enough output to overflow any pipe buffer, so the CLI is still writing when the reader goes away.
  const args = [BIN, 'simulate', '--sessions', '3000', '--seed', '3', '--start', '2026-03-01T00:00:00Z'];

  // The reader closes its end after the first line (what `head -n 1` does).
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let first = '';
  child.stdout.on('data', (chunk: Buffer) => {
    first += chunk.toString();
    if (first.includes('\n')) child.stdout.destroy();
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  assert.ok(JSON.parse(first.split('\n')[0]).sessionId, 'the first line is an event');
  assert.equal(stderr, '', 'no stack trace');
  assert.deepEqual([code, signal], [0, null]);

  // The same through a real shell pipeline into head; PIPESTATUS gives the CLI's own exit status.
  const shell = await run('bash', [
    '-c',
    'set -o pipefail; "$0" "$@" | head -n 1 > /dev/null; echo "status=${PIPESTATUS[0]}"',
    process.execPath,
    ...args,
  ]);
  assert.equal(shell.stderr, '');
  assert.equal(shell.stdout.trim(), 'status=0');
});

test(
  'serve: health, posted simulation, a second process refused, data kept across kill -9',
  { skip: STORE !== 'embedded' && 'embedded store only' },
  async () => {
    const data = tempDir();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { ...process.env, SWITCHBOARD_ADMIN_TOKEN: 'admin-token-for-the-cli-test' };
    const start = () => {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--data', data], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return new Promise<typeof child>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('listening')) resolve(child);
        });
        child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
      });
    };
    const base = `http://127.0.0.1:${port}`;
    let server = await start();
    try {
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      const tenant = (await (
        await fetch(`${base}/v1/tenants`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${env.SWITCHBOARD_ADMIN_TOKEN}`,
            'content-type': 'application/json',
          },
          body: '{"name":"sim"}',
        })
      ).json()) as { credentials: { clientId: string; clientSecret: string } };
      await run(process.execPath, [
        BIN,
        'simulate',
        '--sessions',
        '20',
        '--seed',
        '4',
        '--url',
        base,
        '--client-id',
        tenant.credentials.clientId,
        '--client-secret',
        tenant.credentials.clientSecret,
        '--batch',
        '50',
      ]);
      const auth = { authorization: `Bearer ${tenant.credentials.clientSecret}` };
      const before = (
        (await (await fetch(`${base}/v1/sessions?limit=100`, { headers: auth })).json()) as {
          items: unknown[];
        }
      ).items;
      assert.equal(before.length, 20);

      // `token kore` makes an auth header the Kore dialect accepts, over a real socket.
      const { stdout: koreJwt } = await run(process.execPath, [
        BIN,
        'token',
        'kore',
        '--client-id',
        tenant.credentials.clientId,
        '--client-secret',
        tenant.credentials.clientSecret,
        '--jti',
      ]);
      const kore = await fetch(`${base}/api/public/getSessions`, {
        method: 'POST',
        headers: { auth: koreJwt.trim(), 'content-type': 'application/json' },
      });
      assert.equal(kore.status, 200, await kore.clone().text());
      const sessions = ((await kore.json()) as { total: number }).total;
      assert.ok(sessions > 0, 'the simulation has bot sessions');
      assert.equal(sessions, before.filter((s) => (s as { botIds: string[] }).botIds.length > 0).length);

      const refused = await run(process.execPath, [BIN, 'tenant', 'create', 'x', '--data', data]).catch(
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal((refused as { code: number }).code, 2);
      assert.match((refused as { stderr: string }).stderr, /in use by process/);

      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
      server = await start();
      const afterRestart = (
        (await (await fetch(`${base}/v1/sessions?limit=100`, { headers: auth })).json()) as {
          items: unknown[];
        }
      ).items;
      assert.deepEqual(afterRestart, before);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  },
);
