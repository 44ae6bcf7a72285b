/**
 * The admin API of tenants and clients (issue 14, docs/operations.md#tenants-clients-and-roles): the operator's
 * token and a tenant's admin clients; rotation with a grace period in every dialect; revocation at once;
 * deleting a tenant removes everything it held and nothing of anyone else's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN, assertError, harness, openTestStore, type Harness } from './harness.js';
import { koreToken } from '../../src/dialects/kore/token.js';
import { loadMigrations, migrate } from '../../src/db/migrate.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

const operator = { authorization: `Bearer ${ADMIN_TOKEN}` };
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});

async function newTenant(name: string) {
  const response = await h.request({
    method: 'POST',
    url: '/v1/tenants',
    headers: operator,
    payload: { name },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string; credentials: { clientId: string; clientSecret: string } }>();
}

async function addClient(tenantId: string, role: string, headers = operator) {
  const response = await h.request({
    method: 'POST',
    url: `/v1/tenants/${tenantId}/clients`,
    headers,
    payload: { role, name: `${role} client` },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ clientId: string; clientSecret: string; role: string }>();
}

/** Whether a client's secret opens each dialect: native Bearer and Basic, mluvii's token, Evo, Kore. */
async function opens(clientId: string, secret: string): Promise<Record<string, number>> {
  const mluvii = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${clientId}&client_secret=${secret}`,
  });
  const kore = await h.request({
    method: 'POST',
    url: '/api/public/getSessions',
    headers: { auth: await koreToken({ clientId, clientSecret: secret }) },
    payload: { dateFrom: '2026-03-01T00:00:00Z', dateTo: '2026-03-02T00:00:00Z' },
  });
  return {
    bearer: (await h.request({ method: 'GET', url: '/v1/sessions', headers: bearer(secret) })).statusCode,
    basic: (await h.request({ method: 'GET', url: '/v1/sessions', headers: basic(clientId, secret) }))
      .statusCode,
    mluvii: mluvii.statusCode,
    evo: (await h.request({ method: 'GET', url: '/sessions.json', headers: basic(clientId, secret) }))
      .statusCode,
    kore: kore.statusCode,
  };
}
const ALL_OK = { bearer: 200, basic: 200, mluvii: 200, evo: 200, kore: 200 };
const ALL_REFUSED = { bearer: 401, basic: 401, mluvii: 400, evo: 401, kore: 401 };

test('the operator lists, reads, renames and sets a tenant’s Kore limits; bad input is a 400', async () => {
  const created = await newTenant('Umbrella');
  const listed: string[] = [];
  for (let after: string | null = ''; after !== null;) {
    const page = await h.request({
      method: 'GET',
      url: `/v1/tenants?limit=1${after ? `&after=${after}` : ''}`,
      headers: operator,
    });
    assert.equal(page.statusCode, 200, page.body);
    const body = page.json<{ tenants: { id: string }[]; next: string | null }>();
    assert.ok(body.tenants.length <= 1);
    listed.push(...body.tenants.map((t) => t.id));
    after = body.next;
  }
  assert.ok(listed.includes(created.id) && listed.includes(h.tenant.id) && listed.includes(h.other.id));
  assert.deepEqual([...listed].sort(), listed, 'id order');

  const patched = await h.request({
    method: 'PATCH',
    url: `/v1/tenants/${created.id}`,
    headers: operator,
    payload: { name: 'Umbrella Corp', settings: { kore: { perMinute: 5 } } },
  });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.deepEqual(patched.json().settings, { kore: { perMinute: 5, perHour: null } });
  const got = await h.request({ method: 'GET', url: `/v1/tenants/${created.id}`, headers: operator });
  assert.equal(got.json().name, 'Umbrella Corp');
  // What a PATCH leaves out stays; null goes back to the default.
  const reset = await h.request({
    method: 'PATCH',
    url: `/v1/tenants/${created.id}`,
    headers: operator,
    payload: { settings: { kore: { perMinute: null, perHour: 100 } } },
  });
  assert.deepEqual(reset.json().settings, { kore: { perMinute: null, perHour: 100 } });
  assert.equal(reset.json().name, 'Umbrella Corp');

  for (const payload of [{ name: '' }, { settings: { kore: { perMinute: 0 } } }, { extra: 1 }])
    assertError(
      await h.request({ method: 'PATCH', url: `/v1/tenants/${created.id}`, headers: operator, payload }),
      400,
    );
  assertError(await h.request({ method: 'GET', url: '/v1/tenants/no-such-tenant', headers: operator }), 404);
  assertError(await h.request({ method: 'GET', url: '/v1/tenants/me', headers: operator }), 400);
  assertError(await h.request({ method: 'GET', url: '/v1/tenants?limit=0', headers: operator }), 400);
  // Listing and creating tenants is the operator's alone.
  assertError(await h.request({ method: 'GET', url: '/v1/tenants', headers: h.auth() }), 401);
});

test("a tenant admin manages its own tenant (by id or `me`), never another's; a reader may not", async () => {
  const me = await h.request({ method: 'GET', url: '/v1/tenants/me', headers: h.auth() });
  assert.equal(me.statusCode, 200, me.body);
  assert.equal(me.json().id, h.tenant.id);
  assert.equal(
    (await h.request({ method: 'GET', url: `/v1/tenants/${h.tenant.id}`, headers: h.auth() })).statusCode,
    200,
  );
  assertError(await h.request({ method: 'GET', url: `/v1/tenants/${h.other.id}`, headers: h.auth() }), 404);
  assertError(
    await h.request({
      method: 'POST',
      url: `/v1/tenants/${h.other.id}/clients`,
      headers: h.auth(),
      payload: { role: 'admin' },
    }),
    404,
  );
  const reader = await addClient('me', 'reader', h.auth());
  assert.equal(reader.role, 'reader');
  const refused = assertError(
    await h.request({
      method: 'POST',
      url: '/v1/tenants/me/clients',
      headers: bearer(reader.clientSecret),
      payload: { role: 'admin' },
    }),
    403,
    'forbidden',
  );
  assert.match(refused.message, /role \(reader\)/);
  assertError(
    await h.request({
      method: 'POST',
      url: '/v1/tenants/me/clients',
      headers: h.auth(),
      payload: { role: 'root' },
    }),
    400,
  );

  const list = await h.request({ method: 'GET', url: '/v1/tenants/me/clients', headers: h.auth() });
  assert.equal(list.statusCode, 200);
  const clients = list.json<{ clients: { clientId: string; role: string }[] }>().clients;
  assert.ok(clients.some((c) => c.clientId === reader.clientId && c.role === 'reader'));
  assert.ok(clients.some((c) => c.clientId === h.tenant.credentials.clientId && c.role === 'admin'));
  assert.ok(
    !list.body.includes(reader.clientSecret) && !list.body.includes('secret'),
    'no secret is ever listed',
  );
});

test('rotation: both secrets open every dialect during the grace period; the old one stops after it', async () => {
  const t = await newTenant('Rotating');
  const { clientId, clientSecret: first } = t.credentials;
  const rotate = async (graceSeconds: number) => {
    const response = await h.request({
      method: 'POST',
      url: `/v1/tenants/${t.id}/clients/${clientId}/rotate`,
      headers: operator,
      payload: { graceSeconds },
    });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<{ clientSecret: string; previousSecretExpiresAt: string; rotatedAt: string }>();
  };
  const second = await rotate(3600);
  assert.notEqual(second.clientSecret, first);
  assert.ok(Date.parse(second.previousSecretExpiresAt) > Date.now() + 3500_000);
  assert.deepEqual(await opens(clientId, second.clientSecret), ALL_OK);
  assert.deepEqual(await opens(clientId, first), ALL_OK, 'the old secret works during the grace period');
  // A rotation without grace (a lost secret): only the newest works.
  const third = await rotate(0);
  assert.deepEqual(await opens(clientId, third.clientSecret), ALL_OK);
  assert.deepEqual(await opens(clientId, second.clientSecret), ALL_REFUSED);
  assert.deepEqual(await opens(clientId, first), ALL_REFUSED);
  assertError(
    await h.request({
      method: 'POST',
      url: `/v1/tenants/${t.id}/clients/${clientId}/rotate`,
      headers: operator,
      payload: { graceSeconds: 31 * 86400 },
    }),
    400,
  );
  assertError(
    await h.request({
      method: 'POST',
      url: `/v1/tenants/${h.other.id}/clients/${clientId}/rotate`,
      headers: operator,
      payload: {},
    }),
    404,
  );
});

test('revocation refuses the client in every dialect at once, even where it was cached or held a token', async () => {
  const t = await newTenant('Revoking');
  const admin = t.credentials;
  const user = await addClient(t.id, 'user');
  assert.deepEqual(await opens(user.clientId, user.clientSecret), ALL_OK);
  const token = (
    await h.request({
      method: 'POST',
      url: '/login/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${user.clientId}&client_secret=${user.clientSecret}`,
    })
  ).json<{ access_token: string }>().access_token;
  const mluviiList = () =>
    h.request({ method: 'GET', url: '/api/v1/Sessions', headers: { authorization: `Bearer ${token}` } });
  assert.equal((await mluviiList()).statusCode, 200);

  const revoked = await h.request({
    method: 'DELETE',
    url: `/v1/tenants/me/clients/${user.clientId}`,
    headers: bearer(admin.clientSecret),
  });
  assert.equal(revoked.statusCode, 204, revoked.body);
  assert.deepEqual(await opens(user.clientId, user.clientSecret), ALL_REFUSED);
  assert.equal((await mluviiList()).statusCode, 401, 'a token issued before revocation stops too');
  const listed = (
    await h.request({ method: 'GET', url: `/v1/tenants/${t.id}/clients`, headers: operator })
  ).json<{
    clients: { clientId: string; revokedAt: string | null }[];
  }>();
  assert.ok(listed.clients.find((c) => c.clientId === user.clientId)?.revokedAt);
  // Revoking twice, or a client of another tenant: not found.
  assertError(
    await h.request({
      method: 'DELETE',
      url: `/v1/tenants/me/clients/${user.clientId}`,
      headers: bearer(admin.clientSecret),
    }),
    404,
  );
  assertError(
    await h.request({
      method: 'DELETE',
      url: `/v1/tenants/me/clients/${h.tenant.credentials.clientId}`,
      headers: bearer(admin.clientSecret),
    }),
    404,
  );

  // The last admin client: not by itself (the tenant would lose its administration), but by the operator.
  const last = await h.request({
    method: 'DELETE',
    url: `/v1/tenants/me/clients/${admin.clientId}`,
    headers: bearer(admin.clientSecret),
  });
  assertError(last, 409, 'conflict');
  const byOperator = await h.request({
    method: 'DELETE',
    url: `/v1/tenants/${t.id}/clients/${admin.clientId}`,
    headers: operator,
  });
  assert.equal(byOperator.statusCode, 204);
  assert.deepEqual(await opens(admin.clientId, admin.clientSecret), ALL_REFUSED);
});

