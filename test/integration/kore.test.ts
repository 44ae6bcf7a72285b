import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { harness, type Harness } from './harness.js';
import type { CreatedTenant } from '../../src/tenants/repository.js';
import { simulate } from '../../src/simulator/simulate.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let clock = NOW;
let h: Harness;
const BOT = 'st-11111111-2222-3333-4444-555555555555';

const T = (s: number) => new Date(NOW - 2 * DAY + s * 1000).toISOString();
function botSession(sessionId: string, shape: 'selfService' | 'dropOff' | 'agent', offset: number) {
  const bot = { botId: BOT, name: 'Helper' };
  const events: Record<string, unknown>[] = [
    {
      type: 'session.created',
      at: T(offset),
      channel: 'chat',
      bot: { botId: BOT, userId: `u-${sessionId}`, surface: 'rtm', isDeveloper: false },
    },
    { type: 'bot.joined', at: T(offset), bot },
    { type: 'message', at: T(offset + 1), from: 'bot', text: 'Hello! How can I help?', lang: 'en' },
    { type: 'message', at: T(offset + 5), from: 'guest', text: 'Where is my parcel?', lang: 'en' },
    { type: 'tags.added', at: T(offset + 6), tags: [{ name: 'regular', scope: 'user', value: 'newuser' }] },
    { type: 'bot.task', at: T(offset + 6), name: 'track', status: 'started' },
  ];
  if (shape === 'selfService') {
    events.push(
      { type: 'bot.task', at: T(offset + 9), name: 'track', status: 'completed' },
      { type: 'message', at: T(offset + 9), from: 'bot', text: 'It arrives tomorrow.', lang: 'en' },
      { type: 'session.ended', at: T(offset + 20) },
    );
  } else if (shape === 'dropOff') {
    events.push(
      { type: 'guest.left', at: T(offset + 8) },
      { type: 'session.ended', at: T(offset + 8), reason: 'GuestAbandoned' },
    );
  } else {
    events.push(
      { type: 'bot.handoff', at: T(offset + 10), group: { id: 3, name: 'Support' } },
      { type: 'routing.requested', at: T(offset + 10), group: { id: 3 } },
      { type: 'routing.assigned', at: T(offset + 20), operator: { id: '7' } },
      { type: 'routing.accepted', at: T(offset + 25), operator: { id: '7' } },
      {
        type: 'message',
        at: T(offset + 30),
        from: 'operator',
        text: 'Hi, Eva here.',
        operator: { id: '7' },
        lang: 'cs',
      },
      { type: 'session.ended', at: T(offset + 90) },
    );
  }
  return events.map((e, i) => ({ id: `${sessionId}-${i}`, sessionId, ...e }));
}

const SELF = '6465cf6e4769ed4e822b82a1';
const DROP = '6465cf6e4769ed4e822b82a2';
const AGENT = '6465cf6e4769ed4e822b82a3';
let botSessions = 0;

before(async () => {
  h = await harness({ now: () => clock });
  await h.ingest([
    ...botSession(SELF, 'selfService', 0),
    ...botSession(DROP, 'dropOff', 100),
    ...botSession(AGENT, 'agent', 200),
  ]);
  const batches = [...simulate({ seed: 5, sessions: 900, start: NOW - 6 * DAY, end: NOW - DAY / 2 })];
  for (let i = 0; i < batches.length; i += 300) await h.ingest(batches.slice(i, i + 300).flat());
  // Rate limits are tested on their own; the other tests must not run into them.
  await h.db.query('UPDATE tenants SET kore_per_minute = 100000, kore_per_hour = 100000 WHERE id = $1', [
    h.tenant.id,
  ]);
  const n = await h.db.query<{ n: string }>(
    "SELECT count(*) AS n FROM sessions WHERE tenant_id = $1 AND bot_ids <> '{}'",
    [h.tenant.id],
  );
  botSessions = Number(n.rows[0].n);
});
after(() => h.close());

