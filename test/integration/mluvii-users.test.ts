/**
 * mluvii's user routes over the operator state Switchboard keeps: `GET /api/v1/Users/{id}` (UserModel) and
 * `GET /api/v1/Users/{userId}/operatorStates` (the state history, newest first, paged). Every answer is
 * checked against mluvii's published types; the newest state against `GET /v1/live/operators`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, mluviiToken, openTestStore, type Harness } from './harness.js';
import type { CreatedTenant } from '../../src/tenants/repository.js';
import { migrate } from '../../src/db/migrate.js';
import { stableIntId } from '../../src/domain/projector.js';
import { assertFits, OperatorStatesPage, UserModel } from './mluvii-types.js';

let h: Harness;
const clock = Date.parse('2026-05-04T12:00:00Z');
const JANA = '1001';
/** An operator with a string id: their userId is derived from it. */
const PETR = 'op-petr';
/** Known only from a session: a user without states. */
const EVA = '3003';

let seq = 0;
function st(
  operator: Record<string, unknown>,
  at: string,
  state: string,
  extra: Record<string, unknown> = {},
) {
  seq++;
  return {
    id: `us-${String(seq).padStart(4, '0')}`,
    type: 'operator.state',
    at,
    operator,
    state,
    ...extra,
  };
}

const jana = { id: JANA, firstName: 'Jana', lastName: 'Nováková', userName: 'jnovakova' };
/** Jana's states, oldest first. */
const JANA_STATES = [
  st(jana, '2026-05-04T08:00:00Z', 'ONLINE'),
  st({ id: JANA }, '2026-05-04T09:00:00Z', 'BREAK', { reason: 'Coffee', paid: true }),
  st({ id: JANA }, '2026-05-04T09:15:00Z', 'ONLINE'),
  st({ id: JANA }, '2026-05-04T10:00:00Z', 'ON_CALL'),
  st({ id: JANA }, '2026-05-04T10:20:00Z', 'AFTER_CALL'),
  st({ id: JANA }, '2026-05-04T10:25:00Z', 'AWAY', { reason: 'Team meeting' }),
  st({ id: JANA }, '2026-05-04T11:00:00Z', 'BREAK', { reason: 'Lunch', paid: false }),
];

before(async () => {
  h = await harness({ now: () => clock });
  // Late and out of order on purpose: the history is ordered by `at`, not by arrival.
  await h.ingest([...JANA_STATES.slice(3)].reverse());
  await h.ingest(JANA_STATES.slice(0, 3));
  await h.ingest([
    st({ id: PETR, userName: 'petr' }, '2026-05-04T07:00:00Z', 'ONLINE'),
    {
      id: 'eva-1',
      sessionId: 'eva-session',
      type: 'session.created',
      at: '2026-05-04T07:30:00Z',
      channel: 'chat',
    },
    {
      id: 'eva-2',
      sessionId: 'eva-session',
      type: 'operator.joined',
      at: '2026-05-04T07:31:00Z',
      operator: { id: EVA, firstName: 'Eva', lastName: 'Malá' },
    },
  ]);
  await h.ingest([st({ id: '4004', firstName: 'Other' }, '2026-05-04T08:00:00Z', 'ONLINE')], h.other);
});
after(() => h.close());

const token = (tenant: CreatedTenant = h.tenant) => mluviiToken(h, tenant.credentials);

async function get(url: string, tenant?: CreatedTenant) {
  return h.request({ method: 'GET', url, headers: { authorization: `Bearer ${await token(tenant)}` } });
}

async function states(userId: number | string, query = '', tenant?: CreatedTenant) {
  const response = await get(`/api/v1/Users/${userId}/operatorStates${query}`, tenant);
  assert.equal(response.statusCode, 200, response.body);
  const page = response.json();
  assertFits(OperatorStatesPage, page, `operatorStates of ${userId}${query}`);
  return page as {
    lastModified: string;
    limit: number;
    page: number;
    totalCount: number;
    data: { stateKind: string; changed: string; [k: string]: unknown }[];
  };
}

/** A problem of mluvii's shape with this status; answers it. */
function problem(
  response: { statusCode: number; body: string; headers: Record<string, unknown> },
  status: number,
) {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = JSON.parse(response.body);
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  return body as { errors?: Record<string, string[]>; detail: string };
}

