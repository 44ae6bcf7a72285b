import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';
import { runRetention } from '../../src/retention/run.js';
import { sessionCount } from '../../src/sessions/repository.js';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
let h: Harness;

const iso = (ms: number) => new Date(ms).toISOString();

/** A closed phone session `ageDays` old with a guest, a caller number, a message and a recording. */
function session(id: string, ageDays: number, guest: Record<string, string> = {}, from?: string) {
  const t = NOW - ageDays * DAY;
  return [
    {
      id: `${id}-1`,
      sessionId: id,
      type: 'session.created',
      at: iso(t),
      channel: 'phone',
      source: 'IncomingCall',
      guest: { language: 'cs', ...guest },
      ...(from ? { telephony: { from, to: '+420200000000' } } : {}),
    },
    { id: `${id}-2`, sessionId: id, type: 'guest.joined', at: iso(t + 1000) },
    {
      id: `${id}-3`,
      sessionId: id,
      type: 'routing.requested',
      at: iso(t + 2000),
      group: { id: 1, name: 'Support' },
    },
    { id: `${id}-4`, sessionId: id, type: 'routing.assigned', at: iso(t + 5000), operator: { id: '7' } },
    { id: `${id}-5`, sessionId: id, type: 'routing.accepted', at: iso(t + 8000), operator: { id: '7' } },
    { id: `${id}-6`, sessionId: id, type: 'operator.joined', at: iso(t + 8000), operator: { id: '7' } },
    {
      id: `${id}-7`,
      sessionId: id,
      type: 'message',
      at: iso(t + 9000),
      from: 'guest',
      text: 'my number is 777 123 456',
    },
    {
      id: `${id}-8`,
      sessionId: id,
      type: 'recording.available',
      at: iso(t + 60_000),
      recording: { id: 'rec', contentType: 'audio/wav', durationMs: 50_000 },
    },
    { id: `${id}-9`, sessionId: id, type: 'session.ended', at: iso(t + 61_000) },
  ];
}

const get = (url: string, headers = h.auth()) => h.request({ method: 'GET', url, headers });
const put = (url: string, payload: unknown, headers = h.auth()) =>
  h.request({ method: 'PUT', url, headers, payload: payload as string });

async function upload(sessionId: string, t = h.tenant) {
  const response = await h.request({
    method: 'PUT',
    url: `/v1/sessions/${sessionId}/files/rec`,
    headers: { ...h.auth(t), 'content-type': 'audio/wav' },
    payload: Buffer.from('RIFF....WAVEfmt the guest speaking'),
  });
  assert.ok(response.statusCode < 300, response.body);
}

async function rows(table: string, sessionId: string, tenantId = h.tenant.id) {
  const result = await h.db.query<{ n: number }>(
    `SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1 AND session_id = $2`,
    [tenantId, sessionId],
  );
  return Number(result.rows[0].n);
}

before(async () => {
  h = await harness({ now: () => NOW });
  for (const [id, age] of [
    ['old-1', 400],
    ['old-2', 100],
    ['mid-1', 20],
    ['new-1', 2],
  ] as const) {
    await h.ingest(
      session(id, age, { identity: `guest-${id}`, phone: '+420 777 000 111', email: `${id}@example.org` }),
    );
    await upload(id);
  }
  await h.ingest(session('old-other', 400, { email: 'x@example.org' }), h.other);
});
after(() => h.close());

test('security: the retention and erasure routes', async () => {
  await commonRouteTests(h, { method: 'GET', url: '/v1/settings/retention' });
  await commonRouteTests(h, { method: 'PUT', url: '/v1/settings/retention', payload: {} });
  await commonRouteTests(h, { method: 'GET', url: '/v1/erasures' });
  await commonRouteTests(h, { method: 'POST', url: '/v1/erasures', payload: { email: 'a@b.c' } });
});

