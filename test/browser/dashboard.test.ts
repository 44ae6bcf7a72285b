/**
 * The dashboard end to end in headless Chromium against a real server on a real socket (issue 13): sign-in,
 * every view shows the numbers the API answers for the same query, the wallboard follows the stream without a
 * reload, a session's timeline has its states in order with their durations, the CSV is the table, sign-out
 * ends the session, another tenant's session is "not found". Screenshots go to artifacts/screenshots.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { harness, type Harness } from '../integration/harness.js';
import { launch, screenshot, signIn } from './browser.js';

let h: Harness;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/**
 * The fixture runs from T0 − 60 s to T0 + 480 s, in the past and inside one UTC day (the operators view shows
 * one day): 15 minutes ago, or, in the first 20 minutes after midnight, ending 2 minutes before it.
 */
const NOW = Date.now();
const MIDNIGHT = Math.floor(NOW / 86_400_000) * 86_400_000;
const T0 =
  NOW - MIDNIGHT < 20 * 60_000 ? MIDNIGHT - 10 * 60_000 : Math.floor((NOW - 15 * 60_000) / 1000) * 1000;
const FIXTURE_DAY = new Date(T0).toISOString().slice(0, 10);
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const support = { id: 1, name: 'Support' };
const sales = { id: 2, name: 'Sales' };
const op7 = { id: '7', firstName: 'Jana', lastName: 'Nováková' };
/** Session A's states and their lengths, as the events below make them. */
const EXPECTED_STATES: [string, number][] = [
  ['CREATED', 2_000],
  ['IN_QUEUE', 28_000],
  ['WAITING', 4_000],
  ['BCW', 6_000],
  ['ACTIVE', 300_000],
  ['ACW', 60_000],
];

function sessionA(id = 'call-a') {
  let n = 0;
  const e = (type: string, s: number, extra: object = {}) => ({
    id: `${id}-${n++}`,
    sessionId: id,
    type,
    at: at(s),
    ...extra,
  });
  return [
    e('session.created', 0, { channel: 'phone', guest: { name: 'Eva' } }),
    e('routing.requested', 2, { group: support }),
    e('routing.queued', 2, { group: support }),
    e('routing.assigned', 30, { operator: op7 }),
    e('routing.accepted', 34, { operator: op7 }),
    e('operator.joined', 34, { operator: op7 }),
    e('guest.joined', 40),
    e('message', 50, { from: 'guest', text: 'Hello, my order is late' }),
    e('message', 60, { from: 'operator', operator: op7, text: 'Let me look' }),
    e('callparams.updated', 45, { params: { order: '42' } }),
    e('tags.added', 70, { tags: [{ name: 'late-order', scope: 'session' }] }),
    e('recording.available', 339, {
      recording: {
        id: 'rec-1',
        name: 'call.wav',
        type: 'AllParticipants',
        started: at(40),
        durationMs: 299000,
        contentType: 'audio/wav',
      },
    }),
    e('operator.left', 340, { operator: op7 }),
    e('session.ended', 340, { reason: 'GuestLeft' }),
    e('feedback', 345, { stars: 5, text: 'quick' }),
    e('operator.concluded', 400, { operator: op7 }),
  ];
}
const sessionB = [
  { id: 'b-0', sessionId: 'call-b', type: 'session.created', at: at(100), channel: 'chat' },
  { id: 'b-1', sessionId: 'call-b', type: 'routing.requested', at: at(101), group: sales },
  { id: 'b-2', sessionId: 'call-b', type: 'routing.queued', at: at(101), group: sales },
  { id: 'b-3', sessionId: 'call-b', type: 'guest.left', at: at(141) },
];
const sessionBot = [
  {
    id: 'c-0',
    sessionId: 'bot-c',
    type: 'session.created',
    at: at(200),
    channel: 'chat',
    bot: { botId: 'st-faq' },
  },
  { id: 'c-1', sessionId: 'bot-c', type: 'bot.joined', at: at(200), bot: { botId: 'st-faq', name: 'FAQ' } },
  { id: 'c-2', sessionId: 'bot-c', type: 'message', at: at(205), from: 'guest', text: 'opening hours?' },
  { id: 'c-3', sessionId: 'bot-c', type: 'bot.task', at: at(206), name: 'hours', status: 'completed' },
  { id: 'c-4', sessionId: 'bot-c', type: 'session.ended', at: at(210), containment: 'selfService' },
];

