/**
 * Slow clients are cut off in bounded time (issue 15): headers trickled a byte at a time (slowloris), a body
 * trickled after its headers, a silent socket, a trickled upload. Real sockets against a listening app with
 * short limits; and a 10,000-event batch must not hold the event loop for long.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { harness, STORE, type Harness } from './harness.js';
import { rng, simulateSession } from '../../src/simulator/simulate.js';
import { defaultModel } from '../../src/simulator/model.js';

const LIMITS = { headersMs: 600, bodyMs: 800, requestMs: 3_000, idleMs: 30_000, keepAliveMs: 500 };
let h: Harness;
let port: number;
before(async () => {
  h = await harness({ timeouts: LIMITS });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as AddressInfo).port;
});
after(() => h.close());

interface Outcome {
  /** What the server sent before it closed (may be empty). */
  answer: string;
  /** Milliseconds from connecting until the server closed the socket. */
  closedAfterMs: number;
}

/**
 * Opens a socket, sends `head`, then trickles `trickle` one byte every `everyMs` until the server closes the
 * socket; fails if it is still open after `giveUpMs`.
 */
function trickle(head: string, trickleText: string, everyMs: number, giveUpMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const socket: Socket = connect(port, '127.0.0.1', () => {
      if (head) socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (socket.writable && i < trickleText.length) socket.write(trickleText[i++]);
      }, everyMs);
    });
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined); // a reset is a close too
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`socket still open after ${giveUpMs} ms; got ${JSON.stringify(answer)}`));
    }, giveUpMs);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ answer, closedAfterMs: Date.now() - started });
    });
  });
}

const auth = () => h.auth().authorization;

test('headers trickled a byte at a time are cut off after the header timeout', async () => {
  const { closedAfterMs, answer } = await trickle(
    'POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n',
    'X-Slow: ' + 'a'.repeat(200),
    50,
    5_000,
  );
  assert.ok(closedAfterMs < LIMITS.headersMs + 1_500, `closed after ${closedAfterMs} ms`);
  if (answer) assert.match(answer, /^HTTP\/1\.1 408/);
});

test('a socket that never sends a request is closed after the header timeout', async () => {
  const { closedAfterMs } = await trickle('', '', 1_000, 6_000);
  assert.ok(closedAfterMs < LIMITS.headersMs + 1_500, `closed after ${closedAfterMs} ms`);
});

for (const [label, path, headers] of [
  ['native intake', '/v1/events', () => `Authorization: ${auth()}\r\nContent-Type: application/json\r\n`],
  ['Evo login (before any credentials)', '/auth/credentials', () => 'Content-Type: application/json\r\n'],
  [
    'mluvii token endpoint',
    '/login/connect/token',
    () => 'Content-Type: application/x-www-form-urlencoded\r\n',
  ],
] as const) {
  test(`a trickled body on ${label} is answered 408 in the dialect's shape and the connection closed`, async () => {
    const { closedAfterMs, answer } = await trickle(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers()}Content-Length: 1000\r\n\r\n`,
      ' '.repeat(1000),
      50,
      5_000,
    );
    assert.ok(closedAfterMs < LIMITS.bodyMs + 1_500, `closed after ${closedAfterMs} ms`);
    assert.match(answer, /^HTTP\/1\.1 408/, answer);
    assert.match(answer, /connection: close/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    if (path === '/v1/events') assert.equal((body.error as { code: string }).code, 'request_timeout');
    else if (path === '/auth/credentials')
      assert.equal((body.responseStatus as { errorCode: string }).errorCode, 'RequestTimeout');
    else assert.equal(body.error, 'invalid_request');
  });
}

test('a trickled upload is not cut at the body timeout, but by the request timeout', async () => {
  const sessionId = 'upload-slow';
  await h.ingest([
    { id: 'u1', sessionId, type: 'session.created', at: '2026-03-02T09:00:00Z', channel: 'chat' },
    {
      id: 'u2',
      sessionId,
      type: 'file.shared',
      at: '2026-03-02T09:00:01Z',
      from: 'guest',
      file: { id: 'f1', name: 'a.txt', contentType: 'text/plain', size: 100_000 },
    },
  ]);
  const { closedAfterMs } = await trickle(
    `PUT /v1/sessions/${sessionId}/files/f1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth()}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`,
    'x'.repeat(100_000),
    50,
    8_000,
  );
  assert.ok(closedAfterMs > LIMITS.bodyMs + 500, `cut after ${closedAfterMs} ms, at the body timeout`);
  assert.ok(closedAfterMs < LIMITS.requestMs + 2_000, `closed after ${closedAfterMs} ms`);
});

test('a 10,000-event batch does not hold the event loop for long', async () => {
  const events: unknown[] = [];
  const start = Date.parse('2026-03-03T08:00:00Z');
  const r = rng(42);
  for (let i = 0; events.length < 10_000; i++) {
    for (const e of simulateSession(r, defaultModel, i, start + i * 1_000)) {
      if (events.length < 10_000) events.push(e);
    }
  }
  const body = JSON.stringify(events);
  // The longest gap between ticks of a 5 ms timer while the batch is posted and stored.
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/v1/events',
        headers: { authorization: auth(), 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  clearInterval(ticker);
  assert.equal(status, 200);
  console.log(
    `# 10,000-event batch (${(body.length / 1e6).toFixed(1)} MB): longest loop stall ${longest.toFixed(0)} ms`,
  );
  // Everything per event and per session runs in ~10 ms slices (src/loop-turns.ts); what remains in one
  // piece is the body's JSON.parse and the garbage collector: 40–70 ms measured on PostgreSQL, up to ~220 ms
  // with the machine's two cores loaded five times over (155–360 ms before the slicing). The in-memory
  // embedded store of the tests runs PGlite on this thread, so its statements count here too.
  const bound = STORE === 'postgres' ? 300 : 500;
  assert.ok(longest < bound, `the event loop stalled ${longest.toFixed(0)} ms`);
});
