import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';
import { sseConnect } from './sse-client.js';
import { rebuildAnalytics } from '../../src/analytics/rebuild.js';

let h: Harness;
let port: number;
let clock = Date.parse('2026-05-04T12:00:00Z');

before(async () => {
  h = await harness({ now: () => clock });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as AddressInfo).port;
});
after(() => h.close());

const MIN = 60_000;
let seq = 0;
/** An operator.state event; ids sort in the order they are made. */
function st(operator: string, at: string, state: string, extra: Record<string, unknown> = {}) {
  seq++;
  return {
    id: `os-${String(seq).padStart(5, '0')}`,
    type: 'operator.state',
    at,
    operator: { id: operator, firstName: 'Jana', lastName: operator },
    state,
    ...extra,
  };
}

async function live(tenant = h.tenant) {
  const r = await h.request({ method: 'GET', url: '/v1/live/operators', headers: h.auth(tenant) });
  assert.equal(r.statusCode, 200, r.body);
  return r.json<{
    asOf: string;
    operators: {
      operator: { id: string; userId: number; name: string };
      state: string;
      since: string;
      reason: string | null;
      paid: boolean | null;
      sessions: string[];
    }[];
  }>();
}

async function report(query: string, tenant = h.tenant) {
  const r = await h.request({
    method: 'GET',
    url: `/v1/analytics/operators?${query}`,
    headers: h.auth(tenant),
  });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().rows as any[];
}

