import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, commonRouteTests, harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let h: Harness;
let total = 0;

before(async () => {
  h = await harness({ now: () => NOW });
  const all = [...simulate({ seed: 3, sessions: 260, start: NOW - 3 * DAY, end: NOW - DAY })];
  total = all.length;
  for (let i = 0; i < all.length; i += 50) await h.ingest(all.slice(i, i + 50).flat());
});
after(() => h.close());

const get = (url: string, headers = h.auth()) => h.request({ method: 'GET', url, headers });

test('security: every session route', async () => {
  const first = (await get('/v1/sessions?limit=1')).json().items[0].sessionId;
  await commonRouteTests(h, { method: 'GET', url: '/v1/sessions' });
  await commonRouteTests(h, { method: 'GET', url: `/v1/sessions/${first}`, ownedResource: true });
});

test('GET /v1/sessions/{id}: the DESIGN shape with durations, operators, routing, activities', async () => {
  const page = (await get('/v1/sessions?limit=200&channel=chat&status=CLOSED')).json();
  const withOperator = page.items.find((s: { operatorIds: string[] }) => s.operatorIds.length > 0);
  const response = await get(`/v1/sessions/${withOperator.sessionId}`);
  assert.equal(response.statusCode, 200);
  const s = response.json();
  assert.deepEqual(Object.keys(s.durations).sort(), [
    'active',
    'acw',
    'bcw',
    'created',
    'inQueue',
    'ring',
    'waited',
    'waiting',
  ]);
  assert.ok(s.durations.active > 0 && s.durations.acw > 0 && s.durations.inQueue >= 0);
  const op = s.operators[0];
  assert.deepEqual(Object.keys(op).sort(), [
    'concluded',
    'durations',
    'firstName',
    'id',
    'joined',
    'lastName',
    'left',
    'note',
    'userId',
    'userName',
  ]);
  assert.deepEqual(Object.keys(op.durations).sort(), ['acw', 'queue']);
  assert.equal(typeof op.userId, 'number');
  assert.ok(s.routing.some((r: { activityType: string }) => r.activityType === 'AcceptedByOperator'));
  assert.ok(s.activities.length > 0);
  assert.match(s.created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  // The stored columns agree with the document.
  const row = (
    await h.db.query(
      'SELECT d_active, d_acw, d_in_queue FROM sessions WHERE tenant_id = $1 AND session_id = $2',
      [h.tenant.id, s.sessionId],
    )
  ).rows[0] as Record<string, number>;
  assert.deepEqual(
    [row.d_active, row.d_acw, row.d_in_queue],
    [s.durations.active, s.durations.acw, s.durations.inQueue],
  );
});

test('unknown, foreign and malformed session ids', async () => {
  assertError(await get('/v1/sessions/no-such-session'), 404, 'not_found');
  const mine = (await get('/v1/sessions?limit=1')).json().items[0].sessionId;
  assertError(await get(`/v1/sessions/${mine}`, h.auth(h.other)), 404, 'not_found');
  assertError(await get('/v1/sessions/bad%20id!'), 400, 'validation_failed');
});

test('keyset pagination walks every session once, newest first', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let previous = Infinity;
  let pages = 0;
  do {
    const page: { items: { sessionId: string; created: string }[]; nextCursor: string | null } = (
      await get(`/v1/sessions?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
    ).json();
    for (const item of page.items) {
      const created = Date.parse(item.created);
      assert.ok(created <= previous, 'newest first');
      previous = created;
      seen.push(item.sessionId);
    }
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.equal(seen.length, total);
  assert.equal(new Set(seen).size, total);
});

test('filters: created/ended ranges, channel, source, status, operator, group, bot, containment', async () => {
  const all = (await get('/v1/sessions?limit=1000')).json().items as {
    sessionId: string;
    created: string;
    ended: string | null;
    channel: string;
    source: string;
    status: string;
    operatorIds: string[];
    groups: { id: number }[];
    botIds: string[];
    containment: string | null;
  }[];
  const check = async (query: string, predicate: (s: (typeof all)[number]) => boolean) => {
    const items = (await get(`/v1/sessions?limit=1000&${query}`)).json().items as typeof all;
    const expected = all
      .filter(predicate)
      .map((s) => s.sessionId)
      .sort();
    assert.deepEqual(items.map((s) => s.sessionId).sort(), expected, query);
    assert.ok(expected.length > 0 || query.includes('status=IN_QUEUE'), `${query} should match something`);
  };
  const mid = new Date(NOW - 2 * DAY).toISOString();
  await check(`createdFrom=${mid}`, (s) => Date.parse(s.created) >= Date.parse(mid));
  await check(`createdTo=${mid}`, (s) => Date.parse(s.created) < Date.parse(mid));
  await check(`endedFrom=${mid}`, (s) => s.ended !== null && Date.parse(s.ended) >= Date.parse(mid));
  await check(`endedTo=${mid}`, (s) => s.ended !== null && Date.parse(s.ended) < Date.parse(mid));
  await check('channel=phone', (s) => s.channel === 'phone');
  await check('source=Callback', (s) => s.source === 'Callback');
  await check('status=CLOSED', (s) => s.status === 'CLOSED');
  await check('operator=101', (s) => s.operatorIds.includes('101'));
  await check('group=2', (s) => s.groups.some((g) => g.id === 2));
  const bot = all.find((s) => s.botIds.length > 0)!.botIds[0];
  await check(`bot=${bot}`, (s) => s.botIds.includes(bot));
  await check('containment=dropOff', (s) => s.containment === 'dropOff');
  await check('channel=chat&containment=agent', (s) => s.channel === 'chat' && s.containment === 'agent');
});

test('bad list parameters are 400s naming the parameter', async () => {
  for (const [query, field] of [
    ['limit=0', 'limit'],
    ['limit=1001', 'limit'],
    ['limit=ten', 'limit'],
    ['channel=pigeon', 'channel'],
    ['status=SLEEPING', 'status'],
    ['containment=maybe', 'containment'],
    ['createdFrom=yesterday', 'createdFrom'],
    ['cursor=bm90IGEgY3Vyc29y', 'cursor'],
    ['cursor=%%%', 'cursor'],
    ['group=abc', 'group'],
    ['colour=blue', 'colour'],
  ] as const) {
    const error = assertError(await get(`/v1/sessions?${query}`), 400);
    assert.match(JSON.stringify(error), new RegExp(field), `${query}: ${JSON.stringify(error)}`);
  }
});

test('an open session reports running durations against the clock', async () => {
  const at = (s: number) => new Date(NOW - 60_000 + s * 1000).toISOString();
  await h.ingest([
    { id: 'open-1', sessionId: 'open', type: 'session.created', at: at(0), channel: 'chat' },
    { id: 'open-2', sessionId: 'open', type: 'guest.joined', at: at(0) },
    { id: 'open-3', sessionId: 'open', type: 'routing.requested', at: at(10) },
    { id: 'open-4', sessionId: 'open', type: 'routing.assigned', at: at(20), operator: { id: '7' } },
  ]);
  const s = (await get('/v1/sessions/open')).json();
  assert.equal(s.status, 'WAITING');
  assert.equal(s.durations.waiting, 40_000);
  assert.equal(s.durations.inQueue, 10_000);
  assert.equal(s.durations.active, null);
  const listed = (await get('/v1/sessions?status=WAITING'))
    .json()
    .items.find((x: { sessionId: string }) => x.sessionId === 'open');
  assert.equal(listed.durations.waiting, 40_000);
});
