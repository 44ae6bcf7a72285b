import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { create } from 'xmlbuilder2';
import { harness, type Harness } from './harness.js';
import { addClient, type CreatedTenant } from '../../src/tenants/repository.js';
import { simulate } from '../../src/simulator/simulate.js';
import { cookieHash } from '../../src/dialects/evo/auth.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let ticks = 0;
let h: Harness;
const T = (s: number) => new Date(NOW - DAY + s * 1000).toISOString();
const agent = { id: '42', firstName: 'Eva', lastName: 'Agentová' };

/** An inbound phone call, in steps, so its states can be read at each one. */
const call = [
  {
    type: 'session.created',
    at: T(0),
    channel: 'phone',
    source: 'IncomingCall',
    telephony: {
      from: '+420111',
      fromName: 'Jan',
      to: '+420800',
      destination: '+420800',
      callSid: 'CA1',
      customerId: 'cust-9',
      customerName: 'Jan Novák',
      endpointId: 'ep-1',
      endpointName: 'Main line',
    },
  },
  { type: 'routing.requested', at: T(1), group: { id: 5, name: 'Billing' } },
  { type: 'routing.queued', at: T(1), group: { id: 5, name: 'Billing' } },
  { type: 'routing.assigned', at: T(20), operator: agent },
  { type: 'routing.accepted', at: T(25), operator: agent },
  { type: 'operator.joined', at: T(25), operator: agent },
  { type: 'guest.joined', at: T(25) },
  { type: 'session.log', at: T(26), message: 'Caller verified' },
].map((e, i) => ({ id: `call-${i}`, sessionId: 'call-1', ...e }));

let simulatedIds: string[] = [];
before(async () => {
  h = await harness({ now: () => NOW + ticks++ * 1000 });
  const batches = [...simulate({ seed: 21, sessions: 120, start: NOW - 5 * DAY, end: NOW - 2 * DAY })];
  simulatedIds = batches.map((b) => b[0].sessionId);
  await h.ingest(batches.flat());
});
after(() => h.close());

const basic = (t: CreatedTenant = h.tenant) => ({
  authorization: `Basic ${Buffer.from(`${t.credentials.clientId}:${t.credentials.clientSecret}`).toString('base64')}`,
});
const get = (url: string, headers: Record<string, string> = basic()) =>
  h.request({ method: 'GET', url, headers });

function assertEvoError(
  response: { statusCode: number; json(): any; body: string },
  status: number,
  field?: string,
) {
  assert.equal(response.statusCode, status, response.body);
  const rs = response.json().responseStatus;
  assert.equal(typeof rs.errorCode, 'string');
  assert.equal(typeof rs.message, 'string');
  assert.ok(Array.isArray(rs.errors));
  if (field) assert.equal(rs.errors[0]?.fieldName, field, response.body);
  return rs;
}

