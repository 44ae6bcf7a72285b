/**
 * Roles (issue 14): the matrix of role × route × dialect. Every route of the app's route table is called by a
 * client of each role with that dialect's own credentials (secret, mluvii token, Kore JWT, Evo Basic). A
 * route the role may not use answers 403 in the dialect's shape and changes nothing; a route it may use
 * never answers 403. The expectation comes from the access table (src/http/access.ts), and docs/operations.md
 * must list the same grants.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { harness, mluviiToken, type Harness } from './harness.js';
import { koreToken } from '../../src/dialects/kore/token.js';
import { PREDEFINED } from '../../src/dialects/evo/predefined.js';
import { GRANTS, ROLES, accessOfRoute, grants, type Access, type Role } from '../../src/http/access.js';
import { addClient } from '../../src/tenants/repository.js';
import { dialectOf, errorShapeOk } from './route-dialects.js';

let h: Harness;
type Credentials = Record<'native' | 'mluvii' | 'kore' | 'evo', Record<string, string>>;
const clients = new Map<Role, Credentials>();
const SESSION = 'role-session-1';

before(async () => {
  h = await harness({ webhookAllow: '127.0.0.1' });
  const at = (s: number) => new Date(Date.UTC(2026, 2, 2, 9, 0, s)).toISOString();
  await h.ingest([
    { id: 'r1', sessionId: SESSION, type: 'session.created', at: at(0), channel: 'chat' },
    { id: 'r2', sessionId: SESSION, type: 'routing.requested', at: at(1), group: { id: 1, name: 'Q' } },
    { id: 'r3', sessionId: SESSION, type: 'guest.joined', at: at(2) },
  ]);
  for (const role of ROLES) {
    const { clientId, clientSecret } = await h.db.tx((q) => addClient(q, h.tenant.id, role));
    clients.set(role, {
      native: { authorization: `Bearer ${clientSecret}` },
      mluvii: { authorization: `Bearer ${await mluviiToken(h, { clientId, clientSecret })}` },
      kore: { auth: await koreToken({ clientId, clientSecret }) },
      evo: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    });
  }
});
after(() => h.close());

/** Everything the tenant holds, to compare before and after a role's refused requests. */
async function tenantState(): Promise<string> {
  const rows = await h.db.query(
    `SELECT (SELECT count(*) FROM events WHERE tenant_id = $1) AS events,
            (SELECT string_agg(session_id || ':' || md5(doc::text), ',' ORDER BY session_id) FROM sessions WHERE tenant_id = $1) AS sessions,
            (SELECT count(*) FROM webhooks WHERE tenant_id = $1) AS webhooks,
            (SELECT count(*) FROM files WHERE tenant_id = $1) AS files,
            (SELECT string_agg(client_id || ':' || secret_hash || ':' || coalesce(revoked_at::text, ''), ',' ORDER BY client_id) FROM api_clients WHERE tenant_id = $1) AS clients,
            (SELECT count(*) FROM retention_policies WHERE tenant_id = $1) AS policies,
            (SELECT count(*) FROM export_jobs WHERE tenant_id = $1) AS exports,
            (SELECT name || coalesce(kore_per_minute::text, '') FROM tenants WHERE id = $1) AS tenant`,
    [h.tenant.id],
  );
  return JSON.stringify(rows.rows[0]);
}

interface Call {
  method: string;
  url: string;
  path: string;
  dialect: ReturnType<typeof dialectOf>;
  access: Access;
}

/** Every route as one call (Evo's predefined routes once per operation), with harmless ids and bodies. */
function calls(): Call[] {
  const out: Call[] = [];
  for (const route of h.app.switchboard.routes) {
    if (route.method === 'HEAD' || route.url.startsWith('/docs') || route.url.startsWith('/ui/')) continue;
    // The change stream never ends by itself (its roles: the stream token test below).
    if (['/healthz', '/readyz', '/metrics', '/v1/stream', '/'].includes(route.url)) continue;
    const dialect = dialectOf(route.url);
    const path = (operation: string) =>
      route.url
        .replace(':sessionId', SESSION)
        .replace(':tenantId', 'me')
        .replace(':clientId', 'sbc_unknown')
        .replace(':id', route.url.includes('Webhooks') || route.url.includes('exports') ? '999999' : '1')
        .replace(':fileId', 'no-file')
        .replace(':tagId', '1')
        .replace(':deliveryId', '1')
        .replace(':botId', 'st-bot')
        .replace(':operation', operation);
    if (route.url.includes(':operation')) {
      // A verb an operation does not take is a 405 and the jsv format is not served, whoever calls.
      if (route.url.startsWith('/jsv/')) continue;
      for (const [name, op] of Object.entries(PREDEFINED))
        if ((op.verbs as readonly string[]).includes(route.method))
          out.push({ method: route.method, url: route.url, path: path(name), dialect, access: op.access });
    } else {
      const access = accessOfRoute(route.method, route.url);
      out.push({ method: route.method, url: route.url, path: path(''), dialect, access });
    }
  }
  return out;
}

