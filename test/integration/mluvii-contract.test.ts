/**
 * The mluvii contract: every response of every session endpoint, over the simulator's whole variety of
 * sessions (every source, channel, campaign mode, bot outcome, with and without guest data) and a few
 * hand-made edge cases, checked value by value against the types mluvii's published clients deserialize into
 * (mluvii-types.ts). A wrong type here is a crashed client in the field.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import type { SessionEvent } from '../../src/domain/events.js';
import {
  assertFits,
  CallParamsModel,
  RoutingTimeLineItem,
  SessionFileResponse,
  SessionModel,
  TagModel,
} from './mluvii-types.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let h: Harness;
let authorization: string;
const native = new Map<string, Record<string, any>>();

const T = (s: number) => new Date(NOW - DAY + s * 1000).toISOString();
/** Edge cases the simulator does not make: user agents, a named widget, big producer ids, stray routing. */
const edge: SessionEvent[] = [
  {
    type: 'session.created',
    at: T(0),
    channel: 'chat',
    source: 'Default',
    widget: 'eshop-widget',
    campaign: { id: 'spring-sale', mode: 'progressive' },
    guest: {
      email: 'guest@example.org',
      phone: '+420777123456',
      os: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15',
      browser:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36 Edg/124.0',
    },
  },
  { type: 'routing.ended', at: T(1) },
  { type: 'operator.concluded', at: T(5), operator: { id: 'late-joiner', firstName: 'Late' } },
  { type: 'bot.joined', at: T(6), bot: { botId: 'b-big', chatbotId: 2 ** 31 + 5, name: 'Big' } },
  { type: 'message', at: T(7), from: 'bot', text: 'hi' },
  { type: 'routing.forwarded', at: T(8), operator: { id: '9', firstName: 'Nina', lastName: 'Nová' } },
].map((e, i) => ({ id: `edge-${i}`, sessionId: 'edge-1', ...e }) as SessionEvent);
/** The same, ended: only its routing timeline names Nina, the forwarding target. */
const edgeEnded: SessionEvent[] = [
  ...edge.map((e, i) => ({ ...e, id: `edge2-${i}`, sessionId: 'edge-2' })),
  { id: 'edge2-end', sessionId: 'edge-2', type: 'session.ended', at: T(9) },
];

before(async () => {
  h = await harness({ now: () => NOW });
  const sessions = [...simulate({ seed: 5, sessions: 450, start: NOW - 3 * DAY, end: NOW - 60_000 })];
  for (const events of sessions) native.set(events[0].sessionId, events[0]);
  native.set('edge-1', edge[0]);
  native.set('edge-2', edgeEnded[0]);
  for (let i = 0; i < sessions.length; i += 150) await h.ingest(sessions.slice(i, i + 150).flat());
  await h.ingest(edge);
  await h.ingest(edgeEnded);
  const token = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
  });
  authorization = `Bearer ${token.json().access_token}`;
});
after(() => h.close());