/** Operator 7's states around session A: closed before the test reads them (the last, OFFLINE, adds nothing). */
const op7States = (
  [
    [-60, 'ONLINE'],
    [34, 'ON_CALL'],
    [340, 'AFTER_CALL'],
    [400, 'ONLINE'],
    [420, 'BREAK', { reason: 'Coffee', paid: true }],
    [480, 'OFFLINE'],
  ] as [number, string, object?][]
).map(([s, state, extra], i) => ({
  id: `op7-${i}`,
  type: 'operator.state',
  at: at(s),
  operator: op7,
  state,
  ...extra,
}));

async function api<T = any>(path: string): Promise<T> {
  const response = await h.request({ url: path, headers: h.auth() });
  assert.equal(response.statusCode, 200, `${path}: ${response.body}`);
  return response.json();
}
const texts = (selector: string) => page.locator(selector).allInnerTexts();
const today = () => new Date().toISOString().slice(0, 10);
const dayAfter = (d: string, n: number) =>
  new Date(Date.parse(`${d}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

before(async () => {
  h = await harness();
  // Support's own service-level settings, in effect since an hour before the sessions (the route only takes
  // future starts; a past one is what an operator's edit of the table looks like). Sales keeps the defaults.
  await h.db.query(
    `INSERT INTO sl_settings (tenant_id, queue_id, valid_from, threshold_ms, short_abandon_ms, abandons_count, goal)
     VALUES ($1, $2, $3, 30000, 5000, true, 0.9)`,
    [h.tenant.id, support.id, new Date(Math.floor((T0 - 3_600_000) / 900_000) * 900_000)],
  );
  await h.ingest([...sessionA(), ...sessionB, ...sessionBot, ...op7States]);
  await h.ingest(
    [{ id: 'o-0', sessionId: 'theirs', type: 'session.created', at: at(0), channel: 'chat' }],
    h.other,
  );
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  browser = await launch();
  context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    timezoneId: 'UTC',
    acceptDownloads: true,
  });
  page = await context.newPage();
  page.on('pageerror', (error) => console.error('page error:', error.message));
});
after(async () => {
  await browser?.close();
  await h?.close();
});

test('a wrong secret shows an error and sets no cookie', async () => {
  await signIn(page, base, h.tenant.credentials.clientId, 'sbs_wrong');
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /wrong secret/i);
  assert.deepEqual(await context.cookies(), []);
  await screenshot(page, 'sign-in-error');
});

test('sign-in opens the wallboard with the numbers of /v1/live/queues', async () => {
  await signIn(page, base, h.tenant.credentials.clientId, h.tenant.credentials.clientSecret);
  await page.locator('.tile').first().waitFor();
  const cookies = await context.cookies();
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, 'Strict');
  await page.locator('[data-live="live"]').waitFor();
  const live = await api('/v1/live/queues?timeZone=UTC');
  assert.equal(await page.locator('.tile').count(), live.queues.length);
  for (const q of live.queues) {
    const tile = page.locator(`.tile[data-queue-id="${q.queue.id}"]`);
    for (const field of ['offered', 'answered', 'abandoned', 'waiting'] as const) {
      const expected = field === 'waiting' ? q.waiting : q.today[field];
      assert.equal(
        await tile.locator(`[data-field="${field}"]`).innerText(),
        String(expected),
        `${q.queue.name} ${field}`,
      );
    }
    const sl = q.today.serviceLevel === null ? '—' : `${(q.today.serviceLevel * 100).toFixed(1)} %`;
    assert.equal(await tile.locator('[data-field="serviceLevel"] a').innerText(), sl);
    assert.equal(
      await tile.locator('[data-field="slFraction"]').innerText(),
      `${q.today.answeredWithinSl} of ${q.today.slCounted} within ${q.sl.thresholdSeconds} s`,
    );
    const shown = { BCW: 'before call', ACTIVE: 'talking', ACW: 'after-call work' } as const;
    for (const [status, name] of Object.entries(shown)) {
      assert.equal(
        await tile.locator(`[data-field="inProgress"] [data-status="${status}"]`).innerText(),
        `${name} ${q.inProgress[status]}`,
      );
    }
    // The goal is the queue's own setting.
    assert.match(
      await tile.locator('[data-field="serviceLevel"]').locator('xpath=..').locator('dt').innerText(),
      new RegExp(`goal ${q.sl.goal * 100} %`),
    );
    // Every number links to its definition.
    assert.equal(
      await tile.locator('[data-field="offered"] a').getAttribute('href'),
      '#/definitions/queue.offered',
    );
  }
  const goals = Object.fromEntries(live.queues.map((q: any) => [q.queue.name, q.sl]));
  assert.deepEqual(goals.Support, {
    thresholdSeconds: 30,
    shortAbandonSeconds: 5,
    abandonsCount: true,
    goal: 0.9,
  });
  assert.equal(goals.Sales.goal, 0.8);
  await screenshot(page, 'wallboard');
});

test('an event posted to the API reaches the wallboard without a reload', async () => {
  await page.evaluate(() => ((window as any).__noReload = true));
  const tile = page.locator(`.tile[data-queue-id="${support.id}"]`);
  const waiting = Number(await tile.locator('[data-field="waiting"]').innerText());
  const offered = Number(await tile.locator('[data-field="offered"]').innerText());
  const now = Date.now();
  await h.ingest([
    {
      id: 'n-0',
      sessionId: 'call-new',
      type: 'session.created',
      at: new Date(now - 2000).toISOString(),
      channel: 'chat',
    },
    {
      id: 'n-1',
      sessionId: 'call-new',
      type: 'routing.requested',
      at: new Date(now - 1000).toISOString(),
      group: support,
    },
    {
      id: 'n-2',
      sessionId: 'call-new',
      type: 'routing.queued',
      at: new Date(now - 1000).toISOString(),
      group: support,
    },
  ]);
  await page.waitForFunction(
    ([id, n]) =>
      document.querySelector(`.tile[data-queue-id="${id}"] [data-field="waiting"]`)?.textContent ===
      String(n),
    [support.id, waiting + 1] as const,
    { timeout: 10_000 },
  );
  assert.equal(await tile.locator('[data-field="offered"]').innerText(), String(offered + 1));
  await page.getByRole('link', { name: 'call-new' }).waitFor();
  assert.equal(await page.evaluate(() => (window as any).__noReload), true, 'the page was not reloaded');
});

test('queue performance: the table is the API’s rows, and the CSV is the table', async () => {
  const from = dayAfter(today(), -1);
  const to = dayAfter(today(), 1);
  await page.goto(`${base}/#/queues?from=${from}&to=${to}&interval=PT1H&timeZone=UTC`);
  await page.locator('#queue-table tbody tr').first().waitFor();
  const report = await api(`/v1/analytics/queues?from=${from}&to=${to}&interval=PT1H&timeZone=UTC`);
  const rows = await page
    .locator('#queue-table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  assert.equal(rows.length, Math.min(200, report.rows.length));
  report.rows.slice(0, 200).forEach((r: any, i: number) => {
    const row = rows[i];
    assert.equal(row[2], String(r.queue.id));
    assert.deepEqual(
      row.slice(4, 10),
      [r.offered, r.answered, r.abandoned, r.shortAbandoned, r.answeredWithinSl]
        .map(String)
        .concat(r.serviceLevel === null ? '' : (r.serviceLevel * 100).toFixed(1)),
      `row ${i}`,
    );
    assert.equal(row[10], r.waitMs.count ? (r.waitMs.sum / r.waitMs.count / 1000).toFixed(1) : '');
  });
  const answeredTotal = report.rows.reduce((s: number, r: any) => s + r.answered, 0);
  const foot = await texts('#queue-table tfoot td');
  assert.equal(foot[4], String(answeredTotal));

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download CSV' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8')
    .trimEnd()
    .split('\r\n');
  const table = await page.locator('#queue-table').evaluate((t) =>
    [...t.querySelectorAll('tr')].map((tr) =>
      [...tr.querySelectorAll('th, td')]
        .map((c) => {
          const text = c.textContent ?? '';
          return /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
        })
        .join(','),
    ),
  );
  assert.deepEqual(csv, table);
  await page.locator('.chart .uplot').first().waitFor();
  await screenshot(page, 'queue-performance');
});

