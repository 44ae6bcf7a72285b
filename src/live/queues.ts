/**
 * `GET /v1/live/queues`: every queue now — who waits and for how long (the sessions in the queue right now,
 * found through the status index, never today's history) and today so far (the analytics rollups from local
 * midnight, the same numbers `/v1/analytics/queues` gives for today).
 */
import type { Queryable } from '../db/store.js';
import { instantOf, local } from '../analytics/intervals.js';
import { queueReport } from '../analytics/report.js';
import { loadSlLookup } from '../analytics/sl-settings.js';
import { operatorsByQueue } from '../operators/live.js';

export interface LiveQueue {
  queue: { id: number; name: string | null };
  waiting: number;
  longestWaitMs: number | null;
  /** Operators serving the queue (offered or served one of its sessions) by current OperatorStateKind. */
  operators: Record<string, number>;
  /** The queue's service-level settings in effect now (docs/metrics.md#service-level-settings). */
  sl: { thresholdSeconds: number; shortAbandonSeconds: number; abandonsCount: boolean; goal: number };
  today: {
    offered: number;
    answered: number;
    abandoned: number;
    /** answeredWithinSl / slCounted, each bucket counted with the settings it had. */
    serviceLevel: number | null;
    answeredWithinSl: number;
    slCounted: number;
  };
}

const QUARTER = 900_000;

export async function liveQueues(
  q: Queryable,
  tenantId: string,
  now: number,
  timeZone: string,
): Promise<{ asOf: string; timeZone: string; queues: LiveQueue[] }> {
  const l = local(now, timeZone);
  const midnight = instantOf(l.year, l.month, l.day, 0, 0, timeZone);
  const today = await queueReport(q, tenantId, {
    from: midnight,
    to: Math.floor(now / QUARTER) * QUARTER + QUARTER,
    timeZone,
    interval: 'ALL',
    groups: [],
    channels: [],
  });
  const waiting = await q.query<{ queue_id: number; waiting: number; since: string | null }>(
    `SELECT (analytics -> 'queue' ->> 'q')::integer AS queue_id, count(*) AS waiting,
            min((SELECT min((r ->> 'timestamp')::bigint) FROM jsonb_array_elements(doc -> 'routing') AS r
                  WHERE r ->> 'activityType' IN ('RoutingRequestCreated', 'EnteredGroupQueue'))) AS since
       FROM sessions
      WHERE tenant_id = $1 AND status = ANY('{IN_QUEUE,WAITING}'::text[]) AND ended IS NULL
        AND analytics -> 'queue' IS NOT NULL AND analytics -> 'queue' <> 'null'::jsonb
      GROUP BY 1`,
    [tenantId],
  );
  const states = await operatorsByQueue(q, tenantId);
  const settings = await loadSlLookup(q, tenantId);
  const waits = new Map(waiting.rows.map((r) => [Number(r.queue_id), r]));
  return {
    asOf: new Date(now).toISOString(),
    timeZone,
    queues: today.rows.map((row) => {
      const w = waits.get(row.queue.id);
      const sl = settings(row.queue.id, now);
      return {
        queue: row.queue,
        waiting: Number(w?.waiting ?? 0),
        longestWaitMs: w?.since ? Math.max(0, now - Number(w.since)) : null,
        operators: states.get(row.queue.id) ?? {},
        sl: {
          thresholdSeconds: sl.thresholdMs / 1000,
          shortAbandonSeconds: sl.shortAbandonMs / 1000,
          abandonsCount: sl.abandonsCount,
          goal: sl.goal,
        },
        today: {
          offered: row.offered,
          answered: row.answered,
          abandoned: row.abandoned,
          serviceLevel: row.serviceLevel,
          answeredWithinSl: row.answeredWithinSl,
          slCounted: row.slCounted,
        },
      };
    }),
  };
}