test('a user: the names the operator was last sent with, no e-mail', async () => {
  const response = await get(`/api/v1/Users/${JANA}`);
  assert.equal(response.statusCode, 200, response.body);
  assertFits(UserModel, response.json(), 'UserModel');
  // Later events carry only the id: the names stay.
  assert.deepEqual(response.json(), {
    id: 1001,
    firstName: 'Jana',
    lastName: 'Nováková',
    username: 'jnovakova',
    email: null,
  });

  const petr = await get(`/api/v1/Users/${stableIntId(PETR)}`);
  assert.equal(petr.statusCode, 200, petr.body);
  assertFits(UserModel, petr.json(), 'UserModel');
  assert.deepEqual(petr.json(), {
    id: stableIntId(PETR),
    firstName: null,
    lastName: null,
    username: 'petr',
    email: null,
  });

  // Known from a session only.
  const eva = await get(`/api/v1/Users/${EVA}`);
  assert.equal(eva.statusCode, 200, eva.body);
  assert.deepEqual(eva.json(), { id: 3003, firstName: 'Eva', lastName: 'Malá', username: null, email: null });

  // A name part sent later replaces the old one; parts not sent stay.
  await h.ingest([
    {
      id: 'eva-3',
      sessionId: 'eva-session',
      type: 'operator.left',
      at: '2026-05-04T07:40:00Z',
      operator: { id: EVA, lastName: 'Velká', userName: 'eva' },
    },
  ]);
  const renamed = await get(`/api/v1/Users/${EVA}`);
  assert.deepEqual(renamed.json(), {
    id: 3003,
    firstName: 'Eva',
    lastName: 'Velká',
    username: 'eva',
    email: null,
  });
});

test('the state history: newest first, every field mapped, totalCount over the pages', async () => {
  const all = await states(JANA);
  assert.equal(all.totalCount, JANA_STATES.length);
  assert.equal(all.limit, 100);
  assert.equal(all.page, 1);
  assert.equal(all.lastModified, '2026-05-04T11:00:00.000+00:00');
  assert.deepEqual(
    all.data.map((s) => [s.stateKind, s.changed]),
    [...JANA_STATES].reverse().map((e) => [e.state, new Date(e.at).toISOString().replace('Z', '+00:00')]),
  );
  assert.deepEqual(all.data[0], {
    userId: 1001,
    stateKind: 'BREAK',
    breakStateId: null,
    breakStateName: 'Lunch',
    isBreakStatePaid: false,
    note: null,
    changed: '2026-05-04T11:00:00.000+00:00',
    forced: false,
  });
  // The reason of a state other than a break is its note.
  const away = all.data.find((s) => s.stateKind === 'AWAY')!;
  assert.deepEqual([away.note, away.breakStateName, away.isBreakStatePaid], ['Team meeting', null, null]);
  const coffee = all.data.find((s) => s.breakStateName === 'Coffee')!;
  assert.equal(coffee.isBreakStatePaid, true);
  const online = all.data.at(-1)!;
  assert.deepEqual([online.note, online.breakStateName, online.isBreakStatePaid], [null, null, null]);

  // Pages of 3: 3 + 3 + 1, the same order; past the end an empty page with the same total.
  const pages = await Promise.all([1, 2, 3, 4].map((p) => states(JANA, `?limit=3&page=${p}`)));
  assert.deepEqual(
    pages.map((p) => [p.page, p.limit, p.totalCount, p.data.length]),
    [
      [1, 3, 7, 3],
      [2, 3, 7, 3],
      [3, 3, 7, 1],
      [4, 3, 7, 0],
    ],
  );
  assert.deepEqual(
    pages.flatMap((p) => p.data),
    all.data,
  );
  // Names match case-insensitively, as ASP.NET binds them.
  assert.equal((await states(JANA, '?LIMIT=2&Page=2')).data[0].changed, all.data[2].changed);
});

test('Changed.Min / Changed.Max limit the window (inclusive); totalCount counts the window', async () => {
  const window = await states(JANA, '?Changed.Min=2026-05-04T09:15:00Z&Changed.Max=2026-05-04T10:25:00Z');
  assert.equal(window.totalCount, 4);
  assert.deepEqual(
    window.data.map((s) => s.stateKind),
    ['AWAY', 'AFTER_CALL', 'ON_CALL', 'ONLINE'],
  );
  // A date alone is midnight UTC of that day.
  assert.equal((await states(JANA, '?Changed.Min=2026-05-05')).totalCount, 0);
  assert.equal((await states(JANA, '?changed.max=2026-05-04')).totalCount, 0);
  const paged = await states(JANA, '?Changed.Min=2026-05-04T09:00:00Z&limit=2&page=2');
  assert.deepEqual([paged.totalCount, paged.data.map((s) => s.stateKind)], [6, ['AFTER_CALL', 'ON_CALL']]);
  // The window does not move lastModified: it is the user's newest state.
  assert.equal(window.lastModified, '2026-05-04T11:00:00.000+00:00');
});

