/**
 * Structured logs: one JSON line per request with method, route pattern, status, duration, tenant and request
 * id; every 5xx at error level with the id the client saw; never a credential, a body or a raw URL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { harness, type Harness } from './harness.js';

let h: Harness;
const lines: Record<string, unknown>[] = [];

before(async () => {
  const stream = new PassThrough();
  let buffered = '';
  stream.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>);
      buffered = buffered.slice(newline + 1);
    }
  });
  h = await harness({ logger: { level: 'info', stream } });
  h.app.get('/test/boom', { config: { access: 'public' } }, () => {
    throw new Error('kaboom');
  });
});
after(() => h.close());

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a request is one line: method, route pattern, status, duration, tenant, request id', async () => {
  const secret = h.tenant.credentials.clientSecret;
  const response = await h.request({
    method: 'GET',
    url: '/v1/sessions/nothing-here?secret-looking=value',
    headers: h.auth(),
  });
  assert.equal(response.statusCode, 404);
  await settle();
  const id = response.headers['x-request-id'];
  assert.equal(typeof id, 'string');
  const line = lines.find((l) => l.reqId === id && l.msg === 'request');
  assert.ok(line, JSON.stringify(lines));
  assert.equal(line.method, 'GET');
  assert.equal(line.route, '/v1/sessions/:sessionId');
  assert.equal(line.status, 404);
  assert.equal(line.tenant, h.tenant.id);
  assert.equal(typeof line.durationMs, 'number');
  const everything = JSON.stringify(lines);
  assert.ok(!everything.includes(secret), 'no secret in any log line');
  assert.ok(!everything.includes('nothing-here'), 'no raw URL in any log line');
});

test('a 5xx is logged at error level under the id the client saw; a sane X-Request-Id is kept', async () => {
  const response = await h.request({
    method: 'GET',
    url: '/test/boom',
    headers: { 'x-request-id': 'trace-42' },
  });
  assert.equal(response.statusCode, 500);
  assert.equal(response.headers['x-request-id'], 'trace-42');
  assert.doesNotMatch(response.body, /kaboom/, 'internals stay out of the answer');
  await settle();
  const errors = lines.filter((l) => l.reqId === 'trace-42' && (l.level as number) >= 50);
  assert.ok(
    errors.some((l) => l.msg === 'request failed' && l.status === 500),
    JSON.stringify(errors),
  );
  assert.ok(JSON.stringify(errors).includes('kaboom'), 'the cause is in the log');

  const odd = await h.request({
    method: 'GET',
    url: '/healthz',
    headers: { 'x-request-id': 'bad id with spaces' },
  });
  assert.notEqual(odd.headers['x-request-id'], 'bad id with spaces');
  assert.match(String(odd.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});