test('a policy: all null by default, set per tenant, every field required and bounded', async () => {
  const none = { deleteAfterDays: null, anonymizeAfterDays: null, webhookLogDays: null };
  assert.deepEqual((await get('/v1/settings/retention')).json(), none);
  for (const bad of [
    { deleteAfterDays: 0, anonymizeAfterDays: null, webhookLogDays: null },
    { deleteAfterDays: 'ten', anonymizeAfterDays: null, webhookLogDays: null },
    { deleteAfterDays: 1.5, anonymizeAfterDays: null, webhookLogDays: null },
    { deleteAfterDays: 40000, anonymizeAfterDays: null, webhookLogDays: null },
    { deleteAfterDays: 30 },
    { ...none, keepForever: true },
  ]) {
    assertError(await put('/v1/settings/retention', bad), 400);
  }
  assert.deepEqual((await get('/v1/settings/retention')).json(), none, 'nothing written by a bad request');
  const policy = { deleteAfterDays: 365, anonymizeAfterDays: null, webhookLogDays: 30 };
  assert.deepEqual((await put('/v1/settings/retention', policy)).json(), policy);
  assert.deepEqual((await get('/v1/settings/retention')).json(), policy);
  assert.deepEqual((await get('/v1/settings/retention', h.auth(h.other))).json(), none);
  assert.deepEqual((await put('/v1/settings/retention', none)).json(), none);
});

test('retention deletes what is older than the policy: rows, events, bytes, payloads; counters exact', async () => {
  assert.deepEqual(await runRetention(h.db, h.app.switchboard.blobs, { now: () => NOW }), {
    ran: true,
    tenants: [],
  });
  const beforeCount = await sessionCount(h.db, h.tenant.id);
  await put('/v1/settings/retention', {
    deleteAfterDays: 365,
    anonymizeAfterDays: null,
    webhookLogDays: null,
  });
  // Another tenant's policy never touches this tenant, and the reverse.
  const report = await runRetention(h.db, h.app.switchboard.blobs, { now: () => NOW, batch: 1 });
  assert.deepEqual(report, {
    ran: true,
    tenants: [{ tenantId: h.tenant.id, deleted: 1, anonymized: 0, deliveriesPruned: 0 }],
  });
  for (const table of ['sessions', 'events', 'files']) assert.equal(await rows(table, 'old-1'), 0, table);
  assert.equal((await get('/v1/sessions/old-1')).statusCode, 404);
  assert.equal((await get('/v1/sessions/old-1/files/rec')).statusCode, 404);
  assert.equal(await sessionCount(h.db, h.tenant.id), beforeCount - 1);
  assert.equal(await rows('sessions', 'old-other', h.other.id), 1, 'the other tenant keeps its old session');
  for (const id of ['old-2', 'mid-1', 'new-1']) {
    assert.equal((await get(`/v1/sessions/${id}/files/rec`)).statusCode, 200, id);
  }
  // Again: nothing left to do.
  const again = await runRetention(h.db, h.app.switchboard.blobs, { now: () => NOW });
  assert.equal(again.ran && again.tenants[0].deleted, 0);
});

test('one server at a time: a live lease elsewhere skips the run; an expired one is taken over', async () => {
  await h.db.query(`INSERT INTO job_leases (name, holder, until) VALUES ('retention', 'server-b', $1)`, [
    new Date(NOW + 60_000),
  ]);
  assert.deepEqual(
    await runRetention(h.db, h.app.switchboard.blobs, { now: () => NOW, holder: 'server-a' }),
    {
      ran: false,
      heldBy: 'server-b',
    },
  );
  const later = await runRetention(h.db, h.app.switchboard.blobs, {
    now: () => NOW + 120_000,
    holder: 'server-a',
  });
  assert.equal(later.ran, true);
  const left = await h.db.query(`SELECT * FROM job_leases WHERE name = 'retention'`);
  assert.equal(left.rowCount, 0, 'released after the run');
});

