/**
 * A simulated day seen live: the wallboard's numbers after a day of the simulator's traffic, cut at "now"
 * (every event up to now taken in, none after), against the analytics API for today and against the sessions
 * themselves.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';
import { project } from '../../src/domain/projector.js';
import type { SessionEvent } from '../../src/domain/events.js';

const NOW = Date.parse('2026-05-04T14:00:00Z');
const HOUR = 3_600_000;
let h: Harness;
const sessions: SessionEvent[][] = [];

before(async () => {
  h = await harness({ now: () => NOW });
  // From yesterday noon to now, the busiest hours included; the sessions of the last minutes still run.
  const day = simulate({ seed: 5, sessions: 400, start: NOW - 26 * HOUR, end: NOW });
  // And a rush in the last twenty minutes, so that sessions stand in every phase at the cut.
  const rush = simulate({ seed: 6, sessions: 120, start: NOW - HOUR / 3, end: NOW });
  for (const events of [...day, ...rush]) {
    const upToNow = events.filter((e) => Date.parse(e.at) <= NOW);
    if (upToNow.length > 0) sessions.push(upToNow);
  }
  const all = sessions.flat();
  for (let i = 0; i < all.length; i += 2_000) await h.ingest(all.slice(i, i + 2_000));
});
after(() => h.close());

const get = async (url: string) => {
  const response = await h.request({ method: 'GET', url, headers: h.auth() });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
};

for (const timeZone of ['UTC', 'Europe/Prague', 'America/New_York']) {
  test(`today on the wallboard equals the analytics for today (${timeZone})`, async () => {
    const live = await get(`/v1/live/queues?timeZone=${timeZone}`);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone }).format(NOW);
    const next = new Intl.DateTimeFormat('en-CA', { timeZone }).format(NOW + 24 * HOUR);
    const report = await get(`/v1/analytics/queues?from=${day}&to=${next}&timeZone=${timeZone}&interval=ALL`);
    assert.ok(live.queues.length >= 2, 'the simulator routes to several queues');
    assert.deepEqual(
      live.queues.map((q: any) => [q.queue, q.today]),
      report.rows.map((r: any) => [
        r.queue,
        {
          offered: r.offered,
          answered: r.answered,
          abandoned: r.abandoned,
          serviceLevel: r.serviceLevel,
          answeredWithinSl: r.answeredWithinSl,
          slCounted: r.slCounted,
        },
      ]),
    );
    assert.ok(
      live.queues.some((q: any) => q.today.offered > 0),
      'the day has traffic',
    );
  });
}

test('sessions in progress per queue and status are the sessions as they stand now', async () => {
  const expected = new Map<number, Record<string, number>>();
  for (const events of sessions) {
    const s = project(events)!;
    const entry = s.routing.find(
      (r) =>
        r.group !== null &&
        (r.activityType === 'RoutingRequestCreated' || r.activityType === 'EnteredGroupQueue'),
    );
    if (!entry?.group || s.channel === null || s.status === 'CLOSED' || s.status === 'BLACKLISTED') {
      continue;
    }
    const counts = expected.get(entry.group.id) ?? {};
    counts[s.status] = (counts[s.status] ?? 0) + 1;
    expected.set(entry.group.id, counts);
  }
  const inProgressNow = [...expected.values()].reduce(
    (n, counts) => n + Object.values(counts).reduce((a, b) => a + b, 0),
    0,
  );
  assert.ok(inProgressNow >= 3, `${inProgressNow} sessions run at the cut`);
  console.log(`# in progress at the cut: ${JSON.stringify(Object.fromEntries(expected))}`);
  const live = await get('/v1/live/queues');
  for (const q of live.queues) {
    const want = { CREATED: 0, IN_QUEUE: 0, WAITING: 0, BCW: 0, ACTIVE: 0, ACW: 0 };
    Object.assign(want, expected.get(q.queue.id) ?? {});
    assert.deepEqual(q.inProgress, want, `queue ${q.queue.id}`);
    assert.equal(q.waiting, want.IN_QUEUE + want.WAITING);
    assert.equal(q.longestWaitMs === null, q.waiting === 0);
  }
});