test('cookie login, then list, then get — as the official client does; status and logout', async () => {
  const login = await h.request({
    method: 'POST',
    url: '/auth/credentials',
    payload: {
      provider: 'credentials',
      userName: h.tenant.credentials.clientId,
      password: h.tenant.credentials.clientSecret,
      rememberMe: true,
    },
  });
  assert.equal(login.statusCode, 200, login.body);
  assert.ok(['userId', 'sessionId', 'userName', 'displayName', 'roles'].every((k) => k in login.json()));
  const cookies = Object.fromEntries(login.cookies.map((c) => [c.name, c.value]));
  assert.ok(cookies['ss-id'] && cookies['ss-pid']);
  const cookie = { cookie: `ss-id=${cookies['ss-id']}; ss-pid=${cookies['ss-pid']}` };
  const status = (await get('/auth/status', cookie)).json();
  assert.deepEqual(status.accountIds, [h.tenant.id]);
  assert.deepEqual(status.accountNames, ['acme']);
  assert.equal(status.isAuthenticated, true);
  const list = await get(
    `/sessions?accountIds=${h.tenant.id}&page=0&countPerPage=10&sortOrder=Descend&simplifiedPaging=false`,
    cookie,
  );
  assert.equal(list.statusCode, 200, list.body);
  const page = list.json();
  assert.deepEqual(Object.keys(page).sort(), ['hasMorePages', 'items', 'totalCount', 'totalPages']);
  assert.equal(page.items.length, 10);
  assert.equal(page.totalCount, 120);
  assert.equal(page.totalPages, 12);
  assert.equal(page.hasMorePages, true);
  const one = await get(`/sessions/${page.items[0].id}`, cookie);
  assert.equal(one.statusCode, 200);
  assert.deepEqual(one.json(), page.items[0]);
  assert.ok(one.json().log.length > 0, 'the log is filled');

  // /auth with provider, and logout revokes the session.
  const viaAuth = await h.request({
    method: 'POST',
    url: '/auth',
    payload: {
      provider: 'credentials',
      userName: h.tenant.credentials.clientId,
      password: h.tenant.credentials.clientSecret,
    },
  });
  assert.equal(viaAuth.statusCode, 200);
  assert.equal((await h.request({ method: 'POST', url: '/auth/logout', headers: cookie })).statusCode, 200);
  assertEvoError(await get('/sessions', cookie), 401);
  assertEvoError(
    await h.request({
      method: 'POST',
      url: '/auth/credentials',
      payload: { userName: h.tenant.credentials.clientId, password: 'wrong' },
    }),
    401,
  );
  assertEvoError(await get('/sessions', {}), 401);
  assertEvoError(await get('/sessions', { cookie: 'ss-id=forged' }), 401);
});

test('cookie sessions expire', async () => {
  const login = await h.request({
    method: 'POST',
    url: '/auth/credentials',
    payload: { userName: h.tenant.credentials.clientId, password: h.tenant.credentials.clientSecret },
  });
  const id = login.cookies.find((c) => c.name === 'ss-id')!.value;
  assert.equal((await get('/sessions?countPerPage=1', { cookie: `ss-id=${id}` })).statusCode, 200);
  // Rows hold the cookie's hash (migration 021).
  await h.db.query('UPDATE evo_auth_sessions SET expires_at = created_at WHERE id = $1', [cookieHash(id)]);
  assertEvoError(await get('/sessions?countPerPage=1', { cookie: `ss-id=${id}` }), 401);
});

