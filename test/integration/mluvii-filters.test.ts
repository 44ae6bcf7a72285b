/**
 * Every SessionGetParams filter of `GET /api/v1/Sessions`, table-driven over five hand-made sessions whose
 * attributes differ in every filtered field: each filter selects exactly the sessions it should, and one it
 * cannot apply answers 400 naming it. Then, over simulated sessions, the enum filters against the values the
 * SessionModel shows, and the SQL twins of stableIntId and of the OS/browser mapping against their
 * JavaScript originals.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import { stableIntId } from '../../src/domain/projector.js';
import { stableIntIdSql } from '../../src/dialects/mluvii/filters.js';
import {
  guestBrowser,
  guestBrowserSql,
  guestOs,
  guestOsSql,
  SESSION_CHANNEL,
  SESSION_SOURCE,
  SESSION_STATUS,
  GUEST_LEFT_SESSION_IN_STATE,
} from '../../src/dialects/mluvii/enums.js';
import { simulate } from '../../src/simulator/simulate.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
let h: Harness;
let headers: { authorization: string };
const ids: Record<string, number> = {};

const at = (base: string, s: number) => new Date(Date.parse(base) + s * 1000).toISOString();
const alice = { id: '101', firstName: 'Alice' };
const bob = { id: '102', firstName: 'Bob' };
const carol = { id: '103', firstName: 'Carol' };

/** A: chat, closed; two operators at once, a hashed bot id, feedback 5 Likert, a vip tag, an outcome. */
function sessionA() {
  const T = (s: number) => at('2026-03-09T10:00:00Z', s);
  return [
    {
      type: 'session.created',
      at: T(0),
      channel: 'chat',
      guest: {
        identity: '5001',
        email: 'Jan@Example.com',
        phone: '+420111',
        ipAddress: '10.0.0.1',
        language: 'cs',
        os: 'Windows 11',
        browser: 'Firefox',
        channelIdentity: 777,
        gdprVersion: 'v2',
      },
      phoneCallbackNumber: '+420777123',
      url: 'https://shop.example.com/cart?x=1',
      widget: 'sales-widget',
    },
    { type: 'routing.requested', at: T(5), group: { id: 7, name: 'Sales' } },
    { type: 'routing.assigned', at: T(35), operator: alice },
    { type: 'routing.accepted', at: T(50), operator: alice },
    { type: 'operator.joined', at: T(50), operator: alice },
    { type: 'guest.joined', at: T(52) },
    { type: 'message', at: T(55), from: 'operator', text: 'Welcome to the order desk', operator: alice },
    { type: 'message', at: T(60), from: 'guest', text: 'Hello, my order 42 is late' },
    { type: 'bot.joined', at: T(80), bot: { botId: 'helper-bot', name: 'Helper' } },
    { type: 'tags.added', at: T(90), tags: [{ name: 'vip', scope: 'session' }] },
    { type: 'operator.joined', at: T(100), operator: bob },
    { type: 'operator.left', at: T(200), operator: bob },
    { type: 'feedback', at: T(300), stars: 5, scale: 'Likert' },
    { type: 'operator.left', at: T(352), operator: alice },
    { type: 'session.ended', at: T(352), reason: 'OperatorLeft', outcome: 'Sold' },
    { type: 'operator.concluded', at: T(412), operator: alice },
    { type: 'operator.concluded', at: T(412), operator: bob },
  ];
}

/** B: AV callback, closed; operators one after the other, chatbot 9, feedback 3 NPS, guest left after. */
function sessionB() {
  const T = (s: number) => at('2026-03-09T12:00:00Z', s);
  return [
    {
      type: 'session.created',
      at: T(0),
      channel: 'av',
      source: 'Callback',
      guest: {
        identity: 'c-b',
        email: 'b@example.com',
        ipAddress: '192.168.1.5',
        language: 'en-US',
        os: 'Mac OS X',
        browser: 'Safari',
      },
      url: 'https://www.example.com/help',
      widget: 7,
    },
    { type: 'routing.requested', at: T(5) },
    { type: 'routing.assigned', at: T(35), operator: alice },
    { type: 'routing.accepted', at: T(50), operator: alice },
    { type: 'operator.joined', at: T(50), operator: alice },
    { type: 'guest.joined', at: T(52) },
    { type: 'bot.joined', at: T(53), bot: { botId: 'b-bot', chatbotId: 9, name: 'Nine' } },
    { type: 'message', at: T(60), from: 'guest', text: 'Hi there' },
    { type: 'operator.left', at: T(100), operator: alice },
    { type: 'operator.joined', at: T(100), operator: carol },
    { type: 'feedback', at: T(200), stars: 3, scale: 'NPS' },
    { type: 'operator.left', at: T(300), operator: carol },
    { type: 'session.ended', at: T(300), reason: 'GuestLeft', outcome: 'Callback, later' },
    { type: 'guest.left', at: T(310) },
  ];
}

