/**
 * Concurrent intake batches that touch the same rollup rows in opposite orders neither deadlock nor lose a
 * count (each statement locks rollup rows in one global order).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

test('eight concurrent batches over the same queues and buckets: every session counted once', async () => {
  const queues = [1, 2, 3, 4, 5, 6];
  const batch = (b: number) => {
    const order = b % 2 === 0 ? queues : [...queues].reverse();
    return order.flatMap((queue, i) => {
      const sessionId = `c-${b}-${queue}`;
      const at = new Date(Date.parse('2026-06-01T10:00:00Z') + i * 1000).toISOString();
      return [
        { id: `${sessionId}-1`, sessionId, type: 'session.created', at, channel: 'chat' },
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
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(Array.from({ length: 8 }, (_, b) => h.ingest(batch(round * 8 + b))));
    assert.ok(results.every((r) => r.accepted === queues.length * 3));
  }
  const rows = await h.db.query<{ queue_id: number; offered: string }>(
    'SELECT queue_id, sum(offered) AS offered FROM queue_rollups WHERE tenant_id = $1 GROUP BY queue_id ORDER BY queue_id',
    [h.tenant.id],
  );
  assert.deepEqual(
    rows.rows.map((r) => [r.queue_id, Number(r.offered)]),
    queues.map((q) => [q, 24]),
  );
});