test('state mapping through a whole call: Ringing → Connected → Hold → Connected → Disconnected', async () => {
  const states = async () => {
    const s = (await get('/sessions/call-1')).json();
    return [s.callState, s.queueState, s.dialState];
  };
  await h.ingest(call.slice(0, 1));
  assert.deepEqual(await states(), ['Ringing', 'None', 'None']);
  await h.ingest(call.slice(1, 3));
  assert.deepEqual(await states(), ['Ringing', 'Queued', 'None']);
  const queued = (await get('/sessions/call-1')).json();
  assert.equal(queued.ringQueueId, '5');
  await h.ingest(call.slice(3, 4));
  assert.deepEqual(await states(), ['Ringing', 'Ringing', 'None']);
  assert.equal((await get('/sessions/call-1')).json().queueMemberId, '42');
  await h.ingest(call.slice(4));
  assert.deepEqual(await states(), ['Connected', 'Connected', 'None']);

  const held = await h.request({
    method: 'POST',
    url: '/sessions/call-1/hold',
    headers: basic(),
    payload: { callSid: 'CA1', sessionId: 'call-1', reason: 'Transferring' },
  });
  assert.equal(held.statusCode, 200, held.body);
  assert.deepEqual(
    [held.json().callState, held.json().queueState, held.json().holdReason],
    ['Hold', 'Hold', 'Transferring'],
  );
  const resumed = await h.request({
    method: 'PATCH',
    url: '/sessions/call-1',
    headers: basic(),
    payload: { callState: 'Connected', consoleData: 'note: VIP' },
  });
  assert.equal(resumed.statusCode, 200, resumed.body);
  assert.deepEqual(
    [resumed.json().callState, resumed.json().queueState, resumed.json().consoleData],
    ['Connected', 'Connected', 'note: VIP'],
  );
  const patchedHold = await h.request({
    method: 'PATCH',
    url: '/sessions/call-1',
    headers: basic(),
    payload: { queueState: 'Hold', holdReason: 'None' },
  });
  assert.equal(patchedHold.json().callState, 'Hold');
  await h.request({
    method: 'PATCH',
    url: '/sessions/call-1',
    headers: basic(),
    payload: { callState: 'Connected' },
  });

  // An unknown state changes nothing.
  const before = (await get('/sessions/call-1')).json();
  assertEvoError(
    await h.request({
      method: 'PATCH',
      url: '/sessions/call-1',
      headers: basic(),
      payload: { callState: 'Dancing', consoleData: 'x' },
    }),
    400,
    'CallState',
  );
  assertEvoError(
    await h.request({
      method: 'PATCH',
      url: '/sessions/call-1',
      headers: basic(),
      payload: { queueState: 'Sideways' },
    }),
    400,
    'QueueState',
  );
  assert.deepEqual((await get('/sessions/call-1')).json(), before);

  const redirect = await h.request({
    method: 'POST',
    url: '/sessions/call-1/redirect',
    headers: basic(),
    payload: { destination: '+420999', callerId: '+420800' },
  });
  assert.equal(redirect.statusCode, 200, redirect.body);
  assert.ok(redirect.json().members.some((m: any) => m.role === 'Transfer' && m.identity === '+420999'));
  assert.equal(
    (await h.request({ method: 'DELETE', url: '/sessions/call-1?callSid=CA1', headers: basic() })).statusCode,
    204,
  );
  const ended = (await get('/sessions/call-1')).json();
  assert.deepEqual(
    [ended.callState, ended.queueState, ended.ended, ended.wasMissed],
    ['Disconnected', 'Disconnected', true, false],
  );
  assert.deepEqual(
    ended.members.map((m: any) => m.role),
    ['Caller', 'Agent', 'Transfer'],
  );
  assert.equal(ended.answeredById, '42');
  assert.equal(ended.answeredByName, 'Eva Agentová');
  assert.ok(ended.log.some((l: any) => l.message === 'Caller verified'));
  assert.ok(ended.log.some((l: any) => /Hold|Connected/.test(l.message)));

  // Operations on an ended session → 409; the native API saw every operation.
  for (const [method, url, payload] of [
    ['PATCH', '/sessions/call-1', { callState: 'Hold' }],
    ['POST', '/sessions/call-1/hold', {}],
    ['POST', '/sessions/call-1/redirect', { destination: '+1' }],
    ['DELETE', '/sessions/call-1', undefined],
  ] as const) {
    assertEvoError(await h.request({ method, url, headers: basic(), ...(payload ? { payload } : {}) }), 409);
  }
  const native = (await h.request({ method: 'GET', url: '/v1/sessions/call-1', headers: h.auth() })).json();
  assert.equal(native.holdCount, 2);
  assert.equal(native.termination.reason, 'SessionApiCall');
});

