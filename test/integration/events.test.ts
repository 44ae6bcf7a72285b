import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';
import { rng, simulateSession } from '../../src/simulator/simulate.js';
import { defaultModel } from '../../src/simulator/model.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

const created = (id: string, sessionId: string, extra: Record<string, unknown> = {}) => ({
  id,
  sessionId,
  type: 'session.created',
  at: '2026-03-02T09:00:00.000Z',
  channel: 'chat',
  ...extra,
});

async function count(sql: string, params: unknown[]): Promise<number> {
  return Number((await h.db.query<{ n: number }>(sql, params)).rows[0].n);
}
const eventCount = () => count('SELECT count(*) AS n FROM events WHERE tenant_id = $1', [h.tenant.id]);

test('security: POST /v1/events', () =>
  commonRouteTests(h, { method: 'POST', url: '/v1/events', payload: [created('sec-1', 'sec')] }));

test('a JSON batch is stored and projected; a replay is all duplicates', async () => {
  const events = simulateSession(rng(1), defaultModel, 0, Date.parse('2026-03-02T09:00:00Z'));
  assert.deepEqual(await h.ingest(events), { accepted: events.length, duplicates: 0 });
  assert.deepEqual(await h.ingest(events), { accepted: 0, duplicates: events.length });
  const row = await h.db.query<{ event_count: number }>(
    'SELECT event_count FROM sessions WHERE tenant_id = $1 AND session_id = $2',
    [h.tenant.id, events[0].sessionId],
  );
  assert.equal(row.rows[0].event_count, events.length);
});

test('NDJSON is accepted, blank lines ignored; a bad line is a 400 naming it', async () => {
  const lines = [
    created('nd-1', 'nd'),
    { id: 'nd-2', sessionId: 'nd', type: 'guest.joined', at: '2026-03-02T09:00:01Z' },
  ];
  const ok = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: { ...h.auth(), 'content-type': 'application/x-ndjson' },
    payload: lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n',
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(ok.json(), { accepted: 2, duplicates: 0 });
  const before = await eventCount();
  const bad = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: { ...h.auth(), 'content-type': 'application/x-ndjson' },
    payload: `${JSON.stringify(created('nd-3', 'nd3'))}\n{not json\n`,
  });
  const error = assertError(bad, 400, 'bad_request');
  assert.match(error.message, /line 2/);
  assert.equal(await eventCount(), before);
});

test('one invalid event rejects the whole batch and every bad event is listed', async () => {
  const before = await eventCount();
  const response = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: h.auth(),
    payload: [
      created('atomic-1', 'atomic'),
      { ...created('atomic-2', 'atomic'), type: 'session.teleported' },
      { ...created('atomic-3', 'atomic'), at: undefined },
      { ...created('atomic-4', 'atomic'), at: '02/03/2026 09:00' },
      { ...created('atomic-5', 'atomic'), channel: 'carrier-pigeon' },
      { ...created('atomic-6', 'bad session id!') },
    ],
  });
  const error = assertError(response, 400, 'validation_failed');
  const details = error.details as { index: number; field: string }[];
  assert.deepEqual([...new Set(details.map((d) => `${d.index}:${d.field}`))].sort(), [
    '1:type',
    '2:at',
    '3:at',
    '4:channel',
    '5:sessionId',
  ]);
  assert.equal(await eventCount(), before, 'nothing stored');
});

test('malformed bodies: not JSON, not an array, empty, wrong content type', async () => {
  const before = await eventCount();
  assertError(
    await h.request({
      method: 'POST',
      url: '/v1/events',
      headers: { ...h.auth(), 'content-type': 'application/json' },
      payload: '[{"id":',
    }),
    400,
    'bad_request',
  );
  assertError(
    await h.request({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: { id: 'x' } }),
    400,
    'bad_request',
  );
  assertError(
    await h.request({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: [] }),
    400,
    'bad_request',
  );
  const textual = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: { ...h.auth(), 'content-type': 'text/plain' },
    payload: 'hello',
  });
  assert.ok(textual.statusCode === 415 || textual.statusCode === 400, textual.body);
  assert.equal(await eventCount(), before);
});

