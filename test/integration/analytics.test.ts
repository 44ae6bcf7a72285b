/**
 * Queue analytics against sessions whose every metric was worked out by hand (docs/metrics.md walks through
 * the same sessions), on the DST day of Europe/Prague; the rollups against a from-scratch sum after shuffled,
 * duplicated, re-projected, anonymised and deleted intake; parameters; tenant isolation.
 */
import { after, before, test } from 'node:test';
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import { contributionOf, COUNTERS, MAXES, queueContribution } from '../../src/analytics/contribution.js';
import { botIdsOf, type Session } from '../../src/domain/session.js';
import { rebuildAnalytics, type RebuildReport } from '../../src/analytics/rebuild.js';
import { migrate } from '../../src/db/migrate.js';
import { purgeSessions } from '../../src/retention/purge.js';
import { storedContributions } from '../../src/analytics/rollups.js';
import { decodeContribution } from '../../src/analytics/codec.js';
import { boundaries, instantOf, INTERVALS, local as wallTime } from '../../src/analytics/intervals.js';
import fc from 'fast-check';

let h: Harness;
const at = (hms: string, day = '2026-03-29') => `${day}T${hms}Z`;
const op = (id: string) => ({ id });
let n = 0;
const ev = (sessionId: string, type: string, time: string, fields: Record<string, unknown> = {}) => ({
  id: `${sessionId}-${++n}`,
  sessionId,
  type,
  at: time,
  ...fields,
});
const support = { id: 1, name: 'Support' };
const sales = { id: 2, name: 'Sales' };

/** The hand-worked sessions (docs/metrics.md, "Worked example"). */
const SESSIONS = [
  // A: answered after 15 s (within SL), 30 s on hold, 300 s active, 60 s ACW.
  ev('A', 'session.created', at('07:00:00'), { channel: 'chat' }),
  ev('A', 'guest.joined', at('07:00:01')),
  ev('A', 'routing.requested', at('07:00:05'), { group: support }),
  ev('A', 'routing.assigned', at('07:00:15'), { operator: op('7') }),
  ev('A', 'routing.accepted', at('07:00:20'), { operator: op('7') }),
  ev('A', 'operator.joined', at('07:00:20'), { operator: op('7') }),
  ev('A', 'session.held', at('07:01:00'), { by: op('7') }),
  ev('A', 'session.resumed', at('07:01:30'), { by: op('7') }),
  ev('A', 'operator.left', at('07:05:20'), { operator: op('7') }),
  ev('A', 'session.ended', at('07:05:20')),
  ev('A', 'operator.concluded', at('07:06:20'), { operator: op('7') }),
  // B: the guest leaves the queue after 3 s: a short abandon.
  ev('B', 'session.created', at('07:10:00'), { channel: 'phone' }),
  ev('B', 'guest.joined', at('07:10:00')),
  ev('B', 'routing.requested', at('07:10:00'), { group: support }),
  ev('B', 'guest.left', at('07:10:03'), { state: 'LeftQueue' }),
  ev('B', 'session.ended', at('07:10:03')),
  // C: leaves after 40 s: abandoned.
  ev('C', 'session.created', at('07:20:00'), { channel: 'chat' }),
  ev('C', 'guest.joined', at('07:20:00')),
  ev('C', 'routing.requested', at('07:20:00'), { group: support }),
  ev('C', 'guest.left', at('07:20:40'), { state: 'LeftQueue' }),
  ev('C', 'session.ended', at('07:20:40')),
  // D: queued at 07:29:50, answered after 40 s (outside SL) in the next quarter hour, then transferred.
  ev('D', 'session.created', at('07:29:50'), { channel: 'chat' }),
  ev('D', 'guest.joined', at('07:29:50')),
  ev('D', 'routing.requested', at('07:29:50'), { group: support }),
  ev('D', 'routing.assigned', at('07:30:10'), { operator: op('7') }),
  ev('D', 'routing.accepted', at('07:30:30'), { operator: op('7') }),
  ev('D', 'operator.joined', at('07:30:30'), { operator: op('7') }),
  ev('D', 'routing.forwarded', at('07:31:00'), { group: sales, by: op('7') }),
  ev('D', 'operator.left', at('07:32:30'), { operator: op('7') }),
  ev('D', 'session.ended', at('07:32:30')),
  ev('D', 'operator.concluded', at('07:32:30'), { operator: op('7') }),
  // E: Sales, before the clocks jump (01:50 CET): one operator timeout, answered after 35 s.
  ev('E', 'session.created', at('00:50:00'), { channel: 'phone' }),
  ev('E', 'guest.joined', at('00:50:00')),
  ev('E', 'routing.requested', at('00:50:00'), { group: sales }),
  ev('E', 'routing.assigned', at('00:50:01'), { operator: op('8') }),
  ev('E', 'routing.operator_timeout', at('00:50:30'), { operator: op('8') }),
  ev('E', 'routing.assigned', at('00:50:31'), { operator: op('9') }),
  ev('E', 'routing.accepted', at('00:50:35'), { operator: op('9') }),
  ev('E', 'operator.joined', at('00:50:35'), { operator: op('9') }),
  ev('E', 'operator.left', at('00:55:35'), { operator: op('9') }),
  ev('E', 'session.ended', at('00:55:35')),
  ev('E', 'operator.concluded', at('00:55:35'), { operator: op('9') }),
  // F: a bot answers everything: self-service, in no queue.
  ev('F', 'session.created', at('08:00:00'), { channel: 'chat' }),
  ev('F', 'bot.joined', at('08:00:01'), { bot: { botId: 'helper-bot', name: 'Helper' } }),
  ev('F', 'session.ended', at('08:03:00'), { containment: 'selfService' }),
];

before(async () => {
  h = await harness();
  // Out of order and split: the rollups must not care.
  const shuffled = [...SESSIONS].reverse();
  await h.ingest(shuffled.slice(0, 20));
  await h.ingest(shuffled.slice(20));
  await h.ingest(SESSIONS.slice(0, 10)); // duplicates
  // Another tenant's session in its own queue 1.
  await h.ingest(
    [
      ev('X', 'session.created', at('07:00:00'), { channel: 'chat' }),
      ev('X', 'routing.requested', at('07:00:00'), { group: support }),
    ],
    h.other,
  );
});
after(() => h.close());

