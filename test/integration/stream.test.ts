import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { assertError, harness, type Harness } from './harness.js';
import { sseConnect } from './sse-client.js';

let h: Harness;
let port: number;

before(async () => {
  h = await harness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as AddressInfo).port;
});
after(() => h.close());

/** A Server-Sent Events client on this test's server (test/integration/sse-client.ts). */
const connect = (path: string, headers: Record<string, string> = {}) => sseConnect(port, path, headers);

const t0 = Date.parse('2026-05-04T08:00:00Z');
const iso = (s: number) => new Date(t0 + s * 1000).toISOString();
let n = 0;
/** A chat session's first events: created, routed to `group`, assigned to operator 7. */
function chat(sessionId: string, group = 1) {
  n++;
  return [
    { id: `${sessionId}-c`, sessionId, type: 'session.created', at: iso(n), channel: 'chat' },
    {
      id: `${sessionId}-r`,
      sessionId,
      type: 'routing.requested',
      at: iso(n + 1),
      group: { id: group, name: `G${group}` },
    },
    { id: `${sessionId}-a`, sessionId, type: 'routing.assigned', at: iso(n + 2), operator: { id: '7' } },
  ];
}

test('authentication: header credentials or a short-lived token; anything else 401 before streaming', async () => {
  assertError(await h.request({ method: 'GET', url: '/v1/stream' }), 401);
  assertError(await h.request({ method: 'GET', url: '/v1/stream?access_token=forged' }), 401);
  assertError(await h.request({ method: 'GET', url: '/v1/stream?lastEventId=abc', headers: h.auth() }), 400);
  assertError(await h.request({ method: 'POST', url: '/v1/stream/token' }), 401);
  const token = (await h.request({ method: 'POST', url: '/v1/stream/token', headers: h.auth() })).json();
  assert.equal(token.expiresIn, 300);
  const stream = connect(`/v1/stream?access_token=${token.token}`);
  const res = await stream.opened;
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  await h.ingest(chat('tok-1'));
  const [first] = await stream.until(1);
  assert.equal(first.event, 'session');
  assert.equal(first.data.sessionId, 'tok-1');
  stream.close();
});