const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
  const response = await h.request({
    method,
    url,
    headers: { authorization },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
  assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.statusCode === 204 ? null : response.json();
};

/** Every session of the tenant through the list endpoint, paging by offset. */
async function listAll(): Promise<any[]> {
  const all: any[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await call('GET', `/api/v1/Sessions?limit=200&offset=${offset}`);
    all.push(...page);
    if (page.length < 200) return all;
  }
}

test('every session of the list and of GET Sessions/{id} fits SessionModel', async () => {
  const listed = await listAll();
  assert.equal(listed.length, native.size);
  const kinds = new Set<string>();
  for (const item of listed) {
    assertFits(SessionModel, item, `list item ${item.id}`);
    const one = await call('GET', `/api/v1/Sessions/${item.id}`);
    assertFits(SessionModel, one, `Sessions/${item.id}`);
    // A closed session's list entry is built without its routing timeline (from stored durations and the
    // operators the timeline names); it must be what the session's own route, from the whole document, says.
    assert.deepEqual(item, one, `list item ${item.id} = Sessions/${item.id}`);
    kinds.add(`${one.source}/${one.outboundDialResult ?? ''}/${one.chatbots?.length ? 'bot' : ''}`);
  }
  // The walk covered the variety it claims to.
  for (const kind of [
    'Default//',
    'Default//bot',
    'IncomingCall//',
    'Callback/ANSWERED/',
    'OutgoingCall/ANSWERED/',
    'Campaign/ANSWERED/',
    'Campaign/NO_ANSWER/',
  ]) {
    assert.ok(kinds.has(kind), `the simulated sessions include ${kind}: ${[...kinds].join(', ')}`);
  }
});

test('every routing history, call parameter list and the tag catalogue fit their models', async () => {
  const listed = await listAll();
  let items = 0;
  let params = 0;
  for (const { id } of listed) {
    const routing = await call('GET', `/api/v1/Sessions/${id}/routingHistory`);
    for (const item of routing) assertFits(RoutingTimeLineItem, item, `routingHistory of ${id}`);
    items += routing.length;
    const callParams = await call('GET', `/api/v1/Sessions/${id}/callparams`);
    assertFits(CallParamsModel, callParams, `callparams of ${id}`);
    params += callParams.callParams.length;
  }
  assert.ok(items > 1000 && params > 100, `walked ${items} routing items and ${params} call parameters`);
  await call('POST', '/api/v1/Tags', { name: 'contract-tag' });
  const tags = await call('GET', '/api/v1/Tags');
  assert.ok(tags.length > 1);
  for (const tag of tags) assertFits(TagModel, tag, 'Tags');
  assert.ok(tags.every((t: { departmentId: number }) => t.departmentId === h.tenant.departmentId));
});

test('guest data maps onto mluvii enums; producer values stay in the native API', async () => {
  const listed = await listAll();
  let withGuest = 0;
  for (const item of listed) {
    const created = native.get((await sessionIdOf(item.id)) ?? '');
    const guest = created?.guest as { os?: string; browser?: string } | undefined;
    assert.equal(item.guest.channelIdentity, null);
    if (guest?.os) {
      withGuest++;
      assert.notEqual(item.guest.os, 'UNKNOWN', `${guest.os} maps to a GuestOSType`);
      assert.notEqual(item.guest.os, 'OTHER', `${guest.os} is a known OS`);
    }
    if (guest?.browser) assert.ok(!['UNKNOWN', 'OTHER'].includes(item.guest.browser), guest.browser);
    if (!guest) assert.deepEqual([item.guest.os, item.guest.browser], ['UNKNOWN', 'UNKNOWN']);
  }
  assert.ok(withGuest > 100 && withGuest < listed.length, 'sessions with and without guest data');
  const edgeSession = await call('GET', `/api/v1/Sessions/${await mluviiIdOf('edge-1')}`);
  assert.deepEqual([edgeSession.guest.os, edgeSession.guest.browser], ['OSX', 'CHROMIUM_EDGE']);
  const nativeEdge = await h.request({ method: 'GET', url: '/v1/sessions/edge-1', headers: h.auth() });
  assert.match(nativeEdge.json().guest.os, /Macintosh/);
  assert.equal(nativeEdge.json().guest.email, 'guest@example.org');
});

test('widget is the string the Widget filter matches', async () => {
  const listed = await listAll();
  const widgets = new Set(listed.map((s) => s.widget).filter((w) => w !== null));
  assert.ok(widgets.has('eshop-widget') && widgets.has('7'), [...widgets].join());
  for (const widget of widgets) {
    const found = await call('GET', `/api/v1/Sessions?limit=1000&Widget=${encodeURIComponent(widget)}`);
    assert.ok(found.length > 0);
    assert.ok(
      found.every((s: { widget: string }) => s.widget === widget),
      widget,
    );
  }
});

test('the edge session: implied routing request ids, a late operator, a huge chatbot id', async () => {
  const id = await mluviiIdOf('edge-1');
  const routing = await call('GET', `/api/v1/Sessions/${id}/routingHistory`);
  assert.deepEqual(
    routing.map((r: { routingRequestId: number }) => r.routingRequestId),
    [1, 1],
  );
  const session = await call('GET', `/api/v1/Sessions/${id}`);
  assert.equal(session.operators[0].joined, session.operators[0].concluded);
  assert.equal(session.campaignId, null, 'a string campaign id has no int');
  assert.equal(
    session.activities.find((a: any) => a.type === 'SessionForwarded').toOperatorFullName,
    'Nina Nová',
  );
  // Ended, in a list page: the name still comes from the timeline's operators.
  const endedId = await mluviiIdOf('edge-2');
  const ended = (await listAll()).find((s: any) => s.id === endedId);
  assert.ok(ended.ended, 'edge-2 is closed');
  assert.equal(
    ended.activities.find((a: any) => a.type === 'SessionForwarded').toOperatorFullName,
    'Nina Nová',
  );
});

test('file deletion answers fit SessionFileResponse', async () => {
  const listed = await listAll();
  const withRecording = listed.find((s) => s.recordings?.length > 0);
  assert.ok(withRecording);
  const result = await call('DELETE', `/api/v1/Sessions/${withRecording.id}/files`, {
    fileIds: [withRecording.recordings[0].id, 12345],
  });
  assert.equal(result.length, 2);
  for (const item of result) assertFits(SessionFileResponse, item, 'DELETE files');
});

async function mluviiIdOf(sessionId: string): Promise<number> {
  const result = await h.db.query<{ id: string }>(
    'SELECT id FROM sessions WHERE tenant_id = $1 AND session_id = $2',
    [h.tenant.id, sessionId],
  );
  return Number(result.rows[0].id);
}

async function sessionIdOf(id: number): Promise<string | undefined> {
  const result = await h.db.query<{ session_id: string }>(
    'SELECT session_id FROM sessions WHERE tenant_id = $1 AND id = $2',
    [h.tenant.id, id],
  );
  return result.rows[0]?.session_id;
}