test("the newest state is the operator's live state", async () => {
  const live = await h.request({ method: 'GET', url: '/v1/live/operators', headers: h.auth() });
  assert.equal(live.statusCode, 200, live.body);
  const operators = live.json().operators as {
    operator: { id: string; userId: number };
    state: string;
    reason: string | null;
    paid: boolean | null;
  }[];
  for (const id of [JANA, PETR]) {
    const now = operators.find((o) => o.operator.id === id)!;
    const [newest] = (await states(now.operator.userId, '?limit=1')).data;
    assert.equal(newest.stateKind, now.state, id);
    if (now.state === 'BREAK') {
      assert.equal(newest.breakStateName, now.reason);
      assert.equal(newest.isBreakStatePaid, now.paid);
    } else assert.equal(newest.note, now.reason);
  }
  // A new state shows in both at once.
  await h.ingest([st({ id: JANA }, '2026-05-04T11:30:00Z', 'ONLINE')]);
  const after = (await h.request({ method: 'GET', url: '/v1/live/operators', headers: h.auth() })).json();
  const jana = after.operators.find((o: { operator: { id: string } }) => o.operator.id === JANA);
  const page = await states(JANA, '?limit=1');
  assert.deepEqual([page.data[0].stateKind, page.totalCount], [jana.state, JANA_STATES.length + 1]);
  assert.equal(page.lastModified, '2026-05-04T11:30:00.000+00:00');
});

test('a user without states has an empty history', async () => {
  const eva = await states(EVA);
  assert.deepEqual([eva.totalCount, eva.data], [0, []]);
  assert.equal(eva.lastModified, new Date(clock).toISOString().replace('Z', '+00:00'));
});

test("an unknown user and another tenant's user are 404, both ways", async () => {
  for (const url of ['/api/v1/Users/424242', '/api/v1/Users/424242/operatorStates', '/api/v1/Users/0']) {
    problem(await get(url), 404);
  }
  // Tenant B's operator is not A's, and A's are not B's.
  problem(await get('/api/v1/Users/4004'), 404);
  problem(await get('/api/v1/Users/4004/operatorStates'), 404);
  for (const url of [`/api/v1/Users/${JANA}`, `/api/v1/Users/${JANA}/operatorStates`]) {
    const response = await get(url, h.other);
    problem(response, 404);
    assert.ok(!response.body.includes('Jana'), response.body);
  }
  const own = await get('/api/v1/Users/4004', h.other);
  assert.equal(own.statusCode, 200, own.body);
  assert.equal(own.json().firstName, 'Other');
});

test('ids that are not 32-bit integers are 400 naming the parameter', async () => {
  for (const bad of ['abc', '1.5', '2147483648', '-2147483649', '99999999999', '1e3', '%20']) {
    const user = problem(await get(`/api/v1/Users/${bad}`), 400);
    assert.ok(user.errors?.id, JSON.stringify(user));
    const history = problem(await get(`/api/v1/Users/${bad}/operatorStates`), 400);
    assert.ok(history.errors?.userId, JSON.stringify(history));
  }
  // The largest int32 is an id (of nobody).
  problem(await get('/api/v1/Users/2147483647'), 404);
});

test('bad query parameters are 400, every one named; unknown names are never ignored', async () => {
  const cases: [string, string[]][] = [
    ['?limit=0', ['limit']],
    ['?limit=10001', ['limit']],
    ['?limit=x', ['limit']],
    ['?page=0', ['page']],
    ['?page=-1', ['page']],
    ['?offset=10', ['offset']],
    ['?Changed.Min=yesterday', ['Changed.Min']],
    ['?Changed.Max=2026-02-30', ['Changed.Max']],
    ['?Changed.Null=true', ['changed.null']],
    ['?state=BREAK&limit=0', ['state', 'limit']],
  ];
  for (const [query, fields] of cases) {
    const body = problem(await get(`/api/v1/Users/${JANA}/operatorStates${query}`), 400);
    assert.deepEqual(
      Object.keys(body.errors ?? {}).sort(),
      [...fields].sort(),
      `${query}: ${JSON.stringify(body)}`,
    );
  }
  const misspelt = problem(await get(`/api/v1/Users/${JANA}/operatorStates?Changed.Mni=2026-05-04`), 400);
  assert.match(misspelt.errors!['changed.mni'][0], /did you mean Changed\.Min/);
  // The query is checked before the user: a bad query is a 400 for an unknown user too.
  problem(await get('/api/v1/Users/424242/operatorStates?limit=0'), 400);
});