test('every change of the tenant, in order, as the list summaries; filters; another tenant sees none', async () => {
  const all = connect('/v1/stream', h.auth());
  const queue2 = connect('/v1/stream?queue=2', h.auth());
  const one = connect('/v1/stream?sessionId=live-b', h.auth());
  const theirs = connect('/v1/stream', h.auth(h.other));
  await Promise.all([all.opened, queue2.opened, one.opened, theirs.opened]);
  await h.ingest(chat('live-a', 1));
  await h.ingest(chat('live-b', 2));
  await h.ingest([{ id: 'live-a-e', sessionId: 'live-a', type: 'session.ended', at: iso(50) }]);
  const events = await all.until(3);
  assert.deepEqual(
    events.map((e) => [e.event, e.data.sessionId]),
    [
      ['session', 'live-a'],
      ['session', 'live-b'],
      ['session', 'live-a'],
    ],
  );
  const ids = events.map((e) => Number(e.id));
  assert.ok(ids[0] < ids[1] && ids[1] < ids[2], 'ids increase');
  assert.equal(events[2].data.status, 'CLOSED');
  const listed = (await h.request({ method: 'GET', url: '/v1/sessions/live-b', headers: h.auth() })).json();
  assert.equal(events[1].data.status, listed.status);
  assert.deepEqual(events[1].data.groups, listed.groups);
  assert.deepEqual(
    (await queue2.until(1)).map((e) => e.data.sessionId),
    ['live-b'],
  );
  assert.deepEqual(
    (await one.until(1)).map((e) => e.data.sessionId),
    ['live-b'],
  );
  await h.ingest(chat('theirs-1'), h.other);
  assert.deepEqual(
    (await theirs.until(1)).map((e) => e.data.sessionId),
    ['theirs-1'],
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(all.events.length, 3, 'no other tenant’s change');
  assert.equal(queue2.events.length, 1);
  for (const s of [all, queue2, one, theirs]) s.close();
});

test('resume with Last-Event-ID: every change since, once, then live; an expired id gets a reset', async () => {
  const first = connect('/v1/stream', h.auth());
  await first.opened;
  await h.ingest(chat('resume-1'));
  const [seen] = await first.until(1);
  first.close();
  // While disconnected.
  await h.ingest(chat('resume-2'));
  await h.ingest(chat('resume-3'));
  const second = connect('/v1/stream', { ...h.auth(), 'last-event-id': seen.id! });
  await second.opened;
  await second.until(2);
  await h.ingest(chat('resume-4'));
  const events = await second.until(3);
  assert.deepEqual(
    events.map((e) => e.data.sessionId),
    ['resume-2', 'resume-3', 'resume-4'],
  );
  assert.equal(new Set(events.map((e) => e.id)).size, 3, 'no duplicates');
  second.close();

  // The 24-hour window passed for the oldest changes: a resume before it is told.
  await h.db.query('DELETE FROM session_changes WHERE id <= $1', [Number(seen.id)]);
  const late = connect(`/v1/stream?lastEventId=1`, h.auth());
  await late.opened;
  const [reset] = await late.until(1);
  assert.equal(reset.event, 'reset');
  assert.ok(reset.data.oldestKept > 1);
  late.close();
});

test('a stalled subscriber slows neither intake nor the others', async () => {
  const stalled = connect('/v1/stream', h.auth());
  const res = await stalled.opened;
  res.pause();
  const reader = connect('/v1/stream', h.auth());
  await reader.opened;
  const count = 300;
  for (let i = 0; i < count; i += 50) {
    const batch = [];
    for (let j = i; j < i + 50; j++) batch.push(...chat(`bulk-${j}`));
    await h.ingest(batch);
  }
  const events = await reader.until(count);
  assert.deepEqual(
    events.map((e) => e.data.sessionId),
    Array.from({ length: count }, (_, i) => `bulk-${i}`),
  );
  stalled.close();
  reader.close();
});

test('queue snapshots: every queue on connecting, then each change; the queue filter; not for one session', async () => {
  const all = connect('/v1/stream?timeZone=Europe/Prague', h.auth());
  const queue5 = connect('/v1/stream?queue=5', h.auth());
  const one = connect('/v1/stream?sessionId=snap-1', h.auth());
  await Promise.all([all.opened, queue5.opened, one.opened]);
  // On connecting: every queue the tenant has, as GET /v1/live/queues shows it.
  const live = (
    await h.request({ method: 'GET', url: '/v1/live/queues?timeZone=Europe/Prague', headers: h.auth() })
  ).json();
  assert.ok(live.queues.length > 0);
  for (const q of live.queues) {
    const snapshot = await all.queue((d) => d.queue.id === q.queue.id);
    assert.deepEqual(Object.keys(snapshot.data).sort(), Object.keys(q).sort());
    assert.match(snapshot.id!, /^[0-9]+$/, 'a resume point, never a random id');
  }
  // A session routed to queue 5: its snapshot follows, with one more waiting.
  await h.ingest(chat('snap-1', 5));
  const withoutWait = (q: Record<string, unknown>) => ({ ...q, longestWaitMs: null });
  const five = await all.queue((d) => d.queue.id === 5 && d.waiting === 1);
  assert.equal(five.data.queue.name, 'G5');
  const api = (
    await h.request({ method: 'GET', url: '/v1/live/queues?timeZone=Europe/Prague', headers: h.auth() })
  )
    .json()
    .queues.find((q: any) => q.queue.id === 5);
  assert.deepEqual(
    withoutWait(five.data),
    withoutWait(api),
    'the snapshot is the live queue (the wait runs on with the clock)',
  );
  assert.deepEqual(
    withoutWait((await queue5.queue((d) => d.waiting === 1)).data),
    withoutWait(five.data),
    'the queue filter gets the same snapshot',
  );
  assert.ok(
    queue5.queues.every((e) => e.data.queue.id === 5),
    'only queue 5',
  );
  // The snapshot's id resumes without loss or repeats: nothing was missed, so nothing is replayed.
  const resumed = connect('/v1/stream', { ...h.auth(), 'last-event-id': five.id! });
  await resumed.opened;
  await h.ingest(chat('snap-2', 5));
  const [next] = await resumed.until(1);
  assert.equal(next.data.sessionId, 'snap-2');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(one.queues.length, 0, 'a one-session subscriber gets no queue snapshots');
  assertError(
    await h.request({ method: 'GET', url: '/v1/stream?timeZone=Mars/Base', headers: h.auth() }),
    400,
  );
  for (const s of [all, queue5, one, resumed]) s.close();
});