test('the live route and the stream follow an operator through their states', async () => {
  await commonRouteTests(h, { method: 'GET', url: '/v1/live/operators' });
  const stream = sseConnect(port, '/v1/stream?operator=op-move', h.auth());
  await stream.opened;
  clock = Date.parse('2026-05-04T09:00:00Z');
  await h.ingest([st('op-move', '2026-05-04T08:00:00Z', 'ONLINE')]);
  let now = await live();
  assert.deepEqual(
    now.operators.map((o) => [o.operator.id, o.state, o.since]),
    [['op-move', 'ONLINE', '2026-05-04T08:00:00.000Z']],
  );
  assert.equal(now.operators[0].operator.name, 'Jana op-move');
  // A session the operator joins: the live route lists it while the operator has not concluded.
  await h.ingest([
    { id: 'mv-1', sessionId: 'mv-s', type: 'session.created', at: '2026-05-04T08:10:00Z', channel: 'chat' },
    {
      id: 'mv-2',
      sessionId: 'mv-s',
      type: 'routing.requested',
      at: '2026-05-04T08:10:01Z',
      group: { id: 3, name: 'Sales' },
    },
    {
      id: 'mv-3',
      sessionId: 'mv-s',
      type: 'routing.assigned',
      at: '2026-05-04T08:10:02Z',
      operator: { id: 'op-move' },
    },
    {
      id: 'mv-4',
      sessionId: 'mv-s',
      type: 'routing.accepted',
      at: '2026-05-04T08:10:03Z',
      operator: { id: 'op-move' },
    },
    {
      id: 'mv-5',
      sessionId: 'mv-s',
      type: 'operator.joined',
      at: '2026-05-04T08:10:03Z',
      operator: { id: 'op-move' },
    },
    st('op-move', '2026-05-04T08:10:03Z', 'ON_CALL'),
  ]);
  now = await live();
  assert.deepEqual(now.operators[0].sessions, ['mv-s']);
  assert.equal(now.operators[0].state, 'ON_CALL');
  const queues = (await h.request({ method: 'GET', url: '/v1/live/queues', headers: h.auth() })).json();
  assert.deepEqual(queues.queues.find((q: any) => q.queue.id === 3).operators, { ON_CALL: 1 });
  await h.ingest([
    { id: 'mv-6', sessionId: 'mv-s', type: 'session.ended', at: '2026-05-04T08:20:00Z' },
    {
      id: 'mv-7',
      sessionId: 'mv-s',
      type: 'operator.left',
      at: '2026-05-04T08:20:00Z',
      operator: { id: 'op-move' },
    },
    st('op-move', '2026-05-04T08:20:00Z', 'AFTER_CALL'),
  ]);
  await h.ingest([
    {
      id: 'mv-8',
      sessionId: 'mv-s',
      type: 'operator.concluded',
      at: '2026-05-04T08:21:00Z',
      operator: { id: 'op-move' },
    },
    st('op-move', '2026-05-04T08:21:00Z', 'ONLINE'),
  ]);
  // The same state again does not move `since` and is not announced.
  await h.ingest([st('op-move', '2026-05-04T08:25:00Z', 'ONLINE')]);
  await h.ingest([st('op-move', '2026-05-04T08:30:00Z', 'BREAK', { reason: 'Lunch', paid: true })]);
  now = await live();
  assert.deepEqual(
    now.operators.map((o) => [o.state, o.since, o.reason, o.paid, o.sessions]),
    [['BREAK', '2026-05-04T08:30:00.000Z', 'Lunch', true, []]],
  );
  // The operator filter also passes the sessions of that operator; the operator events come in order.
  const deadline = Date.now() + 10_000;
  while (stream.events.filter((e) => e.event === 'operator').length < 5 && Date.now() < deadline)
    await stream.until(stream.events.length + 1).catch(() => undefined);
  const events = stream.events.filter((e) => e.event === 'operator');
  assert.deepEqual(
    events.map((e) => [e.event, e.data.operator.id, e.data.state, e.data.since]),
    [
      ['operator', 'op-move', 'ONLINE', '2026-05-04T08:00:00.000Z'],
      ['operator', 'op-move', 'ON_CALL', '2026-05-04T08:10:03.000Z'],
      ['operator', 'op-move', 'AFTER_CALL', '2026-05-04T08:20:00.000Z'],
      ['operator', 'op-move', 'ONLINE', '2026-05-04T08:21:00.000Z'],
      ['operator', 'op-move', 'BREAK', '2026-05-04T08:30:00.000Z'],
    ],
  );
  // Resuming after the second change replays the rest, in order, once.
  const resumed = sseConnect(port, '/v1/stream?operator=op-move', {
    ...h.auth(),
    'last-event-id': events[1].id!,
  });
  await resumed.opened;
  const all = await resumed.until(stream.events.filter((e) => Number(e.id) > Number(events[1].id)).length);
  assert.deepEqual(
    all.filter((e) => e.event === 'operator').map((e) => e.data.state),
    ['AFTER_CALL', 'ONLINE', 'BREAK'],
  );
  assert.deepEqual(
    all.map((e) => e.id),
    stream.events.filter((e) => Number(e.id) > Number(events[1].id)).map((e) => e.id),
  );
  stream.close();
  resumed.close();
  // Today so far in the analytics equals the live state: 08:30 → 09:00 on a paid break.
  const [row] = (await report('from=2026-05-04&to=2026-05-05&timeZone=UTC&interval=ALL')).filter(
    (r) => r.operator.id === 'op-move',
  );
  assert.equal(row.breakMs, clock - Date.parse(now.operators[0].since));
  assert.equal(row.breakPaidMs, 30 * MIN);
  assert.equal(row.stateMs.ON_CALL, Date.parse('2026-05-04T08:20:00Z') - Date.parse('2026-05-04T08:10:03Z'));
  assert.equal(row.stateMs.AFTER_CALL, MIN);
  assert.equal(row.availableMs, 10 * MIN + 3000 + 9 * MIN);
  assert.equal(row.loggedInMs, 60 * MIN);
  assert.equal(row.handlingMs, 11 * MIN - 3000);
  assert.equal(row.occupancy, row.handlingMs / (row.handlingMs + row.availableMs));
  // Another tenant sees none of it.
  assert.deepEqual((await live(h.other)).operators, []);
});

