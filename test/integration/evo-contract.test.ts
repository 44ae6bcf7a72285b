/**
 * The Evo dialect's contract: every Evo endpoint's response, over the simulator's whole variety of sessions
 * (every source, channel, campaign mode and bot outcome; with and without guest data; ended and live in
 * every state), fits the declared types and enum lists of Evo Voice (evo-schema.ts) — in JSON on the custom
 * and the typed routes, and its enums in XML, CSV and JSON Lines.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { create } from 'xmlbuilder2';
import { harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import {
  ActiveCallsResponse,
  AuthenticateResponse,
  AuthStatus,
  conform,
  DATE_PATTERN,
  ENUMS,
  GetActiveSessionsResponse,
  ListSessionsResponse,
  SessionInfo,
  TranscriptResponse,
} from './evo-schema.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let ticks = 0;
let h: Harness;
let ids: string[] = [];
/** Every SessionInfo any response carried, for the coverage check. */
const seen: any[] = [];

type Event = Record<string, any>;
/** Cut points that leave a session live in each state: right after the first event of that type. */
const CUTS = [
  'session.created',
  'routing.queued',
  'routing.assigned',
  'routing.accepted',
  'guest.joined',
  'session.held',
  'dial.result',
  'message',
  'bot.handoff',
  'operator.joined',
];

/**
 * The simulator's sessions, varied further: some phone calls as fax, preview campaigns in every mode, some
 * without guest data, and 40% cut short so that they are live in one state or another.
 */
function variety(): Event[][] {
  const batches = [...simulate({ seed: 2026, sessions: 320, start: NOW - 5 * DAY, end: NOW - DAY })];
  const modes = ['preview', 'progressive', 'predictive'];
  let phones = 0;
  let campaigns = 0;
  return batches.map((events, i) => {
    const list = events.map((e) => ({ ...e })) as Event[];
    const created = list[0];
    if (created.channel === 'phone' && created.direction === 'inbound' && phones++ % 5 === 0)
      created.channel = 'fax';
    if (created.campaign) created.campaign = { ...created.campaign, mode: modes[campaigns++ % 3] };
    if (i % 9 === 4) delete created.guest;
    if (i % 5 === 1 || i % 5 === 2) {
      const type = CUTS[Math.floor(i / 5) % CUTS.length];
      const at = list.findIndex((e) => e.type === type);
      if (at >= 0) return list.slice(0, at + 1);
    }
    return list;
  });
}

const basic = () => ({
  authorization: `Basic ${Buffer.from(`${h.tenant.credentials.clientId}:${h.tenant.credentials.clientSecret}`).toString('base64')}`,
});
async function json(method: 'GET' | 'POST', url: string, payload?: object) {
  const response = await h.request({ method, url, headers: basic(), ...(payload ? { payload } : {}) });
  assert.equal(response.statusCode, 200, `${method} ${url}: ${response.body}`);
  return response.json();
}
const collect = (infos: any[]) => {
  seen.push(...infos);
  return infos;
};

before(async () => {
  h = await harness({ now: () => NOW + ticks++ * 1000 });
  const batches = variety();
  ids = batches.map((b) => b[0].sessionId as string);
  await h.ingest(batches.flat());
});
after(() => h.close());

test('GetSession: every session on the custom and the typed routes', async () => {
  for (const id of ids) {
    const info = await json('GET', `/sessions/${id}`);
    conform(SessionInfo, info, `GET /sessions/${id}`);
    collect([info]);
    assert.deepEqual(await json('GET', `/api/GetSession?sessionId=${id}`), info);
    assert.deepEqual(await json('POST', '/json/reply/GetSession', { SessionId: id }), info);
  }
});

test('ListSessions in JSON: all, every page, typed routes', async () => {
  const all = await json('GET', '/sessions?all=true');
  conform(ListSessionsResponse, all, 'GET /sessions?all=true');
  assert.equal(all.items.length, ids.length);
  collect(all.items);
  let walked = 0;
  for (let page = 0; ; page++) {
    const p = await json('GET', `/sessions?page=${page}&countPerPage=60&sortOrder=Ascend`);
    conform(ListSessionsResponse, p, `GET /sessions page ${page}`);
    walked += p.items.length;
    if (!p.hasMorePages) break;
  }
  assert.equal(walked, ids.length);
  const simplified = await json('GET', '/api/ListSessions?simplifiedPaging=true&countPerPage=5');
  conform(ListSessionsResponse, simplified, 'GET /api/ListSessions simplified');
  const typed = await json('POST', '/json/reply/ListSessions', { All: true });
  conform(ListSessionsResponse, typed, 'POST /json/reply/ListSessions');
  assert.deepEqual(typed, all);
  const logged = await json('GET', '/sessions?log=Connected&searchArchive=true&all=true');
  conform(ListSessionsResponse, logged, 'GET /sessions?log=Connected');
  assert.ok(logged.items.length > 0);
});