test('anonymisation after N days: personal data gone, durations kept, each session once', async () => {
  const before = (await get('/v1/sessions/old-2')).json();
  await put('/v1/settings/retention', {
    deleteAfterDays: null,
    anonymizeAfterDays: 10,
    webhookLogDays: null,
  });
  const report = await runRetention(h.db, h.app.switchboard.blobs, { now: () => NOW, batch: 1 });
  assert.equal(report.ran && report.tenants[0].anonymized, 2, JSON.stringify(report));
  const after = (await get('/v1/sessions/old-2')).json();
  assert.deepEqual(after.durations, before.durations);
  assert.deepEqual(after.guest, { language: 'cs' });
  assert.ok(after.anonymized);
  const events = await h.db.query<{ body: unknown }>(
    'SELECT body FROM events WHERE tenant_id = $1 AND session_id = $2',
    [h.tenant.id, 'old-2'],
  );
  const text = JSON.stringify(events.rows);
  assert.ok(
    !text.includes('777') && !text.includes('old-2@example.org') && !text.includes('guest-old-2'),
    text,
  );
  assert.ok((await get('/v1/sessions/new-1')).json().guest.email, 'a recent session keeps its guest');
  const again = await runRetention(h.db, h.app.switchboard.blobs, { now: () => NOW });
  assert.equal(again.ran && again.tenants[0].anonymized, 0);
  await put('/v1/settings/retention', {
    deleteAfterDays: null,
    anonymizeAfterDays: null,
    webhookLogDays: null,
  });
});

test('webhook logs: finished deliveries older than N days are pruned, pending ones never', async () => {
  // Deliveries come from a webhook registered through the API, as a client would.
  const token = (
    await h.request({
      method: 'POST',
      url: '/login/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
    })
  ).json().access_token;
  const created = await h.request({
    method: 'POST',
    url: '/api/v1/Webhooks',
    headers: { authorization: `Bearer ${token}` },
    payload: { eventTypes: ['SessionCreated', 'SessionEnded'], callbackUrl: 'https://hooks.example.com/x' },
  });
  assert.equal(created.statusCode, 201, created.body);
  await h.ingest(session('hooked-1', 1));
  await h.ingest(session('hooked-2', 1));
  const all = await h.db.query<{ id: number; session_id: string }>(
    'SELECT id, session_id FROM webhook_deliveries WHERE tenant_id = $1 ORDER BY id',
    [h.tenant.id],
  );
  assert.ok(all.rows.length >= 4);
  // hooked-1's deliveries finished 40 days ago; hooked-2's are pending and just as old.
  await h.db.query(
    `UPDATE webhook_deliveries SET created_at = $2,
       status = CASE WHEN session_id = 'hooked-1' THEN 'delivered' ELSE 'pending' END
      WHERE tenant_id = $1`,
    [h.tenant.id, new Date(NOW - 40 * DAY)],
  );
  await put('/v1/settings/retention', {
    deleteAfterDays: null,
    anonymizeAfterDays: null,
    webhookLogDays: 30,
  });
  const report = await runRetention(h.db, h.app.switchboard.blobs, { now: () => NOW, batch: 1 });
  const finished = all.rows.filter((r) => r.session_id === 'hooked-1').length;
  assert.equal(report.ran && report.tenants[0].deliveriesPruned, finished);
  assert.equal(await rows('webhook_deliveries', 'hooked-1'), 0);
  assert.equal(await rows('webhook_deliveries', 'hooked-2'), all.rows.length - finished);
  await put('/v1/settings/retention', {
    deleteAfterDays: null,
    anonymizeAfterDays: null,
    webhookLogDays: null,
  });
});

