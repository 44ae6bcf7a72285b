/**
 * The per-day session counters (migration 006) stay exact through every way a session row changes: intake
 * in batches and out of order (a late `session.created` moves a session to another day), concurrent intake,
 * bulk deletion (also racing intake of the same sessions) and the deletion of a tenant.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import { sessionCount } from '../../src/sessions/repository.js';
import { createTenant } from '../../src/tenants/repository.js';
import { rebuildAnalytics } from '../../src/analytics/rebuild.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const DAY = 86_400_000;
let h: Harness;

before(async () => {
  h = await harness({ now: () => NOW });
});
after(() => h.close());

/** The truth: counted from the rows. */
async function counted(tenantId: string, fromDay?: string, toDay?: string): Promise<number> {
  const result = await h.db.query<{ n: string }>(
    `SELECT count(*) AS n FROM sessions WHERE tenant_id = $1
       AND ($2::date IS NULL OR created >= ($2::date)::timestamp AT TIME ZONE 'UTC')
       AND ($3::date IS NULL OR created < ($3::date)::timestamp AT TIME ZONE 'UTC')`,
    [tenantId, fromDay ?? null, toDay ?? null],
  );
  return Number(result.rows[0].n);
}

async function assertExact(tenantId: string): Promise<void> {
  for (const [from, to] of [
    [undefined, undefined],
    ['2026-03-07', undefined],
    [undefined, '2026-03-08'],
    ['2026-03-06', '2026-03-09'],
    ['2026-03-09', '2026-03-09'],
  ] as const) {
    assert.equal(
      await sessionCount(h.db, tenantId, { fromDay: from, toDay: to }),
      await counted(tenantId, from, to),
      `${from ?? '…'} to ${to ?? '…'}`,
    );
  }
}

test('counts follow concurrent intake, late creation events, bulk deletion and tenant deletion', async () => {
  const sessions = [...simulate({ seed: 3, sessions: 600, start: NOW - 5 * DAY, end: NOW })];
  // Concurrent batches; every session's session.created held back until the end, so rows are first made
  // from later events (created = the earliest of those) and then move when their creation arrives.
  const head = sessions.map((events) => events.slice(1)).filter((events) => events.length > 0);
  const batches = [];
  for (let i = 0; i < head.length; i += 100) batches.push(head.slice(i, i + 100).flat());
  await Promise.all(batches.map((events) => h.ingest(events)));
  await assertExact(h.tenant.id);
  // A creation event dated a day earlier than anything else moves the session across midnight.
  const moved = sessions.map((events) => ({
    ...events[0],
    at: new Date(Date.parse(events[0].at) - DAY).toISOString(),
  }));
  await h.ingest(moved);
  assert.equal(await sessionCount(h.db, h.tenant.id), 600);
  await assertExact(h.tenant.id);

  // Another tenant's sessions never count here.
  await h.ingest(sessions.slice(0, 50).flat(), h.other);
  await assertExact(h.tenant.id);
  assert.equal(await sessionCount(h.db, h.other.id), 50);

  await h.db.query(`DELETE FROM sessions WHERE tenant_id = $1 AND created < $2`, [
    h.tenant.id,
    new Date(NOW - 3 * DAY).toISOString(),
  ]);
  await assertExact(h.tenant.id);

  const doomed = await h.db.tx((q) => createTenant(q, { name: 'doomed' }));
  await h.ingest(sessions.slice(0, 20).flat(), doomed);
  assert.equal(await sessionCount(h.db, doomed.id), 20);
  await h.db.query('DELETE FROM tenants WHERE id = $1', [doomed.id]);
  const left = await h.db.query('SELECT 1 FROM session_day_counts WHERE tenant_id = $1', [doomed.id]);
  assert.equal(left.rows.length, 0);
});

test('intake racing the Evo bulk delete of the same sessions: day counts, bot counts and rollups stay exact', async () => {
  // The other tenant: this one's rows were deleted behind the rollups' back above.
  const basic = `Basic ${Buffer.from(`${h.other.credentials.clientId}:${h.other.credentials.clientSecret}`).toString('base64')}`;
  for (let round = 0; round < 4; round++) {
    // A day of sessions, some with bots; then their last events again (new ids) while the day is deleted.
    const dayStart = NOW - (20 + round) * DAY;
    const sessions = [
      ...simulate({ seed: 40 + round, sessions: 120, start: dayStart, end: dayStart + DAY / 2 }),
    ];
    await h.ingest(sessions.flat(), h.other);
    const late = sessions.map((events) => events.slice(-3).map((e) => ({ ...e, id: `${e.id}-late` })));
    const day = new Date(dayStart).toISOString().slice(0, 10);
    const [deleted] = await Promise.all([
      h.request({
        method: 'DELETE',
        url: `/sessions?startDateTime=${day}T00:00:00Z&endDateTime=${day}T23:59:59Z`,
        headers: { authorization: basic },
      }),
      ...Array.from({ length: 4 }, (_, i) => h.ingest(late.filter((_, j) => j % 4 === i).flat(), h.other)),
    ]);
    assert.ok(deleted.statusCode < 300, deleted.body);
  }
  await assertExact(h.other.id);
  const drift = await h.db.query(
    `WITH kept AS (SELECT bot_id, day, sum(n) AS n FROM session_bot_day_counts WHERE tenant_id = $1 GROUP BY 1, 2),
          actual AS (SELECT b AS bot_id, (created AT TIME ZONE 'UTC')::date AS day, count(*) AS n
                       FROM sessions, unnest(session_bot_keys(bot_ids)) AS b WHERE tenant_id = $1 GROUP BY 1, 2)
     SELECT * FROM kept FULL JOIN actual USING (bot_id, day)
      WHERE kept.n IS DISTINCT FROM actual.n AND NOT (kept.n = 0 AND actual.n IS NULL)`,
    [h.other.id],
  );
  assert.deepEqual(drift.rows, []);
  // The rollups too: the sessions the delete took away are out, those recreated after it are in, once.
  const [report] = (await rebuildAnalytics(h.db)).filter((r) => r.tenantId === h.other.id);
  assert.equal(report.staleSessions, 0);
  assert.equal(report.differingRows, 0);
});
