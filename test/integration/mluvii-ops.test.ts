import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import type { CreatedTenant } from '../../src/tenants/repository.js';
import { stableIntId } from '../../src/domain/projector.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
let h: Harness;
const T = (s: number) => new Date(Date.parse('2026-03-09T10:00:00Z') + s * 1000).toISOString();
const alice = { id: '101', firstName: 'Alice', lastName: 'Novak' };

function session(sessionId: string, ended: boolean) {
  return [
    {
      type: 'session.created',
      at: T(0),
      channel: 'chat',
      guest: {
        identity: 'c-1',
        name: 'Jan Novák',
        email: 'jan@example.com',
        ipAddress: '10.0.0.1',
        language: 'cs',
        callParams: { crm: '42' },
      },
      phoneCallbackNumber: '+420777',
    },
    { type: 'routing.requested', at: T(5), group: { id: 7, name: 'Sales' } },
    { type: 'routing.assigned', at: T(35), operator: alice },
    { type: 'routing.accepted', at: T(50), operator: alice },
    { type: 'operator.joined', at: T(50), operator: alice },
    { type: 'guest.joined', at: T(52) },
    { type: 'message', at: T(60), from: 'guest', text: 'my card number is 1234', lang: 'cs' },
    { type: 'feedback', at: T(61), stars: 4, text: 'call me at +420777' },
    { type: 'file.shared', at: T(80), from: 'guest', file: { id: 'f-1', name: 'passport.jpg' } },
    { type: 'recording.available', at: T(90), recording: { id: '555', name: 'call', durationMs: 1000 } },
    ...(ended
      ? [
          { type: 'operator.left', at: T(352), operator: alice },
          { type: 'session.ended', at: T(352) },
          { type: 'operator.concluded', at: T(412), operator: alice },
        ]
      : []),
  ].map((e, i) => ({ id: `${sessionId}-${i}`, sessionId, ...e }));
}

before(async () => {
  // A clock that moves one second per reading, so operations made one after another have distinct times.
  let ticks = 0;
  h = await harness({ now: () => NOW + ticks++ * 1000 });
  await h.ingest([...session('closed-1', true), ...session('open-1', false)]);
});
after(() => h.close());

