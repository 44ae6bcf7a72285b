import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { harness, type Harness } from './harness.js';
import type { CreatedTenant } from '../../src/tenants/repository.js';
import { simulate } from '../../src/simulator/simulate.js';
import { SESSION_SOURCES, TERMINATION_REASONS, GUEST_LEFT_STATES } from '../../src/domain/events.js';
import { SESSION_STATUSES, ROUTING_ACTIVITY_TYPES } from '../../src/domain/session.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let clock = NOW;
let h: Harness;
let simulated = 0;

/** A hand-made session whose FAQ durations are known exactly. */
const T = (s: number) => new Date(Date.parse('2026-03-09T10:00:00Z') + s * 1000).toISOString();
const alice = { id: '101', firstName: 'Alice', lastName: 'Novak', userName: 'alice' };
const known = [
  {
    type: 'session.created',
    at: T(0),
    channel: 'chat',
    source: 'Default',
    guest: {
      identity: 'c-1',
      name: 'Jan',
      email: 'jan@example.com',
      ipAddress: '10.0.0.1',
      language: 'cs',
      browser: 'Firefox',
      os: 'Linux',
      callParams: { crm: '42' },
    },
    phoneCallbackNumber: '+420123',
  },
  { type: 'routing.requested', at: T(5), group: { id: 7, name: 'Sales' } },
  { type: 'routing.queued', at: T(5), group: { id: 7, name: 'Sales' } },
  { type: 'routing.assigned', at: T(35), operator: alice },
  { type: 'routing.accepted', at: T(50), operator: alice },
  { type: 'operator.joined', at: T(50), operator: alice },
  { type: 'guest.joined', at: T(52) },
  { type: 'message', at: T(60), from: 'guest', text: 'my card number is 1234', lang: 'cs' },
  { type: 'message', at: T(70), from: 'operator', text: 'thanks', operator: alice, lang: 'cs' },
  {
    type: 'file.shared',
    at: T(80),
    from: 'guest',
    file: { id: 'f-1', name: 'invoice.pdf', contentType: 'application/pdf', size: 10 },
  },
  {
    type: 'recording.available',
    at: T(353),
    recording: {
      id: '555',
      name: 'call',
      type: 'AllParticipants',
      started: T(52),
      durationMs: 300000,
      contentType: 'audio/ogg',
    },
  },
  { type: 'tags.added', at: T(90), tags: [{ name: 'vip', scope: 'session' }] },
  { type: 'operator.left', at: T(352), operator: alice },
  { type: 'session.ended', at: T(352), reason: 'OperatorLeft' },
  { type: 'operator.concluded', at: T(412), operator: alice, note: 'sold' },
].map((e, i) => ({ id: `known-${i}`, sessionId: 'known-chat', ...e }));

before(async () => {
  h = await harness({ now: () => clock });
  await h.ingest(known);
  const batches = [...simulate({ seed: 11, sessions: 2500, start: NOW - 3 * DAY, end: NOW - DAY })];
  simulated = batches.length;
  for (let i = 0; i < batches.length; i += 250) await h.ingest(batches.slice(i, i + 250).flat());
});
after(() => h.close());

async function token(tenant: CreatedTenant = h.tenant): Promise<string> {
  const response = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `response_type=token&grant_type=client_credentials&client_id=${tenant.credentials.clientId}&client_secret=${tenant.credentials.clientSecret}&scope=mluviiPublicApi`,
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().access_token;
}

const bearer = async (tenant?: CreatedTenant) => ({ authorization: `Bearer ${await token(tenant)}` });
const get = async (url: string, tenant?: CreatedTenant) =>
  h.request({ method: 'GET', url, headers: await bearer(tenant) });

function assertProblem(
  response: { statusCode: number; json(): any; body: string },
  status: number,
  field?: string,
) {
  assert.equal(response.statusCode, status, response.body);
  const body = response.json();
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  if (field) assert.ok(body.errors?.[field], `errors names ${field}: ${response.body}`);
  return body;
}