test('the mluvii token is required; the native credentials are not it', async () => {
  for (const url of [`/api/v1/Users/${JANA}`, `/api/v1/Users/${JANA}/operatorStates`]) {
    problem(await h.request({ method: 'GET', url }), 401);
    problem(await h.request({ method: 'GET', url, headers: h.auth() }), 401);
  }
});

test('upgrade: migration 029 fills the name parts from stored events and sessions', async () => {
  const { db, drop } = await openTestStore(29);
  try {
    await db.query("INSERT INTO tenants (id, name, department_id) VALUES ('t-up', 'upgrade', 990029)");
    await db.query(
      `INSERT INTO analytics_operators (tenant_id, operator_id, user_id, name) VALUES
         ('t-up', '7', 7, 'Ann Old'), ('t-up', '8', 8, 'Bob B'), ('t-up', '9', 9, NULL)`,
    );
    const body = (at: string, operator: Record<string, string>) =>
      JSON.stringify({ id: at, type: 'operator.state', at, operator, state: 'ONLINE' });
    await db.query(
      `INSERT INTO operator_events (tenant_id, id, operator_id, at, state, body, content_hash) VALUES
         ('t-up', 'e1', '7', '2026-01-01T08:00:00Z', 'ONLINE', $1, 'h1'),
         ('t-up', 'e2', '7', '2026-01-02T08:00:00Z', 'ONLINE', $2, 'h2'),
         ('t-up', 'e3', '7', '2026-01-03T08:00:00Z', 'ONLINE', $3, 'h3')`,
      [
        body('2026-01-01T08:00:00Z', { id: '7', firstName: 'Ann', lastName: 'Old', userName: 'ann' }),
        body('2026-01-02T08:00:00Z', { id: '7', lastName: 'New' }),
        body('2026-01-03T08:00:00Z', { id: '7' }),
      ],
    );
    const doc = {
      sessionId: 's1',
      operators: [{ id: '8', userId: 8, firstName: 'Bob', lastName: 'B', userName: null }],
      routing: [{ operator: { id: '9', userId: 9, firstName: null, lastName: null, userName: 'nine' } }],
    };
    await db.query(
      `INSERT INTO sessions (tenant_id, session_id, source, direction, status, created, event_count, doc, last_event_at,
                             operator_ids)
       VALUES ('t-up', 's1', 'Default', 'inbound', 'CLOSED', '2026-01-01T09:00:00Z', 1, $1, '2026-01-01T09:00:00Z',
               '{8}')`,
      [JSON.stringify(doc)],
    );
    await migrate(db);
    const rows = await db.query<{
      operator_id: string;
      first_name: string;
      last_name: string;
      user_name: string;
    }>(
      `SELECT operator_id, first_name, last_name, user_name FROM analytics_operators
        WHERE tenant_id = 't-up' ORDER BY operator_id`,
    );
    assert.deepEqual(
      rows.rows.map((r) => [r.operator_id, r.first_name, r.last_name, r.user_name]),
      [
        ['7', 'Ann', 'New', 'ann'],
        ['8', 'Bob', 'B', null],
        ['9', null, null, 'nine'],
      ],
    );
  } finally {
    await drop();
  }
});

test('/docs documents both routes: the models, the int32 path ids, the query parameters', async () => {
  const spec = (await h.request({ method: 'GET', url: '/docs/json' })).json();
  const user = spec.paths['/api/v1/Users/{id}'].get;
  const history = spec.paths['/api/v1/Users/{userId}/operatorStates'].get;
  assert.deepEqual(user.security[0], { mluviiOAuth: ['mluviiPublicApi'] });
  assert.deepEqual(
    user.parameters.map((p: { in: string; name: string; schema: { format?: string } }) => [
      p.in,
      p.name,
      p.schema.format,
    ]),
    [['path', 'id', 'int32']],
  );
  assert.deepEqual(Object.keys(user.responses['200'].content['application/json'].schema.properties).sort(), [
    'email',
    'firstName',
    'id',
    'lastName',
    'username',
  ]);
  assert.deepEqual(history.parameters.map((p: { name: string }) => p.name).sort(), [
    'Changed.Max',
    'Changed.Min',
    'limit',
    'page',
    'userId',
  ]);
  assert.deepEqual(
    Object.keys(history.responses['200'].content['application/json'].schema.properties).sort(),
    ['data', 'lastModified', 'limit', 'page', 'totalCount'],
  );
  for (const op of [user, history]) assert.ok(op.responses['400'] && op.responses['404']);
});