test('erasure by guest: every matching session anonymised, bytes and payloads gone, an audit without the data', async () => {
  await h.ingest(session('erase-a', 5, { email: 'Jana.Novak@Example.com' }));
  await h.ingest(session('erase-b', 3, { identity: 'crm-42', email: 'jana.novak@example.com' }));
  await h.ingest(session('erase-c', 1, {}, '+420 603 111 222'));
  await h.ingest(session('keep-d', 1, { email: 'someone.else@example.com' }));
  await h.ingest(session('other-e', 1, { email: 'jana.novak@example.com' }), h.other);
  await upload('erase-a');

  for (const bad of [{}, { email: 'a@b.c', phone: '1' }, { name: 'Jana' }, { phone: '---' }, { email: '' }]) {
    assertError(
      await h.request({ method: 'POST', url: '/v1/erasures', headers: h.auth(), payload: bad }),
      400,
    );
  }
  const erased = await h.request({
    method: 'POST',
    url: '/v1/erasures',
    headers: h.auth(),
    payload: { email: 'JANA.NOVAK@example.com' },
  });
  assert.equal(erased.statusCode, 201, erased.body);
  const audit = erased.json();
  assert.equal(audit.matchedBy, 'email');
  assert.deepEqual(audit.sessionIds, ['erase-a', 'erase-b']);
  assert.equal(audit.requestedBy, h.tenant.credentials.clientId);
  assert.ok(!erased.body.toLowerCase().includes('jana'), 'the audit never holds the erased value');
  for (const id of ['erase-a', 'erase-b']) {
    const s = (await get(`/v1/sessions/${id}`)).json();
    assert.deepEqual(s.guest, { language: 'cs' }, id);
    assert.equal(await rows('webhook_deliveries', id), 0);
  }
  assert.equal((await get('/v1/sessions/erase-a/files/rec')).statusCode, 404, 'recording bytes deleted');
  assert.ok((await get('/v1/sessions/erase-a')).json().recordings[0].deleted);
  assert.equal((await get('/v1/sessions/keep-d')).json().guest.email, 'someone.else@example.com');
  assert.equal(
    (await get('/v1/sessions/other-e', h.auth(h.other))).json().guest.email,
    'jana.novak@example.com',
  );

  const byPhone = await h.request({
    method: 'POST',
    url: '/v1/erasures',
    headers: h.auth(),
    payload: { phone: '+420603111222' },
  });
  assert.deepEqual(byPhone.json().sessionIds, ['erase-c']);
  assert.equal((await get('/v1/sessions/erase-c')).json().telephony.from, undefined);
  const again = await h.request({
    method: 'POST',
    url: '/v1/erasures',
    headers: h.auth(),
    payload: { email: 'jana.novak@example.com' },
  });
  assert.deepEqual(again.json().sessionIds, [], 'nothing left to erase');
  const list = (await get('/v1/erasures')).json().items;
  assert.deepEqual(
    list.map((e: { matchedBy: string }) => e.matchedBy),
    ['email', 'phone', 'email'],
  );
  assert.deepEqual((await get('/v1/erasures', h.auth(h.other))).json().items, []);
});

test('erasure checks the exact key: a hash collision in the index never erases another guest', async () => {
  const local = await harness({ now: () => NOW });
  try {
    // The worst collision there can be: every session's keys hash to the one erased.
    await local.db.query(
      `CREATE OR REPLACE FUNCTION personal_key_hashes(keys text[]) RETURNS bigint[]
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ARRAY[hashtextextended('e:victim@example.org', 0)] $$`,
    );
    await local.ingest(session('victim', 2, { email: 'victim@example.org' }));
    await local.ingest(session('bystander', 1, { email: 'bystander@example.org' }));
    const candidates = await local.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM sessions WHERE tenant_id = $1
          AND personal_key_hashes(session_personal_keys(doc)) @> ARRAY[hashtextextended('e:victim@example.org', 0)]`,
      [local.tenant.id],
    );
    assert.equal(Number(candidates.rows[0].n), 2, 'both sessions are candidates');
    const erased = await local.request({
      method: 'POST',
      url: '/v1/erasures',
      headers: local.auth(),
      payload: { email: 'victim@example.org' },
    });
    assert.equal(erased.statusCode, 201, erased.body);
    assert.deepEqual(erased.json().sessionIds, ['victim']);
    const bystander = await local.request({
      method: 'GET',
      url: '/v1/sessions/bystander',
      headers: local.auth(),
    });
    assert.equal(bystander.json().guest.email, 'bystander@example.org');
  } finally {
    await local.close();
  }
});
