/**
 * The command line's everyday failures: usage errors exit 2, everything else 1, each with one line that says
 * what to check — no stack trace, never a secret.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, type Harness } from './harness.js';

const BIN = new URL('../../../bin/switchboard.js', import.meta.url).pathname;
const ROOT = new URL('../../../', import.meta.url).pathname;
let h: Harness;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-cli-errors-'));

before(async () => {
  h = await harness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      // Generous: an embedded store boots PGlite and runs every migration, slow on a loaded machine (CI).
      { env: { PATH: process.env.PATH, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** One line on stderr, no stack frames. */
function oneLine(outcome: Outcome, pattern: RegExp) {
  assert.match(outcome.stderr, pattern);
  assert.doesNotMatch(outcome.stderr, /^\s+at /m, `a stack trace: ${outcome.stderr}`);
}

test('usage errors exit 2; --version prints the package version; help exits 0', async () => {
  const unknown = await cli(['serve', '--no-such-flag']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option '--no-such-flag'/);
  const missing = await cli(['simulate']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--sessions/);
  const badValue = await cli(['simulate', '--sessions', 'many']);
  assert.equal(badValue.code, 2);
  assert.match(badValue.stderr, /--sessions must be an integer/);
  const version = await cli(['--version']);
  assert.equal(version.code, 0);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), pkg.version);
  assert.equal((await cli(['--help'])).code, 0);
});

test('a bad setting names it without echoing a secret or a password', async () => {
  const token = 'short-secret';
  const bad = await cli(['serve', '--data', dir], { SWITCHBOARD_ADMIN_TOKEN: token });
  assert.equal(bad.code, 2);
  oneLine(bad, /SWITCHBOARD_ADMIN_TOKEN \(at least 16 characters\).*12 characters/);
  assert.ok(!bad.stderr.includes(token));
  const url = await cli(['serve', '--database-url', 'mysql://root:hunter2@db/x']);
  assert.equal(url.code, 2);
  oneLine(url, /DATABASE_URL/);
  assert.ok(!url.stderr.includes('hunter2'), url.stderr);
});

test('unreachable server, refused secret, port in use, unreachable database: one line, exit 1', async () => {
  const { clientId, clientSecret } = h.tenant.credentials;
  const closed = await closedPort();
  const nowhere = await cli([
    'export',
    '--url',
    `http://127.0.0.1:${closed}`,
    '--client-id',
    clientId,
    '--client-secret',
    clientSecret,
  ]);
  assert.equal(nowhere.code, 1);
  oneLine(nowhere, new RegExp(`cannot reach 127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`));
  const blocked = await cli([
    'export',
    '--url',
    'http://127.0.0.1:9',
    '--client-id',
    clientId,
    '--client-secret',
    'x',
  ]);
  assert.equal(blocked.code, 1);
  oneLine(blocked, /cannot reach the server: bad port/);

  const refused = await cli([
    'export',
    '--url',
    url,
    '--client-id',
    clientId,
    '--client-secret',
    'sbs_wrong',
  ]);
  assert.equal(refused.code, 1);
  oneLine(refused, /refused the client id or secret \(401\)/);
  assert.ok(!refused.stderr.includes('sbs_wrong'));

  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  try {
    const port = String((blocker.address() as AddressInfo).port);
    const inUse = await cli(['serve', '--port', port, '--data', join(dir, 'in-use')]);
    assert.equal(inUse.code, 1);
    oneLine(inUse, new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
  } finally {
    blocker.close();
  }

  const noDatabase = await cli([
    'tenant',
    'create',
    'x',
    '--database-url',
    'postgres://u:pw@127.0.0.1:9/none',
  ]);
  assert.equal(noDatabase.code, 1);
  oneLine(noDatabase, /cannot reach 127\.0\.0\.1:9 \(ECONNREFUSED\)/);
  assert.ok(!noDatabase.stderr.includes(':pw@'));
});

test('a taken department id is one line; retention run; simulate reports duplicates', async () => {
  const data = join(dir, 'tenants');
  assert.equal((await cli(['tenant', 'create', 'a', '--department-id', '7', '--data', data])).code, 0);
  const taken = await cli(['tenant', 'create', 'b', '--department-id', '7', '--data', data]);
  assert.equal(taken.code, 1);
  oneLine(taken, /departmentId 7 is already taken/);
  const retention = await cli(['retention', 'run', '--data', data]);
  assert.equal(retention.code, 0, retention.stderr);
  assert.match(retention.stdout, /no tenant has a retention policy/);
  const json = await cli(['retention', 'run', '--json', '--data', data]);
  assert.deepEqual(JSON.parse(json.stdout), { ran: true, tenants: [] });
  assert.equal((await cli(['retention', 'purge', '--data', data])).code, 2);

  const { clientId, clientSecret } = h.tenant.credentials;
  const args = [
    'simulate',
    '--sessions',
    '3',
    '--seed',
    '4',
    '--start',
    '2026-03-01T00:00:00Z',
    '--days',
    '1',
  ];
  const post = [...args, '--url', url, '--client-id', clientId, '--client-secret', clientSecret];
  const first = await cli(post);
  assert.equal(first.code, 0, first.stderr);
  const events = Number(/posted (\d+) events/.exec(first.stderr)?.[1]);
  assert.match(first.stderr, new RegExp(`${events} accepted, 0 duplicates`));
  const again = await cli(post);
  assert.match(again.stderr, new RegExp(`0 accepted, ${events} duplicates`));
});