async function knownId(): Promise<number> {
  const list = (await get('/api/v1/Sessions?limit=1&ActivityTextsContain=card+number')).json();
  assert.equal(list.length, 1);
  return list[0].id;
}

test('token endpoint: client credentials → one-hour JWT; OAuth2 errors', async () => {
  const ok = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
  });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(Object.keys(ok.json()).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
  assert.equal(ok.json().expires_in, 3600);
  assert.equal(ok.json().token_type, 'Bearer');
  assert.equal(ok.json().access_token.split('.').length, 3);

  const form = (body: string) =>
    h.request({
      method: 'POST',
      url: '/login/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });
  const id = h.tenant.credentials.clientId;
  assert.deepEqual(
    (await form(`grant_type=client_credentials&client_id=${id}&client_secret=wrong`)).json().error,
    'invalid_client',
  );
  assert.equal(
    (await form(`grant_type=client_credentials&client_id=${id}&client_secret=wrong`)).statusCode,
    400,
  );
  assert.equal(
    (await form(`grant_type=client_credentials&client_id=nobody&client_secret=x`)).json().error,
    'invalid_client',
  );
  assert.equal((await form(`client_id=${id}`)).json().error, 'invalid_request');
  assert.equal((await form(`grant_type=password&client_id=${id}`)).json().error, 'unsupported_grant_type');
  assert.equal(
    (
      await form(
        `grant_type=client_credentials&client_id=${id}&client_secret=${h.tenant.credentials.clientSecret}&scope=admin`,
      )
    ).json().error,
    'invalid_scope',
  );
  const basic = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${id}:${h.tenant.credentials.clientSecret}`).toString('base64')}`,
    },
    payload: 'grant_type=client_credentials',
  });
  assert.equal(basic.statusCode, 200, basic.body);
});