test('state time is split exactly at 15-minute boundaries, and a late event re-splits it', async () => {
  clock = Date.parse('2026-05-05T10:00:00Z');
  const events = [
    st('op-q', '2026-05-05T09:10:00Z', 'ONLINE'),
    st('op-q', '2026-05-05T09:20:00Z', 'BREAK', { reason: 'Coffee' }),
    st('op-q', '2026-05-05T09:40:00Z', 'OFFLINE'),
  ];
  const late = st('op-q', '2026-05-05T09:25:00Z', 'AWAY');
  // Tenant one: in order, the late event last. Tenant two: everything at once, reversed.
  await h.ingest(events);
  await h.ingest([late]);
  await h.ingest([late, ...events].reverse(), h.other);
  const q = 'from=2026-05-05T09:00:00Z&to=2026-05-05T10:00:00Z&timeZone=UTC&interval=PT15M';
  const mine = (await report(q)).filter((r) => r.operator.id === 'op-q');
  const theirs = (await report(q, h.other)).filter((r) => r.operator.id === 'op-q');
  assert.deepEqual(
    mine.map((r) => [
      r.availableMs / MIN,
      r.breakMs / MIN,
      r.awayMs / MIN,
      r.stateMs.OFFLINE / MIN,
      r.loggedInMs / MIN,
    ]),
    [
      [5, 0, 0, 0, 5],
      [5, 5, 5, 0, 15],
      [0, 0, 10, 5, 10],
      [0, 0, 0, 15, 0],
    ],
  );
  assert.deepEqual(mine, theirs);
  assert.equal(mine[1].breakUnpaidMs, 5 * MIN);
  assert.equal(mine[1].occupancy, 0);
  const [now] = (await live()).operators.filter((o) => o.operator.id === 'op-q');
  assert.deepEqual([now.state, now.since], ['OFFLINE', '2026-05-05T09:40:00.000Z']);
  for (const r of await rebuildAnalytics(h.db)) assert.equal(r.differingRows, 0, JSON.stringify(r));
  // The day's timeline: the state at `from`, each change, the current state up to now.
  const timeline = await h.request({
    method: 'GET',
    url: '/v1/operators/timeline?from=2026-05-05T09:15:00Z&to=2026-05-05T11:00:00Z&timeZone=UTC&operator=op-q',
    headers: h.auth(),
  });
  assert.equal(timeline.statusCode, 200, timeline.body);
  assert.deepEqual(
    timeline
      .json()
      .operators[0].segments.map((s: any) => [s.state, s.reason, s.from.slice(11, 16), s.to.slice(11, 16)]),
    [
      ['ONLINE', null, '09:15', '09:20'],
      ['BREAK', 'Coffee', '09:20', '09:25'],
      ['AWAY', null, '09:25', '09:40'],
      ['OFFLINE', null, '09:40', '10:00'],
    ],
  );
  await commonRouteTests(h, {
    method: 'GET',
    url: '/v1/operators/timeline?from=2026-05-05&to=2026-05-06&timeZone=UTC',
  });
  const foreign = await h.request({
    method: 'GET',
    url: '/v1/operators/timeline?from=2026-05-05&to=2026-05-06&timeZone=UTC&operator=op-move',
    headers: h.auth(h.other),
  });
  assert.deepEqual(foreign.json().operators, []);
  assertError(
    await h.request({
      method: 'GET',
      url: '/v1/operators/timeline?from=2026-01-01&to=2026-03-01&timeZone=UTC',
      headers: h.auth(),
    }),
    400,
  );
});

test('a DST day in Europe/Prague: 25 hours, state time exact', async () => {
  clock = Date.parse('2026-10-27T00:00:00Z');
  // Local midnight of 25 October is 22:00Z the day before (+02:00); 23:00 local is 22:00Z (+01:00).
  await h.ingest([
    st('op-dst', '2026-10-24T22:00:00Z', 'ONLINE'),
    st('op-dst', '2026-10-25T00:30:00Z', 'ON_CALL'),
    st('op-dst', '2026-10-25T01:30:00Z', 'ONLINE'),
    st('op-dst', '2026-10-25T22:00:00Z', 'OFFLINE'),
  ]);
  const q = 'from=2026-10-25&to=2026-10-26&timeZone=Europe/Prague';
  const [day] = (await report(`${q}&interval=P1D`)).filter((r) => r.operator.id === 'op-dst');
  assert.equal(day.start, '2026-10-25T00:00:00+02:00');
  assert.equal(day.end, '2026-10-26T00:00:00+01:00');
  assert.equal(day.loggedInMs, 24 * 60 * MIN);
  assert.equal(day.stateMs.ON_CALL, 60 * MIN);
  assert.equal(day.stateMs.OFFLINE, 60 * MIN);
  const hours = (await report(`${q}&interval=PT1H`)).filter((r) => r.operator.id === 'op-dst');
  assert.equal(hours.length, 25);
  // 02:00–03:00 happens twice: first at +02:00 (00:00Z–01:00Z), half of it on a call.
  assert.equal(hours[2].start, '2026-10-25T02:00:00+02:00');
  assert.equal(hours[2].stateMs.ON_CALL, 30 * MIN);
  assert.equal(hours[3].start, '2026-10-25T02:00:00+01:00');
  assert.equal(hours[3].stateMs.ON_CALL, 30 * MIN);
  assert.equal(
    hours.reduce((t, r) => t + r.loggedInMs, 0),
    day.loggedInMs,
  );
});