/** C: an incoming phone call abandoned in the queue. */
function sessionC() {
  const T = (s: number) => at('2026-03-08T09:00:00Z', s);
  return [
    {
      type: 'session.created',
      at: T(0),
      channel: 'phone',
      source: 'IncomingCall',
      guest: { identity: '6002', phone: '+420999', language: 'de', os: 'Android 14', browser: 'Chrome' },
    },
    { type: 'routing.requested', at: T(5), group: { id: 8 } },
    { type: 'routing.queued', at: T(5), group: { id: 8 } },
    { type: 'guest.left', at: T(40) },
    { type: 'session.ended', at: T(41), reason: 'GuestAbandoned' },
  ];
}

/** D: a chat still going on (its length runs against the clock). */
function sessionD() {
  const T = (s: number) => at('2026-03-10T11:00:00Z', s);
  return [
    {
      type: 'session.created',
      at: T(0),
      channel: 'chat',
      guest: { ipAddress: '10.0.0.2', language: 'cs-CZ', os: 'iOS', browser: 'Edge', gdprVersion: 'v1' },
      url: 'https://shop.example.com/',
    },
    { type: 'routing.requested', at: T(2) },
    { type: 'routing.assigned', at: T(10), operator: alice },
    { type: 'routing.accepted', at: T(30), operator: alice },
    { type: 'operator.joined', at: T(30), operator: alice },
    { type: 'guest.joined', at: T(32) },
    { type: 'message', at: T(40), from: 'guest', text: 'order status?' },
  ];
}

/** E: a fax still waiting in the queue (its waited time runs), anonymized through the API. */
function sessionE() {
  const T = (s: number) => at('2026-03-10T11:50:00Z', s);
  return [
    {
      type: 'session.created',
      at: T(0),
      channel: 'fax',
      source: 'API',
      guest: { name: 'Eva', email: 'e@example.com', ipAddress: '10.9.9.9' },
    },
    { type: 'routing.requested', at: T(1) },
  ];
}

const SESSIONS: Record<string, () => Record<string, unknown>[]> = {
  A: sessionA,
  B: sessionB,
  C: sessionC,
  D: sessionD,
  E: sessionE,
};
const ALL = Object.keys(SESSIONS);

before(async () => {
  h = await harness({ now: () => NOW });
  await h.ingest(
    Object.entries(SESSIONS).flatMap(([name, events]) =>
      events().map((e, i) => ({ id: `f${name}-${i}`, sessionId: `f-${name}`, ...e })),
    ),
  );
  const rows = await h.db.query<{ id: string; session_id: string }>(
    'SELECT id, session_id FROM sessions WHERE tenant_id = $1',
    [h.tenant.id],
  );
  for (const r of rows.rows) ids[r.session_id.slice(2)] = Number(r.id);
  const token = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
  });
  headers = { authorization: `Bearer ${token.json().access_token}` };
  const anonymized = await h.request({ method: 'POST', url: `/api/v1/Sessions/${ids.E}/anonymize`, headers });
  assert.equal(anonymized.statusCode, 204, anonymized.body);
});
after(() => h.close());

const list = (query: string) => h.request({ method: 'GET', url: `/api/v1/Sessions?${query}`, headers });

async function names(query: string): Promise<string[]> {
  const response = await list(query);
  assert.equal(response.statusCode, 200, `${query}: ${response.body}`);
  const byId = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  return response
    .json<{ id: number }[]>()
    .map((m) => byId[m.id])
    .sort();
}

