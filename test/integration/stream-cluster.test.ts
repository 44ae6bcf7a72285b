/**
 * Two server processes on one PostgreSQL database serve one change feed: an event taken in by either reaches
 * the stream subscribers of both (LISTEN/NOTIFY wakes every server's hub).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSchemaUrl, STORE } from './harness.js';

const BIN = new URL('../../../bin/switchboard.js', import.meta.url).pathname;
const ADMIN = 'admin-token-for-the-cluster-test';

function serve(databaseUrl: string, data: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--data', data, '--database-url', databaseUrl],
    {
      env: {
        ...process.env,
        SWITCHBOARD_ADMIN_TOKEN: ADMIN,
        SWITCHBOARD_LOG_LEVEL: 'warn',
        // Servers on one PostgreSQL share a server key (docs/security.md, "Secrets at rest").
        SWITCHBOARD_SECRET_KEY: 'stream-cluster-test-key-0123456789abcdef',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

/** Reads a stream until `count` session events arrived; answers their session ids. */
async function sessionsFrom(url: string, secret: string, count: number, ready: () => Promise<void>) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 15_000);
  const response = await fetch(`${url}/v1/stream`, {
    headers: { authorization: `Bearer ${secret}` },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const ids: string[] = [];
  let buffer = '';
  await ready();
  try {
    while (ids.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      for (const match of buffer.matchAll(/^data: ?(.*)$/gm)) ids.push(JSON.parse(match[1]).sessionId);
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return ids;
}

test(
  'two processes on one PostgreSQL: a change taken in by one reaches the streams of both',
  { skip: STORE !== 'postgres' && 'PostgreSQL only: the embedded store serves one process' },
  async () => {
    const schema = await freshSchemaUrl('cluster');
    const data = mkdtempSync(join(tmpdir(), 'switchboard-cluster-'));
    const servers: ChildProcess[] = [];
    try {
      const [a, b] = await Promise.all([
        serve(schema.url, join(data, 'a')),
        serve(schema.url, join(data, 'b')),
      ]);
      servers.push(a.child, b.child);
      const tenant = (await (
        await fetch(`${a.url}/v1/tenants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: '{"name":"cluster"}',
        })
      ).json()) as { credentials: { clientSecret: string } };
      const secret = tenant.credentials.clientSecret;
      const post = (base: string, sessionId: string) =>
        fetch(`${base}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify([
            {
              id: `${sessionId}-1`,
              sessionId,
              type: 'session.created',
              at: '2026-05-04T08:00:00Z',
              channel: 'chat',
            },
          ]),
        }).then((r) => assert.equal(r.status, 200));
      // Each server's subscriber sees what the other server took in, and its own.
      let go!: () => void;
      const bothReady = new Promise<void>((resolve) => (go = resolve));
      let ready = 0;
      const onReady = async () => {
        if (++ready === 2) go();
        await bothReady;
      };
      const [onA, onB] = await Promise.all([
        sessionsFrom(a.url, secret, 2, onReady),
        sessionsFrom(b.url, secret, 2, onReady),
        bothReady.then(async () => {
          await new Promise((resolve) => setTimeout(resolve, 200));
          await post(b.url, 'via-b');
          await post(a.url, 'via-a');
        }),
      ]);
      assert.deepEqual(onA, ['via-b', 'via-a']);
      assert.deepEqual(onB, ['via-b', 'via-a']);
    } finally {
      for (const child of servers) child.kill('SIGTERM');
      await Promise.all(
        servers.map(
          (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
        ),
      );
      await schema.drop();
      rmSync(data, { recursive: true, force: true });
    }
  },
);