test('GetActiveSessions, GetMySessions, /calls/active', async () => {
  for (const url of [
    '/sessions/active',
    '/sessions/my',
    '/api/GetActiveSessions',
    '/json/reply/GetMySessions',
  ]) {
    const body = await json('GET', url);
    conform(GetActiveSessionsResponse, body, url);
    assert.ok(body.sessions.length > 0, url);
    assert.ok(body.sessions.every((s: any) => !s.ended));
    collect(body.sessions);
  }
  const calls = await json('GET', `/calls/active?accountId=${h.tenant.id}`);
  conform(ActiveCallsResponse, calls, '/calls/active');
  assert.ok(calls.calls.length > 0);
  assert.ok(calls.calls.every((s: any) => s.channel === 'Voice' && !s.ended));
});

test('transcripts of every session, with and without history', async () => {
  let messages = 0;
  for (const [i, id] of ids.entries()) {
    const url = `/sessions/${id}/transcript${i % 2 ? '?includeHistorical=true' : ''}`;
    const body = await json('GET', url);
    conform(TranscriptResponse, body, url);
    messages += body.messages.length;
  }
  assert.ok(messages > 0);
});

test('authentication answers', async () => {
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
  conform(AuthenticateResponse, login.json(), 'POST /auth/credentials');
  const cookie = { cookie: `ss-id=${login.cookies.find((c) => c.name === 'ss-id')!.value}` };
  const status = await h.request({ method: 'GET', url: '/auth/status', headers: cookie });
  conform(AuthStatus, status.json(), 'GET /auth/status');
  for (const url of ['/api/Authenticate', '/json/reply/Authenticate']) {
    const typed = await h.request({
      method: 'POST',
      url,
      payload: {
        provider: 'credentials',
        userName: h.tenant.credentials.clientId,
        password: h.tenant.credentials.clientSecret,
      },
    });
    assert.equal(typed.statusCode, 200, typed.body);
    conform(AuthenticateResponse, typed.json(), `POST ${url}`);
    const current = await h.request({ method: 'GET', url, headers: cookie });
    conform(AuthenticateResponse, current.json(), `GET ${url}`);
  }
});

test('operations answer SessionInfo: hold, redirect, patch on live sessions', async () => {
  const live = (await json('GET', '/sessions/active')).sessions.filter(
    (s: any) => s.callState === 'Connected',
  );
  assert.ok(live.length >= 3);
  const [a, b, c] = live;
  for (const [url, payload] of [
    [`/sessions/${a.id}/hold`, { reason: 'Transferring' }],
    ['/api/HoldSession', { sessionId: b.id }],
    [`/sessions/${a.id}/redirect`, { destination: '+420999000111', callerId: '+420800' }],
    ['/json/reply/RedirectSession', { sessionId: c.id, destination: '+420999000222' }],
    ['/json/reply/PatchSession', { sessionId: b.id, callState: 'Connected', consoleData: 'note' }],
  ] as const) {
    const info = await json('POST', url, payload);
    conform(SessionInfo, info, `POST ${url}`);
    collect([info]);
  }
});