test('operators: the figures of /v1/analytics/operators, and each operator’s state lane', async () => {
  await page.goto(`${base}/#/operators`);
  await page.locator('#operator-table').waitFor();
  // The fixture's day, which is yesterday just after midnight.
  await page.getByLabel('Day').fill(FIXTURE_DAY);
  await Promise.all([
    page.waitForResponse((r) => r.url().includes(`/v1/analytics/operators?from=${FIXTURE_DAY}&`)),
    page.waitForResponse((r) => r.url().includes(`/v1/operators/timeline?from=${FIXTURE_DAY}&`)),
    page.getByRole('button', { name: 'Show' }).click(),
  ]);
  await page.locator('#operator-table tr[data-operator-id="7"]').waitFor();
  const range = `from=${FIXTURE_DAY}&to=${dayAfter(FIXTURE_DAY, 1)}&timeZone=UTC`;
  const report = await api(`/v1/analytics/operators?${range}&interval=ALL`);
  for (const r of report.rows) {
    const row = page.locator(`#operator-table tr[data-operator-id="${r.operator.id}"] td`);
    assert.equal(await row.nth(1).innerText(), String(r.handled));
    assert.equal(await row.nth(6).innerText(), String(r.missedOffers));
    assert.equal(await row.nth(7).getAttribute('data-ms'), String(r.loggedInMs));
    assert.equal(await row.nth(8).getAttribute('data-ms'), String(r.availableMs));
    assert.equal(await row.nth(9).getAttribute('data-ms'), String(r.breakMs));
    assert.equal(await row.nth(10).getAttribute('data-occupancy'), String(r.occupancy ?? ''));
  }
  // Operator 7: 60 + 34 s ONLINE, 306 s ON_CALL, 60 s AFTER_CALL, 20 s ONLINE, a 60 s paid break.
  const [jana] = report.rows.filter((r: any) => r.operator.id === '7');
  assert.deepEqual(
    [jana.loggedInMs, jana.availableMs, jana.handlingMs, jana.breakPaidMs],
    [540_000, 114_000, 366_000, 60_000],
  );
  assert.equal(jana.occupancy, 366 / (366 + 114));
  const janaRow = page.locator('#operator-table tr[data-operator-id="7"] td');
  assert.equal(await janaRow.nth(10).innerText(), '76.3 %');
  // Her lane shows the timeline of /v1/operators/timeline, state by state (the last, OFFLINE, runs to now).
  const timeline = await api(`/v1/operators/timeline?${range}&operator=7`);
  const expected = timeline.operators[0].segments.map((seg: any) => [
    seg.state,
    Date.parse(seg.to) - Date.parse(seg.from),
  ]);
  const lane = page.locator('#operator-lanes .lane[data-lane="Jana Nováková"] .bar');
  const bars = await lane.evaluateAll((els) =>
    els.map((e) => [e.getAttribute('data-state'), Number(e.getAttribute('data-duration-ms'))]),
  );
  assert.deepEqual(
    bars.map((b) => b[0]),
    expected.map((e: [string, number]) => e[0]),
  );
  assert.deepEqual(bars.slice(0, -1), expected.slice(0, -1));
  assert.deepEqual(
    expected.slice(0, -1).map((e: [string, number]) => e[0]),
    ['ONLINE', 'ON_CALL', 'AFTER_CALL', 'ONLINE', 'BREAK'],
  );
  await screenshot(page, 'operators');
});

