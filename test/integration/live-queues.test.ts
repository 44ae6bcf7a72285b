import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';

let h: Harness;
let now = Date.parse('2026-05-04T10:00:00Z');
let n = 0;
const ev = (sessionId: string, type: string, at: string, fields: Record<string, unknown> = {}) => ({
  id: `${sessionId}-${++n}`,
  sessionId,
  type,
  at,
  ...fields,
});
const support = { id: 1, name: 'Support' };

before(async () => {
  h = await harness({ now: () => now });
  await h.ingest([
    // Yesterday: not today.
    ev('Y', 'session.created', '2026-05-03T15:00:00Z', { channel: 'chat' }),
    ev('Y', 'routing.requested', '2026-05-03T15:00:00Z', { group: support }),
    ev('Y', 'guest.left', '2026-05-03T15:01:00Z', { state: 'LeftQueue' }),
    ev('Y', 'session.ended', '2026-05-03T15:01:00Z'),
    // Answered and abandoned earlier today.
    ev('ANS', 'session.created', '2026-05-04T08:00:00Z', { channel: 'chat' }),
    ev('ANS', 'routing.requested', '2026-05-04T08:00:00Z', { group: support }),
    ev('ANS', 'routing.assigned', '2026-05-04T08:00:05Z', { operator: { id: '7' } }),
    ev('ANS', 'routing.accepted', '2026-05-04T08:00:10Z', { operator: { id: '7' } }),
    ev('ABN', 'session.created', '2026-05-04T09:00:00Z', { channel: 'chat' }),
    ev('ABN', 'routing.requested', '2026-05-04T09:00:00Z', { group: support }),
    ev('ABN', 'guest.left', '2026-05-04T09:00:30Z', { state: 'LeftQueue' }),
    ev('ABN', 'session.ended', '2026-05-04T09:00:30Z'),
    // Waiting now: one in the queue for 2 minutes, one offered to an operator.
    ev('W1', 'session.created', '2026-05-04T09:58:00Z', { channel: 'chat' }),
    ev('W1', 'routing.requested', '2026-05-04T09:58:00Z', { group: support }),
    ev('W2', 'session.created', '2026-05-04T09:59:30Z', { channel: 'phone' }),
    ev('W2', 'routing.requested', '2026-05-04T09:59:30Z', { group: support }),
    ev('W2', 'routing.assigned', '2026-05-04T09:59:40Z', { operator: { id: '8' } }),
  ]);
  await h.ingest(
    [
      ev('THEIRS', 'session.created', '2026-05-04T09:00:00Z', { channel: 'chat' }),
      ev('THEIRS', 'routing.requested', '2026-05-04T09:00:00Z', { group: support }),
    ],
    h.other,
  );
});
after(() => h.close());

const live = (query = '', headers = h.auth()) =>
  h.request({ method: 'GET', url: `/v1/live/queues${query}`, headers });

test('security and parameters', async () => {
  await commonRouteTests(h, { method: 'GET', url: '/v1/live/queues' });
  assertError(await live('?timeZone=%2B02:00'), 400);
  assertError(await live('?zone=UTC'), 400);
});

