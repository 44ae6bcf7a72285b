/**
 * The dashboard's sign-in (`/v1/dashboard/session`) and the session cookie as an API credential, on both
 * stores: wrong secrets, cookie flags, expiry, sign-out, CSRF guard, tenant isolation, hostile input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, harness, type Harness } from './harness.js';
import { ABSOLUTE_MS, IDLE_MS } from '../../src/dashboard/sessions.js';

let h: Harness;
let clock = Date.parse('2026-05-04T10:00:00Z');
const UI = { 'x-switchboard-ui': '1' };

before(async () => {
  h = await harness({ now: () => clock });
  await h.ingest([
    { id: 'd-1', sessionId: 'dash-1', type: 'session.created', at: '2026-05-04T09:00:00Z', channel: 'chat' },
  ]);
});
after(() => h.close());

async function signIn(tenant = h.tenant, headers: Record<string, string> = UI) {
  return h.request({
    method: 'POST',
    url: '/v1/dashboard/session',
    headers,
    payload: { clientId: tenant.credentials.clientId, clientSecret: tenant.credentials.clientSecret },
  });
}
const cookieOf = (response: { headers: Record<string, unknown> }) => {
  const header = [response.headers['set-cookie']].flat()[0] as string;
  return { header, pair: header.split(';')[0] };
};

test('sign-in sets an HttpOnly, SameSite=Strict session cookie that reads the API', async () => {
  const response = await signIn();
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json().tenant.id, h.tenant.id);
  const { header, pair } = cookieOf(response);
  assert.match(header, /^switchboard_session=[A-Za-z0-9_-]{43};/);
  assert.match(header, /HttpOnly/i);
  assert.match(header, /SameSite=Strict/i);
  assert.match(header, /Path=\//);
  assert.match(header, new RegExp(`Max-Age=${ABSOLUTE_MS / 1000}`));
  assert.doesNotMatch(header, /Secure/i, 'plain http: a Secure cookie would never come back');
  const me = await h.request({ url: '/v1/dashboard/session', headers: { cookie: pair } });
  assert.equal(me.statusCode, 200);
  assert.equal(me.json().clientId, h.tenant.credentials.clientId);
  const list = await h.request({ url: '/v1/sessions', headers: { cookie: pair } });
  assert.equal(list.statusCode, 200, list.body);
  assert.deepEqual(
    list.json().items.map((s: { sessionId: string }) => s.sessionId),
    ['dash-1'],
  );
  // Only a hash of the id is stored.
  const rows = await h.db.query<{ id_hash: string }>('SELECT id_hash FROM dashboard_sessions');
  const id = pair.split('=')[1];
  assert.ok(rows.rows.every((r) => r.id_hash !== id && /^[0-9a-f]{64}$/.test(r.id_hash)));
});

test('over https (a trusted proxy) the cookie is Secure', async () => {
  const proxied = await harness({ trustProxy: true });
  try {
    const response = await proxied.request({
      method: 'POST',
      url: '/v1/dashboard/session',
      headers: { ...UI, 'x-forwarded-proto': 'https' },
      payload: {
        clientId: proxied.tenant.credentials.clientId,
        clientSecret: proxied.tenant.credentials.clientSecret,
      },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(cookieOf(response).header, /; Secure/i);
  } finally {
    await proxied.close();
  }
});

test('a wrong secret, an unknown client or a missing field: 401/400 in the native shape, no cookie', async () => {
  for (const payload of [
    { clientId: h.tenant.credentials.clientId, clientSecret: 'sbs_wrong' },
    { clientId: 'sbc_nobody', clientSecret: h.tenant.credentials.clientSecret },
    { clientId: h.tenant.credentials.clientId, clientSecret: h.other.credentials.clientSecret },
  ]) {
    const response = await h.request({ method: 'POST', url: '/v1/dashboard/session', headers: UI, payload });
    assertError(response, 401, 'unauthorized');
    assert.equal(response.headers['set-cookie'], undefined);
  }
  const missing = await h.request({
    method: 'POST',
    url: '/v1/dashboard/session',
    headers: UI,
    payload: { clientId: 'x' },
  });
  assertError(missing, 400, 'validation_failed');
  assert.equal(missing.headers['set-cookie'], undefined);
});

test('hostile input: NUL bytes, a huge body, not JSON, no UI header → 4xx, no cookie', async () => {
  const cases: [Record<string, string>, string, number][] = [
    [UI, JSON.stringify({ clientId: 'a\u0000b', clientSecret: 'x' }), 400],
    [UI, JSON.stringify({ clientId: 'a', clientSecret: 'x'.repeat(100_000) }), 413],
    [UI, 'not json', 400],
    [UI, JSON.stringify({ clientId: 'a', clientSecret: 'b', extra: 1 }), 400],
    [{}, JSON.stringify(h.tenant.credentials), 403],
  ];
  for (const [headers, payload, status] of cases) {
    const response = await h.request({
      method: 'POST',
      url: '/v1/dashboard/session',
      headers: { ...headers, 'content-type': 'application/json' },
      payload,
    });
    assertError(response, status);
    assert.equal(response.headers['set-cookie'], undefined, payload.slice(0, 40));
  }
  const garbage = await h.request({
    url: '/v1/sessions',
    headers: { cookie: 'switchboard_session=%00%FF' },
  });
  assertError(garbage, 401, 'unauthorized');
});

test('a change signed in by the cookie needs X-Switchboard-UI (CSRF guard); with it, it goes through', async () => {
  const { pair } = cookieOf(await signIn());
  const event = [
    { id: 'd-2', sessionId: 'dash-2', type: 'session.created', at: '2026-05-04T09:30:00Z', channel: 'chat' },
  ];
  const forged = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: { cookie: pair },
    payload: event,
  });
  assertError(forged, 403, 'forbidden');
  const ui = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: { cookie: pair, ...UI },
    payload: event,
  });
  assert.equal(ui.statusCode, 200, ui.body);
});

test('sign-out ends the session at once: the old cookie answers 401', async () => {
  const { pair } = cookieOf(await signIn());
  const out = await h.request({
    method: 'DELETE',
    url: '/v1/dashboard/session',
    headers: { cookie: pair, ...UI },
  });
  assert.equal(out.statusCode, 204);
  assert.match(cookieOf(out).header, /^switchboard_session=;.*Max-Age=0/);
  assertError(await h.request({ url: '/v1/sessions', headers: { cookie: pair } }), 401, 'unauthorized');
  assertError(await h.request({ url: '/v1/dashboard/session', headers: { cookie: pair } }), 401);
  // Sign-out without the UI header is refused (a cross-site page cannot sign a supervisor out).
  const { pair: other } = cookieOf(await signIn());
  assertError(
    await h.request({ method: 'DELETE', url: '/v1/dashboard/session', headers: { cookie: other } }),
    403,
  );
  assert.equal((await h.request({ url: '/v1/sessions', headers: { cookie: other } })).statusCode, 200);
});

test('expiry: idle for 12 hours ends a session; use pushes it forward, never past 7 days', async () => {
  const start = clock;
  try {
    const { pair } = cookieOf(await signIn());
    clock = start + IDLE_MS - 1000;
    assert.equal((await h.request({ url: '/v1/sessions', headers: { cookie: pair } })).statusCode, 200);
    clock = start + IDLE_MS + 60_000; // past the first expiry, but it was used and pushed forward
    assert.equal((await h.request({ url: '/v1/sessions', headers: { cookie: pair } })).statusCode, 200);
    clock += IDLE_MS + 1000;
    assertError(await h.request({ url: '/v1/sessions', headers: { cookie: pair } }), 401);

    clock = start;
    const { pair: busy } = cookieOf(await signIn());
    for (let t = start; t < start + ABSOLUTE_MS; t += IDLE_MS / 2) {
      clock = t;
      assert.equal((await h.request({ url: '/v1/sessions', headers: { cookie: busy } })).statusCode, 200);
    }
    clock = start + ABSOLUTE_MS + 1;
    assertError(await h.request({ url: '/v1/sessions', headers: { cookie: busy } }), 401);
  } finally {
    clock = start;
  }
});

test('tenant isolation: a cookie reads its own tenant only; another tenant’s session is a 404', async () => {
  await h.ingest(
    [
      {
        id: 'o-1',
        sessionId: 'other-1',
        type: 'session.created',
        at: '2026-05-04T09:00:00Z',
        channel: 'chat',
      },
    ],
    h.other,
  );
  const { pair } = cookieOf(await signIn());
  assertError(await h.request({ url: '/v1/sessions/other-1', headers: { cookie: pair } }), 404, 'not_found');
  const { pair: theirs } = cookieOf(await signIn(h.other));
  assert.equal(
    (await h.request({ url: '/v1/sessions/other-1', headers: { cookie: theirs } })).statusCode,
    200,
  );
  assertError(await h.request({ url: '/v1/sessions/dash-1', headers: { cookie: theirs } }), 404);
  // An Authorization header wins over the cookie: a request is never a mix of two principals.
  const both = await h.request({
    url: '/v1/sessions/other-1',
    headers: { cookie: pair, ...h.auth(h.other) },
  });
  assert.equal(both.statusCode, 200);
});

test('a revoked client’s dashboard sessions end with it', async () => {
  const { pair } = cookieOf(await signIn(h.other));
  await h.db.query('UPDATE api_clients SET revoked_at = now() WHERE client_id = $1', [
    h.other.credentials.clientId,
  ]);
  try {
    assertError(await h.request({ url: '/v1/sessions', headers: { cookie: pair } }), 401);
  } finally {
    await h.db.query('UPDATE api_clients SET revoked_at = NULL WHERE client_id = $1', [
      h.other.credentials.clientId,
    ]);
  }
});

test('the UI is served at / with its policy headers, bundle files cached for a year', async () => {
  const page = await h.request({ url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /text\/html/);
  assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal(page.headers['cache-control'], 'no-cache');
  const script = /src="(\/ui\/main-[A-Z0-9]+\.js)"/.exec(page.body);
  assert.ok(script, 'the page names its bundle (built by npm run build)');
  const js = await h.request({ url: script[1] });
  assert.equal(js.statusCode, 200);
  assert.match(
    String(js.headers['cache-control']),
    /max-age=31536000.*immutable|immutable.*max-age=31536000/,
  );
  assertError(await h.request({ url: '/ui/nothing.js' }), 404);
});