test('operator.state: validation, idempotency and conflicts, atomic with the batch', async () => {
  const bad = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: h.auth(),
    payload: [
      {
        id: 'v-1',
        type: 'operator.state',
        at: '2026-05-04T08:00:00Z',
        operator: { id: 'x' },
        state: 'SLEEPING',
      },
      { id: 'v-2', type: 'operator.state', at: '2026-05-04T08:00:00Z', state: 'ONLINE' },
      { id: 'v-3', sessionId: 'ok-1', type: 'session.created', at: '2026-05-04T08:00:00Z', channel: 'chat' },
      {
        id: 'v-4',
        type: 'operator.state',
        at: '2026-02-30T08:00:00Z',
        operator: { id: 'x' },
        state: 'ONLINE',
      },
      {
        id: 'v-5',
        sessionId: 'bad id',
        type: 'operator.state',
        at: '2026-05-04T08:00:00Z',
        operator: { id: 'x' },
        state: 'ONLINE',
      },
      {
        id: 'v-6',
        type: 'operator.state',
        at: '2026-05-04T08:00:00Z',
        operator: { id: 'x' },
        state: 'BREAK',
        paid: 'yes',
      },
      {
        id: 'v-7',
        sessionId: 'ok-2',
        type: 'session.created',
        at: '2026-05-04T08:00:00Z',
        channel: 'carrier-pigeon',
      },
    ],
  });
  const error = assertError(bad, 400, 'validation_failed');
  const details = error.details as { index: number; field: string }[];
  assert.deepEqual([...new Set(details.map((d) => d.index))], [0, 1, 3, 4, 5, 6]);
  assert.ok(details.some((d) => d.index === 0 && d.field === 'state'));
  assert.ok(details.some((d) => d.index === 1 && d.field === 'operator'));
  assert.ok(details.some((d) => d.index === 3 && d.field === 'at'));
  assert.ok(details.some((d) => d.index === 4 && d.field === 'sessionId'));
  assert.ok(details.some((d) => d.index === 5 && d.field === 'paid'));
  assert.ok(details.some((d) => d.index === 6 && d.field === 'channel'));
  assertError(await h.request({ method: 'GET', url: '/v1/sessions/ok-1', headers: h.auth() }), 404);

  const event = st('op-idem', '2026-05-04T08:00:00Z', 'ONLINE', { sessionId: 'ignored-1' });
  assert.deepEqual(await h.ingest([event, event]), { accepted: 1, duplicates: 1 });
  assert.deepEqual(await h.ingest([event]), { accepted: 0, duplicates: 1 });
  // Same id, other content: 409 naming it, and the batch's other events are not stored.
  const clash = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: h.auth(),
    payload: [
      {
        id: 'idem-s',
        sessionId: 'idem-s',
        type: 'session.created',
        at: '2026-05-04T08:00:00Z',
        channel: 'chat',
      },
      st('op-idem2', '2026-05-04T08:00:00Z', 'ONLINE'),
      { ...event, state: 'AWAY' },
    ],
  });
  assert.deepEqual((assertError(clash, 409, 'conflict').details as { ids: string[] }).ids, [event.id]);
  assertError(await h.request({ method: 'GET', url: '/v1/sessions/idem-s', headers: h.auth() }), 404);
  assert.ok(!(await live()).operators.some((o) => o.operator.id === 'op-idem2'));
  // A session id on an operator event attaches it to no session.
  assertError(await h.request({ method: 'GET', url: '/v1/sessions/ignored-1', headers: h.auth() }), 404);
});

