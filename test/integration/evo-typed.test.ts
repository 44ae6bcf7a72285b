/**
 * What ServiceStack's typed clients (`@servicestack/client` with generated DTOs) and the official CLI call
 * beyond the custom routes: each operation through `/api/{Op}` and `/json/reply/{Op}` (plus XML, CSV,
 * JSON Lines and the refused JSV), the verbs, the Evo surface's 404, the Log filter over state lines, the
 * live lists, `/calls/active` and transcripts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import { conform, ResponseStatus } from './evo-schema.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let ticks = 0;
let h: Harness;
const at = (ms: number) => new Date(ms).toISOString();
const agent = { id: '42', firstName: 'Eva', lastName: 'Agentová' };
const bot = { botId: 'st-1', chatbotId: 1, name: 'Helper' };

/** A connected phone call, a chat with guest, operator and bot messages, and that guest's earlier chat. */
function events() {
  const t = NOW - DAY;
  const call = [
    {
      type: 'session.created',
      at: at(t),
      channel: 'phone',
      source: 'IncomingCall',
      telephony: {
        from: '+420111',
        to: '+420800',
        callSid: 'CA1',
        customerId: 'cust-9',
        customerName: 'Jan',
      },
    },
    { type: 'routing.requested', at: at(t + 1000), group: { id: 5, name: 'Billing' } },
    { type: 'routing.assigned', at: at(t + 2000), operator: agent },
    { type: 'routing.accepted', at: at(t + 3000), operator: agent },
    { type: 'operator.joined', at: at(t + 3000), operator: agent },
    { type: 'guest.joined', at: at(t + 3000) },
  ].map((e, i) => ({ id: `call-${i}`, sessionId: 'call-1', ...e }));
  const chat = (sessionId: string, start: number, text: string) =>
    [
      {
        type: 'session.created',
        at: at(start),
        channel: 'chat',
        guest: { identity: 'contact-7', name: 'Alice' },
        bot: { botId: bot.botId },
      },
      { type: 'guest.joined', at: at(start + 100) },
      { type: 'bot.joined', at: at(start + 100), bot },
      { type: 'message', at: at(start + 200), from: 'bot', text: 'Hi!', lang: 'en' },
      { type: 'message', at: at(start + 300), from: 'guest', text, lang: 'en' },
      { type: 'bot.handoff', at: at(start + 400) },
      { type: 'bot.left', at: at(start + 400), bot },
      { type: 'routing.requested', at: at(start + 500), group: { id: 5, name: 'Billing' } },
      { type: 'routing.assigned', at: at(start + 600), operator: agent },
      { type: 'routing.accepted', at: at(start + 700), operator: agent },
      { type: 'operator.joined', at: at(start + 700), operator: agent },
      { type: 'message', at: at(start + 800), from: 'operator', operator: agent, text: 'Hello', lang: 'cs' },
    ].map((e, i) => ({ id: `${sessionId}-${i}`, sessionId, ...e }));
  const old = [
    { type: 'session.created', at: at(NOW - 20 * DAY), channel: 'phone' },
    { type: 'session.log', at: at(NOW - 20 * DAY + 1000), message: 'Caller verified' },
    { type: 'session.ended', at: at(NOW - 20 * DAY + 2000) },
  ].map((e, i) => ({ id: `old-${i}`, sessionId: 'old-1', ...e }));
  return [
    ...call,
    ...chat('chat-0', NOW - 3 * DAY, 'First question'),
    ...chat('chat-1', NOW - DAY / 2, 'Second question'),
    ...old,
  ];
}

const basic = () => ({
  authorization: `Basic ${Buffer.from(`${h.tenant.credentials.clientId}:${h.tenant.credentials.clientSecret}`).toString('base64')}`,
});
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const call = (method: Method, url: string, payload?: object, headers: Record<string, string> = basic()) =>
  h.request({ method, url, headers, ...(payload ? { payload } : {}) });
async function ok(method: Method, url: string, payload?: object) {
  const response = await call(method, url, payload);
  assert.equal(response.statusCode, 200, `${method} ${url}: ${response.body}`);
  return response;
}
function evoError(response: { statusCode: number; json(): any; body: string }, status: number, code: string) {
  assert.equal(response.statusCode, status, response.body);
  conform(ResponseStatus, response.json(), 'an error');
  assert.equal(response.json().responseStatus.errorCode, code, response.body);
  return response.json().responseStatus;
}

before(async () => {
  h = await harness({ now: () => NOW + ticks++ * 1000 });
  await h.ingest(events());
});
after(() => h.close());