test('XML: the seed sample reproduced element by element for a real session', async () => {
  const asJson = await get('/sessions/call-1.json');
  assert.equal(asJson.statusCode, 200);
  assert.equal(asJson.json().id, 'call-1');
  for (const url of ['/sessions/call-1.xml', '/sessions/call-1?format=xml']) {
    const response = await get(url);
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /application\/xml/);
  }
  const response = await h.request({
    method: 'GET',
    url: '/sessions/call-1',
    headers: { ...basic(), accept: 'application/xml' },
  });
  const xml = response.body;
  assert.match(
    xml,
    /^<SessionInfo xmlns="http:\/\/schemas\.datacontract\.org\/2004\/07\/Voice\.Api\.Sessions" xmlns:i="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance">/,
  );
  const doc = create(xml).end({ format: 'object' }) as any;
  const root = doc.SessionInfo;
  const names = Object.keys(root).filter((k) => !k.startsWith('@'));
  // The seed's element order: EntityInfo members first (in Voice.Api), then the rest alphabetically.
  assert.deepEqual(names, [
    'CreatedBy',
    'DateCreated',
    'DateLastModified',
    'Id',
    'LastModifiedBy',
    'AccountId',
    'AccountName',
    'AnsweredById',
    'AnsweredByName',
    'CallSid',
    'CallState',
    'CallbackNumber',
    'Channel',
    'ConferenceSid',
    'ConsoleData',
    'CustomerBreadcrumb',
    'CustomerId',
    'CustomerName',
    'DateCompleted',
    'Destination',
    'DialState',
    'Direction',
    'DisplayName',
    'Ended',
    'EndpointId',
    'EndpointName',
    'FromAddress',
    'FromName',
    'FromPhoneNumber',
    'HeldByUserId',
    'HoldQueueName',
    'HoldReason',
    'Log',
    'Members',
    'MostRecentParticipantCallSid',
    'Outcome',
    'QueueMemberId',
    'QueueState',
    'RingQueueId',
    'ToAddress',
    'WasMissed',
  ]);
  for (const entity of ['CreatedBy', 'DateCreated', 'DateLastModified', 'Id', 'LastModifiedBy']) {
    assert.equal(root[entity]['@xmlns'], 'http://schemas.datacontract.org/2004/07/Voice.Api', entity);
  }
  assert.equal(root.Id['#'], 'call-1');
  assert.equal(root.CallState, 'Disconnected');
  assert.equal(root.Channel, 'Voice');
  assert.equal(root.Ended, 'true');
  assert.equal(root.ConferenceSid['@i:nil'], 'true');
  assert.equal(
    root.CustomerBreadcrumb['@xmlns:d2p1'],
    'http://schemas.datacontract.org/2004/07/Voice.Api.Customers',
  );
  assert.deepEqual(Object.keys(root.CustomerBreadcrumb['d2p1:CustomerBreadcrumb']), ['d2p1:Id', 'd2p1:Name']);
  const logs = [root.Log.SessionLogInfo].flat();
  assert.deepEqual(Object.keys(logs[0]), ['Date', 'Message']);
  const members = [root.Members.SessionMemberInfo].flat();
  assert.deepEqual(
    Object.keys(members[0]).filter((k) => !k.startsWith('@')),
    [
      'ApplicationData',
      'AvatarUrl',
      'CallSid',
      'CallState',
      'DisplayName',
      'EndpointId',
      'Identity',
      'IsOriginalMember',
      'Muted',
      'Role',
    ],
  );
  assert.equal(
    members[0].ApplicationData['@xmlns:d4p1'],
    'http://schemas.microsoft.com/2003/10/Serialization/Arrays',
  );
  assert.equal(members[0].Role, 'Caller');

  // Errors in XML when XML was asked for.
  const missing = await get('/sessions/nope.xml');
  assert.equal(missing.statusCode, 404);
  assert.match(missing.body, /<ErrorResponse><ResponseStatus><ErrorCode>NotFound<\/ErrorCode>/);
  const list = await get('/sessions.xml?countPerPage=2');
  assert.equal(list.statusCode, 200);
  assert.match(
    list.body,
    /<ListSessionsResponse[^>]*><HasMorePages>true<\/HasMorePages><Items><SessionInfo>/,
  );
});

test('CSV lists, parsed back', async () => {
  for (const url of ['/sessions.csv?countPerPage=50', '/sessions?format=csv&countPerPage=50']) {
    const response = await get(url);
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /text\/csv/);
    const rows = parse<Record<string, string>>(response.body, { columns: true });
    assert.equal(rows.length, 50);
    const json = (await get('/sessions?countPerPage=50')).json().items;
    assert.deepEqual(
      rows.map((r) => r.Id),
      json.map((s: any) => s.id),
    );
    assert.deepEqual(
      rows.map((r) => r.CallState),
      json.map((s: any) => s.callState),
    );
    assert.deepEqual(JSON.parse(rows[0].Members), json[0].members);
  }
});