const BODY = JSON.stringify({ sessionId: 'role-session-unknown', skip: 0, limit: 1, tags: ['x'] });

for (const role of ROLES) {
  test(`role ${role}: every route of every dialect answers as the access table says`, async () => {
    const credentials = clients.get(role)!;
    const before = await tenantState();
    const failures: string[] = [];
    let refused = 0;
    let allowed = 0;
    for (const call of calls()) {
      if (call.dialect === 'ops' || call.dialect === 'docs' || call.access === 'public') continue;
      const who = call.dialect === 'admin' ? 'native' : call.dialect;
      const withBody = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(call.method);
      const response = await h.request({
        method: call.method,
        url: call.path,
        headers: {
          ...credentials[who],
          'x-switchboard-ui': '1',
          ...(withBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(withBody ? { payload: BODY } : {}),
      });
      const label = `${call.method} ${call.path} as ${role} (${call.access})`;
      const may = call.access !== 'operator' && grants(role, call.access);
      if (response.statusCode >= 500)
        failures.push(`${label} → ${response.statusCode} ${response.body.slice(0, 120)}`);
      else if (may) {
        allowed++;
        if (response.statusCode === 403) failures.push(`${label} → 403 ${response.body.slice(0, 160)}`);
      } else {
        refused++;
        // The operator's routes answer any API client 401: only SWITCHBOARD_ADMIN_TOKEN opens them.
        const expected = call.access === 'operator' ? 401 : 403;
        if (response.statusCode !== expected)
          failures.push(
            `${label} → ${response.statusCode}, expected ${expected}: ${response.body.slice(0, 120)}`,
          );
        else if (!errorShapeOk(call.dialect, call.url, response.statusCode, response.body))
          failures.push(`${label} → not in the ${call.dialect} shape: ${response.body.slice(0, 120)}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} failures:\n${failures.slice(0, 40).join('\n')}`);
    assert.ok(allowed + refused > 60, `${allowed + refused} calls`);
    if (role === 'admin') assert.equal(refused, calls().filter((c) => c.access === 'operator').length);
    else assert.ok(refused > 0, `role ${role} was refused nothing`);
    // Reads and refused calls change nothing (the admin and user passes may: their calls are allowed).
    if (role === 'reader' || role === 'producer') assert.equal(await tenantState(), before);
  });
}

test('a producer posts events but reads nothing; a reader reads but posts nothing', async () => {
  const producer = clients.get('producer')!.native;
  const reader = clients.get('reader')!.native;
  const event = {
    id: 'p1',
    sessionId: 'produced-1',
    type: 'session.created',
    at: '2026-03-02T10:00:00Z',
    channel: 'chat',
  };
  const posted = await h.request({ method: 'POST', url: '/v1/events', headers: producer, payload: [event] });
  assert.equal(posted.statusCode, 200, posted.body);
  const read = await h.request({ method: 'GET', url: '/v1/sessions/produced-1', headers: producer });
  assert.equal(read.statusCode, 403);
  assert.match(read.json<{ error: { message: string } }>().error.message, /role \(producer\) may not read/);
  assert.equal(
    (await h.request({ method: 'GET', url: '/v1/sessions/produced-1', headers: reader })).statusCode,
    200,
  );
  const refused = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: reader,
    payload: [{ ...event, id: 'p2', sessionId: 'produced-2' }],
  });
  assert.equal(refused.statusCode, 403);
  assert.equal(
    (await h.request({ method: 'GET', url: '/v1/sessions/produced-2', headers: reader })).statusCode,
    404,
  );
});

test('a producer cannot sign in to the dashboard or take a stream token; Evo shows an admin as Manager', async () => {
  for (const [role, status] of [
    ['producer', 403],
    ['reader', 200],
  ] as const) {
    const token = await h.request({
      method: 'POST',
      url: '/v1/stream/token',
      headers: clients.get(role)!.native,
    });
    assert.equal(token.statusCode, status, token.body);
  }
  const status = async (role: Role) =>
    (
      await h.request({
        method: 'GET',
        url: '/auth/status',
        headers: { ...clients.get(role)!.evo, accept: 'application/json' },
      })
    ).json<{
      roles: string[];
    }>().roles;
  assert.deepEqual(await status('admin'), ['Manager']);
  assert.deepEqual(await status('reader'), ['User']);
});

test('docs/operations.md lists the grants the code enforces', () => {
  const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
  for (const role of ROLES) {
    const line = doc.split('\n').find((l) => l.startsWith(`| \`${role}\``));
    assert.ok(line, `docs/operations.md has a row for role ${role}`);
    for (const access of ['read', 'ingest', 'operate', 'manage'] as const)
      assert.equal(
        line.includes(`${access} ✓`),
        GRANTS[role].includes(access),
        `docs/operations.md: role ${role}, ${access}`,
      );
  }
});
