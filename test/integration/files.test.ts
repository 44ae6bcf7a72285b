import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';

let h: Harness;
let base: string;
const bytes = randomBytes(100_000);

before(async () => {
  h = await harness();
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  await h.ingest([
    {
      id: 'f-1',
      sessionId: 'with-files',
      type: 'session.created',
      at: '2026-03-02T09:00:00Z',
      channel: 'av',
    },
    {
      id: 'f-2',
      sessionId: 'with-files',
      type: 'file.shared',
      at: '2026-03-02T09:01:00Z',
      from: 'guest',
      file: { id: 'doc.pdf', name: 'doc.pdf', contentType: 'application/pdf', size: bytes.length },
    },
    {
      id: 'f-3',
      sessionId: 'with-files',
      type: 'recording.available',
      at: '2026-03-02T09:09:00Z',
      recording: { id: 'rec-1', contentType: 'video/webm', durationMs: 60_000 },
    },
  ]);
});
after(() => h.close());

const url = (fileId: string, sessionId = 'with-files') => `/v1/sessions/${sessionId}/files/${fileId}`;

test('security: upload and download', async () => {
  await commonRouteTests(h, { method: 'GET', url: url('doc.pdf'), ownedResource: true });
  await commonRouteTests(h, { method: 'PUT', url: url('doc.pdf'), payload: 'x', ownedResource: true });
});

test('upload needs a declared file id on an existing session', async () => {
  assertError(
    await h.request({
      method: 'PUT',
      url: url('undeclared'),
      headers: { ...h.auth(), 'content-type': 'application/pdf' },
      payload: 'x',
    }),
    404,
  );
  assertError(
    await h.request({
      method: 'PUT',
      url: url('doc.pdf', 'no-such-session'),
      headers: h.auth(),
      payload: 'x',
    }),
    404,
  );
  assertError(
    await h.request({ method: 'PUT', url: url('..%2F..%2Fetc'), headers: h.auth(), payload: 'x' }),
    400,
  );
  assertError(await h.request({ method: 'GET', url: url('rec-1'), headers: h.auth() }), 404, 'not_found');
});

test('upload over a real socket, then download whole and by Range', async () => {
  const headers = { authorization: h.auth().authorization };
  const put = await fetch(base + url('doc.pdf'), {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/pdf' },
    body: bytes,
  });
  assert.equal(put.status, 201, await put.clone().text());
  const receipt = (await put.json()) as { size: number; downloadUrl: string };
  assert.equal(receipt.size, bytes.length);
  assert.equal(receipt.downloadUrl, base + url('doc.pdf'));

  const whole = await fetch(receipt.downloadUrl, { headers });
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('content-type'), 'application/pdf');
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), bytes);

  const part = await fetch(receipt.downloadUrl, { headers: { ...headers, range: 'bytes=100-199' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 100-199/${bytes.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(100, 200));

  const suffix = await fetch(receipt.downloadUrl, { headers: { ...headers, range: 'bytes=-10' } });
  assert.equal(suffix.status, 206);
  assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(bytes.length - 10));

  const outside = await fetch(receipt.downloadUrl, {
    headers: { ...headers, range: `bytes=${bytes.length + 5}-` },
  });
  assert.equal(outside.status, 416);
  assert.equal(outside.headers.get('content-range'), `bytes */${bytes.length}`);
  assert.equal(((await outside.json()) as { error: { code: string } }).error.code, 'range_not_satisfiable');

  const foreign = await fetch(receipt.downloadUrl, { headers: h.auth(h.other) });
  assert.equal(foreign.status, 404);
});

test('the session lists its files and recordings with download URLs', async () => {
  const s = (
    await h.request({
      method: 'GET',
      url: '/v1/sessions/with-files',
      headers: { ...h.auth(), host: 'sb.example.com' },
    })
  ).json();
  assert.equal(s.files[0].downloadUrl, 'http://sb.example.com/v1/sessions/with-files/files/doc.pdf');
  assert.equal(s.recordings[0].downloadUrl, 'http://sb.example.com/v1/sessions/with-files/files/rec-1');
});

test('an upload past the size limit is refused and leaves nothing', async () => {
  const small = await (await import('./harness.js')).harness({ maxFileBytes: 1000 });
  try {
    await small.ingest([
      {
        id: 'l-1',
        sessionId: 'limited',
        type: 'session.created',
        at: '2026-03-02T09:00:00Z',
        channel: 'chat',
      },
      {
        id: 'l-2',
        sessionId: 'limited',
        type: 'file.shared',
        at: '2026-03-02T09:00:01Z',
        from: 'guest',
        file: { id: 'big', name: 'big.bin' },
      },
    ]);
    const response = await small.request({
      method: 'PUT',
      url: '/v1/sessions/limited/files/big',
      headers: { ...small.auth(), 'content-type': 'application/octet-stream' },
      payload: randomBytes(5000),
    });
    assertError(response, 413, 'payload_too_large');
    assertError(
      await small.request({ method: 'GET', url: '/v1/sessions/limited/files/big', headers: small.auth() }),
      404,
    );
  } finally {
    await small.close();
  }
});