test('mluvii UserStatusChanged webhooks become operator.state events', async () => {
  clock = Date.parse('2026-05-06T10:00:00Z');
  const post = (payload: object) =>
    h.request({ method: 'POST', url: '/v1/intake/mluvii', headers: h.auth(), payload });
  const status = (changed: string, status: string, availabilityStatus?: string, reason?: string) => ({
    eventType: 'UserStatusChanged',
    data: {
      userId: 4242,
      status,
      ...(availabilityStatus ? { availabilityStatus } : {}),
      ...(reason ? { availabilityStatusReason: reason } : {}),
      changed,
    },
  });
  const batch = [
    status('2026-05-06T08:00:00Z', 'ONLINE', 'DEFAULT'),
    status('2026-05-06T08:30:00Z', 'BUSY', 'ON_CALL'),
    status('2026-05-06T08:40:00Z', 'ONLINE', 'AWAY', 'Lunch'),
    status('2026-05-06T09:10:00Z', 'AWAY'),
    status('2026-05-06T09:20:00Z', 'ONLINE', 'DEFAULT'),
  ];
  const first = await post(batch);
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(first.json(), { accepted: 5, duplicates: 0, ignored: 0 });
  assert.deepEqual((await post(batch)).json(), { accepted: 0, duplicates: 5, ignored: 0 });
  const [me] = (await live()).operators.filter((o) => o.operator.id === '4242');
  assert.deepEqual([me.operator.userId, me.state, me.since], [4242, 'ONLINE', '2026-05-06T09:20:00.000Z']);
  const [row] = (await report('from=2026-05-06&to=2026-05-07&timeZone=UTC&interval=ALL')).filter(
    (r) => r.operator.id === '4242',
  );
  assert.deepEqual(
    [row.stateMs.ONLINE, row.stateMs.ON_CALL, row.breakMs, row.awayMs].map((ms: number) => ms / MIN),
    [30 + 40, 10, 30, 10],
  );
  // Without a time of its own a payload is dated when received; without userId it is a 400.
  clock = Date.parse('2026-05-06T10:05:00Z');
  assert.deepEqual(
    (await post({ eventType: 'UserStatusChanged', data: { userId: 4242, status: 'OFFLINE' } })).json(),
    {
      accepted: 1,
      duplicates: 0,
      ignored: 0,
    },
  );
  const [off] = (await live()).operators.filter((o) => o.operator.id === '4242');
  assert.deepEqual([off.state, off.since], ['OFFLINE', '2026-05-06T10:05:00.000Z']);
  assertError(await post({ eventType: 'UserStatusChanged', data: { status: 'ONLINE' } }), 400);
});

test('the demo backfill gives every operator a state timeline that the rollups hold exactly', async () => {
  const { backfill } = await import('../../src/demo/demo.js');
  const { tenant } = h;
  const fresh = await h.db.tx(async (q) =>
    (await import('../../src/tenants/repository.js')).createTenant(q, { name: 'demo-ops' }),
  );
  clock = Date.parse('2026-05-08T12:00:00Z');
  assert.ok((await backfill(h.db, fresh.id, { days: 1, sessions: 150, now: clock })) > 0);
  const now = (await live(fresh)).operators;
  assert.equal(now.length, 12);
  const states = new Set(now.map((o) => o.state));
  assert.ok(states.has('OFFLINE') && [...states].some((s) => s !== 'OFFLINE'), [...states].join());
  const rows = await report('from=2026-05-07&to=2026-05-09&timeZone=Europe/Prague&interval=ALL', fresh);
  const total = (k: string) => rows.reduce((t, r) => t + (r[k] as number), 0);
  assert.ok(total('loggedInMs') > 0 && total('breakPaidMs') > 0 && total('handlingMs') > 0);
  for (const r of await rebuildAnalytics(h.db)) assert.equal(r.differingRows, 0, JSON.stringify(r));
  assert.notEqual(tenant.id, fresh.id);
});

