import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, assertError, harness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

const create = (payload: unknown, authorization = `Bearer ${ADMIN_TOKEN}`) =>
  h.request({ method: 'POST', url: '/v1/tenants', headers: { authorization }, payload: payload as string });

test('POST /v1/tenants creates a tenant whose credentials work at once', async () => {
  const response = await create({ name: 'Initech' });
  assert.equal(response.statusCode, 201, response.body);
  const tenant = response.json();
  assert.deepEqual(Object.keys(tenant).sort(), ['credentials', 'departmentId', 'id', 'name']);
  assert.equal(typeof tenant.departmentId, 'number');
  const basic =
    'Basic ' +
    Buffer.from(`${tenant.credentials.clientId}:${tenant.credentials.clientSecret}`).toString('base64');
  const list = await h.request({ method: 'GET', url: '/v1/sessions', headers: { authorization: basic } });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().items, []);
  const stored = await h.db.query<{ secret_hash: string }>(
    'SELECT secret_hash FROM api_clients WHERE client_id = $1',
    [tenant.credentials.clientId],
  );
  assert.notEqual(stored.rows[0].secret_hash, tenant.credentials.clientSecret, 'the secret is stored hashed');
  assert.ok(!JSON.stringify(stored.rows).includes(tenant.credentials.clientSecret));
});

test('a chosen departmentId is kept; a taken one is a 409', async () => {
  const response = await create({ name: 'Dept', departmentId: 4242 });
  assert.equal(response.json().departmentId, 4242);
  assertError(await create({ name: 'Dept again', departmentId: 4242 }), 409, 'conflict');
});

test('admin token required; bad bodies are 400', async () => {
  assertError(await h.request({ method: 'POST', url: '/v1/tenants', payload: { name: 'x' } }), 401);
  assertError(await create({ name: 'x' }, 'Bearer wrong-token-wrong-token'), 401);
  assertError(await create({ name: 'x' }, `Bearer ${h.tenant.credentials.clientSecret}`), 401);
  assertError(await create({}), 400, 'validation_failed');
  assertError(await create({ name: '' }), 400);
  assertError(await create({ name: 'x', departmentId: 'seven' }), 400);
  assertError(await create({ name: 'x', extra: true }), 400);
});

test('administration is off without SWITCHBOARD_ADMIN_TOKEN', async () => {
  const closed = await harness({ adminToken: undefined });
  try {
    assertError(
      await closed.request({
        method: 'POST',
        url: '/v1/tenants',
        headers: { authorization: 'Bearer anything' },
        payload: { name: 'x' },
      }),
      403,
      'forbidden',
    );
  } finally {
    await closed.close();
  }
});

test('health and docs', async () => {
  const health = await h.request({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  assert.equal(health.json().status, 'ok');
  const spec = await h.request({ method: 'GET', url: '/docs/json' });
  assert.equal(spec.statusCode, 200);
  assert.ok(spec.json().paths['/v1/events']);
  assertError(await h.request({ method: 'GET', url: '/nowhere' }), 404, 'not_found');
});