test('the enums in XML, CSV and JSON Lines', async () => {
  const text = (v: any): string | null =>
    typeof v === 'string' ? v : v?.['@i:nil'] === 'true' ? null : typeof v?.['#'] === 'string' ? v['#'] : '';
  const xml = await h.request({ method: 'GET', url: '/xml/reply/ListSessions?all=true', headers: basic() });
  assert.equal(xml.statusCode, 200, xml.body);
  const doc = create(xml.body).end({ format: 'object' }) as any;
  const items = [doc.ListSessionsResponse.Items.SessionInfo].flat();
  assert.equal(items.length, ids.length);
  const enumFields = {
    DialState: ENUMS.SessionDialState,
    CallState: ENUMS.SessionCallState,
    QueueState: ENUMS.SessionQueueStates,
    Channel: ENUMS.FlowChannels,
    HoldReason: ENUMS.SessionHoldReasons,
    Direction: ENUMS.SessionDirections,
  };
  for (const item of items) {
    for (const [field, names] of Object.entries(enumFields))
      assert.ok(
        (names as readonly string[]).includes(text(item[field])!),
        `XML ${field} ${text(item[field])}`,
      );
    for (const field of ['Ended', 'WasMissed']) assert.match(text(item[field])!, /^(true|false)$/);
    for (const field of ['DateCreated', 'DateLastModified'])
      assert.match(text(item[field])!, new RegExp(DATE_PATTERN));
    const completed = text(item.DateCompleted);
    if (completed !== null) assert.match(completed, new RegExp(DATE_PATTERN));
    for (const member of item.Members?.SessionMemberInfo ? [item.Members.SessionMemberInfo].flat() : []) {
      assert.ok(
        ENUMS.SessionMemberRoles.includes(text(member.Role) as never),
        `XML member role ${text(member.Role)}`,
      );
      assert.ok(ENUMS.SessionMemberCallState.includes(text(member.CallState) as never));
      assert.match(text(member.Muted)!, /^(true|false)$/);
    }
  }

  const csv = await h.request({ method: 'GET', url: '/csv/reply/ListSessions?all=true', headers: basic() });
  const rows = parse<Record<string, string>>(csv.body, { columns: true });
  assert.equal(rows.length, ids.length);
  for (const row of rows) {
    for (const [field, names] of Object.entries(enumFields))
      assert.ok((names as readonly string[]).includes(row[field]), `CSV ${field} ${row[field]}`);
    assert.match(row.Ended, /^(true|false)$/);
  }

  const lines = await h.request({ method: 'GET', url: '/jsonl/reply/GetActiveSessions', headers: basic() });
  assert.match(String(lines.headers['content-type']), /jsonl/);
  const parsed = lines.body
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(parsed.length > 0);
  for (const info of parsed) conform(SessionInfo, info, 'JSON Lines SessionInfo');
});

test('the variety is there: every reachable enum name was seen', () => {
  const names = (pick: (s: any) => string[]) => new Set(seen.flatMap(pick));
  const expect = (label: string, got: Set<string>, want: readonly string[]) =>
    assert.deepEqual(
      [...want].filter((w) => !got.has(w)),
      [],
      `${label} never seen`,
    );
  expect(
    'dialState',
    names((s) => [s.dialState]),
    ENUMS.SessionDialState,
  );
  // Passive has no source in Switchboard's events (docs/evo.md).
  expect(
    'callState',
    names((s) => [s.callState]),
    ['Disconnected', 'Ringing', 'Connected', 'Hold'],
  );
  expect(
    'queueState',
    names((s) => [s.queueState]),
    ENUMS.SessionQueueStates,
  );
  expect(
    'channel',
    names((s) => [s.channel]),
    ENUMS.FlowChannels,
  );
  expect(
    'holdReason',
    names((s) => [s.holdReason]),
    ENUMS.SessionHoldReasons,
  );
  expect(
    'direction',
    names((s) => [s.direction]),
    ENUMS.SessionDirections,
  );
  expect(
    'member callState',
    names((s) => s.members.map((m: any) => m.callState)),
    ENUMS.SessionMemberCallState,
  );
  // None has no source either: every member is the caller, an agent or a transfer target.
  expect(
    'member role',
    names((s) => s.members.map((m: any) => m.role)),
    ['Caller', 'Agent', 'Transfer'],
  );
  expect(
    'ended',
    names((s) => [String(s.ended)]),
    ['true', 'false'],
  );
  expect(
    'wasMissed',
    names((s) => [String(s.wasMissed)]),
    ['true', 'false'],
  );
  assert.ok(
    seen.some((s) => s.customerId === null),
    'a session without guest data',
  );
  assert.ok(seen.some((s) => s.dialState === 'Active' && s.direction === 'Outgoing'));
});

test('the checker fails on a wrong type, an unknown enum name, a bad date and an unknown field', async () => {
  const good = await json('GET', `/sessions/${ids[0]}`);
  conform(SessionInfo, good, 'a good SessionInfo');
  const member = good.members[0];
  for (const bad of [
    { ...good, callState: 'Dancing' },
    { ...good, channel: 'voice' },
    { ...good, ended: 'false' },
    { ...good, dateCreated: 'yesterday' },
    { ...good, dateCompleted: 1_700_000_000_000 },
    { ...good, customerName: 42 },
    { ...good, log: null },
    { ...good, colour: 'blue' },
    { ...good, members: [{ ...member, role: 'Bot' }] },
    { ...good, members: [{ ...member, muted: null }] },
  ]) {
    assert.throws(() => conform(SessionInfo, bad, 'a bad SessionInfo'), /does not fit/);
  }
});