test('every /api/v1 route needs a valid token: none, forged, alg none, expired → 401', async () => {
  const id = await knownId();
  const routes: [string, string, unknown?][] = [
    ['GET', '/api/v1/Sessions'],
    ['GET', `/api/v1/Sessions/${id}`],
    ['GET', `/api/v1/Sessions/${id}/routingHistory`],
    ['GET', `/api/v1/Sessions/${id}/callparams`],
    ['PUT', `/api/v1/Sessions/${id}/callparams`, { callParams: { a: 'b' } }],
    ['PUT', `/api/v1/Sessions/${id}/tags/1`],
    ['DELETE', `/api/v1/Sessions/${id}/tags/1`],
    ['GET', '/api/v1/Tags'],
    ['POST', `/api/v1/Sessions/${id}/anonymize`],
    ['POST', `/api/v1/Sessions/${id}/forward`, { operatorGroupId: 1 }],
    ['DELETE', `/api/v1/Sessions/${id}/files`, { fileIds: [1] }],
    ['GET', `/api/v1/Sessions/${id}/files/f-1`],
    ['GET', '/api/v1/Webhooks'],
    ['POST', '/api/v1/Webhooks', { eventTypes: ['SessionCreated'], callbackUrl: 'http://x.test/' }],
    ['PUT', '/api/v1/Webhooks/1', { eventTypes: ['SessionCreated'], callbackUrl: 'http://x.test/' }],
    ['DELETE', '/api/v1/Webhooks/1'],
    ['GET', '/api/v1/Webhooks/1/deliveries'],
  ];
  const forged = await new SignJWT({ tid: h.tenant.id, scope: 'mluviiPublicApi' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(h.tenant.credentials.clientId)
    .setIssuer('switchboard')
    .setAudience('mluviiPublicApi')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('not-the-server-key-not-the-server-key'));
  const valid = await token();
  const [header, payload] = valid.split('.');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
  const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), tid: h.other.id })).toString('base64url')}.${valid.split('.')[2]}`;
  for (const [method, url, body] of routes) {
    for (const authorization of [
      undefined,
      `Bearer ${forged}`,
      `Bearer ${none}`,
      `Bearer ${tampered}`,
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      h.auth().authorization,
    ]) {
      const response = await h.request({
        method: method,
        url,
        headers: authorization ? { authorization } : {},
        ...(body ? { payload: body } : {}),
      });
      assertProblem(response, 401);
      assert.match(String(response.headers['www-authenticate']), /^Bearer/);
    }
  }
  clock = NOW + 3601_000;
  try {
    const expired = await h.request({
      method: 'GET',
      url: '/api/v1/Sessions',
      headers: { authorization: `Bearer ${valid}` },
    });
    assert.match(assertProblem(expired, 401).detail, /expired/);
  } finally {
    clock = NOW;
  }
});

test('SessionModel: every field of the reference, enums as names, offsets, ISO durations', async () => {
  const id = await knownId();
  const response = await get(`/api/v1/Sessions/${id}`);
  assert.equal(response.statusCode, 200);
  const s = response.json();
  assert.deepEqual(Object.keys(s).sort(), [
    'activities',
    'autoAccepted',
    'avSupport',
    'blacklisted',
    'campaignId',
    'channel',
    'chatbots',
    'companyId',
    'created',
    'departmentId',
    'directCallNumber',
    'ended',
    'enteredQueue',
    'guest',
    'guestFeedbackCustomFields',
    'guestFeedbackScale',
    'guestFeedbackStars',
    'guestFeedbackText',
    'guestJoined',
    'guestLeftSession',
    'id',
    'isDirectChat',
    'length',
    'operators',
    'outboundDialResult',
    'phoneCallbackDialed',
    'phoneCallbackNumber',
    'recordings',
    'recordingsState',
    'reviewers',
    'source',
    'started',
    'status',
    'tags',
    'url',
    'waited',
    'widget',
  ]);
  assert.deepEqual(Object.keys(s.guest).sort(), [
    'browser',
    'callParams',
    'channelIdentity',
    'gdprVersion',
    'identity',
    'ipAddress',
    'language',
    'os',
    'tempId',
    'trackedId',
  ]);
  assert.equal(s.id, id);
  assert.equal(s.departmentId, h.tenant.departmentId);
  assert.equal(s.channel, 'Chat');
  assert.equal(s.source, 'Default');
  assert.equal(s.status, 'CLOSED');
  assert.equal(s.created, '2026-03-09T10:00:00.000+00:00');
  assert.equal(s.enteredQueue, s.created);
  assert.equal(s.started, '2026-03-09T10:00:50.000+00:00');
  assert.equal(s.guestJoined, '2026-03-09T10:00:52.000+00:00');
  assert.equal(s.ended, '2026-03-09T10:05:52.000+00:00');
  // FAQ: waited = start of the session − entering the queue; length = two-way communication.
  assert.equal(s.waited, 'PT50S');
  assert.equal(s.length, 'PT5M');
  assert.equal(s.guest.identity, 'c-1');
  assert.deepEqual(s.guest.callParams, { crm: '42' });
  // The producer's free text as mluvii's enums; the e-mail is no channelIdentity (a numeric id in mluvii).
  assert.deepEqual([s.guest.os, s.guest.browser, s.guest.channelIdentity], ['LINUX', 'FF', null]);
  assert.equal(s.guestLeftSession, 'UNKNOWN');
  assert.deepEqual(Object.keys(s.operators[0]).sort(), [
    'concluded',
    'feedbackResult',
    'firstName',
    'joined',
    'lastName',
    'left',
    'note',
    'userId',
    'userName',
  ]);
  assert.equal(s.operators[0].userId, 101);
  assert.ok(s.operators[0].left <= s.operators[0].concluded);
  assert.deepEqual(s.tags, [{ userId: null, name: 'vip' }]);
  assert.equal(s.recordings.length, 1);
  assert.deepEqual(Object.keys(s.recordings[0]).sort(), [
    'downloadUrl',
    'duration',
    'id',
    'isDeleted',
    'isUploading',
    'name',
    'serviceId',
    'started',
    'type',
    'userId',
  ]);
  assert.equal(s.recordings[0].id, 555);
  assert.equal(s.recordings[0].duration, 'PT5M');
  assert.equal(s.recordings[0].isUploading, true);
  assert.match(
    s.recordings[0].downloadUrl,
    new RegExp(`^http://localhost(:\\d+)?/api/v1/Sessions/${id}/files/555$`),
  );
  const activity = s.activities.find((a: { type: string }) => a.type === 'SharedFile');
  assert.deepEqual(Object.keys(activity).sort(), [
    'activityId',
    'chatbotId',
    'client',
    'file',
    'note',
    'status',
    'terminationReason',
    'text',
    'time',
    'toGroupId',
    'toGroupName',
    'toOperatorFullName',
    'toOperatorUserId',
    'toPhoneNumber',
    'type',
    'userId',
  ]);
  assert.deepEqual(Object.keys(activity.file).sort(), [
    'departmentOwner',
    'downloadUrl',
    'id',
    'isDeleted',
    'isUploading',
    'name',
    'operatorOwner',
  ]);
  assert.equal(activity.client, 'Guest');

  // Across simulated sessions every enum is a documented name.
  const page = (await get('/api/v1/Sessions?limit=1000')).json();
  for (const m of page) {
    assert.ok(['Chat', 'AV', 'Phone', 'UNKNOWN'].includes(m.channel), m.channel);
    assert.ok((SESSION_SOURCES as readonly string[]).includes(m.source), m.source);
    assert.ok((SESSION_STATUSES as readonly string[]).includes(m.status), m.status);
    assert.ok([...GUEST_LEFT_STATES, 'UNKNOWN'].includes(m.guestLeftSession), m.guestLeftSession);
    for (const a of m.activities) {
      if (a.terminationReason !== null)
        assert.ok((TERMINATION_REASONS as readonly string[]).includes(a.terminationReason));
    }
    for (const field of ['waited', 'length']) {
      if (m[field] !== null) assert.match(m[field], /^P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/);
    }
    assert.match(m.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    if (m.recordings !== null) assert.ok(m.recordings.length > 0);
  }
});