test('Authenticate through /api and /json/reply: JSON and form posts, GET answers the session, DELETE logs out', async () => {
  const credentials = {
    userName: h.tenant.credentials.clientId,
    password: h.tenant.credentials.clientSecret,
  };
  const login = await call(
    'POST',
    '/api/Authenticate',
    { provider: 'credentials', ...credentials, rememberMe: true },
    {},
  );
  assert.equal(login.statusCode, 200, login.body);
  const cookies = Object.fromEntries(login.cookies.map((c) => [c.name, c.value]));
  assert.ok(cookies['ss-id'] && cookies['ss-pid']);
  const cookie = { cookie: `ss-id=${cookies['ss-id']}` };
  const current = await call('GET', '/api/Authenticate', undefined, cookie);
  assert.equal(current.statusCode, 200, current.body);
  assert.equal(current.json().sessionId, cookies['ss-id']);
  assert.equal(current.json().userId, h.tenant.credentials.clientId);

  const form = await h.request({
    method: 'POST',
    url: '/json/reply/Authenticate',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `UserName=${encodeURIComponent(credentials.userName)}&Password=${encodeURIComponent(credentials.password)}`,
  });
  assert.equal(form.statusCode, 200, form.body);
  assert.equal(form.json().userName, credentials.userName);

  evoError(
    await call('GET', `/api/Authenticate?userName=${credentials.userName}&password=x`, undefined, {}),
    405,
    'NotSupported',
  );
  evoError(await call('GET', '/api/Authenticate', undefined, {}), 401, 'Unauthorized');
  evoError(
    await call('POST', '/api/Authenticate', { ...credentials, password: 'wrong' }, {}),
    401,
    'Unauthorized',
  );
  assert.equal((await call('DELETE', '/json/reply/Authenticate', undefined, cookie)).statusCode, 200);
  evoError(await call('GET', '/api/ListSessions', undefined, cookie), 401, 'Unauthorized');
});

test('the reads through /api and /json/reply answer what the custom routes answer', async () => {
  const custom = (await ok('GET', '/sessions?specificIds=call-1,chat-1')).json();
  assert.equal(custom.totalCount, 2);
  assert.deepEqual((await ok('GET', '/api/ListSessions?SpecificIds=call-1,chat-1')).json(), custom);
  // Body names bind case-insensitively; a JSON list is a list.
  assert.deepEqual(
    (await ok('POST', '/json/reply/ListSessions', { specificIDs: ['call-1', 'chat-1'] })).json(),
    custom,
  );
  assert.deepEqual(
    (await ok('GET', '/api/listsessions?specificids=call-1&specificids=chat-1')).json(),
    custom,
  );

  const one = (await ok('GET', '/sessions/call-1')).json();
  assert.deepEqual((await ok('GET', '/api/GetSession?sessionId=call-1')).json(), one);
  assert.deepEqual((await ok('POST', '/json/reply/GetSession', { SessionId: 'call-1' })).json(), one);
  assert.deepEqual((await ok('GET', '/json/reply/GetSession?SESSIONID=call-1')).json(), one);
  assert.equal(
    evoError(await call('GET', '/api/GetSession'), 400, 'ArgumentException').errors[0].fieldName,
    'SessionId',
  );
  evoError(await call('GET', '/api/GetSession?sessionId=nope'), 404, 'NotFound');
  evoError(await call('GET', '/api/GetSession?sessionId=call-1', undefined, {}), 401, 'Unauthorized');

  for (const op of ['GetActiveSessions', 'GetMySessions']) {
    const path = op === 'GetActiveSessions' ? '/sessions/active' : '/sessions/my';
    const expected = (await ok('GET', path)).json();
    assert.deepEqual(Object.keys(expected), ['sessions']);
    assert.deepEqual(
      expected.sessions.map((s: any) => s.id),
      ['chat-1', 'call-1', 'chat-0'],
    );
    assert.deepEqual((await ok('GET', `/api/${op}`)).json(), expected);
    assert.deepEqual((await ok('POST', `/json/reply/${op}`, {})).json(), expected);
  }
  assert.deepEqual((await ok('GET', '/api/GetActiveSessions?accountId=someone-else')).json(), {
    sessions: [],
  });
});