const report = (query: string, headers: Record<string, string> = h.auth()) =>
  h.request({ method: 'GET', url: `/v1/analytics/queues?${query}`, headers });

test('security: the analytics route', async () => {
  await commonRouteTests(h, {
    method: 'GET',
    url: '/v1/analytics/queues?from=2026-03-29&to=2026-03-30&timeZone=UTC',
  });
});

test('the worked example: one Prague day (23 hours), every metric as computed by hand', async () => {
  const response = await report('from=2026-03-29&to=2026-03-30&timeZone=Europe/Prague&interval=P1D');
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  assert.equal(body.timeZone, 'Europe/Prague');
  assert.equal(body.rows.length, 2);
  const [q1, q2] = body.rows;
  assert.equal(q1.start, '2026-03-29T00:00:00+01:00');
  assert.equal(q1.end, '2026-03-30T00:00:00+02:00');
  assert.deepEqual(q1, {
    start: '2026-03-29T00:00:00+01:00',
    end: '2026-03-30T00:00:00+02:00',
    queue: { id: 1, name: 'Support' },
    offered: 4,
    answered: 2,
    abandoned: 2,
    shortAbandoned: 1,
    answeredWithinSl: 1,
    slCounted: 3,
    serviceLevel: 1 / 3,
    waitMs: { sum: 55_000, count: 2, max: 40_000 },
    talkMs: { sum: 390_000, count: 2, max: 270_000 },
    holdMs: { sum: 30_000, count: 2, max: 30_000 },
    acwMs: { sum: 60_000, count: 2, max: 60_000 },
    handleMs: { sum: 480_000, count: 2, max: 360_000 },
    transferred: 1,
    operatorTimeouts: 0,
  });
  assert.deepEqual(q2, {
    start: '2026-03-29T00:00:00+01:00',
    end: '2026-03-30T00:00:00+02:00',
    queue: { id: 2, name: 'Sales' },
    offered: 1,
    answered: 1,
    abandoned: 0,
    shortAbandoned: 0,
    answeredWithinSl: 0,
    slCounted: 1,
    serviceLevel: 0,
    waitMs: { sum: 35_000, count: 1, max: 35_000 },
    talkMs: { sum: 300_000, count: 1, max: 300_000 },
    holdMs: { sum: 0, count: 1, max: 0 },
    acwMs: { sum: 0, count: 1, max: 0 },
    handleMs: { sum: 300_000, count: 1, max: 300_000 },
    transferred: 0,
    operatorTimeouts: 1,
  });
  // handle = talk + hold + ACW, exactly.
  assert.equal(q1.handleMs.sum, q1.talkMs.sum + q1.holdMs.sum + q1.acwMs.sum);
});

test('hours on the DST day: 23 of them, zero-filled, each session in the interval it entered the queue', async () => {
  const rows = (await report('from=2026-03-29&to=2026-03-30&timeZone=Europe/Prague&interval=PT1H')).json()
    .rows;
  assert.equal(rows.length, 23 * 2);
  const starts = [...new Set(rows.map((r: { start: string }) => r.start))];
  assert.deepEqual(starts.slice(0, 4), [
    '2026-03-29T00:00:00+01:00',
    '2026-03-29T01:00:00+01:00',
    '2026-03-29T03:00:00+02:00',
    '2026-03-29T04:00:00+02:00',
  ]);
  const offered = (start: string, queue: number) =>
    rows.find((r: any) => r.start === start && r.queue.id === queue).offered;
  assert.equal(offered('2026-03-29T01:00:00+01:00', 2), 1, 'E at 01:50 CET');
  assert.equal(offered('2026-03-29T09:00:00+02:00', 1), 4, 'A, B, C and D (D entered at 09:29:50)');
  assert.equal(offered('2026-03-29T10:00:00+02:00', 1), 0);
  const total = rows.reduce((s: number, r: any) => s + r.offered, 0);
  assert.equal(total, 5);
  // Quarter hours: D counts in 09:15, where it entered the queue, though answered at 09:30:30.
  const quarters = (
    await report('from=2026-03-29T07:15:00Z&to=2026-03-29T07:45:00Z&timeZone=Europe/Prague&interval=PT15M')
  ).json().rows;
  const support = quarters.filter((r: any) => r.queue.id === 1);
  assert.deepEqual(
    support.map((r: any) => [r.start, r.offered, r.answered]),
    [
      ['2026-03-29T09:15:00+02:00', 2, 1],
      ['2026-03-29T09:30:00+02:00', 0, 0],
    ],
  );
});

test('the autumn change: 25 hours, the repeated hour twice with its two offsets', async () => {
  const hours = (await report('from=2026-10-25&to=2026-10-26&timeZone=Europe/Prague&interval=PT1H')).json()
    .rows;
  const starts = [...new Set(hours.map((r: { start: string }) => r.start))];
  assert.equal(starts.length, 25);
  assert.deepEqual(starts.slice(1, 5), [
    '2026-10-25T01:00:00+02:00',
    '2026-10-25T02:00:00+02:00',
    '2026-10-25T02:00:00+01:00',
    '2026-10-25T03:00:00+01:00',
  ]);
  const [day] = (await report('from=2026-10-25&to=2026-10-26&timeZone=Europe/Prague&interval=P1D')).json()
    .rows;
  assert.equal(Date.parse(day.end) - Date.parse(day.start), 25 * 3_600_000);
  assert.equal(day.offered, 0, 'zero-filled');
});

