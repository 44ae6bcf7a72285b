/**
 * `GET /v1/live/queues`: every queue now — who waits and for how long (the sessions in the queue right now,
 * found through the status index, never today's history) and today so far (the analytics rollups from local
 * midnight, the same numbers `/v1/analytics/queues` gives for today).
 */
import type { Queryable } from '../db/store.js';
import { todaySoFar } from '../analytics/intervals.js';
import { queueReport } from '../analytics/report.js';
import { loadSlLookup } from '../analytics/sl-settings.js';
import { operatorsByQueue } from '../operators/live.js';

export interface LiveQueue {
  queue: { id: number; name: string | null };
  waiting: number;
  longestWaitMs: number | null;
  /** The queue's sessions in progress now, by status (`waiting` is IN_QUEUE + WAITING). */
  inProgress: Record<InProgressStatus, number>;
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

/** The mluvii statuses of a session not yet over (ACW: the guest has gone, an operator is still wrapping up). */
export const IN_PROGRESS = ['CREATED', 'IN_QUEUE', 'WAITING', 'BCW', 'ACTIVE', 'ACW'] as const;
export type InProgressStatus = (typeof IN_PROGRESS)[number];

const noneInProgress = () =>
  Object.fromEntries(IN_PROGRESS.map((s) => [s, 0])) as Record<InProgressStatus, number>;

export async function liveQueues(
  q: Queryable,
  tenantId: string,
  now: number,
  timeZone: string,
): Promise<{ asOf: string; timeZone: string; queues: LiveQueue[] }> {
  const today = await queueReport(q, tenantId, {
    ...todaySoFar(now, timeZone),
    timeZone,
    interval: 'ALL',
    groups: [],
    channels: [],
  });
  // Every session in progress, by the queue it counts in (`queue_id`, migration 030), through the status index
  // (CLOSED and BLACKLISTED are the only final statuses), and for those waiting, when their wait began.
  const open = await q.query<{ queue_id: number; status: InProgressStatus; n: string; since: string | null }>(
    `SELECT queue_id, status, count(*) AS n,
            min((SELECT min((r ->> 'timestamp')::bigint) FROM jsonb_array_elements(doc -> 'routing') AS r
                  WHERE r ->> 'activityType' IN ('RoutingRequestCreated', 'EnteredGroupQueue'))
               ) FILTER (WHERE status = ANY('{IN_QUEUE,WAITING}'::text[])) AS since
       FROM sessions
      WHERE tenant_id = $1 AND status = ANY($2::text[])
        AND queue_id IS NOT NULL
      GROUP BY 1, 2`,
    [tenantId, IN_PROGRESS],
  );
  const states = await operatorsByQueue(q, tenantId);
  const settings = await loadSlLookup(q, tenantId);
  const inProgress = new Map<number, Record<InProgressStatus, number>>();
  const waitSince = new Map<number, number>();
  for (const row of open.rows) {
    const queueId = Number(row.queue_id);
    let counts = inProgress.get(queueId);
    if (!counts) inProgress.set(queueId, (counts = noneInProgress()));
    counts[row.status] = Number(row.n);
    if (row.since !== null) {
      waitSince.set(queueId, Math.min(Number(row.since), waitSince.get(queueId) ?? Infinity));
    }
  }
  return {
    asOf: new Date(now).toISOString(),
    timeZone,
    queues: today.rows.map((row) => {
      const counts = inProgress.get(row.queue.id) ?? noneInProgress();
      const since = waitSince.get(row.queue.id);
      const sl = settings(row.queue.id, now);
      return {
        queue: row.queue,
        waiting: counts.IN_QUEUE + counts.WAITING,
        longestWaitMs: since === undefined ? null : Math.max(0, now - since),
        inProgress: counts,
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