test('HoldSession, RedirectSession and PatchSession through the typed routes; a change is refused over GET', async () => {
  const held = (
    await ok('POST', '/api/HoldSession', { sessionId: 'call-1', callSid: 'CA1', reason: 'Transferring' })
  ).json();
  assert.deepEqual([held.callState, held.holdReason], ['Hold', 'Transferring']);
  const resumed = (
    await ok('POST', '/json/reply/PatchSession', { sessionId: 'call-1', callState: 'Connected' })
  ).json();
  assert.equal(resumed.callState, 'Connected');
  const held2 = (await ok('POST', '/json/reply/HoldSession', { SessionId: 'call-1' })).json();
  assert.deepEqual([held2.callState, held2.holdReason], ['Hold', 'None']);
  await ok('PATCH', '/api/PatchSession', { sessionId: 'call-1', callState: 'Connected' });
  const redirected = (
    await ok('POST', '/api/RedirectSession', {
      sessionId: 'call-1',
      destination: '+420999',
      callerId: '+420800',
    })
  ).json();
  assert.ok(redirected.members.some((m: any) => m.role === 'Transfer' && m.identity === '+420999'));
  const again = (
    await ok('POST', '/json/reply/RedirectSession', { sessionId: 'call-1', destination: '+420998' })
  ).json();
  assert.equal(again.members.filter((m: any) => m.role === 'Transfer').length, 2);

  const refused = await call('GET', '/api/HoldSession?sessionId=call-1');
  evoError(refused, 405, 'NotSupported');
  assert.equal(refused.headers.allow, 'POST, PUT');
  evoError(
    await call('GET', '/json/reply/RedirectSession?sessionId=call-1&destination=+1'),
    405,
    'NotSupported',
  );
  evoError(
    await call('POST', '/api/HoldSession', { sessionId: 'call-1', reason: 'Coffee' }),
    400,
    'ArgumentException',
  );
  evoError(await call('POST', '/api/RedirectSession', { sessionId: 'call-1' }), 400, 'ArgumentException');
  evoError(await call('POST', '/api/HoldSession', { sessionId: 'old-1' }), 409, 'Conflict');

  // The native API saw every operation as an event.
  const native = (await h.request({ method: 'GET', url: '/v1/sessions/call-1', headers: h.auth() })).json();
  assert.equal(native.holdCount, 2);
});

test('formats on the predefined routes: XML, CSV, JSON Lines; JSV refused in responseStatus', async () => {
  const xml = await ok('GET', '/xml/reply/GetSession?sessionId=chat-1');
  assert.match(String(xml.headers['content-type']), /application\/xml/);
  assert.equal(xml.body, (await ok('GET', '/sessions/chat-1.xml')).body);
  const list = await ok('GET', '/xml/reply/GetActiveSessions');
  assert.match(
    list.body,
    /^<GetActiveSessionsResponse xmlns="http:\/\/schemas\.datacontract\.org\/2004\/07\/Voice\.Api\.Sessions"[^>]*><Sessions><SessionInfo>/,
  );
  const auth = await ok('GET', '/xml/reply/Authenticate');
  assert.match(auth.body, /^<AuthenticateResponse xmlns="http:\/\/schemas\.servicestack\.net\/types"/);
  assert.match(
    auth.body,
    /<Roles xmlns:d2p1="http:\/\/schemas\.microsoft\.com\/2003\/10\/Serialization\/Arrays"><d2p1:string>Manager<\/d2p1:string><\/Roles>/,
  );

  const csv = await ok('GET', '/csv/reply/ListSessions?specificIds=call-1,chat-1');
  assert.match(String(csv.headers['content-type']), /text\/csv/);
  assert.equal(csv.body, (await ok('GET', '/sessions.csv?specificIds=call-1,chat-1')).body);

  const lines = await ok('POST', '/jsonl/reply/ListSessions', { specificIds: 'call-1,chat-1' });
  assert.deepEqual(
    lines.body
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).id),
    (await ok('GET', '/sessions?specificIds=call-1,chat-1')).json().items.map((s: any) => s.id),
  );
  assert.equal((await ok('GET', '/api/GetSession?sessionId=call-1&format=jsonl')).body.split('\n').length, 2);

  for (const url of [
    '/jsv/reply/GetSession?sessionId=call-1',
    '/api/GetSession?sessionId=call-1&format=jsv',
    '/sessions?format=jsv',
  ]) {
    const rs = evoError(await call('GET', url), 405, 'NotSupported');
    assert.match(rs.message, /jsv/);
    assert.equal(rs.errors[0].fieldName, 'format');
  }
});

test('unknown routes and operations of the Evo surface answer responseStatus 404; other dialects keep theirs', async () => {
  for (const [method, url] of [
    ['GET', '/api/NoSuchOperation'],
    ['POST', '/json/reply/NoSuchOperation'],
    ['GET', '/csv/reply/GetCustomer'],
    ['GET', '/jsv/reply/Nope'],
    ['POST', '/json/oneway/HoldSession'],
    ['GET', '/sessions/call-1/nope'],
    ['PUT', '/sessions/call-1'],
    ['GET', '/calls/recent'],
    ['GET', '/accounts/acc-1'],
    ['GET', '/auth/nope'],
    ['GET', '/api'],
  ] as const) {
    const rs = evoError(await call(method, url, undefined, {}), 404, 'NotFound');
    assert.match(rs.message, /not found|Unknown operation/);
  }
  assert.match(
    evoError(await call('GET', '/api/Frobnicate', undefined, {}), 404, 'NotFound').message,
    /Frobnicate/,
  );
  const xml = await call('GET', '/xml/reply/NoSuchOperation', undefined, {});
  assert.equal(xml.statusCode, 404);
  assert.match(xml.body, /^<ErrorResponse><ResponseStatus><ErrorCode>NotFound<\/ErrorCode>/);

  for (const url of ['/api/v1/Nope', '/api/public/nope', '/api/v1', '/nope']) {
    const other = await call('GET', url, undefined, {});
    assert.equal(other.statusCode, 404, url);
    assert.equal(other.json().responseStatus, undefined, `${url} is not Evo's: ${other.body}`);
  }
});