test('deleting a tenant removes its sessions, events, files, bytes, analytics and clients, and nothing else', async () => {
  const t = await newTenant('Doomed');
  const secret = t.credentials.clientSecret;
  const at = (s: number) => new Date(Date.UTC(2026, 2, 3, 9, 0, s)).toISOString();
  const events = (prefix: string) => [
    { id: `${prefix}1`, sessionId: `${prefix}-s`, type: 'session.created', at: at(0), channel: 'chat' },
    {
      id: `${prefix}2`,
      sessionId: `${prefix}-s`,
      type: 'routing.requested',
      at: at(1),
      group: { id: 1, name: 'Q' },
    },
    {
      id: `${prefix}3`,
      sessionId: `${prefix}-s`,
      type: 'file.shared',
      at: at(2),
      from: 'guest',
      file: { id: 'f', name: 'f.txt', contentType: 'text/plain', size: 5 },
    },
    { id: `${prefix}4`, sessionId: `${prefix}-s`, type: 'session.ended', at: at(9) },
  ];
  const posted = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: bearer(secret),
    payload: events('d'),
  });
  assert.equal(posted.statusCode, 200, posted.body);
  const upload = await h.request({
    method: 'PUT',
    url: '/v1/sessions/d-s/files/f',
    headers: { ...bearer(secret), 'content-type': 'text/plain' },
    payload: 'bytes',
  });
  assert.equal(upload.statusCode, 201, upload.body);
  await h.ingest(events('kept'));
  const blobsBefore = countFiles(h.blobDir);
  const counts = async (tenantId: string) =>
    (
      await h.db.query<Record<string, number>>(
        `SELECT (SELECT count(*)::int FROM sessions WHERE tenant_id = $1) AS sessions,
                (SELECT count(*)::int FROM session_events WHERE tenant_id = $1) AS events,
                (SELECT count(*)::int FROM files WHERE tenant_id = $1) AS files,
                (SELECT count(*)::int FROM queue_rollups WHERE tenant_id = $1) AS rollups,
                (SELECT count(*)::int FROM queue_totals WHERE tenant_id = $1) AS totals,
                (SELECT count(*)::int FROM api_clients WHERE tenant_id = $1) AS clients,
                (SELECT count(*)::int FROM tenants WHERE id = $1) AS tenants`,
        [tenantId],
      )
    ).rows[0];
  const keptBefore = await counts(h.tenant.id);
  assert.ok((await counts(t.id)).rollups > 0);
  assert.ok((await counts(t.id)).totals > 0);

  assertError(
    await h.request({ method: 'DELETE', url: `/v1/tenants/${t.id}`, headers: bearer(secret) }),
    401,
  );
  const deleted = await h.request({ method: 'DELETE', url: `/v1/tenants/${t.id}`, headers: operator });
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.deepEqual(deleted.json(), { id: t.id, deleted: { sessions: 1, files: 1 } });
  assert.deepEqual(await counts(t.id), {
    sessions: 0,
    events: 0,
    files: 0,
    rollups: 0,
    totals: 0,
    clients: 0,
    tenants: 0,
  });
  assert.equal(countFiles(h.blobDir), blobsBefore - 1, 'the file bytes are gone');
  assert.deepEqual(await counts(h.tenant.id), keptBefore, "another tenant's data is untouched");
  assert.equal(
    (await h.request({ method: 'GET', url: '/v1/sessions', headers: bearer(secret) })).statusCode,
    401,
  );
  assertError(await h.request({ method: 'GET', url: `/v1/tenants/${t.id}`, headers: operator }), 404);
  assertError(await h.request({ method: 'DELETE', url: `/v1/tenants/${t.id}`, headers: operator }), 404);
});

