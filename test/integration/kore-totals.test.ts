/**
 * Kore getSessions' `total` from the per-bot day counters (migration 028): whole UTC days are summed from the
 * counters, partial first and last days counted from rows. The counters must stay exact whatever changes the
 * rows — a session gaining a bot later, a session deleted, another tenant's sessions of the same bot — and
 * every window shape (aligned days, mid-day edges, one day, the default window, `dateFrom` only) must answer
 * what counting the rows answers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { harness, type Harness } from './harness.js';
import type { CreatedTenant } from '../../src/tenants/repository.js';
import { simulate } from '../../src/simulator/simulate.js';
import { defaultModel } from '../../src/simulator/model.js';

const NOW = Date.parse('2026-03-10T13:27:41Z');
const DAY = 86_400_000;
const BOT = defaultModel.bots[0].botId;
const OTHER_BOT = 'st-99999999-8888-7777-6666-555555555555';
let h: Harness;

async function post(url: string, body: unknown, tenant: CreatedTenant = h.tenant) {
  const auth = await new SignJWT({ appId: tenant.credentials.clientId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(Math.floor(NOW / 1000))
    .sign(new TextEncoder().encode(tenant.credentials.clientSecret));
  const response = await h.request({
    method: 'POST',
    url,
    headers: { auth, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/** What counting the rows says: the tenant's sessions of `bot` (any bot without it) created in [from, to]. */