test('Log finds the state lines the log shows; without StartDate or SearchArchive it reaches back 15 days', async () => {
  const line = (await ok('GET', '/sessions/call-1')).json().log.map((l: any) => l.message);
  assert.ok(line.includes('Connected (ACTIVE)'), String(line));
  const ids = async (query: string) =>
    (await ok('GET', `/sessions?${query}&all=true`))
      .json()
      .items.map((s: any) => s.id)
      .sort();
  assert.deepEqual(await ids('log=Connected'), ['call-1', 'chat-0', 'chat-1']);
  assert.deepEqual(await ids('log=(active)'), ['call-1', 'chat-0', 'chat-1']);
  assert.deepEqual(await ids('log=Closed&searchArchive=true'), ['old-1']);
  assert.deepEqual(await ids('log=Queued'), ['call-1', 'chat-0', 'chat-1']);
  // A log text of its own, older than 15 days: only with SearchArchive or a StartDate.
  assert.deepEqual(await ids('log=verified'), []);
  assert.deepEqual(await ids('log=verified&searchArchive=true'), ['old-1']);
  assert.deepEqual(await ids(`log=verified&startDate=${at(NOW - 30 * DAY).slice(0, 10)}`), ['old-1']);
  assert.deepEqual(await ids(`log=verified&endDate=${at(NOW - 19 * DAY).slice(0, 10)}`), ['old-1']);
  assert.deepEqual(await ids('log=nothing-like-this&searchArchive=true'), []);
  assert.deepEqual(await ids('log=100%25'), []);
});

test('/calls/active and transcripts as the CLI calls them', async () => {
  const calls = (await ok('GET', `/calls/active?accountId=${h.tenant.id}`)).json();
  assert.deepEqual(
    calls.calls.map((s: any) => s.id),
    ['call-1'],
  );
  assert.deepEqual((await ok('GET', '/calls/active?accountId=someone-else')).json(), { calls: [] });
  evoError(await call('GET', '/calls/active', undefined, {}), 401, 'Unauthorized');

  const plain = (await ok('GET', '/sessions/chat-1/transcript')).json();
  assert.equal(plain.sessionId, 'chat-1');
  assert.deepEqual(
    plain.messages.map((m: any) => [m.sender, m.senderName, m.text]),
    [
      ['Bot', 'Helper', 'Hi!'],
      ['Caller', 'Alice', 'Second question'],
      ['Agent', 'Eva Agentová', 'Hello'],
    ],
  );
  assert.equal(plain.messages[1].senderId, 'contact-7');
  const history = (await ok('GET', '/sessions/chat-1/transcript?includeHistorical=true')).json();
  assert.deepEqual(
    history.messages.map((m: any) => `${m.sessionId}:${m.text}`),
    [
      'chat-0:Hi!',
      'chat-0:First question',
      'chat-0:Hello',
      'chat-1:Hi!',
      'chat-1:Second question',
      'chat-1:Hello',
    ],
  );
  const cutoff = at(NOW - 2 * DAY).slice(0, 10);
  const cut = (
    await ok('GET', `/sessions/chat-1/transcript?includeHistorical=true&historicalCutOffDate=${cutoff}`)
  ).json();
  assert.deepEqual(new Set(cut.messages.map((m: any) => m.sessionId)), new Set(['chat-1']));
  assert.deepEqual(
    (await ok('GET', '/sessions/call-1/transcript?includeHistorical=true')).json().messages,
    [],
  );
  assert.equal(
    evoError(
      await call('GET', '/sessions/chat-1/transcript?includeHistorical=true&historicalCutOffDate=soon'),
      400,
      'ArgumentException',
    ).errors[0].fieldName,
    'HistoricalCutOffDate',
  );
  evoError(await call('GET', '/sessions/chat-1/transcript', undefined, basicOf(h.other)), 404, 'NotFound');
});

const basicOf = (t: Harness['other']) => ({
  authorization: `Basic ${Buffer.from(`${t.credentials.clientId}:${t.credentials.clientSecret}`).toString('base64')}`,
});