test('any arrival order, any batches, duplicates: the same timeline, live state and rollups', async () => {
  const fc = await import('fast-check');
  const { createTenant } = await import('../../src/tenants/repository.js');
  clock = Date.parse('2026-06-02T00:00:00Z');
  const base = Date.parse('2026-06-01T08:00:00Z');
  const states = ['ONLINE', 'AWAY', 'BREAK', 'ON_CALL', 'AFTER_CALL', 'OFFLINE'];
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          op: fc.constantFrom('p1', 'p2'),
          // Minutes on a coarse grid, so ties (same instant) happen and the id decides.
          minute: fc.integer({ min: 0, max: 120 }).map((m) => m * 5),
          state: fc.constantFrom(...states),
          paid: fc.boolean(),
        }),
        { minLength: 1, maxLength: 25 },
      ),
      fc.integer({ min: 1, max: 6 }),
      fc.integer(),
      async (specs, pieces, seed) => {
        run++;
        const events = specs.map((e, i) => ({
          id: `pr-${run}-${i}`,
          type: 'operator.state',
          at: new Date(base + e.minute * MIN).toISOString(),
          operator: { id: e.op },
          state: e.state,
          ...(e.state === 'BREAK' ? { paid: e.paid } : {}),
        }));
        const [a, b] = await h.db.tx(async (q) => [
          await createTenant(q, { name: `prop-a-${run}` }),
          await createTenant(q, { name: `prop-b-${run}` }),
        ]);
        // Tenant a: shuffled (a seeded permutation), in `pieces` batches, the first batch sent twice.
        const shuffled = events
          .map((e, i) => ({ e, k: Math.sin(seed + i * 7919) }))
          .sort((x, y) => x.k - y.k)
          .map((x) => x.e);
        const size = Math.ceil(shuffled.length / pieces);
        for (let i = 0; i < shuffled.length; i += size) await h.ingest(shuffled.slice(i, i + size), a);
        await h.ingest(shuffled.slice(0, size), a);
        await h.ingest(events, b);
        const query =
          'from=2026-06-01T07:00:00Z&to=2026-06-01T19:00:00Z&timeZone=Europe/Prague&interval=PT15M';
        assert.deepEqual(await report(query, a), await report(query, b));
        assert.deepEqual((await live(a)).operators, (await live(b)).operators);
        const timeline = (t: typeof a) =>
          h
            .request({
              method: 'GET',
              url: '/v1/operators/timeline?from=2026-06-01&to=2026-06-02&timeZone=UTC',
              headers: h.auth(t),
            })
            .then((r) => r.json().operators);
        assert.deepEqual(await timeline(a), await timeline(b));
      },
    ),
    { numRuns: 12, seed: 20261204 },
  );
  for (const r of await rebuildAnalytics(h.db)) assert.equal(r.differingRows, 0, JSON.stringify(r));
});

test("each operator's day so far equals the operator report for today, in the zone asked", async () => {
  // The first test's day, late enough that its operators' states have run for a while.
  clock = Date.parse('2026-05-04T11:00:00Z');
  for (const timeZone of ['UTC', 'America/New_York']) {
    const r = await h.request({
      method: 'GET',
      url: `/v1/live/operators?timeZone=${encodeURIComponent(timeZone)}`,
      headers: h.auth(),
    });
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.equal(body.timeZone, timeZone);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(body.asOf));
    const next = new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const rows = await report(`from=${day}&to=${next}&interval=ALL&timeZone=${encodeURIComponent(timeZone)}`);
    assert.ok(body.operators.length > 0);
    for (const o of body.operators) {
      const row = rows.find((x) => x.operator.id === o.operator.id);
      const expected = row
        ? {
            handled: row.handled,
            talkMs: row.talkMs.sum,
            acwMs: row.acwMs.sum,
            breakMs: row.breakMs,
            handlingMs: row.handlingMs,
            loggedInMs: row.loggedInMs,
            occupancy: row.occupancy,
          }
        : { handled: 0, talkMs: 0, acwMs: 0, breakMs: 0, handlingMs: 0, loggedInMs: 0, occupancy: null };
      assert.deepEqual(o.today, expected, `${timeZone} ${o.operator.id}`);
    }
    assert.ok(
      body.operators.some((o: any) => o.today.loggedInMs > 0),
      'someone was logged in today',
    );
  }
  assertError(
    await h.request({ method: 'GET', url: '/v1/live/operators?timeZone=Nowhere', headers: h.auth() }),
    400,
  );
});