async function counted(tenantId: string, bot: string | null, from: number, to: number): Promise<number> {
  const rows = await h.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM sessions WHERE tenant_id = $1 AND bot_ids <> '{}'
        AND ($2::text IS NULL OR bot_ids @> ARRAY[$2::text]) AND created >= $3 AND created <= $4`,
    [tenantId, bot, new Date(from), new Date(to)],
  );
  return Number(rows.rows[0].n);
}

/** Every counter row equals a recount of the rows (no drift after updates and deletes). */
async function assertCountersExact() {
  const drift = await h.db.query(
    `WITH kept AS (SELECT tenant_id, bot_id, day, sum(n) AS n FROM session_bot_day_counts GROUP BY 1, 2, 3),
          actual AS (SELECT tenant_id, b AS bot_id, (created AT TIME ZONE 'UTC')::date AS day, count(*) AS n
                       FROM sessions, unnest(session_bot_keys(bot_ids)) AS b GROUP BY 1, 2, 3)
     SELECT * FROM kept FULL JOIN actual USING (tenant_id, bot_id, day)
      WHERE kept.n IS DISTINCT FROM actual.n AND NOT (kept.n = 0 AND actual.n IS NULL)`,
  );
  assert.deepEqual(drift.rows, []);
}

const event = (sessionId: string, n: number, type: string, at: number, extra: object = {}) => ({
  id: `${sessionId}-${n}`,
  sessionId,
  type,
  at: new Date(at).toISOString(),
  ...extra,
});

before(async () => {
  h = await harness({ now: () => NOW });
  const batches = [...simulate({ seed: 11, sessions: 700, start: NOW - 6.5 * DAY, end: NOW })];
  for (let i = 0; i < batches.length; i += 200) await h.ingest(batches.slice(i, i + 200).flat());
  // The other tenant has sessions of the same bot on the same days: they never count for this one.
  const theirs = [...simulate({ seed: 12, sessions: 150, start: NOW - 6.5 * DAY, end: NOW })];
  await h.ingest(theirs.flat(), h.other);
  for (const tenant of [h.tenant, h.other])
    await h.db.query('UPDATE tenants SET kore_per_minute = 100000, kore_per_hour = 100000 WHERE id = $1', [
      tenant.id,
    ]);
});
after(() => h.close());

const WINDOWS: [string, { dateFrom?: string; dateTo?: string }, number, number][] = [
  [
    'aligned days',
    { dateFrom: '2026-03-04', dateTo: '2026-03-09' },
    Date.parse('2026-03-04'),
    Date.parse('2026-03-09'),
  ],
  [
    'mid-day edges',
    { dateFrom: '2026-03-04T07:13:00Z', dateTo: '2026-03-09T18:01:02Z' },
    Date.parse('2026-03-04T07:13:00Z'),
    Date.parse('2026-03-09T18:01:02Z'),
  ],
  [
    'within one day',
    { dateFrom: '2026-03-06T02:00:00Z', dateTo: '2026-03-06T20:00:00Z' },
    Date.parse('2026-03-06T02:00:00Z'),
    Date.parse('2026-03-06T20:00:00Z'),
  ],
  ['the default window', {}, NOW - 7 * DAY, NOW],
  [
    'dateFrom only',
    { dateFrom: '2026-03-05T12:00:00Z' },
    Date.parse('2026-03-05T12:00:00Z'),
    Date.parse('2026-03-12T12:00:00Z'),
  ],
];

async function assertTotals(label: string) {
  for (const [name, window, from, to] of WINDOWS) {
    const one = await post(`/api/public/bot/${BOT}/getSessions`, { ...window, limit: 1 });
    assert.equal(one.total, await counted(h.tenant.id, BOT, from, to), `${label}, ${name}, one bot`);
    const any = await post('/api/public/getSessions', { ...window, limit: 1 });
    assert.equal(any.total, await counted(h.tenant.id, null, from, to), `${label}, ${name}, any bot`);
  }
}

test('totals equal counting the rows, for every window shape', async () => {
  assert.ok((await counted(h.tenant.id, BOT, NOW - 7 * DAY, NOW)) > 20, 'the data has sessions of the bot');
  await assertTotals('simulated');
  await assertCountersExact();
});

test('a session gaining a bot later, and a deleted one, keep the counters exact', async () => {
  const at = Date.parse('2026-03-07T10:00:00Z');
  // A session with no bot at first: no bot sessions to count.
  await h.ingest([event('late-bot', 0, 'session.created', at, { channel: 'chat' })]);
  const before = await post(`/api/public/bot/${OTHER_BOT}/getSessions`, {
    dateFrom: '2026-03-04',
    dateTo: '2026-03-10',
  });
  assert.equal(before.total, 0);
  // Then a bot joins it (an update of the row), and another session with that bot arrives.
  await h.ingest([
    event('late-bot', 1, 'bot.joined', at + 1000, { bot: { botId: OTHER_BOT, name: 'Late' } }),
    event('late-bot-2', 0, 'session.created', at + 5000, {
      channel: 'chat',
      bot: { botId: OTHER_BOT, userId: 'u-2' },
    }),
    event('late-bot-2', 1, 'bot.joined', at + 5000, { bot: { botId: OTHER_BOT, name: 'Late' } }),
  ]);
  const gained = await post(`/api/public/bot/${OTHER_BOT}/getSessions`, {
    dateFrom: '2026-03-04',
    dateTo: '2026-03-10',
  });
  assert.equal(gained.total, 2);
  await assertTotals('after a bot joined');
  // A deleted session leaves the counters, whatever statement deleted it.
  await h.db.query(`DELETE FROM sessions WHERE tenant_id = $1 AND session_id = 'late-bot'`, [h.tenant.id]);
  const deleted = await post(`/api/public/bot/${OTHER_BOT}/getSessions`, {
    dateFrom: '2026-03-04',
    dateTo: '2026-03-10',
  });
  assert.equal(deleted.total, 1);
  await assertTotals('after a delete');
  await assertCountersExact();
  // The other tenant counts only its own.
  const theirs = await post(
    `/api/public/bot/${BOT}/getSessions`,
    { dateFrom: '2026-03-04', dateTo: '2026-03-09' },
    h.other,
  );
  assert.equal(
    theirs.total,
    await counted(h.other.id, BOT, Date.parse('2026-03-04'), Date.parse('2026-03-09')),
  );
});

test('filters the counters cannot answer still count rows', async () => {
  const body = { dateFrom: '2026-03-04', dateTo: '2026-03-10', containmentType: 'selfService', limit: 1 };
  const filtered = await post(`/api/public/bot/${BOT}/getSessions`, body);
  const rows = await h.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM sessions WHERE tenant_id = $1 AND bot_ids @> ARRAY[$2::text]
        AND containment = 'selfService' AND created >= '2026-03-04' AND created <= '2026-03-10'`,
    [h.tenant.id, BOT],
  );
  assert.equal(filtered.total, Number(rows.rows[0].n));
});