/** [query, the sessions it selects]: every filter of SessionGetParams, each variant at least once. */
const CASES = (): [string, string[]][] => [
  [`SessionId=${ids.A}&SessionId=${ids.C}`, ['A', 'C']],
  [`sessionid[0]=${ids.A}&SessionId[1]=${ids.B}`, ['A', 'B']],
  [`DepartmentId=${h.tenant.departmentId}`, ALL],
  [`DepartmentId=${h.other.departmentId}`, []],
  ['ChannelIdentityId=777', ['A']],
  ['ChannelIdentityId=778', []],
  ['Status=CLOSED', ['A', 'C']],
  ['Status=7', ['A', 'C']],
  ['Status=ACW', ['B']],
  ['Status=IN_QUEUE&status=active', ['D', 'E']],
  ['Channel=Chat', ['A', 'D']],
  ['Channel=2', ['B']],
  ['Channel=Phone,AV', ['B', 'C']],
  ['Channel=UNKNOWN', ['E']],
  ['Source=Callback', ['B']],
  ['Source=5&Source=api', ['C', 'E']],
  ['OperatorUserId=102', ['A']],
  ['OperatorUserId=101', ['A', 'B', 'D']],
  ['ChatbotId=9', ['B']],
  [`ChatbotId=${stableIntId('helper-bot')}`, ['A']],
  ['Widget=sales-widget', ['A']],
  ['Widget=7', ['B']],
  ['Result=Sold', ['A']],
  ['Result=Callback%2C%20later', ['B']],
  ['Result=Callback', []],
  ['ClientStars=5', ['A']],
  ['ClientStars=3&ClientStars=4', ['B']],
  ['ClientFeedbackScale=NPS', ['B']],
  ['ClientFeedbackScale=1', ['A']],
  ['ClientId=5001', ['A']],
  ['ClientId=6002&ClientId=1', ['C']],
  ['Tags=vip', ['A']],
  ['Tags=nothing', []],
  ['GuestIdentifications=jan%40example.com', ['A']],
  ['GuestIdentifications=%2B420999&GuestIdentifications=c-b', ['B', 'C']],
  ['Browser=FF', ['A']],
  ['Browser=SAFARI,chrome', ['B', 'C']],
  ['Browser=13', ['D']],
  ['Browser=EDGE', []],
  ['Browser=UNKNOWN', ['E']],
  ['OS=WINDOWS', ['A']],
  ['OS=osx&OS=5', ['B', 'C']],
  ['OS=IOS', ['D']],
  ['OS=UNKNOWN', ['E']],
  ['GuestLeftSession=LeftQueue', ['C']],
  ['GuestLeftSession=LeftAfterSession', ['B']],
  ['GuestLeftSession=StillConnected', ['D', 'E']],
  ['GuestLeftSession=0', ['A']],
  ['TerminationReason=OperatorLeft', ['A']],
  ['TerminationReason=GuestAbandoned,1', ['B', 'C']],
  ['Created.Min=2026-03-09', ['A', 'B', 'D', 'E']],
  ['Created.Max=2026-03-09T11:00:00Z', ['A', 'C']],
  ['Created.Null=true', []],
  ['Created.Null=false', ALL],
  ['GuestJoined.Min=2026-03-09T11:00:00Z', ['B', 'D']],
  ['GuestJoined.Null=true', ['C', 'E']],
  ['Accepted.Max=2026-03-09T23:59:59Z', ['A', 'B']],
  ['Accepted.Null=true', ['C', 'E']],
  ['Accepted.Null=False', ['A', 'B', 'D']],
  ['Ended.Min=2026-03-09&Ended.Max=2026-03-09T23:59:59.999Z', ['A', 'B']],
  ['Ended.Null=true', ['D', 'E']],
  ['Anonymized.Min=2026-03-10', ['E']],
  ['Anonymized.Max=2026-03-01', []],
  ['Anonymized.Max=2026-03-11', ['E']],
  ['Anonymized.Null=true', ['A', 'B', 'C', 'D']],
  ['Anonymized.Null=false', ['E']],
  // E has waited 10 minutes so far; the stored columns alone would say nothing.
  ['WaitingTime.Min=PT5M', ['E']],
  ['WaitingTime.Max=00:00:45', ['C', 'D']],
  ['WaitingTime.Null=false', ALL],
  ['WaitingTime.Null=true', []],
  // D has talked for almost an hour so far; A for exactly five minutes (Max is inclusive).
  ['Duration.Min=PT30M', ['D']],
  ['Duration.Max=PT5M', ['A', 'B']],
  ['Duration.Null=true', ['C', 'E']],
  ['LandingPage.Text=SHOP.example', ['A', 'D']],
  ['LandingPage.Text=https://shop.example.com/&LandingPage.Exact=true', ['D']],
  ['LandingPage.Text=https://shop.example.com/&LandingPage.Exact=false', ['A', 'D']],
  ['LandingPage.Null=true', ['C', 'E']],
  ['LandingPage.Null=false', ['A', 'B', 'D']],
  ['IPAddress.Text=10.0.0', ['A', 'D']],
  ['IPAddress.Text=192.168.1.5&IPAddress.Exact=true', ['B']],
  ['IPAddress.Text=%25', []],
  ['IPAddress.Null=true', ['C', 'E']],
  ['PhoneCallbackNumber.Text=777', ['A']],
  ['PhoneCallbackNumber.Null=true', ['B', 'C', 'D', 'E']],
  ['InitialMessage.Text=order', ['A', 'D']],
  ['InitialMessage.Text=welcome', []],
  ['InitialMessage.Text=HI%20THERE&InitialMessage.Exact=true', ['B']],
  ['InitialMessage.Null=true', ['C', 'E']],
  ['Language.Text=cs', ['A', 'D']],
  ['Language.Text=en-us&Language.Exact=true', ['B']],
  ['Language.Null=true', ['E']],
  ['GDPRVersion.Text=v2&GDPRVersion.Exact=true', ['A']],
  ['GDPRVersion.Null=false', ['A', 'D']],
  ['AutoAccepted=true', []],
  ['AutoAccepted=false', ALL],
  ['HasConcurrentOperators=true', ['A']],
  ['HasConcurrentOperators=false', ['B', 'C', 'D', 'E']],
  ['ActivityTextsContain=late', ['A']],
  ['ActivityTextsContain=nobody%20said%20this', []],
  // Filters combine with AND; an empty value is no filter, as ASP.NET binds it to null.
  ['Channel=Chat&ClientStars=5&Created.Min=2026-03-09', ['A']],
  ['ClientStars=&Widget=', ALL],
];

