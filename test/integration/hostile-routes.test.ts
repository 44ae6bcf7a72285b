/**
 * Every route of every dialect, taken from the app's route table (a new route is covered without a change
 * here), answers hostile input — NUL bytes, lone surrogates, overlong ids, huge numbers, impossible dates,
 * deep JSON, wrong types, bad %-encoding — with a 4xx in its dialect's error shape, with and without valid
 * credentials, and nothing is written (issue 15).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, ADMIN_TOKEN, type Harness } from './harness.js';
import { koreToken } from '../../src/dialects/kore/token.js';
import { dialectOf, errorShapeOk } from './route-dialects.js';

let h: Harness;
let headers: Record<string, Record<string, string>>;

before(async () => {
  h = await harness({ adminToken: ADMIN_TOKEN });
  await h.ingest([
    { id: 'seed-1', sessionId: 'seed', type: 'session.created', at: '2026-03-01T10:00:00Z', channel: 'chat' },
  ]);
  const { clientId, clientSecret } = h.tenant.credentials;
  const token = (
    await h.request({
      method: 'POST',
      url: '/login/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${clientId}&client_secret=${clientSecret}`,
    })
  ).json().access_token;
  headers = {
    native: h.auth(),
    admin: { authorization: `Bearer ${ADMIN_TOKEN}` },
    mluvii: { authorization: `Bearer ${token}` },
    kore: { auth: await koreToken({ clientId, clientSecret }) },
    evo: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    none: {},
  };
});
after(() => h.close());

const PARAMS = ['%00', 'a%00b', '%ED%A0%80', 'x'.repeat(129), '9'.repeat(25), '%FF', '..%2F..%2Fetc', '-1'];
const QUERIES = [
  'limit=1e20',
  'offset=99999999999999999999',
  'x=%00',
  'Created.Min=0000-01-01',
  'createdFrom=0000-01-01T00:00:00Z',
  'createdFrom=2026-01-01T00:00:00%2B16:00',
  'page=-1',
  'countPerPage=1e9',
  'cursor=%00',
  'OperatorUserId=99999999999',
  'sessionId=%ED%A0%80',
  'from=%00',
];
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const BODIES = [
  '{"a":"\\u0000"}',
  deep(5000),
  `{"deep":${deep(3000)}}`,
  '{"id":"\\ud800"}',
  '[{"id":"e\\u0000","sessionId":"s","type":"session.created","at":"2026-01-01T00:00:00Z","channel":"chat"}]',
  '[{"id":"e1","sessionId":"s","type":"session.created","at":"0000-01-01T00:00:00Z","channel":"chat"}]',
  '[{"id":"e2","sessionId":"s","type":"session.created","at":"2026-01-01T00:00:00+16:00","channel":"chat"}]',
  '[{"id":"e3","sessionId":"s","type":"routing.requested","at":"2026-01-01T00:00:00Z","group":{"id":99999999999,"name":"x"}}]',
  `[{"id":"e4","sessionId":"${'s'.repeat(129)}","type":"session.created","at":"2026-01-01T00:00:00Z","channel":"chat"}]`,
  '[{"id":"e5","sessionId":"s","type":"message","at":"2026-01-01T00:00:00Z","from":"guest","text":"a\\u0000b"}]',
  `[{"id":"e6","sessionId":"s","type":"session.created","at":"2026-01-01T00:00:00Z","channel":"chat","x":${deep(3000)}}]`,
  '[{"id":"e7","sessionId":"s","type":"session.created","at":"2026-02-30T00:00:00Z","channel":"chat"}]',
  '{"EventTypes":[1e20],"CallbackUrl":"https://x.example/\\u0000"}',
  '{"name":"\\u0000","departmentId":99999999999}',
  '{"limit":1e400,"skip":-1}',
  'not json',
];

/**
 * What the hostile bodies would leave behind if any were taken: their events, their sessions, a tenant, a
 * webhook. (Routes that ignore a body — a hang-up, a logout — may still do what they do.)
 */
async function leftovers(): Promise<string> {
  const rows = await h.db.query(
    `SELECT (SELECT count(*) FROM events WHERE id LIKE 'e_' OR session_id = 's' OR length(session_id) > 128) AS events,
            (SELECT count(*) FROM sessions WHERE session_id = 's' OR length(session_id) > 128) AS sessions,
            (SELECT count(*) FROM webhooks) AS webhooks,
            (SELECT count(*) FROM tenants) AS tenants`,
  );
  return JSON.stringify(rows.rows[0]);
}