async function jwt(
  tenant: CreatedTenant = h.tenant,
  claims: Record<string, unknown> = {},
  options: { secret?: string; alg?: string } = {},
) {
  return new SignJWT({ appId: tenant.credentials.clientId, ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setSubject('switchboard-test')
    .setIssuedAt(Math.floor(clock / 1000))
    .sign(new TextEncoder().encode(options.secret ?? tenant.credentials.clientSecret));
}

async function post(url: string, body?: unknown, tenant?: CreatedTenant, raw?: string) {
  return h.request({
    method: 'POST',
    url,
    headers: { auth: await jwt(tenant), 'content-type': 'application/json' },
    payload: raw ?? (body === undefined ? '' : JSON.stringify(body)),
  });
}

const SESSION_KEYS = [
  'botId',
  'channel',
  'containmentType',
  'end_time',
  'isDeveloper',
  'noOfMessagesExchanged',
  'noOfTasksExecuted',
  'sessionId',
  'sessionStatus',
  'sessionType',
  'session_lang',
  'start_time',
  'tags',
  'userId',
];

function checkSession(s: any) {
  assert.deepEqual(Object.keys(s).sort(), SESSION_KEYS);
  assert.match(s.sessionId, /^[0-9a-f]{24}$/);
  assert.match(s.botId, /^st-/);
  assert.equal(typeof s.channel, 'string');
  assert.equal(typeof s.userId, 'string');
  assert.match(s.start_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(s.end_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Array.isArray(s.session_lang));
  assert.ok(['interactive', 'non-interactive'].includes(s.sessionType));
  assert.ok(['selfService', 'dropOff', 'agent'].includes(s.containmentType));
  assert.equal(typeof s.isDeveloper, 'boolean');
  assert.ok(['active', 'closed'].includes(s.sessionStatus));
  assert.deepEqual(Object.keys(s.tags).sort(), ['sessionTags', 'userTags']);
  for (const t of [...s.tags.userTags, ...s.tags.sessionTags])
    assert.deepEqual(Object.keys(t).sort(), ['name', 'value']);
  assert.ok(Number.isInteger(s.noOfMessagesExchanged) && Number.isInteger(s.noOfTasksExecuted));
}

test("the seed's sample requests: without a body, with a body, for one bot, for session ids", async () => {
  // Without a body (the seed's curl sends an empty one with Content-Type: application/json).
  for (const containment of ['dropOff', 'selfService', 'agent']) {
    const response = await post(`/api/public/getSessions?containmentType=${containment}`);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['moreAvailable', 'sessions', 'total']);
    assert.ok(body.total > 0, containment);
    for (const s of body.sessions) {
      checkSession(s);
      assert.equal(s.containmentType, containment);
    }
  }
  const noBody = await h.request({
    method: 'POST',
    url: '/api/public/getSessions',
    headers: { auth: await jwt() },
  });
  assert.equal(noBody.statusCode, 200, noBody.body);
  assert.equal(noBody.json().total, botSessions);

  // With a body: skip, limit, dateFrom, dateTo.
  const day = new Date(NOW - 2 * DAY).toISOString().slice(0, 10);
  const next = new Date(NOW - DAY).toISOString().slice(0, 10);
  const withBody = await post('/api/public/getSessions?containmentType=selfService', {
    skip: 0,
    limit: 100,
    dateFrom: day,
    dateTo: next,
  });
  assert.equal(withBody.statusCode, 200, withBody.body);
  const from = Date.parse(`${day}T00:00:00Z`);
  for (const s of withBody.json().sessions) {
    assert.ok(Date.parse(s.start_time) >= from && Date.parse(s.start_time) <= from + DAY);
  }
  assert.ok(withBody.json().sessions.some((s: any) => s.sessionId === SELF));
  // The same window in the other accepted format, yyyy-mm-ddThh:mm:ss.msZ.
  const withTimes = await post('/api/public/getSessions?containmentType=selfService', {
    skip: 0,
    limit: 100,
    dateFrom: `${day}T00:00:00.000Z`,
    dateTo: `${next}T00:00:00.000Z`,
  });
  assert.deepEqual(withTimes.json(), withBody.json());

  // For a specific bot.
  const forBot = await post(`/api/public/bot/${BOT}/getSessions?containmentType=agent`, {
    skip: 0,
    limit: 100,
    dateFrom: day,
    dateTo: next,
  });
  assert.deepEqual(
    forBot.json().sessions.map((s: any) => s.sessionId),
    [AGENT],
  );
  assert.equal(forBot.json().sessions[0].botId, BOT);

  // For specific session ids, one of them invalid.
  const byId = await post(`/api/public/bot/${BOT}/getSessions`, {
    sessionId: [SELF, '6465cf6e47Q9ed4e822b82a1'],
  });
  assert.equal(byId.statusCode, 200, byId.body);
  assert.deepEqual(Object.keys(byId.json()).sort(), [
    'invalidSessions',
    'moreAvailable',
    'sessions',
    'total',
  ]);
  assert.equal(byId.json().total, 1);
  assert.equal(byId.json().moreAvailable, false);
  assert.deepEqual(byId.json().invalidSessions, ['6465cf6e47Q9ed4e822b82a1']);
  const s = byId.json().sessions[0];
  checkSession(s);
  assert.deepEqual(
    { ...s, start_time: undefined, end_time: undefined },
    {
      sessionId: SELF,
      botId: BOT,
      channel: 'rtm',
      userId: `u-${SELF}`,
      start_time: undefined,
      end_time: undefined,
      session_lang: ['en'],
      sessionType: 'interactive',
      containmentType: 'selfService',
      isDeveloper: false,
      sessionStatus: 'closed',
      tags: { userTags: [{ value: 'newuser', name: 'regular' }], sessionTags: [] },
      noOfMessagesExchanged: 3,
      noOfTasksExecuted: 1,
    },
  );
});

test('containment: self-service, drop-off and agent transfer, derived as DESIGN.md says', async () => {
  const body = (await post('/api/public/getSessions', { sessionId: [SELF, DROP, AGENT] })).json();
  const by = Object.fromEntries(body.sessions.map((s: any) => [s.sessionId, s]));
  assert.equal(by[SELF].containmentType, 'selfService');
  assert.equal(by[DROP].containmentType, 'dropOff');
  assert.equal(by[AGENT].containmentType, 'agent');
  assert.deepEqual(by[AGENT].session_lang, ['en', 'cs']);
  assert.equal(by[DROP].noOfTasksExecuted, 0);
  // Newest first.
  assert.deepEqual(
    body.sessions.map((s: any) => s.sessionId),
    [AGENT, DROP, SELF],
  );
  // Simulated bot sessions cover all three too.
  for (const c of ['selfService', 'dropOff', 'agent']) {
    assert.ok((await post(`/api/public/getSessions?containmentType=${c}`, {})).json().total > 1, c);
  }
});

test('filters: tags, userId and sessionType', async () => {
  const url = `/api/public/bot/${BOT}/getSessions`;
  const ids = (body: unknown) =>
    post(url, body).then((r) =>
      r
        .json()
        .sessions.map((s: any) => s.sessionId)
        .sort(),
    );
  assert.deepEqual(
    await ids({ tags: { userTags: [{ name: 'regular', value: 'newuser' }] } }),
    [SELF, DROP, AGENT].sort(),
  );
  assert.deepEqual(await ids({ tags: { userTags: [{ name: 'regular', values: ['other'] }] } }), []);
  assert.deepEqual(await ids({ tags: { sessionTags: [{ name: 'regular' }] } }), []);
  assert.deepEqual(await ids({ userId: `u-${DROP}` }), [DROP]);
  assert.deepEqual(await ids({ sessionType: 'interactive' }), [SELF, DROP, AGENT].sort());
  assert.deepEqual(await ids({ sessionType: 'non-interactive' }), []);
});

test('paging: skip/limit walk every session once; total and moreAvailable exact', async () => {
  const all: string[] = [];
  let skip = 0;
  for (;;) {
    const page = (await post('/api/public/getSessions', { skip, limit: 37 })).json();
    assert.equal(page.total, botSessions);
    all.push(...page.sessions.map((s: any) => s.sessionId));
    assert.equal(page.moreAvailable, skip + page.sessions.length < botSessions);
    if (!page.moreAvailable) break;
    skip += 37;
  }
  assert.equal(all.length, botSessions);
  assert.equal(new Set(all).size, botSessions);
  const times = (await post('/api/public/getSessions', { limit: 1000 }))
    .json()
    .sessions.map((s: any) => Date.parse(s.start_time));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
    'newest first',
  );
  const beyond = (await post('/api/public/getSessions', { offset: botSessions + 5 })).json();
  assert.deepEqual([beyond.sessions.length, beyond.moreAvailable, beyond.total], [0, false, botSessions]);
});

test('sessionId rules: ≤ 50 counting duplicates, other filters ignored, non-array refused', async () => {
  const fifty = [...Array(25).fill(SELF), ...Array(25).fill(DROP)];
  const ok = await post('/api/public/getSessions?containmentType=agent', {
    sessionId: fifty,
    dateFrom: '2020-01-01',
    dateTo: '2020-01-02',
    limit: 1,
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().total, 2, 'duplicates ignored, other filters ignored');
  const tooMany = await post('/api/public/getSessions', { sessionId: [...fifty, AGENT] });
  assert.equal(tooMany.statusCode, 400);
  assert.match(tooMany.json().errors[0].msg, /sessionId/);
  const notArray = await post('/api/public/getSessions', { sessionId: SELF });
  assert.equal(notArray.statusCode, 400);
  assert.match(notArray.json().errors[0].msg, /sessionId/);
  const other = await post(`/api/public/bot/${BOT}/getSessions`, { sessionId: [SELF] }, h.other);
  assert.deepEqual(other.json(), { total: 0, moreAvailable: false, sessions: [], invalidSessions: [SELF] });
});

test('bad input → 400 in Kore’s shape naming the field', async () => {
  const cases: [string, unknown, string][] = [
    ['', { dateFrom: '2026-03-01', dateTo: '2026-03-08' }, 'dateTo'],
    ['', { dateFrom: '2026-03-05', dateTo: '2026-03-01' }, 'dateFrom'],
    ['', { dateFrom: 'last week' }, 'dateFrom'],
    ['', { dateTo: '2026-02-30' }, 'dateTo'],
    ['', { skip: -1 }, 'skip'],
    ['', { offset: -1 }, 'offset'],
    ['', { limit: 0 }, 'limit'],
    ['', { limit: 1001 }, 'limit'],
    ['', { limit: 'many' }, 'limit'],
    ['?containmentType=botOnly', {}, 'containmentType'],
    ['', { sessionType: 'chatty' }, 'sessionType'],
    ['', { tags: 'vip' }, 'tags'],
  ];
  for (const [query, body, field] of cases) {
    const response = await post(`/api/public/getSessions${query}`, body);
    assert.equal(response.statusCode, 400, `${JSON.stringify(body)}: ${response.body}`);
    const error = response.json().errors[0];
    assert.equal(error.code, 400);
    assert.match(error.msg, new RegExp(field), response.body);
  }
  const notJson = await post('/api/public/getSessions', undefined, undefined, '{"limit": ');
  assert.equal(notJson.statusCode, 400);
  assert.equal(typeof notJson.json().errors[0].msg, 'string');
  const array = await post('/api/public/getSessions', [1, 2]);
  assert.equal(array.statusCode, 400);
  // A window of exactly the defaults (7 days) is what omitting both dates gives, and is allowed.
  assert.equal((await post('/api/public/getSessions', { dateTo: '2026-03-10' })).statusCode, 200);
  // Another tenant's bot answers as if it had no sessions.
  assert.deepEqual((await post(`/api/public/bot/${BOT}/getSessions`, {}, h.other)).json(), {
    total: 0,
    moreAvailable: false,
    sessions: [],
  });
});

test('auth: HS256 with the client secret and appId; everything else 401; jti replays refused', async () => {
  const url = '/api/public/getSessions';
  const call = (auth?: string) =>
    h.request({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...(auth ? { auth } : {}) },
      payload: '{}',
    });
  assert.equal((await call(await jwt())).statusCode, 200);
  const refusals = [
    undefined,
    'not-a-jwt',
    await jwt(h.tenant, {}, { secret: 'wrong-secret-wrong-secret-wrong-secret' }),
    await jwt(h.tenant, {}, { alg: 'HS512' }),
    await jwt(h.tenant, { appId: 'sbc_unknown' }),
    await jwt(h.tenant, { appId: undefined }),
    await jwt(h.tenant, { exp: Math.floor(clock / 1000) - 10 }),
    await jwt(h.tenant, { jti: randomUUID() }), // a jti needs an exp
    await jwt(h.tenant, { jti: randomUUID(), exp: Math.floor(clock / 1000) + 7200 }), // more than an hour ahead
  ];
  const [header, payload] = (await jwt()).split('.');
  const none = JSON.parse(Buffer.from(header, 'base64url').toString());
  refusals.push(`${Buffer.from(JSON.stringify({ ...none, alg: 'none' })).toString('base64url')}.${payload}.`);
  for (const auth of refusals) {
    const response = await call(auth);
    assert.equal(response.statusCode, 401, `${auth}: ${response.body}`);
    assert.equal(response.json().errors[0].code, 401);
  }
  const once = await jwt(h.tenant, { jti: randomUUID(), exp: Math.floor(clock / 1000) + 600 });
  assert.equal((await call(once)).statusCode, 200);
  const replay = await call(once);
  assert.equal(replay.statusCode, 401);
  assert.match(replay.json().errors[0].msg, /replay/);
});

test('messages: getMessages (≤ 100) and getMessagesV2 (≤ 10,000), GET and POST', async () => {
  const url = `/api/public/bot/${BOT}/getMessages`;
  const byPost = await post(url, { sessionId: [AGENT] });
  assert.equal(byPost.statusCode, 200, byPost.body);
  const body = byPost.json();
  assert.deepEqual(Object.keys(body).sort(), ['messages', 'moreAvailable', 'total']);
  assert.equal(body.total, 3);
  const [latest] = body.messages;
  assert.deepEqual(Object.keys(latest).sort(), [
    '_id',
    'botId',
    'channels',
    'components',
    'createdBy',
    'createdOn',
    'lang',
    'lmodifiedOn',
    'sessionId',
    'status',
    'tags',
    'timestampValue',
    'type',
    'userId',
  ]);
  assert.equal(latest.type, 'outgoing');
  assert.equal(latest.components[0].cT, 'text');
  assert.equal(latest.components[0].data.text, 'Hi, Eva here.');
  assert.equal(latest.lang, 'cs');
  assert.equal(latest.timestampValue, Date.parse(latest.createdOn));
  assert.deepEqual(
    body.messages.map((m: any) => m.type),
    ['outgoing', 'incoming', 'outgoing'],
  );
  const forward = (await post(url, { sessionId: [AGENT], forward: true })).json();
  assert.deepEqual(
    forward.messages.map((m: any) => m._id),
    body.messages.map((m: any) => m._id).reverse(),
  );

  const byGet = await h.request({
    method: 'GET',
    url: `${url}?sessionId=${AGENT}&limit=2`,
    headers: { auth: await jwt() },
  });
  assert.equal(byGet.statusCode, 200, byGet.body);
  assert.equal(byGet.json().messages.length, 2);
  assert.equal(byGet.json().moreAvailable, true);

  const all = (await post(`/api/public/bot/${BOT}/getMessagesV2`, { limit: 10000 })).json();
  assert.equal(all.total, 8);
  assert.equal(all.messages.length, 8);
  assert.equal((await post(url, { limit: 101 })).statusCode, 400);
  assert.equal((await post(`/api/public/bot/${BOT}/getMessagesV2`, { limit: 10001 })).statusCode, 400);
  assert.equal((await post(url, { dateFrom: '2026-01-01', dateTo: '2026-02-01' })).statusCode, 400);
  assert.equal((await post(url, {}, h.other)).json().total, 0);
});

test('rate limits: 60 per minute and 1,800 per hour per bot, rolling, 429 with Retry-After', async () => {
  const other = h.other;
  const call = () => post(`/api/public/bot/${BOT}/getSessions`, {}, other);
  await h.db.query('DELETE FROM kore_rate_hits WHERE tenant_id = $1', [other.id]); // earlier tests' calls
  try {
    for (let i = 0; i < 60; i++) {
      clock = NOW + i * 500; // 60 calls within 30 s
      assert.equal((await call()).statusCode, 200, `call ${i + 1}`);
    }
    const limited = await call();
    assert.equal(limited.statusCode, 429);
    assert.equal(
      limited.json().errors[0].msg,
      'Rate limit for this API has been reached. Please try again after some time.',
    );
    assert.equal(limited.headers['retry-after'], '31'); // the first call leaves the window at NOW + 60 s
    // Another bot of the same tenant has its own budget.
    assert.equal((await post('/api/public/bot/st-other/getSessions', {}, other)).statusCode, 200);
    clock = NOW + 60_001; // the first call left the minute window
    assert.equal((await call()).statusCode, 200);
    assert.equal((await call()).statusCode, 429);

    // The hourly limit, configured per tenant.
    await h.db.query('UPDATE tenants SET kore_per_hour = 61 WHERE id = $1', [other.id]);
    clock = NOW + 200_000;
    assert.equal((await call()).statusCode, 429);
    const hourly = await call();
    assert.equal(hourly.headers['retry-after'], String(Math.ceil((NOW + 3_600_000 - clock) / 1000)));
    clock = NOW + 3_600_001;
    assert.equal((await call()).statusCode, 200);
  } finally {
    clock = NOW;
  }
});