/** Every filter of mluvii's SessionGetParams, with the variants of each. */
const EVERY_FILTER =
  `SessionId DepartmentId ChannelIdentityId Status Channel Source OperatorUserId ChatbotId Widget
  Result ClientStars ClientFeedbackScale ClientId Tags GuestIdentifications Browser OS GuestLeftSession
  TerminationReason Created.Min Created.Max Created.Null GuestJoined.Min GuestJoined.Null Accepted.Max
  Accepted.Null Ended.Min Ended.Max Ended.Null Anonymized.Min Anonymized.Max Anonymized.Null WaitingTime.Min
  WaitingTime.Max WaitingTime.Null Duration.Min Duration.Max Duration.Null LandingPage.Text LandingPage.Exact
  LandingPage.Null IPAddress.Text IPAddress.Exact IPAddress.Null PhoneCallbackNumber.Text
  PhoneCallbackNumber.Null InitialMessage.Text InitialMessage.Exact InitialMessage.Null Language.Text
  Language.Exact Language.Null GDPRVersion.Text GDPRVersion.Exact GDPRVersion.Null AutoAccepted
  HasConcurrentOperators ActivityTextsContain`.split(/\s+/);

test('every SessionGetParams filter selects exactly the sessions it should', async () => {
  const cases = CASES();
  const wrong: string[] = [];
  for (const [query, expected] of cases) {
    const got = await names(query);
    if (got.join() !== [...expected].sort().join())
      wrong.push(`${query}: got [${got.join()}], want [${expected.join()}]`);
  }
  assert.deepEqual(wrong, []);
  // Coverage: every filter appears, and each selects some session and leaves some other out.
  for (const filter of EVERY_FILTER) {
    const mine = cases.filter(([query]) =>
      query
        .toLowerCase()
        .split('&')
        .some((p) => p.replace(/\[\d*\]/, '').startsWith(`${filter.toLowerCase()}=`)),
    );
    assert.ok(mine.length > 0, `${filter} is tested`);
    if (filter.endsWith('.Exact')) continue;
    assert.ok(
      mine.some(([, e]) => e.length > 0),
      `${filter} selects a session somewhere`,
    );
    assert.ok(
      mine.some(([, e]) => e.length < ALL.length),
      `${filter} leaves a session out somewhere`,
    );
  }
});