test('ListSessions filters, paging and sorting; bad values → 400 naming the field', async () => {
  const all = (await get('/sessions?all=true')).json();
  assert.equal(all.items.length, 121);
  const day = new Date(NOW - 3 * DAY).toISOString().slice(0, 10);
  const inDay = (await get(`/sessions?StartDate=${day}&EndDate=${day}&All=true`)).json();
  assert.equal(inDay.items.length, all.items.filter((s: any) => s.dateCreated.startsWith(day)).length);
  assert.ok(inDay.items.length > 0);
  const specific = (
    await get(`/sessions?SpecificIds=${simulatedIds[0]},${simulatedIds[1]}&specificIds=call-1`)
  ).json();
  assert.equal(specific.totalCount, 3);
  assert.equal((await get('/sessions?from=420111')).json().items[0].id, 'call-1');
  assert.equal((await get('/sessions?customerIds=cust-9&endpointIds=ep-1')).json().totalCount, 1);
  assert.equal((await get('/sessions?log=verified')).json().totalCount, 1);
  assert.equal((await get('/sessions?accountIds=someone-else')).json().totalCount, 0);
  const asc = (await get('/sessions?SortField=DateCreated&SortOrder=Ascend&CountPerPage=5'))
    .json()
    .items.map((s: any) => s.dateCreated);
  assert.deepEqual(asc, [...asc].sort());
  const pages: string[] = [];
  for (let page = 0; ; page++) {
    const p = (await get(`/sessions?page=${page}&countPerPage=40&simplifiedPaging=true`)).json();
    assert.equal(p.totalCount, null);
    pages.push(...p.items.map((s: any) => s.id));
    if (!p.hasMorePages) break;
  }
  assert.equal(new Set(pages).size, 121);
  const active = (await get('/sessions/active')).json();
  assert.deepEqual(Object.keys(active), ['sessions']);
  assert.ok(active.sessions.every((s: any) => !s.ended));
  assert.ok(Array.isArray((await get('/sessions/my')).json().sessions));

  for (const [query, field] of [
    ['Page=-1', 'Page'],
    ['Page=abc', 'Page'],
    ['CountPerPage=0', 'CountPerPage'],
    ['CountPerPage=1001', 'CountPerPage'],
    ['StartDate=2026-13-01', 'StartDate'],
    ['EndDate=03/01/2026', 'EndDate'],
    ['SortField=Colour', 'SortField'],
    ['SortOrder=Sideways', 'SortOrder'],
    ['format=yaml', 'format'],
  ]) {
    assertEvoError(await get(`/sessions?${query}`), 400, field);
  }
});

test('tenants apart; unknown session 404; bulk delete for Managers only', async () => {
  assertEvoError(await get('/sessions/call-1', basic(h.other)), 404);
  assertEvoError(await get('/sessions/does-not-exist'), 404);
  assert.equal((await get('/sessions', basic(h.other))).json().totalCount, 0);
  assertEvoError(
    await h.request({ method: 'DELETE', url: '/sessions/call-1', headers: basic(h.other) }),
    404,
  );

  const user = await h.db.tx((q) => addClient(q, h.tenant.id, 'user'));
  const userAuth = {
    authorization: `Basic ${Buffer.from(`${user.clientId}:${user.clientSecret}`).toString('base64')}`,
  };
  const from = new Date(NOW - 5 * DAY).toISOString();
  const to = new Date(NOW - 4 * DAY).toISOString();
  assertEvoError(
    await h.request({
      method: 'DELETE',
      url: `/sessions?startDateTime=${from}&endDateTime=${to}`,
      headers: userAuth,
    }),
    403,
  );
  assertEvoError(
    await h.request({ method: 'DELETE', url: `/sessions?endDateTime=${to}`, headers: basic() }),
    400,
    'StartDateTime',
  );
  const before = (await get('/sessions?all=true'))
    .json()
    .items.filter((s: any) => s.dateCreated >= from && s.dateCreated <= to).length;
  assert.ok(before > 0);
  const deleted = await h.request({
    method: 'DELETE',
    url: `/sessions?accountId=${h.tenant.id}&startDateTime=${from}&endDateTime=${to}`,
    headers: basic(),
  });
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.equal(deleted.json().deleted, before);
  assert.equal(
    (await get('/sessions?all=true'))
      .json()
      .items.filter((s: any) => s.dateCreated >= from && s.dateCreated <= to).length,
    0,
  );
  const events = await h.db.query(
    'SELECT count(*) AS n FROM events e WHERE tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.tenant_id = e.tenant_id AND s.session_id = e.session_id)',
    [h.tenant.id],
  );
  assert.equal(Number((events.rows[0] as any).n), 0, 'their events are gone too');
});
