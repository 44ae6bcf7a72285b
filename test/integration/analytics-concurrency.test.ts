/**
 * Concurrent intake batches that touch the same rollup rows in opposite orders neither deadlock nor lose a
 * count (each statement locks rollup rows in one global order), and the queues' totals over their channels,
 * which batches of different channels change at once, stay the sum of those channels, maxima included.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import { rebuildAnalytics } from '../../src/analytics/rebuild.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

test('eight concurrent batches over the same queues and buckets: every session counted once', async () => {
  const queues = [1, 2, 3, 4, 5, 6];
  const start = Date.parse('2026-06-01T10:00:00Z');
  const channels = ['chat', 'av', 'phone'];
  const batch = (b: number) => {
    const order = b % 2 === 0 ? queues : [...queues].reverse();
    return order.flatMap((queue, i) => {
      const sessionId = `c-${b}-${queue}`;
      const at = new Date(start + i * 1000).toISOString();
      // The session of the same place one round earlier is accepted now, after a wait that grows with the
      // batch: its rows in the totals take back an old maximum and add a new one while other batches run.
      const earlier = `c-${b - 8}-${queue}`;
      const accepted =
        b < 8
          ? []
          : [
              {
                id: `${earlier}-4`,
                sessionId: earlier,
                type: 'routing.accepted',
                // Round 0's sessions wait longest: when they move away (below), their buckets' maxima go.
                at: new Date(
                  start + i * 1000 + (b < 16 ? 60_000 : 0) + (b % 8) * 7_000 + 1_000,
                ).toISOString(),
                operator: { id: String(100 + queue) },
              },
            ];
      // Two rounds later the same session (accepted, with a wait) moves to an earlier quarter hour: its old
      // rows lose their maximum while other batches change the same queue and bucket in other channels.
      const older = `c-${b - 16}-${queue}`;
      const moved =
        b < 16
          ? []
          : [
              {
                id: `${older}-5`,
                sessionId: older,
                type: 'routing.requested',
                at: new Date(start - 20 * 60_000 + i * 1000).toISOString(),
                group: { id: queue, name: `Q${queue}` },
              },
            ];
      return [
        ...accepted,
        ...moved,
        { id: `${sessionId}-1`, sessionId, type: 'session.created', at, channel: channels[b % 3] },
        {
          id: `${sessionId}-2`,
          sessionId,
          type: 'routing.requested',
          at,
          group: { id: queue, name: `Q${queue}` },
        },
        {
          id: `${sessionId}-3`,
          sessionId,
          type: 'routing.assigned',
          at,
          operator: { id: String(100 + queue) },
        },
      ];
    });
  };
  for (let round = 0; round < 4; round++) {
    const results = await Promise.all(Array.from({ length: 8 }, (_, b) => h.ingest(batch(round * 8 + b))));
    assert.ok(results.every((r) => r.accepted === queues.length * (3 + Math.min(round, 2))));
  }
  for (const table of ['queue_rollups', 'queue_totals']) {
    const rows = await h.db.query<{ queue_id: number; offered: string }>(
      `SELECT queue_id, sum(offered) AS offered FROM ${table} WHERE tenant_id = $1 GROUP BY queue_id ORDER BY queue_id`,
      [h.tenant.id],
    );
    assert.deepEqual(
      rows.rows.map((r) => [r.queue_id, Number(r.offered)]),
      queues.map((q) => [q, 32]),
      table,
    );
  }
  // Every row, counters and maxima, equals the same rows computed from the sessions.
  const [report] = (await rebuildAnalytics(h.db)).filter((r) => r.tenantId === h.tenant.id);
  assert.equal(report.staleSessions, 0);
  assert.equal(report.differingRows, 0);
  const waits = await h.db.query<{ wait_max: string | null }>(
    'SELECT wait_max FROM queue_totals WHERE tenant_id = $1 AND wait_max IS NOT NULL',
    [h.tenant.id],
  );
  assert.ok(waits.rows.length > 0, 'accepted sessions have waits');
});