test('a filter that cannot be applied → 400 naming it; every problem at once', async () => {
  const cases: [string, string][] = [
    ['ClientStar=5', 'clientstar'],
    ['Created=2026-03-09', 'created'],
    ['LandingPage=shop', 'landingpage'],
    ['Created.Exact=2026-03-09', 'created.exact'],
    ['Foo.Min=1', 'foo.min'],
    ['LandingPage.Exact=true', 'LandingPage.Exact'],
    ['LandingPage.Exact=maybe&LandingPage.Text=x', 'LandingPage.Exact'],
    ['LandingPage.Text=a&LandingPage.Text=b', 'LandingPage.Text'],
    ['ClientStars=five', 'ClientStars'],
    ['ClientFeedbackScale=Huge', 'ClientFeedbackScale'],
    ['Browser=Netscape', 'Browser'],
    ['OS=9', 'OS'],
    ['Status=99', 'Status'],
    ['Channel=Fax', 'Channel'],
    ['ChannelIdentityId=abc', 'ChannelIdentityId'],
    ['ClientId=1.5', 'ClientId'],
    ['SessionId=99999999999999999999', 'SessionId'],
    ['OperatorUserId=3000000000', 'OperatorUserId'],
    ['TerminationReason=16', 'TerminationReason'],
    ['GuestLeftSession=Never', 'GuestLeftSession'],
    ['AutoAccepted=yes', 'AutoAccepted'],
    ['HasConcurrentOperators=1', 'HasConcurrentOperators'],
    ['Anonymized.Min=yesterday', 'Anonymized.Min'],
    ['GuestJoined.Max=2026-02-30', 'GuestJoined.Max'],
    ['Duration.Null=maybe', 'Duration.Null'],
    ['WaitingTime.Min=-PT1M', 'WaitingTime.Min'],
    ['IPAddress.Null=perhaps', 'IPAddress.Null'],
    ['limit=0', 'limit'],
    ['offset=-1', 'offset'],
  ];
  for (const [query, field] of cases) {
    const response = await list(query);
    assert.equal(response.statusCode, 400, `${query}: ${response.body}`);
    const body = response.json();
    assert.equal(body.title, 'One or more validation errors occurred.');
    assert.ok(body.errors?.[field], `${query} names ${field}: ${response.body}`);
  }
  const misspelt = (await list('ClientStar=5')).json();
  assert.match(misspelt.errors.clientstar[0], /did you mean ClientStars\?/);
  const several = (await list('ClientStars=x&Bogus=1&Created.Min=never')).json();
  assert.deepEqual(Object.keys(several.errors).sort(), ['ClientStars', 'Created.Min', 'bogus']);
});