test('routingHistory: RoutingTimeLine items feed IN_QUEUE and WAITING as the FAQ computes them', async () => {
  const id = await knownId();
  const response = await get(`/api/v1/Sessions/${id}/routinghistory`);
  assert.equal(response.statusCode, 200);
  const items = response.json();
  assert.deepEqual(
    items.map((i: { activityType: string }) => i.activityType),
    ['RoutingRequestCreated', 'EnteredGroupQueue', 'AssignedToOperator', 'AcceptedByOperator'],
  );
  for (const item of items) {
    assert.deepEqual(Object.keys(item).sort(), [
      'activityType',
      'forwardedByOperator',
      'group',
      'invitedByOperator',
      'operator',
      'phoneNumber',
      'routingRequestId',
      'timestamp',
    ]);
    assert.ok((ROUTING_ACTIVITY_TYPES as readonly string[]).includes(item.activityType));
  }
  assert.deepEqual(items[1].group, { id: 7, name: 'Sales' });
  assert.deepEqual(items[2].operator, { userId: 101, firstName: 'Alice', lastName: 'Novak' });
  const first = (type: string) =>
    Date.parse(items.find((i: { activityType: string }) => i.activityType === type).timestamp);
  const created = Date.parse((await get(`/api/v1/Sessions/${id}`)).json().created);
  assert.equal(first('RoutingRequestCreated') - created, 5_000); // CREATED
  assert.equal(first('AssignedToOperator') - first('RoutingRequestCreated'), 30_000); // IN_QUEUE
  assert.equal(first('AcceptedByOperator') - first('AssignedToOperator'), 15_000); // WAITING
});