test('a deletion cut short leaves the tenant invisible, and deleting again finishes it', async () => {
  const t = await newTenant('Half-deleted');
  await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: bearer(t.credentials.clientSecret),
    payload: [
      { id: 'h1', sessionId: 'h-s', type: 'session.created', at: '2026-03-03T09:00:00Z', channel: 'chat' },
    ],
  });
  // What the first transaction of a deletion leaves when the process dies right after it.
  await h.db.query('UPDATE tenants SET deleted_at = now() WHERE id = $1', [t.id]);
  await h.db.query('UPDATE api_clients SET revoked_at = now() WHERE tenant_id = $1', [t.id]);
  assertError(await h.request({ method: 'GET', url: `/v1/tenants/${t.id}`, headers: operator }), 404);
  const listed = await h.request({ method: 'GET', url: '/v1/tenants?limit=1000', headers: operator });
  assert.ok(!listed.body.includes(t.id));
  const again = await h.request({ method: 'DELETE', url: `/v1/tenants/${t.id}`, headers: operator });
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json().deleted.sessions, 1);
  assert.equal((await h.db.query('SELECT 1 FROM tenants WHERE id = $1', [t.id])).rowCount, 0);
});

test("migration 025: a 'manager' client becomes an admin and keeps working", async () => {
  const { db, drop } = await openTestStore(25);
  try {
    await db.query(`INSERT INTO tenants (id, name, department_id) VALUES ('t-old', 'old', 1)`);
    await db.query(
      `INSERT INTO api_clients (client_id, tenant_id, secret_hash, role) VALUES ('c-old', 't-old', 'h1', 'manager'), ('c-user', 't-old', 'h2', 'user')`,
    );
    await migrate(db, loadMigrations());
    const roles = await db.query<{ client_id: string; role: string }>(
      'SELECT client_id, role FROM api_clients ORDER BY client_id',
    );
    assert.deepEqual(roles.rows, [
      { client_id: 'c-old', role: 'admin' },
      { client_id: 'c-user', role: 'user' },
    ]);
    await assert.rejects(db.query(`UPDATE api_clients SET role = 'root' WHERE client_id = 'c-old'`));
  } finally {
    await drop();
  }
});

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, entry) =>
      n + (entry.isDirectory() ? countFiles(join(dir, entry.name)) : entry.name.endsWith('.part') ? 0 : 1),
    0,
  );
}
