/**
 * The cross-tenant matrix (issue 15): every route of every dialect, taken from the app's route table, called
 * with tenant B's credentials (each dialect's own: secret, mluvii token, Kore JWT, Evo Basic) and tenant A's
 * ids in the path, the query and the body. Never a 5xx, never a byte of A's data in an answer, never a 2xx
 * for a read of one of A's resources, every 4xx in the dialect's shape, and A's data unchanged afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, mluviiToken, type Harness } from './harness.js';
import { koreToken } from '../../src/dialects/kore/token.js';
import { PREDEFINED } from '../../src/dialects/evo/predefined.js';
import { dialectOf, errorShapeOk } from './route-dialects.js';

let h: Harness;
let b: Record<string, Record<string, string>>;
const A_SESSION = 'a-session-1';
const A_BOT_SESSION = 'a-bot-session';
/** Strings only tenant A's stored data holds: none of them is ever sent by B. */
let markers: string[];
let aIntId: number;
let aWebhookId: string;
/** Tenant A's operator (a mluvii user): the userId of the users routes. */
const A_USER = '4242';

before(async () => {
  h = await harness({ webhookAllow: '127.0.0.1' });
  const at = (s: number) => new Date(Date.UTC(2026, 2, 2, 9, 0, s)).toISOString();
  await h.ingest([
    {
      id: 'a1',
      sessionId: A_SESSION,
      type: 'session.created',
      at: at(0),
      channel: 'chat',
      guest: { name: 'Alice Zebrafinch', email: 'alice@zebrafinch.example' },
    },
    {
      id: 'a2',
      sessionId: A_SESSION,
      type: 'routing.requested',
      at: at(1),
      group: { id: 1, name: 'Q-ZEBRA' },
    },
    { id: 'a3', sessionId: A_SESSION, type: 'guest.joined', at: at(2) },
    { id: 'a4', sessionId: A_SESSION, type: 'message', at: at(3), from: 'guest', text: 'ZEBRAFINCH-TEXT' },
    {
      id: 'a5',
      sessionId: A_SESSION,
      type: 'file.shared',
      at: at(4),
      from: 'guest',
      file: { id: 'a-file', name: 'zebrafinch.txt', contentType: 'text/plain', size: 15 },
    },
    {
      id: 'a6',
      sessionId: A_SESSION,
      type: 'tags.added',
      at: at(5),
      tags: [{ name: 'ZEBRA-TAG', scope: 'session' }],
    },
    {
      id: 'b1',
      sessionId: A_BOT_SESSION,
      type: 'session.created',
      at: at(0),
      channel: 'chat',
      bot: { botId: 'st-zebrafinch-bot', userId: 'u-zebrafinch' },
    },
    {
      id: 'b2',
      sessionId: A_BOT_SESSION,
      type: 'message',
      at: at(2),
      from: 'guest',
      text: 'ZEBRAFINCH-BOT-TEXT',
    },
    {
      id: 'o1',
      type: 'operator.state',
      at: at(6),
      operator: { id: A_USER, firstName: 'Zebrafinch', userName: 'zebrafinch-op' },
      state: 'BREAK',
      reason: 'ZEBRA-BREAK',
    },
  ]);
  const upload = await h.request({
    method: 'PUT',
    url: `/v1/sessions/${A_SESSION}/files/a-file`,
    headers: { ...h.auth(), 'content-type': 'text/plain' },
    payload: 'ZEBRAFINCH-BYTE',
  });
  assert.equal(upload.statusCode, 201, upload.body);
  aIntId = Number(
    (
      await h.db.query<{ id: number }>('SELECT id FROM sessions WHERE tenant_id = $1 AND session_id = $2', [
        h.tenant.id,
        A_SESSION,
      ])
    ).rows[0].id,
  );
  const aToken = await mluviiToken(h);
  const hook = await h.request({
    method: 'POST',
    url: '/api/v1/Webhooks',
    headers: { authorization: `Bearer ${aToken}` },
    payload: { eventTypes: ['SessionCreated'], callbackUrl: 'http://127.0.0.1:9/zebrafinch-hook' },
  });
  assert.equal(hook.statusCode, 201, hook.body);
  aWebhookId = String(
    (await h.db.query<{ id: string }>('SELECT id FROM webhooks WHERE tenant_id = $1', [h.tenant.id])).rows[0]
      .id,
  );
  markers = [
    'Zebrafinch',
    'zebrafinch',
    'ZEBRAFINCH',
    'Q-ZEBRA',
    'ZEBRA-TAG',
    'ZEBRA-BREAK',
    h.tenant.id,
    h.tenant.credentials.clientId,
  ];
  const { clientId, clientSecret } = h.other.credentials;
  b = {
    native: h.auth(h.other),
    mluvii: { authorization: `Bearer ${await mluviiToken(h, { clientId, clientSecret })}` },
    kore: { auth: await koreToken({ clientId, clientSecret }) },
    evo: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
  };
});
after(() => h.close());

/**
 * B registering its own webhook twice: the documented 409 carries the existing registration's id (B's, never
 * A's; docs/decisions.md, "mluvii webhook registration").
 */
function ownWebhookConflict(url: string, status: number, body: string): boolean {
  return url === '/api/v1/Webhooks' && status === 409 && /^\d+$/.test(body) && body !== aWebhookId;
}