test('list: filters as repeated keys, case-insensitive names, date and duration ranges', async () => {
  const all = (await get('/api/v1/Sessions?limit=10000')).json();
  assert.equal(all.length, simulated + 1);
  const count = (pred: (m: any) => boolean) => all.filter(pred).length;

  const chatAv = (await get('/api/v1/Sessions?Channel=Chat&channel=AV&limit=10000')).json();
  assert.equal(
    chatAv.length,
    count((m) => m.channel === 'Chat' || m.channel === 'AV'),
  );
  assert.ok(chatAv.length > 0 && chatAv.length < all.length);

  const closed = (await get('/api/v1/Sessions?status=closed&Source=Default&limit=10000')).json();
  assert.equal(
    closed.length,
    count((m) => m.status === 'CLOSED' && m.source === 'Default'),
  );

  const day = new Date(NOW - 2 * DAY).toISOString().slice(0, 10);
  const from = Date.parse(`${day}T00:00:00Z`);
  const inDay = (
    await get(`/api/v1/Sessions?Created.Min=${day}&CREATED.MAX=${day}T23:59:59.999Z&limit=10000`)
  ).json();
  assert.equal(
    inDay.length,
    count((m) => Date.parse(m.created) >= from && Date.parse(m.created) <= from + DAY - 1),
  );
  assert.ok(inDay.length > 0);
  // A date-only Max is midnight at the start of that day.
  const beforeDay = (await get(`/api/v1/Sessions?Created.Max=${day}&limit=10000`)).json();
  assert.equal(
    beforeDay.length,
    count((m) => Date.parse(m.created) <= from),
  );

  const long = (await get('/api/v1/Sessions?Duration.Min=00:05:00&limit=10000')).json();
  assert.equal(
    long.length,
    count((m) => m.length !== null && isoMs(m.length) >= 300_000),
  );
  const longIso = (await get('/api/v1/Sessions?duration.min=PT5M&limit=10000')).json();
  assert.equal(longIso.length, long.length);
  const quick = (await get('/api/v1/Sessions?WaitingTime.Max=PT10S&limit=10000')).json();
  assert.equal(
    quick.length,
    count((m) => m.waited !== null && isoMs(m.waited) <= 10_000),
  );

  const op = all.find((m: any) => m.operators.length > 0).operators[0].userId;
  const byOp = (await get(`/api/v1/Sessions?OperatorUserId=${op}&limit=10000`)).json();
  assert.equal(
    byOp.length,
    count((m) => m.operators.some((o: any) => o.userId === op)),
  );

  const ids = all.slice(0, 3).map((m: any) => m.id);
  const byId = (
    await get(`/api/v1/Sessions?SessionId=${ids[0]}&SessionId=${ids[1]}&sessionid=${ids[2]}`)
  ).json();
  assert.deepEqual(
    byId.map((m: any) => m.id),
    ids,
  );
  assert.equal((await get(`/api/v1/Sessions?DepartmentId=${h.tenant.departmentId + 1000}`)).json().length, 0);
  const vip = count((m) => m.tags.some((t: any) => t.name === 'vip'));
  assert.equal((await get(`/api/v1/Sessions?Tags=vip&limit=10000`)).json().length, vip);
  const vipId = (await get('/api/v1/Tags')).json().find((t: any) => t.name === 'vip').id;
  assert.equal((await get(`/api/v1/Sessions?Tags=${vipId}&limit=10000`)).json().length, vip);
  assert.equal((await get(`/api/v1/Sessions?PhoneCallbackNumber.Text=0123`)).json().length, 1);
  // Browser and OS are GuestBrowserType / GuestOSType filters: Firefox is FF, Linux is LINUX.
  assert.equal((await get(`/api/v1/Sessions?Browser=FF&OS=LINUX&Language.Text=CS`)).json().length, 1);

  // Another tenant sees none of them.
  assert.equal((await get('/api/v1/Sessions?limit=10000', h.other)).json().length, 0);
});