test('more than 10,000 events: 413 naming the limit', async () => {
  const events = Array.from({ length: 10_001 }, (_, i) => created(`big-${i}`, `big-${i % 50}`));
  const error = assertError(
    await h.request({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: events }),
    413,
    'payload_too_large',
  );
  assert.match(error.message, /10000/);
});

test('the same id with different content is a 409 naming it, and nothing of the batch is stored', async () => {
  await h.ingest([created('dup-1', 'dup')]);
  const before = await eventCount();
  const response = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: h.auth(),
    payload: [created('dup-2', 'dup'), created('dup-1', 'dup', { channel: 'phone' })],
  });
  const error = assertError(response, 409, 'conflict');
  assert.deepEqual((error.details as { ids: string[] }).ids, ['dup-1']);
  assert.equal(await eventCount(), before);
  // Within one batch too.
  assertError(
    await h.request({
      method: 'POST',
      url: '/v1/events',
      headers: h.auth(),
      payload: [created('dup-3', 'd'), created('dup-3', 'd', { channel: 'av' })],
    }),
    409,
  );
  // Identical content with keys in another order is a duplicate, not a conflict.
  const reordered = {
    channel: 'chat',
    at: '2026-03-02T09:00:00.000Z',
    type: 'session.created',
    sessionId: 'dup',
    id: 'dup-1',
  };
  assert.deepEqual(await h.ingest([reordered]), { accepted: 0, duplicates: 1 });
});

test('events of one session in any order and any batches give the same projection', async () => {
  const events = simulateSession(rng(11), defaultModel, 0, Date.parse('2026-03-03T10:00:00Z'));
  const other = events.map((e) => ({ ...e, id: `x-${e.id}`, sessionId: `x-${e.sessionId}` }));
  await h.ingest(events);
  const reversed = [...other].reverse();
  for (let i = 0; i < reversed.length; i += 3) await h.ingest(reversed.slice(i, i + 3));
  const a = (
    await h.request({ method: 'GET', url: `/v1/sessions/${events[0].sessionId}`, headers: h.auth() })
  ).json();
  const b = (
    await h.request({ method: 'GET', url: `/v1/sessions/x-${events[0].sessionId}`, headers: h.auth() })
  ).body;
  assert.deepEqual(JSON.parse(b.replaceAll(`x-${events[0].sessionId}`, events[0].sessionId)), a);
});

test('concurrent batches touching one session lose nothing', async () => {
  const events = simulateSession(rng(12), defaultModel, 0, Date.parse('2026-03-03T11:00:00Z'));
  const chunks = events.map((e) => [e]);
  await Promise.all(chunks.map((chunk) => h.ingest(chunk)));
  const session = (
    await h.request({ method: 'GET', url: `/v1/sessions/${events[0].sessionId}`, headers: h.auth() })
  ).json();
  assert.equal(session.eventCount, events.length);
  assert.equal(session.status, 'CLOSED');
});

test('tenants are isolated: the same event id in two tenants are two events', async () => {
  await h.ingest([created('shared-id', 'shared-session')]);
  assert.deepEqual(await h.ingest([created('shared-id', 'shared-session', { channel: 'av' })], h.other), {
    accepted: 1,
    duplicates: 0,
  });
  const mine = (
    await h.request({ method: 'GET', url: '/v1/sessions/shared-session', headers: h.auth() })
  ).json();
  const theirs = (
    await h.request({ method: 'GET', url: '/v1/sessions/shared-session', headers: h.auth(h.other) })
  ).json();
  assert.equal(mine.channel, 'chat');
  assert.equal(theirs.channel, 'av');
});