/** What A owns, to compare before and after B's requests. */
async function aState(): Promise<string> {
  const rows = await h.db.query(
    `SELECT (SELECT count(*) FROM events WHERE tenant_id = $1) AS events,
            (SELECT string_agg(session_id || ':' || md5(doc::text), ',' ORDER BY session_id) FROM sessions WHERE tenant_id = $1) AS sessions,
            (SELECT string_agg(concat_ws(':', id, event_types, callback_url, callback_sealed, callback_key, secret), ',')
               FROM webhooks WHERE tenant_id = $1) AS webhooks,
            (SELECT string_agg(file_id || ':' || sha256, ',') FROM files WHERE tenant_id = $1) AS files`,
    [h.tenant.id],
  );
  return JSON.stringify(rows.rows[0]);
}

test("tenant B's credentials with tenant A's ids on every route: no leak, no change, 4xx in the dialect's shape", async () => {
  const routes = h.app.switchboard.routes.filter(
    (r) =>
      r.method !== 'HEAD' &&
      !r.url.startsWith('/docs') &&
      // The change stream never ends by itself (its tenant isolation: test/integration/stream.test.ts).
      !['/healthz', '/readyz', '/metrics', '/v1/stream'].includes(r.url),
  );
  assert.ok(routes.length > 60, `the route table has ${routes.length} routes`);
  const before = await aState();
  const failures: string[] = [];
  let sent = 0;
  const queries = [
    '',
    `?sessionId=${A_SESSION}&SessionId=${aIntId}&id=${aIntId}&botId=st-zebrafinch-bot`,
    `?DepartmentId=${h.tenant.departmentId}`,
  ];
  const body = JSON.stringify({
    sessionId: A_SESSION,
    sessionIds: [A_SESSION, A_BOT_SESSION],
    id: aIntId,
    operatorGroupId: 1,
    callState: 'Disconnected',
    eventTypes: ['SessionCreated'],
    callbackUrl: 'http://127.0.0.1:9/b-hook',
    tags: ['x'],
    skip: 0,
    limit: 10,
  });
  for (const route of routes) {
    const dialect = dialectOf(route.url);
    const who = dialect === 'admin' ? 'native' : dialect === 'ops' || dialect === 'docs' ? null : dialect;
    if (!who) continue;
    const operations = route.url.includes(':operation') ? Object.keys(PREDEFINED) : [''];
    for (const operation of operations) {
      const path = route.url
        .replace(':sessionId', A_SESSION)
        .replace(
          ':id',
          route.url.includes('Webhooks') ? aWebhookId : route.url.includes('Users') ? A_USER : String(aIntId),
        )
        .replace(':userId', A_USER)
        .replace(':fileId', 'a-file')
        .replace(':tagId', '1')
        .replace(':deliveryId', '1')
        .replace(':botId', 'st-zebrafinch-bot')
        .replace(':operation', operation)
        .replace('*', 'index.html');
      // A bot id is not owned (Kore's getMessages answers any bot id with the caller's own, empty, messages).
      const namesA = /:(sessionId|id|fileId|userId)\b/.test(route.url);
      for (const query of queries) {
        const withBody = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);
        for (const headers of [b[who], ...(who === 'mluvii' || who === 'kore' ? [b.native] : [])]) {
          const response = await h.request({
            method: route.method,
            url: path + query,
            headers: { ...headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
            ...(withBody ? { payload: body } : {}),
          });
          sent++;
          const label = `${route.method} ${path}${query} as B (${Object.keys(headers)[0]})`;
          const leaked = markers.find((m) => response.body.includes(m));
          if (leaked) failures.push(`${label} → ${response.statusCode} shows A's "${leaked}"`);
          if (response.statusCode >= 500)
            failures.push(`${label} → ${response.statusCode} ${response.body.slice(0, 150)}`);
          else if (ownWebhookConflict(route.url, response.statusCode, response.body)) continue;
          else if (
            response.statusCode >= 400 &&
            !errorShapeOk(dialect, route.url, response.statusCode, response.body)
          )
            failures.push(
              `${label} → ${response.statusCode} not in the ${dialect} shape: ${response.body.slice(0, 150)}`,
            );
          else if (namesA && route.method === 'GET' && response.statusCode < 300)
            failures.push(
              `${label} → ${response.statusCode} for A's resource: ${response.body.slice(0, 150)}`,
            );
        }
      }
    }
  }
  assert.deepEqual(
    failures,
    [],
    `${failures.length} of ${sent} requests:\n${failures.slice(0, 40).join('\n')}`,
  );
  assert.equal(await aState(), before, "B's requests changed A's data");
  // A still sees all of it.
  const own = await h.request({ method: 'GET', url: `/v1/sessions/${A_SESSION}`, headers: h.auth() });
  assert.equal(own.statusCode, 200);
  assert.ok(own.body.includes('ZEBRAFINCH-TEXT'));
  const aBearer = {
    authorization: `Bearer ${await mluviiToken(h)}`,
  };
  const user = await h.request({
    method: 'GET',
    url: `/api/v1/Users/${A_USER}/operatorStates`,
    headers: aBearer,
  });
  assert.equal(user.statusCode, 200, user.body);
  assert.ok(user.body.includes('ZEBRA-BREAK'));
});