test('sessions: the list is the API’s page; a session’s timeline has its states in order with their durations', async () => {
  await page.goto(`${base}/#/sessions`);
  await page.locator('#sessions-table tbody tr').first().waitFor();
  const list = await api('/v1/sessions?limit=50');
  const ids = await page
    .locator('#sessions-table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-session-id')));
  assert.deepEqual(
    ids,
    list.items.map((s: any) => s.sessionId),
  );
  await screenshot(page, 'sessions');

  await page.getByRole('link', { name: 'call-a', exact: true }).click();
  await page.locator('.timeline').waitFor();
  const lane = page.locator('.lane[data-lane="Session"] .bar');
  const bars = await lane.evaluateAll((els) =>
    els.map((e) => [e.getAttribute('data-state'), Number(e.getAttribute('data-duration-ms'))]),
  );
  assert.deepEqual(bars, EXPECTED_STATES);
  const detail = await api('/v1/sessions/call-a');
  const shown = await page
    .locator('#durations td')
    .evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-duration'), td.textContent]));
  assert.equal(detail.durations.inQueue, 28_000);
  assert.deepEqual(Object.fromEntries(shown).inQueue, '28 s');
  assert.deepEqual(Object.fromEntries(shown).active, '5 min 00 s');
  // The operator's lane: offered 4 s, in the session, then 60 s of ACW.
  const opLane = page.locator('.lane').filter({ hasText: 'Jana Nováková' }).locator('.bar');
  assert.deepEqual(
    await opLane.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-state'), Number(e.getAttribute('data-duration-ms'))]),
    ),
    [
      ['OFFERED', 4_000],
      ['IN_SESSION', 306_000],
      ['ACW', 60_000],
    ],
  );
  assert.match(await page.locator('#routing').innerText(), /EnteredGroupQueue[\s\S]*AcceptedByOperator/);
  assert.match(await page.locator('.conversation').innerText(), /Hello, my order is late/);
  assert.equal(await page.locator('audio').getAttribute('src'), '/v1/sessions/call-a/files/rec-1');
  assert.match(await page.locator('main').innerText(), /late-order[\s\S]*order[\s\S]*42[\s\S]*5 ★/);
  await screenshot(page, 'session-timeline');
});