async function bearer(tenant: CreatedTenant = h.tenant) {
  const response = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${tenant.credentials.clientId}&client_secret=${tenant.credentials.clientSecret}`,
  });
  return { authorization: `Bearer ${response.json().access_token}` };
}

async function call(method: string, url: string, payload?: unknown, tenant?: CreatedTenant) {
  return h.request({
    method: method,
    url,
    headers: await bearer(tenant),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

async function idOf(sessionId: string): Promise<number> {
  const row = await h.db.query<{ id: string }>(
    'SELECT id FROM sessions WHERE tenant_id = $1 AND session_id = $2',
    [h.tenant.id, sessionId],
  );
  return Number(row.rows[0].id);
}

test('callparams: GET shape, PUT records callparams.updated visible everywhere', async () => {
  const id = await idOf('open-1');
  const before = (await call('GET', `/api/v1/Sessions/${id}/callparams`)).json();
  assert.deepEqual(
    before.callParams.map((p: any) => [p.name, p.value]),
    [['crm', '42']],
  );
  assert.deepEqual(Object.keys(before.callParams[0]).sort(), [
    'name',
    'readOnly',
    'source',
    'updatedDate',
    'value',
  ]);
  const put = await call('PUT', `/api/v1/Sessions/${id}/callparams`, {
    callParams: { crm: '43', order: 'A-7' },
  });
  assert.equal(put.statusCode, 204, put.body);
  const after = (await call('GET', `/api/v1/Sessions/${id}/CallParams`)).json();
  assert.deepEqual(Object.fromEntries(after.callParams.map((p: any) => [p.name, p.value])), {
    crm: '43',
    order: 'A-7',
  });
  const native = (await h.request({ method: 'GET', url: '/v1/sessions/open-1', headers: h.auth() })).json();
  assert.equal(native.callParams.order.value, 'A-7');
  const bad = await call('PUT', `/api/v1/Sessions/${id}/callparams`, {
    callParams: { crm: { nested: true } },
  });
  assert.equal(bad.statusCode, 400, bad.body);
  assert.equal(bad.json().status, 400);
  const notJson = await h.request({
    method: 'PUT',
    url: `/api/v1/Sessions/${id}/callparams`,
    headers: { ...(await bearer()), 'content-type': 'application/json' },
    payload: '{nope',
  });
  assert.equal(notJson.statusCode, 400);
});

test('tags: catalogue, attach and detach as events, unknown tag 404, 409 with the id', async () => {
  const id = await idOf('closed-1');
  const created = await call('POST', '/api/v1/Tags', { name: 'gold' });
  assert.equal(created.statusCode, 201, created.body);
  const tagId = created.json().id;
  const again = await call('POST', '/api/v1/Tags', { name: 'gold' });
  assert.equal(again.statusCode, 409);
  assert.equal(again.body, String(tagId));
  assert.ok((await call('GET', '/api/v1/Tags')).json().some((t: any) => t.id === tagId && t.name === 'gold'));
  assert.equal(
    (await call('GET', '/api/v1/Tags', undefined, h.other)).json().length,
    0,
    'catalogues are per tenant',
  );

  assert.equal((await call('PUT', `/api/v1/Sessions/${id}/tags/${tagId}`)).statusCode, 204);
  assert.deepEqual((await call('GET', `/api/v1/Sessions/${id}`)).json().tags, [
    { userId: null, name: 'gold' },
  ]);
  assert.equal((await call('PUT', `/api/v1/Sessions/${id}/tags/${tagId}`)).statusCode, 204, 'idempotent');
  assert.equal((await call('DELETE', `/api/v1/Sessions/${id}/tags/${tagId}`)).statusCode, 204);
  assert.deepEqual((await call('GET', `/api/v1/Sessions/${id}`)).json().tags, []);
  assert.equal((await call('PUT', `/api/v1/Sessions/${id}/tags/99999`)).statusCode, 404);
  assert.equal((await call('PUT', `/api/v1/Sessions/${id}/tags/gold`)).statusCode, 404);
  assert.equal(
    (await call('PUT', `/api/v1/Sessions/${id}/tags/${tagId}`, undefined, h.other)).statusCode,
    404,
  );
});

test('forward: one target, recorded in the routing history; ended session 409; bad body 400', async () => {
  const open = await idOf('open-1');
  const closed = await idOf('closed-1');
  assert.equal(
    (await call('POST', `/api/v1/Sessions/${open}/forward`, { operatorGroupId: 9, note: 'needs billing' }))
      .statusCode,
    204,
  );
  const history = (await call('GET', `/api/v1/Sessions/${open}/routingHistory`)).json();
  const forwarded = history.at(-1);
  assert.equal(forwarded.activityType, 'ForwardedToGroup');
  assert.equal(forwarded.group.id, 9);
  assert.equal((await call('POST', `/api/v1/Sessions/${open}/forward`, { userId: 202 })).statusCode, 204);
  assert.equal(
    (await call('GET', `/api/v1/Sessions/${open}/routingHistory`)).json().at(-1).operator.userId,
    202,
  );
  assert.equal((await call('POST', `/api/v1/Sessions/${closed}/forward`, { userId: 202 })).statusCode, 409);
  for (const body of [{}, { userId: 1, operatorGroupId: 2 }, { userId: 'x' }, { phoneNumber: '' }]) {
    const response = await call('POST', `/api/v1/Sessions/${open}/forward`, body);
    assert.equal(response.statusCode, 400, JSON.stringify(body));
    assert.equal(typeof response.json().errors, 'object');
  }
});

test('downloads: bytes behind downloadUrl, only with a token of the same tenant, Range honoured; DELETE files', async () => {
  const id = await idOf('closed-1');
  const bytes = Buffer.from('0123456789abcdef');
  const upload = await h.request({
    method: 'PUT',
    url: '/v1/sessions/closed-1/files/555',
    headers: { ...h.auth(), 'content-type': 'audio/ogg' },
    payload: bytes,
  });
  assert.equal(upload.statusCode, 201, upload.body);
  const model = (await call('GET', `/api/v1/Sessions/${id}`)).json();
  const url = new URL(model.recordings[0].downloadUrl);
  assert.equal(model.recordings[0].isUploading, false);
  const whole = await h.request({ method: 'GET', url: url.pathname, headers: await bearer() });
  assert.equal(whole.statusCode, 200);
  assert.equal(whole.headers['content-type'], 'audio/ogg');
  assert.deepEqual(whole.rawPayload, bytes);
  const part = await h.request({
    method: 'GET',
    url: url.pathname,
    headers: { ...(await bearer()), range: 'bytes=4-7' },
  });
  assert.equal(part.statusCode, 206);
  assert.equal(part.body, '4567');
  assert.equal(
    (await h.request({ method: 'GET', url: url.pathname, headers: await bearer(h.other) })).statusCode,
    404,
  );
  assert.equal(
    (await h.request({ method: 'GET', url: url.pathname, headers: h.auth() })).statusCode,
    401,
    'a native secret is not a token',
  );
  assert.equal((await h.request({ method: 'GET', url: url.pathname })).statusCode, 401);

  const fileNumber = stableIntId('f-1');
  const removed = await call('DELETE', `/api/v1/Sessions/${id}/files`, {
    fileIds: [555, fileNumber, 424242],
  });
  assert.equal(removed.statusCode, 200, removed.body);
  assert.deepEqual(removed.json(), [
    { fileId: 555, state: 'REMOVED' },
    { fileId: fileNumber, state: 'REMOVED' },
    { fileId: 424242, state: 'INACCESSIBLE' },
  ]);
  const again = await call('DELETE', `/api/v1/Sessions/${id}/files`, { fileIds: [555] });
  assert.deepEqual(again.json(), [{ fileId: 555, state: 'ALREADY_REMOVED' }]);
  assert.equal(
    (await h.request({ method: 'GET', url: url.pathname, headers: await bearer() })).statusCode,
    404,
  );
  const afterDelete = (await call('GET', `/api/v1/Sessions/${id}`)).json();
  assert.equal(afterDelete.recordings[0].isDeleted, true);
  assert.equal(afterDelete.activities.find((a: any) => a.type === 'SharedFile').file.isDeleted, true);
  assert.equal((await h.db.query('SELECT 1 FROM files WHERE tenant_id = $1', [h.tenant.id])).rows.length, 0);
  assert.equal((await call('DELETE', `/api/v1/Sessions/${id}/files`, { fileIds: [] })).statusCode, 400);
  assert.equal((await call('DELETE', `/api/v1/Sessions/${id}/files`, { fileIds: ['x'] })).statusCode, 400);
});

test('anonymize: personal data and message texts gone for good, durations kept', async () => {
  const id = await idOf('closed-1');
  const before = (await call('GET', `/api/v1/Sessions/${id}`)).json();
  assert.equal((await call('POST', `/api/v1/Sessions/${id}/anonymize`)).statusCode, 204);
  const after = (await call('GET', `/api/v1/Sessions/${id}`)).json();
  assert.equal(after.guest.identity, null);
  assert.equal(after.guest.ipAddress, null);
  assert.equal(after.guest.language, 'cs');
  assert.deepEqual(after.guest.callParams, {});
  assert.equal(after.phoneCallbackNumber, null);
  assert.equal(after.guestFeedbackText, null);
  assert.equal(after.guestFeedbackStars, 4);
  assert.ok(after.activities.filter((a: any) => a.type === 'ChatMessage').every((a: any) => a.text === ''));
  for (const field of ['waited', 'length', 'created', 'started', 'ended', 'guestJoined'])
    assert.equal(after[field], before[field], field);
  // Removed for good: not in the stored events or the projection.
  for (const secret of ['card number', 'jan@example.com', '10.0.0.1', '+420777', 'Jan Nov']) {
    const events = await h.db.query(
      "SELECT 1 FROM events WHERE tenant_id = $1 AND session_id = 'closed-1' AND body::text LIKE $2",
      [h.tenant.id, `%${secret}%`],
    );
    assert.equal(events.rows.length, 0, `events still hold ${secret}`);
    const rows = await h.db.query(
      "SELECT 1 FROM sessions WHERE tenant_id = $1 AND session_id = 'closed-1' AND doc::text LIKE $2",
      [h.tenant.id, `%${secret}%`],
    );
    assert.equal(rows.rows.length, 0, `the session still holds ${secret}`);
  }
  // A producer re-sending an original event gets a duplicate, not a conflict, and the data stays gone.
  const resent = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: h.auth(),
    payload: session('closed-1', true),
  });
  assert.equal(resent.statusCode, 200, resent.body);
  assert.equal(resent.json().accepted, 0);
  const native = (await h.request({ method: 'GET', url: '/v1/sessions/closed-1', headers: h.auth() })).json();
  assert.ok(native.anonymized);
  assert.equal(native.guest.email, undefined);
});

test('webhook registration: 409 with the bare id, URL and event type checks, tenants apart', async () => {
  const body = {
    eventTypes: ['SessionCreated', 'SessionEnded'],
    callbackUrl: 'https://hooks.example.com/mluvii',
  };
  const created = await call('POST', '/api/v1/Webhooks', body);
  assert.equal(created.statusCode, 201, created.body);
  const hook = { id: created.json<number>() };
  assert.ok(Number.isInteger(hook.id), created.body);
  assert.match(String(created.headers['x-switchboard-webhook-secret']), /^whsec_/);
  const dup = await call('POST', '/api/v1/webhooks', {
    ...body,
    eventTypes: ['sessionended', 'SessionCreated'],
  });
  assert.equal(dup.statusCode, 409);
  assert.equal(dup.body, String(hook.id));
  assert.equal(JSON.parse(dup.body), hook.id);
  for (const callbackUrl of ['ftp://example.com/x', 'not a url', '/relative/path', 'javascript:alert(1)']) {
    const bad = await call('POST', '/api/v1/Webhooks', { ...body, callbackUrl });
    assert.equal(bad.statusCode, 400, callbackUrl);
    assert.ok(bad.json().errors.callbackUrl, bad.body);
  }
  const unknownType = await call('POST', '/api/v1/Webhooks', { ...body, eventTypes: ['SessionExploded'] });
  assert.ok(unknownType.json().errors.eventTypes);
  assert.equal((await call('POST', '/api/v1/Webhooks', { ...body, eventTypes: [] })).statusCode, 400);
  assert.deepEqual((await call('GET', '/api/v1/Webhooks')).json(), [
    { id: hook.id, eventTypes: ['SessionCreated', 'SessionEnded'], callbackUrl: body.callbackUrl },
  ]);
  assert.deepEqual((await call('GET', '/api/v1/Webhooks', undefined, h.other)).json(), []);
  assert.equal((await call('PUT', `/api/v1/Webhooks/${hook.id}`, body, h.other)).statusCode, 404);
  assert.equal((await call('DELETE', `/api/v1/Webhooks/${hook.id}`, undefined, h.other)).statusCode, 404);
  assert.equal(
    (await call('GET', `/api/v1/Webhooks/${hook.id}/deliveries`, undefined, h.other)).statusCode,
    404,
  );
  const updated = await call('PUT', `/api/v1/Webhooks/${hook.id}`, {
    eventTypes: ['SessionStarted'],
    callbackUrl: 'https://hooks.example.com/updated',
  });
  assert.equal(updated.statusCode, 204);
  assert.deepEqual((await call('GET', `/api/v1/Webhooks/${hook.id}`)).json().eventTypes, ['SessionStarted']);
  assert.equal((await call('PUT', '/api/v1/Webhooks/abc', body)).statusCode, 404);
  assert.equal((await call('DELETE', `/api/v1/Webhooks/${hook.id}`)).statusCode, 204);
  assert.equal((await call('DELETE', `/api/v1/Webhooks/${hook.id}`)).statusCode, 404);
});

test('webhooks in: mluvii payloads mirror a session; duplicates harmless; bad payloads 400', async () => {
  const payloads = [
    { eventType: 'SessionCreated', data: { id: 777, tenantId: 5, channel: 'Chat', source: 'Default' } },
    {
      eventType: 'SessionStarted',
      data: { id: 777, tenantId: 5, channel: 'Chat', source: 'Default', started: T(30) },
    },
    {
      eventType: 'SessionOperatorJoined',
      data: { id: 777, tenantId: 5, userId: 42, channel: 'Chat', source: 'Default', time: T(30) },
    },
    {
      eventType: 'SessionActivityChatMessage',
      data: { sessionId: 777, activityId: 1, time: T(40), type: 'ChatMessage', client: 'Guest', text: 'hi' },
    },
    { eventType: 'SessionForwarded', data: { id: 777, tenantId: 5, time: T(50), operatorGroupId: 3 } },
    { eventType: 'SessionEnded', data: { id: 777, tenantId: 5, started: T(30), ended: T(90) } },
    { eventType: 'SessionOperatorLeft', data: { id: 777, tenantId: 5, userId: 42, time: T(90) } },
    { eventType: 'SessionOperatorConcluded', data: { id: 777, tenantId: 5, userId: 42, time: T(120) } },
    { eventType: 'UserStatusChanged', data: { userId: 42, id: 42 } },
  ];
  const first = await h.request({
    method: 'POST',
    url: '/v1/intake/mluvii',
    headers: h.auth(),
    payload: payloads.slice(0, 4),
  });
  assert.equal(first.statusCode, 200, first.body);
  assert.equal(first.json().accepted, 4);
  for (const p of payloads.slice(3)) {
    const one = await h.request({ method: 'POST', url: '/v1/intake/mluvii', headers: h.auth(), payload: p });
    assert.equal(one.statusCode, 200, one.body);
  }
  const again = await h.request({
    method: 'POST',
    url: '/v1/intake/mluvii',
    headers: h.auth(),
    payload: payloads,
  });
  assert.deepEqual(again.json(), { accepted: 0, duplicates: 8, ignored: 1 });
  const s = (await h.request({ method: 'GET', url: '/v1/sessions/mluvii-777', headers: h.auth() })).json();
  assert.equal(s.channel, 'chat');
  assert.equal(s.started, T(30).replace('.000Z', '.000Z'));
  assert.equal(s.ended, T(90));
  assert.equal(s.status, 'CLOSED');
  assert.deepEqual(
    s.operators.map((o: any) => [o.userId, o.joined, o.left, o.concluded]),
    [[42, T(30), T(90), T(120)]],
  );
  assert.equal(s.stats.guestMessages, 1);
  assert.ok(s.routing.some((r: any) => r.activityType === 'ForwardedToGroup' && r.group.id === 3));
  for (const payload of [
    { eventType: 'SessionCreated' },
    { data: {} },
    { eventType: 'SessionCreated', data: { channel: 'Chat' } },
    [],
    ['x'],
  ]) {
    const bad = await h.request({
      method: 'POST',
      url: '/v1/intake/mluvii',
      headers: h.auth(),
      payload: payload,
    });
    assert.equal(bad.statusCode, 400, JSON.stringify(payload));
    assert.equal(typeof bad.json().error.message, 'string');
  }
  assert.equal(
    (await h.request({ method: 'POST', url: '/v1/intake/mluvii', payload: payloads[0] })).statusCode,
    401,
  );
  const text = await h.request({
    method: 'POST',
    url: '/v1/intake/mluvii',
    headers: { ...h.auth(), 'content-type': 'text/plain' },
    payload: 'x',
  });
  assert.equal(text.statusCode, 400);
});