test('the same sessions in New York, Kathmandu (+05:45) and as one whole-range row', async () => {
  const ny = (await report('from=2026-03-28&to=2026-03-30&timeZone=America/New_York&interval=P1D')).json()
    .rows;
  assert.deepEqual(
    [...new Set(ny.map((r: any) => r.start))],
    ['2026-03-28T00:00:00-04:00', '2026-03-29T00:00:00-04:00'],
  );
  // 00:50Z is the 28th, 20:50 in New York; the rest the 29th.
  assert.equal(ny.find((r: any) => r.queue.id === 2 && r.start.startsWith('2026-03-28')).offered, 1);
  assert.equal(ny.find((r: any) => r.queue.id === 1 && r.start.startsWith('2026-03-29')).offered, 4);
  const ktm = (await report('from=2026-03-29&to=2026-03-30&timeZone=Asia/Kathmandu&interval=PT30M')).json()
    .rows;
  assert.equal(ktm.length, 48 * 2);
  assert.equal(ktm[0].start, '2026-03-29T00:00:00+05:45');
  // A entered at 07:00:05Z = 12:45:05 in Kathmandu, B at 12:55:00; C at 13:05:00, D at 13:14:50.
  assert.equal(ktm.find((r: any) => r.queue.id === 1 && r.start === '2026-03-29T12:30:00+05:45').offered, 2);
  assert.equal(ktm.find((r: any) => r.queue.id === 1 && r.start === '2026-03-29T13:00:00+05:45').offered, 2);
  // Business hours 12:45–13:00 in Kathmandu: A and B's quarter hour only; the 29th is a Sunday (ISO 7).
  const inHours = async (window: string) =>
    (await report(`from=2026-03-29&to=2026-03-30&timeZone=Asia/Kathmandu&interval=ALL&groups=1&${window}`))
      .json()
      .rows.map((r: any) => r.offered);
  assert.deepEqual(await inHours('hours=12:45-13:00'), [2]);
  assert.deepEqual(await inHours('hours=12:45-13:00&weekdays=7'), [2]);
  assert.deepEqual(await inHours('hours=12:45-13:00&weekdays=1,2,3,4,5'), [0]);
  assert.deepEqual(await inHours('hours=00:00-24:00'), [4]);
  const all = (
    await report('from=2026-03-01&to=2026-04-01&timeZone=Europe/Prague&interval=ALL&groups=1&channels=chat')
  ).json().rows;
  assert.deepEqual(
    all.map((r: any) => [r.queue.id, r.offered, r.answered, r.abandoned]),
    [[1, 3, 2, 1]],
  );
});

test('operators and bots: the worked example per operator and per bot', async () => {
  const query = 'from=2026-03-29&to=2026-03-30&timeZone=Europe/Prague&interval=P1D';
  const response = await h.request({
    method: 'GET',
    url: `/v1/analytics/operators?${query}`,
    headers: h.auth(),
  });
  assert.equal(response.statusCode, 200, response.body);
  // Session metrics only; the operator state fields (no operator.state events here) are all zero.
  const rows = response.json().rows.map(({ start: _s, end: _e, ...r }: any) => {
    const {
      stateMs,
      loggedInMs,
      availableMs,
      awayMs,
      breakMs,
      breakPaidMs,
      breakUnpaidMs,
      handlingMs,
      occupancy,
      ...rest
    } = r;
    assert.deepEqual(
      [
        Object.values(stateMs as object),
        loggedInMs,
        availableMs,
        awayMs,
        breakMs,
        breakPaidMs,
        breakUnpaidMs,
        handlingMs,
        occupancy,
      ],
      [Array(9).fill(0), 0, 0, 0, 0, 0, 0, 0, null],
    );
    return rest;
  });
  assert.deepEqual(rows, [
    {
      operator: { id: '7', userId: 7, name: null },
      handled: 2,
      talkMs: { sum: 420_000, count: 2, max: 300_000 },
      acwMs: { sum: 60_000, count: 2, max: 60_000 },
      handleMs: { sum: 480_000, count: 2, max: 360_000 },
      missedOffers: 0,
    },
    {
      operator: { id: '8', userId: 8, name: null },
      handled: 0,
      talkMs: { sum: 0, count: 0, max: null },
      acwMs: { sum: 0, count: 0, max: null },
      handleMs: { sum: 0, count: 0, max: null },
      missedOffers: 1,
    },
    {
      operator: { id: '9', userId: 9, name: null },
      handled: 1,
      talkMs: { sum: 300_000, count: 1, max: 300_000 },
      acwMs: { sum: 0, count: 1, max: 0 },
      handleMs: { sum: 300_000, count: 1, max: 300_000 },
      missedOffers: 0,
    },
  ]);
  const bots = (
    await h.request({ method: 'GET', url: `/v1/analytics/bots?${query}`, headers: h.auth() })
  ).json();
  assert.deepEqual(
    bots.rows.map(({ start: _s, end: _e, ...r }: any) => r),
    [{ bot: { botId: 'helper-bot' }, sessions: 1, selfService: 1, dropOff: 0, agent: 0 }],
  );
  const csv = await h.request({
    method: 'GET',
    url: `/v1/analytics/bots?${query}`,
    headers: { ...h.auth(), accept: 'text/csv' },
  });
  assert.equal(
    csv.body,
    'start,end,botId,sessions,selfService,dropOff,agent\n2026-03-29T00:00:00+01:00,2026-03-30T00:00:00+02:00,helper-bot,1,1,0,0\n',
  );
  assertError(
    await h.request({ method: 'GET', url: `/v1/analytics/bots?${query}&groups=1`, headers: h.auth() }),
    400,
  );
  assert.deepEqual(
    (
      await h.request({ method: 'GET', url: `/v1/analytics/operators?${query}`, headers: h.auth(h.other) })
    ).json().rows,
    [],
  );
  await commonRouteTests(h, { method: 'GET', url: `/v1/analytics/operators?${query}` });
  await commonRouteTests(h, { method: 'GET', url: `/v1/analytics/bots?${query}` });
});

test('CSV with Accept: text/csv', async () => {
  const csv = await report('from=2026-03-29&to=2026-03-30&timeZone=Europe/Prague&interval=P1D', {
    ...h.auth(),
    accept: 'text/csv',
  });
  assert.match(String(csv.headers['content-type']), /^text\/csv/);
  const [header, first] = csv.body.trim().split('\n');
  assert.match(
    header,
    /^start,end,queueId,queueName,offered,answered,abandoned,shortAbandoned,answeredWithinSl,slCounted,serviceLevel,waitMsSum/,
  );
  assert.match(first, /^2026-03-29T00:00:00\+01:00,2026-03-30T00:00:00\+02:00,1,Support,4,2,2,1,1,3,0\.333/);
});