const isoMs = (d: string) => {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?$/.exec(d)!;
  return (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
};

test('list: bad filter values → 400 naming the parameter', async () => {
  for (const [query, field] of [
    ['Channel=Fax', 'Channel'],
    ['Status=OPEN', 'Status'],
    ['Source=Pigeon', 'Source'],
    ['Created.Min=yesterday', 'Created.Min'],
    ['Ended.Max=2026-02-30', 'Ended.Max'],
    ['Duration.Min=long', 'Duration.Min'],
    ['WaitingTime.Max=25:00:00', 'WaitingTime.Max'],
    ['limit=0', 'limit'],
    ['limit=10001', 'limit'],
    ['limit=ten', 'limit'],
    ['offset=-1', 'offset'],
    ['SessionId=abc', 'SessionId'],
    ['OperatorUserId=x', 'OperatorUserId'],
    ['TerminationReason=Bored', 'TerminationReason'],
    ['GuestLeftSession=Never', 'GuestLeftSession'],
  ]) {
    assertProblem(await get(`/api/v1/Sessions?${query}`), 400, field);
  }
});

test('unknown or non-numeric ids → 404; another tenant’s session → 404', async () => {
  const id = await knownId();
  for (const url of [
    '/api/v1/Sessions/abc',
    '/api/v1/Sessions/99999999',
    '/api/v1/Sessions/1e3/routingHistory',
    '/api/v1/Nope',
  ]) {
    assertProblem(await get(url), 404);
  }
  for (const url of [
    `/api/v1/Sessions/${id}`,
    `/api/v1/Sessions/${id}/routingHistory`,
    `/api/v1/Sessions/${id}/callparams`,
    `/api/v1/Sessions/${id}/files/555`,
  ]) {
    assertProblem(await get(url, h.other), 404);
  }
  const headers = await bearer(h.other);
  for (const [method, url, payload] of [
    ['PUT', `/api/v1/Sessions/${id}/callparams`, { callParams: { x: 'y' } }],
    ['POST', `/api/v1/Sessions/${id}/anonymize`, undefined],
    ['POST', `/api/v1/Sessions/${id}/forward`, { operatorGroupId: 3 }],
    ['DELETE', `/api/v1/Sessions/${id}/files`, { fileIds: [555] }],
    ['PUT', `/api/v1/Sessions/${id}/tags/1`, undefined],
  ] as const) {
    assertProblem(await h.request({ method, url, headers, ...(payload ? { payload } : {}) }), 404);
  }
  const s = (await get(`/api/v1/Sessions/${id}`)).json();
  assert.equal(s.guest.identity, 'c-1', 'the other tenant changed nothing');
  assert.deepEqual(s.guest.callParams, { crm: '42' });
});

test('pagination: limit/offset pages through thousands of sessions exactly once', async () => {
  const seen = new Set<number>();
  let offset = 0;
  let pages = 0;
  for (;;) {
    const page = (await get(`/api/v1/Sessions?limit=700&offset=${offset}`)).json();
    pages++;
    for (const m of page) {
      assert.ok(!seen.has(m.id), `id ${m.id} seen twice`);
      seen.add(m.id);
    }
    if (page.length < 700) break;
    offset += page.length;
  }
  assert.equal(seen.size, simulated + 1);
  assert.equal(pages, Math.ceil((simulated + 1) / 700) + ((simulated + 1) % 700 === 0 ? 1 : 0));
  const ids = [...seen];
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
    'ordered by id',
  );
});

test('case-insensitive paths: /API/V1/sessions and /api/v1/webhooks', async () => {
  assert.equal((await get('/API/V1/sessions?LIMIT=2')).json().length, 2);
  assert.equal((await get('/api/v1/webhooks')).statusCode, 200);
});