test('enum filters select exactly the sessions whose SessionModel shows that value', async () => {
  const local = await harness({ now: () => NOW });
  try {
    const batches = [
      ...simulate({ seed: 5, sessions: 300, start: NOW - 2 * 86_400_000, end: NOW + 3_600_000 }),
    ];
    for (let i = 0; i < batches.length; i += 100) {
      const response = await local.request({
        method: 'POST',
        url: '/v1/events',
        headers: local.auth(),
        payload: batches.slice(i, i + 100).flat(),
      });
      assert.equal(response.statusCode, 200, response.body);
    }
    const token = await local.request({
      method: 'POST',
      url: '/login/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${local.tenant.credentials.clientId}&client_secret=${local.tenant.credentials.clientSecret}`,
    });
    const auth = { authorization: `Bearer ${token.json().access_token}` };
    const get = async (query: string) => {
      const response = await local.request({
        method: 'GET',
        url: `/api/v1/Sessions?limit=10000&${query}`,
        headers: auth,
      });
      assert.equal(response.statusCode, 200, response.body);
      return response
        .json<any[]>()
        .map((m) => m.id)
        .sort((a: number, b: number) => a - b);
    };
    const all = (
      await local.request({ method: 'GET', url: '/api/v1/Sessions?limit=10000', headers: auth })
    ).json<any[]>();
    assert.ok(all.length >= 300);
    const checks: [string, readonly string[], (m: any) => unknown][] = [
      ['Status', SESSION_STATUS, (m) => m.status],
      ['Channel', SESSION_CHANNEL, (m) => m.channel],
      ['Source', SESSION_SOURCE, (m) => m.source],
      ['GuestLeftSession', GUEST_LEFT_SESSION_IN_STATE, (m) => m.guestLeftSession],
      ['ClientStars', ['1', '2', '3', '4', '5'], (m) => String(m.guestFeedbackStars)],
      [
        'Browser',
        ['UNKNOWN', 'OTHER', 'CHROME', 'FF', 'SAFARI', 'EDGE', 'CHROMIUM_EDGE'],
        (m) => m.guest.browser,
      ],
      ['OS', ['UNKNOWN', 'WINDOWS', 'OSX', 'ANDROID', 'IOS'], (m) => m.guest.os],
      // The result a session recorded shows as its operators' feedbackResult.
      [
        'Result',
        [...new Set(all.flatMap((m) => m.operators.map((o: any) => o.feedbackResult)).filter(Boolean))],
        (m) => m.operators[0]?.feedbackResult,
      ],
    ];
    let nonEmpty = 0;
    for (const [filter, values, shown] of checks) {
      for (const value of values) {
        const expected = all
          .filter((m) => shown(m) === value)
          .map((m) => m.id)
          .sort((a: number, b: number) => a - b);
        assert.deepEqual(await get(`${filter}=${value}`), expected, `${filter}=${value}`);
        if (expected.length > 0) nonEmpty++;
      }
    }
    assert.ok(nonEmpty > 15, 'the simulated sessions cover most values');
    // Running durations: the filter sees what the model shows at the same clock.
    const isoMs = (d: string | null) => {
      if (d === null) return null;
      const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(d)!;
      return Math.round(
        ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) *
          1000,
      );
    };
    for (const [filter, field] of [
      ['WaitingTime', 'waited'],
      ['Duration', 'length'],
    ] as const) {
      for (const bound of ['PT30S', 'PT2M', 'PT10M']) {
        const ms = isoMs(bound)!;
        const expected = all
          .filter((m) => m[field] !== null && isoMs(m[field])! >= ms)
          .map((m) => m.id)
          .sort((a: number, b: number) => a - b);
        assert.deepEqual(await get(`${filter}.Min=${bound}`), expected, `${filter}.Min=${bound}`);
      }
      const nulls = all.filter((m) => m[field] === null).map((m) => m.id);
      assert.deepEqual(
        await get(`${filter}.Null=true`),
        nulls.sort((a: number, b: number) => a - b),
      );
    }
  } finally {
    await local.close();
  }
});

test('SQL twins: stableIntId and the OS/browser mapping agree with their JavaScript originals', async () => {
  for (const id of [
    'helper-bot',
    '',
    '7',
    '0000000001',
    '2147483647',
    '2147483648',
    '99999999999',
    'Žluťoučký kůň',
    'bot 😀 with emoji',
    'x'.repeat(128),
  ]) {
    const row = await h.db.query<{ v: string }>(`SELECT ${stableIntIdSql('$1::text')} AS v`, [id]);
    assert.equal(Number(row.rows[0].v), stableIntId(id), JSON.stringify(id));
  }
  const samples = [
    null,
    '',
    'Windows 11',
    'win32',
    'Mac OS X',
    'macOS',
    'iPhone OS',
    'iOS',
    'Android 14',
    'Ubuntu',
    'Linux',
    'ChromeOS',
    'Firefox',
    'FF',
    'Mozilla Firefox',
    'Google Chrome',
    'Chromium',
    'Safari',
    'Mobile Safari',
    'Opera',
    'Edge',
    'Microsoft Edge',
    'CHROMIUM_EDGE',
    'Edg',
    'IE 8',
    'Internet Explorer 11.0',
    'IE_11',
    'MSIE 6',
    'IE_LOW',
    'IE_HI',
    'unknown',
    'Other',
    'Netscape Navigator',
    'ünïcödé',
    '  EDGE ',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15',
    'Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko',
    'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)',
    'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/124.0 Safari/537.36 Edg/124.0.2478.51',
    'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/70.0 Safari/537.36 Edge/18.17763',
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36',
  ];
  for (const raw of samples) {
    const row = await h.db.query<{ os: string; browser: string }>(
      `SELECT ${guestOsSql('$1::text')} AS os, ${guestBrowserSql('$1::text')} AS browser`,
      [raw],
    );
    assert.deepEqual(row.rows[0], { os: guestOs(raw), browser: guestBrowser(raw) }, String(raw));
  }
  assert.equal(guestOs('Windows 11'), 'WINDOWS');
  assert.equal(guestOs('Mac OS X'), 'OSX');
  assert.equal(guestBrowser('Internet Explorer 11.0'), 'IE_11');
  assert.equal(guestBrowser('Netscape Navigator'), 'OTHER');
  assert.equal(guestBrowser(null), 'UNKNOWN');
});
