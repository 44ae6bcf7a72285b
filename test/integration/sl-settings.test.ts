/**
 * Versioned service-level settings (issue 11 item 2, docs/metrics.md#service-level-settings): a new version
 * applies from the next 15-minute bucket, a past bucket keeps the settings it was counted with (also when a
 * late event re-projects one of its sessions, and in a rebuild), a queue's own version beats the default,
 * abandons can leave the denominator; roles and bad input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, harness, type Harness } from './harness.js';
import { rebuildAnalytics } from '../../src/analytics/rebuild.js';
import { addClient } from '../../src/tenants/repository.js';

let h: Harness;
// The server's clock: 07:55 UTC, so a version set now applies from 08:00.
const NOW = Date.parse('2026-03-02T07:55:00Z');
before(async () => {
  h = await harness({ now: () => NOW });
});
after(() => h.close());

let n = 0;
const at = (hms: string) => `2026-03-02T${hms}Z`;
const ev = (sessionId: string, type: string, time: string, fields: Record<string, unknown> = {}) => ({
  id: `${sessionId}-${++n}`,
  sessionId,
  type,
  at: time,
  ...fields,
});
/** A chat queued at `queued` in `group`, answered after `waitS` seconds (or abandoned then, when `left`). */
const session = (id: string, queued: string, group: number, waitS: number, left = false) => {
  const start = Date.parse(at(queued));
  const later = new Date(start + waitS * 1000).toISOString();
  return [
    ev(id, 'session.created', at(queued), { channel: 'chat' }),
    ev(id, 'guest.joined', at(queued)),
    ev(id, 'routing.requested', at(queued), { group: { id: group, name: `Q${group}` } }),
    ...(left
      ? [ev(id, 'guest.left', later, { state: 'LeftQueue' }), ev(id, 'session.ended', later)]
      : [
          ev(id, 'routing.assigned', later, { operator: { id: '7' } }),
          ev(id, 'routing.accepted', later, { operator: { id: '7' } }),
          ev(id, 'operator.joined', later, { operator: { id: '7' } }),
        ]),
  ];
};

const put = (payload: unknown, headers = h.auth()) =>
  h.request({ method: 'PUT', url: '/v1/settings/service-level', headers, payload: payload as string });
const report = async () => {
  const response = await h.request({
    method: 'GET',
    url: '/v1/analytics/queues?from=2026-03-02T07:45:00Z&to=2026-03-02T08:15:00Z&timeZone=UTC&interval=PT15M',
    headers: h.auth(),
  });
  assert.equal(response.statusCode, 200, response.body);
  return response
    .json<{
      rows: {
        start: string;
        queue: { id: number };
        answeredWithinSl: number;
        slCounted: number;
        serviceLevel: number | null;
      }[];
    }>()
    .rows.map((r) => `${r.start.slice(11, 16)} Q${r.queue.id}: ${r.answeredWithinSl}/${r.slCounted}`);
};

test('a version applies from the next bucket; the past keeps its settings, through late events and a rebuild', async () => {
  const base = { shortAbandonSeconds: 5, abandonsCount: true, goal: 0.9 };
  const tenantDefault = await put({ thresholdSeconds: 10, ...base });
  assert.equal(tenantDefault.statusCode, 200, tenantDefault.body);
  assert.equal(tenantDefault.json().validFrom, '2026-03-02T08:00:00.000Z');
  const queue2 = await put({ queueId: 2, thresholdSeconds: 60, ...base, abandonsCount: false });
  assert.equal(queue2.statusCode, 200, queue2.body);

  await h.ingest([
    // Before 08:00: the built-in defaults (20 s): within.
    ...session('S1', '07:50:00', 1, 15),
    // From 08:00, queue 1 has the tenant default (10 s): not within; an abandon after 30 s counts.
    ...session('S2', '08:05:00', 1, 15),
    ...session('S3', '08:06:00', 1, 30, true),
    // Queue 2 has its own: 60 s, and abandons leave the denominator.
    ...session('S4', '08:07:00', 2, 45),
    ...session('S5', '08:08:00', 2, 30, true),
  ]);
  const expected = ['07:45 Q1: 1/1', '07:45 Q2: 0/0', '08:00 Q1: 0/2', '08:00 Q2: 1/1'];
  assert.deepEqual(await report(), expected);

  // A late event re-projects S1: it is counted again with the settings of its own bucket.
  await h.ingest([ev('S1', 'session.ended', at('07:58:00'))]);
  assert.deepEqual(await report(), expected);
  const [rebuilt] = (await rebuildAnalytics(h.db)).filter((r) => r.tenantId === h.tenant.id);
  assert.equal(rebuilt.differingRows, 0);
  assert.equal(rebuilt.staleSessions, 0);

  const got = await h.request({ method: 'GET', url: '/v1/settings/service-level', headers: h.auth() });
  assert.equal(got.statusCode, 200, got.body);
  // At 07:55 the scheduled versions are not current yet: the built-in defaults are.
  assert.equal(got.json().current.default.thresholdSeconds, 20);
  assert.equal(got.json().versions.length, 2);
});

test('past starts, bad values and a reader are refused; another tenant is untouched', async () => {
  const ok = { thresholdSeconds: 20, shortAbandonSeconds: 5, abandonsCount: true, goal: 0.8 };
  assertError(await put({ ...ok, validFrom: '2026-03-01T00:00:00Z' }), 400);
  assertError(await put({ ...ok, thresholdSeconds: 0 }), 400);
  assertError(await put({ ...ok, goal: 1.5 }), 400);
  assertError(await put({ ...ok, queueId: 'one' }), 400);
  assertError(await put({ ...ok, extra: 1 }), 400);
  const reader = await h.db.tx((q) => addClient(q, h.tenant.id, 'reader'));
  const readerAuth = { authorization: `Bearer ${reader.clientSecret}` };
  assertError(await put(ok, readerAuth), 403, 'forbidden');
  assert.equal(
    (await h.request({ method: 'GET', url: '/v1/settings/service-level', headers: readerAuth })).statusCode,
    200,
  );
  const other = await h.request({
    method: 'GET',
    url: '/v1/settings/service-level',
    headers: h.auth(h.other),
  });
  assert.deepEqual(other.json().versions, []);
});