test('every route: hostile params, queries and bodies → 4xx in the dialect’s shape, nothing written', async () => {
  const routes = h.app.switchboard.routes.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/docs'));
  assert.ok(routes.length > 60, `the route table has ${routes.length} routes`);
  const before = await leftovers();
  const failures: string[] = [];
  const accepted: string[] = [];
  let sent = 0;
  for (const route of routes) {
    const dialect = dialectOf(route.url);
    const fill = (value: string) => route.url.replace(/:[A-Za-z]+/g, value).replace('*', value);
    const urls = [
      ...(route.url.includes(':') || route.url.includes('*') ? PARAMS.map(fill) : []),
      ...QUERIES.map((q) => `${fill('nothing-here')}?${q}`),
    ];
    const withBody = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);
    const credentials =
      dialect === 'ops' || dialect === 'docs' ? ['none'] : [dialect === 'admin' ? 'admin' : dialect, 'none'];
    for (const who of credentials) {
      const cases: { url: string; payload?: string }[] = urls.map((url) => ({ url }));
      if (withBody) for (const payload of BODIES) cases.push({ url: fill('seed'), payload });
      for (const c of cases) {
        const response = await h.request({
          method: route.method,
          url: c.url,
          headers: {
            ...headers[who],
            ...(c.payload !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(c.payload !== undefined ? { payload: c.payload } : {}),
        });
        sent++;
        const label = `${route.method} ${c.url.slice(0, 120)} ${who}${c.payload ? ` body ${c.payload.slice(0, 60)}` : ''}`;
        if (c.payload !== undefined && response.statusCode < 300)
          accepted.push(`${label} → ${response.statusCode}`);
        if (response.statusCode >= 500)
          failures.push(`${label} → ${response.statusCode} ${response.body.slice(0, 200)}`);
        else if (
          response.statusCode >= 400 &&
          !errorShapeOk(dialect, route.url, response.statusCode, response.body)
        )
          failures.push(
            `${label} → ${response.statusCode} not in the ${dialect} shape: ${response.body.slice(0, 200)}`,
          );
      }
    }
  }
  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${sent} requests failed:\n${failures.slice(0, 60).join('\n')}`,
  );
  assert.equal(
    await leftovers(),
    before,
    `a hostile body left something behind; accepted: ${accepted.join('\n')}`,
  );
});

test('a 128-character session id is readable on every by-id route of every dialect; 129 is a 4xx', async () => {
  const id = `long-${'x'.repeat(123)}`;
  assert.equal(id.length, 128);
  await h.ingest([
    { id: 'long-1', sessionId: id, type: 'session.created', at: '2026-03-01T10:00:00Z', channel: 'chat' },
    {
      id: 'long-2',
      sessionId: id,
      type: 'file.shared',
      at: '2026-03-01T10:01:00Z',
      from: 'guest',
      file: { id: 'f'.repeat(128), name: 'a.txt', contentType: 'text/plain', size: 2 },
    },
  ]);
  const file = `/v1/sessions/${id}/files/${'f'.repeat(128)}`;
  const put = await h.request({
    method: 'PUT',
    url: file,
    headers: { ...headers.native, 'content-type': 'text/plain' },
    payload: 'hi',
  });
  assert.ok(put.statusCode < 300, put.body);
  assert.equal((await h.request({ method: 'GET', url: file, headers: headers.native })).body, 'hi');
  const native = await h.request({ method: 'GET', url: `/v1/sessions/${id}`, headers: headers.native });
  assert.equal(native.statusCode, 200);
  assert.equal(native.json().sessionId, id);
  const evo = await h.request({ method: 'GET', url: `/sessions/${id}`, headers: headers.evo });
  assert.equal(evo.statusCode, 200, evo.body);
  const kore = await h.request({
    method: 'POST',
    url: '/api/public/getSessions',
    headers: { ...headers.kore, 'content-type': 'application/json' },
    payload: { sessionId: [id] },
  });
  assert.ok(kore.statusCode < 500, kore.body);
  const tooLong = await h.request({ method: 'GET', url: `/v1/sessions/${id}y`, headers: headers.native });
  assert.equal(tooLong.statusCode, 400);
  assert.equal(tooLong.json().error.code, 'validation_failed');
});