test('bad parameters → 400 naming them; another tenant sees only its own queues', async () => {
  for (const [query, field] of [
    ['from=2026-03-29&to=2026-03-30', 'timeZone'],
    ['from=2026-03-29&to=2026-03-30&timeZone=%2B02:00', 'timeZone'],
    ['from=2026-03-29&to=2026-03-30&timeZone=GMT%2B2', 'timeZone'],
    ['from=2026-03-29&to=2026-03-30&timeZone=Mars/Olympus', 'timeZone'],
    ['from=2026-02-30&to=2026-03-30&timeZone=UTC', 'from'],
    ['from=2026-03-29T07:01:00Z&to=2026-03-30&timeZone=UTC', 'from'],
    ['from=2026-03-29&to=2026-03-29&timeZone=UTC', 'to'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&interval=PT5M', 'interval'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&groups=x', 'groups'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&channels=sms', 'channels'],
    ['from=2000-01-01&to=2030-01-01&timeZone=UTC&interval=PT15M', 'interval'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&hours=8-18', 'hours'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&hours=08:10-18:00', 'hours'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&hours=18:00-08:00', 'hours'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&hours=08:00-24:15', 'hours'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&weekdays=0,1', 'weekdays'],
    ['from=2026-03-29&to=2026-03-30&timeZone=UTC&weekdays=mon', 'weekdays'],
    ['from=1000-01-01&to=2026-03-30&timeZone=UTC&interval=ALL&hours=08:00-18:00', 'hours'],
  ] as const) {
    const error = assertError(await report(query), 400);
    assert.match(JSON.stringify(error), new RegExp(field), query);
  }
  // Local mean time before a zone's first standard offset is off the 15-minute grid (it used to hang the
  // request): refused on every analytics route, at fixed and at calendar intervals.
  for (const route of ['queues', 'operators', 'bots']) {
    for (const query of [
      'from=1850-01-01&to=1850-01-02&timeZone=Europe/Prague&interval=PT15M',
      'from=1971-01-01&to=1971-01-02&timeZone=Africa/Monrovia&interval=PT1H',
      'from=1971-01-01&to=1971-01-03&timeZone=Africa/Monrovia&interval=P1D',
      'from=1971-01-01&to=1971-03-01&timeZone=Pacific/Kiritimati&interval=P1M',
    ]) {
      const response = await h.request({ url: `/v1/analytics/${route}?${query}`, headers: h.auth() });
      const error = assertError(response, 400);
      assert.match(JSON.stringify(error), /timeZone.*quarter hours/, `${route} ${query}`);
    }
  }
  // Business hours filter the queue report only: on the others they are refused, not ignored.
  for (const route of ['operators', 'bots']) {
    const response = await h.request({
      url: `/v1/analytics/${route}?from=2026-03-29&to=2026-03-30&timeZone=UTC&hours=08:00-18:00`,
      headers: h.auth(),
    });
    assert.match(JSON.stringify(assertError(response, 400)), /hours/, route);
  }
  const theirs = (
    await report('from=2026-03-29&to=2026-03-30&timeZone=UTC&interval=ALL', h.auth(h.other))
  ).json().rows;
  assert.deepEqual(
    theirs.map((r: any) => [r.queue.id, r.offered]),
    [[1, 1]],
  );
});

/**
 * Property: `GET /v1/analytics/queues` for random zones, intervals (DST days in the range), queue and channel
 * filters answers what adding up the stored sessions' own contributions gives — counters, sums and maxima.
 */
async function reportsEqualSessions(local: Harness): Promise<void> {
  const docs = await local.db.query<{ doc: Session }>('SELECT doc FROM sessions WHERE tenant_id = $1', [
    local.tenant.id,
  ]);
  const contributions = docs.rows.flatMap(({ doc }) => queueContribution(doc) ?? []);
  const queueIds = [...new Set(contributions.map((c) => c.q))].sort((a, b) => a - b);
  assert.ok(queueIds.length > 1 && contributions.length > 50);
  const zones = ['Europe/Prague', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC'];
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        timeZone: fc.constantFrom(...zones),
        interval: fc.constantFrom(...INTERVALS),
        // Days from 2026-10-22: Prague's autumn change (10-25) and New York's (11-01) both inside.
        firstDay: fc.integer({ min: 0, max: 11 }),
        days: fc.integer({ min: 1, max: 5 }),
        groups: fc.subarray(queueIds),
        channels: fc.subarray(['chat', 'av', 'phone']),
        // Business hours: quarter hours of local time and ISO weekdays, or none.
        window: fc.option(
          fc
            .record({
              start: fc.integer({ min: 0, max: 95 }),
              length: fc.integer({ min: 1, max: 96 }),
              weekdays: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
            })
            .map(({ start, length, weekdays }) => ({
              from: start * 15,
              to: Math.min(96, start + length) * 15,
              weekdays,
            })),
        ),
      }),
      async (p) => {
        const day = (n: number) => new Date(Date.UTC(2026, 9, 22 + n));
        const date = (n: number) => day(n).toISOString().slice(0, 10);
        const midnight = (n: number) =>
          instantOf(2026, day(n).getUTCMonth() + 1, day(n).getUTCDate(), 0, 0, p.timeZone);
        const from = midnight(p.firstDay);
        const to = midnight(p.firstDay + p.days);
        const hhmm = (minutes: number) =>
          `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
        const windowQuery = p.window
          ? `&hours=${hhmm(p.window.from)}-${hhmm(p.window.to)}&weekdays=${p.window.weekdays.join(',')}`
          : '';
        // In the window: the bucket's local wall time (Intl, at that instant) and weekday.
        const inWindow = (b: number) => {
          if (!p.window) return true;
          const l = wallTime(b, p.timeZone);
          const minute = l.hour * 60 + l.minute;
          const weekday = ((new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay() + 6) % 7) + 1;
          return minute >= p.window.from && minute < p.window.to && p.window.weekdays.includes(weekday);
        };
        const response = await local.request({
          url: `/v1/analytics/queues?from=${date(p.firstDay)}&to=${date(p.firstDay + p.days)}&timeZone=${p.timeZone}&interval=${p.interval}&groups=${p.groups.join(',')}&channels=${p.channels.join(',')}${windowQuery}`,
          headers: local.auth(),
        });
        assert.equal(response.statusCode, 200, response.body);
        const rows = response.json().rows as Record<string, any>[];
        // From scratch: each contribution in the range and the filters, into the interval holding its bucket.
        const edges = boundaries(from, to, p.interval, p.timeZone);
        const expected = new Map<string, { v: number[]; m: (number | null)[] }>();
        for (const c of contributions) {
          if (c.b < from || c.b >= to) continue;
          if (p.groups.length > 0 && !p.groups.includes(c.q)) continue;
          if (p.channels.length > 0 && !p.channels.includes(c.c)) continue;
          if (!inWindow(c.b)) continue;
          let slot = 0;
          while (edges[slot + 1] <= c.b) slot++;
          const key = `${slot} ${c.q}`;
          const sum = expected.get(key) ?? { v: COUNTERS.map(() => 0), m: MAXES.map(() => null) };
          c.v.forEach((x, i) => (sum.v[i] += x));
          c.m.forEach((x, i) => {
            if (x !== null && (sum.m[i] === null || x > sum.m[i])) sum.m[i] = x;
          });
          expected.set(key, sum);
        }
        const starts = [...new Set(rows.map((r) => r.start as string))];
        assert.equal(starts.length, edges.length - 1);
        let seen = 0;
        for (const r of rows) {
          const e = expected.get(`${starts.indexOf(r.start)} ${r.queue.id}`);
          if (e) seen++;
          const v = e?.v ?? COUNTERS.map(() => 0);
          const m = e?.m ?? MAXES.map(() => null);
          const at = (name: (typeof COUNTERS)[number]) => v[COUNTERS.indexOf(name)];
          const max = (name: (typeof MAXES)[number]) => m[MAXES.indexOf(name)];
          const duration = (d: 'wait' | 'talk' | 'hold' | 'acw' | 'handle') => ({
            sum: at(`${d}_sum`),
            count: at(`${d}_count`),
            max: max(`${d}_max`),
          });
          assert.deepEqual(
            [r.offered, r.answered, r.abandoned, r.shortAbandoned, r.answeredWithinSl, r.slCounted],
            [
              at('offered'),
              at('answered'),
              at('abandoned'),
              at('short_abandoned'),
              at('answered_within_sl'),
              at('sl_counted'),
            ],
            JSON.stringify({ p, row: r.start, queue: r.queue.id }),
          );
          for (const d of ['wait', 'talk', 'hold', 'acw', 'handle'] as const)
            assert.deepEqual(r[`${d}Ms`], duration(d), `${d} ${JSON.stringify({ p, row: r.start })}`);
          assert.deepEqual([r.transferred, r.operatorTimeouts], [at('transferred'), at('operator_timeouts')]);
        }
        // Every interval and queue with sessions was answered.
        assert.equal(seen, expected.size, JSON.stringify(p));
      },
    ),
    { numRuns: 40, seed: 11 },
  );
}

test('rollups equal a from-scratch sum after shuffled, duplicated, re-projected, anonymised and deleted intake', async () => {
  const local = await harness();
  try {
    // Over Prague's (10-25) and New York's (11-01) autumn changes.
    const NOW = Date.parse('2026-11-03T00:00:00Z');
    const sessions = [...simulate({ seed: 9, sessions: 300, start: NOW - 11 * 86_400_000, end: NOW })];
    const events = sessions.flat();
    // Shuffle deterministically, send in uneven batches with repeats.
    const order = events.map((e, i) => [((i * 7919) % 1009) / 1009, e] as const).sort((a, b) => a[0] - b[0]);
    const shuffled = order.map(([, e]) => e);
    for (let i = 0; i < shuffled.length; i += 97) await local.ingest(shuffled.slice(i, i + 120));
    const ids = [...new Set(events.map((e) => e.sessionId))];
    // Anonymise a few through mluvii's API and delete a day through Evo's.
    const token = (
      await local.request({
        method: 'POST',
        url: '/login/connect/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `grant_type=client_credentials&client_id=${local.tenant.credentials.clientId}&client_secret=${local.tenant.credentials.clientSecret}`,
      })
    ).json().access_token;
    const listed = (
      await local.request({
        method: 'GET',
        url: '/api/v1/Sessions?limit=5',
        headers: { authorization: `Bearer ${token}` },
      })
    ).json();
    for (const s of listed) {
      const anon = await local.request({
        method: 'POST',
        url: `/api/v1/Sessions/${s.id}/anonymize`,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.ok(anon.statusCode < 300, anon.body);
    }
    const basic = `Basic ${Buffer.from(`${local.tenant.credentials.clientId}:${local.tenant.credentials.clientSecret}`).toString('base64')}`;
    const day = new Date(NOW - 2 * 86_400_000).toISOString().slice(0, 10);
    const deleted = await local.request({
      method: 'DELETE',
      url: `/sessions?startDateTime=${day}T00:00:00Z&endDateTime=${day}T23:59:59Z`,
      headers: { authorization: basic },
    });
    assert.ok(deleted.statusCode < 300, deleted.body);

    const docs = await local.db.query<{ doc: Session }>('SELECT doc FROM sessions WHERE tenant_id = $1', [
      local.tenant.id,
    ]);
    assert.ok(docs.rows.length < ids.length, 'some sessions were deleted');
    const expected = new Map<string, number[]>();
    for (const { doc } of docs.rows) {
      const c = queueContribution(doc);
      if (!c) continue;
      const key = `${c.q}|${c.c}|${new Date(c.b).toISOString()}`;
      const sum = expected.get(key) ?? COUNTERS.map(() => 0);
      c.v.forEach((x, i) => (sum[i] += x));
      expected.set(key, sum);
    }
    const stored = await local.db.query<Record<string, unknown>>(
      'SELECT * FROM queue_rollups WHERE tenant_id = $1',
      [local.tenant.id],
    );
    const actual = new Map<string, number[]>();
    for (const row of stored.rows) {
      const values = COUNTERS.map((c) => Number(row[c]));
      if (values.every((x) => x === 0)) continue;
      actual.set(
        `${String(row.queue_id)}|${String(row.channel)}|${(row.bucket as Date).toISOString()}`,
        values,
      );
    }
    assert.ok(expected.size > 10);
    assert.deepEqual(actual, expected);
    // Operators and bots likewise.
    const expectedDims = new Map<string, number[]>();
    for (const { doc } of docs.rows) {
      for (const c of contributionOf(doc, botIdsOf(doc)).dimensions) {
        const key = `${c.d}|${c.k}|${c.c}|${new Date(c.b).toISOString()}`;
        const sum = expectedDims.get(key) ?? c.v.map(() => 0);
        c.v.forEach((x, i) => (sum[i] += x));
        expectedDims.set(key, sum);
      }
    }
    const dims = await local.db.query<{
      dimension: string;
      key: string;
      channel: string;
      bucket: Date;
      counters: string[];
    }>('SELECT dimension, key, channel, bucket, counters FROM dimension_rollups WHERE tenant_id = $1', [
      local.tenant.id,
    ]);
    const actualDims = new Map<string, number[]>();
    for (const r of dims.rows) {
      const values = r.counters.map(Number);
      if (values.every((x) => x === 0)) continue;
      actualDims.set(`${r.dimension}|${r.key}|${r.channel}|${r.bucket.toISOString()}`, values);
    }
    assert.ok(expectedDims.size > 10);
    assert.deepEqual(actualDims, expectedDims);

    // The rebuild: counters agree already (above); the bulk delete left maxima that overstate (docs/metrics.md),
    // which --fix makes exact. Then it agrees, finds a corrupted row and a stale contribution, and puts them right.
    const mine = (reports: RebuildReport[]) => reports.find((r) => r.tenantId === local.tenant.id)!;
    await rebuildAnalytics(local.db, { fix: true });
    assert.deepEqual(mine(await rebuildAnalytics(local.db)), {
      tenantId: local.tenant.id,
      sessions: docs.rows.length,
      staleSessions: 0,
      legacySessions: 0,
      differingRows: 0,
      fixed: false,
    });
    await local.db.query(
      `UPDATE queue_rollups SET offered = offered + 5 WHERE (tenant_id, queue_id, channel, bucket) =
         (SELECT tenant_id, queue_id, channel, bucket FROM queue_rollups WHERE tenant_id = $1 LIMIT 1)`,
      [local.tenant.id],
    );
    await local.db.query(
      `UPDATE queue_totals SET wait_max = coalesce(wait_max, 0) + 1 WHERE (tenant_id, queue_id, bucket) =
         (SELECT tenant_id, queue_id, bucket FROM queue_totals WHERE tenant_id = $1 LIMIT 1)`,
      [local.tenant.id],
    );
    await local.db.query(
      `UPDATE sessions SET contribution = NULL WHERE id = (SELECT min(id) FROM sessions WHERE tenant_id = $1)`,
      [local.tenant.id],
    );
    const found = mine(await rebuildAnalytics(local.db));
    assert.equal(found.differingRows, 2);
    assert.equal(found.staleSessions, 1);
    assert.equal(mine(await rebuildAnalytics(local.db, { fix: true })).fixed, true);
    assert.deepEqual(mine(await rebuildAnalytics(local.db)), {
      ...found,
      staleSessions: 0,
      differingRows: 0,
    });
    assert.equal(MAXES.length, 5);

    // A row written before migration 030 (its contribution as jsonb, from before sl_counted too, no queue_id)
    // is read as it was, counts as it did, and `fix` stores it as bytes.
    const legacy = (
      await local.db.query<{ session_id: string; doc: Session }>(
        `SELECT session_id, doc FROM sessions WHERE tenant_id = $1 AND queue_id IS NOT NULL ORDER BY id LIMIT 1`,
        [local.tenant.id],
      )
    ).rows[0];
    const current = contributionOf(legacy.doc, botIdsOf(legacy.doc));
    const old = {
      ...current,
      queue: { ...current.queue!, v: current.queue!.v.slice(0, COUNTERS.length - 1) },
    };
    await local.db.query(
      `UPDATE sessions SET contribution = NULL, queue_id = NULL, analytics = $3 WHERE tenant_id = $1 AND session_id = $2`,
      [local.tenant.id, legacy.session_id, JSON.stringify(old)],
    );
    assert.deepEqual(
      (await storedContributions(local.db, local.tenant.id, [legacy.session_id])).get(legacy.session_id)
        ?.contribution,
      old,
    );
    assert.deepEqual(mine(await rebuildAnalytics(local.db)), {
      ...found,
      staleSessions: 0,
      legacySessions: 1,
      differingRows: 0,
      fixed: false,
    });
    assert.equal(mine(await rebuildAnalytics(local.db, { fix: true })).fixed, true);
    assert.deepEqual(mine(await rebuildAnalytics(local.db)), {
      ...found,
      staleSessions: 0,
      differingRows: 0,
    });
    const rewritten = await local.db.query<{
      queue_id: number;
      analytics: unknown;
      contribution: Uint8Array;
    }>('SELECT queue_id, analytics, contribution FROM sessions WHERE tenant_id = $1 AND session_id = $2', [
      local.tenant.id,
      legacy.session_id,
    ]);
    assert.equal(rewritten.rows[0].queue_id, current.queue!.q);
    assert.equal(rewritten.rows[0].analytics, null);
    assert.deepEqual(decodeContribution(rewritten.rows[0].contribution), current);

    // Every report answer — random zones, intervals, queue and channel filters — equals the same numbers
    // computed from scratch over the session rows left after all of the above.
    await reportsEqualSessions(local);
  } finally {
    await local.close();
  }
});

test('a queue with rollups only in other channels is still listed, zero-filled; rebuild --fix writes its name row', async () => {
  const local = await harness();
  try {
    const sales = { id: 2, name: 'Sales' };
    await local.ingest([
      ev('ch-1', 'session.created', at('10:00:00'), { channel: 'chat' }),
      ev('ch-1', 'routing.requested', at('10:00:00'), { group: support }),
      ev('ph-1', 'session.created', at('10:00:00'), { channel: 'phone' }),
      ev('ph-1', 'routing.requested', at('10:00:00'), { group: sales }),
    ]);
    const queues = async () => {
      const response = await local.request({
        url: '/v1/analytics/queues?from=2026-03-29&to=2026-03-30&timeZone=UTC&interval=ALL&channels=chat',
        headers: local.auth(),
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().rows.map((r: any) => [r.queue.id, r.offered]);
    };
    assert.deepEqual(await queues(), [
      [1, 1],
      [2, 0],
    ]);
    // A store whose rollups were rebuilt from sessions projected before queue names were kept had no name row.
    await local.db.query('DELETE FROM analytics_queues WHERE tenant_id = $1 AND queue_id = 2', [
      local.tenant.id,
    ]);
    await rebuildAnalytics(local.db, { fix: true });
    assert.deepEqual(await queues(), [
      [1, 1],
      [2, 0],
    ]);
  } finally {
    await local.close();
  }
});

test('fine intervals (summed by the server) add up to coarse ones (summed by the database), filters too', async () => {
  const local = await harness();
  try {
    const NOW = Date.parse('2026-10-27T00:00:00Z');
    // Over Prague's autumn change (a 25-hour day), so that days are not all 96 quarter hours long.
    const sessions = [...simulate({ seed: 4, sessions: 400, start: NOW - 4 * 86_400_000, end: NOW })];
    const events = sessions.flat();
    for (let i = 0; i < events.length; i += 2000) await local.ingest(events.slice(i, i + 2000));
    type Row = Record<string, any>;
    const rows = async (query: string): Promise<Row[]> => {
      const response = await local.request({ url: `/v1/analytics/queues?${query}`, headers: local.auth() });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().rows;
    };
    const counters = ['offered', 'answered', 'abandoned', 'shortAbandoned', 'answeredWithinSl', 'slCounted'];
    const durations = ['waitMs', 'talkMs', 'holdMs', 'acwMs', 'handleMs'];
    const add = (into: Row | undefined, r: Row): Row => {
      if (!into) return structuredClone(r);
      for (const c of [...counters, 'transferred', 'operatorTimeouts']) into[c] += r[c];
      for (const d of durations) {
        into[d].sum += r[d].sum;
        into[d].count += r[d].count;
        if (r[d].max !== null && (into[d].max === null || r[d].max > into[d].max)) into[d].max = r[d].max;
      }
      return into;
    };
    for (const filter of ['', '&channels=chat,phone', '&groups=1']) {
      const range = `from=2026-10-23&to=2026-10-27&timeZone=Europe/Prague${filter}`;
      const days = await rows(`${range}&interval=P1D`);
      assert.ok(days.some((r) => r.offered > 0));
      for (const interval of ['PT15M', 'PT30M', 'PT1H']) {
        const byDay = new Map<string, Row>();
        for (const r of await rows(`${range}&interval=${interval}`)) {
          const key = `${r.start.slice(0, 10)} ${r.queue.id}`;
          byDay.set(key, add(byDay.get(key), r));
        }
        for (const day of days) {
          const sum = byDay.get(`${day.start.slice(0, 10)} ${day.queue.id}`)!;
          for (const c of [...counters, 'transferred', 'operatorTimeouts', ...durations])
            assert.deepEqual(sum[c], day[c], `${interval}${filter} ${day.start} queue ${day.queue.id} ${c}`);
        }
      }
    }
    // Without a filter the report reads the queues' totals over their channels; every channel named, the
    // per-channel rows: the same answer.
    const range = 'from=2026-10-23&to=2026-10-27&timeZone=Europe/Prague&interval=PT15M';
    const unfiltered = await rows(range);
    assert.ok(unfiltered.some((r) => r.waitMs.max !== null && r.offered > 1));
    assert.deepEqual(await rows(`${range}&channels=chat,av,phone,fax`), unfiltered);
    // A store upgraded to migration 037 gets its totals from the per-channel rows it had.
    await local.db.query('DROP TABLE queue_totals');
    await local.db.query('DELETE FROM schema_migrations WHERE version = 37');
    assert.deepEqual(await migrate(local.db), ['037_queue_totals.sql']);
    assert.deepEqual(await rows(range), unfiltered);
    const [rebuilt] = (await rebuildAnalytics(local.db)).filter((r) => r.tenantId === local.tenant.id);
    assert.equal(rebuilt.differingRows, 0);
  } finally {
    await local.close();
  }
});

test('sums past 2^53 are added exactly, whether the server or the database sums them', async () => {
  const local = await harness();
  try {
    // As doubles, 2^53 + 1 + 1 stays 2^53: the exact sum must come from PostgreSQL's bigint arithmetic. Three
    // channels of one quarter hour (read with a channel filter), and three quarter hours of a queue's totals.
    for (const [i, channel, wait] of [
      [0, 'chat', 2n ** 53n],
      [1, 'av', 1n],
      [2, 'phone', 1n],
    ] as const) {
      await local.db.query(
        `INSERT INTO queue_rollups (tenant_id, queue_id, channel, bucket, offered, wait_sum, wait_count, wait_max)
         VALUES ($1, 7, $2, '2026-03-29T10:00:00Z', 1, $3, 1, $3)`,
        [local.tenant.id, channel, String(wait)],
      );
      await local.db.query(
        `INSERT INTO queue_totals (tenant_id, queue_id, bucket, offered, wait_sum, wait_count, wait_max)
         VALUES ($1, 7, $2, 1, $3, 1, $3)`,
        [local.tenant.id, new Date(Date.parse('2026-03-29T10:00:00Z') + i * 900_000), String(wait)],
      );
    }
    for (const query of [
      'interval=PT15M&channels=chat,av,phone',
      'interval=P1D&channels=chat,av,phone',
      'interval=PT1H',
      'interval=P1D',
    ]) {
      const response = await local.request({
        url: `/v1/analytics/queues?from=2026-03-29&to=2026-03-30&timeZone=UTC&${query}`,
        headers: local.auth(),
      });
      assert.equal(response.statusCode, 200, response.body);
      const row = response.json().rows.find((r: { offered: number }) => r.offered > 0);
      assert.equal(row.offered, 3, query);
      assert.deepEqual(row.waitMs, { sum: 2 ** 53 + 2, count: 3, max: 2 ** 53 }, query);
    }
  } finally {
    await local.close();
  }
});

test('a maximum taken away is recomputed: a re-projection, a bulk delete, retention keeping what it deleted', async () => {
  const local = await harness();
  try {
    const answered = (id: string, hm: string, waitS: number, operator = '7') => [
      ev(id, 'session.created', at(`${hm}:00`), { channel: 'chat' }),
      ev(id, 'routing.requested', at(`${hm}:00`), { group: support }),
      ev(id, 'routing.accepted', at(`${hm}:${String(waitS).padStart(2, '0')}`), { operator: op(operator) }),
      ev(id, 'operator.joined', at(`${hm}:${String(waitS).padStart(2, '0')}`), { operator: op(operator) }),
    ];
    // An earlier acceptance arriving late shortens the session's wait (the first acceptance counts).
    const acceptedEarlier = (id: string, hm: string) =>
      ev(id, 'routing.accepted', at(`${hm}:05`), { operator: op('7') });
    const maxWait = async () => {
      const rows = await local.db.query<{ wait_max: string | null; offered: string }>(
        'SELECT wait_max, offered FROM queue_rollups WHERE tenant_id = $1',
        [local.tenant.id],
      );
      assert.equal(rows.rows.length, 1, 'one queue, channel and quarter hour');
      return { max: Number(rows.rows[0].wait_max) / 1000, offered: Number(rows.rows[0].offered) };
    };
    const reported = async () => {
      const response = await local.request({
        method: 'GET',
        url: '/v1/analytics/queues?from=2026-03-29&to=2026-03-30&timeZone=UTC&interval=PT15M',
        headers: local.auth(),
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().rows.find((r: { offered: number }) => r.offered > 0).waitMs;
    };
    await local.ingest([
      ...answered('P', '09:00', 50),
      ...answered('Q', '09:01', 20),
      ...answered('R', '09:02', 30),
    ]);
    assert.deepEqual(await maxWait(), { max: 50, offered: 3 });
    // P's wait drops to 5 s: the maximum is R's 30 s, not the 50 s no session has any more.
    await local.ingest([acceptedEarlier('P', '09:00')]);
    assert.deepEqual(await maxWait(), { max: 30, offered: 3 });
    assert.deepEqual(await reported(), { sum: 55_000, count: 3, max: 30_000 });
    // Evo's bulk delete takes R out of the numbers: Q's 20 s.
    const basic = `Basic ${Buffer.from(`${local.tenant.credentials.clientId}:${local.tenant.credentials.clientSecret}`).toString('base64')}`;
    const deleted = await local.request({
      method: 'DELETE',
      url: '/sessions?startDateTime=2026-03-29T09:02:00Z&endDateTime=2026-03-29T09:02:59Z',
      headers: { authorization: basic },
    });
    assert.ok(deleted.statusCode < 300, deleted.body);
    assert.deepEqual(await maxWait(), { max: 20, offered: 2 });
    // Retention deletes Q but keeps its counts, and its maximum with them: when T's 55 s drops to 5 s, the
    // maximum is Q's 20 s, although only P (5 s) and T (5 s) are stored.
    await local.ingest(answered('T', '09:03', 55, '8'));
    assert.deepEqual(await maxWait(), { max: 55, offered: 3 });
    await local.db.tx((q) => purgeSessions(q, local.tenant.id, ['Q'], 'keep'));
    await local.ingest([acceptedEarlier('T', '09:03')]);
    assert.deepEqual(await maxWait(), { max: 20, offered: 3 });
  } finally {
    await local.close();
  }
});

test("an operator maximum taken away is recomputed from the operator's other sessions", async () => {
  const local = await harness();
  try {
    const talk = (id: string, hm: string, leftAt: string) => [
      ev(id, 'session.created', at(`${hm}:00`), { channel: 'chat' }),
      ev(id, 'routing.requested', at(`${hm}:00`), { group: support }),
      ev(id, 'routing.accepted', at(`${hm}:10`), { operator: op('7') }),
      ev(id, 'operator.joined', at(`${hm}:10`), { operator: op('7') }),
      ev(id, 'operator.left', at(leftAt), { operator: op('7') }),
      ev(id, 'session.ended', at(leftAt)),
      ev(id, 'operator.concluded', at(leftAt), { operator: op('7') }),
    ];
    const talkMax = async () => {
      const rows = await local.db.query<{ maxima: string[] }>(
        `SELECT maxima FROM dimension_rollups WHERE tenant_id = $1 AND dimension = 'operator'`,
        [local.tenant.id],
      );
      assert.equal(rows.rows.length, 1);
      return Number(rows.rows[0].maxima[0]) / 1000;
    };
    // Talk 110 s and 50 s; then the operator joins U again: U's talk is open (no value) until they leave.
    await local.ingest([...talk('U', '09:00', '09:02:00'), ...talk('V', '09:05', '09:06:00')]);
    assert.equal(await talkMax(), 110);
    await local.ingest([ev('U', 'operator.joined', at('09:03:00'), { operator: op('7') })]);
    assert.equal(await talkMax(), 50);
    const rebuilt = (await rebuildAnalytics(local.db)).find((r) => r.tenantId === local.tenant.id)!;
    assert.equal(rebuilt.differingRows, 0);
  } finally {
    await local.close();
  }
});

test('switchboard report prints the table (and CSV)', async () => {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const bin = new URL('../../../bin/switchboard.js', import.meta.url).pathname;
  const { clientId, clientSecret } = h.tenant.credentials;
  const args = [
    '--url',
    url,
    '--client-id',
    clientId,
    '--client-secret',
    clientSecret,
    '--from',
    '2026-03-29',
    '--to',
    '2026-03-30',
    '--time-zone',
    'Europe/Prague',
  ];
  const run = (...more: string[]) => promisify(execFile)(process.execPath, [bin, 'report', ...more]);
  const table = (await run('queues', ...args)).stdout.split('\n');
  assert.match(table[0], /^start\s+queue\s+offered\s+answered\s+abandoned\s+SL\s+ASA s\s+AHT s\s+transfers$/);
  assert.match(table[2], /^2026-03-29 00:00\s+Support\s+4\s+2\s+2\s+33\.3 %\s+27\.5\s+240\.0\s+1$/);
  assert.match(table[3], /^2026-03-29 00:00\s+Sales\s+1\s+1\s+0\s+0\.0 %\s+35\.0\s+300\.0\s+0$/);
  const csv = (await run('bots', ...args, '--csv')).stdout;
  assert.match(csv, /^start,end,botId,sessions/);
  await assert.rejects(run('agents', ...args), (e: { code: number }) => e.code === 2);
});