test('another tenant’s session id shows "not found"', async () => {
  await page.goto(`${base}/#/sessions/theirs`);
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /Session not found/);
});

test('bots: containment per bot with its numerator and denominator', async () => {
  await page.goto(`${base}/#/bots`);
  await page.locator('#bot-totals tbody tr').first().waitFor();
  const from = dayAfter(today(), -13);
  const report = await api(
    `/v1/analytics/bots?from=${from}&to=${dayAfter(today(), 1)}&timeZone=UTC&interval=P1D`,
  );
  const sum = (k: string) =>
    report.rows.filter((r: any) => r.bot.botId === 'st-faq').reduce((s: number, r: any) => s + r[k], 0);
  const cells = await texts('#bot-totals tr[data-bot-id="st-faq"] td');
  assert.deepEqual(
    cells.slice(0, 4),
    [sum('sessions'), sum('selfService'), sum('dropOff'), sum('agent')].map(String),
  );
  assert.equal(cells[4], ((sum('selfService') / sum('sessions')) * 100).toFixed(1));
  await screenshot(page, 'bots');
});

test('sign-out ends the session: the old cookie gets 401 from the API', async () => {
  const [cookie] = await context.cookies();
  await page.goto(`${base}/#/wallboard`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Client id').waitFor();
  const response = await fetch(`${base}/v1/sessions`, {
    headers: { cookie: `${cookie.name}=${cookie.value}` },
  });
  assert.equal(response.status, 401);
  assert.deepEqual(await context.cookies(), []);
});
