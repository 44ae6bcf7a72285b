/**
 * A property of the rollups kept at intake (issue 11): whatever batches the events of some sessions arrive in,
 * in whatever order, with whatever copies, the counters and sums equal those of the same sessions taken in at
 * once, maxima included (a maximum a re-projection took away is recomputed: docs/metrics.md#maxima) — on the
 * real store, through the real intake.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { harness, type Harness } from './harness.js';
import { createTenant } from '../../src/tenants/repository.js';
import { ingest } from '../../src/events/service.js';
import { rebuildAnalytics } from '../../src/analytics/rebuild.js';
import { MAXES } from '../../src/analytics/contribution.js';
import { simulate } from '../../src/simulator/simulate.js';
import type { SessionEvent } from '../../src/domain/events.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
let h: Harness;
before(async () => {
  h = await harness({ now: () => NOW });
});
after(() => h.close());

const KEYS = ['queue_id', 'dimension', 'key', 'channel', 'bucket'];
const MAX_COLUMNS = new Set<string>([...MAXES, 'maxima']);
/** Where a row's maxima are searched for: it only widens, so it depends on the arrival order by design. */
const SEARCH_RANGE = new Set(['created_min', 'created_max', 'kept_maxima']);

interface Rollups {
  /** Counters and sums, by row key; rows that add up to nothing left out (the same as no row). */
  exact: Map<string, unknown>;
  /** Maxima, by row key. */
  maxima: Map<string, (number | null)[]>;
}

/** A tenant's rollups without the tenant, comparable across tenants. */
async function rollups(tenantId: string): Promise<Rollups> {
  const result: Rollups = { exact: new Map(), maxima: new Map() };
  for (const table of ['queue_rollups', 'queue_totals', 'dimension_rollups']) {
    const rows = await h.db.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE tenant_id = $1`, [
      tenantId,
    ]);
    for (const row of rows.rows) {
      const key = `${table} ${JSON.stringify(KEYS.map((k) => row[k]))}`;
      const values = Object.entries(row).filter(
        ([c]) => c !== 'tenant_id' && !KEYS.includes(c) && !SEARCH_RANGE.has(c),
      );
      const counters = values.filter(([c]) => !MAX_COLUMNS.has(c)).flatMap(([, v]) => v as number | number[]);
      const maxima = values.filter(([c]) => MAX_COLUMNS.has(c)).flatMap(([, v]) => v as number | number[]);
      if (counters.some((v) => Number(v) !== 0)) result.exact.set(key, counters.map(Number));
      result.maxima.set(
        key,
        maxima.map((v) => (v === null ? null : Number(v))),
      );
    }
  }
  return result;
}

test('rollups do not depend on how, in what order or how often the events arrive', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.integer({ min: 1, max: 6 }),
      fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      async (seed, sessions, cuts, copies) => {
        const events: SessionEvent[] = [
          ...simulate({ seed, sessions, start: NOW - 86_400_000, end: NOW }),
        ].flat();
        const reference = await h.db.tx((q) => createTenant(q, { name: `property-ref-${run}` }));
        const shuffled = await h.db.tx((q) => createTenant(q, { name: `property-${run++}` }));
        await ingest(h.db, reference.id, events);

        // A permutation driven by `cuts`, split into batches at the cut points, with some events sent twice.
        const order = events.map((e, i) => ({ e, key: cuts[i % cuts.length] * 7919 + i }));
        order.sort((a, b) => a.key - b.key);
        const sent = order.map((o) => o.e);
        for (const c of copies) sent.push(events[c % events.length]);
        let start = 0;
        for (const cut of cuts) {
          const end = Math.min(sent.length, start + 1 + (cut % 17));
          if (start < end) await ingest(h.db, shuffled.id, sent.slice(start, end));
          start = end;
        }
        if (start < sent.length) await ingest(h.db, shuffled.id, sent.slice(start));

        const got = await rollups(shuffled.id);
        const want = await rollups(reference.id);
        assert.deepEqual(got.exact, want.exact);
        // Maxima exact too; a row every session left has none (the reference has no such row).
        for (const [key, maxima] of got.maxima) {
          assert.deepEqual(maxima, want.maxima.get(key) ?? maxima.map(() => null), `${key}: maxima`);
        }
        for (const key of want.maxima.keys()) assert.ok(got.maxima.has(key), key);
        const report = (await rebuildAnalytics(h.db)).filter(
          (r) => r.tenantId === shuffled.id || r.tenantId === reference.id,
        );
        for (const r of report) assert.equal(r.staleSessions, 0);
        // Both equal the rebuild exactly, maxima included.
        for (const r of report) assert.equal(r.differingRows, 0, r.tenantId);
        await h.db.query('DELETE FROM tenants WHERE id = ANY($1::text[])', [[reference.id, shuffled.id]]);
      },
    ),
    { numRuns: 8, seed: 20261204 },
  );
});