test('now: who waits and for how long; today so far equals the analytics for today', async () => {
  const body = (await live()).json();
  assert.equal(body.asOf, '2026-05-04T10:00:00.000Z');
  assert.deepEqual(body.queues, [
    {
      queue: { id: 1, name: 'Support' },
      waiting: 2,
      longestWaitMs: 120_000,
      // W1 queued, W2 offered to operator 8, ANS accepted and talking to operator 7 without a guest yet.
      inProgress: { CREATED: 0, IN_QUEUE: 1, WAITING: 1, BCW: 1, ACTIVE: 0, ACW: 0 },
      operators: {},
      sl: { thresholdSeconds: 20, shortAbandonSeconds: 5, abandonsCount: true, goal: 0.8 },
      today: {
        offered: 4,
        answered: 1,
        abandoned: 1,
        serviceLevel: 1 / 2,
        answeredWithinSl: 1,
        slCounted: 2,
      },
    },
  ]);
  const analytics = (
    await h.request({
      method: 'GET',
      url: '/v1/analytics/queues?from=2026-05-04&to=2026-05-05&timeZone=UTC&interval=ALL',
      headers: h.auth(),
    })
  ).json().rows[0];
  const { offered, answered, abandoned, serviceLevel, answeredWithinSl, slCounted } = analytics;
  assert.deepEqual(body.queues[0].today, {
    offered,
    answered,
    abandoned,
    serviceLevel,
    answeredWithinSl,
    slCounted,
  });
  // The clock moves: the wait grows; an answer takes a session out of the queue.
  now += 30_000;
  assert.equal((await live()).json().queues[0].longestWaitMs, 150_000);
  await h.ingest([
    ev('W1', 'routing.assigned', '2026-05-04T10:00:20Z', { operator: { id: '7' } }),
    ev('W1', 'routing.accepted', '2026-05-04T10:00:25Z', { operator: { id: '7' } }),
  ]);
  const after = (await live()).json().queues[0];
  assert.equal(after.waiting, 1);
  assert.equal(after.longestWaitMs, 60_000, 'W2 has waited since 09:59:30');
  assert.deepEqual(after.inProgress, { CREATED: 0, IN_QUEUE: 0, WAITING: 1, BCW: 2, ACTIVE: 0, ACW: 0 });
  // The guest joins ANS (two-way talk), then leaves it; operator 7 wraps up (ACW) and concludes.
  await h.ingest([
    ev('ANS', 'operator.joined', '2026-05-04T10:00:11Z', { operator: { id: '7' } }),
    ev('ANS', 'guest.joined', '2026-05-04T10:00:26Z'),
  ]);
  assert.equal((await live()).json().queues[0].inProgress.ACTIVE, 1);
  await h.ingest([ev('ANS', 'session.ended', '2026-05-04T10:00:27Z')]);
  assert.deepEqual((await live()).json().queues[0].inProgress, {
    CREATED: 0,
    IN_QUEUE: 0,
    WAITING: 1,
    BCW: 1,
    ACTIVE: 0,
    ACW: 1,
  });
  await h.ingest([ev('ANS', 'operator.concluded', '2026-05-04T10:00:40Z', { operator: { id: '7' } })]);
  assert.equal((await live()).json().queues[0].inProgress.ACW, 0, 'concluded: the session is over');
  assert.equal(after.today.answered, 2);
  // Another zone's "today" starts at its own midnight: in Tokyo (+09:00) it began at 15:00 UTC yesterday.
  assert.equal((await live('?timeZone=Asia/Tokyo')).json().queues[0].today.offered, 5);
  // Another tenant sees its own queue only.
  assert.deepEqual(
    (await live('', h.auth(h.other))).json().queues.map((q: any) => [q.queue.id, q.waiting, q.today.offered]),
    [[1, 1, 1]],
  );
});

test("a queue's service-level settings reach the wallboard when they take effect", async () => {
  const start = now;
  const put = await h.request({
    method: 'PUT',
    url: '/v1/settings/service-level',
    headers: h.auth(),
    payload: { queueId: 1, thresholdSeconds: 45, shortAbandonSeconds: 10, abandonsCount: false, goal: 0.95 },
  });
  assert.equal(put.statusCode, 200, put.body);
  const validFrom = Date.parse(put.json().validFrom);
  assert.ok(validFrom > start);
  // Until the next bucket the queue keeps the settings it has.
  assert.equal((await live()).json().queues[0].sl.goal, 0.8);
  now = validFrom;
  assert.deepEqual((await live()).json().queues[0].sl, {
    thresholdSeconds: 45,
    shortAbandonSeconds: 10,
    abandonsCount: false,
    goal: 0.95,
  });
  // The other tenant's queue 1 keeps the defaults.
  assert.equal((await live('', h.auth(h.other))).json().queues[0].sl.goal, 0.8);
});
